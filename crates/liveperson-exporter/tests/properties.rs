//! Property tests of every model and mapping: LivePerson's documented example bodies with any of
//! their values replaced by arbitrary JSON (nulls, negatives, huge and fractional numbers, numeric
//! and other text, booleans, arrays) never panic, never give a negative or non-finite sample, and
//! never move a counter backwards when a second such answer is added to the first.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

use crate::support::counter_went_back;
use liveperson_exporter::collectors::actual_handle_time::{
    mapping as aht_map, model as aht_model, specs as aht,
};
use liveperson_exporter::collectors::agent_activity::{
    mapping as aa_map, model as aa_model, specs as aa,
};
use liveperson_exporter::collectors::interval_metrics::{mapping as im_map, model as im_model};
use liveperson_exporter::collectors::key_messaging_metrics::{
    mapping as kmm_map, model as kmm_model, specs as kmm,
};
use liveperson_exporter::collectors::messaging_queue_health::{
    mapping as qh_map, model as qh_model, specs as qh,
};
use liveperson_exporter::collectors::net_handle_time::{mapping as nht_map, model as nht_model};
use liveperson_exporter::collectors::rolling::model as rolling_model;
use liveperson_exporter::collectors::values::{Reading, value};
use liveperson_exporter::metrics::catalogue::MetricSpec;
use liveperson_exporter::metrics::snapshot::{Snapshot, SnapshotBuilder};

fn example(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/liveperson/{name}", crate::support::ROOT);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Any JSON value a broken or hostile LivePerson might put where a value belongs.
fn odd_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e308..1e308f64).prop_map(|f| json!(f)),
        Just(json!(-1)),
        Just(json!(u64::MAX)),
        "-?[0-9]{0,4}(\\.[0-9]{0,3})?(e[+-]?[0-9]{1,3})?".prop_map(Value::String),
        "(NaN|inf|-inf|Infinity|1e999|-0|)".prop_map(Value::String),
        ".{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every leaf of `v` (scalars and empty containers), as JSON pointers.
fn leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                leaves(x, format!("{at}/{k}"), out);
            }
        }
        _ => out.push(at),
    }
}

/// `body` with the chosen leaves replaced.
fn spoil(body: &Value, changes: &[(Index, Value)]) -> Value {
    let mut v = body.clone();
    let mut paths = Vec::new();
    leaves(body, String::new(), &mut paths);
    for (i, new) in changes {
        if let Some(slot) = v.pointer_mut(&paths[i.index(paths.len())]) {
            *slot = new.clone();
        }
    }
    v
}

fn changes() -> impl Strategy<Value = Vec<(Index, Value)>> {
    prop::collection::vec((any::<Index>(), odd_value()), 1..12)
}

/// Every sample and histogram figure is finite and not negative.
fn sane(s: &Snapshot) -> Result<(), TestCaseError> {
    for (name, f) in &s.families {
        for x in &f.samples {
            prop_assert!(
                x.value.is_finite() && x.value >= 0.0,
                "{name} = {}",
                x.value
            );
        }
        for h in &f.histograms {
            prop_assert!(h.sum.is_finite() && h.sum >= 0.0, "{name} sum = {}", h.sum);
        }
    }
    Ok(())
}

/// Checks the snapshot of one more answer: sane, and no counter below the previous snapshot's.
fn next_step(
    before: &mut Option<std::sync::Arc<Snapshot>>,
    now: std::sync::Arc<Snapshot>,
) -> Result<(), TestCaseError> {
    sane(&now)?;
    if let Some(prev) = before.as_ref()
        && let Some(back) = counter_went_back(prev, &now)
    {
        return Err(TestCaseError::fail(back));
    }
    *before = Some(now);
    Ok(())
}

fn builder(all: &'static [&'static MetricSpec]) -> SnapshotBuilder {
    SnapshotBuilder::new(all)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_value_is_a_finite_non_negative_number_or_nothing(v in odd_value()) {
        if let Some(x) = value(&v) {
            prop_assert!(x.is_finite() && x >= 0.0);
        }
        // The compact form the models decode into reads the same.
        let r: Reading = serde_json::from_value(v.clone()).unwrap();
        prop_assert_eq!(r.value(), value(&v));
    }

    #[test]
    fn key_messaging_metrics(c in changes()) {
        let body = spoil(&example("manager-workspace-metrics-groupby-agentgroup.json"), &c);
        if let Ok(r) = serde_json::from_value::<kmm_model::MetricsResponse>(body) {
            let mut b = builder(kmm::ALL);
            for g in r.group_by.iter().flat_map(|g| &g.groups) {
                kmm_map::current(&mut b, &kmm::agent_group::LEVEL, &["1", &g.key], &g.metrics, &mut kmm_map::Loads { scale: 1.0, implausible: 0 })
                    .unwrap();
                if let Ok(closed) = kmm_map::closed(&g.metrics) {
                    for (_, n) in closed {
                        prop_assert!(n.is_finite() && n >= 0.0);
                    }
                }
            }
            sane(&b.build())?;
        }
    }

    #[test]
    fn queue_health(c in changes()) {
        let body = spoil(&example("msg-current-queue-health-overdue.json"), &c);
        if let Ok(r) = serde_json::from_value::<qh_model::QueueHealthResponse>(body) {
            let mut b = builder(qh::ALL);
            for (skill, v) in &r.skills {
                qh_map::values(&mut b, &qh::skill::LEVEL, &["1", skill], v).unwrap();
            }
            if let Some(t) = &r.total {
                qh_map::values(&mut b, &qh::account::LEVEL, &["1"], t).unwrap();
            }
            sane(&b.build())?;
        }
    }

    #[test]
    fn net_handle_time(c in changes()) {
        let body = spoil(&example("nht-by-skill-v2.json"), &c);
        if let Ok(r) = serde_json::from_value::<nht_model::Answer>(body) {
            let mut b = builder(liveperson_exporter::collectors::net_handle_time::specs::ALL);
            for (i, s) in r.skills.iter().enumerate() {
                nht_map::latest(&mut b, "1", &i.to_string(), &s.intervals).unwrap();
            }
            sane(&b.build())?;
        }
    }

    #[test]
    fn rolling_windows(c in changes(), which in 0..3usize) {
        let name = ["msgconversation-skills-all-agent.json", "engactivity-skills-all-agent.json",
            "engactivity-agent-intervals.json"][which];
        let body = serde_json::to_vec(&spoil(&example(name), &c)).unwrap();
        if let Ok(buckets) = rolling_model::parse(&body) {
            for (_, v) in buckets {
                for m in v.total.iter().chain(v.skills.values()).chain(v.agents.values()) {
                    for x in m.values() {
                        if let Some(x) = x.value() {
                            prop_assert!(x.is_finite() && x >= 0.0);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn interval_metrics_counters_only_grow(a in changes(), b in changes()) {
        use im_map::{Grouping, Totals};
        let skill = example("interval-metrics-grouping-skill.json");
        let mut totals = Totals::default();
        let mut before = None;
        for c in [a, b] {
            if let Ok(page) = serde_json::from_value::<im_model::Page>(spoil(&skill, &c))
                && im_map::invalid_metric(&page.intervals).is_none()
            {
                totals.add("1", Grouping::Skill, ("ift", true), (i64::MIN, i64::MAX), &page.intervals);
            }
            let mut s = builder(liveperson_exporter::collectors::interval_metrics::specs::ALL);
            totals.emit(&mut s).unwrap();
            next_step(&mut before, s.build())?;
        }
    }

    #[test]
    fn actual_handle_time_counters_only_grow(a in changes(), b in changes()) {
        let body = example("aht-agent-segments.json");
        let mut hist = aht_map::Histograms::new(vec![60.0, 300.0, 900.0]);
        let mut before = None;
        for c in [a, b] {
            if let Ok(page) = serde_json::from_value::<aht_model::Page>(spoil(&body, &c)) {
                for seg in &page.segments {
                    if let Some(seconds) = aht_map::handle_seconds(seg) {
                        prop_assert!(seconds.is_finite() && seconds >= 0.0);
                        hist.observe(seg, seconds);
                    }
                }
            }
            let mut s = builder(aht::ALL);
            hist.emit(&mut s, "1").unwrap();
            next_step(&mut before, s.build())?;
        }
    }

    #[test]
    fn agent_activity_counters_only_grow(a in changes(), b in changes()) {
        let body = example("agent-activity-status-changes-v2-paged.json");
        let mut replay = aa_map::Replay::new(false);
        let mut before = None;
        for c in [a, b] {
            if let Ok(page) = serde_json::from_value::<aa_model::Page>(spoil(&body, &c)) {
                replay.replay(page.records, (i64::MIN / 2, i64::MAX / 2));
            }
            let mut s = builder(aa::ALL);
            replay.emit(&mut s, "1", true).unwrap();
            next_step(&mut before, s.build())?;
        }
    }
}
