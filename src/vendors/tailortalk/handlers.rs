//! TailorTalk's one operation (seed 000, "Get Contacts API").

use super::auth::Agent;
use super::error::Error;
use super::models::GetContactsParams;
use super::queries;
use crate::http::body::JsonBody;
use crate::http::cache::JsonBytes;
use crate::kit::Tenant;

/// `POST /api/v1/get_contacts` (also `GET` with the same body): one page of the agent's
/// contacts, newest first, older than `start_after`, in the agent's envelope.
pub async fn get_contacts(
    agent: Tenant<Agent>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<JsonBytes, Error> {
    let params = GetContactsParams::try_from(body)?;
    agent
        .answer_found(params, |conn, agent, params| {
            queries::contacts_page(conn, agent.id, params).map(|page| agent.envelope.wrap(page))
        })
        .await
}
