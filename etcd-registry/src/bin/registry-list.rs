//! `cargo run -p etcd-registry --bin registry-list -- --registry URL`:
//! prints every server registered in an etcd, one per line, and exits.
//!
//! The same as `etcdctl get --prefix /`, but read as servers: each entry's
//! kind and the URL a client would dial.

use std::process::ExitCode;

use clap::Parser;
use etcd_registry::{EtcdError, Gateway};

/// Flags of `registry-list`.
#[derive(Parser, Debug)]
#[command(about = "Prints the servers registered in an etcd, and exits")]
struct Args {
    /// The etcd to read, e.g. http://127.0.0.1:2379
    #[arg(long, value_name = "URL")]
    registry: String,

    /// Only the servers whose keys start with this
    #[arg(long, value_name = "PREFIX", default_value = "/")]
    prefix: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match print_servers(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let advice = match error {
                EtcdError::BadUrl(_) => "pass --registry http://HOST:PORT",
                EtcdError::Unreachable { .. } => {
                    "is etcd running? start it as the README's section Registry shows"
                }
                EtcdError::Refused { .. } => "is that an etcd of version 3.4 or later?",
            };
            eprintln!("error: {error}; {advice}");
            ExitCode::FAILURE
        }
    }
}

/// Prints each entry under `--prefix`: its kind, and its URL.
async fn print_servers(args: &Args) -> Result<(), EtcdError> {
    let gateway = Gateway::new(&args.registry)?;
    let servers = etcd_registry::list(&gateway, &args.prefix).await?;
    if servers.is_empty() {
        println!("no server is registered in etcd at {}", gateway.url());
    }
    for server in servers {
        let scheme = if server.tls { "https" } else { "http" };
        println!("{:<17} {scheme}://{}", server.kind, server.addr);
    }
    Ok(())
}
