//! AutoKonnect's two operations (seed 003, "Contacts API Documentation").

use axum::Json;

use super::auth::Company;
use super::error::Error;
use super::models::{Contact, ListParams, Page, Tag};
use super::queries;
use crate::http::query::QueryPairs;

/// `GET /api/v1/contacts`: the company's contacts, newest first, searchable.
pub async fn list_contacts(
    company: Company,
    query: QueryPairs,
) -> Result<Json<Page<Contact>>, Error> {
    let params = ListParams::from(&query);
    let page = company
        .db
        .run(move |conn| queries::contacts_page(conn, company.id, &params))
        .await?;
    Ok(Json(page))
}

/// `GET /api/v1/contacts/tags`: the company's tags with `_count.contact_tag`, name A→Z.
pub async fn list_tags(company: Company, query: QueryPairs) -> Result<Json<Page<Tag>>, Error> {
    let params = ListParams::from(&query);
    let page = company
        .db
        .run(move |conn| queries::tags_page(conn, company.id, &params))
        .await?;
    Ok(Json(page))
}
