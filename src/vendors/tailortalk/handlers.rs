//! TailorTalk's one operation (seed 000, "Get Contacts API").

use axum::extract::State;

use super::auth::Agent;
use super::error::Error;
use super::models::GetContactsParams;
use super::queries;
use crate::http::body::JsonBody;
use crate::http::cache::JsonBytes;
use crate::state::AppState;

/// `POST /api/v1/get_contacts` (also `GET` with the same body): one page of the agent's
/// contacts, newest first, older than `start_after`, in the agent's envelope.
pub async fn get_contacts(
    agent: Agent,
    State(state): State<AppState>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<JsonBytes, Error> {
    let params = GetContactsParams::try_from(body)?;
    let Agent { id, envelope, db } = agent;
    let request = format!("tailortalk:contacts:{id}:{envelope:?}:{params:?}");
    let page = state
        .answers()
        .json(&db, request, move |conn| {
            queries::contacts_page(conn, id, &params).map(|page| envelope.wrap(page))
        })
        .await?;
    Ok(page)
}
