//! The NHT catalogue: gauges per skill for its latest complete interval with data.

use crate::metrics::catalogue::{Kind, MetricSpec, Unit};

macro_rules! gauge {
    ($name:ident, $metric:literal, $help:literal, $unit:expr) => {
        #[allow(missing_docs)]
        pub static $name: MetricSpec = MetricSpec {
            name: $metric,
            help: $help,
            unit: $unit,
            kind: Kind::Gauge,
            labels: &["account_id", "skill_id"],
        };
    };
}

gauge!(
    NET_HANDLE_TIME,
    "liveperson_skill_nht_net_handle_time_seconds",
    "Net handle time (estimated human effort per agent segment) of the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    AVG_SEGMENT_DURATION,
    "liveperson_skill_nht_avg_agent_segment_duration_seconds",
    "Average agent segment duration in the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    AVG_TIME_IN_QUEUE,
    "liveperson_skill_nht_avg_time_in_queue_seconds",
    "Average time in queue in the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    AVG_SEGMENT_WORK_TIME,
    "liveperson_skill_nht_avg_segment_work_time_seconds",
    "Average segment work time in the skill's latest complete NHT interval with data",
    Some(Unit::Seconds)
);
gauge!(
    ARRIVALS,
    "liveperson_skill_nht_arrivals",
    "Segments entering the skill's queue in its latest complete NHT interval with data",
    None
);
gauge!(
    HANDLED_SEGMENTS,
    "liveperson_skill_nht_handled_segments",
    "Agent segments handled in the hour of the skill's latest complete NHT interval with data",
    None
);
gauge!(
    MESSAGES_SENT,
    "liveperson_skill_nht_messages_sent",
    "Agent messages sent in the hour of the skill's latest complete NHT interval with data",
    None
);
gauge!(
    AVAILABLE_LOAD,
    "liveperson_skill_nht_avg_available_load_ratio",
    "Average available agent load in the hour of the skill's latest complete NHT interval with data",
    Some(Unit::Ratio)
);
gauge!(
    INTERVAL_START,
    "liveperson_skill_nht_interval_start_timestamp_seconds",
    "Start of the NHT interval the skill's nht gauges describe",
    Some(Unit::Seconds)
);

/// Every metric of the collector.
pub static ALL: &[&MetricSpec] = &[
    &NET_HANDLE_TIME,
    &AVG_SEGMENT_DURATION,
    &AVG_TIME_IN_QUEUE,
    &AVG_SEGMENT_WORK_TIME,
    &ARRIVALS,
    &HANDLED_SEGMENTS,
    &MESSAGES_SENT,
    &AVAILABLE_LOAD,
    &INTERVAL_START,
];
