//! The simulator's historical WFM APIs against LivePerson's documentation and the ground truth:
//! interval metrics, status changes, agent segments (AHT) and net handle time.

use std::collections::BTreeMap;

use crate::support::{Sim, assert_same_structure, example, rel, sim};
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::records::QUARTER_MS;
use liveperson_sim::truth::{Grouping, StateKey};
use liveperson_sim::{ClockMode, DEFAULT_MANUAL_START, SimConfig};
use serde_json::{Value, json};

const IM: &str = "/api/account/{a}/interval-metrics";
const SC: &str = "/api/v2/account/{a}/status-changes";
const AHT: &str = "/api/account/{a}/agent-segments";
const NHT: &str = "/operations/api/account/{a}/nht";
const AA: &str = "agentActivityDomain";
const HOUR: i64 = 60 * 60 * 1000;

/// A test account whose clock stands at 14:00 on a Monday, with 08:00 to 14:00 simulated.
fn afternoon(seed: u64) -> SimConfig {
    let mut cfg = SimConfig::for_tests(seed);
    cfg.clock = ClockMode::Manual(DEFAULT_MANUAL_START + 14 * HOUR);
    cfg
}

/// Fixes the defects FACTS.md §1 lists in the interval-metrics examples, so the comparison checks
/// the documented field table rather than the typos: paging is by `pageSize`/`nextPageKey`, not
/// `limit`/`offset`, and ids are numbers (one entry has them as strings).
fn interval_example(name: &str) -> Value {
    let mut ex = example(name);
    let paging = ex["metadata"]["paging"].as_object_mut().unwrap();
    paging.remove("limit");
    paging.remove("offset");
    paging.insert("pageSize".into(), json!(100));
    for row in ex["intervals"].as_array_mut().unwrap() {
        for id in ["skillId", "agentId"] {
            if let Some(s) = row[id].as_str() {
                row[id] = json!(s.parse::<i64>().unwrap());
            }
        }
    }
    ex
}

/// Every page of an interval-metrics query, following `nextPageKey`.
async fn im_pages(s: &Sim, query: &[(&str, &str)]) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut key: Option<String> = None;
    loop {
        let mut q = query.to_vec();
        if let Some(k) = &key {
            q.push(("pageKey", k));
        }
        let (status, page) = s.get_json(AA, &s.path(IM), &q).await;
        assert_eq!(status, 200, "{page}");
        let next = page["metadata"]["paging"]["nextPageKey"]
            .as_str()
            .map(str::to_string);
        assert_eq!(
            next.is_some(),
            page["metadata"]["paging"]["refs"]["next"].is_string(),
            "nextPageKey and refs.next come together"
        );
        pages.push(page);
        match next {
            Some(k) => key = Some(k),
            None => return pages,
        }
        assert!(pages.len() < 1000, "paging must end");
    }
}

/// Every page of an offset-paged API, following the `next` links.
async fn linked_pages(s: &Sim, first: (u16, Value), refs: fn(&Value) -> &Value) -> Vec<Value> {
    let mut pages = Vec::new();
    let (mut status, mut page) = first;
    loop {
        assert_eq!(status, 200, "{page}");
        let next = rel(refs(&page), "next").map(str::to_string);
        pages.push(page);
        match next {
            Some(href) => (status, page) = s.get_link(&href).await,
            None => return pages,
        }
        assert!(pages.len() < 1000, "paging must end");
    }
}

#[tokio::test]
async fn interval_metrics_match_the_documented_shapes_and_the_ground_truth() {
    let s = sim(afternoon(21)).await;
    let now = s.sim.now();
    let (from, to) = (now - 4 * HOUR - 7 * 60_000, now - HOUR);
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let base = [
        ("v", "1"),
        ("source", "test"),
        ("fromL", from_s.as_str()),
        ("toL", to_s.as_str()),
        ("handleTimeModel", "IFT"),
    ];
    let skill_metrics = "handleTime,handledConversations,repliedConversations,consumerMessages,agentMessages,arrivals,closedConversations";
    let mut q = base.to_vec();
    q.extend([("metrics", skill_metrics), ("pageSize", "7")]);
    let pages = im_pages(&s, &q).await;
    assert!(pages.len() > 3, "a small page size gives several pages");
    let ours_extra = [
        ".metadata.v",
        ".metadata.paging.nextPageKey",
        ".metadata.paging.refs.first",
    ];
    assert_same_structure(
        &pages[0],
        &interval_example("interval-metrics-grouping-skill.json"),
        &ours_extra,
    );

    // Concatenated pages equal the truth: every interval starting in [from rounded down to 15
    // minutes, to], rows with human time only (no includeBotSkills).
    let truth = s.sim.engine(&s.account).truth_intervals(
        from - from.rem_euclid(QUARTER_MS),
        to + 1,
        Grouping::Skill,
    );
    let expected: BTreeMap<(i64, i64), Value> = truth
        .iter()
        .filter(|(_, c)| c.has_human_time())
        .map(|((t, k), c)| {
            (
                (*t, k.skill.unwrap()),
                json!({
                    "handleTime": c.ift_ms as f64 / 1000.0,
                    "handledConversations": c.handled_ift,
                    "repliedConversations": c.replied,
                    "consumerMessages": c.consumer_messages,
                    "agentMessages": c.agent_messages,
                    "arrivals": c.arrivals,
                    "closedConversations": c.closed,
                }),
            )
        })
        .collect();
    let mut got = BTreeMap::new();
    for page in &pages {
        let rows = page["intervals"].as_array().unwrap();
        assert_eq!(page["metadata"]["count"], rows.len());
        for r in rows {
            let key = (
                r["timeframe"]["fromL"].as_i64().unwrap(),
                r["skillId"].as_i64().unwrap(),
            );
            assert!(
                got.insert(key, r["metrics"].clone()).is_none(),
                "row {key:?} appears on two pages"
            );
        }
    }
    assert!(
        expected.len() > 20,
        "the window has data: {}",
        expected.len()
    );
    assert_eq!(got, expected);

    // The EHT model, grouped by skill and agent, in the agent example's shape.
    let mut q = base.to_vec();
    q[4] = ("handleTimeModel", "EHT");
    q.extend([
        (
            "metrics",
            "handleTime,handledConversations,repliedConversations,consumerMessages,agentMessages",
        ),
        ("grouping", "skill,agent"),
        ("pageSize", "50"),
    ]);
    let pages = im_pages(&s, &q).await;
    assert_same_structure(
        &pages[0],
        &interval_example("interval-metrics-grouping-agent.json"),
        &ours_extra,
    );
    let truth = s.sim.engine(&s.account).truth_intervals(
        from - from.rem_euclid(QUARTER_MS),
        to + 1,
        Grouping::SkillAgent,
    );
    let expected: BTreeMap<(i64, i64, i64), (f64, u32)> = truth
        .iter()
        .filter(|(_, c)| c.has_human_time())
        .map(|((t, k), c)| {
            (
                (*t, k.skill.unwrap(), k.agent.unwrap()),
                (c.eht_ms as f64 / 1000.0, c.handled_eht),
            )
        })
        .collect();
    let got: BTreeMap<(i64, i64, i64), (f64, u32)> = pages
        .iter()
        .flat_map(|p| p["intervals"].as_array().unwrap().clone())
        .map(|r| {
            (
                (
                    r["timeframe"]["fromL"].as_i64().unwrap(),
                    r["skillId"].as_i64().unwrap(),
                    r["agentId"].as_i64().unwrap(),
                ),
                (
                    r["metrics"]["handleTime"].as_f64().unwrap(),
                    r["metrics"]["handledConversations"].as_u64().unwrap() as u32,
                ),
            )
        })
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn interval_metrics_empty_pages_202_and_limits() {
    let s = sim(afternoon(22)).await;
    let now = s.sim.now();
    let (from_s, to_s) = ((now - 3 * HOUR).to_string(), (now - HOUR).to_string());
    let q = vec![
        ("v", "1"),
        ("source", "test"),
        ("fromL", from_s.as_str()),
        ("toL", to_s.as_str()),
        ("handleTimeModel", "IFT"),
        ("metrics", "handleTime,arrivals"),
        ("pageSize", "500"),
    ];
    let plain: Vec<Value> = im_pages(&s, &q)
        .await
        .iter()
        .flat_map(|p| p["intervals"].as_array().unwrap().clone())
        .collect();
    assert!(!plain.is_empty());

    // An agent idle for an hour, then working, gives an empty page with a next page (each page
    // scans one hour).
    let (from, to) = (now - 6 * HOUR, now - HOUR);
    let truth = s
        .sim
        .engine(&s.account)
        .truth_intervals(from, to + 1, Grouping::Agent);
    let busy_hours = |agent: i64| -> Vec<bool> {
        (0..6)
            .map(|h| {
                truth.iter().any(|((t, k), c)| {
                    k.agent == Some(agent) && c.has_human_time() && (t - from) / HOUR == h
                })
            })
            .collect()
    };
    let agents = s.sim.engine(&s.account).world.agents.clone();
    let late = agents
        .iter()
        .map(|a| a.id)
        .find(|&a| {
            let b = busy_hours(a);
            (0..5).any(|h| !b[h] && b[h + 1..].contains(&true))
        })
        .expect("some agent starts work during the window");
    let (from_s, to_s, agent_s) = (from.to_string(), to.to_string(), late.to_string());
    let pages = im_pages(
        &s,
        &[
            ("v", "1"),
            ("source", "test"),
            ("fromL", &from_s),
            ("toL", &to_s),
            ("handleTimeModel", "IFT"),
            ("metrics", "handleTime"),
            ("grouping", "agent"),
            ("agentId", &agent_s),
        ],
    )
    .await;
    let counts: Vec<u64> = pages
        .iter()
        .map(|p| p["metadata"]["count"].as_u64().unwrap())
        .collect();
    let first_data = counts.iter().position(|&c| c > 0).expect("the agent works");
    assert!(
        first_data > 0,
        "an empty page with a next page comes before the agent's first rows: {counts:?}"
    );
    assert_eq!(pages[0]["metadata"]["filters"], json!({"agentId": late}));

    // With the fault on, empty pages that still have a next page come between data pages, and
    // the concatenation is unchanged.
    s.sim.faults().set(
        Api::IntervalMetrics,
        FaultSpec {
            empty_pages: true,
            ..FaultSpec::default()
        },
    );
    let pages = im_pages(&s, &q).await;
    let empty_with_next = pages
        .iter()
        .filter(|p| {
            p["metadata"]["count"] == 0 && p["metadata"]["paging"]["nextPageKey"].is_string()
        })
        .count();
    assert!(empty_with_next >= 1, "no empty intermediate page");
    let joined: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["intervals"].as_array().unwrap().clone())
        .collect();
    assert_eq!(joined, plain);
    s.sim.faults().clear();

    // A window reaching into intervals that are not done yet: 202 with each interval's status.
    let (from_s, to_s) = ((now - HOUR).to_string(), now.to_string());
    let mut q202 = q.clone();
    q202[2] = ("fromL", &from_s);
    q202[3] = ("toL", &to_s);
    let (status, body) = s.get_json(AA, &s.path(IM), &q202).await;
    assert_eq!(status, 202);
    assert_same_structure(
        &body,
        &example("interval-metrics-202-in-progress.json"),
        &[],
    );
    let statuses: Vec<&str> = body["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    // Intervals ending 10 minutes (the processing delay) or more before now are done; the 13:45
    // interval ended at 14:00 and the 14:00 one is running.
    assert_eq!(
        statuses,
        ["Done", "Done", "Done", "In Progress", "In Progress"]
    );
    // ...and once the clock has moved on, the same window is complete.
    s.sim.clock().unwrap().advance(25 * 60_000);
    let (status, _) = s.get_json(AA, &s.path(IM), &q202).await;
    assert_eq!(status, 200);
    // A forced 202 marks the newest interval in progress.
    s.sim.faults().set(
        Api::IntervalMetrics,
        FaultSpec {
            force_202_next: 1,
            ..FaultSpec::default()
        },
    );
    let (status, body) = s.get_json(AA, &s.path(IM), &q).await;
    assert_eq!(status, 202);
    assert_eq!(
        body["intervals"].as_array().unwrap().last().unwrap()["status"],
        "In Progress"
    );

    let now = s.sim.now();
    let old = (now - 15 * 24 * HOUR).to_string();
    let old_to = (now - 15 * 24 * HOUR + HOUR).to_string();
    let long_to = (now - 3 * HOUR + 24 * HOUR + 1).to_string();
    let with = |k: &'static str, v: &'static str| {
        let mut x = q.clone();
        x.retain(|(n, _)| *n != k);
        x.push((k, v));
        x
    };
    let without = |k: &str| {
        let mut x = q.clone();
        x.retain(|(n, _)| *n != k);
        x
    };
    let mut too_old = q.clone();
    too_old[2] = ("fromL", &old);
    too_old[3] = ("toL", &old_to);
    let mut too_long = q.clone();
    too_long[3] = ("toL", &long_to);
    s.assert_rejected(
        AA,
        &s.path(IM),
        &[
            too_old,
            too_long,
            with("pageSize", "501"),
            with("handleTimeModel", "AHT"),
            with("grouping", "agent"),
            with("pageKey", "garbage"),
            with("intervalDuration", "20"),
            without("handleTimeModel"),
            without("metrics"),
            without("source"),
            without("v"),
            without("fromL"),
        ],
    )
    .await;
}

/// Replays status changes into milliseconds per state over `[from, to)`.
fn replay(records: &[&Value], from: i64, to: i64) -> BTreeMap<StateKey, i64> {
    let mut out = BTreeMap::new();
    let mut open: Option<(StateKey, i64)> = None;
    let time = |r: &Value| {
        chrono::DateTime::parse_from_rfc3339(r["time"].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let mut close = |open: &mut Option<(StateKey, i64)>, at: i64| {
        if let Some((k, since)) = open.take() {
            let (a, b) = (since.max(from), at.min(to));
            if b > a {
                *out.entry(k).or_insert(0) += b - a;
            }
        }
    };
    for r in records {
        let t = time(r);
        match r["statusType"].as_i64().unwrap() {
            3 => {}
            4 => close(&mut open, t),
            _ => {
                close(&mut open, t);
                open = match r["statusSubType"].as_i64().unwrap() {
                    2 => Some((StateKey::Online, t)),
                    3 => Some((StateKey::BackSoon, t)),
                    4 => {
                        let id = r["statusReasonId"].as_i64().unwrap();
                        Some((StateKey::Away((id != 0).then_some(id)), t))
                    }
                    _ => None,
                };
            }
        }
    }
    close(&mut open, to);
    out
}

#[tokio::test]
async fn status_changes_shapes_paging_visibility_and_truth() {
    let s = sim(afternoon(23)).await;
    let now = s.sim.now();
    let start = now - 6 * HOUR;
    let end = now - HOUR;
    let (from, to) = (
        chrono::DateTime::from_timestamp_millis(start)
            .unwrap()
            .to_rfc3339(),
        chrono::DateTime::from_timestamp_millis(end)
            .unwrap()
            .to_rfc3339(),
    );
    let q = [
        ("v", "2"),
        ("source", "test"),
        ("from", from.as_str()),
        ("to", to.as_str()),
        ("limit", "50"),
    ];
    let first = s.get_json(AA, &s.path(SC), &q).await;
    assert_same_structure(
        &first.1,
        &example("agent-activity-status-changes-v2-paged.json"),
        &[],
    );
    let pages = linked_pages(&s, first, |p| &p["_metadata"]["references"]).await;
    assert!(pages.len() > 2);
    let records: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["stateChanges"].as_array().unwrap().clone())
        .collect();
    // Replaying each agent's records gives the truth's time in state, logins and logouts.
    let world = s.sim.engine(&s.account).world.clone();
    let (mut logins, mut logouts, mut changes) = (0, 0, 0);
    for (i, a) in world.agents.iter().enumerate() {
        let mine: Vec<&Value> = records.iter().filter(|r| r["agentId"] == a.id).collect();
        let truth = s
            .sim
            .engine(&s.account)
            .truth_time_in_state(i as u32, start, end);
        logins += truth.logins;
        logouts += truth.logouts;
        changes += truth.state_changes;
        // States open at `start` began before the window; count from the first record on.
        let Some(first_t) = mine.first().map(|r| {
            chrono::DateTime::parse_from_rfc3339(r["time"].as_str().unwrap())
                .unwrap()
                .timestamp_millis()
        }) else {
            continue;
        };
        let expected = s
            .sim
            .engine(&s.account)
            .truth_time_in_state(i as u32, first_t, end)
            .ms;
        assert_eq!(replay(&mine, first_t, end), expected, "agent {}", a.id);
    }
    let count = |t: i64| records.iter().filter(|r| r["statusType"] == t).count() as u64;
    assert_eq!((count(3), count(4), count(1)), (logins, logouts, changes));
    assert!(logins > 0 && changes > logins);

    // v1 groups per agent and pages over agents.
    let mut q1 = q.to_vec();
    q1[0] = ("v", "1");
    q1[4] = ("limit", "7");
    let first = s.get_json(AA, &s.path(SC), &q1).await;
    // The synthesized v1 example uses -1/null for "no reason" and numbers for the L values; the
    // verbatim v2 examples use 0/"" and strings, which the simulator follows in both versions.
    let mut v1 = example("agent-activity-status-changes-v1-SYNTHESIZED.json");
    v1.as_object_mut().unwrap().remove("_comment");
    for k in ["startTimeL", "endTimeL"] {
        v1["timeframe"][k] = json!(v1["timeframe"][k].to_string());
    }
    for r in v1["agentsInfo"][0]["statusChangeHistory"]
        .as_array_mut()
        .unwrap()
    {
        if r["statusReasonText"].is_null() {
            r["statusReasonText"] = json!("");
        }
    }
    assert_same_structure(&first.1, &v1, &[]);
    let pages = linked_pages(&s, first, |p| &p["_metadata"]["references"]).await;
    let v1_records: usize = pages
        .iter()
        .flat_map(|p| p["agentsInfo"].as_array().unwrap().clone())
        .map(|a| a["statusChangeHistory"].as_array().unwrap().len())
        .sum();
    assert!(
        pages
            .iter()
            .all(|p| p["agentsInfo"].as_array().unwrap().len() <= 7)
    );
    assert_eq!(v1_records, records.len());

    // The newest hour is still arriving: its records become visible over the next hour.
    let recent = [
        ("v", "2"),
        ("source", "test"),
        ("limit", "5000"),
        ("from", to.as_str()),
        (
            "to",
            &chrono::DateTime::from_timestamp_millis(now)
                .unwrap()
                .to_rfc3339(),
        ),
    ];
    let visible_now = s.get_json(AA, &s.path(SC), &recent).await.1["stateChanges"]
        .as_array()
        .unwrap()
        .len();
    s.sim.clock().unwrap().advance(HOUR);
    let visible_later = s.get_json(AA, &s.path(SC), &recent).await.1["stateChanges"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        visible_now < visible_later,
        "records of the last hour show later ({visible_now} then {visible_later})"
    );

    let now = s.sim.now();
    let ago = |h: i64| {
        chrono::DateTime::from_timestamp_millis(now - h * HOUR)
            .unwrap()
            .to_rfc3339()
    };
    let (y, m6, m1) = (ago(1), ago(24 * 190), ago(24 * 32));
    let base = [("source", "test")];
    let plus = |extra: &[(&'static str, &str)]| {
        let mut x: Vec<(&str, String)> = base.iter().map(|(k, v)| (*k, v.to_string())).collect();
        x.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        x
    };
    let cases = [
        plus(&[("v", "2"), ("limit", "5001")]),
        plus(&[("v", "1"), ("limit", "101")]),
        plus(&[("offset", "-1")]),
        plus(&[("agentId", "1"), ("empId", "x")]),
        plus(&[("from", &m6), ("to", &ago(24 * 185))]),
        plus(&[("from", &m1), ("to", &y)]),
        plus(&[("from", &y)]),
        plus(&[("v", "3")]),
        vec![("v", "2".to_string())],
    ];
    let cases: Vec<Vec<(&str, &str)>> = cases
        .iter()
        .map(|c| c.iter().map(|(k, v)| (*k, v.as_str())).collect())
        .collect();
    s.assert_rejected(AA, &s.path(SC), &cases).await;
}

#[tokio::test]
async fn agent_segments_shape_paging_visibility_and_truth() {
    let mut cfg = afternoon(24);
    // Segments show within an hour here, so a window ending an hour ago is complete.
    cfg.timing.agent_segments = liveperson_sim::engine::SegmentLateness::Uniform { max_ms: HOUR };
    let s = sim(cfg).await;
    let now = s.sim.now();
    let (from, to) = (now - 5 * HOUR, now - HOUR);
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let q = [
        ("source", "test_1"),
        ("fromMillis", from_s.as_str()),
        ("toMillis", to_s.as_str()),
        ("limit", "37"),
    ];
    let first = s.get_json(AA, &s.path(AHT), &q).await;
    assert_same_structure(&first.1, &example("aht-agent-segments.json"), &[]);
    let total = first.1["pagination"]["count"].as_u64().unwrap();
    let pages = linked_pages(&s, first, |p| &p["pagination"]["references"]).await;
    let got: Vec<(String, i64, &str, i64)> = pages
        .iter()
        .flat_map(|p| p["segments"].as_array().unwrap().iter())
        .map(|x| {
            (
                x["segmentId"].as_str().unwrap().to_string(),
                x["endTimeL"].as_i64().unwrap(),
                x["endReason"].as_str().unwrap(),
                x["totalHandleTimeMillis"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got.len() as u64, total);
    assert!(
        got.windows(2).all(|w| w[0].1 >= w[1].1),
        "newest first by default"
    );
    let mut truth: Vec<_> = s
        .sim
        .engine(&s.account)
        .truth_segments(from, to + 1)
        .into_iter()
        .map(|t| (t.id, t.end, t.end_reason, t.handle_ms))
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    truth.sort();
    assert!(truth.len() > 50);
    assert_eq!(got_sorted, truth);

    // The last hour is still filling in.
    let (recent_from, now_s) = ((now - HOUR).to_string(), now.to_string());
    let recent = [
        ("source", "test"),
        ("fromMillis", recent_from.as_str()),
        ("toMillis", now_s.as_str()),
    ];
    let shown = s.get_json(AA, &s.path(AHT), &recent).await.1["pagination"]["count"]
        .as_u64()
        .unwrap() as usize;
    let closed = s
        .sim
        .engine(&s.account)
        .truth_segments(now - HOUR, now + 1)
        .len();
    assert!(shown < closed, "{shown} of {closed} recent segments shown");

    let long = (now - 8 * 24 * HOUR).to_string();
    let very_old = (now - 40 * 24 * HOUR).to_string();
    s.assert_rejected(
        AA,
        &s.path(AHT),
        &[
            vec![("source", "test"), ("limit", "501")],
            vec![("source", "bad-source")],
            vec![("source", "test"), ("offset", "-1")],
            vec![("source", "test"), ("fromMillis", &long)],
            vec![("source", "test"), ("fromMillis", &very_old)],
            vec![
                ("source", "test"),
                ("fromMillis", "1"),
                ("from", "2026-01-01T00:00:00Z"),
            ],
            vec![("source", "test"), ("sort", "Mood")],
            vec![],
        ],
    )
    .await;
}

#[tokio::test]
async fn nht_shape_paging_post_and_truth() {
    let mut cfg = afternoon(25);
    // NHT shows an hour after the hour ends here, so the early afternoon is available.
    cfg.timing.nht_delay_ms = HOUR;
    let s = sim(cfg).await;
    let now = s.sim.now();
    let path = s.path(NHT);
    let q = [
        ("v", "2"),
        ("source", "test"),
        ("fromDate", "2026-01-05T09:00:00"),
        ("toDate", "2026-01-05T13:00:00"),
        ("interval", "60"),
        ("limit", "3"),
    ];
    let first = s.get_json("leDataReporting", &path, &q).await;
    assert_same_structure(&first.1, &example("nht-by-skill-v2.json"), &[]);
    assert_eq!(first.1["_metadata"]["count"], 8, "the account's skills");
    let pages = linked_pages(&s, first, |p| &p["_metadata"]["references"]).await;
    assert_eq!(pages.len(), 3, "8 skills by 3");
    let skills: Vec<Value> = pages
        .iter()
        .flat_map(|p| p["skillInfo"].as_array().unwrap().clone())
        .collect();
    assert_eq!(skills.len(), 8);

    // 12:00 ended at 13:00, visible from 14:00 (now); 13:00 is not complete.
    let round2 = |x: Option<f64>| x.map_or(json!(-1), |v| json!((v * 100.0).round() / 100.0));
    let whole = |x: Option<i64>| x.map_or(json!(-1), |v| json!(v));
    let mut seen = 0;
    for info in &skills {
        let id = info["skillId"].as_i64().unwrap();
        let e = s.sim.engine(&s.account);
        let skill = e.world.skill_index(id).unwrap();
        let got = info["metricsByIntervals"].as_array().unwrap();
        let mut expected = Vec::new();
        for h in 9..13 {
            let t = DEFAULT_MANUAL_START + h * HOUR;
            let n = e.truth_nht(skill, t, 60);
            if n.empty {
                continue;
            }
            expected.push(json!({
                "timestamp": format!("2026-01-05T{h:02}:00"),
                "epochTimestamp": t,
                "arrivals": whole(n.arrivals.map(i64::from)),
                "avgTimeInQueue": round2(n.avg_time_in_queue_s),
                "totalAgentSegmentDuration": whole(n.total_agent_segment_duration_s),
                "avgAgentSegmentDuration": round2(n.avg_agent_segment_duration_s),
                "avgAvailableLoad": round2(n.avg_available_load),
                "messagesSent": whole(n.messages_sent.map(i64::from)),
                "handledSegments": whole(n.handled_segments.map(i64::from)),
                "avgSegmentWorkTime": round2(n.avg_segment_work_time_s),
                "netHandleTime": round2(n.net_handle_time_s),
            }));
        }
        seen += expected.len();
        assert_eq!(got, &expected, "skill {id}");
    }
    assert!(seen >= 20, "most skills have data in most hours: {seen}");

    // 15-minute intervals repeat the hourly fields in each quarter of the hour.
    let q15 = [
        ("v", "2"),
        ("source", "test"),
        ("fromMillis", &(now - 3 * HOUR).to_string()[..]),
        ("toMillis", &(now - 2 * HOUR).to_string()[..]),
        ("interval", "15"),
        ("limit", "10"),
    ];
    let (_, body) = s.get_json("leDataReporting", &path, &q15).await;
    let info = &body["skillInfo"].as_array().unwrap()[0]["metricsByIntervals"];
    let quarters: Vec<&Value> = info.as_array().unwrap().iter().take(4).collect();
    assert_eq!(quarters.len(), 4);
    for q in &quarters {
        assert_eq!(q["netHandleTime"], quarters[0]["netHandleTime"]);
        assert_eq!(q["messagesSent"], quarters[0]["messagesSent"]);
    }

    // POST with the documented body gives the same answer as GET.
    let mut body = example("nht-post-request-body.json");
    body["fromDate"] = json!("2026-01-05T09:00:00");
    body["toDate"] = json!("2026-01-05T13:00:00");
    body["skillIds"] = json!(format!("{},{}", skills[0]["skillId"], skills[1]["skillId"]));
    let (status, posted) = s.post_json("leDataReporting", &path, &[], &body).await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(posted["skillInfo"], json!([skills[0], skills[1]]));

    s.assert_rejected(
        "leDataReporting",
        &path,
        &[
            vec![
                ("v", "2"),
                ("source", "t"),
                ("fromMillis", "0"),
                ("toMillis", "700000000"),
            ],
            vec![
                ("v", "2"),
                ("source", "t"),
                ("fromDate", "2026-01-05T09:00:00"),
                ("toDate", "2026-01-05T10:00:00"),
                ("limit", "11"),
            ],
            vec![
                ("v", "2"),
                ("source", "t"),
                ("fromDate", "2026-01-05T09:00:00"),
                ("toDate", "2026-01-05T10:00:00"),
                ("interval", "20"),
            ],
            vec![
                ("v", "2"),
                ("source", "t"),
                ("fromDate", "2026-01-05T09:00:00"),
                ("fromMillis", "1"),
                ("toDate", "2026-01-05T10:00:00"),
            ],
            vec![
                ("v", "2"),
                ("fromDate", "2026-01-05T09:00:00"),
                ("toDate", "2026-01-05T10:00:00"),
            ],
            vec![("v", "2"), ("source", "t")],
        ],
    )
    .await;
}

#[tokio::test]
async fn per_account_rate_limit_answers_429_for_that_account_only() {
    let mut cfg = afternoon(26);
    cfg.accounts.push(liveperson_sim::world::AccountSpec {
        id: "70000002".into(),
        agents: 5,
        skills: 2,
        groups: 1,
    });
    cfg.limits.per_minute = 3;
    let s = sim(cfg).await;
    let q = [("v", "1"), ("source", "t")];
    let path = |a: &str| format!("/api/v2/account/{a}/status-changes");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(s.get(AA, &path(&s.account), &q).await.0);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!(s.get(AA, &path("70000002"), &q).await.0, 200);
}

#[tokio::test]
async fn admin_truth_endpoints_serve_the_handle_truth_as_json() {
    let s = sim(afternoon(27)).await;
    let now = s.sim.now();
    let (from, to) = (now - 2 * HOUR, now - HOUR);
    let url = |what: &str, extra: &str| {
        format!(
            "{}/_sim/truth/{}/{what}?from={from}&to={to}{extra}",
            s.sim.csds_url(),
            s.account
        )
    };
    let get = |u: String| async move {
        let r = reqwest::get(u).await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json::<Value>().await.unwrap()
    };
    let rows = get(url("intervals", "&grouping=skill,agent")).await;
    let truth = s
        .sim
        .engine(&s.account)
        .truth_intervals(from, to, Grouping::SkillAgent);
    assert_eq!(rows.as_array().unwrap().len(), truth.len());
    let ift: i64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["iftMs"].as_i64().unwrap())
        .sum();
    assert_eq!(ift, truth.values().map(|c| c.ift_ms).sum::<i64>());

    let skill = s.sim.engine(&s.account).world.skills[0].id;
    let nht = get(url("nht", &format!("&skill={skill}&interval=60"))).await;
    let t = s.sim.engine(&s.account).truth_nht(0, from, 60);
    assert_eq!(nht[0]["start"], from);
    assert_eq!(
        nht[0]["values"]["handledSegments"],
        json!(t.handled_segments)
    );
    let current = get(url("current", "")).await;
    let c = s.sim.engine(&s.account).truth_current(
        liveperson_sim::truth::Scope::All,
        liveperson_sim::truth::UserTypes::ALL,
    );
    assert_eq!(current["onlineAgents"], c.online_agents);
}
