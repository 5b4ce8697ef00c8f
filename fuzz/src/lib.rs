//! What the fuzz targets share: the schemas and resources inputs are checked against, a derived
//! type, and the rule every target enforces on a rejected input (a SCIM client error, never a
//! 500 and never a panic).

use std::sync::LazyLock;

use scim::filter::FilterLimits;
use scim::schema::{ResourceSchema, builtin};
use scim::{ScimError, ScimResult};
use scim_derive::ScimResource;
use serde_json::Value;

/// Limits for re-parsing a printed filter or path: printing adds spaces and parentheses, so a
/// printed input may be longer than the request limits allow; the tree is what must agree.
pub const GENEROUS: FilterLimits = FilterLimits { max_length: usize::MAX, max_depth: 10_000, max_terms: 100_000 };

/// User with the enterprise extension, Group: the schemas requests are checked against.
pub static SCHEMAS: LazyLock<[ResourceSchema; 2]> = LazyLock::new(|| [builtin::user_schema(), builtin::group_schema()]);

/// A stored User and a stored Group (canonical form, as the server keeps them), which filters
/// are evaluated against and PATCH requests applied to.
pub static RESOURCES: LazyLock<[Value; 2]> = LazyLock::new(|| {
    let user = serde_json::json!({
        "schemas": [builtin::USER_URN, builtin::ENTERPRISE_USER_URN],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "primary": true}],
        "roles": [{"value": "admin", "primary": true}],
        builtin::ENTERPRISE_USER_URN: {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff591\""
        }
    });
    let group = serde_json::json!({
        "schemas": [builtin::GROUP_URN],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "type": "User"}
        ],
        "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}
    });
    [user, group]
});

/// `result`'s value, or `None` after checking the error is what a client may be told: a 4xx
/// with a detail (a 500 for bad input is a bug the fuzzer reports as a crash).
pub fn client_error_or<T>(result: ScimResult<T>, input: &dyn std::fmt::Debug) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            assert_client_error(&error, input);
            None
        }
    }
}

/// Panics unless `error` is a 4xx with a detail.
pub fn assert_client_error(error: &ScimError, input: &dyn std::fmt::Debug) {
    assert!((400..500).contains(&error.status), "{input:?} was answered {} {:?}", error.status, error.detail);
    assert!(!error.detail.trim().is_empty(), "{input:?} was rejected without a detail");
}

/// A stored resource as a client sends it back: without the server-assigned `id` and `meta`.
pub fn as_request_body(resource: &Value) -> Value {
    let mut body = resource.clone();
    if let Value::Object(map) = &mut body {
        map.remove("id");
        map.remove("meta");
    }
    body
}

/// `name` of a User, kept as serde keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PersonName {
    #[serde(rename = "givenName", default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(rename = "familyName", default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}
scim::impl_scim_value_via_serde!(PersonName);

/// An app's account mapped onto User + enterprise with `#[derive(ScimResource)]`: a plain
/// field, a default, a selector path, a complex attribute through serde, extension fields and
/// a multi-valued attribute.
#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
pub struct Account {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "userName", filter)]
    pub login: String,
    #[scim(path = "active", default = true)]
    pub enabled: bool,
    #[scim(path = "name")]
    pub name: Option<PersonName>,
    #[scim(path = "emails[type eq \"work\"].value", filter = "eq sw")]
    pub work_email: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")]
    pub department: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")]
    pub manager: Option<String>,
    #[scim(path = "displayName")]
    pub display_name: Option<String>,
}
