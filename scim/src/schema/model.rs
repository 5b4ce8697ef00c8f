//! The SCIM schema model of RFC 7643 section 7 (schemas and attributes), section 6 (resource
//! types) and section 5 (service provider configuration), as serde types.
//!
//! Defaults follow RFC 7643 section 2.2: an attribute that says nothing is a single-valued,
//! optional, case-insensitive, read-write `string`, returned by default, with no uniqueness.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The schema URN of a Schema resource (RFC 7643 section 7).
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// The schema URN of a ResourceType resource (RFC 7643 section 6).
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// The schema URN of the ServiceProviderConfig resource (RFC 7643 section 5).
pub const SERVICE_PROVIDER_CONFIG_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// An attribute's data type (RFC 7643 section 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A sequence of Unicode characters.
    #[default]
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number with at least one digit after the decimal point.
    Decimal,
    /// A whole number with no fractional part.
    Integer,
    /// An `xsd:dateTime` (RFC 3339) timestamp.
    DateTime,
    /// Base64-encoded binary data.
    Binary,
    /// A URI for a resource (see `referenceTypes`).
    Reference,
    /// A composite of sub-attributes.
    Complex,
}

impl AttributeType {
    /// The wire name, e.g. `dateTime`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }

    /// Whether `gt`, `ge`, `lt` and `le` mean something for this type (RFC 7644 section
    /// 3.4.2.2: strings, numbers and dateTimes are ordered; booleans and binary are not).
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            AttributeType::String | AttributeType::Decimal | AttributeType::Integer | AttributeType::DateTime
        )
    }
}

/// When an attribute may be changed (RFC 7643 section 2.2, `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider only; ignored on input.
    ReadOnly,
    /// May be updated and read at any time.
    #[default]
    ReadWrite,
    /// May be set on creation (or when it has no value) and never changed after.
    Immutable,
    /// May be set at any time but is never returned.
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 section 2.2, `returned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, whatever `attributes`/`excludedAttributes` say.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded, and when `attributes` names it.
    #[default]
    Default,
    /// Returned only when `attributes` names it.
    Request,
}

/// How a value must be unique (RFC 7643 section 2.2, `uniqueness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness is enforced.
    #[default]
    None,
    /// Unique within the service provider (here: within a tenant and resource type).
    Server,
    /// Globally unique.
    Global,
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// An attribute definition (RFC 7643 section 7, `attributes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Attribute {
    /// The attribute's name, e.g. `userName`. Matched case-insensitively.
    pub name: String,
    /// The data type.
    #[serde(rename = "type", default)]
    pub kind: AttributeType,
    /// The sub-attributes of a `complex` attribute (empty for every other type).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<Attribute>,
    /// Whether the attribute holds a list of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a value must be present.
    #[serde(default)]
    pub required: bool,
    /// The suggested values (e.g. `work`, `home`); enforced only where the schema author asks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string comparison is case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// When the attribute may be changed.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// How values must be unique.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For `reference` attributes: the resource types (`User`, `Group`), `external` or `uri`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
}

impl Attribute {
    /// A single-valued, optional `string` attribute with RFC 7643 defaults.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Attribute {
            name: name.into(),
            kind,
            sub_attributes: Vec::new(),
            multi_valued: false,
            description: None,
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
        }
    }

    /// Whether `name` names this attribute (attribute names are case-insensitive).
    pub fn is_named(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The sub-attribute called `name`, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes.iter().find(|a| a.is_named(name))
    }
}

/// A schema definition (RFC 7643 section 7): a URN and its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The attribute definitions.
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// The top-level attribute called `name`, compared case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.is_named(name))
    }
}

/// One extension schema of a resource type (RFC 7643 section 6, `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaExtension {
    /// The extension's schema URN.
    pub schema: String,
    /// Whether every resource of this type must carry the extension.
    #[serde(default)]
    pub required: bool,
}

/// A resource type (RFC 7643 section 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// The resource type's identifier; by convention the same as `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name, e.g. `User`; it is `meta.resourceType` of its resources.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The core schema URN.
    pub schema: String,
    /// The extension schemas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtension>,
}

/// `{"supported": bool}` in the service provider configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Supported {
    /// Whether the feature is supported.
    pub supported: bool,
}

/// Bulk operation support (RFC 7643 section 5, `bulk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkConfig {
    /// Whether bulk is supported.
    pub supported: bool,
    /// The most operations in one bulk request.
    pub max_operations: u32,
    /// The largest bulk payload, in bytes.
    pub max_payload_size: u64,
}

/// Pagination support (RFC 9865 section 4, `pagination`): which paging methods the service
/// provider offers, and their limits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginationConfig {
    /// Whether `cursor` paging is offered.
    pub cursor: bool,
    /// Whether `startIndex` paging is offered.
    pub index: bool,
    /// The method a request naming neither uses: `"cursor"` or `"index"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_pagination_method: Option<String>,
    /// The page size when `count` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_page_size: Option<u32>,
    /// The largest page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_page_size: Option<u32>,
    /// The least number of seconds a cursor stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_timeout: Option<u64>,
}

/// Filter support (RFC 7643 section 5, `filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FilterConfig {
    /// Whether filtering is supported.
    pub supported: bool,
    /// The most resources one response returns.
    pub max_results: u32,
}

/// An authentication scheme (RFC 7643 section 5, `authenticationSchemes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// The scheme's type, e.g. `oauthbearertoken`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The common name, e.g. `OAuth Bearer Token`.
    pub name: String,
    /// A description.
    pub description: String,
    /// Where the scheme's specification lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// Where its documentation lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary: bool,
}

/// The service provider configuration (RFC 7643 section 5). The server fills it from what it
/// really does, so it only advertises what works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// Where the service provider's help lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH support.
    pub patch: Supported,
    /// Bulk support.
    pub bulk: BulkConfig,
    /// Filter support.
    pub filter: FilterConfig,
    /// Pagination support (RFC 9865); absent from providers that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationConfig>,
    /// Password change support.
    pub change_password: Supported,
    /// Sort support.
    pub sort: Supported,
    /// ETag support.
    pub etag: Supported,
    /// The authentication schemes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub authentication_schemes: Vec<AuthenticationScheme>,
}
