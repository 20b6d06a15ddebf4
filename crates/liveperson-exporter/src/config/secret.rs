//! Secrets: given inline, as `<name>_env` (an environment variable's name) or as `<name>_file` (a
//! path, e.g. a mounted Kubernetes secret); exactly one of the three. Held in [`Secret`], which
//! never prints its value. Imports nothing from the crate above [`super::problems`].

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::problems::Problems;

/// A secret value, and the file it was read from if it came from one (watched for rotation). Its
/// `Debug` form is redacted and it has no `Display`, so it cannot end up in a log line or an error
/// message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    file: Option<PathBuf>,
}

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Self {
            value: s.into(),
            file: None,
        }
    }

    /// The value, for signing and token requests only.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The file it was read from (`<name>_file`).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A secret as the file gives it: inline, `_env` or `_file`.
#[derive(Deserialize, Default)]
pub(crate) struct RawSecret {
    pub(crate) value: Option<String>,
    pub(crate) env: Option<String>,
    pub(crate) file: Option<String>,
}

/// Reads a secret given inline, as `<path>_env` or as `<path>_file`.
pub(crate) fn resolve_secret(
    raw: RawSecret,
    path: &str,
    problems: &mut Problems,
) -> Option<Secret> {
    match (raw.value, raw.env, raw.file) {
        (Some(v), None, None) if !v.is_empty() => Some(Secret::new(v)),
        (None, Some(var), None) => match std::env::var(&var) {
            Ok(v) if !v.is_empty() => Some(Secret::new(v)),
            _ => {
                problems.add(
                    format!("{path}_env"),
                    format!("environment variable {var} is not set"),
                );
                None
            }
        },
        (None, None, Some(file)) => match std::fs::read_to_string(&file) {
            Ok(v) if !v.trim().is_empty() => Some(Secret {
                value: v.trim().to_string(),
                file: Some(PathBuf::from(file)),
            }),
            Ok(_) => {
                problems.add(format!("{path}_file"), format!("{file} is empty"));
                None
            }
            Err(e) => {
                problems.add(
                    format!("{path}_file"),
                    format!("cannot read {file}: {}", e.kind()),
                );
                None
            }
        },
        (None, None, None) | (Some(_), None, None) => {
            problems.add(path, "required (inline, as _env or as _file)");
            None
        }
        _ => {
            problems.add(path, "give exactly one of the value, _env and _file");
            None
        }
    }
}
