//! The built-in schemas against RFC 7643 section 8.7.1, attribute by attribute.
//!
//! The tables below are transcribed from the RFC text independently of the JSON files, so a
//! slip in either shows up as a difference.

use scim::schema::builtin::{self, ENTERPRISE_USER_URN, GROUP_URN, USER_URN};
use scim::schema::{Attribute, AttributeType, Mutability, Returned, Schema, Uniqueness};

/// One attribute's characteristics as the RFC's section 8.7.1 gives them.
struct Row {
    /// `name` or `parent.sub`.
    path: &'static str,
    kind: AttributeType,
    multi_valued: bool,
    required: bool,
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    uniqueness: Uniqueness,
    canonical_values: &'static [&'static str],
    reference_types: &'static [&'static str],
}

use AttributeType::{Binary, Boolean, Complex, Reference, String as Str};
use Mutability::{Immutable, ReadOnly, ReadWrite, WriteOnly};
use Returned::{Default as Dflt, Never};
use Uniqueness::{None as NoUnique, Server};

const NONE: &[&str] = &[];

#[allow(clippy::too_many_arguments)]
const fn row(
    path: &'static str,
    kind: AttributeType,
    multi_valued: bool,
    required: bool,
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    uniqueness: Uniqueness,
    canonical_values: &'static [&'static str],
    reference_types: &'static [&'static str],
) -> Row {
    Row {
        path,
        kind,
        multi_valued,
        required,
        case_exact,
        mutability,
        returned,
        uniqueness,
        canonical_values,
        reference_types,
    }
}

/// A plain single-valued, optional, case-insensitive, read-write string (the RFC's most common row).
const fn plain(path: &'static str) -> Row {
    row(path, Str, false, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE)
}

/// The `primary` sub-attribute every multi-valued User attribute but `addresses` and `groups` has.
const fn primary(parent_dot_primary: &'static str) -> Row {
    row(parent_dot_primary, Boolean, false, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE)
}

/// A multi-valued, optional, read-write complex attribute.
const fn multi_complex(path: &'static str) -> Row {
    row(path, Complex, true, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE)
}

fn user_table() -> Vec<Row> {
    vec![
        row("userName", Str, false, true, false, ReadWrite, Dflt, Server, NONE, NONE),
        row("name", Complex, false, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE),
        plain("name.formatted"),
        plain("name.familyName"),
        plain("name.givenName"),
        plain("name.middleName"),
        plain("name.honorificPrefix"),
        plain("name.honorificSuffix"),
        plain("displayName"),
        plain("nickName"),
        row("profileUrl", Reference, false, false, false, ReadWrite, Dflt, NoUnique, NONE, &["external"]),
        plain("title"),
        plain("userType"),
        plain("preferredLanguage"),
        plain("locale"),
        plain("timezone"),
        row("active", Boolean, false, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE),
        row("password", Str, false, false, false, WriteOnly, Never, NoUnique, NONE, NONE),
        multi_complex("emails"),
        plain("emails.value"),
        plain("emails.display"),
        row("emails.type", Str, false, false, false, ReadWrite, Dflt, NoUnique, &["work", "home", "other"], NONE),
        primary("emails.primary"),
        multi_complex("phoneNumbers"),
        plain("phoneNumbers.value"),
        plain("phoneNumbers.display"),
        row(
            "phoneNumbers.type",
            Str,
            false,
            false,
            false,
            ReadWrite,
            Dflt,
            NoUnique,
            &["work", "home", "mobile", "fax", "pager", "other"],
            NONE,
        ),
        primary("phoneNumbers.primary"),
        multi_complex("ims"),
        plain("ims.value"),
        plain("ims.display"),
        row(
            "ims.type",
            Str,
            false,
            false,
            false,
            ReadWrite,
            Dflt,
            NoUnique,
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            NONE,
        ),
        primary("ims.primary"),
        multi_complex("photos"),
        row("photos.value", Reference, false, false, false, ReadWrite, Dflt, NoUnique, NONE, &["external"]),
        plain("photos.display"),
        row("photos.type", Str, false, false, false, ReadWrite, Dflt, NoUnique, &["photo", "thumbnail"], NONE),
        primary("photos.primary"),
        multi_complex("addresses"),
        plain("addresses.formatted"),
        plain("addresses.streetAddress"),
        plain("addresses.locality"),
        plain("addresses.region"),
        plain("addresses.postalCode"),
        plain("addresses.country"),
        row("addresses.type", Str, false, false, false, ReadWrite, Dflt, NoUnique, &["work", "home", "other"], NONE),
        row("groups", Complex, true, false, false, ReadOnly, Dflt, NoUnique, NONE, NONE),
        row("groups.value", Str, false, false, false, ReadOnly, Dflt, NoUnique, NONE, NONE),
        row("groups.$ref", Reference, false, false, false, ReadOnly, Dflt, NoUnique, NONE, &["User", "Group"]),
        row("groups.display", Str, false, false, false, ReadOnly, Dflt, NoUnique, NONE, NONE),
        row("groups.type", Str, false, false, false, ReadOnly, Dflt, NoUnique, &["direct", "indirect"], NONE),
        multi_complex("entitlements"),
        plain("entitlements.value"),
        plain("entitlements.display"),
        plain("entitlements.type"),
        primary("entitlements.primary"),
        multi_complex("roles"),
        plain("roles.value"),
        plain("roles.display"),
        plain("roles.type"),
        primary("roles.primary"),
        multi_complex("x509Certificates"),
        row("x509Certificates.value", Binary, false, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE),
        plain("x509Certificates.display"),
        plain("x509Certificates.type"),
        primary("x509Certificates.primary"),
    ]
}

fn group_table() -> Vec<Row> {
    vec![
        plain("displayName"),
        multi_complex("members"),
        row("members.value", Str, false, false, false, Immutable, Dflt, NoUnique, NONE, NONE),
        row("members.$ref", Reference, false, false, false, Immutable, Dflt, NoUnique, NONE, &["User", "Group"]),
        row("members.type", Str, false, false, false, Immutable, Dflt, NoUnique, &["User", "Group"], NONE),
    ]
}

fn enterprise_table() -> Vec<Row> {
    vec![
        plain("employeeNumber"),
        plain("costCenter"),
        plain("organization"),
        plain("division"),
        plain("department"),
        row("manager", Complex, false, false, false, ReadWrite, Dflt, NoUnique, NONE, NONE),
        plain("manager.value"),
        row("manager.$ref", Reference, false, false, false, ReadWrite, Dflt, NoUnique, NONE, &["User"]),
        row("manager.displayName", Str, false, false, false, ReadOnly, Dflt, NoUnique, NONE, NONE),
    ]
}

/// Every attribute and sub-attribute of `schema`, as `name` and `name.sub`, in schema order.
fn flatten(schema: &Schema) -> Vec<(String, &Attribute)> {
    let mut out = Vec::new();
    for attribute in &schema.attributes {
        out.push((attribute.name.clone(), attribute));
        for sub in &attribute.sub_attributes {
            out.push((format!("{}.{}", attribute.name, sub.name), sub));
        }
    }
    out
}

fn assert_matches_table(schema: &Schema, table: &[Row]) {
    let actual = flatten(schema);
    let actual_paths: Vec<&str> = actual.iter().map(|(p, _)| p.as_str()).collect();
    let expected_paths: Vec<&str> = table.iter().map(|r| r.path).collect();
    assert_eq!(actual_paths, expected_paths, "attributes of {} (in RFC order)", schema.id);
    for ((path, attribute), row) in actual.iter().zip(table) {
        let context = format!("{} {path}", schema.id);
        assert_eq!(attribute.kind, row.kind, "type of {context}");
        assert_eq!(attribute.multi_valued, row.multi_valued, "multiValued of {context}");
        assert_eq!(attribute.required, row.required, "required of {context}");
        assert_eq!(attribute.case_exact, row.case_exact, "caseExact of {context}");
        assert_eq!(attribute.mutability, row.mutability, "mutability of {context}");
        assert_eq!(attribute.returned, row.returned, "returned of {context}");
        assert_eq!(attribute.uniqueness, row.uniqueness, "uniqueness of {context}");
        assert_eq!(attribute.canonical_values, row.canonical_values, "canonicalValues of {context}");
        assert_eq!(attribute.reference_types, row.reference_types, "referenceTypes of {context}");
        assert!(attribute.description.as_deref().is_some_and(|d| !d.trim().is_empty()), "{context} has a description");
        assert_eq!(
            attribute.kind == AttributeType::Complex,
            !attribute.sub_attributes.is_empty(),
            "{context}: complex attributes, and only they, have sub-attributes"
        );
    }
}

#[test]
fn builtin_schemas_match_rfc_7643_section_8_7_1() {
    let cases = [
        (builtin::core_user(), USER_URN, "User", "User Account", user_table()),
        (builtin::core_group(), GROUP_URN, "Group", "Group", group_table()),
        (builtin::enterprise_user(), ENTERPRISE_USER_URN, "EnterpriseUser", "Enterprise User", enterprise_table()),
    ];
    for (schema, urn, name, description, table) in cases {
        assert_eq!(schema.id, urn);
        assert_eq!(schema.name.as_deref(), Some(name));
        assert_eq!(schema.description.as_deref(), Some(description));
        assert_matches_table(&schema, &table);
    }
}

#[test]
fn attribute_counts_match_the_rfc() {
    let count = |schema: &Schema| {
        (schema.attributes.len(), schema.attributes.iter().map(|a| a.sub_attributes.len()).sum::<usize>())
    };
    // User: 21 attributes; name 6, emails/phoneNumbers/ims/photos 4 each, addresses 7, groups 4,
    // entitlements/roles/x509Certificates 4 each.
    assert_eq!(count(&builtin::core_user()), (21, 6 + 4 * 4 + 7 + 4 + 3 * 4));
    assert_eq!(count(&builtin::core_group()), (2, 3));
    assert_eq!(count(&builtin::enterprise_user()), (6, 3));
}

#[test]
fn descriptions_are_the_rfc_text() {
    let user = builtin::core_user();
    let description = |schema: &Schema, name: &str, sub: Option<&str>| {
        let attribute = schema.attribute(name).unwrap_or_else(|| panic!("{name} exists"));
        let attribute = match sub {
            Some(sub) => attribute.sub_attribute(sub).unwrap_or_else(|| panic!("{name}.{sub} exists")),
            None => attribute,
        };
        attribute.description.clone().unwrap_or_default()
    };
    let cases = [
        (
            description(&user, "userName", None),
            "Unique identifier for the User, typically used by the user to directly authenticate to the service \
             provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the \
             service provider's entire set of Users. REQUIRED.",
        ),
        (description(&user, "title", None), "The user's title, such as \"Vice President.\""),
        (
            description(&user, "emails", Some("type")),
            "A label indicating the attribute's function, e.g., 'work' or 'home'.",
        ),
        (
            description(&user, "groups", Some("$ref")),
            "The URI of the corresponding 'Group' resource to which the user belongs.",
        ),
        (description(&builtin::core_group(), "displayName", None), "A human-readable name for the Group. REQUIRED."),
        (
            description(&builtin::enterprise_user(), "manager", Some("displayName")),
            "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
        ),
    ];
    for (actual, expected) in cases {
        assert_eq!(actual, expected);
    }
}

#[test]
fn emails_have_value_display_type_primary_with_work_home_other() {
    let user = builtin::core_user();
    let emails = user.attribute("EMAILS").expect("emails, found case-insensitively");
    let names: Vec<&str> = emails.sub_attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["value", "display", "type", "primary"]);
    assert_eq!(
        emails.sub_attribute("Type").map(|t| t.canonical_values.clone()),
        Some(vec!["work".to_owned(), "home".to_owned(), "other".to_owned()])
    );
}

#[test]
fn resource_types_follow_rfc_7643_section_8_6() {
    let user = builtin::user_resource_type(true);
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        serde_json::json!({
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": USER_URN,
            "schemaExtensions": [{"schema": ENTERPRISE_USER_URN, "required": false}]
        })
    );
    assert!(builtin::user_resource_type(false).schema_extensions.is_empty());
    assert_eq!(
        serde_json::to_value(builtin::group_resource_type()).unwrap(),
        serde_json::json!({
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Group",
            "schema": GROUP_URN
        })
    );
}

#[test]
fn ready_made_resource_schemas_bind_the_right_schemas() {
    let user = builtin::user_schema();
    assert_eq!(user.name(), "User");
    assert_eq!(user.schema_urns().collect::<Vec<_>>(), [USER_URN, ENTERPRISE_USER_URN]);
    assert!(!user.extension(ENTERPRISE_USER_URN).expect("enterprise extension").required);

    let plain_user = builtin::user_schema_without_enterprise();
    assert_eq!(plain_user.schema_urns().collect::<Vec<_>>(), [USER_URN]);

    let group = builtin::group_schema();
    assert_eq!(group.name(), "Group");
    assert_eq!(group.schema_urns().collect::<Vec<_>>(), [GROUP_URN]);

    let all: Vec<String> = builtin::all_schemas().iter().map(|s| s.id.clone()).collect();
    assert_eq!(all, [USER_URN, GROUP_URN, ENTERPRISE_USER_URN]);
}

#[test]
fn ready_made_resource_schemas_equal_binding_by_urn() {
    // `ResourceSchema::new` looks schemas up by URN; the ready-made ones must agree with it.
    let schemas = builtin::all_schemas();
    for (ready, resource_type) in [
        (builtin::user_schema(), builtin::user_resource_type(true)),
        (builtin::user_schema_without_enterprise(), builtin::user_resource_type(false)),
        (builtin::group_schema(), builtin::group_resource_type()),
    ] {
        let bound = scim::schema::ResourceSchema::new(resource_type, &schemas).expect("built-in schemas bind");
        assert_eq!(ready.resource_type, bound.resource_type);
        assert_eq!(ready.core, bound.core);
        let urns = |r: &scim::schema::ResourceSchema| {
            r.extensions.iter().map(|e| (e.schema.id.clone(), e.required)).collect::<Vec<_>>()
        };
        assert_eq!(urns(&ready), urns(&bound));
    }
}

#[test]
fn builtin_files_round_trip_through_the_model() {
    // Serialising the model and reading it back loses nothing the model keeps.
    for schema in builtin::all_schemas() {
        let json = serde_json::to_string(&*schema).unwrap();
        let back: Schema = serde_json::from_str(&json).unwrap();
        assert_eq!(back, *schema);
    }
}
