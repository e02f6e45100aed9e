//! `Authorization: Bearer <API key>` selects the account every query is scoped to; an account
//! whose seed switches the documented rate limit on is held to it.

use std::time::Duration;

use super::AgentClara;
use crate::http::auth::{CredentialScheme, Secret};
use crate::http::rate_limit::Limit;
use crate::kit::{Limited, RateLimited};

pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Authorization { scheme: "Bearer" },
    selectors: &[],
};

impl RateLimited for AgentClara {
    /// The documented limits per API key: 1,000 a minute, with bursts of at most 100 in 10 s.
    const RATE_LIMITS: &'static [Limit] = &[
        Limit::per(1_000, Duration::from_secs(60)),
        Limit::per(100, Duration::from_secs(10)),
    ];
}

/// An account: the tenant an API key selects.
pub type Account = Limited<AgentClara>;
