//! The `understudy` binary hardened (issue 13): shutdown with a deadline, a whole database file
//! after SIGTERM, the refusal to open the admin API to the network by accident, seed bounds at
//! start-up, and `--help` naming every new flag.
//!
//! The process harness here is this file's own for now; it belongs in `tests/common` with
//! `tests/cli.rs`'s once that moves there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Far beyond every deadline these tests set: reaching it means the server hung.
const HUNG: Duration = Duration::from_secs(20);

/// A running `understudy --port 0 …`, killed when dropped.
struct Server {
    child: Child,
    /// `host:port` to connect to (a wildcard bind is reached on 127.0.0.1).
    address: String,
}

impl Server {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_understudy"))
            .args(["--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn understudy");
        let mut banner = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut banner)
            .expect("read banner");
        let bound = banner
            .trim()
            .strip_prefix("Understudy listening on http://")
            .unwrap_or_else(|| panic!("unexpected banner {banner:?}"));
        let port = bound.rsplit_once(':').expect("host:port").1;
        Self {
            child,
            address: format!("127.0.0.1:{port}"),
        }
    }

    /// One request with `Connection: close`; the status and JSON body.
    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[&str],
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.address).expect("connect");
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for header in headers {
            request.push_str(&format!("{header}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        request.push_str(&format!("\r\n{body}"));
        stream.write_all(request.as_bytes()).expect("write");
        stream.set_read_timeout(Some(HUNG)).expect("timeout");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {answer:?}"));
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
    }

    /// The exit status, or `None` if the process is still running after `within`.
    fn wait_for_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary expecting start-up to fail; returns its stderr.
fn failed_start(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_understudy"))
        .args(["--port", "0"])
        .args(args)
        .env_remove("UNDERSTUDY_ADMIN_TOKEN")
        .env_remove("UNDERSTUDY_ADMIN_OPEN")
        .output()
        .expect("run understudy");
    assert!(!output.status.success(), "start-up should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "understudy-hardening-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn sigterm_with_a_stalled_client_exits_0_at_the_shutdown_deadline() {
    // The header timeout is far beyond the test's patience: only the deadline can end it.
    let mut server = Server::start(&["--shutdown-timeout", "1", "--header-timeout", "600"], &[]);
    let mut stalled = TcpStream::connect(&server.address).expect("connect");
    stalled
        .write_all(b"POST /__admin/reset HTTP/1.1\r\nHost: loc")
        .expect("write");
    assert_eq!(server.call("GET", "/__admin/health", &[], None).0, 200);
    server.terminate();
    let status = server.wait_for_exit(HUNG).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn after_sigterm_the_db_file_alone_holds_every_acknowledged_write() {
    let dir = temp_dir("checkpoint");
    let db = dir.join("live.db");
    let mut server = Server::start(&["--db", &db.display().to_string()], &[]);
    let mut acknowledged = 0;
    for i in 0..100 {
        let (status, _) = server.call(
            "POST",
            "/agentclara/contacts",
            &["Authorization: Bearer sk_test_bistro_4f8a2c9e71d3"],
            Some(&json!({ "name": format!("Durable {i}") })),
        );
        if status == 201 {
            acknowledged += 1;
        }
    }
    assert_eq!(acknowledged, 100);
    server.terminate();
    let status = server.wait_for_exit(HUNG).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");

    let copy = temp_dir("checkpoint-copy").join("copy.db");
    std::fs::copy(&db, &copy).expect("copy the .db file alone");
    let conn = rusqlite::Connection::open(&copy).expect("open the copy");
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM agentclara_contacts WHERE name LIKE 'Durable %'",
            [],
            |row| row.get(0),
        )
        .expect("count");
    assert_eq!(stored, 100);
}

#[test]
fn a_non_loopback_host_without_a_token_refuses_to_start_naming_admin_token() {
    assert_eq!(
        failed_start(&["--host", "0.0.0.0"]),
        "understudy: refusing to serve the admin API on 0.0.0.0 without a token: anyone who can \
         reach it could reset data or inject faults. Set --admin-token TOKEN \
         (UNDERSTUDY_ADMIN_TOKEN), listen on 127.0.0.1, or pass --admin-open if this exposure \
         is wanted\n"
    );
}

#[test]
fn admin_open_serves_a_non_loopback_host_without_a_token() {
    let server = Server::start(&["--host", "0.0.0.0", "--admin-open"], &[]);
    assert_eq!(
        server.call("GET", "/__admin/faults", &[], None),
        (200, json!({"faults": []}))
    );
    let server = Server::start(&["--host", "0.0.0.0"], &[("UNDERSTUDY_ADMIN_OPEN", "1")]);
    assert_eq!(
        server.call("GET", "/__admin/faults", &[], None),
        (200, json!({"faults": []}))
    );
}

#[test]
fn a_token_lets_a_non_loopback_host_start_and_is_then_required() {
    let server = Server::start(
        &["--host", "0.0.0.0"],
        &[("UNDERSTUDY_ADMIN_TOKEN", "s3cret")],
    );
    assert_eq!(
        server.call("GET", "/__admin/faults", &[], None),
        (
            401,
            json!({"error": "admin calls need `Authorization: Bearer <token>` with the server's --admin-token"})
        )
    );
    assert_eq!(
        server.call(
            "GET",
            "/__admin/faults",
            &["Authorization: Bearer s3cret"],
            None
        ),
        (200, json!({"faults": []}))
    );
    assert_eq!(
        server.call("GET", "/__admin/health", &[], None),
        (200, json!({"status": "ok"}))
    );
}

#[test]
fn an_absurd_generate_in_a_seed_file_stops_start_up_naming_the_json_path() {
    let dir = temp_dir("generate");
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"{"generate": {"contacts_per_tenant": 4000000000}}"#,
    )
    .expect("write");
    assert_eq!(
        failed_start(&["--seed", &seed.display().to_string()]),
        format!(
            "understudy: seed: {}: generate.contacts_per_tenant: 4000000000 is more than the \
             1000000 contacts a tenant may generate\n",
            seed.display()
        )
    );
}

#[test]
fn bad_limits_are_refused_with_help() {
    let stderr = failed_start(&["--header-timeout", "0"]);
    assert!(
        stderr.contains("must be above 0 and at most 86400 seconds"),
        "{stderr}"
    );
    let stderr = failed_start(&["--journal-bytes", "lots"]);
    assert!(
        stderr.contains("`lots`: expected bytes, e.g. 1048576, 512KiB or 64MiB"),
        "{stderr}"
    );
    let stderr = failed_start(&["--max-connections", "0"]);
    assert!(stderr.contains("0 is not in 1.."), "{stderr}");
    let stderr = failed_start(&["--admin-token", "two words"]);
    assert!(
        stderr.contains("a token is one or more visible ASCII characters, without spaces"),
        "{stderr}"
    );
}

#[test]
fn help_names_every_hardening_flag_and_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_understudy"))
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for name in [
        "--header-timeout",
        "UNDERSTUDY_HEADER_TIMEOUT",
        "--body-timeout",
        "UNDERSTUDY_BODY_TIMEOUT",
        "--max-connections",
        "UNDERSTUDY_MAX_CONNECTIONS",
        "--shutdown-timeout",
        "UNDERSTUDY_SHUTDOWN_TIMEOUT",
        "--journal-bytes",
        "UNDERSTUDY_JOURNAL_BYTES",
        "--admin-token",
        "UNDERSTUDY_ADMIN_TOKEN",
        "--admin-open",
        "UNDERSTUDY_ADMIN_OPEN",
    ] {
        assert!(help.contains(name), "{name} missing from:\n{help}");
    }
}
