//! The exporter's collectors against the simulator on a manual clock: every gauge equals the ground
//! truth after unit conversion, closed-conversation counters count each minute once (also through
//! 429s, 500s and a failed run), paging collects more than 50 skills, and a failing collector shows
//! `up 0` with its error type while the other keeps working.

use std::time::Duration;

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::app;
use liveperson_exporter::collectors::key_messaging_metrics::specs as kmm;
use liveperson_exporter::collectors::messaging_queue_health::specs as qh;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::truth::{Scope, UserTypes};
use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig, Simulator};

const HOUR: i64 = 3_600_000;
const MINUTE: i64 = 60_000;

async fn sim(seed: u64, agents: u32, skills: u32) -> Simulator {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * HOUR);
    // NHT shows an hour half an hour after it ends, so the 6 simulated hours have some.
    cfg.timing.nht_delay_ms = HOUR / 2;
    cfg.accounts[0] = AccountSpec {
        id: "70000001".into(),
        agents,
        skills,
        groups: 5,
    };
    simulator::start(cfg).await.expect("simulator")
}

fn secs(ms: Option<f64>) -> Option<f64> {
    ms.map(|v| v / 1000.0)
}

fn count(n: u64) -> Option<f64> {
    Some(n as f64)
}

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
    let mut levels: Vec<(&kmm::Level, Vec<String>, Scope)> = Vec::new();
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
            (level.conversations, with("assigned"), count(c.assigned)),
            (level.conversations, with("unassigned"), count(c.unassigned)),
            (level.conversations, with("active"), count(c.active)),
            (level.conversations, with("open"), count(c.open)),
            (level.overdue, with("in_queue"), count(c.overdue_in_queue)),
            (level.overdue, with("assigned"), count(c.overdue_assigned)),
            (level.agent_load, k.clone(), c.agent_load),
            (level.human_agent_load, k.clone(), c.human_agent_load),
            (level.human_online_load, k.clone(), c.human_online_load),
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
    let possible = levels.len() * 19;
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
async fn kmm_pages_through_more_than_fifty_skills() {
    let s = sim(32, 150, 120).await;
    let cfg = exporter_config(&s);
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    let skills: std::collections::BTreeSet<&str> = snap.families[kmm::skill::CONVERSATIONS.name]
        .samples
        .iter()
        .map(|x| x.labels[1].as_str())
        .collect();
    assert_eq!(skills.len(), 120);
    let pages = c.telemetry.view().requests
        [&(s.account_ids()[0].clone(), "kmm_metrics", "200".to_string())];
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
            assert_eq!(r.unwrap_err().error_type(), "server_error");
            continue;
        }
        c.run().await;
        if step == 2 {
            slowed = c.ctx.client.pacing("agentManagerWorkspace");
            assert!(
                slowed > Duration::ZERO,
                "429s space out the account's requests"
            );
        }
    }
    let snap = c.run().await;
    let recovered = c.ctx.client.pacing("agentManagerWorkspace");
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
    let v = c.telemetry.view();
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
async fn queue_health_gauges_equal_the_ground_truth() {
    let s = sim(34, 60, 8).await;
    let cfg = exporter_config(&s);
    let mut c = one_collector(&s, &cfg, "messaging_queue_health");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let mut levels: Vec<(&qh::Level, Vec<String>, Option<u32>)> = e
        .world
        .skills
        .iter()
        .enumerate()
        .map(|(i, sk)| {
            (
                &qh::skill::LEVEL,
                vec![acct.clone(), sk.id.to_string()],
                Some(i as u32),
            )
        })
        .collect();
    levels.push((&qh::account::LEVEL, vec![acct.clone()], None));
    for (level, key, skill) in &levels {
        let h = e.truth_queue_health(*skill);
        let k: Vec<&str> = key.iter().map(String::as_str).collect();
        let with = |x: &'static str| {
            let mut v = k.clone();
            v.push(x);
            v
        };
        // The API sends whole milliseconds.
        let ms = |v: Option<f64>| v.map(|x| x.round() / 1000.0);
        let checks = [
            (level.unassigned, with("all"), count(h.unassigned)),
            (level.unassigned, with("actionable"), count(h.actionable)),
            (
                level.unassigned,
                with("not_actionable"),
                count(h.not_actionable),
            ),
            (
                level.unassigned,
                with("first_time_consumer"),
                count(h.first_time_consumer),
            ),
            (level.wait, with("avg_new"), ms(h.avg_wait_new_ms)),
            (
                level.wait,
                with("avg_after_transfer"),
                ms(h.avg_wait_after_transfer_ms),
            ),
            (level.wait, with("max"), ms(h.max_wait_ms.map(|v| v as f64))),
            (level.wait, with("p50"), ms(h.wait_p50_ms.map(|v| v as f64))),
            (level.wait, with("p90"), ms(h.wait_p90_ms.map(|v| v as f64))),
            (level.overdue, with("in_queue"), count(h.overdue_in_queue)),
            (level.overdue, with("assigned"), count(h.overdue_assigned)),
        ];
        for (spec, labels, want) in checks {
            assert_eq!(snap.value(spec, &labels), want, "{} {labels:?}", spec.name);
        }
    }
}

async fn wait_runs(store: &liveperson_exporter::store::Store, collector: &str, runs: u64) {
    let mut changes = store.changes();
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if store
                .stats()
                .iter()
                .any(|s| s.collector == collector && s.runs >= runs)
            {
                return;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{collector} did not reach {runs} runs"));
}

#[tokio::test]
async fn a_failing_collector_shows_up_0_and_its_error_type_while_the_other_works() {
    let s = sim(35, 40, 6).await;
    let mut cfg = exporter_config(&s);
    cfg.http.request_timeout = Duration::from_millis(300);
    for a in &mut cfg.accounts {
        for c in a.collectors.values_mut() {
            c["interval"] = "10s".into();
            c["timeout"] = "8s".into();
        }
        a.collectors.get_mut("key_messaging_metrics").unwrap()["agent_view"] = true.into();
        for name in ["messaging_conversation", "engagement_activity"] {
            a.collectors.get_mut(name).unwrap()["per_agent"] = true.into();
        }
        a.collectors.get_mut("interval_metrics").unwrap()["groupings"] =
            serde_json::json!(["skill", "skill_agent", "agent_group"]);
    }
    let exporter = app::start(cfg, s.shared.clock.clone()).await.unwrap();
    let base = format!("http://{}", exporter.addr);
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let (http, url) = (http.clone(), format!("{base}{path}"));
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (code, body) = get("/readyz").await;
    assert_eq!(code, 503, "not ready before the first runs");
    assert!(body.contains("key_messaging_metrics"), "{body}");
    let clock = s.clock().unwrap().clone();
    clock.advance(10_000);
    for c in liveperson_exporter::collectors::REGISTRY {
        wait_runs(&exporter.store, c.name, 1).await;
    }
    let (code, body) = get("/readyz").await;
    assert_eq!(code, 200, "{body}");
    let acct = s.account_ids()[0].clone();
    let up = |text: &str, collector: &str| {
        let line = format!(
            "liveperson_exporter_collector_up{{collector=\"{collector}\",account_id=\"{acct}\"}} "
        );
        text.lines()
            .find_map(|l| l.strip_prefix(&line))
            .map(|v| v.parse::<f64>().unwrap())
    };
    let cases: [(FaultSpec, &str); 4] = [
        (
            FaultSpec {
                down: true,
                ..FaultSpec::default()
            },
            "server_error",
        ),
        (
            FaultSpec {
                malformed_next: 1,
                ..FaultSpec::default()
            },
            "decode",
        ),
        (
            FaultSpec {
                fail_next: vec![401],
                ..FaultSpec::default()
            },
            "auth",
        ),
        (
            FaultSpec {
                latency_ms: 1_000,
                ..FaultSpec::default()
            },
            "timeout",
        ),
    ];
    for (i, (fault, error_type)) in cases.into_iter().enumerate() {
        s.faults().clear();
        s.faults().set(Api::KmmMetrics, fault);
        // The other collector meets a 429, retries and stays up.
        s.faults().set(
            Api::QueueHealthCurrent,
            FaultSpec {
                rate_limit_next: 1,
                retry_after_s: None,
                ..FaultSpec::default()
            },
        );
        clock.advance(10_000);
        let runs = 2 + i as u64;
        wait_runs(&exporter.store, "key_messaging_metrics", runs).await;
        wait_runs(&exporter.store, "messaging_queue_health", runs).await;
        let (_, text) = get("/metrics").await;
        assert_eq!(
            up(&text, "key_messaging_metrics"),
            Some(0.0),
            "{error_type}"
        );
        assert_eq!(
            up(&text, "messaging_queue_health"),
            Some(1.0),
            "{error_type}"
        );
        let errors = format!(
            "liveperson_exporter_collector_errors_total{{collector=\"key_messaging_metrics\",account_id=\"{acct}\",error_type=\"{error_type}\"}} 1.0"
        );
        assert!(text.contains(&errors), "{error_type}: no {errors}");
        // The failed collector's counters and (still fresh) gauges stay.
        assert!(text.contains("liveperson_account_closed_conversations_total{"));
        assert!(text.contains("liveperson_skill_agents{"));
    }
    s.faults().clear();
    clock.advance(10_000);
    wait_runs(&exporter.store, "key_messaging_metrics", 6).await;
    let (_, text) = get("/metrics").await;
    assert_eq!(up(&text, "key_messaging_metrics"), Some(1.0));
    // Every declared metric has been produced by now (agent activity needs a settled hour and
    // one of two label sets: tests/exporter_activity.rs covers it; the OTLP self metrics need
    // OTLP: tests/otlp.rs covers them).
    let families: Vec<&'static liveperson_exporter::metrics::catalogue::MetricSpec> =
        liveperson_exporter::collectors::REGISTRY
            .iter()
            .filter(|e| e.name != "agent_activity")
            .flat_map(|e| e.metrics.iter().copied())
            .chain(liveperson_exporter::self_metrics::ALL.iter().copied())
            .filter(|s| !s.name.starts_with("liveperson_exporter_otlp_"))
            .collect();
    for spec in families {
        let name = match spec.kind {
            liveperson_exporter::metrics::catalogue::Kind::Histogram => {
                format!("{}_count{{", spec.exposed_name())
            }
            _ => format!("{}{{", spec.exposed_name()),
        };
        assert!(
            text.contains(&name),
            "{} never produced",
            spec.exposed_name()
        );
    }
    // The landing page lists each collector with its state and last error type.
    let (code, page) = get("/").await;
    assert_eq!(code, 200);
    assert!(page.contains("key_messaging_metrics") && page.contains("messaging_queue_health"));
    assert!(
        page.contains("timeout:"),
        "the last error before recovery is gone once up: {page}"
    );
    exporter.stop().await;
}

#[tokio::test]
async fn agent_view_gives_each_logged_in_agent_its_status_load_and_conversations() {
    let s = sim(36, 130, 6).await;
    let mut cfg = exporter_config(&s);
    cfg.accounts[0]
        .collectors
        .get_mut("key_messaging_metrics")
        .unwrap()["agent_view"] = true.into();
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let mut logged_in = 0;
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
        assert_eq!(
            snap.value(&kmm::AGENT_CONVERSATIONS, &[&acct, &id, "assigned"]),
            Some(busy)
        );
        assert_eq!(
            snap.value(&kmm::AGENT_LOAD, &[&acct, &id]),
            Some(busy / a.max_slots as f64),
            "agent {id}"
        );
    }
    assert!(
        logged_in > 50,
        "agent_view pages past 50 agents: {logged_in}"
    );
}

#[tokio::test]
async fn oauth2_accounts_use_sentinel_bearer_tokens_and_refresh_once_on_401() {
    let s = sim(37, 40, 6).await;
    let mut cfg = exporter_config(&s);
    let creds = s.shared.credentials.oauth2.clone();
    cfg.accounts[0].auth = liveperson_exporter::config::Auth::OAuth2 {
        client_id: liveperson_exporter::config::Secret::new(&creds.client_id),
        client_secret: liveperson_exporter::config::Secret::new(&creds.client_secret),
    };
    // The other collectors' APIs take OAuth 1.0a only.
    for name in [
        "messaging_queue_health",
        "messaging_conversation",
        "engagement_activity",
        "net_handle_time",
        "actual_handle_time",
    ] {
        cfg.accounts[0]
            .collectors
            .insert(name.into(), serde_json::json!({"enabled": false}));
    }
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let snap = c.run().await;
    assert!(snap.series() > 100);
    // A 401 makes the client fetch a new token and try once more.
    s.faults().set(
        Api::KmmMetrics,
        FaultSpec {
            fail_next: vec![401],
            ..FaultSpec::default()
        },
    );
    c.run().await;
    let v = c.telemetry.view();
    let acct = s.account_ids()[0].clone();
    let n = |api: &'static str, code: &str| {
        v.requests
            .get(&(acct.clone(), api, code.to_string()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(
        n("sentinel", "200"),
        2,
        "one token, then one refresh after the 401"
    );
    assert_eq!(n("kmm_metrics", "401"), 1);
    // Two 401s in a row are an auth error.
    s.faults().set(
        Api::KmmMetrics,
        FaultSpec {
            fail_next: vec![401, 401],
            ..FaultSpec::default()
        },
    );
    let r = c.try_run().await;
    assert_eq!(r.unwrap_err().error_type(), "auth");
}

#[tokio::test]
async fn a_response_over_the_size_cap_fails_the_run_as_too_large() {
    let s = sim(38, 40, 6).await;
    let mut cfg = exporter_config(&s);
    cfg.http.max_response_bytes = 2_000;
    let mut c = one_collector(&s, &cfg, "key_messaging_metrics");
    let r = c.try_run().await;
    assert_eq!(r.unwrap_err().error_type(), "too_large");
    let mut c = one_collector(&s, &exporter_config(&s), "key_messaging_metrics");
    c.run().await;
}
