//! The actual_handle_time collector over three simulated days, with segments that show late in
//! hourly batches and reprocessed hours (the simulator's default) and, the hardest case, each at
//! its own moment up to 24 hours late: runs read only what is new or changed by count, yet each
//! segment is counted exactly once (the histogram's count and sum equal the truth), through
//! 429s, 5xx and a two-hour outage, and the ids kept for that stay bounded by one window's
//! segments.

use std::collections::BTreeMap;

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::collectors::actual_handle_time::specs as aht;
use liveperson_sim::engine::SegmentLateness;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const HOUR: i64 = 3_600_000;

#[tokio::test]
async fn every_segment_is_counted_once_when_hours_show_in_late_batches() {
    counted_once(101, SimConfig::for_tests(101).timing.agent_segments).await;
}

#[tokio::test]
async fn every_segment_is_counted_once_when_each_shows_up_to_a_day_late() {
    counted_once(102, SegmentLateness::Uniform { max_ms: 24 * HOUR }).await;
}

/// Three days of half-hourly runs with faults, then the histogram against the truth.
async fn counted_once(seed: u64, lateness: SegmentLateness) {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.timing.agent_segments = lateness;
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 6 * HOUR);
    let s = simulator::start(cfg).await.unwrap();
    let mut xc = exporter_config(&s);
    xc.accounts[0].collectors.insert(
        "actual_handle_time".into(),
        serde_json::json!({"interval": "30m", "timeout": "5m", "per_agent": true, "per_agent_group": true, "max_agents": 1000}),
    );
    let mut c = one_collector(&s, &xc, "actual_handle_time");
    let start = s.now();
    let acct = s.account_ids()[0].clone();
    let clock = s.clock().unwrap().clone();
    let mut snap = c.run().await;
    let mut tracked_per_day: BTreeMap<i64, f64> = BTreeMap::new();
    for step in 1..=3 * 48 {
        clock.advance(HOUR / 2);
        s.faults().clear();
        // A two-hour outage on the second day: four runs in a row fail, and segments that show
        // meanwhile must still be within reach of the run after it.
        if (60..64).contains(&step) {
            s.faults().set(
                Api::AgentSegments,
                FaultSpec {
                    fail_next: vec![503; 100_000],
                    ..FaultSpec::default()
                },
            );
        } else {
            match step % 10 {
                3 => s.faults().set(
                    Api::AgentSegments,
                    FaultSpec {
                        rate_limit_next: 2,
                        retry_after_s: None,
                        ..FaultSpec::default()
                    },
                ),
                6 => s.faults().set(
                    Api::AgentSegments,
                    FaultSpec {
                        fail_next: vec![500, 503],
                        ..FaultSpec::default()
                    },
                ),
                9 => s.faults().set(
                    Api::AgentSegments,
                    FaultSpec {
                        fail_next: vec![500; 4],
                        ..FaultSpec::default()
                    },
                ),
                _ => {}
            }
        }
        if let Ok(x) = c.try_run().await {
            snap = x;
        }
        let tracked = snap.value(&aht::TRACKED, &[&acct]).unwrap();
        let day = (step - 1) / 48;
        let e = tracked_per_day.entry(day).or_insert(0.0);
        *e = e.max(tracked);
    }
    s.faults().clear();
    snap = c.run().await;

    // The truth: every segment that closed since the start and is visible now.
    let e = s.engine(&acct);
    let now = s.now();
    let mut want: BTreeMap<(String, String), (u64, i64)> = BTreeMap::new();
    let mut per_agent: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut per_group: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut in_window = 0;
    for r in e
        .records
        .segments
        .iter()
        .filter(|r| r.end >= start && r.visible_at <= now)
    {
        let w = want
            .entry((
                e.world.skills[r.skill as usize].id.to_string(),
                snake_case(r.end_reason.as_str()),
            ))
            .or_default();
        w.0 += 1;
        w.1 += r.handle_ms;
        for (id, to) in [
            (
                e.world.agents[r.agent as usize].id.to_string(),
                &mut per_agent,
            ),
            (
                e.world.groups[r.group as usize].id.to_string(),
                &mut per_group,
            ),
        ] {
            let w = to.entry(id).or_default();
            w.0 += 1;
            w.1 += r.handle_ms;
        }
        if r.end >= now - 25 * HOUR {
            in_window += 1;
        }
    }
    let total: u64 = want.values().map(|w| w.0).sum();
    assert!(total > 1000, "{total} segments over three days");
    for ((skill, reason), (n, ms)) in &want {
        let key = [acct.as_str(), skill.as_str(), reason.as_str()];
        let h = snap
            .histogram(&aht::HANDLE_TIME, &key)
            .unwrap_or_else(|| panic!("{key:?}"));
        assert_eq!(h.count(), *n, "{key:?}");
        assert!(
            (h.sum - *ms as f64 / 1000.0).abs() < 1e-6,
            "{key:?}: {} vs {ms} ms",
            h.sum
        );
        assert_eq!(snap.value(&aht::SEGMENTS, &key), Some(*n as f64));
    }
    // The opt-in breakdowns count the same segments per agent and per agent group.
    for (spec, want) in [
        (&aht::AGENT_HANDLE_TIME, &per_agent),
        (&aht::AGENT_GROUP_HANDLE_TIME, &per_group),
    ] {
        assert_eq!(snap.families[spec.name].histograms.len(), want.len());
        for (id, (n, ms)) in want {
            let h = snap
                .histogram(spec, &[&acct, id])
                .unwrap_or_else(|| panic!("{} {id}", spec.name));
            assert_eq!(h.count(), *n, "{} {id}", spec.name);
            assert!(
                (h.sum - *ms as f64 / 1000.0).abs() < 1e-6,
                "{} {id}",
                spec.name
            );
        }
    }
    assert_eq!(snap.value(&aht::OVER_LIMIT, &[&acct]), Some(0.0));
    let exported: u64 = snap.families[aht::HANDLE_TIME.name]
        .histograms
        .iter()
        .map(|h| h.count())
        .sum();
    assert_eq!(exported, total, "nothing counted that the truth lacks");
    // Memory: the ids kept never exceed one window's segments, and do not grow day over day.
    let tracked = snap.value(&aht::TRACKED, &[&acct]).unwrap() as usize;
    assert!(
        tracked <= in_window,
        "{tracked} ids kept, {in_window} segments in the window"
    );
    let days: Vec<f64> = tracked_per_day.values().copied().collect();
    assert!(days[2] <= days[1] * 1.3, "ids kept per day: {days:?}");
    println!(
        "{lateness:?}: ids kept (max per day) {days:?}; segments counted: {total}; requests: {}",
        s.shared.accounting.total(Api::AgentSegments)
    );
}

#[tokio::test]
async fn agents_beyond_max_agents_are_left_out_of_the_per_agent_histograms_and_counted() {
    let mut cfg = SimConfig::for_tests(103);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * HOUR);
    let s = simulator::start(cfg).await.unwrap();
    let mut xc = exporter_config(&s);
    xc.accounts[0].collectors.insert(
        "actual_handle_time".into(),
        serde_json::json!({"backfill": "12h", "per_agent": true, "max_agents": 3}),
    );
    let mut c = one_collector(&s, &xc, "actual_handle_time");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let per_agent = &snap.families[aht::AGENT_HANDLE_TIME.name].histograms;
    assert_eq!(per_agent.len(), 3, "at most max_agents agents");
    let in_agents: u64 = per_agent.iter().map(|h| h.count()).sum();
    let counted: u64 = snap.families[aht::HANDLE_TIME.name]
        .histograms
        .iter()
        .map(|h| h.count())
        .sum();
    let over = snap.value(&aht::OVER_LIMIT, &[&acct]).unwrap() as u64;
    assert!(over > 0 && counted > in_agents);
    assert_eq!(
        in_agents + over,
        counted,
        "every segment is per agent or counted over"
    );
    assert!(
        snap.families
            .get(aht::AGENT_GROUP_HANDLE_TIME.name)
            .is_none_or(|f| f.histograms.is_empty()),
        "per_agent_group is off"
    );
}

/// LivePerson's camelCase `endReason` as the `end_reason` label spells it (`closedByAgent` is
/// `closed_by_agent`).
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
