//! The frame every vendor shares, table-driven over all five: a body that is not JSON, one
//! declared as something else, one over 1 MiB (declared or chunked), a broken chunked body, and
//! a path id that does not decode are answered alike — the same status — each in the vendor's
//! own body shape and words.

mod common;

use std::time::Duration;

use common::{TestApp, spawn_app};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One vendor's body-taking (or, lacking one, listing) request, an id path, and its words.
struct Vendor {
    slug: &'static str,
    method: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    unknown_id_path: &'static str,
    body: fn(u16, &str) -> Value,
    malformed: &'static str,
    wrong_type: &'static str,
    too_large: &'static str,
    unreadable: &'static str,
    unknown_id: &'static str,
}

fn success_false(_status: u16, message: &str) -> Value {
    json!({"success": false, "error": message})
}

fn data_null(_status: u16, message: &str) -> Value {
    json!({"data": null, "error": {"message": message}})
}

fn plain(_status: u16, message: &str) -> Value {
    json!({"error": message})
}

fn nest(status: u16, message: &str) -> Value {
    if status == 400 {
        json!({"statusCode": 400, "message": "Validation failed",
               "errors": [{"field": "body", "message": message}]})
    } else {
        json!({"statusCode": status, "message": message})
    }
}

const VENDORS: [Vendor; 5] = [
    Vendor {
        slug: "tailortalk",
        method: "POST",
        path: "/tailortalk/api/v1/get_contacts",
        headers: &[("Authorization", "Agent tt_agent_5f2c9a7e41d86b03")],
        unknown_id_path: "/tailortalk/api/v1/get_contacts/%FF",
        body: success_false,
        malformed: "Request body is not valid JSON",
        wrong_type: "Content-Type must be application/json",
        too_large: "Request body is too large",
        unreadable: "Request body could not be read",
        unknown_id: "Not found",
    },
    Vendor {
        slug: "agentclara",
        method: "POST",
        path: "/agentclara/contacts",
        headers: &[("Authorization", "Bearer sk_test_bistro_4f8a2c9e71d3")],
        unknown_id_path: "/agentclara/contacts/%FF%FE",
        body: success_false,
        malformed: "Request body is not valid JSON",
        wrong_type: "Content-Type must be application/json",
        too_large: "Request body is too large (max 1 MiB)",
        unreadable: "Request body could not be read",
        unknown_id: "Contact not found",
    },
    Vendor {
        slug: "thoughtly",
        method: "POST",
        path: "/thoughtly/contact/create",
        headers: &[
            ("x-api-token", "c8e1f0b2a94d47e6b3d5a1f07c2e9b48"),
            ("team_id", "65f1c0a2e4b0d93a7c1e5f21"),
        ],
        unknown_id_path: "/thoughtly/contact/%FF%FE",
        body: data_null,
        malformed: "Malformed JSON body",
        wrong_type: "Content-Type must be application/json",
        too_large: "Request body is larger than 1 MiB",
        unreadable: "Request body could not be read",
        unknown_id: "Contact not found",
    },
    Vendor {
        slug: "autokonnect",
        method: "GET",
        path: "/autokonnect/api/v1/contacts",
        headers: &[("Authorization", "Bearer ak_live_northwind_4f9c2e7a")],
        unknown_id_path: "/autokonnect/api/v1/contacts/%FF%FE",
        body: plain,
        malformed: "Request body is not valid JSON",
        wrong_type: "Content-Type must be application/json",
        too_large: "Request body is too large",
        unreadable: "Request body could not be read",
        unknown_id: "Not found",
    },
    Vendor {
        slug: "vambe",
        method: "GET",
        path: "/vambe/api/public/contacts?days=30",
        headers: &[("x-api-key", "vk_live_andes_7c41e9b2d05a")],
        unknown_id_path: "/vambe/api/public/contacts/%FF%FE",
        body: nest,
        malformed: "Request body is not valid JSON",
        wrong_type: "Content-Type must be application/json",
        too_large: "Payload Too Large",
        unreadable: "Request body could not be read",
        unknown_id: "Not Found",
    },
];

/// Sends `head` (a request line and headers, no blank line) then `body`, reading the answer
/// while still writing, so a server that answers early never leaves the writer stuck.
async fn raw(app: &TestApp, vendor: &Vendor, extra: &str, body: Vec<u8>) -> (u16, Value) {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
        vendor.method, vendor.path
    );
    for (name, value) in vendor.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(extra);
    head.push_str("\r\n");
    let stream = TcpStream::connect(app.address).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    // The writer is handed back and kept open: a client that half-closes after its request
    // may see the connection closed before the answer.
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut answer))
        .await
        .expect("answered within 10 s")
        .ok();
    writing.abort();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{}: no status in {text:?}", vendor.slug));
    let json = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(json).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_vendor_answers_a_body_that_is_not_json_with_its_own_400() {
    let app = spawn_app().await;
    for vendor in &VENDORS {
        let answer = raw(
            &app,
            vendor,
            "Content-Type: application/json\r\nContent-Length: 1\r\n",
            b"{".to_vec(),
        )
        .await;
        assert_eq!(
            answer,
            (400, (vendor.body)(400, vendor.malformed)),
            "{}",
            vendor.slug
        );
    }
}

#[tokio::test]
async fn every_vendor_answers_a_body_of_another_content_type_with_its_own_400() {
    let app = spawn_app().await;
    for vendor in &VENDORS {
        let answer = raw(
            &app,
            vendor,
            "Content-Type: text/plain\r\nContent-Length: 2\r\n",
            b"{}".to_vec(),
        )
        .await;
        assert_eq!(
            answer,
            (400, (vendor.body)(400, vendor.wrong_type)),
            "{}",
            vendor.slug
        );
    }
}

#[tokio::test]
async fn every_vendor_answers_a_declared_body_over_one_mebibyte_with_its_own_413() {
    let app = spawn_app().await;
    let size = 2 * 1024 * 1024;
    for vendor in &VENDORS {
        let answer = raw(
            &app,
            vendor,
            &format!("Content-Type: application/json\r\nContent-Length: {size}\r\n"),
            vec![b' '; size],
        )
        .await;
        assert_eq!(
            answer,
            (413, (vendor.body)(413, vendor.too_large)),
            "{}",
            vendor.slug
        );
    }
}

#[tokio::test]
async fn every_vendor_answers_a_chunked_body_over_one_mebibyte_with_its_own_413() {
    let app = spawn_app().await;
    let mut chunked = Vec::new();
    for _ in 0..32 {
        chunked.extend_from_slice(b"10000\r\n");
        chunked.extend(std::iter::repeat_n(b' ', 0x10000));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for vendor in &VENDORS {
        let answer = raw(
            &app,
            vendor,
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            chunked.clone(),
        )
        .await;
        assert_eq!(
            answer,
            (413, (vendor.body)(413, vendor.too_large)),
            "{}",
            vendor.slug
        );
    }
}

#[tokio::test]
async fn every_vendor_answers_a_broken_chunked_body_with_its_own_400() {
    let app = spawn_app().await;
    for vendor in &VENDORS {
        let answer = raw(
            &app,
            vendor,
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            b"ZZ\r\n{}\r\n0\r\n\r\n".to_vec(),
        )
        .await;
        assert_eq!(
            answer,
            (400, (vendor.body)(400, vendor.unreadable)),
            "{}",
            vendor.slug
        );
    }
}

#[tokio::test]
async fn every_vendor_answers_a_path_id_that_does_not_decode_with_its_own_404() {
    let app = spawn_app().await;
    for vendor in &VENDORS {
        let method = if vendor.slug == "thoughtly" {
            "DELETE"
        } else {
            "GET"
        };
        let response = app
            .request(
                method.parse().expect("method"),
                vendor.unknown_id_path,
                vendor.headers,
                None,
            )
            .await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            (status, body),
            (404, (vendor.body)(404, vendor.unknown_id)),
            "{}",
            vendor.slug
        );
    }
}
