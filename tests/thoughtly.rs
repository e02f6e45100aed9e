//! Thoughtly over real HTTP.

mod common;

use std::collections::HashSet;

use common::{TestApp, seed_error, spawn_app, spawn_app_with_seed};
use reqwest::Method;
use serde_json::{Value, json};

// What a client reads, word for word: the test owns the wording.
const BODY_NOT_OBJECT: &str = "Request body must be a JSON object";
const CONTACT_HAS_NO_PHONE: &str = "The contact has no phone number to call";
const CONTACT_ID_REQUIRED: &str = "contact_id is required and must be a non-empty string";
const CONTACT_NOT_FOUND: &str = "Contact not found";
const INTERVIEW_ID_REQUIRED: &str =
    "interview_id (or agent_id) is required and must be a non-empty string";
const INVALID_METADATA: &str = "metadata must be an object";
const MISSING_CREDENTIALS: &str = "Missing x-api-token or team_id header";
const RATE_LIMITED: &str = "Rate limit exceeded: 100 requests per minute";
const INVALID_ATTRIBUTES: &str = "attributes must be an object";
const INVALID_CREDENTIALS: &str = "Invalid x-api-token or team_id";
const INVALID_LIMIT: &str = "limit must be an integer between 1 and 50";
const INVALID_PAGE: &str = "page must be an integer greater than or equal to 0";
const INVALID_PHONE_NUMBERS_ONLY: &str = "phone_numbers_only must be a boolean (true or false)";
const INVALID_SORT: &str = "sort must be one of: name, created_at, updated_at, phone_number, email";
const INVALID_SORT_DIRECTION: &str = "sortDirection must be one of: asc, desc";
const INVALID_TAGS: &str = "tags must be an array of non-empty strings";
const PHONE_NUMBER_REQUIRED: &str = "phone_number is required and must be a non-empty string";

const CONTACTS: &str = "/thoughtly/contact";
const CREATE: &str = "/thoughtly/contact/create";
const CALL: &str = "/thoughtly/contact/call";
const NAMESPACE: &str = "x-understudy-namespace";
const TEAM_A: Creds = Creds("token_a", "team_a");
const TEAM_B: Creds = Creds("token_b", "team_b");
const DEFAULT_TEAM: Creds = Creds(
    "c8e1f0b2a94d47e6b3d5a1f07c2e9b48",
    "65f1c0a2e4b0d93a7c1e5f21",
);
const DEFAULT_OTHER_TEAM: Creds = Creds(
    "5b7d1e9c3a2f48d6e0c4b8a1f9d2e7c3",
    "66a8d3f7b91c4e2a05d7c3b9",
);

/// An `x-api-token` and a `team_id`.
#[derive(Clone, Copy)]
struct Creds(&'static str, &'static str);

impl Creds {
    fn headers(self) -> [(&'static str, &'static str); 2] {
        [("x-api-token", self.0), ("team_id", self.1)]
    }
}

fn error(message: &str) -> Value {
    json!({"data": null, "error": {"message": message}})
}

async fn get(app: &TestApp, path: &str, creds: Creds) -> (u16, Value) {
    app.get(path, &creds.headers()).await
}

async fn create(app: &TestApp, body: &Value, creds: Creds) -> (u16, Value) {
    app.send(Method::POST, CREATE, &creds.headers(), Some(body))
        .await
}

async fn delete(app: &TestApp, id: &str, creds: Creds) -> (u16, Value) {
    app.send(
        Method::DELETE,
        &format!("/thoughtly/contact/{id}"),
        &creds.headers(),
        None,
    )
    .await
}

async fn call(app: &TestApp, body: &Value, creds: Creds) -> (u16, Value) {
    app.send(Method::POST, CALL, &creds.headers(), Some(body))
        .await
}

/// A call's id: 24 lower-case hex digits.
fn is_call_id(id: &str) -> bool {
    id.len() == 24
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// The ids of one page of `GET /contact?{query}`.
async fn ids(app: &TestApp, query: &str, creds: Creds) -> Vec<String> {
    let (status, body) = get(app, &format!("{CONTACTS}?{query}"), creds).await;
    assert_eq!(status, 200, "{query}: {body}");
    assert_eq!(body["error"], Value::Null);
    body["data"]["contacts"]
        .as_array()
        .expect("contacts array")
        .iter()
        .map(|contact| contact["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Every contact id across all pages of `query`, walking `limit` at a time from page 0;
/// checks that each page says the same total and that the walk ends with an empty page.
async fn walk(app: &TestApp, query: &str, limit: u64, creds: Creds) -> (Vec<String>, u64) {
    let mut seen = Vec::new();
    let mut total = None;
    for page in 0.. {
        let (status, body) = get(
            app,
            &format!("{CONTACTS}?{query}&page={page}&limit={limit}"),
            creds,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["page"], page);
        assert_eq!(body["data"]["limit"], limit);
        let this_total = body["data"]["total"].as_u64().expect("total");
        assert_eq!(
            *total.get_or_insert(this_total),
            this_total,
            "total is stable"
        );
        let contacts = body["data"]["contacts"].as_array().expect("contacts");
        if contacts.is_empty() {
            assert_eq!(page, this_total.div_ceil(limit), "no page is skipped");
            break;
        }
        let expected_len = limit.min(this_total - page * limit);
        assert_eq!(contacts.len() as u64, expected_len, "page {page} is full");
        seen.extend(
            contacts
                .iter()
                .map(|c| c["id"].as_str().expect("id").to_owned()),
        );
    }
    (seen, total.unwrap_or(0))
}

/// Walks each query one contact a page: it lists exactly the expected contacts (in any order)
/// and says as many in its total.
async fn lists_exactly(app: &TestApp, cases: &[(&str, &[&str])]) {
    for (query, expected) in cases {
        let (mut seen, total) = walk(app, query, 1, TEAM_A).await;
        seen.sort();
        assert_eq!(seen, *expected, "{query}");
        assert_eq!(total, expected.len() as u64, "{query}");
    }
}

/// Two teams with hand-written contacts: ties on created_at (c3/c4), name (c1/c5),
/// updated_at (c1/c5) and a missing email (c4/c5) pin the tie order.
fn two_teams() -> Value {
    json!({"thoughtly": {"teams": [
        {"team_id": "team_a", "api_token": "token_a", "contacts": [
            {"id": "c1", "name": "Alice Adams", "phone_number": "+14155550101",
             "email": "alice@example.com", "country_code": "US", "tags": ["lead", "vip"],
             "attributes": {"plan": "pro", "city": "Austin"},
             "created_at": "2025-08-01T10:00:00Z", "updated_at": "2025-09-01T10:00:00Z"},
            {"id": "c2", "name": "bob brown", "phone_number": "+442071234567",
             "email": "Bob@corp.test", "country_code": "GB", "tags": ["customer"],
             "attributes": {"plan": "starter", "source": "referral"},
             "created_at": "2025-08-02T10:00:00Z", "updated_at": "2025-08-20T10:00:00.250Z"},
            {"id": "c3", "name": "Carla Diaz", "phone_number": null, "email": "carla@mail.test",
             "country_code": null, "tags": ["lead", "do-not-call"],
             "attributes": {"city": "Madrid", "score": 4711},
             "created_at": "2025-08-03T10:00:00Z", "updated_at": "2025-08-03T10:00:00Z"},
            {"id": "c4", "phone_number": "+15125550199",
             "created_at": "2025-08-03T10:00:00Z", "updated_at": "2025-10-01T10:00:00Z"},
            {"id": "c5", "name": "Alice Adams", "phone_number": "+14155550100", "tags": ["vip"],
             "attributes": {"callback": true, "nested": {"hidden": "deepvalue"}},
             "created_at": "2025-08-05T10:00:00Z", "updated_at": "2025-09-01T10:00:00Z"},
            {"id": "c6", "name": "Dan Evans", "phone_number": "+61255550123",
             "email": "dan@evans.test", "country_code": "AU", "tags": ["a,b"],
             "attributes": {"plan": "pro"},
             "created_at": "2025-08-06T10:00:00+02:00", "updated_at": "2025-08-06T10:00:00Z"}
        ]},
        {"team_id": "team_b", "api_token": "token_b", "contacts": [
            {"id": "b1", "name": "Alice Other", "phone_number": "+14155550000", "tags": ["lead"],
             "created_at": "2025-01-01T00:00:00Z"}
        ]}
    ]}})
}

#[tokio::test]
async fn a_contact_is_rendered_with_every_field_in_the_envelope() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (status, body) = get(&app, &format!("{CONTACTS}?search=austin"), TEAM_A).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"contacts": [{
            "id": "c1", "name": "Alice Adams", "phone_number": "+14155550101",
            "email": "alice@example.com", "country_code": "US", "tags": ["lead", "vip"],
            "attributes": {"city": "Austin", "plan": "pro"},
            "created_at": "2025-08-01T10:00:00Z", "updated_at": "2025-09-01T10:00:00Z"
        }], "total": 1, "page": 0, "limit": 20}, "error": null})
    );
}

#[tokio::test]
async fn missing_fields_are_null_and_timestamps_keep_milliseconds_in_utc() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (_, body) = get(&app, &format!("{CONTACTS}?search=5125550199"), TEAM_A).await;
    assert_eq!(
        body["data"]["contacts"][0],
        json!({"id": "c4", "name": null, "phone_number": "+15125550199", "email": null,
               "country_code": null, "tags": [], "attributes": {},
               "created_at": "2025-08-03T10:00:00Z", "updated_at": "2025-10-01T10:00:00Z"})
    );
    let (_, body) = get(&app, &format!("{CONTACTS}?search=bob"), TEAM_A).await;
    assert_eq!(
        body["data"]["contacts"][0]["updated_at"],
        "2025-08-20T10:00:00.250Z"
    );
    let (_, body) = get(&app, &format!("{CONTACTS}?search=dan"), TEAM_A).await;
    assert_eq!(
        body["data"]["contacts"][0]["created_at"],
        "2025-08-06T08:00:00Z"
    );
}

#[tokio::test]
async fn the_default_order_is_newest_created_first_with_ties_by_id_descending() {
    let app = spawn_app_with_seed(two_teams()).await;
    assert_eq!(
        ids(&app, "", TEAM_A).await,
        ["c6", "c5", "c4", "c3", "c2", "c1"]
    );
}

#[tokio::test]
async fn each_sort_field_orders_both_ways_with_ties_following_the_direction() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (sort, asc, desc) in [
        (
            "created_at",
            ["c1", "c2", "c3", "c4", "c5", "c6"],
            ["c6", "c5", "c4", "c3", "c2", "c1"],
        ),
        (
            "created",
            ["c1", "c2", "c3", "c4", "c5", "c6"],
            ["c6", "c5", "c4", "c3", "c2", "c1"],
        ),
        (
            "updated_at",
            ["c3", "c6", "c2", "c1", "c5", "c4"],
            ["c4", "c5", "c1", "c2", "c6", "c3"],
        ),
        (
            "updated",
            ["c3", "c6", "c2", "c1", "c5", "c4"],
            ["c4", "c5", "c1", "c2", "c6", "c3"],
        ),
        // Case-insensitive; a missing name sorts last both ways.
        (
            "name",
            ["c1", "c5", "c2", "c3", "c6", "c4"],
            ["c6", "c3", "c2", "c5", "c1", "c4"],
        ),
        (
            "phone_number",
            ["c5", "c1", "c4", "c2", "c6", "c3"],
            ["c6", "c2", "c4", "c1", "c5", "c3"],
        ),
        // Missing emails (c4, c5) last both ways, tied by id in the sort's direction.
        (
            "email",
            ["c1", "c2", "c3", "c6", "c4", "c5"],
            ["c6", "c3", "c2", "c1", "c5", "c4"],
        ),
    ] {
        assert_eq!(
            ids(&app, &format!("sort={sort}&sortDirection=asc"), TEAM_A).await,
            asc,
            "{sort} asc"
        );
        assert_eq!(
            ids(&app, &format!("sort={sort}&sortDirection=desc"), TEAM_A).await,
            desc,
            "{sort} desc"
        );
    }
}

#[tokio::test]
async fn sort_direction_is_case_insensitive_and_defaults_to_desc() {
    let app = spawn_app_with_seed(two_teams()).await;
    let desc = ["c6", "c3", "c2", "c5", "c1", "c4"];
    assert_eq!(ids(&app, "sort=name", TEAM_A).await, desc);
    assert_eq!(
        ids(&app, "sort=name&sortDirection=DESC", TEAM_A).await,
        desc
    );
    assert_eq!(
        ids(&app, "sort=name&sortDirection=Asc", TEAM_A).await,
        ["c1", "c5", "c2", "c3", "c6", "c4"]
    );
    assert_eq!(
        ids(&app, "sortDirection=asc", TEAM_A).await,
        ["c1", "c2", "c3", "c4", "c5", "c6"]
    );
}

#[tokio::test]
async fn tags_keep_contacts_having_any_of_them() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (query, expected) in [
        ("tags=lead", vec!["c3", "c1"]),
        ("tags=lead&tags=customer", vec!["c3", "c2", "c1"]),
        ("tags%5B%5D=customer&tags%5B%5D=vip", vec!["c5", "c2", "c1"]),
        ("tags[]=customer&tags=vip", vec!["c5", "c2", "c1"]),
        ("tags=a,b", vec!["c6"]), // a comma is part of the one tag
        ("tags=a", vec![]),
        ("tags=VIP", vec![]), // tags match exactly
        ("tags=nobody", vec![]),
        ("tags=", vec!["c6", "c5", "c4", "c3", "c2", "c1"]), // a blank tag is ignored
    ] {
        assert_eq!(ids(&app, query, TEAM_A).await, expected, "{query}");
    }
}

#[tokio::test]
async fn excluded_tags_drop_contacts_having_any_of_them() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (query, expected) in [
        ("excluded_tags=vip", vec!["c6", "c4", "c3", "c2"]),
        (
            "excluded_tags=vip&excluded_tags=do-not-call",
            vec!["c6", "c4", "c2"],
        ),
        ("excluded_tags%5B%5D=lead", vec!["c6", "c5", "c4", "c2"]),
        ("excluded_tags=a,b", vec!["c5", "c4", "c3", "c2", "c1"]),
    ] {
        assert_eq!(ids(&app, query, TEAM_A).await, expected, "{query}");
    }
}

#[tokio::test]
async fn phone_numbers_only_drops_contacts_without_one_and_takes_python_booleans() {
    let app = spawn_app_with_seed(two_teams()).await;
    for value in ["true", "True", "TRUE", "1"] {
        assert_eq!(
            ids(&app, &format!("phone_numbers_only={value}"), TEAM_A).await,
            ["c6", "c5", "c4", "c2", "c1"],
            "{value}"
        );
    }
    for value in ["false", "False", "0"] {
        assert_eq!(
            ids(&app, &format!("phone_numbers_only={value}"), TEAM_A)
                .await
                .len(),
            6,
            "{value}"
        );
    }
}

#[tokio::test]
async fn search_matches_name_phone_email_and_attribute_values_case_insensitively() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (search, expected) in [
        ("ALICE", vec!["c5", "c1"]),                      // name
        ("2071234", vec!["c2"]),                          // phone number
        ("+6125", vec!["c6"]),                            // phone number with its plus
        ("bob@CORP", vec!["c2"]),                         // email
        ("madrid", vec!["c3"]),                           // string attribute
        ("STARTER", vec!["c2"]),                          // string attribute
        ("4711", vec!["c3"]),                             // number attribute
        ("true", vec!["c5"]),                             // boolean attribute
        ("deepvalue", vec![]),                            // nested objects are not searched
        ("plan", vec![]),                                 // attribute names are not searched
        ("%", vec![]),                                    // wildcards are literal
        ("  ", vec!["c6", "c5", "c4", "c3", "c2", "c1"]), // blank: no search
    ] {
        let query = format!(
            "search={}",
            search
                .replace('%', "%25")
                .replace('+', "%2B")
                .replace(' ', "%20")
        );
        assert_eq!(ids(&app, &query, TEAM_A).await, expected, "{search:?}");
    }
}

#[tokio::test]
async fn a_search_or_tags_combined_with_tags_count_exactly_the_contacts_listed() {
    let app = spawn_app_with_seed(two_teams()).await;
    let cases: [(&str, &[&str]); 12] = [
        // "a" is in c2 (plan "starter"), c3, c6 and the two vip Alices.
        ("search=a&excluded_tags=vip", &["c2", "c3", "c6"]),
        // (c3 has no phone number)
        (
            "search=a&excluded_tags=vip&phone_numbers_only=true",
            &["c2", "c6"],
        ),
        (
            "search=a&tags=lead&tags=customer&phone_numbers_only=true",
            &["c1", "c2"],
        ),
        (
            "tags=lead&tags=customer&excluded_tags=vip&phone_numbers_only=true",
            &["c2"],
        ),
        // The end of c1's name, the separator between fields and the start of its phone
        // number: found in no one field, so in no contact.
        ("search=s%1F%2B1&tags=lead", &[]),
        ("search=s%1F%2B1&excluded_tags=customer", &[]),
        ("search=ali&excluded_tags=do-not-call", &["c1", "c5"]),
        (
            "search=a&excluded_tags=vip&excluded_tags=lead",
            &["c2", "c6"],
        ),
        ("search=a&tags=lead", &["c1", "c3"]),
        ("search=alice&tags=vip&excluded_tags=lead", &["c5"]),
        ("tags=lead&excluded_tags=vip", &["c3"]),
        (
            "tags=lead&tags=vip&excluded_tags=do-not-call",
            &["c1", "c5"],
        ),
    ];
    lists_exactly(&app, &cases).await;
}

#[tokio::test]
async fn filters_combine_with_each_other_and_with_sorting() {
    let app = spawn_app_with_seed(two_teams()).await;
    assert_eq!(
        ids(
            &app,
            "tags=lead&tags=vip&excluded_tags=do-not-call&phone_numbers_only=true&search=alice\
             &sort=phone_number&sortDirection=asc",
            TEAM_A
        )
        .await,
        ["c5", "c1"]
    );
    assert_eq!(ids(&app, "tags=vip&search=pro", TEAM_A).await, ["c1"]);
    assert_eq!(
        ids(&app, "tags=lead&phone_numbers_only=True", TEAM_A).await,
        ["c1"]
    );
    assert_eq!(
        ids(&app, "excluded_tags=vip&search=pro", TEAM_A).await,
        ["c6"]
    );
    let (_, body) = get(
        &app,
        &format!("{CONTACTS}?search=a&phone_numbers_only=1&limit=2&page=1"),
        TEAM_A,
    )
    .await;
    // "a" is in c1, c2, c5, c6 (with phones; c3 has none, c4 no "a"); page 1 of 2 each.
    assert_eq!(body["data"]["total"], 4);
    let page: Vec<&str> = body["data"]["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(page, ["c2", "c1"]);
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_with_the_real_total() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (status, body) = get(&app, &format!("{CONTACTS}?page=3&limit=2"), TEAM_A).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"contacts": [], "total": 6, "page": 3, "limit": 2}, "error": null})
    );
}

#[tokio::test]
async fn paging_the_default_seed_from_page_0_sees_each_contact_once() {
    let app = spawn_app().await;
    let (seen, total) = walk(&app, "", 7, DEFAULT_TEAM).await;
    assert_eq!(total, 202, "200 generated plus 2 hand-written");
    assert_eq!(seen.len(), 202);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 202, "no repeats");
    // The same order as reading 50 at a time, for a sort with many ties in both directions.
    for query in [
        "sort=name&sortDirection=asc",
        "sort=email&sortDirection=desc",
        "sort=phone_number",
    ] {
        let (small, _) = walk(&app, query, 7, DEFAULT_TEAM).await;
        let (large, _) = walk(&app, query, 50, DEFAULT_TEAM).await;
        assert_eq!(small, large, "{query}");
        assert_eq!(small.len(), 202, "{query}");
    }
}

#[tokio::test]
async fn paging_a_filtered_list_reports_the_filtered_total() {
    let app = spawn_app().await;
    let (all, all_total) = walk(&app, "", 50, DEFAULT_TEAM).await;
    let (with_phone, phone_total) = walk(&app, "phone_numbers_only=true", 9, DEFAULT_TEAM).await;
    assert_eq!(with_phone.len() as u64, phone_total);
    assert!(
        phone_total < all_total,
        "some default contacts have no phone number"
    );
    assert!(phone_total > all_total / 2, "most have one");
    let (lead, lead_total) = walk(&app, "tags=lead", 4, DEFAULT_TEAM).await;
    let (not_lead, not_lead_total) = walk(&app, "excluded_tags=lead", 4, DEFAULT_TEAM).await;
    assert!(lead_total > 0);
    assert_eq!(lead_total + not_lead_total, all_total);
    let mut union: Vec<String> = lead.into_iter().chain(not_lead).collect();
    let mut sorted_all = all.clone();
    union.sort();
    sorted_all.sort();
    assert_eq!(union, sorted_all);
}

#[tokio::test]
async fn the_default_seed_spreads_tags_attributes_and_missing_phones() {
    let app = spawn_app().await;
    let mut contacts = Vec::new();
    for page in 0..5 {
        let (_, body) = get(
            &app,
            &format!("{CONTACTS}?limit=50&page={page}"),
            DEFAULT_TEAM,
        )
        .await;
        contacts.extend(
            body["data"]["contacts"]
                .as_array()
                .expect("contacts")
                .clone(),
        );
    }
    assert_eq!(contacts.len(), 202);
    let without_phone = contacts
        .iter()
        .filter(|c| c["phone_number"].is_null())
        .count();
    assert!((10..100).contains(&without_phone), "{without_phone}");
    let tags: HashSet<&str> = contacts
        .iter()
        .flat_map(|c| c["tags"].as_array().expect("tags"))
        .map(|t| t.as_str().expect("tag"))
        .collect();
    assert!(tags.len() >= 6, "{tags:?}");
    for key in ["plan", "source", "city"] {
        let count = contacts
            .iter()
            .filter(|c| c["attributes"].get(key).is_some())
            .count();
        assert!((20..202).contains(&count), "{key}: {count}");
    }
    for contact in &contacts {
        let id = contact["id"].as_str().expect("id");
        assert!(is_uuid(id), "{id}");
    }
    let (_, other) = get(&app, &format!("{CONTACTS}?limit=1"), DEFAULT_OTHER_TEAM).await;
    assert_eq!(other["data"]["total"], 201);
}

fn is_uuid(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && id
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[tokio::test]
async fn a_team_never_sees_another_teams_contacts() {
    let app = spawn_app_with_seed(two_teams()).await;
    assert_eq!(ids(&app, "", TEAM_B).await, ["b1"]);
    assert_eq!(ids(&app, "search=alice", TEAM_B).await, ["b1"]);
    assert_eq!(ids(&app, "tags=vip", TEAM_B).await, Vec::<String>::new());
    let (status, body) = app
        .send(
            Method::DELETE,
            "/thoughtly/contact/c1",
            &TEAM_B.headers(),
            None,
        )
        .await;
    assert_eq!((status, body), (404, error(CONTACT_NOT_FOUND)));
    assert_eq!(ids(&app, "search=austin", TEAM_A).await, ["c1"]);
    let (_, created) = create(&app, &json!({"phone_number": "+15550000001"}), TEAM_B).await;
    assert_eq!(
        ids(&app, "search=15550000001", TEAM_A).await,
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&app, "search=15550000001", TEAM_B).await,
        [created["data"]["id"].as_str().expect("id")]
    );
}

#[tokio::test]
async fn both_headers_are_required_and_must_name_the_same_team() {
    let app = spawn_app_with_seed(two_teams()).await;
    let missing = error("Missing x-api-token or team_id header");
    let invalid = error(INVALID_CREDENTIALS);
    for (headers, expected) in [
        (vec![], &missing),
        (vec![("x-api-token", "token_a")], &missing),
        (vec![("team_id", "team_a")], &missing),
        (vec![("x-api-token", " "), ("team_id", "team_a")], &missing),
        (vec![("x-api-token", "token_a"), ("team_id", "")], &missing),
        (
            vec![("x-api-token", "token_a"), ("team_id", "team_b")],
            &invalid,
        ),
        (
            vec![("x-api-token", "token_b"), ("team_id", "team_a")],
            &invalid,
        ),
        (
            vec![("x-api-token", "nope"), ("team_id", "team_a")],
            &invalid,
        ),
        (
            vec![("x-api-token", "token_a"), ("team_id", "nope")],
            &invalid,
        ),
        (
            vec![("x-api-token", "TOKEN_A"), ("team_id", "team_a")],
            &invalid,
        ),
        (
            vec![("x-api-token", "team_a"), ("team_id", "token_a")],
            &invalid,
        ),
    ] {
        assert_eq!(
            app.get(CONTACTS, &headers).await,
            (401, expected.clone()),
            "{headers:?}"
        );
        assert_eq!(
            app.send(
                Method::POST,
                CREATE,
                &headers,
                Some(&json!({"phone_number": "+1"}))
            )
            .await,
            (401, expected.clone()),
            "create {headers:?}"
        );
        assert_eq!(
            app.send(Method::DELETE, "/thoughtly/contact/c1", &headers, None)
                .await,
            (401, expected.clone()),
            "delete {headers:?}"
        );
    }
    assert_eq!(
        ids(&app, "search=austin", TEAM_A).await,
        ["c1"],
        "nothing deleted"
    );
}

#[tokio::test]
async fn credentials_are_checked_before_parameters_and_bodies() {
    let app = spawn_app_with_seed(two_teams()).await;
    let wrong = Creds("token_a", "team_b");
    assert_eq!(
        get(&app, &format!("{CONTACTS}?limit=0&sort=nope"), wrong).await,
        (401, error(INVALID_CREDENTIALS))
    );
    assert_eq!(
        create(&app, &json!({"name": 5}), wrong).await,
        (401, error(INVALID_CREDENTIALS))
    );
}

#[tokio::test]
async fn every_bad_query_parameter_gets_400_with_its_message() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (query, message) in [
        ("phone_numbers_only=yes", INVALID_PHONE_NUMBERS_ONLY),
        ("phone_numbers_only=", INVALID_PHONE_NUMBERS_ONLY),
        ("phone_numbers_only=2", INVALID_PHONE_NUMBERS_ONLY),
        ("sort=tags", INVALID_SORT),
        ("sort=Name", INVALID_SORT),
        ("sort=", INVALID_SORT),
        ("sortDirection=up", INVALID_SORT_DIRECTION),
        ("sortDirection=", INVALID_SORT_DIRECTION),
        ("page=-1", INVALID_PAGE),
        ("page=1.5", INVALID_PAGE),
        ("page=abc", INVALID_PAGE),
        ("page=99999999999999999999", INVALID_PAGE),
        ("limit=0", INVALID_LIMIT),
        ("limit=51", INVALID_LIMIT),
        ("limit=-1", INVALID_LIMIT),
        ("limit=ten", INVALID_LIMIT),
        ("limit=", INVALID_LIMIT),
    ] {
        assert_eq!(
            get(&app, &format!("{CONTACTS}?{query}"), TEAM_A).await,
            (400, error(message)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn limit_accepts_its_whole_range_and_defaults_to_20() {
    let app = spawn_app().await;
    for (query, expected_len, expected_limit) in
        [("", 20, 20), ("limit=1", 1, 1), ("limit=50", 50, 50)]
    {
        let (status, body) = get(&app, &format!("{CONTACTS}?{query}"), DEFAULT_TEAM).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["limit"], expected_limit);
        assert_eq!(body["data"]["page"], 0);
        assert_eq!(
            body["data"]["contacts"].as_array().expect("contacts").len(),
            expected_len
        );
    }
}

#[tokio::test]
async fn a_created_contact_is_answered_and_listed_at_once() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (status, body) = create(
        &app,
        &json!({"phone_number": "+14155550123", "name": "Zoe Quinn", "email": "zoe@example.com",
                "country_code": "US", "tags": ["lead", "webinar"],
                "attributes": {"plan": "free", "seats": 3, "trial": false}}),
        TEAM_A,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["id"].as_str().expect("id").to_owned();
    assert!(is_uuid(&id), "{id}");
    let expected = json!({
        "id": id, "name": "Zoe Quinn", "phone_number": "+14155550123", "email": "zoe@example.com",
        "country_code": "US", "tags": ["lead", "webinar"],
        "attributes": {"plan": "free", "seats": 3, "trial": false},
        "created_at": common::FROZEN_NOW, "updated_at": common::FROZEN_NOW
    });
    assert_eq!(body, json!({"data": expected, "error": null}));
    let (_, list) = get(&app, &format!("{CONTACTS}?limit=1"), TEAM_A).await;
    assert_eq!(
        list,
        json!({"data": {"contacts": [expected], "total": 7, "page": 0, "limit": 1}, "error": null})
    );
    assert_eq!(ids(&app, "tags=webinar", TEAM_A).await, [id.as_str()]);
    assert_eq!(ids(&app, "search=ZOE@", TEAM_A).await, [id.as_str()]);
    assert_eq!(ids(&app, "search=false", TEAM_A).await, [id.as_str()]);
}

#[tokio::test]
async fn create_needs_only_a_phone_number_and_reads_null_as_absent() {
    let app = spawn_app_with_seed(two_teams()).await;
    for body in [
        json!({"phone_number": "+15550001111"}),
        json!({"phone_number": "+15550001111", "name": null, "email": null, "country_code": null,
               "tags": null, "attributes": null, "unknown_field": "ignored"}),
    ] {
        let (status, answer) = create(&app, &body, TEAM_A).await;
        assert_eq!(status, 200, "{answer}");
        let mut contact = answer["data"].clone();
        contact["id"] = Value::Null;
        assert_eq!(
            contact,
            json!({"id": null, "name": null, "phone_number": "+15550001111", "email": null,
                   "country_code": null, "tags": [], "attributes": {},
                   "created_at": common::FROZEN_NOW, "updated_at": common::FROZEN_NOW})
        );
    }
    let (_, list) = get(&app, &format!("{CONTACTS}?search=15550001111"), TEAM_A).await;
    assert_eq!(list["data"]["total"], 2, "each create adds a contact");
}

#[tokio::test]
async fn create_rejects_bad_fields_with_400() {
    let app = spawn_app_with_seed(two_teams()).await;
    let phone = json!("+14155550123");
    for (body, message) in [
        (json!({}), PHONE_NUMBER_REQUIRED),
        (json!({"name": "No Phone"}), PHONE_NUMBER_REQUIRED),
        (json!({"phone_number": null}), PHONE_NUMBER_REQUIRED),
        (json!({"phone_number": ""}), PHONE_NUMBER_REQUIRED),
        (
            json!({"phone_number": 14155550123_u64}),
            PHONE_NUMBER_REQUIRED,
        ),
        (json!([{"phone_number": "+1"}]), BODY_NOT_OBJECT),
        (json!("text"), BODY_NOT_OBJECT),
        (
            json!({"phone_number": phone, "name": 1}),
            "name must be a string",
        ),
        (
            json!({"phone_number": phone, "email": false}),
            "email must be a string",
        ),
        (
            json!({"phone_number": phone, "country_code": 1}),
            "country_code must be a string",
        ),
        (json!({"phone_number": phone, "tags": "lead"}), INVALID_TAGS),
        (
            json!({"phone_number": phone, "tags": ["lead", 7]}),
            INVALID_TAGS,
        ),
        (json!({"phone_number": phone, "tags": [" "]}), INVALID_TAGS),
        (
            json!({"phone_number": phone, "attributes": ["plan"]}),
            INVALID_ATTRIBUTES,
        ),
        (
            json!({"phone_number": phone, "attributes": "pro"}),
            INVALID_ATTRIBUTES,
        ),
    ] {
        assert_eq!(
            create(&app, &body, TEAM_A).await,
            (400, error(message)),
            "{body}"
        );
    }
    assert_eq!(ids(&app, "", TEAM_A).await.len(), 6, "nothing was created");
}

#[tokio::test]
async fn create_rejects_unreadable_bodies_in_thoughtlys_shape() {
    let app = spawn_app_with_seed(two_teams()).await;
    let send = |body: &'static str, content_type: &'static str| {
        let request = app
            .client
            .post(app.url(CREATE))
            .header("x-api-token", "token_a")
            .header("team_id", "team_a")
            .header("content-type", content_type)
            .body(body);
        async move {
            let response = request.send().await.expect("send");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("json"))
        }
    };
    let (status, body) = send("{\"phone_number\": ", "application/json").await;
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.starts_with("Malformed JSON body"), "{message}");
    assert_eq!(body["data"], Value::Null);
    assert_eq!(
        send("phone_number=1", "application/x-www-form-urlencoded").await,
        (400, error("Content-Type must be application/json"))
    );
    assert_eq!(
        send("", "application/json").await,
        (400, error(PHONE_NUMBER_REQUIRED))
    );
    let huge = format!(
        "{{\"phone_number\":\"+1\",\"name\":\"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    let response = app
        .client
        .post(app.url(CREATE))
        .header("x-api-token", "token_a")
        .header("team_id", "team_a")
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        error("Request body is larger than 1 MiB")
    );
}

#[tokio::test]
async fn delete_answers_the_contact_and_later_reads_miss_it() {
    let app = spawn_app_with_seed(two_teams()).await;
    let path = "/thoughtly/contact/c1";
    let (status, body) = app
        .send(Method::DELETE, path, &TEAM_A.headers(), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {
            "id": "c1", "name": "Alice Adams", "phone_number": "+14155550101",
            "email": "alice@example.com", "country_code": "US", "tags": ["lead", "vip"],
            "attributes": {"city": "Austin", "plan": "pro"},
            "created_at": "2025-08-01T10:00:00Z", "updated_at": "2025-09-01T10:00:00Z"
        }, "error": null})
    );
    assert_eq!(ids(&app, "", TEAM_A).await, ["c6", "c5", "c4", "c3", "c2"]);
    assert_eq!(ids(&app, "tags=lead", TEAM_A).await, ["c3"]);
    assert_eq!(
        app.send(Method::DELETE, path, &TEAM_A.headers(), None)
            .await,
        (404, error(CONTACT_NOT_FOUND))
    );
    assert_eq!(
        app.send(
            Method::DELETE,
            "/thoughtly/contact/nope",
            &TEAM_A.headers(),
            None
        )
        .await,
        (404, error(CONTACT_NOT_FOUND))
    );
}

#[tokio::test]
async fn a_deleted_contact_leaves_every_combined_filter() {
    let app = spawn_app_with_seed(two_teams()).await;
    for id in ["c1", "c3"] {
        assert_eq!(delete(&app, id, TEAM_A).await.0, 200);
    }
    // Left: c2 (customer), c4, c5 (vip), c6 (a,b); "a" is in c2, c5 and c6, all with phones.
    let cases: [(&str, &[&str]); 6] = [
        ("search=a&phone_numbers_only=true", &["c2", "c5", "c6"]),
        ("search=a&tags=lead", &[]),
        ("search=a&tags=vip&tags=lead", &["c5"]),
        ("search=a&excluded_tags=vip", &["c2", "c6"]),
        ("tags=vip&excluded_tags=customer", &["c5"]),
        ("tags=lead&tags=vip&excluded_tags=do-not-call", &["c5"]),
    ];
    lists_exactly(&app, &cases).await;
}

#[tokio::test]
async fn a_contact_with_thousands_of_tags_is_filtered_like_any_other() {
    let app = spawn_app_with_seed(two_teams()).await;
    let mut tags = vec![json!("lead"), json!("vip")];
    tags.extend((0..2_000).map(|n| json!(format!("t{n}"))));
    let (status, created) = create(
        &app,
        &json!({"phone_number": "+15550002222", "name": "Many Tags", "tags": tags}),
        TEAM_A,
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["id"].as_str().expect("id");
    let cases: [(&str, &[&str]); 4] = [
        ("tags=lead&excluded_tags=vip", &["c3"]),
        ("tags=t7&excluded_tags=do-not-call", &[id]),
        ("tags=t7&excluded_tags=t1999", &[]),
        ("tags=t7&tags=c3&excluded_tags=customer", &[id]),
    ];
    lists_exactly(&app, &cases).await;
}

#[tokio::test]
async fn a_created_contact_can_be_deleted() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (_, created) = create(&app, &json!({"phone_number": "+15550009999"}), TEAM_A).await;
    let id = created["data"]["id"].as_str().expect("id");
    let (status, deleted) = delete(&app, id, TEAM_A).await;
    assert_eq!((status, &deleted), (200, &created));
    assert_eq!(ids(&app, "", TEAM_A).await.len(), 6);
}

#[tokio::test]
async fn other_methods_get_405_with_allow_before_auth() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (method, path, allowed) in [
        (Method::POST, CONTACTS, "GET"),
        (Method::PUT, CONTACTS, "GET"),
        (Method::DELETE, CONTACTS, "GET"),
        (Method::GET, CREATE, "POST"),
        (Method::PUT, CREATE, "POST"),
        (Method::DELETE, CREATE, "POST"),
        (Method::POST, "/thoughtly/contact/c1", "GET"),
        (Method::PATCH, "/thoughtly/contact/c1", "DELETE"),
        (Method::PUT, "/thoughtly/contact/c1", "GET"),
        (Method::GET, CALL, "POST"),
        (Method::DELETE, CALL, "POST"),
    ] {
        app.assert_method_not_allowed(method, path, &[], &[allowed], error("Method not allowed"))
            .await;
    }
    // `call` is no contact id: a GET of it is not read as one.
    let response = app
        .request(Method::GET, CALL, &TEAM_A.headers(), None)
        .await;
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn unknown_paths_get_thoughtlys_404_before_auth() {
    let app = spawn_app_with_seed(two_teams()).await;
    for path in [
        "/thoughtly/contacts",
        "/thoughtly/contact/c1/calls",
        "/thoughtly/",
        "/thoughtly",
    ] {
        assert_eq!(
            app.get(path, &[]).await,
            (404, error("Not found")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/__admin/openapi/thoughtly.yaml", &[], None)
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(text.starts_with("openapi: 3.1"), "{text}");
    assert!(text.contains("/contact/create:"));
    assert!(text.contains("/contact/call:"));
}

#[test]
fn a_bad_seed_section_names_the_json_path_and_the_problem() {
    let team = |team_id: &str, token: &str| json!({"team_id": team_id, "api_token": token});
    assert_eq!(
        seed_error(json!({"thoughtly": {"teams": [team("t1", "k1"), team("t1", "k2")]}})),
        "seed: test seed: thoughtly.teams[1].team_id: duplicate credential `t1`: another team already uses it"
    );
    assert_eq!(
        seed_error(json!({"thoughtly": {"teams": [team("t1", "k1"), team("t2", "k1")]}})),
        "seed: test seed: thoughtly.teams[1].api_token: duplicate credential `k1`: another team already uses it"
    );
    assert_eq!(
        seed_error(json!({"thoughtly": {"teams": [team(" ", "k1")]}})),
        "seed: test seed: thoughtly.teams[0].team_id: must not be blank"
    );
    assert_eq!(
        seed_error(
            json!({"thoughtly": {"teams": [{"team_id": "t", "api_token": "k",
            "contacts": [{"id": "x"}, {"id": "x"}]}]}})
        ),
        "seed: test seed: thoughtly.teams[0].contacts[1].id: duplicate contact id `x`"
    );
    assert_eq!(
        seed_error(
            json!({"thoughtly": {"teams": [{"team_id": "t", "api_token": "k",
            "contacts": [{"tags": ["ok", ""]}]}]}})
        ),
        "seed: test seed: thoughtly.teams[0].contacts[0].tags[1]: must not be blank"
    );
    let message = seed_error(
        json!({"thoughtly": {"teams": [{"team_id": "t", "api_token": "k",
        "contacts": [{"created_at": "yesterday"}]}]}}),
    );
    assert!(
        message.starts_with("seed: test seed: thoughtly.teams[0].contacts[0].created_at: "),
        "{message}"
    );
    let message = seed_error(
        json!({"thoughtly": {"teams": [{"team_id": "t", "api_token": "k",
        "contacts": [{"phone": "+1"}]}]}}),
    );
    assert!(
        message.starts_with(
            "seed: test seed: thoughtly.teams[0].contacts[0].phone: unknown field `phone`"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn a_teams_own_generate_count_overrides_the_documents() {
    let app = spawn_app_with_seed(json!({
        "generate": {"seed": 7, "contacts_per_tenant": 5},
        "thoughtly": {"teams": [
            {"team_id": "team_a", "api_token": "token_a", "generate": 2,
             "contacts": [{"phone_number": "+15550000000"}]},
            {"team_id": "team_b", "api_token": "token_b"}
        ]}
    }))
    .await;
    assert_eq!(ids(&app, "", TEAM_A).await.len(), 3);
    assert_eq!(ids(&app, "", TEAM_B).await.len(), 5);
    let (_, listed) = get(&app, &format!("{CONTACTS}?search=15550000000"), TEAM_A).await;
    let contact = &listed["data"]["contacts"][0];
    assert!(is_uuid(contact["id"].as_str().expect("id")), "{contact}");
    let created = contact["created_at"].as_str().expect("created_at");
    let updated = contact["updated_at"].as_str().expect("updated_at");
    assert!(created <= updated, "generated times are ordered: {contact}");
}

#[tokio::test]
async fn get_answers_the_teams_contact_exactly_in_the_envelope() {
    let app = spawn_app_with_seed(two_teams()).await;
    assert_eq!(
        get(&app, "/thoughtly/contact/c1", TEAM_A).await,
        (
            200,
            json!({"data": {
                "id": "c1", "name": "Alice Adams", "phone_number": "+14155550101",
                "email": "alice@example.com", "country_code": "US", "tags": ["lead", "vip"],
                "attributes": {"city": "Austin", "plan": "pro"},
                "created_at": "2025-08-01T10:00:00Z", "updated_at": "2025-09-01T10:00:00Z"
            }, "error": null})
        )
    );
    assert_eq!(
        get(&app, "/thoughtly/contact/c4", TEAM_A).await,
        (
            200,
            json!({"data": {
                "id": "c4", "name": null, "phone_number": "+15125550199", "email": null,
                "country_code": null, "tags": [], "attributes": {},
                "created_at": "2025-08-03T10:00:00Z", "updated_at": "2025-10-01T10:00:00Z"
            }, "error": null})
        )
    );
    let (_, created) = create(
        &app,
        &json!({"phone_number": "+15550001111", "tags": ["new"]}),
        TEAM_A,
    )
    .await;
    let id = created["data"]["id"].as_str().expect("id");
    assert_eq!(
        get(&app, &format!("/thoughtly/contact/{id}"), TEAM_A).await,
        (200, created.clone()),
        "a created contact reads back as created"
    );
}

#[tokio::test]
async fn get_is_a_404_for_another_teams_contact_an_unknown_id_or_a_deleted_one() {
    let app = spawn_app_with_seed(two_teams()).await;
    let not_found = (404, error(CONTACT_NOT_FOUND));
    assert_eq!(get(&app, "/thoughtly/contact/b1", TEAM_A).await, not_found);
    assert_eq!(get(&app, "/thoughtly/contact/c1", TEAM_B).await, not_found);
    assert_eq!(
        get(&app, "/thoughtly/contact/nope", TEAM_A).await,
        not_found
    );
    assert_eq!(get(&app, "/thoughtly/contact/%FF", TEAM_A).await, not_found);
    assert_eq!(get(&app, "/thoughtly/contact/c2", TEAM_A).await.0, 200);
    app.send(
        Method::DELETE,
        "/thoughtly/contact/c2",
        &TEAM_A.headers(),
        None,
    )
    .await;
    assert_eq!(get(&app, "/thoughtly/contact/c2", TEAM_A).await, not_found);
}

#[tokio::test]
async fn get_and_call_need_both_headers_of_one_team_before_anything_else() {
    let app = spawn_app_with_seed(two_teams()).await;
    let missing = (401, error(MISSING_CREDENTIALS));
    let invalid = (401, error(INVALID_CREDENTIALS));
    assert_eq!(app.get("/thoughtly/contact/c1", &[]).await, missing);
    assert_eq!(
        app.get("/thoughtly/contact/c1", &[("x-api-token", "token_a")])
            .await,
        missing
    );
    assert_eq!(
        get(&app, "/thoughtly/contact/c1", Creds("token_a", "team_b")).await,
        invalid
    );
    assert_eq!(
        app.send(Method::POST, CALL, &[], Some(&json!([]))).await,
        missing
    );
    assert_eq!(
        call(&app, &json!({}), Creds("token_nobody", "team_a")).await,
        invalid
    );
}

#[tokio::test]
async fn a_call_is_queued_with_a_fresh_id_the_contacts_phone_and_its_metadata_kept() {
    let app = spawn_app_with_seed(two_teams()).await;
    let metadata = json!({"first_name": "Alice", "appointment": {"day": "Friday", "slots": [9, 11]},
                          "vip": true, "note": null});
    let (status, body) = call(
        &app,
        &json!({"contact_id": "c1", "interview_id": "interview_42", "metadata": metadata}),
        TEAM_A,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["data"]["id"].as_str().expect("id").to_owned();
    assert!(is_call_id(&id), "{id}");
    assert_eq!(
        body,
        json!({"data": {
            "id": id, "contact_id": "c1", "interview_id": "interview_42",
            "phone_number": "+14155550101", "status": "QUEUED", "metadata": metadata,
            "created_at": "2026-01-15T12:00:00Z"
        }, "error": null})
    );
    let mut ids = HashSet::from([id]);
    for _ in 0..5 {
        let (status, again) = call(
            &app,
            &json!({"contact_id": "c1", "interview_id": "interview_42"}),
            TEAM_A,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            again["data"]["metadata"],
            json!({}),
            "no metadata is an empty object"
        );
        assert!(
            ids.insert(again["data"]["id"].as_str().expect("id").to_owned()),
            "a fresh id per call"
        );
    }
    // Nothing was dialled and nothing changed: the contact is as it was.
    let (_, contact) = get(&app, "/thoughtly/contact/c1", TEAM_A).await;
    assert_eq!(contact["data"]["updated_at"], "2025-09-01T10:00:00Z");
}

#[tokio::test]
async fn a_call_takes_agent_id_for_interview_id_as_the_developer_guide_sends_it() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (status, body) = call(
        &app,
        &json!({"contact_id": "c2", "agent_id": "agent_7"}),
        TEAM_A,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["interview_id"], "agent_7");
    assert_eq!(body["data"]["phone_number"], "+442071234567");
    let (_, both) = call(
        &app,
        &json!({"contact_id": "c2", "interview_id": "interview_1", "agent_id": "agent_7"}),
        TEAM_A,
    )
    .await;
    assert_eq!(
        both["data"]["interview_id"], "interview_1",
        "interview_id wins"
    );
}

#[tokio::test]
async fn a_call_missing_a_field_or_with_bad_metadata_is_a_400() {
    let app = spawn_app_with_seed(two_teams()).await;
    for (body, message) in [
        (json!({"interview_id": "i1"}), CONTACT_ID_REQUIRED),
        (
            json!({"contact_id": "", "interview_id": "i1"}),
            CONTACT_ID_REQUIRED,
        ),
        (
            json!({"contact_id": null, "interview_id": "i1"}),
            CONTACT_ID_REQUIRED,
        ),
        (json!({"contact_id": "c1"}), INTERVIEW_ID_REQUIRED),
        (
            json!({"contact_id": "c1", "interview_id": "  "}),
            INTERVIEW_ID_REQUIRED,
        ),
        (
            json!({"contact_id": "c1", "agent_id": 42}),
            INTERVIEW_ID_REQUIRED,
        ),
        (
            json!({"contact_id": "c1", "interview_id": "i1", "metadata": "x"}),
            INVALID_METADATA,
        ),
        (
            json!({"contact_id": "c1", "interview_id": "i1", "metadata": [1]}),
            INVALID_METADATA,
        ),
        (json!([{"contact_id": "c1"}]), BODY_NOT_OBJECT),
        (json!("c1"), BODY_NOT_OBJECT),
    ] {
        assert_eq!(
            call(&app, &body, TEAM_A).await,
            (400, error(message)),
            "{body}"
        );
    }
    assert_eq!(
        app.send(Method::POST, CALL, &TEAM_A.headers(), None).await,
        (400, error(CONTACT_ID_REQUIRED)),
        "no body at all"
    );
    // The contact is checked once the body is sound: an unknown one with no agent is a 400.
    assert_eq!(
        call(&app, &json!({"contact_id": "nope"}), TEAM_A).await,
        (400, error(INTERVIEW_ID_REQUIRED))
    );
}

#[tokio::test]
async fn a_call_to_an_unknown_or_another_teams_contact_is_a_404_and_to_one_without_a_phone_a_400() {
    let app = spawn_app_with_seed(two_teams()).await;
    let body = |contact: &str| json!({"contact_id": contact, "interview_id": "i1"});
    assert_eq!(
        call(&app, &body("nope"), TEAM_A).await,
        (404, error(CONTACT_NOT_FOUND))
    );
    assert_eq!(
        call(&app, &body("b1"), TEAM_A).await,
        (404, error(CONTACT_NOT_FOUND))
    );
    assert_eq!(
        call(&app, &body("c1"), TEAM_B).await,
        (404, error(CONTACT_NOT_FOUND))
    );
    assert_eq!(
        call(&app, &body("c3"), TEAM_A).await,
        (400, error(CONTACT_HAS_NO_PHONE))
    );
    assert_eq!(call(&app, &body("b1"), TEAM_B).await.0, 200);
}

#[tokio::test]
async fn every_call_is_journaled_with_its_body_and_namespace() {
    let app = spawn_app_with_seed(two_teams()).await;
    let request = json!({"contact_id": "c1", "interview_id": "i1", "metadata": {"k": "v"}});
    let (status, _) = app
        .send(
            Method::POST,
            CALL,
            &[
                ("x-api-token", "token_a"),
                ("team_id", "team_a"),
                (NAMESPACE, "dialer"),
            ],
            Some(&request),
        )
        .await;
    assert_eq!(status, 200);
    call(
        &app,
        &json!({"contact_id": "nope", "interview_id": "i1"}),
        TEAM_A,
    )
    .await;
    let (_, journal) = app
        .get("/__admin/requests?vendor=thoughtly&path=/contact/call", &[])
        .await;
    let entries = journal["requests"].as_array().expect("requests");
    let seen: Vec<(Value, Value, Value)> = entries
        .iter()
        .map(|entry| {
            let body: Value =
                serde_json::from_str(entry["body"].as_str().expect("body")).expect("json body");
            (entry["namespace"].clone(), entry["status"].clone(), body)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                Value::Null,
                json!(404),
                json!({"contact_id": "nope", "interview_id": "i1"})
            ),
            (json!("dialer"), json!(200), request),
        ],
        "newest first"
    );
}

#[tokio::test]
async fn calls_and_contacts_are_kept_per_namespace() {
    let app = spawn_app_with_seed(two_teams()).await;
    let in_namespace = [
        ("x-api-token", "token_a"),
        ("team_id", "team_a"),
        (NAMESPACE, "side"),
    ];
    let (_, created) = app
        .send(
            Method::POST,
            CREATE,
            &in_namespace,
            Some(&json!({"phone_number": "+15550002222"})),
        )
        .await;
    let id = created["data"]["id"].as_str().expect("id");
    let request = json!({"contact_id": id, "interview_id": "i1"});
    let (status, placed) = app
        .send(Method::POST, CALL, &in_namespace, Some(&request))
        .await;
    assert_eq!(status, 200, "{placed}");
    assert_eq!(placed["data"]["phone_number"], "+15550002222");
    assert_eq!(
        call(&app, &request, TEAM_A).await,
        (404, error(CONTACT_NOT_FOUND)),
        "the default namespace has no such contact"
    );
}

#[tokio::test]
async fn a_namespaces_frozen_clock_stamps_its_creates_and_calls_and_the_default_stays_put() {
    let app = spawn_app_with_seed(two_teams()).await;
    let (status, _) = app
        .send(
            Method::PUT,
            "/__admin/clock?namespace=later",
            &[],
            Some(&json!({"now": "2031-02-03T04:05:06.789Z"})),
        )
        .await;
    assert_eq!(status, 200);
    let headers = |namespace: &'static str| {
        [
            ("x-api-token", "token_a"),
            ("team_id", "team_a"),
            (NAMESPACE, namespace),
        ]
    };
    let stamps = async |namespace: &'static str| {
        let (_, created) = app
            .send(
                Method::POST,
                CREATE,
                &headers(namespace),
                Some(&json!({"phone_number": "+15550003333"})),
            )
            .await;
        let (_, placed) = app
            .send(
                Method::POST,
                CALL,
                &headers(namespace),
                Some(&json!({"contact_id": "c1", "agent_id": "a"})),
            )
            .await;
        (
            created["data"]["created_at"].clone(),
            placed["data"]["created_at"].clone(),
        )
    };
    assert_eq!(
        stamps("later").await,
        (
            json!("2031-02-03T04:05:06.789Z"),
            json!("2031-02-03T04:05:06.789Z")
        )
    );
    assert_eq!(
        stamps("default").await,
        (json!("2026-01-15T12:00:00Z"), json!("2026-01-15T12:00:00Z"))
    );
}

/// team_a with the documented limit switched on; team_b without it.
fn limited_teams() -> Value {
    json!({"thoughtly": {"teams": [
        {"team_id": "team_a", "api_token": "token_a", "rate_limit": true,
         "contacts": [{"id": "c1", "phone_number": "+14155550101"}]},
        {"team_id": "team_b", "api_token": "token_b"}
    ]}})
}

#[tokio::test]
async fn the_101st_request_in_a_minute_is_a_429_with_retry_after_in_that_namespace_only() {
    let app = spawn_app_with_seed(limited_teams()).await;
    let headers = |namespace: &'static str| {
        [
            ("x-api-token", "token_a"),
            ("team_id", "team_a"),
            (NAMESPACE, namespace),
        ]
    };
    // Every operation counts: lists, reads and calls alike.
    for n in 0..100 {
        let path = match n % 3 {
            0 => CONTACTS,
            1 => "/thoughtly/contact/c1",
            _ => "/thoughtly/contact/nope",
        };
        let status = app
            .request(Method::GET, path, &headers("busy"), None)
            .await
            .status();
        assert!(status == 200 || status == 404, "request {n}: {status}");
    }
    let response = app
        .request(
            Method::POST,
            CALL,
            &headers("busy"),
            Some(&json!({"contact_id": "c1", "agent_id": "a"})),
        )
        .await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, error(RATE_LIMITED));
    assert_eq!(
        app.get(CONTACTS, &headers("busy")).await,
        (429, error(RATE_LIMITED)),
        "still limited"
    );
    assert_eq!(
        app.get(CONTACTS, &headers("quiet")).await.0,
        200,
        "another namespace counts on its own"
    );
    assert_eq!(
        get(&app, CONTACTS, TEAM_A).await.0,
        200,
        "so does the default namespace"
    );
    // Credentials come first: a wrong token is a 401, not a 429.
    assert_eq!(
        app.get(
            CONTACTS,
            &[
                ("x-api-token", "token_x"),
                ("team_id", "team_a"),
                (NAMESPACE, "busy")
            ]
        )
        .await,
        (401, error(INVALID_CREDENTIALS))
    );
    let (status, _) = app
        .send(Method::POST, "/__admin/reset?namespace=busy", &[], None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.get(CONTACTS, &headers("busy")).await.0,
        200,
        "the reset cleared the count"
    );
}

#[tokio::test]
async fn a_team_without_the_switch_is_never_limited() {
    let app = spawn_app_with_seed(limited_teams()).await;
    for _ in 0..120 {
        assert_eq!(
            get(&app, &format!("{CONTACTS}?limit=1"), TEAM_B).await.0,
            200
        );
    }
}

#[tokio::test]
async fn the_tenant_list_notes_a_teams_rate_limit() {
    let app = spawn_app_with_seed(limited_teams()).await;
    let (_, tenants) = app.get("/__admin/tenants", &[]).await;
    let thoughtly = tenants["vendors"]
        .as_array()
        .expect("vendors")
        .iter()
        .find(|vendor| vendor["slug"] == "thoughtly")
        .expect("thoughtly");
    let notes: Vec<&Value> = thoughtly["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|team| &team["note"])
        .collect();
    assert_eq!(notes, [&json!("rate limit on"), &Value::Null], "{tenants}");
}

#[test]
fn a_seeded_call_names_a_contact_of_its_team() {
    let team = |calls: Value| {
        json!({"thoughtly": {"teams": [{"team_id": "t", "api_token": "k",
            "contacts": [{"id": "c1", "phone_number": "+1"}], "calls": calls}]}})
    };
    assert_eq!(
        seed_error(team(json!([{"contact_id": "c9", "interview_id": "i"}]))),
        "seed: test seed: thoughtly.teams[0].calls[0].contact_id: no contact `c9` in this team"
    );
    assert_eq!(
        seed_error(team(json!([{"contact_id": "c1", "interview_id": " "}]))),
        "seed: test seed: thoughtly.teams[0].calls[0].interview_id: must not be blank"
    );
    assert_eq!(
        seed_error(team(json!([
            {"id": "65f1c0a2e4b0d93a7c1e5f99", "contact_id": "c1", "interview_id": "i"},
            {"id": "65f1c0a2e4b0d93a7c1e5f99", "contact_id": "c1", "interview_id": "i"}
        ]))),
        "seed: test seed: thoughtly.teams[0].calls[1].id: duplicate call id `65f1c0a2e4b0d93a7c1e5f99`"
    );
    let message = seed_error(team(json!([{"contact_id": "c1"}])));
    assert!(
        message.starts_with(
            "seed: test seed: thoughtly.teams[0].calls[0]: missing field `interview_id`"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn a_seed_may_list_calls_already_placed() {
    let app = spawn_app_with_seed(
        json!({"thoughtly": {"teams": [{"team_id": "t", "api_token": "k",
        "contacts": [{"id": "c1", "phone_number": "+15550004444"}],
        "calls": [{"id": "65f1c0a2e4b0d93a7c1e5f99", "contact_id": "c1", "interview_id": "i",
                   "status": "COMPLETED", "created_at": "2025-12-01T10:00:00Z"},
                  {"contact_id": "c1", "interview_id": "i"}]}]}}),
    )
    .await;
    // A new call never reuses a seeded id; placing one works beside the seeded ones.
    let (status, placed) = call(
        &app,
        &json!({"contact_id": "c1", "interview_id": "i"}),
        Creds("k", "t"),
    )
    .await;
    assert_eq!(status, 200, "{placed}");
    assert_ne!(placed["data"]["id"], "65f1c0a2e4b0d93a7c1e5f99");
}

#[tokio::test]
async fn a_reset_of_the_default_namespace_clears_its_count() {
    let app = spawn_app_with_seed(limited_teams()).await;
    for _ in 0..100 {
        assert_eq!(get(&app, CONTACTS, TEAM_A).await.0, 200);
    }
    assert_eq!(
        get(&app, CONTACTS, TEAM_A).await,
        (429, error(RATE_LIMITED))
    );
    let (status, _) = app.send(Method::POST, "/__admin/reset", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(get(&app, CONTACTS, TEAM_A).await.0, 200);
}

#[tokio::test]
async fn a_seeded_contact_keeps_its_tags_in_the_order_listed_each_once() {
    // A seed stores tag rows in key order, not as listed: the contact must not tell.
    let seed = json!({"thoughtly": {"teams": [
        {"team_id": "team_a", "api_token": "token_a", "contacts": [
            {"id": "c1", "phone_number": "+14155550101", "tags": ["vip", "lead", "vip", "a"],
             "created_at": "2025-08-01T10:00:00Z"},
            {"id": "c0", "tags": ["lead"], "created_at": "2025-08-02T10:00:00Z"}
        ]}
    ]}});
    let app = spawn_app_with_seed(seed).await;
    let (status, body) = get(&app, &format!("{CONTACTS}?tags=vip"), TEAM_A).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["total"], 1);
    assert_eq!(
        body["data"]["contacts"][0]["tags"],
        json!(["vip", "lead", "a"])
    );
    lists_exactly(&app, &[("tags=lead", &["c0", "c1"]), ("tags=a", &["c1"])]).await;
}
