//! Every operation in every OpenAPI document is routed by the mock.

mod common;

use common::spawn_app;
use reqwest::Method;

/// `(method, path)` of each operation in a document. The documents keep one layout (paths at
/// two spaces, methods at four), which this reads without a YAML parser.
fn operations(document: &str) -> Vec<(Method, String)> {
    let mut operations = Vec::new();
    let mut in_paths = false;
    let mut path = None;
    for line in document.lines().filter(|line| !line.trim().is_empty()) {
        if !line.starts_with(' ') {
            in_paths = line == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(found) = line
            .strip_prefix("  /")
            .and_then(|rest| rest.strip_suffix(':'))
        {
            path = Some(format!("/{found}"));
            continue;
        }
        let method = line
            .strip_prefix("    ")
            .and_then(|l| l.strip_suffix(':'))
            .and_then(|m| m.to_uppercase().parse::<Method>().ok())
            .filter(|m| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m.as_str()));
        if let (Some(method), Some(path)) = (method, &path) {
            operations.push((method, path.clone()));
        }
    }
    operations
}

/// A concrete path for a template: each `{param}` becomes a plausible value.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "some-id"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_asks_for_credentials() {
    let app = spawn_app().await;
    for vendor in understudy::vendors::ALL {
        let documented = operations(vendor.openapi);
        assert!(!documented.is_empty(), "{}: no operation read", vendor.slug);
        let operation_ids = vendor.openapi.matches("\n      operationId:").count();
        assert_eq!(
            documented.len(),
            operation_ids,
            "{}: every operation read",
            vendor.slug
        );
        for (method, template) in documented {
            let path = format!("/{}{}", vendor.slug, concrete(&template));
            let (status, body) = app.send(method.clone(), &path, &[], None).await;
            assert_eq!(
                status, 401,
                "{method} {path} (documented as {template}) answered {body}"
            );
        }
    }
}

/// The admin API's answer to a path or method it does not route.
fn is_unrouted(status: u16, body: &serde_json::Value) -> bool {
    status == 405 || *body == serde_json::json!({"error": "not found"})
}

#[tokio::test]
async fn every_documented_admin_operation_is_routed() {
    let app = spawn_app().await;
    let document = understudy::admin::OPENAPI;
    let documented = operations(document);
    assert_eq!(
        documented.len(),
        document.matches("\n      operationId:").count(),
        "every operation read"
    );
    for (method, template) in documented {
        let path = format!("/__admin{}", concrete(&template));
        let (status, body) = app.send(method.clone(), &path, &[], None).await;
        assert!(
            !is_unrouted(status, &body),
            "{method} {path} (documented as {template}) answered {status} {body}"
        );
    }
    // The check itself tells an unrouted path and method apart.
    let (status, body) = app.get("/__admin/nothing-here", &[]).await;
    assert!(is_unrouted(status, &body), "{status} {body}");
    let (status, body) = app.send(Method::PATCH, "/__admin/health", &[], None).await;
    assert!(is_unrouted(status, &body), "{status} {body}");
}

#[test]
fn every_admin_route_is_documented() {
    let source = include_str!("../src/admin/mod.rs");
    let documented: Vec<String> = operations(understudy::admin::OPENAPI)
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    let mut routed = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let path = rest
            .trim_start()
            .strip_prefix('"')
            .and_then(|quoted| quoted.split_once('"'))
            .map(|(path, _)| path.to_owned())
            .expect("a route's path is a string literal");
        routed.push(path);
    }
    assert!(routed.len() >= 10, "{routed:?}");
    for path in routed {
        assert!(
            documented.contains(&path),
            "{path} is routed but not documented"
        );
    }
}

#[tokio::test]
async fn the_admin_document_is_served_as_kept_less_the_token_it_does_not_need() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/__admin/openapi.yaml", &[], None)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/yaml");
    let served = response.text().await.expect("text");
    assert_eq!(served, understudy::admin::openapi_document(false));
    assert!(served.contains("\nsecurity: []\n"));
}

#[test]
fn the_layout_reader_finds_operations() {
    let document = "openapi: 3.1.0\npaths:\n  /a/{id}:\n    parameters: []\n    get:\n      x: 1\n    delete:\n      x: 1\ncomponents:\n  /not: 1\n";
    assert_eq!(
        operations(document),
        [
            (Method::GET, "/a/{id}".to_owned()),
            (Method::DELETE, "/a/{id}".to_owned())
        ]
    );
}
