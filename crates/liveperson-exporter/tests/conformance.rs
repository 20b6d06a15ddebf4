//! The conformance suite over the collector registry: every collector meets every upstream fault
//! the simulator can serve, and must fail the way the case names (or, for data faults, either
//! fail as `decode` or succeed with sane samples), never panic, and recover.
//!
//! Each collector runs twice over the same simulated contact center and clock: `faulted` meets the
//! faults, `control` (its own client, pacing and state) never does. After each fault clears, the
//! faulted instance must report exactly what the control reports, counters included, so a fault
//! has neither lost nor double-counted anything. The control is the per-collector tests' subject,
//! where it equals the simulator's ground truth.
//!
//! The first-run case: a new instance whose first run meets 401 must fail with `auth` (no false
//! green from a first run that only sets a watermark). And a segment an answer brings back from
//! outside the asked window never counts twice, once the collector has forgotten it.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::support::{
    Figures, OneCollector, counter_went_back, exporter_config, figures, one_collector,
};
use liveperson_exporter::collectors::REGISTRY;
use liveperson_exporter::config::Config;
use liveperson_exporter::metrics::snapshot::Snapshot;
use liveperson_sim::faults::{Api, BodyFault, FaultSpec};
use liveperson_sim::{ClockMode, DEFAULT_MANUAL_START, SimConfig, Simulator};

const MINUTE: i64 = 60_000;

/// What a case expects of the faulted run.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The run fails with this `error_type`.
    Fails(&'static str),
    /// A data fault: the run fails as `decode`, or succeeds with sane samples.
    DecodeOrSane,
}

/// One fault and what it must do.
struct Case {
    name: &'static str,
    fault: FaultSpec,
    expect: Expect,
}

fn body(how: BodyFault) -> FaultSpec {
    FaultSpec {
        body: Some(how),
        ..FaultSpec::default()
    }
}

fn status(code: u16) -> FaultSpec {
    FaultSpec {
        always_status: Some(code),
        ..FaultSpec::default()
    }
}

/// Every case, in the order the issue lists them.
fn cases() -> Vec<Case> {
    use Expect::*;
    vec![
        Case {
            name: "500",
            fault: status(500),
            expect: Fails("server_error"),
        },
        Case {
            name: "503 beyond retries",
            fault: FaultSpec {
                down: true,
                ..FaultSpec::default()
            },
            expect: Fails("server_error"),
        },
        Case {
            name: "429 storm",
            fault: FaultSpec {
                rate_limit_next: 1_000,
                retry_after_s: Some(1),
                ..FaultSpec::default()
            },
            expect: Fails("rate_limited"),
        },
        Case {
            name: "401",
            fault: status(401),
            expect: Fails("auth"),
        },
        Case {
            name: "403",
            fault: status(403),
            expect: Fails("auth"),
        },
        Case {
            name: "timeout",
            fault: FaultSpec {
                latency_ms: 1_500,
                ..FaultSpec::default()
            },
            expect: Fails("timeout"),
        },
        Case {
            name: "malformed JSON",
            fault: body(BodyFault::Malformed),
            expect: Fails("decode"),
        },
        Case {
            name: "truncated body",
            fault: body(BodyFault::Truncated),
            expect: Fails("connection"),
        },
        Case {
            name: "empty body",
            fault: body(BodyFault::Empty),
            expect: Fails("decode"),
        },
        Case {
            name: "HTML with 200",
            fault: body(BodyFault::Html),
            expect: Fails("decode"),
        },
        Case {
            name: "endless body",
            fault: body(BodyFault::Endless),
            expect: Fails("too_large"),
        },
        Case {
            name: "slow body",
            fault: body(BodyFault::Slow),
            expect: Fails("timeout"),
        },
        Case {
            name: "huge Content-Length",
            fault: body(BodyFault::HugeLength),
            expect: Fails("too_large"),
        },
        Case {
            name: "redirect",
            fault: body(BodyFault::Redirect),
            expect: Fails("redirect"),
        },
        Case {
            name: "deeply nested JSON",
            fault: body(BodyFault::DeepNesting),
            expect: Fails("decode"),
        },
        Case {
            name: "nulls",
            fault: body(BodyFault::Nulls),
            expect: DecodeOrSane,
        },
        Case {
            name: "wrong types",
            fault: body(BodyFault::WrongTypes),
            expect: DecodeOrSane,
        },
        Case {
            name: "duplicate records",
            fault: body(BodyFault::Duplicates),
            expect: DecodeOrSane,
        },
        Case {
            name: "out-of-window records",
            fault: FaultSpec {
                out_of_window: true,
                ..FaultSpec::default()
            },
            expect: DecodeOrSane,
        },
    ]
}

/// The APIs a collector calls (faults are set on all of them).
fn apis(collector: &str) -> &'static [Api] {
    match collector {
        "key_messaging_metrics" => &[Api::KmmMetrics, Api::KmmAgentView],
        "messaging_queue_health" => &[Api::QueueHealthCurrent],
        "messaging_conversation" => &[Api::MsgConversation],
        "engagement_activity" => &[Api::EngActivity],
        "interval_metrics" => &[Api::IntervalMetrics],
        "net_handle_time" => &[Api::Nht],
        "actual_handle_time" => &[Api::AgentSegments],
        "agent_activity" => &[Api::StatusChanges],
        other => panic!("the conformance suite does not know collector {other}: add its APIs"),
    }
}

/// A snapshot as comparable figures, without the families that count what the faulted instance
/// dropped.
fn flat(s: &Snapshot) -> Figures {
    figures(s, |f| !f.spec.name.contains("_dropped_"))
}

/// Every series of the snapshot once.
fn assert_no_duplicates(case: &str, name: &str, s: &Snapshot) {
    for (metric, f) in &s.families {
        let samples: BTreeSet<_> = f.samples.iter().map(|x| &x.labels).collect();
        let histograms: BTreeSet<_> = f.histograms.iter().map(|x| &x.labels).collect();
        assert!(
            samples.len() == f.samples.len() && histograms.len() == f.histograms.len(),
            "{name} / {case}: duplicate series of {metric}"
        );
    }
}

/// A successful snapshot under a data fault: no duplicate series, finite and non-negative
/// samples, no counter below its value in `before`.
fn assert_sane(case: &str, name: &str, now: &Snapshot, before: &Snapshot) {
    assert_no_duplicates(case, name, now);
    for ((metric, labels), v) in flat(now) {
        assert!(
            v.is_finite() && v >= 0.0,
            "{name} / {case}: {metric}{labels:?} = {v}"
        );
    }
    if let Some(back) = counter_went_back(before, now) {
        panic!("{name} / {case}: counter {back}");
    }
}

/// How one case went, for the closing table.
struct Outcome {
    case: &'static str,
    error_type: String,
    recovered_after_runs: u32,
    recovery: Duration,
}

fn conformance_config(sim: &Simulator) -> Config {
    let mut cfg = exporter_config(sim);
    cfg.http.request_timeout = Duration::from_secs(1);
    cfg.http.max_response_bytes = 1 << 20;
    cfg
}

async fn start_sim() -> Simulator {
    let mut sim_cfg = SimConfig::for_tests(1515);
    sim_cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * 60 * MINUTE);
    sim_cfg.limits.per_minute = 1_000_000;
    sim_cfg.limits.max_concurrent = 1_000;
    crate::support::start_sim(sim_cfg).await
}

/// Runs every case against collector `name`; returns how each went.
async fn conform(name: &'static str) -> Vec<Outcome> {
    let sim = start_sim().await;
    let cfg = conformance_config(&sim);
    let clock = sim.clock().unwrap().clone();
    let faults = sim.faults();
    let set = |spec: &FaultSpec| {
        for api in apis(name) {
            faults.set(*api, spec.clone());
        }
    };
    let mut faulted: OneCollector = one_collector(&sim, &cfg, name);
    let mut control: OneCollector = one_collector(&sim, &cfg, name);
    let mut before = faulted.run().await;
    control.run().await;
    let mut outcomes = Vec::new();
    for case in cases() {
        // A quarter hour: every collector, the 15-minute interval metrics included, has something
        // new to ask for, so the faulted run meets the fault.
        clock.advance(15 * MINUTE);
        set(&case.fault);
        let result = faulted.try_run().await;
        faults.clear();
        control.run().await;
        let error_type = match (&result, case.expect) {
            (Err(e), Expect::Fails(want)) => {
                assert_eq!(e.error_type().as_str(), want, "{name} / {}: {e}", case.name);
                want.to_string()
            }
            (Ok(_), Expect::Fails(want)) => {
                panic!("{name} / {}: succeeded, expected {want}", case.name)
            }
            (Err(e), Expect::DecodeOrSane) => {
                assert_eq!(
                    e.error_type().as_str(),
                    "decode",
                    "{name} / {}: {e}",
                    case.name
                );
                "decode".to_string()
            }
            (Ok(snap), Expect::DecodeOrSane) => {
                assert_sane(case.name, name, snap, &before);
                "none (run ok)".to_string()
            }
        };
        // Recovery: with the fault gone, the faulted instance reports what the control reports.
        let cleared = Instant::now();
        let mut runs = 0;
        loop {
            runs += 1;
            clock.advance(MINUTE);
            let got = faulted.try_run().await;
            let want = control.run().await;
            if let Ok(got) = &got
                && flat(got) == flat(&want)
            {
                before = got.clone();
                break;
            }
            assert!(
                runs < 3,
                "{name} / {}: not recovered after {runs} runs: {:?}",
                case.name,
                got.as_ref().map(|g| mismatch(g, &want))
            );
        }
        outcomes.push(Outcome {
            case: case.name,
            error_type,
            recovered_after_runs: runs,
            recovery: cleared.elapsed(),
        });
    }
    outcomes
}

/// The first few differences between two snapshots, for a failure message.
fn mismatch(got: &Snapshot, want: &Snapshot) -> Vec<String> {
    let (g, w) = (flat(got), flat(want));
    let keys: BTreeSet<_> = g.keys().chain(w.keys()).collect();
    keys.into_iter()
        .filter(|k| g.get(*k) != w.get(*k))
        .take(5)
        .map(|k| format!("{k:?}: faulted {:?}, control {:?}", g.get(k), w.get(k)))
        .collect()
}

fn report(name: &str, outcomes: &[Outcome]) {
    for o in outcomes {
        eprintln!(
            "conformance | {name} | {} | {} | recovered after {} run(s), {:?} real time",
            o.case, o.error_type, o.recovered_after_runs, o.recovery
        );
    }
}

macro_rules! conformance_tests {
    ($($test:ident => $collector:literal,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                let outcomes = conform($collector).await;
                report($collector, &outcomes);
                assert_eq!(outcomes.len(), cases().len());
            }
        )*

        #[test]
        fn every_registered_collector_is_in_the_suite() {
            let covered = [$($collector),*];
            for e in REGISTRY {
                assert!(covered.contains(&e.name), "{} has no conformance test", e.name);
            }
        }
    };
}

conformance_tests! {
    key_messaging_metrics => "key_messaging_metrics",
    messaging_queue_health => "messaging_queue_health",
    messaging_conversation => "messaging_conversation",
    engagement_activity => "engagement_activity",
    interval_metrics => "interval_metrics",
    net_handle_time => "net_handle_time",
    actual_handle_time => "actual_handle_time",
    agent_activity => "agent_activity",
}

#[tokio::test]
async fn every_first_run_makes_an_authenticated_call() {
    let sim = start_sim().await;
    let mut cfg = conformance_config(&sim);
    // Without backfill, as configured by default: a first run then has nothing to count yet.
    for section in cfg.accounts[0].collectors.values_mut() {
        if let Some(s) = section.as_object_mut() {
            s.remove("backfill");
        }
    }
    for e in REGISTRY {
        for api in apis(e.name) {
            sim.faults().set(*api, status(401));
        }
        let mut c = one_collector(&sim, &cfg, e.name);
        let result = c.try_run().await;
        sim.faults().clear();
        let err = result.err().unwrap_or_else(|| {
            panic!(
                "{}: the first run succeeded although LivePerson refused the credentials",
                e.name
            )
        });
        assert_eq!(err.error_type().as_str(), "auth", "{}: {err}", e.name);
    }
}

/// Answers reaching six hours outside the asked window, hour after hour, against a one-hour
/// horizon: segments the window has left (and the collector forgot) come back and must not count
/// again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segment_outside_the_asked_window_never_counts_twice() {
    let sim = start_sim().await;
    let mut cfg = conformance_config(&sim);
    let aht = cfg.accounts[0]
        .collectors
        .get_mut("actual_handle_time")
        .unwrap();
    aht["horizon"] = "1h".into();
    aht["backfill"] = "0s".into();
    let clock = sim.clock().unwrap().clone();
    let mut faulted = one_collector(&sim, &cfg, "actual_handle_time");
    let mut control = one_collector(&sim, &cfg, "actual_handle_time");
    for _ in 0..16 {
        clock.advance(15 * MINUTE);
        let stray = FaultSpec {
            out_of_window: true,
            ..FaultSpec::default()
        };
        sim.faults().set(Api::AgentSegments, stray);
        let got = faulted.run().await;
        sim.faults().clear();
        let want = control.run().await;
        assert!(flat(&got) == flat(&want), "{:?}", mismatch(&got, &want));
    }
}
