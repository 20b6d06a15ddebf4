//! Reading LivePerson's JSON values the way every collector needs: numbers where "no data" (absent,
//! null, -1 and other negatives, non-numbers) gives no sample, and ids as label text whether the API
//! sends them as numbers or strings. [`Reading`] holds such a value compactly while a body is
//! decoded, so a large answer never becomes a tree of `serde_json::Value`s.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, Visitor};
use serde_json::Value;

/// A JSON value where LivePerson documents a number, decoded without keeping anything else:
/// the number (numeric text included), or the fact that something else was there (null, text,
/// `true`, an array or an object, whose contents are skipped unread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// A number, or text that reads as one.
    Number(f64),
    /// Anything else.
    NotANumber,
}

impl Reading {
    /// The value if it is a finite number that is not negative; `None` is "no data".
    pub fn value(&self) -> Option<f64> {
        match *self {
            Reading::Number(x) if x >= 0.0 && x.is_finite() => Some(x),
            _ => None,
        }
    }

    /// The value as a whole number (epoch milliseconds), if it is one.
    pub fn whole(&self) -> Option<i64> {
        match *self {
            Reading::Number(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(x as i64),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Reading {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ReadingVisitor;
        impl<'de> Visitor<'de> for ReadingVisitor {
            type Value = Reading;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Reading, E> {
                Ok(Reading::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Reading, E> {
                Ok(Reading::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Reading, E> {
                Ok(Reading::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Reading, E> {
                Ok(v.parse().map_or(Reading::NotANumber, Reading::Number))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Reading, E> {
                Ok(Reading::NotANumber)
            }
            fn visit_unit<E>(self) -> Result<Reading, E> {
                Ok(Reading::NotANumber)
            }
            fn visit_none<E>(self) -> Result<Reading, E> {
                Ok(Reading::NotANumber)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Reading, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Reading, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Reading::NotANumber)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Reading, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Reading::NotANumber)
            }
        }
        d.deserialize_any(ReadingVisitor)
    }
}

/// Numbers by field name, as LivePerson's metric objects carry them.
pub type Readings = BTreeMap<String, Reading>;

/// A counted field of a metric object: absent is 0 (no such activity); present but not a count
/// (null, negative, text) is `Err` with the field's name, and the caller counts nothing of the
/// answer, so it is asked for again.
pub fn count(m: &Readings, field: &'static str) -> Result<f64, &'static str> {
    match m.get(field) {
        None => Ok(0.0),
        Some(r) => r.value().ok_or(field),
    }
}

/// A JSON number (or numeric string) that is not negative; `None` is "no data".
pub fn value(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    (x >= 0.0 && x.is_finite()).then_some(x)
}

/// An id as label text: a string as it is, anything else in its JSON form (`123`).
pub fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A status reason id (agent activity's `statusReasonId`, agent_view's
/// `agentCurrentStatusReasonId`) as the `status_reason_id` label: `None` for the no-reason forms
/// (0, -1, null, "", "NA") and for anything that is not an id.
pub fn status_reason_id(v: &Value) -> Option<String> {
    let id = id_text(v);
    let is_id = !id.is_empty() && crate::metrics::vocabulary::Values::Id.admits(&id);
    (is_id && !matches!(id.as_str(), "0" | "-1")).then_some(id)
}

/// An id that must be there: a number, or a string that is not empty.
pub fn required_id(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_reason_ids_leave_out_every_no_reason_form() {
        for none in [
            json!(0),
            json!(-1),
            json!(null),
            json!(""),
            json!("NA"),
            json!("0"),
        ] {
            assert_eq!(status_reason_id(&none), None, "{none}");
        }
        assert_eq!(status_reason_id(&json!(12)), Some("12".into()));
        assert_eq!(status_reason_id(&json!("3")), Some("3".into()));
    }

    #[test]
    fn no_data_gives_no_value() {
        assert_eq!(value(&json!(12.5)), Some(12.5));
        assert_eq!(value(&json!("7")), Some(7.0));
        for v in [json!(-1), json!(null), json!("n/a"), json!([1])] {
            assert_eq!(value(&v), None, "{v}");
        }
    }

    #[test]
    fn a_reading_is_the_value_of_the_same_json() {
        for v in [
            json!(12.5),
            json!("7"),
            json!(-1),
            json!(null),
            json!("n/a"),
            json!([1]),
            json!({"a": 1}),
            json!(true),
            json!("1e999"),
        ] {
            let r: Reading = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(r.value(), value(&v), "{v}");
        }
        let r: Reading = serde_json::from_value(json!(1_700_000_000_123i64)).unwrap();
        assert_eq!(r.whole(), Some(1_700_000_000_123));
    }

    #[test]
    fn a_count_is_absent_as_zero_and_present_as_a_count() {
        let m: Readings = serde_json::from_value(json!({"a": 3, "b": null, "c": -1})).unwrap();
        assert_eq!(count(&m, "a"), Ok(3.0));
        assert_eq!(count(&m, "none"), Ok(0.0));
        assert_eq!(count(&m, "b"), Err("b"));
        assert_eq!(count(&m, "c"), Err("c"));
    }

    #[test]
    fn ids_are_label_text() {
        assert_eq!(id_text(&json!(123)), "123");
        assert_eq!(id_text(&json!("a7")), "a7");
        assert_eq!(required_id(Some(&json!(5))), Some("5".into()));
        assert_eq!(required_id(Some(&json!(""))), None);
        assert_eq!(required_id(None), None);
    }
}
