//! Checking one attribute value against its definition, and bringing it to canonical form.
//!
//! [`coerce`] is what every write path (POST, PUT, PATCH) runs a client's value through. It
//! checks the JSON type against the attribute's `type` (RFC 7643 section 2.3) and returns the
//! value the resource representation stores:
//!
//! | type | accepted | canonical form |
//! |---|---|---|
//! | `string`, `reference` | a JSON string | unchanged |
//! | `binary` | a string of standard base64 (RFC 4648 section 4; padding optional) | unchanged |
//! | `dateTime` | an `xsd:dateTime` string: RFC 3339, or without an offset | unchanged |
//! | `boolean` | `true`/`false`, or the strings `"true"`/`"false"` in any case | a JSON boolean |
//! | `integer` | a JSON number without a fractional part (`42`, `42.0`) | a JSON integer |
//! | `decimal` | any JSON number | unchanged |
//! | `complex` | an object whose keys name sub-attributes, case-insensitively | keys spelled as the schema spells them |
//!
//! Leniencies, each because a real client needs it:
//!
//! - **String booleans.** Entra ID sends `"active": "False"` in PATCH operations, and other
//!   clients send `"True"`. A string that is `true` or `false` ignoring case becomes the boolean.
//! - **Bare string for a complex value.** Entra ID sends the enterprise `manager` as
//!   `"manager": "<id>"`. A string given for a complex attribute that has a `value`
//!   sub-attribute becomes `{"value": "<id>"}` (and is then checked like any other object).
//! - **Single value for a multi-valued attribute.** A value that is not an array, given for a
//!   multi-valued attribute, is taken as a one-element array.
//! - **`canonicalValues` are not enforced.** RFC 7643 section 7 calls them suggestions
//!   ("MAY be used"); Entra ID sends `type` values such as `"mobile"` or `"fax"` and others send
//!   `"Work"`, so any string is accepted and kept as sent.
//!
//! Strictness:
//!
//! - The five sub-attributes RFC 7643 section 2.4 gives every multi-valued attribute (`type`,
//!   `primary`, `display`, `value`, `$ref`) are accepted even where the schema leaves them out
//!   (see [`implied_sub_attribute`]).
//! - Any other unknown sub-attribute is `400 invalidSyntax` naming it (with a did-you-mean), the same
//!   rule [`crate::resource`] applies to unknown top-level attributes: silently dropping data a
//!   client believes it stored makes provisioning failures invisible.
//! - Anything else of the wrong type is `400 invalidValue` naming the attribute's full path and
//!   the expected and found types.
//! - A multi-valued complex attribute may have at most one element with `"primary": true`
//!   (RFC 7643 section 2.4); more is `400 invalidValue`.
//!
//! Unassigned values (RFC 7643 section 2.5: "unassigned attributes, the null value, or empty
//! array ... SHALL be considered to be equivalent in state"): `null`, an empty array and a
//! complex value with no sub-attribute left all come back as [`Value::Null`], which means "no
//! value" — callers drop the attribute (or clear it). Inside a complex value, sub-attributes
//! that are `null` are dropped; inside an array, `null` elements are dropped.
//!
//! Mutability (`readOnly` and so on) is not this module's concern: it checks types only.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use std::sync::LazyLock;

use crate::schema::{Attribute, AttributeType, Mutability, suggestion};

/// Check `value` against `attr` and return its canonical form (see the module docs). Errors
/// name the attribute by `attr.name`; use [`coerce_at`] to name it by a longer path.
pub fn coerce(attr: &Attribute, value: Value) -> ScimResult<Value> {
    coerce_at(attr, value, &attr.name)
}

/// [`coerce`], naming the attribute `path` in errors (e.g. `name.givenName`, or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`).
pub fn coerce_at(attr: &Attribute, value: Value, path: &str) -> ScimResult<Value> {
    if attr.multi_valued { coerce_multi(attr, value, path) } else { coerce_single_at(attr, value, path) }
}

/// Check one value of `attr` ignoring `multiValued`: the value of a single-valued attribute, or
/// one element of a multi-valued one (what a PATCH `add` to `emails[type eq "work"]` or a
/// filter-selected element needs). Never wraps arrays: an array given here is an error, since
/// one element of a SCIM attribute is never itself an array.
pub fn coerce_single(attr: &Attribute, value: Value) -> ScimResult<Value> {
    coerce_single_at(attr, value, &attr.name)
}

/// [`coerce_single`], naming the value `path` in errors.
pub fn coerce_single_at(attr: &Attribute, value: Value, path: &str) -> ScimResult<Value> {
    match (attr.kind, value) {
        (_, Value::Null) => Ok(Value::Null),
        (AttributeType::String | AttributeType::Reference, Value::String(s)) => Ok(Value::String(s)),
        (AttributeType::Binary, Value::String(s)) => {
            if is_base64(&s) {
                Ok(Value::String(s))
            } else {
                Err(ScimError::invalid_value(format!("`{path}` is binary and must be base64 (RFC 4648 section 4)")))
            }
        }
        (AttributeType::DateTime, Value::String(s)) => {
            if is_date_time(&s) {
                Ok(Value::String(s))
            } else {
                Err(ScimError::invalid_value(format!(
                    "`{path}` is a dateTime and must be an xsd:dateTime such as 2008-01-23T04:56:22Z, found {s:?}"
                )))
            }
        }
        (AttributeType::Boolean, Value::Bool(b)) => Ok(Value::Bool(b)),
        (AttributeType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        (AttributeType::Boolean, Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        (AttributeType::Integer, Value::Number(n)) => integer(&n)
            .map(Value::from)
            .ok_or_else(|| ScimError::invalid_value(format!("`{path}` is an integer, found the number {n}"))),
        (AttributeType::Decimal, Value::Number(n)) => Ok(Value::Number(n)),
        (AttributeType::Complex, Value::Object(object)) => coerce_complex(attr, object, path),
        (AttributeType::Complex, Value::String(s)) if attr.sub_attribute("value").is_some() => {
            let mut object = Map::new();
            object.insert("value".to_owned(), Value::String(s));
            coerce_complex(attr, object, path)
        }
        (kind, found) => Err(type_mismatch(path, kind, &found)),
    }
}

/// The whole value of a multi-valued attribute: an array whose elements are each checked. A
/// single value is not wrapped: a client sending `"emails": {"value": ...}` has a bug it should
/// see, and guessing would store what it did not mean. (PATCH `add`, where RFC 7644 lets a
/// single value stand for one element, wraps before calling this.)
fn coerce_multi(attr: &Attribute, value: Value, path: &str) -> ScimResult<Value> {
    let elements = match value {
        Value::Null => return Ok(Value::Null),
        Value::Array(elements) => elements,
        single => {
            return Err(ScimError::invalid_value(format!(
                "`{path}` is multi-valued and must be an array, found {}; send [{}]",
                describe(&single),
                if attr.kind == AttributeType::Complex { "{...}" } else { "..." }
            )));
        }
    };
    let mut out = Vec::with_capacity(elements.len());
    for (index, element) in elements.into_iter().enumerate() {
        if element.is_array() {
            return Err(ScimError::invalid_value(format!(
                "`{path}` is multi-valued; its element {index} must be a single {}, found an array",
                attr.kind.as_str()
            )));
        }
        let element = coerce_single_at(attr, element, path).map_err(|e| e.context(format_args!("element {index}")))?;
        if !element.is_null() {
            out.push(element);
        }
    }
    if attr.kind == AttributeType::Complex {
        check_single_primary(&out, path)?;
    }
    Ok(if out.is_empty() { Value::Null } else { Value::Array(out) })
}

/// RFC 7643 section 2.4: "The primary attribute value 'true' MUST appear no more than once."
pub fn check_single_primary(elements: &[Value], path: &str) -> ScimResult<()> {
    let primaries = elements.iter().filter(|e| is_primary(e)).count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "`{path}` has {primaries} values with \"primary\": true; at most one may be primary (RFC 7643 section 2.4)"
        )));
    }
    Ok(())
}

/// Whether an element of a multi-valued complex attribute is marked `"primary": true` (after
/// coercion, so the key is spelled canonically and the value is a boolean).
pub fn is_primary(element: &Value) -> bool {
    element.get("primary").and_then(Value::as_bool) == Some(true)
}

fn coerce_complex(attr: &Attribute, object: Map<String, Value>, path: &str) -> ScimResult<Value> {
    let mut out = Map::with_capacity(object.len());
    for (key, value) in object {
        let sub = attr.sub_attribute(&key).or_else(|| implied_sub_attribute(attr, &key)).ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "`{key}` is not a sub-attribute of `{path}`; it has {}{}",
                attr.sub_attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
                suggestion(&key, attr.sub_attributes.iter().map(|a| a.name.as_str()))
            ))
        })?;
        if out.contains_key(&sub.name) {
            return Err(ScimError::invalid_syntax(format!(
                "`{path}` gives the sub-attribute `{}` twice (names are case-insensitive)",
                sub.name
            )));
        }
        // Sub-attributes of a complex attribute are never complex themselves (RFC 7643
        // section 2.3.8), but a loaded schema might say otherwise; recursion handles it.
        let value = coerce_at(sub, value, &format!("{path}.{}", sub.name))?;
        if !value.is_null() {
            out.insert(sub.name.clone(), value);
        }
    }
    Ok(if out.is_empty() {
        Value::Null
    } else {
        Value::Object(in_schema_order(out, attr.sub_attributes.iter().map(|a| a.name.as_str())))
    })
}

/// The sub-attributes RFC 7643 section 2.4 gives every multi-valued attribute "unless
/// otherwise defined": `type`, `primary`, `display`, `value` and `$ref`.
static IMPLIED_SUB_ATTRIBUTES: LazyLock<[Attribute; 5]> = LazyLock::new(|| {
    [
        Attribute::new("type", AttributeType::String),
        Attribute::new("primary", AttributeType::Boolean),
        Attribute { mutability: Mutability::Immutable, ..Attribute::new("display", AttributeType::String) },
        Attribute::new("value", AttributeType::String),
        Attribute::new("$ref", AttributeType::Reference),
    ]
});

/// For a multi-valued complex attribute whose schema does not define `name`, the definition RFC
/// 7643 section 2.4 implies for it, if `name` is one of the standard five. The section 8.7.1
/// schemas leave some out although section 4 uses them: `addresses.primary` (section 4.1.2)
/// and Group `members.display` (section 8.4's example; erratum 6011), and Okta sends the
/// latter with every group push.
pub fn implied_sub_attribute(attr: &Attribute, name: &str) -> Option<&'static Attribute> {
    if !attr.multi_valued || attr.kind != AttributeType::Complex {
        return None;
    }
    IMPLIED_SUB_ATTRIBUTES.iter().find(|a| a.is_named(name))
}

/// The members of `object` (whose keys are canonical attribute names) reordered as `names`
/// (the schema's attribute names) lists them, so that equal values serialise to equal bytes
/// whatever order the client used. Keys not in `names` keep their relative order, at the end.
pub fn in_schema_order<'a>(
    mut object: Map<String, Value>,
    names: impl IntoIterator<Item = &'a str>,
) -> Map<String, Value> {
    let mut ordered = Map::with_capacity(object.len());
    for name in names {
        if let Some((key, value)) = object.shift_remove_entry(name) {
            ordered.insert(key, value);
        }
    }
    ordered.extend(object);
    ordered
}

/// A JSON number as an `i64` when it has no fractional part (`42` or `42.0`).
fn integer(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    // The bounds are exact powers of two, so the casts below are exact.
    let in_range = f >= i64::MIN as f64 && f < i64::MAX as f64;
    (f.fract() == 0.0 && in_range).then_some(f as i64)
}

fn is_base64(s: &str) -> bool {
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT.decode(s).is_ok()
}

/// `xsd:dateTime` (XML Schema part 2, section 3.2.7), which RFC 7643 section 2.3.5 requires:
/// RFC 3339 with an offset, or a local date and time with no offset at all.
pub fn is_date_time(s: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    const LOCAL: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    time::OffsetDateTime::parse(s, &Rfc3339).is_ok() || time::PrimitiveDateTime::parse(s, LOCAL).is_ok()
}

fn type_mismatch(path: &str, kind: AttributeType, found: &Value) -> ScimError {
    let expected = match kind {
        AttributeType::Boolean => "a boolean (true or false)",
        AttributeType::Integer => "an integer",
        AttributeType::Decimal => "a number",
        AttributeType::Complex => "an object",
        AttributeType::String => "a string",
        AttributeType::Reference => "a string (a reference)",
        AttributeType::Binary => "a string (base64)",
        AttributeType::DateTime => "a string (dateTime)",
    };
    ScimError::invalid_value(format!("`{path}` must be {expected}, found {}", describe(found)))
}

/// What kind of JSON a value is, for error details: `a string ("x")`, `an array`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ScimType;

    fn attr(kind: AttributeType) -> Attribute {
        Attribute::new("a", kind)
    }

    fn multi(mut a: Attribute) -> Attribute {
        a.multi_valued = true;
        a
    }

    /// `emails` as RFC 7643 section 4.1.2 defines it (only the sub-attributes the tests need).
    fn emails() -> Attribute {
        Attribute {
            sub_attributes: vec![
                Attribute::new("value", AttributeType::String),
                Attribute {
                    canonical_values: vec!["work".into(), "home".into()],
                    ..Attribute::new("type", AttributeType::String)
                },
                Attribute::new("primary", AttributeType::Boolean),
            ],
            ..multi(Attribute::new("emails", AttributeType::Complex))
        }
    }

    fn manager() -> Attribute {
        Attribute {
            sub_attributes: vec![
                Attribute::new("value", AttributeType::String),
                Attribute::new("$ref", AttributeType::Reference),
                Attribute::new("displayName", AttributeType::String),
            ],
            ..Attribute::new("manager", AttributeType::Complex)
        }
    }

    #[test]
    fn accepts_and_canonicalises_each_type() {
        let cases = [
            (AttributeType::String, json!("bjensen"), json!("bjensen")),
            (
                AttributeType::Reference,
                json!("https://example.com/v2/Users/1"),
                json!("https://example.com/v2/Users/1"),
            ),
            (AttributeType::Binary, json!("TWFu"), json!("TWFu")),
            (AttributeType::Binary, json!("TWE="), json!("TWE=")),
            (AttributeType::Binary, json!("TWE"), json!("TWE")),
            (AttributeType::DateTime, json!("2008-01-23T04:56:22Z"), json!("2008-01-23T04:56:22Z")),
            (AttributeType::DateTime, json!("2011-05-13T04:42:34.123+02:00"), json!("2011-05-13T04:42:34.123+02:00")),
            (AttributeType::DateTime, json!("2008-01-23T04:56:22"), json!("2008-01-23T04:56:22")),
            (AttributeType::Boolean, json!(true), json!(true)),
            (AttributeType::Boolean, json!(false), json!(false)),
            // Entra ID and Okta quirk: booleans as strings, in any case.
            (AttributeType::Boolean, json!("True"), json!(true)),
            (AttributeType::Boolean, json!("FALSE"), json!(false)),
            (AttributeType::Boolean, json!("false"), json!(false)),
            (AttributeType::Integer, json!(42), json!(42)),
            (AttributeType::Integer, json!(-7), json!(-7)),
            (AttributeType::Integer, json!(42.0), json!(42)),
            (AttributeType::Decimal, json!(1.5), json!(1.5)),
            (AttributeType::Decimal, json!(3), json!(3)),
        ];
        for (kind, input, expected) in cases {
            assert_eq!(coerce(&attr(kind), input.clone()).unwrap(), expected, "{kind:?} {input}");
        }
    }

    #[test]
    fn rejects_values_of_the_wrong_type_naming_the_attribute() {
        let cases = [
            (AttributeType::String, json!(5), "must be a string, found the number 5"),
            (AttributeType::String, json!(true), "found the boolean true"),
            (AttributeType::Reference, json!({}), "found an object"),
            (AttributeType::Binary, json!("not base64!"), "must be base64"),
            (AttributeType::DateTime, json!("yesterday"), "xsd:dateTime"),
            (AttributeType::DateTime, json!("2008-01-23"), "xsd:dateTime"),
            (AttributeType::DateTime, json!("2008-13-23T04:56:22Z"), "xsd:dateTime"),
            (AttributeType::Boolean, json!("yes"), "must be a boolean"),
            (AttributeType::Boolean, json!(1), "must be a boolean"),
            (AttributeType::Integer, json!(1.5), "is an integer, found the number 1.5"),
            (AttributeType::Integer, json!("42"), "must be an integer"),
            (AttributeType::Decimal, json!("1.5"), "must be a number"),
            (AttributeType::Complex, json!(5), "must be an object"),
            (AttributeType::String, json!(["a"]), "found an array"),
        ];
        for (kind, input, message) in cases {
            let error = coerce(&attr(kind), input.clone()).unwrap_err();
            assert_eq!(error.scim_type, Some(ScimType::InvalidValue), "{kind:?} {input}");
            assert!(error.detail.contains("`a`"), "{}", error.detail);
            assert!(error.detail.contains(message), "{kind:?} {input}: {}", error.detail);
        }
    }

    #[test]
    fn null_means_no_value() {
        for kind in [AttributeType::String, AttributeType::Boolean, AttributeType::Complex] {
            assert_eq!(coerce(&attr(kind), Value::Null).unwrap(), Value::Null);
            assert_eq!(coerce(&multi(attr(kind)), Value::Null).unwrap(), Value::Null);
        }
        // RFC 7643 section 2.5: an empty array is the same state as no value.
        assert_eq!(coerce(&emails(), json!([])).unwrap(), Value::Null);
        assert_eq!(coerce(&manager(), json!({"value": null})).unwrap(), Value::Null);
    }

    #[test]
    fn complex_keys_are_matched_case_insensitively_and_renamed() {
        let value = coerce(&manager(), json!({"VALUE": "26118915-6090-4610-87e4-49d8ca9f808d", "DisplayName": "John"}));
        assert_eq!(value.unwrap(), json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John"}));
    }

    #[test]
    fn complex_sub_attributes_come_back_in_schema_order() {
        let value = coerce(&manager(), json!({"displayName": "John", "$ref": "../Users/1", "value": "1"})).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"value":"1","$ref":"../Users/1","displayName":"John"}"#);
    }

    #[test]
    fn complex_null_sub_attributes_are_dropped() {
        let value = coerce(&manager(), json!({"value": "x", "displayName": null})).unwrap();
        assert_eq!(value, json!({"value": "x"}));
    }

    #[test]
    fn entra_bare_string_manager_becomes_an_object() {
        let value = coerce(&manager(), json!("26118915-6090-4610-87e4-49d8ca9f808d")).unwrap();
        assert_eq!(value, json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d"}));
        // Only where a `value` sub-attribute exists.
        let name = Attribute {
            sub_attributes: vec![Attribute::new("givenName", AttributeType::String)],
            ..Attribute::new("name", AttributeType::Complex)
        };
        assert_eq!(coerce(&name, json!("Barbara")).unwrap_err().scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn unknown_sub_attribute_is_rejected_with_a_suggestion() {
        let error = coerce(&manager(), json!({"displayNme": "John"})).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
        assert!(error.detail.contains("`displayNme` is not a sub-attribute of `manager`"), "{}", error.detail);
        assert!(error.detail.contains("did you mean `displayName`"), "{}", error.detail);
    }

    #[test]
    fn rfc_7643_section_2_4_implied_sub_attributes_are_accepted_on_multi_valued_attributes() {
        let members = Attribute {
            sub_attributes: vec![Attribute::new("value", AttributeType::String)],
            ..multi(Attribute::new("members", AttributeType::Complex))
        };
        let value = coerce(&members, json!([{"Display": "Babs", "value": "1", "primary": "false"}])).unwrap();
        assert_eq!(value, json!([{"value": "1", "display": "Babs", "primary": false}]));
        assert_eq!(coerce(&members, json!([{"primary": 1}])).unwrap_err().scim_type, Some(ScimType::InvalidValue));
        assert_eq!(coerce(&members, json!([{"other": 1}])).unwrap_err().scim_type, Some(ScimType::InvalidSyntax));
        // Not on single-valued attributes.
        assert_eq!(coerce(&manager(), json!({"type": "x"})).unwrap_err().scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn duplicate_sub_attribute_in_different_case_is_rejected() {
        let error = coerce(&manager(), json!({"value": "a", "Value": "b"})).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn sub_attribute_errors_carry_the_full_path() {
        let error = coerce_at(&manager(), json!({"value": 5}), "urn:x:User:manager").unwrap_err();
        assert!(error.detail.contains("`urn:x:User:manager.value` must be a string"), "{}", error.detail);
        let error = coerce(&emails(), json!([{"value": "a"}, {"primary": "maybe"}])).unwrap_err();
        assert!(error.detail.starts_with("element 1: `emails.primary` must be a boolean"), "{}", error.detail);
    }

    #[test]
    fn multi_valued_elements_are_each_coerced() {
        let value = coerce(
            &emails(),
            json!([{"Value": "bjensen@example.com", "Type": "work", "Primary": "True"}, null, {"value": "b@example.com", "type": "fax"}]),
        )
        .unwrap();
        assert_eq!(
            value,
            json!([
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "b@example.com", "type": "fax"}
            ])
        );
    }

    #[test]
    fn canonical_values_are_not_enforced() {
        for kind in ["Work", "mobile", "fax", "anything"] {
            let value = coerce(&emails(), json!([{"value": "a@example.com", "type": kind}])).unwrap();
            assert_eq!(value[0]["type"], kind);
        }
    }

    #[test]
    fn a_single_value_for_a_multi_valued_attribute_is_rejected() {
        let error = coerce(&emails(), json!({"value": "a@example.com"})).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
        assert_eq!(error.detail, "`emails` is multi-valued and must be an array, found an object; send [{...}]");
        let tags = multi(Attribute::new("tags", AttributeType::String));
        let error = coerce(&tags, json!("x")).unwrap_err();
        assert_eq!(error.detail, "`tags` is multi-valued and must be an array, found the string \"x\"; send [...]");
    }

    #[test]
    fn nested_arrays_are_rejected() {
        let tags = multi(Attribute::new("tags", AttributeType::String));
        let error = coerce(&tags, json!(["x", ["y"]])).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
        assert!(error.detail.contains("element 1"), "{}", error.detail);
    }

    #[test]
    fn at_most_one_primary() {
        let ok = coerce(&emails(), json!([{"value": "a", "primary": true}, {"value": "b", "primary": false}]));
        assert!(ok.is_ok());
        let error =
            coerce(&emails(), json!([{"value": "a", "primary": true}, {"value": "b", "primary": "true"}])).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
        assert!(error.detail.contains("at most one may be primary"), "{}", error.detail);
    }

    #[test]
    fn coerce_single_does_not_wrap() {
        let element = coerce_single(&emails(), json!({"value": "a"})).unwrap();
        assert_eq!(element, json!({"value": "a"}));
        assert!(coerce_single(&emails(), json!([{"value": "a"}])).is_err());
    }
}
