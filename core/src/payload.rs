//! Lenient reading of upstream JSON payloads into typed structs. Upstream APIs vary: numbers
//! arrive as strings (ClickHouse 64-bit integers), fields go missing or null, a list turns up
//! where an object was expected. Only a body that is not JSON at all fails ([`parse`]);
//! below that, a field of the wrong shape reads as absent (its `Default`), never as an
//! error, and never as zero where the field is an `Option`.
//!
//! Payload structs derive `Deserialize` with `#[serde(default)]` and name one of these
//! functions in `deserialize_with` on every field: [`lenient`] for scalars, [`number`] for
//! numbers that may be strings, [`record`] for a nested object, [`items`] / [`entries`] for
//! an array / map of objects.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A payload from its body: fails only where the body is not JSON; JSON that is not an
/// object reads as the payload's default.
pub fn parse<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(body).map(from_object)
}

/// An object's fields as `T`; anything else (or an object `T` cannot read) is `T::default()`.
pub fn from_object<T: DeserializeOwned + Default>(v: Value) -> T {
    if v.is_object() {
        serde_json::from_value(v).unwrap_or_default()
    } else {
        T::default()
    }
}

/// A number that may come as a JSON number or a numeric string; anything else is None.
pub fn as_number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// A scalar field: a value of another type than `T` reads as `T::default()` (None for an
/// `Option`).
pub fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).unwrap_or_default())
}

/// A number field that may be a JSON number or a numeric string; anything else is None.
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(as_number(&Value::deserialize(d)?))
}

/// A nested object field; anything but an object reads as `T::default()`.
pub fn record<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(from_object(Value::deserialize(d)?))
}

/// An array of objects; anything but an array is empty, an element that is not an object
/// is `T::default()`.
pub fn items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(optional_items(d)?.unwrap_or_default())
}

/// An array of objects as [`items`], None where the field is not an array.
pub fn optional_items<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => Some(a.into_iter().map(from_object).collect()),
        _ => None,
    })
}

/// A map of objects by key; anything but an object is empty, a value that is not an object
/// is `T::default()`.
pub fn entries<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m.into_iter().map(|(k, v)| (k, from_object(v))).collect(),
        _ => BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Inner {
        #[serde(deserialize_with = "lenient")]
        name: Option<String>,
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    #[serde(default)]
    struct Outer {
        #[serde(deserialize_with = "number")]
        n: Option<f64>,
        #[serde(deserialize_with = "lenient")]
        strict: Option<f64>,
        #[serde(deserialize_with = "record")]
        inner: Inner,
        #[serde(deserialize_with = "items")]
        list: Vec<Inner>,
        #[serde(deserialize_with = "entries")]
        map: BTreeMap<String, Inner>,
    }

    fn outer(v: Value) -> Outer {
        from_object(v)
    }

    #[test]
    fn numbers_may_be_strings() {
        assert_eq!(as_number(&json!("356")), Some(356.0));
        assert_eq!(as_number(&json!(0.5)), Some(0.5));
        assert_eq!(as_number(&json!(null)), None);
        assert_eq!(outer(json!({"n": "2", "strict": "2"})).n, Some(2.0));
        assert_eq!(outer(json!({"n": "2", "strict": "2"})).strict, None);
    }

    #[test]
    fn absent_null_and_mistyped_fields_are_absent_not_zero() {
        assert_eq!(outer(json!({})), Outer::default());
        assert_eq!(outer(json!({"n": null, "strict": true})).n, None);
        assert_eq!(outer(json!({"inner": {"name": 3}})).inner, Inner::default());
    }

    #[test]
    fn collections_keep_their_elements_whatever_their_shape() {
        let o = outer(json!({"list": [{"name": "a"}, 1], "map": {"k": "x"}}));
        assert_eq!(o.list.len(), 2);
        assert_eq!(o.list[0].name.as_deref(), Some("a"));
        assert_eq!(o.map["k"], Inner::default());
        assert!(outer(json!({"list": {"a": 1}, "map": [1]})).list.is_empty());
    }

    #[test]
    fn only_a_body_that_is_not_json_fails() {
        assert!(parse::<Outer>(b"not json").is_err());
        assert_eq!(parse::<Outer>(b"[1, 2]").ok(), Some(Outer::default()));
    }
}
