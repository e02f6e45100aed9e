//! AgentClara's tables and the SQL behind its seven operations. A contact's tags live in their
//! own table (so the `tag` filter is indexed); `last_conversation` and `conversation_count` are
//! always computed from the conversations, never stored.

use rand::rngs::StdRng;
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params, params_from_iter};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::models::{
    Contact, ContactChanges, ContactSummary, Conversation, ConversationsParams, ListParams,
    NewContact, SearchParams, Sort, TIMESTAMPS,
};
use crate::seed::fakes;
use crate::store::search::{self, Index};
use crate::time::Millis;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS agentclara_accounts (
    id INTEGER PRIMARY KEY,
    api_key TEXT NOT NULL UNIQUE,
    rate_limit INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS agentclara_contacts (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES agentclara_accounts(id),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS agentclara_contacts_by_account
    ON agentclara_contacts (account_id, id);
CREATE INDEX IF NOT EXISTS agentclara_contacts_newest
    ON agentclara_contacts (account_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS agentclara_contacts_recently_updated
    ON agentclara_contacts (account_id, updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS agentclara_contacts_by_name
    ON agentclara_contacts (account_id, name COLLATE NOCASE, id);
CREATE TABLE IF NOT EXISTS agentclara_contact_tags (
    account_id INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (account_id, contact_id, tag)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS agentclara_contacts_search (tenant, row, text) AS
    SELECT account_id, rowid, understudy_search_text(name, email) FROM agentclara_contacts;
CREATE INDEX IF NOT EXISTS agentclara_contact_tags_by_tag
    ON agentclara_contact_tags (account_id, tag, contact_id);
CREATE TABLE IF NOT EXISTS agentclara_conversations (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT,
    last_message TEXT,
    timestamp INTEGER NOT NULL,
    status TEXT NOT NULL,
    unread INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS agentclara_conversations_newest
    ON agentclara_conversations (account_id, contact_id, timestamp DESC, id DESC);
";

/// Contact ids are `cust_` and 12 characters of `[A-Za-z0-9]`.
pub const CONTACT_ID_PREFIX: &str = "cust_";
/// Conversation ids are `conv_` and 12 characters of `[A-Za-z0-9]`.
pub const CONVERSATION_ID_PREFIX: &str = "conv_";
const ID_LENGTH: usize = 12;

/// The columns both contact shapes share, then `custom_fields` and the conversation count.
const CONTACT_COLUMNS: &str = "
    c.id, c.name, c.email, c.phone,
    (SELECT json_group_array(t.tag ORDER BY t.position) FROM agentclara_contact_tags t
     WHERE t.account_id = c.account_id AND t.contact_id = c.id),
    c.created_at, c.updated_at,
    (SELECT max(v.timestamp) FROM agentclara_conversations v
     WHERE v.account_id = c.account_id AND v.contact_id = c.id),
    c.custom_fields,
    (SELECT count(*) FROM agentclara_conversations v
     WHERE v.account_id = c.account_id AND v.contact_id = c.id)";

/// Search finds contacts by name or email (see [`search`]).
pub const SEARCH: Index = Index {
    view: "agentclara_contacts_search",
};

/// `?2` is NULL or a folded search term found in the name or email; `?3` is NULL or a tag the
/// contact has.
const CONTACT_FILTER: &str = "
    c.account_id = ?1
    AND (?2 IS NULL OR instr(understudy_fold(c.name), ?2) > 0
                    OR instr(understudy_fold(c.email), ?2) > 0)
    AND (?3 IS NULL OR EXISTS (SELECT 1 FROM agentclara_contact_tags t
                               WHERE t.account_id = c.account_id AND t.contact_id = c.id
                                 AND t.tag = ?3))";

/// One page of the account's contacts matching `search` (and `tag`) in `sort` order: driven
/// from the index's rows when few match, else walking the sort order.
fn contacts_window(
    conn: &Connection,
    account: i64,
    search: Option<&str>,
    tag: Option<&str>,
    sort: Sort,
    limit: i64,
    offset: i64,
) -> rusqlite::Result<Vec<ContactSummary>> {
    let lookup = search
        .map(|term| SEARCH.lookup_uncounted(conn, account, term))
        .transpose()?;
    let term = lookup.as_ref().map(|lookup| lookup.term.as_str());
    let candidates = lookup.as_ref().and_then(|lookup| lookup.candidates.as_ref());
    let mut values: Vec<&dyn ToSql> = vec![&account, &term, &tag, &limit, &offset];
    values.extend(candidates.map(search::Candidates::params).into_iter().flatten());
    conn.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM {} WHERE {CONTACT_FILTER}
         ORDER BY {} LIMIT ?4 OFFSET ?5",
        search::from("agentclara_contacts", "c", candidates, 6),
        order_by(sort)
    ))?
    .query_map(params_from_iter(values), summary_from_row)?
    .collect()
}

fn order_by(sort: Sort) -> &'static str {
    match sort {
        Sort::Created => "c.created_at DESC, c.id DESC",
        Sort::Updated => "c.updated_at DESC, c.id DESC",
        Sort::Name => "c.name COLLATE NOCASE ASC, c.id ASC",
    }
}

/// One page of the account's contacts, filtered and sorted.
pub fn list_contacts(
    conn: &Connection,
    account: i64,
    params: &ListParams,
) -> rusqlite::Result<Vec<ContactSummary>> {
    contacts_window(
        conn,
        account,
        params.search.as_deref(),
        params.tag.as_deref(),
        params.sort,
        params.window.limit,
        params.window.offset,
    )
}

/// The first `limit` contacts whose name or email contains `q`, newest first.
pub fn search_contacts(
    conn: &Connection,
    account: i64,
    params: &SearchParams,
) -> rusqlite::Result<Vec<ContactSummary>> {
    let limit = i64::try_from(params.limit).unwrap_or(i64::MAX);
    contacts_window(conn, account, Some(&params.q), None, Sort::Created, limit, 0)
}

/// The account's contact `id` in full, if it has one.
pub fn get_contact(conn: &Connection, account: i64, id: &str) -> rusqlite::Result<Option<Contact>> {
    conn.prepare_cached(&format!(
        "SELECT {CONTACT_COLUMNS} FROM agentclara_contacts c
         WHERE c.account_id = ?1 AND c.id = ?2"
    ))?
    .query_row(params![account, id], contact_from_row)
    .optional()
}

/// Stores a new contact, created and updated `now`, and returns it.
pub fn create_contact(
    conn: &mut Connection,
    account: i64,
    contact: &NewContact,
    now: Millis,
) -> rusqlite::Result<Contact> {
    let tx = conn.savepoint()?;
    let mut rng: StdRng = rand::make_rng();
    let id = fresh_id(&tx, &mut rng, "agentclara_contacts", CONTACT_ID_PREFIX)?;
    insert_contact(
        &tx,
        &StoredContact {
            account,
            id: &id,
            name: &contact.name,
            email: contact.email.as_deref(),
            phone: contact.phone.as_deref(),
            tags: &contact.tags,
            custom_fields: &contact.custom_fields,
            created_at: now,
            updated_at: now,
        },
    )?;
    if let Some(row) = contact_row(&tx, account, &id)? {
        SEARCH.add(&tx, account, row)?;
    }
    let created = get_contact(&tx, account, &id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(created)
}

/// Applies `changes` to the account's contact `id` and bumps its `updated_at` to `now` (even
/// when nothing else changes); `None` when the account has no such contact.
pub fn update_contact(
    conn: &mut Connection,
    account: i64,
    id: &str,
    changes: &ContactChanges,
    now: Millis,
) -> rusqlite::Result<Option<Contact>> {
    let tx = conn.savepoint()?;
    let Some(row) = contact_row(&tx, account, id)? else {
        return Ok(None);
    };
    SEARCH.forget(&tx, account, row)?;
    tx.execute(
        "UPDATE agentclara_contacts SET updated_at = ?3 WHERE account_id = ?1 AND id = ?2",
        params![account, id, now.0],
    )?;
    let set = |column: &str, value: &dyn ToSql| {
        tx.execute(
            &format!(
                "UPDATE agentclara_contacts SET {column} = ?3 WHERE account_id = ?1 AND id = ?2"
            ),
            params![account, id, value],
        )
    };
    if let Some(name) = &changes.name {
        set("name", name)?;
    }
    if let Some(email) = &changes.email {
        set("email", email)?;
    }
    if let Some(phone) = &changes.phone {
        set("phone", phone)?;
    }
    if let Some(fields) = &changes.custom_fields {
        set("custom_fields", &Value::Object(fields.clone()).to_string())?;
    }
    if let Some(tags) = &changes.tags {
        tx.execute(
            "DELETE FROM agentclara_contact_tags WHERE account_id = ?1 AND contact_id = ?2",
            params![account, id],
        )?;
        insert_tags(&tx, account, id, tags)?;
    }
    SEARCH.add(&tx, account, row)?;
    let updated = get_contact(&tx, account, id)?;
    tx.commit()?;
    Ok(updated)
}

/// Deletes the account's contact `id` with its tags and conversations; whether it existed.
pub fn delete_contact(conn: &mut Connection, account: i64, id: &str) -> rusqlite::Result<bool> {
    let tx = conn.savepoint()?;
    if let Some(row) = contact_row(&tx, account, id)? {
        SEARCH.forget(&tx, account, row)?;
    }
    let deleted = tx.execute(
        "DELETE FROM agentclara_contacts WHERE account_id = ?1 AND id = ?2",
        params![account, id],
    )?;
    if deleted > 0 {
        for table in ["agentclara_contact_tags", "agentclara_conversations"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE account_id = ?1 AND contact_id = ?2"),
                params![account, id],
            )?;
        }
    }
    tx.commit()?;
    Ok(deleted > 0)
}

/// The rowid of the account's contact `id`, which keys it in the search index.
fn contact_row(conn: &Connection, account: i64, id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT rowid FROM agentclara_contacts WHERE account_id = ?1 AND id = ?2")?
        .query_row(params![account, id], |row| row.get(0))
        .optional()
}

/// One page of the contact's conversations, newest first; `None` when the account has no
/// such contact.
pub fn list_conversations(
    conn: &Connection,
    account: i64,
    contact_id: &str,
    params: &ConversationsParams,
) -> rusqlite::Result<Option<Vec<Conversation>>> {
    let exists: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM agentclara_contacts WHERE account_id = ?1 AND id = ?2)",
        )?
        .query_row(params![account, contact_id], |row| row.get(0))?;
    if !exists {
        return Ok(None);
    }
    conn.prepare_cached(
        "SELECT v.id, c.id, c.name, c.email, c.phone, v.channel, v.subject, v.last_message,
                v.timestamp, v.status, v.unread
         FROM agentclara_conversations v
         JOIN agentclara_contacts c ON c.account_id = v.account_id AND c.id = v.contact_id
         WHERE v.account_id = ?1 AND v.contact_id = ?2
         ORDER BY v.timestamp DESC, v.id DESC LIMIT ?3 OFFSET ?4",
    )?
    .query_map(
        params![
            account,
            contact_id,
            params.window.limit,
            params.window.offset
        ],
        |row| {
            Ok(Conversation {
                id: row.get(0)?,
                customer_id: row.get(1)?,
                customer_name: row.get(2)?,
                customer_email: row.get(3)?,
                customer_phone: row.get(4)?,
                channel: row.get(5)?,
                subject: row.get(6)?,
                last_message: row.get(7)?,
                timestamp: TIMESTAMPS.render(Millis(row.get(8)?)),
                status: row.get(9)?,
                unread: row.get(10)?,
            })
        },
    )?
    .collect::<rusqlite::Result<_>>()
    .map(Some)
}

fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<ContactSummary> {
    Ok(ContactSummary {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        phone: row.get(3)?,
        tags: json_column(row, 4)?,
        created_at: TIMESTAMPS.render(Millis(row.get(5)?)),
        updated_at: TIMESTAMPS.render(Millis(row.get(6)?)),
        last_conversation: row
            .get::<_, Option<i64>>(7)?
            .map(|at| TIMESTAMPS.render(Millis(at))),
    })
}

fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Contact> {
    let summary = summary_from_row(row)?;
    Ok(Contact {
        id: summary.id,
        name: summary.name,
        email: summary.email,
        phone: summary.phone,
        tags: summary.tags,
        custom_fields: json_column(row, 8)?,
        created_at: summary.created_at,
        updated_at: summary.updated_at,
        last_conversation: summary.last_conversation,
        conversation_count: row.get(9)?,
    })
}

/// A TEXT column holding JSON, as `T`.
fn json_column<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    })
}

/// A contact as written, by the API or by the seed.
pub struct StoredContact<'a> {
    pub account: i64,
    pub id: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub tags: &'a [String],
    pub custom_fields: &'a Map<String, Value>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

pub fn insert_contact(tx: &Connection, contact: &StoredContact<'_>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO agentclara_contacts
             (id, account_id, name, email, phone, custom_fields, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        contact.id,
        contact.account,
        contact.name,
        contact.email,
        contact.phone,
        Value::Object(contact.custom_fields.clone()).to_string(),
        contact.created_at.0,
        contact.updated_at.0
    ])?;
    insert_tags(tx, contact.account, contact.id, contact.tags)
}

fn insert_tags(
    tx: &Connection,
    account: i64,
    contact_id: &str,
    tags: &[String],
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO agentclara_contact_tags (account_id, contact_id, tag, position)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, tag) in tags.iter().enumerate() {
        insert.execute(params![account, contact_id, tag, position as i64])?;
    }
    Ok(())
}

/// A conversation as the seed writes it.
pub struct StoredConversation<'a> {
    pub account: i64,
    pub id: &'a str,
    pub contact_id: &'a str,
    pub channel: &'a str,
    pub subject: Option<&'a str>,
    pub last_message: Option<&'a str>,
    pub timestamp: Millis,
    pub status: &'a str,
    pub unread: bool,
}

pub fn insert_conversation(
    tx: &Connection,
    conversation: &StoredConversation<'_>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO agentclara_conversations
             (id, account_id, contact_id, channel, subject, last_message, timestamp, status, unread)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        conversation.id,
        conversation.account,
        conversation.contact_id,
        conversation.channel,
        conversation.subject,
        conversation.last_message,
        conversation.timestamp.0,
        conversation.status,
        conversation.unread
    ])?;
    Ok(())
}

/// Whether `id` is already used in `table` (by any account: ids are unique across accounts,
/// as the real API's are).
pub fn id_taken(conn: &Connection, table: &str, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(&format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"
    ))?
    .query_row([id], |row| row.get(0))
}

/// A new `<prefix>` + 12 alphanumerics id not yet used in `table`.
pub fn fresh_id(
    conn: &Connection,
    rng: &mut StdRng,
    table: &str,
    prefix: &str,
) -> rusqlite::Result<String> {
    loop {
        let id = format!("{prefix}{}", fakes::alphanumerics(rng, ID_LENGTH));
        if !id_taken(conn, table, &id)? {
            return Ok(id);
        }
    }
}
