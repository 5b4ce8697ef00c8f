//! Typed filters and sorts as SQL conditions and `ORDER BY` terms (SQLite's, or PostgreSQL's:
//! see [`super::dialect`]) over a table of one row per resource: what a backend's `condition` (the exhaustive match of its generated filter)
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
//!   Unicode (PostgreSQL's `lower()` folds as its locale says); for the same reason a
//!   case-insensitive sort, except on a key column;
//! - an ordering comparison or equality on a `dateTime` (kept as RFC 3339 text, which does not
//!   order chronologically across offsets and fractions);
//! - a sort on a multi-valued attribute, and on PostgreSQL a sort on a value kept as JSON.
//!
//! On PostgreSQL, strings compared by order are compared `COLLATE "C"` (by code point, as the
//! runtime compares them), and JSON values are read as the literal's type (a JSON value of
//! another type is no value, as in the runtime's evaluator).

use serde_json::Value;
use sqlx::QueryBuilder;

use super::dialect::{Dialect, JsonAt, ValueKind};
use super::{bound, ident};
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
pub fn compare<DB: Dialect>(
    sql: &mut QueryBuilder<DB>,
    place: Place,
    op: Op,
    literal: Literal<'_>,
) -> BackendResult<()> {
    if op == Op::Ne {
        sql.push("NOT ");
        return compare(sql, place, Op::Eq, literal);
    }
    // Fold in SQL (ASCII only) unless the place holds the value folded already.
    let folded = matches!(literal, Literal::Text { case_exact: false, .. }) && !matches!(place, Place::Folded(_));
    let kind = match literal {
        Literal::Text { value, .. } if folded && !value.is_ascii() => {
            return Err(BackendError::Unsupported(format!("a case-insensitive comparison with `{value}`")));
        }
        Literal::DateTime(_) => return Err(BackendError::Unsupported("a dateTime comparison".into())),
        // SCIM compares booleans with `eq` only; anything else holds for no value.
        Literal::Boolean(_) if op != Op::Eq => {
            sql.push(DB::FALSE);
            return Ok(());
        }
        Literal::Boolean(_) => ValueKind::Boolean,
        Literal::Integer(_) | Literal::Decimal(_) => ValueKind::Number,
        Literal::Text { .. } => ValueKind::Text,
    };
    holds(sql, place, kind, |sql, value| {
        // The value is compared lower-cased (`lower()`) when SCIM folds case; `value` pushes it.
        let text = |sql: &mut QueryBuilder<DB>| {
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
                sql.push(DB::POSITION).push("(");
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
                // A NOCASE collation keeps a case-insensitive column's index usable for Entra's
                // lookups; without one, the value is lower-cased.
                match DB::NOCASE.filter(|_| folded) {
                    Some(nocase) => {
                        value(sql);
                        sql.push(nocase);
                    }
                    None => {
                        text(sql);
                        sql.push(" ");
                    }
                }
                if op != Op::Eq && kind == ValueKind::Text {
                    sql.push(DB::BINARY_ORDER);
                }
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
pub fn present<DB: Dialect>(sql: &mut QueryBuilder<DB>, place: Place) {
    holds(sql, place, ValueKind::Any, |sql, value| {
        value(sql);
        sql.push(" <> ''");
    });
}

/// The resource id, the table's integer key `column`, compared with `id`: only `eq` and `ne`.
pub fn id<DB: Dialect>(sql: &mut QueryBuilder<DB>, column: &str, op: Op, id: &str) -> BackendResult<()> {
    let negated = match op {
        Op::Eq => false,
        Op::Ne => true,
        _ => return Err(BackendError::Unsupported(format!("{op:?} on id"))),
    };
    if negated {
        sql.push("NOT ");
    }
    match id.parse::<i64>() {
        Ok(key) => bound(sql.push(format!("({} = ", ident(column))), key).push(")"),
        // Not an integer: no row has it.
        Err(_) => sql.push("(").push(DB::FALSE).push(")"),
    };
    Ok(())
}

/// `ORDER BY` terms for a sort on `column`: missing values last when ascending and first when
/// descending (RFC 7644 section 3.4.2.3, as the runtime sorts), then the values. The caller
/// adds the creation-order tie-break. Declined (see the module docs) where the database would
/// order otherwise than the runtime: case-insensitive strings outside a key column (SQLite
/// folds ASCII only), multi-valued places, and on PostgreSQL JSON values (whose type is known
/// per row only). A column's strings order by its collation: give text columns `COLLATE "C"` on
/// a PostgreSQL whose default collation is another (as the scaffold does), so that they order
/// by code point as the runtime does.
pub fn order<DB: Dialect>(sql: &mut QueryBuilder<DB>, column: SortColumn, order: SortOrder) -> BackendResult<()> {
    let SortColumn { place, case_exact } = column;
    if matches!(place, Place::Each { .. }) {
        return Err(BackendError::Unsupported("a sort on a multi-valued attribute".into()));
    }
    if !case_exact && !matches!(place, Place::Folded(_)) {
        return Err(BackendError::Unsupported("a case-insensitive sort outside a key column".into()));
    }
    if matches!(place, Place::Json { .. }) && !DB::SORTS_JSON {
        return Err(BackendError::Unsupported("a sort on a value kept as JSON".into()));
    }
    let direction = if order == SortOrder::Descending { " DESC" } else { " ASC" };
    sql.push("(");
    value_at(sql, place, ValueKind::Any);
    sql.push(" IS NULL)").push(direction).push(", ");
    value_at(sql, place, ValueKind::Any);
    if matches!(place, Place::Id(_)) && !DB::BINARY_ORDER.is_empty() {
        sql.push(" ").push(DB::BINARY_ORDER.trim_end());
    }
    sql.push(direction);
    Ok(())
}

/// The sort mapping of a backend that leaves every sort to the runtime (which then sorts in
/// memory, and says so in its log): for [`super::SqlTable::list`]'s `sort`.
pub fn sorted_in_memory<S: std::fmt::Debug>(sort: S) -> BackendResult<SortColumn> {
    Err(BackendError::Unsupported(format!("a sort by {sort:?}")))
}

/// `(value IS NOT NULL AND test)` for a single value, `EXISTS (...)` over an array's elements:
/// 0 or 1, never NULL. `test` pushes its condition, given a function that pushes the value
/// (read as `kind`).
fn holds<DB: Dialect>(
    sql: &mut QueryBuilder<DB>,
    place: Place,
    kind: ValueKind,
    test: impl FnOnce(&mut QueryBuilder<DB>, &dyn Fn(&mut QueryBuilder<DB>)),
) {
    match place {
        Place::Column(_) | Place::Folded(_) | Place::Id(_) | Place::Json { .. } => {
            sql.push("(");
            value_at(sql, place, kind);
            sql.push(" IS NOT NULL AND ");
            test(sql, &|sql| value_at(sql, place, kind));
            sql.push(")");
        }
        Place::Each { column, array, element } => {
            sql.push("EXISTS (SELECT 1 FROM ");
            DB::json_elements(sql, column, array);
            sql.push(" WHERE ");
            let value = |sql: &mut QueryBuilder<DB>| DB::json_value(sql, JsonAt::Element { path: element }, kind);
            value(sql);
            sql.push(" IS NOT NULL AND ");
            test(sql, &value);
            sql.push(")");
        }
    }
}

/// The single value at `place`, read as `kind` (not for [`Place::Each`], which callers handle).
fn value_at<DB: Dialect>(sql: &mut QueryBuilder<DB>, place: Place, kind: ValueKind) {
    match place {
        Place::Column(column) | Place::Folded(column) => DB::column_value(sql, column, kind),
        Place::Id(column) => {
            sql.push(format!("CAST({} AS TEXT)", ident(column)));
        }
        Place::Json { column, path } => DB::json_value(sql, JsonAt::Column { column, path }, kind),
        Place::Each { .. } => {
            sql.push("NULL");
        }
    }
}

fn bind<DB: Dialect>(sql: &mut QueryBuilder<DB>, literal: Literal<'_>) {
    match literal {
        Literal::Text { value, .. } => bound(sql, value.to_owned()),
        Literal::Boolean(value) => bound(sql, value),
        Literal::Integer(value) => bound(sql, value),
        Literal::Decimal(value) => bound(sql, value),
        Literal::DateTime(value) => bound(sql, value.to_string()),
    };
}

/// A field kept as its SCIM JSON value in a text column (NULL when absent).
pub fn to_json<T: ScimValue>(value: &T) -> Option<String> {
    value.to_scim_value().map(|value| value.to_string())
}

/// A field read back from its SCIM JSON column.
pub fn from_json<T: ScimValue>(row: &impl sqlx::Row<Database: Dialect>, column: &str) -> BackendResult<T> {
    let text: Option<String> = super::read(row, column)?;
    let value: Option<Value> = text
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| BackendError::Storage(format!("column {column} does not hold JSON: {e}").into()))?;
    T::from_scim_value(value.as_ref())
        .map_err(|e| BackendError::Storage(format!("column {column} holds an invalid value: {e}").into()))
}
