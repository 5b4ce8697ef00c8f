//! `ResourceDescriptor`: building from a spec (and every way a spec can be wrong), the
//! discovery documents (RFC 7643 sections 6 and 7), and the embedded restricted schemas.

mod typed_common;

use scim::schema::{Schema, builtin};
use scim::typed::{DescriptorSpec, FieldSpec, FilterFlag, ResourceDescriptor, ScimResource};
use serde_json::json;
use typed_common::{Account, FullUser, Team};

const USER_TYPE: &str = r#"{"name":"User","endpoint":"/Users","schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]}"#;
const CORE: &str = include_str!("fixtures/typed/full-core-user.json");
const ENTERPRISE: &str = include_str!("fixtures/typed/full-enterprise-user.json");

fn build(fields: &'static [FieldSpec]) -> Result<ResourceDescriptor, String> {
    let spec = DescriptorSpec { resource_type_json: USER_TYPE, schemas_json: &[CORE, ENTERPRISE], fields };
    ResourceDescriptor::build(&spec).map_err(|e| e.detail)
}

#[test]
fn build_rejects_every_kind_of_wrong_spec() {
    static CASES: &[(&[FieldSpec], &str)] = &[
        (
            &[FieldSpec { rust_name: "nick", path: "nickname2", filter: FilterFlag::Default }],
            "typed resource: field `nick` (path `nickname2`): `nickname2` is not an attribute of User",
        ),
        (
            &[FieldSpec { rust_name: "e", path: "emails[type eq", filter: FilterFlag::Default }],
            "field `e` (path `emails[type eq`): ",
        ),
        (
            &[FieldSpec {
                rust_name: "e",
                path: "emails[type eq \"work\" or primary eq true].value",
                filter: FilterFlag::Default,
            }],
            "`emails[...]` in a field mapping must select elements with `eq` comparisons on sub-attributes joined by `and`",
        ),
        (
            &[FieldSpec { rust_name: "e", path: "emails[type sw \"w\"].value", filter: FilterFlag::Default }],
            "must select elements with `eq` comparisons",
        ),
        (
            &[FieldSpec { rust_name: "e", path: "emails[kind eq \"work\"].value", filter: FilterFlag::Default }],
            "`kind` is not a sub-attribute of `emails`",
        ),
        (
            &[FieldSpec { rust_name: "n", path: "name[givenName eq \"x\"].familyName", filter: FilterFlag::Default }],
            "`name[...]` selects elements, so `name` must be a multi-valued complex attribute",
        ),
        (
            &[
                FieldSpec { rust_name: "a", path: "userName", filter: FilterFlag::Default },
                FieldSpec { rust_name: "b", path: "USERNAME", filter: FilterFlag::Default },
            ],
            "field `b` (path `USERNAME`): field `a` maps the same path",
        ),
        (
            &[FieldSpec { rust_name: "s", path: "schemas", filter: FilterFlag::Default }],
            "`schemas` is written by the runtime",
        ),
        (
            &[FieldSpec { rust_name: "t", path: "title", filter: FilterFlag::Ops(&["eq", "like"]) }],
            "typed resource: field `t` (path `title`): `like` is not a filter operator",
        ),
        (
            &[FieldSpec { rust_name: "a", path: "active", filter: FilterFlag::Ops(&["gt"]) }],
            "`gt` cannot be used on a boolean: it has no order",
        ),
        (
            &[FieldSpec { rust_name: "c", path: "meta.created", filter: FilterFlag::Ops(&["co"]) }],
            "`co` cannot be used on a dateTime",
        ),
        (
            &[FieldSpec { rust_name: "n", path: "name", filter: FilterFlag::Eq }],
            "`name` is complex without a `value` sub-attribute and cannot be compared",
        ),
        (
            &[FieldSpec {
                rust_name: "x",
                path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                filter: FilterFlag::Eq,
            }],
            "a whole extension object cannot be filtered on",
        ),
    ];
    for (fields, expected) in CASES {
        let detail = build(fields).map(|_| ()).unwrap_err();
        assert!(detail.contains(expected), "expected {expected:?} in {detail:?}");
    }
}

#[test]
fn build_rejects_bad_json_and_unknown_schemas() {
    let bad = DescriptorSpec { resource_type_json: "{", schemas_json: &[], fields: &[] };
    assert!(ResourceDescriptor::build(&bad).unwrap_err().detail.starts_with("typed resource: the resource type JSON"));
    let missing = DescriptorSpec { resource_type_json: USER_TYPE, schemas_json: &[CORE], fields: &[] };
    let error = ResourceDescriptor::build(&missing).unwrap_err();
    assert!(error.detail.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User, which is not loaded"));
}

#[test]
fn a_bare_extension_urn_maps_the_whole_object() {
    static FIELDS: &[FieldSpec] = &[
        FieldSpec { rust_name: "user_name", path: "userName", filter: FilterFlag::Default },
        FieldSpec {
            rust_name: "enterprise",
            path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            filter: FilterFlag::Default,
        },
    ];
    let descriptor = build(FIELDS).unwrap();
    let enterprise = json!({"manager": {"displayName": "John Smith", "value": "m1"}, "department": "Ops"});
    let mut object = descriptor.new_object();
    descriptor.field(0).put(&mut object, Some(json!("b")));
    descriptor.field(1).put(&mut object, Some(enterprise.clone()));
    let resource = descriptor.finish(object);
    assert_eq!(resource["schemas"], json!([builtin::USER_URN, builtin::ENTERPRISE_USER_URN]));
    // A whole value is the field's own: written as given, members in the order it has them.
    assert_eq!(
        serde_json::to_string(&resource[builtin::ENTERPRISE_USER_URN]).unwrap(),
        r#"{"manager":{"displayName":"John Smith","value":"m1"},"department":"Ops"}"#
    );
    assert_eq!(descriptor.field(1).take::<serde_json::Value>(&resource).unwrap(), enterprise);

    let mut object = descriptor.new_object();
    descriptor.field(0).put(&mut object, Some(json!("b")));
    descriptor.field(1).put(&mut object, Some(json!({})));
    assert_eq!(descriptor.finish(object), json!({"schemas": [builtin::USER_URN], "userName": "b"}));
}

/// `take_or_else` (what `#[scim(default = ...)]` expands to): the default only for an absent or
/// `null` value, including a selector path that selects nothing; a present value converts as
/// `take` would, errors included.
#[test]
fn take_or_else_defaults_only_an_absent_value() {
    static FIELDS: &[FieldSpec] = &[
        FieldSpec { rust_name: "enabled", path: "active", filter: FilterFlag::Default },
        FieldSpec { rust_name: "work_email", path: "emails[type eq \"work\"].value", filter: FilterFlag::Default },
    ];
    let descriptor = build(FIELDS).unwrap();
    let (active, work_email) = (descriptor.field(0), descriptor.field(1));
    let absent = json!({"schemas": [builtin::USER_URN], "emails": [{"type": "home", "value": "h@example.com"}]});
    assert_eq!(active.take_or_else(&absent, || true), Ok(true));
    assert_eq!(work_email.take_or_else(&absent, || "none".to_owned()), Ok("none".to_owned()));
    assert_eq!(active.take_or_else(&json!({"active": null}), || true), Ok(true));
    assert_eq!(active.take_or_else(&json!({"active": false}), || true), Ok(false));
    assert_eq!(active.take_or_else(&json!({"active": "False"}), || true), Ok(false));
    let error = active.take_or_else(&json!({"active": 1}), || true).unwrap_err();
    assert_eq!(error.status, 400);
    assert!(error.detail.starts_with("`active` (field `enabled`): expected a boolean"), "{}", error.detail);
}

#[test]
fn fields_expose_canonical_paths() {
    let fields: Vec<(&str, &str)> = Account::descriptor().fields().iter().map(|f| (f.rust_name(), f.path())).collect();
    assert_eq!(
        fields,
        [
            ("id", "id"),
            ("login", "userName"),
            ("first_name", "name.givenName"),
            ("email", "emails[type eq \"work\"].value"),
            ("department", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            ("enabled", "active"),
            ("manager", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
        ]
    );
}

/// The embedded schemas are the built-in ones restricted (as the derive embeds them): every
/// attribute identical to the built-in except for dropped sub-attributes.
#[test]
fn embedded_schemas_are_faithful_restrictions() {
    for descriptor in [Account::descriptor(), FullUser::descriptor(), Team::descriptor()] {
        let schema = descriptor.resource_schema();
        for restricted in std::iter::once(&schema.core).chain(schema.extensions.iter().map(|e| &e.schema)) {
            let full: Schema = (*builtin::all_schemas().into_iter().find(|s| s.id == restricted.id).unwrap()).clone();
            assert_eq!((&restricted.name, &restricted.description), (&full.name, &full.description));
            for attribute in &restricted.attributes {
                let original = full.attribute(&attribute.name).unwrap();
                for sub in &attribute.sub_attributes {
                    assert_eq!(Some(sub), original.sub_attribute(&sub.name), "{}.{}", attribute.name, sub.name);
                }
                let mut stripped = original.clone();
                stripped.sub_attributes.retain(|s| attribute.sub_attribute(&s.name).is_some());
                assert_eq!(attribute, &stripped);
            }
        }
    }
}

#[test]
fn discovery_documents_carry_schemas_and_relative_meta() {
    let documents = Account::descriptor().schema_documents();
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0]["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"]));
    assert_eq!(
        documents[1]["meta"],
        json!({"resourceType": "Schema", "location": "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"})
    );
    // Only mapped attributes are advertised.
    let names: Vec<&str> =
        documents[0]["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["userName", "name", "active", "emails"]);

    let spec = DescriptorSpec { resource_type_json: USER_TYPE, schemas_json: &[CORE, ENTERPRISE], fields: &[] };
    let document = ResourceDescriptor::build(&spec).unwrap().resource_type_document();
    assert_eq!(document["id"], "User", "id defaults to the name (RFC 7643 section 6)");
    assert_eq!(document["meta"], json!({"resourceType": "ResourceType", "location": "/ResourceTypes/User"}));
}

#[test]
fn account_schema_documents_snapshot() {
    insta::assert_json_snapshot!(Account::descriptor().schema_documents());
}

#[test]
fn account_resource_type_document_snapshot() {
    insta::assert_json_snapshot!(Account::descriptor().resource_type_document());
}

#[test]
fn team_discovery_documents_snapshot() {
    insta::assert_json_snapshot!((Team::descriptor().resource_type_document(), Team::descriptor().schema_documents()));
}
