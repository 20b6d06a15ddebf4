//! Agent Activity interval metrics (WFM): `GET /api/account/{a}/interval-metrics`.
//!
//! - Selected are the intervals whose start lies in `[from, to]`, with `from` first rounded down to
//!   the interval grid (LivePerson returns the 13:15 interval for `from=13:22`). Intervals that have
//!   not started yet do not exist.
//! - An interval is `Done` once its end plus the engine's `interval_metrics_delay_ms` has passed.
//!   While any selected interval is not, the answer is 202 with the status of each one.
//! - Rows are one per (interval, grouping key), ordered by interval start and then by skill, agent
//!   and agent-group id. Without `includeBotSkills`, rows without human handle or work time are
//!   dropped.
//! - Paging is by an opaque cursor. Each page scans the intervals of one hour at most
//!   ([`SCAN_SPAN_MS`]), so a quiet hour (a night, or an idle filtered agent) gives an empty page
//!   that still has a next page, and a request's cost stays bounded however large the account; the
//!   `empty_pages` fault puts an extra empty page before every page with rows.
//! - Handle and work times are seconds (from the engine's milliseconds, not rounded).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::{Check, Ctx, Params, Reply, parse_rfc3339, query_with, rfc3339_s, time_param};
use crate::clock::EpochMs;
use crate::records::{IntervalCell, NO_AGENT, QUARTER_MS, quarter_of};

/// How much interval time one page scans at most.
pub const SCAN_SPAN_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const METRICS: [&str; 8] = [
    "handleTime",
    "handledConversations",
    "repliedConversations",
    "consumerMessages",
    "agentMessages",
    "workTime",
    "arrivals",
    "closedConversations",
];

/// Where a page starts: the first interval start it scans, the index of its first row among that
/// scan's rows, and whether the `empty_pages` fault already served the empty page before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    scan_from: EpochMs,
    row: usize,
    primed: bool,
}

impl Cursor {
    fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}.{}.{}",
            self.scan_from, self.row, self.primed as u8
        ))
    }

    fn decode(s: &str) -> Option<Cursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let mut parts = raw.split('.');
        let c = Cursor {
            scan_from: parts.next()?.parse().ok()?,
            row: parts.next()?.parse().ok()?,
            primed: parts.next()? == "1",
        };
        parts.next().is_none().then_some(c)
    }
}

struct Query {
    from: EpochMs,
    to: EpochMs,
    duration_min: i64,
    grouping: String,
    by_skill: bool,
    by_agent: bool,
    by_group: bool,
    eht: bool,
    metrics: Vec<&'static str>,
    bots: bool,
    filters: Vec<(&'static str, i64)>,
    page_size: usize,
    cursor: Option<Cursor>,
    page_key: Option<String>,
}

fn parse(ctx: &Ctx<'_>) -> Result<Query, Vec<String>> {
    let p: &Params = ctx.params;
    let mut c = Check::default();
    c.version(p, &["1"]);
    c.source(p, false);
    // Either pair may be used; `time_param` rejects a time given in both forms.
    let from = time_param(&mut c, p, "from", "fromL", parse_rfc3339);
    let to = time_param(&mut c, p, "to", "toL", parse_rfc3339);
    match (from, to) {
        (Some(f), Some(t)) => {
            if f < ctx.now - 14 * DAY_MS {
                c.fail("from: must be within the last 14 days");
            }
            if t < f {
                c.fail("to: must not be before from");
            } else if t > f + DAY_MS {
                c.fail("to: must be at most 1 day after from");
            }
        }
        (None, _) if c.causes.is_empty() => c.fail("from: must not be null (send from or fromL)"),
        (_, None) if c.causes.is_empty() => c.fail("to: must not be null (send to or toL)"),
        _ => {}
    }
    let page_size = c.int(p, "pageSize", Some(100), 1, 500).unwrap_or(100) as usize;
    let page_key = p
        .get("pageKey")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let cursor = page_key.as_deref().and_then(|k| {
        let d = Cursor::decode(k);
        if d.is_none() {
            c.fail("pageKey: invalid page key");
        }
        d
    });
    let duration_min = c.int(p, "intervalDuration", Some(15), 15, 60).unwrap_or(15);
    if ![15, 30, 60].contains(&duration_min) {
        c.fail("intervalDuration: must be one of 15, 30, 60");
    }
    let grouping = p
        .get("grouping")
        .filter(|s| !s.is_empty())
        .unwrap_or("skill");
    let parts: Vec<&str> = grouping.split(',').map(str::trim).collect();
    let (mut by_skill, mut by_agent, mut by_group) = (false, false, false);
    for part in &parts {
        match *part {
            "skill" => by_skill = true,
            "agent" => by_agent = true,
            "agentGroup" => by_group = true,
            "conversation" => c.fail("grouping: conversation is not supported by the simulator"),
            other => c.fail(format!("grouping: unknown value {other}")),
        }
    }
    if by_agent && by_group {
        c.fail("grouping: agent and agentGroup cannot be combined");
    }
    let eht = match p.get("handleTimeModel") {
        Some("IFT") => false,
        Some("EHT") => true,
        None | Some("") => {
            c.fail("handleTimeModel: must not be null");
            false
        }
        Some(other) => {
            c.fail(format!("handleTimeModel: must be IFT or EHT, not {other}"));
            false
        }
    };
    let mut metrics = Vec::new();
    match p.get("metrics").filter(|s| !s.is_empty()) {
        None => c.fail("metrics: must not be null"),
        Some(list) => {
            for m in list.split(',').map(str::trim) {
                match METRICS.iter().find(|k| **k == m) {
                    Some(k) if !metrics.contains(k) => metrics.push(*k),
                    Some(_) => {}
                    None => c.fail(format!("metrics: unknown metric {m}")),
                }
            }
        }
    }
    let skill_only = by_skill && !by_agent && !by_group;
    for restricted in ["arrivals", "closedConversations"] {
        if metrics.contains(&restricted) && !skill_only {
            c.fail(format!(
                "metrics: {restricted} is only available with grouping=skill"
            ));
        }
    }
    let bots = c.boolean(p, "includeBotSkills", false);
    let mut filters = Vec::new();
    for name in ["skillId", "agentId", "agentGroupId"] {
        if p.get(name).is_some_and(|s| !s.is_empty())
            && let Some(id) = c.int(p, name, None, i64::MIN, i64::MAX)
        {
            filters.push((name, id));
        }
    }
    if p.get("conversationId").is_some_and(|s| !s.is_empty()) {
        c.fail("conversationId: not supported by the simulator");
    }
    if !c.causes.is_empty() {
        return Err(c.causes);
    }
    Ok(Query {
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        duration_min,
        grouping: parts.join(","),
        by_skill,
        by_agent,
        by_group,
        eht,
        metrics,
        bots,
        filters,
        page_size,
        cursor,
        page_key,
    })
}

/// The key of one row; ids the grouping does not name are `None`.
type RowKey = (EpochMs, Option<i64>, Option<i64>, Option<i64>);

/// The starts of the selected intervals that have begun by `now`.
fn interval_starts(q: &Query, now: EpochMs, to_exclusive: bool) -> Vec<EpochMs> {
    let d = q.duration_min * 60_000;
    let first = q.from - q.from.rem_euclid(d);
    (0..)
        .map(|i| first + i * d)
        .take_while(|&s| (s < q.to || (s == q.to && !to_exclusive)) && s <= now)
        .collect()
}

/// The rows of the intervals in `starts`.
fn rows(ctx: &Ctx<'_>, q: &Query, starts: &[EpochMs]) -> Vec<(RowKey, IntervalCell)> {
    let (Some(&first), Some(&last)) = (starts.first(), starts.last()) else {
        return Vec::new();
    };
    let w = &ctx.engine.world;
    let d = q.duration_min * 60_000;
    let filter = |name: &str| q.filters.iter().find(|f| f.0 == name).map(|f| f.1);
    let (f_skill, f_agent, f_group) =
        (filter("skillId"), filter("agentId"), filter("agentGroupId"));
    let mut out: BTreeMap<RowKey, IntervalCell> = BTreeMap::new();
    let range = (quarter_of(first), 0, 0)..(quarter_of(last + d), 0, 0);
    for (&(quarter, skill, agent), cell) in ctx.engine.records.intervals.range(range) {
        let skill_id = w.skills[skill as usize].id;
        let (agent_id, group_id) = if agent == NO_AGENT {
            (None, None)
        } else {
            let a = &w.agents[agent as usize];
            (Some(a.id), Some(w.groups[a.group as usize].id))
        };
        if f_skill.is_some_and(|f| f != skill_id)
            || f_agent.is_some_and(|f| Some(f) != agent_id)
            || f_group.is_some_and(|f| Some(f) != group_id)
        {
            continue;
        }
        // Cells without an agent (queue arrivals, messages before assignment, closes never
        // assigned) belong to a skill only.
        if agent_id.is_none() && (q.by_agent || q.by_group) {
            continue;
        }
        let t = quarter as i64 * QUARTER_MS;
        let key = (
            t - t.rem_euclid(d),
            q.by_skill.then_some(skill_id),
            if q.by_agent { agent_id } else { None },
            if q.by_group { group_id } else { None },
        );
        out.entry(key).or_default().add(cell);
    }
    out.into_iter()
        .filter(|(_, c)| q.bots || c.has_human_time())
        .collect()
}

fn render_row(ctx: &Ctx<'_>, q: &Query, key: &RowKey, c: &IntervalCell) -> Value {
    let w = &ctx.engine.world;
    let d = q.duration_min * 60_000;
    let mut row = Map::new();
    row.insert("timeframe".into(), timeframe(key.0, key.0 + d));
    if let Some(id) = key.1 {
        let s = w.skill_index(id).map(|i| &w.skills[i as usize]);
        row.insert("skillId".into(), json!(id));
        row.insert("skillName".into(), json!(s.map_or("", |s| s.name.as_str())));
    }
    if let Some(id) = key.3 {
        let g = w.group_index(id).map(|i| &w.groups[i as usize]);
        row.insert("agentGroupId".into(), json!(id));
        row.insert(
            "agentGroupName".into(),
            json!(g.map_or("", |g| g.name.as_str())),
        );
    }
    if let Some(id) = key.2 {
        let a = w.agent_index(id).map(|i| &w.agents[i as usize]);
        row.insert("agentId".into(), json!(id));
        row.insert("agentName".into(), json!(a.map_or("", |a| a.name.as_str())));
        row.insert(
            "agentLogin".into(),
            json!(a.map_or("", |a| a.login.as_str())),
        );
    }
    let secs = |ms: i64| ms as f64 / 1000.0;
    let metrics: Map<String, Value> = q
        .metrics
        .iter()
        .map(|&m| {
            let v = match m {
                "handleTime" => json!(secs(if q.eht { c.eht_ms } else { c.ift_ms })),
                "handledConversations" => json!(if q.eht { c.handled_eht } else { c.handled_ift }),
                "repliedConversations" => json!(c.replied),
                "consumerMessages" => json!(c.consumer_messages),
                "agentMessages" => json!(c.agent_messages),
                "workTime" => json!(secs(c.work_ms)),
                "arrivals" => json!(c.arrivals),
                _ => json!(c.closed),
            };
            (m.to_string(), v)
        })
        .collect();
    row.insert("metrics".into(), Value::Object(metrics));
    Value::Object(row)
}

fn timeframe(from: EpochMs, to: EpochMs) -> Value {
    json!({"from": rfc3339_s(from), "fromL": from, "to": rfc3339_s(to), "toL": to})
}

fn in_progress(ctx: &Ctx<'_>, q: &Query, starts: &[EpochMs]) -> Option<Value> {
    let d = q.duration_min * 60_000;
    let delay = ctx.engine.timing.interval_metrics_delay_ms;
    let mut done: Vec<bool> = starts.iter().map(|&s| ctx.now >= s + d + delay).collect();
    if ctx.faults.force_202
        && let Some(last) = done.last_mut()
    {
        *last = false;
    }
    if done.iter().all(|&x| x) {
        return None;
    }
    let list: Vec<Value> = starts
        .iter()
        .zip(&done)
        .map(|(&s, &ok)| {
            json!({
                "from": rfc3339_s(s), "fromL": s, "to": rfc3339_s(s + d), "toL": s + d,
                "status": if ok { "Done" } else { "In Progress" },
            })
        })
        .collect();
    Some(json!({ "intervals": list }))
}

/// `GET /api/account/{a}/interval-metrics`.
pub fn interval_metrics(ctx: &Ctx<'_>) -> Reply {
    let q = parse(ctx)?;
    let mut starts = interval_starts(&q, ctx.now, ctx.faults.to_exclusive);
    if ctx.faults.out_of_window {
        // Rows of the interval before the window and after it, too.
        let d = q.duration_min * 60_000;
        if let (Some(&first), Some(&last)) = (starts.first(), starts.last()) {
            starts.insert(0, first - d);
            if last + d <= ctx.now {
                starts.push(last + d);
            }
        }
    }
    if let Some(body) = in_progress(ctx, &q, &starts) {
        return Ok((202, body));
    }
    if ctx.faults.offset_paging {
        return Ok((200, offset_page(ctx, &q, &starts)));
    }
    let start = q.cursor.unwrap_or(Cursor {
        scan_from: starts.first().copied().unwrap_or(q.from),
        row: 0,
        primed: false,
    });
    let scan_to = start.scan_from + SCAN_SPAN_MS;
    let more_to_scan = starts.last().is_some_and(|&s| s >= scan_to);
    let rows = if ctx.faults.empty_pages && !start.primed {
        Vec::new()
    } else {
        let lo = starts.partition_point(|&s| s < start.scan_from);
        let hi = starts.partition_point(|&s| s < scan_to);
        rows(ctx, &q, &starts[lo..hi])
    };
    let rest = rows.get(start.row..).unwrap_or_default();
    let page = &rest[..rest.len().min(q.page_size)];
    let next = if ctx.faults.empty_pages && !start.primed {
        Some(Cursor {
            primed: true,
            ..start
        })
    } else if page.len() < rest.len() {
        Some(Cursor {
            row: start.row + page.len(),
            primed: false,
            ..start
        })
    } else {
        more_to_scan.then_some(Cursor {
            scan_from: scan_to,
            row: 0,
            primed: false,
        })
    };
    // LivePerson's refs are paths relative to the host.
    let path_ref = |key: Option<&str>| {
        let mut set = vec![("pageSize", q.page_size.to_string())];
        set.extend(key.map(|k| ("pageKey", k.to_string())));
        format!("{}?{}", ctx.path, query_with(ctx, &["pageKey"], &set))
    };
    let next_key = next.map(Cursor::encode);
    let mut refs = Map::new();
    refs.insert("first".into(), json!(path_ref(None)));
    refs.insert("current".into(), json!(path_ref(q.page_key.as_deref())));
    if let Some(k) = &next_key {
        refs.insert("next".into(), json!(path_ref(Some(k))));
    }
    let mut paging = Map::new();
    paging.insert("pageSize".into(), json!(q.page_size));
    if let Some(k) = &q.page_key {
        paging.insert("pageKey".into(), json!(k));
    }
    if let Some(k) = &next_key {
        paging.insert("nextPageKey".into(), json!(k));
    }
    paging.insert("refs".into(), Value::Object(refs));
    let filters: Map<String, Value> = q
        .filters
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let intervals: Vec<Value> = page
        .iter()
        .map(|(k, c)| render_row(ctx, &q, k, c))
        .collect();
    Ok((
        200,
        json!({
            "metadata": {
                "v": 1,
                "timeframe": timeframe(q.from, q.to),
                "paging": paging,
                "query": {
                    "intervalDuration": q.duration_min,
                    "grouping": q.grouping,
                    "handleTimeModel": if q.eht { "EHT" } else { "IFT" },
                },
                "filters": filters,
                "count": intervals.len(),
            },
            "intervals": intervals,
        }),
    ))
}

/// A page as the docs' example pages: `limit` and `offset` (query parameters; `limit` defaults to
/// `pageSize`, and `offset` to 0),
/// `refs.next` with the next offset while rows remain, and no `nextPageKey`.
fn offset_page(ctx: &Ctx<'_>, q: &Query, starts: &[EpochMs]) -> Value {
    let number = |name: &str, default: usize| {
        ctx.params
            .get(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let limit = number("limit", q.page_size).clamp(1, 500);
    let offset = number("offset", 0);
    let all = rows(ctx, q, starts);
    let page = all.get(offset..).unwrap_or_default();
    let page = &page[..page.len().min(limit)];
    let link = |offset: usize| {
        let set = [("limit", limit.to_string()), ("offset", offset.to_string())];
        format!("{}?{}", ctx.path, query_with(ctx, &["pageKey"], &set))
    };
    let mut refs = Map::new();
    refs.insert("current".into(), json!(link(offset)));
    if offset + page.len() < all.len() {
        refs.insert("next".into(), json!(link(offset + limit)));
    }
    let intervals: Vec<Value> = page.iter().map(|(k, c)| render_row(ctx, q, k, c)).collect();
    json!({
        "metadata": {
            "timeframe": timeframe(q.from, q.to),
            "paging": {"limit": limit, "offset": offset, "refs": refs},
            "count": intervals.len(),
        },
        "intervals": intervals,
    })
}

/// The fewest requests the simulator's paging allows for one query (grouping, 15-minute
/// intervals starting in `[from, to]`, rows with human time only): each page scans one hour
/// ([`SCAN_SPAN_MS`]), so per hour one page, or `ceil(rows / page_size)` when the hour has more.
pub fn minimum_pages(
    engine: &crate::engine::Engine,
    grouping: crate::truth::Grouping,
    from: EpochMs,
    to: EpochMs,
    page_size: usize,
) -> u64 {
    let mut per_span: BTreeMap<i64, usize> = BTreeMap::new();
    let mut span = from;
    while span <= to {
        per_span.insert(span, 0);
        span += SCAN_SPAN_MS;
    }
    for ((t, _), c) in engine.truth_intervals(from, to + 1, grouping) {
        if c.has_human_time() {
            *per_span
                .entry(from + (t - from) / SCAN_SPAN_MS * SCAN_SPAN_MS)
                .or_default() += 1;
        }
    }
    per_span
        .values()
        .map(|&n| n.div_ceil(page_size).max(1) as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            scan_from: 1_675_768_500_000,
            row: 1234,
            primed: true,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not-a-key"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("1.2.1.4")), None);
    }
}
