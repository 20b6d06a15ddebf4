//! `messaging_conversation`: resolved messaging conversations and their handling time as exact
//! counters, from msgconversation's 5-minute buckets (CSDS `leDataReporting`, OAuth 1.0a), per
//! account, skill and (optionally) agent. See [`super::rolling::buckets`] for the counting rule.
//!
//! Handling times: LivePerson does not document the unit; the only client code that reads them
//! divides by 1000, so they are read as milliseconds (the simulator serves milliseconds) unless
//! `handling_time_unit: seconds`. Buckets whose average handling time per agent-resolved
//! conversation is under a second or over a day in the unit chosen are logged and counted
//! (`..._implausible_buckets_total`): the unit is then probably wrong.
//!
//! `agent_groups` adds series per agent group: one more request per group and run, filtered by
//! `groupIds`, counted with the same buckets as the rest.
//!
//! The folder has no `model.rs`: the answer's shape is the one engactivity shares, in
//! [`super::rolling::model`].

pub mod mapping;
pub mod specs;

use super::machinery::Entry;
use super::rolling::{Plausibility, RollingApi, build};
use mapping::COUNTED;
use specs::{ALL, COUNTED_UNTIL, IMPLAUSIBLE, OVER_LIMIT, SKIPPED};

static API: RollingApi = RollingApi {
    api: "msgconversation",
    path: "msgconversation",
    post: true,
    counted: COUNTED,
    skipped: &SKIPPED,
    over_limit: &OVER_LIMIT,
    counted_until: &COUNTED_UNTIL,
    // An agent spends more than a second, and less than a day, on a conversation they resolve.
    plausibility: Some(Plausibility {
        count: "resolvedConversations_byCCP",
        time: "totalHandlingTime_resolvedConversations_byCCP",
        range: (1.0, 86_400.0),
        spec: &IMPLAUSIBLE,
    }),
    all: ALL,
};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "messaging_conversation",
    about: "Messaging conversation: resolved conversations and handling time by resolver as exact counters per account, skill, agent and agent group",
    metrics: ALL,
    needs_oauth1: true,
    build: |section, path, problems| build(&API, section, path, problems),
};
