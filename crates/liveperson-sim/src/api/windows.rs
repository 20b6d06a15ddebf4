//! The rolling-window APIs: messaging conversation (`msgconversation`) and legacy chat engagement
//! activity (`engactivity`). Both share one envelope and LivePerson's 5-minute bucket rules:
//!
//! - the window reaches back to `now - timeframe` rounded down to 5 minutes, so it can hold up to five
//!   extra minutes at its start, and ends at `now`;
//! - with `interval`, interval `timestamp`s are interval ends counted back from `now` rounded up to 5
//!   minutes; the newest interval is still filling, and the earliest holds only the remainder of the
//!   window. Intervals are listed newest first;
//! - a record shows once its reporting latency has passed (`visible_at <= now`).
//!
//! msgconversation handling times are in milliseconds (LivePerson does not document the unit; the
//! only client code that reads them divides by 1000). engactivity handling times are seconds, as
//! documented.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Map, Value, json};

use super::{Check, Ctx, Params, Reply, id_list};
use crate::clock::EpochMs;
use crate::records::{ChatRec, CloseRec, Resolver, time_range};

const FIVE_MIN: i64 = 5 * 60 * 1000;

/// Metrics of one cell of the envelope.
trait Metric: Default + Clone {
    fn add(&mut self, o: &Self);
    fn json(&self) -> Value;
}

#[derive(Default, Clone)]
struct ConvMetric {
    count: [i64; 3],
    handling_ms: [i64; 3],
}

fn resolver_slot(r: Resolver) -> usize {
    match r {
        Resolver::Agent => 0,
        Resolver::Consumer => 1,
        Resolver::System => 2,
    }
}

impl Metric for ConvMetric {
    fn add(&mut self, o: &Self) {
        for i in 0..3 {
            self.count[i] += o.count[i];
            self.handling_ms[i] += o.handling_ms[i];
        }
    }

    fn json(&self) -> Value {
        let avg = |t: i64, n: i64| if n > 0 { t as f64 / n as f64 } else { 0.0 };
        let (n, h) = (self.count, self.handling_ms);
        let (tn, th) = (n.iter().sum::<i64>(), h.iter().sum::<i64>());
        json!({
            "resolvedConversations_byCCP": n[0],
            "resolvedConversations_byConsumer": n[1],
            "resolvedConversations_bySystem": n[2],
            "totalResolvedConversations": tn,
            "totalHandlingTime_resolvedConversations_byCCP": h[0],
            "totalHandlingTime_resolvedConversations_byConsumer": h[1],
            "totalHandlingTime_resolvedConversations_bySystem": h[2],
            "totalHandlingTime_resolvedConversations": th,
            "avgTime_resolvedConversations_byCCP": avg(h[0], n[0]),
            "avgTime_resolvedConversations_byConsumer": avg(h[1], n[1]),
            "avgTime_resolvedConversations_bySystem": avg(h[2], n[2]),
            "avgTime_resolvedConversations": avg(th, tn),
        })
    }
}

#[derive(Default, Clone)]
struct ChatMetric {
    interactive: i64,
    non_interactive: i64,
    handling_s: i64,
    non_interactive_handling_s: i64,
    connected: i64,
}

impl Metric for ChatMetric {
    fn add(&mut self, o: &Self) {
        self.interactive += o.interactive;
        self.non_interactive += o.non_interactive;
        self.handling_s += o.handling_s;
        self.non_interactive_handling_s += o.non_interactive_handling_s;
        self.connected += o.connected;
    }

    fn json(&self) -> Value {
        json!({
            "totalInteractiveChats": self.interactive,
            "totalNonInteractiveChats": self.non_interactive,
            "totalHandlingTime": self.handling_s,
            "nonInteractiveTotalHandlingTime": self.non_interactive_handling_s,
            "connectedEngagements": self.connected,
        })
    }
}

/// Which parts of the envelope the request asked for.
struct Shape {
    skills: Option<Option<Vec<i64>>>,
    agents: Option<Option<Vec<i64>>>,
    groups: Option<Option<Vec<i64>>>,
}

impl Shape {
    /// Whether a record passes the filters. `all` agents admits records without an agent (they
    /// still count in skill totals); an explicit agent list does not.
    fn admits(&self, skill: i64, agent: Option<i64>, group: Option<i64>) -> bool {
        let skill_ok = match &self.skills {
            Some(Some(ids)) => ids.contains(&skill),
            _ => true,
        };
        let agent_ok = match &self.agents {
            Some(Some(ids)) => agent.is_some_and(|a| ids.contains(&a)),
            _ => true,
        };
        let group_ok = match &self.groups {
            Some(Some(ids)) => group.is_some_and(|g| ids.contains(&g)),
            _ => true,
        };
        skill_ok && agent_ok && group_ok
    }
}

#[derive(Default, Clone)]
struct Tree<M: Metric> {
    per_skill: BTreeMap<i64, (BTreeMap<i64, M>, M)>,
    skills_total: M,
    per_agent: BTreeMap<i64, M>,
    agents_total: M,
    total: M,
}

impl<M: Metric> Tree<M> {
    fn add(&mut self, skill: i64, agent: Option<i64>, m: &M) {
        let e = self.per_skill.entry(skill).or_default();
        e.1.add(m);
        self.skills_total.add(m);
        self.total.add(m);
        if let Some(a) = agent {
            e.0.entry(a).or_default().add(m);
            self.per_agent.entry(a).or_default().add(m);
            self.agents_total.add(m);
        }
    }

    fn render(&self, shape: &Shape) -> Map<String, Value> {
        let per_agent = |m: &BTreeMap<i64, M>| -> Map<String, Value> {
            m.iter().map(|(k, v)| (k.to_string(), v.json())).collect()
        };
        let mut out = Map::new();
        if shape.skills.is_some() {
            let skills: Map<String, Value> = self
                .per_skill
                .iter()
                .map(|(s, (agents, total))| {
                    (
                        s.to_string(),
                        json!({"metricsPerAgent": per_agent(agents), "metricsTotals": total.json()}),
                    )
                })
                .collect();
            out.insert(
                "skillsMetricsPerAgent".into(),
                json!({"metricsPerSkill": skills, "metricsTotals": self.skills_total.json()}),
            );
        }
        if shape.agents.is_some() {
            out.insert(
                "agentsMetrics".into(),
                json!({"metricsPerAgent": per_agent(&self.per_agent), "metricsTotals": self.agents_total.json()}),
            );
        }
        if shape.skills.is_none() && shape.agents.is_none() {
            out.insert("metricsTotals".into(), self.total.json());
        }
        out
    }
}

/// The window and its intervals (newest first) for a request at `now`.
pub struct Buckets {
    /// Window start: `now - timeframe` rounded down to 5 minutes.
    pub start: EpochMs,
    /// Intervals as (timestamp = end rounded up to 5 minutes, data from, data to).
    pub intervals: Vec<(EpochMs, EpochMs, EpochMs)>,
}

/// Applies the documented bucket rules.
pub fn buckets(now: EpochMs, timeframe_min: i64, interval_min: Option<i64>) -> Buckets {
    let from = now - timeframe_min * 60_000;
    let start = from - from.rem_euclid(FIVE_MIN);
    let mut intervals = Vec::new();
    if let Some(i) = interval_min {
        let step = i * 60_000;
        let mut end = now + (FIVE_MIN - now.rem_euclid(FIVE_MIN)) % FIVE_MIN;
        while end > start {
            intervals.push((end, (end - step).max(start), end.min(now)));
            end -= step;
        }
    }
    Buckets { start, intervals }
}

fn parse(ctx: &Ctx<'_>, min_interval: i64) -> Result<(Shape, i64, Option<i64>), Vec<String>> {
    let p: &Params = ctx.params;
    let mut c = Check::default();
    c.version(p, &["1"]);
    let timeframe = c.int(p, "timeframe", None, 1, 1440);
    let interval = c.int(p, "interval", Some(0), 0, 1440);
    let interval = match (timeframe, interval) {
        (_, Some(0)) => None,
        (Some(tf), Some(i)) => {
            if i < min_interval {
                c.fail(format!(
                    "interval: must be greater than or equal to {min_interval}"
                ));
            } else if i > tf || tf % i != 0 {
                c.fail("interval: must be less than or equal to timeframe and divide it exactly");
            }
            Some(i)
        }
        _ => None,
    };
    let shape = Shape {
        skills: id_list(&mut c, p, "skillIds"),
        agents: id_list(&mut c, p, "agentIds"),
        groups: id_list(&mut c, p, "groupIds"),
    };
    if !c.causes.is_empty() {
        return Err(c.causes);
    }
    Ok((shape, timeframe.unwrap_or(0), interval))
}

fn respond<M: Metric>(
    ctx: &Ctx<'_>,
    shape: &Shape,
    timeframe: i64,
    interval: Option<i64>,
    records: impl Iterator<Item = (EpochMs, i64, Option<i64>, M)>,
) -> (u16, Value) {
    let b = buckets(ctx.now, timeframe, interval);
    let mut whole: Tree<M> = Tree::default();
    let mut per: Vec<Tree<M>> = vec![Tree::default(); b.intervals.len()];
    for (t, skill, agent, m) in records {
        whole.add(skill, agent, &m);
        if let Some(k) = b.intervals.iter().position(|&(_, f, to)| t >= f && t < to) {
            per[k].add(skill, agent, &m);
        }
    }
    let mut out = Map::new();
    if interval.is_some() {
        let list: Vec<Value> = b
            .intervals
            .iter()
            .zip(&per)
            .map(|(&(ts, _, _), tree)| json!({"timestamp": ts, "metricsData": tree.render(shape)}))
            .collect();
        out.insert("metricsByIntervals".into(), Value::Array(list));
    }
    out.extend(whole.render(shape));
    (200, Value::Object(out))
}

/// A record of a rolling-window log: when it happened, when it shows, and whom it belongs to.
trait WindowRecord {
    type M: Metric;
    fn t(&self) -> EpochMs;
    fn visible_at(&self) -> EpochMs;
    fn skill(&self) -> u32;
    fn agent(&self) -> Option<u32>;
    fn metric(&self) -> Self::M;
}

impl WindowRecord for CloseRec {
    type M = ConvMetric;
    fn t(&self) -> EpochMs {
        self.t
    }
    fn visible_at(&self) -> EpochMs {
        self.visible_at
    }
    fn skill(&self) -> u32 {
        self.skill
    }
    fn agent(&self) -> Option<u32> {
        self.agent
    }
    fn metric(&self) -> ConvMetric {
        let mut m = ConvMetric::default();
        m.count[resolver_slot(self.resolver)] = 1;
        m.handling_ms[resolver_slot(self.resolver)] = self.handling_ms;
        m
    }
}

impl WindowRecord for ChatRec {
    type M = ChatMetric;
    fn t(&self) -> EpochMs {
        self.t
    }
    fn visible_at(&self) -> EpochMs {
        self.visible_at
    }
    fn skill(&self) -> u32 {
        self.skill
    }
    fn agent(&self) -> Option<u32> {
        self.agent
    }
    fn metric(&self) -> ChatMetric {
        let (i, h) = (self.interactive, self.handling_s);
        ChatMetric {
            interactive: i as i64,
            non_interactive: !i as i64,
            handling_s: if i { h } else { 0 },
            non_interactive_handling_s: if i { 0 } else { h },
            connected: self.connected as i64,
        }
    }
}

/// Serves one rolling-window API from its record log.
fn serve<R: WindowRecord>(ctx: &Ctx<'_>, min_interval: i64, log: &VecDeque<R>) -> Reply {
    let (shape, timeframe, interval) = parse(ctx, min_interval)?;
    let e = ctx.engine;
    let start = buckets(ctx.now, timeframe, None).start;
    let records = log
        .range(time_range(log, |r| r.t(), start, ctx.now))
        .filter(|r| r.visible_at() <= ctx.now)
        .filter_map(|r| {
            let skill = e.world.skills[r.skill() as usize].id;
            let agent = r.agent().map(|a| e.world.agents[a as usize].id);
            // The group is the (last) agent's group.
            let group = r
                .agent()
                .map(|a| e.world.groups[e.world.agents[a as usize].group as usize].id);
            shape
                .admits(skill, agent, group)
                .then(|| (r.t(), skill, agent, r.metric()))
        });
    Ok(respond(ctx, &shape, timeframe, interval, records))
}

/// `GET|POST /operations/api/account/{a}/msgconversation`.
pub fn msgconversation(ctx: &Ctx<'_>) -> Reply {
    serve(ctx, 1, &ctx.engine.records.closes)
}

/// `GET /operations/api/account/{a}/engactivity`.
pub fn engactivity(ctx: &Ctx<'_>) -> Reply {
    serve(ctx, 5, &ctx.engine.records.chats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64, m: i64) -> EpochMs {
        1_700_000_000_000 - 1_700_000_000_000 % 86_400_000 + (h * 60 + m) * 60_000
    }

    #[test]
    fn documented_bucket_example() {
        // FACTS 6: now 8:07, timeframe 20, interval 10 -> ends 8:10 (partial), 8:00, 7:50; the
        // earliest covers 7:45-7:50.
        let b = buckets(at(8, 7), 20, Some(10));
        assert_eq!(b.start, at(7, 45));
        let ends: Vec<_> = b.intervals.iter().map(|i| i.0).collect();
        assert_eq!(ends, vec![at(8, 10), at(8, 0), at(7, 50)]);
        assert_eq!(
            b.intervals[0].2,
            at(8, 7),
            "the newest interval is still filling"
        );
        assert_eq!((b.intervals[2].1, b.intervals[2].2), (at(7, 45), at(7, 50)));
        // FACTS 5.1: now 13:29 with timeframe 7 covers 13:20-13:29.
        assert_eq!(buckets(at(13, 29), 7, None).start, at(13, 20));
    }
}
