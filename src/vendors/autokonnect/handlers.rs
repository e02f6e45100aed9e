//! AutoKonnect's two operations (seed 003, "Contacts API Documentation").

use axum::extract::State;

use super::auth::Company;
use super::error::Error;
use super::models::ListParams;
use super::queries;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::state::AppState;

/// `GET /api/v1/contacts`: the company's contacts, newest first, searchable.
pub async fn list_contacts(
    company: Company,
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<JsonBytes, Error> {
    let params = ListParams::from(&query);
    let request = format!("autokonnect:contacts:{}:{params:?}", company.id);
    let page = state
        .answers()
        .json(&company.db, request, move |conn| {
            queries::contacts_page(conn, company.id, &params)
        })
        .await?;
    Ok(page)
}

/// `GET /api/v1/contacts/tags`: the company's tags with `_count.contact_tag`, name A→Z.
pub async fn list_tags(
    company: Company,
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<JsonBytes, Error> {
    let params = ListParams::from(&query);
    let request = format!("autokonnect:tags:{}:{params:?}", company.id);
    let page = state
        .answers()
        .json(&company.db, request, move |conn| {
            queries::tags_page(conn, company.id, &params)
        })
        .await?;
    Ok(page)
}
