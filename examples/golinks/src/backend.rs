//! Where users and groups are stored. This file is yours: `scimgen generate` never rewrites it.
//!
//! Users are rows of the app's own `accounts` table, served as a typed backend (the runtime keeps
//! `meta`, ETags, If-Match, PATCH, projection); the generated [`AccountFilter`] is answered in SQL
//! on the table's own indexes. The SCIM tenant is the row's `workspace`. Resource imports are
//! not supported (`501`). Groups are in the built-in store, in the same database.

use std::collections::HashSet;

use scim::typed::backend::{Backend, BackendError, BackendResult, ListQuery, Listed, Stored};
use scim::typed::sql::{row_key, sorted_in_memory};
use sqlx::sqlite::SqlitePool;
use sqlx::{QueryBuilder, Sqlite};

use crate::accounts::{
    ACCOUNTS_TABLE, Account, AccountFilter, AccountIdTest, AccountUserNameTest, SCIM_COLUMNS, TABLE,
};

/// SCIM users as rows of the app's `accounts` table.
#[derive(Debug, Clone)]
pub struct Accounts(pub SqlitePool);

/// `filter` as a condition. SQLite's NOCASE folds ASCII only, SCIM all of Unicode: a non-ASCII
/// userName is left to the runtime, which then filters the workspace's rows in memory.
fn condition(sql: &mut QueryBuilder<Sqlite>, filter: &AccountFilter) -> BackendResult<()> {
    match filter {
        AccountFilter::Id(AccountIdTest::Eq(id)) => match row_key(id) {
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

#[async_trait::async_trait]
impl Backend<Account> for Accounts {
    /// The app's own migration made the table; the SCIM columns are added once.
    async fn prepare(&self) -> BackendResult<()> {
        TABLE.prepare(&self.0, ACCOUNTS_TABLE, &SCIM_COLUMNS).await
    }

    async fn create(&self, tenant: &str, account: Account) -> BackendResult<Stored<Account>> {
        Account::from_row(&TABLE.insert(&self.0, tenant, |query| account.bind(query)).await?)
    }

    async fn get(&self, tenant: &str, id: &str) -> BackendResult<Stored<Account>> {
        Account::from_row(&TABLE.fetch(&self.0, tenant, id).await?)
    }

    async fn replace(
        &self,
        tenant: &str,
        id: &str,
        account: Account,
        expected: Option<u64>,
    ) -> BackendResult<Stored<Account>> {
        Account::from_row(&TABLE.update(&self.0, tenant, id, expected, |query| account.bind(query)).await?)
    }

    async fn delete(&self, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()> {
        TABLE.delete(&self.0, tenant, id, expected).await
    }

    /// In SQL, oldest first; a sortBy is left to the runtime (`login` is NOCASE, ASCII only).
    async fn list(&self, tenant: &str, query: &ListQuery<Account>) -> BackendResult<Listed<Account>> {
        let (total_results, rows) = TABLE.list(&self.0, tenant, query, condition, sorted_in_memory).await?;
        let resources = rows.iter().map(Account::from_row).collect::<Result<_, _>>()?;
        Ok(Listed { total_results, resources })
    }

    /// A group's members are checked with one `id IN (...)` query on the primary key.
    async fn existing_ids(&self, tenant: &str, ids: &[&str]) -> BackendResult<HashSet<String>> {
        TABLE.existing_ids(&self.0, tenant, ids).await
    }
}

#[cfg(test)]
mod tests {
    use scim::store::Store;
    use scim::testkit::StoreContract;
    use scim::typed::backend::TypedStore;
    use serde_json::json;
    use sqlx::Row;
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
                "INDEX sqlite_autoindex_accounts_1 (workspace=? AND login=?)",
            ),
            (by(AccountFilter::Id(AccountIdTest::Eq("7".into()))), "USING INTEGER PRIMARY KEY"),
        ] {
            let mut sql =
                TABLE.select("EXPLAIN QUERY PLAN SELECT login", "acme", query.filter.as_ref(), condition).unwrap();
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

    /// A group's member check (one `id IN (...)` statement per 500 ids, see `SqlTable`) finds the
    /// workspace's accounts, not other workspaces' or ids that are no key.
    #[tokio::test]
    async fn member_checks_look_ids_up_in_batches_on_the_primary_key() {
        let accounts = Accounts(pool().await);
        Backend::<Account>::prepare(&accounts).await.unwrap();
        let store = TypedStore::<Account, _>::new(accounts.clone());
        let kind = StoreContract::for_type::<Account>(sample).kind();
        let mut mine = Vec::new();
        for i in 0..3 {
            mine.push(store.create(scim::store::Scope::new("acme", &kind), sample(i)).await.unwrap()["id"].clone());
        }
        let theirs = store.create(scim::store::Scope::new("globex", &kind), sample(3)).await.unwrap()["id"].clone();
        let mut asked: Vec<String> = mine.iter().chain([&theirs]).map(|id| id.as_str().unwrap().to_owned()).collect();
        asked.extend(["x".to_owned(), "007".to_owned(), "99999".to_owned()]);
        asked.extend((1000..1600).map(|n| n.to_string()));
        let ids: Vec<&str> = asked.iter().map(String::as_str).collect();
        let found = accounts.existing_ids("acme", &ids).await.unwrap();
        let expected: HashSet<String> = mine.iter().map(|id| id.as_str().unwrap().to_owned()).collect();
        assert_eq!(found, expected);
    }
}
