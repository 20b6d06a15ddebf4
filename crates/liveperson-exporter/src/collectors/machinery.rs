//! What every collector is built from: the [`Collector`] trait and what a run may use
//! ([`CollectCtx`]), its errors ([`CollectError`]), its registry [`Entry`], and its config section
//! (the common `enabled`, `interval` and `timeout` keys, [`read_section`], and the
//! `collector_settings!` and `collector_via_run!` macros). Collectors import it; it imports no
//! collector.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::clock::{EpochMs, SharedClock};
use crate::config::{Problems, join};
use crate::error_type::ErrorType;
use crate::liveperson::{AccountClient, ApiError};
use crate::metrics::catalogue::MetricSpec;
use crate::metrics::snapshot::{EmitError, Snapshot};

/// Why a collection failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CollectError {
    /// A LivePerson call failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The run took longer than its timeout, possibly while retrying a failed call.
    #[error("the run timed out after {after:?}{}", cause.as_ref().map(|c| format!(" while retrying: {c}")).unwrap_or_default())]
    RunTimeout {
        /// The timeout.
        after: Duration,
        /// What the run was retrying when it was cut off.
        cause: Option<ApiError>,
    },
    /// The collector tried to emit something it did not declare (a bug).
    #[error("internal: {0}")]
    Emit(#[from] EmitError),
    /// The run panicked (a bug; the panic itself is in the log).
    #[error("internal: the run panicked")]
    Panicked,
}

impl CollectError {
    /// Its `error_type` label value.
    pub fn error_type(&self) -> ErrorType {
        match self {
            CollectError::Api(e) => e.error_type(),
            CollectError::RunTimeout { cause, .. } => cause
                .as_ref()
                .map_or(ErrorType::Timeout, ApiError::error_type),
            CollectError::Emit(_) | CollectError::Panicked => ErrorType::Internal,
        }
    }
}

/// What a run may use.
pub struct CollectCtx {
    /// The account's LivePerson client.
    pub client: Arc<AccountClient>,
    /// Time source.
    pub clock: SharedClock,
}

impl CollectCtx {
    /// The current time.
    pub fn now(&self) -> EpochMs {
        self.clock.now_ms()
    }
}

/// A collector instance for one account.
pub trait Collector: Send {
    /// Collects once.
    fn collect<'a>(
        &'a mut self,
        ctx: &'a CollectCtx,
    ) -> BoxFuture<'a, Result<Arc<Snapshot>, CollectError>>;
}

/// When and how long a collector runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Time between run starts.
    pub interval: Duration,
    /// Longest run.
    pub timeout: Duration,
}

/// A collector built from its config section.
pub struct Built {
    /// Whether it runs.
    pub enabled: bool,
    /// Its schedule.
    pub schedule: Schedule,
    /// The instance.
    pub collector: Box<dyn Collector>,
}

/// One registry entry.
pub struct Entry {
    /// Config section name and `collector` label value.
    pub name: &'static str,
    /// One line for docs and the landing page.
    pub about: &'static str,
    /// Every metric it can emit.
    pub metrics: &'static [&'static MetricSpec],
    /// Whether its API needs OAuth 1.0a (no bearer tokens allowed).
    pub needs_oauth1: bool,
    /// Reads its config section (`Value::Null` when absent) into an instance.
    pub build: fn(Value, &str, &mut Problems) -> Option<Built>,
}

/// A collector's config section: its own settings plus the common `enabled`, `interval` and
/// `timeout` keys (declared in each section's struct, so unknown keys stay detectable).
pub trait Section: serde::de::DeserializeOwned {
    /// The common part.
    fn common(&self) -> Common;
}

/// Implements [`Section`] for a settings struct with `enabled`, `interval` and `timeout` fields.
macro_rules! section {
    ($t:ty) => {
        impl $crate::collectors::machinery::Section for $t {
            fn common(&self) -> $crate::collectors::machinery::Common {
                $crate::collectors::machinery::Common {
                    enabled: self.enabled,
                    interval: self.interval,
                    timeout: self.timeout,
                }
            }
        }
    };
}

/// Declares a collector's settings struct: the common `enabled` (default true), `interval` and
/// `timeout` keys with the given defaults, then the collector's own fields and their defaults.
/// Absent keys take their defaults; the struct implements [`Section`].
macro_rules! collector_settings {
    (
        $(#[$meta:meta])*
        struct $name:ident (interval: $interval:expr, timeout: $timeout:expr) {
            $($fields:tt)*
        }
        defaults {
            $($defaults:tt)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(default)]
        struct $name {
            enabled: bool,
            #[serde(with = "humantime_serde")]
            interval: std::time::Duration,
            #[serde(with = "humantime_serde")]
            timeout: std::time::Duration,
            $($fields)*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    enabled: true,
                    interval: $interval,
                    timeout: $timeout,
                    $($defaults)*
                }
            }
        }

        section!($name);
    };
}

/// Implements [`Collector`] for a type with `async fn run(&mut self, &CollectCtx)`.
macro_rules! collector_via_run {
    ($t:ty) => {
        impl $crate::collectors::machinery::Collector for $t {
            fn collect<'a>(
                &'a mut self,
                ctx: &'a $crate::collectors::machinery::CollectCtx,
            ) -> futures_util::future::BoxFuture<
                'a,
                Result<
                    std::sync::Arc<$crate::metrics::snapshot::Snapshot>,
                    $crate::collectors::machinery::CollectError,
                >,
            > {
                futures_util::FutureExt::boxed(self.run(ctx))
            }
        }
    };
}

/// Reads a collector's section (absent: all defaults) and checks its schedule.
pub fn read_section<S: Section>(
    section: Value,
    path: &str,
    problems: &mut Problems,
) -> Option<(S, Schedule)> {
    let section = if section.is_null() {
        Value::Object(Default::default())
    } else {
        section
    };
    let s: S = crate::config::typed(section, path, problems)?;
    let schedule = s.common().schedule(path, problems);
    Some((s, schedule))
}

/// The part every collector section has (each section declares these keys itself, so unknown
/// keys stay detectable).
#[derive(Debug, Clone, Copy)]
pub struct Common {
    /// Run this collector.
    pub enabled: bool,
    /// Time between runs.
    pub interval: Duration,
    /// Longest run.
    pub timeout: Duration,
}

impl Common {
    /// Checks the schedule; returns it.
    pub fn schedule(&self, path: &str, problems: &mut Problems) -> Schedule {
        if self.interval < Duration::from_secs(1) || self.interval > Duration::from_secs(86_400) {
            problems.add(join(path, "interval"), "must be between 1s and 24h");
        }
        if self.timeout.is_zero() || self.timeout > self.interval.max(Duration::from_secs(1)) * 10 {
            problems.add(
                join(path, "timeout"),
                "must be positive and at most 10 intervals",
            );
        }
        Schedule {
            interval: self.interval,
            timeout: self.timeout,
        }
    }
}
