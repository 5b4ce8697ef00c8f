//! GoLinks as its Entra ID tutorial provisions it, driven over HTTP against the built
//! `golinks-scim` binary, whose users are the rows of the app's own `accounts` table (a derived
//! `Account` and a typed backend) and whose groups are in the built-in store: an account
//! that existed before SCIM is matched and updated, new ones are created, disabled and deleted as
//! rows, groups get members, and everything outlives a restart.

use std::path::Path;

use scim_example_testkit::entra::{self, assert_has};
use scim_example_testkit::{ENTERPRISE_URN, Example, GROUP_URN, USER_URN, restart};
use serde_json::json;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// The app's database before it spoke SCIM: its accounts table and one account.
const EXISTING_APP: [&str; 2] = [
    "CREATE TABLE accounts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace   TEXT NOT NULL,
        login       TEXT NOT NULL COLLATE NOCASE,
        email       TEXT,
        first_name  TEXT,
        last_name   TEXT,
        department  TEXT,
        disabled    INTEGER DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        UNIQUE (workspace, login)
    )",
    "INSERT INTO accounts (workspace, login, email, first_name, last_name, department, created_at, updated_at)
     VALUES ('default', 'kim@golinks.io', 'kim@golinks.io', 'Kim', 'Lee', 'Sales',
             '2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z')",
];

/// One account row as the app sees it.
#[derive(Debug, PartialEq)]
struct Row_ {
    id: i64,
    login: String,
    email: Option<String>,
    first_name: Option<String>,
    department: Option<String>,
    disabled: Option<bool>,
}

/// Run SQL against the example's database file (the server may be running: SQLite's WAL lets
/// the test read beside it); returns the accounts afterwards.
fn accounts(database: &Path, statements: &[&str]) -> Vec<Row_> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let options = SqliteConnectOptions::new().filename(database).create_if_missing(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("open the database");
        for statement in statements {
            sqlx::query(sqlx::AssertSqlSafe(*statement)).execute(&pool).await.expect("the app's SQL");
        }
        let rows = sqlx::query(
            "SELECT id, login, email, first_name, department, disabled FROM accounts WHERE workspace = 'default' ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .expect("read accounts");
        pool.close().await;
        rows.iter()
            .map(|r| Row_ {
                id: r.get("id"),
                login: r.get("login"),
                email: r.get("email"),
                first_name: r.get("first_name"),
                department: r.get("department"),
                disabled: r.get("disabled"),
            })
            .collect()
    })
}

#[test]
fn entra_provisions_golinks_into_the_apps_accounts_table() {
    let example = Example::new(env!("CARGO_BIN_EXE_golinks-scim"));
    let database = example.dir().join("golinks-scim.db");
    let existing = accounts(&database, &EXISTING_APP);
    assert_eq!(existing.len(), 1);

    let server = example.start();
    entra::test_connection(&server);
    entra::discovery(&server, &["User", "Group"], &[USER_URN, ENTERPRISE_URN, GROUP_URN]);

    // The account the app already had is what Entra matches its user to (userName, any case),
    // and it is then kept in sync.
    let kim = entra::matches(&server, "/Users", "userName eq \"KIM@golinks.io\"", "1");
    assert_has(
        &kim,
        &[
            ("/name", json!({"givenName": "Kim", "familyName": "Lee"})),
            ("/emails", json!([{"type": "work", "value": "kim@golinks.io"}])),
            ("/active", json!(true)),
            (&format!("/{ENTERPRISE_URN}/department"), json!("Sales")),
            ("/meta/created", json!("2024-01-02T03:04:05Z")),
        ],
    );
    entra::update(
        &server,
        "/Users/1",
        json!([
            {"op": "Add", "path": "externalId", "value": "b6f1c0de-0001-4a7e-9d1c-aa0000000001"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "kim.lee@golinks.io"},
            {"op": "Replace", "path": format!("{ENTERPRISE_URN}:department"), "value": "Customer Success"}
        ]),
        &[
            ("/externalId", json!("b6f1c0de-0001-4a7e-9d1c-aa0000000001")),
            ("/emails/0/value", json!("kim.lee@golinks.io")),
            (&format!("/{ENTERPRISE_URN}/department"), json!("Customer Success")),
        ],
    );

    // A new user: Entra's create request with GoLinks' mapping becomes a row.
    let body = json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "externalId": "b6f1c0de-0002-4a7e-9d1c-aa0000000002",
        "userName": "sam@golinks.io",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "sam@golinks.io"}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "Park", "givenName": "Sam"},
        ENTERPRISE_URN: {"department": "Engineering"}
    });
    let sam = entra::create(
        &server,
        "/Users",
        &body,
        &[
            ("/userName", json!("sam@golinks.io")),
            ("/name/givenName", json!("Sam")),
            ("/emails/0/value", json!("sam@golinks.io")),
            (&format!("/{ENTERPRISE_URN}/department"), json!("Engineering")),
            ("/meta/version", json!("W/\"1\"")),
        ],
    );
    let sam_id = sam["id"].as_str().expect("an id").to_owned();
    assert_eq!(sam_id, "2", "the id is the row's");
    let sam_uri = format!("/Users/{sam_id}");
    entra::matches(&server, "/Users", "userName eq \"sam@golinks.io\"", &sam_id);
    entra::refuses_filter(&server, "/Users", "externalId eq \"b6f1c0de-0002-4a7e-9d1c-aa0000000002\"");

    entra::update(
        &server,
        &sam_uri,
        json!([
            {"op": "Replace", "path": "name.givenName", "value": "Samuel"},
            {"op": "Replace", "value": {"name.familyName": "Park-Kim", format!("{ENTERPRISE_URN}:department"): "Platform"}}
        ]),
        &[
            ("/name", json!({"givenName": "Samuel", "familyName": "Park-Kim"})),
            (&format!("/{ENTERPRISE_URN}/department"), json!("Platform")),
            ("/meta/version", json!("W/\"2\"")),
        ],
    );
    entra::disable(&server, &sam_uri, "userName eq \"sam@golinks.io\"");

    // The app sees its own rows changed.
    let rows = accounts(&database, &[]);
    assert_eq!(
        rows,
        [
            Row_ {
                id: 1,
                login: "kim@golinks.io".into(),
                email: Some("kim.lee@golinks.io".into()),
                first_name: Some("Kim".into()),
                department: Some("Customer Success".into()),
                disabled: Some(false),
            },
            Row_ {
                id: 2,
                login: "sam@golinks.io".into(),
                email: Some("sam@golinks.io".into()),
                first_name: Some("Samuel".into()),
                department: Some("Platform".into()),
                disabled: Some(true),
            },
        ]
    );

    // Groups (in the built-in store) with the accounts as members.
    entra::group_lifecycle(&server, ["1", &sam_id]);
    entra::group_matched_by_external_id(&server);

    // Stop and start again: the accounts are still rows of the same table.
    let before = server.get(&sam_uri).body;
    let server = restart(&example, server);
    assert_eq!(server.get(&sam_uri).body, before);
    assert_eq!(server.get("/Users").body["totalResults"], 2);

    // Delete removes the row.
    entra::delete(&server, &sam_uri);
    let rows = accounts(&database, &[]);
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [1]);
}
