//! Thoughtly's tables and the queries behind its operations.

use std::cmp::Ordering;

use rand::RngExt;
use rand::rngs::StdRng;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params, params_from_iter};
use serde_json::{Map, Value};

use super::models::{
    Call, Contact, ContactList, ListParams, SortDirection, SortField, TIMESTAMPS,
};
use crate::http::pagination::Window;
use crate::store::search::{self, FEW, Index, Lookup};
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
-- Missing values sort last in both directions, so each text sort has an index per direction.
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_name
    ON thoughtly_contacts (team, name IS NULL, name COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_name_desc
    ON thoughtly_contacts (team, name IS NULL, name COLLATE NOCASE DESC, id DESC);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_phone
    ON thoughtly_contacts (team, phone_number IS NULL, phone_number, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_phone_desc
    ON thoughtly_contacts (team, phone_number IS NULL, phone_number DESC, id DESC);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_email
    ON thoughtly_contacts (team, email IS NULL, email COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS thoughtly_contacts_by_email_desc
    ON thoughtly_contacts (team, email IS NULL, email COLLATE NOCASE DESC, id DESC);
CREATE VIEW IF NOT EXISTS thoughtly_contacts_search (tenant, row, text) AS
    SELECT team, rowid, understudy_search_text(name, phone_number, email,
                                               understudy_json_values(attributes))
    FROM thoughtly_contacts;
-- A tag's contacts, one range per tag and phone (or not), each row with what else a list may
-- filter on: the contact's folded search text and all its tags (NULL for a contact whose
-- copies would pass `INLINE_BYTES`). Contacts are never edited, so these never go stale, and
-- a list combining a tag with a search or other tags reads the tag's range instead of
-- visiting each contact.
CREATE TABLE IF NOT EXISTS thoughtly_contact_tags (
    team INTEGER NOT NULL,
    tag TEXT NOT NULL,
    has_phone INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    search_text TEXT,
    tags TEXT,
    PRIMARY KEY (team, tag, has_phone, contact_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thoughtly_contact_tags_by_contact
    ON thoughtly_contact_tags (team, contact_id, position);
-- The folded search text of each contact without a phone number (none, or empty): what a
-- search keeping only contacts with one drops.
CREATE TABLE IF NOT EXISTS thoughtly_phoneless_contacts (
    team INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    search_text TEXT NOT NULL,
    PRIMARY KEY (team, contact_id)
) WITHOUT ROWID;
-- Counts kept by triggers, so a list's total is a lookup: the team's contacts (with a phone
-- number), and each tag's. They count only what they saw being written, so they are used only
-- where `thoughtly:counts` says they saw every contact from the first (a database that already
-- held contacts when they were added counts with its indexes instead).
INSERT OR IGNORE INTO understudy_meta (key, value)
    SELECT 'thoughtly:counts', '1' WHERE NOT EXISTS (SELECT 1 FROM thoughtly_contacts);
CREATE TABLE IF NOT EXISTS thoughtly_team_counts (
    team INTEGER PRIMARY KEY,
    contacts INTEGER NOT NULL,
    with_phone INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS thoughtly_tag_counts (
    team INTEGER NOT NULL,
    tag TEXT NOT NULL,
    has_phone INTEGER NOT NULL,
    contacts INTEGER NOT NULL,
    PRIMARY KEY (team, tag, has_phone)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS thoughtly_contact_counted AFTER INSERT ON thoughtly_contacts BEGIN
    INSERT INTO thoughtly_team_counts (team, contacts, with_phone)
        VALUES (new.team, 1, new.phone_number IS NOT NULL AND new.phone_number <> '')
        ON CONFLICT (team) DO UPDATE
            SET contacts = contacts + 1, with_phone = with_phone + excluded.with_phone;
END;
CREATE TRIGGER IF NOT EXISTS thoughtly_contact_uncounted AFTER DELETE ON thoughtly_contacts BEGIN
    UPDATE thoughtly_team_counts
        SET contacts = contacts - 1,
            with_phone = with_phone - (old.phone_number IS NOT NULL AND old.phone_number <> '')
        WHERE team = old.team;
END;
CREATE TRIGGER IF NOT EXISTS thoughtly_tag_counted AFTER INSERT ON thoughtly_contact_tags BEGIN
    INSERT INTO thoughtly_tag_counts (team, tag, has_phone, contacts)
        VALUES (new.team, new.tag, new.has_phone, 1)
        ON CONFLICT (team, tag, has_phone) DO UPDATE SET contacts = contacts + 1;
END;
CREATE TRIGGER IF NOT EXISTS thoughtly_tag_uncounted AFTER DELETE ON thoughtly_contact_tags BEGIN
    UPDATE thoughtly_tag_counts SET contacts = contacts - 1
        WHERE team = old.team AND tag = old.tag AND has_phone = old.has_phone;
END;
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

/// Search finds contacts by name, phone number, email or attribute value (see [`search`]).
pub const SEARCH: Index = Index {
    view: "thoughtly_contacts_search",
};

/// The most bytes a contact's copies of its search text and tags may take across its tag rows
/// (each row holds both): past it, as for a contact created with very many tags or a very long
/// name, the rows hold none and a list reads the contact itself (see [`TAG_ROWS`]), so what a
/// contact stores grows with its size, never with its size times its tags.
const INLINE_BYTES: usize = 16 * 1024;

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
    let tag_rows = insert_contact_row(conn, team, contact)?;
    insert_tag_rows(conn, &tag_rows)
}

/// One row of `thoughtly_contact_tags`: a contact under one of its tags.
pub struct TagRow {
    team: i64,
    tag: String,
    has_phone: bool,
    contact_id: String,
    position: i64,
    search_text: Option<String>,
    tags: Option<String>,
}

impl TagRow {
    /// The order of the table's key.
    pub fn by_key(a: &Self, b: &Self) -> Ordering {
        a.key().cmp(&b.key())
    }

    fn key(&self) -> (i64, &str, bool, &str) {
        (self.team, &self.tag, self.has_phone, &self.contact_id)
    }
}

/// Inserts the contact (and its row among the phoneless ones) and answers its tag rows, which
/// [`insert_tag_rows`] stores: right away for one contact, sorted by key for a seed's many.
pub fn insert_contact_row(
    conn: &Connection,
    team: i64,
    contact: &StoredContact<'_>,
) -> rusqlite::Result<Vec<TagRow>> {
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
    let has_phone = contact.phone_number.is_some_and(|phone| !phone.is_empty());
    // Only tag rows and phoneless contacts keep the text: most contacts need none.
    if has_phone && contact.tags.is_empty() {
        return Ok(Vec::new());
    }
    let search_text = search::searchable_text([
        contact.name,
        contact.phone_number,
        contact.email,
        Some(&search::object_values(contact.attributes)),
    ]);
    if !has_phone {
        conn.prepare_cached(
            "INSERT INTO thoughtly_phoneless_contacts (team, contact_id, search_text)
             VALUES (?1, ?2, ?3)",
        )?
        .execute(params![team, contact.id, search_text])?;
    }
    let tags = Value::from(contact.tags).to_string();
    let inline = (search_text.len() + tags.len()) * contact.tags.len() <= INLINE_BYTES;
    let (search_text, tags) = match inline {
        true => (Some(search_text), Some(tags)),
        false => (None, None),
    };
    Ok(contact
        .tags
        .iter()
        .enumerate()
        .map(|(position, tag)| TagRow {
            team,
            tag: tag.clone(),
            has_phone,
            contact_id: contact.id.to_owned(),
            position: position as i64,
            search_text: search_text.clone(),
            tags: tags.clone(),
        })
        .collect())
}

/// Stores tag rows; a tag a contact lists twice keeps the first row given.
pub fn insert_tag_rows(conn: &Connection, rows: &[TagRow]) -> rusqlite::Result<()> {
    let mut link = conn.prepare_cached(
        "INSERT OR IGNORE INTO thoughtly_contact_tags
             (team, tag, has_phone, contact_id, position, search_text, tags)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for row in rows {
        link.execute(params![
            row.team,
            row.tag,
            row.has_phone,
            row.contact_id,
            row.position,
            row.search_text,
            row.tags
        ])?;
    }
    Ok(())
}

pub fn contact_exists(conn: &Connection, team: i64, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM thoughtly_contacts WHERE team = ?1 AND id = ?2)",
    )?
    .query_row(params![team, id], |row| row.get(0))
}

/// `?2` is NULL or a folded search term; `?3` is 1 to keep only contacts with a phone number;
/// `?4` / `?5` are NULL or JSON arrays of tags to keep / drop. Attribute values are searched
/// when they are strings, numbers or booleans, by their JSON text.
const CONTACT_FILTER: &str = "
    c.team = ?1
    AND (?2 IS NULL
        OR instr(understudy_fold(c.name), ?2) > 0
        OR instr(understudy_fold(c.phone_number), ?2) > 0
        OR instr(understudy_fold(c.email), ?2) > 0
        OR understudy_json_contains(c.attributes, ?2))
    AND (?3 = 0 OR (c.phone_number IS NOT NULL AND c.phone_number <> ''))
    AND (?4 IS NULL OR EXISTS (SELECT 1 FROM thoughtly_contact_tags t
                               WHERE t.team = c.team AND t.contact_id = c.id
                                 AND t.tag IN (SELECT value FROM json_each(?4))))
    AND (?5 IS NULL OR NOT EXISTS (SELECT 1 FROM thoughtly_contact_tags t
                                   WHERE t.team = c.team AND t.contact_id = c.id
                                     AND t.tag IN (SELECT value FROM json_each(?5))))";

/// The rows of the kept tags `?4` of team `?1` whose contact passes the list's other filters
/// (`?2` to `?5` as in [`CONTACT_FILTER`]) by what the rows hold (what a row does not hold,
/// read from its contact), when its term (if any) cannot straddle two fields (see
/// [`search::spans_one_field`]): a contact once per kept tag it carries. `LIMIT -1` keeps this
/// query planned on its own (a subquery with a limit is never merged into the one around it),
/// so it reads the tags' ranges of the primary key rather than the whole team in contact order
/// for the sake of a `DISTINCT` around it.
const TAG_ROWS: &str = "SELECT r.contact_id FROM thoughtly_contact_tags r
    WHERE r.team = ?1 AND r.tag IN (SELECT value FROM json_each(?4)) AND r.has_phone >= ?3
      AND (?2 IS NULL OR instr(coalesce(r.search_text, (
              SELECT understudy_search_text(c.name, c.phone_number, c.email,
                                            understudy_json_values(c.attributes))
              FROM thoughtly_contacts c WHERE c.team = r.team AND c.id = r.contact_id)), ?2) > 0)
      AND (?5 IS NULL OR NOT understudy_json_shares(coalesce(r.tags, (
              SELECT json_group_array(t.tag) FROM thoughtly_contact_tags t
              WHERE t.team = r.team AND t.contact_id = r.contact_id)), ?5))
    LIMIT -1";

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

/// The filters of one list request, as the queries bind them.
struct Filters<'a> {
    team: i64,
    lookup: Option<Lookup>,
    /// The folded search term, if any.
    term: Option<String>,
    phones_only: bool,
    tags: Option<String>,
    excluded: Option<String>,
    params: &'a ListParams,
}

impl Filters<'_> {
    fn candidates(&self) -> Option<&search::Candidates> {
        self.lookup.as_ref().and_then(|lookup| lookup.candidates.as_ref())
    }

    /// How many contacts match: a search alone from the index's count; with other filters, from
    /// a few search matches when the index lists them (fewer to check than any tag's rows), else
    /// from the kept counts and the tags' and phoneless contacts' rows where they tell; else by
    /// checking every contact.
    fn count(&self, conn: &Connection) -> rusqlite::Result<u64> {
        let search_alone = self.tags.is_none() && self.excluded.is_none() && !self.phones_only;
        if (search_alone || self.candidates().is_none())
            && let Some(count) = self.count_from_rows(conn)?
        {
            return Ok(count);
        }
        let mut values = self.bound();
        values.extend(self.candidates().map(search::Candidates::params).into_iter().flatten());
        conn.prepare_cached(&format!(
            "SELECT count(*) FROM {} WHERE {CONTACT_FILTER}",
            self.from(6)
        ))?
        .query_row(params_from_iter(values), |row| row.get(0))
    }

    /// The count without visiting a contact: every match of a kept tag is one of its rows
    /// (which hold the contact's search text and tags); else the term's count from the index,
    /// less its matches without a phone number or with an excluded tag. `None` for a term a
    /// match could hold across two fields, or one the index does not count.
    fn count_from_rows(&self, conn: &Connection) -> rusqlite::Result<Option<u64>> {
        let term = match self.term.as_deref() {
            Some(term) if !search::spans_one_field(term) => return Ok(None),
            term => term,
        };
        if let Some(json) = &self.tags {
            return self
                .count_tagged(
                    conn,
                    (&self.params.tags, json),
                    self.phones_only,
                    term,
                    self.excluded.as_deref(),
                )
                .map(Some);
        }
        let kept = match (&self.lookup, term) {
            (Some(lookup), Some(term)) => {
                let Some(count) = lookup.count else {
                    return Ok(None);
                };
                match self.phones_only {
                    true => count.saturating_sub(self.count_phoneless(conn, term)?),
                    false => count,
                }
            }
            _ => self.count_all(conn)?,
        };
        let dropped = match &self.excluded {
            Some(json) => self.count_tagged(
                conn,
                (&self.params.excluded_tags, json),
                self.phones_only,
                term,
                None,
            )?,
            None => 0,
        };
        Ok(Some(kept.saturating_sub(dropped)))
    }

    /// The team's contacts carrying any of `tags` (`json`, the same as a JSON array) that hold
    /// `term` and none of the tags `excluded` (JSON too), with a phone number only when
    /// `phones_only`: one tag alone from its count, else from the tags' rows.
    fn count_tagged(
        &self,
        conn: &Connection,
        (tags, json): (&[String], &str),
        phones_only: bool,
        term: Option<&str>,
        excluded: Option<&str>,
    ) -> rusqlite::Result<u64> {
        if let ([tag], None, None) = (tags, term, excluded)
            && self.counted(conn)?
        {
            return conn
                .prepare_cached(
                    "SELECT coalesce(sum(contacts), 0) FROM thoughtly_tag_counts
                     WHERE team = ?1 AND tag = ?2 AND has_phone >= ?3",
                )?
                .query_row(params![self.team, tag, phones_only], |row| row.get(0));
        }
        // A contact has a row for each tag it carries: counted once when several are kept.
        let counted = if tags.len() == 1 { "*" } else { "DISTINCT contact_id" };
        conn.prepare_cached(&format!("SELECT count({counted}) FROM ({TAG_ROWS})"))?
            .query_row(
                params![self.team, term, phones_only, json, excluded],
                |row| row.get(0),
            )
    }

    /// The team's contacts without a phone number that hold `term`.
    fn count_phoneless(&self, conn: &Connection, term: &str) -> rusqlite::Result<u64> {
        conn.prepare_cached(
            "SELECT count(*) FROM thoughtly_phoneless_contacts
             WHERE team = ?1 AND instr(search_text, ?2) > 0",
        )?
        .query_row(params![self.team, term], |row| row.get(0))
    }

    /// The team's contacts, with a phone number only when asked.
    fn count_all(&self, conn: &Connection) -> rusqlite::Result<u64> {
        if self.counted(conn)? {
            return conn
                .prepare_cached(
                    "SELECT coalesce(max(CASE WHEN ?2 THEN with_phone ELSE contacts END), 0)
                     FROM thoughtly_team_counts WHERE team = ?1",
                )?
                .query_row(params![self.team, self.phones_only], |row| row.get(0));
        }
        let sql = if self.phones_only {
            "SELECT count(*) FROM thoughtly_contacts
             WHERE team = ?1 AND (phone_number IS NULL) = 0 AND phone_number > ''"
        } else {
            "SELECT count(*) FROM thoughtly_contacts WHERE team = ?1"
        };
        conn.prepare_cached(sql)?
            .query_row([self.team], |row| row.get(0))
    }

    /// Whether the kept counts saw every contact of this database.
    fn counted(&self, conn: &Connection) -> rusqlite::Result<bool> {
        conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM understudy_meta WHERE key = 'thoughtly:counts')",
        )?
        .query_row([], |row| row.get(0))
    }

    /// The query's `FROM`: driven from a few search matches, else the team's contacts in the
    /// sort's order. Search candidates' parameters start at `?{first}`.
    fn from(&self, first: usize) -> String {
        search::from("thoughtly_contacts", "c", self.candidates(), first)
    }

    fn bound(&self) -> Vec<&dyn ToSql> {
        vec![&self.team, &self.term, &self.phones_only, &self.tags, &self.excluded]
    }
}

/// One page of the team's contacts with the total across all pages.
pub fn contacts_page(
    conn: &Connection,
    team: i64,
    params: &ListParams,
) -> rusqlite::Result<ContactList> {
    let lookup = params
        .search
        .as_deref()
        .map(|term| SEARCH.lookup(conn, team, term))
        .transpose()?;
    let tag_array = |tags: &[String]| (!tags.is_empty()).then(|| Value::from(tags).to_string());
    let filters = Filters {
        team,
        term: lookup.as_ref().map(|lookup| lookup.term.clone()),
        lookup,
        phones_only: params.phone_numbers_only,
        tags: tag_array(&params.tags),
        excluded: tag_array(&params.excluded_tags),
        params,
    };
    let total = filters.count(conn)?;
    let window = Window::page(params.page, 0, params.limit);
    let mut contacts: Vec<Contact> = Vec::new();
    if total > 0 && u64::try_from(window.offset).is_ok_and(|offset| offset < total) {
        let mut from = filters.from(8);
        // Few matches of kept tags: start from their rows rather than walk every contact in
        // order to meet them.
        if filters.candidates().is_none()
            && filters.tags.is_some()
            && filters.term.as_deref().is_none_or(search::spans_one_field)
            && total <= FEW
        {
            from = format!(
                "(SELECT DISTINCT contact_id FROM ({TAG_ROWS})) tagged
                 CROSS JOIN thoughtly_contacts c ON c.team = ?1 AND c.id = tagged.contact_id"
            );
        }
        let mut values = filters.bound();
        values.extend([&window.limit as &dyn ToSql, &window.offset]);
        values.extend(filters.candidates().map(search::Candidates::params).into_iter().flatten());
        contacts = conn
            .prepare_cached(&format!(
                "SELECT {CONTACT_COLUMNS} FROM {from} WHERE {CONTACT_FILTER}
                 ORDER BY {} LIMIT ?6 OFFSET ?7",
                order_by(filters.params.sort, filters.params.direction)
            ))?
            .query_map(params_from_iter(values), contact_from_row)?
            .collect::<rusqlite::Result<_>>()?;
    }
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
    if let Some(row) = contact_row(&tx, team, id)? {
        SEARCH.forget(&tx, team, row)?;
    }
    tx.execute(
        "DELETE FROM thoughtly_contact_tags WHERE team = ?1 AND contact_id = ?2",
        params![team, id],
    )?;
    tx.execute(
        "DELETE FROM thoughtly_phoneless_contacts WHERE team = ?1 AND contact_id = ?2",
        params![team, id],
    )?;
    tx.execute(
        "DELETE FROM thoughtly_contacts WHERE team = ?1 AND id = ?2",
        params![team, id],
    )?;
    tx.commit()?;
    Ok(Some(found))
}

/// The rowid of the team's contact `id`, which keys it in the search index.
fn contact_row(conn: &Connection, team: i64, id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT rowid FROM thoughtly_contacts WHERE team = ?1 AND id = ?2")?
        .query_row(params![team, id], |row| row.get(0))
        .optional()
}

/// Puts the team's new contact `id` into the search index (after an API create; the seed's
/// contacts are indexed all at once).
pub fn index_created(conn: &Connection, team: i64, id: &str) -> rusqlite::Result<()> {
    match contact_row(conn, team, id)? {
        Some(row) => SEARCH.add(conn, team, row),
        None => Ok(()),
    }
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
