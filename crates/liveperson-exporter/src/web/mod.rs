//! The serving side: the routes ([`routes`]), the server that bounds connections and speaks TLS
//! and basic auth ([`serve`]), the exporter-toolkit web config file it takes those from
//! ([`config`], [`basic_auth`]), and the response body that holds a request's resources until it
//! is written ([`body`]). The `web` section of the exporter's own configuration is [`WebSettings`].

pub mod basic_auth;
pub mod body;
pub mod config;
pub mod routes;
pub mod serve;

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// The `web` section: the web config file, the connection bounds and the lifecycle endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// The exporter-toolkit web config file (TLS, basic auth, headers, rate limit); also
    /// `--web.config.file`.
    pub config_file: Option<PathBuf>,
    /// Open connections at most.
    pub max_connections: usize,
    /// Scrapes of `/metrics` served at once; more get 503.
    pub max_requests: usize,
    /// Time a client has to send a request head.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// Time a connection may wait for its next request.
    #[serde(with = "humantime_serde")]
    pub idle_timeout: Duration,
    /// Whether `POST /-/reload` reloads the configuration (like Prometheus'
    /// `--web.enable-lifecycle`).
    pub enable_lifecycle: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            config_file: None,
            max_connections: 128,
            max_requests: 40,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            enable_lifecycle: false,
        }
    }
}

impl WebSettings {
    /// The connection bounds.
    pub fn limits(&self) -> serve::Limits {
        serve::Limits {
            max_connections: self.max_connections,
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
        }
    }
}
