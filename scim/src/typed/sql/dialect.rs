//! What [`super::SqlTable`] and [`super::condition`] need of a database, so that one generic
//! implementation serves SQLite and PostgreSQL (feature `postgres`): the SQL text that differs
//! ([`Dialect`]: placeholders, functions, collations, JSON access, the column list of a table)
//! and the typed operations sqlx offers for each driver (binding, reading and running), which
//! [`Binds`], [`Reads`] and [`Runs`] lift to any database whose driver has them, so that the
//! generic code needs no bounds beyond `DB: Dialect`.

use std::future::Future;

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Sqlite, Type};

use super::ident;

/// A statement with bound values, as [`super::SqlTable::insert`] and [`super::SqlTable::update`]
/// hand it to the backend to bind its columns (SQLite's by default).
pub type SqlQuery<'q, DB = Sqlite> = sqlx::query::Query<'q, DB, <DB as Database>::Arguments>;

/// Values of type `T` can be bound in `Self`'s statements.
pub trait Binds<T>: Database {
    /// `value` as the next placeholder of `sql`.
    fn push_bind(sql: &mut QueryBuilder<Self>, value: T);
    /// `value` bound to the next placeholder of `query`.
    fn bind(query: SqlQuery<'_, Self>, value: T) -> SqlQuery<'_, Self>;
}

impl<DB: Database, T> Binds<T> for DB
where
    T: for<'t> Encode<'t, DB> + Type<DB>,
{
    fn push_bind(sql: &mut QueryBuilder<Self>, value: T) {
        sql.push_bind(value);
    }

    fn bind(query: SqlQuery<'_, Self>, value: T) -> SqlQuery<'_, Self> {
        query.bind(value)
    }
}

/// Columns of `Self`'s rows can be read as `T`.
pub trait Reads<T>: Database {
    /// The value of `column` in `row`.
    fn read(row: &Self::Row, column: &str) -> Result<T, sqlx::Error>;
}

impl<DB: Database, T> Reads<T> for DB
where
    T: for<'r> Decode<'r, DB> + Type<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
{
    fn read(row: &Self::Row, column: &str) -> Result<T, sqlx::Error> {
        sqlx::Row::try_get(row, column)
    }
}

/// Statements run on one of `Self`'s connections.
pub trait Runs: Database {
    /// The one row the statement gives ([`sqlx::Error::RowNotFound`] if none).
    fn fetch_one<'e>(
        connection: &'e mut Self::Connection,
        query: SqlQuery<'e, Self>,
    ) -> impl Future<Output = Result<Self::Row, sqlx::Error>> + Send + 'e;
    /// Every row the statement gives.
    fn fetch_all<'e>(
        connection: &'e mut Self::Connection,
        query: SqlQuery<'e, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'e;
}

impl<DB: Database> Runs for DB
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
{
    fn fetch_one<'e>(
        connection: &'e mut Self::Connection,
        query: SqlQuery<'e, Self>,
    ) -> impl Future<Output = Result<Self::Row, sqlx::Error>> + Send + 'e {
        connection.fetch_one(query)
    }

    fn fetch_all<'e>(
        connection: &'e mut Self::Connection,
        query: SqlQuery<'e, Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send + 'e {
        connection.fetch_all(query)
    }
}

/// How a comparison reads a value: SQLite's values carry their own type, PostgreSQL's JSON
/// values are read as the SQL type of the literal they are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A string (a JSON value of another type is no value).
    Text,
    /// A number.
    Number,
    /// A boolean.
    Boolean,
    /// Any non-null value, as text (for `pr`).
    Any,
}

/// Where a JSON value is: at a JSON path of a column holding JSON, or of the current element of
/// a multi-valued attribute's array (`$`: the element itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonAt {
    Column { column: &'static str, path: &'static str },
    Element { path: &'static str },
}

/// A database [`super::SqlTable`] writes statements for: SQLite, and PostgreSQL with the
/// feature `postgres`. Sealed: its SQL is tested against each.
pub trait Dialect:
    Runs
    + Binds<String>
    + Binds<i64>
    + Binds<Option<i64>>
    + Binds<bool>
    + Binds<f64>
    + Reads<i64>
    + Reads<String>
    + Reads<Option<String>>
    + private::Sealed
{
    /// SQL's false, as a condition.
    const FALSE: &'static str;
    /// The function `(haystack, needle)` giving the 1-based position of `needle`, 0 if absent.
    const POSITION: &'static str;
    /// The collation that compares ASCII letters ignoring case (keeping a column's index usable
    /// for a case-insensitive `eq`), if the database has one; else values are lower-cased.
    const NOCASE: Option<&'static str>;
    /// Put after a text value compared by order or sorted, so that strings order by code point
    /// as the runtime orders them, whatever the database's default collation.
    const BINARY_ORDER: &'static str;
    /// Whether a sort on a JSON value runs in SQL (else it is declined, and the runtime sorts).
    const SORTS_JSON: bool;
    /// Put before the tenant column in [`super::SqlTable::existing_ids`]'s statement, so that
    /// the ids are looked up by the primary key rather than through a `(tenant, ...)` index.
    const BY_KEY_ONLY: &'static str;
    /// `LIMIT` for all rows.
    const ALL_ROWS: &'static str;
    /// A query of the names (a text column `name`) of the columns of the table named by its one
    /// bound value.
    const COLUMNS_OF: &'static str;
    /// A statement, with the table's name bound, that makes the caller's transaction the only one
    /// preparing that table (so that server processes starting together do not race), if needed.
    const PREPARE_LOCK: Option<&'static str>;

    /// The placeholder of the `index`th (1-based) bound value of a statement.
    fn placeholder(index: usize) -> String;
    /// The single value at `at`, read as `kind` (a JSON null, or another type: SQL `NULL`).
    fn json_value(sql: &mut QueryBuilder<Self>, at: JsonAt, kind: ValueKind);
    /// A `FROM` item over the elements of the JSON array at `array` in `column`, as `element`
    /// (whose value [`JsonAt::Element`] reads).
    fn json_elements(sql: &mut QueryBuilder<Self>, column: &str, array: &'static str);
    /// The value of a column read as `kind`.
    fn column_value(sql: &mut QueryBuilder<Self>, column: &str, kind: ValueKind);
}

mod private {
    pub trait Sealed {}
    impl Sealed for sqlx::Sqlite {}
    #[cfg(feature = "postgres")]
    impl Sealed for sqlx::Postgres {}
}

impl Dialect for Sqlite {
    const FALSE: &'static str = "0";
    const POSITION: &'static str = "instr";
    const NOCASE: Option<&'static str> = Some(" COLLATE NOCASE ");
    // SQLite compares text by its bytes (BINARY) unless a column says otherwise.
    const BINARY_ORDER: &'static str = "";
    const SORTS_JSON: bool = true;
    // A unary `+` makes SQLite use no index for the term.
    const BY_KEY_ONLY: &'static str = "+";
    const ALL_ROWS: &'static str = " LIMIT -1";
    const COLUMNS_OF: &'static str = "SELECT name FROM pragma_table_info(?)";
    // SQLite writes one transaction at a time.
    const PREPARE_LOCK: Option<&'static str> = None;

    fn placeholder(_: usize) -> String {
        "?".to_owned()
    }

    fn json_value(sql: &mut QueryBuilder<Self>, at: JsonAt, _: ValueKind) {
        match at {
            JsonAt::Column { column, path } => {
                sql.push(format!("json_extract({}, ", ident(column))).push_bind(path).push(")");
            }
            JsonAt::Element { path: "$" } => {
                sql.push("element.value");
            }
            JsonAt::Element { path } => {
                sql.push("json_extract(element.value, ").push_bind(path).push(")");
            }
        }
    }

    fn json_elements(sql: &mut QueryBuilder<Self>, column: &str, array: &'static str) {
        sql.push(format!("json_each({}, ", ident(column))).push_bind(array).push(") AS element");
    }

    fn column_value(sql: &mut QueryBuilder<Self>, column: &str, _: ValueKind) {
        sql.push(ident(column));
    }
}

/// PostgreSQL: JSON is read through SQL/JSON paths (whose syntax the places' `$."name"` paths
/// share with SQLite's) from the column cast to `jsonb`, so a column may be `jsonb` or text
/// holding JSON; a value is taken only when its JSON type is the literal's.
#[cfg(feature = "postgres")]
impl Dialect for sqlx::Postgres {
    const FALSE: &'static str = "FALSE";
    const POSITION: &'static str = "strpos";
    // PostgreSQL has no such collation: `lower(...)` it is.
    const NOCASE: Option<&'static str> = None;
    const BINARY_ORDER: &'static str = "COLLATE \"C\" ";
    // A JSON value's type is known only per row; the runtime sorts those.
    const SORTS_JSON: bool = false;
    const BY_KEY_ONLY: &'static str = "";
    const ALL_ROWS: &'static str = " LIMIT ALL";
    const COLUMNS_OF: &'static str = "SELECT column_name::text AS name FROM information_schema.columns \
                                      WHERE table_schema = current_schema() AND table_name = $1";
    const PREPARE_LOCK: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(hashtext($1))");

    fn placeholder(index: usize) -> String {
        format!("${index}")
    }

    fn json_value(sql: &mut QueryBuilder<Self>, at: JsonAt, kind: ValueKind) {
        // The JSON value (`jsonb`), pushed twice: once for its type, once for its text.
        let value = |sql: &mut QueryBuilder<Self>| match at {
            JsonAt::Column { column, path } => {
                sql.push(format!("jsonb_path_query_first(CAST({} AS jsonb), CAST(", ident(column)));
                sql.push_bind(path).push(" AS jsonpath))");
            }
            JsonAt::Element { path: "$" } => {
                sql.push("element.value");
            }
            JsonAt::Element { path } => {
                sql.push("jsonb_path_query_first(element.value, CAST(").push_bind(path).push(" AS jsonpath))");
            }
        };
        let (test, read) = match kind {
            ValueKind::Text => ("= 'string'", ("", "")),
            ValueKind::Number => ("= 'number'", ("CAST(", " AS numeric)")),
            ValueKind::Boolean => ("= 'boolean'", ("CAST(", " AS boolean)")),
            ValueKind::Any => ("<> 'null'", ("", "")),
        };
        sql.push("(CASE WHEN jsonb_typeof(");
        value(sql);
        sql.push(format!(") {test} THEN {}(", read.0));
        value(sql);
        sql.push(format!(" #>> '{{}}'){} END)", read.1));
    }

    fn json_elements(sql: &mut QueryBuilder<Self>, column: &str, array: &'static str) {
        // Lax mode: a missing array is no element, as are non-arrays' members.
        sql.push(format!("jsonb_path_query(CAST({} AS jsonb), CAST(", ident(column)));
        sql.push_bind(format!("{array}[*]")).push(" AS jsonpath)) AS element(value)");
    }

    fn column_value(sql: &mut QueryBuilder<Self>, column: &str, kind: ValueKind) {
        if kind == ValueKind::Any {
            // `pr` compares with the empty string, which only text can be.
            sql.push(format!("CAST({} AS TEXT)", ident(column)));
        } else {
            sql.push(ident(column));
        }
    }
}
