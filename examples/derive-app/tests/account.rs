//! The derived `Account` reads and writes SCIM Users; `default = ...` fills an absent optional
//! attribute and nothing else. (No serde_json here either: documents are built from pairs.)

use scim::typed::{JsonValue, ScimResource};
use scim_derive_app::{Account, PersonName};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A JSON object from (name, value) pairs.
fn object<const N: usize>(members: [(&str, JsonValue); N]) -> JsonValue {
    members.into_iter().collect()
}

fn schemas() -> JsonValue {
    JsonValue::Array(vec![USER.into()])
}

#[test]
fn an_absent_active_reads_as_the_stated_default() {
    let user = object([("schemas", schemas()), ("id", "1".into()), ("userName", "bjensen".into())]);
    let account = Account::from_scim(&user).unwrap();
    assert_eq!(
        account,
        Account { id: Some("1".into()), login: "bjensen".into(), enabled: true, title: String::new(), name: None }
    );
    let user = object([("schemas", schemas()), ("userName", "bjensen".into()), ("active", JsonValue::Null)]);
    assert!(Account::from_scim(&user).unwrap().enabled, "null is absent (RFC 7643 section 2.5)");
}

#[test]
fn a_present_active_is_read_and_written_as_is() {
    let user = object([
        ("schemas", schemas()),
        ("id", "1".into()),
        ("userName", "bjensen".into()),
        ("active", false.into()),
        ("title", "Tour Guide".into()),
        ("name", object([("givenName", "Barbara".into()), ("familyName", "Jensen".into())])),
    ]);
    let account = Account::from_scim(&user).unwrap();
    assert!(!account.enabled);
    assert_eq!(account.title, "Tour Guide");
    assert_eq!(
        account.name,
        Some(PersonName { given_name: Some("Barbara".into()), family_name: Some("Jensen".into()) })
    );
    assert_eq!(account.to_scim(), user, "round trip");
    // Entra ID's string form still converts; a wrong type is still a 400 naming path and field.
    let user = object([("schemas", schemas()), ("userName", "b".into()), ("active", "False".into())]);
    assert!(!Account::from_scim(&user).unwrap().enabled);
    let user = object([("schemas", schemas()), ("userName", "b".into()), ("active", 7.into())]);
    let error = Account::from_scim(&user).unwrap_err();
    assert_eq!(error.status, 400);
    assert!(error.detail.contains("`active` (field `enabled`)"), "{}", error.detail);
}

#[test]
fn a_default_value_is_written_like_any_value() {
    let account = Account { id: None, login: "bjensen".into(), enabled: true, title: String::new(), name: None };
    let written = account.to_scim();
    assert_eq!(written["active"], JsonValue::Bool(true));
    assert_eq!(written["title"], JsonValue::from(""));
}
