//! The built-in schemas: RFC 7643 section 8.7.1 (core User, core Group, enterprise User) from
//! the JSON files in the repository's `schemas/` folder, the standard resource types, and the
//! common attributes every resource has (section 3.1).

use std::sync::{Arc, LazyLock};

use super::{Attribute, AttributeType, Mutability, Returned, Schema, Uniqueness};

/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn parse_builtin(file: &str, json: &str) -> Arc<Schema> {
    // The files are part of this crate and checked by the tests below; a broken one is a
    // build defect, not a runtime condition.
    #[allow(clippy::expect_used)]
    Arc::new(serde_json::from_str(json).unwrap_or_else(|e| panic!("built-in schema {file} is invalid: {e}")))
}

static CORE_USER: LazyLock<Arc<Schema>> =
    LazyLock::new(|| parse_builtin("core-user.json", include_str!("../../../schemas/core-user.json")));
static CORE_GROUP: LazyLock<Arc<Schema>> =
    LazyLock::new(|| parse_builtin("core-group.json", include_str!("../../../schemas/core-group.json")));
static ENTERPRISE_USER: LazyLock<Arc<Schema>> =
    LazyLock::new(|| parse_builtin("enterprise-user.json", include_str!("../../../schemas/enterprise-user.json")));

/// The core User schema (RFC 7643 section 8.7.1).
pub fn core_user() -> Arc<Schema> {
    CORE_USER.clone()
}

/// The core Group schema (RFC 7643 section 8.7.1).
pub fn core_group() -> Arc<Schema> {
    CORE_GROUP.clone()
}

/// The enterprise User extension (RFC 7643 section 8.7.1).
pub fn enterprise_user() -> Arc<Schema> {
    ENTERPRISE_USER.clone()
}

fn common(name: &str, kind: AttributeType) -> Attribute {
    Attribute::new(name, kind)
}

static COMMON_ATTRIBUTES: LazyLock<Vec<Attribute>> = LazyLock::new(|| {
    let read_only = |mut a: Attribute| {
        a.mutability = Mutability::ReadOnly;
        a
    };
    let id = Attribute {
        case_exact: true,
        mutability: Mutability::ReadOnly,
        returned: Returned::Always,
        uniqueness: Uniqueness::Server,
        description: Some("A unique identifier for a SCIM resource as defined by the service provider.".into()),
        ..common("id", AttributeType::String)
    };
    let external_id = Attribute {
        case_exact: true,
        description: Some(
            "A String that is an identifier for the resource as defined by the provisioning client.".into(),
        ),
        ..common("externalId", AttributeType::String)
    };
    let schemas = Attribute {
        multi_valued: true,
        case_exact: true,
        required: true,
        mutability: Mutability::ReadOnly,
        returned: Returned::Always,
        ..common("schemas", AttributeType::Reference)
    };
    let meta = Attribute {
        mutability: Mutability::ReadOnly,
        description: Some("A complex attribute containing resource metadata.".into()),
        sub_attributes: vec![
            read_only(Attribute { case_exact: true, ..common("resourceType", AttributeType::String) }),
            read_only(common("created", AttributeType::DateTime)),
            read_only(common("lastModified", AttributeType::DateTime)),
            read_only(Attribute {
                case_exact: true,
                reference_types: vec!["uri".into()],
                ..common("location", AttributeType::Reference)
            }),
            read_only(Attribute { case_exact: true, ..common("version", AttributeType::String) }),
        ],
        ..common("meta", AttributeType::Complex)
    };
    vec![id, external_id, schemas, meta]
});

/// The common attributes of RFC 7643 section 3.1 (`id`, `externalId`, `schemas`, `meta`),
/// which belong to every resource but to no schema.
pub fn common_attributes() -> &'static [Attribute] {
    &COMMON_ATTRIBUTES
}

/// The common attribute called `name`, compared case-insensitively.
pub fn common_attribute(name: &str) -> Option<&'static Attribute> {
    COMMON_ATTRIBUTES.iter().find(|a| a.is_named(name))
}
