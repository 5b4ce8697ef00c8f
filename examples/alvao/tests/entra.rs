//! ALVAO as its Entra ID tutorial provisions it, driven over HTTP against the built
//! `alvao-scim` binary: users with the full table (work email, work address, work/mobile/fax
//! phone numbers, enterprise employeeNumber, organization, department, manager), groups with
//! members, userName/externalId/group displayName filters; and the SQLite file outliving a
//! restart.

use scim_example_testkit::entra::{self, assert_has};
use scim_example_testkit::{ENTERPRISE_URN, Example, GROUP_URN, USER_URN, restart};
use serde_json::{Value, json};

/// Entra's create request for a user with every attribute of ALVAO's table.
fn entra_user(manager_id: &str) -> Value {
    json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "externalId": "5e9a1c2b-7f3d-4e8a-9b6c-1d2e3f4a5b6c",
        "userName": "jana.novakova@contoso.com",
        "active": true,
        "displayName": "Jana Nováková",
        "title": "Service desk lead",
        "emails": [{"primary": true, "type": "work", "value": "jana.novakova@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Jana Nováková", "familyName": "Nováková", "givenName": "Jana"},
        "addresses": [{
            "type": "work",
            "formatted": "Národní 10, 110 00 Praha, CZ",
            "streetAddress": "Národní 10",
            "locality": "Praha",
            "region": "Hlavní město Praha",
            "postalCode": "110 00",
            "country": "CZ"
        }],
        "phoneNumbers": [
            {"type": "work", "value": "+420 222 000 111"},
            {"type": "mobile", "value": "+420 777 000 111"},
            {"type": "fax", "value": "+420 222 000 199"}
        ],
        ENTERPRISE_URN: {
            "employeeNumber": "1042",
            "organization": "Contoso",
            "department": "IT Services",
            "manager": {"value": manager_id}
        }
    })
}

/// The element of the multi-valued `attribute` whose type is `kind`.
fn typed<'v>(resource: &'v Value, attribute: &str, kind: &str) -> &'v Value {
    resource[attribute]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["type"] == kind))
        .unwrap_or_else(|| panic!("{attribute}[type eq \"{kind}\"] in {resource}"))
}

#[test]
fn entra_provisions_alvao_users_and_groups_and_they_outlive_a_restart() {
    let example = Example::new(env!("CARGO_BIN_EXE_alvao-scim"));
    let server = example.start();
    assert_eq!(server.base_path, "/scim/v2");
    entra::test_connection(&server);
    entra::discovery(&server, &["User", "Group"], &[USER_URN, ENTERPRISE_URN, GROUP_URN]);

    // Create: the manager first (as Entra does when the manager is in scope), then the user.
    let manager = entra::create(
        &server,
        "/Users",
        &json!({"schemas": [USER_URN], "userName": "petr.svoboda@contoso.com", "externalId": "mgr-1", "active": true}),
        &[("/userName", json!("petr.svoboda@contoso.com"))],
    );
    let manager_id = manager["id"].as_str().expect("an id");
    let user = entra::create(
        &server,
        "/Users",
        &entra_user(manager_id),
        &[
            ("/externalId", json!("5e9a1c2b-7f3d-4e8a-9b6c-1d2e3f4a5b6c")),
            ("/displayName", json!("Jana Nováková")),
            ("/title", json!("Service desk lead")),
            ("/name/formatted", json!("Jana Nováková")),
            ("/name/givenName", json!("Jana")),
            ("/emails/0/value", json!("jana.novakova@contoso.com")),
            (&format!("/{ENTERPRISE_URN}/employeeNumber"), json!("1042")),
            (&format!("/{ENTERPRISE_URN}/organization"), json!("Contoso")),
            (&format!("/{ENTERPRISE_URN}/department"), json!("IT Services")),
            (&format!("/{ENTERPRISE_URN}/manager/value"), json!(manager_id)),
        ],
    );
    assert_eq!(typed(&user, "addresses", "work")["postalCode"], "110 00");
    assert_eq!(typed(&user, "phoneNumbers", "fax")["value"], "+420 222 000 199");
    let id = user["id"].as_str().expect("an id").to_owned();
    let uri = format!("/Users/{id}");

    // Match: by userName (case-insensitively, RFC 7643 section 4.1.1) and by externalId; the
    // attributes ALVAO does not mark filterable are refused.
    entra::matches(&server, "/Users", "userName eq \"Jana.Novakova@contoso.com\"", &id);
    entra::matches(&server, "/Users", "externalId eq \"5e9a1c2b-7f3d-4e8a-9b6c-1d2e3f4a5b6c\"", &id);
    entra::refuses_filter(&server, "/Users", "displayName eq \"Jana Nováková\"");
    entra::refuses_filter(&server, "/Users", "emails[type eq \"work\"].value eq \"jana.novakova@contoso.com\"");

    // Keep attributes in sync: the PATCH forms Entra sends for ALVAO's attributes.
    entra::update(
        &server,
        &uri,
        json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "jana.dvorakova@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "Dvořáková"},
            {"op": "Replace", "path": "name.formatted", "value": "Jana Dvořáková"},
            {"op": "Replace", "path": "userName", "value": "jana.dvorakova@contoso.com"}
        ]),
        &[
            ("/emails", json!([{"value": "jana.dvorakova@contoso.com", "type": "work", "primary": true}])),
            ("/name/familyName", json!("Dvořáková")),
            ("/name/givenName", json!("Jana")),
            ("/userName", json!("jana.dvorakova@contoso.com")),
        ],
    );
    let moved = entra::update(
        &server,
        &uri,
        json!([
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Brno"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].postalCode", "value": "602 00"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "Náměstí Svobody 1"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+420 777 000 222"},
            {"op": "Remove", "path": "phoneNumbers[type eq \"fax\"]"}
        ]),
        &[],
    );
    let address = typed(&moved, "addresses", "work");
    assert_eq!(
        (&address["locality"], &address["postalCode"], &address["country"]),
        (&json!("Brno"), &json!("602 00"), &json!("CZ"))
    );
    assert_eq!(moved["addresses"].as_array().map(Vec::len), Some(1), "the work address was changed in place");
    assert_eq!(typed(&moved, "phoneNumbers", "mobile")["value"], "+420 777 000 222");
    assert_eq!(typed(&moved, "phoneNumbers", "work")["value"], "+420 222 000 111");
    assert!(moved["phoneNumbers"].as_array().is_some_and(|p| p.iter().all(|p| p["type"] != "fax")), "{moved}");
    // A work phone added where none was before makes the element.
    let no_phone =
        entra::create(&server, "/Users", &json!({"schemas": [USER_URN], "userName": "novy@contoso.com"}), &[]);
    let no_phone_uri = format!("/Users/{}", no_phone["id"].as_str().expect("an id"));
    let phoned = entra::update(
        &server,
        &no_phone_uri,
        json!([{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+420 222 000 333"}]),
        &[],
    );
    assert_eq!(phoned["phoneNumbers"], json!([{"type": "work", "value": "+420 222 000 333"}]));

    // The enterprise attributes: by URN path, path-less with URN and dotted keys, and the
    // manager as Entra sends it (a bare id), then removed.
    entra::update(
        &server,
        &uri,
        json!([
            {"op": "Replace", "path": format!("{ENTERPRISE_URN}:department"), "value": "Facility"},
            {"op": "Replace", "value": {
                format!("{ENTERPRISE_URN}:employeeNumber"): "2042",
                format!("{ENTERPRISE_URN}:organization"): "Contoso Czech",
                "displayName": "Jana Dvořáková",
                "title": "Facility manager",
                "name.givenName": "Jana Marie"
            }}
        ]),
        &[
            (&format!("/{ENTERPRISE_URN}/department"), json!("Facility")),
            (&format!("/{ENTERPRISE_URN}/employeeNumber"), json!("2042")),
            (&format!("/{ENTERPRISE_URN}/organization"), json!("Contoso Czech")),
            ("/displayName", json!("Jana Dvořáková")),
            ("/title", json!("Facility manager")),
            ("/name/givenName", json!("Jana Marie")),
        ],
    );
    let other_manager = no_phone["id"].as_str().expect("an id");
    entra::update(
        &server,
        &uri,
        json!([{"op": "Add", "path": format!("{ENTERPRISE_URN}:manager"), "value": other_manager}]),
        &[(&format!("/{ENTERPRISE_URN}/manager/value"), json!(other_manager))],
    );
    let unmanaged =
        entra::update(&server, &uri, json!([{"op": "Remove", "path": format!("{ENTERPRISE_URN}:manager")}]), &[]);
    assert!(unmanaged[ENTERPRISE_URN].get("manager").is_none(), "{unmanaged}");

    // Disable.
    entra::disable(&server, &uri, "userName eq \"jana.dvorakova@contoso.com\"");

    // Groups and memberships.
    entra::group_lifecycle(&server, [&id, manager_id]);

    // Stop and start again with no --database: the users are in alvao-scim.db in its directory.
    let before = server.get(&uri).body;
    let server = restart(&example, server);
    assert!(example.dir().join("alvao-scim.db").is_file());
    assert_eq!(server.get(&uri).body, before);
    entra::matches(&server, "/Users", "userName eq \"jana.dvorakova@contoso.com\"", &id);
    assert_eq!(server.get("/Users").body["totalResults"], 3);

    // Remove: deprovisioned users are deleted.
    entra::delete(&server, &uri);
    entra::delete(&server, &format!("/Users/{manager_id}"));
    entra::delete(&server, &no_phone_uri);
    assert_eq!(server.get("/Users").body["totalResults"], 0);
    assert_has(&server.get("/Groups").body, &[("/totalResults", json!(0))]);
}
