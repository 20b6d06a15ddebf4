//! Pure mapping of engagement_activity's bucket fields to its counters: which field adds to which
//! metric, in which unit and with which label value. The buckets themselves are read by
//! `collectors::rolling`.

use super::specs::{account, agent, skill};
use crate::collectors::rolling::{Counted, FieldUnit};

/// The API's fields counted, each with its unit scale and label value, at every level.
pub static COUNTED: &[Counted] = &[
    Counted {
        field: "totalInteractiveChats",
        unit: FieldUnit::Count,
        label: Some("true"),
        specs: [&account::CLOSED, &skill::CLOSED, &agent::CLOSED],
        group: None,
    },
    Counted {
        field: "totalNonInteractiveChats",
        unit: FieldUnit::Count,
        label: Some("false"),
        specs: [&account::CLOSED, &skill::CLOSED, &agent::CLOSED],
        group: None,
    },
    Counted {
        field: "totalHandlingTime",
        unit: FieldUnit::Seconds,
        label: Some("true"),
        specs: [&account::HANDLING, &skill::HANDLING, &agent::HANDLING],
        group: None,
    },
    Counted {
        field: "nonInteractiveTotalHandlingTime",
        unit: FieldUnit::Seconds,
        label: Some("false"),
        specs: [&account::HANDLING, &skill::HANDLING, &agent::HANDLING],
        group: None,
    },
    Counted {
        field: "connectedEngagements",
        unit: FieldUnit::Count,
        label: None,
        specs: [&account::CONNECTED, &skill::CONNECTED, &agent::CONNECTED],
        group: None,
    },
];
