//! TailorTalk over real HTTP.

mod common;

use std::collections::HashSet;

use common::{TestApp, seed_error, spawn_app, spawn_app_with_seed};
use reqwest::Method;
use serde_json::{Value, json};

// What a client reads, word for word: the test owns the wording.
const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
const LIMIT_OUT_OF_RANGE: &str = "limit must be between 1 and 500";
const MALFORMED_JSON: &str = "Request body is not valid JSON";

const GET_CONTACTS: &str = "/tailortalk/api/v1/get_contacts";
const DEFAULT_AGENT: &str = "Agent tt_agent_5f2c9a7e41d86b03";
const SECOND_DEFAULT_AGENT: &str = "Agent tt_agent_b83d1e6f09a4c725";
const STANDARD_KEYS: [&str; 4] = ["name", "phone_number", "created_at", "updated_at"];

/// `POST get_contacts` with a JSON body (none when `body` is `None`).
async fn post(app: &TestApp, auth: &str, body: Option<Value>) -> (u16, Value) {
    app.send(
        Method::POST,
        GET_CONTACTS,
        &[("Authorization", auth)],
        body.as_ref(),
    )
    .await
}

/// Any method with raw bytes and headers, for bodies no JSON client would send.
async fn send_bytes(
    app: &TestApp,
    method: Method,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let mut request = app.client.request(method, app.url(GET_CONTACTS));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.body(body).send().await.expect("send");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn error(message: &str) -> Value {
    json!({ "success": false, "error": message })
}

fn contacts(body: &Value) -> &Vec<Value> {
    body["contacts"].as_array().expect("contacts array")
}

fn created_at(contact: &Value) -> &str {
    contact["created_at"].as_str().expect("created_at")
}

fn names(body: &Value) -> Vec<&str> {
    contacts(body)
        .iter()
        .map(|contact| contact["name"].as_str().expect("name"))
        .collect()
}

/// The documented example, verbatim, plus an agent of another tenant.
fn documented_example() -> Value {
    json!({"tailortalk": {"agents": [
        {"token": "tt_agent_1", "contacts": [
            {"name": "John Doe", "phone_number": "91********",
             "created_at": "2025-11-08T05:39:17+00:00", "updated_at": "2025-11-08T05:39:17+00:00",
             "city": "Mumbai", "membership": "Gold"},
            {"name": "Jane Smith", "phone_number": "91********",
             "created_at": "2025-10-23T10:26:29+00:00", "updated_at": "2025-10-23T10:26:29+00:00",
             "city": "Delhi"}
        ]},
        {"token": "tt_agent_2", "contacts": [
            {"name": "Other Tenant", "phone_number": "447700900123",
             "created_at": "2025-12-01T00:00:00+00:00", "plan": "trial"}
        ]}
    ]}})
}

fn documented_response() -> Value {
    json!({
        "contacts": [
            {"name": "John Doe", "phone_number": "91********",
             "created_at": "2025-11-08T05:39:17+00:00", "updated_at": "2025-11-08T05:39:17+00:00",
             "city": "Mumbai", "membership": "Gold"},
            {"name": "Jane Smith", "phone_number": "91********",
             "created_at": "2025-10-23T10:26:29+00:00", "updated_at": "2025-10-23T10:26:29+00:00",
             "city": "Delhi"}
        ],
        "count": 2
    })
}

#[tokio::test]
async fn the_documented_example_comes_back_exactly() {
    let app = spawn_app_with_seed(documented_example()).await;
    let (status, body) = post(
        &app,
        "Agent tt_agent_1",
        Some(json!({"start_after": "2026-08-03T17:30:05+00:00", "limit": 50})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, documented_response());
}

#[tokio::test]
async fn get_with_the_same_json_body_answers_like_post() {
    let app = spawn_app_with_seed(documented_example()).await;
    let body = json!({"limit": 1});
    let (status, via_get) = app
        .send(
            Method::GET,
            GET_CONTACTS,
            &[("Authorization", "Agent tt_agent_1")],
            Some(&body),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(via_get, post(&app, "Agent tt_agent_1", Some(body)).await.1);
    assert_eq!(names(&via_get), ["John Doe"]);
}

#[tokio::test]
async fn an_absent_or_empty_body_means_the_defaults() {
    let app = spawn_app().await;
    let (status, no_body) = post(&app, DEFAULT_AGENT, None).await;
    assert_eq!(status, 200);
    assert_eq!(no_body["count"], 50);
    assert_eq!(contacts(&no_body).len(), 50);
    let (_, empty_object) = post(&app, DEFAULT_AGENT, Some(json!({}))).await;
    assert_eq!(empty_object, no_body);
    let (_, nulls) = post(
        &app,
        DEFAULT_AGENT,
        Some(json!({"start_after": null, "limit": null, "unknown": "ignored"})),
    )
    .await;
    assert_eq!(nulls, no_body);
    let (status, get_without_body) = app
        .send(
            Method::GET,
            GET_CONTACTS,
            &[("Authorization", DEFAULT_AGENT)],
            None,
        )
        .await;
    assert_eq!((status, get_without_body), (200, no_body.clone()));
    let (status, whitespace) = send_bytes(
        &app,
        Method::POST,
        &[
            ("Authorization", DEFAULT_AGENT),
            ("Content-Type", "application/json"),
        ],
        "  \n",
    )
    .await;
    assert_eq!((status, whitespace), (200, no_body));
}

/// Walks every page with the documented recipe and returns the contacts in order.
async fn walk(app: &TestApp, auth: &str, limit: u64) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut body = json!({ "limit": limit });
    loop {
        let (status, page) = post(app, auth, Some(body.clone())).await;
        assert_eq!(status, 200, "{page}");
        let page_contacts = contacts(&page);
        assert_eq!(
            page["count"],
            page_contacts.len(),
            "count is the page length"
        );
        assert!(page_contacts.len() as u64 <= limit);
        let Some(last) = page_contacts.last() else {
            return seen;
        };
        body = json!({ "start_after": created_at(last), "limit": limit });
        seen.extend(page_contacts.iter().cloned());
    }
}

#[tokio::test]
async fn walking_all_pages_with_the_cursor_recipe_returns_each_contact_once_newest_first() {
    let app = spawn_app().await;
    for (auth, total) in [(DEFAULT_AGENT, 202), (SECOND_DEFAULT_AGENT, 200)] {
        let walked = walk(&app, auth, 37).await;
        assert_eq!(walked.len(), total, "{auth}");
        let times: Vec<&str> = walked.iter().map(created_at).collect();
        assert!(
            times.windows(2).all(|pair| pair[0] > pair[1]),
            "distinct creation times, newest first"
        );
        let identities: HashSet<String> = walked.iter().map(Value::to_string).collect();
        assert_eq!(identities.len(), total, "no contact twice");
        let (_, everything) = post(&app, auth, Some(json!({"limit": 500}))).await;
        assert_eq!(&walked, contacts(&everything), "one big page agrees");
    }
}

#[tokio::test]
async fn contacts_sharing_a_created_at_at_a_page_boundary_are_skipped_by_the_strict_cursor() {
    let app = spawn_app_with_seed(
        json!({"tailortalk": {"agents": [{"token": "tt_ties", "contacts": [
            {"name": "Newest", "created_at": "2025-11-08T05:39:18+00:00"},
            {"name": "Tie 1", "created_at": "2025-11-08T05:39:17+00:00"},
            {"name": "Tie 2", "created_at": "2025-11-08T05:39:17+00:00"},
            {"name": "Tie 3", "created_at": "2025-11-08T05:39:17+00:00"},
            {"name": "Older", "created_at": "2025-11-08T05:39:16+00:00"}
        ]}]}}),
    )
    .await;
    // Ties are ordered by the internal id, descending: the last listed comes first.
    let (_, all) = post(&app, "Agent tt_ties", None).await;
    assert_eq!(names(&all), ["Newest", "Tie 3", "Tie 2", "Tie 1", "Older"]);
    let (_, first) = post(&app, "Agent tt_ties", Some(json!({"limit": 2}))).await;
    assert_eq!(names(&first), ["Newest", "Tie 3"]);
    let (_, second) = post(
        &app,
        "Agent tt_ties",
        Some(json!({"start_after": created_at(&contacts(&first)[1]), "limit": 2})),
    )
    .await;
    assert_eq!(
        names(&second),
        ["Older"],
        "strictly before the boundary's created_at: the other two ties are never seen"
    );
}

#[tokio::test]
async fn start_after_is_strictly_before_and_compared_as_an_instant() {
    let app = spawn_app_with_seed(documented_example()).await;
    for cursor in [
        "2025-11-08T05:39:17+00:00",
        "2025-11-08T11:09:17+05:30",
        "2025-11-08T00:39:17-05:00",
        "2025-11-08T05:39:17Z",
    ] {
        let (status, body) = post(
            &app,
            "Agent tt_agent_1",
            Some(json!({ "start_after": cursor })),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(names(&body), ["Jane Smith"], "{cursor}");
    }
    let (_, just_after) = post(
        &app,
        "Agent tt_agent_1",
        Some(json!({"start_after": "2025-11-08T05:39:17.001+00:00"})),
    )
    .await;
    assert_eq!(names(&just_after), ["John Doe", "Jane Smith"]);
    let (_, before_all) = post(
        &app,
        "Agent tt_agent_1",
        Some(json!({"start_after": "2025-01-01T00:00:00+00:00"})),
    )
    .await;
    assert_eq!(before_all, json!({"contacts": [], "count": 0}));
}

#[tokio::test]
async fn limit_takes_whole_numbers_from_1_to_500() {
    let app = spawn_app().await;
    for (limit, expected) in [
        (json!(1), 1),
        (json!(7), 7),
        (json!(10.0), 10),
        (json!(500), 202),
    ] {
        let (status, body) = post(&app, DEFAULT_AGENT, Some(json!({ "limit": limit }))).await;
        assert_eq!(status, 200, "{limit}");
        assert_eq!(body["count"], expected, "{limit}");
    }
}

#[tokio::test]
async fn custom_attributes_appear_flattened_and_differ_between_contacts() {
    let app = spawn_app().await;
    for auth in [DEFAULT_AGENT, SECOND_DEFAULT_AGENT] {
        let (_, body) = post(&app, auth, Some(json!({"limit": 500}))).await;
        let mut with_attributes = 0;
        let mut attribute_sets = HashSet::new();
        let mut cities = HashSet::new();
        for contact in contacts(&body) {
            let object = contact.as_object().expect("contact object");
            for key in STANDARD_KEYS {
                assert!(object.contains_key(key), "{key} in {contact}");
            }
            let custom: Vec<&String> = object
                .keys()
                .filter(|key| !STANDARD_KEYS.contains(&key.as_str()))
                .collect();
            for key in &custom {
                let value = &object[key.as_str()];
                assert!(!value.is_object() && !value.is_array(), "{contact}");
            }
            if !custom.is_empty() {
                with_attributes += 1;
            }
            attribute_sets.insert(format!("{custom:?}"));
            if let Some(city) = object.get("city") {
                cities.insert(city.as_str().expect("city is text").to_owned());
            }
        }
        let total = contacts(&body).len();
        assert!(
            with_attributes * 10 > total * 7,
            "most contacts: {with_attributes}/{total}"
        );
        assert!(with_attributes < total, "not all contacts");
        assert!(attribute_sets.len() > 5, "attribute sets vary");
        assert!(cities.len() > 5, "values vary: {cities:?}");
    }
}

#[tokio::test]
async fn custom_attributes_keep_their_json_type_and_seed_times_are_normalised() {
    let app = spawn_app_with_seed(
        json!({"tailortalk": {"agents": [{"token": "tt_types", "contacts": [
            {"name": null, "phone_number": "919800000001",
             "created_at": "2025-11-08T11:09:17.750+05:30",
             "membership": "Gold", "visits": 12, "score": 4.5, "opted_in": false, "referrer": null}
        ]}]}}),
    )
    .await;
    let (status, body) = post(&app, "Agent tt_types", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"contacts": [{
            "name": null, "phone_number": "919800000001",
            "created_at": "2025-11-08T05:39:17+00:00", "updated_at": "2025-11-08T05:39:17+00:00",
            "membership": "Gold", "visits": 12, "score": 4.5, "opted_in": false, "referrer": null
        }], "count": 1})
    );
}

#[tokio::test]
async fn the_two_agents_are_isolated() {
    let app = spawn_app_with_seed(documented_example()).await;
    let (_, first) = post(&app, "Agent tt_agent_1", Some(json!({"limit": 500}))).await;
    assert_eq!(first, documented_response());
    let (_, second) = post(&app, "Agent tt_agent_2", Some(json!({"limit": 500}))).await;
    assert_eq!(
        second,
        json!({"contacts": [{"name": "Other Tenant", "phone_number": "447700900123",
                             "created_at": "2025-12-01T00:00:00+00:00",
                             "updated_at": "2025-12-01T00:00:00+00:00", "plan": "trial"}],
               "count": 1})
    );

    let app = spawn_app().await;
    let (_, a) = post(&app, DEFAULT_AGENT, Some(json!({"limit": 500}))).await;
    let (_, b) = post(&app, SECOND_DEFAULT_AGENT, Some(json!({"limit": 500}))).await;
    let a: HashSet<String> = contacts(&a).iter().map(Value::to_string).collect();
    let b: HashSet<String> = contacts(&b).iter().map(Value::to_string).collect();
    assert!(a.is_disjoint(&b));
    assert!(a.iter().any(|contact| contact.contains("\"John Doe\"")));
}

#[tokio::test]
async fn a_wrapped_agent_answers_in_the_sibling_envelope() {
    let mut seed = documented_example();
    seed["tailortalk"]["agents"][0]["envelope"] = json!("wrapped");
    let app = spawn_app_with_seed(seed).await;
    let (status, body) = post(&app, "Agent tt_agent_1", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": documented_response(), "success": true})
    );
    let (_, empty) = post(
        &app,
        "Agent tt_agent_1",
        Some(json!({"start_after": "2020-01-01T00:00:00+00:00"})),
    )
    .await;
    assert_eq!(
        empty,
        json!({"data": {"contacts": [], "count": 0}, "success": true})
    );
    let (_, documented) = post(&app, "Agent tt_agent_2", Some(json!({"limit": 0}))).await;
    assert_eq!(
        documented,
        error(LIMIT_OUT_OF_RANGE),
        "errors keep their shape"
    );
    let (_, other) = post(&app, "Agent tt_agent_2", None).await;
    assert!(
        other.get("contacts").is_some(),
        "the other agent stays documented"
    );
}

#[tokio::test]
async fn a_limit_out_of_range_or_not_an_integer_gets_400() {
    let app = spawn_app_with_seed(documented_example()).await;
    for limit in [
        json!(0),
        json!(501),
        json!(-1),
        json!(1e30),
        json!(18446744073709551615u64),
    ] {
        assert_eq!(
            post(&app, "Agent tt_agent_1", Some(json!({ "limit": limit }))).await,
            (400, error(LIMIT_OUT_OF_RANGE)),
            "{limit}"
        );
    }
    for limit in [
        json!("10"),
        json!(10.5),
        json!(true),
        json!([10]),
        json!({"n": 1}),
    ] {
        assert_eq!(
            post(&app, "Agent tt_agent_1", Some(json!({ "limit": limit }))).await,
            (400, error("limit must be an integer")),
            "{limit}"
        );
    }
}

#[tokio::test]
async fn an_unparsable_start_after_gets_400() {
    let app = spawn_app_with_seed(documented_example()).await;
    for start_after in [
        json!("2025-11-08"),
        json!("2025-11-08T05:39:17"),
        json!("08/11/2025 05:39"),
        json!(""),
        json!(1762580357),
        json!(false),
    ] {
        assert_eq!(
            post(
                &app,
                "Agent tt_agent_1",
                Some(json!({ "start_after": start_after }))
            )
            .await,
            (
                400,
                error(
                    "start_after must be an ISO 8601 timestamp with a timezone, e.g. 2025-11-08T05:39:17+00:00"
                )
            ),
            "{start_after}"
        );
    }
}

#[tokio::test]
async fn malformed_json_a_non_object_or_a_foreign_content_type_gets_400() {
    let app = spawn_app_with_seed(documented_example()).await;
    let json_type = [
        ("Authorization", "Agent tt_agent_1"),
        ("Content-Type", "application/json"),
    ];
    for (raw, message) in [
        ("{", MALFORMED_JSON),
        ("{\"limit\": 10,}", MALFORMED_JSON),
        ("limit=10", MALFORMED_JSON),
        ("[]", BODY_NOT_OBJECT),
        ("\"limit\"", BODY_NOT_OBJECT),
        ("50", BODY_NOT_OBJECT),
        ("null", BODY_NOT_OBJECT),
    ] {
        for method in [Method::POST, Method::GET] {
            assert_eq!(
                send_bytes(&app, method.clone(), &json_type, raw).await,
                (400, error(message)),
                "{method} {raw}"
            );
        }
    }
    assert_eq!(
        send_bytes(
            &app,
            Method::POST,
            &[
                ("Authorization", "Agent tt_agent_1"),
                ("Content-Type", "application/x-www-form-urlencoded")
            ],
            "limit=10",
        )
        .await,
        (400, error("Content-Type must be application/json"))
    );
}

#[tokio::test]
async fn a_body_over_one_mebibyte_gets_413() {
    let app = spawn_app_with_seed(documented_example()).await;
    let padding = "x".repeat(1024 * 1024);
    let raw = format!("{{\"limit\": 10, \"padding\": \"{padding}\"}}");
    assert_eq!(
        send_bytes(
            &app,
            Method::POST,
            &[
                ("Authorization", "Agent tt_agent_1"),
                ("Content-Type", "application/json")
            ],
            raw,
        )
        .await,
        (413, error("Request body is too large"))
    );
}

#[tokio::test]
async fn missing_other_scheme_and_unknown_tokens_get_401_before_validation() {
    let app = spawn_app_with_seed(documented_example()).await;
    let unauthorized = (401, error("Invalid or missing agent token"));
    assert_eq!(
        app.send(Method::POST, GET_CONTACTS, &[], None).await,
        unauthorized,
        "missing"
    );
    for auth in [
        "Bearer tt_agent_1",
        "Token tt_agent_1",
        "tt_agent_1",
        "Agent",
        "Agent ",
        "Agenttt_agent_1",
        "Agent tt_agent_1 extra",
        "Agent tt_agent_3",
        "Agent TT_AGENT_1",
    ] {
        assert_eq!(post(&app, auth, None).await, unauthorized, "{auth:?}");
        assert_eq!(
            post(&app, auth, Some(json!({"limit": 0}))).await,
            unauthorized,
            "auth before validation: {auth:?}"
        );
    }
    assert_eq!(
        post(&app, "agent tt_agent_1", None).await.0,
        200,
        "the scheme is case-insensitive"
    );
}

#[tokio::test]
async fn other_methods_get_405_with_allow_before_auth() {
    let app = spawn_app_with_seed(documented_example()).await;
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        app.assert_method_not_allowed(
            method,
            GET_CONTACTS,
            &[],
            &["GET", "POST"],
            error("Method not allowed"),
        )
        .await;
    }
}

#[tokio::test]
async fn unknown_paths_get_tailortalk_404_before_auth() {
    let app = spawn_app().await;
    for path in [
        "/tailortalk/api/v1/contacts",
        "/tailortalk/api/v2/get_contacts",
        "/tailortalk/",
    ] {
        assert_eq!(
            app.send(Method::POST, path, &[], None).await,
            (404, error("Not found")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/__admin/openapi/tailortalk.yaml", &[], None)
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(text.starts_with("openapi: 3.1.0"));
    assert!(text.contains("/api/v1/get_contacts"));
}

#[test]
fn a_bad_seed_names_the_path_and_the_problem() {
    assert_eq!(
        seed_error(
            json!({"tailortalk": {"agents": [{"token": "t", "contacts": [
            {"name": "A", "tags": ["vip"]}]}]}})
        ),
        "seed: test seed: tailortalk.agents[0].contacts[0].tags: \
         a custom attribute must be a JSON scalar (string, number, boolean or null)"
    );
    assert_eq!(
        seed_error(json!({"tailortalk": {"agents": [{"token": "t"}, {"token": "t"}]}})),
        "seed: test seed: tailortalk.agents[1].token: \
         duplicate credential `t`: another agent already uses it"
    );
    assert!(
        seed_error(json!({"tailortalk": {"agents": [{"token": "t", "envelope": "bare"}]}}))
            .contains("tailortalk.agents[0].envelope: unknown variant `bare`"),
    );
    assert!(
        seed_error(
            json!({"tailortalk": {"agents": [{"token": "t", "contacts": [
            {"created_at": "yesterday"}]}]}})
        )
        .contains("tailortalk.agents[0].contacts[0]"),
    );
    assert!(
        seed_error(json!({"tailortalk": {"agents": [{"token": "a b"}]}}))
            .contains("tailortalk.agents[0].token: must not contain whitespace")
    );
}
