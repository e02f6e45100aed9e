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
