//! The built-in schemas: RFC 7643 section 8.7.1 (core User, core Group, enterprise User) from
//! the JSON files in the repository's `schemas/` folder, the standard resource types, and the
//! common attributes every resource has (section 3.1).
//!
//! The JSON files follow the RFC's section 8.7.1 text attribute by attribute, including the
//! places where it disagrees with its own prose (section 4) or has reported errata; we keep the
//! RFC's characteristics so `/Schemas` serves what clients expect:
//! - Group `displayName` says "REQUIRED." in its description but has `"required": false`
//!   (erratum 5368 says true).
//! - Group `members` has no `display` sub-attribute (section 4.2 mentions one); Okta sends it, so
//!   request handling must tolerate it rather than the schema inventing it.
//! - Enterprise `manager.value` and `manager.$ref` say "REQUIRED." but are `"required": false`;
//!   keeping them optional is also what Entra needs, which sends `manager` as `{"value": id}`.
//! - User `addresses` has no `primary` sub-attribute (section 4.1.2 mentions one).
//! - `x509Certificates.value` is `binary` with `"caseExact": false` (erratum 6000 says true;
//!   binary values are compared exactly anyway, section 2.3.6).
//! - `entitlements.type` has no `canonicalValues`, `roles.type` and `x509Certificates.type`
//!   have an empty list; both mean "none".
//! - User `groups.$ref` has `"referenceTypes": ["User", "Group"]` (erratum 8471 says `["Group"]`).
//! - Enterprise `manager.value` has `"caseExact": false` (erratum 8472 says true, as `id` is).
//!
//! Errata 5368, 8471 and 8472 were marked Verified in October 2025; the RFC text itself, which
//! clients and other servers copy, is unchanged, so we still follow it.

use std::sync::{Arc, LazyLock};

use super::{
    Attribute, AttributeType, Extension, Mutability, ResourceSchema, ResourceType, Returned, Schema, SchemaExtension,
    Uniqueness,
};

/// The core User schema URN.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension URN.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn parse_builtin(file: &str, json: &str) -> Arc<Schema> {
    // The files are part of this crate and checked by tests/schema_builtin.rs; a broken one is a
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

/// The User resource type of RFC 7643 section 8.6, with the enterprise extension (optional, so
/// Entra and Okta may omit it) when `enterprise` is set.
pub fn user_resource_type(enterprise: bool) -> ResourceType {
    ResourceType {
        id: Some("User".into()),
        name: "User".into(),
        endpoint: "/Users".into(),
        description: Some("User Account".into()),
        schema: USER_URN.into(),
        schema_extensions: if enterprise {
            vec![SchemaExtension { schema: ENTERPRISE_USER_URN.into(), required: false }]
        } else {
            Vec::new()
        },
    }
}

/// The Group resource type of RFC 7643 section 8.6.
pub fn group_resource_type() -> ResourceType {
    ResourceType {
        id: Some("Group".into()),
        name: "Group".into(),
        endpoint: "/Groups".into(),
        description: Some("Group".into()),
        schema: GROUP_URN.into(),
        schema_extensions: Vec::new(),
    }
}

/// Users with the core User schema and the optional enterprise extension.
pub fn user_schema() -> ResourceSchema {
    ResourceSchema {
        resource_type: user_resource_type(true),
        core: core_user(),
        extensions: vec![Extension { schema: enterprise_user(), required: false }],
    }
}

/// Users with the core User schema only.
pub fn user_schema_without_enterprise() -> ResourceSchema {
    ResourceSchema { resource_type: user_resource_type(false), core: core_user(), extensions: Vec::new() }
}

/// Groups with the core Group schema.
pub fn group_schema() -> ResourceSchema {
    ResourceSchema { resource_type: group_resource_type(), core: core_group(), extensions: Vec::new() }
}

/// Every built-in schema: core User, core Group, enterprise User.
pub fn all_schemas() -> Vec<Arc<Schema>> {
    vec![core_user(), core_group(), enterprise_user()]
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
