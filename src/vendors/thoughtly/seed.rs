//! The `thoughtly.teams` seed section: teams (`team_id` + `api_token`, the rate-limit switch)
//! with their contacts and calls, written as the API returns them; ids and timestamps left out
//! are generated.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::models::QUEUED;
use super::queries::{self, StoredCall, StoredContact};
use crate::seed::tenants::{ContactLoader, Tenant, Tenants};
use crate::tenancy::TenantTable;
use crate::seed::{SeedError, fakes};
use crate::time::Millis;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSeed {
    /// Switches the documented rate limit on for this team (off by default).
    #[serde(default)]
    rate_limit: bool,
    #[serde(default)]
    contacts: Vec<ContactSeed>,
    /// Calls already placed, as `POST /contact/call` answers them.
    #[serde(default)]
    calls: Vec<CallSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallSeed {
    id: Option<String>,
    contact_id: String,
    interview_id: String,
    /// The contact's phone number when left out.
    phone_number: Option<String>,
    status: Option<String>,
    metadata: Option<Map<String, Value>>,
    created_at: Option<Millis>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactSeed {
    id: Option<String>,
    name: Option<String>,
    phone_number: Option<String>,
    email: Option<String>,
    country_code: Option<String>,
    tags: Option<Vec<String>>,
    attributes: Option<Map<String, Value>>,
    created_at: Option<Millis>,
    updated_at: Option<Millis>,
}

/// Country code and dialling prefix of generated phone numbers.
const COUNTRIES: &[&(&str, &str)] = &[
    &("US", "1"),
    &("US", "1"),
    &("US", "1"),
    &("CA", "1"),
    &("GB", "44"),
    &("AU", "61"),
    &("MX", "52"),
    &("IN", "91"),
];
const TAGS: &[&str] = &[
    "callback-requested",
    "customer",
    "do-not-call",
    "follow-up",
    "lead",
    "newsletter",
    "vip",
    "webinar",
];
const PLANS: &[&str] = &["free", "starter", "pro", "enterprise"];
const SOURCES: &[&str] = &[
    "website",
    "referral",
    "google_ads",
    "facebook_ads",
    "webinar",
    "csv_import",
    "inbound_call",
];

/// The section: its tenants, each with its records.
pub struct Teams;

impl Tenants for Teams {
    type Seed = TeamSeed;
    const TABLE: TenantTable = TenantTable {
        list: "teams",
        table: "thoughtly_teams",
        kind: "team",
        credentials: &["api_token", "team_id"],
        note: "CASE WHEN rate_limit THEN 'rate limit on' END",
    };

    fn fill(tenant: Tenant<'_, '_>, seed: &TeamSeed) -> Result<(), SeedError> {
        tenant.set("rate_limit", seed.rate_limit)?;
        let mut loader = TeamLoader::new(tenant);
        loader.load_contacts(&seed.contacts)?;
        // After the contacts, so that listing calls draws nothing from the generator before
        // the contacts are made (and they stay as they were), and calls can name any contact.
        for (path, call) in loader.tenant.listed("calls", &seed.calls) {
            loader.insert_listed_call(&path, call)?;
        }
        Ok(())
    }
}

/// Loads one team, keeping its contact ids unique.
struct TeamLoader<'a, 'c> {
    tenant: Tenant<'a, 'c>,
    contact_ids: HashSet<String>,
}

impl<'a, 'c> ContactLoader<'a, 'c> for TeamLoader<'a, 'c> {
    type Contact = ContactSeed;

    fn tenant(&self) -> &Tenant<'a, 'c> {
        &self.tenant
    }

    fn insert_listed_contact(&mut self, path: &str, seed: &ContactSeed) -> Result<(), SeedError> {
        let id = match &seed.id {
            Some(id) if id.trim().is_empty() => {
                return Err(self
                    .tenant
                    .ctx
                    .error(&format!("{path}.id"), "must not be blank"));
            }
            Some(id) if self.contact_ids.contains(id) => {
                return Err(self.tenant.ctx.error(
                    &format!("{path}.id"),
                    format!("duplicate contact id `{id}`"),
                ));
            }
            Some(id) => id.clone(),
            None => self.fresh_id(),
        };
        let tags = seed.tags.clone().unwrap_or_default();
        if let Some(index) = tags.iter().position(|tag| tag.trim().is_empty()) {
            return Err(self
                .tenant
                .ctx
                .error(&format!("{path}.tags[{index}]"), "must not be blank"));
        }
        let (created_at, updated_at) = match (seed.created_at, seed.updated_at) {
            (Some(created), Some(updated)) => (created, updated),
            (Some(created), None) => (created, created),
            (None, Some(updated)) => (updated, updated),
            (None, None) => self.generated_times(),
        };
        let attributes = seed.attributes.clone().unwrap_or_default();
        self.insert(&StoredContact {
            id: &id,
            name: seed.name.as_deref(),
            phone_number: seed.phone_number.as_deref(),
            email: seed.email.as_deref(),
            country_code: seed.country_code.as_deref(),
            tags: &tags,
            attributes: &attributes,
            created_at,
            updated_at,
        })
    }

    /// A realistic contact: most have a name and a phone number, fewer an email; tags and
    /// attributes (plan, source, city) spread unevenly.
    fn insert_generated_contact(&mut self) -> Result<(), SeedError> {
        let rng = &mut self.tenant.rng;
        let first = fakes::first_name(rng);
        let last = fakes::last_name(rng);
        let name = fakes::chance(rng, 0.95).then(|| format!("{first} {last}"));
        let (country, prefix) = *fakes::pick(rng, COUNTRIES);
        let phone_number =
            fakes::chance(rng, 0.8).then(|| format!("+{prefix}{}", fakes::digits(rng, 10)));
        let country_code = (phone_number.is_some() || fakes::chance(rng, 0.3)).then_some(country);
        let email = fakes::chance(rng, 0.7).then(|| fakes::email(rng, &first, &last));
        let tags: Vec<String> = fakes::some_of(rng, TAGS, 3)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut attributes = Map::new();
        if fakes::chance(rng, 0.7) {
            attributes.insert("plan".into(), fakes::pick(rng, PLANS).into());
        }
        if fakes::chance(rng, 0.8) {
            attributes.insert("source".into(), fakes::pick(rng, SOURCES).into());
        }
        if fakes::chance(rng, 0.6) {
            attributes.insert("city".into(), fakes::city(rng).into());
        }
        let (created_at, updated_at) = self.generated_times();
        let id = self.fresh_id();
        self.insert(&StoredContact {
            id: &id,
            name: name.as_deref(),
            phone_number: phone_number.as_deref(),
            email: email.as_deref(),
            country_code,
            tags: &tags,
            attributes: &attributes,
            created_at,
            updated_at,
        })
    }
}

impl<'a, 'c> TeamLoader<'a, 'c> {
    fn new(tenant: Tenant<'a, 'c>) -> Self {
        Self {
            tenant,
            contact_ids: HashSet::new(),
        }
    }

    fn insert_listed_call(&mut self, path: &str, seed: &CallSeed) -> Result<(), SeedError> {
        let ctx = self.tenant.ctx;
        let Some(contact_phone) = queries::contact_phone(ctx.tx, self.tenant.id, &seed.contact_id)?
        else {
            return Err(ctx.error(
                &format!("{path}.contact_id"),
                format!("no contact `{}` in this team", seed.contact_id),
            ));
        };
        for (field, value) in [
            ("interview_id", Some(&seed.interview_id)),
            ("status", seed.status.as_ref()),
        ] {
            if value.is_some_and(|value| value.trim().is_empty()) {
                return Err(ctx.error(&format!("{path}.{field}"), "must not be blank"));
            }
        }
        let created_at = seed.created_at.unwrap_or_else(|| {
            fakes::instant_within_days(&mut self.tenant.rng, ctx.now, 30)
        });
        let id = match &seed.id {
            Some(id) if id.trim().is_empty() => {
                return Err(ctx.error(&format!("{path}.id"), "must not be blank"));
            }
            Some(id) if queries::call_exists(ctx.tx, id)? => {
                return Err(ctx.error(&format!("{path}.id"), format!("duplicate call id `{id}`")));
            }
            Some(id) => id.clone(),
            None => queries::fresh_call_id(ctx.tx, &mut self.tenant.rng, created_at)?,
        };
        let metadata = seed.metadata.clone().unwrap_or_default();
        queries::insert_call(
            ctx.tx,
            self.tenant.id,
            &StoredCall {
                id: &id,
                contact_id: &seed.contact_id,
                interview_id: &seed.interview_id,
                phone_number: seed.phone_number.as_deref().or(contact_phone.as_deref()),
                status: seed.status.as_deref().unwrap_or(QUEUED),
                metadata: &metadata,
                created_at,
            },
        )?;
        Ok(())
    }

    fn generated_times(&mut self) -> (Millis, Millis) {
        let created = fakes::instant_within_days(&mut self.tenant.rng, self.tenant.ctx.now, 365);
        let updated = fakes::instant_between(&mut self.tenant.rng, created, self.tenant.ctx.now);
        (created, updated)
    }

    fn insert(&mut self, contact: &StoredContact<'_>) -> Result<(), SeedError> {
        queries::insert_contact(self.tenant.ctx.tx, self.tenant.id, contact)?;
        self.contact_ids.insert(contact.id.to_owned());
        Ok(())
    }

    /// A UUID no contact of this team has yet.
    fn fresh_id(&mut self) -> String {
        loop {
            let id = fakes::uuid_v4(&mut self.tenant.rng);
            if !self.contact_ids.contains(&id) {
                return id;
            }
        }
    }
}
