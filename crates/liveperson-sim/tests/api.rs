//! The simulator's APIs against LivePerson's documentation: shapes, limits, auth, bucket rules,
//! determinism, faults, and agreement with the ground truth.

use crate::support::{assert_same_structure, example, sim};
use liveperson_sim::SimConfig;
use liveperson_sim::faults::{Api, FaultSpec};
use liveperson_sim::records::Resolver;
use serde_json::{Value, json};

const MSGCONV: &str = "/operations/api/account/{a}/msgconversation";
const ENGACT: &str = "/operations/api/account/{a}/engactivity";
const QH: &str = "/operations/api/account/{a}/msgqueuehealth/current/";
const KMM: &str = "/manager_workspace/api/account/{a}/metrics";
const AGENT_VIEW: &str = "/manager_workspace/api/account/{a}/agent_view";

#[tokio::test]
async fn csds_lists_every_service_on_its_own_port_in_the_documented_shapes() {
    let s = sim(SimConfig::for_tests(1)).await;
    let csds = s.sim.csds_url();
    let all: Value = reqwest::get(format!(
        "{csds}/api/account/{}/service/baseURI.json?version=1.0",
        s.account
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_same_structure(&all, &example("csds-all-services.json"), &[]);
    let hosts: Vec<&str> = all["baseURIs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["baseURI"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<_> = hosts.iter().collect();
    assert_eq!(
        unique.len(),
        4,
        "each service has its own host:port: {hosts:?}"
    );
    let one: Value = reqwest::get(format!(
        "{csds}/api/account/{}/service/leDataReporting/baseURI.json?version=1.0",
        s.account
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_same_structure(&one, &example("csds-single-service.json"), &[]);
    // A service's API is not served by another service's host.
    let url = format!("{}{}", s.base("agentActivityDomain"), s.path(MSGCONV));
    assert_eq!(reqwest::get(&url).await.unwrap().status().as_u16(), 404);
    let r = reqwest::get(format!(
        "{csds}/api/account/{}/service/baseURI.json",
        s.account
    ))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400, "version is required");
}

#[tokio::test]
async fn oauth1_signatures_are_verified_and_bearer_tokens_work_where_documented() {
    let s = sim(SimConfig::for_tests(2)).await;
    let q = [("v", "1"), ("timeframe", "60")];
    let (ok, _) = s.get("leDataReporting", &s.path(MSGCONV), &q).await;
    assert_eq!(ok, 200);
    // Wrong secret: the documented 401 body.
    let url = format!("{}{}", s.base("leDataReporting"), s.path(MSGCONV));
    let auth = s.oauth1("GET", &url, &q, Some("not-the-secret"));
    let r = s
        .http
        .get(&url)
        .query(&q)
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap();
    assert_same_structure(&body, &example("agent-activity-error-401.json"), &[]);
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("signature_invalid")
    );
    // Signed for one query, sent with another.
    let auth = s.oauth1("GET", &url, &q, None);
    let r = s
        .http
        .get(&url)
        .query(&[("v", "1"), ("timeframe", "61")])
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // A replayed signature is refused.
    let auth = s.oauth1("GET", &url, &q, None);
    let first = s
        .http
        .get(&url)
        .query(&q)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    let again = s
        .http
        .get(&url)
        .query(&q)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (first.status().as_u16(), again.status().as_u16()),
        (200, 401)
    );

    // Sentinel client credentials give a bearer token that KMM accepts and msgconversation does not.
    let token_url = format!(
        "{}/sentinel/api/v2/account/{}/app/token",
        s.base("sentinel"),
        s.account
    );
    let creds = liveperson_sim::state::Credentials::default().oauth2;
    let tok: Value = s
        .http
        .post(&token_url)
        .form(&[
            ("client_id", creds.client_id.as_str()),
            ("client_secret", creds.client_secret.as_str()),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_same_structure(&tok, &example("sentinel-oauth2-token.json"), &[]);
    let bearer = format!("Bearer {}", tok["access_token"].as_str().unwrap());
    let kmm = format!("{}{}", s.base("agentManagerWorkspace"), s.path(KMM));
    let now = s.sim.now();
    let body = json!({"filters": {"time": {"from": now - 3_600_000, "to": now}}, "responseSections": ["all"], "metricsToRetrieveCurrentValue": ["online_agents"]});
    let r = s
        .http
        .post(&kmm)
        .header("Authorization", &bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = s
        .http
        .get(&url)
        .query(&q)
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let bad = s
        .http
        .post(&token_url)
        .form(&[
            ("client_id", "x"),
            ("client_secret", "y"),
            ("grant_type", "client_credentials"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 401);
}

#[tokio::test]
async fn msgconversation_and_engactivity_match_the_documented_shapes() {
    let s = sim(SimConfig::for_tests(3)).await;
    let (st, v) = s
        .get_json(
            "leDataReporting",
            &s.path(MSGCONV),
            &[
                ("v", "1"),
                ("timeframe", "1440"),
                ("skillIds", "all"),
                ("agentIds", "all"),
            ],
        )
        .await;
    assert_eq!(st, 200);
    assert_same_structure(&v, &example("msgconversation-skills-all-agent.json"), &[]);
    for (file, q) in [
        (
            "engactivity-skills-all-agent.json",
            vec![("skillIds", "all"), ("agentIds", "all")],
        ),
        ("engactivity-skill.json", vec![("skillIds", "all")]),
        ("engactivity-account.json", vec![]),
        (
            "engactivity-account-intervals.json",
            vec![("interval", "60")],
        ),
        (
            "engactivity-agent-intervals.json",
            vec![("agentIds", "all"), ("interval", "60")],
        ),
    ] {
        let mut query = vec![("v", "1"), ("timeframe", "1440")];
        query.extend(q);
        let (st, v) = s.get_json("leDataReporting", &s.path(ENGACT), &query).await;
        assert_eq!(st, 200, "{file}");
        assert_same_structure(&v, &example(file), &[]);
    }
}

#[tokio::test]
async fn window_apis_reject_every_documented_limit() {
    let s = sim(SimConfig::for_tests(4)).await;
    for path in [MSGCONV, ENGACT] {
        for q in [
            vec![("timeframe", "60")],                                  // no v
            vec![("v", "1")],                                           // no timeframe
            vec![("v", "1"), ("timeframe", "1441")],                    // over 1440
            vec![("v", "1"), ("timeframe", "60"), ("interval", "7")],   // does not divide
            vec![("v", "1"), ("timeframe", "60"), ("interval", "120")], // over timeframe
        ] {
            let (st, v) = s.get_json("leDataReporting", &s.path(path), &q).await;
            assert_eq!(st, 400, "{path} {q:?}");
            assert_same_structure(&v, &example("agent-activity-error-400.json"), &[]);
        }
    }
}

#[tokio::test]
async fn msgconversation_buckets_follow_the_documented_rule_and_equal_ground_truth() {
    let mut cfg = SimConfig::for_tests(5);
    cfg.clock = liveperson_sim::ClockMode::Manual(
        liveperson_sim::DEFAULT_MANUAL_START + 7 * 60_000 + 13_000,
    );
    let s = sim(cfg).await;
    let now = s.sim.now();
    let (_, v) = s
        .get_json(
            "leDataReporting",
            &s.path(MSGCONV),
            &[
                ("v", "1"),
                ("timeframe", "120"),
                ("interval", "10"),
                ("skillIds", "all"),
            ],
        )
        .await;
    let ints = v["metricsByIntervals"].as_array().unwrap();
    let five = 300_000;
    let ceil5 = now + (five - now % five) % five;
    let start = (now - 120 * 60_000) / five * five;
    // Ends counted back from now rounded up to 5 minutes, every 10 minutes, newest first; the
    // earliest holds only the remainder.
    let ends: Vec<i64> = ints
        .iter()
        .map(|i| i["timestamp"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (0..)
        .map(|k| ceil5 - k * 600_000)
        .take_while(|&e| e > start)
        .collect();
    assert_eq!(ends, expected);
    // Each complete interval whose data has settled (reporting latency 90 s) equals the truth.
    let e = s.sim.engine(&s.account);
    for (i, end) in ends.iter().enumerate() {
        let from = (end - 600_000).max(start);
        if *end > now - 90_000 {
            continue;
        }
        let truth = e.truth_resolved(from, *end, None, None);
        let m = &ints[i]["metricsData"]["skillsMetricsPerAgent"]["metricsTotals"];
        assert_eq!(
            m["resolvedConversations_byCCP"].as_u64().unwrap(),
            truth[&Resolver::Agent].count,
            "interval ending {end}"
        );
        assert_eq!(
            m["resolvedConversations_byConsumer"].as_u64().unwrap(),
            truth[&Resolver::Consumer].count
        );
        assert_eq!(
            m["resolvedConversations_bySystem"].as_u64().unwrap(),
            truth[&Resolver::System].count
        );
        assert_eq!(
            m["totalHandlingTime_resolvedConversations_bySystem"]
                .as_i64()
                .unwrap(),
            truth[&Resolver::System].handling_ms
        );
    }
}

#[tokio::test]
async fn kmm_metrics_shape_paging_limits_and_truth() {
    let mut cfg = SimConfig::for_tests(6);
    cfg.accounts[0].skills = 60;
    cfg.accounts[0].agents = 150;
    let s = sim(cfg).await;
    let now = s.sim.now();
    let mut body = example("manager-workspace-metrics-request-body.json");
    body["filters"]["time"] = json!({"from": now - 3_600_000, "to": now});
    let (st, v) = s
        .post_json(
            "agentManagerWorkspace",
            &s.path(KMM),
            &[
                ("offset", "1"),
                ("limit", "1"),
                ("sort", "closedConversations:desc"),
            ],
            &body,
        )
        .await;
    assert_eq!(st, 200);
    assert_same_structure(
        &v,
        &example("manager-workspace-metrics-groupby-agentgroup.json"),
        &[],
    );

    // Paging by skill over more than 50 keys collects every skill once; values equal the truth.
    let body = json!({
        "filters": {"time": {"from": now - 3_600_000, "to": now}},
        "groupBy": "skillId",
        "metricsToRetrieveCurrentValue": ["assigned_conversations", "online_agents", "queue_wait_time_90th_percentile", "human_agent_load"],
        "metricsToRetrieveByTime": ["closed_conversations", "avg_wait_time"],
    });
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (st, v) = s
            .post_json(
                "agentManagerWorkspace",
                &s.path(KMM),
                &[("offset", &offset.to_string()), ("limit", "50")],
                &body,
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(v["metadata"]["count"], 60);
        for g in v["groupBy"]["groups"].as_array().unwrap() {
            seen.push(g.clone());
        }
        if v["metadata"].get("next").is_none() {
            break;
        }
        offset += 50;
    }
    assert_eq!(seen.len(), 60);
    {
        let e = s.sim.engine(&s.account);
        use liveperson_sim::truth::{Scope, UserTypes};
        for g in &seen {
            let id: i64 = g["key"].as_str().unwrap().parse().unwrap();
            let i = e.world.skill_index(id).unwrap();
            let c = e.truth_current(Scope::Skill(i), UserTypes::ALL);
            let w = e.truth_window(Scope::Skill(i), UserTypes::ALL, now - 3_600_000, now);
            assert_eq!(g["metrics"]["assignedConversations"], c.assigned);
            assert_eq!(g["metrics"]["onlineAgents"], c.online_agents);
            assert_eq!(
                g["metrics"]["queueWaitTime90thPercentile"],
                c.queue_wait_p90_ms.unwrap_or(-1)
            );
            assert_eq!(
                g["metrics"]["humanAgentLoad"].as_f64().unwrap(),
                c.human_agent_load.unwrap_or(-1.0)
            );
            assert_eq!(g["metrics"]["closedConversations"], w.closed);
            assert_eq!(
                g["metrics"]["avgWaitTime"].as_f64().unwrap(),
                w.avg_wait_time_ms.unwrap_or(-1.0)
            );
        }
    }
    for q in [
        vec![("limit", "51")],
        vec![("offset", "960"), ("limit", "50")],
        vec![("offset", "-1")],
    ] {
        let (st, _) = s
            .post_json("agentManagerWorkspace", &s.path(KMM), &q, &body)
            .await;
        assert_eq!(st, 400, "{q:?}");
    }
    let (st, _) = s
        .post_json(
            "agentManagerWorkspace",
            &s.path(KMM),
            &[],
            &json!({"filters": {}}),
        )
        .await;
    assert_eq!(st, 400, "filters.time is required");
    let old = json!({"filters": {"time": {"from": now - 48 * 3_600_000, "to": now}}});
    assert_eq!(
        s.post_json("agentManagerWorkspace", &s.path(KMM), &[], &old)
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn agent_view_and_queue_health_match_the_documented_shapes() {
    let s = sim(SimConfig::for_tests(7)).await;
    let now = s.sim.now();
    let mut body = example("kmm-agent-view-request-body.json");
    body["filters"] = json!({"time": {"from": now - 3_600_000, "to": now}, "userTypes": ["HUMAN"]});
    let (st, v) = s
        .post_json(
            "agentManagerWorkspace",
            &s.path(AGENT_VIEW),
            &[("limit", "5")],
            &body,
        )
        .await;
    assert_eq!(st, 200);
    // The example's request asks for closed conversations and the current status reason, which the
    // example response leaves out; away durations carry their reason id (FACTS 7.2).
    assert_same_structure(
        &v,
        &example("kmm-agent-view.json"),
        &[
            ".agentViewRecords[].closedConversations",
            ".agentViewRecords[].avgTimeToFirstResponseFirstAssignment",
            ".agentViewRecords[].agentStatusDurationList[].agentStatusReasonId",
            ".metadata.last",
        ],
    );
    let (st, v) = s
        .get_json(
            "leDataReporting",
            &s.path(QH),
            &[("v", "1"), ("overdueConversations", "true")],
        )
        .await;
    assert_eq!(st, 200);
    assert_same_structure(&v, &example("msg-current-queue-health-overdue.json"), &[]);
    let e = s.sim.engine(&s.account);
    let t = e.truth_queue_health(None);
    assert_eq!(v["metricsTotal"]["unassignedConversations"], t.unassigned);
    assert_eq!(
        v["metricsTotal"]["waitTimeForAgentAssignment_90thPercentile"],
        t.wait_p90_ms.unwrap_or(-1)
    );
    assert_eq!(
        v["metricsTotal"]["overdueConversationsAssigned"],
        t.overdue_assigned
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_responses() {
    let a = sim(SimConfig::for_tests(42)).await;
    let b = sim(SimConfig::for_tests(42)).await;
    let c = sim(SimConfig::for_tests(43)).await;
    let q = [
        ("v", "1"),
        ("timeframe", "360"),
        ("interval", "60"),
        ("skillIds", "all"),
        ("agentIds", "all"),
    ];
    let (_, va) = a.get_json("leDataReporting", &a.path(MSGCONV), &q).await;
    let (_, vb) = b.get_json("leDataReporting", &b.path(MSGCONV), &q).await;
    let (_, vc) = c.get_json("leDataReporting", &c.path(MSGCONV), &q).await;
    assert_eq!(va, vb);
    assert_ne!(va, vc, "a different seed is a different center");
    let (_, qa) = a
        .get_json("leDataReporting", &a.path(QH), &[("v", "1")])
        .await;
    let (_, qb) = b
        .get_json("leDataReporting", &b.path(QH), &[("v", "1")])
        .await;
    assert_eq!(qa, qb);
}

#[tokio::test]
async fn faults_are_injected_per_api_and_accounted() {
    let s = sim(SimConfig::for_tests(8)).await;
    let q = [("v", "1"), ("timeframe", "60")];
    let path = s.path(MSGCONV);
    s.sim.faults().set(
        Api::MsgConversation,
        FaultSpec {
            fail_next: vec![500, 503],
            rate_limit_next: 1,
            retry_after_s: Some(2),
            malformed_next: 1,
            truncate_next: 1,
            ..FaultSpec::default()
        },
    );
    assert_eq!(s.get("leDataReporting", &path, &q).await.0, 500);
    assert_eq!(s.get("leDataReporting", &path, &q).await.0, 503);
    let url = format!("{}{}", s.base("leDataReporting"), path);
    let r = s.get_raw(&url, &q).await;
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    let r = s.get_raw(&url, &q).await;
    assert!(r.text().await.is_err(), "a truncated body fails to read");
    let r = s.get_raw(&url, &q).await;
    assert!(
        r.text().await.unwrap().contains("<<not json>>"),
        "then a malformed body"
    );
    assert_eq!(s.get("leDataReporting", &path, &q).await.0, 200);
    // Other APIs are untouched, and every answer is accounted for.
    assert_eq!(
        s.get("leDataReporting", &s.path(QH), &[("v", "1")]).await.0,
        200
    );
    let acc = s.sim.requests();
    for (status, n) in [(500, 1), (503, 1), (429, 1), (200, 3)] {
        assert_eq!(
            acc.count(&s.account, Api::MsgConversation, status),
            n,
            "status {status}"
        );
    }
    assert_eq!(acc.count(&s.account, Api::QueueHealthCurrent, 200), 1);
    // The admin endpoint sets faults too.
    let admin = format!("{}/_sim/faults/msg_queue_health_current", s.sim.csds_url());
    assert!(
        s.http
            .put(&admin)
            .json(&json!({"down": true}))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert_eq!(
        s.get("leDataReporting", &s.path(QH), &[("v", "1")]).await.0,
        503
    );
}

#[tokio::test]
async fn ground_truth_of_closed_chats_equals_engactivity() {
    let s = sim(SimConfig::for_tests(9)).await;
    let now = s.sim.now();
    let (_, v) = s
        .get_json(
            "leDataReporting",
            &s.path(ENGACT),
            &[
                ("v", "1"),
                ("timeframe", "240"),
                ("interval", "60"),
                ("skillIds", "all"),
            ],
        )
        .await;
    let e = s.sim.engine(&s.account);
    let start = (now - 240 * 60_000) / 300_000 * 300_000;
    for i in v["metricsByIntervals"].as_array().unwrap() {
        let end = i["timestamp"].as_i64().unwrap();
        if end > now - 90_000 {
            continue;
        }
        let t = e.truth_chats((end - 3_600_000).max(start), end, None, None);
        let m = &i["metricsData"]["skillsMetricsPerAgent"]["metricsTotals"];
        assert_eq!(m["totalInteractiveChats"], t.interactive);
        assert_eq!(m["totalNonInteractiveChats"], t.non_interactive);
        assert_eq!(m["totalHandlingTime"], t.handling_s);
        assert_eq!(m["connectedEngagements"], t.connected);
    }
}
