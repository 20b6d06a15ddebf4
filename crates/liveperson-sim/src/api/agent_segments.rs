//! Actual Handle Time: `GET /api/account/{a}/agent-segments`.
//!
//! - Selects closed human agent segments whose end lies in `[from, to]` (`from` / `fromMillis`
//!   defaults to now − 24 h and may reach 31 days back; `to` / `toMillis` defaults to now; the window
//!   is at most 7 days).
//! - A segment shows once its `visible_at` has passed, as the engine's segment lateness has it: by
//!   default in hourly batches, 20 minutes after its hour, and 2% of each hour only when that hour
//!   is processed again, at one moment up to 24 hours later (`SegmentLateness`).
//! - Sorted by `sort` (or `sortType`): Date (end time, newest first, the default), Conversation,
//!   Agent, Employee, Skill or Group. Ties are broken by close order for Date, by conversation and
//!   segment for the others, so pages never overlap.
//! - Filters (`conversationId`, `agentId`, `employeeId`, `skillId`, `groupId`) are accepted in the
//!   documented capitalised spelling as well.

use serde_json::{Value, json};

use super::{
    Check, Ctx, Params, Reply, answered_window, offset_limit, offset_references, parse_rfc3339,
    rfc3339_ms, rfc3339_s, time_param,
};
use crate::records::{SegmentRec, time_range};
use crate::truth::{conversation_id, segment_id};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Date,
    Conversation,
    Agent,
    Employee,
    Skill,
    Group,
}

/// A filter parameter, in camelCase or the documented capitalised spelling.
fn filter<'a>(p: &'a Params, name: &str) -> Option<&'a str> {
    let mut cap = name.to_string();
    cap[..1].make_ascii_uppercase();
    p.get(name)
        .or_else(|| p.get(&cap))
        .filter(|s| !s.is_empty())
}

/// `GET /api/account/{a}/agent-segments`.
pub fn agent_segments(ctx: &Ctx<'_>) -> Reply {
    let p: &Params = ctx.params;
    let mut c = Check::default();
    c.source(p, true);
    let (offset, limit) = offset_limit(&mut c, p, 100, 500);
    let from = time_param(&mut c, p, "from", "fromMillis", parse_rfc3339);
    let to = time_param(&mut c, p, "to", "toMillis", parse_rfc3339);
    let (from, to) = (from.unwrap_or(ctx.now - DAY_MS), to.unwrap_or(ctx.now));
    if from < ctx.now - 31 * DAY_MS {
        c.fail("from: must be within the last month");
    }
    if to < from {
        c.fail("to: must not be before from");
    } else if to - from > 7 * DAY_MS {
        c.fail("to: the time window must not exceed 1 week");
    }
    let sort_raw = p
        .get("sort")
        .or_else(|| p.get("sortType"))
        .filter(|s| !s.is_empty())
        .unwrap_or("Date");
    let sort = match sort_raw.to_ascii_lowercase().as_str() {
        "date" => Sort::Date,
        "conversation" => Sort::Conversation,
        "agent" => Sort::Agent,
        "employee" => Sort::Employee,
        "skill" => Sort::Skill,
        "group" => Sort::Group,
        _ => {
            c.fail(format!(
                "sort: must be one of Date, Conversation, Agent, Employee, Skill, Group, not {sort_raw}"
            ));
            Sort::Date
        }
    };
    let mut id_filter = |name: &str| {
        let s = filter(p, name)?;
        s.trim().parse::<i64>().ok().or_else(|| {
            c.fail(format!("{name}: must be a number"));
            None
        })
    };
    let (agent_f, skill_f, group_f) = (
        id_filter("agentId"),
        id_filter("skillId"),
        id_filter("groupId"),
    );
    let conversation_f = filter(p, "conversationId");
    let employee_f = filter(p, "employeeId");
    if !c.causes.is_empty() {
        return Err(c.causes);
    }

    let e = ctx.engine;
    let w = &e.world;
    let account = &w.account_id;
    // What a row is selected and sorted by. Its id strings are made only for the conversation
    // filter, the conversation sort and the page, so a window of many segments costs no
    // formatting.
    struct Row<'r> {
        rec: &'r SegmentRec,
        agent_id: i64,
        employee: &'r str,
        skill_id: i64,
        group_id: i64,
    }
    let log = &e.records.segments;
    let mut rows: Vec<Row<'_>> = log
        .range({
            let (from, to) = answered_window(ctx, from, to);
            time_range(log, |r| r.end, from, to + 1)
        })
        // The log is in close order: newest first is the default sort, ties last-closed first.
        .rev()
        .filter(|r| r.visible_at <= ctx.now)
        .map(|r| {
            let a = &w.agents[r.agent as usize];
            Row {
                rec: r,
                agent_id: a.id,
                employee: &a.employee_id,
                skill_id: w.skills[r.skill as usize].id,
                group_id: w.groups[r.group as usize].id,
            }
        })
        .filter(|r| {
            agent_f.is_none_or(|f| f == r.agent_id)
                && skill_f.is_none_or(|f| f == r.skill_id)
                && group_f.is_none_or(|f| f == r.group_id)
                && conversation_f.is_none_or(|f| f == conversation_id(account, r.rec.conversation))
                && employee_f.is_none_or(|f| f == r.employee)
        })
        .collect();
    // Ties are broken by conversation and segment number, so pages never overlap.
    let tie = |r: &Row<'_>| (r.rec.conversation, r.rec.no);
    match sort {
        // Already in order.
        Sort::Date => {}
        Sort::Conversation => {
            rows.sort_by_cached_key(|r| (conversation_id(account, r.rec.conversation), tie(r)))
        }
        _ => rows.sort_by(|a, b| {
            let primary = match sort {
                Sort::Agent => a.agent_id.cmp(&b.agent_id),
                Sort::Employee => a.employee.cmp(b.employee),
                Sort::Skill => a.skill_id.cmp(&b.skill_id),
                _ => a.group_id.cmp(&b.group_id),
            };
            primary.then_with(|| tie(a).cmp(&tie(b)))
        }),
    }
    let segments: Vec<Value> = rows
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|r| {
            json!({
                "segmentId": segment_id(account, r.agent_id, r.rec.conversation, r.rec.no),
                "startTimeL": r.rec.start,
                "endTimeL": r.rec.end,
                "conversationId": conversation_id(account, r.rec.conversation),
                "agentId": r.agent_id,
                "employeeId": r.employee,
                "skillId": r.skill_id,
                "groupId": r.group_id,
                "endReason": r.rec.end_reason.as_str(),
                "totalHandleTimeMillis": r.rec.handle_ms,
                "endTime": rfc3339_ms(r.rec.end),
                "startTime": rfc3339_ms(r.rec.start),
            })
        })
        .collect();
    let total = rows.len() as u64;
    Ok((
        200,
        json!({
            "timeframe": {
                "startTime": rfc3339_s(from),
                "endTime": rfc3339_s(to),
                "startTimeL": from,
                "endTimeL": to,
            },
            "segments": segments,
            "pagination": {
                "count": total,
                "references": offset_references(ctx, total, offset, limit, true),
            },
        }),
    ))
}
