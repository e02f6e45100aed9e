//! TailorTalk's one operation (seed 000, "Get Contacts API").

use axum::response::Response;

use super::auth::Agent;
use super::error::Error;
use super::models::GetContactsParams;
use super::queries;
use crate::http::body::JsonBody;

/// `POST /api/v1/get_contacts` (also `GET` with the same body): one page of the agent's
/// contacts, newest first, older than `start_after`, in the agent's envelope.
pub async fn get_contacts(
    agent: Agent,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<Response, Error> {
    let params = GetContactsParams::try_from(body)?;
    let Agent { id, envelope, db } = agent;
    let page = db
        .run(move |conn| queries::contacts_page(conn, id, &params))
        .await?;
    Ok(envelope.render(page))
}
