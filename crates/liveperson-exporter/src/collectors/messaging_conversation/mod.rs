//! `messaging_conversation`: resolved messaging conversations and their handling time as exact
//! counters, from msgconversation's 5-minute buckets (CSDS `leDataReporting`, OAuth 1.0a), per
//! account, skill and (optionally) agent. See [`super::rolling::buckets`] for the counting rule.
//!
//! Handling times: LivePerson does not document the unit; the only client code that reads them
//! divides by 1000, so they are read as milliseconds (the simulator serves milliseconds).
//!
//! The folder has no `model.rs`: the answer's shape is the one engactivity shares, in
//! [`super::rolling::model`].

pub mod mapping;
pub mod specs;

use super::machinery::Entry;
use super::rolling::{RollingApi, build};
use mapping::COUNTED;
use specs::{ALL, COUNTED_UNTIL, SKIPPED};

static API: RollingApi = RollingApi {
    api: "msgconversation",
    path: "msgconversation",
    post: true,
    counted: COUNTED,
    skipped: &SKIPPED,
    counted_until: &COUNTED_UNTIL,
    all: ALL,
};

/// The registry entry.
pub static ENTRY: Entry = Entry {
    name: "messaging_conversation",
    about: "Messaging conversation: resolved conversations and handling time by resolver as exact counters per account, skill and agent",
    metrics: ALL,
    needs_oauth1: true,
    build: |section, path, problems| build(&API, section, path, problems),
};
