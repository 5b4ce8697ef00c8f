//! The application's own accounts: the table it had before SCIM, its `Account` type mapped onto
//! SCIM User with `#[derive(ScimResource)]` (GoLinks' attribute table, `mapping.md`: the same
//! attributes as the generated `User`, a test checks), and an account's row.

use scim::typed::MultiValue;
use scim::typed::backend::{BackendResult, Stored};
use scim::typed::sql::{SqlQuery, SqlTable, json_column, json_text};
use scim_derive::ScimResource;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// The accounts table as the application created it before it spoke SCIM: `workspace` is the
/// customer (a SCIM tenant), `login` the sign-in name (SCIM `userName`), unique per workspace
/// regardless of case, as SCIM wants userName (RFC 7643 section 4.1.1).
pub const ACCOUNTS_TABLE: &str = "CREATE TABLE IF NOT EXISTS accounts (
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
)";

/// The columns SCIM needs that the app did not have, added when missing: `externalId`, a change
/// counter for ETags, and the emails as the client sent them (`email` holds the work one; a
/// client may send others and expects to read back what it wrote).
pub const SCIM_COLUMNS: [(&str, &str); 3] =
    [("scim_external_id", "TEXT"), ("scim_version", "INTEGER NOT NULL DEFAULT 1"), ("scim_emails", "TEXT")];

/// The table as the SCIM backend reads and writes it (`written` in [`Account::bind`] order).
pub const TABLE: SqlTable = SqlTable {
    name: "accounts",
    id: "id",
    tenant: "workspace",
    version: "scim_version",
    created: "created_at",
    updated: "updated_at",
    written: "login, email, first_name, last_name, department, disabled, scim_external_id, scim_emails",
};

impl Account {
    /// An account and its record from its row.
    pub fn from_row(row: &SqliteRow) -> BackendResult<Stored<Account>> {
        let mut account = Account {
            id: Some(row.try_get::<i64, _>("id")?.to_string()),
            external_id: row.try_get("scim_external_id")?,
            login: row.try_get("login")?,
            // NULL: the client removed `active` (the app treats it as enabled).
            active: row.try_get::<Option<bool>, _>("disabled")?.map(|disabled| !disabled),
            emails: json_column(row, "scim_emails")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            department: row.try_get("department")?,
        };
        // The app's column wins over what SCIM last sent (the app may have changed it).
        MultiValue::set_value_of(&mut account.emails, "work", row.try_get("email")?);
        Ok(Stored { resource: account, record: TABLE.record(row)? })
    }

    /// `query` with the [`TABLE`]'s `written` columns bound.
    pub fn bind<'q>(&'q self, query: SqlQuery<'q>) -> SqlQuery<'q> {
        let query = query.bind(&self.login).bind(MultiValue::value_of(&self.emails, "work"));
        let query = query.bind(&self.first_name).bind(&self.last_name).bind(&self.department);
        query.bind(self.active.map(|active| !active)).bind(&self.external_id).bind(json_text(&self.emails))
    }
}

/// An account as SCIM User with the enterprise extension: each field names the SCIM path it
/// serves; only `userName` is filterable, as GoLinks' table says. `emails` is restricted to
/// `value` and `type`, what the table's `emails[type eq "work"].value` row serves.
#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(
    resource = "User",
    endpoint = "/Users",
    extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)]
pub struct Account {
    /// The table's integer id, as text.
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "externalId", no_filter)]
    pub external_id: Option<String>,
    #[scim(path = "userName", filter = "eq")]
    pub login: String,
    #[scim(path = "active", no_filter)]
    pub active: Option<bool>,
    #[scim(path = "emails", only = "value type", no_filter)]
    pub emails: Vec<MultiValue>,
    #[scim(path = "name.givenName", no_filter)]
    pub first_name: Option<String>,
    #[scim(path = "name.familyName", no_filter)]
    pub last_name: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", no_filter)]
    pub department: Option<String>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use scim::typed::{MultiValue, ScimResource};
    use serde_json::Value;

    use super::Account;
    use crate::generated::User;

    /// `schema id: attribute[.sub]` for every attribute of every schema a type serves.
    fn attribute_paths<T: ScimResource>() -> BTreeSet<String> {
        let mut paths = BTreeSet::new();
        for schema in T::descriptor().schema_documents() {
            let id = schema["id"].as_str().unwrap_or_default().to_owned();
            for attribute in schema["attributes"].as_array().into_iter().flatten() {
                let name = attribute["name"].as_str().unwrap_or_default();
                paths.insert(format!("{id}: {name}"));
                for sub in attribute["subAttributes"].as_array().into_iter().flatten() {
                    paths.insert(format!("{id}: {name}.{}", sub["name"].as_str().unwrap_or_default()));
                }
            }
        }
        paths
    }

    #[test]
    fn the_hand_mapped_account_serves_exactly_the_generated_user_attributes() {
        assert_eq!(attribute_paths::<Account>(), attribute_paths::<User>());
        let filterable = |support: &scim::typed::FilterSupport| -> Vec<String> {
            support.attributes().iter().map(|a| a.path.clone()).collect()
        };
        assert_eq!(filterable(Account::descriptor().filter_support()), filterable(User::descriptor().filter_support()));
    }

    #[test]
    fn an_account_round_trips_through_scim() {
        let account = Account {
            id: Some("7".into()),
            external_id: Some("e-7".into()),
            login: "kim@golinks.io".into(),
            active: Some(true),
            emails: vec![
                MultiValue { value: Some("kim@golinks.io".into()), kind: Some("work".into()), ..Default::default() },
                MultiValue { value: Some("kim@home.example".into()), kind: Some("home".into()), ..Default::default() },
            ],
            first_name: Some("Kim".into()),
            last_name: None,
            department: Some("Sales".into()),
        };
        let scim = account.to_scim();
        assert_eq!(scim["emails"][1], serde_json::json!({"value": "kim@home.example", "type": "home"}));
        assert_eq!(MultiValue::value_of(&account.emails, "WORK"), Some("kim@golinks.io"));
        assert_eq!(scim["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Sales");
        assert_eq!(scim["name"].get("familyName"), None::<&Value>);
        assert_eq!(Account::from_scim(&scim).expect("its own SCIM form reads back"), account);
    }
}
