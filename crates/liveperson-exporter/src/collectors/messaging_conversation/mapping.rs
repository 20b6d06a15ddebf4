//! Pure mapping of messaging_conversation's bucket fields to its counters: which field adds to which
//! metric, with which unit scale and label value. The buckets themselves are read by
//! `collectors::rolling`.

use super::specs::{account, agent, skill};
use crate::collectors::rolling::Counted;

macro_rules! counted {
    ($field:literal, $scale:expr, $label:literal, $m:ident) => {
        Counted {
            field: $field,
            scale: $scale,
            label: Some($label),
            specs: [&account::$m, &skill::$m, &agent::$m],
        }
    };
}

/// The API's fields counted, each with its unit scale and label value, at every level.
pub static COUNTED: &[Counted] = &[
    counted!("resolvedConversations_byCCP", 1.0, "agent", RESOLVED),
    counted!(
        "resolvedConversations_byConsumer",
        1.0,
        "consumer",
        RESOLVED
    ),
    counted!("resolvedConversations_bySystem", 1.0, "system", RESOLVED),
    counted!(
        "totalHandlingTime_resolvedConversations_byCCP",
        0.001,
        "agent",
        HANDLING
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_byConsumer",
        0.001,
        "consumer",
        HANDLING
    ),
    counted!(
        "totalHandlingTime_resolvedConversations_bySystem",
        0.001,
        "system",
        HANDLING
    ),
];
