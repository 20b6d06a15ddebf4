//! The static shape of one simulated account: skills, the agent-group tree, agents and away reasons.
//!
//! Everything here is generated once from the seed and never changes while the simulator runs; the
//! moving parts (states, queues, conversations) live in [`super::engine`]. Internally entities are
//! addressed by their index (`u32`); the ids the APIs show are the `id` fields.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// Sizes of one simulated account.
#[derive(Debug, Clone)]
pub struct AccountSpec {
    /// The LivePerson account id (a numeric string, as LivePerson issues them).
    pub id: String,
    /// Number of agents, humans and bots together.
    pub agents: u32,
    /// Number of skills.
    pub skills: u32,
    /// Number of agent groups, the root "Main Group" included.
    pub groups: u32,
}

/// A skill (a queue conversations are routed through).
#[derive(Debug, Clone)]
pub struct Skill {
    /// LivePerson skill id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Served by bots only; conversations there are triaged by a bot and usually handed to a human skill.
    pub bot: bool,
    /// Indices of the agents that have this skill.
    pub agents: Vec<u32>,
    /// Conversations arriving per hour at the daily peak.
    pub peak_arrivals_per_hour: f64,
    /// Legacy chat engagements arriving per hour at the daily peak.
    pub peak_chats_per_hour: f64,
}

/// An agent group; groups form a tree below the root "Main Group" (id -1).
#[derive(Debug, Clone)]
pub struct Group {
    /// LivePerson agent group id; -1 is the root "Main Group".
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Index of the parent group; `None` for the root.
    pub parent: Option<u32>,
}

/// Human or bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// A person working shifts.
    Human,
    /// A bot: always online, many slots, answers in seconds.
    Bot,
}

/// An agent (a user who handles conversations).
#[derive(Debug, Clone)]
pub struct Agent {
    /// LivePerson agent (user) id.
    pub id: i64,
    /// Full name (`agentUserName`).
    pub name: String,
    /// Login name.
    pub login: String,
    /// Employee id, as configured by the brand.
    pub employee_id: String,
    /// Index of the agent's group.
    pub group: u32,
    /// Indices of the agent's skills.
    pub skills: Vec<u32>,
    /// Maximum concurrent conversations.
    pub max_slots: u32,
    /// Human or bot.
    pub user_type: UserType,
    /// Minute of the UTC day the agent's shift starts (humans).
    pub shift_start_minute: u32,
    /// Shift length in minutes (humans).
    pub shift_minutes: u32,
}

/// A custom away reason.
#[derive(Debug, Clone)]
pub struct AwayReason {
    /// Reason id as the APIs show it.
    pub id: i64,
    /// Reason text.
    pub text: &'static str,
    /// Shortest and longest time an agent stays away for it, in minutes.
    pub minutes: (u32, u32),
}

/// The away reasons every simulated account has configured.
pub const AWAY_REASONS: [AwayReason; 4] = [
    AwayReason {
        id: 1,
        text: "Training",
        minutes: (30, 60),
    },
    AwayReason {
        id: 2,
        text: "Lunch",
        minutes: (30, 45),
    },
    AwayReason {
        id: 3,
        text: "Break",
        minutes: (10, 15),
    },
    AwayReason {
        id: 4,
        text: "Meeting",
        minutes: (20, 40),
    },
];

/// One account's static world.
#[derive(Debug, Clone)]
pub struct World {
    /// Account id.
    pub account_id: String,
    /// Skills, in id order.
    pub skills: Vec<Skill>,
    /// Groups; index 0 is the root.
    pub groups: Vec<Group>,
    /// Agents, in id order.
    pub agents: Vec<Agent>,
}

const SKILL_NAMES: [&str; 16] = [
    "Billing",
    "Sales",
    "Tech Support",
    "Retention",
    "Orders",
    "Returns",
    "Mobile",
    "Welcome Bot",
    "Travel",
    "Insurance",
    "Claims",
    "VIP",
    "Spanish",
    "French",
    "Loyalty",
    "Triage Bot",
];
const FIRST: [&str; 16] = [
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Noor", "Omar", "Priya",
];
const LAST: [&str; 12] = [
    "Garcia", "Novak", "Okafor", "Silva", "Tanaka", "Muller", "Rossi", "Kowalski", "Haddad",
    "Larsen", "Nguyen", "Walsh",
];

/// Daily traffic shape by UTC hour, relative to the peak (1.0): quiet nights, a morning ramp, a
/// business-day plateau and an evening decline.
pub fn daily_shape(hour_of_day: u32) -> f64 {
    const SHAPE: [f64; 24] = [
        0.15, 0.12, 0.10, 0.10, 0.12, 0.18, 0.30, 0.50, 0.75, 0.92, 1.0, 1.0, 0.95, 0.97, 1.0,
        0.98, 0.90, 0.80, 0.65, 0.50, 0.40, 0.30, 0.22, 0.18,
    ];
    SHAPE[(hour_of_day % 24) as usize]
}

/// Mean minutes a human spends on one conversation segment; used to size arrival rates so that the
/// simulated center runs busy but not swamped.
const MEAN_SEGMENT_MINUTES: f64 = 14.0;

impl World {
    /// Generates the account deterministically from `seed`.
    pub fn generate(spec: &AccountSpec, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5157_4f52_4c44);
        let n_skills = spec.skills.max(1);
        let n_groups = spec.groups.max(1);
        let n_agents = spec.agents.max(1);

        let mut skills: Vec<Skill> = (0..n_skills)
            .map(|i| {
                let base = SKILL_NAMES[i as usize % SKILL_NAMES.len()];
                let name = if i < SKILL_NAMES.len() as u32 {
                    base.to_string()
                } else {
                    format!("{base} {}", i / SKILL_NAMES.len() as u32 + 1)
                };
                Skill {
                    id: 3_000_001 + i as i64 * 11,
                    // Only larger accounts get bot skills, and never skill 0, so a tiny account
                    // still has humans to route to.
                    bot: n_skills >= 3 && name.contains("Bot"),
                    name,
                    agents: Vec::new(),
                    peak_arrivals_per_hour: 0.0,
                    peak_chats_per_hour: 0.0,
                }
            })
            .collect();
        let human_skills: Vec<u32> = (0..n_skills).filter(|&i| !skills[i as usize].bot).collect();
        let bot_skills: Vec<u32> = (0..n_skills).filter(|&i| skills[i as usize].bot).collect();

        let mut groups = vec![Group {
            id: -1,
            name: "Main Group".to_string(),
            parent: None,
        }];
        for i in 1..n_groups {
            // The first few groups hang off the root; later ones nest below an earlier group.
            let parent = if i <= 3 { 0 } else { rng.random_range(1..i) };
            groups.push(Group {
                id: 200_000 + i as i64 * 7,
                name: format!("Team {i}"),
                parent: Some(parent),
            });
        }

        let n_bots = if bot_skills.is_empty() {
            0
        } else {
            (n_agents / 25).max(1).min(n_agents - 1)
        };
        let mut agents = Vec::with_capacity(n_agents as usize);
        for i in 0..n_agents {
            let first = FIRST[i as usize % FIRST.len()];
            let last = LAST[(i as usize / FIRST.len()) % LAST.len()];
            let is_bot = i >= n_agents - n_bots;
            let group = if n_groups == 1 || rng.random_bool(0.1) {
                0
            } else {
                rng.random_range(1..n_groups)
            };
            let (skills_of, max_slots, user_type, name, login) = if is_bot {
                let mut s = bot_skills.clone();
                s.truncate(8);
                let name = format!("Bot {}", i - (n_agents - n_bots) + 1);
                let login = format!("bot{}@brand.example", i);
                (s, 50, UserType::Bot, name, login)
            } else {
                let count = rng.random_range(1..=human_skills.len().min(4));
                let mut s: Vec<u32> = Vec::with_capacity(count);
                while s.len() < count {
                    let k = human_skills[rng.random_range(0..human_skills.len())];
                    if !s.contains(&k) {
                        s.push(k);
                    }
                }
                s.sort_unstable();
                let name = format!("{first} {last}");
                let login = format!(
                    "{}.{}{}@brand.example",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i
                );
                (s, rng.random_range(2..=5), UserType::Human, name, login)
            };
            // Shift starts follow the traffic shape: a shift centred 4 hours after its start
            // should fall where traffic is.
            let shift_start_minute = loop {
                let h = rng.random_range(0..24u32);
                if rng.random::<f64>() < daily_shape(h + 4) {
                    break h * 60 + rng.random_range(0..60);
                }
            };
            agents.push(Agent {
                id: 1_000_000_001 + i as i64 * 13,
                name,
                login,
                employee_id: format!("E{:06}", i + 1),
                group,
                skills: skills_of,
                max_slots,
                user_type,
                shift_start_minute,
                shift_minutes: 8 * 60,
            });
        }
        for (ai, a) in agents.iter().enumerate() {
            for &s in &a.skills {
                skills[s as usize].agents.push(ai as u32);
            }
        }

        // Size arrivals to what the humans on a skill can take at the peak (a share of each agent's
        // slots, split over the agent's skills), so the center is loaded but queues stay finite.
        let shift_share = 8.0 / 24.0 * 1.8; // peak staffing relative to a flat 24-hour spread
        let mut total_human_rate = 0.0;
        for s in skills.iter_mut().filter(|s| !s.bot) {
            let capacity: f64 = s
                .agents
                .iter()
                .map(|&a| {
                    let a = &agents[a as usize];
                    a.max_slots as f64 / a.skills.len() as f64
                })
                .sum::<f64>()
                * shift_share
                * 60.0
                / MEAN_SEGMENT_MINUTES;
            s.peak_arrivals_per_hour = (capacity * 0.6).max(0.5);
            s.peak_chats_per_hour = (s.peak_arrivals_per_hour * 0.08).max(0.2);
            total_human_rate += s.peak_arrivals_per_hour;
        }
        let n_bot_skills = bot_skills.len().max(1) as f64;
        for s in skills.iter_mut().filter(|s| s.bot) {
            s.peak_arrivals_per_hour = (total_human_rate * 0.15 / n_bot_skills).max(0.5);
        }

        World {
            account_id: spec.id.clone(),
            skills,
            groups,
            agents,
        }
    }

    /// Index of the skill with LivePerson id `id`.
    pub fn skill_index(&self, id: i64) -> Option<u32> {
        self.skills
            .iter()
            .position(|s| s.id == id)
            .map(|i| i as u32)
    }

    /// Index of the agent with LivePerson id `id`.
    pub fn agent_index(&self, id: i64) -> Option<u32> {
        // Agent ids are generated in ascending order.
        self.agents
            .binary_search_by_key(&id, |a| a.id)
            .ok()
            .map(|i| i as u32)
    }

    /// Index of the group with LivePerson id `id`.
    pub fn group_index(&self, id: i64) -> Option<u32> {
        self.groups
            .iter()
            .position(|g| g.id == id)
            .map(|i| i as u32)
    }

    /// Whether group `g` is `ancestor` or lies below it.
    pub fn group_within(&self, mut g: u32, ancestor: u32) -> bool {
        loop {
            if g == ancestor {
                return true;
            }
            match self.groups[g as usize].parent {
                Some(p) => g = p,
                None => return false,
            }
        }
    }
}
