//! The `agentclara.accounts` seed section: accounts (API key, rate-limit switch) with their
//! contacts and each contact's conversations, written as the API returns them; ids and
//! timestamps left out are generated, and derived fields (`conversation_count`,
//! `last_conversation`, a conversation's `customer_*`) are accepted but always recomputed.

use fake::Fake;
use fake::faker::company::en::CompanyName;
use rand::RngExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value, json};

use super::models::is_e164;
use super::queries::{
    self, CONTACT_ID_PREFIX, CONVERSATION_ID_PREFIX, StoredContact, StoredConversation,
};
use crate::seed::tenants::{Stored, Tenant, Tenants, given_times, json_column, timestamp};
use crate::seed::{Result, fakes};
use crate::tenancy::{RATE_LIMIT_NOTE, TenantTable};
use crate::time::Millis;

/// An AgentClara account: its settings and contacts.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AgentClaraAccount")]
pub struct AccountSeed {
    /// Switches the documented rate limit on for this account (off by default).
    #[serde(default)]
    rate_limit: bool,
    #[serde(default)]
    contacts: Vec<ContactSeed>,
}

/// A contact as the API returns it, plus its conversations.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AgentClaraContact")]
pub struct ContactSeed {
    /// `cust_` and 12 letters or digits when generated; unique across accounts.
    id: Option<String>,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    custom_fields: Map<String, Value>,
    created_at: Option<Millis>,
    updated_at: Option<Millis>,
    /// The contact's conversations (seed-only: its count and latest time are derived from
    /// them).
    #[serde(default)]
    conversations: Vec<ConversationSeed>,
    /// Accepted so a real response can be pasted; always derived from `conversations`.
    #[serde(rename = "last_conversation")]
    #[schemars(with = "Option<Value>")]
    _last_conversation: Option<IgnoredAny>,
    /// Accepted so a real response can be pasted; always derived from `conversations`.
    #[serde(rename = "conversation_count")]
    #[schemars(with = "Option<Value>")]
    _conversation_count: Option<IgnoredAny>,
}

/// A conversation as the API returns it; its `customer_*` fields are always the contact's.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AgentClaraConversation")]
struct ConversationSeed {
    /// `conv_` and 12 letters or digits when generated; unique across accounts.
    id: Option<String>,
    channel: String,
    subject: Option<String>,
    last_message: Option<String>,
    timestamp: Option<Millis>,
    #[serde(default = "default_status")]
    status: String,
    #[serde(default)]
    unread: bool,
    /// Accepted so a real response can be pasted; always the contact's.
    #[serde(rename = "customer_id")]
    #[schemars(with = "Option<Value>")]
    _customer_id: Option<IgnoredAny>,
    /// Accepted so a real response can be pasted; always the contact's.
    #[serde(rename = "customer_name")]
    #[schemars(with = "Option<Value>")]
    _customer_name: Option<IgnoredAny>,
    /// Accepted so a real response can be pasted; always the contact's.
    #[serde(rename = "customer_email")]
    #[schemars(with = "Option<Value>")]
    _customer_email: Option<IgnoredAny>,
    /// Accepted so a real response can be pasted; always the contact's.
    #[serde(rename = "customer_phone")]
    #[schemars(with = "Option<Value>")]
    _customer_phone: Option<IgnoredAny>,
}

fn default_status() -> String {
    "open".into()
}

const TAGS: &[&str] = &[
    "vip",
    "frequent",
    "new",
    "lead",
    "wholesale",
    "newsletter",
    "churn-risk",
    "returning",
];
const PLANS: &[&str] = &["free", "starter", "pro", "enterprise"];
const SOURCES: &[&str] = &["website", "whatsapp", "referral", "instagram", "walk-in"];
const CHANNELS: &[&str] = &["whatsapp", "webchat", "sms", "email", "instagram", "voice"];
const STATUSES: &[&str] = &["open", "pending", "resolved", "closed"];
/// How many conversations a contact that has any gets (repeats weight the choice).
const CONVERSATION_COUNTS: &[&usize] = &[&1, &1, &2, &3, &4, &6];
const PHONE_COUNTRIES: &[&str] = &["1", "44", "55", "52", "34", "61", "91"];
const TOPICS: &[(&str, &str)] = &[
    (
        "Booking request",
        "Can I book a table for four on Friday at 8pm?",
    ),
    ("Order status", "Has my order shipped yet?"),
    ("Refund", "I'd like a refund for my last purchase."),
    ("Opening hours", "Are you open on Sunday?"),
    ("Pricing question", "How much is the pro plan per month?"),
    (
        "Reschedule appointment",
        "Could we move my appointment to next week?",
    ),
    (
        "Delivery address",
        "Please deliver to my office address instead.",
    ),
    ("Product availability", "Do you have this in a medium size?"),
    ("Invoice copy", "Can you send me a copy of my invoice?"),
    ("Feedback", "Thanks, the service was great!"),
];

/// Accounts, each found by its API key; the rate-limit switch noted when on.
pub const TENANTS: TenantTable =
    TenantTable::new("agentclara_accounts", "account", &["api_key"]).noting(RATE_LIMIT_NOTE);

/// Loads one account: its settings, contacts and their conversations. It keeps nothing between
/// records: ids are unique across accounts, so the tables themselves say which are taken.
pub struct AccountLoader;

impl Tenants for AccountLoader {
    type Seed = AccountSeed;
    type Contact = ContactSeed;

    fn start(tenant: &mut Tenant<'_>, account: &AccountSeed) -> Result<Self> {
        tenant.set("rate_limit", account.rate_limit)?;
        Ok(Self)
    }

    fn contacts(account: &AccountSeed) -> &[ContactSeed] {
        &account.contacts
    }

    fn insert_listed(&mut self, tenant: &mut Tenant<'_>, path: &str, seed: &ContactSeed) -> Result {
        let id = Self::id_or_fresh(
            tenant,
            path,
            seed.id.as_deref(),
            "agentclara_contacts",
            CONTACT_ID_PREFIX,
        )?;
        tenant.not_blank(path, &[("name", &seed.name)])?;
        if let Some(phone) = seed.phone.as_deref().filter(|phone| !is_e164(phone)) {
            return Err(tenant.error(
                &format!("{path}.phone"),
                format!("`{phone}` is not an E.164 phone number (e.g. +14155550100)"),
            ));
        }
        let mut tags: Vec<String> = Vec::with_capacity(seed.tags.len());
        for tag in &seed.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        let (created_at, updated_at) = match given_times(seed.created_at, seed.updated_at) {
            Some(times) => times,
            None => {
                let now = tenant.ctx.now;
                let created = whole_second(fakes::instant_within_days(&mut tenant.rng, now, 365));
                let updated = fakes::instant_between(&mut tenant.rng, created, now);
                (created, whole_second(updated))
            }
        };
        queries::insert_contact(
            tenant.ctx.tx,
            &StoredContact {
                account: tenant.id,
                id: &id,
                name: &seed.name,
                email: seed.email.as_deref(),
                phone: seed.phone.as_deref(),
                tags: &tags,
                custom_fields: &seed.custom_fields,
                created_at,
                updated_at,
            },
        )?;
        for (index, conversation) in seed.conversations.iter().enumerate() {
            let path = format!("{path}.conversations[{index}]");
            Self::insert_listed_conversation(tenant, &path, &id, created_at, conversation)?;
        }
        Ok(())
    }

    /// A generated contact: realistic name, email and E.164 phone, some tags and custom fields,
    /// and on most contacts a few conversations between its creation and now.
    fn insert_generated(&mut self, tenant: &mut Tenant<'_>) -> Result {
        let rng = &mut tenant.rng;
        let first = fakes::first_name(rng);
        let last = fakes::last_name(rng);
        let name = format!("{first} {last}");
        let email = fakes::chance(rng, 0.9).then(|| fakes::email(rng, &first, &last));
        let phone = fakes::chance(rng, 0.85)
            .then(|| format!("+{}", fakes::phone_digits(rng, PHONE_COUNTRIES)));
        let tags: Vec<String> = fakes::some_of(rng, TAGS, 3)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut custom_fields = Map::new();
        if fakes::chance(rng, 0.5) {
            let company: String = CompanyName().fake_with_rng(rng);
            custom_fields.insert("company".into(), company.into());
        }
        if fakes::chance(rng, 0.4) {
            custom_fields.insert("city".into(), fakes::city(rng).into());
        }
        if fakes::chance(rng, 0.3) {
            custom_fields.insert("plan".into(), fakes::pick(rng, PLANS).into());
        }
        if fakes::chance(rng, 0.3) {
            custom_fields.insert("source".into(), fakes::pick(rng, SOURCES).into());
        }
        let created_at = whole_second(fakes::instant_within_days(rng, tenant.ctx.now, 365));
        let conversation_count = if fakes::chance(rng, 0.65) {
            *fakes::pick(rng, CONVERSATION_COUNTS)
        } else {
            0
        };
        let mut timestamps: Vec<Millis> = (0..conversation_count)
            .map(|_| whole_second(fakes::instant_between(rng, created_at, tenant.ctx.now)))
            .collect();
        timestamps.sort_unstable();
        // A contact is updated at least when its latest conversation happened.
        let last_activity = timestamps.last().copied().unwrap_or(created_at);
        let updated_at = whole_second(fakes::instant_between(rng, last_activity, tenant.ctx.now));
        let id = queries::fresh_id(tenant.ctx.tx, rng, "agentclara_contacts", CONTACT_ID_PREFIX)?;
        queries::insert_contact(
            tenant.ctx.tx,
            &StoredContact {
                account: tenant.id,
                id: &id,
                name: &name,
                email: email.as_deref(),
                phone: phone.as_deref(),
                tags: &tags,
                custom_fields: &custom_fields,
                created_at,
                updated_at,
            },
        )?;
        let newest = timestamps.len().saturating_sub(1);
        for (index, timestamp) in timestamps.into_iter().enumerate() {
            let rng = &mut tenant.rng;
            let (subject, message) = TOPICS[rng.random_range(0..TOPICS.len())];
            // Only the latest conversation may still be waiting for an answer.
            let status = if index == newest {
                fakes::pick(rng, STATUSES)
            } else {
                fakes::pick(rng, &["resolved", "closed"])
            };
            let unread = status == "open" && fakes::chance(rng, 0.5);
            let conversation_id = queries::fresh_id(
                tenant.ctx.tx,
                rng,
                "agentclara_conversations",
                CONVERSATION_ID_PREFIX,
            )?;
            queries::insert_conversation(
                tenant.ctx.tx,
                &StoredConversation {
                    account: tenant.id,
                    id: &conversation_id,
                    contact_id: &id,
                    channel: fakes::pick(rng, CHANNELS),
                    subject: Some(subject),
                    last_message: Some(message),
                    timestamp,
                    status,
                    unread,
                },
            )?;
        }
        Ok(())
    }

    fn export(account: &Stored<'_>) -> rusqlite::Result<Value> {
        let mut tags = account.records_below(
            "SELECT tag FROM agentclara_contact_tags WHERE account_id = ?1 AND contact_id = ?2
             ORDER BY position",
            |row| row.get::<_, String>(0),
        )?;
        let mut conversations = account.records_below(
            "SELECT id, channel, subject, last_message, timestamp, status, unread
             FROM agentclara_conversations WHERE account_id = ?1 AND contact_id = ?2
             ORDER BY rowid",
            |row| {
                Ok(json!({
                    "id": row.get::<_, String>(0)?,
                    "channel": row.get::<_, String>(1)?,
                    "subject": row.get::<_, Option<String>>(2)?,
                    "last_message": row.get::<_, Option<String>>(3)?,
                    "timestamp": timestamp(Millis(row.get(4)?)),
                    "status": row.get::<_, String>(5)?,
                    "unread": row.get::<_, bool>(6)?,
                }))
            },
        )?;
        let contacts = account.records(
            "SELECT id, name, email, phone, custom_fields, created_at, updated_at
             FROM agentclara_contacts WHERE account_id = ?1 ORDER BY rowid",
            |row| {
                let contact_id: String = row.get(0)?;
                Ok(json!({
                    "id": &contact_id,
                    "name": row.get::<_, String>(1)?,
                    "email": row.get::<_, Option<String>>(2)?,
                    "phone": row.get::<_, Option<String>>(3)?,
                    "tags": tags.of(&contact_id)?,
                    "custom_fields": json_column(row, 4)?,
                    "created_at": timestamp(Millis(row.get(5)?)),
                    "updated_at": timestamp(Millis(row.get(6)?)),
                    "conversations": conversations.of(&contact_id)?,
                }))
            },
        )?;
        Ok(json!({
            "rate_limit": account.setting::<bool>("rate_limit")?,
            "contacts": contacts,
        }))
    }
}

impl AccountLoader {
    fn insert_listed_conversation(
        tenant: &mut Tenant<'_>,
        path: &str,
        contact_id: &str,
        contact_created_at: Millis,
        seed: &ConversationSeed,
    ) -> Result {
        let id = Self::id_or_fresh(
            tenant,
            path,
            seed.id.as_deref(),
            "agentclara_conversations",
            CONVERSATION_ID_PREFIX,
        )?;
        tenant.not_blank(
            path,
            &[("channel", &seed.channel), ("status", &seed.status)],
        )?;
        let timestamp = seed.timestamp.unwrap_or_else(|| {
            whole_second(fakes::instant_between(
                &mut tenant.rng,
                contact_created_at,
                tenant.ctx.now,
            ))
        });
        queries::insert_conversation(
            tenant.ctx.tx,
            &StoredConversation {
                account: tenant.id,
                id: &id,
                contact_id,
                channel: &seed.channel,
                subject: seed.subject.as_deref(),
                last_message: seed.last_message.as_deref(),
                timestamp,
                status: &seed.status,
                unread: seed.unread,
            },
        )?;
        Ok(())
    }

    /// The seed's id if given and unused, else a fresh one.
    fn id_or_fresh(
        tenant: &mut Tenant<'_>,
        path: &str,
        given: Option<&str>,
        table: &str,
        prefix: &str,
    ) -> Result<String> {
        match given {
            Some(id) if id.trim().is_empty() => {
                Err(tenant.error(&format!("{path}.id"), "must not be blank"))
            }
            Some(id) if queries::id_taken(tenant.ctx.tx, table, id)? => {
                Err(tenant.error(&format!("{path}.id"), format!("duplicate id `{id}`")))
            }
            Some(id) => Ok(id.to_owned()),
            None => Ok(queries::fresh_id(
                tenant.ctx.tx,
                &mut tenant.rng,
                table,
                prefix,
            )?),
        }
    }
}

/// Generated instants in whole seconds, as the vendor's examples show them.
fn whole_second(at: Millis) -> Millis {
    Millis(at.0 - at.0.rem_euclid(1000))
}
