//! The simulated LivePerson APIs: one module per API family, each a pure function from the engine's
//! state and the request to a status and a JSON body.
//!
//! Bodies are built here with `serde_json` values, independently of the exporter's response types.
//! Every documented limit a request breaks is collected into `causes` and answered with 400.

pub mod agent_segments;
pub mod csds;
pub mod interval_metrics;
pub mod kmm;
pub mod nht;
pub mod queue_health;
pub mod status_changes;
pub mod windows;

use serde_json::{Value, json};

use super::engine::Engine;
use super::faults::Decision;
use crate::clock::EpochMs;

/// Decoded query (and, for POST forms of GET APIs, body) parameters.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Everything a builder may look at.
pub struct Ctx<'a> {
    /// The account's simulation, advanced to `now`.
    pub engine: &'a Engine,
    /// The simulated time of the request.
    pub now: EpochMs,
    /// Query parameters.
    pub params: &'a Params,
    /// Request body.
    pub body: &'a [u8],
    /// `scheme://host:port` the client addressed, for links.
    pub base_url: &'a str,
    /// Request path.
    pub path: &'a str,
    /// Injected faults that shape the answer (202, empty pages).
    pub faults: &'a Decision,
}

/// A builder's answer.
pub type Reply = Result<(u16, Value), Vec<String>>;

/// The 400 body of the agent-activity family, used by every simulated API.
pub fn bad_request_body(causes: &[String]) -> Value {
    json!({
        "causes": causes,
        "message": "The server cannot or will not process the request due to something that is perceived to be a client error (e.g., malformed request syntax). Please fix the issues detailed in `causes` and try again"
    })
}

/// Collects problems with a request's parameters.
#[derive(Debug, Default)]
pub struct Check {
    /// The problems found, in LivePerson's `name: reason` form.
    pub causes: Vec<String>,
}

impl Check {
    /// Records a problem.
    pub fn fail(&mut self, cause: impl Into<String>) {
        self.causes.push(cause.into());
    }

    /// An integer parameter with bounds; `None` (with a cause) when invalid, `default` when absent.
    pub fn int(
        &mut self,
        p: &Params,
        name: &str,
        default: Option<i64>,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        match p.get(name) {
            None | Some("") => {
                if default.is_none() {
                    self.fail(format!("{name}: must not be null"));
                }
                default
            }
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if n < min => {
                    self.fail(format!("{name}: must be greater than or equal to {min}"));
                    None
                }
                Ok(n) if n > max => {
                    self.fail(format!("{name}: must be less than or equal to {max}"));
                    None
                }
                Ok(n) => Some(n),
                Err(_) => {
                    self.fail(format!("{name}: must be a number"));
                    None
                }
            },
        }
    }

    /// A boolean parameter.
    pub fn boolean(&mut self, p: &Params, name: &str, default: bool) -> bool {
        match p.get(name) {
            None | Some("") => default,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                self.fail(format!("{name}: must be true or false"));
                default
            }
        }
    }

    /// Requires `v` to be present and one of `allowed`.
    pub fn version(&mut self, p: &Params, allowed: &[&str]) -> Option<String> {
        match p.get("v") {
            None | Some("") => {
                self.fail("v: must not be null");
                None
            }
            Some(v) if allowed.contains(&v) => Some(v.to_string()),
            Some(v) => {
                self.fail(format!("v: unsupported version {v}"));
                None
            }
        }
    }

    /// `v=1` (the default when absent) or `v=2`: whether version 2 was asked for.
    pub fn version_1_or_2(&mut self, p: &Params) -> bool {
        match p.get("v").filter(|s| !s.is_empty()).unwrap_or("1") {
            "1" => false,
            "2" => true,
            other => {
                self.fail(format!("v: unsupported version {other}"));
                false
            }
        }
    }

    /// Requires `source` (≤ 20 characters; `strict` adds `^[a-zA-Z0-9_]+$`).
    pub fn source(&mut self, p: &Params, strict: bool) {
        match p.get("source") {
            None | Some("") => self.fail("source: must not be null"),
            Some(s) if s.chars().count() > 20 => self.fail("source: size must be between 1 and 20"),
            Some(s) if strict && !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                self.fail("source: must match \"^[a-zA-Z0-9_]+$\"")
            }
            Some(_) => {}
        }
    }

    /// The answer: the value if no problem was found.
    pub fn finish(self, ok: impl FnOnce() -> (u16, Value)) -> Reply {
        if self.causes.is_empty() {
            Ok(ok())
        } else {
            Err(self.causes)
        }
    }
}

/// A list of ids given as `all` (→ `Some(None)`), a comma list (→ `Some(Some(ids))`), or absent
/// (→ `None`).
pub fn id_list(check: &mut Check, p: &Params, name: &str) -> Option<Option<Vec<i64>>> {
    let raw = p.get(name)?;
    if raw.trim().eq_ignore_ascii_case("all") {
        return Some(None);
    }
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part.parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => check.fail(format!("{name}: invalid id {part}")),
        }
    }
    Some(Some(ids))
}

/// `-1` for "no data", as LivePerson sends it.
pub fn or_minus_one<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(json!(-1), Into::into)
}

/// A `{rel, href}` link to `path` with `query` on the client's base URL.
pub fn link(ctx: &Ctx<'_>, rel: &str, query: &str) -> Value {
    json!({"rel": rel, "href": format!("{}{}?{}", ctx.base_url, ctx.path, query)})
}

/// RFC 3339 with milliseconds, UTC (`2022-03-13T10:18:51.625Z`).
pub fn rfc3339_ms(t: EpochMs) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// RFC 3339 with seconds, UTC (`2023-02-07T13:15:00Z`).
pub fn rfc3339_s(t: EpochMs) -> String {
    chrono::DateTime::from_timestamp_millis(t)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Parses an RFC 3339 time (with or without seconds, any offset) to epoch ms.
pub fn parse_rfc3339(s: &str) -> Option<EpochMs> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    // LivePerson's own links use minute precision ("2022-02-24T00:00Z").
    chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%#z")
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The window a windowed API answers: the asked `[from, to]`, or with the `out_of_window` fault six
/// hours more on each side (never past now), as a server that ignores part of the query would.
pub fn answered_window(ctx: &Ctx<'_>, from: EpochMs, to: EpochMs) -> (EpochMs, EpochMs) {
    const SIX_HOURS: EpochMs = 6 * 3_600_000;
    if ctx.faults.out_of_window {
        (from - SIX_HOURS, (to + SIX_HOURS).min(ctx.now).max(to))
    } else {
        (from, to)
    }
}

/// The request's query string without the parameters named in `drop` or `set`, followed by those of
/// `set`: the query of a paging link.
pub fn query_with(ctx: &Ctx<'_>, drop: &[&str], set: &[(&str, String)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &ctx.params.0 {
        if !drop.contains(&k.as_str()) && !set.iter().any(|(r, _)| r == k) {
            q.append_pair(k, v);
        }
    }
    for (k, v) in set {
        q.append_pair(k, v);
    }
    q.finish()
}

/// Offset paging links (`self`, `first`, `previous`, `next`, `last`) for `total` results.
/// `self` and `first` are always present, `last` always with `always_last` and otherwise when there
/// is more than one page, `previous` and `next` when such a page exists. The last page's link
/// carries its actual size as `limit`, as LivePerson's do.
pub fn offset_references(
    ctx: &Ctx<'_>,
    total: u64,
    offset: u64,
    limit: u64,
    always_last: bool,
) -> Vec<Value> {
    let at = |rel: &str, off: u64, lim: u64| {
        link(
            ctx,
            rel,
            &query_with(
                ctx,
                &[],
                &[("offset", off.to_string()), ("limit", lim.to_string())],
            ),
        )
    };
    let mut refs = vec![at("self", offset, limit), at("first", 0, limit)];
    if offset > 0 {
        refs.push(at("previous", offset.saturating_sub(limit), limit));
    }
    if offset + limit < total {
        refs.push(at("next", offset + limit, limit));
    }
    if total > limit || always_last {
        let last = total.saturating_sub(1) / limit * limit;
        refs.push(at("last", last, (total - last).clamp(1, limit)));
    }
    refs
}

/// Reads a time given in one of two forms (an RFC 3339 `text` parameter or an epoch-ms `millis`
/// one), never both; `Ok(None)` when neither is present.
pub fn time_param(
    check: &mut Check,
    p: &Params,
    text: &str,
    millis: &str,
    parse_text: fn(&str) -> Option<EpochMs>,
) -> Option<EpochMs> {
    let t = p.get(text).filter(|s| !s.is_empty());
    let m = p.get(millis).filter(|s| !s.is_empty());
    match (t, m) {
        (Some(_), Some(_)) => {
            check.fail(format!("{text}: send either {text} or {millis}, not both"));
            None
        }
        (Some(s), None) => parse_text(s).or_else(|| {
            check.fail(format!("{text}: invalid date-time {s}"));
            None
        }),
        (None, Some(s)) => s.trim().parse::<EpochMs>().ok().or_else(|| {
            check.fail(format!("{millis}: must be epoch milliseconds"));
            None
        }),
        (None, None) => None,
    }
}

/// A non-negative offset and a bounded limit, as the offset-paged APIs take them.
pub fn offset_limit(check: &mut Check, p: &Params, default_limit: i64, max: i64) -> (u64, u64) {
    let offset = check.int(p, "offset", Some(0), 0, i64::MAX).unwrap_or(0);
    let limit = check
        .int(p, "limit", Some(default_limit), 1, max)
        .unwrap_or(default_limit);
    (offset as u64, limit as u64)
}
