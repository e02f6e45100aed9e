//! Namespaces and cached answers over real HTTP: a namespace starts as exactly the seed and
//! keeps its writes to itself; the cap drops the least recently used one and idleness drops the
//! rest; every write is seen by the very next read, whatever was cached before it.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{TestApp, options, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use understudy::StateOptions;

const NAMESPACE: &str = "X-Understudy-Namespace";
const TAILORTALK: (&str, &str) = ("Authorization", "Agent tt_agent_5f2c9a7e41d86b03");
const AGENTCLARA: (&str, &str) = ("Authorization", "Bearer sk_test_bistro_4f8a2c9e71d3");
const AGENTCLARA_OTHER: (&str, &str) = ("Authorization", "Bearer sk_test_fitstudio_9b1e6d0a45c7");
const THOUGHTLY_TOKEN: (&str, &str) = ("x-api-token", "c8e1f0b2a94d47e6b3d5a1f07c2e9b48");
const THOUGHTLY_TEAM: (&str, &str) = ("team_id", "65f1c0a2e4b0d93a7c1e5f21");
const AUTOKONNECT: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");
const VAMBE: (&str, &str) = ("x-api-key", "vk_live_andes_7c41e9b2d05a");
const AC_CONTACTS: &str = "/agentclara/contacts";
const THOUGHTLY_CONTACTS: &str = "/thoughtly/contact";

/// A request: method, path and headers.
type Read = (Method, &'static str, Vec<(&'static str, &'static str)>);

/// A read of every vendor (several of AgentClara's and Thoughtly's, which write).
fn reads() -> Vec<Read> {
    vec![
        (
            Method::POST,
            "/tailortalk/api/v1/get_contacts",
            vec![TAILORTALK],
        ),
        (
            Method::GET,
            "/agentclara/contacts?limit=100",
            vec![AGENTCLARA],
        ),
        (
            Method::GET,
            "/agentclara/contacts?limit=100",
            vec![AGENTCLARA_OTHER],
        ),
        (
            Method::GET,
            "/agentclara/contacts/search?q=zed",
            vec![AGENTCLARA],
        ),
        (
            Method::GET,
            "/thoughtly/contact?limit=50",
            vec![THOUGHTLY_TOKEN, THOUGHTLY_TEAM],
        ),
        (
            Method::GET,
            "/autokonnect/api/v1/contacts",
            vec![AUTOKONNECT],
        ),
        (
            Method::GET,
            "/autokonnect/api/v1/contacts/tags",
            vec![AUTOKONNECT],
        ),
        (
            Method::GET,
            "/vambe/api/public/contacts?days=365",
            vec![VAMBE],
        ),
    ]
}

/// Every read's answer (status and body) in `namespace` (`None`: the default one).
async fn everything(app: &TestApp, namespace: Option<&str>) -> Vec<(u16, Value)> {
    let mut answers = Vec::new();
    for (method, path, mut headers) in reads() {
        if let Some(namespace) = namespace {
            headers.push((NAMESPACE, namespace));
        }
        let body = (method == Method::POST).then(|| json!({}));
        answers.push(app.send(method, path, &headers, body.as_ref()).await);
    }
    answers
}

async fn create_contact(app: &TestApp, namespace: &str, name: &str) -> Value {
    let (status, body) = app
        .send(
            Method::POST,
            AC_CONTACTS,
            &[AGENTCLARA, (NAMESPACE, namespace)],
            Some(&json!({"name": name})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["data"].clone()
}

/// The names AgentClara lists (first 100) in `namespace`.
async fn names(app: &TestApp, namespace: &str) -> Vec<String> {
    let (status, body) = app
        .get(
            "/agentclara/contacts?limit=100",
            &[AGENTCLARA, (NAMESPACE, namespace)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|contact| contact["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn listed(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/__admin/namespaces", &[]).await;
    assert_eq!(status, 200, "{body}");
    body["namespaces"].as_array().expect("namespaces").clone()
}

async fn listed_names(app: &TestApp) -> Vec<String> {
    listed(app)
        .await
        .iter()
        .map(|namespace| namespace["name"].as_str().expect("name").to_owned())
        .collect()
}

fn limited(max_namespaces: Option<usize>, idle: Option<Duration>) -> StateOptions {
    StateOptions {
        max_namespaces,
        namespace_idle_timeout: idle,
        ..options(Vec::new())
    }
}

#[tokio::test]
async fn a_namespace_starts_as_exactly_the_seed_and_keeps_its_writes_to_itself() {
    let app = spawn_app().await;
    let seed = everything(&app, None).await;
    let statuses: Vec<u16> = seed.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200; 8]);
    assert!(
        everything(&app, Some("fresh")).await == seed,
        "fresh: the seed"
    );

    create_contact(&app, "written", "Zed Written").await;
    let (status, _) = app
        .send(
            Method::POST,
            "/thoughtly/contact/create",
            &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM, (NAMESPACE, "written")],
            Some(&json!({"phone_number": "+15550001111"})),
        )
        .await;
    assert_eq!(status, 200);
    let written = everything(&app, Some("written")).await;
    let changed: Vec<bool> = written.iter().zip(&seed).map(|(w, s)| w != s).collect();
    assert_eq!(
        changed,
        [false, true, false, true, true, false, false, false],
        "only the lists the writes belong in changed"
    );
    assert!(
        everything(&app, None).await == seed,
        "the default saw nothing"
    );
    assert!(everything(&app, Some("fresh")).await == seed, "nor another");
    assert!(everything(&app, Some("new")).await == seed, "nor a new one");

    let (status, _) = app
        .send(Method::POST, "/__admin/reset?namespace=written", &[], None)
        .await;
    assert_eq!(status, 200);
    assert!(
        everything(&app, Some("written")).await == seed,
        "reset: the seed"
    );
}

#[tokio::test]
async fn a_write_is_seen_by_the_very_next_read_of_the_same_tenant() {
    let app = spawn_app().await;
    for namespace in ["default", "fresh"] {
        let headers = [AGENTCLARA, (NAMESPACE, namespace)];
        let other = [AGENTCLARA_OTHER, (NAMESPACE, namespace)];
        let list = "/agentclara/contacts?limit=100";
        let search = "/agentclara/contacts/search?q=Quincy";
        // Cached before the write: in a fresh namespace these are the seed's answers.
        for _ in 0..2 {
            app.get(list, &headers).await;
            app.get(search, &headers).await;
        }
        let (_, other_before) = app.get(list, &other).await;
        let created = create_contact(&app, namespace, "Quincy Fresh").await;
        let id = created["id"].as_str().expect("id").to_owned();

        let (_, listed) = app.get(list, &headers).await;
        assert_eq!(listed["data"][0]["id"], id, "{namespace}: listed at once");
        let (_, found) = app.get(search, &headers).await;
        assert_eq!(found["data"][0]["id"], id, "{namespace}: found at once");
        assert_eq!(found["data"].as_array().map(Vec::len), Some(1));
        let (_, other_after) = app.get(list, &other).await;
        assert_eq!(other_after, other_before, "{namespace}: another tenant's");

        let one = format!("{AC_CONTACTS}/{id}");
        let (_, got) = app.get(&one, &headers).await;
        assert_eq!(got["data"]["name"], "Quincy Fresh");
        let (status, _) = app
            .send(
                Method::PATCH,
                &one,
                &headers,
                Some(&json!({"name": "Quincy Renamed"})),
            )
            .await;
        assert_eq!(status, 200);
        let (_, got) = app.get(&one, &headers).await;
        assert_eq!(
            got["data"]["name"], "Quincy Renamed",
            "{namespace}: updated"
        );
        let (status, _) = app.send(Method::DELETE, &one, &headers, None).await;
        assert_eq!(status, 200);
        let (status, _) = app.get(&one, &headers).await;
        assert_eq!(status, 404, "{namespace}: deleted");
        let (_, found) = app.get(search, &headers).await;
        assert_eq!(found["data"], json!([]), "{namespace}: not found any more");

        let thoughtly = [THOUGHTLY_TOKEN, THOUGHTLY_TEAM, (NAMESPACE, namespace)];
        let by_phone = format!("{THOUGHTLY_CONTACTS}?search=15550002222");
        let (_, before) = app.get(&by_phone, &thoughtly).await;
        assert_eq!(before["data"]["total"], 0);
        let (_, made) = app
            .send(
                Method::POST,
                "/thoughtly/contact/create",
                &thoughtly,
                Some(&json!({"phone_number": "+15550002222"})),
            )
            .await;
        let (_, after) = app.get(&by_phone, &thoughtly).await;
        assert_eq!(after["data"]["contacts"], json!([made["data"]]));
        let made_id = made["data"]["id"].as_str().expect("id");
        let (status, _) = app
            .send(
                Method::DELETE,
                &format!("{THOUGHTLY_CONTACTS}/{made_id}"),
                &thoughtly,
                None,
            )
            .await;
        assert_eq!(status, 200);
        let (_, gone) = app.get(&by_phone, &thoughtly).await;
        assert_eq!(gone["data"]["total"], 0, "{namespace}: deleted at once");
    }
}

#[tokio::test]
async fn making_a_namespace_beyond_the_cap_drops_the_least_recently_used() {
    let app = spawn_app_with(limited(Some(2), None)).await;
    create_contact(&app, "a", "Only In A").await;
    create_contact(&app, "b", "Only In B").await;
    names(&app, "a").await;
    names(&app, "c").await;
    assert_eq!(listed_names(&app).await, ["a", "c"]);
    assert!(names(&app, "a").await.contains(&"Only In A".to_owned()));
    assert!(
        !names(&app, "b").await.contains(&"Only In B".to_owned()),
        "b was dropped: its next use starts from the seed"
    );
    assert_eq!(listed_names(&app).await, ["a", "b"], "c went next");
}

#[tokio::test]
async fn dropping_a_namespace_for_room_forgets_its_rate_limit_counts() {
    // Thoughtly's limit counts a minute, so a slow machine still sends the 101 requests within
    // one window.
    let seed = json!({"thoughtly": {"teams": [
        {"team_id": "team_a", "api_token": "token_a", "rate_limit": true}
    ]}});
    let app = spawn_app_with(StateOptions {
        max_namespaces: Some(1),
        ..options(vec![common::seed_source(seed)])
    })
    .await;
    let list = async |namespace: &'static str| {
        let headers = [
            ("x-api-token", "token_a"),
            ("team_id", "team_a"),
            (NAMESPACE, namespace),
        ];
        app.get(THOUGHTLY_CONTACTS, &headers).await.0
    };
    for _ in 0..100 {
        assert_eq!(list("a").await, 200);
    }
    assert_eq!(list("a").await, 429);
    assert_eq!(list("b").await, 200, "a is dropped to make room");
    assert_eq!(list("a").await, 200, "and its count with it");
}

#[tokio::test]
async fn a_namespace_unused_for_the_idle_timeout_is_dropped_with_its_clock() {
    let app = spawn_app_with(limited(None, Some(Duration::from_millis(300)))).await;
    create_contact(&app, "idle", "Idle Writer").await;
    let (status, _) = app
        .send(
            Method::PUT,
            "/__admin/clock?namespace=idle",
            &[],
            Some(&json!({"now": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // No request touched a namespace meanwhile: the clock was forgotten in the background.
    let (_, clock) = app.get("/__admin/clock?namespace=idle", &[]).await;
    assert_eq!(
        clock["now"], "2026-01-15T12:00:00.000Z",
        "the default clock's"
    );
    assert!(listed_names(&app).await.is_empty());
    assert!(
        !names(&app, "idle")
            .await
            .contains(&"Idle Writer".to_owned())
    );
}

#[tokio::test]
async fn namespaces_are_listed_with_their_own_bytes_and_last_use() {
    let app = spawn_app().await;
    let started = Utc::now();
    names(&app, "reader").await;
    create_contact(&app, "writer", "Someone").await;
    let listed = listed(&app).await;
    assert_eq!(listed.len(), 2);
    for namespace in &listed {
        assert_eq!(common::keys(namespace), ["bytes", "last_used", "name"]);
        let last_used = namespace["last_used"].as_str().expect("last_used");
        assert!(
            last_used.len() == 24 && last_used.ends_with('Z'),
            "2026-01-15T12:00:00.000Z: {last_used}"
        );
        let at: DateTime<Utc> = last_used.parse().expect("RFC 3339");
        let since = at - started;
        assert!(
            since.num_milliseconds() >= -1 && since.num_seconds() < 60,
            "real time: {at} vs {started}"
        );
    }
    assert_eq!(listed[0]["name"], "reader");
    assert_eq!(listed[0]["bytes"], 0, "it reads the seed's data");
    assert_eq!(listed[1]["name"], "writer");
    let bytes = listed[1]["bytes"].as_u64().expect("bytes");
    assert!(bytes > 0, "it holds a copy of what it wrote to");
}

/// Creates a Thoughtly contact in `namespace`.
async fn create_thoughtly_contact(app: &TestApp, namespace: &str, phone: &str) {
    let (status, body) = app
        .send(
            Method::POST,
            "/thoughtly/contact/create",
            &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM, (NAMESPACE, namespace)],
            Some(&json!({"phone_number": phone})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_write_copies_only_its_vendors_data_and_search_index() {
    let app = spawn_app().await;
    create_contact(&app, "clara", "Quillon Searchable").await;
    create_thoughtly_contact(&app, "thoughtly", "+15550003333").await;
    create_contact(&app, "both", "Quillon Searchable").await;
    create_thoughtly_contact(&app, "both", "+15550003333").await;
    let bytes = |listed: &[Value], name: &str| {
        listed
            .iter()
            .find(|namespace| namespace["name"] == name)
            .and_then(|namespace| namespace["bytes"].as_u64())
            .expect("listed with its bytes")
    };
    let listed = listed(&app).await;
    let (clara, thoughtly, both) = (
        bytes(&listed, "clara"),
        bytes(&listed, "thoughtly"),
        bytes(&listed, "both"),
    );
    // Shared by the two copies: the database's own first pages, nothing of either vendor.
    let shared = clara + thoughtly - both;
    assert!(
        shared <= 4 * 4096,
        "each vendor's copy holds its own data alone: {clara} + {thoughtly} against {both}"
    );

    // The copied search index is the namespace's own, and other vendors still search the seed.
    let (status, body) = app
        .get(
            "/agentclara/contacts/search?q=quillon",
            &[AGENTCLARA, (NAMESPACE, "clara")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["name"], "Quillon Searchable");
    let seed_search = "/autokonnect/api/v1/contacts?search=gmail";
    let (_, in_default) = app.get(seed_search, &[AUTOKONNECT]).await;
    let (status, in_clara) = app
        .get(seed_search, &[AUTOKONNECT, (NAMESPACE, "clara")])
        .await;
    assert_eq!(status, 200, "{in_clara}");
    assert!(in_clara["totalRecords"].as_u64() > Some(0), "{in_clara}");
    assert_eq!(in_clara, in_default);
}

#[tokio::test]
async fn posting_a_seed_drops_every_namespace() {
    let app = spawn_app().await;
    create_contact(&app, "before", "From The Old Seed").await;
    let seed = json!({"agentclara": {"accounts": [{"api_key": "sk_test_bistro_4f8a2c9e71d3",
        "contacts": [{"name": "From The New Seed"}]}]}});
    let (status, body) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&seed))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(listed_names(&app).await.is_empty());
    assert_eq!(names(&app, "before").await, ["From The New Seed"]);
}

#[tokio::test]
async fn a_write_keeps_the_cached_answers_of_other_tenants_and_vendors() {
    let app = spawn_app().await;
    let state = app.state().clone();
    let computed = || state.answers().computed();
    let autokonnect = || app.get("/autokonnect/api/v1/contacts", &[AUTOKONNECT]);
    let other_tenant = || app.get(AC_CONTACTS, &[AGENTCLARA_OTHER]);
    let writer = || app.get(AC_CONTACTS, &[AGENTCLARA]);
    // The reads are the default namespace's; the writes are there, then in another namespace.
    for namespace in ["default", "ns"] {
        let create = async || {
            let (status, _) = app
                .send(
                    Method::POST,
                    AC_CONTACTS,
                    &[AGENTCLARA, (NAMESPACE, namespace)],
                    Some(&json!({"name": "Warm"})),
                )
                .await;
            assert_eq!(status, 201);
        };
        let (first_ak, first_other, first_writer) =
            (autokonnect().await, other_tenant().await, writer().await);
        let before = computed();
        assert_eq!(autokonnect().await, first_ak);
        assert_eq!(other_tenant().await, first_other);
        assert_eq!(writer().await, first_writer);
        assert_eq!(computed(), before, "{namespace}: all three are cached");
        create().await;
        assert_eq!(autokonnect().await, first_ak);
        assert_eq!(other_tenant().await, first_other);
        let same_namespace = namespace == "default";
        assert_eq!(
            computed(),
            before,
            "{namespace}: another vendor's and another tenant's answers stayed cached"
        );
        let (_, after) = writer().await;
        assert_eq!(
            after != first_writer.1,
            same_namespace,
            "{namespace}: the writer's own list changed only where it wrote"
        );
        assert_eq!(
            computed(),
            before + u64::from(same_namespace),
            "{namespace}: only the writer's own answer was computed again"
        );
    }
}
