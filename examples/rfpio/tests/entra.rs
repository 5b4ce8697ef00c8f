//! RFPIO as its Entra ID tutorial provisions it, driven over HTTP against the built
//! `rfpio-scim` binary: users only (no /Groups, and /ResourceTypes says so), Entra's standard
//! user mapping, the tenant URL ending in /rfpserver/scim/v2; and the SQLite file outliving a
//! restart.

use scim_example_testkit::entra::{self, assert_has};
use scim_example_testkit::{Example, GROUP_URN, USER_URN, restart};
use serde_json::json;

#[test]
fn entra_provisions_rfpio_users_and_they_outlive_a_restart() {
    let example = Example::new(env!("CARGO_BIN_EXE_rfpio-scim"));
    let server = example.start();
    // The tenant URL has RFPIO's path: https://<tenant>.rfpio.com/rfpserver/scim/v2.
    assert_eq!(server.base_path, "/rfpserver/scim/v2");
    entra::test_connection(&server);
    entra::discovery(&server, &["User"], &[USER_URN]);
    assert_eq!(server.get("/Groups").status, 404, "RFPIO does not support groups provisioning");
    let schemas = server.get("/Schemas");
    let listed = schemas.body["Resources"].as_array().expect("a list");
    assert!(listed.iter().all(|s| s["id"] != GROUP_URN), "no Group schema: {}", schemas.body);

    // Entra's create request with its standard user mapping.
    let body = json!({
        "schemas": [USER_URN],
        "externalId": "7c2d9e4f-1a3b-4c5d-8e6f-9a0b1c2d3e4f",
        "userName": "grace.hopper@contoso.com",
        "active": true,
        "displayName": "Grace Hopper",
        "emails": [{"primary": true, "type": "work", "value": "grace.hopper@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "Hopper", "givenName": "Grace"}
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
    assert_has(&server.get("/Users").body, &[("/totalResults", json!(0))]);
}
