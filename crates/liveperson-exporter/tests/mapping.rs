//! Golden tests: LivePerson's documented example bodies through each collector's model and
//! mapping give exactly these samples (units converted, ids as labels, no -1).

use liveperson_exporter::collectors::key_messaging_metrics::mapping as kmm_map;
use liveperson_exporter::collectors::key_messaging_metrics::model::MetricsResponse;
use liveperson_exporter::collectors::key_messaging_metrics::specs as kmm;
use liveperson_exporter::collectors::messaging_queue_health::mapping as qh_map;
use liveperson_exporter::collectors::messaging_queue_health::model::QueueHealthResponse;
use liveperson_exporter::collectors::messaging_queue_health::specs as qh;
use liveperson_exporter::metrics::snapshot::SnapshotBuilder;

fn example(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/liveperson/{name}",
        crate::support::ROOT
    ))
    .unwrap()
}

#[test]
fn kmm_documented_group_example() {
    let body: MetricsResponse = serde_json::from_str(&example(
        "manager-workspace-metrics-groupby-agentgroup.json",
    ))
    .unwrap();
    let groups = body.group_by.unwrap().groups;
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    let mut b = SnapshotBuilder::new(kmm::ALL);
    kmm_map::current(
        &mut b,
        &kmm::agent_group::LEVEL,
        &["1", &g.key],
        &g.metrics,
        &mut kmm_map::Loads {
            scale: 1.0,
            implausible: 0,
        },
    )
    .unwrap();
    let snap = b.build();
    let key = ["1", "1641709730"];
    let v = |spec, extra: Option<&str>| {
        let mut k = key.to_vec();
        k.extend(extra);
        snap.value(spec, &k)
    };
    assert_eq!(v(&kmm::agent_group::ASSIGNED, None), Some(6.0));
    assert_eq!(v(&kmm::agent_group::HUMAN_AGENT_LOAD, None), Some(1.18));
    assert_eq!(v(&kmm::agent_group::AVG_WAIT, None), Some(228.876654));
    assert_eq!(v(&kmm::agent_group::AVG_WAIT_FIRST, None), Some(798.118667));
    assert_eq!(v(&kmm::agent_group::AVG_TTR, None), Some(58.490731));
    assert_eq!(v(&kmm::agent_group::AVG_TTFR_FIRST, None), Some(59.779667));
    // Values the example does not carry produce no series.
    assert_eq!(v(&kmm::agent_group::AGENT_LOAD, None), None);
    assert_eq!(snap.series(), 6);
    assert_eq!(
        kmm_map::closed(&g.metrics),
        Ok([
            ("agent", 0.0),
            ("consumer", 0.0),
            ("system", 0.0),
            ("unknown", 1.0)
        ]),
        "the example's closedConversations (1) comes without a breakdown"
    );
}

#[test]
fn queue_health_documented_example() {
    let body: QueueHealthResponse =
        serde_json::from_str(&example("msg-current-queue-health-overdue.json")).unwrap();
    let mut b = SnapshotBuilder::new(qh::ALL);
    for (skill, v) in &body.skills {
        qh_map::values(&mut b, &qh::skill::LEVEL, &["1", skill], v).unwrap();
    }
    qh_map::values(
        &mut b,
        &qh::account::LEVEL,
        &["1"],
        body.total.as_ref().unwrap(),
    )
    .unwrap();
    let snap = b.build();
    // The documented total is its own metric: the example's 34 is more than its 10 actionable
    // and 14 not actionable.
    assert_eq!(snap.value(&qh::skill::UNASSIGNED, &["1", "12"]), Some(34.0));
    assert_eq!(snap.value(&qh::skill::ACTIONABLE, &["1", "12"]), Some(10.0));
    assert_eq!(
        snap.value(&qh::skill::NOT_ACTIONABLE, &["1", "12"]),
        Some(14.0)
    );
    assert_eq!(
        snap.value(&qh::skill::ACTIONABLE_DURING_TRANSFER, &["1", "12"]),
        Some(6.0)
    );
    assert_eq!(
        snap.value(&qh::skill::FIRST_TIME_CONSUMER, &["1", "12"]),
        Some(4.0)
    );
    assert_eq!(
        snap.value(&qh::skill::AVG_WAIT_NEW, &["1", "12"]),
        Some(0.159)
    );
    assert_eq!(snap.value(&qh::skill::MAX_WAIT, &["1", "13"]), Some(0.37));
    assert_eq!(
        snap.value(&qh::skill::OVERDUE, &["1", "12", "assigned"]),
        Some(2.0)
    );
    assert_eq!(snap.value(&qh::account::UNASSIGNED, &["1"]), Some(36.0));
    assert_eq!(snap.value(&qh::account::WAIT, &["1", "90"]), Some(0.224));
    // 2 skills and the account, 14 values each.
    assert_eq!(snap.series(), 3 * 14);
}
