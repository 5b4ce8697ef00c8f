//! Real Links as its Entra ID tutorial provisions it, driven over HTTP against the built
//! `real-links-scim` binary: users only, core userName and active, the eleven attributes of the
//! Real Links extension, userName filterable; and the SQLite file outliving a restart.

use scim_example_testkit::entra::{self, assert_has};
use scim_example_testkit::{Example, USER_URN, restart};
use serde_json::{Value, json};

const REAL_LINKS_URN: &str = "urn:ietf:params:scim:schemas:extension:real-links:2.0:User";

/// The extension's attributes, as the tutorial's table lists them.
const ATTRIBUTES: [&str; 11] = [
    "firstName",
    "lastName",
    "emailAddress",
    "phoneNumber",
    "title",
    "preferredLanguage",
    "organization",
    "department",
    "division",
    "location",
    "countryCode",
];

fn pointer(attribute: &str) -> String {
    format!("/{REAL_LINKS_URN}/{attribute}")
}

/// Entra's create request with Real Links' mapping: every extension attribute set.
fn entra_user() -> Value {
    let extension: serde_json::Map<String, Value> =
        ATTRIBUTES.iter().map(|name| ((*name).to_owned(), json!(format!("{name} of Ada")))).collect();
    json!({
        "schemas": [USER_URN, REAL_LINKS_URN],
        "userName": "ada.lovelace@contoso.com",
        "active": true,
        "meta": {"resourceType": "User"},
        REAL_LINKS_URN: extension
    })
}

#[test]
fn entra_provisions_real_links_users_and_they_outlive_a_restart() {
    let example = Example::new(env!("CARGO_BIN_EXE_real-links-scim"));
    let server = example.start();
    entra::test_connection(&server);
    entra::discovery(&server, &["User"], &[USER_URN, REAL_LINKS_URN]);
    // The extension schema has exactly the tutorial's eleven attributes, all strings.
    let schema = server.get(&format!("/Schemas/{REAL_LINKS_URN}"));
    assert_eq!(schema.status, 200, "{}", schema.body);
    let served: Vec<(&str, &str)> = schema.body["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| (a["name"].as_str().unwrap_or_default(), a["type"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(served, ATTRIBUTES.iter().map(|name| (*name, "string")).collect::<Vec<_>>());
    // No groups: Real Links takes users only.
    assert_eq!(server.get("/Groups").status, 404);

    let expected: Vec<(String, Value)> =
        ATTRIBUTES.iter().map(|name| (pointer(name), json!(format!("{name} of Ada")))).collect();
    let expected: Vec<(&str, Value)> = expected.iter().map(|(p, v)| (p.as_str(), v.clone())).collect();
    let user = entra::create(&server, "/Users", &entra_user(), &expected);
    assert_eq!(user["schemas"], json!([USER_URN, REAL_LINKS_URN]));
    assert_eq!(user["active"], true);
    let id = user["id"].as_str().expect("an id").to_owned();
    let uri = format!("/Users/{id}");

    // Match by userName (the only filterable attribute); others are refused.
    entra::matches(&server, "/Users", "userName eq \"ada.lovelace@contoso.com\"", &id);
    entra::refuses_filter(&server, "/Users", "externalId eq \"ada\"");
    entra::refuses_filter(&server, "/Users", &format!("{REAL_LINKS_URN}:department eq \"x\""));

    // Keep in sync: extension attributes by URN path, path-less with URN keys, and removed when
    // cleared in Entra.
    entra::update(
        &server,
        &uri,
        json!([
            {"op": "Replace", "path": format!("{REAL_LINKS_URN}:department"), "value": "Analytical Engines"},
            {"op": "Add", "path": format!("{REAL_LINKS_URN}:title"), "value": "Countess"}
        ]),
        &[(&pointer("department"), json!("Analytical Engines")), (&pointer("title"), json!("Countess"))],
    );
    entra::update(
        &server,
        &uri,
        json!([{"op": "Replace", "value": {
            format!("{REAL_LINKS_URN}:location"): "London",
            format!("{REAL_LINKS_URN}:countryCode"): "GB",
            "userName": "ada.king@contoso.com"
        }}]),
        &[
            (&pointer("location"), json!("London")),
            (&pointer("countryCode"), json!("GB")),
            ("/userName", json!("ada.king@contoso.com")),
        ],
    );
    let cleared = entra::update(
        &server,
        &uri,
        json!([{"op": "Remove", "path": format!("{REAL_LINKS_URN}:phoneNumber")}]),
        &[(&pointer("firstName"), json!("firstName of Ada"))],
    );
    assert!(cleared[REAL_LINKS_URN].get("phoneNumber").is_none(), "{cleared}");
    entra::disable(&server, &uri, "userName eq \"ada.king@contoso.com\"");

    // Stop and start again with no --database: the user is in real-links-scim.db.
    let before = server.get(&uri).body;
    let server = restart(&example, server);
    assert!(example.dir().join("real-links-scim.db").is_file());
    assert_eq!(server.get(&uri).body, before);
    entra::matches(&server, "/Users", "userName eq \"ada.king@contoso.com\"", &id);

    entra::delete(&server, &uri);
    assert_has(&server.get("/Users").body, &[("/totalResults", json!(0))]);
}
