//! An extension served whole except for one attribute that has a field of its own (what the
//! scimgen generator does for an extension attribute marked filterable): filters on that
//! attribute are checked against its own field, not the whole-extension one, which leaves it
//! out (the derive requires its `only` to).

use scim::filter::{parse_filter, resolve_filter};
use scim::typed::{DescriptorSpec, FieldSpec, FilterFlag, ResourceDescriptor};
use serde_json::json;

const USER_TYPE: &str = r#"{"name":"User","endpoint":"/Users","schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]}"#;
const CORE: &str = include_str!("fixtures/typed/full-core-user.json");
const ENTERPRISE: &str = include_str!("fixtures/typed/full-enterprise-user.json");
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

static FIELDS: &[FieldSpec] = &[
    FieldSpec { rust_name: "user_name", path: "userName", filter: FilterFlag::Default },
    FieldSpec { rust_name: "enterprise", path: ENTERPRISE_URN, filter: FilterFlag::None },
    FieldSpec {
        rust_name: "department",
        path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        filter: FilterFlag::Ops(&["eq"]),
    },
];

fn descriptor() -> ResourceDescriptor {
    let spec = DescriptorSpec { resource_type_json: USER_TYPE, schemas_json: &[CORE, ENTERPRISE], fields: FIELDS };
    ResourceDescriptor::build(&spec).unwrap()
}

fn check(descriptor: &ResourceDescriptor, filter: &str) -> Result<(), String> {
    let parsed = parse_filter(filter).unwrap();
    let resolved = resolve_filter(&parsed, descriptor.resource_schema()).unwrap();
    descriptor.filter_support().check(&resolved).map_err(|e| e.detail)
}

#[test]
fn the_attribute_with_its_own_field_is_filterable() {
    let descriptor = descriptor();
    assert_eq!(check(&descriptor, &format!("{ENTERPRISE_URN}:department eq \"R&D\"")), Ok(()));
    assert_eq!(
        check(
            &descriptor,
            "userName eq \"b\" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"x\""
        ),
        Ok(())
    );
    // Operators beyond the field's flag are still refused.
    let error = check(&descriptor, &format!("{ENTERPRISE_URN}:department sw \"R\"")).unwrap_err();
    assert!(error.contains("department"), "{error}");
}

#[test]
fn the_rest_of_the_extension_is_not() {
    let descriptor = descriptor();
    let error = check(&descriptor, &format!("{ENTERPRISE_URN}:employeeNumber eq \"7\"")).unwrap_err();
    assert!(error.contains("employeeNumber") && error.contains("not filterable"), "{error}");
}

#[test]
fn both_fields_write_into_one_extension_object() {
    let descriptor = descriptor();
    let mut object = descriptor.new_object();
    descriptor.field(0).put(&mut object, Some(json!("bjensen")));
    descriptor.field(1).put(&mut object, Some(json!({"employeeNumber": "7"})));
    descriptor.field(2).put(&mut object, Some(json!("R&D")));
    let resource = descriptor.finish(object);
    assert_eq!(resource[ENTERPRISE_URN], json!({"employeeNumber": "7", "department": "R&D"}));
    assert_eq!(descriptor.field(2).take::<Option<String>>(&resource).unwrap().as_deref(), Some("R&D"));
}
