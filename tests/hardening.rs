//! Nothing grows without bound and nothing hangs, over real sockets: header, idle, body and
//! write timeouts, the connection cap, the journal's byte budget, the fault-rule cap and
//! linear-time globs, the bound on generated seeds.
//!
//! Each test serves the app in its own runtime through `understudy::server::serve` with the
//! options it needs (short timeouts), keeping the state to look inside the journal.

mod common;

use std::time::Duration;

use common::{TestApp, spawn_server};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use understudy::StateOptions;
use understudy::seed::SeedSource;
use understudy::server::ServerOptions;

/// Longer than any timeout these tests set, by far: reaching it means the server never
/// closed or answered.
const NEVER: Duration = Duration::from_secs(20);
const AUTOKONNECT_KEY: &str = "Authorization: Bearer ak_live_northwind_4f9c2e7a";
const AGENTCLARA_KEY: &str = "Authorization: Bearer sk_test_bistro_4f8a2c9e71d3";

async fn spawn(state: StateOptions, server: ServerOptions) -> TestApp {
    let state = StateOptions {
        now: Some("2026-01-15T12:00:00Z".parse().expect("instant")),
        ..state
    };
    spawn_server(state, server).await
}

async fn spawn_default() -> TestApp {
    spawn(StateOptions::default(), ServerOptions::default()).await
}

fn short(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// Everything the server sends until it closes the connection; panics if it never does.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(NEVER, stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .expect("read");
    String::from_utf8_lossy(&received).into_owned()
}

/// Sends one request (`Connection: close` added) and returns the status and JSON body.
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, Value) {
    let request = raw_request(method, path, headers, body);
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    parse(&read_until_closed(&mut stream).await)
}

/// One request as sent on the wire (`Connection: close` added, a body declared as JSON).
fn raw_request(method: &str, path: &str, headers: &[&str], body: &str) -> String {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    if !body.is_empty() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request
}

fn parse(answer: &str) -> (u16, Value) {
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let options = ServerOptions {
        header_timeout: short(300),
        ..ServerOptions::default()
    };
    let app = spawn(StateOptions::default(), options).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHo")
        .await
        .expect("write");
    assert_eq!(read_until_closed(&mut stream).await, "");
}

#[tokio::test]
async fn headers_completed_within_the_timeout_are_answered() {
    let options = ServerOptions {
        header_timeout: Duration::from_secs(5),
        ..ServerOptions::default()
    };
    let app = spawn(StateOptions::default(), options).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHo")
        .await
        .expect("write");
    tokio::time::sleep(short(200)).await;
    stream
        .write_all(b"st: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let answer = read_until_closed(&mut stream).await;
    let (status, health) = parse(&answer);
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let options = ServerOptions {
        header_timeout: short(300),
        ..ServerOptions::default()
    };
    let app = spawn(StateOptions::default(), options).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    // The answer arrives, then nothing more is sent either way until the server closes.
    let answer = read_until_closed(&mut stream).await;
    let (status, health) = parse(&answer);
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");
}

#[tokio::test]
async fn a_stalled_body_fails_the_request_and_closes_the_connection() {
    let options = ServerOptions {
        body_timeout: short(300),
        ..ServerOptions::default()
    };
    let app = spawn(StateOptions::default(), options).await;
    let mut stream = TcpStream::connect(app.address).await.expect("connect");
    stream
        .write_all(
            b"POST /__admin/faults HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"vendor\":",
        )
        .await
        .expect("write");
    let answer = read_until_closed(&mut stream).await;
    assert_eq!(
        parse(&answer),
        (400, json!({"error": "Request body could not be read"}))
    );
    assert_eq!(
        call(&app, "GET", "/__admin/faults", &[], "").await,
        (200, json!({"faults": []})),
        "no rule was added"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let options = ServerOptions {
        max_connections: 1,
        ..ServerOptions::default()
    };
    let app = spawn(StateOptions::default(), options).await;
    let holder = TcpStream::connect(app.address).await.expect("connect");
    // Accepted only once the holder is: from here on it takes the one place.
    tokio::time::sleep(short(100)).await;
    let mut waiting = TcpStream::connect(app.address).await.expect("connect");
    waiting
        .write_all(b"GET /__admin/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(short(500), waiting.read(&mut first)).await;
    assert!(early.is_err(), "no answer while the cap is reached");
    drop(holder);
    let answer = read_until_closed(&mut waiting).await;
    let (status, health) = parse(&format!("{}{answer}", first[0] as char));
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");
}

/// The default seed with `per_tenant` generated contacts for each tenant: its snapshot
/// (`GET /__admin/seed`) is an answer of megabytes, more than the kernel's buffers hold.
fn seed_generating(per_tenant: u32) -> SeedSource {
    let mut document: Value =
        serde_json::from_str(understudy::seed::DEFAULT_SEED).expect("the default seed");
    document["generate"] = json!({ "seed": 42, "contacts_per_tenant": per_tenant });
    SeedSource {
        name: "generated.json".into(),
        text: document.to_string(),
    }
}

/// A server on the default seed with `per_tenant` generated contacts a tenant, and a
/// connection to it that has asked for the seed's snapshot (an answer of megabytes) with a
/// receive buffer of `receive_bytes` (the kernel's tuning would grow it to megabytes), so that
/// what the client does not read soon holds up the server's writes.
async fn snapshot_requested(
    per_tenant: u32,
    options: ServerOptions,
    receive_bytes: u32,
) -> (TestApp, TcpStream) {
    let state = StateOptions {
        seeds: vec![seed_generating(per_tenant)],
        ..StateOptions::default()
    };
    let app = spawn(state, options).await;
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .set_recv_buffer_size(receive_bytes)
        .expect("buffer size");
    let mut stream = socket.connect(app.address).await.expect("connect");
    stream
        .write_all(b"GET /__admin/seed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    (app, stream)
}

#[tokio::test]
async fn an_answer_the_client_stops_reading_is_abandoned_after_the_write_timeout() {
    let options = ServerOptions {
        write_timeout: short(300),
        max_connections: 1,
        ..ServerOptions::default()
    };
    let (app, mut stalled) = snapshot_requested(300, options, 32 * 1024).await;
    // The one place under the cap is the stalled reader's until the server gives up on it.
    tokio::time::sleep(short(100)).await;
    let (status, health) = call(&app, "GET", "/__admin/health", &[], "").await;
    assert_eq!((status, &health["status"]), (200, &json!("ok")), "{health}");

    // What the stalled reader gets, read at last: the start of the answer, never its end.
    let mut received = Vec::new();
    let _ = tokio::time::timeout(NEVER, stalled.read_to_end(&mut received)).await;
    let received = String::from_utf8_lossy(&received);
    let (head, body) = received.split_once("\r\n\r\n").expect("the answer's head");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|length| length.parse().ok())
        .expect("a content length");
    assert!(
        body.len() < declared,
        "{} of {declared} bytes arrived",
        body.len()
    );
}

#[tokio::test]
async fn a_slow_reader_gets_the_whole_answer() {
    let options = ServerOptions {
        write_timeout: Duration::from_secs(1),
        ..ServerOptions::default()
    };
    let (_app, mut reader) = snapshot_requested(800, options, 128 * 1024).await;
    // Each pause is shorter than the write timeout; all of them together are far longer.
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 128 * 1024];
    let mut pauses = 0;
    loop {
        let read = tokio::time::timeout(NEVER, reader.read(&mut chunk))
            .await
            .expect("the server goes on sending")
            .expect("read");
        if read == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..read]);
        tokio::time::sleep(short(100)).await;
        pauses += 1;
    }
    assert!(pauses > 4, "{pauses} pauses: the answer never waited");
    let (status, snapshot) = parse(&String::from_utf8_lossy(&received));
    assert_eq!(status, 200);
    let accounts = snapshot["agentclara"]["accounts"]
        .as_array()
        .expect("accounts");
    let contacts = accounts[0]["contacts"].as_array().expect("contacts");
    assert!(contacts.len() > 800, "{} contacts", contacts.len());
}

#[tokio::test]
async fn the_journal_never_exceeds_its_byte_budget() {
    let budget = 64 * 1024;
    let state = StateOptions {
        journal_bytes: Some(budget),
        ..StateOptions::default()
    };
    let app = spawn(state, ServerOptions::default()).await;
    let long_query = "x".repeat(8 * 1024);
    for i in 0..40 {
        let path = format!("/autokonnect/api/v1/contacts?search={long_query}&page={i}");
        let (status, _) = call(&app, "GET", &path, &[AUTOKONNECT_KEY], "").await;
        assert_eq!(status, 200);
        assert!(app.state().journal().bytes() <= budget);
    }
    let (status, listed) = call(&app, "GET", "/__admin/requests?limit=1000", &[], "").await;
    assert_eq!(status, 200);
    let requests = listed["requests"].as_array().expect("requests");
    assert!(
        (1..40).contains(&requests.len()),
        "{} entries kept",
        requests.len()
    );
    let expected_newest = format!("search={long_query}&page=39");
    assert_eq!(requests[0]["query"], expected_newest.as_str());
}

#[tokio::test]
async fn a_long_body_is_journaled_cut_with_a_marker_and_flagged() {
    let app = spawn_default().await;
    let name = "n".repeat(100 * 1024);
    let body = json!({ "name": name }).to_string();
    let (status, _) = call(
        &app,
        "POST",
        "/agentclara/contacts",
        &[AGENTCLARA_KEY],
        &body,
    )
    .await;
    assert_eq!(status, 201);
    let (_, listed) = call(&app, "GET", "/__admin/requests?limit=1", &[], "").await;
    let entry = &listed["requests"][0];
    let expected = format!(
        "{}…[truncated: {} bytes in all]",
        &body[..64 * 1024],
        body.len()
    );
    assert_eq!(entry["body"], expected.as_str());
    assert_eq!(entry["body_truncated"], true);

    call(
        &app,
        "POST",
        "/agentclara/contacts",
        &[AGENTCLARA_KEY],
        r#"{"name":"Short"}"#,
    )
    .await;
    let (_, listed) = call(&app, "GET", "/__admin/requests?limit=1", &[], "").await;
    assert_eq!(listed["requests"][0]["body"], r#"{"name":"Short"}"#);
    assert_eq!(listed["requests"][0]["body_truncated"], false);
}

#[tokio::test]
async fn the_1001st_fault_rule_is_refused_naming_the_cap() {
    let app = spawn_default().await;
    let rule = r#"{"vendor": "vambe", "path": "/never", "effect": {"type": "drop"}}"#;
    for _ in 0..1000 {
        assert_eq!(
            call(&app, "POST", "/__admin/faults", &[], rule).await.0,
            201
        );
    }
    assert_eq!(
        call(&app, "POST", "/__admin/faults", &[], rule).await,
        (
            409,
            json!({"error": "at most 1000 fault rules may exist at once; remove some first \
                             (DELETE /__admin/faults/<id>, or DELETE /__admin/faults for all)"})
        )
    );
    assert_eq!(
        call(&app, "DELETE", "/__admin/faults/7", &[], "").await.0,
        200
    );
    assert_eq!(
        call(&app, "POST", "/__admin/faults", &[], rule).await.0,
        201
    );
}

#[tokio::test]
async fn a_path_glob_longer_than_512_bytes_is_refused() {
    let app = spawn_default().await;
    let rule = json!({"vendor": "vambe", "path": format!("/{}", "a".repeat(512)),
                      "effect": {"type": "drop"}});
    assert_eq!(
        call(&app, "POST", "/__admin/faults", &[], &rule.to_string()).await,
        (400, json!({"error": "path: must be at most 512 bytes"}))
    );
    let query = format!("/__admin/requests/count?path=/{}", "a".repeat(512));
    assert_eq!(
        call(&app, "GET", &query, &[], "").await,
        (400, json!({"error": "path: must be at most 512 bytes"}))
    );
}

#[tokio::test]
async fn a_pathological_glob_is_decided_correctly_against_a_long_path() {
    let app = spawn_default().await;
    let glob = format!("*{}b", "a".repeat(510));
    let rule = json!({"vendor": "autokonnect", "path": glob,
                      "effect": {"type": "status", "status": 503, "body": {"hit": true}}});
    assert_eq!(
        call(&app, "POST", "/__admin/faults", &[], &rule.to_string())
            .await
            .0,
        201
    );
    let long = format!("/autokonnect/{}", "a".repeat(20_000));
    let (status, body) = call(&app, "GET", &long, &[AUTOKONNECT_KEY], "").await;
    assert_eq!(status, 404, "no fault: the path does not end in b");
    assert_ne!(body, json!({"hit": true}));
    let (status, body) = call(&app, "GET", &format!("{long}b"), &[AUTOKONNECT_KEY], "").await;
    assert_eq!((status, body), (503, json!({"hit": true})));
    let count = format!("/__admin/requests/count?path={glob}");
    assert_eq!(
        call(&app, "GET", &count, &[], "").await,
        (200, json!({"count": 1}))
    );
}

#[tokio::test]
async fn an_absurd_generate_is_refused_at_once_and_the_data_stays() {
    let app = spawn_default().await;
    let seed = r#"{"generate": {"contacts_per_tenant": 4000000000}}"#;
    assert_eq!(
        call(&app, "POST", "/__admin/seed", &[], seed).await,
        (
            400,
            json!({"error": "POST /__admin/seed: generate.contacts_per_tenant: 4000000000 is \
                             more than the 1000000 contacts a tenant may generate"})
        )
    );
    let (status, _) = call(
        &app,
        "GET",
        "/autokonnect/api/v1/contacts",
        &[AUTOKONNECT_KEY],
        "",
    )
    .await;
    assert_eq!(status, 200, "the default seed still serves");
}

#[tokio::test]
async fn a_stalled_body_of_a_read_answered_before_fails_in_the_vendors_shape() {
    let options = ServerOptions {
        body_timeout: short(300),
        ..ServerOptions::default()
    };
    let app = spawn(StateOptions::default(), options).await;
    let path = "/tailortalk/api/v1/get_contacts";
    let key = "Authorization: Agent tt_agent_5f2c9a7e41d86b03";
    let body = r#"{"limit": 2}"#;
    let stalled = async || {
        // The same request, its body cut short.
        let whole = raw_request("POST", path, &[key], body);
        let mut stream = TcpStream::connect(app.address).await.expect("connect");
        let sent = &whole[..whole.len() - 4];
        stream.write_all(sent.as_bytes()).await.expect("write");
        parse(&read_until_closed(&mut stream).await)
    };
    let refused = (
        400,
        json!({"success": false, "error": "Request body could not be read"}),
    );
    assert_eq!(stalled().await, refused);
    // The same request whole, twice: the second is answered from its recording, so the body
    // of the next one with that head is read before routing.
    let (status, first) = call(&app, "POST", path, &[key], body).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(call(&app, "POST", path, &[key], body).await, (200, first));
    assert_eq!(stalled().await, refused);
}
