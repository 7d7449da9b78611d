//! `progress --share URL --name NAME`: your progress, sent to the
//! instructor's page (`cargo run -p web`), which draws the class as a grid.
//!
//! The sending is a gRPC call, `class.Class/Report` (`proto/class.proto`),
//! made by the `workshop` program, not the check program: it must be made
//! even when your files do not compile (the page then shows "does not
//! compile"), and the check program is your files.
//!
//! Everything that can be wrong is found as early as it can be, and said
//! in one line with the status code and what to do: the address and the
//! name before the checks run (they take a while), the rest after the call.

use std::time::Duration;

use hello_proto::class::{
    MAX_NAME_CHARS, NameProblem, check_name,
    pb::{Progress, class_client::ClassClient},
};
use plumbing::addr::AddrProblem;
use tonic::{Code, Status, transport::Endpoint};

use crate::{
    catalog,
    text::{self, lang, ui},
};

/// How long to wait for the instructor's page: to connect, then to answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// What your workshop knows of your work, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Whether your files compile; if not, nothing is known done.
    pub compiles: bool,
    /// The exercises whose checks pass.
    pub done: Vec<u8>,
    /// The next one to do; `None` when all are done, or nothing compiles.
    pub next: Option<u8>,
}

/// Where to share, and under which name: both checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The page as you typed it, for the messages.
    url: String,
    /// HOST:PORT, what is dialled.
    addr: String,
    /// Your name, as the page will show it.
    name: String,
}

impl Target {
    /// Reads `--share URL` (`http://HOST:PORT`, with or without a `/` at
    /// the end, or just `HOST:PORT`, as every `--addr` of the workspace is
    /// read) and `--name NAME`; or the one line that says what is wrong.
    pub fn new(url: &str, name: &str) -> Result<Target, String> {
        let bad_url = |why: String| ui::SHARE_BAD_URL.with(&[("url", &url), ("why", &why)]);
        if url.starts_with("https://") {
            return Err(bad_url(ui::SHARE_NO_TLS.to_string()));
        }
        let addr = url.strip_prefix("http://").unwrap_or(url);
        let addr = addr.strip_suffix('/').unwrap_or(addr);
        if plumbing::addr::unix_path(addr).is_some() {
            return Err(bad_url(text::address_problem(AddrProblem::Scheme)));
        }
        plumbing::addr::check(addr, false)
            .map_err(|bad| bad_url(text::address_problem(bad.problem)))?;
        let name = check_name(name).map_err(|problem| {
            ui::SHARE_BAD_NAME.with(&[("name", &format!("{name:?}")), ("why", &said(problem))])
        })?;
        Ok(Target {
            url: url.to_owned(),
            addr: addr.to_owned(),
            name: name.to_owned(),
        })
    }

    /// Sends `report`: the line to print, on success or not.
    pub fn send(&self, report: &Report) -> Result<String, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let sent = runtime.block_on(self.report(report));
        match sent {
            Ok(()) => Ok(self.shared(report)),
            Err(status) => Err(self.explain(&status)),
        }
    }

    /// The call itself. The channel connects on the first call (`lazy`),
    /// so that every failure, a server down included, is a `Status`.
    async fn report(&self, report: &Report) -> Result<(), Status> {
        let endpoint = Endpoint::from_shared(format!("http://{}", self.addr))
            .map_err(|e| Status::invalid_argument(e.to_string()))?
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT);
        let mut client = ClassClient::new(endpoint.connect_lazy());
        let progress = Progress {
            name: self.name.clone(),
            total: u32::from(catalog::COUNT),
            compiles: report.compiles,
            done: report.done.iter().copied().map(u32::from).collect(),
            next: report.next.map(u32::from),
        };
        client.report(progress).await.map(drop)
    }

    /// `shared with http://...: done: 1 2 3; next: 4`.
    fn shared(&self, report: &Report) -> String {
        let values: [(&str, &dyn std::fmt::Display); 2] =
            [("url", &self.url), ("name", &self.name)];
        if !report.compiles {
            return ui::SHARE_DONE_BROKEN.with(&values);
        }
        let progress = crate::progress::line(lang(), &report.done, report.next);
        let [url, name] = values;
        ui::SHARE_DONE.with(&[url, name, ("progress", &progress)])
    }

    /// The one line that says why the report was not taken, and what to do.
    fn explain(&self, status: &Status) -> String {
        let url = &self.url;
        let message = status.message();
        match status.code() {
            Code::Unavailable => {
                ui::SHARE_UNREACHABLE.with(&[("url", url), ("error", &cause(status))])
            }
            Code::DeadlineExceeded => {
                ui::SHARE_NO_ANSWER.with(&[("url", url), ("seconds", &TIMEOUT.as_secs())])
            }
            Code::Unimplemented => ui::SHARE_NOT_THE_PAGE.with(&[("url", url)]),
            Code::InvalidArgument => ui::SHARE_REFUSED.with(&[("message", &message)]),
            Code::ResourceExhausted => ui::SHARE_ROOM_FULL.with(&[("message", &message)]),
            code => {
                let status = format!("{}: {message}", plumbing::code_name(code));
                ui::SHARE_FAILED.with(&[("url", url), ("status", &status)])
            }
        }
    }
}

/// What is wrong with a name, in this run's language.
fn said(problem: NameProblem) -> String {
    match problem {
        NameProblem::Empty => ui::NAME_EMPTY.to_string(),
        NameProblem::TooLong => ui::NAME_TOO_LONG.with(&[("max", &MAX_NAME_CHARS)]),
        NameProblem::ControlCharacter => ui::NAME_CONTROL.to_string(),
    }
}

/// Why a connection failed: the system's error under the status, in this
/// run's language (connection refused...), or the status's own message.
fn cause(status: &Status) -> String {
    let mut cause = std::error::Error::source(status);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return text::os_error(io);
        }
        cause = error.source();
    }
    status.message().to_owned()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use hello_proto::class::pb::{
        Ack,
        class_server::{Class, ClassServer},
    };
    use tokio::net::TcpListener;
    use tokio_stream::wrappers::TcpListenerStream;
    use tonic::{Request, Response};

    use super::*;

    #[test]
    fn an_address_is_read_with_or_without_its_scheme() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "127.0.0.1:8080",
        ] {
            let target = Target::new(url, " ana ").unwrap();
            assert_eq!(target.addr, "127.0.0.1:8080", "{url}");
            assert_eq!(target.name, "ana");
        }
        let target = Target::new("http://instructor.local:8080", "ana").unwrap();
        assert_eq!(target.addr, "instructor.local:8080");
    }

    #[test]
    fn a_wrong_address_or_name_is_one_line_that_says_what_to_do() {
        for (url, why) in [
            ("http://192.168.0.10", "no port"),
            ("https://192.168.0.10:8080", "not https://"),
            ("192.168.0.10;8080", "';'"),
            ("ftp://h:1", "drop the scheme"),
        ] {
            let line = Target::new(url, "ana").unwrap_err();
            assert!(
                line.contains(why) && line.contains("--share http://"),
                "{line}"
            );
        }
        let line = Target::new("h:1", &"a".repeat(41)).unwrap_err();
        assert!(line.contains("longer than 40 characters"), "{line}");
        let line = Target::new("h:1", "ana\nbob").unwrap_err();
        assert!(line.contains("control character"), "{line}");
    }

    /// A stand-in for the instructor's page: keeps each report.
    #[derive(Clone, Default)]
    struct Page(Arc<Mutex<Vec<Progress>>>);

    #[tonic::async_trait]
    impl Class for Page {
        async fn report(&self, request: Request<Progress>) -> Result<Response<Ack>, Status> {
            let progress = request.into_inner();
            if progress.name == "full" {
                return Err(Status::resource_exhausted("200 students"));
            }
            let mut kept = self.0.lock().unwrap();
            kept.push(progress);
            Ok(Response::new(Ack {
                students: kept.len() as u32,
            }))
        }
    }

    /// The page, served on a free port of 127.0.0.1: its address.
    async fn serve(page: Page) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(ClassServer::new(page))
                .serve_with_incoming(TcpListenerStream::new(listener)),
        );
        format!("http://{addr}")
    }

    #[test]
    fn a_report_reaches_a_real_server_and_its_refusals_are_explained() {
        // The server on a runtime of its own: `send` makes its own, as the
        // program does, and blocks on it.
        let server = tokio::runtime::Runtime::new().unwrap();
        let page = Page::default();
        let url = server.block_on(serve(page.clone()));

        let report = Report {
            compiles: true,
            done: vec![1, 2, 3],
            next: Some(4),
        };
        let said = Target::new(&url, "ana").unwrap().send(&report).unwrap();
        assert_eq!(
            said,
            format!("shared with {url} as ana: done: 1 2 3; next: 4")
        );
        let broken = Report {
            compiles: false,
            done: Vec::new(),
            next: None,
        };
        let said = Target::new(&url, "bo").unwrap().send(&broken).unwrap();
        assert!(said.contains("do not compile"), "{said}");
        let kept = page.0.lock().unwrap().clone();
        assert_eq!(kept.len(), 2);
        assert_eq!(
            (kept[0].name.as_str(), kept[0].total, kept[0].compiles),
            ("ana", u32::from(catalog::COUNT), true)
        );
        assert_eq!(
            (kept[0].done.clone(), kept[0].next),
            (vec![1, 2, 3], Some(4))
        );
        assert_eq!((kept[1].compiles, kept[1].next), (false, None));

        let full = Target::new(&url, "full")
            .unwrap()
            .send(&report)
            .unwrap_err();
        assert!(full.contains("RESOURCE_EXHAUSTED: 200 students"), "{full}");

        // A port where nothing listens: the server is down.
        let closed = server.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap()
        });
        let down = Target::new(&closed.to_string(), "ana")
            .unwrap()
            .send(&report)
            .unwrap_err();
        assert!(
            down.contains("UNAVAILABLE") && down.contains("cargo run -p web"),
            "{down}"
        );
        assert!(down.contains("connection refused"), "{down}");
    }
}
