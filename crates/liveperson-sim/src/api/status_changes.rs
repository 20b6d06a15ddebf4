//! Agent Activity status changes: `GET /api/v2/account/{a}/status-changes`, `v=1` (records grouped
//! per agent) and `v=2` (a flat list).
//!
//! - The window is `[from, to)`, defaulting to the last 24 hours; `from` and `to` come together, the
//!   window is at most 31 days and `from` at most 183 days back.
//! - A record shows once its `visible_at` has passed (the engine's status-changes delay), so a recent
//!   window fills in over time, in the middle of the list as well as at its end.
//! - v2 lists records by time (then agent id and sequence number) and pages over records; v1 lists
//!   agents with records by id and pages over agents, and silently truncates a page beyond 20 ×
//!   limit × query-days records, as documented.
//! - No away reason is `0` / `""`, as in the documented examples.

use serde_json::{Value, json};

use super::{
    Check, Ctx, Params, Reply, answered_window, offset_limit, offset_references, parse_rfc3339,
    rfc3339_ms, rfc3339_s,
};
use crate::clock::EpochMs;
use crate::records::{StatusRec, time_range};
use crate::world::{AWAY_REASONS, World};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn agent_fields(w: &World, agent: u32) -> serde_json::Map<String, Value> {
    let a = &w.agents[agent as usize];
    let mut m = serde_json::Map::new();
    m.insert("agentId".into(), json!(a.id));
    m.insert("employeeId".into(), json!(a.employee_id));
    m.insert("agentLoginName".into(), json!(a.login));
    m.insert("agentUserName".into(), json!(a.name));
    m.insert("agentGroupId".into(), json!(w.groups[a.group as usize].id));
    m
}

fn record_fields(r: &StatusRec) -> serde_json::Map<String, Value> {
    let reason = r.reason.map(|i| &AWAY_REASONS[i as usize]);
    let mut m = serde_json::Map::new();
    m.insert("time".into(), json!(rfc3339_ms(r.t)));
    m.insert("sessionId".into(), json!(r.session_id));
    m.insert("sequenceNumber".into(), json!(r.seq));
    m.insert("statusType".into(), json!(r.status_type));
    m.insert("statusSubType".into(), json!(r.sub_type));
    m.insert("statusReasonId".into(), json!(reason.map_or(0, |x| x.id)));
    m.insert(
        "statusReasonText".into(),
        json!(reason.map_or("", |x| x.text)),
    );
    m.insert(
        "prevStatusChangeTime".into(),
        r.prev_t.map_or(Value::Null, |t| json!(rfc3339_ms(t))),
    );
    m
}

/// Whose records a request asks for.
enum Who {
    All,
    /// One agent; `None` for an id or employee id the account does not know (matches nobody).
    Agent(Option<u32>),
    /// The agents of one group (by id).
    Group(i64),
}

struct Query {
    v2: bool,
    from: EpochMs,
    to: EpochMs,
    who: Who,
    offset: u64,
    limit: u64,
}

fn parse(ctx: &Ctx<'_>) -> Result<Query, Vec<String>> {
    let p: &Params = ctx.params;
    let w = &ctx.engine.world;
    let mut c = Check::default();
    let v2 = c.version_1_or_2(p);
    c.source(p, false);
    let time = |c: &mut Check, name: &str| {
        let s = p.get(name).filter(|s| !s.is_empty())?;
        parse_rfc3339(s).or_else(|| {
            c.fail(format!("{name}: invalid date-time {s}"));
            None
        })
    };
    let (from, to) = match (p.get("from").is_some(), p.get("to").is_some()) {
        (false, false) => (Some(ctx.now - DAY_MS), Some(ctx.now)),
        (true, true) => (time(&mut c, "from"), time(&mut c, "to")),
        _ => {
            c.fail("from: from and to must be sent together");
            (None, None)
        }
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f < ctx.now - 183 * DAY_MS {
            c.fail("from: must be within the last 6 months");
        }
        if t < f {
            c.fail("to: must not be before from");
        } else if t - f > 31 * DAY_MS {
            c.fail("to: the time window must not exceed 1 month");
        }
    }
    let (default_limit, max_limit) = if v2 { (1000, 5000) } else { (50, 100) };
    let (offset, limit) = offset_limit(&mut c, p, default_limit, max_limit);
    let given: Vec<&str> = ["agentId", "empId", "groupId"]
        .into_iter()
        .filter(|k| p.get(k).is_some_and(|s| !s.is_empty()))
        .collect();
    if given.len() > 1 {
        c.fail(format!("{}: are mutually exclusive", given.join(", ")));
    }
    let who = match given.first().copied() {
        Some("agentId") => c
            .int(p, "agentId", None, i64::MIN, i64::MAX)
            .map_or(Who::All, |id| Who::Agent(w.agent_index(id))),
        Some("empId") => {
            let e = p.get("empId").unwrap_or_default();
            Who::Agent(
                w.agents
                    .iter()
                    .position(|a| a.employee_id == e)
                    .map(|i| i as u32),
            )
        }
        Some(_) => c
            .int(p, "groupId", None, i64::MIN, i64::MAX)
            .map_or(Who::All, Who::Group),
        None => Who::All,
    };
    if !c.causes.is_empty() {
        return Err(c.causes);
    }
    Ok(Query {
        v2,
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        who,
        offset,
        limit,
    })
}

/// `GET /api/v2/account/{a}/status-changes`.
pub fn status_changes(ctx: &Ctx<'_>) -> Reply {
    let q = parse(ctx)?;
    let e = ctx.engine;
    let w = &e.world;
    let log = &e.records.statuses;
    let (from, to) = answered_window(ctx, q.from, q.to);
    let mut records: Vec<&StatusRec> = log
        .range(time_range(log, |r| r.t, from, to))
        .filter(|r| r.visible_at <= ctx.now)
        .filter(|r| match q.who {
            Who::All => true,
            Who::Agent(a) => a == Some(r.agent),
            Who::Group(g) => w.groups[w.agents[r.agent as usize].group as usize].id == g,
        })
        .collect();
    records.sort_by_key(|r| (r.t, w.agents[r.agent as usize].id, r.seq));
    let timeframe = json!({
        "startTime": rfc3339_s(q.from),
        "endTime": rfc3339_s(q.to),
        "startTimeL": q.from.to_string(),
        "endTimeL": q.to.to_string(),
    });
    let (total, body_key, body) = if q.v2 {
        let page: Vec<Value> = records
            .iter()
            .skip(q.offset as usize)
            .take(q.limit as usize)
            .map(|r| {
                let mut m = agent_fields(w, r.agent);
                m.extend(record_fields(r));
                Value::Object(m)
            })
            .collect();
        (records.len() as u64, "stateChanges", page)
    } else {
        let mut agents: Vec<u32> = records.iter().map(|r| r.agent).collect();
        agents.sort_by_key(|&a| w.agents[a as usize].id);
        agents.dedup();
        let days = ((q.to - q.from).max(1) + DAY_MS - 1) / DAY_MS;
        let mut budget = 20 * q.limit as i64 * days;
        let page: Vec<Value> = agents
            .iter()
            .skip(q.offset as usize)
            .take(q.limit as usize)
            .map(|&a| {
                let history: Vec<Value> = records
                    .iter()
                    .filter(|r| r.agent == a)
                    .take(budget.max(0) as usize)
                    .map(|r| Value::Object(record_fields(r)))
                    .collect();
                budget -= history.len() as i64;
                let mut m = agent_fields(w, a);
                m.insert("statusChangeHistory".into(), Value::Array(history));
                Value::Object(m)
            })
            .collect();
        (agents.len() as u64, "agentsInfo", page)
    };
    Ok((
        200,
        json!({
            "_metadata": {"references": offset_references(ctx, total, q.offset, q.limit, false)},
            "timeframe": timeframe,
            body_key: body,
        }),
    ))
}
