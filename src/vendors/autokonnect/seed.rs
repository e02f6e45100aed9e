//! The `autokonnect.companies` seed section: companies with their tags and contacts, written as
//! the API returns them; ids and timestamps left out are generated.

use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use crate::seed::tenants::{Stored, Tenant, Tenants, given_times, timestamp};
use crate::seed::{Result, fakes};
use crate::tenancy::TenantTable;
use crate::time::Millis;

/// An AutoKonnect company: its tags and contacts.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AutoKonnectCompany")]
pub struct CompanySeed {
    #[serde(default)]
    tags: Vec<TagSeed>,
    #[serde(default)]
    contacts: Vec<ContactSeed>,
}

/// A company tag as the API returns it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AutoKonnectTag")]
struct TagSeed {
    id: Option<String>,
    /// Unique within the company.
    name: String,
    color: Option<String>,
    created_at: Option<Millis>,
    /// Accepted so a real response can be pasted; the count is always derived.
    #[serde(rename = "_count")]
    #[schemars(with = "Option<serde_json::Value>")]
    _count: Option<IgnoredAny>,
}

/// A contact as the API returns it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AutoKonnectContact")]
pub struct ContactSeed {
    id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    phone_number_lid: Option<String>,
    profile_picture: Option<String>,
    created_at: Option<Millis>,
    updated_at: Option<Millis>,
    #[serde(default)]
    tags: Vec<TagRef>,
}

/// A contact's tag: a company tag named by `id` or `name` (an unknown name creates the tag).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AutoKonnectTagRef")]
struct TagRef {
    id: Option<String>,
    name: Option<String>,
    color: Option<String>,
}

const TAG_COLORS: &[&str] = &[
    "#1156d6", "#e63946", "#2a9d8f", "#f4a261", "#6a4c93", "#8ac926", "#ff595e", "#1982c4",
];
const PHONE_COUNTRIES: &[&str] = &["254", "1", "44", "91", "55", "234", "27"];

/// Companies, each found by its API key.
pub const TENANTS: TenantTable = TenantTable::new("autokonnect_companies", "company", &["api_key"]);

/// Loads one company, keeping its tag and contact ids unique.
#[derive(Default)]
pub struct CompanyLoader {
    tag_ids_by_name: HashMap<String, String>,
    contact_ids: HashSet<String>,
}

impl Tenants for CompanyLoader {
    type Seed = CompanySeed;
    type Contact = ContactSeed;

    /// The company's tags, before the contacts that name them.
    fn start(tenant: &mut Tenant<'_>, company: &CompanySeed) -> Result<Self> {
        let mut loader = Self::default();
        for (path, tag) in tenant.listed("tags", &company.tags) {
            let (id, color) = (tag.id.clone(), tag.color.clone());
            loader.insert_tag(tenant, &path, id, &tag.name, color, tag.created_at)?;
        }
        Ok(loader)
    }

    fn contacts(company: &CompanySeed) -> &[ContactSeed] {
        &company.contacts
    }

    fn insert_listed(&mut self, tenant: &mut Tenant<'_>, path: &str, seed: &ContactSeed) -> Result {
        let id = match &seed.id {
            Some(id) if self.contact_ids.contains(id) => {
                return Err(tenant.error(
                    &format!("{path}.id"),
                    format!("duplicate contact id `{id}`"),
                ));
            }
            Some(id) => id.clone(),
            None => self.fresh_id(tenant, 10, |loader, id| loader.contact_ids.contains(id)),
        };
        let (created_at, updated_at) = match given_times(seed.created_at, seed.updated_at) {
            Some(times) => times,
            None => {
                let now = tenant.ctx.now;
                let created = fakes::instant_within_days(&mut tenant.rng, now, 365);
                (
                    created,
                    fakes::instant_between(&mut tenant.rng, created, now),
                )
            }
        };
        let mut tag_ids = Vec::with_capacity(seed.tags.len());
        for (index, tag) in seed.tags.iter().enumerate() {
            let tag_path = format!("{path}.tags[{index}]");
            tag_ids.push(self.resolve_tag(tenant, &tag_path, tag)?);
        }
        let contact = StoredContact {
            id,
            first_name: seed.first_name.clone(),
            last_name: seed.last_name.clone(),
            email: seed.email.clone(),
            phone_number: seed.phone_number.clone(),
            phone_number_lid: seed.phone_number_lid.clone(),
            profile_picture: seed.profile_picture.clone(),
            created_at,
            updated_at,
            tag_ids,
        };
        self.insert_contact(tenant, contact)
    }

    fn insert_generated(&mut self, tenant: &mut Tenant<'_>) -> Result {
        let rng = &mut tenant.rng;
        let first = fakes::first_name(rng);
        let last = fakes::last_name(rng);
        let email = fakes::chance(rng, 0.9).then(|| fakes::email(rng, &first, &last));
        let phone = fakes::phone_digits(rng, PHONE_COUNTRIES);
        let lid = fakes::chance(rng, 0.25).then(|| fakes::digits(rng, 15));
        let created_at = fakes::instant_within_days(rng, tenant.ctx.now, 365);
        let updated_at = fakes::instant_between(rng, created_at, tenant.ctx.now);
        let tag_names: Vec<String> = self.tag_ids_by_name.keys().cloned().collect();
        let mut sorted_names: Vec<&str> = tag_names.iter().map(String::as_str).collect();
        sorted_names.sort_unstable();
        let tag_ids = fakes::some_of(rng, &sorted_names, 3)
            .into_iter()
            .map(|name| self.tag_ids_by_name[name].clone())
            .collect();
        let id = self.fresh_id(tenant, 10, |loader, id| loader.contact_ids.contains(id));
        let profile_picture = fakes::chance(&mut tenant.rng, 0.7)
            .then(|| format!("https://cdn.example.com/avatars/{id}.jpg"));
        self.insert_contact(
            tenant,
            StoredContact {
                id,
                first_name: Some(first),
                last_name: Some(last),
                email,
                phone_number: Some(phone),
                phone_number_lid: lid,
                profile_picture,
                created_at,
                updated_at,
                tag_ids,
            },
        )
    }

    fn export(company: &Stored<'_>) -> rusqlite::Result<Value> {
        let tags = company.records(
            "SELECT id, name, color, created_at FROM autokonnect_tags
             WHERE company_id = ?1 ORDER BY rowid",
            |row| {
                Ok(json!({
                    "id": row.get::<_, String>(0)?,
                    "name": row.get::<_, String>(1)?,
                    "color": row.get::<_, Option<String>>(2)?,
                    "created_at": timestamp(Millis(row.get(3)?)),
                }))
            },
        )?;
        let mut tag_refs = company.records_below(
            "SELECT tag_id FROM autokonnect_contact_tags WHERE company_id = ?1 AND contact_id = ?2
             ORDER BY position",
            |row| Ok(json!({ "id": row.get::<_, String>(0)? })),
        )?;
        let contacts = company.records(
            "SELECT id, first_name, last_name, email, phone_number, phone_number_lid,
                    profile_picture, created_at, updated_at
             FROM autokonnect_contacts WHERE company_id = ?1 ORDER BY rowid",
            |row| {
                let contact_id: String = row.get(0)?;
                Ok(json!({
                    "id": &contact_id,
                    "first_name": row.get::<_, Option<String>>(1)?,
                    "last_name": row.get::<_, Option<String>>(2)?,
                    "email": row.get::<_, Option<String>>(3)?,
                    "phone_number": row.get::<_, Option<String>>(4)?,
                    "phone_number_lid": row.get::<_, Option<String>>(5)?,
                    "profile_picture": row.get::<_, Option<String>>(6)?,
                    "created_at": timestamp(Millis(row.get(7)?)),
                    "updated_at": timestamp(Millis(row.get(8)?)),
                    "tags": tag_refs.of(&contact_id)?,
                }))
            },
        )?;
        Ok(json!({
            "tags": tags,
            "contacts": contacts,
        }))
    }
}

impl CompanyLoader {
    fn insert_tag(
        &mut self,
        tenant: &mut Tenant<'_>,
        path: &str,
        id: Option<String>,
        name: &str,
        color: Option<String>,
        created_at: Option<Millis>,
    ) -> Result<String> {
        if name.trim().is_empty() {
            return Err(tenant.error(&format!("{path}.name"), "must not be blank"));
        }
        if self.tag_ids_by_name.contains_key(name) {
            return Err(tenant.error(
                &format!("{path}.name"),
                format!("duplicate tag name `{name}`"),
            ));
        }
        let id = match id {
            Some(id) if self.tag_ids_by_name.values().any(|taken| *taken == id) => {
                return Err(tenant.error(&format!("{path}.id"), format!("duplicate tag id `{id}`")));
            }
            Some(id) => id,
            None => self.fresh_id(tenant, 3, |loader, id| {
                loader.tag_ids_by_name.values().any(|taken| taken == id)
            }),
        };
        let color = color.unwrap_or_else(|| fakes::pick(&mut tenant.rng, TAG_COLORS).to_owned());
        let created_at = created_at
            .unwrap_or_else(|| fakes::instant_within_days(&mut tenant.rng, tenant.ctx.now, 400));
        tenant.ctx.tx.execute(
            "INSERT INTO autokonnect_tags (company_id, id, name, color, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![tenant.id, id, name, color, created_at.0],
        )?;
        self.tag_ids_by_name.insert(name.to_owned(), id.clone());
        Ok(id)
    }

    fn resolve_tag(&mut self, tenant: &mut Tenant<'_>, path: &str, tag: &TagRef) -> Result<String> {
        match (&tag.id, &tag.name) {
            (Some(id), _) => {
                if self.tag_ids_by_name.values().any(|taken| taken == id) {
                    Ok(id.clone())
                } else {
                    Err(tenant.error(
                        &format!("{path}.id"),
                        format!("no tag with id `{id}` in this company"),
                    ))
                }
            }
            (None, Some(name)) => match self.tag_ids_by_name.get(name) {
                Some(id) => Ok(id.clone()),
                None => self.insert_tag(tenant, path, None, name, tag.color.clone(), None),
            },
            (None, None) => Err(tenant.error(path, "a contact's tag needs an `id` or a `name`")),
        }
    }

    fn insert_contact(&mut self, tenant: &Tenant<'_>, contact: StoredContact) -> Result {
        let mut insert = tenant.ctx.tx.prepare_cached(
            "INSERT INTO autokonnect_contacts (company_id, id, first_name, last_name, email, phone_number,
                 phone_number_lid, profile_picture, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        insert.execute(rusqlite::params![
            tenant.id,
            contact.id,
            contact.first_name,
            contact.last_name,
            contact.email,
            contact.phone_number,
            contact.phone_number_lid,
            contact.profile_picture,
            contact.created_at.0,
            contact.updated_at.0
        ])?;
        let mut link = tenant.ctx.tx.prepare_cached(
            "INSERT OR IGNORE INTO autokonnect_contact_tags (company_id, contact_id, tag_id, position)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (position, tag_id) in contact.tag_ids.iter().enumerate() {
            link.execute(rusqlite::params![
                tenant.id,
                contact.id,
                tag_id,
                position as i64
            ])?;
        }
        self.contact_ids.insert(contact.id);
        Ok(())
    }

    /// A random id of at least `digits` digits that `taken` does not know yet; the width grows
    /// when the short ids run out, so this always ends.
    fn fresh_id(
        &self,
        tenant: &mut Tenant<'_>,
        digits: usize,
        taken: impl Fn(&Self, &str) -> bool,
    ) -> String {
        let mut attempt = 0;
        loop {
            let id = fakes::digits(&mut tenant.rng, digits + attempt / 64);
            if !taken(self, &id) {
                return id;
            }
            attempt += 1;
        }
    }
}

struct StoredContact {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    phone_number_lid: Option<String>,
    profile_picture: Option<String>,
    created_at: Millis,
    updated_at: Millis,
    tag_ids: Vec<String>,
}
