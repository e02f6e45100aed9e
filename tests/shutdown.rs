//! The `understudy` binary hardened: shutdown with a deadline, a whole database file
//! after SIGTERM, the refusal to open the admin API to the network by accident, seed bounds at
//! start-up, and `--help` naming every new flag.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use common::process::{self, Server, failed_start};
use common::temp_dir;
use serde_json::json;

/// Far beyond every deadline these tests set: reaching it means the server hung.
const HUNG: Duration = Duration::from_secs(20);

/// `understudy --port 0 ARGS` with `env` set, once its banner says where it listens.
fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut command = process::command();
    command
        .args(["--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stderr(Stdio::null());
    Server::launch(command)
}

#[test]
fn sigterm_with_a_stalled_client_exits_0_at_the_shutdown_deadline() {
    // The header timeout is far beyond the test's patience: only the deadline can end it.
    let mut server = start(&["--shutdown-timeout", "1", "--header-timeout", "600"], &[]);
    let mut stalled = TcpStream::connect(server.address()).expect("connect");
    stalled
        .write_all(b"POST /__admin/reset HTTP/1.1\r\nHost: loc")
        .expect("write");
    assert_eq!(server.raw("GET", "/__admin/health", &[], None).0, 200);
    server.terminate();
    let status = server.wait_for_exit(HUNG).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn after_sigterm_the_db_file_alone_holds_every_acknowledged_write() {
    let dir = temp_dir("checkpoint");
    let db = dir.join("live.db");
    let mut server = start(&["--db", &db.display().to_string()], &[]);
    let mut acknowledged = 0;
    for i in 0..100 {
        let (status, _) = server.raw(
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
    let server = start(&["--host", "0.0.0.0", "--admin-open"], &[]);
    assert_eq!(
        server.raw("GET", "/__admin/faults", &[], None),
        (200, json!({"faults": []}))
    );
    let server = start(&["--host", "0.0.0.0"], &[("UNDERSTUDY_ADMIN_OPEN", "1")]);
    assert_eq!(
        server.raw("GET", "/__admin/faults", &[], None),
        (200, json!({"faults": []}))
    );
}

#[test]
fn a_token_lets_a_non_loopback_host_start_and_is_then_required() {
    let server = start(
        &["--host", "0.0.0.0"],
        &[("UNDERSTUDY_ADMIN_TOKEN", "s3cret")],
    );
    assert_eq!(
        server.raw("GET", "/__admin/faults", &[], None),
        (
            401,
            json!({"error": "admin calls need `Authorization: Bearer <token>` with the server's --admin-token"})
        )
    );
    assert_eq!(
        server.raw(
            "GET",
            "/__admin/faults",
            &["Authorization: Bearer s3cret"],
            None
        ),
        (200, json!({"faults": []}))
    );
    let (status, health) = server.raw("GET", "/__admin/health", &[], None);
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");
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
    let output = process::command().arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for name in [
        "--header-timeout",
        "UNDERSTUDY_HEADER_TIMEOUT",
        "--body-timeout",
        "UNDERSTUDY_BODY_TIMEOUT",
        "--write-timeout",
        "UNDERSTUDY_WRITE_TIMEOUT",
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
