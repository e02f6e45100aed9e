//! No input crashes the server or gets a 500: malformed headers, absurd parameters, bad UTF-8,
//! oversized bodies. After each, the server still answers.

mod common;

use common::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::json;

const KEY: (&str, &str) = ("Authorization", "Bearer ak_live_northwind_4f9c2e7a");
const CONTACTS: &str = "/autokonnect/api/v1/contacts";

async fn still_healthy(app: &TestApp) {
    assert_eq!(app.get("/__admin/health", &[]).await.0, 200);
    assert_eq!(app.get(CONTACTS, &[KEY]).await.0, 200);
}

fn status_of(raw_answer: &str) -> u16 {
    raw_answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw_answer:?}"))
}

#[tokio::test]
async fn malformed_headers_get_a_4xx_never_a_crash() {
    let app = spawn_app().await;
    let requests: [&[u8]; 5] = [
        b"GET /autokonnect/api/v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x01\x7f\xff\r\nConnection: close\r\n\r\n",
        b"GET /autokonnect/api/v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization Bearer k\r\nConnection: close\r\n\r\n",
        b"GET /autokonnect/api/v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: \xc3\xa9\xc3\xa9\r\nConnection: close\r\n\r\n",
        b"GET /autokonnect/api/v1/contacts HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\nConnection: close\r\n\r\n",
        b"GARBAGE\r\n\r\n",
    ];
    for raw in requests {
        let answer = app.send_raw(raw).await;
        let status = status_of(&answer);
        assert!(
            (400..500).contains(&status),
            "{status} for {:?}",
            String::from_utf8_lossy(raw)
        );
    }
    still_healthy(&app).await;
}

#[tokio::test]
async fn bad_utf8_in_the_query_is_answered_normally() {
    let app = spawn_app().await;
    let answer = app
        .send_raw(b"GET /autokonnect/api/v1/contacts?search=%FF%FE%C3&page=%80 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ak_live_northwind_4f9c2e7a\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(answer.contains("\"totalRecords\":0"), "{answer}");
    let answer = app
        .send_raw(b"GET /autokonnect/api/v1/contacts?search=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await;
    assert!((400..500).contains(&status_of(&answer)), "{answer}");
    still_healthy(&app).await;
}

#[tokio::test]
async fn huge_and_non_numeric_parameters_are_answered_normally() {
    let app = spawn_app().await;
    let long_search = "x".repeat(30_000);
    for query in [
        "page=1e999&limit=NaN".to_owned(),
        "page=340282366920938463463374607431768211456&limit=-0".to_owned(),
        "page=18446744073709551615&limit=18446744073709551615".to_owned(),
        "limit=9223372036854775807&page=9223372036854775807".to_owned(),
        format!("search={long_search}"),
        "search=%00%27%22;DROP%20TABLE%20autokonnect_contacts;--".to_owned(),
    ] {
        let (status, body) = app.get(&format!("{CONTACTS}?{query}"), &[KEY]).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert!(body["data"].is_array());
    }
    still_healthy(&app).await;
}

#[tokio::test]
async fn a_two_mebibyte_body_never_crashes_the_server() {
    let app = spawn_app().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let response = app
        .client
        .get(app.url(CONTACTS))
        .header(KEY.0, KEY.1)
        .body(big.clone())
        .send()
        .await
        .expect("send");
    assert!(
        response.status().is_success() || response.status() == 413,
        "{}",
        response.status()
    );
    let response = app
        .client
        .post(app.url("/__admin/seed"))
        .header("content-type", "application/json")
        .body(format!("{{\"pad\": \"{big}\"}}"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.json::<serde_json::Value>().await.expect("json"),
        json!({"error": "Request body is larger than 1 MiB"})
    );
    let (status, _) = app
        .send(
            Method::POST,
            "/__admin/seed",
            &[],
            Some(&json!("not an object")),
        )
        .await;
    assert_eq!(status, 400);
    still_healthy(&app).await;
}
