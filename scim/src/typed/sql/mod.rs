//! A typed backend over an app's own SQL table (feature `sqlite`): the statements every such
//! backend writes alike, so that the backend keeps only what is its own (its row mapping and its
//! filter's SQL). [`SqlTable`] describes the table: one resource per row, an integer primary key
//! as the id, a tenant column, a change counter as the version and RFC 3339 text timestamps.
//! Every statement binds its values; the only text put into SQL is the table's own names.
//!
//! [`condition`] writes a backend's typed filter and sort as SQL for [`SqlTable::list`].
//!
//! `examples/golinks/src/backend.rs` is a backend written with it, and so is the one
//! `scimgen new --backend typed` scaffolds.

pub mod condition;

use std::collections::HashSet;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteArguments, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite};

pub use self::condition::{Literal, Op, Place, SortColumn, compare, from_json, id, present, sorted_in_memory, to_json};
use super::backend::{BackendError, BackendResult, ListQuery, Record, parse_instant};
use super::query::Queryable;

/// A statement with bound values, as [`SqlTable::insert`] and [`SqlTable::update`] hand it to
/// the backend to bind its columns.
pub type SqlQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

/// How many ids one [`SqlTable::existing_ids`] statement looks up (SQLite limits bound values).
const IDS_PER_STATEMENT: usize = 500;

/// An app's table of resources (see the module docs). The names are the app's, written into
/// SQL as quoted identifiers.
#[derive(Debug, Clone, Copy)]
pub struct SqlTable {
    /// The table.
    pub name: &'static str,
    /// The `INTEGER PRIMARY KEY`: the resource's id.
    pub id: &'static str,
    /// The tenant (a text column): every statement is limited to the caller's.
    pub tenant: &'static str,
    /// The change counter (`INTEGER NOT NULL DEFAULT 1`): the version, bumped by every update.
    pub version: &'static str,
    /// When the row was made and last changed (RFC 3339 text).
    pub created: &'static str,
    /// See `created`.
    pub updated: &'static str,
    /// The columns the resource's attributes are written to, in the order the backend binds
    /// them, separated by commas (`"login, email"`). A row is read with these and the above.
    pub written: &'static str,
}

/// The names of a comma-separated column list.
fn names(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.split(',').map(str::trim).filter(|name| !name.is_empty())
}

/// `name` as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A resource id as the table's integer key: any other text names no row.
pub fn row_key(id: &str) -> BackendResult<i64> {
    id.parse().map_err(|_| BackendError::NotFound)
}

/// `expected` as the bound value of `version = COALESCE(?, version)` (`NULL`: any version).
fn expected_version(expected: Option<u64>) -> Option<i64> {
    expected.and_then(|v| i64::try_from(v).ok())
}

/// A JSON text column of `row` (`NULL`: `T`'s default, such as an empty list). Text that is
/// not the JSON of a `T` is a storage failure: stored values are never silently dropped.
pub fn json_column<T: DeserializeOwned + Default>(row: &SqliteRow, column: &str) -> BackendResult<T> {
    match row.try_get::<Option<String>, _>(column)? {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| BackendError::Storage(format!("column {column} does not hold the JSON expected: {e}").into())),
    }
}

/// `list` as the text of a JSON column, `NULL` when it is empty.
pub fn json_text<T: Serialize>(list: &[T]) -> Option<String> {
    if list.is_empty() { None } else { serde_json::to_string(list).ok() }
}

impl SqlTable {
    /// Every column a row is read with.
    fn columns(&self) -> String {
        let mut all = vec![self.id, self.version, self.created, self.updated];
        all.extend(names(self.written).filter(|c| !all.contains(c)).collect::<Vec<_>>());
        all.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ")
    }

    /// The id, version and timestamps of a row.
    pub fn record(&self, row: &SqliteRow) -> BackendResult<Record> {
        let id: i64 = row.try_get(self.id)?;
        let version = u64::try_from(row.try_get::<i64, _>(self.version)?).ok();
        let mut record = Record::new(id.to_string(), version, parse_instant(&row.try_get::<String, _>(self.created)?)?);
        record.last_modified = parse_instant(&row.try_get::<String, _>(self.updated)?)?;
        Ok(record)
    }

    /// Run the app's `CREATE TABLE IF NOT EXISTS` and add the `columns` (name, definition) it
    /// lacks: the ones SCIM needs that the app did not have.
    pub async fn prepare(&self, pool: &SqlitePool, create: &str, columns: &[(&str, &str)]) -> BackendResult<()> {
        sqlx::query(AssertSqlSafe(create.to_owned())).execute(pool).await?;
        let have: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?)").bind(self.name).fetch_all(pool).await?;
        for (column, definition) in columns.iter().filter(|(c, _)| !have.iter().any(|h| h == c)) {
            let statement = format!("ALTER TABLE {} ADD COLUMN {} {definition}", ident(self.name), ident(column));
            sqlx::query(AssertSqlSafe(statement)).execute(pool).await?;
        }
        Ok(())
    }

    /// Insert a row for `tenant`, with `bind` binding the `written` columns; the row as stored.
    pub async fn insert<'q>(
        &self,
        pool: &SqlitePool,
        tenant: &'q str,
        bind: impl FnOnce(SqlQuery<'q>) -> SqlQuery<'q>,
    ) -> BackendResult<SqliteRow> {
        let names: Vec<String> =
            names(self.written).chain([self.tenant, self.created, self.updated]).map(ident).collect();
        let statement = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
            ident(self.name),
            names.join(", "),
            vec!["?"; names.len()].join(", "),
            self.columns()
        );
        let now = crate::store::now_rfc3339();
        let query = bind(sqlx::query(AssertSqlSafe(statement))).bind(tenant).bind(now.clone()).bind(now);
        Ok(query.fetch_one(pool).await?)
    }

    /// The tenant's row with this id ([`BackendError::NotFound`] if none).
    pub async fn fetch(&self, pool: &SqlitePool, tenant: &str, id: &str) -> BackendResult<SqliteRow> {
        let statement = format!(
            "SELECT {} FROM {} WHERE {} = ? AND {} = ?",
            self.columns(),
            ident(self.name),
            ident(self.id),
            ident(self.tenant)
        );
        Ok(sqlx::query(AssertSqlSafe(statement)).bind(row_key(id)?).bind(tenant).fetch_one(pool).await?)
    }

    /// Update the tenant's row with this id, with `bind` binding the `written` columns, bumping
    /// the version; with `expected`, only a row still at that version (else no row:
    /// [`BackendError::NotFound`], which the runtime tells from a missing row).
    pub async fn update<'q>(
        &self,
        pool: &SqlitePool,
        tenant: &'q str,
        id: &str,
        expected: Option<u64>,
        bind: impl FnOnce(SqlQuery<'q>) -> SqlQuery<'q>,
    ) -> BackendResult<SqliteRow> {
        let version = ident(self.version);
        let sets: Vec<String> =
            names(self.written).chain([self.updated]).map(|c| format!("{} = ?", ident(c))).collect();
        let statement = format!(
            "UPDATE {} SET {}, {version} = {version} + 1 WHERE {} = ? AND {} = ? AND {version} = COALESCE(?, {version}) \
             RETURNING {}",
            ident(self.name),
            sets.join(", "),
            ident(self.id),
            ident(self.tenant),
            self.columns()
        );
        let query = bind(sqlx::query(AssertSqlSafe(statement))).bind(crate::store::now_rfc3339());
        Ok(query.bind(row_key(id)?).bind(tenant).bind(expected_version(expected)).fetch_one(pool).await?)
    }

    /// Delete the tenant's row with this id; with `expected`, as [`Self::update`].
    pub async fn delete(&self, pool: &SqlitePool, tenant: &str, id: &str, expected: Option<u64>) -> BackendResult<()> {
        let version = ident(self.version);
        let statement = format!(
            "DELETE FROM {} WHERE {} = ? AND {} = ? AND {version} = COALESCE(?, {version})",
            ident(self.name),
            ident(self.id),
            ident(self.tenant)
        );
        let query = sqlx::query(AssertSqlSafe(statement)).bind(row_key(id)?).bind(tenant);
        let deleted = query.bind(expected_version(expected)).execute(pool).await?;
        if deleted.rows_affected() == 0 { Err(BackendError::NotFound) } else { Ok(()) }
    }

    /// Which of `ids` are the tenant's rows: one `id IN (...)` statement (per 500 ids) on the
    /// primary key, for [`super::backend::Backend::existing_ids`].
    pub async fn existing_ids(&self, pool: &SqlitePool, tenant: &str, ids: &[&str]) -> BackendResult<HashSet<String>> {
        let keys: Vec<i64> = ids.iter().filter_map(|id| row_key(id).ok()).collect();
        let mut found = HashSet::new();
        for chunk in keys.chunks(IDS_PER_STATEMENT) {
            for row in self.ids_statement(tenant, chunk).build().fetch_all(pool).await? {
                found.insert(row.try_get::<i64, _>(0)?.to_string());
            }
        }
        // The ids as asked: `007` is row 7, but not the id `7` the client knows.
        Ok(ids.iter().filter(|id| found.contains(**id)).map(|id| (*id).to_owned()).collect())
    }

    /// `SELECT id ... WHERE tenant = ? AND id IN (keys)`.
    fn ids_statement(&self, tenant: &str, keys: &[i64]) -> QueryBuilder<Sqlite> {
        // `+tenant`: no index on the tenant for this term, so that SQLite looks each id up by the
        // primary key instead of scanning the tenant's rows of a (tenant, ...) index.
        let mut sql = QueryBuilder::new(format!("SELECT {} FROM {} WHERE +", ident(self.id), ident(self.name)));
        sql.push(ident(self.tenant)).push(" = ").push_bind(tenant.to_owned());
        sql.push(format!(" AND {} IN (", ident(self.id)));
        let mut list = sql.separated(", ");
        for key in keys {
            list.push_bind(*key);
        }
        sql.push(")");
        sql
    }

    /// `head FROM table WHERE tenant = ? [AND condition]`: the tenant's rows `filter` selects,
    /// with `condition` writing the typed filter as SQL (binding its literals).
    pub fn select<F>(
        &self,
        head: &str,
        tenant: &str,
        filter: Option<&F>,
        condition: impl Fn(&mut QueryBuilder<Sqlite>, &F) -> BackendResult<()>,
    ) -> BackendResult<QueryBuilder<Sqlite>> {
        let mut sql = QueryBuilder::new(format!("{head} FROM {} WHERE {} = ", ident(self.name), ident(self.tenant)));
        sql.push_bind(tenant.to_owned());
        if let Some(filter) = filter {
            sql.push(" AND (");
            condition(&mut sql, filter)?;
            sql.push(")");
        }
        Ok(sql)
    }

    /// A page of the tenant's rows the query's filter selects, sorted, and how many there are
    /// in all: the page, and a count only when the page does not tell it (a later page, or a
    /// full first one). `condition` writes the typed filter,
    /// `sort` names where each sortable attribute is (see [`condition::order`], which declines
    /// what SQLite would order otherwise than the runtime: the runtime then sorts in memory).
    /// Ties, and lists without a sort, are in creation order (the id).
    pub async fn list<T: Queryable>(
        &self,
        pool: &SqlitePool,
        tenant: &str,
        query: &ListQuery<T>,
        condition: impl Fn(&mut QueryBuilder<Sqlite>, &T::Filter) -> BackendResult<()>,
        sort: impl Fn(T::Sort) -> BackendResult<SortColumn>,
    ) -> BackendResult<(usize, Vec<SqliteRow>)> {
        let mut page = self.select(&format!("SELECT {}", self.columns()), tenant, query.filter.as_ref(), &condition)?;
        page.push(" ORDER BY ");
        if let Some((attribute, order)) = query.sort {
            condition::order(&mut page, sort(attribute)?, order)?;
            page.push(", ");
        }
        page.push(ident(self.id)).push(" LIMIT ").push_bind(query.sql_limit());
        page.push(" OFFSET ").push_bind(query.sql_offset());
        let rows = page.build().fetch_all(pool).await?;
        // A first page that is not full holds every match, so its length is the total: the page
        // statement alone answers the list, one round trip to the connection's worker thread
        // instead of two (Entra ID's `userName eq "..."` lookup is this case).
        if query.offset() == 0 && query.count.is_none_or(|count| rows.len() < count) {
            return Ok((rows.len(), rows));
        }
        let mut count = self.select("SELECT COUNT(*)", tenant, query.filter.as_ref(), &condition)?;
        let total: i64 = count.build().fetch_one(pool).await?.try_get(0)?;
        Ok((usize::try_from(total).unwrap_or(0), rows))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    const TABLE: SqlTable = SqlTable {
        name: "people",
        id: "id",
        tenant: "org",
        version: "v",
        created: "made",
        updated: "changed",
        written: "login, tags",
    };

    async fn pool() -> SqlitePool {
        let pool = SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        let create = "CREATE TABLE people (id INTEGER PRIMARY KEY, org TEXT NOT NULL, login TEXT NOT NULL, \
                      tags TEXT, made TEXT NOT NULL, changed TEXT NOT NULL, UNIQUE (org, login))";
        TABLE.prepare(&pool, create, &[("v", "INTEGER NOT NULL DEFAULT 1")]).await.unwrap();
        pool
    }

    /// A member check's ids are looked up by the primary key, even with an index that starts with
    /// the tenant, which SQLite would otherwise scan.
    #[tokio::test]
    async fn existing_ids_look_each_id_up_by_the_primary_key() {
        let pool = pool().await;
        let statement = TABLE.ids_statement("acme", &[1, 2, 3]);
        let plan: Vec<String> = sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", statement.sql().as_str())))
            .bind("acme")
            .bind(1)
            .bind(2)
            .bind(3)
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<String, _>("detail"))
            .collect();
        assert_eq!(plan, ["SEARCH people USING INTEGER PRIMARY KEY (rowid=?)"]);
    }

    /// Every statement keeps to the tenant, bumps the version, and honours the expected version.
    #[tokio::test]
    async fn statements_keep_to_the_tenant_and_the_version() {
        let pool = pool().await;
        let row = TABLE.insert(&pool, "acme", |q| q.bind("kim").bind(json_text::<String>(&[]))).await.unwrap();
        let record = TABLE.record(&row).unwrap();
        assert_eq!((record.version, record.created), (Some(1), record.last_modified));
        let id = record.id.clone();
        assert!(matches!(TABLE.fetch(&pool, "globex", &id).await, Err(BackendError::NotFound)));
        assert!(matches!(TABLE.fetch(&pool, "acme", "x").await, Err(BackendError::NotFound)));
        let stale = TABLE.update(&pool, "acme", &id, Some(7), |q| q.bind("lee").bind(None::<String>)).await;
        assert!(matches!(stale, Err(BackendError::NotFound)), "a stale version matches no row");
        assert_eq!(json_column::<Vec<String>>(&row, "tags").unwrap(), Vec::<String>::new(), "NULL: empty");
        let tags = json_text(&["a".to_owned()]);
        let row = TABLE.update(&pool, "acme", &id, Some(1), |q| q.bind("lee").bind(tags)).await.unwrap();
        assert_eq!(json_column::<Vec<String>>(&row, "tags").unwrap(), ["a"]);
        assert_eq!((row.get::<String, _>("login"), TABLE.record(&row).unwrap().version), ("lee".to_owned(), Some(2)));
        let clash = TABLE.insert(&pool, "acme", |q| q.bind("lee").bind("{")).await;
        assert!(matches!(clash, Err(BackendError::Conflict { attribute: None })));
        let broken = TABLE.insert(&pool, "acme", |q| q.bind("kim").bind("{")).await.unwrap();
        let error = json_column::<Vec<String>>(&broken, "tags").unwrap_err();
        assert!(matches!(&error, BackendError::Storage(e) if e.to_string().contains("column tags")), "{error:?}");
        let found = TABLE.existing_ids(&pool, "acme", &[&id, "x", "0", &format!("0{id}")]).await.unwrap();
        assert_eq!(found, HashSet::from([id.clone()]));
        assert!(TABLE.existing_ids(&pool, "globex", &[&id]).await.unwrap().is_empty());
        assert!(matches!(TABLE.delete(&pool, "globex", &id, None).await, Err(BackendError::NotFound)));
        assert!(matches!(TABLE.delete(&pool, "acme", &id, Some(1)).await, Err(BackendError::NotFound)));
        TABLE.delete(&pool, "acme", &id, Some(2)).await.unwrap();
    }
}
