//! `ResourceSchema::resolve` against the built-in User and Group resource types: attribute names
//! are case-insensitive (RFC 7643 section 2.1), common attributes live beside the core ones
//! (section 3.1), and extension attributes are reached through their schema URN (RFC 7644
//! section 3.10). Paths are built by hand so these tests do not depend on the parser.

use scim::ScimType;
use scim::filter::ast::AttrPath;
use scim::schema::builtin::{self, ENTERPRISE_USER_URN, GROUP_URN, USER_URN};
use scim::schema::{AttrOwner, AttributeType, ResourceSchema};

fn qualified(urn: &str, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath { urn: Some(urn.to_owned()), name: name.to_owned(), filter: None, sub_attr: sub.map(str::to_owned) }
}

/// What a successful resolution must report.
#[derive(Debug, PartialEq)]
enum Owner {
    Common,
    Core,
    Extension(&'static str),
}

fn owner_of(owner: AttrOwner<'_>) -> Owner {
    match owner {
        AttrOwner::Common => Owner::Common,
        AttrOwner::Core => Owner::Core,
        AttrOwner::Extension(schema) if schema.id == ENTERPRISE_USER_URN => Owner::Extension(ENTERPRISE_USER_URN),
        AttrOwner::Extension(schema) => panic!("unexpected extension {}", schema.id),
    }
}

#[test]
fn resolves_to_canonical_names_and_owners() {
    let user = builtin::user_schema();
    // (path, owner, canonical form, leaf type, multi-valued)
    let cases = [
        (AttrPath::simple("userName"), Owner::Core, "userName", AttributeType::String, false),
        (AttrPath::simple("USERNAME"), Owner::Core, "userName", AttributeType::String, false),
        (AttrPath::sub("Name", "GivenName"), Owner::Core, "name.givenName", AttributeType::String, false),
        (AttrPath::simple("emails"), Owner::Core, "emails", AttributeType::Complex, true),
        (AttrPath::sub("emails", "VALUE"), Owner::Core, "emails.value", AttributeType::String, true),
        (AttrPath::sub("groups", "$ref"), Owner::Core, "groups.$ref", AttributeType::Reference, true),
        (AttrPath::simple("active"), Owner::Core, "active", AttributeType::Boolean, false),
        (AttrPath::simple("id"), Owner::Common, "id", AttributeType::String, false),
        (AttrPath::simple("ID"), Owner::Common, "id", AttributeType::String, false),
        (AttrPath::simple("externalid"), Owner::Common, "externalId", AttributeType::String, false),
        (AttrPath::sub("meta", "lastModified"), Owner::Common, "meta.lastModified", AttributeType::DateTime, false),
        (AttrPath::sub("META", "CREATED"), Owner::Common, "meta.created", AttributeType::DateTime, false),
        (AttrPath::simple("schemas"), Owner::Common, "schemas", AttributeType::Reference, true),
        (qualified(USER_URN, "userName", None), Owner::Core, "userName", AttributeType::String, false),
        (
            qualified(&USER_URN.to_ascii_lowercase(), "name", Some("familyName")),
            Owner::Core,
            "name.familyName",
            AttributeType::String,
            false,
        ),
        (qualified(USER_URN, "id", None), Owner::Common, "id", AttributeType::String, false),
        (qualified(USER_URN, "meta", Some("version")), Owner::Common, "meta.version", AttributeType::String, false),
        (
            qualified(ENTERPRISE_USER_URN, "department", None),
            Owner::Extension(ENTERPRISE_USER_URN),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            AttributeType::String,
            false,
        ),
        (
            qualified(&ENTERPRISE_USER_URN.to_ascii_uppercase(), "EMPLOYEENUMBER", None),
            Owner::Extension(ENTERPRISE_USER_URN),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            AttributeType::String,
            false,
        ),
        (
            qualified(ENTERPRISE_USER_URN, "manager", Some("value")),
            Owner::Extension(ENTERPRISE_USER_URN),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            AttributeType::String,
            false,
        ),
        (
            qualified(ENTERPRISE_USER_URN, "manager", None),
            Owner::Extension(ENTERPRISE_USER_URN),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            AttributeType::Complex,
            false,
        ),
    ];
    for (path, owner, canonical, kind, multi_valued) in cases {
        let resolved = user.resolve(&path).unwrap_or_else(|e| panic!("{path:?} resolves: {e}"));
        assert_eq!(owner_of(resolved.owner), owner, "owner of {path:?}");
        assert_eq!(resolved.canonical(), canonical, "canonical form of {path:?}");
        assert_eq!(resolved.leaf().kind, kind, "type of {path:?}");
        assert_eq!(resolved.is_multi_valued(), multi_valued, "multi-valued {path:?}");
        let expected_urn = match owner {
            Owner::Extension(urn) => Some(urn),
            _ => None,
        };
        assert_eq!(resolved.extension_urn(), expected_urn, "extension object of {path:?}");
    }
}

#[test]
fn manager_sent_as_a_complex_with_value_resolves_to_the_sub_attribute() {
    // Entra sends `{"op": "Add", "path": "urn:...:enterprise:2.0:User:manager", "value": {"value": id}}`
    // (or a bare id); both need `manager` to be complex with a `value` sub-attribute.
    let user = builtin::user_schema();
    let manager = user.resolve(&qualified(ENTERPRISE_USER_URN, "manager", None)).unwrap();
    assert_eq!(manager.attribute.kind, AttributeType::Complex);
    let value = manager.attribute.sub_attribute("value").expect("manager.value");
    assert!(!value.required, "Entra sends only `value`, so nothing else may be required");
    assert!(manager.attribute.sub_attributes.iter().all(|a| !a.required));
}

#[test]
fn group_paths_resolve_against_the_group_schema() {
    let group = builtin::group_schema();
    let members = group.resolve(&AttrPath::sub("Members", "Value")).unwrap();
    assert_eq!(members.canonical(), "members.value");
    assert!(members.is_multi_valued());
    assert_eq!(group.resolve(&qualified(GROUP_URN, "displayName", None)).unwrap().canonical(), "displayName");
    // The User's attributes are not the Group's.
    assert!(group.resolve(&AttrPath::simple("userName")).is_err());
}

/// Resolve `path` and return the `invalidPath` detail, failing if it resolved or had another type.
fn invalid_path_detail(schema: &ResourceSchema, path: &AttrPath) -> String {
    let error = match schema.resolve(path) {
        Ok(resolved) => panic!("{path:?} should not resolve, got {}", resolved.canonical()),
        Err(error) => error,
    };
    assert_eq!(error.status, 400, "{path:?}");
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{path:?}");
    error.detail
}

#[test]
fn errors_say_what_is_wrong_and_suggest_the_right_name() {
    let user = builtin::user_schema();
    let cases = [
        (
            AttrPath::simple("usrName"),
            "`usrName` is not an attribute of User (schema urn:ietf:params:scim:schemas:core:2.0:User); did you mean \
             `userName`?",
        ),
        (
            AttrPath::simple("externalIdd"),
            "`externalIdd` is not an attribute of User (schema urn:ietf:params:scim:schemas:core:2.0:User); did you \
             mean `externalId`?",
        ),
        (
            AttrPath::simple("favouriteColour"),
            "`favouriteColour` is not an attribute of User (schema urn:ietf:params:scim:schemas:core:2.0:User)",
        ),
        (
            AttrPath::simple("department"),
            "`department` is not an attribute of User (schema urn:ietf:params:scim:schemas:core:2.0:User); extension \
             attributes need their schema URN: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`",
        ),
        (
            AttrPath::sub("name", "givenNme"),
            "`givenNme` is not a sub-attribute of `name`; it has formatted, familyName, givenName, middleName, \
             honorificPrefix, honorificSuffix; did you mean `givenName`?",
        ),
        (
            AttrPath::sub("meta", "lastModifed"),
            "`lastModifed` is not a sub-attribute of `meta`; it has resourceType, created, lastModified, location, \
             version; did you mean `lastModified`?",
        ),
        (AttrPath::sub("userName", "first"), "`userName` has no sub-attributes, so `userName.first` does not exist"),
        (
            qualified(ENTERPRISE_USER_URN, "departmnt", None),
            "`departmnt` is not an attribute of schema urn:ietf:params:scim:schemas:extension:enterprise:2.0:User; \
             did you mean `department`?",
        ),
        (
            qualified(ENTERPRISE_USER_URN, "manager", Some("email")),
            "`email` is not a sub-attribute of `manager`; it has value, $ref, displayName",
        ),
        (
            // Common attributes are not part of an extension.
            qualified(ENTERPRISE_USER_URN, "id", None),
            "`id` is not an attribute of schema urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ),
        (
            qualified("urn:ietf:params:scim:schemas:extension:acme:2.0:User", "badge", None),
            "`urn:ietf:params:scim:schemas:extension:acme:2.0:User` is not a schema of User; its schemas are \
             urn:ietf:params:scim:schemas:core:2.0:User, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ),
    ];
    for (path, expected) in cases {
        assert_eq!(invalid_path_detail(&user, &path), expected, "{path:?}");
    }
}

#[test]
fn extension_paths_fail_when_the_resource_type_has_no_such_extension() {
    let user = builtin::user_schema_without_enterprise();
    let detail = invalid_path_detail(&user, &qualified(ENTERPRISE_USER_URN, "department", None));
    assert_eq!(
        detail,
        "`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` is not a schema of User; its schemas are \
         urn:ietf:params:scim:schemas:core:2.0:User"
    );
    // And without the extension, the unqualified name gets no hint about it.
    assert_eq!(
        invalid_path_detail(&user, &AttrPath::simple("department")),
        "`department` is not an attribute of User (schema urn:ietf:params:scim:schemas:core:2.0:User)"
    );
}
