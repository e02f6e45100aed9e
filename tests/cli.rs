//! The `understudy` binary as users start it: flags, seed files, `--db`, `--now`, signals.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::process::{Server, command, failed_start};
use common::temp_dir;
use serde_json::{Value, json};

fn write_json(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).expect("json")).expect("write seed");
    path.display().to_string()
}

fn one_company(key: &str, contact_id: &str) -> Value {
    json!({"autokonnect": {"companies": [{"api_key": key, "contacts": [
        {"id": contact_id, "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
         "phone_number": "441000000000", "created_at": "2025-03-01T09:30:00.000Z",
         "updated_at": "2025-03-02T09:30:00.000Z", "tags": [{"name": "Pioneer", "color": "#123abc"}]}]}]}})
}

fn contact_ids(server: &Server, key: &str) -> Vec<String> {
    let (status, body) = server.get(
        "/autokonnect/api/v1/contacts?limit=1000",
        &[("Authorization", &format!("Bearer {key}"))],
    );
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

#[test]
fn a_custom_seed_file_is_served_exactly() {
    let dir = temp_dir("cli-custom");
    let seed = write_json(&dir, "seed.json", &one_company("ak_custom", "555"));
    let server = Server::start(&["--seed", &seed]);
    let (status, body) = server.get(
        "/autokonnect/api/v1/contacts",
        &[("Authorization", "Bearer ak_custom")],
    );
    assert_eq!(status, 200);
    let tag_id = body["data"][0]["tags"][0]["id"].clone();
    assert_eq!(
        body,
        json!({"data": [{"id": "555", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                         "phone_number": "441000000000", "phone_number_lid": null, "profile_picture": null,
                         "created_at": "2025-03-01T09:30:00.000Z", "updated_at": "2025-03-02T09:30:00.000Z",
                         "tags": [{"id": tag_id, "name": "Pioneer", "color": "#123abc"}]}],
               "currentPage": 1, "totalPages": 1, "totalRecords": 1})
    );
    // The default seed is not loaded alongside a custom one.
    let (status, _) = server.get(
        "/autokonnect/api/v1/contacts",
        &[("Authorization", "Bearer ak_live_northwind_4f9c2e7a")],
    );
    assert_eq!(status, 401);
}

#[test]
fn repeated_seed_files_add_tenants() {
    let dir = temp_dir("cli-repeat");
    let first = write_json(&dir, "a.json", &one_company("ak_first", "1"));
    let second = write_json(&dir, "b.json", &one_company("ak_second", "2"));
    let server = Server::start(&["--seed", &first, "--seed", &second]);
    assert_eq!(contact_ids(&server, "ak_first"), ["1"]);
    assert_eq!(contact_ids(&server, "ak_second"), ["2"]);
}

#[test]
fn a_credential_used_twice_across_files_fails_start_up() {
    let dir = temp_dir("cli-duplicate");
    let first = write_json(&dir, "a.json", &one_company("ak_same", "1"));
    let second = write_json(&dir, "b.json", &one_company("ak_same", "2"));
    let stderr = failed_start(&["--seed", &first, "--seed", &second]);
    assert!(
        stderr.contains("b.json: autokonnect.companies[0].api_key: duplicate credential"),
        "{stderr}"
    );
}

#[test]
fn a_broken_seed_file_fails_start_up_naming_file_and_json_path() {
    let dir = temp_dir("cli-broken");
    let mut seed = one_company("ak_x", "1");
    seed["autokonnect"]["companies"][0]["contacts"]
        .as_array_mut()
        .expect("contacts")
        .push(json!({"first_name": "Bad", "created_at": "yesterday"}));
    let path = write_json(&dir, "broken.json", &seed);
    let stderr = failed_start(&["--seed", &path]);
    assert!(
        stderr.contains("broken.json: autokonnect.companies[0].contacts[1].created_at:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`yesterday` is not an ISO 8601 timestamp"),
        "{stderr}"
    );
}

#[test]
fn unknown_sections_keys_and_invalid_json_fail_start_up() {
    let dir = temp_dir("cli-unknown");
    let path = write_json(&dir, "section.json", &json!({"acme": {}}));
    assert!(
        failed_start(&["--seed", &path]).contains("section.json: acme: unknown section `acme`")
    );
    let path = write_json(
        &dir,
        "key.json",
        &json!({"autokonnect": {"companies": [{"api_key": "k", "colour": 1}]}}),
    );
    let stderr = failed_start(&["--seed", &path]);
    assert!(
        stderr.contains("key.json: autokonnect.companies[0].colour: unknown field `colour`"),
        "{stderr}"
    );
    let path = dir.join("syntax.json");
    std::fs::write(&path, "{\"autokonnect\": ").expect("write");
    assert!(
        failed_start(&["--seed", &path.display().to_string()])
            .contains("syntax.json: not valid JSON")
    );
    assert!(failed_start(&["--seed", "/nonexistent/seed.json"]).contains("/nonexistent/seed.json"));
}

#[test]
fn db_keeps_data_across_a_restart_and_reset_goes_back_to_the_seed() {
    let dir = temp_dir("cli-db");
    let db = dir.join("store.db").display().to_string();
    {
        let server = Server::start(&["--db", &db]);
        assert_eq!(
            contact_ids(&server, "ak_live_northwind_4f9c2e7a").len(),
            201
        );
        let (status, _) = server.call(
            reqwest::Method::POST,
            "/__admin/seed",
            &[],
            Some(&one_company("ak_kept", "77")),
        );
        assert_eq!(status, 200);
    }
    let server = Server::start(&["--db", &db]);
    assert_eq!(
        contact_ids(&server, "ak_kept"),
        ["77"],
        "data written before the restart is served"
    );
    let (status, _) = server.call(reqwest::Method::POST, "/__admin/reset", &[], None);
    assert_eq!(status, 200);
    assert_eq!(
        contact_ids(&server, "ak_live_northwind_4f9c2e7a").len(),
        201,
        "reset restores the start-up seed"
    );
}

#[test]
fn a_db_file_of_another_version_is_refused_naming_the_table() {
    let dir = temp_dir("cli-old-db");
    let db = dir.join("old.db").display().to_string();
    let old = rusqlite::Connection::open(&db).expect("make the file");
    old.execute_batch(
        "CREATE TABLE autokonnect_contacts (company_id INTEGER NOT NULL, id TEXT NOT NULL,
             first_name TEXT, PRIMARY KEY (company_id, id));",
    )
    .expect("an older table");
    drop(old);
    let stderr = failed_start(&["--db", &db]);
    assert!(
        stderr.contains(&format!(
            "{db}: its table `autokonnect_contacts` is not the one this version of Understudy \
             makes (this version's columns: company_id, id, first_name, last_name, email, \
             phone_number, phone_number_lid, profile_picture, created_at, updated_at; the \
             file's: company_id, id, first_name): the file was written by another version. \
             Start with a new --db file, or none, to seed afresh"
        )),
        "{stderr}"
    );
}

#[test]
fn now_freezes_the_clock_and_env_vars_work_too() {
    let server = Server::start(&["--now", "2025-05-05T05:05:05+02:00"]);
    assert_eq!(
        server.get("/__admin/clock", &[]),
        (
            200,
            json!({"now": "2025-05-05T03:05:05.000Z", "frozen": true})
        )
    );
    drop(server);

    let mut from_env = command();
    from_env
        .env("UNDERSTUDY_PORT", "0")
        .env("UNDERSTUDY_NOW", "2024-02-29T00:00:00Z")
        .stderr(Stdio::null());
    let server = Server::launch(from_env);
    assert_eq!(
        server.get("/__admin/clock", &[]).1["now"],
        "2024-02-29T00:00:00.000Z"
    );
}

#[test]
fn an_invalid_now_is_refused_with_help() {
    let stderr = failed_start(&["--now", "tomorrow"]);
    assert!(stderr.contains("not an RFC 3339 instant"), "{stderr}");
}

#[test]
fn the_banner_prints_each_vendor_url_and_the_default_credentials() {
    let mut child = command()
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Read up to the banner's last line (not for a fixed time: a loaded machine starts slowly).
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut banner = String::new();
    for line in stdout.lines() {
        let line = line.expect("read banner");
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("/__admin/health") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for vendor in understudy::vendors::ALL {
        assert!(banner.contains(&format!("/{}\n", vendor.slug)), "{banner}");
    }
    assert!(
        banner.contains("Authorization: Bearer ak_live_northwind_4f9c2e7a"),
        "{banner}"
    );
}

#[test]
fn help_explains_every_flag() {
    let output = command().arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--host",
        "--port",
        "--seed",
        "--db",
        "--now",
        "UNDERSTUDY_PORT",
        "--max-namespaces",
        "UNDERSTUDY_MAX_NAMESPACES",
        "--namespace-idle-timeout",
        "UNDERSTUDY_NAMESPACE_IDLE_TIMEOUT",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let mut server = Server::start(&[]);
    assert_eq!(server.get("/__admin/health", &[]).0, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &server.pid()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = server
        .wait_for_exit(Duration::from_secs(5))
        .expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_vendor_port_serves_that_vendor_at_its_real_paths() {
    let mut vendor_port = command();
    vendor_port
        .args(["--port", "0", "--vendor-port", "vambe=0"])
        .stderr(Stdio::null());
    // The vendor's own port, not the main one, is the URL to call.
    let server = Server::launch_at(vendor_port, |line| {
        line.trim()
            .strip_prefix("Vambe")
            .and_then(|rest| rest.trim().strip_suffix("(own port, real paths)"))
            .map(|url| url.trim().to_owned())
    });
    let (status, body) = server.get(
        "/api/public/contacts?days=365&limit=2",
        &[("x-api-key", "vk_live_andes_7c41e9b2d05a")],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().expect("a bare array").len(), 2);
    assert_eq!(
        server.get("/vambe/api/public/contacts?days=1", &[]).0,
        404,
        "no slug prefix there"
    );
}

#[test]
fn a_bad_vendor_port_is_refused_with_help() {
    assert!(failed_start(&["--vendor-port", "acme=4012"]).contains("unknown vendor `acme`"));
    assert!(failed_start(&["--vendor-port", "vambe"]).contains("expected SLUG=PORT"));
}

#[test]
fn the_tenants_endpoint_lists_what_the_banner_prints() {
    let mut banner = Vec::new();
    let mut base = None;
    let mut command = common::process::command();
    command.args(["--port", "0"]);
    let server = Server::launch_at(command, |line| {
        banner.push(line.to_owned());
        if let Some(url) = line.strip_prefix("Understudy listening on ") {
            base = Some(url.trim().to_owned());
        }
        line.trim_start()
            .starts_with("admin")
            .then(|| base.clone().expect("the first line names the URL"))
    });
    let (status, body) = server.get("/__admin/tenants", &[]);
    assert_eq!(status, 200);
    let vendors = body["vendors"].as_array().expect("vendors");
    let slugs: Vec<&str> = vendors
        .iter()
        .map(|v| v["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            "tailortalk",
            "agentclara",
            "thoughtly",
            "autokonnect",
            "vambe"
        ]
    );
    for vendor in vendors {
        let tenants = vendor["tenants"].as_array().expect("tenants");
        assert!(!tenants.is_empty(), "{vendor}");
        for tenant in tenants {
            let headers: Vec<String> = tenant["headers"]
                .as_object()
                .expect("headers")
                .iter()
                .map(|(name, value)| format!("{name}: {}", value.as_str().unwrap()))
                .collect();
            assert!(
                banner.iter().any(|printed| {
                    let printed: Vec<&str> = printed
                        .split("  #")
                        .next()
                        .unwrap()
                        .split("; ")
                        .map(str::trim)
                        .collect();
                    headers
                        .iter()
                        .all(|header| printed.contains(&header.as_str()))
                        && printed.len() == headers.len()
                }),
                "{headers:?} is not a line of the banner:\n{}",
                banner.join("\n")
            );
        }
    }
    assert_eq!(
        vendors[2]["tenants"][0]["headers"],
        json!({"x-api-token": "c8e1f0b2a94d47e6b3d5a1f07c2e9b48", "team_id": "65f1c0a2e4b0d93a7c1e5f21"})
    );
    assert_eq!(vendors[1]["base_path"], "/agentclara");
}
