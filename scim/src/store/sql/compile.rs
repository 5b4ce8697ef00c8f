//! Compiling a [`ResolvedFilter`] to a SQL condition over the resource table `t`, with every
//! literal a bound parameter.
//!
//! The result must select exactly the resources [`ResolvedFilter::matches`] accepts (the
//! differential tests hold it to that). The evaluator has two-valued logic while SQL has
//! three, so every comparison `c op ?` is written `(c op ? AND c IS NOT NULL)`: a missing value
//! (`NULL`) makes it false, never unknown (`NULL AND FALSE` is false), so `NOT` inverts it as
//! the evaluator does; and SQLite still answers `c op ?` from the index on `c` (it would not
//! look inside a `COALESCE`).
//!
//! | filter | SQL |
//! |---|---|
//! | single-valued `a op v` | `(t."c_a" op ? AND t."c_a" IS NOT NULL)` (the `_lc` column, holding the Unicode lower case, when `a` is not caseExact; the literal is already lower-cased) |
//! | `co`, `sw`, `ew` | `col GLOB ?` (guarded the same way) with `*x*`, `x*`, `*x`, and `*`, `?`, `[` in `x` escaped as `[*]`, `[?]`, `[[]`: GLOB is case-sensitive, unlike SQLite's `LIKE`, which folds ASCII case and would be wrong for caseExact attributes |
//! | `a ne v` | `NOT (a eq v)`: true when no value equals `v`, including when there is none |
//! | multi-valued `emails.value op v` | `t.id IN (SELECT s.id FROM side s WHERE s.tenant = ? AND cmp(s.col))`: uncorrelated, so the side table's `(tenant, col, id)` index drives it |
//! | `emails[f]`, `emails[f].value op v` | the same subquery with `f` compiled over the side row (one element satisfies all of `f`) |
//! | `a pr` | strings: `col <> ''`; others `col IS NOT NULL`; complex: the presence column |
//! | `name[f]` (single-valued complex) | `(presence IS NOT NULL AND f)` over the promoted sub-attribute columns |
//! | users' computed `groups.value eq g` | `EXISTS (SELECT 1 FROM members m WHERE m.tenant = t.tenant AND m.c_value = t.id AND lower(m.id) = ?)`, read through the members table's index by member; `m.id IN (...)` of the ids folded in Rust where SQL's `lower` would differ (see [`crate::store::membership`]) |
//! | dateTime | normalised UTC text with nanoseconds, compared as text (same order as the instants) |
//!
//! A path that is not indexed cannot be compiled: `400 invalidFilter` naming it (the server
//! checks filters against the filter support table first, so this is a safety net).

use crate::error::{ScimError, ScimResult};
use crate::filter::{CompareOp, Number, Operand, PathScope, ResolvedFilter, ResolvedPath};
use crate::schema::{AttrOwner, AttributeType, ResolvedAttr};
use crate::store::membership::{self, Term};
use crate::store::{IndexedShape, ResourceKind, Scalar, format_instant};

use super::builder::Sql;
use super::{GroupIds, Ident, MembershipScope, SideTable, SqlColumn, SqlScope};

/// The identifier of `t.id`.
pub(crate) fn id_column() -> Ident {
    Ident::derive("", "id")
}

/// Where the SQL dialects of the stores differ in a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `co`/`sw`/`ew` as `GLOB` (case-sensitive; SQLite's `LIKE` folds ASCII case).
    Sqlite,
    /// `co`/`sw`/`ew` as `LIKE ... ESCAPE` (case-sensitive in PostgreSQL).
    Postgres,
}

/// Compile `filter` to a condition on `t`, written onto the end of `sql` (a statement's text
/// grows in one buffer rather than being built in parts and copied together).
pub(crate) fn compile_onto(
    sql: &mut Sql,
    scope: SqlScope<'_>,
    filter: &ResolvedFilter<'_>,
    dialect: Dialect,
) -> ScimResult<()> {
    let mut compiler = Compiler { scope, dialect, sql: std::mem::take(sql) };
    let compiled = compiler.filter(filter);
    *sql = compiler.sql;
    compiled
}

struct Compiler<'k> {
    scope: SqlScope<'k>,
    dialect: Dialect,
    sql: Sql,
}

fn is_id(attr: &ResolvedAttr<'_>) -> bool {
    attr.owner == AttrOwner::Common && attr.attribute.name == "id" && attr.sub_attribute.is_none()
}

/// The table alias holding an indexed attribute's column.
fn alias(attr: &SqlColumn) -> &'static str {
    match attr.shape {
        IndexedShape::Single | IndexedShape::SingleComplex => "t",
        IndexedShape::Element | IndexedShape::Multi => "s",
    }
}

impl<'k> Compiler<'k> {
    fn filter(&mut self, filter: &ResolvedFilter<'_>) -> ScimResult<()> {
        if let Some(members) = self.scope.memberships
            && names_groups_here(filter)
        {
            return self.membership(members, filter);
        }
        match filter {
            ResolvedFilter::Compare { path, op: CompareOp::Ne, value } => {
                self.sql.push("NOT (");
                self.compare(path, CompareOp::Eq, value)?;
                self.sql.push(")");
            }
            ResolvedFilter::Compare { path, op, value } => self.compare(path, *op, value)?,
            ResolvedFilter::Present(path) => self.present(path)?,
            ResolvedFilter::And(a, b) => self.binary(a, " AND ", b)?,
            ResolvedFilter::Or(a, b) => self.binary(a, " OR ", b)?,
            ResolvedFilter::Not(inner) => {
                self.sql.push("NOT (");
                self.filter(inner)?;
                self.sql.push(")");
            }
            ResolvedFilter::ValuePath { path, filter } => self.value_path(path, filter)?,
        }
        Ok(())
    }

    /// A test on users' computed `groups` (see [`crate::store::membership`]):
    /// `EXISTS (SELECT 1 FROM members m WHERE m.tenant = t.tenant AND m.c_value = t.id AND
    /// test(m.id))`, correlated on the member so that the members table's index by member
    /// ([`super::members::by_member_index`]) answers it; `ne` is `NOT` of that.
    fn membership(&mut self, members: MembershipScope<'_>, leaf: &ResolvedFilter<'_>) -> ScimResult<()> {
        match membership::term(leaf)? {
            Term::Member(test) => self.member_of(members, test, false),
            Term::NotMember(test) => {
                self.sql.push("NOT (");
                self.member_of(members, Some(test), true)?;
                self.sql.push(")");
                Ok(())
            }
        }
    }

    /// `EXISTS (...)` for some membership row passing `test` (`as_eq`: its `ne` read as `eq`).
    fn member_of(
        &mut self,
        members: MembershipScope<'_>,
        test: Option<&ResolvedFilter<'_>>,
        as_eq: bool,
    ) -> ScimResult<()> {
        self.sql.push("EXISTS (SELECT 1 FROM ").ident(&members.members.table);
        self.sql.push(" m WHERE m.\"tenant\" = t.\"tenant\" AND m.\"c_value\" = t.\"id\"");
        if let Some(test) = test {
            self.sql.push(" AND (");
            self.member_test(members.folded, test, as_eq)?;
            self.sql.push(")");
        }
        self.sql.push(")");
        Ok(())
    }

    /// A test on one membership row's group id (`m.id`): `value` with `eq`, `ne`, `pr`, joined
    /// by `and`, `or`, `not` ([`membership::term`] has checked the form).
    fn member_test(&mut self, folded: &GroupIds, test: &ResolvedFilter<'_>, as_eq: bool) -> ScimResult<()> {
        match test {
            ResolvedFilter::Compare { op: CompareOp::Eq, value, .. } => self.group_id_equals(folded, value),
            ResolvedFilter::Compare { op: CompareOp::Ne, value, .. } if as_eq => self.group_id_equals(folded, value),
            ResolvedFilter::Compare { op: CompareOp::Ne, value, .. } => {
                self.sql.push("NOT (");
                self.group_id_equals(folded, value)?;
                self.sql.push(")");
                Ok(())
            }
            ResolvedFilter::Present(_) => {
                self.sql.push("m.\"id\" <> ''");
                Ok(())
            }
            ResolvedFilter::And(a, b) | ResolvedFilter::Or(a, b) => {
                let op = if matches!(test, ResolvedFilter::And(..)) { " AND " } else { " OR " };
                self.sql.push("(");
                self.member_test(folded, a, false)?;
                self.sql.push(op);
                self.member_test(folded, b, false)?;
                self.sql.push(")");
                Ok(())
            }
            ResolvedFilter::Not(inner) => {
                self.sql.push("NOT (");
                self.member_test(folded, inner, false)?;
                self.sql.push(")");
                Ok(())
            }
            other => Err(ScimError::internal(format!("an unchecked test on groups reached SQL: {other:?}"))),
        }
    }

    /// Whether the row's group id equals the literal: `m.id = ?` when ids are caseExact; else
    /// (`groups.value` is not caseExact in the core schema, and the literal is already
    /// lower-cased) `lower(m.id) = ?` where SQL's `lower` agrees with the evaluator's
    /// ([`membership::sql_lower_is_exact`]: UUIDs, every id this server makes), and otherwise
    /// `m.id IN (...)` over the tenant's ids that the store folded in Rust (`FALSE` for none).
    fn group_id_equals(&mut self, folded: &GroupIds, value: &Operand) -> ScimResult<()> {
        let Operand::String { text, case_exact } = value else {
            return Err(ScimError::invalid_filter("filter: `groups.value` is compared with a string"));
        };
        if *case_exact {
            self.sql.push("m.\"id\" = ").bind_text(text);
        } else if membership::sql_lower_is_exact(text) {
            self.sql.push("lower(m.\"id\") = ").bind_text(text);
        } else {
            let ids = folded
                .get(text.as_str())
                .ok_or_else(|| ScimError::internal("a group id literal reached SQL without the ids it names"))?;
            if ids.is_empty() {
                self.sql.push("FALSE");
            } else {
                self.sql.push("m.\"id\" IN (");
                for (index, id) in ids.iter().enumerate() {
                    if index > 0 {
                        self.sql.push(", ");
                    }
                    self.sql.bind_text(id);
                }
                self.sql.push(")");
            }
        }
        Ok(())
    }

    fn binary(&mut self, a: &ResolvedFilter<'_>, op: &'static str, b: &ResolvedFilter<'_>) -> ScimResult<()> {
        self.sql.push("(");
        self.filter(a)?;
        self.sql.push(op);
        self.filter(b)?;
        self.sql.push(")");
        Ok(())
    }

    fn indexed(&self, path: &ResolvedPath<'_>) -> ScimResult<&'k SqlColumn> {
        self.scope.plan.indexed_attr(&path.attr).ok_or_else(|| not_indexed(self.scope.kind, &path.attr))
    }

    fn side(&self, attr: &ResolvedAttr<'_>) -> ScimResult<&'k SideTable> {
        self.scope.plan.side_table(attr).ok_or_else(|| not_indexed(self.scope.kind, attr))
    }

    /// `t.id IN (SELECT s.id FROM side s WHERE s.tenant = ? AND ` ... `)`; `body` fills the dots.
    fn in_side(&mut self, side: &SideTable, body: impl FnOnce(&mut Self) -> ScimResult<()>) -> ScimResult<()> {
        self.sql.push("t.\"id\" IN (SELECT s.\"id\" FROM ").ident(&side.table).push(" s WHERE s.\"tenant\" = ");
        self.sql.bind_text(self.scope.tenant).push(" AND ");
        body(self)?;
        self.sql.push(")");
        Ok(())
    }

    /// The element filter of `emails[type eq "work"].value`, followed by ` AND `.
    fn element_filter(&mut self, path: &ResolvedPath<'_>) -> ScimResult<()> {
        if let Some(filter) = &path.element_filter {
            self.sql.push("(");
            self.filter(filter)?;
            self.sql.push(") AND ");
        }
        Ok(())
    }

    fn compare(&mut self, path: &ResolvedPath<'_>, op: CompareOp, value: &Operand) -> ScimResult<()> {
        if path.scope == PathScope::Resource && is_id(&path.attr) {
            return comparison(&mut self.sql, self.dialect, "t", &id_column(), op, value);
        }
        let attr = self.indexed(path)?;
        let column = match value {
            Operand::String { case_exact: false, .. } => attr.lc_column.as_ref().ok_or_else(|| {
                ScimError::internal(format!("`{}` folds case but has no lower-cased column", attr.path))
            })?,
            _ => &attr.column,
        };
        match (path.scope, attr.shape) {
            (PathScope::Element, _) | (PathScope::Resource, IndexedShape::Single) => {
                if path.element_filter.is_some() {
                    self.sql.push("(");
                    self.element_filter(path)?;
                    comparison(&mut self.sql, self.dialect, alias(attr), column, op, value)?;
                    self.sql.push(")");
                    Ok(())
                } else {
                    comparison(&mut self.sql, self.dialect, alias(attr), column, op, value)
                }
            }
            (PathScope::Resource, IndexedShape::Element) => {
                let side = self.side(&path.attr)?;
                self.in_side(side, |this| {
                    this.element_filter(path)?;
                    comparison(&mut this.sql, this.dialect, "s", column, op, value)
                })
            }
            (PathScope::Resource, IndexedShape::SingleComplex | IndexedShape::Multi) => Err(ScimError::invalid_filter(
                format!("filter: `{}` is complex and cannot be compared", path.attr.canonical()),
            )),
        }
    }

    fn present(&mut self, path: &ResolvedPath<'_>) -> ScimResult<()> {
        if path.scope == PathScope::Resource && is_id(&path.attr) {
            self.sql.push("(t.\"id\" <> '')");
            return Ok(());
        }
        let attr = self.indexed(path)?;
        match (path.scope, attr.shape) {
            (PathScope::Element, _) | (PathScope::Resource, IndexedShape::Single | IndexedShape::SingleComplex) => {
                self.sql.push("(");
                self.element_filter(path)?;
                presence(&mut self.sql, attr);
                self.sql.push(")");
                Ok(())
            }
            (PathScope::Resource, IndexedShape::Element | IndexedShape::Multi) => {
                let side = self.side(&path.attr)?;
                self.in_side(side, |this| {
                    this.element_filter(path)?;
                    presence(&mut this.sql, attr);
                    Ok(())
                })
            }
        }
    }

    fn value_path(&mut self, path: &ResolvedPath<'_>, filter: &ResolvedFilter<'_>) -> ScimResult<()> {
        if path.attr.attribute.multi_valued {
            let side = self.side(&path.attr)?;
            return self.in_side(side, |this| {
                this.sql.push("(");
                this.filter(filter)?;
                this.sql.push(")");
                Ok(())
            });
        }
        // A single-valued complex attribute: its one value, if it exists, is the element.
        let attr = self.indexed(path)?;
        if attr.shape != IndexedShape::SingleComplex {
            return Err(not_indexed(self.scope.kind, &path.attr));
        }
        self.sql.push("(").column("t", &attr.column).push(" IS NOT NULL AND (");
        self.filter(filter)?;
        self.sql.push("))");
        Ok(())
    }
}

/// Whether `filter` is a comparison, `pr` or value filter on users' computed `groups`.
fn names_groups_here(filter: &ResolvedFilter<'_>) -> bool {
    match filter {
        ResolvedFilter::Compare { path, .. }
        | ResolvedFilter::Present(path)
        | ResolvedFilter::ValuePath { path, .. } => membership::is_computed_groups(&path.attr),
        _ => false,
    }
}

/// `400 invalidFilter`: the attribute has no index in this store.
fn not_indexed(kind: &ResourceKind, attr: &ResolvedAttr<'_>) -> ScimError {
    ScimError::invalid_filter(format!(
        "filter: `{}` cannot be filtered on: it is not an indexed attribute of {}",
        attr.canonical(),
        kind.name()
    ))
}

/// Whether the attribute's value is present (not absent, not `""`; a complex value having some
/// present member).
fn presence(sql: &mut Sql, attr: &SqlColumn) {
    let alias = alias(attr);
    match (attr.shape, attr.kind) {
        (IndexedShape::SingleComplex | IndexedShape::Multi, _) => {
            sql.push("(")
                .column(alias, &attr.column)
                .push(" = 1 AND ")
                .column(alias, &attr.column)
                .push(" IS NOT NULL)");
        }
        (_, AttributeType::String | AttributeType::Reference | AttributeType::Binary) => {
            sql.push("(")
                .column(alias, &attr.column)
                .push(" <> '' AND ")
                .column(alias, &attr.column)
                .push(" IS NOT NULL)");
        }
        _ => {
            sql.push("(").column(alias, &attr.column).push(" IS NOT NULL)");
        }
    }
}

/// `(alias.column op ? AND alias.column IS NOT NULL)`: never `NULL` (`NULL AND FALSE` is
/// false), and, unlike `COALESCE(...)`, a form SQLite answers from an index on the column.
/// `ne` never reaches here.
fn comparison(
    sql: &mut Sql,
    dialect: Dialect,
    alias: &'static str,
    column: &Ident,
    op: CompareOp,
    value: &Operand,
) -> ScimResult<()> {
    let param = match value {
        Operand::String { text, .. } if op.is_substring() => {
            sql.push("(").column(alias, column);
            match dialect {
                Dialect::Sqlite => sql.push(" GLOB ").bind_text(&glob_pattern(op, text)),
                Dialect::Postgres => sql.push(" LIKE ").bind_text(&like_pattern(op, text)).push(" ESCAPE '\\'"),
            };
            sql.push(" AND ").column(alias, column).push(" IS NOT NULL)");
            return Ok(());
        }
        Operand::String { text, .. } => Scalar::Text(text.clone()),
        Operand::Boolean(b) => Scalar::Int(i64::from(*b)),
        Operand::Number(Number::Integer(i)) => Scalar::Int(*i),
        Operand::Number(Number::Decimal(d)) => Scalar::Real(*d),
        Operand::DateTime(instant) => match format_instant(*instant) {
            Some(text) => Scalar::Text(text),
            // A year outside 0..=9999 is never stored (such values do not index), so nothing
            // equals it; ordering against it is decided by which side of the range it is.
            None => {
                let before_all = instant.year() < 0;
                let matches = match op {
                    CompareOp::Gt | CompareOp::Ge => before_all,
                    CompareOp::Lt | CompareOp::Le => !before_all,
                    _ => false,
                };
                if matches {
                    sql.push("(").column(alias, column).push(" IS NOT NULL)");
                } else {
                    sql.push("FALSE");
                }
                return Ok(());
            }
        },
    };
    let operator = match op {
        CompareOp::Eq => " = ",
        CompareOp::Gt => " > ",
        CompareOp::Ge => " >= ",
        CompareOp::Lt => " < ",
        CompareOp::Le => " <= ",
        CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            return Err(ScimError::internal(format!("`{}` reached the SQL comparison", op.as_str())));
        }
    };
    sql.push("(").column(alias, column).push(operator).bind(Some(param));
    sql.push(" AND ").column(alias, column).push(" IS NOT NULL)");
    Ok(())
}

/// A GLOB pattern matching texts that contain, start with or end with `literal`, with GLOB's
/// metacharacters in the literal escaped as one-character classes.
pub(crate) fn glob_pattern(op: CompareOp, literal: &str) -> String {
    let mut escaped = String::with_capacity(literal.len() + 2);
    for c in literal.chars() {
        match c {
            '*' => escaped.push_str("[*]"),
            '?' => escaped.push_str("[?]"),
            '[' => escaped.push_str("[[]"),
            other => escaped.push(other),
        }
    }
    match op {
        CompareOp::Co => format!("*{escaped}*"),
        CompareOp::Sw => format!("{escaped}*"),
        _ => format!("*{escaped}"),
    }
}

/// A `LIKE ... ESCAPE '\'` pattern matching texts that contain, start with or end with
/// `literal`, with `%`, `_` and `\` in the literal escaped.
pub(crate) fn like_pattern(op: CompareOp, literal: &str) -> String {
    let mut escaped = String::with_capacity(literal.len() + 2);
    for c in literal.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    match op {
        CompareOp::Co => format!("%{escaped}%"),
        CompareOp::Sw => format!("{escaped}%"),
        _ => format!("%{escaped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns_escape_metacharacters() {
        assert_eq!(glob_pattern(CompareOp::Co, "a*b?c[d]%_\\"), "*a[*]b[?]c[[]d]%_\\*");
        assert_eq!(glob_pattern(CompareOp::Sw, ""), "*");
        assert_eq!(glob_pattern(CompareOp::Ew, "x"), "*x");
    }

    #[test]
    fn like_patterns_escape_metacharacters() {
        assert_eq!(like_pattern(CompareOp::Co, "a%b_c\\d*"), "%a\\%b\\_c\\\\d*%");
        assert_eq!(like_pattern(CompareOp::Sw, ""), "%");
        assert_eq!(like_pattern(CompareOp::Ew, "x"), "%x");
    }
}
