//! Ground truth: the exact quantities the simulated APIs are computed from.
//!
//! Tests of the exporter assert against these values, so each definition is spelled out here and is
//! computed straight from the engine's records, not from the API code. All time ranges are
//! half-open, `[from, to)`, in epoch milliseconds, and refer to event time (when something happened),
//! whatever the APIs' visibility delays.
//!
//! | Quantity | Definition |
//! |---|---|
//! | resolved conversations | conversations closed in the range, by resolver; attributed to the skill at close and the last assigned agent |
//! | handling time (msgconversation) | per resolved conversation, the sum of its agent-segment durations (assignment to segment end), ms |
//! | chats | legacy chats ended in the range: interactive / non-interactive counts, handling seconds of each, connected count |
//! | interval cells | per 15-minute interval: IFT and EHT handle time, work time (time conversations were assigned to a human), handled segments per model, replied segments, consumer and human agent messages, queue arrivals, closed conversations |
//! | time in state | per agent, milliseconds in online, back soon, away (per reason) between status changes, clipped to the range; logins, logouts and state changes in the range |
//! | segments | closed human agent segments by end time, with actual handle time (ms) = engaged time |
//! | NHT | per skill and interval; see [`NhtTruth`] |
//! | current values | queue, load and agent counts at the engine's current time; see [`CurrentValues`] |
//! | window values | KMM trailing-window averages and closed counts; see [`WindowValues`] |

use std::collections::BTreeMap;

use super::engine::{AgentState, Engine};
use super::records::{IntervalCell, NhtCell, QUARTER_MS, Resolver, quarter_of, time_range};
use super::world::{AWAY_REASONS, UserType};
use crate::clock::EpochMs;

/// A conversation waiting for an agent reply longer than this is overdue.
pub const RESPONSE_SLA_MS: i64 = 5 * 60 * 1000;
/// An assigned conversation with a message this recent (or awaiting a reply) is active.
pub const ACTIVE_WINDOW_MS: i64 = 10 * 60 * 1000;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The UUID-shaped conversation id of conversation number `no` in `account`.
pub fn conversation_id(account: &str, no: u64) -> String {
    let salt = account.bytes().fold(0u64, |h, b| splitmix(h ^ b as u64));
    let a = splitmix(salt ^ no);
    let b = splitmix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// The segment id LivePerson builds as `account:agent:conversation:suffix`.
pub fn segment_id(account: &str, agent_id: i64, conversation: u64, segment_no: u64) -> String {
    format!(
        "{account}:{agent_id}:{}:{:016x}",
        conversation_id(account, conversation),
        splitmix(segment_no)
    )
}

/// Count and handling time of resolved conversations for one resolver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Conversations resolved.
    pub count: u64,
    /// Their handling time, ms.
    pub handling_ms: i64,
}

/// Legacy chat totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChatTotals {
    /// Interactive chats closed.
    pub interactive: u64,
    /// Non-interactive chats closed (abandoned or no exchange).
    pub non_interactive: u64,
    /// Handling seconds of interactive chats.
    pub handling_s: i64,
    /// Handling seconds of non-interactive chats.
    pub non_interactive_handling_s: i64,
    /// Chats connected to an agent.
    pub connected: u64,
}

/// How interval metrics are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// By skill.
    Skill,
    /// By agent.
    Agent,
    /// By skill and agent.
    SkillAgent,
    /// By agent group.
    AgentGroup,
    /// By agent group and skill.
    SkillAgentGroup,
}

/// The key of one interval-metrics row: the ids the grouping names, `None` for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    /// Skill id.
    pub skill: Option<i64>,
    /// Agent id.
    pub agent: Option<i64>,
    /// Agent group id.
    pub group: Option<i64>,
}

/// A state an agent spends time in, as time-in-state counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StateKey {
    /// Online.
    Online,
    /// Back soon ("occupied").
    BackSoon,
    /// Away, with the reason id if one was given.
    Away(Option<i64>),
}

/// An agent's time in state over a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeInState {
    /// Milliseconds per state.
    pub ms: BTreeMap<StateKey, i64>,
    /// Logins in the range.
    pub logins: u64,
    /// Logouts in the range.
    pub logouts: u64,
    /// State-change records (statusType 1) in the range.
    pub state_changes: u64,
}

/// A closed human agent segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentTruth {
    /// Segment id.
    pub id: String,
    /// Skill id.
    pub skill_id: i64,
    /// Agent id.
    pub agent_id: i64,
    /// End reason (API spelling).
    pub end_reason: &'static str,
    /// End time.
    pub end: EpochMs,
    /// Actual handle time, ms.
    pub handle_ms: i64,
}

/// NHT values for one skill and interval; `None` where the API shows -1 (no data).
///
/// Per 15-minute quarter the engine records queue arrivals and waits, ended human segments with
/// their durations and engaged time, human agent messages, one load sample per minute (busy slots /
/// slots of logged-in humans having the skill) and logged-in human time split evenly over each
/// agent's skills. From those, for an interval of 15, 30 or 60 minutes:
/// - `arrivals`, `avg_time_in_queue_s`, `total_agent_segment_duration_s` (rounded to whole seconds),
///   `avg_agent_segment_duration_s` come from the interval itself;
/// - the hourly fields (`messages_sent`, `handled_segments`, `avg_segment_work_time_s`,
///   `avg_available_load`, `net_handle_time_s`) come from the clock hour containing the interval, and
///   are repeated in each of its 15- or 30-minute intervals;
/// - `net_handle_time_s` = attributed logged-in seconds × average available load ÷ handled segments.
///
/// An interval in which the skill saw no arrivals, no segments and no logged-in agent is
/// `NhtTruth::empty`, and the API leaves it out. The API shows `None` fields as -1 and rounds the
/// averages to two decimals.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NhtTruth {
    /// Nothing happened on the skill in the interval.
    pub empty: bool,
    /// Segments entering the skill's queue.
    pub arrivals: Option<u32>,
    /// Average queue wait of assignments, seconds.
    pub avg_time_in_queue_s: Option<f64>,
    /// Total duration of human segments that ended, seconds (rounded).
    pub total_agent_segment_duration_s: Option<i64>,
    /// Average duration of those segments, seconds.
    pub avg_agent_segment_duration_s: Option<f64>,
    /// Human agent messages in the hour.
    pub messages_sent: Option<u32>,
    /// Human segments that ended in the hour.
    pub handled_segments: Option<u32>,
    /// Average engaged time of those segments, seconds.
    pub avg_segment_work_time_s: Option<f64>,
    /// Average human load on the skill, ratio 0..1.
    pub avg_available_load: Option<f64>,
    /// Net handle time, seconds.
    pub net_handle_time_s: Option<f64>,
}

/// Whom a current-value or window query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole account.
    All,
    /// One skill (index).
    Skill(u32),
    /// One agent group (index), with its sub-groups when the flag is set.
    Group(u32, bool),
    /// One agent (index).
    Agent(u32),
}

/// Which user types a query counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserTypes {
    /// Count humans.
    pub human: bool,
    /// Count bots.
    pub bot: bool,
}

impl UserTypes {
    /// Both humans and bots.
    pub const ALL: UserTypes = UserTypes {
        human: true,
        bot: true,
    };

    fn admits(self, t: UserType) -> bool {
        match t {
            UserType::Human => self.human,
            UserType::Bot => self.bot,
        }
    }
}

/// Current values (KMM current metrics and queue health), at the engine's time.
///
/// - assigned: conversations currently assigned to agents in scope (for a skill: assigned
///   conversations whose current skill it is);
/// - unassigned: conversations in queue (for a group: in the queues of skills some agent of the
///   group has);
/// - active: assigned conversations awaiting an agent reply or with a message in the last
///   [`ACTIVE_WINDOW_MS`];
/// - overdue: waiting for an agent reply longer than [`RESPONSE_SLA_MS`], in queue or assigned;
/// - loads: assigned conversations of logged-in agents in scope ÷ their maximum slots (all agents,
///   humans, humans online, humans away); `None` when there are no slots;
/// - agents by state: agents in scope in that state;
/// - available slots: free slots of online agents in scope that take work;
/// - queue wait percentiles: nearest-rank percentiles of the current waits of queued conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct CurrentValues {
    pub assigned: u64,
    pub unassigned: u64,
    pub active: u64,
    pub open: u64,
    pub overdue_in_queue: u64,
    pub overdue_assigned: u64,
    pub agent_load: Option<f64>,
    pub human_agent_load: Option<f64>,
    pub human_online_load: Option<f64>,
    pub human_away_load: Option<f64>,
    pub online_agents: u64,
    pub away_agents: u64,
    pub back_soon_agents: u64,
    pub available_slots: u64,
    pub queue_wait_p50_ms: Option<i64>,
    pub queue_wait_p90_ms: Option<i64>,
}

/// Queue-health values for one skill or the account, at the engine's time.
///
/// Unassigned conversations are actionable when the consumer wrote last; "during transfer" ones
/// entered the queue by a transfer or back-to-queue. Wait times are the current waits in queue, ms,
/// `None` when nobody waits.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct QueueHealth {
    pub unassigned: u64,
    pub actionable: u64,
    pub not_actionable: u64,
    pub actionable_during_transfer: u64,
    pub actionable_consumer_last: u64,
    pub not_actionable_during_transfer: u64,
    pub first_time_consumer: u64,
    pub avg_wait_new_ms: Option<f64>,
    pub avg_wait_after_transfer_ms: Option<f64>,
    pub max_wait_ms: Option<i64>,
    pub wait_p50_ms: Option<i64>,
    pub wait_p90_ms: Option<i64>,
    pub overdue_in_queue: u64,
    pub overdue_assigned: u64,
}

/// KMM window values over `[from, to)`, attributed to the skill and group at response (or close)
/// time, all averages in ms and `None` without samples:
/// - avg wait time: the consumer's wait for each human agent response;
/// - avg wait time first response: conversation start to its first human response;
/// - avg time to response: assignment to the first human response of each agent segment;
/// - avg time to first response, first assignment: the same, for a conversation's first human
///   assignment only;
/// - closed: conversations closed, in total and by closer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[allow(missing_docs)]
pub struct WindowValues {
    pub avg_wait_time_ms: Option<f64>,
    pub avg_wait_time_first_response_ms: Option<f64>,
    pub avg_time_to_response_ms: Option<f64>,
    pub avg_time_to_first_response_first_assignment_ms: Option<f64>,
    pub closed: u64,
    pub closed_by_agent: u64,
    pub closed_by_consumer: u64,
    pub auto_closed: u64,
}

fn mean(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

/// Nearest-rank percentile of `values` (sorted in place).
pub fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (p as usize * values.len()).div_ceil(100).max(1);
    Some(values[rank - 1])
}

impl Engine {
    fn agent_in_scope(&self, agent: u32, scope: Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Skill(s) => self.world.agents[agent as usize].skills.contains(&s),
            Scope::Group(g, sub) => {
                let ag = self.world.agents[agent as usize].group;
                if sub {
                    self.world.group_within(ag, g)
                } else {
                    ag == g
                }
            }
            Scope::Agent(a) => a == agent,
        }
    }

    fn group_in_scope(&self, group: Option<u32>, skill: u32, scope: Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Skill(s) => s == skill,
            Scope::Group(g, sub) => group.is_some_and(|ag| {
                if sub {
                    self.world.group_within(ag, g)
                } else {
                    ag == g
                }
            }),
            Scope::Agent(_) => false,
        }
    }

    /// Conversations resolved in `[from, to)`, by resolver, optionally for one skill and/or agent
    /// (by index).
    pub fn truth_resolved(
        &self,
        from: EpochMs,
        to: EpochMs,
        skill: Option<u32>,
        agent: Option<u32>,
    ) -> BTreeMap<Resolver, Resolved> {
        let mut out: BTreeMap<Resolver, Resolved> = Resolver::ALL
            .iter()
            .map(|&r| (r, Resolved::default()))
            .collect();
        let log = &self.records.closes;
        for r in log.range(time_range(log, |r| r.t, from, to)) {
            if skill.is_some_and(|s| s != r.skill) || agent.is_some_and(|a| Some(a) != r.agent) {
                continue;
            }
            let e = out.get_mut(&r.resolver).expect("all resolvers");
            e.count += 1;
            e.handling_ms += r.handling_ms;
        }
        out
    }

    /// Legacy chats ended in `[from, to)`, optionally for one skill and/or agent (by index).
    pub fn truth_chats(
        &self,
        from: EpochMs,
        to: EpochMs,
        skill: Option<u32>,
        agent: Option<u32>,
    ) -> ChatTotals {
        let mut t = ChatTotals::default();
        let log = &self.records.chats;
        for r in log.range(time_range(log, |r| r.t, from, to)) {
            if skill.is_some_and(|s| s != r.skill) || agent.is_some_and(|a| Some(a) != r.agent) {
                continue;
            }
            if r.interactive {
                t.interactive += 1;
                t.handling_s += r.handling_s;
            } else {
                t.non_interactive += 1;
                t.non_interactive_handling_s += r.handling_s;
            }
            t.connected += r.connected as u64;
        }
        t
    }

    /// Interval-metrics cells for the 15-minute intervals starting in `[from, to)`, summed per
    /// (interval start, grouping key). Rows without an agent (queue arrivals, consumer messages
    /// before assignment, closes never assigned) only count in the skill grouping.
    pub fn truth_intervals(
        &self,
        from: EpochMs,
        to: EpochMs,
        grouping: Grouping,
    ) -> BTreeMap<(EpochMs, GroupKey), IntervalCell> {
        let mut out: BTreeMap<(EpochMs, GroupKey), IntervalCell> = BTreeMap::new();
        let q_from = quarter_of(from + QUARTER_MS - 1);
        let q_to = quarter_of(to + QUARTER_MS - 1);
        for (&(q, skill, agent), cell) in self.records.intervals.range((q_from, 0, 0)..(q_to, 0, 0))
        {
            let has_agent = agent != super::records::NO_AGENT;
            if !has_agent && grouping != Grouping::Skill {
                continue;
            }
            let skill_id = Some(self.world.skills[skill as usize].id);
            let agent_id = has_agent.then(|| self.world.agents[agent as usize].id);
            let group_id = has_agent
                .then(|| self.world.groups[self.world.agents[agent as usize].group as usize].id);
            let key = match grouping {
                Grouping::Skill => GroupKey {
                    skill: skill_id,
                    agent: None,
                    group: None,
                },
                Grouping::Agent => GroupKey {
                    skill: None,
                    agent: agent_id,
                    group: None,
                },
                Grouping::SkillAgent => GroupKey {
                    skill: skill_id,
                    agent: agent_id,
                    group: None,
                },
                Grouping::AgentGroup => GroupKey {
                    skill: None,
                    agent: None,
                    group: group_id,
                },
                Grouping::SkillAgentGroup => GroupKey {
                    skill: skill_id,
                    agent: None,
                    group: group_id,
                },
            };
            out.entry((q as i64 * QUARTER_MS, key))
                .or_default()
                .add(cell);
        }
        out
    }

    /// Time in state of agent `agent` (index) over `[from, to)`, replayed from its status changes.
    /// A state still open at the engine's current time counts up to that time.
    pub fn truth_time_in_state(&self, agent: u32, from: EpochMs, to: EpochMs) -> TimeInState {
        let mut out = TimeInState::default();
        let mut open: Option<(StateKey, EpochMs)> = None;
        let close = |open: &mut Option<(StateKey, EpochMs)>, at: EpochMs, out: &mut TimeInState| {
            if let Some((k, since)) = open.take() {
                let (a, b) = (since.max(from), at.min(to));
                if b > a {
                    *out.ms.entry(k).or_default() += b - a;
                }
            }
        };
        for r in self.records.statuses.iter().filter(|r| r.agent == agent) {
            if r.t >= to {
                break;
            }
            let in_range = r.t >= from;
            match r.status_type {
                3 => out.logins += in_range as u64,
                4 => {
                    out.logouts += in_range as u64;
                    close(&mut open, r.t, &mut out);
                }
                _ => {
                    out.state_changes += in_range as u64;
                    close(&mut open, r.t, &mut out);
                    open = match r.sub_type {
                        2 => Some((StateKey::Online, r.t)),
                        3 => Some((StateKey::BackSoon, r.t)),
                        4 => Some((
                            StateKey::Away(r.reason.map(|i| AWAY_REASONS[i as usize].id)),
                            r.t,
                        )),
                        _ => None,
                    };
                }
            }
        }
        close(&mut open, self.now().min(to), &mut out);
        out
    }

    /// Closed human agent segments whose end lies in `[from, to)`.
    pub fn truth_segments(&self, from: EpochMs, to: EpochMs) -> Vec<SegmentTruth> {
        let log = &self.records.segments;
        log.range(time_range(log, |r| r.end, from, to))
            .map(|r| {
                let agent_id = self.world.agents[r.agent as usize].id;
                SegmentTruth {
                    id: segment_id(&self.world.account_id, agent_id, r.conversation, r.no),
                    skill_id: self.world.skills[r.skill as usize].id,
                    agent_id,
                    end_reason: r.end_reason.as_str(),
                    end: r.end,
                    handle_ms: r.handle_ms,
                }
            })
            .collect()
    }

    fn nht_sum(&self, skill: u32, from: EpochMs, minutes: i64) -> (NhtCell, bool) {
        let mut sum = NhtCell::default();
        let mut any = false;
        let q0 = quarter_of(from);
        for q in q0..q0 + (minutes / 15) as u32 {
            if let Some(c) = self.records.nht.get(&(q, skill)) {
                sum.add(c);
                any = true;
            }
        }
        (sum, any)
    }

    /// NHT values for skill `skill` (index) and the interval of `minutes` (15, 30 or 60) starting at
    /// `from` (aligned to the interval).
    pub fn truth_nht(&self, skill: u32, from: EpochMs, minutes: i64) -> NhtTruth {
        let (c, any) = self.nht_sum(skill, from, minutes);
        let hour = from - from.rem_euclid(60 * 60 * 1000);
        let (h, _) = self.nht_sum(skill, hour, 60);
        if !any {
            return NhtTruth {
                empty: true,
                ..NhtTruth::default()
            };
        }
        let load = (h.load_samples > 0).then(|| h.load_sum / h.load_samples as f64);
        NhtTruth {
            empty: false,
            arrivals: Some(c.arrivals),
            avg_time_in_queue_s: mean(c.queue_wait_ms as f64 / 1000.0, c.queue_waits as u64),
            total_agent_segment_duration_s: (c.segments > 0)
                .then(|| (c.segment_ms as f64 / 1000.0).round() as i64),
            avg_agent_segment_duration_s: mean(c.segment_ms as f64 / 1000.0, c.segments as u64),
            messages_sent: Some(h.messages),
            handled_segments: Some(h.segments),
            avg_segment_work_time_s: mean(h.segment_work_ms as f64 / 1000.0, h.segments as u64),
            avg_available_load: load,
            net_handle_time_s: match load {
                Some(l) if h.segments > 0 => Some(h.login_ms / 1000.0 * l / h.segments as f64),
                _ => None,
            },
        }
    }

    /// KMM current values for `scope`, counting the agents of `types`.
    pub fn truth_current(&self, scope: Scope, types: UserTypes) -> CurrentValues {
        let now = self.now();
        let mut v = CurrentValues::default();
        let (mut all_busy, mut all_slots) = (0u64, 0u64);
        let (mut h_busy, mut h_slots) = (0u64, 0u64);
        let (mut on_busy, mut on_slots) = (0u64, 0u64);
        let (mut away_busy, mut away_slots) = (0u64, 0u64);
        for (ai, a) in self.world.agents.iter().enumerate() {
            let d = &self.agents[ai];
            if !types.admits(a.user_type) || !self.agent_in_scope(ai as u32, scope) {
                continue;
            }
            match d.state {
                AgentState::Online => v.online_agents += 1,
                AgentState::Away => v.away_agents += 1,
                AgentState::BackSoon => v.back_soon_agents += 1,
                AgentState::Offline => continue,
            }
            let busy = d.convs.len() as u64;
            let slots = a.max_slots as u64;
            all_busy += busy;
            all_slots += slots;
            if a.user_type == UserType::Human {
                h_busy += busy;
                h_slots += slots;
                if d.state == AgentState::Online {
                    on_busy += busy;
                    on_slots += slots;
                }
                if d.state == AgentState::Away {
                    away_busy += busy;
                    away_slots += slots;
                }
            }
            if d.takes_work(a.max_slots) {
                v.available_slots += slots - busy;
            }
            for no in &d.convs {
                let c = &self.convs[no];
                if let Scope::Skill(s) = scope
                    && c.skill != s
                {
                    continue;
                }
                v.assigned += 1;
                let waiting = c.awaiting_since.map(|w| now - w);
                if waiting.is_some() || now - c.last_message_at <= ACTIVE_WINDOW_MS {
                    v.active += 1;
                }
                if waiting.is_some_and(|w| w > RESPONSE_SLA_MS) {
                    v.overdue_assigned += 1;
                }
            }
        }
        let ratio = |b: u64, s: u64| (s > 0).then(|| b as f64 / s as f64);
        v.agent_load = ratio(all_busy, all_slots);
        v.human_agent_load = ratio(h_busy, h_slots);
        v.human_online_load = ratio(on_busy, on_slots);
        v.human_away_load = ratio(away_busy, away_slots);

        let mut waits = Vec::new();
        for (s, q) in self.queues.iter().enumerate() {
            let s = s as u32;
            let in_scope = match scope {
                Scope::All => true,
                Scope::Skill(k) => k == s,
                Scope::Group(..) => self.world.skills[s as usize]
                    .agents
                    .iter()
                    .any(|&a| self.agent_in_scope(a, scope)),
                Scope::Agent(_) => false,
            };
            if !in_scope {
                continue;
            }
            for no in q {
                let c = &self.convs[no];
                v.unassigned += 1;
                let w = now - c.queued_since.unwrap_or(now);
                waits.push(w);
                if c.awaiting_since.is_some_and(|a| now - a > RESPONSE_SLA_MS) {
                    v.overdue_in_queue += 1;
                }
            }
        }
        v.open = v.assigned + v.unassigned;
        v.queue_wait_p50_ms = percentile(&mut waits, 50);
        v.queue_wait_p90_ms = percentile(&mut waits, 90);
        v
    }

    /// Whether any agent is logged in (queue-health APIs show no data otherwise).
    pub fn anyone_logged_in(&self) -> bool {
        self.agents.iter().any(|a| a.state != AgentState::Offline)
    }

    /// Queue health of one skill (index), or of the whole account with `None`.
    pub fn truth_queue_health(&self, skill: Option<u32>) -> QueueHealth {
        let now = self.now();
        let mut h = QueueHealth::default();
        let (mut new_sum, mut new_n, mut tr_sum, mut tr_n) = (0i64, 0u64, 0i64, 0u64);
        let mut waits = Vec::new();
        for (s, q) in self.queues.iter().enumerate() {
            if skill.is_some_and(|k| k != s as u32) {
                continue;
            }
            for no in q {
                let c = &self.convs[no];
                let w = now - c.queued_since.unwrap_or(now);
                waits.push(w);
                h.unassigned += 1;
                if c.consumer_last {
                    h.actionable += 1;
                    h.actionable_consumer_last += 1;
                    h.actionable_during_transfer += c.queued_after_transfer as u64;
                } else {
                    h.not_actionable += 1;
                    h.not_actionable_during_transfer += c.queued_after_transfer as u64;
                }
                h.first_time_consumer += c.first_time_consumer as u64;
                if c.queued_after_transfer {
                    tr_sum += w;
                    tr_n += 1;
                } else {
                    new_sum += w;
                    new_n += 1;
                }
                if c.awaiting_since.is_some_and(|a| now - a > RESPONSE_SLA_MS) {
                    h.overdue_in_queue += 1;
                }
            }
        }
        for d in &self.agents {
            for no in &d.convs {
                let c = &self.convs[no];
                if skill.is_none_or(|k| k == c.skill)
                    && c.awaiting_since.is_some_and(|a| now - a > RESPONSE_SLA_MS)
                {
                    h.overdue_assigned += 1;
                }
            }
        }
        h.avg_wait_new_ms = mean(new_sum as f64, new_n);
        h.avg_wait_after_transfer_ms = mean(tr_sum as f64, tr_n);
        h.max_wait_ms = waits.iter().copied().max();
        h.wait_p50_ms = percentile(&mut waits, 50);
        h.wait_p90_ms = percentile(&mut waits, 90);
        h
    }

    /// KMM window values over `[from, to)` for `scope`. Responses come from humans only, so a
    /// bots-only query has no averages; closes count only the agents of `types` (closes never
    /// assigned count only when both types are asked for).
    pub fn truth_window(
        &self,
        scope: Scope,
        types: UserTypes,
        from: EpochMs,
        to: EpochMs,
    ) -> WindowValues {
        let mut v = WindowValues::default();
        let agent_ok = |a: Option<u32>| match a {
            Some(a) => types.admits(self.world.agents[a as usize].user_type),
            None => types == UserTypes::ALL,
        };
        let in_scope = |agent: Option<u32>, group: Option<u32>, skill: u32| match scope {
            Scope::Agent(x) => agent == Some(x),
            _ => self.group_in_scope(group, skill, scope),
        };
        let (mut w, mut wn, mut f, mut fn_, mut r, mut rn, mut fa, mut fan) =
            (0.0, 0, 0.0, 0, 0.0, 0, 0.0, 0);
        if types.human {
            let log = &self.records.responses;
            for x in log.range(time_range(log, |x| x.t, from, to)) {
                if !in_scope(Some(x.agent), Some(x.group), x.skill) {
                    continue;
                }
                w += x.wait_ms as f64;
                wn += 1;
                if let Some(ms) = x.conversation_first_ms {
                    f += ms as f64;
                    fn_ += 1;
                }
                if let Some(ms) = x.segment_first_ms {
                    r += ms as f64;
                    rn += 1;
                    if x.first_assignment {
                        fa += ms as f64;
                        fan += 1;
                    }
                }
            }
        }
        v.avg_wait_time_ms = mean(w, wn);
        v.avg_wait_time_first_response_ms = mean(f, fn_);
        v.avg_time_to_response_ms = mean(r, rn);
        v.avg_time_to_first_response_first_assignment_ms = mean(fa, fan);
        let log = &self.records.closes;
        for x in log.range(time_range(log, |x| x.t, from, to)) {
            if !agent_ok(x.agent) || !in_scope(x.agent, x.group, x.skill) {
                continue;
            }
            v.closed += 1;
            match x.resolver {
                Resolver::Agent => v.closed_by_agent += 1,
                Resolver::Consumer => v.closed_by_consumer += 1,
                Resolver::System => v.auto_closed += 1,
            }
        }
        v
    }
}
