//! Key Messaging Metrics (agent manager workspace): `metrics` and `agent_view`.
//!
//! Current values are the engine's state at the request; time-based values cover
//! `filters.time.{from,to}` rounded out to whole minutes: a record in minute `m` counts when
//! `floor(from) <= m < ceil(to)`, so consecutive one-minute queries `[T, T+60000]` never share a
//! record. Values are in ms; loads are ratios; -1 means no data.

use serde_json::{Map, Value, json};

use super::{Check, Ctx, Reply, link, or_minus_one};
use crate::clock::EpochMs;
use crate::engine::Engine;
use crate::truth::{CurrentValues, Scope, UserTypes, WindowValues};
use crate::world::AWAY_REASONS;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// Request names of the current-value metrics, with their response names.
const CURRENT: [(&str, &str); 17] = [
    ("assigned_conversations", "assignedConversations"),
    ("unassigned_conversations", "unassignedConversations"),
    ("active_conversations", "activeConversations"),
    ("agent_load", "agentLoad"),
    ("human_agent_load", "humanAgentLoad"),
    ("human_online_load", "humanOnlineLoad"),
    ("human_away_load", "humanAwayLoad"),
    ("online_agents", "onlineAgents"),
    ("back_soon_agents", "backSoonAgents"),
    ("away_agents", "awayAgents"),
    ("available_slots", "availableSlots"),
    ("open_conversations", "openConversations"),
    (
        "overdue_conversations_in_queue",
        "overdueConversationsInQueue",
    ),
    (
        "overdue_conversations_assigned",
        "overdueConversationsAssigned",
    ),
    ("overdue_conversations_total", "overdueConversationsTotal"),
    (
        "queue_wait_time_50th_percentile",
        "queueWaitTime50thPercentile",
    ),
    (
        "queue_wait_time_90th_percentile",
        "queueWaitTime90thPercentile",
    ),
];

/// Request names of the time-based metrics the simulator serves, with their response names.
const BY_TIME: [(&str, &str); 8] = [
    ("avg_wait_time", "avgWaitTime"),
    ("avg_wait_time_first_response", "avgWaitTimeFirstResponse"),
    ("avg_time_to_response", "avgTimeToResponse"),
    (
        "avg_time_to_first_response_first_assignment",
        "avgTimeToFirstResponseFirstAssignment",
    ),
    ("closed_conversations", "closedConversations"),
    ("closed_by_agent", "closedByAgent"),
    ("closed_by_consumer", "closedByConsumer"),
    ("auto_closed", "autoClosed"),
];

fn current_value(v: &CurrentValues, name: &str) -> Value {
    match name {
        "assignedConversations" => json!(v.assigned),
        "unassignedConversations" => json!(v.unassigned),
        "activeConversations" => json!(v.active),
        "agentLoad" => or_minus_one(v.agent_load),
        "humanAgentLoad" => or_minus_one(v.human_agent_load),
        "humanOnlineLoad" => or_minus_one(v.human_online_load),
        "humanAwayLoad" => or_minus_one(v.human_away_load),
        "onlineAgents" => json!(v.online_agents),
        "backSoonAgents" => json!(v.back_soon_agents),
        "awayAgents" => json!(v.away_agents),
        "availableSlots" => json!(v.available_slots),
        "openConversations" => json!(v.open),
        "overdueConversationsInQueue" => json!(v.overdue_in_queue),
        "overdueConversationsAssigned" => json!(v.overdue_assigned),
        "overdueConversationsTotal" => json!(v.overdue_in_queue + v.overdue_assigned),
        "queueWaitTime50thPercentile" => or_minus_one(v.queue_wait_p50_ms),
        "queueWaitTime90thPercentile" => or_minus_one(v.queue_wait_p90_ms),
        _ => Value::Null,
    }
}

fn window_value(v: &WindowValues, name: &str) -> Value {
    match name {
        "avgWaitTime" => or_minus_one(v.avg_wait_time_ms),
        "avgWaitTimeFirstResponse" => or_minus_one(v.avg_wait_time_first_response_ms),
        "avgTimeToResponse" => or_minus_one(v.avg_time_to_response_ms),
        "avgTimeToFirstResponseFirstAssignment" => {
            or_minus_one(v.avg_time_to_first_response_first_assignment_ms)
        }
        "closedConversations" => json!(v.closed),
        "closedByAgent" => json!(v.closed_by_agent),
        "closedByConsumer" => json!(v.closed_by_consumer),
        "autoClosed" => json!(v.auto_closed),
        _ => Value::Null,
    }
}

/// The parsed common part of both request bodies.
struct Body {
    from: EpochMs,
    to: EpochMs,
    types: UserTypes,
    current: Vec<&'static str>,
    by_time: Vec<&'static str>,
    raw: Value,
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn parse_body(ctx: &Ctx<'_>, c: &mut Check, extra_current: &[&'static str]) -> Option<Body> {
    let raw: Value = match serde_json::from_slice(ctx.body) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            c.fail("body: must be a JSON object");
            return None;
        }
    };
    let filters = raw.get("filters").cloned().unwrap_or(Value::Null);
    let time = filters.get("time");
    let from = time.and_then(|t| t.get("from")).and_then(Value::as_i64);
    let to = time.and_then(|t| t.get("to")).and_then(Value::as_i64);
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        _ => {
            c.fail("filters.time: from and to are required");
            (0, 0)
        }
    };
    let from_r = from - from.rem_euclid(MINUTE);
    let to_r = to + (MINUTE - to.rem_euclid(MINUTE)) % MINUTE;
    if to < from {
        c.fail("filters.time: from must not be after to");
    }
    if from_r < ctx.now - DAY - MINUTE {
        c.fail("filters.time: the time range is limited to the last 24 hours");
    }
    let mut types = UserTypes::ALL;
    let ut = strings(&filters, "userTypes");
    if !ut.is_empty() {
        types = UserTypes {
            human: false,
            bot: false,
        };
        for t in ut {
            match t.as_str() {
                "HUMAN" => types.human = true,
                "BOT" => types.bot = true,
                "SYSTEM" => {}
                other => c.fail(format!("filters.userTypes: invalid value {other}")),
            }
        }
    }
    let mut current = Vec::new();
    for m in strings(&raw, "metricsToRetrieveCurrentValue") {
        if let Some((_, resp)) = CURRENT.iter().find(|(req, _)| *req == m) {
            current.push(*resp);
        } else if let Some(x) = extra_current.iter().find(|x| **x == m) {
            current.push(*x);
        } else {
            c.fail(format!(
                "metricsToRetrieveCurrentValue: unsupported metric {m}"
            ));
        }
    }
    let mut by_time = Vec::new();
    for m in strings(&raw, "metricsToRetrieveByTime") {
        match BY_TIME.iter().find(|(req, _)| *req == m) {
            Some((_, resp)) => by_time.push(*resp),
            None if extra_current.is_empty() => {
                c.fail(format!("metricsToRetrieveByTime: unsupported metric {m}"))
            }
            None => by_time.push(match m.as_str() {
                "agent_status_duration" => "agentStatusDurationList",
                "agent_login_duration" => "loginDuration",
                "agent_online_duration" => "onlineDuration",
                _ => {
                    c.fail(format!("metricsToRetrieveByTime: unsupported metric {m}"));
                    continue;
                }
            }),
        }
    }
    Some(Body {
        from: from_r,
        to: to_r,
        types,
        current,
        by_time,
        raw,
    })
}

fn paging(c: &mut Check, ctx: &Ctx<'_>, default_sort: &str) -> (usize, usize, String, bool) {
    let offset = c.int(ctx.params, "offset", Some(0), 0, 1000).unwrap_or(0);
    let limit = c.int(ctx.params, "limit", Some(50), 1, 50).unwrap_or(50);
    if offset + limit > 1000 {
        c.fail("offset: offset + limit must be less than or equal to 1000");
    }
    let sort = ctx.params.get("sort").unwrap_or(default_sort).to_string();
    let (_, dir) = sort.split_once(':').unwrap_or((&sort, "asc"));
    let desc = match dir {
        "asc" => false,
        "desc" => true,
        _ => {
            c.fail("sort: order must be asc or desc");
            false
        }
    };
    (offset as usize, limit as usize, sort, desc)
}

fn links(
    ctx: &Ctx<'_>,
    meta: &mut Map<String, Value>,
    offset: usize,
    limit: usize,
    count: usize,
    sort: &str,
    first_and_prev: bool,
) {
    let q = |o: usize, l: usize| format!("offset={o}&limit={l}&sort={sort}");
    if first_and_prev {
        meta.insert("first".into(), link(ctx, "first", &q(0, limit)));
        if offset > 0 {
            meta.insert(
                "prev".into(),
                link(ctx, "prev", &q(offset.saturating_sub(limit), limit)),
            );
        }
    }
    meta.insert("self".into(), link(ctx, "self", &q(offset, limit)));
    if offset + limit < count {
        meta.insert("next".into(), link(ctx, "next", &q(offset + limit, limit)));
    }
    let last = if count == 0 {
        0
    } else {
        (count - 1) / limit * limit
    };
    meta.insert("last".into(), link(ctx, "last", &q(last, limit)));
}

fn sort_value(v: &Value) -> f64 {
    v.as_f64().unwrap_or(-1.0)
}

/// `POST /manager_workspace/api/account/{a}/metrics`.
pub fn metrics(ctx: &Ctx<'_>) -> Reply {
    let mut c = Check::default();
    let (offset, limit, sort, desc) = paging(&mut c, ctx, "key:asc");
    let Some(body) = parse_body(ctx, &mut c, &[]) else {
        return Err(c.causes);
    };
    let sort_key = sort.split(':').next().unwrap_or("key").to_string();
    const SORTABLE: [&str; 16] = [
        "key",
        "agentLoad",
        "humanAgentLoad",
        "closedConversations",
        "avgTimeToResponse",
        "avgTimeToFirstResponseFirstAssignment",
        "avgTimeToFirstResponseAllAssignments",
        "avgWaitTime",
        "avgWaitTimeFirstResponse",
        "assignedConversations",
        "activeConversations",
        "onlineAgents",
        "awayAgents",
        "backSoonAgents",
        "openConversations",
        "availableSlots",
    ];
    if !SORTABLE.contains(&sort_key.as_str()) {
        c.fail(format!("sort: unsupported sort field {sort_key}"));
    }
    let sections = strings(&body.raw, "responseSections");
    let want_all = sections.is_empty() || sections.iter().any(|s| s == "all");
    let want_group = sections.is_empty() || sections.iter().any(|s| s == "groupBy");
    for s in &sections {
        if s != "all" && s != "groupBy" {
            c.fail(format!("responseSections: invalid value {s}"));
        }
    }
    let group_by = body
        .raw
        .get("groupBy")
        .and_then(Value::as_str)
        .map(str::to_string);
    if want_group && !matches!(group_by.as_deref(), Some("skillId") | Some("agentGroupId")) {
        c.fail("groupBy: must be skillId or agentGroupId when responseSections includes groupBy");
    }
    let filters = body.raw.get("filters").cloned().unwrap_or(Value::Null);
    let sub = filters
        .get("includeSubGroups")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let skill_filter = strings(&filters, "skillIds");
    let group_filter = strings(&filters, "agentGroupIds");
    if !c.causes.is_empty() {
        return Err(c.causes);
    }
    let e = ctx.engine;
    let metrics_of = |scope: Scope| -> Map<String, Value> {
        let mut m = Map::new();
        if !body.current.is_empty() {
            let v = e.truth_current(scope, body.types);
            for name in &body.current {
                m.insert(name.to_string(), current_value(&v, name));
            }
        }
        if !body.by_time.is_empty() {
            let v = e.truth_window(scope, body.types, body.from, body.to);
            for name in &body.by_time {
                m.insert(name.to_string(), window_value(&v, name));
            }
        }
        m
    };
    let mut out = Map::new();
    let mut meta = Map::new();
    if want_group {
        let by_skill = group_by.as_deref() == Some("skillId");
        let mut groups: Vec<(i64, String, Map<String, Value>)> = if by_skill {
            e.world
                .skills
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    skill_filter.is_empty() || skill_filter.contains(&s.id.to_string())
                })
                .map(|(i, s)| (s.id, s.name.clone(), metrics_of(Scope::Skill(i as u32))))
                .collect()
        } else {
            e.world
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    group_filter.is_empty() || group_filter.contains(&g.id.to_string())
                })
                .map(|(i, g)| {
                    (
                        g.id,
                        g.name.clone(),
                        metrics_of(Scope::Group(i as u32, sub)),
                    )
                })
                .collect()
        };
        groups.sort_by(|a, b| {
            let ord = if sort_key == "key" {
                a.0.cmp(&b.0)
            } else {
                let va = a.2.get(&sort_key).map_or(-1.0, sort_value);
                let vb = b.2.get(&sort_key).map_or(-1.0, sort_value);
                va.total_cmp(&vb)
            };
            let ord = if desc { ord.reverse() } else { ord };
            ord.then(a.0.cmp(&b.0))
        });
        let count = groups.len();
        let page: Vec<Value> = groups
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(id, name, m)| json!({"key": id.to_string(), "keyDescription": name, "metrics": m}))
            .collect();
        meta.insert("count".into(), json!(count));
        links(ctx, &mut meta, offset, limit, count, &sort, true);
        out.insert(
            "groupBy".into(),
            json!({"groupByField": group_by.unwrap_or_default(), "groups": page}),
        );
    } else {
        meta.insert("count".into(), json!(0));
    }
    if want_all {
        out.insert("all".into(), Value::Object(metrics_of(Scope::All)));
    }
    let mut full = Map::new();
    full.insert("metadata".into(), Value::Object(meta));
    full.extend(out);
    Ok((200, Value::Object(full)))
}

/// Agent status durations over `[from, to)` in ms, from the status records.
fn status_durations(e: &Engine, agent: u32, from: EpochMs, to: EpochMs) -> Vec<Value> {
    use crate::truth::StateKey;
    let t = e.truth_time_in_state(agent, from, to);
    t.ms.iter()
        .map(|(k, ms)| match k {
            StateKey::Online => json!({"agentStatus": "ONLINE", "agentStatusDuration": ms}),
            StateKey::BackSoon => json!({"agentStatus": "BACK_SOON", "agentStatusDuration": ms}),
            StateKey::Away(None) => json!({"agentStatus": "AWAY", "agentStatusDuration": ms}),
            StateKey::Away(Some(r)) => {
                json!({"agentStatus": "AWAY", "agentStatusDuration": ms, "agentStatusReasonId": r.to_string()})
            }
        })
        .collect()
}

/// `POST /manager_workspace/api/account/{a}/agent_view`.
pub fn agent_view(ctx: &Ctx<'_>) -> Reply {
    let mut c = Check::default();
    let (offset, limit, sort, desc) = paging(&mut c, ctx, "agentId:asc");
    let extra = [
        "agent_current_status",
        "agent_current_status_start_time",
        "agent_current_status_reason",
        "agent_current_status_reason_start_time",
        "max_slots",
    ];
    let Some(body) = parse_body(ctx, &mut c, &extra) else {
        return Err(c.causes);
    };
    let sort_key = sort.split(':').next().unwrap_or("agentId").to_string();
    if ![
        "agentId",
        "agentLoad",
        "activeConversations",
        "assignedConversations",
    ]
    .contains(&sort_key.as_str())
    {
        c.fail(format!("sort: unsupported sort field {sort_key}"));
    }
    let filters = body.raw.get("filters").cloned().unwrap_or(Value::Null);
    let ids = strings(&filters, "agentIds");
    let groups = strings(&filters, "agentGroupIds");
    let skills = strings(&filters, "agentSkillIds");
    let mut statuses = strings(&filters, "effectiveAgentStatus");
    if statuses.is_empty() {
        statuses = vec!["ONLINE".into(), "AWAY".into(), "BACK_SOON".into()];
    }
    let metadata = match body.raw.get("includeAgentMetadata") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s != "false",
        _ => true,
    };
    if !c.causes.is_empty() {
        return Err(c.causes);
    }
    let e = ctx.engine;
    let mut rows: Vec<(i64, f64, Map<String, Value>)> = Vec::new();
    for (i, a) in e.world.agents.iter().enumerate() {
        let d = &e.agents[i];
        let user_ok = match a.user_type {
            crate::world::UserType::Human => body.types.human,
            crate::world::UserType::Bot => body.types.bot,
        };
        let group_id = e.world.groups[a.group as usize].id;
        if !user_ok
            || !statuses.iter().any(|s| s == d.state.api_name())
            || (!ids.is_empty() && !ids.contains(&a.id.to_string()))
            || (!groups.is_empty() && !groups.contains(&group_id.to_string()))
            || (!skills.is_empty()
                && !a
                    .skills
                    .iter()
                    .any(|&s| skills.contains(&e.world.skills[s as usize].id.to_string())))
        {
            continue;
        }
        let load = d.convs.len() as f64 / a.max_slots as f64;
        let mut m = Map::new();
        m.insert("agentId".into(), json!(a.id.to_string()));
        m.insert("agentGroupId".into(), json!(group_id));
        let cur = e.truth_current(Scope::Agent(i as u32), UserTypes::ALL);
        for name in &body.current {
            let v = match *name {
                "agent_current_status" => ("agentCurrentStatus", json!(d.state.api_name())),
                "agent_current_status_start_time" => {
                    ("agentCurrentStatusStartTime", json!(d.state_since))
                }
                "agent_current_status_reason" => (
                    "agentCurrentStatusReasonId",
                    json!(d.reason.map_or("NA".to_string(), |r| {
                        AWAY_REASONS[r as usize].id.to_string()
                    })),
                ),
                "agent_current_status_reason_start_time" => {
                    ("agentCurrentStatusReasonStartTime", json!(d.state_since))
                }
                "max_slots" => ("configuredMaxSlots", json!(a.max_slots)),
                other => (other, current_value(&cur, other)),
            };
            m.insert(v.0.into(), v.1);
        }
        let t = e.truth_time_in_state(i as u32, body.from, body.to);
        let logged: i64 = t.ms.values().sum();
        let online: i64 =
            t.ms.get(&crate::truth::StateKey::Online)
                .copied()
                .unwrap_or(0);
        m.insert("onlineDuration".into(), json!(online));
        m.insert("loginDuration".into(), json!(logged));
        let w = e.truth_window(Scope::Agent(i as u32), UserTypes::ALL, body.from, body.to);
        for name in &body.by_time {
            match *name {
                "agentStatusDurationList" => {
                    m.insert(
                        "agentStatusDurationList".into(),
                        Value::Array(status_durations(e, i as u32, body.from, body.to)),
                    );
                }
                "loginDuration" | "onlineDuration" => {}
                other => {
                    m.insert(other.into(), window_value(&w, other));
                }
            }
        }
        if metadata {
            let skills: Vec<Value> = a
                .skills
                .iter()
                .map(|&s| {
                    let s = &e.world.skills[s as usize];
                    json!({"skillId": s.id, "skillName": s.name})
                })
                .collect();
            m.insert(
                "agentMetadata".into(),
                json!({
                    "agentName": a.name,
                    "agentNickname": a.name,
                    "agentLoginName": a.login,
                    "agentGroupName": e.world.groups[a.group as usize].name,
                    "configuredMaxSlots": a.max_slots,
                    "agentSkills": skills,
                }),
            );
        }
        let key = match sort_key.as_str() {
            "agentLoad" => load,
            "activeConversations" => cur.active as f64,
            "assignedConversations" => cur.assigned as f64,
            _ => 0.0,
        };
        rows.push((a.id, key, m));
    }
    rows.sort_by(|a, b| {
        let ord = a.1.total_cmp(&b.1).then(a.0.cmp(&b.0));
        if desc { ord.reverse() } else { ord }
    });
    let count = rows.len();
    let page: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|r| Value::Object(r.2))
        .collect();
    let mut meta = Map::new();
    meta.insert("count".into(), json!(count));
    links(ctx, &mut meta, offset, limit, count, &sort, false);
    Ok((200, json!({"metadata": meta, "agentViewRecords": page})))
}
