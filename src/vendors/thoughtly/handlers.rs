//! Thoughtly's contact operations (seed 002, "GET /contact"; create, get, delete and call as
//! the vendor's API reference and public clients have them).

use axum::Json;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::Thoughtly;
use super::auth::Team;
use super::{Error, Result};
use super::error::CONTACT_HAS_NO_PHONE;
use super::models::{Call, Contact, Envelope, ListParams, NewCall, NewContact, QUEUED};
use super::queries::{self, StoredCall, StoredContact};
use crate::contract::Failure;
use crate::http::body::JsonBody;
use crate::http::cache::JsonBytes;
use crate::http::query::QueryPairs;
use crate::kit::{RecordId, Tenant};
use crate::seed::fakes;

/// `GET /contact`: the team's contacts, filtered, sorted and paged (0-based).
pub async fn list_contacts(team: Tenant<Team>, query: QueryPairs) -> Result<JsonBytes> {
    let params = ListParams::try_from(&query)?;
    team.answer_found(params, |conn, team, params| {
        queries::contacts_page(conn, team.id, params).map(Envelope::ok)
    })
    .await
}

/// `POST /contact/create`: a new contact, timestamped by the server's clock, listed at once.
pub async fn create_contact(
    team: Tenant<Team>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<Json<Envelope<Contact>>> {
    let new = NewContact::try_from(body)?;
    let now = team.now();
    let team_id = team.id;
    let mut rng = StdRng::from_rng(&mut rand::rng());
    let created = team
        .db
        .run(move |conn| {
            let tx = conn.savepoint()?;
            let id = loop {
                let id = fakes::uuid_v4(&mut rng);
                if !queries::contact_exists(&tx, team_id, &id)? {
                    break id;
                }
            };
            queries::insert_contact(
                &tx,
                team_id,
                &StoredContact {
                    id: &id,
                    name: new.name.as_deref(),
                    phone_number: Some(&new.phone_number),
                    email: new.email.as_deref(),
                    country_code: new.country_code.as_deref(),
                    tags: &new.tags,
                    attributes: &new.attributes,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            queries::index_created(&tx, team_id, &id)?;
            let created = queries::contact(&tx, team_id, &id)?;
            tx.commit()?;
            Ok(created)
        })
        .await?;
    // The row was written in the same transaction, so it is there to read back.
    created
        .map(|contact| Json(Envelope::ok(contact)))
        .ok_or_else(|| Failure::UnknownRecord.into())
}

/// `DELETE /contact/{contact_id}`: removes the team's contact and answers it as it was.
pub async fn delete_contact(
    team: Tenant<Team>,
    RecordId { id, .. }: RecordId<Thoughtly>,
) -> Result<Json<Envelope<Contact>>> {
    let team_id = team.id;
    let deleted = team
        .db
        .run(move |conn| queries::delete_contact(conn, team_id, &id))
        .await?;
    deleted
        .map(|contact| Json(Envelope::ok(contact)))
        .ok_or_else(|| Failure::UnknownRecord.into())
}

/// `GET /contact/{contact_id}`: the team's contact, as the list renders it.
pub async fn get_contact(
    team: Tenant<Team>,
    RecordId { id, .. }: RecordId<Thoughtly>,
) -> Result<JsonBytes> {
    team.answer(GetContact(id), |conn, team, GetContact(id)| {
        queries::contact(conn, team.id, id).map(|found| found.map(Envelope::ok))
    })
    .await
}

/// The parsed request of `GET /contact/{contact_id}`.
#[derive(Clone, PartialEq, Eq, Hash)]
struct GetContact(String);

/// `POST /contact/call`: queues a call to the team's contact with an agent. Nothing is ever
/// dialled: the call is stored (the team's newest calls are kept) and answered `QUEUED`, and the
/// journal shows the request.
pub async fn call_contact(
    team: Tenant<Team>,
    JsonBody(body, _): JsonBody<Error>,
) -> Result<Json<Envelope<Call>>> {
    let new = NewCall::try_from(body)?;
    let now = team.now();
    let team_id = team.id;
    let mut rng = StdRng::from_rng(&mut rand::rng());
    let placed = team
        .db
        .run(move |conn| {
            let phone = match queries::contact_phone(conn, team_id, &new.contact_id)? {
                None => return Ok(Placed::UnknownContact),
                Some(phone) => phone.filter(|phone| !phone.trim().is_empty()),
            };
            let Some(phone) = phone else {
                return Ok(Placed::NoPhoneNumber);
            };
            let id = queries::fresh_call_id(conn, &mut rng, now)?;
            queries::insert_call(
                conn,
                team_id,
                &StoredCall {
                    id: &id,
                    contact_id: &new.contact_id,
                    interview_id: &new.interview_id,
                    phone_number: Some(&phone),
                    status: QUEUED,
                    metadata: &new.metadata,
                    created_at: now,
                },
            )?;
            queries::forget_old_calls(conn, team_id)?;
            Ok(queries::call(conn, team_id, &id)?.map_or(Placed::UnknownContact, Placed::Call))
        })
        .await?;
    match placed {
        Placed::Call(call) => Ok(Json(Envelope::ok(call))),
        Placed::UnknownContact => Err(Failure::UnknownRecord.into()),
        Placed::NoPhoneNumber => Err(Error::invalid(CONTACT_HAS_NO_PHONE)),
    }
}

/// What placing a call came to.
enum Placed {
    Call(Call),
    UnknownContact,
    NoPhoneNumber,
}
