//! The OpenAPI 3.1 description of a server, served at `<base path>/openapi.json` and written by
//! `scimgen openapi`.
//!
//! It is built when the router is built, from the very documents `/Schemas` and
//! `/ResourceTypes` serve and from the routes and limits the builder sets up, so it cannot
//! disagree with discovery or with what the server does: each resource type's endpoints (CRUD,
//! list with its query parameters, `.search`), `/.search`, the discovery endpoints, the
//! resource bodies (every attribute with its type, multi-valuedness, required-ness,
//! `readOnly`/`writeOnly` and sub-attributes, and each extension under its URN), the
//! ListResponse, SearchRequest and PatchOp messages, the RFC 7644 section 3.12 Error document
//! with the statuses each operation can answer, and the bearer scheme.
//!
//! Each resource type has two body schemas: `{Name}Request`, what a client may send (the
//! schema's `required` attributes required, nothing outside the schemas, as the server refuses
//! unknown attributes by default), and `{Name}`, what the server returns (only `schemas` and
//! `id` are always present, since `attributes`/`excludedAttributes` may leave the rest out).
//! JSON Schema cannot say that SCIM attribute names are case-insensitive; the description
//! spells them as the schemas do.
//!
//! The description itself is served without authentication: it holds nothing of any tenant
//! (only what the schema files say, which a docs portal or gateway publishes anyway), and the
//! tools that read it (gateways, docs portals, schemathesis) fetch it before they hold a token.

use serde_json::{Map, Value, json};

use super::BulkLimits;
use super::limits::Limits;
use crate::error::ERROR_URN;
use crate::message::{BULK_REQUEST_URN, BULK_RESPONSE_URN, LIST_RESPONSE_URN, PATCH_OP_URN, SEARCH_REQUEST_URN};
use crate::resource::UnknownAttributes;
use crate::schema::{Attribute, AttributeType, Mutability, ResourceType, Returned, Schema};

/// The media type of every SCIM body (RFC 7644 section 8.1).
const SCIM_JSON: &str = "application/scim+json";

/// One served resource type, as the description needs it.
#[derive(Debug, Clone)]
pub struct DescribedResource {
    /// The `/ResourceTypes` document.
    pub resource_type: Value,
    /// Whether PATCH answers `204` rather than `200` with the resource.
    pub patch_no_content: bool,
}

/// Everything the description is made from.
#[derive(Debug, Clone)]
pub struct Description<'a> {
    /// `/scim/v2`, or `""` for the root.
    pub base_path: &'a str,
    /// Whether the tenant is a path segment after the base path.
    pub tenant_in_path: bool,
    /// The schema documents `/Schemas` serves.
    pub schemas: Vec<Value>,
    /// The resource types, in the order they were added.
    pub resources: Vec<DescribedResource>,
    /// The request limits, stated where JSON Schema can say them (`maxItems`, `maxLength`).
    pub limits: &'a Limits,
    /// Whether attributes outside the schemas are refused (a request body then allows no other
    /// member) or ignored.
    pub unknown_attributes: UnknownAttributes,
    /// The `/Bulk` limits; `/Bulk` is described when they enable it.
    pub bulk: BulkLimits,
}

/// The OpenAPI 3.1 document.
pub fn describe(description: &Description<'_>) -> Value {
    let schemas: Vec<Schema> =
        description.schemas.iter().filter_map(|document| serde_json::from_value(document.clone()).ok()).collect();
    let find = |urn: &str| schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn));

    let mut paths = Map::new();
    let mut components = Map::new();
    for resource in &description.resources {
        let Ok(resource_type) = serde_json::from_value::<ResourceType>(resource.resource_type.clone()) else {
            continue;
        };
        let name = component_name(&resource_type.name);
        let Some(core) = find(&resource_type.schema) else { continue };
        let extensions: Vec<(&Schema, bool)> = resource_type
            .schema_extensions
            .iter()
            .filter_map(|extension| find(&extension.schema).map(|schema| (schema, extension.required)))
            .collect();
        let limits = description.limits;
        let request_form = match description.unknown_attributes {
            UnknownAttributes::Reject => Form::Request,
            UnknownAttributes::Ignore => Form::LenientRequest,
        };
        components.insert(format!("{name}Request"), resource_body(core, &extensions, request_form, limits));
        components.insert(name.clone(), resource_body(core, &extensions, Form::Response, limits));
        components.insert(format!("{name}ListResponse"), list_response(json!({"$ref": schema_ref(&name)})));
        let endpoint = format!("/{}", resource_type.endpoint.trim_matches('/'));
        resource_paths(&mut paths, &endpoint, &resource_type.name, &name, resource.patch_no_content, limits);
    }
    paths.insert(
        "/.search".to_owned(),
        json!({"post": operation(
            "searchAll",
            "Search every resource type (RFC 7644 section 3.4.3)",
            &["Search"],
            Some(request_body("SearchRequest")),
            (200, "The resources matching the request", Some("ListResponse")),
            &[400, 413, 415],
        )}),
    );
    discovery_paths(&mut paths);
    if description.bulk.enabled() {
        bulk_path(&mut paths, &mut components, description.bulk);
    }
    paths.insert(
        "/openapi.json".to_owned(),
        json!({"get": {
            "operationId": "getOpenApi",
            "summary": "This description (served without authentication)",
            "tags": ["Discovery"],
            "security": [],
            "responses": {"200": {"description": "The OpenAPI 3.1 description", "content": {"application/json": {"schema": {"type": "object"}}}}},
        }}),
    );

    let mut all_components = message_schemas(description.limits);
    all_components.append(&mut components);
    let server = if description.tenant_in_path {
        json!({"url": format!("{}/{{tenant}}", description.base_path), "variables": {"tenant": {"default": "default", "description": "The tenant the credentials belong to"}}})
    } else {
        json!({"url": if description.base_path.is_empty() { "/" } else { description.base_path }})
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SCIM 2.0 service provider",
            "version": "2.0",
            "description": "A SCIM 2.0 server (RFC 7643, RFC 7644). Attribute names are case-insensitive; \
                            every failure is an RFC 7644 section 3.12 Error document.",
        },
        "servers": [server],
        "security": [{"bearer": []}],
        "tags": [{"name": "Resources"}, {"name": "Search"}, {"name": "Bulk"}, {"name": "Discovery"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A bearer token (RFC 6750) of the tenant"}},
            "schemas": all_components,
            "responses": error_responses(),
        },
    })
}

/// A component name from a resource type name (OpenAPI allows `[A-Za-z0-9._-]`).
fn component_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// The statuses every authenticated operation can answer besides its own: no or a wrong
/// token, the tenant's concurrency limit, the handling time limit, an oversized head.
const COMMON_ERRORS: [u16; 5] = [401, 414, 429, 431, 503];

/// What each error status means here.
fn error_meaning(status: u16) -> &'static str {
    match status {
        400 => {
            "The request is invalid (scimType says how: invalidFilter, invalidSyntax, invalidPath, invalidValue, tooMany, ...)"
        }
        401 => "No or an unknown bearer token",
        404 => "No such resource in the caller's tenant",
        408 => "The request body did not arrive in time",
        409 => "A unique attribute's value is taken (scimType uniqueness)",
        412 => "If-Match does not match the resource's version",
        413 => "The request body is larger than the server accepts",
        414 => "The request line is longer than the server accepts",
        415 => "The Content-Type is not application/scim+json or application/json",
        429 => "The tenant has as many requests in progress as the server handles at once; see Retry-After",
        431 => "The header fields are larger than the server accepts",
        503 => "The request was not handled in time; see Retry-After",
        _ => "An error",
    }
}

fn error_responses() -> Value {
    let mut responses = Map::new();
    for status in [400, 401, 404, 408, 409, 412, 413, 414, 415, 429, 431, 503] {
        let mut response = json!({
            "description": error_meaning(status),
            "content": {SCIM_JSON: {"schema": {"$ref": schema_ref("Error")}}},
        });
        if matches!(status, 429 | 503) {
            response["headers"] =
                json!({"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}});
        }
        responses.insert(format!("Error{status}"), response);
    }
    Value::Object(responses)
}

/// One operation: its success response (status, description, body schema name) and the error
/// statuses it can answer besides [`COMMON_ERRORS`].
fn operation(
    id: &str,
    summary: &str,
    tags: &[&str],
    body: Option<Value>,
    success: (u16, &str, Option<&str>),
    errors: &[u16],
) -> Value {
    let (status, description, schema) = success;
    let mut responses = Map::new();
    let mut ok = json!({"description": description});
    if let Some(schema) = schema {
        ok["content"] = json!({SCIM_JSON: {"schema": {"$ref": schema_ref(schema)}}});
    }
    responses.insert(status.to_string(), ok);
    let mut statuses: Vec<u16> = errors.iter().chain(COMMON_ERRORS.iter()).copied().collect();
    if body.is_some() {
        statuses.push(408);
    }
    statuses.sort_unstable();
    statuses.dedup();
    for status in statuses {
        responses.insert(status.to_string(), json!({"$ref": format!("#/components/responses/Error{status}")}));
    }
    let mut operation = json!({"operationId": id, "summary": summary, "tags": tags, "responses": responses});
    if let Some(body) = body {
        operation["requestBody"] = body;
    }
    operation
}

/// A required JSON body of component `schema`, as either media type the server reads.
fn request_body(schema: &str) -> Value {
    let content = json!({"schema": {"$ref": schema_ref(schema)}});
    json!({"required": true, "content": {SCIM_JSON: content.clone(), "application/json": content}})
}

fn query_parameter(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// `attributes` and `excludedAttributes` (RFC 7644 section 3.4.2.5).
fn projection_parameters() -> Vec<Value> {
    vec![
        query_parameter(
            "attributes",
            "Comma-separated attribute paths to return instead of the default set",
            json!({"type": "string"}),
        ),
        query_parameter(
            "excludedAttributes",
            "Comma-separated attribute paths to leave out",
            json!({"type": "string"}),
        ),
    ]
}

/// The list parameters (RFC 7644 section 3.4.2).
fn list_parameters(limits: &Limits) -> Vec<Value> {
    let mut parameters = vec![
        query_parameter(
            "filter",
            "A filter (RFC 7644 section 3.4.2.2) over the filterable attributes",
            json!({"type": "string", "maxLength": limits.filter.max_length}),
        ),
        query_parameter("startIndex", "1-based index of the first result", json!({"type": "integer"})),
        query_parameter(
            "cursor",
            "Cursor paging (RFC 9865): empty for the first page, then a response's nextCursor",
            json!({"type": "string"}),
        ),
        query_parameter(
            "count",
            &format!("Results per page; at most {} are returned (filter.maxResults)", limits.max_results),
            json!({"type": "integer"}),
        ),
        query_parameter("sortBy", "The attribute to sort by: id or an indexed attribute", json!({"type": "string"})),
        query_parameter("sortOrder", "ascending (default) or descending", json!({"enum": ["ascending", "descending"]})),
    ];
    parameters.extend(projection_parameters());
    parameters
}

fn resource_paths(
    paths: &mut Map<String, Value>,
    endpoint: &str,
    type_name: &str,
    name: &str,
    patch_no_content: bool,
    limits: &Limits,
) {
    let request = format!("{name}Request");
    let list = format!("{name}ListResponse");
    let mut list_op = operation(
        &format!("list{name}"),
        &format!("List or filter {type_name} resources (RFC 7644 section 3.4.2)"),
        &["Resources"],
        None,
        (200, "A page of resources", Some(&list)),
        &[400],
    );
    list_op["parameters"] = Value::Array(list_parameters(limits));
    let mut create = operation(
        &format!("create{name}"),
        &format!("Create a {type_name} (RFC 7644 section 3.3)"),
        &["Resources"],
        Some(request_body(&request)),
        (201, "The created resource; Location and ETag name it", Some(name)),
        &[400, 409, 413, 415],
    );
    create["parameters"] = Value::Array(projection_parameters());
    paths.insert(endpoint.to_owned(), json!({"get": list_op, "post": create}));

    paths.insert(
        format!("{endpoint}/.search"),
        json!({"post": operation(
            &format!("search{name}"),
            &format!("Search {type_name} resources with a SearchRequest body (RFC 7644 section 3.4.3)"),
            &["Search"],
            Some(request_body("SearchRequest")),
            (200, "A page of resources", Some(&list)),
            &[400, 413, 415],
        )}),
    );

    let id = json!({"name": "id", "in": "path", "required": true, "description": "The resource's id", "schema": {"type": "string"}});
    let with_projection = |mut operation: Value| {
        let mut parameters = vec![id.clone()];
        parameters.extend(projection_parameters());
        operation["parameters"] = Value::Array(parameters);
        operation
    };
    let get = with_projection(operation(
        &format!("get{name}"),
        &format!("Read a {type_name} (RFC 7644 section 3.4.1)"),
        &["Resources"],
        None,
        (200, "The resource", Some(name)),
        &[400, 404],
    ));
    let replace = with_projection(operation(
        &format!("replace{name}"),
        &format!("Replace a {type_name} (RFC 7644 section 3.5.1)"),
        &["Resources"],
        Some(request_body(&request)),
        (200, "The replaced resource", Some(name)),
        &[400, 404, 409, 412, 413, 415],
    ));
    let mut patch = with_projection(operation(
        &format!("patch{name}"),
        &format!("Modify a {type_name} with PATCH operations (RFC 7644 section 3.5.2)"),
        &["Resources"],
        Some(request_body("PatchOp")),
        (200, "The modified resource", Some(name)),
        &[400, 404, 409, 412, 413, 415],
    ));
    if patch_no_content {
        // 204 unless the request asks for attributes (RFC 7644 section 3.5.2).
        patch["responses"]["204"] = json!({"description": "Modified; asked without attributes or excludedAttributes"});
    }
    let mut delete = operation(
        &format!("delete{name}"),
        &format!("Delete a {type_name} (RFC 7644 section 3.6)"),
        &["Resources"],
        None,
        (204, "Deleted", None),
        &[404, 412],
    );
    delete["parameters"] = json!([id]);
    paths.insert(format!("{endpoint}/{{id}}"), json!({"get": get, "put": replace, "patch": patch, "delete": delete}));
}

/// `POST /Bulk` (RFC 7644 section 3.7) and its request and response bodies.
fn bulk_path(paths: &mut Map<String, Value>, components: &mut Map<String, Value>, limits: BulkLimits) {
    components.insert(
        "BulkRequest".to_owned(),
        json!({
            "type": "object",
            "description": format!(
                "RFC 7644 section 3.7: at most {} operations and {} bytes (413 beyond either)",
                limits.max_operations, limits.max_payload_size
            ),
            "required": ["schemas", "Operations"],
            "properties": {
                "schemas": message_schemas_member(BULK_REQUEST_URN),
                "failOnErrors": {"type": ["integer", "null"], "minimum": 1},
                "Operations": {
                    "type": "array",
                    "maxItems": limits.max_operations,
                    // Each operation is checked on its own and answered in the BulkResponse
                    // (RFC 7644 section 3.7.3), so no operation shape makes the request a 400.
                    "items": {
                        "description": "An operation: method (POST, PUT, PATCH, DELETE), path, bulkId (POST), version, data",
                    },
                },
            },
        }),
    );
    components.insert(
        "BulkResponse".to_owned(),
        json!({
            "type": "object",
            "required": ["schemas", "Operations"],
            "properties": {
                "schemas": message_schemas_member(BULK_RESPONSE_URN),
                "Operations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["method", "status"],
                        "properties": {
                            "method": {"type": "string"},
                            "bulkId": {"type": "string"},
                            "version": {"type": "string"},
                            "location": {"type": "string"},
                            "status": {"type": "string"},
                            "response": {"type": "object"},
                        },
                    },
                },
            },
        }),
    );
    paths.insert(
        "/Bulk".to_owned(),
        json!({"post": operation(
            "bulk",
            "Run several operations in one request (RFC 7644 section 3.7)",
            &["Bulk"],
            Some(request_body("BulkRequest")),
            (200, "Each operation's outcome", Some("BulkResponse")),
            &[400, 413, 415],
        )}),
    );
}

fn discovery_paths(paths: &mut Map<String, Value>) {
    let document = |id: &str, summary: &str, schema: &str, errors: &[u16]| json!({"get": operation(id, summary, &["Discovery"], None, (200, summary, Some(schema)), errors)});
    paths.insert(
        "/ServiceProviderConfig".to_owned(),
        document("getServiceProviderConfig", "The service provider configuration", "ServiceProviderConfig", &[]),
    );
    paths.insert("/Schemas".to_owned(), document("listSchemas", "The schemas served", "DiscoveryListResponse", &[]));
    paths.insert(
        "/ResourceTypes".to_owned(),
        document("listResourceTypes", "The resource types served", "DiscoveryListResponse", &[]),
    );
    for (path, id, summary, parameter) in [
        ("/Schemas/{id}", "getSchema", "One schema, by URN", "id"),
        ("/ResourceTypes/{name}", "getResourceType", "One resource type, by name", "name"),
    ] {
        let mut get = document(id, summary, "DiscoveryDocument", &[404]);
        get["get"]["parameters"] =
            json!([{"name": parameter, "in": "path", "required": true, "schema": {"type": "string"}}]);
        paths.insert(path.to_owned(), get);
    }
}

/// A resource's `schemas`: its core schema URN, and its extensions'.
fn schemas_member(urns: &[&str], required: &str) -> Value {
    // Other URNs are answered as the server's unknown-attribute setting says (ignored by
    // default), so the description names the resource's URNs without refusing others.
    let described = format!("The resource's schema URNs: {}", urns.join(", "));
    json!({"type": "array", "description": described, "items": {"type": "string"}, "contains": {"const": required}, "minItems": 1})
}

/// A message's `schemas`: must contain `urn`; other URNs are tolerated.
fn message_schemas_member(urn: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "contains": {"const": urn}})
}

fn list_response(item: Value) -> Value {
    json!({
        "type": "object",
        "required": ["schemas", "totalResults"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}, "contains": {"const": LIST_RESPONSE_URN}},
            "totalResults": {"type": "integer", "minimum": 0},
            "startIndex": {"type": "integer", "minimum": 1},
            "itemsPerPage": {"type": "integer", "minimum": 0},
            "nextCursor": {"type": "string"},
            "previousCursor": {"type": "string"},
            "Resources": {"type": "array", "items": item},
        },
    })
}

/// The message bodies every server has: Error, ListResponse, SearchRequest, PatchOp and the
/// discovery documents.
fn message_schemas(limits: &Limits) -> Map<String, Value> {
    let scim_types = [
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
        // RFC 9865 (cursor paging).
        "invalidCursor",
        "expiredCursor",
    ];
    let mut schemas = Map::new();
    schemas.insert(
        "Error".to_owned(),
        json!({
            "type": "object",
            "description": "RFC 7644 section 3.12",
            "required": ["schemas", "status"],
            "properties": {
                "schemas": {"type": "array", "items": {"const": ERROR_URN}},
                "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$", "description": "The HTTP status, as a string"},
                "scimType": {"enum": scim_types},
                "detail": {"type": "string"},
            },
        }),
    );
    // null is "not given", as for any SCIM attribute (RFC 7643 section 2.5); one
    // comma-separated string is read as in the query parameter.
    let paths = json!({"type": ["array", "string", "null"], "items": {"type": "string"}});
    schemas.insert(
        "SearchRequest".to_owned(),
        json!({
            "type": "object",
            "description": "RFC 7644 section 3.4.3",
            "required": ["schemas"],
            "additionalProperties": false,
            "properties": {
                "schemas": message_schemas_member(SEARCH_REQUEST_URN),
                "attributes": paths,
                "excludedAttributes": paths,
                "filter": {"type": ["string", "null"], "maxLength": limits.filter.max_length},
                "sortBy": {"type": ["string", "null"]},
                "sortOrder": {"enum": ["ascending", "descending", null]},
                "startIndex": {"type": ["integer", "null"]},
                "cursor": {"type": ["string", "null"]},
                "count": {"type": ["integer", "null"]},
            },
        }),
    );
    schemas.insert(
        "PatchOp".to_owned(),
        json!({
            "type": "object",
            "description": "RFC 7644 section 3.5.2; `op` is matched case-insensitively; other members are ignored",
            "required": ["schemas", "Operations"],
            "properties": {
                "schemas": message_schemas_member(PATCH_OP_URN),
                // An empty list is accepted and changes nothing (see crate::patch).
                "Operations": {
                    "type": "array",
                    "maxItems": limits.max_patch_operations,
                    "items": {
                        "type": "object",
                        "required": ["op"],
                        "additionalProperties": false,
                        "properties": {
                            "op": {"enum": ["add", "remove", "replace"]},
                            "path": {"type": "string", "maxLength": limits.filter.max_length},
                            "value": {},
                        },
                    },
                },
            },
        }),
    );
    schemas.insert("ListResponse".to_owned(), list_response(json!({"type": "object"})));
    let document = json!({
        "type": "object",
        "required": ["schemas"],
        "properties": {"schemas": {"type": "array", "items": {"type": "string"}}},
    });
    schemas.insert("ServiceProviderConfig".to_owned(), document.clone());
    schemas.insert("DiscoveryDocument".to_owned(), document.clone());
    schemas.insert("DiscoveryListResponse".to_owned(), list_response(document));
    schemas
}

/// Which body a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// What a client sends: required attributes required, nothing else allowed.
    Request,
    /// The same where the server ignores attributes outside the schemas: others allowed.
    LenientRequest,
    /// What the server returns.
    Response,
}

/// A resource body: `schemas`, `id`, `meta`, the core attributes, each extension under its URN.
fn resource_body(core: &Schema, extensions: &[(&Schema, bool)], form: Form, limits: &Limits) -> Value {
    let mut urns: Vec<&str> = vec![core.id.as_str()];
    urns.extend(extensions.iter().map(|(schema, _)| schema.id.as_str()));
    let mut properties = Map::new();
    properties.insert("schemas".to_owned(), schemas_member(&urns, &core.id));
    properties.insert(
        "id".to_owned(),
        json!({"type": "string", "readOnly": true, "description": "Assigned by the server; returned always"}),
    );
    properties.insert("meta".to_owned(), meta_schema());
    let mut required = vec!["schemas".to_owned()];
    if form == Form::Response {
        required.push("id".to_owned());
    }
    let (attributes, mut core_required) = attribute_properties(&core.attributes, form, limits);
    properties.extend(attributes);
    required.append(&mut core_required);
    for (extension, extension_required) in extensions {
        let mut schema = object(attribute_properties(&extension.attributes, form, limits), form);
        if let Some(description) = &extension.description {
            schema["description"] = Value::from(description.as_str());
        }
        // A request may send an optional extension as null: it is then absent.
        if !*extension_required && form != Form::Response {
            allow_null(&mut schema);
        }
        properties.insert(extension.id.clone(), schema);
        if *extension_required && form != Form::Response {
            required.push(extension.id.clone());
        }
    }
    let mut body = object((properties, required), form);
    if let Some(description) = &core.description {
        body["description"] = Value::from(description.as_str());
    }
    body
}

/// `meta` (RFC 7643 section 3.1): set by the server.
fn meta_schema() -> Value {
    json!({
        "type": "object",
        "readOnly": true,
        "properties": {
            "resourceType": {"type": "string"},
            "created": {"type": "string", "format": "date-time"},
            "lastModified": {"type": "string", "format": "date-time"},
            "location": {"type": "string"},
            "version": {"type": "string"},
        },
    })
}

/// An object schema of `properties`, requiring `required` in a request; a request allows no
/// other member (the server refuses attributes outside the schemas).
fn object((properties, required): (Map<String, Value>, Vec<String>), form: Form) -> Value {
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if form == Form::Request {
        schema["additionalProperties"] = Value::Bool(false);
    }
    schema
}

/// The properties of `attributes`, and the names a request must carry: required attributes
/// a client can write (a `readOnly` one is the server's to set).
fn attribute_properties(attributes: &[Attribute], form: Form, limits: &Limits) -> (Map<String, Value>, Vec<String>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for attribute in attributes {
        properties.insert(attribute.name.clone(), attribute_schema(attribute, form, limits));
        if form != Form::Response && attribute.required && attribute.mutability != Mutability::ReadOnly {
            required.push(attribute.name.clone());
        }
    }
    (properties, required)
}

/// One attribute's JSON Schema. A request may also carry what the server accepts for real
/// clients' sake (see [`crate::value`]): `null` for "no value" (RFC 7643 section 2.5) where the
/// attribute is not required, the strings `"true"`/`"false"` (any case) for a boolean, a bare
/// string for a complex value with a `value` sub-attribute, one value for a multi-valued
/// attribute, and a dateTime without an offset.
fn attribute_schema(attribute: &Attribute, form: Form, limits: &Limits) -> Value {
    let request = form != Form::Response;
    let mut value = match attribute.kind {
        AttributeType::String | AttributeType::Reference => json!({"type": "string"}),
        AttributeType::Boolean if request => json!({"anyOf": [
            {"type": "boolean"},
            {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"},
        ]}),
        AttributeType::Boolean => json!({"type": "boolean"}),
        AttributeType::Decimal => json!({"type": "number"}),
        AttributeType::Integer => json!({"type": "integer"}),
        AttributeType::DateTime if request => json!({"type": "string"}),
        AttributeType::DateTime => json!({"type": "string", "format": "date-time"}),
        AttributeType::Binary => json!({"type": "string", "contentEncoding": "base64"}),
        AttributeType::Complex => {
            let object = object(attribute_properties(&attribute.sub_attributes, form, limits), form);
            if request && attribute.sub_attribute("value").is_some() {
                json!({"anyOf": [object, {"type": "string"}]})
            } else {
                object
            }
        }
    };
    if !attribute.canonical_values.is_empty() {
        value["examples"] = json!(attribute.canonical_values);
    }
    let nullable = request && !attribute.required;
    let mut schema = if attribute.multi_valued {
        let mut items = value.clone();
        if nullable {
            allow_null(&mut items);
        }
        let mut array = json!({"type": "array", "items": items});
        if attribute.name.eq_ignore_ascii_case("members") {
            array["maxItems"] = Value::from(limits.max_members_per_request);
        }
        if request { json!({"anyOf": [array, value]}) } else { array }
    } else {
        value
    };
    if nullable {
        allow_null(&mut schema);
    }
    if let Some(description) = &attribute.description {
        schema["description"] = Value::from(description.as_str());
    }
    match attribute.mutability {
        Mutability::ReadOnly => schema["readOnly"] = Value::Bool(true),
        Mutability::WriteOnly => schema["writeOnly"] = Value::Bool(true),
        Mutability::ReadWrite | Mutability::Immutable => {}
    }
    if attribute.returned == Returned::Never && attribute.mutability != Mutability::WriteOnly {
        schema["writeOnly"] = Value::Bool(true);
    }
    schema
}

/// `"type": T` becomes `"type": [T, "null"]`; `anyOf` gains a `null` branch.
fn allow_null(schema: &mut Value) {
    if let Some(Value::Array(branches)) = schema.get_mut("anyOf") {
        branches.push(json!({"type": "null"}));
    } else if let Some(Value::String(kind)) = schema.get("type") {
        let kind = kind.clone();
        schema["type"] = json!([kind, "null"]);
    }
}
