//! `messaging_queue_health`: messaging current queue health (CSDS `leDataReporting`, OAuth 1.0a
//! only): per skill and account, unassigned conversations by kind, wait for assignment and
//! overdue conversations. One request per run; every value is a current-value gauge.

pub mod mapping;
pub mod model;
pub mod specs;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::machinery::{Built, CollectCtx, CollectError, Entry, read_section};
use crate::config::Problems;
use crate::liveperson::Call;
use crate::metrics::snapshot::{Snapshot, SnapshotBuilder};
use crate::service::Service;
use model::QueueHealthResponse;

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "messaging_queue_health",
    about: "Messaging current queue health: unassigned and overdue conversations and wait for assignment per skill and account",
    metrics: specs::ALL,
    needs_oauth1: true,
    build,
};

collector_settings! {
    /// Config section `collectors.messaging_queue_health`.
    struct Settings (interval: Duration::from_secs(30), timeout: Duration::from_secs(40)) {}
    defaults {}
}

fn build(section: Value, path: &str, problems: &mut Problems) -> Option<Built> {
    let (s, schedule) = read_section::<Settings>(section, path, problems)?;
    Some(Built {
        enabled: s.enabled,
        schedule,
        collector: Box::new(MessagingQueueHealth),
    })
}

struct MessagingQueueHealth;

impl MessagingQueueHealth {
    async fn run(&mut self, ctx: &CollectCtx) -> Result<Arc<Snapshot>, CollectError> {
        let account = ctx.client.account_id().to_string();
        let call = Call {
            api: "msg_queue_health_current",
            service: Service::LeDataReporting,
            method: Method::GET,
            path: format!("/operations/api/account/{account}/msgqueuehealth/current/"),
            query: vec![("v".into(), "1".into()), ("metrics".into(), "all".into())],
            body: None,
            bearer_ok: false,
        };
        let answer: QueueHealthResponse = ctx.client.json(&call).await?;
        let mut b = SnapshotBuilder::new(specs::ALL);
        for (skill, v) in &answer.skills {
            mapping::values(&mut b, &specs::skill::LEVEL, &[&account, skill], v)?;
        }
        if let Some(total) = &answer.total {
            mapping::values(&mut b, &specs::account::LEVEL, &[&account], total)?;
        }
        Ok(b.build())
    }
}

collector_via_run!(MessagingQueueHealth);
