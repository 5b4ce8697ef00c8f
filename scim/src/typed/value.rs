//! [`ScimValue`]: converting one Rust field to and from the JSON value of its SCIM attribute.
//!
//! | Rust type | SCIM value | notes |
//! |---|---|---|
//! | `String` | string | |
//! | `bool` | boolean | also accepts the strings `"true"`/`"false"` in any case (Entra ID sends `"False"`) |
//! | `i32`, `i64`, `u32`, `u64` | integer | out-of-range numbers and fractions are errors, never truncated |
//! | `f64` | decimal | NaN and infinities have no JSON form and are written as absent |
//! | `time::OffsetDateTime` | dateTime | written as RFC 3339; read from RFC 3339, or `xsd:dateTime` without an offset (taken as UTC) |
//! | [`Reference`] | reference | a URI kept as text |
//! | [`Binary`] | binary | bytes, base64 (RFC 4648 section 4) on the wire; padding optional on input |
//! | `serde_json::Value` | anything | absent reads as `Value::Null`; `Null` writes as absent |
//! | `Option<T>` | optional | absent (or `null`) is `None` |
//! | `Vec<T>` | multi-valued | absent is an empty vector and an empty vector is written as absent (RFC 7643 section 2.5) |
//! | a serde type, with [`impl_scim_value_via_serde!`](crate::impl_scim_value_via_serde) | complex | `null` members are dropped on output |
//!
//! Absent values: for every type except `Option`, `Vec` and `Value`, an absent attribute is an
//! error ("required value missing"), because there is no value to give the field.

use base64::Engine as _;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::value::describe;

/// A Rust value that maps onto one SCIM attribute value.
///
/// `to_scim_value` returns `None` for "absent" (SCIM never writes `null`); `from_scim_value`
/// receives `None` when the attribute is absent and returns a plain message on failure, which
/// [`super::FieldAccessor::take`] turns into a `400 invalidValue` naming the path and field.
pub trait ScimValue: Sized {
    /// The JSON value of the attribute, or `None` to leave it absent.
    fn to_scim_value(&self) -> Option<Value>;
    /// The field from the attribute's JSON value (`None`: absent).
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String>;
}

/// A SCIM `reference` value: a URI (or a resource's `id`) kept as text. With serde it is the
/// plain string, so it can be a member of a complex attribute's serde struct (`$ref`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Reference(pub String);

/// One element of a multi-valued attribute with a `type` (`emails`, `phoneNumbers`, `ims`,
/// `photos`, `addresses`' text form): its `value`, `type`, `primary` and `display`, the absent
/// ones left out of its SCIM form. A field `Vec<MultiValue>` keeps every element a client sends;
/// [`MultiValue::value_of`] and [`MultiValue::set_value_of`] read and write the one of a type,
/// as an app column such as `email` holds Entra ID's `emails[type eq "work"].value`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct MultiValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}
crate::impl_scim_value_via_serde!(MultiValue);

impl MultiValue {
    /// Whether the element is of type `kind` (ignoring case: `type` is not `caseExact`).
    fn is(&self, kind: &str) -> bool {
        self.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(kind))
    }

    /// The `value` of the first element of type `kind`.
    pub fn value_of<'l>(list: &'l [MultiValue], kind: &str) -> Option<&'l str> {
        list.iter().find(|e| e.is(kind)).and_then(|e| e.value.as_deref())
    }

    /// Make `value` the value of the first element of type `kind` (adding one if there is none;
    /// `None` removes the elements of that type), keeping the other elements.
    pub fn set_value_of(list: &mut Vec<MultiValue>, kind: &str, value: Option<String>) {
        match (value, list.iter_mut().find(|e| e.is(kind))) {
            (Some(value), Some(element)) => element.value = Some(value),
            (Some(value), None) => {
                list.push(MultiValue { value: Some(value), kind: Some(kind.to_owned()), ..MultiValue::default() });
            }
            (None, _) => list.retain(|e| !e.is(kind)),
        }
    }
}

/// A SCIM `binary` value: the bytes, base64-encoded on the wire. With serde it is the base64
/// string, exactly as its [`ScimValue`] form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Binary(pub Vec<u8>);

impl Binary {
    /// The wire text: base64 (RFC 4648 section 4), padded.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }

    /// From the wire text; padding is optional (clients drop it).
    pub fn from_base64(text: &str) -> Result<Binary, String> {
        base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
            .decode(text)
            .map(Binary)
            .map_err(|e| format!("expected base64 (RFC 4648 section 4): {e}"))
    }
}

impl serde::Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for Binary {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64;
        impl serde::de::Visitor<'_> for Base64 {
            type Value = Binary;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a base64 string (RFC 4648 section 4)")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Binary, E> {
                Binary::from_base64(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Base64)
    }
}

const MISSING: &str = "required value missing";

fn expected(what: &str, found: &Value) -> String {
    format!("expected {what}, found {}", describe(found))
}

/// The value of a non-optional field: absent and `null` are both "missing".
fn present(value: Option<&Value>) -> Result<&Value, String> {
    match value {
        None | Some(Value::Null) => Err(MISSING.to_owned()),
        Some(value) => Ok(value),
    }
}

impl ScimValue for String {
    fn to_scim_value(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match present(value)? {
            Value::String(s) => Ok(s.clone()),
            other => Err(expected("a string", other)),
        }
    }
}

impl ScimValue for Reference {
    fn to_scim_value(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match present(value)? {
            Value::String(s) => Ok(Reference(s.clone())),
            other => Err(expected("a string (a reference)", other)),
        }
    }
}

impl ScimValue for Binary {
    fn to_scim_value(&self) -> Option<Value> {
        Some(Value::String(self.to_base64()))
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match present(value)? {
            Value::String(s) => Binary::from_base64(s),
            other => Err(expected("a string (base64)", other)),
        }
    }
}

impl ScimValue for bool {
    fn to_scim_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match present(value)? {
            Value::Bool(b) => Ok(*b),
            // Entra ID and Okta send booleans as "True"/"False" strings.
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            other => Err(expected("a boolean (true or false)", other)),
        }
    }
}

macro_rules! integer_scim_value {
    ($($ty:ty),+) => {$(
        impl ScimValue for $ty {
            fn to_scim_value(&self) -> Option<Value> {
                Some(Value::from(*self))
            }
            fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
                let value = present(value)?;
                let out_of_range = || {
                    format!("expected an integer from {} to {}, found {}", <$ty>::MIN, <$ty>::MAX, describe(value))
                };
                match value {
                    Value::Number(n) => {
                        if let Some(i) = n.as_i64() {
                            <$ty>::try_from(i).map_err(|_| out_of_range())
                        } else if let Some(u) = n.as_u64() {
                            <$ty>::try_from(u).map_err(|_| out_of_range())
                        } else {
                            Err(out_of_range())
                        }
                    }
                    other => Err(expected("an integer", other)),
                }
            }
        }
    )+};
}

integer_scim_value!(i32, i64, u32, u64);

impl ScimValue for f64 {
    fn to_scim_value(&self) -> Option<Value> {
        // NaN and the infinities have no JSON representation.
        serde_json::Number::from_f64(*self).map(Value::Number)
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match present(value)? {
            Value::Number(n) => n.as_f64().ok_or_else(|| format!("the number {n} is not representable")),
            other => Err(expected("a number", other)),
        }
    }
}

impl ScimValue for OffsetDateTime {
    fn to_scim_value(&self) -> Option<Value> {
        // Every OffsetDateTime with a four-digit year formats; others have no xsd:dateTime form.
        self.format(&Rfc3339).ok().map(Value::String)
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        const LOCAL: &[time::format_description::BorrowedFormatItem<'_>] =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
        match present(value)? {
            Value::String(s) => OffsetDateTime::parse(s, &Rfc3339)
                .or_else(|_| time::PrimitiveDateTime::parse(s, LOCAL).map(time::PrimitiveDateTime::assume_utc))
                .map_err(|_| {
                    format!("expected an RFC 3339 dateTime such as \"2011-08-01T18:29:49.793Z\", found {s:?}")
                }),
            other => Err(expected("a string (dateTime)", other)),
        }
    }
}

impl ScimValue for Value {
    fn to_scim_value(&self) -> Option<Value> {
        (!self.is_null()).then(|| self.clone())
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        Ok(value.cloned().unwrap_or(Value::Null))
    }
}

impl<T: ScimValue> ScimValue for Option<T> {
    fn to_scim_value(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_scim_value)
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::from_scim_value(Some(value)).map(Some),
        }
    }
}

impl<T: ScimValue> ScimValue for Vec<T> {
    fn to_scim_value(&self) -> Option<Value> {
        let values: Vec<Value> = self.iter().filter_map(T::to_scim_value).collect();
        (!values.is_empty()).then_some(Value::Array(values))
    }
    fn from_scim_value(value: Option<&Value>) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(values)) => values
                .iter()
                .enumerate()
                .map(|(index, v)| T::from_scim_value(Some(v)).map_err(|e| format!("element {index}: {e}")))
                .collect(),
            Some(other) => Err(expected("an array", other)),
        }
    }
}

/// `#[serde(with = "::scim::typed::as_scim_value")]`: a member of a serde struct (a complex
/// attribute's, an extension's) written and read exactly as [`ScimValue`] converts its type. The
/// generator puts it on `dateTime` members, so `OffsetDateTime`, `Option<OffsetDateTime>` and
/// `Vec<OffsetDateTime>` all work (serde's own adapters cover one shape each) and read the same
/// forms as a top-level field, without the app enabling `time`'s serde features.
pub mod as_scim_value {
    use serde::de::Error as _;
    use serde::{Deserialize as _, Deserializer, Serialize as _, Serializer};
    use serde_json::Value;

    use super::ScimValue;

    /// The SCIM value, or `null` when it is absent (which [`super::serde_to_scim_value`] drops).
    pub fn serialize<T: ScimValue, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        value.to_scim_value().serialize(serializer)
    }

    /// From the member's JSON value; `null` is absent, as for a top-level attribute.
    pub fn deserialize<'de, T: ScimValue, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        let value = Option::<Value>::deserialize(deserializer)?;
        T::from_scim_value(value.as_ref()).map_err(D::Error::custom)
    }
}

/// `to_scim_value` of [`impl_scim_value_via_serde!`](crate::impl_scim_value_via_serde): the
/// serde form with `null` members removed (SCIM represents null as absence, RFC 7643 section
/// 2.5); an object left empty, `null`, or a value serde cannot represent is absent.
#[doc(hidden)]
pub fn serde_to_scim_value<T: serde::Serialize>(value: &T) -> Option<Value> {
    let mut json = serde_json::to_value(value).ok()?;
    drop_nulls(&mut json);
    match &json {
        Value::Null => None,
        Value::Object(map) if map.is_empty() => None,
        _ => Some(json),
    }
}

/// `from_scim_value` of [`impl_scim_value_via_serde!`](crate::impl_scim_value_via_serde).
#[doc(hidden)]
pub fn serde_from_scim_value<T: serde::de::DeserializeOwned>(value: Option<&Value>) -> Result<T, String> {
    T::deserialize(present(value)?).map_err(|e| e.to_string())
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(values) => {
            values.retain(|v| !v.is_null());
            values.iter_mut().for_each(drop_nulls);
        }
        _ => {}
    }
}

/// Implement [`ScimValue`](crate::typed::ScimValue) for types that are `serde::Serialize` and
/// `serde::de::DeserializeOwned`, such as a struct for a complex attribute:
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Member {
///     value: String,
///     #[serde(rename = "$ref", skip_serializing_if = "Option::is_none")]
///     reference: Option<String>,
/// }
/// scim::impl_scim_value_via_serde!(Member);
/// ```
#[macro_export]
macro_rules! impl_scim_value_via_serde {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::typed::ScimValue for $ty {
            fn to_scim_value(&self) -> ::std::option::Option<$crate::typed::JsonValue> {
                $crate::typed::serde_to_scim_value(self)
            }
            fn from_scim_value(
                value: ::std::option::Option<&$crate::typed::JsonValue>,
            ) -> ::std::result::Result<Self, ::std::string::String> {
                $crate::typed::serde_from_scim_value(value)
            }
        }
    )+};
}
