//! `engagement_activity`: closed legacy chats (interactive and not), their handling time and
//! connected engagements as exact counters, from engactivity's 5-minute buckets (CSDS
//! `leDataReporting`, OAuth 1.0a), per account, skill and (optionally) agent. Handling times are
//! seconds, as documented. See [`super::rolling::buckets`] for the counting rule.
//!
//! The folder has no `model.rs`: the answer's shape is the one msgconversation shares, in
//! [`super::rolling::model`].

pub mod mapping;
pub mod specs;

use super::machinery::Entry;
use super::rolling::{RollingApi, build};
use mapping::COUNTED;
use specs::{ALL, COUNTED_UNTIL, OVER_LIMIT, SKIPPED};

static API: RollingApi = RollingApi {
    api: "engactivity",
    path: "engactivity",
    post: false,
    counted: COUNTED,
    skipped: &SKIPPED,
    over_limit: &OVER_LIMIT,
    counted_until: &COUNTED_UNTIL,
    plausibility: None,
    all: ALL,
};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "engagement_activity",
    about: "Engagement activity (legacy chat): closed chats, handling time and connected engagements as exact counters per account, skill and agent",
    metrics: ALL,
    needs_oauth1: true,
    build: |section, path, problems| build(&API, section, path, problems),
};
