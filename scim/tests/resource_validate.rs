//! Request-side validation of resources (`scim::resource`) against the built-in schemas.

use scim::ScimType;
use scim::resource::{
    Meta, RequestMode, assign_server_fields, check_replace, check_required, keep_immutable, validate_request,
};
use scim::schema::builtin::{ENTERPRISE_USER_URN, GROUP_URN, USER_URN, group_schema, user_schema};
use serde_json::{Value, json};

fn create_user(body: Value) -> scim::ScimResult<Value> {
    validate_request(&user_schema(), body, RequestMode::Create)
}

fn error_of(body: Value) -> scim::ScimError {
    create_user(body.clone()).expect_err(&format!("{body} should be rejected"))
}

#[test]
fn rfc_7644_section_3_3_create_example_is_accepted() {
    let user = create_user(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen",
        "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}
    }))
    .unwrap();
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        json!({
            "schemas": [USER_URN],
            "externalId": "bjensen",
            "userName": "bjensen",
            "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}
        })
        .to_string()
    );
}

#[test]
fn entra_create_user_with_enterprise_extension() {
    // The shape Microsoft Entra ID sends (its SCIM validator's create-user request).
    let user = create_user(json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": "True",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "displayName": "Test_User",
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "phoneNumbers": [{"type": "mobile", "value": "+1 425 555 0100"}, {"type": "fax", "value": "+1 425 555 0101"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Sales",
            "manager": "a8b2d4d4-30ec-4b8c-8ec0-8f1d8d1b0d3c"
        }
    }))
    .unwrap();
    assert_eq!(user["active"], json!(true));
    assert_eq!(user[ENTERPRISE_USER_URN]["manager"], json!({"value": "a8b2d4d4-30ec-4b8c-8ec0-8f1d8d1b0d3c"}));
    assert_eq!(user["phoneNumbers"][0]["type"], "mobile");
    assert_eq!(user["schemas"], json!([USER_URN, ENTERPRISE_USER_URN]));
    let keys: Vec<&str> = user.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schemas",
            "externalId",
            "userName",
            "name",
            "displayName",
            "active",
            "emails",
            "phoneNumbers",
            ENTERPRISE_USER_URN
        ],
        "canonical key order: schemas, common, core in schema order, extensions"
    );
}

#[test]
fn names_are_case_insensitive_and_renamed() {
    let user = create_user(json!({
        "SCHEMAS": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "701984"}
    }))
    .unwrap();
    assert_eq!(
        user,
        json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            ENTERPRISE_USER_URN: {"employeeNumber": "701984"}
        })
    );
}

#[test]
fn urn_qualified_top_level_attributes_are_moved_into_place() {
    let user = create_user(json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "bjensen",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tour Operations",
        ENTERPRISE_USER_URN: {"costCenter": "4130"}
    }))
    .unwrap();
    assert_eq!(user["userName"], "bjensen");
    assert_eq!(user[ENTERPRISE_USER_URN], json!({"costCenter": "4130", "department": "Tour Operations"}));
}

#[test]
fn read_only_attributes_are_ignored() {
    // RFC 7643 section 2.2: values given for readOnly attributes SHALL be ignored.
    let user = create_user(json!({
        "schemas": [USER_URN],
        "id": "client-chosen",
        "meta": {"resourceType": "Nonsense"},
        "userName": "bjensen",
        "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a"}],
        ENTERPRISE_USER_URN: {"manager": {"value": "26118915", "displayName": "John Smith"}}
    }))
    .unwrap();
    assert_eq!(
        user,
        json!({"schemas": [USER_URN, ENTERPRISE_USER_URN], "userName": "bjensen", ENTERPRISE_USER_URN: {"manager": {"value": "26118915"}}})
    );
}

#[test]
fn write_only_password_is_accepted() {
    let user = create_user(json!({"schemas": [USER_URN], "userName": "bjensen", "password": "t1meMa$heen"})).unwrap();
    assert_eq!(user["password"], "t1meMa$heen");
}

#[test]
fn nulls_and_empty_values_are_dropped() {
    let user = create_user(json!({
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "userName": "bjensen",
        "nickName": null,
        "emails": [],
        "name": {"givenName": null},
        ENTERPRISE_USER_URN: {}
    }))
    .unwrap();
    assert_eq!(user, json!({"schemas": [USER_URN], "userName": "bjensen"}));
}

#[test]
fn rejections_name_what_is_wrong() {
    let cases = [
        (json!("bjensen"), ScimType::InvalidSyntax, "must be a JSON object"),
        (json!({"userName": "bjensen"}), ScimType::InvalidSyntax, "`schemas` is required"),
        (json!({"schemas": USER_URN, "userName": "b"}), ScimType::InvalidSyntax, "must be an array"),
        (json!({"schemas": [GROUP_URN], "userName": "b"}), ScimType::InvalidSyntax, "not a schema of User"),
        (
            json!({"schemas": [ENTERPRISE_USER_URN], "userName": "b"}),
            ScimType::InvalidSyntax,
            "must contain the core schema",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", "usrName": "c"}),
            ScimType::InvalidSyntax,
            "did you mean `userName`",
        ),
        (json!({"schemas": [USER_URN], "userName": "b", "UserName": "c"}), ScimType::InvalidSyntax, "given twice"),
        (
            json!({"schemas": [USER_URN], "userName": "b", "urn:example:ext:dept": "x"}),
            ScimType::InvalidSyntax,
            "neither an attribute nor an extension",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", ENTERPRISE_USER_URN: "x"}),
            ScimType::InvalidSyntax,
            "must be a JSON object",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", ENTERPRISE_USER_URN: {"departmen": "x"}}),
            ScimType::InvalidSyntax,
            "did you mean `department`",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", USER_URN: {"displayName": "x"}}),
            ScimType::InvalidSyntax,
            "belong at the top level",
        ),
        (json!({"schemas": [USER_URN]}), ScimType::InvalidValue, "`userName` is required"),
        (json!({"schemas": [USER_URN], "userName": null}), ScimType::InvalidValue, "`userName` is required"),
        (json!({"schemas": [USER_URN], "userName": 7}), ScimType::InvalidValue, "`userName` must be a string"),
        (
            json!({"schemas": [USER_URN], "userName": "b", "active": "yes"}),
            ScimType::InvalidValue,
            "`active` must be a boolean",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", "name": {"givenName": 1}}),
            ScimType::InvalidValue,
            "`name.givenName`",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", ENTERPRISE_USER_URN: {"manager": 5}}),
            ScimType::InvalidValue,
            "`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager` must be an object",
        ),
        (
            json!({"schemas": [USER_URN], "userName": "b", "emails": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
            ScimType::InvalidValue,
            "at most one may be primary",
        ),
    ];
    for (body, scim_type, message) in cases {
        let error = error_of(body.clone());
        assert_eq!(error.scim_type, Some(scim_type), "{body}: {error}");
        assert_eq!(error.status, 400);
        assert!(error.detail.contains(message), "{body}: {}", error.detail);
    }
}

#[test]
fn group_with_members() {
    // RFC 7643 section 8.4; `members.display` is not in the section 8.7.1 schema (erratum
    // 6011) but is one of the sub-attributes section 2.4 implies, and Okta sends it.
    let group = validate_request(
        &group_schema(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Tour Guides",
            "members": [
                {"value": "2819c223-7f76-453a-919d-413861904646", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
                {"value": "902c246b-6245-4190-8e05-00816be7344a", "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
            ]
        }),
        RequestMode::Replace,
    )
    .unwrap();
    assert_eq!(group["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(group["members"][1]["display"], "Mandy Pepperidge");
    assert_eq!(group["schemas"], json!([GROUP_URN]));
}

#[test]
fn required_extension_must_be_present() {
    let mut schema = user_schema();
    schema.extensions[0].required = true;
    let error =
        validate_request(&schema, json!({"schemas": [USER_URN], "userName": "b"}), RequestMode::Create).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("requires the extension"), "{}", error.detail);
}

#[test]
fn required_sub_attributes_are_checked_in_every_element() {
    let mut schema = group_schema();
    let core = std::sync::Arc::make_mut(&mut schema.core);
    let members = core.attributes.iter_mut().find(|a| a.name == "members").unwrap();
    members.sub_attributes.iter_mut().find(|a| a.name == "value").unwrap().required = true;
    let ok = json!({"schemas": [GROUP_URN], "displayName": "g", "members": [{"value": "1"}]});
    assert!(check_required(&schema, &ok).is_ok());
    let body = json!({"schemas": [GROUP_URN], "displayName": "g", "members": [{"value": "1"}, {"type": "User"}]});
    let error = validate_request(&schema, body, RequestMode::Create).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("`members.value` is required"), "{}", error.detail);
}

#[test]
fn immutable_attributes_cannot_change_on_replace() {
    let mut schema = user_schema();
    let core = std::sync::Arc::make_mut(&mut schema.core);
    for name in ["nickName", "emails"] {
        core.attributes.iter_mut().find(|a| a.name == name).unwrap().mutability = scim::schema::Mutability::Immutable;
    }
    let existing =
        json!({"schemas": [USER_URN], "userName": "b", "nickName": "Babs", "emails": [{"value": "a"}, {"value": "b"}]});
    let cases = [
        (json!({"userName": "c", "nickName": "Babs"}), None),
        // nickName is not caseExact.
        (json!({"userName": "c", "nickName": "BABS"}), None),
        (json!({"userName": "c"}), None),
        (json!({"userName": "c", "emails": [{"value": "b"}, {"value": "a"}]}), None),
        (json!({"userName": "c", "nickName": "Barbara"}), Some("`nickName` is immutable")),
        (json!({"userName": "c", "emails": [{"value": "a"}]}), Some("`emails` is immutable")),
    ];
    for (new, expected) in cases {
        match (check_replace(&schema, &existing, &new), expected) {
            (Ok(()), None) => {}
            (Err(error), Some(message)) => {
                assert_eq!(error.scim_type, Some(ScimType::Mutability));
                assert!(error.detail.contains(message), "{}", error.detail);
            }
            (result, _) => panic!("{new}: unexpected {result:?}"),
        }
    }
    let mut new = json!({"schemas": [USER_URN], "userName": "c"});
    keep_immutable(&schema, &existing, &mut new);
    assert_eq!(new["nickName"], "Babs");
    assert_eq!(new["emails"], existing["emails"]);
}

#[test]
fn immutable_extension_sub_attribute() {
    let mut schema = user_schema();
    let extension = std::sync::Arc::make_mut(&mut schema.extensions[0].schema);
    let manager = extension.attributes.iter_mut().find(|a| a.name == "manager").unwrap();
    manager.sub_attributes.iter_mut().find(|a| a.name == "value").unwrap().mutability =
        scim::schema::Mutability::Immutable;
    let existing = json!({"userName": "b", ENTERPRISE_USER_URN: {"manager": {"value": "1"}}});
    let changed = json!({"userName": "b", ENTERPRISE_USER_URN: {"manager": {"value": "2"}}});
    let error = check_replace(&schema, &existing, &changed).unwrap_err();
    assert!(error.detail.contains(&format!("`{ENTERPRISE_USER_URN}:manager.value` is immutable")), "{}", error.detail);
    let mut omitted = json!({"userName": "b"});
    keep_immutable(&schema, &existing, &mut omitted);
    assert_eq!(omitted, json!({"userName": "b"}), "only sub-attributes of a given value are carried over");
    let mut partial = json!({"userName": "b", ENTERPRISE_USER_URN: {"manager": {"$ref": "../Users/1"}}});
    keep_immutable(&schema, &existing, &mut partial);
    assert_eq!(partial[ENTERPRISE_USER_URN]["manager"]["value"], "1");
}

#[test]
fn server_fields_are_placed_after_schemas() {
    let mut user = create_user(json!({"schemas": [USER_URN], "userName": "bjensen", "externalId": "x"})).unwrap();
    let at = time::macros::datetime!(2010-01-23 04:56:22 UTC);
    let mut meta = Meta::new("User", at, at).unwrap();
    meta.location = Some("https://example.com/v2/Users/2819c223".into());
    meta.version = Some("W/\"a330bc54f0671c9\"".into());
    assign_server_fields(&mut user, "2819c223", &meta).unwrap();
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        json!({
            "schemas": [USER_URN],
            "id": "2819c223",
            "externalId": "x",
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2010-01-23T04:56:22Z",
                "location": "https://example.com/v2/Users/2819c223",
                "version": "W/\"a330bc54f0671c9\""
            },
            "userName": "bjensen"
        })
        .to_string()
    );
    assert_eq!(Meta::of(&user), Some(meta));
}

#[test]
fn foreign_entries_in_schemas_are_ignored_but_foreign_data_is_not() {
    // Entra ID lists a non-URN ActiveDirectory schema in every group it creates.
    let group = validate_request(
        &group_schema(),
        json!({
            "schemas": [GROUP_URN, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "Group1"
        }),
        RequestMode::Create,
    )
    .unwrap();
    assert_eq!(group, json!({"schemas": [GROUP_URN], "displayName": "Group1"}));
    // Data keyed by a schema the resource type does not have is never dropped silently.
    let error =
        create_user(json!({"schemas": [USER_URN, "urn:example:x"], "userName": "b", "urn:example:x": {"a": 1}}))
            .unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    assert!(error.detail.contains("urn:example:x"), "{}", error.detail);
}

/// A `schemas` member inside the extension object naming just that extension (as scim2-models
/// writes it) is dropped; naming anything else it is an unknown attribute.
#[test]
fn extension_object_carrying_its_own_schemas_member() {
    let body = |schemas: Value| {
        json!({
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "userName": "bjensen",
            ENTERPRISE_USER_URN: {"schemas": schemas, "department": "Tours"}
        })
    };
    let user = create_user(body(json!([ENTERPRISE_USER_URN]))).unwrap();
    assert_eq!(user[ENTERPRISE_USER_URN], json!({"department": "Tours"}));
    for schemas in [json!([USER_URN]), json!([]), json!("x")] {
        let error = error_of(body(schemas.clone()));
        assert_eq!(error.status, 400, "{schemas}");
        assert!(error.detail.contains("schemas"), "{schemas}: {}", error.detail);
    }
}
