//! The benchmark's ceiling: the fastest our HTTP stack can answer a given body on this machine.
//!
//! `bench/run` fetches each scenario's real response from Understudy, writes it to a file and
//! starts this server with `--body /<scenario>=<file>`; `GET` or `POST /<scenario>` then answers
//! those exact bytes as `application/json`. Understudy's throughput on a scenario divided by this
//! server's on the same body is the ratio the benchmark reports: it factors out the machine.
//!
//! It keeps Understudy's runtime settings (`#[tokio::main]`'s multi-threaded default,
//! `axum::serve`, the allocator) and nothing else, so the gap is the work Understudy does per request.
//!
//! ```sh
//! cargo run --release --example ceiling -- --port 0 --body /tags=tags.json
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use clap::Parser;
use tokio::net::TcpListener;

// Understudy's allocator: part of the runtime settings the ceiling shares.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A minimal axum server answering fixed, pre-serialised bodies.
#[derive(Debug, Parser)]
#[command(name = "ceiling")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Port; 0 picks a free one (the bound address is printed first on stdout).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// `/PATH=FILE`: answer `GET` and `POST /PATH` with the bytes of FILE. Repeatable.
    #[arg(long = "body", value_name = "/PATH=FILE", value_parser = parse_body, required = true)]
    bodies: Vec<(String, PathBuf)>,
}

fn parse_body(text: &str) -> Result<(String, PathBuf), String> {
    let (path, file) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected /PATH=FILE"))?;
    if !path.starts_with('/') || file.is_empty() {
        return Err(format!("`{text}`: expected /PATH=FILE"));
    }
    Ok((path.to_string(), PathBuf::from(file)))
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ceiling: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> Result<(), String> {
    let mut router = Router::new();
    for (path, file) in &args.bodies {
        let body = Bytes::from(
            std::fs::read(file).map_err(|error| format!("{}: {error}", file.display()))?,
        );
        // A `Bytes` clone shares the buffer: each response costs no copy and no serialisation.
        // The request body is taken (and so read) like Understudy's handlers read theirs.
        let answer = move |_request_body: Bytes| {
            let body = body.clone();
            async move {
                (
                    [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                    body,
                )
            }
        };
        router = router.route(path, get(answer.clone()).post(answer));
    }
    let listener = TcpListener::bind(SocketAddr::new(args.host, args.port))
        .await
        .map_err(|error| format!("cannot listen on {}:{}: {error}", args.host, args.port))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    println!("Ceiling listening on http://{address}");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|error| error.to_string())
}
