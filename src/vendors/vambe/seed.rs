//! The `vambe.workspaces` seed section: workspaces with their pipelines (and stages) and
//! contacts written as the API returns them, plus the seed-only `custom_fields` of the customer
//! (on the contact) and of the ticket (on `active_ticket_v2`). Ids and timestamps left out are
//! generated; ids are UUIDs (the vendor's pattern), stored lower case.

use std::collections::{BTreeMap, HashSet};

use rand::RngExt;
use rand::rngs::StdRng;
use rusqlite::params;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::models::{CHAT_STATUSES, EntityType, PLATFORMS, is_vambe_uuid};
use crate::seed::tenants::{Stored, Tenant, Tenants, timestamp};
use crate::seed::{Result, SeedContext, fakes};
use crate::tenancy::TenantTable;
use crate::time::Millis;

const DAY_MS: i64 = 86_400_000;

/// A Vambe workspace: its pipelines and contacts.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VambeWorkspace")]
pub struct WorkspaceSeed {
    #[serde(default)]
    pipelines: Vec<PipelineSeed>,
    #[serde(default)]
    contacts: Vec<ContactSeed>,
}

/// A pipeline as the API returns it, with its stages in order.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VambePipeline")]
struct PipelineSeed {
    /// A UUID.
    id: Option<String>,
    name: String,
    description: Option<String>,
    #[serde(default)]
    stages: Vec<StageSeed>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VambeStage")]
struct StageSeed {
    /// A UUID, unique within the workspace.
    id: Option<String>,
    name: String,
    description: Option<String>,
}

/// A contact as the API returns it, plus the seed-only custom fields of its customer and
/// ticket.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VambeContact")]
pub struct ContactSeed {
    /// A UUID.
    id: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    /// One of the vendor's platforms (`whatsapp` when left out).
    platform: Option<String>,
    last_message_at: Option<Millis>,
    /// `UNATTENDED` (when left out), `ATTENDED` or `CLOSED`.
    chat_status: Option<String>,
    created_at: Option<Millis>,
    updated_at: Option<Millis>,
    /// A UUID; the workspace's own when left out.
    client_id: Option<String>,
    /// A UUID.
    ai_customer_id: Option<String>,
    /// A stage of the workspace's pipelines (any UUID in a workspace without stages); the
    /// first stage when left out.
    default_stage_id: Option<String>,
    blocked: Option<bool>,
    is_chat_read: Option<bool>,
    /// The customer entity's custom fields (seed-only, never rendered).
    #[serde(default)]
    #[schemars(extend("additionalProperties" = {"type": ["string", "number", "boolean"]}))]
    custom_fields: BTreeMap<String, Value>,
    active_ticket_v2: Option<TicketSeed>,
}

/// The contact's active ticket, plus the seed-only custom fields of the ticket.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VambeTicket")]
struct TicketSeed {
    /// A UUID.
    id: Option<String>,
    /// A stage of the workspace's pipelines.
    current_stage_id: String,
    /// Accepted so a response filtered by pipeline can be pasted; the stage is always derived.
    #[serde(rename = "current_stage")]
    #[schemars(with = "Option<Value>")]
    _current_stage: Option<IgnoredAny>,
    /// The ticket entity's custom fields (seed-only, never rendered).
    #[serde(default)]
    #[schemars(extend("additionalProperties" = {"type": ["string", "number", "boolean"]}))]
    custom_fields: BTreeMap<String, Value>,
}

/// Mobile prefixes and how many digits follow them: Chile (most), Mexico, Colombia, Peru,
/// Argentina.
const PHONE_FORMATS: &[(&str, usize)] = &[
    ("+569", 8),
    ("+569", 8),
    ("+569", 8),
    ("+521", 10),
    ("+573", 9),
    ("+519", 8),
    ("+54911", 8),
];
const CUSTOMER_STATUSES: &[&str] = &["Active", "Active", "Inactive", "Lead"];
const CUSTOMER_SEGMENTS: &[&str] = &["SMB", "Enterprise", "Retail"];
const TICKET_PRIORITIES: &[&str] = &["low", "medium", "medium", "high"];
const TICKET_SOURCES: &[&str] = &["Instagram Ads", "Referral", "Website", "Google Ads"];
/// Weighted: most conversations come in over WhatsApp.
const GENERATED_PLATFORMS: &[&str] = &[
    "whatsapp",
    "whatsapp",
    "whatsapp",
    "whatsapp",
    "web-whatsapp",
    "instagram",
    "instagram",
    "messenger",
    "webchat",
    "sms",
    "playground",
];

/// Workspaces, each found by its API key.
pub const TENANTS: TenantTable = TenantTable::new("vambe_workspaces", "workspace", &["api_key"]);

/// Loads one workspace, keeping its pipeline, stage and contact ids unique and every
/// generated `updated_at` distinct (so a strictly-after sync cursor never lands mid-tie).
#[derive(Default)]
pub struct WorkspaceLoader {
    /// The workspace-wide `client_id` generated contacts carry.
    client_id: String,
    pipeline_ids: HashSet<String>,
    /// Stage ids in pipeline order.
    stage_ids: Vec<String>,
    contact_ids: HashSet<String>,
    ticket_ids: HashSet<String>,
    updated_ats: HashSet<i64>,
    created_ats: HashSet<i64>,
}

impl Tenants for WorkspaceLoader {
    type Seed = WorkspaceSeed;
    type Contact = ContactSeed;

    /// The workspace's pipelines and their stages, before the contacts that sit in them.
    fn start(tenant: &mut Tenant<'_>, workspace: &WorkspaceSeed) -> Result<Self> {
        let mut loader = Self {
            client_id: fakes::uuid_v4(&mut tenant.rng),
            ..Self::default()
        };
        for (path, pipeline) in tenant.listed("pipelines", &workspace.pipelines) {
            loader.insert_pipeline(tenant, &path, pipeline)?;
        }
        Ok(loader)
    }

    fn contacts(workspace: &WorkspaceSeed) -> &[ContactSeed] {
        &workspace.contacts
    }

    fn insert_listed(&mut self, tenant: &mut Tenant<'_>, path: &str, seed: &ContactSeed) -> Result {
        let id = self.given_or_fresh_id(
            tenant,
            &format!("{path}.id"),
            seed.id.as_deref(),
            |me, id| me.contact_ids.contains(id),
        )?;
        let platform = match seed.platform.as_deref() {
            None => "whatsapp".to_owned(),
            Some(platform) => {
                Self::one_of(tenant, &format!("{path}.platform"), platform, PLATFORMS)?
            }
        };
        let chat_status = match seed.chat_status.as_deref() {
            None => "UNATTENDED".to_owned(),
            Some(status) => Self::one_of(
                tenant,
                &format!("{path}.chat_status"),
                status,
                CHAT_STATUSES,
            )?,
        };
        let client_id = match seed.client_id.as_deref() {
            None => self.client_id.clone(),
            Some(id) => Self::uuid(tenant, &format!("{path}.client_id"), id)?,
        };
        let ai_customer_id = match seed.ai_customer_id.as_deref() {
            None => fakes::uuid_v4(&mut tenant.rng),
            Some(id) => Self::uuid(tenant, &format!("{path}.ai_customer_id"), id)?,
        };
        let default_stage_id = match seed.default_stage_id.as_deref() {
            None => self.first_stage_id(tenant),
            // Without stages, a contact's default stage is a random UUID (see
            // `first_stage_id`); a snapshot of such a workspace must load again.
            Some(id) if self.stage_ids.is_empty() => {
                Self::uuid(tenant, &format!("{path}.default_stage_id"), id)?
            }
            Some(id) => self.stage_of_workspace(tenant, &format!("{path}.default_stage_id"), id)?,
        };
        // Whatever instants are given anchor the others: a contact is created, then messages,
        // then is updated.
        let given = [seed.created_at, seed.last_message_at, seed.updated_at];
        let (created_at, last_message_at, updated_at) = match given {
            [None, None, None] => {
                let created = fakes::instant_within_days(&mut tenant.rng, tenant.ctx.now, 365);
                let updated = fakes::instant_between(&mut tenant.rng, created, tenant.ctx.now);
                (created, updated, updated)
            }
            [created, message, updated] => {
                let earliest = given.iter().flatten().min().copied();
                let latest = given.iter().flatten().max().copied();
                let created = created.or(earliest).unwrap_or(tenant.ctx.now);
                let updated = updated.or(latest).unwrap_or(created);
                (created, message.unwrap_or(updated), updated)
            }
        };
        let ticket = match &seed.active_ticket_v2 {
            None => None,
            Some(ticket) => {
                Some(self.listed_ticket(tenant, &format!("{path}.active_ticket_v2"), ticket)?)
            }
        };
        let customer_fields = custom_fields(
            tenant.ctx,
            &format!("{path}.custom_fields"),
            &seed.custom_fields,
        )?;
        self.insert_contact(
            tenant,
            StoredContact {
                id,
                name: seed.name.clone(),
                phone: seed.phone.clone(),
                email: seed.email.clone(),
                platform,
                last_message_at,
                chat_status,
                created_at,
                updated_at,
                client_id,
                ai_customer_id,
                default_stage_id,
                blocked: seed.blocked.unwrap_or(false),
                is_chat_read: seed.is_chat_read.unwrap_or(false),
                customer_fields,
                ticket,
            },
        )
    }

    fn insert_generated(&mut self, tenant: &mut Tenant<'_>) -> Result {
        let now = tenant.ctx.now;
        let rng = &mut tenant.rng;
        let first = fakes::first_name(rng);
        let last = fakes::last_name(rng);
        let name = fakes::chance(rng, 0.95).then(|| format!("{first} {last}"));
        let phone = fakes::chance(rng, 0.9).then(|| {
            let (prefix, digits) = PHONE_FORMATS[rng.random_range(0..PHONE_FORMATS.len())];
            format!("{prefix}{}", fakes::digits(rng, digits))
        });
        let email = fakes::chance(rng, 0.6).then(|| fakes::email(rng, &first, &last));
        let platform = fakes::pick(rng, GENERATED_PLATFORMS).to_owned();
        // Spread over the last year, denser towards now, so that `days=7`, `days=30` and
        // `days=365` give different counts (and a few contacts fall outside the year).
        let last_message_at = match rng_bucket(rng) {
            0 => fakes::instant_within_days(rng, now, 7),
            1 => fakes::instant_within_days(rng, now, 30),
            2 => fakes::instant_within_days(rng, now, 365),
            _ => fakes::instant_within_days(rng, now.minus_days(366), 134),
        };
        let created_at = Millis(last_message_at.0 - rng_span(rng, 180 * DAY_MS));
        let updated_at = fakes::instant_between(
            rng,
            last_message_at,
            Millis((last_message_at.0 + 3 * DAY_MS).min(now.0)),
        );
        let chat_status = if fakes::chance(rng, 0.15) {
            "UNATTENDED"
        } else {
            fakes::pick(rng, CHAT_STATUSES)
        }
        .to_owned();
        let blocked = fakes::chance(rng, 0.03);
        let is_chat_read = chat_status != "UNATTENDED" && fakes::chance(rng, 0.8);
        let ai_customer_id = fakes::uuid_v4(rng);
        let mut customer_fields = Vec::new();
        if fakes::chance(rng, 0.7) {
            customer_fields.push(("status".into(), fakes::pick(rng, CUSTOMER_STATUSES).into()));
        }
        if fakes::chance(rng, 0.5) {
            customer_fields.push(("city".into(), fakes::city(rng)));
        }
        if fakes::chance(rng, 0.3) {
            customer_fields.push(("segment".into(), fakes::pick(rng, CUSTOMER_SEGMENTS).into()));
        }
        let ticket = if !self.stage_ids.is_empty() && fakes::chance(&mut tenant.rng, 0.8) {
            Some(self.generated_ticket(tenant))
        } else {
            None
        };
        let id = fakes::fresh_uuid(&mut tenant.rng, |id| self.contact_ids.contains(id));
        let created_at = self.distinct(created_at, |me| &mut me.created_ats);
        let updated_at = self.distinct(updated_at.max(created_at), |me| &mut me.updated_ats);
        let default_stage_id = self.generated_default_stage_id(tenant, &id);
        self.insert_contact(
            tenant,
            StoredContact {
                id,
                name,
                phone,
                email,
                platform,
                last_message_at,
                chat_status,
                created_at,
                updated_at,
                client_id: self.client_id.clone(),
                ai_customer_id,
                default_stage_id,
                blocked,
                is_chat_read,
                customer_fields,
                ticket,
            },
        )
    }

    fn export(workspace: &Stored<'_>) -> rusqlite::Result<Value> {
        let mut stages = workspace.records_below(
            "SELECT id, name, description FROM vambe_stages
             WHERE workspace_id = ?1 AND pipeline_id = ?2 ORDER BY position",
            |row| {
                Ok(json!({
                    "id": row.get::<_, String>(0)?,
                    "name": row.get::<_, String>(1)?,
                    "description": row.get::<_, Option<String>>(2)?,
                }))
            },
        )?;
        let pipelines = workspace.records(
            "SELECT id, name, description FROM vambe_pipelines
             WHERE workspace_id = ?1 ORDER BY position",
            |row| {
                let pipeline_id: String = row.get(0)?;
                Ok(json!({
                    "id": &pipeline_id,
                    "name": row.get::<_, String>(1)?,
                    "description": row.get::<_, Option<String>>(2)?,
                    "stages": stages.of(&pipeline_id)?,
                }))
            },
        )?;
        let mut fields = workspace.conn.prepare(
            "SELECT key, value FROM vambe_custom_fields
             WHERE workspace_id = ?1 AND contact_id = ?2 AND entity = ?3",
        )?;
        // Stored as text (what the filter compares), so written back as strings.
        let mut fields_of = |contact_id: &str, entity: EntityType| {
            fields
                .query_map(params![workspace.id, contact_id, entity.as_str()], |row| {
                    Ok((row.get::<_, String>(0)?, Value::String(row.get(1)?)))
                })?
                .collect::<rusqlite::Result<Map<String, Value>>>()
        };
        let contacts = workspace.records(
            "SELECT id, name, phone, email, platform, last_message_at, chat_status, created_at,
                    updated_at, client_id, ai_customer_id, default_stage_id, blocked,
                    is_chat_read, ticket_id, ticket_stage_id
             FROM vambe_contacts WHERE workspace_id = ?1 ORDER BY rowid",
            |row| {
                let contact_id: String = row.get(0)?;
                let ticket = match (
                    row.get::<_, Option<String>>(14)?,
                    row.get::<_, Option<String>>(15)?,
                ) {
                    (Some(ticket_id), Some(stage_id)) => json!({
                        "id": ticket_id,
                        "current_stage_id": stage_id,
                        "custom_fields": fields_of(&contact_id, EntityType::Ticket)?,
                    }),
                    _ => Value::Null,
                };
                Ok(json!({
                    "id": &contact_id,
                    "name": row.get::<_, Option<String>>(1)?,
                    "phone": row.get::<_, Option<String>>(2)?,
                    "email": row.get::<_, Option<String>>(3)?,
                    "platform": row.get::<_, String>(4)?,
                    "last_message_at": timestamp(Millis(row.get(5)?)),
                    "chat_status": row.get::<_, String>(6)?,
                    "created_at": timestamp(Millis(row.get(7)?)),
                    "updated_at": timestamp(Millis(row.get(8)?)),
                    "client_id": row.get::<_, String>(9)?,
                    "ai_customer_id": row.get::<_, String>(10)?,
                    "default_stage_id": row.get::<_, String>(11)?,
                    "blocked": row.get::<_, bool>(12)?,
                    "is_chat_read": row.get::<_, bool>(13)?,
                    "custom_fields": fields_of(&contact_id, EntityType::Customer)?,
                    "active_ticket_v2": ticket,
                }))
            },
        )?;
        Ok(json!({
            "pipelines": pipelines,
            "contacts": contacts,
        }))
    }
}

impl WorkspaceLoader {
    fn insert_pipeline(
        &mut self,
        tenant: &mut Tenant<'_>,
        path: &str,
        pipeline: &PipelineSeed,
    ) -> Result {
        if pipeline.name.trim().is_empty() {
            return Err(tenant.error(&format!("{path}.name"), "must not be blank"));
        }
        let id = self.given_or_fresh_id(
            tenant,
            &format!("{path}.id"),
            pipeline.id.as_deref(),
            |me, id| me.pipeline_ids.contains(id),
        )?;
        tenant.ctx.tx.execute(
            "INSERT INTO vambe_pipelines (workspace_id, id, name, description, position)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                tenant.id,
                id,
                pipeline.name,
                pipeline.description,
                self.pipeline_ids.len() as i64
            ],
        )?;
        self.pipeline_ids.insert(id.clone());
        for (index, stage) in pipeline.stages.iter().enumerate() {
            let stage_path = format!("{path}.stages[{index}]");
            if stage.name.trim().is_empty() {
                return Err(tenant.error(&format!("{stage_path}.name"), "must not be blank"));
            }
            let stage_id = self.given_or_fresh_id(
                tenant,
                &format!("{stage_path}.id"),
                stage.id.as_deref(),
                |me, id| me.stage_ids.iter().any(|taken| taken == id),
            )?;
            tenant.ctx.tx.execute(
                "INSERT INTO vambe_stages (workspace_id, id, pipeline_id, name, description,
                     position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    tenant.id,
                    stage_id,
                    id,
                    stage.name,
                    stage.description,
                    index as i64
                ],
            )?;
            self.stage_ids.push(stage_id);
        }
        Ok(())
    }

    fn listed_ticket(
        &mut self,
        tenant: &mut Tenant<'_>,
        path: &str,
        seed: &TicketSeed,
    ) -> Result<StoredTicket> {
        let id = self.given_or_fresh_id(
            tenant,
            &format!("{path}.id"),
            seed.id.as_deref(),
            |me, id| me.ticket_ids.contains(id),
        )?;
        let stage_id = self.stage_of_workspace(
            tenant,
            &format!("{path}.current_stage_id"),
            &seed.current_stage_id,
        )?;
        let fields = custom_fields(
            tenant.ctx,
            &format!("{path}.custom_fields"),
            &seed.custom_fields,
        )?;
        Ok(StoredTicket {
            id,
            stage_id,
            fields,
        })
    }

    fn generated_ticket(&self, tenant: &mut Tenant<'_>) -> StoredTicket {
        let stage_names: Vec<&str> = self.stage_ids.iter().map(String::as_str).collect();
        let stage_id = fakes::pick(&mut tenant.rng, &stage_names).to_owned();
        let mut fields = Vec::new();
        if fakes::chance(&mut tenant.rng, 0.7) {
            fields.push((
                "priority".into(),
                fakes::pick(&mut tenant.rng, TICKET_PRIORITIES).into(),
            ));
        }
        if fakes::chance(&mut tenant.rng, 0.5) {
            fields.push((
                "source".into(),
                fakes::pick(&mut tenant.rng, TICKET_SOURCES).into(),
            ));
        }
        StoredTicket {
            id: fakes::fresh_uuid(&mut tenant.rng, |id| self.ticket_ids.contains(id)),
            stage_id,
            fields,
        }
    }

    fn insert_contact(&mut self, tenant: &Tenant<'_>, contact: StoredContact) -> Result {
        let (ticket_id, ticket_stage_id) = match &contact.ticket {
            Some(ticket) => (Some(&ticket.id), Some(&ticket.stage_id)),
            None => (None, None),
        };
        let mut insert = tenant.ctx.tx.prepare_cached(
            "INSERT INTO vambe_contacts (workspace_id, id, name, phone, email, platform,
                 last_message_at, chat_status, created_at, updated_at, client_id, ai_customer_id,
                 default_stage_id, blocked, is_chat_read, ticket_id, ticket_stage_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?;
        insert.execute(rusqlite::params![
            tenant.id,
            contact.id,
            contact.name,
            contact.phone,
            contact.email,
            contact.platform,
            contact.last_message_at.0,
            contact.chat_status,
            contact.created_at.0,
            contact.updated_at.0,
            contact.client_id,
            contact.ai_customer_id,
            contact.default_stage_id,
            contact.blocked,
            contact.is_chat_read,
            ticket_id,
            ticket_stage_id,
        ])?;
        let mut insert_field = tenant.ctx.tx.prepare_cached(
            "INSERT INTO vambe_custom_fields (workspace_id, contact_id, entity, key, value)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let ticket_fields = contact.ticket.iter().flat_map(|ticket| {
            ticket
                .fields
                .iter()
                .map(|field| (EntityType::Ticket, field))
        });
        let customer_fields = contact
            .customer_fields
            .iter()
            .map(|field| (EntityType::Customer, field));
        for (entity, (key, value)) in customer_fields.chain(ticket_fields) {
            insert_field.execute(rusqlite::params![
                tenant.id,
                contact.id,
                entity.as_str(),
                key,
                value
            ])?;
        }
        if let Some(ticket) = &contact.ticket {
            self.ticket_ids.insert(ticket.id.clone());
        }
        self.created_ats.insert(contact.created_at.0);
        self.updated_ats.insert(contact.updated_at.0);
        self.contact_ids.insert(contact.id);
        Ok(())
    }

    /// A listed contact without a `default_stage_id` starts in the first stage of the first
    /// pipeline; a random id when the workspace has no stage at all.
    fn first_stage_id(&self, tenant: &mut Tenant<'_>) -> String {
        match self.stage_ids.first() {
            Some(id) => id.clone(),
            None => fakes::uuid_v4(&mut tenant.rng),
        }
    }

    /// A generated contact's default stage: one of the workspace's stages, chosen by the
    /// contact's (random) id so that contacts spread over every stage without another draw of
    /// the generator (which would change every contact generated after it). Independent of the
    /// ticket's stage, so that for most contacts the two differ.
    fn generated_default_stage_id(&self, tenant: &mut Tenant<'_>, contact_id: &str) -> String {
        let spread = contact_id
            .get(..8)
            .and_then(|head| u32::from_str_radix(head, 16).ok())
            .unwrap_or(0) as usize;
        match self.stage_ids.get(spread % self.stage_ids.len().max(1)) {
            Some(id) => id.clone(),
            None => fakes::uuid_v4(&mut tenant.rng),
        }
    }

    /// `id` lower-cased if it names a stage of one of this workspace's pipelines.
    fn stage_of_workspace(&self, tenant: &Tenant<'_>, path: &str, id: &str) -> Result<String> {
        let stage_id = Self::uuid(tenant, path, id)?;
        if !self.stage_ids.contains(&stage_id) {
            return Err(tenant.error(
                path,
                format!("no stage `{id}` in this workspace's pipelines"),
            ));
        }
        Ok(stage_id)
    }

    /// `value` if it is one of `allowed`, else an error naming them.
    fn one_of(tenant: &Tenant<'_>, path: &str, value: &str, allowed: &[&str]) -> Result<String> {
        if allowed.contains(&value) {
            Ok(value.to_owned())
        } else {
            Err(tenant.error(
                path,
                format!(
                    "unknown value `{value}`: expected one of {}",
                    allowed.join(", ")
                ),
            ))
        }
    }

    /// `id` lower-cased if it matches the vendor's UUID pattern.
    fn uuid(tenant: &Tenant<'_>, path: &str, id: &str) -> Result<String> {
        if is_vambe_uuid(id) {
            Ok(id.to_ascii_lowercase())
        } else {
            Err(tenant.error(path, format!("`{id}` is not a UUID (the vendor's pattern)")))
        }
    }

    /// The given id (a UUID not yet `taken`) or a fresh one.
    fn given_or_fresh_id(
        &self,
        tenant: &mut Tenant<'_>,
        path: &str,
        given: Option<&str>,
        taken: impl Fn(&Self, &str) -> bool,
    ) -> Result<String> {
        match given {
            None => Ok(fakes::fresh_uuid(&mut tenant.rng, |id| taken(self, id))),
            Some(given) => {
                let id = Self::uuid(tenant, path, given)?;
                if taken(self, &id) {
                    return Err(tenant.error(path, format!("duplicate id `{given}`")));
                }
                Ok(id)
            }
        }
    }

    /// `at`, moved forward a millisecond at a time until no contact of this workspace has it.
    fn distinct(&mut self, at: Millis, used: impl Fn(&mut Self) -> &mut HashSet<i64>) -> Millis {
        let used = used(self);
        let mut at = at.0;
        while used.contains(&at) {
            at += 1;
        }
        Millis(at)
    }
}

/// Which horizon a generated last message falls in: 0 within a week (10%), 1 within a month
/// (20%), 2 within a year (60%), 3 between a year and 500 days ago (10%).
fn rng_bucket(rng: &mut StdRng) -> u8 {
    match rng.random_range(0..100u8) {
        0..10 => 0,
        10..30 => 1,
        30..90 => 2,
        _ => 3,
    }
}

/// A random span of `0..=max_ms` milliseconds.
fn rng_span(rng: &mut StdRng, max_ms: i64) -> i64 {
    rng.random_range(0..=max_ms)
}

/// Seed custom fields as stored text: strings as they are, numbers and booleans as JSON writes
/// them (the filter compares text, as it arrives in the query string).
fn custom_fields(
    ctx: &SeedContext<'_>,
    path: &str,
    fields: &BTreeMap<String, Value>,
) -> Result<Vec<(String, String)>> {
    let mut stored = Vec::with_capacity(fields.len());
    for (key, value) in fields {
        if key.is_empty() {
            return Err(ctx.error(path, "custom field keys must not be empty"));
        }
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => {
                return Err(ctx.error(
                    &format!("{path}.{key}"),
                    "a custom field value must be a string, number or boolean",
                ));
            }
        };
        stored.push((key.clone(), text));
    }
    Ok(stored)
}

struct StoredContact {
    id: String,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    platform: String,
    last_message_at: Millis,
    chat_status: String,
    created_at: Millis,
    updated_at: Millis,
    client_id: String,
    ai_customer_id: String,
    default_stage_id: String,
    blocked: bool,
    is_chat_read: bool,
    customer_fields: Vec<(String, String)>,
    ticket: Option<StoredTicket>,
}

struct StoredTicket {
    id: String,
    stage_id: String,
    fields: Vec<(String, String)>,
}
