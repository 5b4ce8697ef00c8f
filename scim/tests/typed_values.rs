//! `ScimValue`: every Rust type's conversion to and from its SCIM JSON value (RFC 7643
//! section 2.3 data types, section 2.5 unassigned values).

use scim::typed::{Binary, Reference, ScimValue};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

fn from<T: ScimValue>(value: Value) -> Result<T, String> {
    T::from_scim_value(Some(&value))
}

fn absent<T: ScimValue>() -> Result<T, String> {
    T::from_scim_value(None)
}

#[test]
fn strings_and_references() {
    assert_eq!("bjensen".to_owned().to_scim_value(), Some(json!("bjensen")));
    assert_eq!(from::<String>(json!("x")), Ok("x".to_owned()));
    assert_eq!(from::<String>(json!(true)), Err("expected a string, found the boolean true".to_owned()));
    assert_eq!(absent::<String>(), Err("required value missing".to_owned()));
    assert_eq!(from::<String>(Value::Null), Err("required value missing".to_owned()));
    assert_eq!(Reference("../Users/1".into()).to_scim_value(), Some(json!("../Users/1")));
    assert_eq!(from::<Reference>(json!("https://x")), Ok(Reference("https://x".into())));
}

#[test]
fn booleans_accept_entra_string_forms() {
    let cases = [
        (json!(true), Ok(true)),
        (json!(false), Ok(false)),
        (json!("True"), Ok(true)),
        (json!("FALSE"), Ok(false)),
        (json!("yes"), Err("expected a boolean (true or false), found the string \"yes\"")),
        (json!(1), Err("expected a boolean (true or false), found the number 1")),
    ];
    for (input, expected) in cases {
        assert_eq!(from::<bool>(input.clone()), expected.map_err(str::to_owned), "{input}");
    }
    assert_eq!(false.to_scim_value(), Some(json!(false)));
}

#[test]
fn integers_are_range_checked() {
    assert_eq!(from::<i32>(json!(-5)), Ok(-5));
    assert_eq!(
        from::<i32>(json!(2_147_483_648_i64)),
        Err(format!("expected an integer from {} to {}, found the number 2147483648", i32::MIN, i32::MAX))
    );
    assert_eq!(from::<u32>(json!(-1)), Err("expected an integer from 0 to 4294967295, found the number -1".to_owned()));
    assert_eq!(from::<u64>(json!(u64::MAX)), Ok(u64::MAX));
    assert_eq!(
        from::<i64>(json!(u64::MAX)).unwrap_err(),
        format!("expected an integer from {} to {}, found the number {}", i64::MIN, i64::MAX, u64::MAX)
    );
    assert!(from::<i64>(json!(1.5)).unwrap_err().starts_with("expected an integer from"));
    assert_eq!(from::<i64>(json!("7")), Err("expected an integer, found the string \"7\"".to_owned()));
    assert_eq!(42_u32.to_scim_value(), Some(json!(42)));
    assert_eq!((-42_i64).to_scim_value(), Some(json!(-42)));
}

#[test]
fn decimals() {
    assert_eq!(from::<f64>(json!(1.5)), Ok(1.5));
    assert_eq!(from::<f64>(json!(3)), Ok(3.0));
    assert_eq!(2.25_f64.to_scim_value(), Some(json!(2.25)));
    assert_eq!(f64::NAN.to_scim_value(), None, "NaN has no JSON form, so it is written as absent");
    assert_eq!(from::<f64>(json!("1.5")), Err("expected a number, found the string \"1.5\"".to_owned()));
}

#[test]
fn date_times_are_rfc3339() {
    let instant = datetime!(2011-08-01 18:29:49.793 UTC);
    assert_eq!(instant.to_scim_value(), Some(json!("2011-08-01T18:29:49.793Z")));
    assert_eq!(from::<OffsetDateTime>(json!("2011-08-01T18:29:49.793Z")), Ok(instant));
    assert_eq!(from::<OffsetDateTime>(json!("2011-08-01T20:29:49.793+02:00")), Ok(instant));
    // xsd:dateTime without an offset (RFC 7643 section 2.3.5) is taken as UTC.
    assert_eq!(from::<OffsetDateTime>(json!("2011-08-01T18:29:49.793")), Ok(instant));
    assert!(from::<OffsetDateTime>(json!("2011-08-01")).unwrap_err().starts_with("expected an RFC 3339 dateTime"));
    assert_eq!(
        from::<OffsetDateTime>(json!(1_312_223_389)),
        Err("expected a string (dateTime), found the number 1312223389".to_owned())
    );
}

#[test]
fn binary_is_base64() {
    assert_eq!(Binary(b"hi!".to_vec()).to_scim_value(), Some(json!("aGkh")));
    assert_eq!(from::<Binary>(json!("aGk=")), Ok(Binary(b"hi".to_vec())));
    assert_eq!(from::<Binary>(json!("aGk")), Ok(Binary(b"hi".to_vec())), "padding is optional on input");
    assert!(from::<Binary>(json!("a*b")).unwrap_err().starts_with("expected base64 (RFC 4648 section 4)"));
}

/// Inside a complex attribute's serde struct (`members.$ref`, `x509Certificates.value`), the
/// newtypes have the same wire form as their `ScimValue` (RFC 7643 section 2.3.6, 2.3.7).
#[test]
fn reference_and_binary_serde_forms_match_their_scim_values() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Certificate {
        value: Binary,
        #[serde(rename = "$ref")]
        reference: Reference,
    }
    let typed = Certificate { value: Binary(b"hi!".to_vec()), reference: Reference("../Users/1".into()) };
    let wire = json!({"value": "aGkh", "$ref": "../Users/1"});
    assert_eq!(serde_json::to_value(&typed).unwrap(), wire);
    assert_eq!(serde_json::from_value::<Certificate>(wire).unwrap(), typed);
    let unpadded: Certificate = serde_json::from_value(json!({"value": "aGk", "$ref": "x"})).unwrap();
    assert_eq!(unpadded.value, Binary(b"hi".to_vec()), "padding is optional on input");
    let error = serde_json::from_value::<Certificate>(json!({"value": "a*b", "$ref": "x"})).unwrap_err();
    assert!(error.to_string().starts_with("expected base64 (RFC 4648 section 4)"), "{error}");
    let error = serde_json::from_value::<Certificate>(json!({"value": 7, "$ref": "x"})).unwrap_err();
    assert!(error.to_string().contains("a base64 string"), "{error}");
}

/// A complex attribute's dateTime members (`as_scim_value`, what the generator writes): plain,
/// optional and multi-valued read and write the forms a top-level dateTime field does.
#[test]
fn date_time_members_of_serde_structs_use_the_scim_value_forms() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Contract {
        #[serde(rename = "signedAt", with = "scim::typed::as_scim_value")]
        signed_at: OffsetDateTime,
        #[serde(
            rename = "endsAt",
            default,
            skip_serializing_if = "Option::is_none",
            with = "scim::typed::as_scim_value"
        )]
        ends_at: Option<OffsetDateTime>,
        #[serde(default, skip_serializing_if = "Vec::is_empty", with = "scim::typed::as_scim_value")]
        renewals: Vec<OffsetDateTime>,
    }
    let signed = datetime!(2011-08-01 18:29:49.793 UTC);
    let renewed = datetime!(2012-08-01 00:00 UTC);
    let typed = Contract { signed_at: signed, ends_at: None, renewals: vec![signed, renewed] };
    let wire = json!({"signedAt": "2011-08-01T18:29:49.793Z", "renewals": ["2011-08-01T18:29:49.793Z", "2012-08-01T00:00:00Z"]});
    assert_eq!(serde_json::to_value(&typed).unwrap(), wire);
    assert_eq!(serde_json::from_value::<Contract>(wire).unwrap(), typed);
    // Without an offset (taken as UTC) and `null` (absent), as for a top-level field.
    let read: Contract =
        serde_json::from_value(json!({"signedAt": "2011-08-01T18:29:49.793", "endsAt": null, "renewals": null}))
            .unwrap();
    assert_eq!(read, Contract { signed_at: signed, ends_at: None, renewals: vec![] });
    let error =
        serde_json::from_value::<Contract>(json!({"signedAt": "2011-08-01", "renewals": ["2011-08-01"]})).unwrap_err();
    assert!(error.to_string().starts_with("expected an RFC 3339 dateTime"), "{error}");
    let error =
        serde_json::from_value::<Contract>(json!({"signedAt": "2011-08-01T00:00:00Z", "renewals": [1]})).unwrap_err();
    assert!(error.to_string().starts_with("element 0: expected a string (dateTime)"), "{error}");
    let error = serde_json::from_value::<Contract>(json!({})).unwrap_err();
    assert!(error.to_string().contains("signedAt"), "{error}");
}

#[test]
fn options_vecs_and_raw_json() {
    assert_eq!(absent::<Option<String>>(), Ok(None));
    assert_eq!(from::<Option<String>>(Value::Null), Ok(None));
    assert_eq!(from::<Option<String>>(json!("x")), Ok(Some("x".into())));
    assert_eq!(from::<Option<String>>(json!(1)), Err("expected a string, found the number 1".to_owned()));
    assert_eq!(None::<String>.to_scim_value(), None);

    assert_eq!(absent::<Vec<String>>(), Ok(vec![]));
    assert_eq!(from::<Vec<String>>(json!(["a", "b"])), Ok(vec!["a".into(), "b".into()]));
    assert_eq!(
        from::<Vec<String>>(json!(["a", 2])),
        Err("element 1: expected a string, found the number 2".to_owned())
    );
    assert_eq!(from::<Vec<String>>(json!("a")), Err("expected an array, found the string \"a\"".to_owned()));
    assert_eq!(Vec::<String>::new().to_scim_value(), None, "an empty list is unassigned (RFC 7643 section 2.5)");
    assert_eq!(vec![Some(1_i32), None, Some(3)].to_scim_value(), Some(json!([1, 3])));

    assert_eq!(absent::<Value>(), Ok(Value::Null));
    assert_eq!(Value::Null.to_scim_value(), None);
    assert_eq!(json!({"a": 1}).to_scim_value(), Some(json!({"a": 1})));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Name {
    given_name: Option<String>,
    family_name: Option<String>,
    nested: Option<Vec<Option<String>>>,
}
scim::impl_scim_value_via_serde!(Name);

#[test]
fn serde_types_drop_nulls_and_empty_objects() {
    let name =
        Name { given_name: Some("Barbara".into()), family_name: None, nested: Some(vec![None, Some("x".into())]) };
    assert_eq!(name.to_scim_value(), Some(json!({"givenName": "Barbara", "nested": ["x"]})));
    let empty = Name { given_name: None, family_name: None, nested: None };
    assert_eq!(empty.to_scim_value(), None);
    assert_eq!(
        from::<Name>(json!({"givenName": "Barbara"})),
        Ok(Name { given_name: Some("Barbara".into()), family_name: None, nested: None })
    );
    assert_eq!(absent::<Name>(), Err("required value missing".to_owned()));
    assert_eq!(
        from::<Option<Name>>(json!({"givenName": 1})).unwrap_err(),
        "invalid type: integer `1`, expected a string"
    );
}

/// `MultiValue`: the element of a type is read and written ignoring the type's case, the other
/// elements are kept, and absent sub-attributes stay out of the SCIM form.
#[test]
fn multi_values_read_and_write_the_element_of_a_type() {
    use scim::typed::{MultiValue, ScimValue};
    let mut emails: Vec<MultiValue> = serde_json::from_value(serde_json::json!([
        {"value": "kim@home.example", "type": "home"},
        {"value": "kim@old.example", "type": "Work", "primary": true}
    ]))
    .unwrap();
    assert_eq!(MultiValue::value_of(&emails, "work"), Some("kim@old.example"));
    MultiValue::set_value_of(&mut emails, "work", Some("kim@golinks.io".to_owned()));
    assert_eq!(
        emails.to_scim_value(),
        Some(serde_json::json!([
            {"value": "kim@home.example", "type": "home"},
            {"value": "kim@golinks.io", "type": "Work", "primary": true}
        ]))
    );
    MultiValue::set_value_of(&mut emails, "WORK", None);
    MultiValue::set_value_of(&mut emails, "other", Some("k@x.example".to_owned()));
    assert_eq!(
        emails.to_scim_value(),
        Some(serde_json::json!([
            {"value": "kim@home.example", "type": "home"},
            {"value": "k@x.example", "type": "other"}
        ]))
    );
    assert_eq!(MultiValue::value_of(&emails, "work"), None);
}
