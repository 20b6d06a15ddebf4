//! The net_handle_time collector against the simulator: per skill, the gauges equal the truth of
//! the latest complete interval with data (rounded as the API sends them), and skills without data
//! have no series.

use crate::support::{exporter_config, one_collector};
use liveperson_exporter::collectors::net_handle_time::specs as nht;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::world::AccountSpec;
use liveperson_sim::{self as simulator, ClockMode, DEFAULT_MANUAL_START, SimConfig};

const HOUR: i64 = 3_600_000;

fn round2(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 100.0).round() / 100.0)
}

#[tokio::test]
async fn nht_gauges_equal_the_latest_complete_interval_with_data() {
    let mut cfg = SimConfig::for_tests(91);
    // Early morning: the newest NHT hours (8 h back) are night hours, some skills without data.
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 24 * HOUR + 9 * HOUR + 20 * 60_000);
    cfg.history_ms = 30 * HOUR;
    // Skills beyond 10 make the collector page; the last ones have few agents.
    cfg.accounts[0] = AccountSpec {
        id: "70000001".into(),
        agents: 40,
        skills: 23,
        groups: 3,
    };
    let s = simulator::start(cfg).await.unwrap();
    let mut c = one_collector(&s, &exporter_config(&s), "net_handle_time");
    s.faults().set(
        Api::Nht,
        FaultSpec {
            rate_limit_next: 1,
            fail_next: vec![500],
            retry_after_s: None,
            ..FaultSpec::default()
        },
    );
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let now = s.now();
    // Visible: hours that ended 8 hours ago; the lookback is 24 hours.
    let newest = (now - 8 * HOUR).div_euclid(HOUR) * HOUR - HOUR;
    let (mut with_data, mut without) = (0, 0);
    // The simulator leaves out intervals in which nothing happened; every interval it lists has data.
    for (i, sk) in e.world.skills.iter().enumerate() {
        let id = sk.id.to_string();
        let key = [acct.as_str(), id.as_str()];
        let latest = (0..24)
            .map(|k| newest - k * HOUR)
            .filter(|&t| t >= now - 24 * HOUR)
            .find(|&t| !e.truth_nht(i as u32, t, 60).empty);
        let Some(t) = latest else {
            without += 1;
            assert!(ALL_NONE(&snap, &key), "skill {id} has no data: no series");
            continue;
        };
        with_data += 1;
        let n = e.truth_nht(i as u32, t, 60);
        let pos = |x: Option<f64>| round2(x).filter(|v| *v > 0.0);
        assert_eq!(
            snap.value(&nht::INTERVAL_START, &key),
            Some(t as f64 / 1000.0),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::NET_HANDLE_TIME, &key),
            pos(n.net_handle_time_s),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::AVG_SEGMENT_DURATION, &key),
            pos(n.avg_agent_segment_duration_s),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::AVG_TIME_IN_QUEUE, &key),
            pos(n.avg_time_in_queue_s),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::AVG_SEGMENT_WORK_TIME, &key),
            pos(n.avg_segment_work_time_s),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::AVAILABLE_LOAD, &key),
            round2(n.avg_available_load),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::ARRIVALS, &key),
            n.arrivals.map(f64::from),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::HANDLED_SEGMENTS, &key),
            n.handled_segments.map(f64::from),
            "skill {id}"
        );
        assert_eq!(
            snap.value(&nht::MESSAGES_SENT, &key),
            n.messages_sent.map(f64::from),
            "skill {id}"
        );
    }
    assert!(with_data > 10, "{with_data} skills with data");
    assert_eq!(
        without, 0,
        "by day every skill has data in the last 24 hours"
    );
}

#[tokio::test]
async fn skills_without_data_in_the_lookback_have_no_series() {
    let mut cfg = SimConfig::for_tests(92);
    // 03:35 at night, with NHT half an hour behind: the lookback of 1 hour holds only 02:00-03:00.
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 24 * HOUR + 3 * HOUR + 35 * 60_000);
    cfg.history_ms = 28 * HOUR;
    cfg.timing.nht_delay_ms = HOUR / 2;
    cfg.accounts[0] = AccountSpec {
        id: "70000001".into(),
        agents: 30,
        skills: 20,
        groups: 3,
    };
    let s = simulator::start(cfg).await.unwrap();
    let mut xc = exporter_config(&s);
    xc.accounts[0].collectors.insert(
        "net_handle_time".into(),
        serde_json::json!({"lookback": "1h"}),
    );
    let mut c = one_collector(&s, &xc, "net_handle_time");
    let snap = c.run().await;
    let acct = s.account_ids()[0].clone();
    let e = s.engine(&acct);
    let hour = DEFAULT_MANUAL_START + 24 * HOUR + 2 * HOUR;
    let (mut with_data, mut without) = (0, 0);
    for (i, sk) in e.world.skills.iter().enumerate() {
        let id = sk.id.to_string();
        let key = [acct.as_str(), id.as_str()];
        if e.truth_nht(i as u32, hour, 60).empty {
            without += 1;
            assert!(ALL_NONE(&snap, &key), "skill {id}: no data, no series");
        } else {
            with_data += 1;
            assert_eq!(
                snap.value(&nht::INTERVAL_START, &key),
                Some(hour as f64 / 1000.0),
                "skill {id}"
            );
        }
    }
    assert!(
        without > 0 && with_data > 0,
        "{without} skills without data, {with_data} with"
    );
}

#[allow(non_snake_case)]
fn ALL_NONE(snap: &liveperson_exporter::metrics::snapshot::Snapshot, key: &[&str]) -> bool {
    nht::ALL.iter().all(|spec| snap.value(spec, key).is_none())
}
