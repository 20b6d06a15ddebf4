//! The interval_metrics collector against the simulator on a manual clock, over 6+ simulated hours
//! with faults: 202s, empty intermediate pages, 429s, 5xx, malformed JSON, timeouts, `limit`/`offset`
//! paging, `to` read as exclusive, and a delayed run. Its counters equal the ground truth of exactly the counted intervals, for both models,
//! bot-fronted skills' arrivals included.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::clock::SharedClock;
use liveperson_exporter::collectors::interval_metrics::specs;
use liveperson_exporter::collectors::{CollectCtx, plan};
use liveperson_exporter::liveperson::{AccountClient, LivePerson};
use liveperson_exporter::scheduler::run_once;
use liveperson_exporter::traffic::Traffic;
use liveperson_sim::api::interval_metrics::minimum_pages;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::truth::Grouping;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const MINUTE: i64 = 60_000;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-6 * b.abs().max(1.0))
}

#[tokio::test]
async fn wfm_counters_equal_truth_for_both_models_over_six_hours_of_faults() {
    let mut sim_cfg = SimConfig::for_tests(71);
    sim_cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 8 * 60 * MINUTE + 3 * MINUTE);
    let s = simulator::start(sim_cfg).await.unwrap();
    let mut cfg = exporter_config(&s);
    cfg.http.request_timeout = Duration::from_millis(300);
    let c = cfg.accounts[0]
        .collectors
        .get_mut("interval_metrics")
        .unwrap();
    c["backfill"] = "0s".into();
    c["groupings"] = serde_json::json!(["skill", "skill_agent", "agent_group"]);
    c["page_size"] = 40.into();
    // Ask as soon as an interval ends: the simulator's 10-minute processing time gives 202s.
    c["settle_delay"] = "1m".into();
    let mut im = one_collector(&s, &cfg, "interval_metrics");
    let start = s.now();
    let clock = s.clock().unwrap().clone();
    let faults = s.faults();
    let mut last = None;
    let mut failed = 0;
    let mut t = 0;
    while t < 6 * 60 + 30 {
        let step = if t == 90 { 50 } else { 7 };
        t += step;
        clock.advance(step * MINUTE);
        faults.clear();
        let f = match (t / 7) % 9 {
            1 => FaultSpec {
                rate_limit_next: 2,
                retry_after_s: None,
                ..FaultSpec::default()
            },
            2 => FaultSpec {
                empty_pages: true,
                ..FaultSpec::default()
            },
            3 => FaultSpec {
                fail_next: vec![500, 503],
                ..FaultSpec::default()
            },
            4 => FaultSpec {
                malformed_next: 1,
                ..FaultSpec::default()
            },
            5 => FaultSpec {
                latency_ms: 1_000,
                ..FaultSpec::default()
            },
            6 => FaultSpec {
                force_202_next: 1,
                ..FaultSpec::default()
            },
            // The docs' other paging form, and the other reading of `to`: same counts.
            7 => FaultSpec {
                offset_paging: true,
                ..FaultSpec::default()
            },
            8 => FaultSpec {
                to_exclusive: true,
                ..FaultSpec::default()
            },
            _ => FaultSpec::default(),
        };
        faults.set(Api::IntervalMetrics, f);
        match im.try_run().await {
            Ok(snap) => last = Some(snap),
            Err(_) => failed += 1,
        }
    }
    faults.clear();
    clock.advance(20 * MINUTE);
    let snap = im.try_run().await.unwrap_or_else(|_| last.unwrap());
    assert!(failed >= 5, "faults made runs fail: {failed}");

    let acct = s.account_ids()[0].clone();
    let first = start.div_euclid(15 * MINUTE) * 15 * MINUTE;
    let e = s.engine(&acct);
    for (grouping, truth_grouping, level) in [
        ("skill", Grouping::Skill, &specs::skill::LEVEL),
        (
            "skill_agent",
            Grouping::SkillAgent,
            &specs::skill_agent::LEVEL,
        ),
        (
            "agent_group",
            Grouping::AgentGroup,
            &specs::agent_group::LEVEL,
        ),
    ] {
        let until = snap
            .value(&specs::COUNTED_UNTIL, &[&acct, grouping])
            .unwrap() as i64
            * 1000;
        assert!(
            until - first >= 6 * 60 * MINUTE,
            "{grouping}: six hours counted"
        );
        // Sum the truth's intervals in [first, until) per grouping key.
        let mut want: BTreeMap<Vec<String>, [f64; 8]> = BTreeMap::new();
        for ((_, k), c) in e.truth_intervals(first, until, truth_grouping) {
            // By skill the collector asks includeBotSkills: bot-only intervals count too.
            if grouping != "skill" && !c.has_human_time() {
                continue;
            }
            let key: Vec<String> = [k.skill, k.agent, k.group]
                .into_iter()
                .flatten()
                .map(|x| x.to_string())
                .collect();
            let w = want.entry(key).or_default();
            for (i, v) in [
                c.ift_ms as f64 / 1000.0,
                c.eht_ms as f64 / 1000.0,
                c.handled_ift as f64,
                c.handled_eht as f64,
                c.replied as f64,
                c.consumer_messages as f64,
                c.work_ms as f64 / 1000.0,
                c.arrivals as f64,
            ]
            .into_iter()
            .enumerate()
            {
                w[i] += v;
            }
        }
        assert!(want.len() >= 4, "{grouping}: keys with data");
        for (key, w) in &want {
            let mut l: Vec<&str> = vec![&acct];
            l.extend(key.iter().map(String::as_str));
            let with = |m: &'static str| {
                let mut x = l.clone();
                x.push(m);
                x
            };
            assert!(
                close(snap.value(level.handle_time, &with("ift")), w[0]),
                "{grouping} {key:?} IFT"
            );
            assert!(
                close(snap.value(level.handle_time, &with("eht")), w[1]),
                "{grouping} {key:?} EHT"
            );
            assert!(
                close(snap.value(level.handled, &with("ift")), w[2]),
                "{grouping} {key:?} handled IFT"
            );
            assert!(
                close(snap.value(level.handled, &with("eht")), w[3]),
                "{grouping} {key:?} handled EHT"
            );
            assert!(
                close(snap.value(level.replied, &l), w[4]),
                "{grouping} {key:?} replied"
            );
            assert!(
                close(snap.value(level.consumer_messages, &l), w[5]),
                "{grouping} {key:?} consumer messages"
            );
            assert!(
                close(snap.value(level.work_time, &l), w[6]),
                "{grouping} {key:?} work time"
            );
            if let Some(arrivals) = level.arrivals {
                assert!(
                    close(snap.value(arrivals, &l), w[7]),
                    "{grouping} {key:?} arrivals"
                );
            }
        }
        if grouping == "skill" {
            // Bot-fronted skills' arrivals are counted.
            let bot_arrivals: f64 = e
                .world
                .skills
                .iter()
                .filter(|sk| sk.bot)
                .filter_map(|sk| {
                    snap.value(
                        specs::skill::LEVEL.arrivals.unwrap(),
                        &[&acct, &sk.id.to_string()],
                    )
                })
                .sum();
            assert!(bot_arrivals > 0.0, "arrivals of bot skills are counted");
        }
        // Nothing exported that the truth does not have.
        let exported = snap.families[level.handle_time.name].samples.len();
        assert_eq!(
            exported,
            want.len() * 2,
            "{grouping}: one series per key and model"
        );
    }
    let v = im.traffic.view();
    let n = |code: &str| {
        v.requests
            .get(&(acct.clone(), "interval_metrics", code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert!(n("202") > 0, "202s happened");
}

#[tokio::test]
async fn each_run_makes_the_fewest_requests_the_paging_allows() {
    let mut sim_cfg = SimConfig::for_tests(72);
    sim_cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 12 * 60 * MINUTE + 3 * MINUTE);
    let s = simulator::start(sim_cfg).await.unwrap();
    let mut cfg = crate::demo::demo_config(&s);
    cfg.http.requests_per_minute = 1_000_000;
    let c = cfg.accounts[0]
        .collectors
        .get_mut("interval_metrics")
        .unwrap();
    c["backfill"] = "3h".into();
    c["groupings"] = serde_json::json!(["skill", "skill_agent"]);
    c["page_size"] = 50.into();
    c["settle_delay"] = "10m".into();
    let lp = Arc::new(LivePerson::new(
        cfg.http.clone(),
        Arc::new(Traffic::default()),
    ));
    let client = Arc::new(AccountClient::new(lp, cfg.accounts[0].clone()));
    let ctx = CollectCtx {
        client,
        clock: s.shared.clock.clone() as SharedClock,
    };
    let acct = s.account_ids()[0].clone();
    let mut collectors: BTreeMap<&str, _> = plan(&cfg)
        .unwrap()
        .into_iter()
        .map(|p| (p.entry.name, p.built.collector))
        .collect();
    let now = s.now();
    let q = 15 * MINUTE;
    let (from, to) = (
        (now - 3 * 60 * MINUTE).div_euclid(q) * q,
        (now - 10 * MINUTE).div_euclid(q) * q - q,
    );
    let expected_wfm = {
        let e = s.engine(&acct);
        2 * (minimum_pages(&e, Grouping::Skill, from, to, 50)
            + minimum_pages(&e, Grouping::SkillAgent, from, to, 50))
    };
    for (name, api, expected) in [
        ("interval_metrics", Api::IntervalMetrics, expected_wfm),
        ("messaging_conversation", Api::MsgConversation, 1),
        ("engagement_activity", Api::EngActivity, 1),
    ] {
        s.requests().reset();
        let c = collectors.get_mut(name).unwrap();
        run_once(c.as_mut(), &ctx, Duration::from_secs(60))
            .await
            .0
            .unwrap();
        assert_eq!(
            s.requests().total(api),
            expected,
            "{name}: requests of the first run"
        );
        assert_eq!(
            s.requests().count(&acct, api, 200),
            expected,
            "{name}: all answered 200"
        );
        // Nothing new has finished: the next run asks for nothing.
        s.requests().reset();
        run_once(c.as_mut(), &ctx, Duration::from_secs(60))
            .await
            .0
            .unwrap();
        assert_eq!(s.requests().total(api), 0, "{name}: nothing to ask for");
    }
    assert!(
        expected_wfm > 2 * (3 + 3),
        "skill+agent rows need more than one page an hour: {expected_wfm}"
    );
}

#[tokio::test]
async fn a_fourteen_day_backfill_counts_window_by_window_shows_progress_and_equals_truth() {
    const DAY: i64 = 24 * 60 * MINUTE;
    let mut sim_cfg = SimConfig::for_tests(73);
    sim_cfg.history_ms = 14 * DAY;
    sim_cfg.accounts[0].agents = 12;
    sim_cfg.accounts[0].skills = 3;
    let s = simulator::start(sim_cfg).await.unwrap();
    // Every request takes a while, so 14 days do not fit one run of 1.5 s.
    s.faults().set(
        Api::IntervalMetrics,
        FaultSpec {
            latency_ms: 5,
            ..FaultSpec::default()
        },
    );
    let mut cfg = exporter_config(&s);
    let c = cfg.accounts[0]
        .collectors
        .get_mut("interval_metrics")
        .unwrap();
    c["backfill"] = "14d".into();
    c["groupings"] = serde_json::json!(["skill"]);
    let mut im = one_collector(&s, &cfg, "interval_metrics");
    let start = s.now();
    let clock = s.clock().unwrap().clone();
    let mut progress = Vec::new();
    let snap = loop {
        let (result, _) =
            run_once(im.collector.as_mut(), &im.ctx, Duration::from_millis(1500)).await;
        let snap = result.expect("a run that stops in time succeeds");
        let done = snap.backfill.expect("progress is reported");
        progress.push(done);
        if done >= 1.0 || progress.len() > 200 {
            break snap;
        }
        clock.advance(5 * MINUTE);
    };
    assert!(
        progress.windows(2).all(|w| w[0] < w[1]),
        "progress grows run by run: {progress:?}"
    );
    assert!(
        progress.iter().filter(|p| **p > 0.0 && **p < 1.0).count() >= 3,
        "the backfill took several runs: {progress:?}"
    );
    assert_eq!(progress.last(), Some(&1.0));
    println!("14-day backfill, progress after each run: {progress:.3?}");
    // Every window counted exactly once: the counters equal the truth of what they cover.
    let acct = s.account_ids()[0].clone();
    let until = snap
        .value(&specs::COUNTED_UNTIL, &[&acct, "skill"])
        .unwrap() as i64
        * 1000;
    let first = start.div_euclid(15 * MINUTE) * 15 * MINUTE - 14 * DAY + 15 * MINUTE;
    assert!(until - first >= 14 * DAY - 60 * MINUTE, "14 days counted");
    let e = s.engine(&acct);
    let mut want: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for ((_, k), c) in e.truth_intervals(first, until, Grouping::Skill) {
        let w = want.entry(k.skill.unwrap().to_string()).or_default();
        w.0 += c.ift_ms as f64 / 1000.0;
        w.1 += c.arrivals as f64;
    }
    assert!(want.len() >= 3);
    for (skill, (ift, arrivals)) in &want {
        let l = [acct.as_str(), skill.as_str()];
        assert!(
            close(
                snap.value(specs::skill::LEVEL.handle_time, &[&acct, skill, "ift"]),
                *ift
            ),
            "skill {skill} IFT"
        );
        assert!(
            close(
                snap.value(specs::skill::LEVEL.arrivals.unwrap(), &l),
                *arrivals
            ),
            "skill {skill} arrivals"
        );
    }
}
