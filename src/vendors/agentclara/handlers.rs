//! AgentClara's seven operations (seed 001, "Contacts Endpoint"; CONTRACTS.md "agentclara").
//! Every handler takes [`Account`] first, so the credential check (and the rate limit) comes
//! before any validation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::auth::{Account, ContactId};
use super::error::{Error, Result};
use super::models::{
    Contact, ContactChanges, ConversationsParams, Envelope, ListParams, NewContact, SearchParams,
};
use super::queries;
use crate::http::body::JsonBody;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::state::AppState;

/// `listContacts`, `GET /contacts`: a page of the account's contacts, filtered and sorted.
pub async fn list_contacts(
    account: Account,
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<JsonBytes> {
    let params = ListParams::try_from(&query)?;
    let request = format!("agentclara:list:{}:{params:?}", account.id);
    let contacts = state
        .answers()
        .json(&account.db, request, move |conn| {
            queries::list_contacts(conn, account.id, &params).map(Envelope::new)
        })
        .await?;
    Ok(contacts)
}

/// `searchContacts`, `GET /contacts/search`: contacts whose name or email contains `q`.
pub async fn search_contacts(
    account: Account,
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<JsonBytes> {
    let params = SearchParams::try_from(&query)?;
    let request = format!("agentclara:search:{}:{params:?}", account.id);
    let contacts = state
        .answers()
        .json(&account.db, request, move |conn| {
            queries::search_contacts(conn, account.id, &params).map(Envelope::new)
        })
        .await?;
    Ok(contacts)
}

/// `getContact`, `GET /contacts/{contact_id}`: one contact in full.
pub async fn get_contact(
    account: Account,
    State(state): State<AppState>,
    ContactId(id): ContactId,
) -> Result<JsonBytes> {
    let request = format!("agentclara:get:{}:{id:?}", account.id);
    state
        .answers()
        .json_if_found(&account.db, request, move |conn| {
            queries::get_contact(conn, account.id, &id).map(|found| found.map(Envelope::new))
        })
        .await?
        .ok_or(Error::ContactNotFound)
}

/// `createContact`, `POST /contacts`: 201 with the new contact.
pub async fn create_contact(
    State(state): State<AppState>,
    account: Account,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<(StatusCode, Json<Envelope<Contact>>)> {
    let contact = NewContact::try_from(body)?;
    let now = state.clock().now();
    let created = account
        .db
        .run(move |conn| queries::create_contact(conn, account.id, &contact, now))
        .await?;
    Ok((StatusCode::CREATED, Json(Envelope::new(created))))
}

/// `updateContact` / `patchContact`, `PUT`/`PATCH /contacts/{contact_id}`: the given fields
/// replaced, `updated_at` bumped.
pub async fn update_contact(
    State(state): State<AppState>,
    account: Account,
    ContactId(id): ContactId,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<Json<Envelope<Contact>>> {
    let changes = ContactChanges::try_from(body)?;
    let now = state.clock().now();
    let updated = account
        .db
        .run(move |conn| queries::update_contact(conn, account.id, &id, &changes, now))
        .await?
        .ok_or(Error::ContactNotFound)?;
    Ok(Json(Envelope::new(updated)))
}

/// `deleteContact`, `DELETE /contacts/{contact_id}`: `{"success":true}`.
pub async fn delete_contact(account: Account, ContactId(id): ContactId) -> Result<Json<Value>> {
    let deleted = account
        .db
        .run(move |conn| queries::delete_contact(conn, account.id, &id))
        .await?;
    if !deleted {
        return Err(Error::ContactNotFound);
    }
    Ok(Json(json!({ "success": true })))
}

/// `listContactConversations`, `GET /contacts/{contact_id}/conversations`: newest first.
pub async fn list_conversations(
    account: Account,
    State(state): State<AppState>,
    ContactId(id): ContactId,
    query: QueryPairs,
) -> Result<JsonBytes> {
    let params = ConversationsParams::try_from(&query)?;
    let request = format!("agentclara:conversations:{}:{id:?}:{params:?}", account.id);
    state
        .answers()
        .json_if_found(&account.db, request, move |conn| {
            queries::list_conversations(conn, account.id, &id, &params)
                .map(|found| found.map(Envelope::new))
        })
        .await?
        .ok_or(Error::ContactNotFound)
}
