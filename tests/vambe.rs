//! Vambe over real HTTP, with the clock frozen at `2026-01-15T12:00:00Z`.

mod common;

use std::collections::HashSet;

use common::{TestApp, keys, seed_error, spawn_app, spawn_app_with_seed};
use reqwest::Method;
use serde_json::{Value, json};

// What a client reads, word for word: the test owns the wording.
const CREATED_AFTER_FORMAT: &str =
    "created_after must be a valid ISO 8601 timestamp with a time zone";
const CUSTOM_FIELD_KEY_REQUIRED: &str =
    "custom_field_key must be provided together with custom_field_value";
const CUSTOM_FIELD_VALUE_REQUIRED: &str =
    "custom_field_value must be provided together with custom_field_key";
const DAYS_RANGE: &str = "days must be an integer between 1 and 365";
const ENTITY_TYPE_VALUES: &str = "entity_type must be one of: ticket, customer";
const LIMIT_RANGE: &str = "limit must be an integer between 1 and 1000";
const OFFSET_RANGE: &str = "offset must be an integer greater than or equal to 0";
const PIPELINE_ID_FORMAT: &str = "pipeline_id must be a UUID";
const STAGE_ID_FORMAT: &str = "stage_id must be a UUID";
const TIME_FILTER_REQUIRED: &str =
    "At least one of days, created_after or updated_after is required";
const UPDATED_AFTER_FORMAT: &str =
    "updated_after must be a valid ISO 8601 timestamp with a time zone";

const DEFAULT_KEY: &str = "vk_live_andes_7c41e9b2d05a";
const SECOND_KEY: &str = "vk_live_pacifico_2f86d0a51e3c";
const CONTACTS: &str = "/vambe/api/public/contacts";
const PIPELINES: &str = "/vambe/api/public/pipeline";
const EVERYTHING: &str = "created_after=2000-01-01T00:00:00Z";

const SALES: &str = "5a1e5000-0000-4000-8000-000000000001";
const STAGE_NEW: &str = "5a1e5000-0000-4000-8000-0000000000a1";
const STAGE_WON: &str = "5a1e5000-0000-4000-8000-0000000000a2";
const SUPPORT: &str = "50990127-0000-4000-8000-000000000002";
const STAGE_OPEN: &str = "50990127-0000-4000-8000-0000000000b1";

/// `c1`…`c9` as the seed's contact ids.
fn id(n: u8) -> String {
    format!("c0000000-0000-4000-8000-00000000000{n}")
}

fn ids(names: &[u8]) -> Vec<String> {
    names.iter().map(|n| id(*n)).collect()
}

/// Hand-written contacts with timestamps placed around the frozen clock's boundaries:
/// c1's last message is exactly 7 days before now, c2's one millisecond earlier; c1 and c3
/// share `created_at` and `updated_at` (ties go by id); c5's last message is over a year old.
/// Default stages: c1 in New (as its ticket), c2 in Won (its ticket in Open), c4 in Open (its
/// ticket in Won), c3 and c5 left to the seed (the first stage, New).
fn two_workspaces() -> Value {
    json!({"vambe": {"workspaces": [
        {"api_key": "key_a",
         "pipelines": [
            {"id": SALES, "name": "Sales", "stages": [{"id": STAGE_NEW, "name": "New"}, {"id": STAGE_WON, "name": "Won"}]},
            {"id": SUPPORT, "name": "Support", "stages": [{"id": STAGE_OPEN, "name": "Open"}]}],
         "contacts": [
            {"id": id(1), "name": "John Doe", "phone": "+56912345678", "email": "john@example.com",
             "platform": "whatsapp", "last_message_at": "2026-01-08T12:00:00.000Z", "chat_status": "ATTENDED",
             "created_at": "2025-06-01T00:00:00.000Z", "updated_at": "2025-12-01T00:00:00.000Z",
             "client_id": "123e4567-e89b-12d3-a456-426614174000", "ai_customer_id": "123e4567-e89b-12d3-a456-426614174001",
             "default_stage_id": STAGE_NEW, "blocked": false, "is_chat_read": true,
             "custom_fields": {"status": "Active"},
             "active_ticket_v2": {"id": "71c4e700-0000-4000-8000-000000000001", "current_stage_id": STAGE_NEW,
                                  "custom_fields": {"priority": "high"}}},
            {"id": id(2), "name": "Ana Pérez", "platform": "instagram", "default_stage_id": STAGE_WON,
             "last_message_at": "2026-01-08T11:59:59.999Z", "chat_status": "UNATTENDED",
             "created_at": "2025-07-01T00:00:00.000Z", "updated_at": "2025-11-01T00:00:00.000Z",
             "custom_fields": {"status": "Inactive"},
             "active_ticket_v2": {"id": "71c4e700-0000-4000-8000-000000000002", "current_stage_id": STAGE_OPEN,
                                  "custom_fields": {"status": "Active"}}},
            {"id": id(3), "name": null, "phone": "+5215512345678", "platform": "web-whatsapp",
             "last_message_at": "2026-01-15T11:00:00.000Z", "chat_status": "CLOSED",
             "created_at": "2025-06-01T00:00:00.000Z", "updated_at": "2025-12-01T00:00:00.000Z",
             "custom_fields": {"status": "Active", "visits": 3}},
            {"id": id(4), "name": "Luis Soto", "platform": "messenger", "default_stage_id": STAGE_OPEN,
             "last_message_at": "2025-12-20T09:30:00.000Z", "chat_status": "ATTENDED",
             "created_at": "2025-08-01T00:00:00.000Z", "updated_at": "2026-01-10T00:00:00.000Z",
             "active_ticket_v2": {"id": "71c4e700-0000-4000-8000-000000000004", "current_stage_id": STAGE_WON.to_uppercase()}},
            {"id": id(5), "name": "Old Timer", "platform": "sms",
             "last_message_at": "2025-01-15T11:59:59.999Z", "chat_status": "CLOSED",
             "created_at": "2024-12-01T00:00:00.000Z", "updated_at": "2025-01-02T00:00:00.000Z"}
         ]},
        {"api_key": "key_b",
         "contacts": [
            {"id": id(9), "name": "Other Workspace", "platform": "webchat",
             "last_message_at": "2026-01-14T00:00:00.000Z", "created_at": "2025-06-01T00:00:00.000Z",
             "updated_at": "2026-01-14T00:00:00.000Z", "custom_fields": {"status": "Active"}}
         ]}
    ]}})
}

async fn get(app: &TestApp, query: &str, key: &str) -> (u16, Value) {
    app.get(&format!("{CONTACTS}?{query}"), &[("x-api-key", key)])
        .await
}

/// The ids of a successful answer, in order.
async fn listed(app: &TestApp, query: &str, key: &str) -> Vec<String> {
    let (status, body) = get(app, query, key).await;
    assert_eq!(status, 200, "{query}: {body}");
    body.as_array()
        .expect("a bare array")
        .iter()
        .map(|contact| contact["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Vambe's documented UUID pattern, written out here so the test owns it:
/// `^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$`
fn is_vambe_uuid(text: &str) -> bool {
    if text == "00000000-0000-0000-0000-000000000000"
        || text == "ffffffff-ffff-ffff-ffff-ffffffffffff"
    {
        return true;
    }
    let groups: Vec<&str> = text.split('-').collect();
    let [a, b, c, d, e] = groups.as_slice() else {
        return false;
    };
    let hex = |group: &str, len: usize| {
        group.len() == len && group.bytes().all(|byte| byte.is_ascii_hexdigit())
    };
    hex(a, 8)
        && hex(b, 4)
        && hex(c, 4)
        && hex(d, 4)
        && hex(e, 12)
        && matches!(c.as_bytes()[0], b'1'..=b'8')
        && matches!(d.as_bytes()[0], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

fn validation(errors: &[(&str, &str)]) -> Value {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(field, message)| json!({"field": field, "message": message}))
        .collect();
    json!({"statusCode": 400, "message": "Validation failed", "errors": errors})
}

#[tokio::test]
async fn every_documented_field_is_rendered_exactly() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let (status, body) = get(&app, "days=7&limit=1&offset=1", "key_a").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{
            "id": id(1), "name": "John Doe", "phone": "+56912345678", "email": "john@example.com",
            "platform": "whatsapp", "last_message_at": "2026-01-08T12:00:00.000Z",
            "chat_status": "ATTENDED", "created_at": "2025-06-01T00:00:00.000Z",
            "updated_at": "2025-12-01T00:00:00.000Z",
            "client_id": "123e4567-e89b-12d3-a456-426614174000",
            "ai_customer_id": "123e4567-e89b-12d3-a456-426614174001",
            "default_stage_id": STAGE_NEW, "blocked": false, "is_chat_read": true,
            "active_ticket_v2": {"id": "71c4e700-0000-4000-8000-000000000001", "current_stage_id": STAGE_NEW}
        }])
    );
}

#[tokio::test]
async fn a_contact_without_a_ticket_has_null_active_ticket_and_nullable_fields() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let (_, body) = get(&app, "days=1", "key_a").await;
    let contact = &body[0];
    assert_eq!(contact["id"], id(3));
    assert_eq!(contact["name"], Value::Null);
    assert_eq!(contact["email"], Value::Null);
    assert_eq!(contact["active_ticket_v2"], Value::Null);
    // Left out of the seed: generated in the vendor's style.
    assert_eq!(contact["blocked"], false);
    for field in ["client_id", "ai_customer_id", "default_stage_id"] {
        let value = contact[field].as_str().expect(field);
        assert!(is_vambe_uuid(value), "{field}: {value}");
    }
    assert_eq!(
        contact["default_stage_id"], STAGE_NEW,
        "first stage of the first pipeline"
    );
}

#[tokio::test]
async fn days_counts_back_from_the_clock_and_includes_the_boundary_instant() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    // now - 7 days = 2026-01-08T12:00:00.000Z: c1 sits exactly on it, c2 one millisecond before.
    assert_eq!(listed(&app, "days=7", "key_a").await, ids(&[3, 1]));
    assert_eq!(listed(&app, "days=30", "key_a").await, ids(&[3, 1, 2, 4]));
    // now - 365 days = 2025-01-15T12:00:00.000Z: c5 is one millisecond short of it.
    assert_eq!(listed(&app, "days=365", "key_a").await, ids(&[3, 1, 2, 4]));
    assert_eq!(listed(&app, "days=1", "key_a").await, ids(&[3]));
}

#[tokio::test]
async fn days_follows_the_clock_when_it_moves() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    app.freeze_clock("2026-01-15T11:59:59.999Z").await;
    // One millisecond earlier, c2 is exactly 7 days old and now counts.
    assert_eq!(listed(&app, "days=7", "key_a").await, ids(&[3, 1, 2]));
    app.freeze_clock("2026-01-15T12:00:00.001Z").await;
    assert_eq!(listed(&app, "days=7", "key_a").await, ids(&[3]));
}

#[tokio::test]
async fn created_after_is_strict_and_orders_by_created_at_ascending() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(
        listed(&app, "created_after=2025-06-01T00:00:00.000Z", "key_a").await,
        ids(&[2, 4]),
        "c1 and c3 were created exactly at the instant"
    );
    assert_eq!(
        listed(&app, "created_after=2025-05-31T23:59:59.999Z", "key_a").await,
        ids(&[1, 3, 2, 4]),
        "the c1/c3 tie goes by id ascending"
    );
    // An offset is an instant, not a string: 02:00+02:00 is midnight UTC.
    assert_eq!(
        listed(&app, "created_after=2025-06-01T02:00:00%2B02:00", "key_a").await,
        ids(&[2, 4])
    );
}

#[tokio::test]
async fn updated_after_is_strict_and_orders_by_updated_at_ascending() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(
        listed(&app, "updated_after=2025-12-01T00:00:00.000Z", "key_a").await,
        ids(&[4])
    );
    assert_eq!(
        listed(&app, "updated_after=2025-11-30T23:59:59.999Z", "key_a").await,
        ids(&[1, 3, 4])
    );
    assert_eq!(
        listed(&app, "updated_after=2000-01-01T00:00:00Z", "key_a").await,
        ids(&[5, 2, 1, 3, 4])
    );
}

#[tokio::test]
async fn updated_after_wins_the_order_when_both_are_sent_and_filters_combine() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let both = "created_after=2025-01-01T00:00:00Z&updated_after=2025-10-01T00:00:00Z";
    assert_eq!(listed(&app, both, "key_a").await, ids(&[2, 1, 3, 4]));
    assert_eq!(
        listed(&app, "created_after=2025-01-01T00:00:00Z", "key_a").await,
        ids(&[1, 3, 2, 4]),
        "created_at order differs"
    );
    // All three time filters AND-ed; updated_after still orders.
    assert_eq!(
        listed(&app, &format!("{both}&days=7"), "key_a").await,
        ids(&[1, 3])
    );
    assert_eq!(
        listed(&app, "days=30&created_after=2025-06-15T00:00:00Z", "key_a").await,
        ids(&[2, 4])
    );
}

#[tokio::test]
async fn limit_and_offset_window_the_ordered_list() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(
        listed(&app, &format!("{EVERYTHING}&limit=2"), "key_a").await,
        ids(&[5, 1])
    );
    assert_eq!(
        listed(&app, &format!("{EVERYTHING}&limit=2&offset=2"), "key_a").await,
        ids(&[3, 2])
    );
    assert_eq!(
        listed(&app, &format!("{EVERYTHING}&limit=2&offset=4"), "key_a").await,
        ids(&[4])
    );
    for offset in ["99", "9223372036854775807"] {
        assert_eq!(
            listed(&app, &format!("{EVERYTHING}&offset={offset}"), "key_a").await,
            Vec::<String>::new()
        );
    }
}

#[tokio::test]
async fn a_client_that_does_not_page_gets_the_first_100() {
    let app = spawn_app().await;
    let all = listed(&app, &format!("{EVERYTHING}&limit=1000"), DEFAULT_KEY).await;
    assert_eq!(all.len(), 202, "200 generated plus 2 listed");
    let first = listed(&app, EVERYTHING, DEFAULT_KEY).await;
    assert_eq!(first, all[..100]);
}

#[tokio::test]
async fn the_default_seed_spreads_last_messages_over_the_year() {
    let app = spawn_app().await;
    for key in [DEFAULT_KEY, SECOND_KEY] {
        let mut counts = Vec::new();
        for days in [7, 30, 365] {
            counts.push(
                listed(&app, &format!("days={days}&limit=1000"), key)
                    .await
                    .len(),
            );
        }
        assert!(
            counts[0] > 0 && counts[0] < counts[1] && counts[1] < counts[2] && counts[2] < 200,
            "{key}: {counts:?}"
        );
        let (_, body) = get(&app, &format!("{EVERYTHING}&limit=1000"), key).await;
        let contacts = body.as_array().expect("array");
        let distinct = |field: &str| {
            contacts
                .iter()
                .map(|contact| contact[field].to_string())
                .collect::<HashSet<_>>()
                .len()
        };
        assert!(distinct("platform") >= 5, "{key}: several platforms");
        assert_eq!(distinct("chat_status"), 3, "{key}: every chat status");
        assert_eq!(
            distinct("updated_at"),
            contacts.len(),
            "{key}: distinct updated_at"
        );
        let with_ticket = contacts
            .iter()
            .filter(|contact| !contact["active_ticket_v2"].is_null())
            .count();
        assert!(
            with_ticket * 10 >= contacts.len() * 6,
            "{key}: most have a ticket"
        );
        for contact in contacts {
            assert_eq!(
                keys(contact),
                [
                    "active_ticket_v2",
                    "ai_customer_id",
                    "blocked",
                    "chat_status",
                    "client_id",
                    "created_at",
                    "default_stage_id",
                    "email",
                    "id",
                    "is_chat_read",
                    "last_message_at",
                    "name",
                    "phone",
                    "platform",
                    "updated_at"
                ]
            );
            let created = contact["created_at"].as_str().expect("created_at");
            assert!(created.ends_with('Z') && created.len() == 24, "{created}");
        }
    }
}

/// The incremental-sync recipe of the README: page with limit/offset until a short page, then
/// move the cursor to the last `updated_at` seen.
async fn sync(app: &TestApp, key: &str, cursor: &mut String, limit: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let query = format!(
            "updated_after={}&limit={limit}&offset={offset}",
            cursor.replace('+', "%2B")
        );
        let (status, body) = get(app, &query, key).await;
        assert_eq!(status, 200, "{body}");
        let page = body.as_array().expect("array").clone();
        let done = page.len() < limit;
        offset += page.len();
        seen.extend(page);
        if done {
            break;
        }
    }
    if let Some(last) = seen.last() {
        *cursor = last["updated_at"].as_str().expect("updated_at").to_owned();
    }
    seen
}

#[tokio::test]
async fn an_incremental_sync_sees_every_contact_exactly_once_and_then_nothing() {
    let app = spawn_app().await;
    let everyone: HashSet<String> = listed(&app, &format!("{EVERYTHING}&limit=1000"), DEFAULT_KEY)
        .await
        .into_iter()
        .collect();
    let mut cursor = "1970-01-01T00:00:00.000Z".to_owned();
    let first = sync(&app, DEFAULT_KEY, &mut cursor, 37).await;
    let seen: Vec<&str> = first
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(seen.len(), everyone.len(), "no contact twice");
    assert_eq!(
        seen.iter().map(|id| id.to_string()).collect::<HashSet<_>>(),
        everyone
    );
    let updated: Vec<&str> = first
        .iter()
        .map(|c| c["updated_at"].as_str().expect("u"))
        .collect();
    assert!(
        updated.windows(2).all(|pair| pair[0] < pair[1]),
        "ascending, distinct"
    );
    assert_eq!(
        sync(&app, DEFAULT_KEY, &mut cursor, 37).await,
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn an_incremental_sync_picks_up_new_and_modified_contacts_only() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let mut cursor = "2000-01-01T00:00:00Z".to_owned();
    assert_eq!(sync(&app, "key_a", &mut cursor, 2).await.len(), 5);
    assert_eq!(cursor, "2026-01-10T00:00:00.000Z");
    // The workspace changes: c2 is modified and c6 is new.
    let mut changed = two_workspaces();
    let contacts = changed["vambe"]["workspaces"][0]["contacts"]
        .as_array_mut()
        .expect("contacts");
    contacts[1]["updated_at"] = json!("2026-01-12T08:00:00.000Z");
    contacts.push(
        json!({"id": id(6), "name": "New Lead", "platform": "webchat",
        "last_message_at": "2026-01-13T10:00:00.000Z", "created_at": "2026-01-13T09:00:00.000Z",
        "updated_at": "2026-01-13T10:00:00.000Z"}),
    );
    let (status, _) = app
        .send(Method::POST, "/__admin/seed", &[], Some(&changed))
        .await;
    assert_eq!(status, 200);
    let before = cursor.clone();
    let delta = sync(&app, "key_a", &mut cursor, 2).await;
    let summary: Vec<(&str, bool)> = delta
        .iter()
        .map(|c| {
            let created = c["created_at"].as_str().expect("created_at");
            (c["id"].as_str().expect("id"), created > before.as_str())
        })
        .collect();
    assert_eq!(summary, [(id(2).as_str(), false), (id(6).as_str(), true)]);
    assert_eq!(
        sync(&app, "key_a", &mut cursor, 2).await,
        Vec::<Value>::new()
    );
}

#[tokio::test]
async fn stage_id_matches_the_default_stage_only_and_pipeline_id_the_active_ticket() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(
        listed(&app, &format!("{EVERYTHING}&stage_id={STAGE_NEW}"), "key_a").await,
        ids(&[5, 1, 3]),
        "c1 by its default stage (its ticket is there too), c3 and c5 by the seed's default"
    );
    assert_eq!(
        listed(
            &app,
            &format!("{EVERYTHING}&stage_id={}", STAGE_NEW.to_uppercase()),
            "key_a"
        )
        .await,
        ids(&[5, 1, 3]),
        "ids compare case-insensitively"
    );
    assert_eq!(
        listed(
            &app,
            &format!("{EVERYTHING}&stage_id={STAGE_OPEN}"),
            "key_a"
        )
        .await,
        ids(&[4]),
        "c4's default stage; c2's ticket sits in Open, but its default stage is Won"
    );
    assert_eq!(
        listed(&app, &format!("{EVERYTHING}&stage_id={STAGE_WON}"), "key_a").await,
        ids(&[2]),
        "c2's default stage; c4's ticket sits in Won, but its default stage is Open"
    );
    assert_eq!(
        listed(
            &app,
            &format!("{EVERYTHING}&stage_id={STAGE_OPEN}&pipeline_id={SALES}"),
            "key_a"
        )
        .await,
        ids(&[4]),
        "AND-ed: c4's default stage is Open and its ticket is in Sales"
    );
    assert_eq!(
        listed(
            &app,
            &format!("{EVERYTHING}&stage_id={STAGE_OPEN}&pipeline_id={SUPPORT}"),
            "key_a"
        )
        .await,
        Vec::<String>::new(),
        "AND-ed"
    );
    assert_eq!(
        listed(
            &app,
            &format!("{EVERYTHING}&stage_id=00000000-0000-0000-0000-000000000000"),
            "key_a"
        )
        .await,
        Vec::<String>::new()
    );
    let (status, body) = get(&app, &format!("{EVERYTHING}&pipeline_id={SALES}"), "key_a").await;
    assert_eq!(status, 200);
    let tickets: Vec<&Value> = body
        .as_array()
        .expect("array")
        .iter()
        .map(|c| &c["active_ticket_v2"])
        .collect();
    assert_eq!(
        tickets,
        [
            &json!({"id": "71c4e700-0000-4000-8000-000000000001", "current_stage_id": STAGE_NEW,
                    "current_stage": {"id": STAGE_NEW, "name": "New"}}),
            &json!({"id": "71c4e700-0000-4000-8000-000000000004", "current_stage_id": STAGE_WON,
                    "current_stage": {"id": STAGE_WON, "name": "Won"}}),
        ]
    );
    assert_eq!(
        listed(
            &app,
            &format!("{EVERYTHING}&pipeline_id={SUPPORT}"),
            "key_a"
        )
        .await,
        ids(&[2])
    );
}

#[tokio::test]
async fn custom_fields_match_on_either_entity_or_the_one_named() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let active = format!("{EVERYTHING}&custom_field_key=status&custom_field_value=Active");
    assert_eq!(listed(&app, &active, "key_a").await, ids(&[1, 3, 2]));
    assert_eq!(
        listed(&app, &format!("{active}&entity_type=customer"), "key_a").await,
        ids(&[1, 3])
    );
    assert_eq!(
        listed(&app, &format!("{active}&entity_type=ticket"), "key_a").await,
        ids(&[2])
    );
    let high = format!("{EVERYTHING}&custom_field_key=priority&custom_field_value=high");
    assert_eq!(
        listed(&app, &format!("{high}&entity_type=ticket"), "key_a").await,
        ids(&[1])
    );
    assert_eq!(
        listed(&app, &format!("{high}&entity_type=customer"), "key_a").await,
        Vec::<String>::new()
    );
    // Values compare exactly; a number in the seed matches its text.
    let exact = format!("{EVERYTHING}&custom_field_key=status&custom_field_value=active");
    assert_eq!(listed(&app, &exact, "key_a").await, Vec::<String>::new());
    let number = format!("{EVERYTHING}&custom_field_key=visits&custom_field_value=3");
    assert_eq!(listed(&app, &number, "key_a").await, ids(&[3]));
    // Custom fields are never rendered.
    let (_, body) = get(&app, &active, "key_a").await;
    assert!(body[0].get("custom_fields").is_none());
}

#[tokio::test]
async fn entity_type_without_the_custom_field_pair_is_ignored() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(
        listed(&app, "days=30&entity_type=ticket", "key_a").await,
        listed(&app, "days=30", "key_a").await
    );
}

#[tokio::test]
async fn a_workspace_never_sees_another_workspaces_contacts() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(listed(&app, EVERYTHING, "key_b").await, ids(&[9]));
    assert_eq!(listed(&app, "days=7", "key_b").await, ids(&[9]));
    let active = format!("{EVERYTHING}&custom_field_key=status&custom_field_value=Active");
    assert_eq!(listed(&app, &active, "key_b").await, ids(&[9]));
    assert!(!listed(&app, &active, "key_a").await.contains(&id(9)));
    assert_eq!(
        listed(&app, &format!("{EVERYTHING}&stage_id={STAGE_NEW}"), "key_b").await,
        Vec::<String>::new()
    );
    let app = spawn_app().await;
    let first: HashSet<String> = listed(&app, &format!("{EVERYTHING}&limit=1000"), DEFAULT_KEY)
        .await
        .into_iter()
        .collect();
    let second: HashSet<String> = listed(&app, &format!("{EVERYTHING}&limit=1000"), SECOND_KEY)
        .await
        .into_iter()
        .collect();
    assert_eq!(second.len(), 200);
    assert!(first.is_disjoint(&second));
}

#[tokio::test]
async fn each_invalid_parameter_gets_vambes_400() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let uuid = "123e4567-e89b-12d3-a456-426614174000";
    for (query, field, message) in [
        ("", "time_filter", TIME_FILTER_REQUIRED),
        ("limit=10&offset=0", "time_filter", TIME_FILTER_REQUIRED),
        ("days=0", "days", DAYS_RANGE),
        ("days=366", "days", DAYS_RANGE),
        ("days=seven", "days", DAYS_RANGE),
        ("days=", "days", DAYS_RANGE),
        ("days=1&limit=0", "limit", LIMIT_RANGE),
        ("days=1&limit=1001", "limit", LIMIT_RANGE),
        ("days=1&offset=-1", "offset", OFFSET_RANGE),
        ("days=1&stage_id=not-a-uuid", "stage_id", STAGE_ID_FORMAT),
        (
            "days=1&stage_id=123e4567-e89b-02d3-a456-426614174000",
            "stage_id",
            STAGE_ID_FORMAT,
        ),
        (
            "days=1&pipeline_id=123e4567e89b12d3a456426614174000",
            "pipeline_id",
            PIPELINE_ID_FORMAT,
        ),
        (
            "days=1&custom_field_key=status",
            "custom_field_value",
            CUSTOM_FIELD_VALUE_REQUIRED,
        ),
        (
            "days=1&custom_field_value=Active",
            "custom_field_key",
            CUSTOM_FIELD_KEY_REQUIRED,
        ),
        ("days=1&entity_type=lead", "entity_type", ENTITY_TYPE_VALUES),
        (
            "days=1&entity_type=Ticket",
            "entity_type",
            ENTITY_TYPE_VALUES,
        ),
        (
            "created_after=yesterday",
            "created_after",
            CREATED_AFTER_FORMAT,
        ),
        (
            "created_after=2024-01-15T10:00:00",
            "created_after",
            CREATED_AFTER_FORMAT,
        ),
        (
            "updated_after=2024-13-01T00:00:00Z",
            "updated_after",
            UPDATED_AFTER_FORMAT,
        ),
    ] {
        assert_eq!(
            get(&app, query, "key_a").await,
            (400, validation(&[(field, message)])),
            "{query}"
        );
    }
    assert_eq!(
        get(
            &app,
            &format!("days=1&stage_id={uuid}&pipeline_id={uuid}"),
            "key_a"
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn a_400_lists_every_failing_field() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let query = "days=0&created_after=nope&updated_after=nope&limit=1001&offset=-5\
                 &stage_id=x&pipeline_id=y&custom_field_value=v&entity_type=both";
    assert_eq!(
        get(&app, query, "key_a").await,
        (
            400,
            validation(&[
                ("days", DAYS_RANGE),
                ("created_after", CREATED_AFTER_FORMAT),
                ("updated_after", UPDATED_AFTER_FORMAT),
                ("limit", LIMIT_RANGE),
                ("offset", OFFSET_RANGE),
                ("stage_id", STAGE_ID_FORMAT),
                ("pipeline_id", PIPELINE_ID_FORMAT),
                ("custom_field_key", CUSTOM_FIELD_KEY_REQUIRED),
                ("entity_type", ENTITY_TYPE_VALUES),
            ])
        )
    );
    assert_eq!(
        get(&app, "limit=0&custom_field_key=k", "key_a").await,
        (
            400,
            validation(&[
                ("time_filter", TIME_FILTER_REQUIRED),
                ("limit", LIMIT_RANGE),
                ("custom_field_value", CUSTOM_FIELD_VALUE_REQUIRED),
            ])
        )
    );
}

#[tokio::test]
async fn missing_blank_and_unknown_keys_get_401_before_validation() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let unauthorized = json!({"statusCode": 401, "message": "Unauthorized"});
    assert_eq!(
        app.get(&format!("{CONTACTS}?days=7"), &[]).await,
        (401, unauthorized.clone())
    );
    for key in ["", " ", "key_c", "KEY_A", "Bearer key_a"] {
        assert_eq!(
            get(&app, "days=7", key).await,
            (401, unauthorized.clone()),
            "{key:?}"
        );
    }
    assert_eq!(
        app.get(
            &format!("{CONTACTS}?days=0"),
            &[("Authorization", "Bearer key_a")]
        )
        .await,
        (401, unauthorized.clone()),
        "auth comes first"
    );
}

#[tokio::test]
async fn unknown_paths_and_other_methods_answer_in_vambes_shape() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    for path in ["/vambe/api/public/nope", "/vambe/api/contacts", "/vambe/"] {
        assert_eq!(
            app.get(path, &[]).await,
            (404, json!({"statusCode": 404, "message": "Not Found"})),
            "{path}"
        );
    }
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        app.assert_method_not_allowed(
            method,
            CONTACTS,
            &[("x-api-key", "key_a")],
            &["GET"],
            json!({"statusCode": 405, "message": "Method Not Allowed"}),
        )
        .await;
    }
}

#[tokio::test]
async fn pipelines_are_a_bare_array_in_seed_order_with_null_descriptions_when_not_seeded() {
    let app = spawn_app().await;
    let (status, body) = app.get(PIPELINES, &[("x-api-key", DEFAULT_KEY)]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([
            {"id": "f9769c2d-796a-4ff4-99d7-ce4c5f5ab21f", "name": "Ventas",
             "description": "Embudo comercial: del primer mensaje a la venta",
             "stages": [
                {"id": "0f753aa3-54c4-4531-85f0-f99f70d15229", "name": "Nuevo lead",
                 "description": "Escribió por primera vez"},
                {"id": "cd1d0bce-7cfa-4121-a3e4-ac7e06de798d", "name": "Calificado",
                 "description": "Tiene presupuesto y necesidad confirmados"},
                {"id": "1347ef42-95dd-42c9-9e01-0a489ff441bd", "name": "Propuesta enviada",
                 "description": null},
                {"id": "17c0b44f-216f-46e5-8b49-d0253b6550af", "name": "Ganado",
                 "description": null}
             ]},
            {"id": "c821c7fb-71c4-47e9-b73b-f6996f9ab5d0", "name": "Soporte", "description": null,
             "stages": [
                {"id": "f904ac9d-63e5-44d7-a88f-a4401586d0b1", "name": "Abierto", "description": null},
                {"id": "74bd4b16-1c62-413f-b9d3-89b2a5eee54b", "name": "En progreso", "description": null},
                {"id": "68da6517-d41c-49c0-92ef-18789d566010", "name": "Resuelto", "description": null}
             ]}
        ])
    );
}

#[tokio::test]
async fn pipelines_and_stages_keep_the_seeds_order_not_their_ids_or_names() {
    let app = spawn_app_with_seed(json!({"vambe": {"workspaces": [{"api_key": "k",
        "pipelines": [
            {"id": "ffffffff-0000-4000-8000-000000000000", "name": "Zeta", "description": "Last by name",
             "stages": [
                {"id": "ffffffff-0000-4000-8000-0000000000f2", "name": "Second by id", "description": ""},
                {"id": "ffffffff-0000-4000-8000-0000000000f1", "name": "First by id"}]},
            {"id": "00000000-0000-4000-8000-000000000000", "name": "Alfa", "stages": []}
        ]}]}}))
    .await;
    let (status, body) = app
        .get(&format!("{PIPELINES}?days=7"), &[("x-api-key", "k")])
        .await;
    assert_eq!(status, 200, "a query is ignored");
    assert_eq!(
        body,
        json!([
            {"id": "ffffffff-0000-4000-8000-000000000000", "name": "Zeta", "description": "Last by name",
             "stages": [
                {"id": "ffffffff-0000-4000-8000-0000000000f2", "name": "Second by id", "description": ""},
                {"id": "ffffffff-0000-4000-8000-0000000000f1", "name": "First by id", "description": null}]},
            {"id": "00000000-0000-4000-8000-000000000000", "name": "Alfa", "description": null, "stages": []}
        ])
    );
}

#[tokio::test]
async fn each_workspace_lists_only_its_own_pipelines() {
    let app = spawn_app().await;
    let (status, body) = app.get(PIPELINES, &[("x-api-key", SECOND_KEY)]).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body
        .as_array()
        .expect("a bare array")
        .iter()
        .map(|pipeline| pipeline["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Admisiones"]);
    let app = spawn_app_with_seed(two_workspaces()).await;
    assert_eq!(
        app.get(PIPELINES, &[("x-api-key", "key_b")]).await,
        (200, json!([])),
        "a workspace without pipelines"
    );
}

#[tokio::test]
async fn pipelines_need_a_known_key() {
    let app = spawn_app().await;
    let unauthorized = (401, json!({"statusCode": 401, "message": "Unauthorized"}));
    assert_eq!(app.get(PIPELINES, &[]).await, unauthorized);
    assert_eq!(
        app.get(PIPELINES, &[("x-api-key", "vk_nobody")]).await,
        unauthorized
    );
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
        app.assert_method_not_allowed(
            method,
            PIPELINES,
            &[],
            &["GET"],
            json!({"statusCode": 405, "message": "Method Not Allowed"}),
        )
        .await;
    }
}

#[tokio::test]
async fn the_default_seed_spreads_contacts_over_several_default_stages_apart_from_their_tickets() {
    let app = spawn_app().await;
    let (_, pipelines) = app.get(PIPELINES, &[("x-api-key", DEFAULT_KEY)]).await;
    let stages: HashSet<&str> = pipelines
        .as_array()
        .expect("pipelines")
        .iter()
        .flat_map(|pipeline| pipeline["stages"].as_array().expect("stages"))
        .map(|stage| stage["id"].as_str().expect("id"))
        .collect();
    let (_, contacts) = get(&app, &format!("{EVERYTHING}&limit=1000"), DEFAULT_KEY).await;
    let contacts = contacts.as_array().expect("contacts");
    let defaults: HashSet<&str> = contacts
        .iter()
        .map(|contact| contact["default_stage_id"].as_str().expect("default stage"))
        .collect();
    assert!(
        defaults.is_subset(&stages),
        "every default stage is the workspace's"
    );
    assert!(
        defaults.len() >= 5,
        "spread over several stages: {defaults:?}"
    );
    let ticketed: Vec<(&Value, &Value)> = contacts
        .iter()
        .filter(|contact| !contact["active_ticket_v2"].is_null())
        .map(|contact| {
            (
                &contact["default_stage_id"],
                &contact["active_ticket_v2"]["current_stage_id"],
            )
        })
        .collect();
    let differ = ticketed
        .iter()
        .filter(|(default, ticket)| default != ticket)
        .count();
    assert!(
        differ > 0 && differ < ticketed.len(),
        "{differ} of {}",
        ticketed.len()
    );
    // Each default stage answers the stage filter with exactly its contacts.
    for stage in defaults {
        let expected = contacts
            .iter()
            .filter(|contact| contact["default_stage_id"] == stage)
            .count();
        let filtered = listed(
            &app,
            &format!("{EVERYTHING}&limit=1000&stage_id={stage}"),
            DEFAULT_KEY,
        )
        .await;
        assert_eq!(filtered.len(), expected, "{stage}");
    }
}

#[tokio::test]
async fn a_namespaces_frozen_clock_moves_its_days_answers_and_the_default_namespace_stays_put() {
    let app = spawn_app_with_seed(two_workspaces()).await;
    let (status, _) = app
        .send(
            Method::PUT,
            "/__admin/clock?namespace=tomorrow",
            &[],
            Some(&json!({"now": "2026-01-16T12:00:00Z"})),
        )
        .await;
    assert_eq!(status, 200);
    let in_namespace = |namespace: &'static str| {
        [
            ("x-api-key", "key_a"),
            ("x-understudy-namespace", namespace),
        ]
    };
    let days = async |namespace: &'static str| {
        let (status, body) = app
            .get(&format!("{CONTACTS}?days=7"), &in_namespace(namespace))
            .await;
        assert_eq!(status, 200, "{body}");
        body.as_array()
            .expect("array")
            .iter()
            .map(|contact| contact["id"].as_str().expect("id").to_owned())
            .collect::<Vec<_>>()
    };
    // A day later, c1's last message (exactly 7 days before the default clock) is 8 days old.
    assert_eq!(days("tomorrow").await, ids(&[3]));
    assert_eq!(days("default").await, ids(&[3, 1]));
    assert_eq!(listed(&app, "days=7", "key_a").await, ids(&[3, 1]));
    assert_eq!(
        days("another").await,
        ids(&[3, 1]),
        "it follows the default clock"
    );
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/__admin/openapi/vambe.yaml", &[], None)
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(text.starts_with("openapi: 3.1"));
    assert!(text.contains("/api/public/contacts"));
}

#[test]
fn a_bad_seed_names_the_json_path_and_the_problem() {
    let with_contact = |contact: Value| {
        json!({"vambe": {"workspaces": [{"api_key": "k",
            "pipelines": [{"id": SALES, "name": "Sales", "stages": [{"id": STAGE_NEW, "name": "New"}]}],
            "contacts": [{"name": "ok"}, contact]}]}})
    };
    let error = seed_error(with_contact(json!({"platform": "tiktok"})));
    assert!(
        error.contains("vambe.workspaces[0].contacts[1].platform") && error.contains("tiktok"),
        "{error}"
    );
    let error = seed_error(with_contact(json!({"chat_status": "OPEN"})));
    assert!(error.contains("contacts[1].chat_status"), "{error}");
    let error = seed_error(with_contact(
        json!({"active_ticket_v2": {"current_stage_id": STAGE_OPEN}}),
    ));
    assert!(
        error.contains("contacts[1].active_ticket_v2.current_stage_id")
            && error.contains("no stage"),
        "{error}"
    );
    let error = seed_error(with_contact(json!({"default_stage_id": STAGE_OPEN})));
    assert_eq!(
        error,
        format!(
            "seed: test seed: vambe.workspaces[0].contacts[1].default_stage_id: no stage `{STAGE_OPEN}` in this workspace's pipelines"
        )
    );
    let error = seed_error(with_contact(json!({"default_stage_id": "first"})));
    assert_eq!(
        error,
        "seed: test seed: vambe.workspaces[0].contacts[1].default_stage_id: `first` is not a UUID (the vendor's pattern)"
    );
    let error = seed_error(json!({"vambe": {"workspaces": [{"api_key": "k",
        "pipelines": [{"name": "Sales", "description": 3}]}]}}));
    assert!(
        error.starts_with("seed: test seed: vambe.workspaces[0].pipelines[0].description: "),
        "{error}"
    );
    let error = seed_error(with_contact(json!({"id": "42"})));
    assert!(
        error.contains("contacts[1].id") && error.contains("UUID"),
        "{error}"
    );
    let error = seed_error(with_contact(json!({"custom_fields": {"tags": ["a"]}})));
    assert!(error.contains("contacts[1].custom_fields.tags"), "{error}");
    let error = seed_error(json!({"vambe": {"workspaces": [{"api_key": "k"}, {"api_key": "k"}]}}));
    assert!(
        error.contains("workspaces[1].api_key") && error.contains("duplicate"),
        "{error}"
    );
}
