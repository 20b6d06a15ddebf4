//! The moving contact center: a discrete-event simulation of one account.
//!
//! Agents log in for their shifts, take breaks (away with a reason, or back soon) and log out.
//! Conversations arrive per skill (random arrivals following [`daily_shape`]), wait in the skill's
//! queue, are routed to the least-loaded online agent with a free slot, exchange consumer and agent
//! messages, are sometimes transferred or sent back to the queue, and are resolved by the agent, the
//! consumer or the system. Legacy chat engagements run beside them.
//!
//! Events are processed strictly in (time, insertion) order and every random draw happens inside an
//! event, so the outcome depends only on the seed, never on how often or when [`Engine::advance_to`]
//! is called. Conversation and chat events fall on whole seconds; agent state changes carry
//! milliseconds, as LivePerson's records do.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use super::records::{
    ChatRec, CloseRec, EndReason, NO_AGENT, QUARTER_MS, Records, Resolver, ResponseRec, SegmentRec,
    StatusRec, quarter_of,
};
use super::world::{AWAY_REASONS, UserType, World, daily_shape};
use crate::clock::EpochMs;

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// A consumer silent this long after the last agent message gets the conversation auto-closed.
pub const AUTO_CLOSE_MS: i64 = 10 * MINUTE;

/// Delays and retention, all in milliseconds.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Longest delay before a status change shows in status-changes (each record draws a delay
    /// between half of this and this).
    pub status_changes_delay_ms: i64,
    /// When a closed segment shows in agent-segments.
    pub agent_segments: SegmentLateness,
    /// Delay after an hour ends before NHT shows it.
    pub nht_delay_ms: i64,
    /// Delay after a 15-minute interval ends before interval-metrics reports it as Done.
    pub interval_metrics_delay_ms: i64,
    /// Longest delay before a closed conversation or chat shows in msgconversation / engactivity
    /// (uniform from 0): LivePerson's source latency.
    pub reporting_latency_ms: i64,
    /// Records older than this are dropped.
    pub retention_ms: i64,
}

/// When closed agent segments show in agent-segments. LivePerson documents only that the data is
/// complete within 24 hours of a segment's close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentLateness {
    /// Each segment at its own moment, uniformly within `max_ms` of closing: late segments land
    /// all over the window, the hardest case for a reader that wants to read only what is new.
    Uniform {
        /// Longest delay.
        max_ms: i64,
    },
    /// As an offline pipeline publishes them: the segments that closed in an hour show together,
    /// `batch_delay_ms` after the hour ends, except `late_per_mille` of them, which show when that
    /// hour is processed again, at one moment drawn up to 24 hours after the hour began.
    HourlyBatches {
        /// Delay of an hour's batch after the hour.
        batch_delay_ms: i64,
        /// Share of an hour's segments left to its later reprocessing, per thousand.
        late_per_mille: u32,
    },
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            status_changes_delay_ms: HOUR,
            agent_segments: SegmentLateness::HourlyBatches {
                batch_delay_ms: 20 * MINUTE,
                late_per_mille: 20,
            },
            nht_delay_ms: 8 * HOUR,
            interval_metrics_delay_ms: 10 * MINUTE,
            reporting_latency_ms: 90 * SECOND,
            retention_ms: 15 * DAY,
        }
    }
}

/// An agent's presence state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgentState {
    /// Logged out.
    Offline,
    /// Online: takes new conversations.
    Online,
    /// Back soon (status-changes "occupied").
    BackSoon,
    /// Away, possibly with a custom reason.
    Away,
}

impl AgentState {
    /// KMM / agent-metrics spelling.
    pub fn api_name(self) -> &'static str {
        match self {
            AgentState::Offline => "OFFLINE",
            AgentState::Online => "ONLINE",
            AgentState::BackSoon => "BACK_SOON",
            AgentState::Away => "AWAY",
        }
    }

    /// status-changes `statusSubType`.
    pub fn sub_type(self) -> u8 {
        match self {
            AgentState::Offline => 1,
            AgentState::Online => 2,
            AgentState::BackSoon => 3,
            AgentState::Away => 4,
        }
    }
}

/// The live state of one agent.
#[derive(Debug, Clone)]
pub struct AgentDyn {
    /// Current state.
    pub state: AgentState,
    /// Since when.
    pub state_since: EpochMs,
    /// Away reason index, while away with a reason.
    pub reason: Option<u8>,
    /// Login time of the current session.
    pub login_at: Option<EpochMs>,
    /// Conversations currently assigned (conversation numbers).
    pub convs: Vec<u64>,
    /// Shift over: finishing current conversations, taking no new ones.
    pub draining: bool,
    session: i64,
    seq: i32,
    last_change: Option<EpochMs>,
    epoch: u32,
}

impl AgentDyn {
    /// Whether routing may give this agent a new conversation.
    pub fn takes_work(&self, max_slots: u32) -> bool {
        self.state == AgentState::Online && !self.draining && (self.convs.len() as u32) < max_slots
    }
}

/// An agent segment in progress.
#[derive(Debug, Clone)]
pub struct Segment {
    no: u64,
    /// Agent index.
    pub agent: u32,
    /// Assignment time.
    pub start: EpochMs,
    human: bool,
    first_assignment: bool,
    responded: bool,
    pickup: Option<EpochMs>,
    work_mark: EpochMs,
    eht_ms: i64,
    last_q_ift: u32,
    last_q_eht: u32,
    last_q_replied: u32,
}

/// An open messaging conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Conversation number within the account.
    pub no: u64,
    /// Current skill.
    pub skill: u32,
    /// Start time.
    pub created: EpochMs,
    /// Waiting in the skill's queue since.
    pub queued_since: Option<EpochMs>,
    /// Entered the queue through a transfer or back-to-queue (not a new conversation).
    pub queued_after_transfer: bool,
    /// The agent segment, while assigned.
    pub segment: Option<Segment>,
    /// The consumer has been waiting for an agent reply since.
    pub awaiting_since: Option<EpochMs>,
    /// The consumer wrote the last message.
    pub consumer_last: bool,
    /// Time of the last message from either side.
    pub last_message_at: EpochMs,
    /// The consumer has never contacted the brand before.
    pub first_time_consumer: bool,
    generation: u32,
    exchanges_left: u32,
    first_human_response_done: bool,
    had_human_assignment: bool,
    handling_ms: i64,
    last_agent: Option<u32>,
}

#[derive(Debug, Clone)]
struct Chat {
    skill: u32,
    agent: Option<u32>,
    interactive: bool,
    handling_s: i64,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Minute,
    Arrival {
        skill: u32,
    },
    ChatArrival {
        skill: u32,
    },
    ChatEnd {
        chat: u64,
    },
    ShiftStart {
        agent: u32,
    },
    ShiftEnd {
        agent: u32,
        epoch: u32,
    },
    Break {
        agent: u32,
        epoch: u32,
    },
    Return {
        agent: u32,
        epoch: u32,
    },
    ForceLogout {
        agent: u32,
        epoch: u32,
    },
    ConsumerMessage {
        conv: u64,
        generation: u32,
    },
    AgentReply {
        conv: u64,
        generation: u32,
    },
    Close {
        conv: u64,
        generation: u32,
        by: Resolver,
    },
    Abandon {
        conv: u64,
        generation: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct Scheduled {
    at: EpochMs,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// One account's simulation.
#[derive(Debug)]
pub struct Engine {
    /// The static account.
    pub world: World,
    /// Delays and retention.
    pub timing: Timing,
    /// Live agent states, by agent index.
    pub agents: Vec<AgentDyn>,
    /// Skill queues (conversation numbers, oldest first), by skill index.
    pub queues: Vec<VecDeque<u64>>,
    /// Open conversations by number.
    pub convs: HashMap<u64, Conversation>,
    /// Everything recorded so far.
    pub records: Records,
    /// Start of the simulated history.
    pub start: EpochMs,
    now: EpochMs,
    rng: Xoshiro256PlusPlus,
    heap: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    chats: HashMap<u64, Chat>,
    next_conv: u64,
    next_chat: u64,
    next_session: i64,
    next_segment: u64,
    /// When each hour's late segments show (hourly-batch lateness), by the hour's start.
    reprocessed: BTreeMap<EpochMs, EpochMs>,
}

fn exp_gap_ms(rng: &mut Xoshiro256PlusPlus, per_hour: f64) -> i64 {
    let u: f64 = rng.random();
    let hours = -(1.0 - u).ln() / per_hour;
    // Whole seconds, at least one.
    ((hours * 3600.0).ceil() as i64).max(1) * SECOND
}

fn secs(rng: &mut Xoshiro256PlusPlus, lo: i64, hi: i64) -> i64 {
    rng.random_range(lo..=hi) * SECOND
}

/// Splits `[from, to)` at quarter boundaries.
fn quarters(from: EpochMs, to: EpochMs) -> impl Iterator<Item = (u32, i64)> {
    let mut s = from;
    std::iter::from_fn(move || {
        if s >= to {
            return None;
        }
        let q = quarter_of(s);
        let e = to.min((q as i64 + 1) * QUARTER_MS);
        let part = (q, e - s);
        s = e;
        Some(part)
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Focus {
    Ift,
    Eht,
}

fn add_focus(
    records: &mut Records,
    seg: &mut Segment,
    skill: u32,
    model: Focus,
    from: EpochMs,
    to: EpochMs,
) {
    for (q, ms) in quarters(from, to) {
        let cell = records.intervals.entry((q, skill, seg.agent)).or_default();
        match model {
            Focus::Ift => {
                cell.ift_ms += ms;
                if seg.last_q_ift != q {
                    cell.handled_ift += 1;
                    seg.last_q_ift = q;
                }
            }
            Focus::Eht => {
                cell.eht_ms += ms;
                if seg.last_q_eht != q {
                    cell.handled_eht += 1;
                    seg.last_q_eht = q;
                }
            }
        }
    }
}

fn flush_work(records: &mut Records, seg: &mut Segment, skill: u32, to: EpochMs) {
    if seg.human && to > seg.work_mark {
        for (q, ms) in quarters(seg.work_mark, to) {
            records
                .intervals
                .entry((q, skill, seg.agent))
                .or_default()
                .work_ms += ms;
        }
    }
    seg.work_mark = seg.work_mark.max(to);
}

impl Engine {
    /// A new simulation of `world` whose history starts at `start` (rounded down to a minute).
    pub fn new(world: World, timing: Timing, seed: u64, start: EpochMs) -> Self {
        let start = start - start.rem_euclid(MINUTE);
        let n_agents = world.agents.len();
        let n_skills = world.skills.len();
        let mut e = Engine {
            agents: vec![
                AgentDyn {
                    state: AgentState::Offline,
                    state_since: start,
                    reason: None,
                    login_at: None,
                    convs: Vec::new(),
                    draining: false,
                    session: -1,
                    seq: 0,
                    last_change: None,
                    epoch: 0,
                };
                n_agents
            ],
            queues: vec![VecDeque::new(); n_skills],
            convs: HashMap::new(),
            records: Records::default(),
            start,
            now: start,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x454e_4749_4e45),
            heap: BinaryHeap::new(),
            seq: 0,
            chats: HashMap::new(),
            next_conv: 1,
            next_chat: 1,
            next_session: 30_000_001,
            next_segment: 1,
            reprocessed: BTreeMap::new(),
            world,
            timing,
        };
        e.schedule(start + MINUTE, Event::Minute);
        for s in 0..n_skills as u32 {
            e.schedule_next_arrival(s, start, false);
            if !e.world.skills[s as usize].bot {
                e.schedule_next_arrival(s, start, true);
            }
        }
        for a in 0..n_agents as u32 {
            let agent = &e.world.agents[a as usize];
            if agent.user_type == UserType::Bot {
                e.schedule(start, Event::ShiftStart { agent: a });
                continue;
            }
            // An agent whose shift is under way at the start logs in at once.
            let shift_ms = agent.shift_minutes as i64 * MINUTE;
            let day = start - start.rem_euclid(DAY);
            let mut shift = day + agent.shift_start_minute as i64 * MINUTE;
            if shift > start {
                shift -= DAY;
            }
            let first = if start < shift + shift_ms {
                start
            } else {
                shift + DAY
            };
            let jitter = e.rng.random_range(0..1000);
            e.schedule(first + jitter, Event::ShiftStart { agent: a });
        }
        e
    }

    /// The time the simulation has reached.
    pub fn now(&self) -> EpochMs {
        self.now
    }

    /// Processes every event up to and including `t`.
    pub fn advance_to(&mut self, t: EpochMs) {
        while let Some(Reverse(next)) = self.heap.peek() {
            if next.at > t {
                break;
            }
            let Reverse(next) = self.heap.pop().expect("peeked");
            self.now = next.at;
            self.handle(next.at, next.event);
        }
        self.now = self.now.max(t);
    }

    fn schedule(&mut self, at: EpochMs, event: Event) {
        self.seq += 1;
        self.heap.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            event,
        }));
    }

    fn schedule_next_arrival(&mut self, skill: u32, after: EpochMs, chat: bool) {
        let s = &self.world.skills[skill as usize];
        let peak = if chat {
            s.peak_chats_per_hour
        } else {
            s.peak_arrivals_per_hour
        };
        // Thinning: draw at the peak rate, keep a candidate with the daily shape's probability.
        let mut t = after;
        loop {
            t += exp_gap_ms(&mut self.rng, peak);
            let hour = (t.rem_euclid(DAY) / HOUR) as u32;
            if self.rng.random::<f64>() < daily_shape(hour) {
                break;
            }
        }
        let event = if chat {
            Event::ChatArrival { skill }
        } else {
            Event::Arrival { skill }
        };
        self.schedule(t, event);
    }

    fn handle(&mut self, t: EpochMs, event: Event) {
        match event {
            Event::Minute => self.on_minute(t),
            Event::Arrival { skill } => self.on_arrival(t, skill),
            Event::ChatArrival { skill } => self.on_chat_arrival(t, skill),
            Event::ChatEnd { chat } => self.on_chat_end(t, chat),
            Event::ShiftStart { agent } => self.login(t, agent),
            Event::ShiftEnd { agent, epoch } => self.on_shift_end(t, agent, epoch),
            Event::Break { agent, epoch } => self.on_break(t, agent, epoch),
            Event::Return { agent, epoch } => self.on_return(t, agent, epoch),
            Event::ForceLogout { agent, epoch } => self.on_force_logout(t, agent, epoch),
            Event::ConsumerMessage { conv, generation } => {
                self.on_consumer_message(t, conv, generation)
            }
            Event::AgentReply { conv, generation } => self.on_agent_reply(t, conv, generation),
            Event::Close {
                conv,
                generation,
                by,
            } => {
                if self.current(conv, generation) {
                    self.close(t, conv, by);
                }
            }
            Event::Abandon { conv, generation } => {
                if self.current(conv, generation)
                    && self
                        .convs
                        .get(&conv)
                        .is_some_and(|c| c.queued_since.is_some())
                {
                    self.close(t, conv, Resolver::Consumer);
                }
            }
        }
    }

    fn current(&self, conv: u64, generation: u32) -> bool {
        self.convs
            .get(&conv)
            .is_some_and(|c| c.generation == generation)
    }

    // ----- agents -------------------------------------------------------------------------------

    fn status(&mut self, t: EpochMs, agent: u32, kind: (u8, u8), seq: i32, session: i64) {
        let a = &self.agents[agent as usize];
        let reason = if kind == (1, 4) { a.reason } else { None };
        let prev_t = if kind.0 == 1 && seq != 1 {
            a.last_change
        } else {
            None
        };
        // Records reach the API between half the configured delay and the full delay, so they
        // arrive late and out of order, but never later than the documented SLA.
        let d = self.timing.status_changes_delay_ms;
        let visible_at = t + d / 2 + self.rng.random_range(0..=d - d / 2);
        self.records.statuses.push_back(StatusRec {
            t,
            visible_at,
            agent,
            session_id: session,
            seq,
            status_type: kind.0,
            sub_type: kind.1,
            reason,
            prev_t,
        });
    }

    fn set_state(&mut self, t: EpochMs, agent: u32, state: AgentState, reason: Option<u8>) {
        let a = &mut self.agents[agent as usize];
        a.seq += 1;
        a.state = state;
        a.state_since = t;
        a.reason = reason;
        let (seq, session) = (a.seq, a.session);
        self.status(t, agent, (1, state.sub_type()), seq, session);
        self.agents[agent as usize].last_change = Some(t);
    }

    fn login(&mut self, t: EpochMs, agent: u32) {
        let session = self.next_session;
        self.next_session += 1;
        let a = &mut self.agents[agent as usize];
        a.session = session;
        a.seq = 1;
        a.state = AgentState::Online;
        a.state_since = t;
        a.reason = None;
        a.login_at = Some(t);
        a.draining = false;
        a.epoch += 1;
        let epoch = a.epoch;
        // Login and the default state after it carry session -1 (as LivePerson records them).
        self.status(t, agent, (3, 0), -1, -1);
        self.status(t, agent, (1, AgentState::Online.sub_type()), 1, -1);
        self.agents[agent as usize].last_change = Some(t);
        if self.world.agents[agent as usize].user_type == UserType::Human {
            let shift = self.world.agents[agent as usize].shift_minutes as i64 * MINUTE;
            let day_start = t - t.rem_euclid(DAY);
            let planned = day_start
                + self.world.agents[agent as usize].shift_start_minute as i64 * MINUTE
                + shift;
            // A shift joined late (at the start of history) still ends at its planned time.
            let end = if planned > t && planned - t <= shift {
                planned
            } else {
                t + shift
            };
            self.schedule(end, Event::ShiftEnd { agent, epoch });
            let brk = t + self.rng.random_range(45 * MINUTE..120 * MINUTE);
            self.schedule(brk, Event::Break { agent, epoch });
        }
        self.route_agent(t, agent);
    }

    fn logout(&mut self, t: EpochMs, agent: u32) {
        self.set_state(t, agent, AgentState::Offline, None);
        let a = &mut self.agents[agent as usize];
        a.seq += 1;
        let (seq, session) = (a.seq, a.session);
        self.status(t, agent, (4, 0), seq, session);
        let a = &mut self.agents[agent as usize];
        a.login_at = None;
        a.draining = false;
        a.epoch += 1;
        let w = &self.world.agents[agent as usize];
        let day_start = t - t.rem_euclid(DAY);
        let mut next = day_start + w.shift_start_minute as i64 * MINUTE;
        while next < t + 4 * HOUR {
            next += DAY;
        }
        let jitter = self.rng.random_range(-10 * MINUTE..10 * MINUTE);
        self.schedule(next + jitter, Event::ShiftStart { agent });
    }

    fn on_break(&mut self, t: EpochMs, agent: u32, epoch: u32) {
        let a = &self.agents[agent as usize];
        if a.epoch != epoch || a.draining || a.state != AgentState::Online {
            return;
        }
        let roll: f64 = self.rng.random();
        let (state, reason, dur) = if roll < 0.25 {
            (AgentState::BackSoon, None, secs(&mut self.rng, 120, 360))
        } else if roll < 0.85 {
            let r = self.rng.random_range(0..AWAY_REASONS.len());
            let (lo, hi) = AWAY_REASONS[r].minutes;
            let d = secs(&mut self.rng, lo as i64 * 60, hi as i64 * 60);
            (AgentState::Away, Some(r as u8), d)
        } else {
            (AgentState::Away, None, secs(&mut self.rng, 300, 900))
        };
        self.set_state(t, agent, state, reason);
        let ms = self.rng.random_range(0..1000);
        self.schedule(t + dur + ms, Event::Return { agent, epoch });
    }

    fn on_return(&mut self, t: EpochMs, agent: u32, epoch: u32) {
        let a = &self.agents[agent as usize];
        if a.epoch != epoch || a.draining {
            return;
        }
        self.set_state(t, agent, AgentState::Online, None);
        let next = t + self.rng.random_range(45 * MINUTE..120 * MINUTE);
        self.schedule(next, Event::Break { agent, epoch });
        self.route_agent(t, agent);
    }

    fn on_shift_end(&mut self, t: EpochMs, agent: u32, epoch: u32) {
        let a = &self.agents[agent as usize];
        if a.epoch != epoch {
            return;
        }
        if a.convs.is_empty() {
            self.logout(t, agent);
            return;
        }
        // Stop taking work, finish what is assigned, and log out after 20 minutes at most.
        if a.state == AgentState::Online {
            self.set_state(t, agent, AgentState::Away, None);
        }
        self.agents[agent as usize].draining = true;
        self.schedule(t + 20 * MINUTE, Event::ForceLogout { agent, epoch });
    }

    fn on_force_logout(&mut self, t: EpochMs, agent: u32, epoch: u32) {
        if self.agents[agent as usize].epoch != epoch {
            return;
        }
        let convs = std::mem::take(&mut self.agents[agent as usize].convs);
        for no in convs {
            let skill = self.convs[&no].skill;
            self.end_segment(t, no, EndReason::BackToQueue);
            self.enqueue(t, no, skill, true);
        }
        self.logout(t, agent);
    }

    // ----- conversations ------------------------------------------------------------------------

    fn on_arrival(&mut self, t: EpochMs, skill: u32) {
        self.schedule_next_arrival(skill, t, false);
        let no = self.next_conv;
        self.next_conv += 1;
        let first_time_consumer = self.rng.random_bool(0.3);
        self.convs.insert(
            no,
            Conversation {
                no,
                skill,
                created: t,
                queued_since: None,
                queued_after_transfer: false,
                segment: None,
                awaiting_since: Some(t),
                consumer_last: true,
                last_message_at: t,
                first_time_consumer,
                generation: 0,
                exchanges_left: 0,
                first_human_response_done: false,
                had_human_assignment: false,
                handling_ms: 0,
                last_agent: None,
            },
        );
        self.records
            .interval_cell(t, skill, NO_AGENT)
            .consumer_messages += 1;
        self.enqueue(t, no, skill, false);
    }

    fn enqueue(&mut self, t: EpochMs, no: u64, skill: u32, transfer: bool) {
        let c = self.convs.get_mut(&no).expect("open conversation");
        c.skill = skill;
        c.queued_since = Some(t);
        c.queued_after_transfer = transfer;
        c.generation += 1;
        if c.awaiting_since.is_none() {
            c.awaiting_since = Some(t);
        }
        let generation = c.generation;
        self.queues[skill as usize].push_back(no);
        self.records.interval_cell(t, skill, NO_AGENT).arrivals += 1;
        self.records.nht_cell(t, skill).arrivals += 1;
        let patience = if transfer {
            secs(&mut self.rng, 600, 1800)
        } else {
            secs(&mut self.rng, 300, 1500)
        };
        self.schedule(
            t + patience,
            Event::Abandon {
                conv: no,
                generation,
            },
        );
        self.route_skill(t, skill);
    }

    fn route_skill(&mut self, t: EpochMs, skill: u32) {
        while let Some(&no) = self.queues[skill as usize].front() {
            let best = self.world.skills[skill as usize]
                .agents
                .iter()
                .copied()
                .filter(|&a| {
                    self.agents[a as usize].takes_work(self.world.agents[a as usize].max_slots)
                })
                .min_by_key(|&a| {
                    let load = self.agents[a as usize].convs.len() as u64 * 1000
                        / self.world.agents[a as usize].max_slots as u64;
                    (load, a)
                });
            let Some(agent) = best else { break };
            self.queues[skill as usize].pop_front();
            self.assign(t, no, agent);
        }
    }

    fn route_agent(&mut self, t: EpochMs, agent: u32) {
        let max = self.world.agents[agent as usize].max_slots;
        while self.agents[agent as usize].takes_work(max) {
            // Serve the skill whose head of queue has waited longest.
            let pick = self.world.agents[agent as usize]
                .skills
                .iter()
                .filter_map(|&s| {
                    self.queues[s as usize]
                        .front()
                        .map(|no| (self.convs[no].queued_since.unwrap_or(t), s))
                })
                .min();
            let Some((_, skill)) = pick else { break };
            let no = self.queues[skill as usize]
                .pop_front()
                .expect("non-empty queue");
            self.assign(t, no, agent);
        }
    }

    fn assign(&mut self, t: EpochMs, no: u64, agent: u32) {
        let human = self.world.agents[agent as usize].user_type == UserType::Human;
        let exchanges = if human {
            self.rng.random_range(2..=7)
        } else {
            self.rng.random_range(1..=3)
        };
        let seg_no = self.next_segment;
        self.next_segment += 1;
        let c = self.convs.get_mut(&no).expect("open conversation");
        let wait = t - c.queued_since.take().unwrap_or(t);
        let first_assignment = human && !c.had_human_assignment;
        c.had_human_assignment |= human;
        c.generation += 1;
        c.exchanges_left = exchanges;
        c.last_agent = Some(agent);
        c.segment = Some(Segment {
            no: seg_no,
            agent,
            start: t,
            human,
            first_assignment,
            responded: false,
            pickup: None,
            work_mark: t,
            eht_ms: 0,
            last_q_ift: u32::MAX,
            last_q_eht: u32::MAX,
            last_q_replied: u32::MAX,
        });
        let (skill, generation) = (c.skill, c.generation);
        let nht = self.records.nht_cell(t, skill);
        nht.queue_wait_ms += wait;
        nht.queue_waits += 1;
        self.agents[agent as usize].convs.push(no);
        self.schedule_reply(t, no, generation, human);
    }

    fn schedule_reply(&mut self, t: EpochMs, no: u64, generation: u32, human: bool) {
        let (pickup, reply) = if human {
            let pickup = secs(&mut self.rng, 3, 20);
            (t + pickup, t + pickup + secs(&mut self.rng, 20, 130))
        } else {
            (t, t + secs(&mut self.rng, 2, 6))
        };
        if let Some(seg) = self.convs.get_mut(&no).and_then(|c| c.segment.as_mut()) {
            seg.pickup = Some(pickup);
        }
        self.schedule(
            reply,
            Event::AgentReply {
                conv: no,
                generation,
            },
        );
    }

    fn on_consumer_message(&mut self, t: EpochMs, no: u64, generation: u32) {
        if !self.current(no, generation) {
            return;
        }
        let c = self.convs.get_mut(&no).expect("current");
        c.awaiting_since = Some(t);
        c.consumer_last = true;
        c.last_message_at = t;
        let skill = c.skill;
        let seg = c.segment.as_ref().map(|s| (s.agent, s.human));
        let agent = seg.map_or(NO_AGENT, |s| s.0);
        self.records
            .interval_cell(t, skill, agent)
            .consumer_messages += 1;
        if let Some((_, human)) = seg {
            self.schedule_reply(t, no, generation, human);
        }
    }

    fn on_agent_reply(&mut self, t: EpochMs, no: u64, generation: u32) {
        if !self.current(no, generation) {
            return;
        }
        let Some(seg) = self.convs[&no].segment.as_ref() else {
            return;
        };
        let (agent, human) = (seg.agent, seg.human);
        let a = &self.agents[agent as usize];
        if a.state != AgentState::Online && !a.draining {
            // An agent who is away or back soon does not answer; look again in a minute. (An agent
            // whose shift ended is shown away but still finishes the conversations it holds.)
            if let Some(seg) = self.convs.get_mut(&no).and_then(|c| c.segment.as_mut()) {
                seg.pickup = None;
            }
            self.schedule(
                t + MINUTE,
                Event::AgentReply {
                    conv: no,
                    generation,
                },
            );
            return;
        }
        let messages: u32 = if human {
            self.rng.random_range(1..=2)
        } else {
            1
        };
        let linger = secs(&mut self.rng, 3, 15);
        let group = self.world.agents[agent as usize].group;
        let c = self.convs.get_mut(&no).expect("current");
        let skill = c.skill;
        let awaiting = c.awaiting_since.take().unwrap_or(t);
        c.consumer_last = false;
        c.last_message_at = t;
        c.exchanges_left = c.exchanges_left.saturating_sub(1);
        let exchanges_left = c.exchanges_left;
        let created = c.created;
        let conversation_first = human && !c.first_human_response_done;
        c.first_human_response_done |= human;
        let seg = c.segment.as_mut().expect("assigned");
        let pickup = seg
            .pickup
            .take()
            .unwrap_or(t - 10 * SECOND)
            .max(awaiting)
            .max(seg.start)
            .min(t);
        let segment_first = !seg.responded;
        seg.responded = true;
        if human {
            add_focus(&mut self.records, seg, skill, Focus::Eht, pickup, t);
            seg.eht_ms += t - pickup;
            let q = quarter_of(t);
            let cell = self.records.interval_cell(t, skill, agent);
            cell.agent_messages += messages;
            if seg.last_q_replied != q {
                cell.replied += 1;
                seg.last_q_replied = q;
            }
            self.records.nht_cell(t, skill).messages += messages;
            self.records.responses.push_back(ResponseRec {
                t,
                skill,
                agent,
                group,
                wait_ms: t - awaiting,
                conversation_first_ms: conversation_first.then_some(t - created),
                segment_first_ms: segment_first.then_some(t - seg.start),
                first_assignment: seg.first_assignment,
            });
        }

        let roll: f64 = self.rng.random();
        // What happens after this reply; a segment that ends now gets no lingering focus time.
        enum Next {
            Continue,
            Close(Resolver, i64),
            Transfer(EndReason),
        }
        let next = if exchanges_left > 0 {
            Next::Continue
        } else if human {
            if roll < 0.42 {
                Next::Close(Resolver::Agent, secs(&mut self.rng, 20, 60))
            } else if roll < 0.67 {
                Next::Close(Resolver::Consumer, secs(&mut self.rng, 20, 120))
            } else if roll < 0.80 {
                Next::Close(Resolver::System, AUTO_CLOSE_MS)
            } else if roll < 0.92 {
                Next::Transfer(EndReason::SkillTransfer)
            } else if roll < 0.97 {
                Next::Transfer(EndReason::BackToQueue)
            } else {
                Next::Transfer(EndReason::AgentTransfer)
            }
        } else if roll < 0.7 {
            Next::Transfer(EndReason::SkillTransfer)
        } else if roll < 0.9 {
            Next::Close(Resolver::Agent, 5 * SECOND)
        } else {
            Next::Close(Resolver::Consumer, secs(&mut self.rng, 20, 60))
        };
        let seg = self
            .convs
            .get_mut(&no)
            .and_then(|c| c.segment.as_mut())
            .expect("assigned");
        let ift_end = if matches!(next, Next::Transfer(_)) {
            t
        } else {
            t + linger
        };
        if human {
            add_focus(&mut self.records, seg, skill, Focus::Ift, pickup, ift_end);
        }
        match next {
            Next::Continue => {
                let d = secs(&mut self.rng, 20, 240);
                self.schedule(
                    t + d,
                    Event::ConsumerMessage {
                        conv: no,
                        generation,
                    },
                );
            }
            Next::Close(by, after) => self.schedule(
                t + after,
                Event::Close {
                    conv: no,
                    generation,
                    by,
                },
            ),
            Next::Transfer(reason) => {
                let target = if reason == EndReason::SkillTransfer {
                    let humans: Vec<u32> = (0..self.world.skills.len() as u32)
                        .filter(|&s| s != skill && !self.world.skills[s as usize].bot)
                        .collect();
                    if humans.is_empty() {
                        skill
                    } else {
                        humans[self.rng.random_range(0..humans.len())]
                    }
                } else {
                    skill
                };
                let reason = if target == skill && reason == EndReason::SkillTransfer {
                    EndReason::BackToQueue
                } else {
                    reason
                };
                self.end_segment(t, no, reason);
                self.enqueue(t, no, target, true);
                self.route_agent(t, agent);
            }
        }
    }

    /// When a segment that closed at `t` shows in agent-segments.
    fn segment_visible_at(&mut self, t: EpochMs) -> EpochMs {
        match self.timing.agent_segments {
            SegmentLateness::Uniform { max_ms } => t + self.rng.random_range(0..=max_ms),
            SegmentLateness::HourlyBatches {
                batch_delay_ms,
                late_per_mille,
            } => {
                let hour = t - t.rem_euclid(HOUR);
                if self.rng.random_range(0..1000) >= late_per_mille {
                    return hour + HOUR + batch_delay_ms;
                }
                let earliest = hour + HOUR + batch_delay_ms;
                let rng = &mut self.rng;
                *self
                    .reprocessed
                    .entry(hour)
                    .or_insert_with(|| rng.random_range(earliest.min(hour + DAY)..=hour + DAY))
            }
        }
    }

    fn end_segment(&mut self, t: EpochMs, no: u64, reason: EndReason) {
        let c = self.convs.get_mut(&no).expect("open conversation");
        let Some(mut seg) = c.segment.take() else {
            return;
        };
        c.generation += 1;
        let skill = c.skill;
        let duration = t - seg.start;
        c.handling_ms += duration;
        flush_work(&mut self.records, &mut seg, skill, t);
        let agent = seg.agent;
        self.agents[agent as usize].convs.retain(|&x| x != no);
        if seg.human {
            let visible_at = self.segment_visible_at(t);
            self.records.segments.push_back(SegmentRec {
                no: seg.no,
                conversation: no,
                start: seg.start,
                end: t,
                visible_at,
                agent,
                skill,
                group: self.world.agents[agent as usize].group,
                end_reason: reason,
                handle_ms: seg.eht_ms,
            });
            let nht = self.records.nht_cell(t, skill);
            nht.segment_ms += duration;
            nht.segments += 1;
            nht.segment_work_ms += seg.eht_ms;
        }
    }

    fn close(&mut self, t: EpochMs, no: u64, by: Resolver) {
        let assigned = self.convs[&no].segment.as_ref().map(|s| s.agent);
        if assigned.is_some() {
            let reason = match by {
                Resolver::Agent => EndReason::ClosedByAgent,
                Resolver::Consumer => EndReason::ClosedByConsumer,
                Resolver::System => EndReason::ClosedBySystem,
            };
            self.end_segment(t, no, reason);
        }
        let c = self.convs.remove(&no).expect("open conversation");
        if c.queued_since.is_some() {
            self.queues[c.skill as usize].retain(|&x| x != no);
        }
        let latency = self
            .rng
            .random_range(0..=self.timing.reporting_latency_ms / SECOND)
            * SECOND;
        self.records.closes.push_back(CloseRec {
            t,
            visible_at: t + latency,
            skill: c.skill,
            agent: c.last_agent,
            group: c.last_agent.map(|a| self.world.agents[a as usize].group),
            resolver: by,
            handling_ms: c.handling_ms,
        });
        self.records
            .interval_cell(t, c.skill, c.last_agent.unwrap_or(NO_AGENT))
            .closed += 1;
        if let Some(agent) = assigned {
            if self.agents[agent as usize].draining && self.agents[agent as usize].convs.is_empty()
            {
                self.logout(t, agent);
            } else {
                self.route_agent(t, agent);
            }
        }
    }

    // ----- legacy chat --------------------------------------------------------------------------

    fn on_chat_arrival(&mut self, t: EpochMs, skill: u32) {
        self.schedule_next_arrival(skill, t, true);
        let online: Vec<u32> = self.world.skills[skill as usize]
            .agents
            .iter()
            .copied()
            .filter(|&a| {
                let d = &self.agents[a as usize];
                d.state == AgentState::Online
                    && !d.draining
                    && self.world.agents[a as usize].user_type == UserType::Human
            })
            .collect();
        let no = self.next_chat;
        self.next_chat += 1;
        let (chat, end) = if online.is_empty() {
            // Nobody to connect: the visitor gives up.
            let chat = Chat {
                skill,
                agent: None,
                interactive: false,
                handling_s: 0,
            };
            (chat, t + secs(&mut self.rng, 30, 300))
        } else {
            let agent = online[self.rng.random_range(0..online.len())];
            let interactive = self.rng.random_bool(0.8);
            let wait = secs(&mut self.rng, 5, 60);
            let dur = if interactive {
                secs(&mut self.rng, 180, 900)
            } else {
                secs(&mut self.rng, 30, 180)
            };
            let chat = Chat {
                skill,
                agent: Some(agent),
                interactive,
                handling_s: dur / SECOND,
            };
            (chat, t + wait + dur)
        };
        self.chats.insert(no, chat);
        self.schedule(end, Event::ChatEnd { chat: no });
    }

    fn on_chat_end(&mut self, t: EpochMs, no: u64) {
        let Some(chat) = self.chats.remove(&no) else {
            return;
        };
        let latency = self
            .rng
            .random_range(0..=self.timing.reporting_latency_ms / SECOND)
            * SECOND;
        self.records.chats.push_back(ChatRec {
            t,
            visible_at: t + latency,
            skill: chat.skill,
            agent: chat.agent,
            connected: chat.agent.is_some(),
            interactive: chat.interactive,
            handling_s: chat.handling_s,
        });
    }

    // ----- sampling and housekeeping ------------------------------------------------------------

    fn on_minute(&mut self, t: EpochMs) {
        self.schedule(t + MINUTE, Event::Minute);
        let minute_start = t - MINUTE;
        let n_skills = self.world.skills.len();
        let mut busy = vec![0u64; n_skills];
        let mut slots = vec![0u64; n_skills];
        for (ai, a) in self.world.agents.iter().enumerate() {
            let d = &mut self.agents[ai];
            if a.user_type != UserType::Human || d.login_at.is_none() {
                continue;
            }
            for no in &d.convs {
                let c = self.convs.get_mut(no).expect("assigned conversation");
                if let Some(seg) = c.segment.as_mut() {
                    flush_work(&mut self.records, seg, c.skill, t);
                }
            }
            let share = MINUTE as f64 / a.skills.len() as f64;
            for &s in &a.skills {
                busy[s as usize] += d.convs.len() as u64;
                slots[s as usize] += a.max_slots as u64;
                self.records.nht_cell(minute_start, s).login_ms += share;
            }
        }
        for s in 0..n_skills {
            if slots[s] > 0 {
                let cell = self.records.nht_cell(minute_start, s as u32);
                cell.load_sum += busy[s] as f64 / slots[s] as f64;
                cell.load_samples += 1;
            }
        }
        if t.rem_euclid(10 * MINUTE) == 0 {
            self.records.prune(t - self.timing.retention_ms);
            // Hours whose reprocessing has passed draw no more late segments.
            self.reprocessed = self.reprocessed.split_off(&(t - DAY - HOUR));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::AccountSpec;

    fn engine(seed: u64) -> Engine {
        let spec = AccountSpec {
            id: "1".into(),
            agents: 40,
            skills: 8,
            groups: 4,
        };
        let world = World::generate(&spec, seed);
        Engine::new(world, Timing::default(), seed, 1_700_000_000_000)
    }

    #[test]
    fn the_center_is_alive_after_a_day() {
        let mut e = engine(7);
        e.advance_to(e.start + DAY);
        assert!(e.records.closes.len() > 100, "{}", e.records.closes.len());
        for by in Resolver::ALL {
            assert!(e.records.closes.iter().any(|c| c.resolver == by), "{by:?}");
        }
        assert!(
            e.records
                .segments
                .iter()
                .any(|s| s.end_reason == EndReason::SkillTransfer)
        );
        assert!(e.records.statuses.iter().any(|s| s.status_type == 4));
        assert!(e.records.statuses.iter().any(|s| s.reason.is_some()));
        assert!(e.records.chats.iter().any(|c| c.interactive));
        assert!(e.records.chats.iter().any(|c| !c.interactive));
    }

    #[test]
    fn chunked_advancing_gives_the_same_history() {
        let mut a = engine(3);
        let mut b = engine(3);
        a.advance_to(a.start + 6 * HOUR);
        for i in 1..=360 {
            b.advance_to(b.start + i * MINUTE + (i % 7) * 13);
        }
        b.advance_to(b.start + 6 * HOUR);
        assert_eq!(a.records.closes.len(), b.records.closes.len());
        assert_eq!(a.records.intervals, b.records.intervals);
        let ta: Vec<_> = a
            .records
            .statuses
            .iter()
            .map(|s| (s.t, s.agent, s.seq))
            .collect();
        let tb: Vec<_> = b
            .records
            .statuses
            .iter()
            .map(|s| (s.t, s.agent, s.seq))
            .collect();
        assert_eq!(ta, tb);
    }

    #[test]
    fn every_engaged_millisecond_lands_in_exactly_one_interval_cell() {
        let mut e = engine(11);
        e.advance_to(e.start + 12 * HOUR);
        // All EHT recorded in cells equals the EHT of closed segments plus that of open ones.
        let cells: i64 = e.records.intervals.values().map(|c| c.eht_ms).sum();
        let closed: i64 = e.records.segments.iter().map(|s| s.handle_ms).sum();
        let open: i64 = e
            .convs
            .values()
            .filter_map(|c| c.segment.as_ref())
            .filter(|s| s.human)
            .map(|s| s.eht_ms)
            .sum();
        assert_eq!(cells, closed + open);
        let closes: u32 = e.records.intervals.values().map(|c| c.closed).sum();
        assert_eq!(closes as usize, e.records.closes.len());
    }
}
