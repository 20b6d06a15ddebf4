//! Typed errors at the LivePerson client boundary, each with a low-cardinality `error_type` for
//! metrics. Messages name the API and the status, never a credential or a signed URL.

use crate::error_type::ErrorType;

/// Why a LivePerson call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401/403: credentials refused (after one token refresh for bearer tokens).
    #[error("{api}: authentication refused (HTTP {status})")]
    Auth {
        /// API name.
        api: &'static str,
        /// Status code.
        status: u16,
    },
    /// 429 beyond the configured retries.
    #[error("{api}: rate limited (HTTP 429) after retries")]
    RateLimited {
        /// API name.
        api: &'static str,
    },
    /// 5xx beyond the configured retries.
    #[error("{api}: server error (HTTP {status}) after retries")]
    Server {
        /// API name.
        api: &'static str,
        /// Status code.
        status: u16,
    },
    /// Another 4xx: the request was wrong; not retried.
    #[error("{api}: request rejected (HTTP {status}): {detail}")]
    Client {
        /// API name.
        api: &'static str,
        /// Status code.
        status: u16,
        /// LivePerson's `causes`/`message`, shortened.
        detail: String,
    },
    /// A 3xx: LivePerson's APIs do not redirect, so it is never followed.
    #[error("{api}: redirect (HTTP {status}) not followed")]
    Redirect {
        /// API name.
        api: &'static str,
        /// Status code.
        status: u16,
    },
    /// No answer within the request timeout.
    #[error("{api}: timed out")]
    Timeout {
        /// API name.
        api: &'static str,
    },
    /// The connection failed or broke off mid-body.
    #[error("{api}: connection failed: {detail}")]
    Connect {
        /// API name.
        api: &'static str,
        /// Transport error kind.
        detail: String,
    },
    /// The body was not the JSON the API documents.
    #[error("{api}: unexpected response body: {detail}")]
    Decode {
        /// API name.
        api: &'static str,
        /// Parser message.
        detail: String,
    },
    /// The body exceeded the configured size cap.
    #[error("{api}: response larger than {limit} bytes")]
    TooLarge {
        /// API name.
        api: &'static str,
        /// The cap.
        limit: u64,
    },
    /// CSDS did not name the service's domain.
    #[error("CSDS: no domain for service {service}: {detail}")]
    Csds {
        /// Service name.
        service: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The account's credentials cannot call this API (OAuth 2.0 where only OAuth 1.0a works).
    #[error("{api}: needs OAuth 1.0a credentials")]
    AuthUnsupported {
        /// API name.
        api: &'static str,
    },
}

impl ApiError {
    /// A counted field of `api`'s answer that is there but not a count.
    pub fn not_a_count(api: &'static str, field: &str) -> Self {
        ApiError::Decode {
            api,
            detail: format!("{field} is not a count"),
        }
    }

    /// Its `error_type` label value.
    pub fn error_type(&self) -> ErrorType {
        match self {
            ApiError::Auth { .. } | ApiError::AuthUnsupported { .. } => ErrorType::Auth,
            ApiError::RateLimited { .. } => ErrorType::RateLimited,
            ApiError::Server { .. } => ErrorType::ServerError,
            ApiError::Client { .. } => ErrorType::BadRequest,
            ApiError::Redirect { .. } => ErrorType::Redirect,
            ApiError::Timeout { .. } => ErrorType::Timeout,
            ApiError::Connect { .. } => ErrorType::Connection,
            ApiError::Decode { .. } => ErrorType::Decode,
            ApiError::TooLarge { .. } => ErrorType::TooLarge,
            ApiError::Csds { .. } => ErrorType::Csds,
        }
    }
}
