//! `x-api-token` and `team_id` together select the team every query is scoped to: both are
//! required, and a token only opens the team it was issued for. A team whose seed switches the
//! documented rate limit on is held to it.

use std::time::Duration;

use super::Thoughtly;
use crate::http::auth::{CredentialScheme, Secret};
use crate::http::rate_limit::Limit;
use crate::kit::{Limited, RateLimited};

/// The API token is the secret; the team id alone is no secret.
pub const CREDENTIALS: CredentialScheme = CredentialScheme {
    secret: Secret::Header("x-api-token"),
    selectors: &["team_id"],
};

impl RateLimited for Thoughtly {
    /// The documented limit: 100 requests a minute. A token opens one team only, so counting
    /// per team (the kit's key) is counting per token; each namespace counts on its own.
    const RATE_LIMITS: &'static [Limit] = &[Limit::per(100, Duration::from_secs(60))];
}

/// A team: the tenant a token and team id select together.
pub type Team = Limited<Thoughtly>;
