//! Collectors: one folder per LivePerson API, the machinery they share, and the one ordered
//! registry of them.
//!
//! A collector turns one account's API answers into a [`Snapshot`](crate::metrics::snapshot::Snapshot)
//! of its declared metrics. It owns whatever state its counters need (watermarks, totals) and is
//! run by the scheduler, never twice at once. The registry below is the single list of
//! collectors: it drives the config sections, the enable switches, `check-config` and the README's
//! metrics table. Collectors use [`machinery`], [`values`] and [`paging`], never this file, so the
//! registry can name them without an import circle.

use serde_json::Value;

use crate::config::{Auth, Config, Problem, Problems, join};

#[macro_use]
pub mod machinery;
pub mod paging;
pub mod values;

pub mod actual_handle_time;
pub mod agent_activity;
pub mod engagement_activity;
pub mod interval_metrics;
pub mod key_messaging_metrics;
pub mod messaging_conversation;
pub mod messaging_queue_health;
pub mod net_handle_time;
pub mod rolling;

pub use machinery::{
    Built, CollectCtx, CollectError, Collector, Common, Entry, Schedule, Section, read_section,
};

/// Every collector, in order.
pub static REGISTRY: &[&Entry] = &[
    &key_messaging_metrics::ENTRY,
    &messaging_queue_health::ENTRY,
    &messaging_conversation::ENTRY,
    &engagement_activity::ENTRY,
    &interval_metrics::ENTRY,
    &net_handle_time::ENTRY,
    &actual_handle_time::ENTRY,
    &agent_activity::ENTRY,
];

/// An enabled collector for one account.
pub struct Planned {
    /// Index of the account in the config.
    pub account: usize,
    /// Registry entry.
    pub entry: &'static Entry,
    /// The instance and its schedule.
    pub built: Built,
}

/// Builds every collector of every account; all problems at once.
pub fn plan(cfg: &Config) -> Result<Vec<Planned>, Vec<Problem>> {
    let mut problems = Problems::default();
    let mut out = Vec::new();
    for (i, account) in cfg.accounts.iter().enumerate() {
        let base = join(&account.path, "collectors");
        for name in account.collectors.keys() {
            if !REGISTRY.iter().any(|e| e.name == name) {
                problems.add(
                    join(&base, name),
                    format!(
                        "unknown collector (known: {})",
                        REGISTRY
                            .iter()
                            .map(|e| e.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        for entry in REGISTRY {
            let section = account
                .collectors
                .get(entry.name)
                .cloned()
                .unwrap_or(Value::Null);
            let path = join(&base, entry.name);
            let Some(built) = (entry.build)(section, &path, &mut problems) else {
                continue;
            };
            if built.enabled && entry.needs_oauth1 && !matches!(account.auth, Auth::OAuth1 { .. }) {
                problems.add(
                    path,
                    "this API accepts only OAuth 1.0a: give oauth1 credentials or disable the collector",
                );
                continue;
            }
            if built.enabled {
                out.push(Planned {
                    account: i,
                    entry,
                    built,
                });
            }
        }
    }
    if problems.0.is_empty() {
        Ok(out)
    } else {
        Err(problems.0)
    }
}
