//! The counting collectors against the simulator on a manual clock, over 6+ simulated hours with
//! faults along the way: their counters equal the ground truth for exactly the counted range, no
//! bucket counted twice and none left out, with one upstream request per run.

use std::sync::Arc;
use std::time::Duration;

use crate::support::{OneCollector, exporter_config, one_collector};
use liveperson_exporter::collectors::engagement_activity::specs as ea;
use liveperson_exporter::collectors::messaging_conversation::specs as mc;
use liveperson_exporter::config::Config;
use liveperson_exporter::metrics::snapshot::Snapshot;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::records::Resolver;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig, Simulator};

const MINUTE: i64 = 60_000;

async fn sim(seed: u64) -> Simulator {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 9 * 60 * MINUTE);
    simulator::start(cfg).await.unwrap()
}

fn config(s: &Simulator) -> Config {
    let mut cfg = exporter_config(s);
    cfg.http.request_timeout = Duration::from_millis(300);
    for name in ["messaging_conversation", "engagement_activity"] {
        let c = cfg.accounts[0].collectors.get_mut(name).unwrap();
        c["settle_delay"] = "5m".into();
        c["backfill"] = "0s".into();
        c["per_agent"] = true.into();
    }
    cfg
}

/// Steps the clock through `hours` with faults injected for `api` along the way; returns the last
/// good snapshot, the first and last watermark, and the runs made.
async fn step_through(
    s: &Simulator,
    r: &mut OneCollector,
    api: Api,
    hours: i64,
) -> (Arc<Snapshot>, u64) {
    let clock = s.clock().unwrap().clone();
    let faults = s.faults();
    let mut last = None;
    let mut runs = 0;
    let mut t = 0;
    while t < hours * 60 {
        let step = if t == 120 { 47 } else { 5 }; // one run delayed past several buckets
        t += step;
        clock.advance(step * MINUTE);
        faults.clear();
        let fault = match (t / 5) % 12 {
            1 => Some(FaultSpec {
                rate_limit_next: 3,
                retry_after_s: None,
                ..FaultSpec::default()
            }),
            3 => Some(FaultSpec {
                fail_next: vec![500, 503],
                ..FaultSpec::default()
            }),
            5 => Some(FaultSpec {
                malformed_next: 1,
                ..FaultSpec::default()
            }),
            7 => Some(FaultSpec {
                latency_ms: 1_000,
                ..FaultSpec::default()
            }),
            9 => Some(FaultSpec {
                fail_next: vec![503; 4],
                ..FaultSpec::default()
            }),
            _ => None,
        };
        if let Some(f) = fault {
            faults.set(api, f);
        }
        let result = r.try_run().await;
        runs += 1;
        if let Ok(snap) = result {
            last = Some(snap);
        }
    }
    faults.clear();
    clock.advance(MINUTE);
    let result = r.try_run().await;
    (
        result.or(last.ok_or(())).expect("a run succeeded"),
        runs + 1,
    )
}

#[tokio::test]
async fn messaging_conversation_counters_equal_truth_over_six_hours_of_faults() {
    let s = sim(61).await;
    let mut cfg = config(&s);
    // Every agent group too: one request each per run, counted with the same buckets.
    let group_ids: Vec<String> = s
        .engine(&s.account_ids()[0])
        .world
        .groups
        .iter()
        .map(|g| g.id.to_string())
        .collect();
    cfg.accounts[0]
        .collectors
        .get_mut("messaging_conversation")
        .unwrap()["agent_groups"] = serde_json::json!(group_ids);
    let mut r = one_collector(&s, &cfg, "messaging_conversation");
    let start = s.now();
    r.run().await;
    let (snap, runs) = step_through(&s, &mut r, Api::MsgConversation, 6).await;
    let acct = s.account_ids()[0].clone();
    let from = (start - 5 * MINUTE).div_euclid(5 * MINUTE) * 5 * MINUTE;
    let until = snap.value(&mc::COUNTED_UNTIL, &[&acct]).unwrap() as i64 * 1000;
    assert!(until - from >= 6 * 60 * MINUTE, "six hours counted");
    let e = s.engine(&acct);
    let names = [
        (Resolver::Agent, "agent"),
        (Resolver::Consumer, "consumer"),
        (Resolver::System, "system"),
    ];
    let total = e.truth_resolved(from, until, None, None);
    for (res, name) in names {
        assert_eq!(
            snap.value(&mc::account::RESOLVED, &[&acct, name]),
            Some(total[&res].count as f64),
            "{name}"
        );
        let secs = snap.value(&mc::account::HANDLING, &[&acct, name]).unwrap();
        assert_eq!(
            (secs * 1000.0).round() as i64,
            total[&res].handling_ms,
            "{name}"
        );
    }
    assert!(total[&Resolver::Agent].count > 200);
    for (i, sk) in e.world.skills.iter().enumerate() {
        let t = e.truth_resolved(from, until, Some(i as u32), None);
        for (res, name) in names {
            let got = snap
                .value(&mc::skill::RESOLVED, &[&acct, &sk.id.to_string(), name])
                .unwrap_or(0.0);
            assert_eq!(got, t[&res].count as f64, "skill {} {name}", sk.id);
        }
    }
    let mut per_group =
        vec![std::collections::BTreeMap::<Resolver, (u64, i64)>::new(); group_ids.len()];
    for (i, a) in e.world.agents.iter().enumerate() {
        let t = e.truth_resolved(from, until, None, Some(i as u32));
        let got = snap
            .value(&mc::agent::RESOLVED, &[&acct, &a.id.to_string(), "agent"])
            .unwrap_or(0.0);
        assert_eq!(got, t[&Resolver::Agent].count as f64, "agent {}", a.id);
        for (res, r) in t {
            let g = per_group[a.group as usize].entry(res).or_default();
            g.0 += r.count;
            g.1 += r.handling_ms;
        }
    }
    // A group's resolutions are its agents'.
    for (g, want) in group_ids.iter().zip(&per_group) {
        for (res, name) in names {
            let (n, ms) = want.get(&res).copied().unwrap_or_default();
            let got = |spec| snap.value(spec, &[&acct, g, name]).unwrap_or(0.0);
            assert_eq!(
                got(&mc::agent_group::RESOLVED),
                n as f64,
                "group {g} {name}"
            );
            assert_eq!(
                (got(&mc::agent_group::HANDLING) * 1000.0).round() as i64,
                ms,
                "group {g} {name}"
            );
        }
    }
    assert!(per_group.iter().filter(|g| !g.is_empty()).count() >= 2);
    assert_eq!(
        snap.value(&mc::IMPLAUSIBLE, &[&acct]),
        Some(0.0),
        "milliseconds are plausible"
    );
    // One request per group and successful run, plus the retried and failed attempts the
    // faults caused.
    let v = r.traffic.view();
    let ok = v
        .requests
        .get(&(acct.clone(), "msgconversation", "200".to_string()))
        .copied()
        .unwrap_or(0);
    let per_run = 1 + group_ids.len() as u64;
    assert!(
        ok <= runs * per_run,
        "{ok} successful requests for {runs} runs"
    );
}

#[tokio::test]
async fn handling_times_in_the_wrong_unit_are_counted_as_implausible() {
    let s = sim(63).await;
    let start = s.now();
    let snap = an_hour_of_messaging_conversation(&s, "handling_time_unit", "seconds".into()).await;
    let acct = s.account_ids()[0].clone();
    let from = (start - 5 * MINUTE).div_euclid(5 * MINUTE) * 5 * MINUTE;
    let until = snap.value(&mc::COUNTED_UNTIL, &[&acct]).unwrap() as i64 * 1000;
    let truth = s.engine(&acct).truth_resolved(from, until, None, None);
    // The simulator sends milliseconds: read as seconds, they are counted as read...
    assert_eq!(
        snap.value(&mc::account::HANDLING, &[&acct, "agent"]),
        Some(truth[&Resolver::Agent].count as f64)
            .map(|_| truth[&Resolver::Agent].handling_ms as f64)
    );
    // ...and every bucket with agent resolutions is flagged.
    let flagged = snap.value(&mc::IMPLAUSIBLE, &[&acct]).unwrap();
    assert!(flagged >= 6.0, "{flagged} buckets flagged");
}

#[tokio::test]
async fn engagement_activity_counters_equal_truth_over_six_hours_of_faults() {
    let s = sim(62).await;
    let cfg = config(&s);
    let mut r = one_collector(&s, &cfg, "engagement_activity");
    let start = s.now();
    r.run().await;
    let (snap, _) = step_through(&s, &mut r, Api::EngActivity, 6).await;
    let acct = s.account_ids()[0].clone();
    let from = (start - 5 * MINUTE).div_euclid(5 * MINUTE) * 5 * MINUTE;
    let until = snap.value(&ea::COUNTED_UNTIL, &[&acct]).unwrap() as i64 * 1000;
    assert!(until - from >= 6 * 60 * MINUTE);
    let e = s.engine(&acct);
    let t = e.truth_chats(from, until, None, None);
    assert_eq!(
        snap.value(&ea::account::CLOSED, &[&acct, "true"]),
        Some(t.interactive as f64)
    );
    assert_eq!(
        snap.value(&ea::account::CLOSED, &[&acct, "false"]),
        Some(t.non_interactive as f64)
    );
    assert_eq!(
        snap.value(&ea::account::HANDLING, &[&acct, "true"]),
        Some(t.handling_s as f64)
    );
    assert_eq!(
        snap.value(&ea::account::HANDLING, &[&acct, "false"]),
        Some(t.non_interactive_handling_s as f64)
    );
    assert_eq!(
        snap.value(&ea::account::CONNECTED, &[&acct]),
        Some(t.connected as f64)
    );
    assert!(t.interactive > 50);
    for (i, sk) in e.world.skills.iter().enumerate() {
        let t = e.truth_chats(from, until, Some(i as u32), None);
        let id = sk.id.to_string();
        assert_eq!(
            snap.value(&ea::skill::CLOSED, &[&acct, &id, "true"])
                .unwrap_or(0.0),
            t.interactive as f64,
            "skill {id}"
        );
        assert_eq!(
            snap.value(&ea::skill::HANDLING, &[&acct, &id, "true"])
                .unwrap_or(0.0),
            t.handling_s as f64,
            "skill {id}"
        );
    }
}

#[tokio::test]
async fn agents_beyond_max_agents_are_left_out_and_counted() {
    let s = sim(64).await;
    let snap = an_hour_of_messaging_conversation(&s, "max_agents", 2.into()).await;
    let acct = s.account_ids()[0].clone();
    let agents: std::collections::BTreeSet<&str> = snap.families[mc::agent::RESOLVED.name]
        .samples
        .iter()
        .map(|x| x.labels[1].as_str())
        .collect();
    assert_eq!(agents.len(), 2, "at most max_agents agents");
    let over = snap.value(&mc::OVER_LIMIT, &[&acct]).unwrap();
    assert!(over > 0.0, "the agents left out are counted");
}

/// messaging_conversation with `key` set to `value`, run every 5 minutes for an hour: the last
/// snapshot.
async fn an_hour_of_messaging_conversation(
    s: &Simulator,
    key: &str,
    value: serde_json::Value,
) -> Arc<Snapshot> {
    let mut cfg = config(s);
    cfg.accounts[0]
        .collectors
        .get_mut("messaging_conversation")
        .unwrap()[key] = value;
    let mut r = one_collector(s, &cfg, "messaging_conversation");
    r.run().await;
    let clock = s.clock().unwrap().clone();
    let mut snap = r.run().await;
    for _ in 0..12 {
        clock.advance(5 * MINUTE);
        snap = r.run().await;
    }
    snap
}
