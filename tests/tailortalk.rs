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

// ---- get_leads and mark_converted ----

const GET_LEADS: &str = "/tailortalk/api/v1/get_leads";
const MARK_CONVERTED: &str = "/tailortalk/api/v1/mark_converted";
const CONTACT_IDS_INVALID: &str = "contact_ids is required and must be a list of strings";
const CONVERTED_MESSAGE: &str = "Lead status updated to converted.";
const INVALID_START_AFTER: &str =
    "start_after must be an ISO 8601 timestamp with a timezone, e.g. 2025-11-08T05:39:17+00:00";
const LEAD_STATUS_INVALID: &str = "lead_status must be a string";
const LEADS_LIMIT_OUT_OF_RANGE: &str = "limit must be between 1 and 100";
const LIMIT_NOT_INTEGER: &str = "limit must be an integer";
const UNAUTHORIZED: &str = "Invalid or missing agent token";
const NAMESPACE: &str = "x-understudy-namespace";

/// Two agents: the first (in the documented envelope for contacts) with four leads, two of them
/// sharing a contact across integrations; the second with a lead of that same contact.
fn two_agents_with_leads() -> Value {
    json!({"tailortalk": {"agents": [
        {"token": "tt_agent_1", "leads": [
            {"lead_name": "Shiva", "lead_contact": "shivajbd@gmail.com", "lead_status": "warm",
             "last_message_time": "2025-12-28T18:03:10+00:00", "joined": "2025-12-27T16:45:00+00:00",
             "total_followups": 1, "integration": "assistant",
             "id": "zrpxkxxu_assistant_shivajbdgmailcom"},
            {"lead_name": "John Doe", "lead_contact": "919812345670", "lead_status": "hot",
             "last_message_time": "2026-01-10T09:12:44+05:30", "joined": "2025-11-08T05:39:17+00:00",
             "total_followups": 2, "integration": "whatsapp", "id": "zrpxkxxu_whatsapp_919812345670"},
            {"lead_name": null, "lead_contact": "919812345670", "lead_status": "cold",
             "last_message_time": "2025-12-01T00:00:00+00:00", "joined": "2025-11-30T00:00:00+00:00",
             "total_followups": 0, "integration": "assistant", "id": "zrpxkxxu_assistant_919812345670"},
            {"lead_name": "Ananya Rao", "lead_contact": "ananya.rao.designs",
             "lead_status": "converted", "last_message_time": "2025-12-28T18:03:10+00:00",
             "joined": "2025-11-29T08:00:00+00:00", "total_followups": 3,
             "integration": "instagram", "id": "zrpxkxxu_instagram_ananyaraodesigns"}
        ]},
        {"token": "tt_agent_2", "leads": [
            {"lead_name": "John at agent 2", "lead_contact": "919812345670", "lead_status": "warm",
             "last_message_time": "2025-10-01T00:00:00+00:00", "joined": "2025-09-01T00:00:00+00:00",
             "total_followups": 5, "integration": "whatsapp", "id": "agenttwo_whatsapp_919812345670"}
        ]}
    ]}})
}

fn lead(id: &str) -> Value {
    match id {
        "john" => json!({"lead_name": "John Doe", "lead_contact": "919812345670",
            "lead_status": "hot", "last_message_time": "2026-01-10T03:42:44+00:00",
            "joined": "2025-11-08T05:39:17+00:00", "total_followups": 2,
            "integration": "whatsapp", "id": "zrpxkxxu_whatsapp_919812345670"}),
        "shiva" => json!({"lead_name": "Shiva", "lead_contact": "shivajbd@gmail.com",
            "lead_status": "warm", "last_message_time": "2025-12-28T18:03:10+00:00",
            "joined": "2025-12-27T16:45:00+00:00", "total_followups": 1,
            "integration": "assistant", "id": "zrpxkxxu_assistant_shivajbdgmailcom"}),
        "ananya" => json!({"lead_name": "Ananya Rao", "lead_contact": "ananya.rao.designs",
            "lead_status": "converted", "last_message_time": "2025-12-28T18:03:10+00:00",
            "joined": "2025-11-29T08:00:00+00:00", "total_followups": 3,
            "integration": "instagram", "id": "zrpxkxxu_instagram_ananyaraodesigns"}),
        "john_assistant" => json!({"lead_name": null, "lead_contact": "919812345670",
            "lead_status": "cold", "last_message_time": "2025-12-01T00:00:00+00:00",
            "joined": "2025-11-30T00:00:00+00:00", "total_followups": 0,
            "integration": "assistant", "id": "zrpxkxxu_assistant_919812345670"}),
        other => panic!("no lead {other}"),
    }
}

fn leads_page(leads: &[Value]) -> Value {
    json!({"data": {"leads": leads, "count": leads.len()}, "success": true})
}

async fn get_leads(app: &TestApp, auth: &str, body: Option<Value>) -> (u16, Value) {
    app.send(
        Method::POST,
        GET_LEADS,
        &[("Authorization", auth)],
        body.as_ref(),
    )
    .await
}

async fn mark_converted(app: &TestApp, auth: &str, body: &Value) -> (u16, Value) {
    app.send(
        Method::POST,
        MARK_CONVERTED,
        &[("Authorization", auth)],
        Some(body),
    )
    .await
}

fn lead_ids(body: &Value) -> Vec<String> {
    body["data"]["leads"]
        .as_array()
        .expect("leads")
        .iter()
        .map(|lead| lead["id"].as_str().expect("id").to_owned())
        .collect()
}

fn converted(count: usize) -> Value {
    json!({"data": {"message": CONVERTED_MESSAGE, "updated_count": count}, "success": true})
}

#[tokio::test]
async fn leads_come_back_exactly_as_seeded_newest_message_first_and_always_wrapped() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let (status, body) = get_leads(&app, "Agent tt_agent_1", None).await;
    assert_eq!(status, 200);
    // Ananya and Shiva share a last message time: the id breaks the tie, descending
    // (`…_instagram_…` before `…_assistant_…`). John's time was seeded at +05:30.
    assert_eq!(
        body,
        leads_page(&[
            lead("john"),
            lead("ananya"),
            lead("shiva"),
            lead("john_assistant")
        ])
    );
    let (_, empty) = get_leads(&app, "Agent tt_agent_1", Some(json!({}))).await;
    assert_eq!(empty, body, "an empty object means the defaults");
}

#[tokio::test]
async fn get_leads_takes_get_with_the_same_body() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let body = json!({"limit": 1});
    let (status, via_get) = app
        .send(
            Method::GET,
            GET_LEADS,
            &[("Authorization", "Agent tt_agent_1")],
            Some(&body),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(via_get, leads_page(&[lead("john")]));
    assert_eq!(
        get_leads(&app, "Agent tt_agent_1", Some(body)).await.1,
        via_get
    );
}

#[tokio::test]
async fn lead_status_filters_exactly_and_an_unknown_status_is_an_empty_page() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let page = async |status: Value| {
        let (code, body) = get_leads(
            &app,
            "Agent tt_agent_1",
            Some(json!({"lead_status": status})),
        )
        .await;
        assert_eq!(code, 200, "{body}");
        body
    };
    assert_eq!(page(json!("hot")).await, leads_page(&[lead("john")]));
    assert_eq!(
        page(json!("converted")).await,
        leads_page(&[lead("ananya")])
    );
    assert_eq!(
        page(json!("Hot")).await,
        leads_page(&[]),
        "exact, case and all"
    );
    assert_eq!(page(json!("lukewarm")).await, leads_page(&[]));
    assert_eq!(
        page(json!(null)).await["data"]["count"],
        4,
        "null is no filter"
    );
}

#[tokio::test]
async fn the_documented_recipe_pages_backwards_through_every_lead_once() {
    let app = spawn_app().await;
    for filter in [json!(null), json!("cold")] {
        let mut seen: Vec<String> = Vec::new();
        let mut times: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (status, body) = get_leads(
                &app,
                DEFAULT_AGENT,
                Some(json!({"limit": 7, "start_after": cursor, "lead_status": filter})),
            )
            .await;
            assert_eq!(status, 200, "{body}");
            let leads = body["data"]["leads"].as_array().expect("leads").clone();
            assert_eq!(body["data"]["count"], leads.len());
            for lead in &leads {
                if filter.is_string() {
                    assert_eq!(lead["lead_status"], filter);
                }
                times.push(lead["last_message_time"].as_str().expect("time").to_owned());
            }
            seen.extend(lead_ids(&body));
            if leads.len() < 7 {
                break;
            }
            cursor = leads
                .last()
                .map(|lead| lead["last_message_time"].as_str().expect("time").to_owned());
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "no lead twice");
        assert!(
            times.windows(2).all(|pair| pair[0] > pair[1]),
            "strictly older page by page"
        );
        // Every lead of the agent (or of the status), as one call of at most 100 can't show.
        let (_, all) = get_leads(
            &app,
            DEFAULT_AGENT,
            Some(json!({"limit": 100, "lead_status": filter})),
        )
        .await;
        assert_eq!(
            seen[..lead_ids(&all).len().min(seen.len())],
            lead_ids(&all)[..]
        );
        if filter.is_null() {
            assert_eq!(seen.len(), 203, "200 generated leads and 3 listed");
        } else {
            assert!(seen.len() > 20, "{}", seen.len());
        }
    }
}

#[tokio::test]
async fn each_agent_sees_only_its_own_leads() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let (status, body) = get_leads(&app, "Agent tt_agent_2", None).await;
    assert_eq!(status, 200);
    assert_eq!(lead_ids(&body), ["agenttwo_whatsapp_919812345670"]);
    let app = spawn_app().await;
    let (_, first) = get_leads(&app, DEFAULT_AGENT, Some(json!({"limit": 100}))).await;
    let (_, second) = get_leads(&app, SECOND_DEFAULT_AGENT, Some(json!({"limit": 100}))).await;
    let first: HashSet<String> = lead_ids(&first).into_iter().collect();
    let second: HashSet<String> = lead_ids(&second).into_iter().collect();
    assert_eq!((first.len(), second.len()), (100, 100));
    assert!(first.is_disjoint(&second));
}

#[tokio::test]
async fn bad_get_leads_bodies_are_400s() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    for (body, message) in [
        (json!({"limit": 0}), LEADS_LIMIT_OUT_OF_RANGE),
        (json!({"limit": 101}), LEADS_LIMIT_OUT_OF_RANGE),
        (json!({"limit": -3}), LEADS_LIMIT_OUT_OF_RANGE),
        (json!({"limit": "10"}), LIMIT_NOT_INTEGER),
        (json!({"limit": 2.5}), LIMIT_NOT_INTEGER),
        (json!({"lead_status": 3}), LEAD_STATUS_INVALID),
        (json!({"lead_status": ["hot"]}), LEAD_STATUS_INVALID),
        (json!({"start_after": "2025-12-01"}), INVALID_START_AFTER),
        (json!({"start_after": 1_764_547_200}), INVALID_START_AFTER),
        (json!([]), BODY_NOT_OBJECT),
        (json!("hot"), BODY_NOT_OBJECT),
    ] {
        assert_eq!(
            get_leads(&app, "Agent tt_agent_1", Some(body.clone())).await,
            (400, error(message)),
            "{body}"
        );
    }
    let mut request = app.client.post(app.url(GET_LEADS));
    request = request
        .header("Authorization", "Agent tt_agent_1")
        .header("content-type", "application/json")
        .body("{\"limit\": ");
    let response = request.send().await.expect("send");
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        error(MALFORMED_JSON)
    );
}

#[tokio::test]
async fn leads_and_mark_converted_need_a_known_agent_token_before_the_body() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let unauthorized = (401, error(UNAUTHORIZED));
    for path in [GET_LEADS, MARK_CONVERTED] {
        for headers in [
            vec![],
            vec![("Authorization", "Agent tt_agent_9")],
            vec![("Authorization", "Bearer tt_agent_1")],
        ] {
            assert_eq!(
                app.send(
                    Method::POST,
                    path,
                    &headers,
                    Some(&json!({"limit": 0, "contact_ids": 1}))
                )
                .await,
                unauthorized,
                "{path} {headers:?}"
            );
        }
    }
}

#[tokio::test]
async fn mark_converted_updates_matching_leads_and_skips_unknown_ids() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let (status, body) = mark_converted(
        &app,
        "Agent tt_agent_1",
        &json!({"contact_ids": ["919812345670", "nobody_here", "919812345670"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        converted(2),
        "both of John's leads; the unknown id is skipped"
    );
    let (_, page) = get_leads(
        &app,
        "Agent tt_agent_1",
        Some(json!({"lead_status": "converted"})),
    )
    .await;
    let mut john = lead("john");
    john["lead_status"] = json!("converted");
    let mut john_assistant = lead("john_assistant");
    john_assistant["lead_status"] = json!("converted");
    assert_eq!(page, leads_page(&[john, lead("ananya"), john_assistant]));
    // Another agent's lead of the same contact is untouched.
    let (_, other) = get_leads(&app, "Agent tt_agent_2", None).await;
    assert_eq!(other["data"]["leads"][0]["lead_status"], "warm");
    // Matching leads count again when they already are converted; no match counts 0.
    assert_eq!(
        mark_converted(
            &app,
            "Agent tt_agent_1",
            &json!({"contact_ids": ["ananya.rao.designs"]})
        )
        .await,
        (200, converted(1))
    );
    assert_eq!(
        mark_converted(
            &app,
            "Agent tt_agent_1",
            &json!({"contact_ids": ["+919812345670", "SHIVAJBD@gmail.com"]})
        )
        .await,
        (200, converted(0)),
        "contacts match exactly"
    );
    assert_eq!(
        mark_converted(&app, "Agent tt_agent_1", &json!({"contact_ids": []})).await,
        (200, converted(0))
    );
}

#[tokio::test]
async fn mark_converted_changes_leads_in_its_own_namespace_only() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    let in_namespace = |namespace: &'static str| {
        [
            ("Authorization", "Agent tt_agent_1"),
            (NAMESPACE, namespace),
        ]
    };
    let (status, body) = app
        .send(
            Method::POST,
            MARK_CONVERTED,
            &in_namespace("converting"),
            Some(&json!({"contact_ids": ["shivajbd@gmail.com"]})),
        )
        .await;
    assert_eq!((status, body), (200, converted(1)));
    let shiva_status = async |namespace: &'static str| {
        let (_, page) = app
            .send(Method::POST, GET_LEADS, &in_namespace(namespace), None)
            .await;
        let leads = page["data"]["leads"].as_array().expect("leads").clone();
        let shiva = leads
            .into_iter()
            .find(|lead| lead["lead_contact"] == "shivajbd@gmail.com")
            .expect("Shiva's lead");
        shiva["lead_status"].clone()
    };
    assert_eq!(shiva_status("converting").await, "converted");
    assert_eq!(shiva_status("default").await, "warm");
    assert_eq!(shiva_status("elsewhere").await, "warm");
}

#[tokio::test]
async fn bad_mark_converted_bodies_are_400s() {
    let app = spawn_app_with_seed(two_agents_with_leads()).await;
    for (body, message) in [
        (json!({}), CONTACT_IDS_INVALID),
        (json!({"contact_ids": null}), CONTACT_IDS_INVALID),
        (json!({"contact_ids": "919812345670"}), CONTACT_IDS_INVALID),
        (
            json!({"contact_ids": [919812345670u64]}),
            CONTACT_IDS_INVALID,
        ),
        (
            json!({"contact_ids": ["919812345670", {"id": 1}]}),
            CONTACT_IDS_INVALID,
        ),
        (json!(["919812345670"]), BODY_NOT_OBJECT),
    ] {
        assert_eq!(
            mark_converted(&app, "Agent tt_agent_1", &body).await,
            (400, error(message)),
            "{body}"
        );
    }
    assert_eq!(
        app.send(
            Method::POST,
            MARK_CONVERTED,
            &[("Authorization", "Agent tt_agent_1")],
            None
        )
        .await,
        (400, error(CONTACT_IDS_INVALID)),
        "no body at all"
    );
    // Nothing was converted by the refused requests.
    let (_, page) = get_leads(
        &app,
        "Agent tt_agent_1",
        Some(json!({"lead_status": "converted"})),
    )
    .await;
    assert_eq!(lead_ids(&page), ["zrpxkxxu_instagram_ananyaraodesigns"]);
}

#[tokio::test]
async fn leads_and_mark_converted_allow_their_methods_only() {
    let app = spawn_app().await;
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        app.assert_method_not_allowed(
            method,
            GET_LEADS,
            &[],
            &["GET", "POST"],
            error("Method not allowed"),
        )
        .await;
    }
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        app.assert_method_not_allowed(
            method,
            MARK_CONVERTED,
            &[],
            &["POST"],
            error("Method not allowed"),
        )
        .await;
    }
}

#[tokio::test]
async fn generated_contacts_come_with_leads_of_their_own_name_number_and_joining_time() {
    let app = spawn_app().await;
    let (_, contacts_page) = post(&app, DEFAULT_AGENT, Some(json!({"limit": 500}))).await;
    let joined_by_number: std::collections::HashMap<&str, (&Value, &str)> =
        contacts(&contacts_page)
            .iter()
            .map(|contact| {
                (
                    contact["phone_number"].as_str().expect("number"),
                    (&contact["name"], created_at(contact)),
                )
            })
            .collect();
    let (_, leads) = get_leads(&app, DEFAULT_AGENT, Some(json!({"limit": 100}))).await;
    let mut statuses = HashSet::new();
    for lead in leads["data"]["leads"].as_array().expect("leads") {
        if lead["integration"] != "whatsapp" || lead["lead_name"] == "John Doe" {
            continue; // a listed lead
        }
        let number = lead["lead_contact"].as_str().expect("contact");
        let (name, joined) = joined_by_number[number];
        assert_eq!(&lead["lead_name"], name, "{lead}");
        assert_eq!(lead["joined"], joined, "{lead}");
        assert!(
            lead["last_message_time"].as_str().expect("time") >= joined,
            "{lead}"
        );
        assert!(
            lead["id"]
                .as_str()
                .expect("id")
                .ends_with(&format!("_whatsapp_{number}"))
        );
        assert!(lead["total_followups"].is_u64());
        statuses.insert(lead["lead_status"].as_str().expect("status").to_owned());
    }
    assert!(statuses.len() >= 3, "{statuses:?}");
    let again = spawn_app().await;
    assert_eq!(
        get_leads(&again, DEFAULT_AGENT, Some(json!({"limit": 100})))
            .await
            .1,
        leads,
        "generation is deterministic"
    );
}

#[tokio::test]
async fn a_lead_without_id_or_times_gets_them_generated() {
    let app = spawn_app_with_seed(json!({"tailortalk": {"agents": [{"token": "t", "leads": [
        {"lead_contact": "+91 98000 00001"},
        {"lead_contact": "ananya.rao.designs", "integration": "instagram", "joined": "2025-12-01T10:00:00.750Z"}
    ]}]}}))
    .await;
    let (status, body) = get_leads(&app, "Agent t", None).await;
    assert_eq!(status, 200);
    let leads = body["data"]["leads"].as_array().expect("leads");
    assert_eq!(leads.len(), 2);
    for lead in leads {
        let joined = lead["joined"].as_str().expect("joined");
        let last = lead["last_message_time"].as_str().expect("last");
        assert!(
            joined <= last && last <= "2026-01-15T12:00:00+00:00",
            "{lead}"
        );
        assert!(joined.ends_with("+00:00") && joined.len() == 25, "{joined}");
    }
    let by_contact = |contact: &str| {
        leads
            .iter()
            .find(|lead| lead["lead_contact"] == contact)
            .expect("lead")
    };
    let plain = by_contact("+91 98000 00001");
    assert_eq!(
        (
            &plain["lead_status"],
            &plain["integration"],
            &plain["total_followups"],
            &plain["lead_name"]
        ),
        (&json!("cold"), &json!("whatsapp"), &json!(0), &Value::Null)
    );
    let id = plain["id"].as_str().expect("id");
    let (code, rest) = id.split_once('_').expect("code");
    assert_eq!(rest, "whatsapp_919800000001");
    assert!(
        code.len() == 8 && code.chars().all(|c| c.is_ascii_lowercase()),
        "{id}"
    );
    let instagram = by_contact("ananya.rao.designs");
    assert_eq!(
        instagram["id"],
        format!("{code}_instagram_ananyaraodesigns")
    );
    assert_eq!(instagram["joined"], "2025-12-01T10:00:00+00:00");
}

#[test]
fn a_bad_lead_in_a_seed_names_its_path() {
    let agent = |leads: Value| json!({"tailortalk": {"agents": [{"token": "t", "leads": leads}]}});
    assert!(seed_error(agent(json!([{"lead_name": "x"}]))).starts_with(
        "seed: test seed: tailortalk.agents[0].leads[0]: missing field `lead_contact`"
    ));
    assert_eq!(
        seed_error(agent(json!([{"lead_contact": "1", "lead_status": " "}]))),
        "seed: test seed: tailortalk.agents[0].leads[0].lead_status: must not be blank"
    );
    assert_eq!(
        seed_error(agent(
            json!([{"lead_contact": "1", "id": "a"}, {"lead_contact": "2", "id": "a"}])
        )),
        "seed: test seed: tailortalk.agents[0].leads[1].id: duplicate lead id `a`"
    );
    let message = seed_error(agent(
        json!([{"lead_contact": "91 1"}, {"lead_contact": "911"}]),
    ));
    assert!(
        message.starts_with("seed: test seed: tailortalk.agents[0].leads[1].id: duplicate lead id `")
            && message.ends_with("_whatsapp_911` (another lead has this contact and integration; give this one an `id`)"),
        "{message}"
    );
    assert!(
        seed_error(agent(json!([{"lead_contact": "1", "total_followups": -1}])))
            .starts_with("seed: test seed: tailortalk.agents[0].leads[0].total_followups: ")
    );
}
