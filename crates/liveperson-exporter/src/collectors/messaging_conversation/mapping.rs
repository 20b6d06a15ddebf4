//! Pure mapping of messaging_conversation's bucket fields to its counters: which field adds to which
//! metric, in which unit and with which label value. The buckets themselves are read by
//! `collectors::rolling`.

use super::specs::{account, agent, agent_group, skill};
use crate::collectors::rolling::{Counted, FieldUnit};

macro_rules! counted {
    ($field:literal, $unit:expr, $label:literal, $m:ident) => {
        Counted {
            field: $field,
            unit: $unit,
            label: Some($label),
            specs: [&account::$m, &skill::$m, &agent::$m],
            group: Some(&agent_group::$m),
        }
    };
}

/// The API's fields counted, each with its unit and label value, at every level.
pub static COUNTED: &[Counted] = &[
    counted!(
        "resolvedConversations_byCCP",
        FieldUnit::Count,
        "agent",
        RESOLVED
    ),
    counted!(
        "resolvedConversations_byConsumer",
        FieldUnit::Count,
        "consumer",
        RESOLVED
    ),
    counted!(
        "resolvedConversations_bySystem",
        FieldUnit::Count,
        "system",
        RESOLVED
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_byCCP",
        FieldUnit::UndocumentedTime,
        "agent",
        HANDLING
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_byConsumer",
        FieldUnit::UndocumentedTime,
        "consumer",
        HANDLING
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_bySystem",
        FieldUnit::UndocumentedTime,
        "system",
        HANDLING
    ),
];
