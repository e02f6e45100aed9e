//! AgentClara over real HTTP: the seven operations, account
//! isolation, validation, the rate limit and concurrent writes.

mod common;

use std::collections::HashSet;

use common::{FROZEN_NOW, TestApp, keys, spawn_app, spawn_app_with_seed};
use reqwest::Method;
use serde_json::{Value, json};

// What a client reads, word for word: the test owns the wording.
const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
const CUSTOM_FIELDS_INVALID: &str = "custom_fields must be an object";
const EMAIL_INVALID: &str = "email must be a string";
/// The vendor's one documented error body's text, for a missing and an unknown key alike.
const INVALID_API_KEY: &str = "Invalid API key";
const LIMIT_INVALID: &str = "limit must be an integer between 1 and 100";
const NAME_INVALID: &str = "name must be a non-empty string";
const NAME_REQUIRED: &str = "name is required";
const OFFSET_INVALID: &str = "offset must be a non-negative integer";
const PHONE_INVALID: &str = "phone must be in E.164 format (e.g. +14155550100)";
const QUERY_REQUIRED: &str = "q is required";
const SORT_INVALID: &str = "sort must be one of: created, updated, name";
const TAGS_INVALID: &str = "tags must be an array of strings";

const CONTACTS: &str = "/agentclara/contacts";
const SEARCH: &str = "/agentclara/contacts/search";
const KEY_A: &str = "Bearer sk_test_a";
const KEY_B: &str = "Bearer sk_test_b";
const DEFAULT_KEY: &str = "Bearer sk_test_bistro_4f8a2c9e71d3";
const SUMMARY_KEYS: [&str; 8] = [
    "created_at",
    "email",
    "id",
    "last_conversation",
    "name",
    "phone",
    "tags",
    "updated_at",
];
const CONTACT_KEYS: [&str; 10] = [
    "conversation_count",
    "created_at",
    "custom_fields",
    "email",
    "id",
    "last_conversation",
    "name",
    "phone",
    "tags",
    "updated_at",
];

fn contact(id: &str) -> String {
    format!("{CONTACTS}/{id}")
}

fn conversations(id: &str) -> String {
    format!("{CONTACTS}/{id}/conversations")
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    app.send(method, path, &[("Authorization", key)], body)
        .await
}

async fn get(app: &TestApp, path: &str, key: &str) -> (u16, Value) {
    call(app, Method::GET, path, key, None).await
}

fn bad_request(message: &str) -> (u16, Value) {
    (400, json!({"success": false, "error": message}))
}

fn not_found() -> (u16, Value) {
    (404, json!({"success": false, "error": "Contact not found"}))
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn list_ids(app: &TestApp, query: &str, key: &str) -> Vec<String> {
    let (status, body) = get(app, &format!("{CONTACTS}?{query}"), key).await;
    assert_eq!(status, 200, "{query}: {body}");
    ids(&body)
}

/// The list/search shape of a full contact.
fn summary_of(full: &Value) -> Value {
    let mut summary = full.clone();
    let object = summary.as_object_mut().expect("object");
    object.remove("custom_fields");
    object.remove("conversation_count");
    summary
}

/// Two accounts with hand-written contacts and conversations, for exact assertions.
fn two_accounts() -> Value {
    json!({"agentclara": {"accounts": [
        {"api_key": "sk_test_a", "contacts": [
            {"id": "cust_AnaSouza0001", "name": "Ana Souza", "email": "ana@example.com",
             "phone": "+5511999990000", "tags": ["vip", "frequent"],
             "custom_fields": {"company": "Acme"},
             "created_at": "2025-06-01T10:00:00Z", "updated_at": "2025-10-01T12:00:00Z",
             "conversations": [
                {"id": "conv_000000000001", "channel": "whatsapp", "subject": "Booking",
                 "last_message": "Thanks!", "timestamp": "2025-10-01T12:00:00Z",
                 "status": "open", "unread": true},
                {"id": "conv_000000000002", "channel": "webchat", "subject": "Hours",
                 "last_message": "Open on Sunday?", "timestamp": "2025-07-01T09:00:00Z",
                 "status": "closed", "unread": false},
                {"id": "conv_000000000003", "channel": "sms", "subject": null,
                 "last_message": null, "timestamp": "2025-08-15T18:30:00Z"}
             ]},
            {"id": "cust_BrunoLima002", "name": "bruno Lima", "email": "bruno@corp.test",
             "phone": null, "tags": ["lead"],
             "created_at": "2025-07-01T10:00:00Z", "updated_at": "2025-07-02T10:00:00Z"},
            {"id": "cust_CarlaDias003", "name": "Carla Dias", "email": null,
             "phone": "+14155550100", "tags": ["vip"],
             "created_at": "2025-08-01T10:00:00Z", "updated_at": "2025-08-01T10:00:00Z"}
        ]},
        {"api_key": "sk_test_b", "contacts": [
            {"id": "cust_OtherAcct001", "name": "Ana Other", "email": "ana@other.test",
             "created_at": "2025-01-01T00:00:00Z",
             "conversations": [{"id": "conv_other0000001", "channel": "email",
                                "timestamp": "2025-01-02T00:00:00Z"}]}
        ]}
    ]}})
}

#[tokio::test]
async fn a_contact_is_rendered_exactly_with_derived_conversation_fields() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let (status, body) = get(&app, &contact("cust_AnaSouza0001"), KEY_A).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"success": true, "data": {
            "id": "cust_AnaSouza0001", "name": "Ana Souza", "email": "ana@example.com",
            "phone": "+5511999990000", "tags": ["vip", "frequent"],
            "custom_fields": {"company": "Acme"},
            "created_at": "2025-06-01T10:00:00Z", "updated_at": "2025-10-01T12:00:00Z",
            "last_conversation": "2025-10-01T12:00:00Z", "conversation_count": 3
        }})
    );
    let (_, list) = get(&app, &format!("{CONTACTS}?sort=name&limit=1"), KEY_A).await;
    assert_eq!(
        list,
        json!({"success": true, "data": [summary_of(&body["data"])]})
    );
    let (_, bruno) = get(&app, &contact("cust_BrunoLima002"), KEY_A).await;
    assert_eq!(bruno["data"]["last_conversation"], Value::Null);
    assert_eq!(bruno["data"]["conversation_count"], 0);
    assert_eq!(bruno["data"]["custom_fields"], json!({}));
}

#[tokio::test]
async fn a_full_life_cycle_is_seen_by_every_read() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let before = list_ids(&app, "limit=100", KEY_A).await;
    assert_eq!(before.len(), 3);

    // Create.
    let (status, created) = call(
        &app,
        Method::POST,
        CONTACTS,
        KEY_A,
        Some(&json!({"name": "Zoe Park", "email": "zoe@park.test", "phone": "+442071234567",
                     "tags": ["new", "vip"], "custom_fields": {"company": "Park & Co", "seats": 4}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("cust_") && id.len() == 17, "{id}");
    assert!(id[5..].chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
    assert_eq!(
        created,
        json!({"success": true, "data": {
            "id": id, "name": "Zoe Park", "email": "zoe@park.test", "phone": "+442071234567",
            "tags": ["new", "vip"], "custom_fields": {"company": "Park & Co", "seats": 4},
            "created_at": FROZEN_NOW, "updated_at": FROZEN_NOW,
            "last_conversation": null, "conversation_count": 0
        }})
    );

    // Visible in get, list and search with the same fields.
    assert_eq!(
        get(&app, &contact(&id), KEY_A).await,
        (200, created.clone())
    );
    let summary = summary_of(&created["data"]);
    let (_, list) = get(&app, &format!("{CONTACTS}?limit=100"), KEY_A).await;
    assert_eq!(list["data"][0], summary, "newest first");
    assert_eq!(list["data"].as_array().expect("data").len(), 4);
    let (_, found) = get(&app, &format!("{SEARCH}?q=zoe"), KEY_A).await;
    assert_eq!(found, json!({"success": true, "data": [summary]}));
    let (_, tagged) = get(&app, &format!("{CONTACTS}?tag=new"), KEY_A).await;
    assert_eq!(ids(&tagged), [id.as_str()]);

    // PUT changes only the given fields; updated_at follows the clock, created_at stays.
    app.freeze_clock("2026-01-16T08:30:00Z").await;
    let (status, put) = call(
        &app,
        Method::PUT,
        &contact(&id),
        KEY_A,
        Some(&json!({"name": "Zoe Park-Lee", "tags": ["customer"]})),
    )
    .await;
    assert_eq!(status, 200, "{put}");
    let mut expected = created["data"].clone();
    expected["name"] = json!("Zoe Park-Lee");
    expected["tags"] = json!(["customer"]);
    expected["updated_at"] = json!("2026-01-16T08:30:00Z");
    assert_eq!(put, json!({"success": true, "data": expected.clone()}));

    // PATCH likewise; custom_fields is replaced whole, null clears email.
    app.freeze_clock("2026-01-17T09:00:00.250Z").await;
    let (status, patched) = call(
        &app,
        Method::PATCH,
        &contact(&id),
        KEY_A,
        Some(&json!({"custom_fields": {"tier": "gold"}, "email": null})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    expected["custom_fields"] = json!({"tier": "gold"});
    expected["email"] = Value::Null;
    expected["updated_at"] = json!("2026-01-17T09:00:00.250Z");
    assert_eq!(patched, json!({"success": true, "data": expected.clone()}));
    assert_eq!(patched["data"]["created_at"], FROZEN_NOW);

    // Every read sees the change; reads never bump updated_at.
    assert_eq!(
        get(&app, &contact(&id), KEY_A).await,
        (200, patched.clone())
    );
    let summary = summary_of(&expected);
    let (_, by_update) = get(&app, &format!("{CONTACTS}?sort=updated&limit=1"), KEY_A).await;
    assert_eq!(by_update["data"], json!([summary.clone()]));
    let (_, found) = get(&app, &format!("{SEARCH}?q=park-lee"), KEY_A).await;
    assert_eq!(found["data"], json!([summary]));
    let (_, old_tag) = get(&app, &format!("{CONTACTS}?tag=new"), KEY_A).await;
    assert_eq!(old_tag["data"], json!([]));
    let (_, by_email) = get(&app, &format!("{SEARCH}?q=zoe@park"), KEY_A).await;
    assert_eq!(
        by_email["data"],
        json!([]),
        "the cleared email no longer matches"
    );

    // Delete: 404 afterwards, gone from list and search, count down by one.
    assert_eq!(
        call(&app, Method::DELETE, &contact(&id), KEY_A, None).await,
        (200, json!({"success": true}))
    );
    assert_eq!(get(&app, &contact(&id), KEY_A).await, not_found());
    assert_eq!(get(&app, &conversations(&id), KEY_A).await, not_found());
    assert_eq!(
        call(&app, Method::DELETE, &contact(&id), KEY_A, None).await,
        not_found()
    );
    assert_eq!(
        call(&app, Method::PATCH, &contact(&id), KEY_A, Some(&json!({}))).await,
        not_found()
    );
    assert_eq!(list_ids(&app, "limit=100", KEY_A).await, before);
    let (_, found) = get(&app, &format!("{SEARCH}?q=zoe"), KEY_A).await;
    assert_eq!(found["data"], json!([]));
}

#[tokio::test]
async fn deleting_a_seeded_contact_takes_its_conversations_and_reset_brings_it_back() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let ana = contact("cust_AnaSouza0001");
    assert_eq!(
        call(&app, Method::DELETE, &ana, KEY_A, None).await,
        (200, json!({"success": true}))
    );
    assert_eq!(list_ids(&app, "", KEY_A).await.len(), 2);
    assert_eq!(
        get(&app, &conversations("cust_AnaSouza0001"), KEY_A).await,
        not_found()
    );
    let (status, _) = app.send(Method::POST, "/__admin/reset", &[], None).await;
    assert_eq!(status, 200);
    let (_, restored) = get(&app, &ana, KEY_A).await;
    assert_eq!(restored["data"]["conversation_count"], 3);
}

#[tokio::test]
async fn an_update_without_fields_still_bumps_updated_at() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let path = contact("cust_CarlaDias003");
    let (_, before) = get(&app, &path, KEY_A).await;
    for method in [Method::PUT, Method::PATCH] {
        let (status, after) = call(&app, method.clone(), &path, KEY_A, Some(&json!({}))).await;
        assert_eq!(status, 200, "{method}");
        let mut expected = before.clone();
        expected["data"]["updated_at"] = json!(FROZEN_NOW);
        assert_eq!(after, expected, "{method}");
    }
    // An empty body counts as `{}`; unknown keys (such as a read-back `id`) are ignored.
    let response = app
        .request(Method::PUT, &path, &[("Authorization", KEY_A)], None)
        .await;
    assert_eq!(response.status(), 200);
    let (status, after) = call(
        &app,
        Method::PUT,
        &path,
        KEY_A,
        Some(&json!({"id": "cust_other", "conversation_count": 99, "unknown": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(after["data"]["id"], "cust_CarlaDias003");
    assert_eq!(after["data"]["conversation_count"], 0);
}

#[tokio::test]
async fn list_pages_cover_the_whole_account_without_gap_or_repeat_in_every_sort() {
    let app = spawn_app().await;
    let everything = list_ids(&app, "limit=100&offset=0", DEFAULT_KEY)
        .await
        .len()
        + list_ids(&app, "limit=100&offset=100", DEFAULT_KEY)
            .await
            .len()
        + list_ids(&app, "limit=100&offset=200", DEFAULT_KEY)
            .await
            .len();
    assert_eq!(everything, 202, "2 listed + 200 generated");
    for sort in ["created", "updated", "name"] {
        let mut seen: Vec<Value> = Vec::new();
        let mut offset = 0;
        loop {
            let (status, body) = get(
                &app,
                &format!("{CONTACTS}?sort={sort}&limit=9&offset={offset}"),
                DEFAULT_KEY,
            )
            .await;
            assert_eq!(status, 200);
            let page = body["data"].as_array().expect("data").clone();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 9);
            offset += page.len();
            seen.extend(page);
        }
        assert_eq!(seen.len(), 202, "{sort}");
        let unique: HashSet<&str> = seen.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(unique.len(), 202, "{sort}: no repeats");
        let ordered = |field: &str, descending: bool| {
            seen.windows(2).all(|pair| {
                let (a, b) = (
                    pair[0][field].as_str().unwrap().to_lowercase(),
                    pair[1][field].as_str().unwrap().to_lowercase(),
                );
                if descending { a >= b } else { a <= b }
            })
        };
        match sort {
            "created" => assert!(ordered("created_at", true)),
            "updated" => assert!(ordered("updated_at", true)),
            _ => assert!(ordered("name", false)),
        }
        for item in &seen {
            assert_eq!(keys(item), SUMMARY_KEYS);
        }
    }
}

#[tokio::test]
async fn each_sort_order_and_the_default() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let newest = [
        "cust_CarlaDias003",
        "cust_BrunoLima002",
        "cust_AnaSouza0001",
    ];
    assert_eq!(list_ids(&app, "", KEY_A).await, newest);
    assert_eq!(list_ids(&app, "sort=created", KEY_A).await, newest);
    assert_eq!(
        list_ids(&app, "sort=updated", KEY_A).await,
        [
            "cust_AnaSouza0001",
            "cust_CarlaDias003",
            "cust_BrunoLima002"
        ]
    );
    // Name A→Z folding case: "bruno Lima" sits between Ana and Carla.
    assert_eq!(
        list_ids(&app, "sort=name", KEY_A).await,
        [
            "cust_AnaSouza0001",
            "cust_BrunoLima002",
            "cust_CarlaDias003"
        ]
    );
    assert_eq!(
        list_ids(&app, "sort=name&limit=1&offset=1", KEY_A).await,
        ["cust_BrunoLima002"]
    );
    assert_eq!(
        list_ids(&app, "offset=3", KEY_A).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn tag_and_search_filters_narrow_the_list() {
    let app = spawn_app_with_seed(two_accounts()).await;
    for (query, expected) in [
        ("tag=vip", vec!["cust_CarlaDias003", "cust_AnaSouza0001"]),
        ("tag=lead", vec!["cust_BrunoLima002"]),
        ("tag=VIP", vec![]),
        (
            "tag=",
            vec![
                "cust_CarlaDias003",
                "cust_BrunoLima002",
                "cust_AnaSouza0001",
            ],
        ),
        ("search=ANA", vec!["cust_AnaSouza0001"]),
        ("search=corp.test", vec!["cust_BrunoLima002"]),
        (
            "search=a&tag=vip&sort=name",
            vec!["cust_AnaSouza0001", "cust_CarlaDias003"],
        ),
        ("search=%25", vec![]),
        ("search=nobody", vec![]),
    ] {
        assert_eq!(list_ids(&app, query, KEY_A).await, expected, "{query}");
    }
}

#[tokio::test]
async fn search_matches_name_or_email_up_to_its_limit() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let search = |query: &'static str| {
        let app = &app;
        async move {
            let (status, body) = get(app, &format!("{SEARCH}?{query}"), KEY_A).await;
            assert_eq!(status, 200, "{query}: {body}");
            ids(&body)
        }
    };
    assert_eq!(search("q=souza").await, ["cust_AnaSouza0001"]);
    assert_eq!(search("q=BRUNO@").await, ["cust_BrunoLima002"]);
    assert_eq!(
        search("q=a").await,
        [
            "cust_CarlaDias003",
            "cust_BrunoLima002",
            "cust_AnaSouza0001"
        ]
    );
    assert_eq!(search("q=a&limit=1").await, ["cust_CarlaDias003"]);
    assert_eq!(search("q=phone").await, Vec::<String>::new());
    let (_, body) = get(&app, &format!("{SEARCH}?q=a"), KEY_A).await;
    for item in body["data"].as_array().expect("data") {
        assert_eq!(keys(item), SUMMARY_KEYS);
    }
}

#[tokio::test]
async fn search_returns_ten_by_default() {
    let app = spawn_app().await;
    let (status, body) = get(&app, &format!("{SEARCH}?q=e"), DEFAULT_KEY).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"].as_array().expect("data").len(), 10);
    let (_, list) = get(&app, CONTACTS, DEFAULT_KEY).await;
    assert_eq!(list["data"].as_array().expect("data").len(), 25);
}

#[tokio::test]
async fn conversations_come_newest_first_with_paging() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let path = conversations("cust_AnaSouza0001");
    let (status, body) = get(&app, &path, KEY_A).await;
    assert_eq!(status, 200);
    let customer = json!({"customer_id": "cust_AnaSouza0001", "customer_name": "Ana Souza",
                          "customer_email": "ana@example.com", "customer_phone": "+5511999990000"});
    let with_customer = |conversation: Value| {
        let mut merged = customer.clone();
        merged
            .as_object_mut()
            .unwrap()
            .extend(conversation.as_object().unwrap().clone());
        merged
    };
    let newest = with_customer(json!({"id": "conv_000000000001", "channel": "whatsapp",
        "subject": "Booking", "last_message": "Thanks!", "timestamp": "2025-10-01T12:00:00Z",
        "status": "open", "unread": true}));
    let middle = with_customer(json!({"id": "conv_000000000003", "channel": "sms",
        "subject": null, "last_message": null, "timestamp": "2025-08-15T18:30:00Z",
        "status": "open", "unread": false}));
    let oldest = with_customer(json!({"id": "conv_000000000002", "channel": "webchat",
        "subject": "Hours", "last_message": "Open on Sunday?", "timestamp": "2025-07-01T09:00:00Z",
        "status": "closed", "unread": false}));
    assert_eq!(
        body,
        json!({"success": true, "data": [newest, middle.clone(), oldest.clone()]})
    );
    let (_, page) = get(&app, &format!("{path}?limit=2&offset=1"), KEY_A).await;
    assert_eq!(page, json!({"success": true, "data": [middle, oldest]}));
    let (_, past) = get(&app, &format!("{path}?offset=3"), KEY_A).await;
    assert_eq!(past, json!({"success": true, "data": []}));
    let (_, none) = get(&app, &conversations("cust_BrunoLima002"), KEY_A).await;
    assert_eq!(none, json!({"success": true, "data": []}));

    // The customer_* fields follow the contact as it is now.
    call(
        &app,
        Method::PATCH,
        &contact("cust_AnaSouza0001"),
        KEY_A,
        Some(&json!({"name": "Ana S."})),
    )
    .await;
    let (_, renamed) = get(&app, &format!("{path}?limit=1"), KEY_A).await;
    assert_eq!(renamed["data"][0]["customer_name"], "Ana S.");
}

#[tokio::test]
async fn another_accounts_contact_is_404_for_every_operation() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let theirs = "cust_OtherAcct001";
    assert_eq!(get(&app, &contact(theirs), KEY_A).await, not_found());
    assert_eq!(get(&app, &conversations(theirs), KEY_A).await, not_found());
    for method in [Method::PUT, Method::PATCH] {
        assert_eq!(
            call(
                &app,
                method,
                &contact(theirs),
                KEY_A,
                Some(&json!({"name": "Hacked"}))
            )
            .await,
            not_found()
        );
    }
    assert_eq!(
        call(&app, Method::DELETE, &contact(theirs), KEY_A, None).await,
        not_found()
    );
    // Lists and searches never reach across either.
    assert!(
        !list_ids(&app, "limit=100", KEY_A)
            .await
            .contains(&theirs.to_owned())
    );
    let (_, found) = get(&app, &format!("{SEARCH}?q=ana"), KEY_A).await;
    assert_eq!(ids(&found), ["cust_AnaSouza0001"]);
    assert_eq!(list_ids(&app, "", KEY_B).await, [theirs]);
    let (_, found) = get(&app, &format!("{SEARCH}?q=ana"), KEY_B).await;
    assert_eq!(ids(&found), [theirs]);
    // The owner still sees it unchanged; what A creates B never sees.
    let (_, own) = get(&app, &contact(theirs), KEY_B).await;
    assert_eq!(own["data"]["name"], "Ana Other");
    assert_eq!(own["data"]["conversation_count"], 1);
    let (_, created) = call(
        &app,
        Method::POST,
        CONTACTS,
        KEY_A,
        Some(&json!({"name": "Only A"})),
    )
    .await;
    let id = created["data"]["id"].as_str().expect("id");
    assert_eq!(get(&app, &contact(id), KEY_B).await, not_found());
    assert_eq!(list_ids(&app, "", KEY_B).await, [theirs]);
}

#[tokio::test]
async fn unknown_ids_of_any_form_are_404() {
    let app = spawn_app_with_seed(two_accounts()).await;
    for id in [
        "cust_doesnotexist",
        "123",
        "%FF%FE",
        "cust_AnaSouza0001%20",
        "search%20",
    ] {
        assert_eq!(get(&app, &contact(id), KEY_A).await, not_found(), "{id}");
    }
}

#[tokio::test]
async fn each_invalid_query_parameter_gets_400_with_its_message() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let ana_conversations = conversations("cust_AnaSouza0001");
    for (path, query, message) in [
        (CONTACTS, "limit=0", LIMIT_INVALID),
        (CONTACTS, "limit=101", LIMIT_INVALID),
        (CONTACTS, "limit=abc", LIMIT_INVALID),
        (CONTACTS, "limit=2.5", LIMIT_INVALID),
        (CONTACTS, "limit=", LIMIT_INVALID),
        (CONTACTS, "offset=-1", OFFSET_INVALID),
        (CONTACTS, "offset=1.5", OFFSET_INVALID),
        (CONTACTS, "sort=email", SORT_INVALID),
        (CONTACTS, "sort=", SORT_INVALID),
        (SEARCH, "", QUERY_REQUIRED),
        (SEARCH, "q=", QUERY_REQUIRED),
        (SEARCH, "q=%20%20", QUERY_REQUIRED),
        (SEARCH, "q=ana&limit=101", LIMIT_INVALID),
        (SEARCH, "q=ana&limit=0", LIMIT_INVALID),
        (ana_conversations.as_str(), "limit=0", LIMIT_INVALID),
        (ana_conversations.as_str(), "limit=500", LIMIT_INVALID),
        (ana_conversations.as_str(), "offset=-3", OFFSET_INVALID),
    ] {
        assert_eq!(
            get(&app, &format!("{path}?{query}"), KEY_A).await,
            bad_request(message),
            "{path}?{query}"
        );
    }
}

#[tokio::test]
async fn each_invalid_body_gets_400_with_its_message() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let ana = contact("cust_AnaSouza0001");
    for (body, message) in [
        (json!({}), NAME_REQUIRED),
        (json!({"email": "x@y.z"}), NAME_REQUIRED),
        (json!({"name": ""}), NAME_REQUIRED),
        (json!({"name": "   "}), NAME_REQUIRED),
        (json!({"name": null}), NAME_REQUIRED),
        (json!({"name": 42}), NAME_INVALID),
        (json!({"name": "A", "email": 5}), EMAIL_INVALID),
        (json!({"name": "A", "phone": "4155550100"}), PHONE_INVALID),
        (json!({"name": "A", "phone": "+0155550100"}), PHONE_INVALID),
        (
            json!({"name": "A", "phone": "+1 415 555 0100"}),
            PHONE_INVALID,
        ),
        (
            json!({"name": "A", "phone": "+1234567890123456"}),
            PHONE_INVALID,
        ),
        (json!({"name": "A", "phone": 14155550100u64}), PHONE_INVALID),
        (json!({"name": "A", "tags": ["vip", 1]}), TAGS_INVALID),
        (json!({"name": "A", "tags": "vip"}), TAGS_INVALID),
        (json!({"name": "A", "tags": null}), TAGS_INVALID),
        (
            json!({"name": "A", "custom_fields": ["a"]}),
            CUSTOM_FIELDS_INVALID,
        ),
        (
            json!({"name": "A", "custom_fields": "a"}),
            CUSTOM_FIELDS_INVALID,
        ),
        (json!(["name", "A"]), BODY_NOT_OBJECT),
        (json!("A"), BODY_NOT_OBJECT),
    ] {
        assert_eq!(
            call(&app, Method::POST, CONTACTS, KEY_A, Some(&body)).await,
            bad_request(message),
            "create {body}"
        );
    }
    for method in [Method::PUT, Method::PATCH] {
        for (body, message) in [
            (json!({"name": ""}), NAME_INVALID),
            (json!({"name": null}), NAME_INVALID),
            (json!({"phone": "+1"}), PHONE_INVALID),
            (json!({"tags": [true]}), TAGS_INVALID),
            (json!({"custom_fields": 1}), CUSTOM_FIELDS_INVALID),
            (json!({"email": ["a"]}), EMAIL_INVALID),
            (json!(7), BODY_NOT_OBJECT),
        ] {
            assert_eq!(
                call(&app, method.clone(), &ana, KEY_A, Some(&body)).await,
                bad_request(message),
                "{method} {body}"
            );
        }
    }
    // Nothing was written by any of them.
    assert_eq!(list_ids(&app, "", KEY_A).await.len(), 3);
    let (_, unchanged) = get(&app, &ana, KEY_A).await;
    assert_eq!(unchanged["data"]["updated_at"], "2025-10-01T12:00:00Z");
}

#[tokio::test]
async fn malformed_json_wrong_content_type_and_huge_bodies_are_refused() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let ana = contact("cust_AnaSouza0001");
    let raw = |method: Method, path: String, content_type: &'static str, body: Vec<u8>| {
        let app = &app;
        async move {
            let response = app
                .client
                .request(method, app.url(&path))
                .header("Authorization", KEY_A)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    for (method, path) in [
        (Method::POST, CONTACTS.to_owned()),
        (Method::PUT, ana.clone()),
        (Method::PATCH, ana.clone()),
    ] {
        assert_eq!(
            raw(
                method.clone(),
                path.clone(),
                "application/json",
                b"{\"name\":".to_vec()
            )
            .await,
            bad_request("Request body is not valid JSON"),
            "{method}"
        );
        assert_eq!(
            raw(
                method.clone(),
                path.clone(),
                "text/plain",
                b"{\"name\":\"A\"}".to_vec()
            )
            .await,
            bad_request("Content-Type must be application/json"),
            "{method}"
        );
        let mut huge = b"{\"name\":\"".to_vec();
        huge.extend(std::iter::repeat_n(b'a', 1024 * 1024 + 1));
        huge.extend(b"\"}");
        assert_eq!(
            raw(method.clone(), path, "application/json", huge).await,
            (
                413,
                json!({"success": false, "error": "Request body is too large (max 1 MiB)"})
            ),
            "{method}"
        );
    }
}

#[tokio::test]
async fn missing_or_unknown_keys_get_the_documented_401_before_any_validation() {
    let app = spawn_app_with_seed(two_accounts()).await;
    let unauthorized = (401, json!({"success": false, "error": INVALID_API_KEY}));
    let requests = [
        (Method::GET, format!("{CONTACTS}?limit=0")),
        (Method::GET, SEARCH.to_owned()),
        (Method::GET, contact("cust_AnaSouza0001")),
        (Method::POST, CONTACTS.to_owned()),
        (Method::PUT, contact("cust_AnaSouza0001")),
        (Method::PATCH, contact("nope")),
        (Method::DELETE, contact("cust_AnaSouza0001")),
        (Method::GET, conversations("cust_AnaSouza0001")),
    ];
    for (method, path) in &requests {
        assert_eq!(
            app.send(method.clone(), path, &[], Some(&json!([]))).await,
            unauthorized,
            "{method} {path} without a key"
        );
        for key in [
            "Bearer",
            "sk_test_a",
            "Basic sk_test_a",
            "Bearer sk_test_nope",
        ] {
            assert_eq!(
                call(&app, method.clone(), path, key, Some(&json!([]))).await,
                unauthorized,
                "{method} {path} {key:?}"
            );
        }
    }
    // Nothing was deleted without a key.
    assert_eq!(list_ids(&app, "", KEY_A).await.len(), 3);
}

#[tokio::test]
async fn unknown_paths_are_404_and_missing_methods_405_before_auth() {
    let app = spawn_app_with_seed(two_accounts()).await;
    for path in [
        "/agentclara/",
        "/agentclara/contact",
        "/agentclara/contacts/a/b/c",
    ] {
        assert_eq!(
            app.get(path, &[]).await,
            (404, json!({"success": false, "error": "Not found"})),
            "{path}"
        );
    }
    for (method, path, allowed) in [
        (Method::DELETE, CONTACTS.to_owned(), vec!["GET", "POST"]),
        (Method::PUT, CONTACTS.to_owned(), vec!["GET", "POST"]),
        (Method::POST, SEARCH.to_owned(), vec!["GET"]),
        (Method::DELETE, SEARCH.to_owned(), vec!["GET"]),
        (
            Method::POST,
            contact("cust_AnaSouza0001"),
            vec!["GET", "PUT", "PATCH", "DELETE"],
        ),
        (
            Method::DELETE,
            conversations("cust_AnaSouza0001"),
            vec!["GET"],
        ),
    ] {
        app.assert_method_not_allowed(
            method,
            &path,
            &[],
            &allowed,
            json!({"success": false, "error": "Method not allowed"}),
        )
        .await;
    }
}

fn rate_limited_seed() -> Value {
    json!({"agentclara": {"accounts": [
        {"api_key": "sk_test_limited", "rate_limit": true,
         "contacts": [{"id": "cust_Limited000001", "name": "Lim"}]},
        {"api_key": "sk_test_free", "contacts": [{"name": "Free"}]}
    ]}})
}

#[tokio::test]
async fn the_101st_request_within_ten_seconds_gets_429_when_the_limit_is_on() {
    let app = spawn_app_with_seed(rate_limited_seed()).await;
    let key = "Bearer sk_test_limited";
    for i in 0..100 {
        // Every operation counts, whatever its outcome.
        let path = if i % 2 == 0 {
            CONTACTS.to_owned()
        } else {
            contact("cust_missing")
        };
        let (status, _) = get(&app, &path, key).await;
        assert!(status == 200 || status == 404, "request {i}: {status}");
    }
    let response = app
        .request(Method::GET, CONTACTS, &[("Authorization", key)], None)
        .await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"success": false, "error": "Rate limit exceeded. Please retry later."})
    );
    // Writes are limited too, and the other account is not affected.
    let (status, _) = call(
        &app,
        Method::POST,
        CONTACTS,
        key,
        Some(&json!({"name": "X"})),
    )
    .await;
    assert_eq!(status, 429);
    let (status, _) = get(&app, CONTACTS, "Bearer sk_test_free").await;
    assert_eq!(status, 200);
    // Unknown keys are refused before the limiter.
    let (status, _) = get(&app, CONTACTS, "Bearer sk_test_unknown").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn without_the_switch_no_request_is_ever_rate_limited() {
    let app = spawn_app_with_seed(rate_limited_seed()).await;
    for i in 0..150 {
        let (status, _) = get(&app, CONTACTS, "Bearer sk_test_free").await;
        assert_eq!(status, 200, "request {i}");
    }
}

#[tokio::test]
async fn fifty_concurrent_creates_give_fifty_distinct_contacts() {
    let app = std::sync::Arc::new(spawn_app_with_seed(two_accounts()).await);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move {
                let (status, body) = call(
                    &app,
                    Method::POST,
                    CONTACTS,
                    KEY_A,
                    Some(&json!({"name": format!("Concurrent {i:02}"), "tags": ["batch"]})),
                )
                .await;
                assert_eq!(status, 201, "{body}");
                body["data"]["id"].as_str().expect("id").to_owned()
            })
        })
        .collect();
    let mut created = HashSet::new();
    for task in tasks {
        created.insert(task.await.expect("task"));
    }
    assert_eq!(created.len(), 50, "distinct ids");
    let listed: HashSet<String> = list_ids(&app, "tag=batch&limit=100", KEY_A)
        .await
        .into_iter()
        .collect();
    assert_eq!(listed, created);
    assert_eq!(list_ids(&app, "limit=100", KEY_A).await.len(), 53);
}

#[tokio::test]
async fn the_default_seed_has_two_accounts_with_tags_custom_fields_and_conversations() {
    let app = spawn_app().await;
    for key in [DEFAULT_KEY, "Bearer sk_test_fitstudio_9b1e6d0a45c7"] {
        let mut with_tags = 0;
        let mut with_custom_fields = 0;
        let mut with_conversations = 0;
        for offset in [0, 100, 200] {
            let (status, body) =
                get(&app, &format!("{CONTACTS}?limit=100&offset={offset}"), key).await;
            assert_eq!(status, 200);
            for item in body["data"].as_array().expect("data") {
                let id = item["id"].as_str().expect("id");
                assert!(id.starts_with("cust_") && id.len() == 17, "{id}");
                if let Some(phone) = item["phone"].as_str() {
                    assert!(phone.starts_with('+') && phone.len() <= 16, "{phone}");
                }
                with_tags += usize::from(!item["tags"].as_array().expect("tags").is_empty());
                with_conversations += usize::from(!item["last_conversation"].is_null());
                if offset == 0 {
                    let (_, full) = get(&app, &contact(id), key).await;
                    assert_eq!(keys(&full["data"]), CONTACT_KEYS);
                    let fields = full["data"]["custom_fields"].as_object().expect("object");
                    with_custom_fields += usize::from(!fields.is_empty());
                    let count = full["data"]["conversation_count"].as_u64().expect("count");
                    assert_eq!(count == 0, item["last_conversation"].is_null(), "{id}");
                }
            }
        }
        assert!(with_tags > 100, "{key}: {with_tags}");
        assert!(with_conversations > 100, "{key}: {with_conversations}");
        assert!(with_custom_fields > 30, "{key}: {with_custom_fields}");
    }
}

#[tokio::test]
async fn a_bad_seed_names_the_json_path() {
    let bad = json!({"agentclara": {"accounts": [
        {"api_key": "k", "contacts": [{"name": "A", "phone": "555"}]}
    ]}});
    let error = common::seed_error(bad);
    assert!(
        error.contains("agentclara.accounts[0].contacts[0].phone"),
        "{error}"
    );
    let duplicate = json!({"agentclara": {"accounts": [{"api_key": "k"}, {"api_key": "k"}]}});
    let error = common::seed_error(duplicate);
    assert!(error.contains("agentclara.accounts[1].api_key"), "{error}");
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/__admin/openapi/agentclara.yaml", &[], None)
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(text.starts_with("openapi: 3.1.0"));
    for operation in [
        "listContacts",
        "searchContacts",
        "getContact",
        "createContact",
        "updateContact",
        "patchContact",
        "deleteContact",
        "listContactConversations",
    ] {
        assert!(
            text.contains(&format!("operationId: {operation}")),
            "{operation}"
        );
    }
}

#[tokio::test]
async fn a_seeded_contact_keeps_its_tags_in_the_order_listed_each_once() {
    // A tag listed twice is stored once, at its first place.
    let seed = json!({"agentclara": {"accounts": [
        {"api_key": "sk_test_a", "contacts": [
            {"id": "cust_Tagged000001", "name": "Tagged", "tags": ["vip", "lead", "vip", "a"],
             "created_at": "2025-06-01T10:00:00Z"},
            {"id": "cust_Tagged000000", "name": "Other", "tags": ["lead"],
             "created_at": "2025-06-02T10:00:00Z"}
        ]}
    ]}});
    let app = spawn_app_with_seed(seed).await;
    let (status, body) = get(&app, "/agentclara/contacts/cust_Tagged000001", KEY_A).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["tags"], json!(["vip", "lead", "a"]));
    let (_, listed) = get(&app, "/agentclara/contacts?tag=vip", KEY_A).await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .expect("contacts")
        .iter()
        .filter_map(|contact| contact["id"].as_str())
        .collect();
    assert_eq!(ids, ["cust_Tagged000001"]);
}
