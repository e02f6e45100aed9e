//! TailorTalk's operations: `get_contacts` (seed 000, "Get Contacts API"), and `get_leads` and
//! `mark_converted` (the vendor's API reference, beside it).

use axum::Json;

use super::auth::Agent;
use super::{Error, Result};
use super::models::{
    CONVERTED_MESSAGE, Converted, GetContactsParams, GetLeadsParams, MarkConverted, Wrapped,
};
use super::queries;
use crate::http::body::JsonBody;
use crate::http::cache::JsonBytes;
use crate::kit::Tenant;

/// `POST /api/v1/get_contacts` (also `GET` with the same body): one page of the agent's
/// contacts, newest first, older than `start_after`, in the agent's envelope.
pub async fn get_contacts(
    agent: Tenant<Agent>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<JsonBytes> {
    let params = GetContactsParams::try_from(body)?;
    agent
        .answer_found(params, |conn, agent, params| {
            queries::contacts_page(conn, agent.id, params).map(|page| agent.envelope.wrap(page))
        })
        .await
}

/// `POST /api/v1/get_leads` (also `GET` with the same body): one page of the agent's leads,
/// most recent message first, older than `start_after`, of one `lead_status` when asked;
/// always in the `{"data":…,"success":true}` envelope.
pub async fn get_leads(
    agent: Tenant<Agent>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<JsonBytes> {
    let params = GetLeadsParams::try_from(body)?;
    agent
        .answer_found(params, |conn, agent, params| {
            queries::leads_page(conn, agent.id, params).map(Wrapped::new)
        })
        .await
}

/// `POST /api/v1/mark_converted`: the agent's leads whose contact is listed become
/// `converted`; contacts without a lead are skipped.
pub async fn mark_converted(
    agent: Tenant<Agent>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<Json<Wrapped<Converted>>> {
    let MarkConverted { contact_ids } = MarkConverted::try_from(body)?;
    let agent_id = agent.id;
    let updated_count = agent
        .db
        .run(move |conn| queries::mark_converted(conn, agent_id, &contact_ids))
        .await?;
    Ok(Json(Wrapped::new(Converted {
        message: CONVERTED_MESSAGE,
        updated_count,
    })))
}
