//! The typed plan `scimgen new --backend typed` scaffolds from: variant names as the derive
//! emits them, and where each filterable value lives in a row of one column per field.

use scim_codegen::{Place, Storage, typed_plan};

// Shared with the golden tests, which use all of it; this test only loads core.json.
#[allow(dead_code)]
#[path = "support/systems.rs"]
mod systems;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn place(column: &str) -> Option<Place> {
    Some(Place::Column { column: column.into() })
}

#[test]
fn the_core_user_plan_names_the_derives_variants_and_their_columns() {
    let system = systems::definition_file("core.json");
    let plan = typed_plan(&system.definition, &system.dir, "User").unwrap();
    assert_eq!((plan.type_name.as_str(), plan.filter.as_str(), plan.sort.as_str()), ("User", "UserFilter", "UserSort"));
    assert_eq!(plan.schemas, ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    let filters: Vec<(&str, &str, &Option<Place>)> =
        plan.filters.iter().map(|f| (f.variant.as_str(), f.test.as_str(), &f.place)).collect();
    let emails = Some(Place::Each { column: "emails".into(), array: "$".into(), element: "$.\"value\"".into() });
    assert_eq!(
        filters,
        [
            ("Id", "UserIdTest", &None),
            ("ExternalId", "UserExternalIdTest", &place("external_id")),
            ("UserName", "UserUserNameTest", &place("user_name")),
            ("EmailsValue", "UserEmailsValueTest", &emails),
        ]
    );
    let user_name = plan.fields.iter().find(|f| f.name == "user_name").unwrap();
    assert_eq!(
        (user_name.storage, user_name.required, user_name.unique, user_name.case_exact),
        (Storage::Text, true, true, false)
    );
    let emails = plan.fields.iter().find(|f| f.name == "emails").unwrap();
    assert_eq!((emails.storage, emails.required, emails.multi_valued), (Storage::Json, false, true));
    assert!(plan.fields.iter().all(|f| f.name != "id"), "the id is the row's key, not a column of its own");
    let sorts: Vec<&str> = plan.sorts.iter().map(|s| s.variant.as_str()).collect();
    assert_eq!(sorts, ["Id", "ExternalId", "UserName"]);
}

#[test]
fn a_filterable_extension_attribute_gets_a_column_and_the_rest_of_the_extension_is_json() {
    let mut system = systems::definition_file("core.json");
    let user = system.definition.resource_types.iter_mut().find(|r| r.name == "User").unwrap();
    let department = format!("{ENTERPRISE}:department");
    let manager = format!("{ENTERPRISE}:manager");
    user.attributes = Some(vec!["userName".into(), "active".into(), department.clone(), manager.clone()]);
    user.filter = Some(
        [("userName", vec!["eq"]), ("active", vec!["eq"]), (&*department, vec!["eq", "pr"])]
            .into_iter()
            .map(|(path, ops)| (path.to_owned(), ops.into_iter().map(str::to_owned).collect()))
            .collect(),
    );
    let plan = typed_plan(&system.definition, &system.dir, "User").unwrap();
    let found = |variant: &str| plan.filters.iter().find(|f| f.variant == variant).unwrap();
    assert_eq!((found("Active").place.clone(), found("Active").kind.as_str()), (place("active"), "boolean"));
    let department = found("Department");
    assert_eq!(
        (department.place.clone(), department.operators.clone()),
        (place("department"), vec!["Eq".into(), "Pr".into()])
    );
    assert_eq!(department.extension.as_deref(), Some(ENTERPRISE));
    // A filterable extension attribute is a field (and column) of its own; the rest of the
    // extension is one field, kept as JSON.
    let extension = plan.fields.iter().find(|f| f.name == "enterprise").unwrap();
    assert_eq!((extension.storage, extension.attribute.as_deref()), (Storage::Json, None));
    assert!(plan.filters.iter().all(|f| f.variant != "ManagerValue"), "manager is not filterable here");
    assert!(typed_plan(&system.definition, &system.dir, "Device").is_err(), "no such resource type");
}
