//! AgentClara's seven operations (seed 001, "Contacts Endpoint"). Every handler takes the
//! [`Account`] first, so the credential check (and the rate limit) comes before any validation.

use axum::Json;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AgentClara;
use super::auth::Account;
use super::{Error, Result};
use super::models::{
    Contact, ContactChanges, ConversationsParams, Envelope, ListParams, NewContact, SearchParams,
};
use super::queries;
use crate::contract::Failure;
use crate::http::body::JsonBody;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::kit::{RecordId, Tenant};

type ContactId = RecordId<AgentClara>;

/// `listContacts`, `GET /contacts`: a page of the account's contacts, filtered and sorted.
pub async fn list_contacts(account: Tenant<Account>, query: QueryPairs) -> Result<JsonBytes> {
    let params = ListParams::try_from(&query)?;
    account
        .answer_found(params, |conn, account, params| {
            queries::list_contacts(conn, account.id, params).map(Envelope::new)
        })
        .await
}

/// `searchContacts`, `GET /contacts/search`: contacts whose name or email contains `q`.
pub async fn search_contacts(account: Tenant<Account>, query: QueryPairs) -> Result<JsonBytes> {
    let params = SearchParams::try_from(&query)?;
    account
        .answer_found(params, |conn, account, params| {
            queries::search_contacts(conn, account.id, params).map(Envelope::new)
        })
        .await
}

/// `getContact`, `GET /contacts/{contact_id}`: one contact in full.
pub async fn get_contact(
    account: Tenant<Account>,
    ContactId { id, .. }: ContactId,
) -> Result<JsonBytes> {
    account
        .answer(GetContact(id), |conn, account, GetContact(id)| {
            queries::get_contact(conn, account.id, id).map(|found| found.map(Envelope::new))
        })
        .await
}

/// The parsed request of `getContact`.
#[derive(Clone, PartialEq, Eq, Hash)]
struct GetContact(String);

/// `createContact`, `POST /contacts`: 201 with the new contact.
pub async fn create_contact(
    account: Tenant<Account>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<(StatusCode, Json<Envelope<Contact>>)> {
    let contact = NewContact::try_from(body)?;
    let now = account.now();
    let id = account.id;
    let created = account
        .db
        .run(move |conn| queries::create_contact(conn, id, &contact, now))
        .await?;
    Ok((StatusCode::CREATED, Json(Envelope::new(created))))
}

/// `updateContact` / `patchContact`, `PUT`/`PATCH /contacts/{contact_id}`: the given fields
/// replaced, `updated_at` bumped.
pub async fn update_contact(
    account: Tenant<Account>,
    ContactId { id, .. }: ContactId,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<Json<Envelope<Contact>>> {
    let changes = ContactChanges::try_from(body)?;
    let now = account.now();
    let account_id = account.id;
    let updated = account
        .db
        .run(move |conn| queries::update_contact(conn, account_id, &id, &changes, now))
        .await?
        .ok_or(Failure::UnknownRecord)?;
    Ok(Json(Envelope::new(updated)))
}

/// `deleteContact`, `DELETE /contacts/{contact_id}`: `{"success":true}`.
pub async fn delete_contact(
    account: Tenant<Account>,
    ContactId { id, .. }: ContactId,
) -> Result<Json<Value>> {
    let account_id = account.id;
    let deleted = account
        .db
        .run(move |conn| queries::delete_contact(conn, account_id, &id))
        .await?;
    if !deleted {
        return Err(Failure::UnknownRecord.into());
    }
    Ok(Json(json!({ "success": true })))
}

/// `listContactConversations`, `GET /contacts/{contact_id}/conversations`: newest first.
pub async fn list_conversations(
    account: Tenant<Account>,
    ContactId { id, .. }: ContactId,
    query: QueryPairs,
) -> Result<JsonBytes> {
    let params = ConversationsParams::try_from(&query)?;
    account
        .answer((id, params), |conn, account, (id, params)| {
            queries::list_conversations(conn, account.id, id, params)
                .map(|found| found.map(Envelope::new))
        })
        .await
}
