//! The descriptors of the served resource types: core User with the enterprise extension, and
//! core Group, each mapping every top-level attribute of its schemas (what a generated project
//! for the built-in schemas maps), with the built-in filter defaults.

use std::sync::LazyLock;

use scim::schema::builtin;
use scim::typed::{DescriptorSpec, FieldSpec, FilterFlag, ResourceDescriptor};
use serde_json::Value;

const CORE_USER: &str = include_str!("../../schemas/core-user.json");
const ENTERPRISE_USER: &str = include_str!("../../schemas/enterprise-user.json");
const CORE_GROUP: &str = include_str!("../../schemas/core-group.json");

/// User: core + enterprise.
pub fn user() -> &'static ResourceDescriptor {
    static DESCRIPTOR: LazyLock<ResourceDescriptor> = LazyLock::new(|| {
        let resource_type = serde_json::to_string(&builtin::user_resource_type(true)).expect("serialisable");
        descriptor(leak(resource_type), &[CORE_USER, ENTERPRISE_USER])
    });
    &DESCRIPTOR
}

/// Group: core.
pub fn group() -> &'static ResourceDescriptor {
    static DESCRIPTOR: LazyLock<ResourceDescriptor> = LazyLock::new(|| {
        let resource_type = serde_json::to_string(&builtin::group_resource_type()).expect("serialisable");
        descriptor(leak(resource_type), &[CORE_GROUP])
    });
    &DESCRIPTOR
}

/// The descriptors live for the whole process, as a derive's statics do.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// `id`, `externalId`, `meta` and every top-level attribute of `schemas` (extension attributes
/// URN-qualified). The schema texts are the repository's built-in files, so they parse.
fn descriptor(resource_type: &'static str, schemas: &'static [&'static str]) -> ResourceDescriptor {
    let mut fields = vec![field("id"), field("externalId"), field("meta")];
    for (index, text) in schemas.iter().enumerate() {
        let schema: Value = serde_json::from_str(text).expect("built-in schema JSON");
        let urn = schema["id"].as_str().unwrap_or_default();
        for name in schema["attributes"].as_array().into_iter().flatten().filter_map(|a| a["name"].as_str()) {
            let path = if index == 0 { name.to_owned() } else { format!("{urn}:{name}") };
            fields.push(field(leak(path)));
        }
    }
    let spec = DescriptorSpec {
        resource_type_json: resource_type,
        schemas_json: schemas,
        fields: Box::leak(fields.into_boxed_slice()),
    };
    ResourceDescriptor::build(&spec).expect("the built-in schemas make a valid descriptor")
}

fn field(path: &'static str) -> FieldSpec {
    FieldSpec { rust_name: path, path, filter: FilterFlag::Default }
}
