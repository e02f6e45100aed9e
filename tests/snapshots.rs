//! Snapshots: `GET /__admin/seed` writes the data back as a seed document, and loading that
//! document (`POST /__admin/seed`, or as the seed of a new server) serves the same answers.

mod common;

use common::{TestApp, options, seed_source, spawn_app, spawn_app_with, spawn_app_with_seed};
use reqwest::Method;
use serde_json::{Value, json};

const NAMESPACE: &str = "X-Understudy-Namespace";

/// The instant every walk runs at: the clock decides what some filters keep (Vambe's `days`).
const WALK_AT: &str = "2026-01-20T08:30:00.000Z";

/// The headers that authenticate as each tenant of `slug`, in seed order.
async fn tenant_headers(app: &TestApp, slug: &str) -> Vec<Vec<(String, String)>> {
    let (status, body) = app.get("/__admin/tenants", &[]).await;
    assert_eq!(status, 200, "{body}");
    let vendor = body["vendors"]
        .as_array()
        .expect("vendors")
        .iter()
        .find(|vendor| vendor["slug"] == slug)
        .expect("the vendor");
    vendor["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|tenant| {
            tenant["headers"]
                .as_object()
                .expect("headers")
                .iter()
                .map(|(name, value)| (name.clone(), value.as_str().expect("text").to_owned()))
                .collect()
        })
        .collect()
}

/// What a walk saw: each request, labelled, with the exact bytes of its answer.
#[derive(Default)]
struct Answers(Vec<(String, u16, String)>);

impl Answers {
    async fn call(
        &mut self,
        app: &TestApp,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Option<&Value>,
    ) -> Value {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let response = app.request(method.clone(), path, &headers, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let label = match body {
            Some(body) => format!("{method} {path} {body}"),
            None => format!("{method} {path}"),
        };
        self.0.push((label, status, text.clone()));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn get(&mut self, app: &TestApp, path: &str, headers: &[(String, String)]) -> Value {
        self.call(app, Method::GET, path, headers, None).await
    }
}

/// Every list each vendor serves, for every tenant, every page, as a client walking them
/// would read them.
async fn walk(app: &TestApp) -> Answers {
    let mut answers = Answers::default();
    app.freeze_clock(WALK_AT).await;
    walk_tailortalk(app, &mut answers).await;
    walk_agentclara(app, &mut answers).await;
    walk_thoughtly(app, &mut answers).await;
    walk_autokonnect(app, &mut answers).await;
    walk_vambe(app, &mut answers).await;
    for (label, status, text) in &answers.0 {
        assert_eq!(*status, 200, "{label}: {text}");
    }
    answers
}

async fn walk_tailortalk(app: &TestApp, answers: &mut Answers) {
    for auth in tenant_headers(app, "tailortalk").await {
        // The documented cursor recipe, a page at a time, then everything at once.
        for (path, items, key, limit) in [
            ("get_contacts", "contacts", "created_at", 50),
            ("get_leads", "leads", "last_message_time", 100),
        ] {
            let path = format!("/tailortalk/api/v1/{path}");
            let mut body = json!({ "limit": limit });
            loop {
                let page = answers
                    .call(app, Method::POST, &path, &auth, Some(&body))
                    .await;
                let page = page.get("data").unwrap_or(&page);
                let Some(last) = page[items].as_array().and_then(|items| items.last()) else {
                    break;
                };
                body = json!({ "limit": limit, "start_after": last[key] });
            }
        }
        let contacts = "/tailortalk/api/v1/get_contacts";
        let all = json!({ "limit": 500 });
        answers
            .call(app, Method::POST, contacts, &auth, Some(&all))
            .await;
        let converted = json!({ "lead_status": "converted", "limit": 100 });
        answers
            .call(
                app,
                Method::POST,
                "/tailortalk/api/v1/get_leads",
                &auth,
                Some(&converted),
            )
            .await;
    }
}

async fn walk_agentclara(app: &TestApp, answers: &mut Answers) {
    for auth in tenant_headers(app, "agentclara").await {
        let mut ids = Vec::new();
        for sort in ["created", "updated", "name"] {
            for offset in (0..).step_by(100) {
                let page = answers
                    .get(
                        app,
                        &format!("/agentclara/contacts?sort={sort}&limit=100&offset={offset}"),
                        &auth,
                    )
                    .await;
                let contacts = page["data"].as_array().cloned().unwrap_or_default();
                if sort == "created" {
                    ids.extend(
                        contacts
                            .iter()
                            .map(|c| c["id"].as_str().expect("id").to_owned()),
                    );
                }
                if contacts.len() < 100 {
                    break;
                }
            }
        }
        answers
            .get(app, "/agentclara/contacts/search?q=a&limit=100", &auth)
            .await;
        for id in ids {
            answers
                .get(app, &format!("/agentclara/contacts/{id}"), &auth)
                .await;
            answers
                .get(
                    app,
                    &format!("/agentclara/contacts/{id}/conversations?limit=100"),
                    &auth,
                )
                .await;
        }
    }
}

async fn walk_thoughtly(app: &TestApp, answers: &mut Answers) {
    for auth in tenant_headers(app, "thoughtly").await {
        for sort in [
            "sort=created_at&sortDirection=desc",
            "sort=updated_at&sortDirection=asc",
            "sort=name&sortDirection=asc",
            "sort=phone_number&sortDirection=desc",
        ] {
            for page in 0.. {
                let answer = answers
                    .get(
                        app,
                        &format!("/thoughtly/contact?{sort}&limit=50&page={page}"),
                        &auth,
                    )
                    .await;
                let listed = answer["data"]["contacts"].as_array().map_or(0, Vec::len);
                if listed < 50 {
                    break;
                }
            }
        }
    }
}

async fn walk_autokonnect(app: &TestApp, answers: &mut Answers) {
    for auth in tenant_headers(app, "autokonnect").await {
        for list in ["contacts", "contacts/tags"] {
            for page in 1.. {
                let answer = answers
                    .get(
                        app,
                        &format!("/autokonnect/api/v1/{list}?page={page}&limit=100"),
                        &auth,
                    )
                    .await;
                if answer["totalPages"]
                    .as_u64()
                    .is_none_or(|pages| page >= pages)
                {
                    break;
                }
            }
        }
    }
}

async fn walk_vambe(app: &TestApp, answers: &mut Answers) {
    for auth in tenant_headers(app, "vambe").await {
        let pipelines = answers.get(app, "/vambe/api/public/pipeline", &auth).await;
        let mut filters = vec![
            "created_after=1970-01-01T00:00:00Z".to_owned(),
            "updated_after=1970-01-01T00:00:00Z".to_owned(),
            "days=365".to_owned(),
        ];
        if let Some(pipeline) = pipelines
            .as_array()
            .and_then(|pipelines| pipelines.first())
            .and_then(|pipeline| pipeline["id"].as_str())
        {
            filters.push(format!(
                "created_after=1970-01-01T00:00:00Z&pipeline_id={pipeline}"
            ));
        }
        for filter in filters {
            for offset in (0..).step_by(1000) {
                let page = answers
                    .get(
                        app,
                        &format!("/vambe/api/public/contacts?{filter}&limit=1000&offset={offset}"),
                        &auth,
                    )
                    .await;
                if page.as_array().map_or(0, Vec::len) < 1000 {
                    break;
                }
            }
        }
    }
}

/// Asserts two walks saw the same requests answered with the same bytes.
fn assert_same_answers(before: &Answers, after: &Answers) {
    assert_eq!(before.0.len(), after.0.len(), "as many requests");
    for (before, after) in before.0.iter().zip(&after.0) {
        assert_eq!(before, after);
    }
}

async fn snapshot(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get(&format!("/__admin/seed{query}"), &[]).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A write through a vendor's API; asserts it succeeded and answers its body.
async fn write(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(String, String)],
    body: Option<Value>,
) -> Value {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let (status, answer) = app
        .send(method.clone(), path, &headers, body.as_ref())
        .await;
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {answer}"
    );
    answer
}

/// Writes to every writable vendor, at instants with milliseconds (which some vendors'
/// wire formats drop): AgentClara create, update and delete; Thoughtly create, call and
/// delete (of a contact with a call); TailorTalk `mark_converted`.
async fn write_to_every_writable_vendor(app: &TestApp, extra: &[(String, String)]) {
    let with = |auth: &Vec<(String, String)>| -> Vec<(String, String)> {
        auth.iter().chain(extra).cloned().collect()
    };
    let agentclara = with(&tenant_headers(app, "agentclara").await[0]);
    app.freeze_clock("2026-01-16T09:00:00.250Z").await;
    for name in ["Snapshot Sam", "Snapshot Ana"] {
        // Two contacts created in the same millisecond: their order is the ids'.
        write(
            app,
            Method::POST,
            "/agentclara/contacts",
            &agentclara,
            Some(json!({
                "name": name, "email": "sam@example.com", "phone": "+14155550111",
                "tags": ["zeta", "alpha", "zeta"], "custom_fields": {"plan": "pro", "seats": 3.5,
                "nested": {"b": [1, 2], "a": null}}
            })),
        )
        .await;
    }
    app.freeze_clock("2026-01-16T09:00:01.999Z").await;
    write(
        app,
        Method::PATCH,
        "/agentclara/contacts/cust_8Zk2QmV7xR4p",
        &agentclara,
        Some(json!({"phone": null, "tags": ["returning"], "custom_fields": {}})),
    )
    .await;
    write(
        app,
        Method::DELETE,
        "/agentclara/contacts/cust_Lm4Tq9Wn2Bc7",
        &agentclara,
        None,
    )
    .await;

    let thoughtly = with(&tenant_headers(app, "thoughtly").await[0]);
    app.freeze_clock("2026-01-17T10:15:00.125Z").await;
    let mut created = Vec::new();
    for phone in ["+14155550123", "+14155550124"] {
        let answer = write(
            app,
            Method::POST,
            "/thoughtly/contact/create",
            &thoughtly,
            // A no-break space is no blank to the API (its pattern is ASCII), so the seed
            // takes it too.
            Some(
                json!({"phone_number": phone, "name": "Snapshot", "tags": ["new", "\u{a0}"],
                        "attributes": {"score": 7, "vip": true}}),
            ),
        )
        .await;
        created.push(answer["data"]["id"].as_str().expect("id").to_owned());
    }
    write(
        app,
        Method::POST,
        "/thoughtly/contact/call",
        &thoughtly,
        Some(json!({"contact_id": created[0], "interview_id": "int_9", "metadata": {"k": "v"}})),
    )
    .await;
    // The call outlives its contact.
    write(
        app,
        Method::DELETE,
        &format!("/thoughtly/contact/{}", created[0]),
        &thoughtly,
        None,
    )
    .await;

    let tailortalk = with(&tenant_headers(app, "tailortalk").await[0]);
    write(
        app,
        Method::POST,
        "/tailortalk/api/v1/mark_converted",
        &tailortalk,
        Some(json!({"contact_ids": ["919812345670"]})),
    )
    .await;
}

/// Whether some string in `value` ends as an instant at 250 ms past a second (the first
/// write's).
fn has_millisecond_timestamp(value: &Value) -> bool {
    match value {
        Value::String(text) => text.ends_with(".250Z"),
        Value::Array(items) => items.iter().any(has_millisecond_timestamp),
        Value::Object(fields) => fields.values().any(has_millisecond_timestamp),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_reloaded_serves_the_same_answers_on_every_list() {
    let app = spawn_app().await;
    write_to_every_writable_vendor(&app, &[]).await;
    let before = walk(&app).await;
    let document = snapshot(&app, "").await;
    assert!(document.get("generate").is_none(), "no generate block");
    assert!(
        has_millisecond_timestamp(&document),
        "milliseconds are kept"
    );

    // Loaded back over the running server…
    let (status, body) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&document))
        .await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    assert_same_answers(&before, &walk(&app).await);
    assert_eq!(
        snapshot(&app, "").await,
        document,
        "a snapshot of the reloaded data is the same document"
    );

    // …and as the seed a new server starts from (`serve --seed`).
    let fresh = spawn_app_with_seed(document.clone()).await;
    assert_same_answers(&before, &walk(&fresh).await);
    assert_eq!(snapshot(&fresh, "").await, document);
}

/// Every row of every table of the database file at `path`, each table's rows sorted.
fn every_row(path: &std::path::Path) -> Vec<(String, Vec<String>)> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    // Search indexes and counts are derived from the records (built on load, kept by writes):
    // equal in what they answer (tests/search.rs), not row for row (a count written down to
    // zero stays as a row; a fresh build has none). The records themselves are compared.
    let tables: Vec<String> = conn
        .prepare(
            r"SELECT name FROM sqlite_master WHERE type = 'table'
               AND instr(name, '_search_') = 0 AND substr(name, -7) <> '_counts'
             ORDER BY name",
        )
        .expect("tables")
        .query_map([], |row| row.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    tables
        .into_iter()
        .map(|table| {
            let columns: Vec<String> = conn
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .expect("columns")
                .query_map([], |row| row.get(0))
                .expect("columns")
                .collect::<Result<_, _>>()
                .expect("columns");
            let mut rows: Vec<String> = conn
                .prepare(&format!(
                    "SELECT json_array({}) FROM \"{table}\"",
                    columns.join(", ")
                ))
                .expect("select")
                .query_map([], |row| row.get::<_, String>(0))
                .expect("rows")
                .collect::<Result<_, _>>()
                .expect("rows");
            rows.sort();
            (table, rows)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_reloaded_holds_the_same_rows_in_every_table() {
    let dir = common::temp_dir("snapshot-rows");
    let (written, loaded) = (dir.join("written.db"), dir.join("loaded.db"));
    let app = spawn_app_with(understudy::StateOptions {
        db: Some(written.clone()),
        ..options(Vec::new())
    })
    .await;
    write_to_every_writable_vendor(&app, &[]).await;
    let document = snapshot(&app, "").await;
    let fresh = spawn_app_with(understudy::StateOptions {
        db: Some(loaded.clone()),
        ..options(vec![seed_source(document)])
    })
    .await;
    let (written_rows, loaded_rows) = (every_row(&written), every_row(&loaded));
    assert_eq!(
        written_rows
            .iter()
            .map(|(table, _)| table)
            .collect::<Vec<_>>(),
        loaded_rows
            .iter()
            .map(|(table, _)| table)
            .collect::<Vec<_>>()
    );
    for ((table, written), (_, loaded)) in written_rows.iter().zip(&loaded_rows) {
        assert!(
            !written.is_empty() || table.ends_with("_meta"),
            "{table} is empty"
        );
        assert_eq!(written, loaded, "{table}");
    }
    drop((app, fresh));
}

#[tokio::test]
async fn a_snapshot_of_a_namespace_holds_that_namespaces_writes_only() {
    let app = spawn_app().await;
    let untouched = snapshot(&app, "").await;
    let ns = [(NAMESPACE.to_owned(), "snap-ns".to_owned())];
    write_to_every_writable_vendor(&app, &ns).await;

    let default = snapshot(&app, "").await;
    assert_eq!(default, untouched, "the default namespace saw no write");
    assert_eq!(snapshot(&app, "?namespace=default").await, untouched);
    let namespaced = snapshot(&app, "?namespace=snap-ns").await;
    assert_ne!(namespaced, untouched);
    let contacts = &namespaced["agentclara"]["accounts"][0]["contacts"];
    let names: Vec<&str> = contacts
        .as_array()
        .expect("contacts")
        .iter()
        .map(|contact| contact["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"Snapshot Sam"), "{names:?}");
    assert!(!names.contains(&"Marcus Chen"), "deleted in the namespace");

    // Loaded as the default data, it serves what the namespace served.
    let (status, _) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&namespaced))
        .await;
    assert_eq!(status, 200);
    assert_eq!(snapshot(&app, "").await, namespaced);
}

#[tokio::test]
async fn a_snapshot_of_an_unknown_or_invalid_namespace_is_refused() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/__admin/seed?namespace=nowhere", &[]).await,
        (404, json!({"error": "no namespace `nowhere`"}))
    );
    let (status, body) = app.get("/__admin/seed?namespace=two%20words", &[]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("namespace: ")),
        "{body}"
    );
    // Asking did not make the namespace.
    assert_eq!(
        app.get("/__admin/namespaces", &[]).await,
        (200, json!({"namespaces": []}))
    );
}

#[tokio::test]
async fn a_snapshot_writes_every_record_with_its_ids_and_timestamps() {
    let seed = json!({
        "generate": {"seed": 3, "contacts_per_tenant": 2},
        "thoughtly": {"teams": [{"team_id": "t1", "api_token": "k1", "rate_limit": true,
            "contacts": [{"id": "c1", "phone_number": "+14155550100"}],
            "calls": [{"contact_id": "c1", "interview_id": "i1"}]}]},
        "vambe": {"workspaces": [{"api_key": "vk", "contacts": [{"name": "No stages"}]}]},
    });
    let app = spawn_app_with_seed(seed).await;
    let document = snapshot(&app, "").await;
    assert_eq!(
        common::keys(&document),
        [
            "agentclara",
            "autokonnect",
            "tailortalk",
            "thoughtly",
            "vambe"
        ]
    );
    let team = &document["thoughtly"]["teams"][0];
    assert_eq!(
        (&team["team_id"], &team["api_token"]),
        (&json!("t1"), &json!("k1"))
    );
    assert_eq!(team["rate_limit"], true);
    assert!(team.get("generate").is_none());
    assert_eq!(team["contacts"].as_array().map(Vec::len), Some(3));
    let call = &team["calls"][0];
    assert_eq!(
        common::keys(call),
        [
            "contact_id",
            "created_at",
            "id",
            "interview_id",
            "metadata",
            "phone_number",
            "status"
        ]
    );
    assert_eq!(call["phone_number"], "+14155550100");
    // A workspace without stages: its contacts' default stage is a UUID of no stage, and the
    // snapshot still loads.
    let contact = &document["vambe"]["workspaces"][0]["contacts"][0];
    assert!(contact["default_stage_id"].is_string(), "{contact}");
    for key in [
        "id",
        "created_at",
        "updated_at",
        "last_message_at",
        "client_id",
    ] {
        assert!(contact[key].is_string(), "{key}: {contact}");
    }
    let (status, body) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&document))
        .await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    assert_eq!(snapshot(&app, "").await, document);
}
