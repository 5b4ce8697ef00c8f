//! The schema-file loader: one test per check, asserting the JSON path and the message, plus the
//! Real Links vendor extension and the built-in files loading cleanly.

use std::path::{Path, PathBuf};

use scim::schema::loader::{SchemaFileErrors, SchemaProblem, load_schema_file, parse_schema};
use scim::schema::{AttributeType, Mutability, ResourceSchema, SchemaExtension, builtin};
use serde_json::json;

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("schemas").join(name)
}

/// A valid schema with `attributes` replaced, as JSON text.
fn with_attributes(attributes: serde_json::Value) -> String {
    json!({"id": "urn:example:scim:schemas:extension:acme:2.0:User", "attributes": attributes}).to_string()
}

/// The (path, message) pairs of every problem `json` has.
fn problems(json: &str) -> Vec<(String, String)> {
    match parse_schema("acme.json", json) {
        Ok(schema) => panic!("expected problems, but {} loaded", schema.id),
        Err(errors) => {
            assert!(errors.problems.iter().all(|p| p.file == "acme.json"), "every problem names the file");
            errors.problems.into_iter().map(|p| (p.path, p.message)).collect()
        }
    }
}

/// Assert `json` has exactly this one problem.
fn assert_one_problem(json: &str, path: &str, message: &str) {
    assert_eq!(problems(json), [(path.to_owned(), message.to_owned())], "in {json}");
}

#[test]
fn invalid_json_reports_line_and_column() {
    let json = "{\n  \"id\": \"urn:x\",\n  \"attributes\": [,]\n}";
    assert_one_problem(json, "$", "invalid JSON at line 3, column 18: expected value");
}

#[test]
fn schema_must_be_an_object() {
    assert_one_problem("[1, 2]", "$", "a schema file must be a JSON object, found a list");
}

#[test]
fn id_is_required_a_string_and_a_urn_without_whitespace() {
    let cases = [
        (
            json!({"attributes": []}),
            "$",
            "`id` is missing; it is the schema's URN, e.g. `urn:example:params:scim:schemas:extension:acme:2.0:User`",
        ),
        (json!({"id": 7, "attributes": []}), "$.id", "`id` must be a string (the schema's URN), found number 7"),
        (
            json!({"id": "acme:User", "attributes": []}),
            "$.id",
            "schema id `acme:User` is not a URN; it must start with `urn:`",
        ),
        (
            json!({"id": "urn:acme:my User", "attributes": []}),
            "$.id",
            "schema id `urn:acme:my User` contains whitespace",
        ),
    ];
    for (json, path, message) in cases {
        assert_one_problem(&json.to_string(), path, message);
    }
    // The `urn:` prefix is case-insensitive (RFC 8141).
    assert!(parse_schema("acme.json", &json!({"id": "URN:acme:User", "attributes": []}).to_string()).is_ok());
}

#[test]
fn attributes_are_required_and_a_list() {
    assert_one_problem(
        &json!({"id": "urn:acme:User"}).to_string(),
        "$",
        "`attributes` is missing; it is the list of attribute definitions",
    );
    assert_one_problem(
        &json!({"id": "urn:acme:User", "attributes": {"name": "badge"}}).to_string(),
        "$.attributes",
        "`attributes` must be a list of attribute definitions, found an object",
    );
    assert_one_problem(
        &with_attributes(json!(["badge"])),
        "$.attributes[0]",
        "an attribute definition must be a JSON object, found string \"badge\"",
    );
}

#[test]
fn unknown_schema_keys_are_reported_with_a_suggestion() {
    assert_one_problem(
        &json!({"id": "urn:acme:User", "descripton": "x", "attributes": []}).to_string(),
        "$.descripton",
        "unknown key `descripton`; did you mean `description`?",
    );
    // What a /Schemas response carries, and `$schema` for editors, are fine.
    let served = json!({
        "$schema": "./scim-schema-file.schema.json",
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": "urn:acme:User",
        "attributes": [],
        "meta": {"resourceType": "Schema"}
    });
    assert!(parse_schema("acme.json", &served.to_string()).is_ok());
}

#[test]
fn attribute_without_a_name() {
    assert_one_problem(&with_attributes(json!([{"type": "string"}])), "$.attributes[0]", "the attribute has no `name`");
    assert_one_problem(
        &with_attributes(json!([{"name": 3}])),
        "$.attributes[0].name",
        "`name` must be a string, found number 3",
    );
}

#[test]
fn invalid_attribute_names() {
    let rule = "it must start with a letter and contain only letters, digits, `-` and `_`";
    for name in ["first name", "1st", "", "badge.id", "$ref", "émail"] {
        assert_one_problem(
            &with_attributes(json!([{"name": name}])),
            "$.attributes[0].name",
            &format!("`{name}` is not a valid attribute name: {rule} (RFC 7643 section 2.1)"),
        );
    }
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "complex", "subAttributes": [{"name": "$id"}]}])),
        "$.attributes[0].subAttributes[0].name",
        &format!("`$id` is not a valid attribute name: {rule} (or be `$ref`) (RFC 7643 section 2.1)"),
    );
    // Valid names, and `$ref` as a sub-attribute.
    let ok = with_attributes(json!([
        {"name": "cost_center-2"},
        {"name": "badge", "type": "complex", "subAttributes": [{"name": "$ref", "type": "reference"}]}
    ]));
    assert!(parse_schema("acme.json", &ok).is_ok());
}

#[test]
fn duplicate_names_are_case_insensitive() {
    assert_one_problem(
        &with_attributes(json!([{"name": "badge"}, {"name": "title"}, {"name": "BADGE"}])),
        "$.attributes[2].name",
        "duplicate attribute name `BADGE`: attribute names are case-insensitive and `$.attributes[0]` already defines it",
    );
    assert_one_problem(
        &with_attributes(json!([
            {"name": "badge", "type": "complex", "subAttributes": [{"name": "value"}, {"name": "Value"}]}
        ])),
        "$.attributes[0].subAttributes[1].name",
        "duplicate attribute name `Value`: attribute names are case-insensitive and \
         `$.attributes[0].subAttributes[0]` already defines it",
    );
    // The same sub-attribute name under two parents is fine.
    let ok = with_attributes(json!([
        {"name": "a", "type": "complex", "subAttributes": [{"name": "value"}]},
        {"name": "b", "type": "complex", "subAttributes": [{"name": "value"}]}
    ]));
    assert!(parse_schema("acme.json", &ok).is_ok());
}

#[test]
fn unknown_type_with_suggestion() {
    let types = "string, boolean, decimal, integer, dateTime, binary, reference, complex";
    let cases = [
        ("strng", "; did you mean `string`?"),
        ("datetime", "; did you mean `dateTime`?"),
        ("Boolean", "; did you mean `boolean`?"),
        ("uuid", ""),
    ];
    for (kind, hint) in cases {
        assert_one_problem(
            &with_attributes(json!([{"name": "badge", "type": kind}])),
            "$.attributes[0].type",
            &format!("unknown type `{kind}`{hint}; it must be one of {types}"),
        );
    }
    // An unknown type is reported once, not again as a complex attribute without sub-attributes.
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "complx", "subAttributes": []}])),
        "$.attributes[0].type",
        &format!("unknown type `complx`; did you mean `complex`?; it must be one of {types}"),
    );
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": true}])),
        "$.attributes[0].type",
        &format!("`type` must be a string, one of {types}, found boolean true"),
    );
}

#[test]
fn unknown_mutability_returned_and_uniqueness() {
    let cases = [
        (
            json!({"name": "badge", "mutability": "readonly"}),
            "$.attributes[0].mutability",
            "unknown mutability `readonly`; did you mean `readOnly`?; it must be one of readOnly, readWrite, \
             immutable, writeOnly",
        ),
        (
            json!({"name": "badge", "returned": "sometimes"}),
            "$.attributes[0].returned",
            "unknown returned `sometimes`; it must be one of always, never, default, request",
        ),
        (
            json!({"name": "badge", "uniqueness": "servr"}),
            "$.attributes[0].uniqueness",
            "unknown uniqueness `servr`; did you mean `server`?; it must be one of none, server, global",
        ),
    ];
    for (attribute, path, message) in cases {
        assert_one_problem(&with_attributes(json!([attribute])), path, message);
    }
}

#[test]
fn unknown_attribute_keys_with_suggestion() {
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "mutabilty": "readOnly"}])),
        "$.attributes[0].mutabilty",
        "unknown key `mutabilty`; did you mean `mutability`?",
    );
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "x-vendor note": 1}])),
        "$.attributes[0][\"x-vendor note\"]",
        "unknown key `x-vendor note`",
    );
}

#[test]
fn sub_attributes_only_on_complex_attributes() {
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "string", "subAttributes": [{"name": "value"}]}])),
        "$.attributes[0].subAttributes",
        "`subAttributes` is only for `complex` attributes; this one is `string`",
    );
    // Without a type, an attribute is a string (RFC 7643 section 2.2).
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "subAttributes": [{"name": "value"}]}])),
        "$.attributes[0].subAttributes",
        "`subAttributes` is only for `complex` attributes; this one is `string`",
    );
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "complex", "subAttributes": "value"}])),
        "$.attributes[0].subAttributes",
        "`subAttributes` must be a list of attribute definitions, found string \"value\"",
    );
}

#[test]
fn complex_attributes_need_sub_attributes() {
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "complex"}])),
        "$.attributes[0]",
        "a complex attribute needs `subAttributes` (RFC 7643 section 2.3.8)",
    );
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "complex", "subAttributes": []}])),
        "$.attributes[0].subAttributes",
        "a complex attribute needs at least one sub-attribute",
    );
}

#[test]
fn complex_inside_complex_is_forbidden() {
    assert_one_problem(
        &with_attributes(json!([{
            "name": "badge",
            "type": "complex",
            "subAttributes": [{"name": "issuer", "type": "complex", "subAttributes": [{"name": "value"}]}]
        }])),
        "$.attributes[0].subAttributes[0].type",
        "a sub-attribute cannot be complex: complex attributes hold only simple sub-attributes (RFC 7643 section 2.3.8)",
    );
}

#[test]
fn reference_types_only_on_reference_attributes() {
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "type": "string", "referenceTypes": ["external"]}])),
        "$.attributes[0].referenceTypes",
        "`referenceTypes` is only for `reference` attributes; this one is `string`",
    );
    assert!(
        parse_schema(
            "acme.json",
            &with_attributes(json!([{"name": "badge", "type": "reference", "referenceTypes": ["external"]}]))
        )
        .is_ok()
    );
}

#[test]
fn canonical_values_must_be_strings() {
    assert_eq!(
        problems(&with_attributes(json!([{"name": "level", "canonicalValues": ["gold", 3, null]}]))),
        [
            (
                "$.attributes[0].canonicalValues[1]".to_owned(),
                "`canonicalValues` entries must be strings, found number 3".to_owned()
            ),
            (
                "$.attributes[0].canonicalValues[2]".to_owned(),
                "`canonicalValues` entries must be strings, found null".to_owned()
            ),
        ]
    );
    assert_one_problem(
        &with_attributes(json!([{"name": "level", "canonicalValues": "gold"}])),
        "$.attributes[0].canonicalValues",
        "`canonicalValues` must be a list of strings, found string \"gold\"",
    );
}

#[test]
fn booleans_must_be_json_booleans() {
    let cases = [
        ("multiValued", json!("yes"), "string \"yes\""),
        ("required", json!(1), "number 1"),
        ("caseExact", json!("true"), "string \"true\""),
    ];
    for (key, value, found) in cases {
        let mut attribute = json!({"name": "badge"});
        attribute[key] = value;
        assert_one_problem(
            &with_attributes(json!([attribute])),
            &format!("$.attributes[0].{key}"),
            &format!("`{key}` must be true or false, found {found}"),
        );
    }
}

#[test]
fn descriptions_must_be_strings() {
    assert_one_problem(
        &with_attributes(json!([{"name": "badge", "description": ["a"]}])),
        "$.attributes[0].description",
        "`description` must be a string, found a list",
    );
    // `null` means "no description", as in the model and the JSON Schema.
    let ok =
        json!({"id": "urn:acme:User", "description": null, "attributes": [{"name": "badge", "description": null}]});
    assert!(parse_schema("acme.json", &ok.to_string()).is_ok());
}

#[test]
fn vendor_attributes_cannot_shadow_common_attributes() {
    for (name, common) in [("id", "id"), ("externalID", "externalId"), ("meta", "meta"), ("Schemas", "schemas")] {
        assert_one_problem(
            &with_attributes(json!([{"name": name}])),
            "$.attributes[0].name",
            &format!(
                "`{name}` is the common attribute `{common}` every resource has (RFC 7643 section 3.1); a schema \
                 cannot define it"
            ),
        );
    }
    // As a sub-attribute name, `id` is just a name.
    let ok = with_attributes(json!([{"name": "badge", "type": "complex", "subAttributes": [{"name": "id"}]}]));
    assert!(parse_schema("acme.json", &ok).is_ok());
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let json = json!({
        "id": "acme",
        "attributes": [
            {"name": "badge", "type": "strng", "multiValued": "yes"},
            {"name": "level", "mutabilty": "readOnly"},
            {"name": "card", "type": "complex", "subAttributes": [{"name": "number", "uniqueness": "server2"}]}
        ]
    });
    let found = problems(&json.to_string());
    let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.id",
            "$.attributes[0].type",
            "$.attributes[0].multiValued",
            "$.attributes[1].mutabilty",
            "$.attributes[2].subAttributes[0].uniqueness",
        ]
    );
}

#[test]
fn display_lists_every_problem() {
    let errors = parse_schema(
        "acme.json",
        &json!({"id": "acme", "attributes": [{"name": "badge", "type": "strng"}]}).to_string(),
    )
    .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "2 problems in schema file acme.json:\n  $.id: schema id `acme` is not a URN; it must start with `urn:`\n  \
         $.attributes[0].type: unknown type `strng`; did you mean `string`?; it must be one of string, boolean, \
         decimal, integer, dateTime, binary, reference, complex"
    );
    let problem = &errors.problems[0];
    assert_eq!(problem.to_string(), "acme.json: $.id: schema id `acme` is not a URN; it must start with `urn:`");
}

#[test]
fn a_missing_file_names_the_file_and_the_os_error_in_words() {
    let path = repo_file("no-such-schema.json");
    let errors: SchemaFileErrors = load_schema_file(&path).unwrap_err();
    let expected_file = path.display().to_string();
    assert_eq!(
        errors.problems,
        [SchemaProblem {
            file: expected_file.clone(),
            path: "$".into(),
            message: "cannot read the file: No such file or directory".into()
        }]
    );
    let text = errors.to_string();
    assert!(text.contains(&expected_file), "{text}");
    assert!(!text.contains("os error") && !text.contains("Os {"), "{text}");
}

#[test]
fn the_real_links_extension_loads_and_binds_to_users() {
    let schema = load_schema_file(&repo_file("../examples/real-links/schemas/real-links-user.json"))
        .expect("the Real Links example's real-links-user.json is valid");
    let urn = "urn:ietf:params:scim:schemas:extension:real-links:2.0:User";
    assert_eq!(schema.id, urn);
    let names: Vec<&str> = schema.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "firstName",
            "lastName",
            "emailAddress",
            "phoneNumber",
            "title",
            "preferredLanguage",
            "organization",
            "department",
            "division",
            "location",
            "countryCode"
        ]
    );
    for attribute in &schema.attributes {
        assert_eq!(attribute.kind, AttributeType::String, "{}", attribute.name);
        assert!(!attribute.multi_valued && !attribute.required, "{}", attribute.name);
        assert_eq!(attribute.mutability, Mutability::ReadWrite, "{}", attribute.name);
    }

    // Entra's mapping targets `urn:...:real-links:2.0:User:firstName`; it must resolve.
    let mut resource_type = builtin::user_resource_type(false);
    resource_type.schema_extensions.push(SchemaExtension { schema: urn.into(), required: false });
    let mut schemas = builtin::all_schemas();
    schemas.push(std::sync::Arc::new(schema));
    let users = ResourceSchema::new(resource_type, &schemas).expect("binds");
    let path =
        scim::filter::ast::AttrPath { urn: Some(urn.into()), name: "FIRSTNAME".into(), filter: None, sub_attr: None };
    assert_eq!(users.resolve(&path).expect("resolves").canonical(), format!("{urn}:firstName"));
}

#[test]
fn the_builtin_files_load_through_the_loader_and_equal_the_builtins() {
    for (file, builtin) in [
        ("core-user.json", builtin::core_user()),
        ("core-group.json", builtin::core_group()),
        ("enterprise-user.json", builtin::enterprise_user()),
    ] {
        let loaded = load_schema_file(&repo_file(file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded, *builtin, "{file}");
    }
}
