//! The collector run a call belongs to. A run has a deadline (its timeout); the retry loop never
//! starts a wait that would outlast it, and it remembers the cause it last retried, so a run that
//! its timeout cuts off reports what it was waiting out (`server_error`, `rate_limited`) rather
//! than a bare `timeout`.
//!
//! The scope is task-local: the scheduler opens it around a run ([`within`]) and the client reads
//! it ([`remaining`], [`retrying`]); calls outside a run (tests, benches) have no deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::error::ApiError;

struct Scope {
    deadline: Instant,
    cause: Mutex<Option<ApiError>>,
}

tokio::task_local! {
    static RUN: Scope;
}

/// How a scoped run ended when it did not finish in time.
#[derive(Debug, Clone)]
pub struct CutOff {
    /// The cause the run was retrying when the deadline passed, if any.
    pub cause: Option<ApiError>,
}

/// Runs `f` with a deadline `timeout` from now; `Err` when the deadline passed first.
pub async fn within<F: Future>(timeout: Duration, f: F) -> Result<F::Output, CutOff> {
    let scope = Scope {
        // A timeout too long to add is a deadline that never comes.
        deadline: Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 86_400)),
        cause: Mutex::new(None),
    };
    RUN.scope(scope, async {
        match tokio::time::timeout(timeout, f).await {
            Ok(out) => Ok(out),
            Err(_) => Err(CutOff {
                cause: RUN.with(|s| s.cause.lock().clone()),
            }),
        }
    })
    .await
}

/// Time left before the current run's deadline; `None` outside a run.
pub fn remaining() -> Option<Duration> {
    RUN.try_with(|s| s.deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// Notes that the current run is about to retry after `cause`.
pub fn retrying(cause: &ApiError) {
    let _ = RUN.try_with(|s| *s.cause.lock() = Some(cause.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cut_off_run_keeps_the_cause_it_was_retrying() {
        let cut = within(Duration::from_millis(20), async {
            retrying(&ApiError::Server {
                api: "x",
                status: 503,
            });
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await
        .unwrap_err();
        assert_eq!(
            cut.cause,
            Some(ApiError::Server {
                api: "x",
                status: 503
            })
        );
        assert!(remaining().is_none());
        let left = within(Duration::from_secs(60), async { remaining() })
            .await
            .unwrap();
        assert!(left.is_some_and(|d| d > Duration::from_secs(50)));
    }
}
