//! Pure mapping of engagement_activity's bucket fields to its counters: which field adds to which
//! metric, with which unit scale and label value. The buckets themselves are read by
//! `collectors::rolling`.

use super::specs::{account, agent, skill};
use crate::collectors::rolling::Counted;

/// The API's fields counted, each with its unit scale and label value, at every level.
pub static COUNTED: &[Counted] = &[
    Counted {
        field: "totalInteractiveChats",
        scale: 1.0,
        label: Some("true"),
        specs: [&account::CLOSED, &skill::CLOSED, &agent::CLOSED],
    },
    Counted {
        field: "totalNonInteractiveChats",
        scale: 1.0,
        label: Some("false"),
        specs: [&account::CLOSED, &skill::CLOSED, &agent::CLOSED],
    },
    Counted {
        field: "totalHandlingTime",
        scale: 1.0,
        label: Some("true"),
        specs: [&account::HANDLING, &skill::HANDLING, &agent::HANDLING],
    },
    Counted {
        field: "nonInteractiveTotalHandlingTime",
        scale: 1.0,
        label: Some("false"),
        specs: [&account::HANDLING, &skill::HANDLING, &agent::HANDLING],
    },
    Counted {
        field: "connectedEngagements",
        scale: 1.0,
        label: None,
        specs: [&account::CONNECTED, &skill::CONNECTED, &agent::CONNECTED],
    },
];
