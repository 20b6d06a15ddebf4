//! Credentials on the wire: OAuth 1.0a HMAC-SHA1 `Authorization` headers (oauth1-request, with
//! `oauth_version=1.0`) and OAuth 2.0 client-credentials bearer tokens from Sentinel, cached and
//! refreshed before they expire.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth1_request as oauth;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::error::ApiError;
use crate::config::Secret;

/// An OAuth 1.0a `Authorization` header for `method url` with these (decoded) query parameters.
/// `url` carries no query string.
pub fn oauth1_header(
    method: &str,
    url: &str,
    query: &[(String, String)],
    consumer_key: &Secret,
    consumer_secret: &Secret,
    token: &Secret,
    token_secret: &Secret,
) -> String {
    let token = oauth::Token::from_parts(
        consumer_key.expose(),
        consumer_secret.expose(),
        token.expose(),
        token_secret.expose(),
    );
    let params: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut builder = oauth::Builder::with_token(token, oauth::HmacSha1::new());
    builder.version(true);
    builder.authorize(method, url, &oauth::ParameterList::new(params))
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

/// The `iat` and `exp` claims of a JWT, if the token is one.
fn jwt_times(token: &str) -> Option<(Option<i64>, i64)> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some((
        claims.get("iat").and_then(|v| v.as_i64()),
        claims.get("exp")?.as_i64()?,
    ))
}

/// How long a token lives: `expires_in`, else the JWT's `exp - iat` (which does not depend on
/// the two sides' clocks agreeing), else its `exp` against our clock.
fn lifetime(expires_in: Option<u64>, token: &str) -> Option<Duration> {
    if let Some(s) = expires_in {
        return Some(Duration::from_secs(s));
    }
    let (iat, exp) = jwt_times(token)?;
    let from = iat.unwrap_or_else(|| chrono::Utc::now().timestamp());
    Some(Duration::from_secs(exp.saturating_sub(from).max(0) as u64))
}

/// A cached bearer token.
#[derive(Debug, Default)]
pub struct TokenCache {
    current: Mutex<Option<(Secret, Instant)>>,
}

/// A token is renewed this long before it expires.
const RENEW_MARGIN: Duration = Duration::from_secs(60);
/// Assumed lifetime of a token that states none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// The longest lifetime believed: a token that claims more is renewed after a day anyway, and a
/// huge `expires_in` or `exp` cannot overflow the clock.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

impl TokenCache {
    /// Drops the cached token (the credentials it was issued for changed).
    pub async fn forget(&self) {
        *self.current.lock().await = None;
    }

    /// A valid token: the cached one, or a new one from `fetch` (which returns the token response
    /// body) when there is none, it is about to expire, or `force` is set (after a 401).
    pub async fn get<F, Fut>(&self, force: bool, fetch: F) -> Result<Secret, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, ApiError>>,
    {
        let mut cur = self.current.lock().await;
        if let Some((tok, renew_at)) = cur.as_ref()
            && !force
            && Instant::now() < *renew_at
        {
            return Ok(tok.clone());
        }
        let body = fetch().await?;
        // serde's message may quote a value of the body, which may be the token: say where only.
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| ApiError::Decode {
                api: "sentinel",
                detail: format!(
                    "not a token response (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            })?;
        let lifetime = lifetime(parsed.expires_in, &parsed.access_token)
            .unwrap_or(DEFAULT_LIFETIME)
            .min(MAX_LIFETIME);
        let renew_in = lifetime.saturating_sub(RENEW_MARGIN).max(lifetime / 2);
        let token = Secret::new(parsed.access_token);
        let now = Instant::now();
        *cur = Some((token.clone(), now.checked_add(renew_in).unwrap_or(now)));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth1_header_is_verified_by_the_simulator() {
        let s = |v: &str| Secret::new(v);
        let query = vec![
            ("v".to_string(), "1".to_string()),
            ("timeframe".to_string(), "60".to_string()),
        ];
        let header = oauth1_header(
            "GET",
            "http://127.0.0.1:1/operations/api/account/1/msgconversation",
            &query,
            &s("ck"),
            &s("cs"),
            &s("tk"),
            &s("ts"),
        );
        let creds = liveperson_sim::auth::OAuth1Keys {
            consumer_key: "ck".into(),
            consumer_secret: "cs".into(),
            token: "tk".into(),
            token_secret: "ts".into(),
        };
        assert!(header.contains("oauth_version=\"1.0\""), "{header}");
        let ok = liveperson_sim::auth::verify_oauth1(
            "GET",
            "http://127.0.0.1:1/operations/api/account/1/msgconversation",
            &query,
            &header,
            &creds,
            None,
            600,
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn token_lifetime_comes_from_expires_in_or_the_jwt_claims() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"iat":1700000000,"exp":1700003600}"#);
        let jwt = format!("h.{payload}.s");
        assert_eq!(lifetime(None, &jwt), Some(Duration::from_secs(3600)));
        assert_eq!(lifetime(Some(60), &jwt), Some(Duration::from_secs(60)));
        assert_eq!(lifetime(None, "opaque"), None);
    }

    #[tokio::test]
    async fn a_huge_lifetime_is_capped_and_a_bad_body_is_not_echoed() {
        let cache = TokenCache::default();
        let body = br#"{"access_token":"tok-1","expires_in":18446744073709551615}"#.to_vec();
        let token = cache.get(false, || async { Ok(body) }).await.unwrap();
        assert_eq!(token.expose(), "tok-1");
        // Cached: no second fetch.
        let again = cache
            .get(false, || async {
                Err(ApiError::Timeout { api: "sentinel" })
            })
            .await
            .unwrap();
        assert_eq!(again.expose(), "tok-1");
        let huge_exp = format!(
            "a.{}.c",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{}}}"#, i64::MAX))
        );
        assert_eq!(
            lifetime(None, &huge_exp).map(|l| l.min(MAX_LIFETIME)),
            Some(MAX_LIFETIME)
        );
        let err = TokenCache::default()
            .get(false, || async {
                Ok(br#"{"access_token": 98765432}"#.to_vec())
            })
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("98765432"), "{err}");
    }
}
