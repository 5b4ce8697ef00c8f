//! A SQL statement under construction whose text can only grow by `&'static str` fragments
//! and [`Ident`]s (identifiers derived from schema names): request data can only ever enter as
//! a bound parameter (`?`). This is what makes "no request text is ever spliced into SQL" a
//! property of the types rather than of care.

use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::{AssertSqlSafe, query::Query};

use crate::store::{Ident, Scalar};

/// A parameter value; `None` is SQL `NULL`.
pub(crate) type Param = Option<Scalar>;

#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    pub(crate) fn new(fragment: &'static str) -> Sql {
        Sql { text: fragment.to_owned(), params: Vec::new() }
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
        self.text.push('?');
        self.params.push(param);
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
        self.text.push_str(&other.text);
        self.params.extend(other.params);
        self
    }

    #[cfg(test)]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The statement with its parameters bound.
    pub(crate) fn query(&self) -> Query<'static, Sqlite, SqliteArguments> {
        // Safe by construction: see the module docs.
        let mut query = sqlx::query(AssertSqlSafe(self.text.clone()));
        for param in &self.params {
            query = match param {
                None => query.bind(None::<String>),
                Some(Scalar::Text(text)) => query.bind(text.clone()),
                Some(Scalar::Int(int)) => query.bind(*int),
                Some(Scalar::Real(real)) => query.bind(*real),
            };
        }
        query
    }
}
