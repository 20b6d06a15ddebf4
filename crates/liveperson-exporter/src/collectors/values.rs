//! Reading LivePerson's JSON values the way every collector needs: numbers where "no data" (absent,
//! null, -1 and other negatives, non-numbers) gives no sample, and ids as label text whether the API
//! sends them as numbers or strings.

use serde_json::Value;

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
    fn no_data_gives_no_value() {
        assert_eq!(value(&json!(12.5)), Some(12.5));
        assert_eq!(value(&json!("7")), Some(7.0));
        for v in [json!(-1), json!(null), json!("n/a"), json!([1])] {
            assert_eq!(value(&v), None, "{v}");
        }
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
