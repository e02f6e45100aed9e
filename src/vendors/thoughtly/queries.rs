//! Thoughtly's tables and the queries behind its operations.

use rand::RngExt;
use rand::rngs::StdRng;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use super::models::{
    Call, Contact, ContactList, ListParams, SortDirection, SortField, TIMESTAMPS,
};
use crate::http::pagination::Window;
use crate::store::like_contains;
use crate::time::Millis;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS thoughtly_teams (
    id INTEGER PRIMARY KEY,
    team_id TEXT NOT NULL UNIQUE,
    api_token TEXT NOT NULL UNIQUE,
    rate_limit INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS thoughtly_contacts (
    team INTEGER NOT NULL REFERENCES thoughtly_teams(id),
    id TEXT NOT NULL,
    name TEXT,
    phone_number TEXT,
    email TEXT,
    country_code TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (team, id)
);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_created
    ON thoughtly_contacts (team, created_at, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_updated
    ON thoughtly_contacts (team, updated_at, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_name
    ON thoughtly_contacts (team, name IS NULL, name COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_phone
    ON thoughtly_contacts (team, phone_number IS NULL, phone_number, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_email
    ON thoughtly_contacts (team, email IS NULL, email COLLATE NOCASE, id);
CREATE TABLE IF NOT EXISTS thoughtly_contact_tags (
    team INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (team, contact_id, tag)
);
CREATE INDEX IF NOT EXISTS thoughtly_contact_tags_by_tag
    ON thoughtly_contact_tags (team, tag, contact_id);
CREATE TABLE IF NOT EXISTS thoughtly_calls (
    seq INTEGER PRIMARY KEY,
    team INTEGER NOT NULL REFERENCES thoughtly_teams(id),
    id TEXT NOT NULL UNIQUE,
    contact_id TEXT NOT NULL,
    interview_id TEXT NOT NULL,
    phone_number TEXT,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS thoughtly_calls_by_team ON thoughtly_calls (team, seq);
";

/// The most calls a team keeps (in each namespace): the newest; older ones are forgotten as
/// new ones are placed, so what calls store stays bounded (metadata is bounded per call).
pub const MAX_CALLS_PER_TEAM: i64 = 1_000;

/// A contact as stored; `attributes` is rendered to JSON text on insert.
pub struct StoredContact<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub email: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub tags: &'a [String],
    pub attributes: &'a Map<String, Value>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

pub fn insert_contact(
    conn: &Connection,
    team: i64,
    contact: &StoredContact<'_>,
) -> rusqlite::Result<()> {
    let attributes = Value::Object(contact.attributes.clone()).to_string();
    conn.prepare_cached(
        "INSERT INTO thoughtly_contacts (team, id, name, phone_number, email, country_code,
             attributes, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        team,
        contact.id,
        contact.name,
        contact.phone_number,
        contact.email,
        contact.country_code,
        attributes,
        contact.created_at.0,
        contact.updated_at.0
    ])?;
    let mut link = conn.prepare_cached(
        "INSERT OR IGNORE INTO thoughtly_contact_tags (team, contact_id, tag, position)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, tag) in contact.tags.iter().enumerate() {
        link.execute(params![team, contact.id, tag, position as i64])?;
    }
    Ok(())
}

pub fn contact_exists(conn: &Connection, team: i64, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM thoughtly_contacts WHERE team = ?1 AND id = ?2)",
    )?
    .query_row(params![team, id], |row| row.get(0))
}

/// `?2` is NULL or a `LIKE` pattern for the search; `?3` is 1 to keep only contacts with a
/// phone number; `?4` / `?5` are NULL or JSON arrays of tags to keep / drop. Attribute values
/// are searched when they are strings, numbers or booleans (by their JSON text).
const CONTACT_FILTER: &str = "
    c.team = ?1
    AND (?2 IS NULL
        OR c.name LIKE ?2 ESCAPE '\\' OR c.phone_number LIKE ?2 ESCAPE '\\'
        OR c.email LIKE ?2 ESCAPE '\\'
        OR EXISTS (SELECT 1 FROM json_each(c.attributes) a
                   WHERE (CASE a.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                                      WHEN 'text' THEN a.value WHEN 'integer' THEN a.value
                                      WHEN 'real' THEN a.value END) LIKE ?2 ESCAPE '\\'))
    AND (?3 = 0 OR (c.phone_number IS NOT NULL AND c.phone_number <> ''))
    AND (?4 IS NULL OR EXISTS (SELECT 1 FROM thoughtly_contact_tags t
                               WHERE t.team = c.team AND t.contact_id = c.id
                                 AND t.tag IN (SELECT value FROM json_each(?4))))
    AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM thoughtly_contact_tags t
                                   WHERE t.team = c.team AND t.contact_id = c.id
                                     AND t.tag IN (SELECT value FROM json_each(?5))))";

const CONTACT_COLUMNS: &str = "c.id, c.name, c.phone_number, c.email, c.country_code,
    c.attributes, c.created_at, c.updated_at";

/// `ORDER BY` for a sort: missing values (NULL) last in both directions, text compared
/// without ASCII case for name and email, and ties broken by id in the same direction.
fn order_by(sort: SortField, direction: SortDirection) -> String {
    let dir = match direction {
        SortDirection::Asc => "ASC",
        SortDirection::Desc => "DESC",
    };
    match sort {
        SortField::CreatedAt => format!("c.created_at {dir}, c.id {dir}"),
        SortField::UpdatedAt => format!("c.updated_at {dir}, c.id {dir}"),
        SortField::Name => format!("c.name IS NULL, c.name COLLATE NOCASE {dir}, c.id {dir}"),
        SortField::PhoneNumber => {
            format!("c.phone_number IS NULL, c.phone_number {dir}, c.id {dir}")
        }
        SortField::Email => format!("c.email IS NULL, c.email COLLATE NOCASE {dir}, c.id {dir}"),
    }
}

/// One page of the team's contacts with the total across all pages.
pub fn contacts_page(
    conn: &Connection,
    team: i64,
    params: &ListParams,
) -> rusqlite::Result<ContactList> {
    let pattern = params.search.as_deref().map(like_contains);
    let tag_array = |tags: &[String]| (!tags.is_empty()).then(|| Value::from(tags).to_string());
    let tags = tag_array(&params.tags);
    let excluded = tag_array(&params.excluded_tags);
    let phones_only = params.phone_numbers_only;
    let total: u64 = conn
        .prepare_cached(&format!(
            "SELECT count(*) FROM thoughtly_contacts c WHERE {CONTACT_FILTER}"
        ))?
        .query_row(params![team, pattern, phones_only, tags, excluded], |row| {
            row.get(0)
        })?;
    let window = Window::page(params.page, 0, params.limit);
    let mut contacts: Vec<Contact> = conn
        .prepare_cached(&format!(
            "SELECT {CONTACT_COLUMNS} FROM thoughtly_contacts c WHERE {CONTACT_FILTER}
             ORDER BY {} LIMIT ?6 OFFSET ?7",
            order_by(params.sort, params.direction)
        ))?
        .query_map(
            params![
                team,
                pattern,
                phones_only,
                tags,
                excluded,
                window.limit,
                window.offset
            ],
            contact_from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    for contact in &mut contacts {
        contact.tags = tags_of(conn, team, &contact.id)?;
    }
    Ok(ContactList {
        contacts,
        total,
        page: params.page,
        limit: params.limit,
    })
}

/// The team's contact with this id, if any.
pub fn contact(conn: &Connection, team: i64, id: &str) -> rusqlite::Result<Option<Contact>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {CONTACT_COLUMNS} FROM thoughtly_contacts c WHERE c.team = ?1 AND c.id = ?2"
        ))?
        .query_row(params![team, id], contact_from_row)
        .optional()?;
    let Some(mut contact) = found else {
        return Ok(None);
    };
    contact.tags = tags_of(conn, team, id)?;
    Ok(Some(contact))
}

/// Deletes the team's contact and answers it as it was, in one transaction.
pub fn delete_contact(
    conn: &mut Connection,
    team: i64,
    id: &str,
) -> rusqlite::Result<Option<Contact>> {
    let tx = conn.savepoint()?;
    let Some(found) = contact(&tx, team, id)? else {
        return Ok(None);
    };
    tx.execute(
        "DELETE FROM thoughtly_contact_tags WHERE team = ?1 AND contact_id = ?2",
        params![team, id],
    )?;
    tx.execute(
        "DELETE FROM thoughtly_contacts WHERE team = ?1 AND id = ?2",
        params![team, id],
    )?;
    tx.commit()?;
    Ok(Some(found))
}

fn tags_of(conn: &Connection, team: i64, contact_id: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT tag FROM thoughtly_contact_tags WHERE team = ?1 AND contact_id = ?2
         ORDER BY position",
    )?
    .query_map(params![team, contact_id], |row| row.get(0))?
    .collect()
}

fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Contact> {
    let attributes: String = row.get(5)?;
    let attributes = serde_json::from_str(&attributes)
        .map_err(|error| rusqlite::Error::FromSqlConversionFailure(5, Type::Text, error.into()))?;
    Ok(Contact {
        id: row.get(0)?,
        name: row.get(1)?,
        phone_number: row.get(2)?,
        email: row.get(3)?,
        country_code: row.get(4)?,
        tags: Vec::new(),
        attributes,
        created_at: TIMESTAMPS.render(Millis(row.get(6)?)),
        updated_at: TIMESTAMPS.render(Millis(row.get(7)?)),
    })
}

/// A call as stored; `metadata` is rendered to JSON text on insert.
pub struct StoredCall<'a> {
    pub id: &'a str,
    pub contact_id: &'a str,
    pub interview_id: &'a str,
    pub phone_number: Option<&'a str>,
    pub status: &'a str,
    pub metadata: &'a Map<String, Value>,
    pub created_at: Millis,
}

pub fn insert_call(conn: &Connection, team: i64, call: &StoredCall<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO thoughtly_calls (team, id, contact_id, interview_id, phone_number, status,
             metadata, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        team,
        call.id,
        call.contact_id,
        call.interview_id,
        call.phone_number,
        call.status,
        Value::Object(call.metadata.clone()).to_string(),
        call.created_at.0
    ])?;
    Ok(())
}

/// Whether any team has a call with this id (call ids are unique across teams).
pub fn call_exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM thoughtly_calls WHERE id = ?1)")?
        .query_row([id], |row| row.get(0))
}

/// A call id no call has yet, in the shape of the vendor's other ids (its team ids are
/// MongoDB ObjectIds): 24 lower-case hex digits, the first 8 the creation second.
pub fn fresh_call_id(conn: &Connection, rng: &mut StdRng, at: Millis) -> rusqlite::Result<String> {
    let seconds = u32::try_from(at.0.div_euclid(1000)).unwrap_or(0);
    loop {
        let id = format!("{seconds:08x}{:016x}", rng.random::<u64>());
        if !call_exists(conn, &id)? {
            return Ok(id);
        }
    }
}

/// Forgets the team's calls beyond the newest [`MAX_CALLS_PER_TEAM`].
pub fn forget_old_calls(conn: &Connection, team: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM thoughtly_calls WHERE team = ?1 AND seq <= (
             SELECT seq FROM thoughtly_calls WHERE team = ?1 ORDER BY seq DESC
             LIMIT 1 OFFSET ?2)",
    )?
    .execute(params![team, MAX_CALLS_PER_TEAM])?;
    Ok(())
}

/// The phone number of the team's contact `id`: `None` when there is no such contact,
/// `Some(None)` when it has no phone number.
pub fn contact_phone(
    conn: &Connection,
    team: i64,
    id: &str,
) -> rusqlite::Result<Option<Option<String>>> {
    conn.prepare_cached("SELECT phone_number FROM thoughtly_contacts WHERE team = ?1 AND id = ?2")?
        .query_row(params![team, id], |row| row.get(0))
        .optional()
}

/// The team's call with this id, as the API renders it.
pub fn call(conn: &Connection, team: i64, id: &str) -> rusqlite::Result<Option<Call>> {
    conn.prepare_cached(
        "SELECT id, contact_id, interview_id, phone_number, status, metadata, created_at
         FROM thoughtly_calls WHERE team = ?1 AND id = ?2",
    )?
    .query_row(params![team, id], |row| {
        let metadata: String = row.get(5)?;
        let metadata = serde_json::from_str(&metadata).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(5, Type::Text, error.into())
        })?;
        Ok(Call {
            id: row.get(0)?,
            contact_id: row.get(1)?,
            interview_id: row.get(2)?,
            phone_number: row.get(3)?,
            status: row.get(4)?,
            metadata,
            created_at: TIMESTAMPS.render(Millis(row.get(6)?)),
        })
    })
    .optional()
}
