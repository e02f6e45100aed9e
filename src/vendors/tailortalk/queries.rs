//! TailorTalk's tables and the query behind `get_contacts`.

use rusqlite::types::Type;
use rusqlite::{Connection, Row, params};
use serde_json::{Map, Value};

use super::models::{Contact, ContactPage, GetContactsParams};
use crate::time::Millis;

// `id` is internal only: the wire has no contact id, but ties on `created_at` need a stable
// order. Custom attributes are one JSON object per contact (scalars only, checked by the seed):
// they are only ever read whole, never filtered on.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tailortalk_agents (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    envelope TEXT NOT NULL DEFAULT 'documented' CHECK (envelope IN ('documented', 'wrapped'))
);
CREATE TABLE IF NOT EXISTS tailortalk_contacts (
    id INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES tailortalk_agents(id),
    name TEXT,
    phone_number TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    custom_attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS tailortalk_contacts_newest
    ON tailortalk_contacts (agent_id, created_at DESC, id DESC);
";

/// One page of the agent's contacts created strictly before the cursor, newest first
/// (ties: id descending).
pub fn contacts_page(
    conn: &Connection,
    agent: i64,
    params: &GetContactsParams,
) -> rusqlite::Result<ContactPage> {
    // No cursor is the far future, so one index range scan serves both cases.
    let before = params.start_after.map_or(i64::MAX, |at| at.0);
    let contacts = conn
        .prepare_cached(
            "SELECT name, phone_number, created_at, updated_at, custom_attributes
             FROM tailortalk_contacts
             WHERE agent_id = ?1 AND created_at < ?2
             ORDER BY created_at DESC, id DESC
             LIMIT ?3",
        )?
        .query_map(params![agent, before, params.limit.get()], contact_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ContactPage::new(contacts))
}

fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Contact> {
    let attributes: String = row.get(4)?;
    let attributes: Map<String, Value> = serde_json::from_str(&attributes).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(4, Type::Text, Box::new(error))
    })?;
    Ok(Contact::new(
        row.get(0)?,
        row.get(1)?,
        Millis(row.get(2)?),
        Millis(row.get(3)?),
        attributes,
    ))
}
