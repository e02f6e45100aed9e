//! Vambe's tables and the queries behind "Get contacts by time filters" and the pipelines.

use rusqlite::{Connection, Row, named_params, params};

use super::models::{ActiveTicket, Contact, ListParams, Order, Pipeline, Stage, StageRef, TIMESTAMPS};
use crate::http::pagination::Window;
use crate::store::search::FEW;
use crate::time::Millis;

/// Instants are integer milliseconds (UTC). A contact's active ticket lives on the contact row
/// (one per contact); custom fields of both entities share one table, told apart by `entity`.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS vambe_workspaces (
    id INTEGER PRIMARY KEY,
    api_key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS vambe_pipelines (
    workspace_id INTEGER NOT NULL REFERENCES vambe_workspaces(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE TABLE IF NOT EXISTS vambe_stages (
    workspace_id INTEGER NOT NULL REFERENCES vambe_workspaces(id),
    id TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX IF NOT EXISTS vambe_stages_by_pipeline
    ON vambe_stages (workspace_id, pipeline_id, id);
CREATE TABLE IF NOT EXISTS vambe_contacts (
    workspace_id INTEGER NOT NULL REFERENCES vambe_workspaces(id),
    id TEXT NOT NULL,
    name TEXT,
    phone TEXT,
    email TEXT,
    platform TEXT NOT NULL,
    last_message_at INTEGER NOT NULL,
    chat_status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    client_id TEXT NOT NULL,
    ai_customer_id TEXT NOT NULL,
    default_stage_id TEXT NOT NULL,
    blocked INTEGER NOT NULL,
    is_chat_read INTEGER NOT NULL,
    ticket_id TEXT,
    ticket_stage_id TEXT,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX IF NOT EXISTS vambe_contacts_by_last_message
    ON vambe_contacts (workspace_id, last_message_at DESC, id);
CREATE INDEX IF NOT EXISTS vambe_contacts_by_created
    ON vambe_contacts (workspace_id, created_at, id);
CREATE INDEX IF NOT EXISTS vambe_contacts_by_updated
    ON vambe_contacts (workspace_id, updated_at, id);
CREATE INDEX IF NOT EXISTS vambe_contacts_by_stage
    ON vambe_contacts (workspace_id, ticket_stage_id);
CREATE INDEX IF NOT EXISTS vambe_contacts_by_default_stage
    ON vambe_contacts (workspace_id, default_stage_id);
CREATE TABLE IF NOT EXISTS vambe_custom_fields (
    workspace_id INTEGER NOT NULL,
    contact_id TEXT NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('customer', 'ticket')),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (workspace_id, contact_id, entity, key)
) WITHOUT ROWID;
-- Seeks both ways: the contacts with a key's value, and whether one contact has it.
CREATE INDEX IF NOT EXISTS vambe_custom_fields_by_value
    ON vambe_custom_fields (workspace_id, key, value, contact_id, entity);
";

/// Every filter is AND-ed; a NULL parameter switches its filter off.
const CONTACT_FILTER: &str = "
    c.workspace_id = :workspace
    AND (:since IS NULL OR c.last_message_at >= :since)
    AND (:created_after IS NULL OR c.created_at > :created_after)
    AND (:updated_after IS NULL OR c.updated_at > :updated_after)
    AND (:stage IS NULL OR c.default_stage_id = :stage)
    AND (:pipeline IS NULL OR s.pipeline_id = :pipeline)
    AND (:field_key IS NULL OR EXISTS (
        SELECT 1 FROM vambe_custom_fields f
        WHERE f.workspace_id = c.workspace_id AND f.key = :field_key
          AND f.value = :field_value AND f.contact_id = c.id
          AND (:entity IS NULL OR f.entity = :entity)))";

/// One window of the workspace's contacts matching `params`, in the order the time filters
/// choose (ties: id ascending, so offsets are stable).
pub fn contacts(
    conn: &Connection,
    workspace: i64,
    params: &ListParams,
) -> rusqlite::Result<Vec<Contact>> {
    let order = match params.order() {
        Order::UpdatedAsc => "c.updated_at ASC, c.id ASC",
        Order::CreatedAsc => "c.created_at ASC, c.id ASC",
        Order::LastMessageDesc => "c.last_message_at DESC, c.id ASC",
    };
    let window = Window::offset(params.offset, params.limit);
    let custom = params.custom_field.as_ref();
    let show_stage = params.shows_current_stage();
    let entity = custom
        .and_then(|field| field.entity)
        .map(|entity| entity.as_str());
    // A value few contacts have: start from them rather than walk every contact in order.
    let few_fields = match custom {
        Some(field) => {
            conn.prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM vambe_custom_fields
                     WHERE workspace_id = ?1 AND key = ?2 AND value = ?3
                       AND (?4 IS NULL OR entity = ?4) LIMIT ?5)",
            )?
            .query_row(
                rusqlite::params![workspace, field.key, field.value, entity, FEW + 1],
                |row| row.get::<_, u64>(0),
            )? <= FEW
        }
        None => false,
    };
    let from = if few_fields {
        "(SELECT DISTINCT contact_id FROM vambe_custom_fields
          WHERE workspace_id = :workspace AND key = :field_key AND value = :field_value
            AND (:entity IS NULL OR entity = :entity)) fields
         CROSS JOIN vambe_contacts c
             ON c.workspace_id = :workspace AND c.id = fields.contact_id"
    } else {
        "vambe_contacts c"
    };
    conn.prepare_cached(&format!(
        "SELECT c.id, c.name, c.phone, c.email, c.platform, c.last_message_at, c.chat_status,
                c.created_at, c.updated_at, c.client_id, c.ai_customer_id, c.default_stage_id,
                c.blocked, c.is_chat_read, c.ticket_id, c.ticket_stage_id, s.name
         FROM {from}
         LEFT JOIN vambe_stages s ON s.workspace_id = c.workspace_id AND s.id = c.ticket_stage_id
         WHERE {CONTACT_FILTER}
         ORDER BY {order} LIMIT :limit OFFSET :offset"
    ))?
    .query_map(
        named_params! {
            ":workspace": workspace,
            ":since": params.last_message_since.map(|at| at.0),
            ":created_after": params.created_after.map(|at| at.0),
            ":updated_after": params.updated_after.map(|at| at.0),
            ":stage": params.stage_id,
            ":pipeline": params.pipeline_id,
            ":field_key": custom.map(|field| &field.key),
            ":field_value": custom.map(|field| &field.value),
            ":entity": entity,
            ":limit": window.limit,
            ":offset": window.offset,
        },
        |row| contact_from_row(row, show_stage),
    )?
    .collect()
}

fn contact_from_row(row: &Row<'_>, show_stage: bool) -> rusqlite::Result<Contact> {
    let ticket_id: Option<String> = row.get(14)?;
    let stage_id: Option<String> = row.get(15)?;
    let stage_name: Option<String> = row.get(16)?;
    let active_ticket_v2 = match (ticket_id, stage_id) {
        (Some(id), Some(current_stage_id)) => Some(ActiveTicket {
            id,
            current_stage: show_stage
                .then(|| {
                    stage_name.map(|name| StageRef {
                        id: current_stage_id.clone(),
                        name,
                    })
                })
                .flatten(),
            current_stage_id,
        }),
        _ => None,
    };
    Ok(Contact {
        id: row.get(0)?,
        name: row.get(1)?,
        phone: row.get(2)?,
        email: row.get(3)?,
        platform: row.get(4)?,
        last_message_at: TIMESTAMPS.render(Millis(row.get(5)?)),
        chat_status: row.get(6)?,
        created_at: TIMESTAMPS.render(Millis(row.get(7)?)),
        updated_at: TIMESTAMPS.render(Millis(row.get(8)?)),
        client_id: row.get(9)?,
        ai_customer_id: row.get(10)?,
        default_stage_id: row.get(11)?,
        blocked: row.get(12)?,
        is_chat_read: row.get(13)?,
        active_ticket_v2,
    })
}

/// The workspace's pipelines with their stages, each in seed order.
pub fn pipelines(conn: &Connection, workspace: i64) -> rusqlite::Result<Vec<Pipeline>> {
    let mut pipelines: Vec<Pipeline> = conn
        .prepare_cached(
            "SELECT id, name, description FROM vambe_pipelines
             WHERE workspace_id = ?1 ORDER BY position",
        )?
        .query_map(params![workspace], |row| {
            Ok(Pipeline {
                id: row.get(0)?,
                name: row.get(1)?,
                description: row.get(2)?,
                stages: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stages = conn.prepare_cached(
        "SELECT id, name, description FROM vambe_stages
         WHERE workspace_id = ?1 AND pipeline_id = ?2 ORDER BY position",
    )?;
    for pipeline in &mut pipelines {
        pipeline.stages = stages
            .query_map(params![workspace, pipeline.id], |row| {
                Ok(Stage {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    description: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(pipelines)
}
