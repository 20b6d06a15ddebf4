//! Sharding through the real configuration path: every account of a 100-account file belongs to
//! exactly one shard for 1 to 5 shards, and a running exporter configured as one shard sends
//! requests for its own accounts only (the simulator's request accounting) and says so in its
//! self metrics.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use liveperson_exporter::metrics::exposition::Format;
use liveperson_exporter::{app, config, shard};
use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, SimConfig};

fn write_config(name: &str, body: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("liveperson-sharding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

fn accounts_yaml(ids: &[String], csds_url: &str, keys: [&str; 4]) -> String {
    let mut out = String::from("accounts:\n");
    for id in ids {
        out.push_str(&format!(
            "  - id: \"{id}\"\n    csds_url: {csds_url}\n    auth:\n      oauth1:\n        \
             consumer_key: {}\n        consumer_secret: {}\n        token: {}\n        \
             token_secret: {}\n",
            keys[0], keys[1], keys[2], keys[3]
        ));
    }
    out
}

#[test]
fn every_account_of_a_100_account_config_has_exactly_one_shard() {
    let ids: Vec<String> = (0..100)
        .map(|i| (40_000_000 + i * 7919).to_string())
        .collect();
    let accounts = accounts_yaml(&ids, "https://example.invalid", ["k", "s", "t", "ts"]);
    for count in 1..=5u32 {
        let mut seen: Vec<String> = Vec::new();
        for index in 0..count {
            let path = write_config(
                &format!("shard-{index}-of-{count}.yaml"),
                &format!("shard:\n  index: {index}\n  count: {count}\n{accounts}"),
            );
            let (cfg, problems) = config::load(Some(&path));
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(cfg.configured_accounts, 100);
            let mine: Vec<String> = cfg.accounts.iter().map(|a| a.id.clone()).collect();
            // Roughly even: no shard is empty or holds more than twice its share.
            assert!(
                !mine.is_empty() && mine.len() <= 200 / count as usize,
                "shard {index} of {count}: {} accounts",
                mine.len()
            );
            for id in &mine {
                assert_eq!(shard::owner(id, count), index, "{id}");
            }
            seen.extend(mine);
        }
        let distinct: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(seen.len(), 100, "{count} shards: an account polled twice");
        assert_eq!(
            distinct.len(),
            100,
            "{count} shards: an account polled by none"
        );
    }
}

#[test]
fn a_bad_shard_is_reported_by_key() {
    let accounts = accounts_yaml(
        &["1".into()],
        "https://example.invalid",
        ["k", "s", "t", "ts"],
    );
    let path = write_config(
        "bad-shard.yaml",
        &format!("shard:\n  index: 3\n  count: 3\n{accounts}"),
    );
    let (_, problems) = config::load(Some(&path));
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(text[0].starts_with("shard.index"), "{text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_shard_polls_only_its_own_accounts() {
    liveperson_exporter::liveperson::install_tls_provider();
    let ids: Vec<String> = (0..6).map(|i| (70_000_001 + i).to_string()).collect();
    let mut sim_cfg = SimConfig::for_tests(7);
    sim_cfg.accounts = ids
        .iter()
        .map(|id| AccountSpec {
            id: id.clone(),
            agents: 8,
            skills: 2,
            groups: 2,
        })
        .collect();
    sim_cfg.history_ms = 3_600_000;
    sim_cfg.clock = ClockMode::Scaled(60.0);
    let sim = simulator::start(sim_cfg).await.unwrap();

    // The shard of three that owns some accounts but not all.
    let count = 3;
    let index = (0..count)
        .find(|i| {
            let n = ids.iter().filter(|a| shard::owner(a, count) == *i).count();
            n > 0 && n < ids.len()
        })
        .expect("six accounts spread over three shards");
    let mine: BTreeSet<String> = ids
        .iter()
        .filter(|a| shard::owner(a, count) == index)
        .cloned()
        .collect();

    let keys = &sim.shared.credentials.oauth1;
    let body = format!(
        "listen: 127.0.0.1:0\nshard:\n  index: {index}\n  count: {count}\n{}",
        accounts_yaml(
            &ids,
            &sim.csds_url(),
            [
                &keys.consumer_key,
                &keys.consumer_secret,
                &keys.token,
                &keys.token_secret
            ]
        )
    );
    let (cfg, problems) = config::load(Some(&write_config("running.yaml", &body)));
    assert!(problems.is_empty(), "{problems:?}");
    let exporter = app::start(app::Checked::new(cfg).unwrap(), sim.shared.clock.clone())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Err(waiting) = exporter.store.ready() {
        let errors: Vec<String> =
            String::from_utf8_lossy(&exporter.store.exposition().to_vec(Format::Text, false))
                .lines()
                .filter(|l| {
                    l.starts_with("liveperson_exporter_collector_errors_total")
                        && !l.ends_with(" 0")
                })
                .map(String::from)
                .collect();
        assert!(Instant::now() < deadline, "{waiting}\n{errors:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    exporter.store.settled().await;
    let text = String::from_utf8(exporter.store.exposition().to_vec(Format::Text, false)).unwrap();
    exporter.stop().await;

    let polled: BTreeSet<String> = sim
        .requests()
        .snapshot()
        .into_iter()
        .filter(|r| r.count > 0 && !r.account.is_empty())
        .map(|r| r.account)
        .collect();
    assert_eq!(polled, mine, "accounts the simulator was asked about");

    assert!(
        text.contains(&format!(
            "liveperson_exporter_shard_info{{index=\"{index}\",count=\"{count}\"}} 1"
        )),
        "{text}"
    );
    let announced: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("liveperson_exporter_shard_account_info{account_id=\""))
        .map(|l| l.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(announced, mine);
    let collected: BTreeSet<String> = text
        .lines()
        .filter(|l| l.starts_with("liveperson_exporter_collector_up{"))
        .filter_map(|l| l.split("account_id=\"").nth(1))
        .map(|l| l.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(collected, mine);
}
