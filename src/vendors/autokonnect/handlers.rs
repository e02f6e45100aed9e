//! AutoKonnect's two operations (seed 003, "Contacts API Documentation").

use super::auth::Company;
use super::Result;
use super::models::ListParams;
use super::queries;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::kit::Tenant;

/// Which list a request asks for: both take the same parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum List {
    Contacts,
    Tags,
}

/// `GET /api/v1/contacts`: the company's contacts, newest first, searchable.
pub async fn list_contacts(
    company: Tenant<Company>,
    query: QueryPairs,
) -> Result<JsonBytes> {
    let params = ListParams::from(&query);
    company
        .answer_found((List::Contacts, params), |conn, company, (_, params)| {
            queries::contacts_page(conn, company.id, params)
        })
        .await
}

/// `GET /api/v1/contacts/tags`: the company's tags with `_count.contact_tag`, name A→Z.
pub async fn list_tags(company: Tenant<Company>, query: QueryPairs) -> Result<JsonBytes> {
    let params = ListParams::from(&query);
    company
        .answer_found((List::Tags, params), |conn, company, (_, params)| {
            queries::tags_page(conn, company.id, params)
        })
        .await
}
