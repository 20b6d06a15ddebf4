//! Basic authentication against the web config's bcrypt hashes.
//!
//! bcrypt is slow on purpose (about 70 ms at cost 10), so, as exporter-toolkit does, a verified
//! (user, password, hash) is remembered (as a SHA-256 digest, never the password) and a scraper's
//! later requests cost a hash lookup. Verification runs on the blocking pool, at most two at a
//! time, so a flood of wrong passwords cannot stall the async workers that serve `/metrics` and
//! the probes. An unknown user is checked against a dummy hash, so the answer's timing does not
//! tell which users exist.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, LazyLock};

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::config::secret::Secret;

/// How many verified credentials are remembered; the set starts over when full.
const REMEMBERED: usize = 256;

/// A bcrypt hash of a random password at cost 10, checked for unknown users.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    bcrypt::hash(format!("{:?}", std::time::SystemTime::now()), 10).unwrap_or_default()
});

/// Verifies `Authorization: Basic` headers.
pub struct BasicAuth {
    verified: Mutex<HashSet<[u8; 32]>>,
    bcrypt_slots: Arc<Semaphore>,
}

impl Default for BasicAuth {
    /// A verifier with an empty memory.
    fn default() -> Self {
        Self {
            verified: Mutex::default(),
            bcrypt_slots: Arc::new(Semaphore::new(2)),
        }
    }
}

impl BasicAuth {
    /// Whether the request's credentials match one of `users` (always true without users).
    pub async fn allows(&self, users: &BTreeMap<String, Secret>, headers: &HeaderMap) -> bool {
        if users.is_empty() {
            return true;
        }
        let Some((user, password)) = credentials(headers) else {
            return false;
        };
        let Some(hash) = users.get(&user).map(|h| h.expose().to_string()) else {
            // Unknown user: spend what a known one costs, then refuse.
            let _slot = self.bcrypt_slots.clone().acquire_owned().await;
            let _ =
                tokio::task::spawn_blocking(move || bcrypt::verify(password, &DUMMY_HASH)).await;
            return false;
        };
        let digest: [u8; 32] = Sha256::new()
            .chain_update(user.as_bytes())
            .chain_update([0])
            .chain_update(password.as_bytes())
            .chain_update([0])
            .chain_update(hash.as_bytes())
            .finalize()
            .into();
        if self.verified.lock().contains(&digest) {
            return true;
        }
        let Ok(_slot) = self.bcrypt_slots.clone().acquire_owned().await else {
            return false;
        };
        let ok = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash))
            .await
            .is_ok_and(|r| r.unwrap_or(false));
        if ok {
            let mut verified = self.verified.lock();
            if verified.len() >= REMEMBERED {
                verified.clear();
            }
            verified.insert(digest);
        }
        ok
    }
}

/// The user and password of an `Authorization: Basic` header.
fn credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(user: &str, password: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {token}")).unwrap(),
        );
        h
    }

    #[tokio::test]
    async fn only_the_right_password_of_a_known_user_passes() {
        let users = BTreeMap::from([(
            "prometheus".to_string(),
            Secret::new(bcrypt::hash("s3cret", 4).unwrap()),
        )]);
        let auth = BasicAuth::default();
        assert!(auth.allows(&users, &basic("prometheus", "s3cret")).await);
        assert!(
            auth.allows(&users, &basic("prometheus", "s3cret")).await,
            "remembered"
        );
        assert!(!auth.allows(&users, &basic("prometheus", "wrong")).await);
        assert!(!auth.allows(&users, &basic("other", "s3cret")).await);
        assert!(!auth.allows(&users, &HeaderMap::new()).await);
        assert!(
            auth.allows(&BTreeMap::new(), &HeaderMap::new()).await,
            "no users, no auth"
        );
    }
}
