//! TailorTalk's tables and the queries behind `get_contacts`, `get_leads` and
//! `mark_converted`.

use rusqlite::types::Type;
use rusqlite::{Connection, Row, params};
use serde_json::{Map, Value};

use super::models::{
    CONVERTED, Contact, ContactPage, GetContactsParams, GetLeadsParams, Lead, LeadPage,
    render_time,
};
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
CREATE TABLE IF NOT EXISTS tailortalk_leads (
    row INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES tailortalk_agents(id),
    id TEXT NOT NULL,
    lead_name TEXT,
    lead_contact TEXT NOT NULL,
    lead_status TEXT NOT NULL,
    last_message_time INTEGER NOT NULL,
    joined INTEGER NOT NULL,
    total_followups INTEGER NOT NULL,
    integration TEXT NOT NULL,
    UNIQUE (agent_id, id)
);
CREATE INDEX IF NOT EXISTS tailortalk_leads_newest
    ON tailortalk_leads (agent_id, last_message_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS tailortalk_leads_by_status
    ON tailortalk_leads (agent_id, lead_status, last_message_time DESC, id DESC);
CREATE INDEX IF NOT EXISTS tailortalk_leads_by_contact
    ON tailortalk_leads (agent_id, lead_contact);
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

/// One page of the agent's leads whose last message is strictly before the cursor, newest
/// first (ties: id descending), of one status when asked.
pub fn leads_page(
    conn: &Connection,
    agent: i64,
    params: &GetLeadsParams,
) -> rusqlite::Result<LeadPage> {
    let before = params.start_after.map_or(i64::MAX, |at| at.0);
    let leads = conn
        .prepare_cached(
            "SELECT lead_name, lead_contact, lead_status, last_message_time, joined,
                    total_followups, integration, id
             FROM tailortalk_leads
             WHERE agent_id = ?1 AND last_message_time < ?2
               AND (?3 IS NULL OR lead_status = ?3)
             ORDER BY last_message_time DESC, id DESC
             LIMIT ?4",
        )?
        .query_map(
            params![agent, before, params.lead_status, params.limit.get()],
            |row| {
                Ok(Lead {
                    lead_name: row.get(0)?,
                    lead_contact: row.get(1)?,
                    lead_status: row.get(2)?,
                    last_message_time: render_time(Millis(row.get(3)?)),
                    joined: render_time(Millis(row.get(4)?)),
                    total_followups: row.get(5)?,
                    integration: row.get(6)?,
                    id: row.get(7)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(LeadPage::new(leads))
}

/// Sets every lead of the agent whose `lead_contact` is one of `contact_ids` to `converted`;
/// answers how many leads matched (those already converted included). Ids without a lead
/// match nothing.
pub fn mark_converted(
    conn: &Connection,
    agent: i64,
    contact_ids: &[String],
) -> rusqlite::Result<usize> {
    if contact_ids.is_empty() {
        return Ok(0);
    }
    let ids = Value::from(contact_ids).to_string();
    conn.prepare_cached(
        "UPDATE tailortalk_leads SET lead_status = ?3
         WHERE agent_id = ?1 AND lead_contact IN (SELECT value FROM json_each(?2))",
    )?
    .execute(params![agent, ids, CONVERTED])
}

/// A lead as stored.
pub struct StoredLead<'a> {
    pub id: &'a str,
    pub lead_name: Option<&'a str>,
    pub lead_contact: &'a str,
    pub lead_status: &'a str,
    pub last_message_time: Millis,
    pub joined: Millis,
    pub total_followups: u64,
    pub integration: &'a str,
}

pub fn insert_lead(conn: &Connection, agent: i64, lead: &StoredLead<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tailortalk_leads (agent_id, id, lead_name, lead_contact, lead_status,
             last_message_time, joined, total_followups, integration)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        agent,
        lead.id,
        lead.lead_name,
        lead.lead_contact,
        lead.lead_status,
        lead.last_message_time.0,
        lead.joined.0,
        lead.total_followups,
        lead.integration
    ])?;
    Ok(())
}
