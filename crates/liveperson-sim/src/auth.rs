//! Authentication as LivePerson's APIs check it: OAuth 1.0a HMAC-SHA1 signatures (RFC 5849) and
//! bearer tokens from the Sentinel OAuth 2.0 client-credentials endpoint.
//!
//! Signatures are verified for real: the signature base string is rebuilt from the request as
//! received (method, scheme, host, port, path, query and form parameters, OAuth parameters), so a
//! client that signs the wrong URL, forgets a parameter or uses a wrong secret is rejected.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};

/// RFC 3986 unreserved characters stay as they are; everything else is percent-encoded.
const OAUTH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, OAUTH_ENCODE).to_string()
}

/// OAuth 1.0a application keys of one account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuth1Keys {
    /// App key (consumer key).
    pub consumer_key: String,
    /// App secret (consumer secret).
    pub consumer_secret: String,
    /// Access token.
    pub token: String,
    /// Access token secret.
    pub token_secret: String,
}

/// OAuth 2.0 client credentials of one account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuth2Client {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
}

/// Why a request was not authenticated; the text is LivePerson's `oauth_problem` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProblem {
    /// No usable Authorization header.
    ParameterAbsent,
    /// Unknown consumer key.
    ConsumerKeyUnknown,
    /// Unknown or rejected access token (also an invalid or expired bearer token).
    TokenRejected,
    /// Not HMAC-SHA1, or an oauth_version other than 1.0.
    SignatureMethodRejected,
    /// The signature does not match.
    SignatureInvalid,
    /// Timestamp too far from the server's clock.
    TimestampRefused,
    /// The nonce was already used with this timestamp.
    NonceUsed,
    /// A bearer token where the API takes only OAuth 1.0a.
    BearerNotAccepted,
}

impl AuthProblem {
    /// The `oauth_problem` value.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthProblem::ParameterAbsent => "parameter_absent",
            AuthProblem::ConsumerKeyUnknown => "consumer_key_unknown",
            AuthProblem::TokenRejected => "token_rejected",
            AuthProblem::SignatureMethodRejected => "signature_method_rejected",
            AuthProblem::SignatureInvalid => "signature_invalid",
            AuthProblem::TimestampRefused => "timestamp_refused",
            AuthProblem::NonceUsed => "nonce_used",
            AuthProblem::BearerNotAccepted => "bearer_not_accepted",
        }
    }
}

/// The OAuth parameters of a verified request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `oauth_timestamp`, seconds.
    pub timestamp: i64,
    /// `oauth_nonce`.
    pub nonce: String,
}

/// Parses an `Authorization: OAuth k="v", ...` header into decoded pairs.
pub fn parse_oauth_header(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.trim();
    let (scheme, rest) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return None;
    }
    let mut out = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (k, v) = part.split_once('=')?;
        let v = v.trim().strip_prefix('"')?.strip_suffix('"')?;
        let k = percent_decode_str(k.trim())
            .decode_utf8()
            .ok()?
            .into_owned();
        let v = percent_decode_str(v).decode_utf8().ok()?.into_owned();
        out.push((k, v));
    }
    Some(out)
}

/// The RFC 5849 signature base string.
///
/// `base_url` is `scheme://host[:port]/path` as the client addressed it (default ports omitted);
/// `params` are the decoded query and form parameters.
pub fn signature_base_string(
    method: &str,
    base_url: &str,
    params: &[(String, String)],
    oauth: &[(String, String)],
) -> String {
    let mut all: Vec<(String, String)> = params
        .iter()
        .chain(
            oauth
                .iter()
                .filter(|(k, _)| k != "oauth_signature" && k != "realm"),
        )
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    all.sort();
    let normalized = all
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        enc(base_url),
        enc(&normalized)
    )
}

/// HMAC-SHA1 signature (base64) of `base` with the consumer and token secrets.
pub fn hmac_sha1_signature(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!("{}&{}", enc(consumer_secret), enc(token_secret));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(base.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Verifies an OAuth 1.0a HMAC-SHA1 `Authorization` header against `keys`.
///
/// `now_s` is the server's time for the timestamp check (±`max_skew_s`); `None` skips the check
/// (for fixed published examples). Nonce replay is the caller's business ([`Verified`] returns it).
pub fn verify_oauth1(
    method: &str,
    base_url: &str,
    params: &[(String, String)],
    header: &str,
    keys: &OAuth1Keys,
    now_s: Option<i64>,
    max_skew_s: i64,
) -> Result<Verified, AuthProblem> {
    let oauth = parse_oauth_header(header).ok_or(AuthProblem::ParameterAbsent)?;
    let get = |k: &str| oauth.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let signature = get("oauth_signature").ok_or(AuthProblem::ParameterAbsent)?;
    let consumer = get("oauth_consumer_key").ok_or(AuthProblem::ParameterAbsent)?;
    let token = get("oauth_token").ok_or(AuthProblem::ParameterAbsent)?;
    let ts = get("oauth_timestamp").ok_or(AuthProblem::ParameterAbsent)?;
    let nonce = get("oauth_nonce").ok_or(AuthProblem::ParameterAbsent)?;
    if get("oauth_signature_method") != Some("HMAC-SHA1")
        || get("oauth_version").is_some_and(|v| v != "1.0")
    {
        return Err(AuthProblem::SignatureMethodRejected);
    }
    if consumer != keys.consumer_key {
        return Err(AuthProblem::ConsumerKeyUnknown);
    }
    if token != keys.token {
        return Err(AuthProblem::TokenRejected);
    }
    let timestamp: i64 = ts.parse().map_err(|_| AuthProblem::TimestampRefused)?;
    if let Some(now) = now_s
        && (timestamp - now).abs() > max_skew_s
    {
        return Err(AuthProblem::TimestampRefused);
    }
    let base = signature_base_string(method, base_url, params, &oauth);
    let expected = hmac_sha1_signature(&base, &keys.consumer_secret, &keys.token_secret);
    if expected != signature {
        return Err(AuthProblem::SignatureInvalid);
    }
    Ok(Verified {
        timestamp,
        nonce: nonce.to_string(),
    })
}

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    azp: String,
    iat: i64,
    exp: i64,
}

/// Issues and checks the JWT bearer tokens of the simulated Sentinel.
#[derive(Debug, Clone)]
pub struct TokenIssuer {
    secret: Vec<u8>,
}

impl TokenIssuer {
    /// An issuer signing with a key derived from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            secret: format!("liveperson-simulator-sentinel-{seed}").into_bytes(),
        }
    }

    fn sign(&self, data: &str) -> String {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(data.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A token for `account` and `client_id`, valid from `now_s` for `ttl_s` seconds.
    pub fn issue(&self, account: &str, client_id: &str, now_s: i64, ttl_s: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = Claims {
            iss: "Sentinel".into(),
            aud: account.into(),
            azp: client_id.into(),
            iat: now_s,
            exp: now_s + ttl_s,
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("serializable"));
        let data = format!("{header}.{payload}");
        let sig = self.sign(&data);
        format!("{data}.{sig}")
    }

    /// Whether `token` was issued here for `account` and is unexpired at `now_s`.
    pub fn check(&self, token: &str, account: &str, now_s: i64) -> bool {
        let Some((data, sig)) = token.rsplit_once('.') else {
            return false;
        };
        if self.sign(data) != sig {
            return false;
        }
        let Some((_, payload)) = data.split_once('.') else {
            return false;
        };
        let Ok(raw) = URL_SAFE_NO_PAD.decode(payload) else {
            return false;
        };
        match serde_json::from_slice::<Claims>(&raw) {
            Ok(c) => c.aud == account && c.exp > now_s,
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// RFC 5849 section 1.2: the published photos example.
    fn rfc_example() -> (OAuth1Keys, Vec<(String, String)>, String) {
        let keys = OAuth1Keys {
            consumer_key: "dpf43f3p2l4k3l03".into(),
            consumer_secret: "kd94hf93k423kf44".into(),
            token: "nnch734d00sl2jdk".into(),
            token_secret: "pfkkdhi9sl3r4s00".into(),
        };
        let params = pairs(&[("file", "vacation.jpg"), ("size", "original")]);
        let header = r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#;
        (keys, params, header.to_string())
    }

    #[test]
    fn rfc5849_published_example_verifies() {
        let (keys, params, header) = rfc_example();
        let v = verify_oauth1(
            "GET",
            "http://photos.example.net/photos",
            &params,
            &header,
            &keys,
            None,
            0,
        )
        .expect("RFC example must verify");
        assert_eq!(v.nonce, "chapoH");
    }

    #[test]
    fn wrong_secret_or_tampered_query_fails() {
        let (mut keys, params, header) = rfc_example();
        let tampered = pairs(&[("file", "vacation.jpg"), ("size", "small")]);
        let url = "http://photos.example.net/photos";
        assert_eq!(
            verify_oauth1("GET", url, &tampered, &header, &keys, None, 0),
            Err(AuthProblem::SignatureInvalid)
        );
        keys.token_secret = "wrong".into();
        assert_eq!(
            verify_oauth1("GET", url, &params, &header, &keys, None, 0),
            Err(AuthProblem::SignatureInvalid)
        );
    }

    #[test]
    fn stale_timestamp_is_refused() {
        let (keys, params, header) = rfc_example();
        let url = "http://photos.example.net/photos";
        assert_eq!(
            verify_oauth1(
                "GET",
                url,
                &params,
                &header,
                &keys,
                Some(2_000_000_000),
                600
            ),
            Err(AuthProblem::TimestampRefused)
        );
    }

    #[test]
    fn tokens_are_bound_to_account_and_expire() {
        let issuer = TokenIssuer::new(1);
        let t = issuer.issue("123", "client", 1_000, 3_600);
        assert!(issuer.check(&t, "123", 1_000));
        assert!(!issuer.check(&t, "124", 1_000));
        assert!(!issuer.check(&t, "123", 4_600));
        assert!(!TokenIssuer::new(2).check(&t, "123", 1_000));
    }
}
