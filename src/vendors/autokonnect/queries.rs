//! AutoKonnect's tables and the queries behind its two operations.

use rusqlite::{Connection, Row, ToSql, params, params_from_iter};

use super::models::{Contact, ContactTag, ListParams, Page, TIMESTAMPS, Tag, TagCount};
use crate::http::pagination::{Window, total_pages};
use crate::store::search::{self, Index};
use crate::time::Millis;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS autokonnect_companies (
    id INTEGER PRIMARY KEY,
    api_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS autokonnect_tags (
    company_id INTEGER NOT NULL REFERENCES autokonnect_companies(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    color TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, id)
);
CREATE INDEX IF NOT EXISTS autokonnect_tags_by_name
    ON autokonnect_tags (company_id, name COLLATE NOCASE, id);
CREATE TABLE IF NOT EXISTS autokonnect_contacts (
    company_id INTEGER NOT NULL REFERENCES autokonnect_companies(id),
    id TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    email TEXT,
    phone_number TEXT,
    phone_number_lid TEXT,
    profile_picture TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (company_id, id)
);
CREATE INDEX IF NOT EXISTS autokonnect_contacts_newest
    ON autokonnect_contacts (company_id, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS autokonnect_contact_tags (
    company_id INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    tag_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (company_id, contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS autokonnect_contact_tags_by_tag
    ON autokonnect_contact_tags (company_id, tag_id);
-- A company's contacts, counted by triggers so an unfiltered page's total is a lookup; used
-- only where `autokonnect:counts` says they saw every contact from the first.
INSERT OR IGNORE INTO understudy_meta (key, value)
    SELECT 'autokonnect:counts', '1' WHERE NOT EXISTS (SELECT 1 FROM autokonnect_contacts);
CREATE TABLE IF NOT EXISTS autokonnect_company_counts (
    company_id INTEGER PRIMARY KEY,
    contacts INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS autokonnect_contact_counted AFTER INSERT ON autokonnect_contacts
BEGIN
    INSERT INTO autokonnect_company_counts (company_id, contacts) VALUES (new.company_id, 1)
        ON CONFLICT (company_id) DO UPDATE SET contacts = contacts + 1;
END;
CREATE TRIGGER IF NOT EXISTS autokonnect_contact_uncounted AFTER DELETE ON autokonnect_contacts
BEGIN
    UPDATE autokonnect_company_counts SET contacts = contacts - 1
        WHERE company_id = old.company_id;
END;
CREATE VIEW IF NOT EXISTS autokonnect_contacts_search (tenant, row, text) AS
    SELECT c.company_id, c.rowid, understudy_search_text(c.first_name, c.last_name, c.email,
        c.phone_number, c.phone_number_lid, group_concat(t.name, char(31)))
    FROM autokonnect_contacts c
    LEFT JOIN autokonnect_contact_tags ct ON ct.company_id = c.company_id AND ct.contact_id = c.id
    LEFT JOIN autokonnect_tags t ON t.company_id = ct.company_id AND t.id = ct.tag_id
    GROUP BY c.rowid;
";

/// Search finds contacts by their fields and their tags' names (see [`search`]).
pub const SEARCH: Index = Index {
    view: "autokonnect_contacts_search",
};

/// `?2` is NULL (no search) or a folded term found in the contact's fields or the names of
/// its tags.
const CONTACT_FILTER: &str = "
    c.company_id = ?1 AND (?2 IS NULL
        OR instr(understudy_fold(c.first_name), ?2) > 0
        OR instr(understudy_fold(c.last_name), ?2) > 0
        OR instr(understudy_fold(c.email), ?2) > 0
        OR instr(understudy_fold(c.phone_number), ?2) > 0
        OR instr(understudy_fold(c.phone_number_lid), ?2) > 0
        OR EXISTS (SELECT 1 FROM autokonnect_contact_tags ct
                   JOIN autokonnect_tags t ON t.company_id = ct.company_id AND t.id = ct.tag_id
                   WHERE ct.company_id = c.company_id AND ct.contact_id = c.id
                     AND instr(understudy_fold(t.name), ?2) > 0))";

/// One page of the company's contacts, newest first (ties: id descending).
pub fn contacts_page(
    conn: &Connection,
    company: i64,
    params: &ListParams,
) -> rusqlite::Result<Page<Contact>> {
    let lookup = params
        .search
        .as_deref()
        .map(|term| SEARCH.lookup(conn, company, term))
        .transpose()?;
    let term = lookup.as_ref().map(|lookup| lookup.term.as_str());
    let candidates = lookup.as_ref().and_then(|lookup| lookup.candidates.as_ref());
    let from = search::from("autokonnect_contacts", "c", candidates, 5);
    let total: u64 = match lookup.as_ref().map(|lookup| lookup.count) {
        Some(Some(count)) => count,
        None if counted(conn)? => conn
            .prepare_cached(
                "SELECT coalesce(max(contacts), 0) FROM autokonnect_company_counts
                 WHERE company_id = ?1",
            )?
            .query_row([company], |row| row.get(0))?,
        _ => {
            let mut values: Vec<&dyn ToSql> = vec![&company, &term];
            values.extend(candidates.map(search::Candidates::params).into_iter().flatten());
            conn.prepare_cached(&format!(
                "SELECT count(*) FROM {} WHERE {CONTACT_FILTER}",
                search::from("autokonnect_contacts", "c", candidates, 3)
            ))?
            .query_row(params_from_iter(values), |row| row.get(0))?
        }
    };
    let window = Window::page(params.page, 1, params.limit);
    let mut values: Vec<&dyn ToSql> = vec![&company, &term, &window.limit, &window.offset];
    values.extend(candidates.map(search::Candidates::params).into_iter().flatten());
    let mut contacts: Vec<Contact> = conn
        .prepare_cached(&format!(
            "SELECT c.id, c.first_name, c.last_name, c.email, c.phone_number, c.phone_number_lid,
                    c.profile_picture, c.created_at, c.updated_at
             FROM {from} WHERE {CONTACT_FILTER}
             ORDER BY c.created_at DESC, c.id DESC LIMIT ?3 OFFSET ?4"
        ))?
        .query_map(params_from_iter(values), contact_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut tags = conn.prepare_cached(
        "SELECT t.id, t.name, t.color FROM autokonnect_contact_tags ct
         JOIN autokonnect_tags t ON t.company_id = ct.company_id AND t.id = ct.tag_id
         WHERE ct.company_id = ?1 AND ct.contact_id = ?2 ORDER BY ct.position",
    )?;
    for contact in &mut contacts {
        contact.tags = tags
            .query_map(params![company, contact.id], |row| {
                Ok(ContactTag {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    color: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(page(contacts, params, total))
}

/// Whether the kept counts saw every contact of this database.
fn counted(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM understudy_meta WHERE key = 'autokonnect:counts')",
    )?
    .query_row([], |row| row.get(0))
}

fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: row.get(0)?,
        first_name: row.get(1)?,
        last_name: row.get(2)?,
        email: row.get(3)?,
        phone_number: row.get(4)?,
        phone_number_lid: row.get(5)?,
        profile_picture: row.get(6)?,
        created_at: TIMESTAMPS.render(Millis(row.get(7)?)),
        updated_at: TIMESTAMPS.render(Millis(row.get(8)?)),
        tags: Vec::new(),
    })
}

/// One page of the company's tags, name A→Z, each with the number of contacts carrying it.
pub fn tags_page(
    conn: &Connection,
    company: i64,
    params: &ListParams,
) -> rusqlite::Result<Page<Tag>> {
    let term = params.search.as_deref().map(search::fold);
    let total: u64 = conn
        .prepare_cached(
            "SELECT count(*) FROM autokonnect_tags
             WHERE company_id = ?1 AND (?2 IS NULL OR instr(understudy_fold(name), ?2) > 0)",
        )?
        .query_row(params![company, term], |row| row.get(0))?;
    let window = Window::page(params.page, 1, params.limit);
    let tags = conn
        .prepare_cached(
            "SELECT t.id, t.name, t.color, t.created_at,
                    (SELECT count(*) FROM autokonnect_contact_tags ct
                     WHERE ct.company_id = t.company_id AND ct.tag_id = t.id)
             FROM autokonnect_tags t
             WHERE t.company_id = ?1 AND (?2 IS NULL OR instr(understudy_fold(t.name), ?2) > 0)
             ORDER BY t.name COLLATE NOCASE, t.id LIMIT ?3 OFFSET ?4",
        )?
        .query_map(
            params![company, term, window.limit, window.offset],
            |row| {
                Ok(Tag {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    color: row.get(2)?,
                    created_at: TIMESTAMPS.render(Millis(row.get(3)?)),
                    count: TagCount {
                        contact_tag: row.get(4)?,
                    },
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(page(tags, params, total))
}

fn page<T>(data: Vec<T>, params: &ListParams, total: u64) -> Page<T> {
    Page {
        data,
        current_page: params.page,
        total_pages: total_pages(total, params.limit),
        total_records: total,
    }
}
