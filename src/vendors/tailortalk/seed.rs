//! The `tailortalk.agents` seed section: agents with their token, envelope and contacts, each
//! contact written as `get_contacts` returns it. Any key of a contact besides the standard ones
//! is a custom attribute; timestamps left out are generated.

use std::collections::HashSet;

use rand::rngs::StdRng;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use super::models::Envelope;
use crate::seed::tenants::{ContactLoader, Tenant, Tenants};
use crate::tenancy::TenantTable;
use crate::seed::{SeedError, fakes};
use crate::time::Millis;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSeed {
    #[serde(default)]
    envelope: Envelope,
    #[serde(default)]
    contacts: Vec<ContactSeed>,
}

/// A contact as the API renders it. Unknown keys are the point here (they are the custom
/// attributes), so no `deny_unknown_fields`.
#[derive(Deserialize)]
struct ContactSeed {
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

/// The section: its tenants, each with its records.
pub struct Agents;

impl Tenants for Agents {
    type Seed = AgentSeed;
    const TABLE: TenantTable = TenantTable {
        list: "agents",
        table: "tailortalk_agents",
        kind: "agent",
        credentials: &["token"],
        note: "CASE WHEN envelope = 'wrapped' THEN 'wrapped envelope' END",
    };

    fn fill(tenant: Tenant<'_, '_>, seed: &AgentSeed) -> Result<(), SeedError> {
        tenant.set("envelope", seed.envelope.as_str())?;
        AgentLoader::new(tenant).load_contacts(&seed.contacts)
    }
}

/// Loads one agent, keeping generated creation times distinct from every other of its
/// contacts so the documented cursor recipe never meets a tie it did not ask for.
struct AgentLoader<'a, 'c> {
    tenant: Tenant<'a, 'c>,
    created_times: HashSet<Millis>,
}

impl<'a, 'c> ContactLoader<'a, 'c> for AgentLoader<'a, 'c> {
    type Contact = ContactSeed;

    fn tenant(&self) -> &Tenant<'a, 'c> {
        &self.tenant
    }

    fn insert_listed_contact(&mut self, path: &str, seed: &ContactSeed) -> Result<(), SeedError> {
        for (key, value) in &seed.custom_attributes {
            if matches!(value, Value::Array(_) | Value::Object(_)) {
                return Err(self.tenant.ctx.error(
                    &format!("{path}.{key}"),
                    "a custom attribute must be a JSON scalar (string, number, boolean or null)",
                ));
            }
        }
        let (created_at, updated_at) = match (seed.created_at, seed.updated_at) {
            (Some(created), Some(updated)) => (created, updated),
            (Some(created), None) => (created, created),
            (None, Some(updated)) => (updated, updated),
            (None, None) => {
                let created = self.fresh_created_at();
                (created, self.updated_after(created))
            }
        };
        self.insert_contact(StoredContact {
            name: seed.name.clone(),
            phone_number: seed.phone_number.clone(),
            created_at: whole_seconds(created_at),
            updated_at: whole_seconds(updated_at),
            custom_attributes: seed.custom_attributes.clone(),
        })
    }

    fn insert_generated_contact(&mut self) -> Result<(), SeedError> {
        let name = fakes::chance(&mut self.tenant.rng, 0.95).then(|| {
            let first = fakes::first_name(&mut self.tenant.rng);
            let last = fakes::last_name(&mut self.tenant.rng);
            format!("{first} {last}")
        });
        let phone_number = Some(fakes::phone_digits(&mut self.tenant.rng, PHONE_COUNTRIES));
        let created_at = self.fresh_created_at();
        let updated_at = self.updated_after(created_at);
        let custom_attributes = self.generated_attributes();
        self.insert_contact(StoredContact {
            name,
            phone_number,
            created_at,
            updated_at,
            custom_attributes,
        })
    }
}

impl<'a, 'c> AgentLoader<'a, 'c> {
    fn new(tenant: Tenant<'a, 'c>) -> Self {
        Self {
            tenant,
            created_times: HashSet::new(),
        }
    }

    /// Most contacts carry a few attributes, some none at all; which ones varies.
    fn generated_attributes(&mut self) -> Map<String, Value> {
        let rng = &mut self.tenant.rng;
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
    fn fresh_created_at(&mut self) -> Millis {
        loop {
            let at = whole_seconds(fakes::instant_within_days(
                &mut self.tenant.rng,
                self.tenant.ctx.now,
                365,
            ));
            if !self.created_times.contains(&at) {
                return at;
            }
        }
    }

    fn updated_after(&mut self, created: Millis) -> Millis {
        whole_seconds(fakes::instant_between(
            &mut self.tenant.rng,
            created,
            self.tenant.ctx.now,
        ))
    }

    fn insert_contact(&mut self, contact: StoredContact) -> Result<(), SeedError> {
        let attributes = Value::Object(contact.custom_attributes).to_string();
        let mut insert = self.tenant.ctx.tx.prepare_cached(
            "INSERT INTO tailortalk_contacts
                 (agent_id, name, phone_number, created_at, updated_at, custom_attributes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        insert.execute(
            rusqlite::params![
                self.tenant.id,
                contact.name,
                contact.phone_number,
                contact.created_at.0,
                contact.updated_at.0,
                attributes
            ],
        )?;
        self.created_times.insert(contact.created_at);
        Ok(())
    }
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
    fn whole_seconds_rounds_down_on_both_sides_of_the_epoch() {
        assert_eq!(
            whole_seconds(Millis(1_762_580_357_999)),
            Millis(1_762_580_357_000)
        );
        assert_eq!(whole_seconds(Millis(-1)), Millis(-1000));
        assert_eq!(whole_seconds(Millis(5000)), Millis(5000));
    }
}
