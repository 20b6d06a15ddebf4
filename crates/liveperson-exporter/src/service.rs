//! The CSDS services the exporter talks to, a closed set: a misspelt service is a compile error,
//! and per-service state (domains, pacing lanes) has exactly one slot per service.

/// A LivePerson service as CSDS names it (case-sensitive, as LivePerson documents).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::EnumIter,
    strum::EnumCount,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[strum(serialize_all = "camelCase")]
pub enum Service {
    /// Agent activity: status changes, interval metrics, agent segments (AHT).
    AgentActivityDomain,
    /// Messaging operations and legacy reporting: queue health, msgconversation, engactivity, NHT.
    LeDataReporting,
    /// Key Messaging Metrics ("agent manager workspace").
    AgentManagerWorkspace,
    /// OAuth 2.0 client-credentials tokens.
    Sentinel,
}

impl Service {
    /// The CSDS name (`agentActivityDomain`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Every service's CSDS name, for messages listing them.
    pub fn names() -> Vec<&'static str> {
        use strum::IntoEnumIterator;
        Self::iter().map(Self::name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_documented_csds_names_and_parse_back() {
        assert_eq!(
            Service::names(),
            [
                "agentActivityDomain",
                "leDataReporting",
                "agentManagerWorkspace",
                "sentinel"
            ]
        );
        for name in Service::names() {
            assert_eq!(name.parse::<Service>().map(Service::name), Ok(name));
        }
        assert!("LeDataReporting".parse::<Service>().is_err());
    }
}
