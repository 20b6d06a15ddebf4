//! What every listener shares: the clock, the accounts' engines, the demo credentials, the token
//! issuer, injected faults, request accounting and limits. The server and the admin endpoints both
//! use it; it uses neither.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::auth::{OAuth1Keys, OAuth2Client, TokenIssuer};
use crate::clock::{ManualClock, SharedClock};
use crate::engine::Engine;
use crate::faults::{Accounting, Faults, Limiter};

/// Demo credentials, shared by every simulated account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Credentials {
    /// OAuth 1.0a app keys.
    pub oauth1: OAuth1Keys,
    /// OAuth 2.0 client credentials (Sentinel).
    pub oauth2: OAuth2Client,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            oauth1: OAuth1Keys {
                consumer_key: "demo-app-key".into(),
                consumer_secret: "demo-app-secret".into(),
                token: "demo-access-token".into(),
                token_secret: "demo-access-token-secret".into(),
            },
            oauth2: OAuth2Client {
                client_id: "demo-client-id".into(),
                client_secret: "demo-client-secret".into(),
            },
        }
    }
}

/// State shared by every listener.
pub struct Shared {
    /// The simulator's time.
    pub clock: SharedClock,
    /// Set when the clock is manual (tests, `/_sim/clock/advance`).
    pub manual: Option<Arc<ManualClock>>,
    /// One engine per account id.
    pub accounts: BTreeMap<String, Mutex<Engine>>,
    /// Accepted credentials.
    pub credentials: Credentials,
    /// Sentinel token issuer.
    pub tokens: TokenIssuer,
    /// Lifetime of issued bearer tokens, seconds of simulated time.
    pub token_ttl_s: i64,
    /// Injected faults.
    pub faults: Faults,
    /// Requests answered.
    pub accounting: Accounting,
    /// Per-account limits.
    pub limiter: Limiter,
    /// `host:port` of each service, filled in as listeners bind.
    pub hosts: Mutex<BTreeMap<String, String>>,
    /// OAuth 1.0a nonces seen, with their timestamps (each is single-use).
    pub(crate) nonces: Mutex<HashMap<String, i64>>,
}

impl Shared {
    /// Shared state around the given engines.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        clock: SharedClock,
        manual: Option<Arc<ManualClock>>,
        accounts: BTreeMap<String, Mutex<Engine>>,
        credentials: Credentials,
        seed: u64,
        token_ttl_s: i64,
        limiter: Limiter,
    ) -> Self {
        Self {
            clock,
            manual,
            accounts,
            credentials,
            tokens: TokenIssuer::new(seed),
            token_ttl_s,
            faults: Faults::new(seed),
            accounting: Accounting::default(),
            limiter,
            hosts: Mutex::new(BTreeMap::new()),
            nonces: Mutex::new(HashMap::new()),
        }
    }
}
