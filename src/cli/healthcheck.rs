//! `understudy healthcheck`: `GET <url>/__admin/health` with a plain HTTP/1.1 request over a
//! socket, so an image needs neither curl nor an HTTP client library in the binary.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::HealthcheckArgs;

/// How long one try may take, connecting included: a healthy server answers in milliseconds.
const TRY_TIMEOUT: Duration = Duration::from_secs(2);
/// The pause between tries with `--wait`.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Exit 0 once the server answers 200; 1 if it does not (within `--wait`, or at the one try).
pub async fn run(args: &HealthcheckArgs) -> ExitCode {
    let url = match &args.url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{}", reachable(args.host, args.port)),
    };
    let wait = args.wait.unwrap_or_default();
    let outcome = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + wait;
        loop {
            let outcome = check(&url);
            if outcome.is_ok() || Instant::now() >= deadline {
                return (url, outcome);
            }
            std::thread::sleep(RETRY_PAUSE);
        }
    })
    .await;
    match outcome {
        Ok((url, Ok(()))) => {
            println!("{url}/__admin/health: ok");
            ExitCode::SUCCESS
        }
        Ok((url, Err(problem))) => {
            eprintln!("{url}/__admin/health: {problem}");
            ExitCode::FAILURE
        }
        Err(panicked) => {
            eprintln!("healthcheck failed: {panicked}");
            ExitCode::FAILURE
        }
    }
}

/// The address a client reaches a server listening on `host:port` at: a wildcard address is
/// reached on loopback.
fn reachable(host: IpAddr, port: u16) -> SocketAddr {
    let host = match host {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    SocketAddr::new(host, port)
}

/// An `http://` URL taken apart: `host:port` to connect to (as `Host` names it) and a path
/// prefix.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    authority: &'a str,
    host: &'a str,
    port: u16,
    prefix: &'a str,
}

fn parse_url(url: &str) -> Result<Target<'_>, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("the URL must start with http:// (https is not spoken here)")?;
    let (authority, prefix) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or("an IPv6 host needs its `]`")?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(port) => port
            .parse()
            .map_err(|_| format!("`{port}` is not a port number"))?,
        None => 80,
    };
    if host.is_empty() {
        return Err("the URL names no host".into());
    }
    Ok(Target {
        authority,
        host,
        port,
        prefix: prefix.trim_end_matches('/'),
    })
}

/// One `GET …/__admin/health`; `Ok` on a 200.
fn check(url: &str) -> Result<(), String> {
    let target = parse_url(url)?;
    let deadline = Instant::now() + TRY_TIMEOUT;
    let addresses: Vec<SocketAddr> = (target.host, target.port)
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve {}: {error}", target.host))?
        .collect();
    let mut failure = format!("{} resolves to no address", target.host);
    for address in addresses {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no answer within {} s", TRY_TIMEOUT.as_secs()));
        }
        match get_status(address, &target, deadline) {
            Ok(200) => return Ok(()),
            Ok(status) => return Err(format!("answered {status}")),
            Err(error) => failure = format!("{address}: {error}"),
        }
    }
    Err(failure)
}

/// The status of `GET <prefix>/__admin/health` at `address`.
fn get_status(address: SocketAddr, target: &Target<'_>, deadline: Instant) -> Result<u16, String> {
    let left = || {
        let left = deadline.saturating_duration_since(Instant::now());
        // A zero timeout means none at all to the socket calls.
        left.max(Duration::from_millis(1))
    };
    let mut stream = TcpStream::connect_timeout(&address, left()).map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(left()))
        .and_then(|()| stream.set_read_timeout(Some(left())))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET {}/__admin/health HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
         Connection: close\r\n\r\n",
        target.prefix, target.authority
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // The status line is all that matters: `HTTP/1.1 200 OK`.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") && head.len() < 256 {
        match stream.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => head.push(byte[0]),
            Err(error) => return Err(error.to_string()),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let mut words = line.split_whitespace();
    match (
        words.next(),
        words.next().and_then(|code| code.parse().ok()),
    ) {
        (Some(version), Some(status)) if version.starts_with("HTTP/1.") => Ok(status),
        _ => Err(format!("not an HTTP answer: {:?}", line.trim_end())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_and_prefix() {
        assert_eq!(
            parse_url("http://127.0.0.1:4010"),
            Ok(Target {
                authority: "127.0.0.1:4010",
                host: "127.0.0.1",
                port: 4010,
                prefix: ""
            })
        );
        assert_eq!(
            parse_url("http://understudy/mock/"),
            Ok(Target {
                authority: "understudy",
                host: "understudy",
                port: 80,
                prefix: "/mock"
            })
        );
        assert_eq!(
            parse_url("http://[::1]:4010"),
            Ok(Target {
                authority: "[::1]:4010",
                host: "::1",
                port: 4010,
                prefix: ""
            })
        );
        assert!(parse_url("https://example.com").is_err());
        assert!(parse_url("http://:4010").is_err());
        assert!(parse_url("http://host:port").is_err());
    }

    #[test]
    fn a_wildcard_host_is_reached_on_loopback() {
        assert_eq!(
            reachable("0.0.0.0".parse().unwrap(), 4010),
            "127.0.0.1:4010".parse().unwrap()
        );
        assert_eq!(
            reachable("::".parse().unwrap(), 4010),
            "[::1]:4010".parse().unwrap()
        );
        assert_eq!(
            reachable("10.0.0.5".parse().unwrap(), 80),
            "10.0.0.5:80".parse().unwrap()
        );
    }
}
