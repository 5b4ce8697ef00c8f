//! The SQL filter compiler against the reference evaluator: the same filters run through
//! [`MemoryStore`] (which evaluates with `ResolvedFilter::matches`) and the SQL stores,
//! [`SqliteStore`] and `PostgresStore` (which compile them to SQL), over the same data must
//! select the same resources, in the same order when sorted, with the same `totalResults`.
//! PostgreSQL joins when `SCIM_TEST_POSTGRES_URL` is set (see `store_common::postgres_url`).
//!
//! The data is the shared fixtures plus a few users whose values hold the characters that are
//! special in SQL patterns (`%`, `_`, `\`, `*`, `?`, `[`).

mod store_common;

use std::collections::BTreeSet;

use proptest::prelude::*;
use scim::filter::{parse_attr_path, parse_filter, resolve_filter};
use scim::query::SortOrder;
use scim::store::{ResourceKind, Scope, Store, StoreQuery};
use scim::typed::{DescriptorSpec, FieldSpec, FilterFlag, ResourceDescriptor};
use serde_json::{Value, json};
use store_common::*;

fn extra_users() -> Vec<Value> {
    let names =
        ["100% sure", "snake_case", "back\\slash", "star*name", "q?mark", "[bracket]", "50%_off", "x\" or 1=1 --"];
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": format!("x{i:02}"),
                "userName": format!("special{i}"),
                "displayName": name,
                "title": if i % 2 == 0 { Value::from("Tour Guide") } else { Value::from(format!("T{i}")) },
                "emails": [{"value": format!("{}@odd.example", name.replace(' ', "")), "type": "work"}],
            })
        })
        .collect()
}

/// The reference, then each SQL store.
async fn stores() -> Vec<std::sync::Arc<dyn Store>> {
    let mut stores = vec![memory().await, sqlite().await];
    stores.extend(postgres().await);
    stores
}

/// Every store, loaded with the fixtures: the reference first.
async fn loaded() -> Vec<std::sync::Arc<dyn Store>> {
    let mut stores = Vec::new();
    for store in self::stores().await {
        for user in fixture("users.json").into_iter().chain(extra_users()) {
            store.import(users("t1"), user).await.unwrap_or_else(|e| panic!("{e}"));
        }
        for group in fixture("groups.json") {
            store.import(groups("t1"), group).await.unwrap_or_else(|e| panic!("{e}"));
        }
        // Another tenant's data must never show up.
        store.import(users("t2"), json!({"id": "other", "userName": "bjensen", "title": "Tour Guide"})).await.unwrap();
        stores.push(store);
    }
    stores
}

fn ent(path: &str) -> String {
    format!("{ENTERPRISE}:{path}")
}

const USER_FILTERS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"userName eq "BJENSEN""#,
    r#"userName co "o'm""#,
    r#"userName sw "émile""#,
    r#"userName ew ".COM""#,
    r#"userName gt "k" and userName lt "t""#,
    "title pr",
    "not (title pr)",
    r#"title eq """#,
    r#"title ne "Tour Guide""#,
    r#"title gt "m""#,
    r#"title le "tour guide""#,
    r#"externalId eq "alice-ext""#,
    r#"externalId eq "ALICE-EXT""#,
    "externalId pr",
    "not (externalId pr)",
    "active eq true",
    "active ne false",
    r#"active eq "False""#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#,
    r#"meta.created lt "2011-01-01T00:00:00Z""#,
    r#"meta.lastModified le "2013-06-01T12:00:00.4Z""#,
    r#"meta.lastModified gt "9999-12-31T23:59:59Z""#,
    "not (meta.lastModified pr)",
    r#"emails co "example.com""#,
    r#"emails.value ew ".ORG""#,
    r#"emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work"].value co "example""#,
    "emails[primary eq true]",
    r#"emails.value ne "kim@example.com""#,
    "emails pr",
    "not (emails pr)",
    "emails.value pr",
    "emails[not (primary pr)]",
    r#"emails[type eq "home"].value ne "babs@jensen.org""#,
    r#"userName eq "KIM" and emails[type eq "work" and primary eq true]"#,
    r#"name.givenName sw "a""#,
    r#"name[givenName eq "kim"]"#,
    r#"name[not (givenName pr)]"#,
    "name pr",
    "not (name pr)",
    r#"ims[type eq "aim"].value sw "J""#,
    "phoneNumbers.value pr",
    r#"roles.value eq "admin" or userType eq "intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"not (userType eq "employee") and active eq true"#,
    r#"(title eq "Tour Guide" or title eq "Manager") and not (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales")"#,
    r#"id eq "u03""#,
    r#"id ne "u03""#,
    // SQL and pattern metacharacters in data and literals.
    r#"userName eq "x\" or 1=1 --""#,
    r#"displayName eq "x\" or 1=1 --""#,
    r#"userName eq "'; DROP TABLE scim_users; --""#,
    r#"displayName co "'; DROP TABLE scim_users; --""#,
    r#"displayName co "%""#,
    r#"displayName co "_""#,
    r#"displayName co "\\""#,
    r#"displayName sw "100%""#,
    r#"displayName co "%_""#,
    r#"displayName co "*""#,
    r#"displayName co "?""#,
    r#"displayName co "[b""#,
    r#"displayName ew "]""#,
    r#"displayName co """#,
    r#"emails.value sw "star*""#,
];

fn enterprise_filters() -> Vec<String> {
    vec![
        format!(r#"{} eq "sales""#, ent("department")),
        format!("{} pr", ent("department")),
        format!(r#"{} ne "sales""#, ent("department")),
        format!(r#"{} eq "U01""#, ent("manager.value")),
        format!(r#"{} eq "u01""#, ent("manager")),
        format!("{} pr", ent("manager")),
        format!("not ({} pr)", ent("manager")),
        format!("{}[value pr]", ent("manager")),
        format!(r#"{}[displayName sw "john"]"#, ent("manager")),
        format!(r#"{} gt "1""#, ent("employeeNumber")),
        format!(r#"{} eq "4130" or {} pr"#, ent("costCenter"), ent("organization")),
    ]
}

const GROUP_FILTERS: &[&str] = &[
    r#"members.value eq "u07""#,
    r#"members.value eq "U07""#,
    r#"members[type eq "group"]"#,
    "members pr",
    "not (members pr)",
    r#"displayName eq "tour guides""#,
    r#"members[value eq "u01"] and displayName sw "tour""#,
    r#"members.value ne "u07""#,
    r#"externalId eq "tg""#,
    r#"meta.lastModified gt "2012-01-01T00:00:00Z""#,
    r#"members co "u0""#,
];

async fn ids_for(store: &dyn Store, scope: scim::store::Scope<'_>, filter: &str) -> (usize, BTreeSet<String>) {
    let page = list_filtered(store, scope, filter, |_| {}).await.unwrap_or_else(|e| panic!("{filter}: {e}"));
    (page.total_results, ids(&page).into_iter().collect())
}

/// [`ids_for`] users, with filters on `groups` read from the members of [`GROUPS`].
async fn member_ids_for(store: &dyn Store, tenant: &str, filter: &str) -> (usize, BTreeSet<String>) {
    let page = list_filtered(store, users(tenant), filter, |q| q.memberships = Some(&GROUPS))
        .await
        .unwrap_or_else(|e| panic!("{filter}: {e}"));
    (page.total_results, ids(&page).into_iter().collect())
}

/// Filters on users' `groups` select the same users from the SQL members tables as the
/// reference evaluates from the member lists, including a group whose id has capitals (ids
/// compare ignoring case) and another tenant's group with a fixture group's id.
#[tokio::test]
async fn membership_filters_agree_with_the_reference() {
    let stores = loaded().await;
    for store in &stores {
        let group = |id: &str, members: &[&str]| {
            let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": id, "displayName": id, "members": members})
        };
        store.import(groups("t1"), group("G05", &["u03", "u07"])).await.unwrap();
        // Ids SQL's `lower` cannot fold as the evaluator does: a non-ASCII capital, and the
        // Kelvin sign, whose lower case is an ASCII `k`.
        store.import(groups("t1"), group("Ärzte", &["u04"])).await.unwrap();
        store.import(groups("t1"), group("\u{212A}elvin", &["u05"])).await.unwrap();
        store.import(groups("t2"), group("g01", &["other", "u02"])).await.unwrap();
    }
    let filters = [
        (r#"groups.value eq "g01""#, vec!["u01", "u07"]),
        (r#"groups.value eq "G01""#, vec!["u01", "u07"]),
        (r#"groups eq "g05""#, vec!["u03", "u07"]),
        (r#"groups[value eq "G05"]"#, vec!["u03", "u07"]),
        (r#"groups.value eq "g03""#, vec![]),
        (r#"groups.value eq "g02" and groups.value eq "g01""#, vec!["u07"]),
        (r#"groups[value eq "g02" and value eq "g01"]"#, vec![]),
        (r#"groups.value eq "g04" or userName eq "special0""#, vec!["u10", "x00"]),
        (r#"groups.value ne "g02" and groups pr"#, vec!["u01", "u03", "u04", "u05", "u10"]),
        (r#"groups pr and not (groups[value ne "g02"])"#, vec!["u02", "u09"]),
        (r#"groups.value eq "Ärzte""#, vec!["u04"]),
        (r#"groups.value eq "ÄRZTE" or groups.value eq "KELVIN""#, vec!["u04", "u05"]),
        (r#"groups[value eq "kelvin" or value eq "g04"]"#, vec!["u05", "u10"]),
        (r#"groups.value ne "ärzte" and groups pr"#, vec!["u01", "u02", "u03", "u05", "u07", "u09", "u10"]),
        (r#"groups.value eq "äbc""#, vec![]),
        (r#"groups[not (value eq "äbc")] and userName eq "special0""#, vec![]),
    ];
    for store in &stores {
        for (filter, expected) in &filters {
            let (total, found) = member_ids_for(store.as_ref(), "t1", filter).await;
            let expected: BTreeSet<String> = expected.iter().map(|id| (*id).to_owned()).collect();
            assert_eq!((total, &found), (expected.len(), &expected), "{filter}");
        }
        // The other tenant's `g01` lists its own user only (its `u02` is not one of its users).
        assert_eq!(
            member_ids_for(store.as_ref(), "t2", r#"groups.value eq "g01""#).await.1,
            ["other".to_owned()].into()
        );
        assert!(member_ids_for(store.as_ref(), "t2", r#"groups.value eq "g02""#).await.1.is_empty());
    }
}

#[tokio::test]
async fn sql_and_evaluator_select_the_same_resources() {
    let stores = loaded().await;
    let reference = &stores[0];
    for sql in &stores[1..] {
        let mut failures = Vec::new();
        let mut distinct_results = BTreeSet::new();
        let user_filters = USER_FILTERS.iter().map(|s| (*s).to_owned()).chain(enterprise_filters());
        let cases = user_filters.map(|f| (true, f)).chain(GROUP_FILTERS.iter().map(|f| (false, (*f).to_owned())));
        let mut count = 0;
        for (is_user, filter) in cases {
            count += 1;
            let scope = if is_user { users("t1") } else { groups("t1") };
            let expected = ids_for(reference.as_ref(), scope, &filter).await;
            let actual = ids_for(sql.as_ref(), scope, &filter).await;
            assert_eq!(expected.0, expected.1.len(), "{filter}: totalResults of the reference");
            if expected != actual {
                failures.push(format!("{filter}\n    evaluator {:?}\n    sql       {:?}", expected.1, actual.1));
            }
            distinct_results.insert(expected.1);
        }
        assert!(failures.is_empty(), "{} of {count} filters disagree:\n{}", failures.len(), failures.join("\n"));
        // The table discriminates: it is not a pile of filters that all match nothing.
        assert!(distinct_results.len() > count * 2 / 3, "only {} distinct results", distinct_results.len());
        // The injection attempts were data: the table is still there, with every user.
        let all = sql.list(users("t1"), &StoreQuery::default()).await.unwrap();
        assert_eq!(all.total_results, 18);
    }
}

/// Small pages over every filter: `totalResults` and the page agree however the store answers
/// (the SQL store reads a lookup on a unique attribute as one row, and a first page that is
/// not full without counting).
#[tokio::test]
async fn small_pages_agree_on_every_filter() {
    let stores = loaded().await;
    let user_filters = USER_FILTERS.iter().map(|s| (*s).to_owned()).chain(enterprise_filters());
    let cases = user_filters.map(|f| (true, f)).chain(GROUP_FILTERS.iter().map(|f| (false, (*f).to_owned())));
    for (is_user, filter) in cases {
        let scope = if is_user { users("t1") } else { groups("t1") };
        for (start_index, count) in [(1, 1), (2, 1), (1, 2)] {
            let mut answers = Vec::new();
            for store in &stores {
                let page = list_filtered(store.as_ref(), scope, &filter, |q| {
                    q.start_index = start_index;
                    q.count = Some(count);
                })
                .await
                .unwrap_or_else(|e| panic!("{filter}: {e}"));
                answers.push((page.total_results, ids(&page)));
            }
            for answer in &answers[1..] {
                assert_eq!(&answers[0], answer, "{filter} startIndex={start_index} count={count}");
            }
        }
    }
}

#[tokio::test]
async fn sorting_and_paging_agree() {
    let stores = loaded().await;
    let sorts = [
        "userName",
        "title",
        "displayName",
        "meta.lastModified",
        "emails",
        "emails.value",
        "name.familyName",
        "active",
        "id",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ];
    for sort in sorts {
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            for (start_index, count) in [(1, None), (3, Some(4)), (17, Some(5)), (30, Some(2)), (1, Some(0))] {
                let mut pages = Vec::new();
                for store in &stores {
                    let path = parse_attr_path(sort).unwrap();
                    let attr = USERS.schema.resolve(&path).unwrap();
                    let query = StoreQuery {
                        sort_by: Some(attr),
                        sort_order: order,
                        start_index,
                        count,
                        ..StoreQuery::default()
                    };
                    let page = store.list(users("t1"), &query).await.unwrap_or_else(|e| panic!("{sort}: {e}"));
                    pages.push((page.total_results, ids(&page)));
                }
                for page in &pages[1..] {
                    assert_eq!(&pages[0], page, "sortBy={sort} {order:?} startIndex={start_index} count={count:?}");
                }
                assert_eq!(pages[0].0, 18);
            }
        }
    }
}

#[tokio::test]
async fn totals_count_every_match_not_just_the_page() {
    for store in loaded().await {
        let page = list_filtered(store.as_ref(), users("t1"), r#"title eq "tour guide""#, |q| {
            q.start_index = 2;
            q.count = Some(2);
        })
        .await
        .unwrap();
        // u01, u07, u10 and x00, x02, x04, x06.
        assert_eq!(page.total_results, 7);
        assert_eq!(ids(&page), ["u07", "u10"]);
    }
}

/// A filter on an attribute the SQL store does not index is an invalidFilter, never a panic or
/// a 500.
#[tokio::test]
async fn unindexed_attributes_are_invalid_filters_in_sql() {
    let stores = loaded().await;
    for sql in &stores[1..] {
        let error = list_filtered(sql.as_ref(), users("t1"), r#"nickName eq "x""#, |_| {}).await.unwrap_err();
        assert_eq!(error.status, 400);
        assert_eq!(error.scim_type, Some(scim::ScimType::InvalidFilter));
        assert!(error.detail.contains("nickName"), "{}", error.detail);
    }
    // The reference evaluates anything.
    assert!(list_filtered(stores[0].as_ref(), users("t1"), r#"nickName eq "x""#, |_| {}).await.is_ok());
}

/// A User kind indexed as the server indexes a `scimgen new` scaffold (every attribute mapped
/// whole, default filter flags): `FilterSupport::index_paths`, which adds `emails.type` so the
/// work-email filter Entra ID sends is answered in SQL.
fn scaffold_users() -> std::sync::Arc<ResourceKind> {
    const USER_TYPE: &str = r#"{"name":"User","endpoint":"/Users","schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]}"#;
    const CORE: &str = include_str!("../../schemas/core-user.json");
    const ENTERPRISE_SCHEMA: &str = include_str!("../../schemas/enterprise-user.json");
    const FIELDS: &[FieldSpec] = &[
        FieldSpec { rust_name: "id", path: "id", filter: FilterFlag::Default },
        FieldSpec { rust_name: "external_id", path: "externalId", filter: FilterFlag::Default },
        FieldSpec { rust_name: "user_name", path: "userName", filter: FilterFlag::Default },
        FieldSpec { rust_name: "emails", path: "emails", filter: FilterFlag::Default },
    ];
    let spec =
        DescriptorSpec { resource_type_json: USER_TYPE, schemas_json: &[CORE, ENTERPRISE_SCHEMA], fields: FIELDS };
    let descriptor = ResourceDescriptor::build(&spec).unwrap_or_else(|e| panic!("{e}"));
    let paths = descriptor.filter_support().index_paths();
    assert_eq!(paths, ["id", "externalId", "userName", "emails.value", "emails.type"]);
    std::sync::Arc::new(ResourceKind::new(descriptor.resource_schema().clone(), &paths).unwrap())
}

/// The work-email filter, path form and RFC 7644 form, on the scaffold's indexes: SQL selects
/// what the evaluator selects (only the elements of that type, never another type's address).
#[tokio::test]
async fn type_narrowed_email_filters_agree_on_the_scaffold_indexes() {
    let kind = scaffold_users();
    let reference = scim::store::MemoryStore::new();
    let sql = scim::store::SqliteStore::connect("sqlite::memory:").await.unwrap();
    let mut stores: Vec<&dyn Store> = vec![&reference, &sql];
    let postgres = match postgres_schema_url().await {
        Some(url) => Some(scim::store::PostgresStore::connect(&url).await.unwrap_or_else(|e| panic!("{e}"))),
        None => None,
    };
    if let Some(postgres) = &postgres {
        stores.push(postgres);
    }
    for &store in &stores {
        store.register(std::slice::from_ref(&kind)).await.unwrap();
        for user in fixture("users.json").into_iter().chain(extra_users()) {
            store.import(Scope::new("t1", &kind), user).await.unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let cases: &[(&str, &[&str])] = &[
        (r#"emails[type eq "work"].value eq "bjensen@example.com""#, &["u01"]),
        (r#"emails[type eq "work" and value eq "bjensen@example.com"]"#, &["u01"]),
        (r#"emails[value eq "bjensen@example.com" and type eq "Work"]"#, &["u01"]),
        (r#"emails[type eq "work"].value eq "john.smith@example.com""#, &["u02"]),
        (r#"emails[type eq "work"].value eq "babs@jensen.org""#, &[]),
        (r#"emails[type eq "home"].value eq "babs@jensen.org""#, &["u01"]),
        (r#"emails[type eq "other"].value eq "alice@example.com""#, &["u03"]),
        (r#"emails[type eq "work"].value eq "okta_user@example.org""#, &[]),
        (r#"not (emails[type eq "work"].value eq "kim@example.com") and userName eq "kim""#, &[]),
        (r#"emails[type eq "work"].value eq "" or userName eq "tom""#, &["u04", "u08"]),
    ];
    for (filter, expected) in cases {
        let mut answers = Vec::new();
        for &store in &stores {
            let page = list_filtered(store, Scope::new("t1", &kind), filter, |_| {})
                .await
                .unwrap_or_else(|e| panic!("{filter}: {e}"));
            answers.push((page.total_results, ids(&page)));
        }
        let expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(answers[0], (expected.len(), expected.clone()), "{filter}: the evaluator");
        for answer in &answers[1..] {
            assert_eq!(answer, &answers[0], "{filter}: SQL against the evaluator");
        }
    }
}

fn literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "a",
        "A",
        "tour",
        "TOUR GUIDE",
        "%",
        "_",
        "\\",
        "*",
        "?",
        "[",
        "example.com",
        "é",
        "x",
        "sales",
        "u01",
        "work",
        "\"",
    ])
    .prop_map(str::to_owned)
}

fn comparison() -> impl Strategy<Value = String> {
    let string_attrs = prop::sample::select(vec![
        "userName",
        "title",
        "displayName",
        "externalId",
        "emails.value",
        "emails.type",
        "name.givenName",
        "ims.value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    ]);
    let ops = prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
    let text = (string_attrs, ops, literal())
        .prop_map(|(attr, op, lit)| format!("{attr} {op} {}", serde_json::to_string(&lit).unwrap_or_default()));
    let presence = prop::sample::select(vec!["title", "emails", "name", "externalId", "emails.primary", "roles.value"])
        .prop_map(|a| format!("{a} pr"));
    let boolean = prop::sample::select(vec!["active eq true", "active ne true", "emails[primary eq true]"])
        .prop_map(str::to_owned);
    let dates = (prop::sample::select(vec!["gt", "ge", "lt", "le", "eq", "ne"]), 2009i32..2022)
        .prop_map(|(op, year)| format!(r#"meta.lastModified {op} "{year}-05-13T04:42:34Z""#));
    // Users' computed `groups`, read from the groups' members (the fixture groups g01..g04).
    let groups = prop::sample::select(vec![
        r#"groups.value eq "g01""#,
        r#"groups.value eq "G02""#,
        r#"groups.value ne "g02""#,
        r#"groups eq "g03""#,
        "groups pr",
        r#"groups[value eq "g04" or value eq "g01"]"#,
        r#"groups[not (value eq "g02")]"#,
    ])
    .prop_map(str::to_owned);
    prop_oneof![4 => text, 1 => presence, 1 => boolean, 1 => dates, 1 => groups]
}

fn filter_text() -> impl Strategy<Value = String> {
    comparison().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random filters over the fixture attributes select the same users in both stores.
    #[test]
    fn random_filters_agree(filters in prop::collection::vec(filter_text(), 8)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let stores = loaded().await;
            for filter in &filters {
                let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
                if resolve_filter(&parsed, &USERS.schema).is_err() {
                    continue;
                }
                let expected = member_ids_for(stores[0].as_ref(), "t1", filter).await;
                for sql in &stores[1..] {
                    let actual = member_ids_for(sql.as_ref(), "t1", filter).await;
                    assert_eq!(expected, actual, "{filter}");
                }
            }
        });
    }
}

/// The SQL store patches groups by member delta (loading only the members named); the result
/// must equal the default get-apply-replace of the reference, step after step.
#[tokio::test]
async fn member_patches_agree_with_the_reference() {
    use scim::patch::PatchOperation;
    use scim::store::GetOptions;
    let add = |v: Value| PatchOperation::add(Some("members"), v).unwrap();
    let steps: Vec<Vec<PatchOperation>> = vec![
        vec![add(json!([{"value": "u3", "type": "User"}, {"value": "u1"}]))],
        vec![PatchOperation::remove(r#"members[value eq "u2"]"#).unwrap()],
        vec![PatchOperation::remove(r#"members[value eq "U3"]"#).unwrap()],
        vec![PatchOperation { value: Some(json!([{"value": "u1"}])), ..PatchOperation::remove("members").unwrap() }],
        vec![
            add(json!([{"value": "u5", "type": "User"}])),
            PatchOperation::replace(Some("displayName"), json!("New")).unwrap(),
        ],
        vec![
            PatchOperation::replace(Some("members"), json!([{"value": "u7"}, {"value": "u8", "type": "Group"}]))
                .unwrap(),
        ],
        vec![PatchOperation::remove(r#"members[type eq "Group"]"#).unwrap()],
        vec![add(json!([{"value": "u9"}])), PatchOperation::replace(Some("id"), json!("x")).unwrap()],
        vec![add(json!([{"value": "u7"}]))],
        vec![add(json!({"value": "u10"})), PatchOperation::remove(r#"members[value eq "u10"]"#).unwrap()],
        vec![PatchOperation::remove("members").unwrap()],
    ];
    let stores = stores().await;
    let start = json!({"id": "g", "displayName": "G", "members": [{"value": "u1"}, {"value": "u2"}]});
    for store in &stores {
        store.import(groups("t1"), start.clone()).await.unwrap();
    }
    for (step, ops) in steps.iter().enumerate() {
        let mut results = Vec::new();
        for store in &stores {
            let outcome = store.patch(groups("t1"), "g", ops, None, GetOptions::default()).await;
            let stored = store.get(groups("t1"), "g", GetOptions::default()).await.unwrap();
            let outcome = outcome.map(|returned| assert_eq!(returned, stored, "step {step}: returned vs stored"));
            let mut comparable = stored;
            for field in ["created", "lastModified"] {
                comparable["meta"].as_object_mut().map(|m| m.shift_remove(field));
            }
            results.push((outcome.map_err(|e| e.status), comparable));
        }
        for result in &results[1..] {
            assert_eq!(&results[0], result, "step {step}: {ops:?}");
        }
        // Only the step with a readOnly `id` fails, and then changes nothing.
        assert_eq!(results[0].0.is_err(), step == 7, "step {step}: {:?}", results[0].0);
    }
}
