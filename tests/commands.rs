//! The `understudy` subcommands (`serve`, `seed validate`, `healthcheck`) and `--log-format`,
//! run as users run them.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::process::{Server, command, failed_start};
use common::temp_dir;
use serde_json::{Value, json};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// A seed whose only contact has an invalid `created_at`, and the problem as start-up words it.
const BROKEN_SEED_PROBLEM: &str = "autokonnect.companies[0].contacts[0].created_at: `yesterday` \
                                   is not an ISO 8601 timestamp with a time zone";

fn broken_seed(dir: &Path) -> PathBuf {
    let path = dir.join("broken.json");
    let seed = json!({"autokonnect": {"companies": [{"api_key": "ak_broken",
        "contacts": [{"first_name": "Ada", "created_at": "yesterday"}]}]}});
    std::fs::write(&path, seed.to_string()).expect("write seed");
    path
}

/// Every seed file shipped: the default and the examples.
fn shipped_seeds() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(Path::new(MANIFEST_DIR).join("seed-data/examples"))
            .expect("examples folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
    paths.sort();
    paths.insert(0, Path::new(MANIFEST_DIR).join("seed-data/default.json"));
    paths
}

fn run(args: &[&str]) -> Output {
    command()
        .args(args)
        .env_remove("UNDERSTUDY_HOST")
        .env_remove("UNDERSTUDY_PORT")
        .output()
        .expect("run understudy")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[test]
fn seed_validate_accepts_every_shipped_seed() {
    let seeds = shipped_seeds();
    assert!(seeds.len() >= 2, "{seeds:?}");
    let args: Vec<String> = seeds.iter().map(|p| p.display().to_string()).collect();
    let mut command_line = vec!["seed", "validate"];
    command_line.extend(args.iter().map(String::as_str));
    let output = run(&command_line);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let expected: String = args.iter().map(|path| format!("{path}: ok\n")).collect();
    assert_eq!(text(&output.stdout), expected);
    assert_eq!(text(&output.stderr), "");
}

#[test]
fn seed_validate_rejects_a_broken_seed_with_file_json_path_and_problem() {
    let dir = temp_dir("validate-broken");
    let broken = broken_seed(&dir).display().to_string();
    let good = Path::new(MANIFEST_DIR)
        .join("seed-data/default.json")
        .display()
        .to_string();
    let output = run(&["seed", "validate", &good, &broken]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), format!("{good}: ok\n"));
    let problem = format!("{broken}: {BROKEN_SEED_PROBLEM}");
    assert_eq!(text(&output.stderr), format!("{problem}\n"));
    // Worded as `serve --seed` words it.
    let start_up = failed_start(&["--seed", &broken]);
    assert!(start_up.contains(&problem), "{start_up}");
}

#[test]
fn seed_validate_names_a_file_it_cannot_read_and_needs_a_file() {
    let missing = temp_dir("validate-missing").join("absent.json");
    let missing = missing.display().to_string();
    let output = run(&["seed", "validate", &missing]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with(&format!("{missing}: ")), "{stderr}");
    // No file at all is a usage error, as every malformed command line is.
    assert_eq!(run(&["seed", "validate"]).status.code(), Some(2));
}

#[test]
fn healthcheck_exits_0_against_a_running_server() {
    let server = Server::start(&[]);
    let output = run(&["healthcheck", "--url", server.base()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        format!("{}/__admin/health: ok\n", server.base())
    );
    // From --host and --port, a wildcard host reached on loopback, and from the variables.
    let port = server.port().to_string();
    let flags = run(&["healthcheck", "--host", "0.0.0.0", "--port", &port]);
    assert_eq!(flags.status.code(), Some(0), "{}", text(&flags.stderr));
    let variables = command()
        .arg("healthcheck")
        .env("UNDERSTUDY_HOST", "0.0.0.0")
        .env("UNDERSTUDY_PORT", &port)
        .output()
        .expect("run");
    assert_eq!(
        variables.status.code(),
        Some(0),
        "{}",
        text(&variables.stderr)
    );
}

#[test]
fn healthcheck_exits_1_against_a_closed_port() {
    let port = closed_port().to_string();
    let started = Instant::now();
    let output = run(&["healthcheck", "--port", &port]);
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(3));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!("http://127.0.0.1:{port}/__admin/health: ")),
        "{stderr}"
    );
}

#[test]
fn healthcheck_exits_1_within_two_seconds_when_nothing_answers() {
    // Accepts connections (the kernel does) but never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("address"));
    let started = Instant::now();
    let output = run(&["healthcheck", "--url", &url]);
    assert_eq!(output.status.code(), Some(1));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[test]
fn healthcheck_with_wait_waits_for_a_server_starting_late() {
    let port = closed_port();
    let mut waiting = command()
        .args(["healthcheck", "--wait", "20", "--port", &port.to_string()])
        .env_remove("UNDERSTUDY_HOST")
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn healthcheck");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        waiting.try_wait().expect("try_wait").is_none(),
        "still waiting"
    );
    let mut late = command();
    late.args(["--port", &port.to_string()]);
    let _server = Server::launch(late);
    let status = waiting.wait().expect("healthcheck ends");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_bare_command_and_serve_both_serve_with_the_same_flags() {
    let bare = Server::start(&["--now", "2026-01-15T12:00:00Z"]);
    let mut serve = command();
    serve.args(["serve", "--port", "0", "--now", "2026-01-15T12:00:00Z"]);
    let serve = Server::launch(serve);
    let mut from_variables = command();
    from_variables
        .env("UNDERSTUDY_PORT", "0")
        .env("UNDERSTUDY_NOW", "2026-01-15T12:00:00Z");
    let from_variables = Server::launch(from_variables);
    for server in [&bare, &serve, &from_variables] {
        let (status, body) = server.get("/__admin/clock", &[]);
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({"now": "2026-01-15T12:00:00.000Z", "frozen": true})
        );
    }
    // Flags belong to the bare command or to `serve`, not to both at once.
    assert_eq!(run(&["--port", "0", "serve"]).status.code(), Some(2));
}

/// `understudy --port 0 ARGS` with stderr piped and no `RUST_LOG`, so the defaults show.
fn start_logged(args: &[&str]) -> Server {
    let mut command = command();
    command
        .args(["--port", "0"])
        .args(args)
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped());
    Server::launch(command)
}

/// The server's stderr once it has stopped, as lines.
fn stderr_lines(mut server: Server) -> Vec<String> {
    let mut stderr = server.take_stderr().expect("stderr piped");
    server.terminate();
    assert!(server.wait_for_exit(Duration::from_secs(10)).is_some());
    let mut text = String::new();
    stderr.read_to_string(&mut text).expect("read stderr");
    text.lines().map(str::to_owned).collect()
}

const AUTOKONNECT_KEY: &str = "ak_live_northwind_4f9c2e7a";

#[test]
fn json_logs_are_one_object_a_line_with_start_up_and_every_vendor_request() {
    let server = start_logged(&["--log-format", "json"]);
    let address = server.base().trim_start_matches("http://").to_owned();
    let bearer = format!("Bearer {AUTOKONNECT_KEY}");
    let (status, _) = server.get(
        "/autokonnect/api/v1/contacts?limit=2",
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200);
    let (status, _) = server.get(
        "/autokonnect/api/v1/contacts",
        &[
            ("Authorization", &bearer),
            ("X-Understudy-Namespace", "logs-test"),
        ],
    );
    assert_eq!(status, 200);
    let (status, _) = server.get("/vambe/api/public/contacts?days=7", &[]);
    assert_eq!(status, 401);
    let (status, _) = server.get("/__admin/requests", &[]);
    assert_eq!(status, 200);

    let lines = stderr_lines(server);
    let events: Vec<Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    for event in &events {
        for field in ["timestamp", "level", "target", "message"] {
            assert!(event.get(field).is_some(), "{field} missing: {event}");
        }
    }
    let started = events
        .iter()
        .find(|e| e["target"] == "understudy::startup" && e["message"] == "listening")
        .expect("a start-up line");
    assert_eq!(started["address"], address.as_str());
    assert_eq!(started["seed"], "embedded seed-data/default.json");

    let requests: Vec<&Value> = events
        .iter()
        .filter(|e| e["target"] == "understudy::requests")
        .collect();
    // Vendor requests only: the admin call is not one.
    assert_eq!(requests.len(), 3, "{requests:?}");
    let keys = |event: &Value| -> Vec<String> {
        let mut keys: Vec<String> = event.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    };
    let expected_keys = [
        "duration_ms",
        "level",
        "message",
        "method",
        "namespace",
        "path",
        "status",
        "target",
        "tenant",
        "timestamp",
        "vendor",
    ];
    assert_eq!(keys(requests[0]), expected_keys);
    assert_eq!(requests[0]["vendor"], "autokonnect");
    assert_eq!(requests[0]["tenant"], "****2e7a");
    assert_eq!(requests[0]["namespace"], "default");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], "/api/v1/contacts");
    assert_eq!(requests[0]["status"], 200);
    assert!(
        requests[0]["duration_ms"]
            .as_f64()
            .is_some_and(|ms| ms >= 0.0)
    );
    assert_eq!(requests[1]["namespace"], "logs-test");
    // Without a credential the tenant is left out; every other field is there.
    assert_eq!(requests[2]["vendor"], "vambe");
    assert_eq!(requests[2]["status"], 401);
    assert!(requests[2].get("tenant").is_none());
    // No line carries a credential in the clear.
    assert!(lines.iter().all(|line| !line.contains(AUTOKONNECT_KEY)));
}

#[test]
fn text_logs_stay_quiet_about_requests_by_default() {
    let server = start_logged(&[]);
    let (status, _) = server.get(
        "/autokonnect/api/v1/contacts",
        &[("Authorization", &format!("Bearer {AUTOKONNECT_KEY}"))],
    );
    assert_eq!(status, 200);
    let lines = stderr_lines(server);
    assert_eq!(lines, Vec::<String>::new());
}

#[test]
fn a_json_start_up_failure_is_a_json_line_naming_the_problem() {
    let dir = temp_dir("json-broken");
    let broken = broken_seed(&dir).display().to_string();
    let output = command()
        .args(["--port", "0", "--log-format", "json", "--seed", &broken])
        .env_remove("RUST_LOG")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let lines: Vec<Value> = BufReader::new(stderr.as_bytes())
        .lines()
        .map(|line| serde_json::from_str(&line.expect("line")).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["level"], "ERROR");
    let message = lines[0]["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("{broken}: {BROKEN_SEED_PROBLEM}")),
        "{message}"
    );
}

#[test]
fn help_lists_the_commands_and_the_log_format() {
    let output = run(&["--help"]);
    let help = text(&output.stdout);
    for name in [
        "serve",
        "seed",
        "healthcheck",
        "--log-format",
        "UNDERSTUDY_LOG_FORMAT",
    ] {
        assert!(help.contains(name), "{name} missing from:\n{help}");
    }
}

#[test]
fn seed_schema_prints_the_committed_schema() {
    let output = common::process::command()
        .args(["seed", "schema"])
        .output()
        .expect("run understudy seed schema");
    assert!(output.status.success());
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seed-data/seed.schema.json"),
    )
    .expect("the committed schema");
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}
