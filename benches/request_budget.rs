//! Measures, for a 10,000-agent, 300-skill simulated account, how many upstream requests one run of
//! each counting collector makes, against the minimum the APIs' paging and window limits allow,
//! and how long the run takes. Run with `cargo bench --bench request_budget`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use liveperson_exporter::app;
use liveperson_exporter::clock::SharedClock;
use liveperson_exporter::collectors::{CollectCtx, plan};
use liveperson_exporter::config::Auth;
use liveperson_exporter::liveperson::{AccountClient, LivePerson};
use liveperson_exporter::scheduler::run_once;
use liveperson_exporter::traffic::Traffic;
use liveperson_sim::api::interval_metrics::minimum_pages;
use liveperson_sim::faults::Api;
use liveperson_sim::truth::Grouping;
use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const MINUTE: i64 = 60_000;

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut cfg = SimConfig::for_tests(81);
        cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * 60 * MINUTE + 3 * MINUTE);
        cfg.history_ms = 4 * 60 * MINUTE;
        cfg.accounts[0] = AccountSpec {
            id: "70000001".into(),
            agents: 10_000,
            skills: 300,
            groups: 40,
        };
        let t = Instant::now();
        let s = simulator::start(cfg).await.unwrap();
        println!(
            "simulator: 10,000 agents, 300 skills, 4 h of history in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let mut xc = app::demo_config(
            "127.0.0.1:0".parse().unwrap(),
            &s.csds_url(),
            &s.account_ids(),
            {
                let k = &s.shared.credentials.oauth1;
                Auth::oauth1(
                    &k.consumer_key,
                    &k.consumer_secret,
                    &k.token,
                    &k.token_secret,
                )
            },
        );
        xc.http.requests_per_minute = 1_000_000;
        xc.http.max_response_bytes = 1 << 30;
        let c = xc.accounts[0]
            .collectors
            .get_mut("interval_metrics")
            .unwrap();
        c["backfill"] = "3h".into();
        c["groupings"] = serde_json::json!(["skill", "skill_agent"]);
        c["settle_delay"] = "10m".into();
        for name in ["messaging_conversation", "engagement_activity"] {
            xc.accounts[0].collectors.get_mut(name).unwrap()["per_agent"] = true.into();
            xc.accounts[0].collectors.get_mut(name).unwrap()["max_agents"] = 20_000.into();
        }
        let lp = Arc::new(LivePerson::new(
            xc.http.clone(),
            Arc::new(Traffic::default()),
        ));
        let ctx = CollectCtx {
            client: Arc::new(AccountClient::new(lp, xc.accounts[0].clone())),
            clock: s.shared.clock.clone() as SharedClock,
        };
        let acct = s.account_ids()[0].clone();
        let now = s.now();
        let q = 15 * MINUTE;
        let (from, to) = (
            (now - 180 * MINUTE).div_euclid(q) * q,
            (now - 10 * MINUTE).div_euclid(q) * q - q,
        );
        let minimum_wfm: u64 = {
            let e = s.engine(&acct);
            [Grouping::Skill, Grouping::SkillAgent]
                .into_iter()
                .map(|g| 2 * minimum_pages(&e, g, from, to, 500))
                .sum()
        };
        let mut collectors: BTreeMap<&str, _> = plan(&xc)
            .unwrap()
            .into_iter()
            .map(|p| (p.entry.name, p.built.collector))
            .collect();
        for (name, api, minimum, formula) in [
            (
                "interval_metrics",
                Api::IntervalMetrics,
                minimum_wfm,
                "groupings x models x sum over hours of max(1, ceil(rows/500))",
            ),
            (
                "messaging_conversation",
                Api::MsgConversation,
                1,
                "1 (one timeframe covers the watermark gap, up to 24 h)",
            ),
            ("engagement_activity", Api::EngActivity, 1, "1"),
        ] {
            s.requests().reset();
            let c = collectors.get_mut(name).unwrap();
            let t = Instant::now();
            let (r, _) = run_once(c.as_mut(), &ctx, Duration::from_secs(600)).await;
            let took = t.elapsed();
            let snap = r.unwrap();
            println!(
                "{name}: {} requests (minimum {minimum}: {formula}), {:.2} s, {} series",
                s.requests().total(api),
                took.as_secs_f64(),
                snap.series()
            );
        }
    });
}
