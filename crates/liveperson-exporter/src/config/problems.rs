//! The ground floor of configuration: problems with their key paths, collected so every one is
//! reported at once, and the reading of a section into a typed struct that records them. Imports
//! nothing from the crate.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One configuration problem, with the key path it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `accounts[0].collectors.key_messaging_metrics.interval`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collected problems.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem at `path`.
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Joins a base path and a key.
pub fn join(base: &str, key: &str) -> String {
    match (base.is_empty(), key.starts_with('[')) {
        (true, _) => key.to_string(),
        (false, true) => format!("{base}{key}"),
        (false, false) => format!("{base}.{key}"),
    }
}

/// Reads `value` as `T`, recording unknown keys and the type error (if any) under `base`.
pub fn typed<T: DeserializeOwned>(value: Value, base: &str, problems: &mut Problems) -> Option<T> {
    let mut unknown = Vec::new();
    let mut record = |p: serde_ignored::Path<'_>| unknown.push(p.to_string());
    let de = serde_ignored::Deserializer::new(value, &mut record);
    let result: Result<T, _> = serde_path_to_error::deserialize(de);
    for u in unknown {
        problems.add(join(base, &u), "unknown key");
    }
    match result {
        Ok(t) => Some(t),
        Err(e) => {
            let at = e.path().to_string();
            let at = if at == "." { String::new() } else { at };
            problems.add(join(base, &at), without_values(&e.into_inner().to_string()));
            None
        }
    }
}

/// A serde error message without the values it quotes: `invalid type: integer `98765`, expected a
/// string` becomes `invalid type: integer, expected a string`. The value may be a secret (a numeric
/// secret, or a whole mistyped `LIVEPERSON_EXPORTER_ACCOUNTS`), and the key path already says where.
pub fn without_values(message: &str) -> String {
    let Some(at) = message.find(", expected") else {
        return message.to_string();
    };
    let (head, tail) = message.split_at(at);
    let Some(open) = head.find(['`', '"']) else {
        return message.to_string();
    };
    let quote = &head[open..open + 1];
    match head.rfind(quote) {
        Some(close) if close > open => {
            format!("{}{}{tail}", head[..open].trim_end(), &head[close + 1..])
        }
        _ => message.to_string(),
    }
}

/// An absent section (`null`) read as an empty one, so its defaults apply.
pub fn or_empty(v: Value) -> Value {
    if v.is_null() {
        Value::Object(Default::default())
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_name_no_value() {
        assert_eq!(
            without_values("invalid type: integer `98765432123`, expected a string"),
            "invalid type: integer, expected a string"
        );
        assert_eq!(
            without_values(
                r#"invalid type: string "[{id: \"1\", secret: s3cr3t}]", expected a sequence"#
            ),
            "invalid type: string, expected a sequence"
        );
        assert_eq!(
            without_values("unknown variant `x`, expected `IFT` or `EHT`"),
            "unknown variant, expected `IFT` or `EHT`"
        );
        assert_eq!(without_values("missing field `id`"), "missing field `id`");
    }
}
