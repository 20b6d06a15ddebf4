//! Key Messaging Metrics against the simulator on a manual clock: every gauge equals the ground truth
//! per skill, agent group and account after unit conversion, paging collects more than 50 skills,
//! closed-conversation counters count each minute once (also through 429s, 500s and a failed run),
//! and agent_view gives each logged-in agent its status, load and conversations.

use std::time::Duration;

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::collectors::key_messaging_metrics::specs as kmm;
use liveperson_exporter::service::Service;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::truth::{Scope, UserTypes};

use super::{HOUR, MINUTE, count, secs, sim, sim_with_groups};

#[tokio::test]
async fn kmm_gauges_equal_the_ground_truth_per_skill_group_and_account() {
    let s = sim(31, 60, 8).await;
    let cfg = exporter_config(&s);
    let mut kmm_c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = kmm_c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let now = s.now();
    let (from, to) = (now - HOUR, now);
    let from = from - from.rem_euclid(MINUTE);
    let to = to + (MINUTE - to.rem_euclid(MINUTE)) % MINUTE;
    let mut levels: Vec<(&kmm::LevelMetrics, Vec<String>, Scope)> = Vec::new();
    for (i, sk) in e.world.skills.iter().enumerate() {
        levels.push((
            &kmm::skill::LEVEL,
            vec![acct.clone(), sk.id.to_string()],
            Scope::Skill(i as u32),
        ));
    }
    for (i, g) in e.world.groups.iter().enumerate() {
        levels.push((
            &kmm::agent_group::LEVEL,
            vec![acct.clone(), g.id.to_string()],
            Scope::Group(i as u32, false),
        ));
    }
    levels.push((&kmm::account::LEVEL, vec![acct.clone()], Scope::All));
    let mut checked = 0;
    for (level, key, scope) in &levels {
        let c = e.truth_current(*scope, UserTypes::ALL);
        let w = e.truth_window(*scope, UserTypes::ALL, from, to);
        let k: Vec<&str> = key.iter().map(String::as_str).collect();
        let with = |x: &'static str| {
            let mut v = k.clone();
            v.push(x);
            v
        };
        let checks = [
            (level.assigned, k.clone(), count(c.assigned)),
            (level.unassigned, k.clone(), count(c.unassigned)),
            (level.active, k.clone(), count(c.active)),
            (level.open, k.clone(), count(c.open)),
            (level.overdue, with("in_queue"), count(c.overdue_in_queue)),
            (level.overdue, with("assigned"), count(c.overdue_assigned)),
            (level.agent_load, k.clone(), c.agent_load),
            (level.human_agent_load, k.clone(), c.human_agent_load),
            (level.human_online_load, k.clone(), c.human_online_load),
            (level.human_away_load, k.clone(), c.human_away_load),
            (level.agents, with("online"), count(c.online_agents)),
            (level.agents, with("away"), count(c.away_agents)),
            (level.agents, with("back_soon"), count(c.back_soon_agents)),
            (level.available_slots, k.clone(), count(c.available_slots)),
            (
                level.queue_wait,
                with("50"),
                secs(c.queue_wait_p50_ms.map(|v| v as f64)),
            ),
            (
                level.queue_wait,
                with("90"),
                secs(c.queue_wait_p90_ms.map(|v| v as f64)),
            ),
            (level.avg_wait, k.clone(), secs(w.avg_wait_time_ms)),
            (
                level.avg_wait_first_response,
                k.clone(),
                secs(w.avg_wait_time_first_response_ms),
            ),
            (
                level.avg_time_to_response,
                k.clone(),
                secs(w.avg_time_to_response_ms),
            ),
            (
                level.avg_time_to_first_response_first_assignment,
                k.clone(),
                secs(w.avg_time_to_first_response_first_assignment_ms),
            ),
        ];
        for (spec, labels, want) in checks {
            let got = snap.value(spec, &labels);
            let close = match (got, want) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                (a, b) => a == b,
            };
            assert!(
                close,
                "{} {labels:?}: exported {got:?}, truth {want:?}",
                spec.name
            );
            checked += want.is_some() as usize;
        }
    }
    let possible = levels.len() * 20;
    assert!(
        checked * 10 > possible * 9,
        "most values have data: {checked} of {possible}"
    );
    // Names go in info metrics; no -1 anywhere.
    let skill = &e.world.skills[0];
    assert_eq!(
        snap.value(
            &kmm::SKILL_INFO,
            &[&acct, &skill.id.to_string(), &skill.name]
        ),
        Some(1.0)
    );
    assert!(
        snap.families
            .values()
            .flat_map(|f| &f.samples)
            .all(|x| x.value >= 0.0)
    );
}

#[tokio::test]
async fn loads_sent_as_percentages_are_read_with_load_unit_percent_and_flagged_without_it() {
    let s = sim(35, 60, 8).await;
    // LivePerson's docs call loads percentages: the simulator sends them so.
    let percent: std::collections::BTreeMap<String, f64> = [
        "agentLoad",
        "humanAgentLoad",
        "humanOnlineLoad",
        "humanAwayLoad",
    ]
    .into_iter()
    .map(|f| (f.to_string(), 100.0))
    .collect();
    s.faults().set(
        Api::KmmMetrics,
        FaultSpec {
            scale_fields: percent,
            ..FaultSpec::default()
        },
    );
    let acct = s.account_ids()[0].clone();
    let truth = s
        .engine(&acct)
        .truth_current(Scope::All, UserTypes::ALL)
        .agent_load
        .unwrap();
    for (unit, want, flagged) in [("percent", truth, false), ("ratio", truth * 100.0, true)] {
        let mut cfg = exporter_config(&s);
        cfg.accounts[0]
            .collectors
            .get_mut("key_messaging_metrics")
            .unwrap()["load_unit"] = unit.into();
        let snap = one_collector(&s, &cfg, "key_messaging_metrics").run().await;
        let got = snap.value(&kmm::account::AGENT_LOAD, &[&acct]).unwrap();
        assert!((got - want).abs() < 1e-9, "{unit}: {got} vs {want}");
        let implausible = snap.value(&kmm::IMPLAUSIBLE_LOADS, &[&acct]).unwrap();
        assert_eq!(implausible > 0.0, flagged, "{unit}: {implausible} flagged");
    }
}

#[tokio::test]
async fn kmm_pages_through_more_than_fifty_skills() {
    let s = sim(32, 150, 120).await;
    let cfg = exporter_config(&s);
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    let skills: std::collections::BTreeSet<&str> = snap.families[kmm::skill::OPEN.name]
        .samples
        .iter()
        .map(|x| x.labels[1].as_str())
        .collect();
    assert_eq!(skills.len(), 120);
    let pages =
        c.traffic.view().requests[&(s.account_ids()[0].clone(), "kmm_metrics", "200".to_string())];
    assert!(
        pages == 3 + 1,
        "skills take 3 pages, groups 1: {pages} requests"
    );
}

#[tokio::test]
async fn closed_conversations_count_every_minute_once_through_429_500_and_a_failed_run() {
    let s = sim(33, 60, 8).await;
    let cfg = exporter_config(&s);
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let acct = s.account_ids()[0].clone();
    let settle = MINUTE; // demo_config's settle_delay
    let start = s.now();
    c.run().await;
    let clock = s.clock().unwrap().clone();
    let faults = s.faults();
    let mut slowed = Duration::ZERO;
    for step in 1..=8 {
        clock.advance(MINUTE + 7_000);
        match step {
            2 => faults.set(
                Api::KmmMetrics,
                FaultSpec {
                    rate_limit_next: 2,
                    retry_after_s: None,
                    ..FaultSpec::default()
                },
            ),
            3 => faults.set(
                Api::KmmMetrics,
                FaultSpec {
                    fail_next: vec![500, 503],
                    ..FaultSpec::default()
                },
            ),
            _ => faults.clear(),
        }
        if step == 5 {
            // More failures than retries: the run fails and counts nothing.
            faults.set(
                Api::KmmMetrics,
                FaultSpec {
                    fail_next: vec![500; 4],
                    ..FaultSpec::default()
                },
            );
            let r = c.try_run().await;
            assert_eq!(r.unwrap_err().error_type().as_str(), "server_error");
            continue;
        }
        c.run().await;
        if step == 2 {
            slowed = c.ctx.client.pacing(Service::AgentManagerWorkspace);
            assert!(
                slowed > Duration::ZERO,
                "429s space out the account's requests"
            );
        }
    }
    let snap = c.run().await;
    let recovered = c.ctx.client.pacing(Service::AgentManagerWorkspace);
    assert!(
        recovered < slowed,
        "successes recover the pace: {recovered:?} after {slowed:?}"
    );
    let settled = |t: i64| (t - settle).div_euclid(MINUTE) * MINUTE;
    let (from, to) = (settled(start), settled(s.now()));
    assert!(to - from >= 8 * MINUTE);
    let e = s.engine(&acct);
    let truth = e.truth_window(Scope::All, UserTypes::ALL, from, to);
    let got = |closer: &str| snap.value(&kmm::account::CLOSED, &[&acct, closer]);
    assert_eq!(got("agent"), count(truth.closed_by_agent));
    assert_eq!(got("consumer"), count(truth.closed_by_consumer));
    assert_eq!(got("system"), count(truth.auto_closed));
    assert_eq!(
        got("unknown"),
        count(0),
        "the breakdown adds up to the total"
    );
    assert!(
        truth.closed > 20,
        "the minutes had closes: {}",
        truth.closed
    );
    for (i, sk) in e.world.skills.iter().enumerate() {
        let t = e.truth_window(Scope::Skill(i as u32), UserTypes::ALL, from, to);
        let id = sk.id.to_string();
        assert_eq!(
            snap.value(&kmm::skill::CLOSED, &[&acct, &id, "agent"]),
            count(t.closed_by_agent),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&kmm::skill::CLOSED, &[&acct, &id, "system"]),
            count(t.auto_closed),
            "skill {id}"
        );
    }
    let v = c.traffic.view();
    let n = |code: &str| {
        v.requests
            .get(&(acct.clone(), "kmm_metrics", code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(
        (n("429"), n("500"), n("503")),
        (2, 5, 1),
        "every answer counted"
    );
    assert!(v.retries[&(acct.clone(), "kmm_metrics")] >= 2 + 2 + 3);
}

#[tokio::test]
async fn closed_conversations_sent_as_a_total_without_breakdown_are_counted_as_unknown() {
    let s = sim(34, 60, 8).await;
    let cfg = exporter_config(&s);
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let acct = s.account_ids()[0].clone();
    let settle = MINUTE; // demo_config's settle_delay
    let start = s.now();
    // As LivePerson's own example answers: `closedConversations` and no breakdown.
    s.faults().set(
        Api::KmmMetrics,
        FaultSpec {
            omit_fields: ["closedByAgent", "closedByConsumer", "autoClosed"]
                .map(String::from)
                .to_vec(),
            ..FaultSpec::default()
        },
    );
    c.run().await;
    let clock = s.clock().unwrap().clone();
    for _ in 0..10 {
        clock.advance(MINUTE);
        c.run().await;
    }
    let snap = c.run().await;
    let settled = |t: i64| (t - settle).div_euclid(MINUTE) * MINUTE;
    let (from, to) = (settled(start), settled(s.now()));
    let e = s.engine(&acct);
    let truth = e.truth_window(Scope::All, UserTypes::ALL, from, to);
    assert!(
        truth.closed > 20,
        "the minutes had closes: {}",
        truth.closed
    );
    let got = |closer: &str| snap.value(&kmm::account::CLOSED, &[&acct, closer]);
    assert_eq!(got("unknown"), count(truth.closed));
    assert_eq!(
        [got("agent"), got("consumer"), got("system")],
        [count(0); 3],
        "no breakdown, no closer"
    );
    for (i, sk) in e.world.skills.iter().enumerate() {
        let t = e.truth_window(Scope::Skill(i as u32), UserTypes::ALL, from, to);
        let id = sk.id.to_string();
        assert_eq!(
            snap.value(&kmm::skill::CLOSED, &[&acct, &id, "unknown"]),
            count(t.closed),
            "skill {id}"
        );
    }
}

#[tokio::test]
async fn agents_beyond_max_agents_have_no_series_and_are_counted() {
    let s = sim_with_groups(37, 60, 6, 3).await;
    let mut cfg = exporter_config(&s);
    let section = cfg.accounts[0]
        .collectors
        .get_mut("key_messaging_metrics")
        .unwrap();
    section["agent_view"] = true.into();
    section["max_agents"] = 10.into();
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let logged_in = e
        .agents
        .iter()
        .filter(|d| d.state != liveperson_sim::engine::AgentState::Offline)
        .count();
    assert!(logged_in > 10, "{logged_in} agents logged in");
    assert_eq!(snap.families[kmm::AGENT_LOAD.name].samples.len(), 10);
    assert_eq!(
        snap.value(&kmm::AGENTS_NOT_VIEWED, &[&acct]),
        Some((logged_in - 10) as f64)
    );
}

#[tokio::test]
async fn agent_view_gives_each_logged_in_agent_its_status_load_and_conversations() {
    let (logged_in, _) = agent_view_matches_the_truth(36, 130, 5).await;
    assert!(
        logged_in > 50,
        "agent_view pages past 50 agents: {logged_in}"
    );
}

/// Beyond agent_view's 1,000 rows per query, the agents are asked per agent group, and a group
/// beyond them per status: every logged-in agent is still collected.
#[tokio::test]
async fn agent_view_collects_every_agent_beyond_its_cap_per_group_and_status() {
    // Two groups (the root group and one more holding most agents): over 1,000 logged-in agents
    // in one group, and over 1,000 online among them, so the account is asked per group, that
    // group per status, and its online agents from both ends of the list.
    let (logged_in, largest) = agent_view_matches_the_truth(37, 3_000, 2).await;
    assert!(
        logged_in > 1_500 && largest > 1_000,
        "{logged_in} logged in, {largest} in one group and status"
    );
}

/// Runs key_messaging_metrics with agent_view on an account of `agents` agents in `groups` groups
/// and compares every agent with the simulator's state; returns the logged-in agents, and the
/// most of them in one agent group and status.
async fn agent_view_matches_the_truth(seed: u64, agents: u32, groups: u32) -> (usize, usize) {
    let s = sim_with_groups(seed, agents, 6, groups).await;
    let mut cfg = exporter_config(&s);
    cfg.accounts[0]
        .collectors
        .get_mut("key_messaging_metrics")
        .unwrap()["agent_view"] = true.into();
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    assert_eq!(snap.value(&kmm::AGENTS_NOT_VIEWED, &[&acct]), Some(0.0));
    let e = s.engine(&acct);
    let mut logged_in = 0;
    let mut reasons_seen = 0;
    let mut per_group_status: std::collections::BTreeMap<_, usize> = Default::default();
    for (i, a) in e.world.agents.iter().enumerate() {
        let d = &e.agents[i];
        let id = a.id.to_string();
        let status = |st: &str| snap.value(&kmm::AGENT_STATUS, &[&acct, &id, st]);
        if d.state == liveperson_sim::engine::AgentState::Offline {
            // agent_view lists logged-in agents only.
            assert_eq!(status("online"), None, "agent {id}");
            continue;
        }
        logged_in += 1;
        *per_group_status.entry((a.group, d.state)).or_default() += 1;
        let current = match d.state.api_name() {
            "ONLINE" => "online",
            "AWAY" => "away",
            _ => "back_soon",
        };
        for st in ["online", "away", "back_soon", "offline"] {
            assert_eq!(
                status(st),
                Some((st == current) as u8 as f64),
                "agent {id} {st}"
            );
        }
        let busy = d.convs.len() as f64;
        assert_eq!(snap.value(&kmm::AGENT_ASSIGNED, &[&acct, &id]), Some(busy));
        assert_eq!(
            snap.value(&kmm::AGENT_LOAD, &[&acct, &id]),
            Some(busy / a.max_slots as f64),
            "agent {id}"
        );
        assert_eq!(
            snap.value(&kmm::AGENT_MAX_SLOTS, &[&acct, &id]),
            Some(a.max_slots as f64),
            "agent {id}"
        );
        assert_eq!(
            snap.value(&kmm::AGENT_STATUS_SINCE, &[&acct, &id]),
            Some(d.state_since as f64 / 1000.0),
            "agent {id}: time in status"
        );
        // The reason, and since when, only while the status has one.
        let reasons: Vec<(String, f64)> = snap.families[kmm::AGENT_REASON_SINCE.name]
            .samples
            .iter()
            .filter(|x| x.labels[1] == id)
            .map(|x| (x.labels[2].clone(), x.value))
            .collect();
        let want: Vec<(String, f64)> = d
            .reason
            .map(|r| {
                let id = liveperson_sim::world::AWAY_REASONS[r as usize]
                    .id
                    .to_string();
                (id, d.state_since as f64 / 1000.0)
            })
            .into_iter()
            .collect();
        assert_eq!(reasons, want, "agent {id}: status reason");
        reasons_seen += want.len();
    }
    assert!(reasons_seen > 0, "some agents are away for a reason");
    let largest = per_group_status.values().copied().max().unwrap_or(0);
    (logged_in, largest)
}
