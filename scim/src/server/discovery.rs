//! The discovery endpoints (RFC 7644 section 4): `/ServiceProviderConfig`, `/Schemas` and
//! `/ResourceTypes`, built from the same resource descriptors that serve requests, so they
//! advertise exactly the schemas, attributes and features this server has.

use serde_json::{Value, json};

use crate::error::{ScimError, ScimResult};
use crate::message::ListResponse;
use crate::schema::{
    AuthenticationScheme, BulkConfig, FilterConfig, PaginationConfig, SERVICE_PROVIDER_CONFIG_URN,
    ServiceProviderConfig, Supported,
};

/// Everything the discovery endpoints serve, computed once when the server is built.
#[derive(Debug, Clone)]
pub struct Discovery {
    service_provider_config: Value,
    /// Each schema once (core schemas and extensions shared by several resource types are
    /// served once), with relative `meta.location`.
    schemas: Vec<(String, Value)>,
    resource_types: Vec<(String, Value)>,
}

/// What the server really does, for `/ServiceProviderConfig`.
#[derive(Debug, Clone)]
pub struct Features {
    /// `filter.maxResults`.
    pub max_results: usize,
    /// Whether any resource type accepts a `password` (RFC 7643 section 5 `changePassword`).
    pub change_password: bool,
    /// The authentication scheme.
    pub authentication: AuthenticationScheme,
    /// `documentationUri`.
    pub documentation_uri: Option<String>,
    /// `bulk`: supported unless `max_operations` is 0.
    pub bulk: super::BulkLimits,
}

impl Discovery {
    /// Build from each resource type's `(resource type document, schema documents)` as
    /// [`crate::typed::ResourceDescriptor`] makes them.
    pub fn new(resources: impl IntoIterator<Item = (Value, Vec<Value>)>, features: &Features) -> ScimResult<Self> {
        let config = ServiceProviderConfig {
            documentation_uri: features.documentation_uri.clone(),
            patch: Supported { supported: true },
            bulk: BulkConfig {
                supported: features.bulk.enabled(),
                max_operations: u32::try_from(features.bulk.max_operations).unwrap_or(u32::MAX),
                max_payload_size: u64::try_from(features.bulk.max_payload_size).unwrap_or(u64::MAX),
            },
            filter: FilterConfig {
                supported: true,
                max_results: u32::try_from(features.max_results).unwrap_or(u32::MAX),
            },
            // RFC 9865: both methods on every resource type's list and search endpoints; a request
            // naming neither pages by index, as RFC 7644 clients expect.
            pagination: Some(PaginationConfig {
                cursor: true,
                index: true,
                default_pagination_method: Some("index".to_owned()),
                default_page_size: Some(u32::try_from(features.max_results).unwrap_or(u32::MAX)),
                max_page_size: Some(u32::try_from(features.max_results).unwrap_or(u32::MAX)),
                cursor_timeout: Some(crate::cursor::CURSOR_TIMEOUT_SECONDS),
            }),
            change_password: Supported { supported: features.change_password },
            // Every store sorts (the `Store` contract, RFC 7644 section 3.4.2.3).
            sort: Supported { supported: true },
            etag: Supported { supported: true },
            authentication_schemes: vec![features.authentication.clone()],
        };
        let mut service_provider_config =
            serde_json::to_value(config).map_err(|e| ScimError::internal(format!("ServiceProviderConfig: {e}")))?;
        if let Some(object) = service_provider_config.as_object_mut() {
            let mut ordered = serde_json::Map::new();
            ordered.insert("schemas".to_owned(), json!([SERVICE_PROVIDER_CONFIG_URN]));
            ordered.append(object);
            ordered.insert(
                "meta".to_owned(),
                json!({"resourceType": "ServiceProviderConfig", "location": "/ServiceProviderConfig"}),
            );
            *object = ordered;
        }

        let mut schemas: Vec<(String, Value)> = Vec::new();
        let mut resource_types = Vec::new();
        for (resource_type, documents) in resources {
            let name = resource_type.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            resource_types.push((name, resource_type));
            for document in documents {
                let id = document.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
                match schemas.iter().find(|(known, _)| known.eq_ignore_ascii_case(&id)) {
                    // Two resource types restricting the same schema differently would
                    // advertise two definitions under one URN; refuse rather than pick one.
                    Some((_, known)) if known != &document => {
                        return Err(ScimError::internal(format!(
                            "schema {id} is used by two resource types with different attributes"
                        )));
                    }
                    Some(_) => {}
                    None => schemas.push((id, document)),
                }
            }
        }
        Ok(Discovery { service_provider_config, schemas, resource_types })
    }

    /// Each schema document `/Schemas` serves (with relative `meta.location`), once.
    pub fn schema_documents(&self) -> impl Iterator<Item = &Value> {
        self.schemas.iter().map(|(_, document)| document)
    }

    /// `GET /ServiceProviderConfig`.
    pub fn service_provider_config(&self, base_url: &str) -> Value {
        absolute(self.service_provider_config.clone(), base_url)
    }

    /// `GET /Schemas`: a ListResponse (RFC 7644 section 4).
    pub fn schemas(&self, base_url: &str) -> ListResponse<Value> {
        list(&self.schemas, base_url)
    }

    /// `GET /Schemas/{urn}`.
    pub fn schema(&self, urn: &str, base_url: &str) -> ScimResult<Value> {
        find(&self.schemas, urn, base_url).ok_or_else(|| ScimError::not_found(format!("no schema {urn}")))
    }

    /// `GET /ResourceTypes`.
    pub fn resource_types(&self, base_url: &str) -> ListResponse<Value> {
        list(&self.resource_types, base_url)
    }

    /// `GET /ResourceTypes/{name}`.
    pub fn resource_type(&self, name: &str, base_url: &str) -> ScimResult<Value> {
        find(&self.resource_types, name, base_url)
            .ok_or_else(|| ScimError::not_found(format!("no resource type {name}")))
    }
}

fn list(documents: &[(String, Value)], base_url: &str) -> ListResponse<Value> {
    let resources: Vec<Value> = documents.iter().map(|(_, d)| absolute(d.clone(), base_url)).collect();
    let total = resources.len();
    ListResponse::new(resources, total, 1)
}

fn find(documents: &[(String, Value)], key: &str, base_url: &str) -> Option<Value> {
    documents.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, d)| absolute(d.clone(), base_url))
}

/// Prefix a relative `meta.location` with the base URL.
fn absolute(mut document: Value, base_url: &str) -> Value {
    if let Some(location) = document.pointer_mut("/meta/location")
        && let Some(relative) = location.as_str()
        && relative.starts_with('/')
    {
        *location = Value::String(format!("{base_url}{relative}"));
    }
    document
}
