//! Where users and groups are stored. This file is yours: `scimgen generate` never rewrites it.
//!
//! Users are rows of the app's own `accounts` table, served as a typed backend (the runtime keeps
//! `meta`, ETags, If-Match, PATCH, projection); the generated [`AccountFilter`] is answered in SQL
//! on the table's own indexes. The SCIM tenant is the row's `workspace`. Resource imports are
//! not supported (`501`). Groups are in the built-in store, in the same database.

use scim::typed::backend::{Backend, BackendError, BackendResult, ListQuery, Listed, Stored};
use sqlx::sqlite::SqlitePool;
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite};

use crate::accounts::{
    ACCOUNTS_TABLE, Account, AccountFilter, AccountIdTest, AccountUserNameTest, READ, SCIM_COLUMNS, WRITTEN,
};

/// SCIM users as rows of the app's `accounts` table.
#[derive(Debug, Clone)]
pub struct Accounts(pub SqlitePool);

/// An account id is the table's integer key: any other text names no account.
fn key(id: &str) -> BackendResult<i64> {
    id.parse().map_err(|_| BackendError::NotFound)
}

/// `filter` as a condition. SQLite's NOCASE folds ASCII only, SCIM all of Unicode: a non-ASCII
/// userName is left to the runtime, which then filters the workspace's rows in memory.
fn condition(sql: &mut QueryBuilder<Sqlite>, filter: &AccountFilter) -> BackendResult<()> {
    match filter {
        AccountFilter::Id(AccountIdTest::Eq(id)) => match key(id) {
            Ok(id) => sql.push("id = ").push_bind(id),
            Err(_) => sql.push("0"),
        },
        // The literal is lower-cased (userName is not caseExact) and `login` is NOCASE.
        AccountFilter::UserName(AccountUserNameTest::Eq(login)) if login.is_ascii() => {
            sql.push("login = ").push_bind(login.clone())
        }
        AccountFilter::UserName(_) => return Err(BackendError::Unsupported("a non-ASCII userName".into())),
        AccountFilter::And(a, b) | AccountFilter::Or(a, b) => {
            condition(sql.push("("), a)?;
            condition(sql.push(if matches!(filter, AccountFilter::And(..)) { " AND " } else { " OR " }), b)?;
            sql.push(")")
        }
        // Both columns are NOT NULL, so SQL's NOT is SCIM's.
        AccountFilter::Not(inner) => condition(sql.push("NOT ("), inner).map(|()| sql.push(")"))?,
    };
    Ok(())
}

/// `head` over the workspace's accounts the query's filter selects.
fn select(head: &str, tenant: &str, query: &ListQuery<Account>) -> BackendResult<QueryBuilder<Sqlite>> {
    let mut sql = QueryBuilder::new(format!("{head} FROM accounts WHERE workspace = "));
    sql.push_bind(tenant.to_owned());
    if let Some(filter) = &query.filter {
        condition(sql.push(" AND "), filter)?;
    }
    Ok(sql)
}

#[async_trait::async_trait]
impl Backend<Account> for Accounts {
    async fn prepare(&self) -> BackendResult<()> {
        // The app's own migration made the table; the SCIM columns are added once.
        sqlx::query(ACCOUNTS_TABLE).execute(&self.0).await?;
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('accounts')").fetch_all(&self.0).await?;
        for (column, definition) in SCIM_COLUMNS.iter().filter(|(c, _)| !columns.iter().any(|n| n == c)) {
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE accounts ADD COLUMN {column} {definition}")))
                .execute(&self.0)
                .await?;
        }
        Ok(())
    }

    async fn create(&self, tenant: &str, account: Account) -> BackendResult<Stored<Account>> {
        let (now, values) = (scim::store::now_rfc3339(), "?, ".repeat(WRITTEN.split(", ").count()));
        let statement =
            format!("INSERT INTO accounts ({WRITTEN}, workspace, created_at) VALUES ({values}?, ?) RETURNING {READ}");
        Account::from_row(&account.bind(statement, &now).bind(tenant).bind(&now).fetch_one(&self.0).await?)
    }

    async fn get(&self, tenant: &str, id: &str) -> BackendResult<Stored<Account>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {READ} FROM accounts WHERE id = ? AND workspace = ?")))
            .bind(key(id)?)
            .bind(tenant)
            .fetch_one(&self.0)
            .await?;
        Account::from_row(&row)
    }

    /// With `expected`, the version is part of the condition: a concurrent change matches no row.
    async fn replace(
        &self,
        tenant: &str,
        id: &str,
        account: Account,
        expected: Option<u64>,
    ) -> BackendResult<Stored<Account>> {
        let (now, sets) = (
            scim::store::now_rfc3339(),
            WRITTEN.split(", ").map(|c| format!("{c} = ?")).collect::<Vec<_>>().join(", "),
        );
        let statement = format!(
            "UPDATE accounts SET {sets}, scim_version = scim_version + 1 WHERE id = ? AND workspace = ? \
                                 AND scim_version = COALESCE(?, scim_version) RETURNING {READ}"
        );
        let version = expected.and_then(|v| i64::try_from(v).ok());
        Account::from_row(
            &account.bind(statement, &now).bind(key(id)?).bind(tenant).bind(version).fetch_one(&self.0).await?,
        )
    }

    async fn delete(&self, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()> {
        let statement =
            "DELETE FROM accounts WHERE id = ? AND workspace = ? AND scim_version = COALESCE(?, scim_version)";
        let version = expected.and_then(|v| i64::try_from(v).ok());
        let deleted = sqlx::query(statement).bind(key(id)?).bind(tenant).bind(version).execute(&self.0).await?;
        if deleted.rows_affected() == 0 { Err(BackendError::NotFound) } else { Ok(()) }
    }

    /// In SQL, oldest first; a sortBy is left to the runtime.
    async fn list(&self, tenant: &str, query: &ListQuery<Account>) -> BackendResult<Listed<Account>> {
        if query.sort.is_some() {
            return Err(BackendError::Unsupported("sortBy".into()));
        }
        let total: i64 = select("SELECT COUNT(*)", tenant, query)?.build().fetch_one(&self.0).await?.try_get(0)?;
        let mut page = select(&format!("SELECT {READ}"), tenant, query)?;
        page.push(" ORDER BY id LIMIT ").push_bind(query.sql_limit()).push(" OFFSET ").push_bind(query.sql_offset());
        let resources =
            page.build().fetch_all(&self.0).await?.iter().map(Account::from_row).collect::<Result<_, _>>()?;
        Ok(Listed { total_results: usize::try_from(total).unwrap_or(0), resources })
    }
}

#[cfg(test)]
mod tests {
    use scim::store::Store;
    use scim::testkit::StoreContract;
    use scim::typed::backend::TypedStore;
    use serde_json::json;
    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    /// Users as Entra sends them; one login is not ASCII, so the runtime's fallback is exercised.
    fn sample(i: usize) -> serde_json::Value {
        let login = ["kim@golinks.io", "Lee@golinks.io", "émile@golinks.io", "ALEX@golinks.io"][i % 4];
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("{i}{login}"),
            "active": i.is_multiple_of(2),
            "emails": [{"value": format!("{i}{login}"), "type": "work"}],
            "name": {"givenName": "Kim"},
        })
    }

    async fn pool() -> SqlitePool {
        // One connection: every connection to `sqlite::memory:` is a database of its own.
        SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn the_accounts_table_keeps_the_store_contract() {
        let contract = StoreContract::for_type::<Account>(sample);
        let store = TypedStore::<Account, _>::new(Accounts(pool().await));
        store.register(&[contract.kind()]).await.unwrap();
        contract.run(&store).await;
    }

    /// Lists run on the table's own indexes: the primary key and `UNIQUE (workspace, login)`.
    #[tokio::test]
    async fn filtered_lists_use_the_tables_indexes() {
        let accounts = Accounts(pool().await);
        Backend::<Account>::prepare(&accounts).await.unwrap();
        let by = |filter: AccountFilter| ListQuery::<Account> { filter: Some(filter), ..ListQuery::everything() };
        for (query, index) in [
            (
                by(AccountFilter::UserName(AccountUserNameTest::Eq("kim".into()))),
                "USING INDEX sqlite_autoindex_accounts_1",
            ),
            (by(AccountFilter::Id(AccountIdTest::Eq("7".into()))), "USING INTEGER PRIMARY KEY"),
        ] {
            let mut sql = select(&format!("EXPLAIN QUERY PLAN SELECT {READ}"), "acme", &query).unwrap();
            let plan: Vec<String> = sql
                .build()
                .fetch_all(&accounts.0)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            assert!(plan.iter().any(|step| step.contains(index)), "{query:?}: {plan:?}");
        }
        let non_ascii = by(AccountFilter::UserName(AccountUserNameTest::Eq("émile".into())));
        assert!(matches!(accounts.list("acme", &non_ascii).await, Err(BackendError::Unsupported(_))));
    }
}
