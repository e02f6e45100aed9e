//! AutoKonnect over real HTTP.

mod common;

use std::collections::HashSet;

use common::{TestApp, keys, spawn_app, spawn_app_with_seed};
use reqwest::Method;
use serde_json::{Value, json};

const DEFAULT_KEY: &str = "Bearer ak_live_northwind_4f9c2e7a";
const CONTACTS: &str = "/autokonnect/api/v1/contacts";
const TAGS: &str = "/autokonnect/api/v1/contacts/tags";

async fn get(app: &TestApp, path: &str, key: &str) -> (u16, Value) {
    app.get(path, &[("Authorization", key)]).await
}

/// Two companies with hand-written contacts, for exact assertions.
fn two_companies() -> Value {
    json!({"autokonnect": {"companies": [
        {"api_key": "key_a",
         "tags": [{"id": "42", "name": "VIP", "color": "#1156d6", "created_at": "2025-06-10T09:00:00.000Z"},
                  {"id": "57", "name": "Lead", "color": "#e63946", "created_at": "2025-07-22T14:15:00.000Z"},
                  {"id": "60", "name": "Unused", "color": "#000000", "created_at": "2025-07-23T14:15:00.000Z"}],
         "contacts": [
            {"id": "1001", "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com",
             "phone_number": "254700000001", "phone_number_lid": null,
             "profile_picture": "https://cdn.example.com/avatars/jane.jpg",
             "created_at": "2025-08-01T10:00:00.000Z", "updated_at": "2025-09-15T08:30:00.000Z",
             "tags": [{"id": "42"}, {"name": "Lead"}]},
            {"id": "1002", "first_name": "Omar", "last_name": "Farouk", "email": "omar@corp.test",
             "phone_number": "441234567890", "phone_number_lid": "987654321012345",
             "created_at": "2025-08-02T10:00:00.000Z", "tags": [{"name": "VIP"}]},
            {"id": "1003", "first_name": "Li", "last_name": "Wei", "email": "li.wei@mail.test",
             "phone_number": "8613800000000", "created_at": "2025-08-03T10:00:00.000Z",
             "tags": [{"name": "Wholesale", "color": "#123456"}]}
         ]},
        {"api_key": "key_b",
         "contacts": [{"id": "2001", "first_name": "Bea", "last_name": "Other", "email": "bea@b.test",
                       "phone_number": "15550000000", "created_at": "2025-01-01T00:00:00.000Z"}]}
    ]}})
}

async fn ids(app: &TestApp, query: &str, key: &str) -> Vec<String> {
    let (status, body) = get(app, &format!("{CONTACTS}?{query}"), key).await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|contact| contact["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn page_two_of_the_default_seed_comes_in_the_documented_envelope() {
    let app = spawn_app().await;
    let (status, body) = get(&app, &format!("{CONTACTS}?page=2&limit=5"), DEFAULT_KEY).await;
    assert_eq!(status, 200);
    assert_eq!(
        keys(&body),
        ["currentPage", "data", "totalPages", "totalRecords"]
    );
    assert_eq!(body["currentPage"], 2);
    assert_eq!(body["totalRecords"], 201);
    assert_eq!(body["totalPages"], 41);
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 5);
    for contact in data {
        assert_eq!(
            keys(contact),
            [
                "created_at",
                "email",
                "first_name",
                "id",
                "last_name",
                "phone_number",
                "phone_number_lid",
                "profile_picture",
                "tags",
                "updated_at"
            ]
        );
        let id = contact["id"].as_str().expect("id is a string");
        assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
        for tag in contact["tags"].as_array().expect("tags") {
            assert_eq!(keys(tag), ["color", "id", "name"]);
        }
    }
}

#[tokio::test]
async fn every_documented_field_is_rendered_exactly() {
    let app = spawn_app_with_seed(two_companies()).await;
    let (_, body) = get(&app, &format!("{CONTACTS}?search=jane"), "Bearer key_a").await;
    assert_eq!(
        body,
        json!({"data": [{
            "id": "1001", "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com",
            "phone_number": "254700000001", "phone_number_lid": null,
            "profile_picture": "https://cdn.example.com/avatars/jane.jpg",
            "created_at": "2025-08-01T10:00:00.000Z", "updated_at": "2025-09-15T08:30:00.000Z",
            "tags": [{"id": "42", "name": "VIP", "color": "#1156d6"}, {"id": "57", "name": "Lead", "color": "#e63946"}]
        }], "currentPage": 1, "totalPages": 1, "totalRecords": 1})
    );
}

#[tokio::test]
async fn walking_every_page_sees_each_contact_once_newest_first() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    let mut created = Vec::new();
    let mut page = 1;
    loop {
        let (status, body) = get(
            &app,
            &format!("{CONTACTS}?page={page}&limit=7"),
            DEFAULT_KEY,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["totalRecords"], 201);
        assert_eq!(body["totalPages"], 29);
        let data = body["data"].as_array().expect("data");
        if data.is_empty() {
            break;
        }
        for contact in data {
            seen.push(contact["id"].as_str().expect("id").to_owned());
            created.push(
                contact["created_at"]
                    .as_str()
                    .expect("created_at")
                    .to_owned(),
            );
        }
        page += 1;
    }
    assert_eq!(page, 30, "29 full pages, then an empty one");
    assert_eq!(seen.len(), 201);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 201, "no repeats");
    assert!(
        created.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first"
    );
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_with_the_real_totals() {
    let app = spawn_app_with_seed(two_companies()).await;
    let (status, body) = get(&app, &format!("{CONTACTS}?page=9"), "Bearer key_a").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": [], "currentPage": 9, "totalPages": 1, "totalRecords": 3})
    );
}

#[tokio::test]
async fn search_matches_each_listed_field_case_insensitively() {
    let app = spawn_app_with_seed(two_companies()).await;
    for (search, expected) in [
        ("JANE", vec!["1001"]),        // first name
        ("farOUK", vec!["1002"]),      // last name
        ("li.wei@MAIL", vec!["1003"]), // email
        ("4412345", vec!["1002"]),     // phone number
        ("98765432101", vec!["1002"]), // phone number LID
        ("vip", vec!["1002", "1001"]), // tag name, newest first
        ("wholesale", vec!["1003"]),   // tag created by a contact's reference
        ("nobody", vec![]),
        ("eDo", vec![]), // never across two fields ("Jane" + "Doe")
        ("%", vec![]),   // wildcards are literal
    ] {
        let query = format!("search={}", search.replace('%', "%25"));
        assert_eq!(
            ids(&app, &query, "Bearer key_a").await,
            expected,
            "search {search:?}"
        );
    }
}

#[tokio::test]
async fn tags_list_counts_the_contacts_carrying_each_tag() {
    let app = spawn_app_with_seed(two_companies()).await;
    let (status, body) = get(&app, TAGS, "Bearer key_a").await;
    assert_eq!(status, 200);
    let summary: Vec<(String, u64)> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|tag| {
            (
                tag["name"].as_str().expect("name").to_owned(),
                tag["_count"]["contact_tag"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Lead".to_owned(), 1),
            ("Unused".to_owned(), 0),
            ("VIP".to_owned(), 2),
            ("Wholesale".to_owned(), 1)
        ]
    );
    assert_eq!(body["totalRecords"], 4);
    assert_eq!(
        body["data"][2],
        json!({"id": "42", "name": "VIP", "color": "#1156d6", "created_at": "2025-06-10T09:00:00.000Z",
               "_count": {"contact_tag": 2}})
    );
}

#[tokio::test]
async fn tags_search_and_paging() {
    let app = spawn_app_with_seed(two_companies()).await;
    let (_, body) = get(
        &app,
        &format!("{TAGS}?search=LE&limit=1&page=2"),
        "Bearer key_a",
    )
    .await;
    // "Lead" and "Wholesale" contain "le"; page 2 of 1 is the second.
    assert_eq!(body["totalRecords"], 2);
    assert_eq!(body["totalPages"], 2);
    assert_eq!(body["currentPage"], 2);
    assert_eq!(body["data"][0]["name"], "Wholesale");
}

#[tokio::test]
async fn default_tags_counts_match_the_contacts_list() {
    let app = spawn_app().await;
    let (_, tags) = get(&app, &format!("{TAGS}?limit=100"), DEFAULT_KEY).await;
    let (_, contacts) = get(&app, &format!("{CONTACTS}?limit=1000"), DEFAULT_KEY).await;
    for tag in tags["data"].as_array().expect("tags") {
        let carrying = contacts["data"]
            .as_array()
            .expect("contacts")
            .iter()
            .filter(|contact| {
                contact["tags"]
                    .as_array()
                    .expect("tags")
                    .iter()
                    .any(|t| t["id"] == tag["id"])
            })
            .count() as u64;
        assert_eq!(
            tag["_count"]["contact_tag"].as_u64(),
            Some(carrying),
            "{tag}"
        );
        assert!(carrying > 0, "the default seed uses every tag");
    }
}

#[tokio::test]
async fn a_company_never_sees_another_companys_data() {
    let app = spawn_app_with_seed(two_companies()).await;
    assert_eq!(ids(&app, "", "Bearer key_b").await, ["2001"]);
    assert_eq!(
        ids(&app, "search=jane", "Bearer key_b").await,
        Vec::<String>::new()
    );
    let (_, tags) = get(&app, TAGS, "Bearer key_b").await;
    assert_eq!(
        tags,
        json!({"data": [], "currentPage": 1, "totalPages": 0, "totalRecords": 0})
    );
}

#[tokio::test]
async fn missing_malformed_and_unknown_keys_get_401() {
    let app = spawn_app_with_seed(two_companies()).await;
    let unauthorized = json!({ "error": "Unauthorized" });
    for path in [CONTACTS, TAGS] {
        assert_eq!(
            app.get(path, &[]).await,
            (401, unauthorized.clone()),
            "missing"
        );
        for key in [
            "Bearer",
            "Bearer ",
            "key_a",
            "Basic key_a",
            "Bearerkey_a",
            "Bearer key_a extra",
            "Bearer nope",
        ] {
            assert_eq!(
                get(&app, path, key).await,
                (401, unauthorized.clone()),
                "{key:?}"
            );
        }
    }
}

#[tokio::test]
async fn other_methods_get_405_with_allow_get() {
    let app = spawn_app_with_seed(two_companies()).await;
    for path in [CONTACTS, TAGS] {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            app.assert_method_not_allowed(
                method,
                path,
                &[("Authorization", "Bearer key_a")],
                &["GET"],
                json!({ "error": "Method not allowed" }),
            )
            .await;
        }
    }
}

#[tokio::test]
async fn bad_page_and_limit_fall_back_to_their_defaults() {
    let app = spawn_app().await;
    let (_, defaults) = get(&app, CONTACTS, DEFAULT_KEY).await;
    assert_eq!(defaults["data"].as_array().expect("data").len(), 10);
    for query in [
        "page=0&limit=0",
        "page=-1&limit=-5",
        "page=abc&limit=xyz",
        "page=1.5&limit=2.5",
        "page=&limit=",
    ] {
        let (status, body) = get(&app, &format!("{CONTACTS}?{query}"), DEFAULT_KEY).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(body, defaults, "{query}");
    }
    let (status, body) = get(
        &app,
        &format!("{CONTACTS}?page=99999999999999999999&limit=18446744073709551615"),
        DEFAULT_KEY,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["currentPage"], 1, "an unrepresentable page falls back");
    assert_eq!(
        body["data"].as_array().expect("data").len(),
        201,
        "a huge limit returns everything"
    );
}

#[tokio::test]
async fn unknown_paths_get_autokonnect_404_before_auth() {
    let app = spawn_app().await;
    for path in [
        "/autokonnect/api/v1/nope",
        "/autokonnect/api/v2/contacts",
        "/autokonnect/",
    ] {
        assert_eq!(
            app.get(path, &[]).await,
            (404, json!({ "error": "Not found" })),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_default_seed_generates_the_same_data_every_time() {
    let (first, second) = (spawn_app().await, spawn_app().await);
    let everything = format!("{CONTACTS}?limit=1000");
    let (_, a) = get(&first, &everything, DEFAULT_KEY).await;
    let (_, b) = get(&second, &everything, DEFAULT_KEY).await;
    assert_eq!(a, b);
    assert_eq!(a["totalRecords"], 201);
}
