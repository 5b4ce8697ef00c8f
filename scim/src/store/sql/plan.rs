//! [`SqlPlan`]: how the SQL stores ([`super::super::SqliteStore`], and `PostgresStore`) lay out
//! a [`ResourceKind`]: the resource table, a promoted column (plus a lower-cased copy when
//! strings fold case) per indexed single-valued attribute, and a side table per indexed
//! multi-valued attribute (a group's `members` being one). Built from the kind when it is
//! registered; backends that are not SQL never see it.

use std::fmt;
use std::ops::Deref;

use crate::schema::{AttributeType, ResolvedAttr};
use crate::store::{IndexedAttr, IndexedShape, ResourceKind};

/// A SQL identifier made only of `[a-z0-9_]`, derived from schema names (never from request
/// text). Every table and column name a store writes into SQL is one of these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident(String);

impl Ident {
    /// `prefix` followed by `name` made safe: ASCII letters lower-cased (SQL identifiers are
    /// case-insensitive, and so are SCIM attribute names), digits and `_` kept, anything else
    /// written as `_xx_` (its UTF-8 bytes in hex), so distinct names stay distinct.
    pub fn derive(prefix: &str, name: &str) -> Ident {
        let mut out = String::with_capacity(prefix.len() + name.len());
        for c in prefix.chars().chain(name.chars()) {
            if c.is_ascii_alphanumeric() || c == '_' {
                out.push(c.to_ascii_lowercase());
            } else {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    out.push_str(&format!("_{byte:02x}_"));
                }
            }
        }
        Ident(out)
    }

    /// The identifier, safe to write into SQL (it still gets double quotes there).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn with_suffix(&self, suffix: &str) -> Ident {
        Ident(format!("{}{suffix}", self.0))
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An indexed attribute with the columns holding it.
#[derive(Debug, Clone)]
pub(crate) struct SqlColumn {
    attr: IndexedAttr,
    /// The column holding the value (in the resource table, or in the side table).
    pub column: Ident,
    /// The column holding the lower-cased value, for strings that are not case-exact.
    pub lc_column: Option<Ident>,
}

impl SqlColumn {
    /// The column comparisons use: the lower-cased copy when strings fold case.
    pub fn compare_column(&self) -> &Ident {
        self.lc_column.as_ref().unwrap_or(&self.column)
    }
}

impl Deref for SqlColumn {
    type Target = IndexedAttr;

    fn deref(&self) -> &IndexedAttr {
        &self.attr
    }
}

/// The side table of one multi-valued attribute (`emails`, or a group's `members`).
#[derive(Debug, Clone)]
pub(crate) struct SideTable {
    /// The extension URN holding it, if any.
    pub urn: Option<String>,
    /// Its name in schema spelling.
    pub attribute: String,
    /// The table's name.
    pub table: Ident,
    /// Indexes into [`SqlPlan::indexed`] of the element columns it carries.
    pub columns: Vec<usize>,
    /// Whether this is the membership table (rows are written by member operations, not
    /// derived from the document, which does not hold `members`).
    pub members: bool,
}

/// A resource kind's tables and columns.
#[derive(Debug, Clone)]
pub(crate) struct SqlPlan {
    /// The resource table's name, `scim_` and the endpoint (`scim_users`).
    pub table: Ident,
    /// [`ResourceKind::indexed`], in the same order, with their columns.
    pub indexed: Vec<SqlColumn>,
    /// The side tables of multi-valued indexed attributes.
    pub side_tables: Vec<SideTable>,
    /// [`crate::plain::schema_tag`] of the schema: recorded beside each document found plain.
    pub plain_tag: i64,
    /// The promoted column of a core, single-valued `displayName`, when the kind filters by it:
    /// what a member's `groups` shows of a group is read from it rather than from the document.
    pub display_name: Option<Ident>,
    /// Whether the kind's resources carry the computed `groups`
    /// ([`ResourceKind::carries_computed_groups`]): SQLite keeps their memberships in a column of
    /// their row (see `SqliteStore`'s `kept` module).
    pub carries_groups: bool,
}

impl SqlPlan {
    /// The layout of `kind`.
    pub fn new(kind: &ResourceKind) -> SqlPlan {
        let table = Self::table_of(kind);
        let mut indexed = Vec::with_capacity(kind.indexed.len());
        let mut side_tables: Vec<SideTable> = Vec::new();
        for (index, attr) in kind.indexed.iter().enumerate() {
            // Extension attributes get a prefix derived from their URN so that a core and an
            // extension attribute of the same name never share a column.
            let prefix = match &attr.urn {
                Some(urn) => format!("x{:08x}_", fnv1a(urn.to_ascii_lowercase().as_bytes())),
                None => String::new(),
            };
            let column = match attr.shape {
                IndexedShape::Multi => Ident::derive("", "present"),
                IndexedShape::Element => Ident::derive("c_", attr.sub_attribute.as_deref().unwrap_or("value")),
                IndexedShape::Single | IndexedShape::SingleComplex => Ident::derive(
                    "c_",
                    &format!(
                        "{prefix}{}{}",
                        attr.attribute,
                        attr.sub_attribute.as_ref().map(|s| format!("__{s}")).unwrap_or_default()
                    ),
                ),
            };
            let is_text = matches!(attr.kind, AttributeType::String | AttributeType::Reference | AttributeType::Binary);
            let lc_column =
                (is_text && !attr.case_exact && attr.shape != IndexedShape::Multi).then(|| column.with_suffix("_lc"));
            if matches!(attr.shape, IndexedShape::Element | IndexedShape::Multi) {
                let name = Ident::derive(&format!("{table}__"), &format!("{prefix}{}", attr.attribute));
                let position = match side_tables.iter().position(|s| s.table == name) {
                    Some(position) => position,
                    None => {
                        side_tables.push(SideTable {
                            urn: attr.urn.clone(),
                            attribute: attr.attribute.clone(),
                            table: name,
                            columns: Vec::new(),
                            members: kind.has_members && attr.urn.is_none() && attr.attribute == "members",
                        });
                        side_tables.len() - 1
                    }
                };
                if attr.shape == IndexedShape::Element
                    && let Some(side) = side_tables.get_mut(position)
                {
                    side.columns.push(index);
                }
            }
            indexed.push(SqlColumn { attr: attr.clone(), column, lc_column });
        }
        let display_name = indexed
            .iter()
            .find(|column| {
                column.urn.is_none()
                    && column.attribute == "displayName"
                    && column.sub_attribute.is_none()
                    && column.shape == IndexedShape::Single
            })
            .map(|column| column.column.clone());
        SqlPlan {
            table,
            indexed,
            side_tables,
            plain_tag: crate::plain::schema_tag(&kind.schema),
            display_name,
            carries_groups: kind.carries_computed_groups(),
        }
    }

    /// The resource table of `kind`: `scim_` and its endpoint.
    pub fn table_of(kind: &ResourceKind) -> Ident {
        Ident::derive("scim_", kind.schema.resource_type.endpoint.trim_start_matches('/'))
    }

    /// The indexed attribute a resolved path reaches, if it is indexed.
    pub fn indexed_attr(&self, attr: &ResolvedAttr<'_>) -> Option<&SqlColumn> {
        let urn = attr.extension_urn();
        self.indexed.iter().find(|i| {
            i.urn.as_deref() == urn
                && i.attribute == attr.attribute.name
                && i.sub_attribute.as_deref() == attr.sub_attribute.map(|s| s.name.as_str())
        })
    }

    /// The side table of a multi-valued attribute.
    pub fn side_table(&self, attr: &ResolvedAttr<'_>) -> Option<&SideTable> {
        let urn = attr.extension_urn();
        self.side_tables.iter().find(|s| s.urn.as_deref() == urn && s.attribute == attr.attribute.name)
    }

    /// The side table holding an [`IndexedShape::Element`] or [`IndexedShape::Multi`] attribute.
    pub fn side_table_of(&self, attr: &IndexedAttr) -> Option<&SideTable> {
        self.side_tables.iter().find(|s| s.urn == attr.urn && s.attribute == attr.attribute)
    }

    /// The column of `side` holding the sub-attribute `sub` of its elements.
    pub fn side_table_column(&self, side: &SideTable, sub: &str) -> Option<&SqlColumn> {
        side.columns.iter().filter_map(|&i| self.indexed.get(i)).find(|a| a.sub_attribute.as_deref() == Some(sub))
    }

    /// Each promoted column with the table holding it (the resource table, or a side table).
    pub fn promoted_columns(&self) -> impl Iterator<Item = (&Ident, &SqlColumn)> {
        self.indexed.iter().filter_map(|attr| match attr.shape {
            IndexedShape::Single | IndexedShape::SingleComplex => Some((&self.table, attr)),
            IndexedShape::Multi => None,
            IndexedShape::Element => self.side_table_of(attr).map(|side| (&side.table, attr)),
        })
    }

    /// A description of every column and unique index, which a store records beside the
    /// tables to notice when they must be migrated (after `prefix`, naming the store's own
    /// version of the layout).
    pub fn layout(&self, prefix: &str) -> String {
        let mut out = String::from(prefix);
        for attr in &self.indexed {
            out.push_str(&format!(
                "{}|{:?}|{}|{}|{};",
                attr.path,
                attr.shape,
                attr.column,
                attr.lc_column.as_ref().map(Ident::as_str).unwrap_or_default(),
                attr.unique && attr.unique_index
            ));
        }
        // The members table's index by member came later than the table: naming it here makes
        // a store built before it migrate (once) and create it.
        if let Some(members) = self.members_table() {
            out.push_str(&format!("{}|by_member;", members.table));
        }
        out
    }

    /// `CREATE [UNIQUE] INDEX IF NOT EXISTS` on the compared column of a promoted column
    /// (unique for the schema's uniqueness; side tables add the id, to answer from the index).
    pub fn index_statement(table: &Ident, attr: &SqlColumn) -> super::builder::Sql {
        let compared = attr.compare_column();
        let index = Ident::derive(&format!("{table}__"), &format!("{compared}__idx"));
        let mut sql = super::builder::Sql::new(if attr.unique && attr.unique_index {
            "CREATE UNIQUE INDEX IF NOT EXISTS "
        } else {
            "CREATE INDEX IF NOT EXISTS "
        });
        sql.ident(&index).push(" ON ").ident(table).push(" (\"tenant\", ").ident(compared);
        if attr.shape == IndexedShape::Element {
            sql.push(", \"id\"");
        }
        sql.push(")");
        sql
    }

    /// The members side table of a group.
    pub fn members_table(&self) -> Option<&SideTable> {
        self.side_tables.iter().find(|s| s.members)
    }
}

/// FNV-1a, 32 bits: a stable short tag for an extension URN in column names.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::builtin;

    #[test]
    fn identifiers_keep_only_safe_characters_and_stay_distinct() {
        assert_eq!(Ident::derive("scim_", "Users").as_str(), "scim_users");
        assert_eq!(Ident::derive("c_", "$ref").as_str(), "c__24_ref");
        assert_ne!(Ident::derive("", "a-b"), Ident::derive("", "a_b"));
        let evil = Ident::derive("scim_", "x\"; DROP TABLE y; --");
        assert!(evil.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{evil}");
    }

    /// The names are those the SQLite store has always used: databases made before the plan
    /// moved here open unchanged.
    #[test]
    fn plans_name_tables_and_columns_as_before() {
        let kind = ResourceKind::new(
            builtin::user_schema(),
            &[
                "emails[type eq \"work\"].value",
                "name.givenName",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            ],
        )
        .unwrap();
        let plan = SqlPlan::new(&kind);
        assert_eq!(plan.table.as_str(), "scim_users");
        let columns: Vec<(&str, Option<&str>)> =
            plan.indexed.iter().map(|c| (c.column.as_str(), c.lc_column.as_ref().map(Ident::as_str))).collect();
        assert_eq!(
            columns,
            [
                ("c_username", Some("c_username_lc")),
                ("c_type", Some("c_type_lc")),
                ("c_value", Some("c_value_lc")),
                ("c_name__givenname", Some("c_name__givenname_lc")),
                ("c_x5d54c425_employeenumber", Some("c_x5d54c425_employeenumber_lc")),
            ]
        );
        assert_eq!(plan.side_tables.len(), 1);
        assert_eq!(plan.side_tables[0].table.as_str(), "scim_users__emails");
        assert_eq!(plan.side_tables[0].columns, [1, 2]);
        assert!(plan.members_table().is_none());

        let group = SqlPlan::new(&ResourceKind::new(builtin::group_schema(), &["displayName"]).unwrap());
        assert_eq!(group.members_table().map(|s| s.table.as_str()), Some("scim_groups__members"));
    }
}
