//! Sharding: which of the configured accounts this replica polls, so that N replicas sharing one
//! configuration poll every account exactly once.
//!
//! Each account goes to the shard with the highest score `SHA-256("<account id>/<shard>")` (first 8
//! bytes, big-endian): rendezvous hashing. The owner depends only on the account id and the shard
//! count, never on the order of the accounts or on the platform, and going from N to N+1 shards
//! moves only the accounts the new shard wins (about 1/(N+1) of them).

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::problems::{Problems, join, or_empty, typed};

/// This replica's shard: `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This replica's shard, `0..count`.
    pub index: u32,
    /// Number of shards (replicas).
    pub count: u32,
}

impl Default for Shard {
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

impl Shard {
    /// Whether this shard polls `account`.
    pub fn owns(&self, account: &str) -> bool {
        owner(account, self.count) == self.index
    }
}

/// The shard, of `count`, that polls `account`.
pub fn owner(account: &str, count: u32) -> u32 {
    (0..count.max(1))
        .max_by_key(|shard| score(account, *shard))
        .unwrap_or(0)
}

fn score(account: &str, shard: u32) -> u64 {
    let digest = Sha256::digest(format!("{account}/{shard}").as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The most shards the exporter accepts; more replicas than this is a configuration mistake.
const MAX_SHARDS: u32 = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShard {
    #[serde(default)]
    index: Option<Value>,
    #[serde(default)]
    count: Option<Value>,
}

/// Reads the `shard` section. `index` is a number, or `pod-ordinal`: the number at the end of the
/// host name, which a StatefulSet gives each pod (`<name>-<ordinal>`).
pub(crate) fn read(section: Value, hostname: Option<&str>, problems: &mut Problems) -> Shard {
    let Some(raw) = typed::<RawShard>(or_empty(section), "shard", problems) else {
        return Shard::default();
    };
    let count = match raw.count {
        None => 1,
        Some(v) => match number(&v) {
            Some(n) if (1..=MAX_SHARDS as u64).contains(&n) => n as u32,
            _ => {
                problems.add(
                    join("shard", "count"),
                    format!("must be a whole number from 1 to {MAX_SHARDS}, got {v}"),
                );
                return Shard::default();
            }
        },
    };
    let index = match raw.index {
        None => 0,
        Some(Value::String(s)) if s == "pod-ordinal" => {
            let ordinal = hostname
                .and_then(|h| h.rsplit_once('-'))
                .and_then(|(_, n)| n.parse::<u64>().ok());
            match ordinal {
                Some(n) => n,
                None => {
                    problems.add(
                        join("shard", "index"),
                        format!(
                            "pod-ordinal needs a host name ending in -<number> (a StatefulSet pod), got {}",
                            hostname.unwrap_or("none")
                        ),
                    );
                    return Shard::default();
                }
            }
        }
        Some(v) => match number(&v) {
            Some(n) => n,
            None => {
                problems.add(
                    join("shard", "index"),
                    format!("must be a whole number or pod-ordinal, got {v}"),
                );
                return Shard::default();
            }
        },
    };
    if index >= count as u64 {
        problems.add(
            join("shard", "index"),
            format!("must be below shard.count ({count}), got {index}"),
        );
        return Shard::default();
    }
    Shard {
        index: index as u32,
        count,
    }
}

/// A whole number given as a number or as digits (environment variables arrive as text).
fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(section: Value, hostname: Option<&str>) -> (Shard, Vec<String>) {
        let mut p = Problems::default();
        let shard = read(section, hostname, &mut p);
        (shard, p.0.iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn reads_numbers_text_and_pod_ordinals() {
        let cases = [
            (serde_json::json!(null), None, Shard { index: 0, count: 1 }),
            (
                serde_json::json!({"index": 2, "count": 3}),
                None,
                Shard { index: 2, count: 3 },
            ),
            (
                serde_json::json!({"index": "1", "count": "4"}),
                None,
                Shard { index: 1, count: 4 },
            ),
            (
                serde_json::json!({"index": "pod-ordinal", "count": 5}),
                Some("liveperson-exporter-4"),
                Shard { index: 4, count: 5 },
            ),
        ];
        for (section, host, want) in cases {
            let (got, problems) = problems_of(section.clone(), host);
            assert_eq!(got, want, "{section}");
            assert!(problems.is_empty(), "{section}: {problems:?}");
        }
    }

    #[test]
    fn names_the_key_of_a_bad_value() {
        let cases = [
            (
                serde_json::json!({"index": 3, "count": 3}),
                None,
                "shard.index",
            ),
            (serde_json::json!({"count": 0}), None, "shard.count"),
            (serde_json::json!({"count": "many"}), None, "shard.count"),
            (
                serde_json::json!({"index": -1, "count": 2}),
                None,
                "shard.index",
            ),
            (
                serde_json::json!({"index": "pod-ordinal", "count": 2}),
                Some("exporter"),
                "shard.index",
            ),
            (serde_json::json!({"replicas": 2}), None, "shard"),
        ];
        for (section, host, key) in cases {
            let (_, problems) = problems_of(section.clone(), host);
            assert_eq!(problems.len(), 1, "{section}: {problems:?}");
            assert!(problems[0].starts_with(key), "{section}: {problems:?}");
        }
    }

    #[test]
    fn owners_are_stable_and_move_little_when_a_shard_is_added() {
        // The assignment must not change between versions or platforms: these owners were
        // computed independently (Python hashlib) from the rule in the module doc.
        let ids = ["12345678", "87654321", "70000001"];
        assert_eq!(ids.map(|a| owner(a, 3)), [0, 1, 0]);
        assert_eq!(ids.map(|a| owner(a, 5)), [0, 4, 4]);
        let accounts: Vec<String> = (0..1000).map(|i| format!("{}", 10_000_000 + i)).collect();
        let moved = accounts
            .iter()
            .filter(|a| owner(a, 4) != owner(a, 5))
            .count();
        // Rendezvous hashing moves only what the new shard takes: about 1000/5.
        assert!((120..=280).contains(&moved), "{moved} moved");
        for a in &accounts {
            let (before, after) = (owner(a, 4), owner(a, 5));
            assert!(before == after || after == 4, "{a}: {before} -> {after}");
        }
    }
}
