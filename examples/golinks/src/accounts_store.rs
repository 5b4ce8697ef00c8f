//! A hand-written `scim::store::Store` over the application's existing `accounts` table: how
//! SCIM users become the app's own rows instead of the built-in store's documents.
//!
//! Each call converts between a row and the derived [`Account`] (`Account::from_scim` for what
//! Entra sends, `Account::to_scim` for what it reads back) and adds what SCIM keeps beside the
//! attributes: `meta` (the row's timestamps and change counter). The SCIM tenant is the row's
//! `workspace`, so one customer's Entra never sees another's accounts.
//!
//! Lists are answered in SQL: the filters this server accepts (`userName eq`, `id eq`, joined
//! with `and`, `or` and `not`; `FilterSupport` has checked that before the store is called)
//! become a `WHERE` on the table's own indexed columns (`login`, unique per workspace and
//! `COLLATE NOCASE`, and the primary key) with bound parameters, and the page is `LIMIT`/`OFFSET`
//! with a `COUNT(*)` for `totalResults`. Two cases fall back to the runtime's evaluator over the
//! workspace's rows: a `userName` literal that is not ASCII (SQLite's NOCASE folds ASCII only,
//! SCIM folds all of Unicode) and a `sortBy`.

use std::sync::Arc;

use async_trait::async_trait;
use scim::error::{ScimError, ScimResult};
use scim::filter::{Operand, ResolvedFilter};
use scim::query::SortOrder;
use scim::schema::AttrOwner;
use scim::store::{
    GetOptions, Page, ResourceKind, Scope, Store, StoreQuery, check_if_match, compare_keys, not_found, now_rfc3339,
    sort_key, version_tag,
};
use scim::typed::ScimResource;
use serde_json::{Value, json};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Row};

use crate::accounts::{ACCOUNTS_TABLE, Account, SCIM_COLUMNS};

/// The columns read for an account, in the order [`account_from_row`] expects.
const SELECT: &str = "SELECT id, login, email, first_name, last_name, department, disabled, created_at, updated_at, \
                      scim_external_id, scim_version, scim_emails FROM accounts";

/// SCIM users stored as rows of the app's `accounts` table.
#[derive(Debug, Clone)]
pub struct AccountsStore {
    pool: SqlitePool,
}

impl AccountsStore {
    /// A store over the accounts table of the database `pool` is connected to.
    pub fn new(pool: SqlitePool) -> Self {
        AccountsStore { pool }
    }
}

/// A failure of the database, as a 500 that does not leak SQL or data (the cause goes to the
/// server's log).
fn storage_error(action: &str, error: &sqlx::Error) -> ScimError {
    eprintln!("accounts table: cannot {action}: {error}");
    ScimError::internal(format!("cannot {action} the account"))
}

/// A conflict on `UNIQUE (workspace, login)` is SCIM's 409 uniqueness on userName.
fn write_error(action: &str, login: &str, error: &sqlx::Error) -> ScimError {
    if error.as_database_error().is_some_and(|e| e.is_unique_violation()) {
        ScimError::uniqueness(format!("userName `{login}` is already taken"))
    } else {
        storage_error(action, error)
    }
}

/// The account id in a SCIM id: the table's integer key, so anything else is not found.
fn row_id(kind: &ResourceKind, id: &str) -> ScimResult<i64> {
    id.parse().map_err(|_| not_found(kind, id))
}

/// The SCIM resource of a row: the derived mapping, then `meta` from the row.
fn account_from_row(kind: &ResourceKind, row: &SqliteRow) -> Result<Value, sqlx::Error> {
    let emails: Option<String> = row.try_get("scim_emails")?;
    let mut account = Account {
        id: Some(row.try_get::<i64, _>("id")?.to_string()),
        external_id: row.try_get("scim_external_id")?,
        login: row.try_get("login")?,
        // NULL: the client removed `active` (the app treats it as enabled).
        active: row.try_get::<Option<bool>, _>("disabled")?.map(|disabled| !disabled),
        emails: emails.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default(),
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        department: row.try_get("department")?,
    };
    account.set_work_email(row.try_get("email")?);
    let mut resource = account.to_scim();
    let version: i64 = row.try_get("scim_version")?;
    if let Some(object) = resource.as_object_mut() {
        object.insert(
            "meta".to_owned(),
            json!({
                "resourceType": kind.name(),
                "created": row.try_get::<String, _>("created_at")?,
                "lastModified": row.try_get::<String, _>("updated_at")?,
                "version": version_tag(u64::try_from(version).unwrap_or(0)),
            }),
        );
    }
    Ok(resource)
}

/// The `scim_emails` column: the addresses as the client sent them (NULL for none).
fn emails_json(account: &Account) -> Option<String> {
    (!account.emails.is_empty()).then(|| serde_json::to_string(&account.emails).unwrap_or_default())
}

impl AccountsStore {
    /// A page of the accounts `condition` selects, counted and cut in SQL (oldest first).
    async fn list_in_sql(
        &self,
        scope: Scope<'_>,
        query: &StoreQuery<'_>,
        condition: &str,
        binds: &[Bind],
    ) -> ScimResult<Page> {
        let total: i64 =
            bind_all(sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM accounts WHERE {condition}"))), binds)
                .fetch_one(&self.pool)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(|e| storage_error("list", &e))?;
        let limit = query.count.map_or(-1, |count| i64::try_from(count).unwrap_or(i64::MAX));
        let offset = i64::try_from(query.offset()).unwrap_or(i64::MAX);
        let rows = bind_all(
            sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE {condition} ORDER BY id LIMIT ? OFFSET ?"))),
            binds,
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| storage_error("list", &e))?;
        let resources = rows
            .iter()
            .map(|row| account_from_row(scope.kind, row))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| storage_error("list", &e))?;
        Ok(Page { total_results: usize::try_from(total).unwrap_or(0), resources })
    }

    async fn fetch(&self, scope: Scope<'_>, id: &str) -> ScimResult<Value> {
        let key = row_id(scope.kind, id)?;
        let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE id = ? AND workspace = ?")))
            .bind(key)
            .bind(scope.tenant)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| storage_error("read", &e))?
            .ok_or_else(|| not_found(scope.kind, id))?;
        account_from_row(scope.kind, &row).map_err(|e| storage_error("read", &e))
    }

    /// The current version of an account, for `If-Match`.
    async fn version(&self, scope: Scope<'_>, id: &str) -> ScimResult<u64> {
        let key = row_id(scope.kind, id)?;
        let version: Option<i64> =
            sqlx::query_scalar("SELECT scim_version FROM accounts WHERE id = ? AND workspace = ?")
                .bind(key)
                .bind(scope.tenant)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| storage_error("read", &e))?;
        version.map(|v| u64::try_from(v).unwrap_or(0)).ok_or_else(|| not_found(scope.kind, id))
    }

    async fn insert(&self, scope: Scope<'_>, id: Option<i64>, resource: &Value) -> ScimResult<Value> {
        let account = Account::from_scim(resource)?;
        let now = now_rfc3339();
        let created = resource.pointer("/meta/created").and_then(Value::as_str).map_or(now.clone(), str::to_owned);
        let inserted = sqlx::query(
            "INSERT INTO accounts (id, workspace, login, email, first_name, last_name, department, disabled, \
             created_at, updated_at, scim_external_id, scim_emails, scim_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) \
             RETURNING id",
        )
        .bind(id)
        .bind(scope.tenant)
        .bind(&account.login)
        .bind(account.work_email())
        .bind(&account.first_name)
        .bind(&account.last_name)
        .bind(&account.department)
        .bind(account.active.map(|active| !active))
        .bind(&created)
        .bind(&now)
        .bind(&account.external_id)
        .bind(emails_json(&account))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| write_error("create", &account.login, &e))?;
        let key: i64 = inserted.try_get("id").map_err(|e| storage_error("create", &e))?;
        self.fetch(scope, &key.to_string()).await
    }
}

#[async_trait]
impl Store for AccountsStore {
    async fn register(&self, kinds: &[Arc<ResourceKind>]) -> ScimResult<()> {
        if let Some(kind) = kinds.iter().find(|k| k.name() != "User") {
            return Err(ScimError::internal(format!("the accounts table holds users, not {}", kind.name())));
        }
        // The app's own migration would have made the table; here it is made if missing, and
        // the SCIM columns are added to it once.
        sqlx::query(ACCOUNTS_TABLE).execute(&self.pool).await.map_err(|e| storage_error("set up", &e))?;
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('accounts')")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| storage_error("set up", &e))?;
        for (column, definition) in SCIM_COLUMNS {
            if !columns.iter().any(|c| c == column) {
                sqlx::query(AssertSqlSafe(format!("ALTER TABLE accounts ADD COLUMN {column} {definition}")))
                    .execute(&self.pool)
                    .await
                    .map_err(|e| storage_error("set up", &e))?;
            }
        }
        Ok(())
    }

    async fn create(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        self.insert(scope, None, &resource).await
    }

    async fn import(&self, scope: Scope<'_>, resource: Value) -> ScimResult<Value> {
        let id = resource.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let key =
            id.parse::<i64>().map_err(|_| ScimError::invalid_value(format!("account ids are integers, not `{id}`")))?;
        self.insert(scope, Some(key), &resource).await.map_err(|error| {
            if error.status == 409 { ScimError::uniqueness(format!("account {id} exists already")) } else { error }
        })
    }

    async fn get(&self, scope: Scope<'_>, id: &str, _options: GetOptions) -> ScimResult<Value> {
        self.fetch(scope, id).await
    }

    async fn list(&self, scope: Scope<'_>, query: &StoreQuery<'_>) -> ScimResult<Page> {
        let mut condition = String::from("workspace = ?");
        let mut binds = vec![Bind::Text(scope.tenant.to_owned())];
        let pushed_down = match query.filter {
            None => true,
            Some(filter) => {
                let mut sql = String::new();
                let answered = condition_sql(filter, &mut sql, &mut binds);
                if answered {
                    condition.push_str(" AND ");
                    condition.push_str(&sql);
                } else {
                    binds.truncate(1);
                }
                answered
            }
        };
        if pushed_down && query.sort_by.is_none() {
            return self.list_in_sql(scope, query, &condition, &binds).await;
        }
        // The fallback: the rows the condition selects (the whole workspace when the filter could
        // not be written in SQL), then the runtime's evaluator, sort and page.
        let rows = bind_all(sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE {condition} ORDER BY id"))), &binds)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| storage_error("list", &e))?;
        let mut matches = Vec::with_capacity(rows.len());
        for row in &rows {
            let resource = account_from_row(scope.kind, row).map_err(|e| storage_error("list", &e))?;
            if pushed_down || query.filter.is_none_or(|filter| filter.matches(&resource)) {
                matches.push(resource);
            }
        }
        // Ordered as every store orders (RFC 7644 section 3.4.2.3).
        if let Some(attr) = query.sort_by.map(scim::store::sort_target).transpose()? {
            // A stable sort keeps creation (id) order among equal keys, in both directions.
            matches.sort_by(|a, b| {
                let order = compare_keys(sort_key(&attr, a).as_ref(), sort_key(&attr, b).as_ref());
                if query.sort_order == SortOrder::Descending { order.reverse() } else { order }
            });
        }
        let total_results = matches.len();
        let resources = matches.into_iter().skip(query.offset()).take(query.count.unwrap_or(usize::MAX)).collect();
        Ok(Page { total_results, resources })
    }

    async fn replace(&self, scope: Scope<'_>, id: &str, resource: Value, if_match: Option<&str>) -> ScimResult<Value> {
        let key = row_id(scope.kind, id)?;
        let version = self.version(scope, id).await?;
        check_if_match(scope.kind, id, if_match, version)?;
        let account = Account::from_scim(&resource)?;
        // The version read is part of the condition, so a concurrent change makes this a 412
        // (which the default PATCH retries) rather than a lost update.
        let updated = sqlx::query(
            "UPDATE accounts SET login = ?, email = ?, first_name = ?, last_name = ?, department = ?, disabled = ?, \
             scim_external_id = ?, scim_emails = ?, updated_at = ?, scim_version = scim_version + 1 \
             WHERE id = ? AND workspace = ? AND scim_version = ?",
        )
        .bind(&account.login)
        .bind(account.work_email())
        .bind(&account.first_name)
        .bind(&account.last_name)
        .bind(&account.department)
        .bind(account.active.map(|active| !active))
        .bind(&account.external_id)
        .bind(emails_json(&account))
        .bind(now_rfc3339())
        .bind(key)
        .bind(scope.tenant)
        .bind(i64::try_from(version).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await
        .map_err(|e| write_error("update", &account.login, &e))?;
        if updated.rows_affected() == 0 {
            return Err(ScimError::precondition_failed(format!(
                "{} {id} changed while it was updated",
                scope.kind.name()
            )));
        }
        self.fetch(scope, id).await
    }

    async fn delete(&self, scope: Scope<'_>, id: &str, if_match: Option<&str>) -> ScimResult<()> {
        let key = row_id(scope.kind, id)?;
        let version = self.version(scope, id).await?;
        check_if_match(scope.kind, id, if_match, version)?;
        // The version checked is part of the condition, so a change made between the check and
        // the delete is a 412, not a silently deleted newer version.
        let deleted = sqlx::query("DELETE FROM accounts WHERE id = ? AND workspace = ? AND scim_version = ?")
            .bind(key)
            .bind(scope.tenant)
            .bind(i64::try_from(version).unwrap_or(i64::MAX))
            .execute(&self.pool)
            .await
            .map_err(|e| storage_error("delete", &e))?;
        if deleted.rows_affected() == 0 {
            return Err(ScimError::precondition_failed(format!(
                "{} {id} changed while it was being deleted; read it again",
                scope.kind.name()
            )));
        }
        Ok(())
    }

    async fn add_members(&self, scope: Scope<'_>, _group_id: &str, _members: &[Value]) -> ScimResult<()> {
        Err(ScimError::internal(format!("{} has no members", scope.kind.name())))
    }

    async fn remove_members(&self, scope: Scope<'_>, _group_id: &str, _member_ids: &[String]) -> ScimResult<()> {
        Err(ScimError::internal(format!("{} has no members", scope.kind.name())))
    }
}

/// A value bound to a `?` of a statement built by [`condition_sql`].
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Integer(i64),
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Integer(number) => query.bind(*number),
        };
    }
    query
}

/// Write `filter` as a SQL condition on the accounts table, from fixed fragments and bound
/// values only. False (and nothing usable written) when some part has no exact SQL form here.
fn condition_sql(filter: &ResolvedFilter<'_>, sql: &mut String, binds: &mut Vec<Bind>) -> bool {
    match filter {
        ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
            let joiner = if matches!(filter, ResolvedFilter::And(..)) { " AND " } else { " OR " };
            sql.push('(');
            let answered = condition_sql(a, sql, binds) && {
                sql.push_str(joiner);
                condition_sql(b, sql, binds)
            };
            sql.push(')');
            answered
        }
        // Both columns are NOT NULL, so SQL's NOT is the evaluator's not.
        ResolvedFilter::Not(inner) => {
            sql.push_str("NOT (");
            let answered = condition_sql(inner, sql, binds);
            sql.push(')');
            answered
        }
        ResolvedFilter::Compare { path, op: scim::filter::CompareOp::Eq, value: Operand::String { text, .. } }
            if path.element_filter.is_none() && path.attr.sub_attribute.is_none() =>
        {
            let name = path.attr.attribute.name.as_str();
            match (path.attr.owner, name) {
                (AttrOwner::Common, "id") => {
                    // Ids are the integer row ids; any other text names no account.
                    match text.parse::<i64>() {
                        Ok(id) => {
                            sql.push_str("id = ?");
                            binds.push(Bind::Integer(id));
                        }
                        Err(_) => sql.push('0'),
                    }
                    true
                }
                // `text` is already lower-cased; NOCASE makes the indexed comparison
                // case-insensitive, exactly so for ASCII.
                (AttrOwner::Core, "userName") if text.is_ascii() => {
                    sql.push_str("login = ?");
                    binds.push(Bind::Text(text.clone()));
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use scim::filter::{parse_filter, resolve_filter};
    use scim::schema::builtin::USER_URN;
    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    fn ids(resources: &[Value]) -> Vec<Value> {
        resources.iter().map(|r| r["id"].clone()).collect()
    }

    /// Lists answered in SQL select exactly what the runtime's evaluator selects, with the same
    /// totals and pages; the cases SQL cannot answer exactly (a non-ASCII userName) still do.
    #[tokio::test]
    async fn lists_in_sql_select_what_the_evaluator_selects() {
        // One connection: every connection to `sqlite::memory:` is a database of its own.
        let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let store = AccountsStore::new(pool);
        let kind = Arc::new(ResourceKind::new(Account::descriptor().resource_schema().clone(), &["userName"]).unwrap());
        store.register(std::slice::from_ref(&kind)).await.unwrap();
        let scope = Scope::new("acme", &kind);
        for login in ["alice", "Bob", "carol", "Émile"] {
            store.create(scope, json!({"schemas": [USER_URN], "userName": login})).await.unwrap();
        }
        // Another workspace's alice is never listed.
        store.create(Scope::new("globex", &kind), json!({"schemas": [USER_URN], "userName": "alice"})).await.unwrap();

        let all = store.list(scope, &StoreQuery::default()).await.unwrap();
        assert_eq!(all.total_results, 4);
        let first_id = all.resources[0]["id"].as_str().unwrap().to_owned();
        let filters = [
            r#"userName eq "ALICE""#.to_owned(),
            r#"not (userName eq "alice")"#.to_owned(),
            r#"userName eq "alice" or userName eq "bob""#.to_owned(),
            r#"userName eq "alice" and userName eq "bob""#.to_owned(),
            format!(r#"id eq "{first_id}""#),
            format!(r#"not (id eq "{first_id}") and not (userName eq "carol")"#),
            r#"id eq "not-a-row-id""#.to_owned(),
            r#"not (id eq "not-a-row-id")"#.to_owned(),
            r#"userName eq "émile""#.to_owned(),
            r#"userName eq "nobody""#.to_owned(),
        ];
        for text in &filters {
            let filter = parse_filter(text).unwrap();
            let resolved = resolve_filter(&filter, &kind.schema).unwrap();
            let expected: Vec<Value> =
                all.resources.iter().filter(|r| resolved.matches(r)).map(|r| r["id"].clone()).collect();
            let page =
                store.list(scope, &StoreQuery { filter: Some(&resolved), ..StoreQuery::default() }).await.unwrap();
            assert_eq!(ids(&page.resources), expected, "{text}");
            assert_eq!(page.total_results, expected.len(), "{text}");
        }

        let page =
            store.list(scope, &StoreQuery { start_index: 2, count: Some(2), ..StoreQuery::default() }).await.unwrap();
        assert_eq!(page.total_results, 4);
        assert_eq!(ids(&page.resources), ids(&all.resources[1..3]));
        let totals_only = store.list(scope, &StoreQuery { count: Some(0), ..StoreQuery::default() }).await.unwrap();
        assert_eq!((totals_only.total_results, totals_only.resources.len()), (4, 0));
    }
}
