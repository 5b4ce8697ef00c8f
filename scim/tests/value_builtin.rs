//! `scim::value::coerce` against the built-in attribute definitions, with the RFC 7643
//! section 8.2 full User example and the Entra ID / Okta quirks.

use scim::ScimType;
use scim::projection::project;
use scim::resource::{RequestMode, validate_request};
use scim::schema::builtin::{ENTERPRISE_USER_URN, core_user, enterprise_user, user_schema};
use scim::value::coerce;
use serde_json::json;

fn user_attribute(name: &str) -> scim::schema::Attribute {
    core_user().attribute(name).unwrap().clone()
}

#[test]
fn quirks_on_real_definitions() {
    let cases = [
        // Entra ID PATCH: {"op": "Replace", "path": "active", "value": "False"}.
        ("active", json!("False"), json!(false)),
        ("active", json!("TRUE"), json!(true)),
        // Okta and Entra send the primary flag as a string now and then.
        (
            "emails",
            json!([{"value": "a@example.com", "primary": "true"}]),
            json!([{"value": "a@example.com", "primary": true}]),
        ),
        // Non-canonical `type` values are kept.
        (
            "addresses",
            json!([{"type": "Other", "locality": "Hollywood"}]),
            json!([{"locality": "Hollywood", "type": "Other"}]),
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(coerce(&user_attribute(name), input.clone()).unwrap(), expected, "{name}: {input}");
    }
    let manager = enterprise_user().attribute("manager").unwrap().clone();
    assert_eq!(
        coerce(&manager, json!("26118915-6090-4610-87e4-49d8ca9f808d")).unwrap(),
        json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d"})
    );
}

#[test]
fn type_errors_on_real_definitions() {
    let cases = [
        ("active", json!("maybe")),
        ("userName", json!(["bjensen"])),
        ("x509Certificates", json!([{"value": "%%%"}])),
        ("emails", json!([{"value": "a", "primary": true}, {"value": "b", "primary": "True"}])),
        // A single object where an array is required is the client's bug, not a quirk to
        // guess at (issue 10 point 9).
        ("phoneNumbers", json!({"value": "+1 555 0100", "type": "mobile"})),
    ];
    for (name, input) in cases {
        let error = coerce(&user_attribute(name), input.clone()).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue), "{name}: {input}");
    }
}

#[test]
fn rfc_7643_section_8_2_full_user_round_trips() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III"
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA", "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA", "primary": true},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA", "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"}
        ],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}
        ],
        "userType": "Employee",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "password": "t1meMa$heen",
        "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"a330bc54f0671c9\"", "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    });
    let schema = user_schema();
    let stored = validate_request(&schema, body.clone(), RequestMode::Create).unwrap();
    // readOnly id, meta, groups are ignored on input; everything else is kept as sent.
    let mut expected = body;
    for key in ["id", "meta", "groups"] {
        expected.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(stored, expected);
    // Validating the canonical form again changes nothing.
    assert_eq!(validate_request(&schema, stored.clone(), RequestMode::Replace).unwrap(), stored);
    // The response never carries the password.
    assert!(project(stored.clone(), &schema, &[], &[]).get("password").is_none());
    assert!(stored.get(ENTERPRISE_USER_URN).is_none());
}
