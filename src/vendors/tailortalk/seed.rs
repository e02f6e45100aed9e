//! The `tailortalk.agents` seed section: agents with their token, envelope, contacts and leads,
//! each contact written as `get_contacts` returns it and each lead as `get_leads` does. Any key
//! of a contact besides the standard ones is a custom attribute; ids and timestamps left out
//! are generated. Every generated contact comes with a generated lead.

use std::collections::HashSet;

use rand::RngExt;
use rand::rngs::StdRng;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Number, Value, json};

use super::models::{CONVERTED, Envelope};
use super::queries::{self, StoredLead};
use crate::seed::tenants::{Stored, Tenant, Tenants, given_times, json_column, timestamp};
use crate::seed::{Result, fakes};
use crate::tenancy::TenantTable;
use crate::time::Millis;

/// A TailorTalk agent: its settings, contacts and leads.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TailorTalkAgent")]
pub struct AgentSeed {
    /// How `get_contacts` wraps its answer: as documented, or as the sibling endpoints.
    #[serde(default)]
    envelope: Envelope,
    #[serde(default)]
    contacts: Vec<ContactSeed>,
    #[serde(default)]
    leads: Vec<LeadSeed>,
}

/// A lead as `get_leads` renders it; `lead_contact` is required (it is what `mark_converted`
/// matches), the rest has defaults.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TailorTalkLead")]
struct LeadSeed {
    /// `<agent code>_<integration>_<contact's letters and digits>` when left out.
    id: Option<String>,
    lead_name: Option<String>,
    lead_contact: String,
    #[serde(default = "default_lead_status")]
    lead_status: String,
    last_message_time: Option<Millis>,
    joined: Option<Millis>,
    #[serde(default)]
    total_followups: u64,
    #[serde(default = "default_integration")]
    integration: String,
}

fn default_lead_status() -> String {
    "cold".into()
}

fn default_integration() -> String {
    "whatsapp".into()
}

/// A contact as the API renders it. Unknown keys are the point here (they are the custom
/// attributes), so no `deny_unknown_fields`.
#[derive(Deserialize, JsonSchema)]
#[schemars(
    rename = "TailorTalkContact",
    description = "A contact as `get_contacts` returns it: any key besides the standard ones is \
                   a custom attribute, whose value is a JSON scalar.",
    extend("additionalProperties" = {"type": ["string", "number", "boolean", "null"]})
)]
pub struct ContactSeed {
    name: Option<String>,
    phone_number: Option<String>,
    created_at: Option<Millis>,
    updated_at: Option<Millis>,
    #[serde(flatten)]
    custom_attributes: Map<String, Value>,
}

const PHONE_COUNTRIES: &[&str] = &["91", "91", "91", "91", "91", "91", "44", "1"];
const CITIES: &[&str] = &[
    "Mumbai",
    "Delhi",
    "Bengaluru",
    "Hyderabad",
    "Chennai",
    "Pune",
    "Kolkata",
    "Ahmedabad",
    "Jaipur",
    "Lucknow",
    "Kochi",
    "Indore",
];
const MEMBERSHIPS: &[&str] = &["Bronze", "Silver", "Gold", "Platinum"];
const LANGUAGES: &[&str] = &[
    "English", "Hindi", "Marathi", "Tamil", "Telugu", "Kannada", "Bengali", "Gujarati",
];
const SOURCES: &[&str] = &["WhatsApp", "Instagram", "Website", "CSV import", "Walk-in"];
/// Generated leads' statuses, weighted: most are cold, few converted.
const LEAD_STATUSES: &[&str] = &[
    "cold", "cold", "cold", "cold", "warm", "warm", "warm", "hot", "hot", CONVERTED,
];
/// The integration generated leads come through (their contact is a phone number).
const GENERATED_INTEGRATION: &str = "whatsapp";
/// How far before its last message a listed lead without `joined` joined, at most.
const JOINED_BEFORE_MS: i64 = 90 * 86_400_000;

/// Agents, each found by its token; the wrapped envelope noted.
pub const TENANTS: TenantTable = TenantTable::new("tailortalk_agents", "agent", &["token"])
    .noting("CASE WHEN envelope = 'wrapped' THEN 'wrapped envelope' END");

/// Loads one agent, keeping generated creation times distinct from every other of its
/// contacts (and generated last-message times from every other of its leads) so the
/// documented cursor recipe never meets a tie it did not ask for.
#[derive(Default)]
pub struct AgentLoader {
    created_times: HashSet<Millis>,
    /// The row id of the first generated contact, which the generated leads start from.
    first_generated: Option<i64>,
    lead_ids: HashSet<String>,
    message_times: HashSet<Millis>,
}

impl Tenants for AgentLoader {
    type Seed = AgentSeed;
    type Contact = ContactSeed;

    fn start(tenant: &mut Tenant<'_>, seed: &AgentSeed) -> Result<Self> {
        tenant.set("envelope", seed.envelope.as_str())?;
        Ok(Self::default())
    }

    fn contacts(seed: &AgentSeed) -> &[ContactSeed] {
        &seed.contacts
    }

    fn finish(&mut self, tenant: &mut Tenant<'_>, seed: &AgentSeed) -> Result {
        self.load_leads(tenant, &seed.leads)
    }

    fn insert_listed(&mut self, tenant: &mut Tenant<'_>, path: &str, seed: &ContactSeed) -> Result {
        for (key, value) in &seed.custom_attributes {
            if matches!(value, Value::Array(_) | Value::Object(_)) {
                return Err(tenant.error(
                    &format!("{path}.{key}"),
                    "a custom attribute must be a JSON scalar (string, number, boolean or null)",
                ));
            }
        }
        let (created_at, updated_at) = match given_times(seed.created_at, seed.updated_at) {
            Some(times) => times,
            None => {
                let created = self.fresh_created_at(tenant);
                (created, Self::updated_after(tenant, created))
            }
        };
        self.insert_contact(
            tenant,
            StoredContact {
                name: seed.name.clone(),
                phone_number: seed.phone_number.clone(),
                created_at: whole_seconds(created_at),
                updated_at: whole_seconds(updated_at),
                custom_attributes: seed.custom_attributes.clone(),
            },
        )
    }

    fn insert_generated(&mut self, tenant: &mut Tenant<'_>) -> Result {
        let name = fakes::chance(&mut tenant.rng, 0.95).then(|| {
            let first = fakes::first_name(&mut tenant.rng);
            let last = fakes::last_name(&mut tenant.rng);
            format!("{first} {last}")
        });
        let phone_number = Some(fakes::phone_digits(&mut tenant.rng, PHONE_COUNTRIES));
        let created_at = self.fresh_created_at(tenant);
        let updated_at = Self::updated_after(tenant, created_at);
        let custom_attributes = Self::generated_attributes(tenant);
        self.insert_contact(
            tenant,
            StoredContact {
                name,
                phone_number,
                created_at,
                updated_at,
                custom_attributes,
            },
        )?;
        self.first_generated
            .get_or_insert(tenant.ctx.tx.last_insert_rowid());
        Ok(())
    }

    fn export(agent: &Stored<'_>) -> rusqlite::Result<Value> {
        // In row order: ties on `created_at` are ordered by it, and a reload keeps it.
        let contacts = agent.records(
            "SELECT name, phone_number, created_at, updated_at, custom_attributes
             FROM tailortalk_contacts WHERE agent_id = ?1 ORDER BY id",
            |row| {
                let mut contact = match json_column(row, 4)? {
                    Value::Object(attributes) => attributes,
                    _ => Map::new(),
                };
                contact.insert("name".into(), row.get::<_, Option<String>>(0)?.into());
                contact.insert(
                    "phone_number".into(),
                    row.get::<_, Option<String>>(1)?.into(),
                );
                contact.insert("created_at".into(), timestamp(Millis(row.get(2)?)));
                contact.insert("updated_at".into(), timestamp(Millis(row.get(3)?)));
                Ok(Value::Object(contact))
            },
        )?;
        let leads = agent.records(
            "SELECT id, lead_name, lead_contact, lead_status, last_message_time, joined,
                    total_followups, integration
             FROM tailortalk_leads WHERE agent_id = ?1 ORDER BY row",
            |row| {
                Ok(json!({
                    "id": row.get::<_, String>(0)?,
                    "lead_name": row.get::<_, Option<String>>(1)?,
                    "lead_contact": row.get::<_, String>(2)?,
                    "lead_status": row.get::<_, String>(3)?,
                    "last_message_time": timestamp(Millis(row.get(4)?)),
                    "joined": timestamp(Millis(row.get(5)?)),
                    "total_followups": row.get::<_, u64>(6)?,
                    "integration": row.get::<_, String>(7)?,
                }))
            },
        )?;
        Ok(json!({
            "envelope": agent.setting::<String>("envelope")?,
            "contacts": contacts,
            "leads": leads,
        }))
    }
}

impl AgentLoader {
    /// The listed leads, then one lead for each generated contact (its name, phone number and
    /// creation time, a status, a last message after it joined). Lead ids are the vendor's
    /// shape: `<agent code>_<integration>_<contact, letters and digits only>`, the agent code
    /// being 8 letters drawn once per agent.
    fn load_leads(&mut self, tenant: &mut Tenant<'_>, listed: &[LeadSeed]) -> Result {
        let code: String = (0..8)
            .map(|_| char::from(b'a' + tenant.rng.random_range(0..26u8)))
            .collect();
        for (path, lead) in tenant.listed("leads", listed) {
            self.insert_listed_lead(tenant, &path, &code, lead)?;
        }
        let Some(first) = self.first_generated else {
            return Ok(());
        };
        let ctx = tenant.ctx;
        let mut contacts = ctx.tx.prepare(
            "SELECT name, phone_number, created_at FROM tailortalk_contacts
             WHERE agent_id = ?1 AND id >= ?2 ORDER BY id",
        )?;
        let mut rows = contacts.query(rusqlite::params![tenant.id, first])?;
        while let Some(row) = rows.next()? {
            let name: Option<String> = row.get(0)?;
            let Some(phone) = row.get::<_, Option<String>>(1)? else {
                continue;
            };
            let joined = Millis(row.get(2)?);
            let id = lead_id(&code, GENERATED_INTEGRATION, &phone);
            // Two generated contacts with one number would be one lead.
            if !self.lead_ids.insert(id.clone()) {
                continue;
            }
            let last_message_time = self.fresh_message_time(tenant, joined);
            let rng = &mut tenant.rng;
            let lead_status = fakes::pick(rng, LEAD_STATUSES);
            let total_followups = rng.random_range(0..=6u64);
            queries::insert_lead(
                ctx.tx,
                tenant.id,
                &StoredLead {
                    id: &id,
                    lead_name: name.as_deref(),
                    lead_contact: &phone,
                    lead_status,
                    last_message_time,
                    joined,
                    total_followups,
                    integration: GENERATED_INTEGRATION,
                },
            )?;
        }
        Ok(())
    }

    fn insert_listed_lead(
        &mut self,
        tenant: &mut Tenant<'_>,
        path: &str,
        code: &str,
        seed: &LeadSeed,
    ) -> Result {
        let ctx = tenant.ctx;
        tenant.not_blank(
            path,
            &[
                ("lead_contact", &seed.lead_contact),
                ("lead_status", &seed.lead_status),
                ("integration", &seed.integration),
            ],
        )?;
        let id = match &seed.id {
            Some(id) if id.trim().is_empty() => {
                return Err(ctx.error(&format!("{path}.id"), "must not be blank"));
            }
            Some(id) => id.clone(),
            None => lead_id(code, &seed.integration, &seed.lead_contact),
        };
        if !self.lead_ids.insert(id.clone()) {
            let hint = if seed.id.is_none() {
                " (another lead has this contact and integration; give this one an `id`)"
            } else {
                ""
            };
            return Err(ctx.error(
                &format!("{path}.id"),
                format!("duplicate lead id `{id}`{hint}"),
            ));
        }
        let (joined, last_message_time) = match (seed.joined, seed.last_message_time) {
            (Some(joined), Some(last)) => (whole_seconds(joined), whole_seconds(last)),
            (Some(joined), None) => {
                let joined = whole_seconds(joined);
                (joined, self.fresh_message_time(tenant, joined))
            }
            (None, Some(last)) => {
                let last = whole_seconds(last);
                let before = tenant.rng.random_range(0..=JOINED_BEFORE_MS);
                (whole_seconds(Millis(last.0 - before)), last)
            }
            (None, None) => {
                let joined =
                    whole_seconds(fakes::instant_within_days(&mut tenant.rng, ctx.now, 365));
                (joined, self.fresh_message_time(tenant, joined))
            }
        };
        self.message_times.insert(last_message_time);
        queries::insert_lead(
            ctx.tx,
            tenant.id,
            &StoredLead {
                id: &id,
                lead_name: seed.lead_name.as_deref(),
                lead_contact: &seed.lead_contact,
                lead_status: &seed.lead_status,
                last_message_time,
                joined,
                total_followups: seed.total_followups,
                integration: &seed.integration,
            },
        )?;
        Ok(())
    }

    /// A whole-second instant between `joined` and now that no other lead of the agent has
    /// as its last message: the nearest free second before the one drawn (not before
    /// `joined`), else the nearest after it.
    fn fresh_message_time(&mut self, tenant: &mut Tenant<'_>, joined: Millis) -> Millis {
        let now = whole_seconds(tenant.ctx.now);
        let drawn = whole_seconds(fakes::instant_between(&mut tenant.rng, joined, now));
        let mut at = drawn;
        while self.message_times.contains(&at) && at.0 - 1000 >= joined.0 {
            at = Millis(at.0 - 1000);
        }
        if self.message_times.contains(&at) {
            at = drawn;
            while self.message_times.contains(&at) {
                at = Millis(at.0 + 1000);
            }
        }
        self.message_times.insert(at);
        at
    }

    /// Most contacts carry a few attributes, some none at all; which ones varies.
    fn generated_attributes(tenant: &mut Tenant<'_>) -> Map<String, Value> {
        let rng = &mut tenant.rng;
        let mut attributes = Map::new();
        if fakes::chance(rng, 0.15) {
            return attributes;
        }
        let mut text = |key: &str, probability: f64, choices: &[&str], rng: &mut StdRng| {
            if fakes::chance(rng, probability) {
                attributes.insert(key.into(), Value::String(fakes::pick(rng, choices).into()));
            }
        };
        text("city", 0.85, CITIES, rng);
        text("membership", 0.5, MEMBERSHIPS, rng);
        text("language", 0.6, LANGUAGES, rng);
        text("lead_source", 0.4, SOURCES, rng);
        if fakes::chance(rng, 0.3) {
            let visits = fakes::digits(rng, 1).parse::<u64>().unwrap_or(1);
            attributes.insert("visits".into(), Value::Number(Number::from(visits)));
        }
        if fakes::chance(rng, 0.35) {
            attributes.insert("opted_in".into(), Value::Bool(fakes::chance(rng, 0.8)));
        }
        attributes
    }

    /// A whole-second instant in the last year that no other contact of the agent has.
    fn fresh_created_at(&self, tenant: &mut Tenant<'_>) -> Millis {
        loop {
            let at = whole_seconds(fakes::instant_within_days(
                &mut tenant.rng,
                tenant.ctx.now,
                365,
            ));
            if !self.created_times.contains(&at) {
                return at;
            }
        }
    }

    fn updated_after(tenant: &mut Tenant<'_>, created: Millis) -> Millis {
        whole_seconds(fakes::instant_between(
            &mut tenant.rng,
            created,
            tenant.ctx.now,
        ))
    }

    fn insert_contact(&mut self, tenant: &Tenant<'_>, contact: StoredContact) -> Result {
        let attributes = Value::Object(contact.custom_attributes).to_string();
        let mut insert = tenant.ctx.tx.prepare_cached(
            "INSERT INTO tailortalk_contacts
                 (agent_id, name, phone_number, created_at, updated_at, custom_attributes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        insert.execute(rusqlite::params![
            tenant.id,
            contact.name,
            contact.phone_number,
            contact.created_at.0,
            contact.updated_at.0,
            attributes
        ])?;
        self.created_times.insert(contact.created_at);
        Ok(())
    }
}

/// A lead id in the vendor's shape (`zrpxkxxu_assistant_shivajbdgmailcom`): the agent's code,
/// the integration and the contact's ASCII letters and digits, lower-cased.
fn lead_id(code: &str, integration: &str, contact: &str) -> String {
    let contact: String = contact
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("{code}_{integration}_{contact}")
}

/// The instant cut to its second: the vendor renders seconds only, so storing exactly what is
/// rendered keeps the `start_after` cursor free of hidden sub-second order.
fn whole_seconds(at: Millis) -> Millis {
    Millis(at.0.div_euclid(1000) * 1000)
}

struct StoredContact {
    name: Option<String>,
    phone_number: Option<String>,
    created_at: Millis,
    updated_at: Millis,
    custom_attributes: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_ids_keep_the_contacts_letters_and_digits() {
        assert_eq!(
            lead_id("zrpxkxxu", "assistant", "Shiva.JBD@gmail.com"),
            "zrpxkxxu_assistant_shivajbdgmailcom"
        );
        assert_eq!(
            lead_id("abcdefgh", "whatsapp", "+91 98123 45670"),
            "abcdefgh_whatsapp_919812345670"
        );
    }

    #[test]
    fn whole_seconds_rounds_down_on_both_sides_of_the_epoch() {
        assert_eq!(
            whole_seconds(Millis(1_762_580_357_999)),
            Millis(1_762_580_357_000)
        );
        assert_eq!(whole_seconds(Millis(-1)), Millis(-1000));
        assert_eq!(whole_seconds(Millis(5000)), Millis(5000));
    }
}
