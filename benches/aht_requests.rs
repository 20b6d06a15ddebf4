//! Requests of the actual_handle_time collector for a 10,000-agent simulated account: the first
//! run, which reads the whole window (what every run cost before runs became incremental),
//! against twelve hours of steady-state runs every 15 minutes, which read what closed since the last
//! run and re-read only spans whose count changed. Segments show as the simulator's default has them (hourly batches,
//! 2% of each hour reprocessed up to a day later). Run with `cargo bench --bench aht_requests`;
//! `AHT_AGENTS` sets the account's size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use liveperson_exporter::app;
use liveperson_exporter::clock::SharedClock;
use liveperson_exporter::collectors::{CollectCtx, plan};
use liveperson_exporter::config::Auth;
use liveperson_exporter::liveperson::{AccountClient, LivePerson};
use liveperson_exporter::scheduler::run_once;
use liveperson_exporter::traffic::Traffic;
use liveperson_sim::faults::Api;
use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const MINUTE: i64 = 60_000;
const STEADY_RUNS: u64 = 48;

fn main() {
    let agents: u32 = std::env::var("AHT_AGENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        liveperson_exporter::liveperson::install_tls_provider();
        let mut cfg = SimConfig::for_tests(91);
        cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 40 * 60 * MINUTE);
        // The window (24 h and two intervals) and an hour more.
        cfg.history_ms = 26 * 60 * MINUTE;
        // Runs follow each other at once here, not 15 minutes apart: the simulator's per-minute
        // limit (real time) would answer 429 to a pace no real exporter has. Requests are
        // counted, not paced.
        cfg.limits.per_minute = u32::MAX;
        cfg.accounts[0] = AccountSpec {
            id: "70000001".into(),
            agents,
            skills: 300,
            groups: 40,
        };
        let t = Instant::now();
        let s = simulator::start(cfg).await.unwrap();
        println!(
            "simulator: {agents} agents, 26 h of history in {:.0} s",
            t.elapsed().as_secs_f64()
        );
        let k = &s.shared.credentials.oauth1;
        let mut xc = app::demo_config(
            "127.0.0.1:0".parse().unwrap(),
            &s.csds_url(),
            &s.account_ids(),
            Auth::oauth1(&k.consumer_key, &k.consumer_secret, &k.token, &k.token_secret),
        );
        xc.http.requests_per_minute = 1_000_000;
        xc.http.max_response_bytes = 1 << 30;
        xc.accounts[0].collectors.insert(
            "actual_handle_time".into(),
            serde_json::json!({"interval": "15m", "timeout": "10m", "backfill": "24h"}),
        );
        let lp = Arc::new(LivePerson::new(
            xc.http.clone(),
            Arc::new(Traffic::default()),
        ));
        let ctx = CollectCtx {
            client: Arc::new(AccountClient::new(lp, xc.accounts[0].clone())),
            clock: s.shared.clock.clone() as SharedClock,
        };
        let mut aht = plan(&xc)
            .unwrap()
            .into_iter()
            .find(|p| p.entry.name == "actual_handle_time")
            .unwrap()
            .built
            .collector;
        s.requests().reset();
        let t = Instant::now();
        let (r, _) = run_once(aht.as_mut(), &ctx, Duration::from_secs(3600)).await;
        let first = s.requests().total(Api::AgentSegments);
        let segments = r.unwrap().series();
        println!(
            "first run (the whole window): {first} requests, {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let clock = s.clock().unwrap().clone();
        let mut steady = 0;
        for _ in 0..STEADY_RUNS {
            clock.advance(15 * MINUTE);
            s.requests().reset();
            let (r, _) = run_once(aht.as_mut(), &ctx, Duration::from_secs(3600)).await;
            if let Err(e) = r {
                panic!("a steady-state run failed: {e}");
            }
            let n = s.requests().total(Api::AgentSegments);
            steady += n;
            print!("{n} ");
        }
        let mean = steady as f64 / STEADY_RUNS as f64;
        println!(
            "\nsteady state: {mean:.1} requests per run on average over {STEADY_RUNS} runs, {:.1}% of the first run's {first} (goal: at most 5%); {segments} histogram series",
            100.0 * mean / first as f64
        );
    });
}
