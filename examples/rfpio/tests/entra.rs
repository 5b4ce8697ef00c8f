//! RFPIO as its Entra ID tutorial provisions it, driven over HTTP against the built
//! `rfpio-scim` binary: users only (no /Groups, and /ResourceTypes says so), Entra's whole
//! default user mapping, the tenant URL ending in /rfpserver/scim/v2; and the SQLite file outliving a
//! restart.

use scim_example_testkit::entra::{self, assert_has};
use scim_example_testkit::{ENTERPRISE_URN, Example, GROUP_URN, USER_URN, restart};
use serde_json::json;

#[test]
fn entra_provisions_rfpio_users_and_they_outlive_a_restart() {
    let example = Example::new(env!("CARGO_BIN_EXE_rfpio-scim"));
    let server = example.start();
    // The tenant URL has RFPIO's path: https://<tenant>.rfpio.com/rfpserver/scim/v2.
    assert_eq!(server.base_path, "/rfpserver/scim/v2");
    entra::test_connection(&server);
    entra::discovery(&server, &["User"], &[USER_URN, ENTERPRISE_URN]);
    assert_eq!(server.get("/Groups").status, 404, "RFPIO does not support groups provisioning");
    let schemas = server.get("/Schemas");
    let listed = schemas.body["Resources"].as_array().expect("a list");
    assert!(listed.iter().all(|s| s["id"] != GROUP_URN), "no Group schema: {}", schemas.body);

    // The manager first (Entra creates it when it is in scope), then Entra's create request
    // with its whole default user mapping for a non-gallery app.
    let manager = entra::create(
        &server,
        "/Users",
        &json!({"schemas": [USER_URN], "userName": "howard.aiken@contoso.com", "externalId": "mgr-7", "active": true}),
        &[("/userName", json!("howard.aiken@contoso.com"))],
    );
    let manager_id = manager["id"].as_str().expect("an id").to_owned();
    let body = json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "externalId": "7c2d9e4f-1a3b-4c5d-8e6f-9a0b1c2d3e4f",
        "userName": "grace.hopper@contoso.com",
        "active": true,
        "displayName": "Grace Hopper",
        "title": "Rear admiral",
        "preferredLanguage": "en-US",
        "emails": [{"primary": true, "type": "work", "value": "grace.hopper@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
        "addresses": [{
            "type": "work",
            "formatted": "1 Harvard Yard, Cambridge, MA 02138, US",
            "streetAddress": "1 Harvard Yard",
            "locality": "Cambridge",
            "region": "MA",
            "postalCode": "02138",
            "country": "US"
        }],
        "phoneNumbers": [
            {"type": "work", "value": "+1 617 555 0100"},
            {"type": "mobile", "value": "+1 617 555 0101"},
            {"type": "fax", "value": "+1 617 555 0199"}
        ],
        ENTERPRISE_URN: {
            "employeeNumber": "1906",
            "department": "Computation Lab",
            "manager": {"value": manager_id}
        }
    });
    let user = entra::create(
        &server,
        "/Users",
        &body,
        &[
            ("/displayName", json!("Grace Hopper")),
            ("/name/givenName", json!("Grace")),
            ("/emails/0/value", json!("grace.hopper@contoso.com")),
        ],
    );
    let id = user["id"].as_str().expect("an id").to_owned();
    let uri = format!("/Users/{id}");
    // Every attribute of the mapping is stored and read back as sent.
    let read_back = server.get(&uri);
    assert_eq!(read_back.status, 200, "{}", read_back.body);
    assert_eq!(read_back.body, user);
    let mut expected = body.clone();
    let expected = expected.as_object_mut().expect("an object");
    expected.remove("meta");
    for (key, value) in expected.iter() {
        let got = &read_back.body[key.as_str()];
        if key == ENTERPRISE_URN {
            for member in ["employeeNumber", "department"] {
                assert_eq!(got[member], value[member], "{key}:{member} in {}", read_back.body);
            }
            assert_eq!(got["manager"]["value"], json!(manager_id), "{}", read_back.body);
        } else {
            assert_eq!(got, value, "{key} in {}", read_back.body);
        }
    }

    let location = user["meta"]["location"].as_str().expect("meta.location");
    assert!(location.ends_with(&format!("/rfpserver/scim/v2/Users/{id}")), "{location}");

    entra::matches(&server, "/Users", "userName eq \"grace.hopper@contoso.com\"", &id);
    entra::matches(&server, "/Users", "externalId eq \"7c2d9e4f-1a3b-4c5d-8e6f-9a0b1c2d3e4f\"", &id);
    entra::refuses_filter(&server, "/Users", "displayName eq \"Grace Hopper\"");

    entra::update(
        &server,
        &uri,
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "grace.murray@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "Murray"},
            {"op": "Replace", "path": "displayName", "value": "Grace Murray"}
        ]),
        &[
            ("/emails", json!([{"value": "grace.murray@contoso.com", "type": "work", "primary": true}])),
            ("/name/familyName", json!("Murray")),
            ("/name/givenName", json!("Grace")),
            ("/displayName", json!("Grace Murray")),
        ],
    );
    entra::update(
        &server,
        &uri,
        json!([{"op": "Replace", "value": {"name.givenName": "Amazing Grace", "externalId": "gh-1906"}}]),
        &[("/name/givenName", json!("Amazing Grace")), ("/externalId", json!("gh-1906"))],
    );
    entra::disable(&server, &uri, "externalId eq \"gh-1906\"");

    // Stop and start again with no --database: the user is in rfpio-scim.db.
    let before = server.get(&uri).body;
    let server = restart(&example, server);
    assert!(example.dir().join("rfpio-scim.db").is_file());
    assert_eq!(server.get(&uri).body, before);

    entra::delete(&server, &uri);
    entra::delete(&server, &format!("/Users/{manager_id}"));
    assert_has(&server.get("/Users").body, &[("/totalResults", json!(0))]);
}
