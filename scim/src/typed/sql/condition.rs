//! Typed filters and sorts as SQLite conditions and `ORDER BY` terms over a table of one row
//! per resource: what a backend's `condition` (the exhaustive match of its generated filter)
//! and its sort mapping call. Column names come from the backend's constants, never from a
//! request; every value from a request is a bound parameter.
//!
//! Semantics are the runtime's in-memory evaluator's (RFC 7644 section 3.4.2.2): a comparison
//! holds when some value of the attribute satisfies it, `ne` is `not eq` (so an absent value is
//! `ne` anything), `pr` needs a value that is not null or empty. Every condition built here is
//! 0 or 1, never NULL, so SQL's `NOT` is SCIM's `not`.
//!
//! What SQL cannot answer exactly is declined with [`BackendError::Unsupported`]; the runtime
//! then filters or sorts in memory (and says so in its log), so a result is never widened,
//! narrowed or misordered:
//! - a case-insensitive comparison with a literal that is not ASCII, except on a key column
//!   ([`Place::Folded`]): SQLite's `NOCASE` and `lower()` fold ASCII letters only, SCIM all of
//!   Unicode; for the same reason a case-insensitive sort, except on a key column;
//! - an ordering comparison or equality on a `dateTime` (kept as RFC 3339 text, which does not
//!   order chronologically across offsets and fractions);
//! - a sort on a multi-valued attribute.

use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use super::ident;
use crate::query::SortOrder;
use crate::typed::ScimValue;
use crate::typed::backend::{BackendError, BackendResult};
use crate::typed::query::OffsetDateTime;

/// Where a value is in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The whole value of a column holding a string, boolean or number.
    Column(&'static str),
    /// The row's integer key (this column) as the SCIM `id`, a string (so `10` sorts before `9`).
    Id(&'static str),
    /// A key column: a string attribute already lower-cased as SCIM folds case (all of
    /// Unicode), compared as it is, so its index serves and no literal needs the fallback.
    Folded(&'static str),
    /// The value at a JSON path (`$.givenName`) of a column holding SCIM JSON.
    Json { column: &'static str, path: &'static str },
    /// Any element of the JSON array at `array` of a column holding SCIM JSON, at `element` in
    /// that element (`$`: the element itself). `emails.value` is `("emails", "$", "$.value")`.
    Each { column: &'static str, array: &'static str, element: &'static str },
}

/// A comparison operator: the filter's own (`ne` is built as `not eq`).
pub use crate::filter::CompareOp as Op;

/// A filter literal, as the generated test variants carry it.
#[derive(Debug, Clone, Copy)]
pub enum Literal<'a> {
    /// A string (reference, binary): already lower-cased when not `case_exact`.
    Text {
        value: &'a str,
        case_exact: bool,
    },
    Boolean(bool),
    Integer(i64),
    Decimal(f64),
    DateTime(&'a OffsetDateTime),
}

/// Where a sortable attribute's value is in a row, and whether its strings compare
/// case-sensitively: what a backend maps each variant of its generated sort to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortColumn {
    /// The single value sorted by.
    pub place: Place,
    /// Strings compare as they are (`caseExact`, ids, key columns), not lower-cased.
    pub case_exact: bool,
}

/// `place op literal` as a condition.
pub fn compare(sql: &mut QueryBuilder<Sqlite>, place: Place, op: Op, literal: Literal<'_>) -> BackendResult<()> {
    if op == Op::Ne {
        sql.push("NOT ");
        return compare(sql, place, Op::Eq, literal);
    }
    // Fold in SQL (ASCII only) unless the place holds the value folded already.
    let folded = matches!(literal, Literal::Text { case_exact: false, .. }) && !matches!(place, Place::Folded(_));
    match literal {
        Literal::Text { value, .. } if folded && !value.is_ascii() => {
            return Err(BackendError::Unsupported(format!("a case-insensitive comparison with `{value}`")));
        }
        Literal::DateTime(_) => return Err(BackendError::Unsupported("a dateTime comparison".into())),
        // SCIM compares booleans with `eq` only; anything else holds for no value.
        Literal::Boolean(_) if op != Op::Eq => {
            sql.push("0");
            return Ok(());
        }
        _ => {}
    }
    holds(sql, place, |sql, value| {
        // The value is compared lower-cased (`lower()`) when SCIM folds case; `value` pushes it.
        let text = |sql: &mut QueryBuilder<Sqlite>| {
            if folded {
                sql.push("lower(");
                value(sql);
                sql.push(")");
            } else {
                value(sql);
            }
        };
        match op {
            Op::Co => {
                sql.push("instr(");
                text(sql);
                sql.push(", ");
                bind(sql, literal);
                sql.push(") > 0");
            }
            Op::Sw => {
                sql.push("substr(");
                text(sql);
                sql.push(", 1, length(");
                bind(sql, literal);
                sql.push(")) = ");
                bind(sql, literal);
            }
            Op::Ew => {
                sql.push("length(");
                text(sql);
                sql.push(") >= length(");
                bind(sql, literal);
                sql.push(") AND substr(");
                text(sql);
                sql.push(", length(");
                text(sql);
                sql.push(") - length(");
                bind(sql, literal);
                sql.push(") + 1) = ");
                bind(sql, literal);
            }
            Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le => {
                value(sql);
                // NOCASE keeps a case-insensitive column's index usable for Entra's lookups.
                sql.push(if folded { " COLLATE NOCASE " } else { " " });
                sql.push(match op {
                    Op::Gt => "> ",
                    Op::Ge => ">= ",
                    Op::Lt => "< ",
                    Op::Le => "<= ",
                    _ => "= ",
                });
                bind(sql, literal);
            }
        }
    });
    Ok(())
}

/// `place pr`: some value that is not null or an empty string.
pub fn present(sql: &mut QueryBuilder<Sqlite>, place: Place) {
    holds(sql, place, |sql, value| {
        value(sql);
        sql.push(" <> ''");
    });
}

/// The resource id, the table's integer key `column`, compared with `id`: only `eq` and `ne`.
pub fn id(sql: &mut QueryBuilder<Sqlite>, column: &str, op: Op, id: &str) -> BackendResult<()> {
    let negated = match op {
        Op::Eq => false,
        Op::Ne => true,
        _ => return Err(BackendError::Unsupported(format!("{op:?} on id"))),
    };
    if negated {
        sql.push("NOT ");
    }
    match id.parse::<i64>() {
        Ok(key) => sql.push(format!("({} = ", ident(column))).push_bind(key).push(")"),
        // Not an integer: no row has it.
        Err(_) => sql.push("(0)"),
    };
    Ok(())
}

/// `ORDER BY` terms for a sort on `column`: missing values last when ascending and first when
/// descending (RFC 7644 section 3.4.2.3, as the runtime sorts), then the values. The caller
/// adds the creation-order tie-break. Declined (see the module docs) where SQLite would order
/// otherwise than the runtime: case-insensitive strings outside a key column (SQLite folds
/// ASCII only) and multi-valued places.
pub fn order(sql: &mut QueryBuilder<Sqlite>, column: SortColumn, order: SortOrder) -> BackendResult<()> {
    let SortColumn { place, case_exact } = column;
    if matches!(place, Place::Each { .. }) {
        return Err(BackendError::Unsupported("a sort on a multi-valued attribute".into()));
    }
    if !case_exact && !matches!(place, Place::Folded(_)) {
        return Err(BackendError::Unsupported("a case-insensitive sort outside a key column".into()));
    }
    let direction = if order == SortOrder::Descending { " DESC" } else { " ASC" };
    sql.push("(");
    value_at(sql, place);
    sql.push(" IS NULL)").push(direction).push(", ");
    value_at(sql, place);
    sql.push(direction);
    Ok(())
}

/// The sort mapping of a backend that leaves every sort to the runtime (which then sorts in
/// memory, and says so in its log): for [`super::SqlTable::list`]'s `sort`.
pub fn sorted_in_memory<S: std::fmt::Debug>(sort: S) -> BackendResult<SortColumn> {
    Err(BackendError::Unsupported(format!("a sort by {sort:?}")))
}

/// `(value IS NOT NULL AND test)` for a single value, `EXISTS (...)` over an array's elements:
/// 0 or 1, never NULL. `test` pushes its condition, given a function that pushes the value.
fn holds(
    sql: &mut QueryBuilder<Sqlite>,
    place: Place,
    test: impl FnOnce(&mut QueryBuilder<Sqlite>, &dyn Fn(&mut QueryBuilder<Sqlite>)),
) {
    match place {
        Place::Column(_) | Place::Folded(_) | Place::Id(_) | Place::Json { .. } => {
            sql.push("(");
            value_at(sql, place);
            sql.push(" IS NOT NULL AND ");
            test(sql, &|sql| value_at(sql, place));
            sql.push(")");
        }
        Place::Each { column, array, element } => {
            sql.push(format!("EXISTS (SELECT 1 FROM json_each({}, ", ident(column)));
            sql.push_bind(array).push(") AS element WHERE ");
            let value = |sql: &mut QueryBuilder<Sqlite>| {
                if element == "$" {
                    sql.push("element.value");
                } else {
                    sql.push("json_extract(element.value, ").push_bind(element).push(")");
                }
            };
            value(sql);
            sql.push(" IS NOT NULL AND ");
            test(sql, &value);
            sql.push(")");
        }
    }
}

/// The single value at `place` (not for [`Place::Each`], which callers handle).
fn value_at(sql: &mut QueryBuilder<Sqlite>, place: Place) {
    match place {
        Place::Column(column) | Place::Folded(column) => sql.push(ident(column)),
        Place::Id(column) => sql.push(format!("CAST({} AS TEXT)", ident(column))),
        Place::Json { column, path } => sql.push(format!("json_extract({}, ", ident(column))).push_bind(path).push(")"),
        Place::Each { .. } => sql.push("NULL"),
    };
}

fn bind(sql: &mut QueryBuilder<Sqlite>, literal: Literal<'_>) {
    match literal {
        Literal::Text { value, .. } => sql.push_bind(value.to_owned()),
        Literal::Boolean(value) => sql.push_bind(value),
        Literal::Integer(value) => sql.push_bind(value),
        Literal::Decimal(value) => sql.push_bind(value),
        Literal::DateTime(value) => sql.push_bind(value.to_string()),
    };
}

/// A field kept as its SCIM JSON value in a text column (NULL when absent).
pub fn to_json<T: ScimValue>(value: &T) -> Option<String> {
    value.to_scim_value().map(|value| value.to_string())
}

/// A field read back from its SCIM JSON column.
pub fn from_json<T: ScimValue>(row: &SqliteRow, column: &str) -> BackendResult<T> {
    let text: Option<String> = row.try_get(column)?;
    let value: Option<Value> = text
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| BackendError::Storage(format!("column {column} does not hold JSON: {e}").into()))?;
    T::from_scim_value(value.as_ref())
        .map_err(|e| BackendError::Storage(format!("column {column} holds an invalid value: {e}").into()))
}
