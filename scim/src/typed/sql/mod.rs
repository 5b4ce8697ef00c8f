//! A typed backend over an app's own SQL table, on SQLite (feature `sqlite`) or PostgreSQL
//! (feature `postgres`): the statements every such backend writes alike, so that the backend
//! keeps only what is its own (its row mapping and its filter's SQL). [`SqlTable`] describes the
//! table: one resource per row, an integer primary key as the id (PostgreSQL: `BIGINT`), a
//! tenant column, a change counter as the version (PostgreSQL: `BIGINT`) and RFC 3339 text
//! timestamps. Every statement binds its values; the only text put into SQL is the table's own
//! names. One implementation serves both databases, generic over [`Dialect`], which holds what
//! differs between them: the pool given (`SqlitePool` or `PgPool`) chooses.
//!
//! [`condition`] writes a backend's typed filter and sort as SQL for [`SqlTable::list`].
//!
//! `examples/golinks/src/backend.rs` is a backend written with it, and so is the one
//! `scimgen new --backend typed` scaffolds (`--database postgres` for PostgreSQL).

pub mod condition;
pub mod dialect;

use std::collections::HashSet;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AssertSqlSafe, Connection, Pool, QueryBuilder};

pub use self::condition::{Literal, Op, Place, SortColumn, compare, from_json, id, present, sorted_in_memory, to_json};
use self::dialect::{Binds, Reads};
pub use self::dialect::{Dialect, SqlQuery};
use super::backend::{BackendError, BackendResult, ListQuery, Record, parse_instant};
use super::query::Queryable;

/// How many ids one [`SqlTable::existing_ids`] statement looks up (SQLite limits bound values).
const IDS_PER_STATEMENT: usize = 500;

/// An app's table of resources (see the module docs). The names are the app's, written into
/// SQL as quoted identifiers.
#[derive(Debug, Clone, Copy)]
pub struct SqlTable {
    /// The table.
    pub name: &'static str,
    /// The `INTEGER PRIMARY KEY` (PostgreSQL: a `BIGINT` identity): the resource's id.
    pub id: &'static str,
    /// The tenant (a text column): every statement is limited to the caller's.
    pub tenant: &'static str,
    /// The change counter (`INTEGER NOT NULL DEFAULT 1`; PostgreSQL: `BIGINT`): the version,
    /// bumped by every update.
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

/// `value` as the next placeholder of `sql`.
fn bound<DB: Binds<T>, T>(sql: &mut QueryBuilder<DB>, value: T) -> &mut QueryBuilder<DB> {
    DB::push_bind(sql, value);
    sql
}

/// `query` with `value` bound to its next placeholder.
fn with<DB: Binds<T>, T>(query: SqlQuery<'_, DB>, value: T) -> SqlQuery<'_, DB> {
    DB::bind(query, value)
}

/// The value of `column` in `row`.
fn read<T, R: sqlx::Row<Database: Reads<T>>>(row: &R, column: &str) -> Result<T, sqlx::Error> {
    <R::Database as Reads<T>>::read(row, column)
}

/// `count` placeholders from the `first`, separated by commas.
fn placeholders<DB: Dialect>(first: usize, count: usize) -> Vec<String> {
    (first..first + count).map(DB::placeholder).collect()
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
pub fn json_column<T: DeserializeOwned + Default>(
    row: &impl sqlx::Row<Database: Dialect>,
    column: &str,
) -> BackendResult<T> {
    match read::<Option<String>, _>(row, column)? {
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
    pub fn record(&self, row: &impl sqlx::Row<Database: Dialect>) -> BackendResult<Record> {
        let id: i64 = read(row, self.id)?;
        let version = u64::try_from(read::<i64, _>(row, self.version)?).ok();
        let created: String = read(row, self.created)?;
        let updated: String = read(row, self.updated)?;
        let mut record = Record::new(id.to_string(), version, parse_instant(&created)?);
        record.last_modified = parse_instant(&updated)?;
        Ok(record)
    }

    /// Run the app's `CREATE TABLE IF NOT EXISTS` and add the `columns` (name, definition) it
    /// lacks: the ones SCIM needs that the app did not have.
    pub async fn prepare<DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        create: &str,
        columns: &[(&str, &str)],
    ) -> BackendResult<()> {
        self.prepare_all(pool, &[create], columns).await
    }

    /// [`Self::prepare`] with several statements (`CREATE TABLE IF NOT EXISTS`, then its
    /// `CREATE INDEX IF NOT EXISTS`...), in one transaction; on PostgreSQL under a lock held
    /// for the table, so that server processes starting together on one database do not race.
    pub async fn prepare_all<DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        statements: &[&str],
        columns: &[(&str, &str)],
    ) -> BackendResult<()> {
        let mut connection = pool.acquire().await?;
        let mut transaction = connection.begin().await?;
        if let Some(lock) = DB::PREPARE_LOCK {
            let query = with(sqlx::query(AssertSqlSafe(lock)), self.name.to_owned());
            DB::fetch_all(&mut transaction, query).await?;
        }
        for statement in statements {
            DB::fetch_all(&mut transaction, sqlx::query(AssertSqlSafe(statement.to_string()))).await?;
        }
        let have_query = with(sqlx::query(AssertSqlSafe(DB::COLUMNS_OF)), self.name.to_owned());
        let mut have: Vec<String> = Vec::new();
        for row in DB::fetch_all(&mut transaction, have_query).await? {
            have.push(read::<String, _>(&row, "name")?);
        }
        for (column, definition) in columns.iter().filter(|(c, _)| !have.iter().any(|h| h == c)) {
            let statement = format!("ALTER TABLE {} ADD COLUMN {} {definition}", ident(self.name), ident(column));
            DB::fetch_all(&mut transaction, sqlx::query(AssertSqlSafe(statement))).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Insert a row for `tenant`, with `bind` binding the `written` columns; the row as stored.
    pub async fn insert<'q, DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        tenant: &'q str,
        bind: impl FnOnce(SqlQuery<'q, DB>) -> SqlQuery<'q, DB>,
    ) -> BackendResult<DB::Row> {
        let names: Vec<String> =
            names(self.written).chain([self.tenant, self.created, self.updated]).map(ident).collect();
        let statement = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING {}",
            ident(self.name),
            names.join(", "),
            placeholders::<DB>(1, names.len()).join(", "),
            self.columns()
        );
        let now = crate::store::now_rfc3339();
        let query = bind(sqlx::query(AssertSqlSafe(statement)));
        let query = with(with(with(query, tenant.to_owned()), now.clone()), now);
        Ok(DB::fetch_one(&mut *pool.acquire().await?, query).await?)
    }

    /// The tenant's row with this id ([`BackendError::NotFound`] if none).
    pub async fn fetch<DB: Dialect>(&self, pool: &Pool<DB>, tenant: &str, id: &str) -> BackendResult<DB::Row> {
        let statement = format!(
            "SELECT {} FROM {} WHERE {} = {} AND {} = {}",
            self.columns(),
            ident(self.name),
            ident(self.id),
            DB::placeholder(1),
            ident(self.tenant),
            DB::placeholder(2)
        );
        let query = with(with(sqlx::query(AssertSqlSafe(statement)), row_key(id)?), tenant.to_owned());
        Ok(DB::fetch_one(&mut *pool.acquire().await?, query).await?)
    }

    /// Update the tenant's row with this id, with `bind` binding the `written` columns, bumping
    /// the version; with `expected`, only a row still at that version (else no row:
    /// [`BackendError::NotFound`], which the runtime tells from a missing row).
    pub async fn update<'q, DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        tenant: &'q str,
        id: &str,
        expected: Option<u64>,
        bind: impl FnOnce(SqlQuery<'q, DB>) -> SqlQuery<'q, DB>,
    ) -> BackendResult<DB::Row> {
        let version = ident(self.version);
        let set: Vec<&str> = names(self.written).chain([self.updated]).collect();
        let sets: Vec<String> =
            set.iter().zip(placeholders::<DB>(1, set.len())).map(|(c, p)| format!("{} = {p}", ident(c))).collect();
        let [id_at, tenant_at, expected_at] = [1, 2, 3].map(|i| DB::placeholder(set.len() + i));
        let statement = format!(
            "UPDATE {} SET {}, {version} = {version} + 1 WHERE {} = {id_at} AND {} = {tenant_at} \
             AND {version} = COALESCE({expected_at}, {version}) RETURNING {}",
            ident(self.name),
            sets.join(", "),
            ident(self.id),
            ident(self.tenant),
            self.columns()
        );
        let query = with(bind(sqlx::query(AssertSqlSafe(statement))), crate::store::now_rfc3339());
        let query = with(with(with(query, row_key(id)?), tenant.to_owned()), expected_version(expected));
        Ok(DB::fetch_one(&mut *pool.acquire().await?, query).await?)
    }

    /// Delete the tenant's row with this id; with `expected`, as [`Self::update`].
    pub async fn delete<DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        tenant: &str,
        id: &str,
        expected: Option<u64>,
    ) -> BackendResult<()> {
        let version = ident(self.version);
        let [id_at, tenant_at, expected_at] = [1, 2, 3].map(DB::placeholder);
        let statement = format!(
            "DELETE FROM {} WHERE {} = {id_at} AND {} = {tenant_at} AND {version} = COALESCE({expected_at}, {version}) \
             RETURNING {}",
            ident(self.name),
            ident(self.id),
            ident(self.tenant),
            ident(self.id)
        );
        let query = with(with(sqlx::query(AssertSqlSafe(statement)), row_key(id)?), tenant.to_owned());
        let deleted = DB::fetch_all(&mut *pool.acquire().await?, with(query, expected_version(expected))).await?;
        if deleted.is_empty() { Err(BackendError::NotFound) } else { Ok(()) }
    }

    /// Which of `ids` are the tenant's rows: one `id IN (...)` statement (per 500 ids) on the
    /// primary key, for [`super::backend::Backend::existing_ids`].
    pub async fn existing_ids<DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        tenant: &str,
        ids: &[&str],
    ) -> BackendResult<HashSet<String>> {
        let keys: Vec<i64> = ids.iter().filter_map(|id| row_key(id).ok()).collect();
        let mut found = HashSet::new();
        let mut connection = pool.acquire().await?;
        for chunk in keys.chunks(IDS_PER_STATEMENT) {
            let mut statement = self.ids_statement(tenant, chunk);
            for row in DB::fetch_all(&mut connection, statement.build()).await? {
                found.insert(read::<i64, _>(&row, self.id)?.to_string());
            }
        }
        // The ids as asked: `007` is row 7, but not the id `7` the client knows.
        Ok(ids.iter().filter(|id| found.contains(**id)).map(|id| (*id).to_owned()).collect())
    }

    /// `SELECT id ... WHERE tenant = ? AND id IN (keys)`.
    fn ids_statement<DB: Dialect>(&self, tenant: &str, keys: &[i64]) -> QueryBuilder<DB> {
        // `+tenant` on SQLite: no index on the tenant for this term, so that SQLite looks each
        // id up by the primary key instead of scanning the tenant's rows of a (tenant, ...) index.
        let mut sql =
            QueryBuilder::new(format!("SELECT {} FROM {} WHERE {}", ident(self.id), ident(self.name), DB::BY_KEY_ONLY));
        bound(sql.push(ident(self.tenant)).push(" = "), tenant.to_owned());
        sql.push(format!(" AND {} IN (", ident(self.id)));
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            bound(&mut sql, *key);
        }
        sql.push(")");
        sql
    }

    /// `head FROM table WHERE tenant = ? [AND condition]`: the tenant's rows `filter` selects,
    /// with `condition` writing the typed filter as SQL (binding its literals).
    pub fn select<F, DB: Dialect>(
        &self,
        head: &str,
        tenant: &str,
        filter: Option<&F>,
        condition: impl Fn(&mut QueryBuilder<DB>, &F) -> BackendResult<()>,
    ) -> BackendResult<QueryBuilder<DB>> {
        let mut sql = QueryBuilder::new(format!("{head} FROM {} WHERE {} = ", ident(self.name), ident(self.tenant)));
        bound(&mut sql, tenant.to_owned());
        if let Some(filter) = filter {
            sql.push(" AND (");
            condition(&mut sql, filter)?;
            sql.push(")");
        }
        Ok(sql)
    }

    /// A page of the tenant's rows the query's filter selects, sorted, and how many there are
    /// in all: the page, and a count only when the page does not tell it (a later page, or a
    /// full first one). `condition` writes the typed filter, `sort` names where each sortable
    /// attribute is (see [`condition::order`], which declines what the database would order
    /// otherwise than the runtime: the runtime then sorts in memory). Ties, and lists without a sort, are in creation order (the id).
    pub async fn list<T: Queryable, DB: Dialect>(
        &self,
        pool: &Pool<DB>,
        tenant: &str,
        query: &ListQuery<T>,
        condition: impl Fn(&mut QueryBuilder<DB>, &T::Filter) -> BackendResult<()>,
        sort: impl Fn(T::Sort) -> BackendResult<SortColumn>,
    ) -> BackendResult<(usize, Vec<DB::Row>)> {
        let mut page = self.select(&format!("SELECT {}", self.columns()), tenant, query.filter.as_ref(), &condition)?;
        page.push(" ORDER BY ");
        if let Some((attribute, order)) = query.sort {
            condition::order(&mut page, sort(attribute)?, order)?;
            page.push(", ");
        }
        page.push(ident(self.id));
        match query.sql_limit() {
            limit if limit < 0 => page.push(DB::ALL_ROWS),
            limit => bound(page.push(" LIMIT "), limit),
        };
        bound(page.push(" OFFSET "), query.sql_offset());
        let mut connection = pool.acquire().await?;
        let rows = DB::fetch_all(&mut connection, page.build()).await?;
        // A first page that is not full holds every match, so its length is the total: the page
        // statement alone answers the list, one round trip to the database instead of two
        // (Entra ID's `userName eq "..."` lookup is this case).
        if query.offset() == 0 && query.count.is_none_or(|count| rows.len() < count) {
            return Ok((rows.len(), rows));
        }
        let mut count = self.select("SELECT COUNT(*) AS total", tenant, query.filter.as_ref(), &condition)?;
        let total: i64 = read(&DB::fetch_one(&mut connection, count.build()).await?, "total")?;
        Ok((usize::try_from(total).unwrap_or(0), rows))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Row;
    use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

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
        let statement = TABLE.ids_statement::<sqlx::Sqlite>("acme", &[1, 2, 3]);
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
