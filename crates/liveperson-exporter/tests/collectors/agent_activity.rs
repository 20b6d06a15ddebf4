//! The agent_activity collector over a simulated day: records arrive up to an hour late and are
//! split across pages, 429s and 500s are injected, and yet each agent's time in every state,
//! logins, logouts and state changes equal the ground truth up to the settle horizon.

use std::collections::BTreeMap;

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::collectors::agent_activity::specs as aa;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::truth::StateKey;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const HOUR: i64 = 3_600_000;

#[tokio::test]
async fn time_in_state_equals_truth_up_to_the_settle_horizon() {
    let mut cfg = SimConfig::for_tests(111);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 5 * HOUR);
    let s = simulator::start(cfg).await.unwrap();
    let mut xc = exporter_config(&s);
    xc.accounts[0].collectors.insert(
        "agent_activity".into(),
        serde_json::json!({"interval": "20m", "timeout": "5m", "page_size": 150, "agent_info": true}),
    );
    let mut c = one_collector(&s, &xc, "agent_activity");
    // The same replay summed per agent group.
    let mut gx = xc.clone();
    gx.accounts[0].collectors.get_mut("agent_activity").unwrap()["by"] = "agent_group".into();
    let mut g = one_collector(&s, &gx, "agent_activity");
    g.run().await;
    let acct = s.account_ids()[0].clone();
    let clock = s.clock().unwrap().clone();
    let snap = c.run().await;
    let w0 = snap.value(&aa::COUNTED_UNTIL, &[&acct]).unwrap() as i64 * 1000;
    for step in 1..=72 {
        clock.advance(HOUR / 3);
        s.faults().clear();
        match step % 6 {
            1 => s.faults().set(
                Api::StatusChanges,
                FaultSpec {
                    rate_limit_next: 2,
                    retry_after_s: None,
                    ..FaultSpec::default()
                },
            ),
            3 => s.faults().set(
                Api::StatusChanges,
                FaultSpec {
                    fail_next: vec![500, 503],
                    ..FaultSpec::default()
                },
            ),
            5 => s.faults().set(
                Api::StatusChanges,
                FaultSpec {
                    fail_next: vec![500; 4],
                    ..FaultSpec::default()
                },
            ),
            _ => {}
        }
        // Failed runs replay nothing; the next run catches up.
        let _ = c.try_run().await;
        let _ = g.try_run().await;
    }
    s.faults().clear();
    let snap = c.run().await;
    let by_group = g.run().await;
    let until = snap.value(&aa::COUNTED_UNTIL, &[&acct]).unwrap() as i64 * 1000;
    assert_eq!(until, s.now() - HOUR, "counted up to the settle horizon");
    assert!(until - w0 >= 24 * HOUR - HOUR / 3, "a day replayed");

    let e = s.engine(&acct);
    let (mut agents, mut compared) = (0, 0);
    for (i, a) in e.world.agents.iter().enumerate() {
        let id = a.id.to_string();
        let Some(first) = e
            .records
            .statuses
            .iter()
            .find(|r| r.agent == i as u32 && r.t >= w0 && r.t < until)
            .map(|r| r.t)
        else {
            continue;
        };
        agents += 1;
        let truth = e.truth_time_in_state(i as u32, first, until);
        let mut want: BTreeMap<(&str, String), i64> = BTreeMap::new();
        for (k, ms) in &truth.ms {
            let key = match k {
                StateKey::Online => ("online", String::new()),
                StateKey::BackSoon => ("back_soon", String::new()),
                StateKey::Away(r) => ("away", r.map(|x| x.to_string()).unwrap_or_default()),
            };
            want.insert(key, *ms);
        }
        for ((state, reason), ms) in &want {
            let got = snap
                .value(&aa::agent::STATUS_SECONDS, &[&acct, &id, state, reason])
                .unwrap_or(0.0);
            assert_eq!(
                (got * 1000.0).round() as i64,
                *ms,
                "agent {id} {state} {reason:?}"
            );
            compared += 1;
        }
        let exported: usize = snap.families[aa::agent::STATUS_SECONDS.name]
            .samples
            .iter()
            .filter(|x| x.labels[1] == id)
            .count();
        assert_eq!(
            exported,
            want.len(),
            "agent {id}: no states the truth lacks"
        );
        let counts = e.truth_time_in_state(i as u32, w0, until);
        assert_eq!(
            snap.value(&aa::agent::LOGINS, &[&acct, &id]).unwrap_or(0.0),
            counts.logins as f64,
            "agent {id}"
        );
        assert_eq!(
            snap.value(&aa::agent::LOGOUTS, &[&acct, &id])
                .unwrap_or(0.0),
            counts.logouts as f64,
            "agent {id}"
        );
        assert_eq!(
            snap.value(&aa::agent::STATUS_CHANGES, &[&acct, &id])
                .unwrap_or(0.0),
            counts.state_changes as f64,
            "agent {id}"
        );
        assert!(
            snap.value(
                &aa::AGENT_INFO,
                &[
                    &acct,
                    &id,
                    &e.world.groups[a.group as usize].id.to_string(),
                    &a.login,
                    &a.name
                ]
            )
            .is_some()
        );
    }
    assert!(
        agents >= 30 && compared > 60,
        "{agents} agents, {compared} state counters"
    );
    let away_reasons = snap.families[aa::agent::STATUS_SECONDS.name]
        .samples
        .iter()
        .filter(|x| x.labels[2] == "away" && !x.labels[3].is_empty())
        .count();
    assert!(away_reasons > 0, "away time is broken down by reason");
    // Every reason id is named, by the name LivePerson configured for it.
    let named: BTreeMap<String, String> = snap.families[aa::STATUS_REASON_INFO.name]
        .samples
        .iter()
        .map(|x| (x.labels[1].clone(), x.labels[2].clone()))
        .collect();
    let ids: std::collections::BTreeSet<&str> = snap.families[aa::agent::STATUS_SECONDS.name]
        .samples
        .iter()
        .map(|x| x.labels[3].as_str())
        .filter(|r| !r.is_empty())
        .collect();
    assert!(!ids.is_empty());
    for id in ids {
        let truth = liveperson_sim::world::AWAY_REASONS
            .iter()
            .find(|r| r.id.to_string() == id)
            .unwrap_or_else(|| panic!("reason {id} is one the account configured"));
        assert_eq!(
            named.get(id).map(String::as_str),
            Some(truth.text),
            "reason {id}"
        );
    }

    // Per agent group: the sums of its agents' series.
    let mut sums: BTreeMap<(String, String, String, String), f64> = BTreeMap::new();
    for x in &snap.families[aa::agent::STATUS_SECONDS.name].samples {
        let a = e.world.agent_index(x.labels[1].parse().unwrap()).unwrap();
        let group = e.world.groups[e.world.agents[a as usize].group as usize]
            .id
            .to_string();
        *sums
            .entry((
                group,
                x.labels[2].clone(),
                x.labels[3].clone(),
                String::new(),
            ))
            .or_default() += x.value;
    }
    for ((group, state, reason, _), v) in &sums {
        let got = by_group
            .value(
                &aa::agent_group::STATUS_SECONDS,
                &[&acct, group, state, reason],
            )
            .unwrap();
        assert!(
            (got - v).abs() < 1e-6,
            "group {group} {state} {reason:?}: {got} vs {v}"
        );
    }
    for (spec, agent_spec) in [
        (&aa::agent_group::LOGINS, &aa::agent::LOGINS),
        (&aa::agent_group::LOGOUTS, &aa::agent::LOGOUTS),
        (&aa::agent_group::STATUS_CHANGES, &aa::agent::STATUS_CHANGES),
    ] {
        let total: f64 = snap.families[agent_spec.name]
            .samples
            .iter()
            .map(|x| x.value)
            .sum();
        let grouped: f64 = by_group.families[spec.name]
            .samples
            .iter()
            .map(|x| x.value)
            .sum();
        assert_eq!(grouped, total, "{}", spec.name);
    }
    // Between them, the two runs produce every metric the collector declares.
    for spec in aa::ALL {
        let produced = [&snap, &by_group].iter().any(|x| {
            x.families
                .get(spec.name)
                .is_some_and(|f| !f.samples.is_empty())
        });
        assert!(produced, "{} never produced", spec.name);
    }
}
