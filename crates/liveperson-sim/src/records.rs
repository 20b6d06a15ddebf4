//! What the simulated contact center leaves behind: append-only logs of events and per-interval cells.
//!
//! The engine writes here as things happen; the APIs and the ground truth read from here. Every log
//! is kept in event-time order (the engine processes events in time order), so range queries are a
//! binary search. Each record that a LivePerson API shows only after a delay carries `visible_at`.

use std::collections::{BTreeMap, VecDeque};

use crate::clock::EpochMs;

/// Who resolved (closed) a messaging conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resolver {
    /// The agent (LivePerson's "CCP", contact-center professional).
    Agent,
    /// The consumer.
    Consumer,
    /// The system (auto-close after consumer inactivity).
    System,
}

impl Resolver {
    /// All resolvers, in API order.
    pub const ALL: [Resolver; 3] = [Resolver::Agent, Resolver::Consumer, Resolver::System];
}

/// Why an agent segment ended (AHT `endReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// Conversation closed by the consumer.
    ClosedByConsumer,
    /// Conversation closed by the agent.
    ClosedByAgent,
    /// Conversation auto-closed.
    ClosedBySystem,
    /// Transferred to another agent.
    AgentTransfer,
    /// Transferred to another skill.
    SkillTransfer,
    /// Sent back to the skill's queue.
    BackToQueue,
}

impl EndReason {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::ClosedByConsumer => "closedByConsumer",
            EndReason::ClosedByAgent => "closedByAgent",
            EndReason::ClosedBySystem => "closedBySystem",
            EndReason::AgentTransfer => "agentTransfer",
            EndReason::SkillTransfer => "skillTransfer",
            EndReason::BackToQueue => "backToQueue",
        }
    }
}

/// A resolved (closed) messaging conversation.
#[derive(Debug, Clone)]
pub struct CloseRec {
    /// Close time.
    pub t: EpochMs,
    /// When reporting APIs (msgconversation) start to show it.
    pub visible_at: EpochMs,
    /// Skill at close.
    pub skill: u32,
    /// Last assigned agent, if the conversation was ever assigned.
    pub agent: Option<u32>,
    /// That agent's group.
    pub group: Option<u32>,
    /// Who closed it.
    pub resolver: Resolver,
    /// Handling time: the sum of the conversation's agent-segment durations (assignment to segment
    /// end), in milliseconds.
    pub handling_ms: i64,
}

/// A human agent's message answering a waiting consumer.
#[derive(Debug, Clone)]
pub struct ResponseRec {
    /// Time of the agent's message.
    pub t: EpochMs,
    /// Skill at response time.
    pub skill: u32,
    /// Responding agent.
    pub agent: u32,
    /// The agent's group.
    pub group: u32,
    /// How long the consumer had been waiting for this response.
    pub wait_ms: i64,
    /// Set on the conversation's first human response: time since the conversation started.
    pub conversation_first_ms: Option<i64>,
    /// Set on the first response of an agent segment: time since the assignment.
    pub segment_first_ms: Option<i64>,
    /// Whether that segment is the conversation's first human assignment.
    pub first_assignment: bool,
}

/// A finished legacy chat engagement.
#[derive(Debug, Clone)]
pub struct ChatRec {
    /// Close time.
    pub t: EpochMs,
    /// When engactivity starts to show it.
    pub visible_at: EpochMs,
    /// Skill.
    pub skill: u32,
    /// Agent the chat was connected to.
    pub agent: Option<u32>,
    /// An agent was connected.
    pub connected: bool,
    /// At least one exchange happened.
    pub interactive: bool,
    /// Handling time (connection to close), whole seconds.
    pub handling_s: i64,
}

/// One agent status change, exactly as the status-changes API reports it.
#[derive(Debug, Clone)]
pub struct StatusRec {
    /// Time of the change.
    pub t: EpochMs,
    /// When status-changes starts to show it.
    pub visible_at: EpochMs,
    /// Agent index.
    pub agent: u32,
    /// Session id; -1 on the first two events of a session (login and the default state).
    pub session_id: i64,
    /// Sequence number: -1 for login, 1 for the default state, then consecutive.
    pub seq: i32,
    /// 1 state change, 3 login, 4 logout.
    pub status_type: u8,
    /// For state changes: 1 offline, 2 online, 3 occupied (back soon), 4 away; 0 otherwise.
    pub sub_type: u8,
    /// Index into [`super::world::AWAY_REASONS`] for away with a reason.
    pub reason: Option<u8>,
    /// Time of the previous state change (absent on logout and the post-login default state).
    pub prev_t: Option<EpochMs>,
}

/// A closed agent segment (assignment to transfer or close), for the AHT API.
#[derive(Debug, Clone)]
pub struct SegmentRec {
    /// Sequence number of the segment within the account (makes the segment id).
    pub no: u64,
    /// Conversation number (makes the conversation id).
    pub conversation: u64,
    /// Assignment time.
    pub start: EpochMs,
    /// End time.
    pub end: EpochMs,
    /// When agent-segments starts to show it.
    pub visible_at: EpochMs,
    /// Agent index.
    pub agent: u32,
    /// Skill index.
    pub skill: u32,
    /// Agent's group index.
    pub group: u32,
    /// Why it ended.
    pub end_reason: EndReason,
    /// Actual handle time in ms: time awaiting the agent's response while in focus plus time between
    /// consecutive agent messages (the same periods as EHT).
    pub handle_ms: i64,
}

/// Interval-metrics quantities for one 15-minute interval and one (skill, agent) pair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntervalCell {
    /// In-focus time (IFT model), ms.
    pub ift_ms: i64,
    /// Engaged handle time (EHT model), ms.
    pub eht_ms: i64,
    /// Time conversations were assigned to the (human) agent, ms.
    pub work_ms: i64,
    /// Agent segments with IFT handle time in the interval.
    pub handled_ift: u32,
    /// Agent segments with EHT handle time in the interval.
    pub handled_eht: u32,
    /// Agent segments with at least one human agent message in the interval.
    pub replied: u32,
    /// Consumer messages.
    pub consumer_messages: u32,
    /// Human agent messages.
    pub agent_messages: u32,
    /// Conversations entering the skill's queue (new, transferred, back to queue).
    pub arrivals: u32,
    /// Conversations closed.
    pub closed: u32,
}

impl IntervalCell {
    /// Whether a human agent spent handle or work time here. Interval metrics drop rows without it
    /// unless `includeBotSkills` is set.
    pub fn has_human_time(&self) -> bool {
        self.work_ms > 0 || self.ift_ms > 0 || self.eht_ms > 0
    }

    /// Adds `o` into `self`.
    pub fn add(&mut self, o: &IntervalCell) {
        self.ift_ms += o.ift_ms;
        self.eht_ms += o.eht_ms;
        self.work_ms += o.work_ms;
        self.handled_ift += o.handled_ift;
        self.handled_eht += o.handled_eht;
        self.replied += o.replied;
        self.consumer_messages += o.consumer_messages;
        self.agent_messages += o.agent_messages;
        self.arrivals += o.arrivals;
        self.closed += o.closed;
    }
}

/// Net-handle-time inputs for one 15-minute quarter and one skill.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NhtCell {
    /// Segments entering the skill's queue.
    pub arrivals: u32,
    /// Sum of queue waits of segments assigned from the skill's queue, ms.
    pub queue_wait_ms: i64,
    /// Number of those assignments.
    pub queue_waits: u32,
    /// Sum of durations of human agent segments that ended, ms.
    pub segment_ms: i64,
    /// Number of human agent segments that ended (handled segments).
    pub segments: u32,
    /// Sum of those segments' engaged (work) time, ms.
    pub segment_work_ms: i64,
    /// Human agent messages sent.
    pub messages: u32,
    /// Sum of per-minute samples of the skill's human load (busy slots / slots of logged-in humans).
    pub load_sum: f64,
    /// Number of those samples.
    pub load_samples: u32,
    /// Logged-in human time attributed to the skill (each agent's time split evenly over its
    /// skills), ms.
    pub login_ms: f64,
}

impl NhtCell {
    /// Adds `o` into `self`.
    pub fn add(&mut self, o: &NhtCell) {
        self.arrivals += o.arrivals;
        self.queue_wait_ms += o.queue_wait_ms;
        self.queue_waits += o.queue_waits;
        self.segment_ms += o.segment_ms;
        self.segments += o.segments;
        self.segment_work_ms += o.segment_work_ms;
        self.messages += o.messages;
        self.load_sum += o.load_sum;
        self.load_samples += o.load_samples;
        self.login_ms += o.login_ms;
    }
}

/// Length of an interval-metrics interval and of an NHT quarter.
pub const QUARTER_MS: i64 = 15 * 60 * 1000;

/// The quarter (15-minute interval since the epoch) containing `t`.
pub fn quarter_of(t: EpochMs) -> u32 {
    (t.div_euclid(QUARTER_MS)) as u32
}

/// Marks a missing agent in interval cells (arrivals, queued consumer messages).
pub const NO_AGENT: u32 = u32::MAX;

/// Everything one account's simulation has recorded.
#[derive(Debug, Default)]
pub struct Records {
    /// Resolved conversations, by close time.
    pub closes: VecDeque<CloseRec>,
    /// Human responses, by time.
    pub responses: VecDeque<ResponseRec>,
    /// Finished chats, by close time.
    pub chats: VecDeque<ChatRec>,
    /// Agent status changes, by time.
    pub statuses: VecDeque<StatusRec>,
    /// Closed agent segments, by end time.
    pub segments: VecDeque<SegmentRec>,
    /// Interval-metrics cells by (quarter, skill, agent or [`NO_AGENT`]).
    pub intervals: BTreeMap<(u32, u32, u32), IntervalCell>,
    /// NHT cells by (quarter, skill).
    pub nht: BTreeMap<(u32, u32), NhtCell>,
}

/// The index range of a time-ordered log whose times fall in `[from, to)`.
pub fn time_range<T>(
    log: &VecDeque<T>,
    time: impl Fn(&T) -> EpochMs,
    from: EpochMs,
    to: EpochMs,
) -> std::ops::Range<usize> {
    let lo = log.partition_point(|r| time(r) < from);
    let hi = log.partition_point(|r| time(r) < to);
    lo..hi.max(lo)
}

impl Records {
    /// Drops everything older than `cutoff`.
    pub fn prune(&mut self, cutoff: EpochMs) {
        fn front<T>(log: &mut VecDeque<T>, time: impl Fn(&T) -> EpochMs, cutoff: EpochMs) {
            while log.front().is_some_and(|r| time(r) < cutoff) {
                log.pop_front();
            }
        }
        front(&mut self.closes, |r| r.t, cutoff);
        front(&mut self.responses, |r| r.t, cutoff);
        front(&mut self.chats, |r| r.t, cutoff);
        front(&mut self.statuses, |r| r.t, cutoff);
        front(&mut self.segments, |r| r.end, cutoff);
        let q = quarter_of(cutoff);
        self.intervals = self.intervals.split_off(&(q, 0, 0));
        self.nht = self.nht.split_off(&(q, 0));
    }

    /// The interval cell for (`t`'s quarter, skill, agent).
    pub fn interval_cell(&mut self, t: EpochMs, skill: u32, agent: u32) -> &mut IntervalCell {
        self.intervals
            .entry((quarter_of(t), skill, agent))
            .or_default()
    }

    /// The NHT cell for (`t`'s quarter, skill).
    pub fn nht_cell(&mut self, t: EpochMs, skill: u32) -> &mut NhtCell {
        self.nht.entry((quarter_of(t), skill)).or_default()
    }
}
