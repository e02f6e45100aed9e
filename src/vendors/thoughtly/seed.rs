//! The `thoughtly.teams` seed section: teams (`team_id` + `api_token`, the rate-limit switch)
//! with their contacts and calls, written as the API returns them; ids and timestamps left out
//! are generated.

use std::collections::HashSet;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::models::{QUEUED, is_blank};
use super::queries::{self, StoredCall, StoredContact, TagRow};
use crate::seed::tenants::{
    KeyOrdered, Stored, Tenant, Tenants, given_times, json_column, timestamp,
};
use crate::seed::{Result, fakes};
use crate::tenancy::{RATE_LIMIT_NOTE, TenantTable};
use crate::time::Millis;

/// A Thoughtly team: its settings, contacts and calls.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ThoughtlyTeam")]
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

/// A call as `POST /contact/call` answers it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ThoughtlyCall")]
struct CallSeed {
    /// 24 hex digits when generated; unique across teams.
    id: Option<String>,
    /// A contact of the team; or, with `phone_number` given, one deleted since the call.
    contact_id: String,
    interview_id: String,
    /// The contact's phone number when left out.
    phone_number: Option<String>,
    status: Option<String>,
    metadata: Option<Map<String, Value>>,
    created_at: Option<Millis>,
}

/// A contact as the API returns it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ThoughtlyContact")]
pub struct ContactSeed {
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

/// Teams, each found by its API token and team id together; the rate-limit switch noted when
/// on.
pub const TENANTS: TenantTable =
    TenantTable::new("thoughtly_teams", "team", &["api_token", "team_id"]).noting(RATE_LIMIT_NOTE);

/// Loads one team, keeping its contact ids unique.
pub struct TeamLoader {
    contact_ids: HashSet<String>,
    tag_rows: KeyOrdered<TagRow>,
}

impl Tenants for TeamLoader {
    type Seed = TeamSeed;
    type Contact = ContactSeed;

    fn start(tenant: &mut Tenant<'_>, seed: &TeamSeed) -> Result<Self> {
        tenant.set("rate_limit", seed.rate_limit)?;
        Ok(Self {
            contact_ids: HashSet::new(),
            tag_rows: KeyOrdered::new(TagRow::by_key, queries::insert_tag_rows),
        })
    }

    fn contacts(seed: &TeamSeed) -> &[ContactSeed] {
        &seed.contacts
    }

    /// The calls, after the contacts: they can name any contact.
    fn finish(&mut self, tenant: &mut Tenant<'_>, seed: &TeamSeed) -> Result {
        self.tag_rows.store(tenant.ctx.tx)?;
        for (path, call) in tenant.listed("calls", &seed.calls) {
            Self::insert_listed_call(tenant, &path, call)?;
        }
        Ok(())
    }

    fn insert_listed(&mut self, tenant: &mut Tenant<'_>, path: &str, seed: &ContactSeed) -> Result {
        let id = match &seed.id {
            Some(id) if id.trim().is_empty() => {
                return Err(tenant.error(&format!("{path}.id"), "must not be blank"));
            }
            Some(id) if self.contact_ids.contains(id) => {
                return Err(tenant.error(
                    &format!("{path}.id"),
                    format!("duplicate contact id `{id}`"),
                ));
            }
            Some(id) => id.clone(),
            None => fakes::fresh_uuid(&mut tenant.rng, |id| self.contact_ids.contains(id)),
        };
        let tags = seed.tags.clone().unwrap_or_default();
        // Blank as the API words it, so that whatever the API stored loads again.
        if let Some(index) = tags.iter().position(|tag| is_blank(tag)) {
            return Err(tenant.error(&format!("{path}.tags[{index}]"), "must not be blank"));
        }
        let (created_at, updated_at) = given_times(seed.created_at, seed.updated_at)
            .unwrap_or_else(|| Self::generated_times(tenant));
        let attributes = seed.attributes.clone().unwrap_or_default();
        self.insert(
            tenant,
            &StoredContact {
                id: &id,
                name: seed.name.as_deref(),
                phone_number: seed.phone_number.as_deref(),
                email: seed.email.as_deref(),
                country_code: seed.country_code.as_deref(),
                tags: &tags,
                attributes: &attributes,
                created_at,
                updated_at,
            },
        )
    }

    /// A realistic contact: most have a name and a phone number, fewer an email; tags and
    /// attributes (plan, source, city) spread unevenly.
    fn insert_generated(&mut self, tenant: &mut Tenant<'_>) -> Result {
        let rng = &mut tenant.rng;
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
        let (created_at, updated_at) = Self::generated_times(tenant);
        let id = fakes::fresh_uuid(&mut tenant.rng, |id| self.contact_ids.contains(id));
        self.insert(
            tenant,
            &StoredContact {
                id: &id,
                name: name.as_deref(),
                phone_number: phone_number.as_deref(),
                email: email.as_deref(),
                country_code,
                tags: &tags,
                attributes: &attributes,
                created_at,
                updated_at,
            },
        )
    }

    fn export(team: &Stored<'_>) -> rusqlite::Result<Value> {
        let mut tags = team.records_below(
            "SELECT tag FROM thoughtly_contact_tags WHERE team = ?1 AND contact_id = ?2
             ORDER BY position",
            |row| row.get::<_, String>(0),
        )?;
        let contacts = team.records(
            "SELECT id, name, phone_number, email, country_code, attributes, created_at,
                    updated_at
             FROM thoughtly_contacts WHERE team = ?1 ORDER BY rowid",
            |row| {
                let contact_id: String = row.get(0)?;
                Ok(json!({
                    "id": &contact_id,
                    "name": row.get::<_, Option<String>>(1)?,
                    "phone_number": row.get::<_, Option<String>>(2)?,
                    "email": row.get::<_, Option<String>>(3)?,
                    "country_code": row.get::<_, Option<String>>(4)?,
                    "tags": tags.of(&contact_id)?,
                    "attributes": json_column(row, 5)?,
                    "created_at": timestamp(Millis(row.get(6)?)),
                    "updated_at": timestamp(Millis(row.get(7)?)),
                }))
            },
        )?;
        // In the order they were placed, which decides the oldest ones forgotten.
        let calls = team.records(
            "SELECT id, contact_id, interview_id, phone_number, status, metadata, created_at
             FROM thoughtly_calls WHERE team = ?1 ORDER BY seq",
            |row| {
                Ok(json!({
                    "id": row.get::<_, String>(0)?,
                    "contact_id": row.get::<_, String>(1)?,
                    "interview_id": row.get::<_, String>(2)?,
                    "phone_number": row.get::<_, Option<String>>(3)?,
                    "status": row.get::<_, String>(4)?,
                    "metadata": json_column(row, 5)?,
                    "created_at": timestamp(Millis(row.get(6)?)),
                }))
            },
        )?;
        Ok(json!({
            "rate_limit": team.setting::<bool>("rate_limit")?,
            "contacts": contacts,
            "calls": calls,
        }))
    }
}

impl TeamLoader {
    fn insert_listed_call(tenant: &mut Tenant<'_>, path: &str, seed: &CallSeed) -> Result {
        let ctx = tenant.ctx;
        // A call outlives its contact (deleting a contact keeps its calls), so a call whose
        // contact is gone is accepted when it says which number it called.
        let contact_phone = match queries::contact_phone(ctx.tx, tenant.id, &seed.contact_id)? {
            Some(phone) => phone,
            None if seed.phone_number.is_some() => None,
            None => {
                return Err(ctx.error(
                    &format!("{path}.contact_id"),
                    format!("no contact `{}` in this team", seed.contact_id),
                ));
            }
        };
        for (field, value) in [
            ("interview_id", Some(&seed.interview_id)),
            ("status", seed.status.as_ref()),
        ] {
            if value.is_some_and(|value| is_blank(value)) {
                return Err(ctx.error(&format!("{path}.{field}"), "must not be blank"));
            }
        }
        let created_at = seed
            .created_at
            .unwrap_or_else(|| fakes::instant_within_days(&mut tenant.rng, ctx.now, 30));
        let id = match &seed.id {
            Some(id) if id.trim().is_empty() => {
                return Err(ctx.error(&format!("{path}.id"), "must not be blank"));
            }
            Some(id) if queries::call_exists(ctx.tx, id)? => {
                return Err(ctx.error(&format!("{path}.id"), format!("duplicate call id `{id}`")));
            }
            Some(id) => id.clone(),
            None => queries::fresh_call_id(ctx.tx, &mut tenant.rng, created_at)?,
        };
        let metadata = seed.metadata.clone().unwrap_or_default();
        queries::insert_call(
            ctx.tx,
            tenant.id,
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

    fn generated_times(tenant: &mut Tenant<'_>) -> (Millis, Millis) {
        let created = fakes::instant_within_days(&mut tenant.rng, tenant.ctx.now, 365);
        let updated = fakes::instant_between(&mut tenant.rng, created, tenant.ctx.now);
        (created, updated)
    }

    fn insert(&mut self, tenant: &Tenant<'_>, contact: &StoredContact<'_>) -> Result {
        let tag_rows = queries::insert_contact_row(tenant.ctx.tx, tenant.id, contact)?;
        self.tag_rows.hold(tenant.ctx.tx, tag_rows)?;
        self.contact_ids.insert(contact.id.to_owned());
        Ok(())
    }
}
