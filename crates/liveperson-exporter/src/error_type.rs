//! The values of the `error_type` label: one closed set for every way a collector run can fail,
//! so the self metrics can start each at zero and no value is missed or misspelt.

/// Why a run failed, as a low-cardinality label value.
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
    strum::IntoStaticStr,
    strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum ErrorType {
    /// Credentials refused, or not of a kind the API accepts.
    Auth,
    /// 429 beyond the retries.
    RateLimited,
    /// 5xx beyond the retries.
    ServerError,
    /// Another 4xx.
    BadRequest,
    /// A 3xx, not followed.
    Redirect,
    /// A request or the whole run took too long.
    Timeout,
    /// The connection failed or broke off.
    Connection,
    /// The body was not the documented JSON.
    Decode,
    /// The body exceeded the size cap.
    TooLarge,
    /// CSDS did not name the service's domain.
    Csds,
    /// A bug in the exporter (a run that panicked, or emitted what it did not declare).
    Internal,
}

impl ErrorType {
    /// The label value (`rate_limited`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every label value.
    pub fn all() -> impl Iterator<Item = &'static str> {
        use strum::IntoEnumIterator;
        Self::iter().map(Self::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_snake_case() {
        assert_eq!(
            ErrorType::all().collect::<Vec<_>>(),
            [
                "auth",
                "rate_limited",
                "server_error",
                "bad_request",
                "redirect",
                "timeout",
                "connection",
                "decode",
                "too_large",
                "csds",
                "internal"
            ]
        );
    }
}
