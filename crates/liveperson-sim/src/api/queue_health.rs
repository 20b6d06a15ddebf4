//! Messaging current queue health: `GET /operations/api/account/{a}/msgqueuehealth/current/`.
//!
//! A snapshot of each skill's queue at the request time (wait times in ms, -1 without data), and
//! the account totals. With no agent logged in at all, LivePerson has no queue data: the simulator
//! then answers empty skill metrics and -1 totals.

use serde_json::{Map, Value, json};

use super::{Check, Ctx, Reply, id_list, or_minus_one};
use crate::truth::QueueHealth;

fn fields(h: &QueueHealth, queue: bool, waits: bool, overdue: bool) -> Map<String, Value> {
    let mut m = Map::new();
    if queue {
        for (k, v) in [
            ("unassignedConversations", h.unassigned),
            ("actionableConversations", h.actionable),
            ("notActionableConversations", h.not_actionable),
            ("actionableAndManualSla", 0),
            ("actionableAndDuringTransfer", h.actionable_during_transfer),
            (
                "actionableAndConsumerLastMessage",
                h.actionable_consumer_last,
            ),
            (
                "notActionableDuringTransfer",
                h.not_actionable_during_transfer,
            ),
            ("notActionableAndManualSla", 0),
            (
                "unassignedConversationsAndFirstTimeConsumer",
                h.first_time_consumer,
            ),
        ] {
            m.insert(k.into(), json!(v));
        }
    }
    if waits {
        let round = |v: Option<f64>| v.map(|x| x.round() as i64);
        m.insert(
            "avgWaitTimeForAgentAssignment_NewConversation".into(),
            or_minus_one(round(h.avg_wait_new_ms)),
        );
        m.insert(
            "avgWaitTimeForAgentAssignment_AfterTransfer".into(),
            or_minus_one(round(h.avg_wait_after_transfer_ms)),
        );
        m.insert(
            "maxWaitTimeForAgentAssignment".into(),
            or_minus_one(h.max_wait_ms),
        );
        m.insert(
            "waitTimeForAgentAssignment_50thPercentile".into(),
            or_minus_one(h.wait_p50_ms),
        );
        m.insert(
            "waitTimeForAgentAssignment_90thPercentile".into(),
            or_minus_one(h.wait_p90_ms),
        );
    }
    if overdue {
        m.insert(
            "overdueConversationsInQueue".into(),
            json!(h.overdue_in_queue),
        );
        m.insert(
            "overdueConversationsAssigned".into(),
            json!(h.overdue_assigned),
        );
        m.insert(
            "overdueConversationsTotal".into(),
            json!(h.overdue_in_queue + h.overdue_assigned),
        );
    }
    m
}

/// Builds the snapshot.
pub fn current(ctx: &Ctx<'_>) -> Reply {
    let p = ctx.params;
    let mut c = Check::default();
    c.version(p, &["1"]);
    let skills = id_list(&mut c, p, "skillIds").unwrap_or(None);
    let overdue_flag = c.boolean(p, "overdueConversations", false);
    let breakdown = c.boolean(p, "breakdown", true);
    let (mut queue, mut waits, mut overdue) = (true, true, overdue_flag);
    if let Some(list) = p.get("metrics") {
        (queue, waits, overdue) = (false, false, overdue_flag);
        for m in list.split(',').map(str::trim) {
            match m {
                "queue" => queue = true,
                "waittimes" => waits = true,
                "overdue" => overdue = true,
                "all" => (queue, waits, overdue) = (true, true, true),
                other => c.fail(format!("metrics: unknown value {other}")),
            }
        }
    }
    let e = ctx.engine;
    if let Some(ids) = &skills {
        for id in ids {
            if e.world.skill_index(*id).is_none() {
                c.fail(format!("skillIds: unknown skill {id}"));
            }
        }
    }
    c.finish(|| {
        let anyone = e.anyone_logged_in();
        let mut per_skill = Map::new();
        if breakdown && anyone {
            for (i, s) in e.world.skills.iter().enumerate() {
                if skills.as_ref().is_some_and(|ids| !ids.contains(&s.id)) {
                    continue;
                }
                let mut m = Map::new();
                m.insert("time".into(), json!(ctx.now));
                m.extend(fields(
                    &e.truth_queue_health(Some(i as u32)),
                    queue,
                    waits,
                    overdue,
                ));
                per_skill.insert(s.id.to_string(), Value::Object(m));
            }
        }
        let total = if anyone {
            e.truth_queue_health(None)
        } else {
            QueueHealth::default()
        };
        let mut total = fields(&total, queue, waits, overdue);
        if !anyone {
            total.values_mut().for_each(|v| *v = json!(-1));
        }
        let mut out = Map::new();
        if breakdown {
            out.insert("skillsMetrics".into(), Value::Object(per_skill));
        }
        out.insert("metricsTotal".into(), Value::Object(total));
        (200, Value::Object(out))
    })
}
