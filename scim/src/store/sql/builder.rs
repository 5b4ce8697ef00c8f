//! A SQL statement under construction whose text can only grow by `&'static str` fragments
//! and [`Ident`]s (identifiers derived from schema names): request data can only ever enter as
//! a bound parameter (`?`, numbered `$n` for PostgreSQL). This is what makes "no request text is
//! ever spliced into SQL" a property of the types rather than of care. The fixed fragments never
//! contain a `?` of their own: SQLite reads every `?` of the text as a parameter. (PostgreSQL's
//! numbering goes by the positions recorded as parameters are bound, not by the text.)

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use sqlx::{AssertSqlSafe, query::Query};

use crate::store::{Ident, Scalar};

/// The text capacity a statement starts with.
const STATEMENT_CAPACITY: usize = 640;

/// A parameter value; `None` is SQL `NULL`.
pub(crate) type Param = Option<Scalar>;

#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    text: String,
    /// Each parameter with where its `?` is in `text` (a byte offset), in order, so that
    /// PostgreSQL's numbering replaces exactly those without searching the text.
    params: Vec<(usize, Param)>,
}

impl Sql {
    pub(crate) fn new(fragment: &'static str) -> Sql {
        // Room for a list's page statement (about 500 bytes with a user's groups), so that it
        // is not reallocated as it grows.
        let mut text = String::with_capacity(STATEMENT_CAPACITY);
        text.push_str(fragment);
        Sql { text, params: Vec::with_capacity(4) }
    }

    pub(crate) fn push(&mut self, fragment: &'static str) -> &mut Self {
        self.text.push_str(fragment);
        self
    }

    /// A double-quoted identifier.
    pub(crate) fn ident(&mut self, ident: &Ident) -> &mut Self {
        self.text.push('"');
        self.text.push_str(ident.as_str());
        self.text.push('"');
        self
    }

    /// `alias."column"`.
    pub(crate) fn column(&mut self, alias: &'static str, ident: &Ident) -> &mut Self {
        self.push(alias).push(".").ident(ident)
    }

    /// A `?` bound to `param`.
    pub(crate) fn bind(&mut self, param: Param) -> &mut Self {
        self.params.push((self.text.len(), param));
        self.text.push('?');
        self
    }

    pub(crate) fn bind_text(&mut self, text: &str) -> &mut Self {
        self.bind(Some(Scalar::Text(text.to_owned())))
    }

    /// ` LIMIT n` with `n` written into the text: an integer, so nothing can be injected. Not a
    /// bound `?` because SQLite (3.48 and later) plans a `LIMIT ?` from the bound value and so
    /// marks the statement to be prepared again whenever that parameter is bound, which is on
    /// every execution: half of SQLite's time in a `userName eq` lookup went to re-preparing.
    /// (`OFFSET ?` is not planned from its value and stays bound.)
    pub(crate) fn limit(&mut self, n: i64) -> &mut Self {
        self.text.push_str(" LIMIT ");
        self.text.push_str(&n.to_string());
        self
    }

    pub(crate) fn bind_int(&mut self, value: i64) -> &mut Self {
        self.bind(Some(Scalar::Int(value)))
    }

    /// Append another statement part (its text and parameters).
    pub(crate) fn append(&mut self, other: Sql) -> &mut Self {
        let offset = self.text.len();
        self.text.push_str(&other.text);
        self.params.extend(other.params.into_iter().map(|(mark, param)| (offset + mark, param)));
        self
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The statement with its parameters bound, for SQLite.
    #[cfg(feature = "sqlite")]
    pub(crate) fn query(&self) -> Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
        // Safe by construction: see the module docs.
        let mut query = sqlx::query(AssertSqlSafe(self.text.clone()));
        for (_, param) in &self.params {
            query = match param {
                None => query.bind(None::<&str>),
                // Borrowed: the driver copies what it keeps, so a clone here was a second copy.
                Some(Scalar::Text(text)) => query.bind(text.as_str()),
                Some(Scalar::Int(int)) => query.bind(*int),
                Some(Scalar::Real(real)) => query.bind(*real),
            };
        }
        query
    }

    /// The text for PostgreSQL: each parameter's `?` numbered (`$1`, `$2`, ...), except that a
    /// `NULL` parameter is written as the literal `NULL`: a bound `NULL` has to have a type, and
    /// a text `NULL` cannot go into an integer column. Returns the numbered text and the
    /// non-null parameters in order.
    #[cfg(any(feature = "postgres", test))]
    pub(crate) fn numbered(&self) -> (String, Vec<&Scalar>) {
        let mut text = String::with_capacity(self.text.len() + 2 * self.params.len());
        let mut bound = Vec::with_capacity(self.params.len());
        let mut written = 0;
        for (mark, param) in &self.params {
            text.push_str(&self.text[written..*mark]);
            match param {
                Some(value) => {
                    bound.push(value);
                    text.push('$');
                    crate::message::push_number(&mut text, bound.len());
                }
                None => text.push_str("NULL"),
            }
            written = mark + 1;
        }
        text.push_str(&self.text[written..]);
        (text, bound)
    }

    /// The statement with its parameters bound, for PostgreSQL (see [`Sql::numbered`]).
    #[cfg(feature = "postgres")]
    pub(crate) fn pg_query(&self) -> crate::ScimResult<Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments>> {
        let (text, params) = self.numbered();
        if params.iter().any(|param| matches!(param, Scalar::Text(text) if text.contains('\0'))) {
            return Err(crate::store::postgres_nul_error());
        }
        // Safe by construction: see the module docs.
        let mut query = sqlx::query(AssertSqlSafe(text));
        for param in params {
            query = match param {
                // Borrowed: the driver encodes it into its buffer at once.
                Scalar::Text(text) => query.bind(text.as_str()),
                Scalar::Int(int) => query.bind(*int),
                Scalar::Real(real) => query.bind(*real),
            };
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_text_numbers_parameters_and_writes_nulls() {
        let mut sql = Sql::new("UPDATE t SET a = ");
        sql.bind_text("x").push(", b = ").bind(None).push(" WHERE c = ").bind_int(3);
        let (text, params) = sql.numbered();
        assert_eq!(text, "UPDATE t SET a = $1, b = NULL WHERE c = $2");
        assert_eq!(params, [&Scalar::Text("x".into()), &Scalar::Int(3)]);
    }

    /// Only the parameters' marks are numbered, also across appended parts: a `?` of the text
    /// itself (PostgreSQL's JSONB operator; a fragment only a PostgreSQL statement could have)
    /// stays as written.
    #[test]
    fn postgres_numbering_follows_the_parameters_through_appended_parts() {
        let mut condition = Sql::new(" WHERE doc ? 'meta' AND a = ");
        condition.bind_text("x");
        let mut sql = Sql::new("SELECT b FROM t");
        sql.append(condition).push(" AND b = ").bind_int(2).push(" OR c = ").bind(None);
        let (text, params) = sql.numbered();
        assert_eq!(text, "SELECT b FROM t WHERE doc ? 'meta' AND a = $1 AND b = $2 OR c = NULL");
        assert_eq!(params, [&Scalar::Text("x".into()), &Scalar::Int(2)]);
    }
}
