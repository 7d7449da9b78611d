//! The server: one port for the page, its feed, gRPC-Web and gRPC.
//!
//! A browser speaks HTTP/1.1 to fetch a page, and cannot speak gRPC: it
//! has no access to HTTP/2 trailers, where gRPC puts the status. gRPC-Web
//! is gRPC reshaped for it: the same messages with the same 5-byte prefix,
//! over HTTP/1.1 or HTTP/2, and the trailers sent *in the body*, as one
//! last frame whose first byte is 0x80. tonic-web translates both ways.
//!
//! So the server is assembled from:
//!
//! 1. tonic's builder with `accept_http1(true)`, then the flags' settings
//!    (plumbing's `configure`), as every lesson's;
//! 2. the lesson crates' services ([`Lessons`]), each behind the token
//!    check and the limits, inside the [`WatchLayer`] that feeds the Live
//!    panel, inside tonic-web's `GrpcWebLayer`. tonic-web goes on this one
//!    service only: it answers 400 to any HTTP/1.1 request that is not
//!    gRPC-Web, so on the whole server it would refuse the page itself;
//! 3. the page's routes (an axum `Router`, which is what tonic's `Routes`
//!    is made of) merged with the gRPC services: one port, one origin;
//!    and beside them the class on the projector (`class.Class`, and the
//!    room's feed `/room`: [`crate::room`]);
//!    all behind the check of the name a browser addressed
//!    ([`crate::host`]: IP addresses, `localhost` and `--allow-host`
//!    names only, against DNS rebinding);
//! 4. bind, serve in the background, as every lesson's.

use std::net::{Ipv4Addr, SocketAddr};

use axum::middleware;
use clap::Parser;
use plumbing::{
    cli::ServerArgs,
    server::{self, Lifecycle, RunningServer, StartError},
};
use tonic::{service::Routes, transport::Server};
use tonic_web::GrpcWebLayer;
use tower::ServiceBuilder;
use tracing::info;

use crate::{
    TOPIC,
    feed::Feed,
    frames::{self, FrameFeed},
    host::{self, AllowedHosts},
    page,
    room::{self, Room},
    service::Lessons,
    watch::WatchLayer,
};

/// Flags of the web server.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "The projector view: a page that calls hello.DoStuff with gRPC-Web, and draws every call the server receives"
)]
pub struct Args {
    /// The flags every server has (--addr, --delay-ms, --token...).
    #[command(flatten)]
    pub common: ServerArgs,

    /// How many of the last calls the Live panel is shown when it opens
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..))]
    pub keep_calls: u16,

    /// A name the page may be opened by, besides IP addresses and localhost
    /// (say, this machine's name on the LAN); repeat for several. Browsers
    /// asking by any other name are refused, against DNS rebinding
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,

    /// Also listen here with a proxy to this server that decodes the HTTP/2
    /// frames of every call through it, for the page's Frames view: point
    /// a client's --addr here (e.g. 127.0.0.1:9000)
    #[arg(long, value_name = "HOST:PORT")]
    pub proxy: Option<String>,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            common: ServerArgs::default(),
            keep_calls: 50,
            allow_hosts: Vec::new(),
            proxy: None,
        }
    }
}

/// Assembles and starts the server; returns once it is listening. `feed`
/// is where the calls are published (tests keep a clone to watch it).
pub async fn start(feed: Feed, args: &Args) -> Result<RunningServer, StartError> {
    start_with_frames(feed, FrameFeed::default(), args).await
}

/// [`start`], with the Frames view's feed given (tests keep a clone).
pub async fn start_with_frames(
    feed: Feed,
    frames: FrameFeed,
    args: &Args,
) -> Result<RunningServer, StartError> {
    let common = &args.common;
    let lifecycle = Lifecycle::new();

    // 1. HTTP/1.1 as well as HTTP/2: browsers fetch pages (and, without
    //    TLS, make gRPC-Web calls) over HTTP/1.1.
    let mut builder = server::configure(Server::builder().accept_http1(true), common, &lifecycle)?;

    // 2. The layers, outermost first: gRPC-Web → gRPC, then the watch.
    let hello = ServiceBuilder::new()
        .layer(GrpcWebLayer::new())
        .layer(WatchLayer::new(feed.clone()))
        .service(Lessons::new(common));

    // 3. gRPC and the page side by side, routed by path, behind the check
    //    of the name a browser asked for (`host.rs` says why). Reflection
    //    also describes the BadRequest a refused stream carries.
    //    Beside it, the class on the projector's `class.Class`
    //    ([`crate::room`]): plain gRPC from the students' workshops, outside
    //    the watch (its calls are the room's, not the Live panel's), and
    //    without the token check (a student has no token to send).
    let tools = lifecycle.health_and_reflection_describing(&[
        tonic_types::pb::FILE_DESCRIPTOR_SET,
        hello_proto::class::pb::FILE_DESCRIPTOR_SET,
    ])?;
    let room = Room::default();
    let grpc = tools
        .add_service(hello)
        .add_service(room::service(room.clone()));
    let page_room = room.clone();
    let hosts = AllowedHosts::new(&args.allow_hosts);
    let routes = grpc
        .into_axum_router()
        .merge(page::routes(feed))
        .merge(room::routes(page_room))
        .merge(frames::routes(frames.clone()))
        .layer(middleware::from_fn_with_state(hosts, host::check));
    let router = builder.add_routes(Routes::from(routes));

    // 4. Bind and serve.
    let listener = server::bind(TOPIC, common).await?;
    let listening = listener.listening();
    // Taken before `started` consumes the lifecycle: the proxy's stop.
    let proxy_stop = lifecycle.stop_signal();
    let serving = tokio::spawn(
        router.serve_with_incoming_shutdown(listener.incoming(common), lifecycle.stop_signal()),
    );
    let running = lifecycle.started(serving, listening, TOPIC, common).await?;

    // 5. With --proxy: the frame-decoding proxy in front of this server,
    //    stopped when the server stops.
    if let (Some(listen), Some(addr)) = (&args.proxy, running.addr()) {
        let to = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port()).to_string();
        let proxy = frames::start_proxy(listen, &to, frames)
            .await
            .map_err(|error| {
                // In the server's words ("cannot start the server: ..."),
                // naming --proxy: plumbing's own port errors advise --addr.
                let why = lang::os_error(&error);
                let line = words::PROXY_CANNOT_LISTEN.with(&[("addr", listen), ("why", &why)]);
                StartError::Runtime(std::io::Error::other(line))
            })?;
        info!("{}", words::PROXY.with(&[("addr", &proxy.addr())]));
        tokio::spawn(async move {
            proxy_stop.await;
            proxy.stop().await;
        });
    }
    if let Some(addr) = running.addr() {
        // The projector's browser may use 127.0.0.1; the students need
        // this machine's address on the network, which the page shows.
        let share = format!("http://{}", plumbing::addr::reachable(addr));
        let local = format!(
            "http://{}",
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        );
        let open = if addr.ip().is_unspecified() {
            &local
        } else {
            &share
        };
        info!("{}", words::OPEN.with(&[("url", open)]));
        info!("{}", words::STUDENTS_REPORT.with(&[("url", &share)]));
        if addr.ip().is_loopback() {
            info!(
                "{}",
                words::ONLY_THIS_MACHINE.with(&[("port", &addr.port())])
            );
        }
        room.set_share(share);
    }
    Ok(running)
}

/// What the page's server says when it starts, in the student's language
/// (the workspace's one setting, the `lang` crate).
mod words {
    lang::texts! {
        OPEN:
            "open {url} in a browser (the projector: {url}/#room shows the class)"
            "abra {url} num navegador (o projetor: {url}/#room mostra a turma)";
        STUDENTS_REPORT:
            "students report with: cargo run -p workshop -- progress --share {url} --name NAME"
            "os alunos informam com: cargo run -p workshop -- progress --share {url} --name NOME";
        PROXY:
            "frames: point a client at {addr} (e.g. --addr {addr}); the page's Frames view draws each HTTP/2 frame"
            "quadros: aponte um cliente para {addr} (p. ex. --addr {addr}); a vista Quadros da página desenha cada quadro HTTP/2";
        PROXY_CANNOT_LISTEN:
            "cannot listen on {addr} for --proxy ({why}); pass another --proxy HOST:PORT"
            "não foi possível escutar em {addr} para --proxy ({why}); passe outro --proxy HOST:PORTA";
        ONLY_THIS_MACHINE:
            "only this machine can reach 127.0.0.1: for a class, serve on every address with --addr 0.0.0.0:{port}"
            "só esta máquina alcança 127.0.0.1: para uma turma, sirva em todos os endereços com --addr 0.0.0.0:{port}";
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn both_languages_take_the_same_placeholders() {
            let wrong = lang::problems(super::ALL, &[]);
            assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        }
    }
}
