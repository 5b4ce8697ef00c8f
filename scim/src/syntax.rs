//! The syntax trees of attribute paths and filters (RFC 7644 sections 3.4.2.2 and 3.5.2).
//!
//! These are what the parser produces, before anything is checked against a schema. Names keep
//! the spelling the client used; resolution (see [`crate::schema::ResourceSchema::resolve`])
//! maps them case-insensitively onto schema attributes.

/// An attribute path: `userName`, `name.givenName`, `emails[type eq "work"].value`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
///
/// `filter` is the value filter of a multi-valued attribute (`emails[type eq "work"]`); when it
/// is present, `sub_attr` is the sub-attribute after the closing bracket. The filter's own paths
/// are relative to one element of the multi-valued attribute (`type`, `value`).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URN prefix, without the trailing colon, when the client gave one.
    pub urn: Option<String>,
    /// The attribute name as the client wrote it.
    pub name: String,
    /// The value filter in brackets, for a multi-valued attribute.
    pub filter: Option<Box<Filter>>,
    /// The sub-attribute, after `.`.
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// A plain path to a top-level attribute of the core schema.
    pub fn simple(name: impl Into<String>) -> Self {
        AttrPath { urn: None, name: name.into(), filter: None, sub_attr: None }
    }

    /// A path to a sub-attribute: `name.givenName`.
    pub fn sub(name: impl Into<String>, sub_attr: impl Into<String>) -> Self {
        AttrPath { urn: None, name: name.into(), filter: None, sub_attr: Some(sub_attr.into()) }
    }
}

/// A comparison operator (RFC 7644 section 3.4.2.2, table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// The operator's keyword in lower case, e.g. `eq`.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Every operator, in the order of RFC 7644 section 3.4.2.2, table 3.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator for a keyword, compared case-insensitively (`EQ`, `Eq` and `eq` alike).
    pub fn from_keyword(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether the operator orders values (`gt`, `ge`, `lt`, `le`).
    pub fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le)
    }

    /// Whether the operator matches substrings (`co`, `sw`, `ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A literal in a comparison: `"text"`, `42`, `1.5`, `true`, `false`, `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number, kept as written (integer or decimal).
    Number(serde_json::Number),
    /// A JSON string, unescaped.
    String(String),
}

/// A filter expression (RFC 7644 section 3.4.2.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op value`. The path may carry a value filter (`emails[type eq "work"].value eq
    /// "x"`), meaning: some element matches the value filter and its sub-attribute compares.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The literal.
        value: CompValue,
    },
    /// `attrPath pr`.
    Present(AttrPath),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`.
    Not(Box<Filter>),
    /// `attrPath[valFilter]`: some element of the multi-valued attribute matches `filter`.
    /// `path.filter` is always `None` here; the bracketed filter is `filter`.
    ValuePath {
        /// The multi-valued attribute.
        path: AttrPath,
        /// The filter each element is tested against.
        filter: Box<Filter>,
    },
}

impl Filter {
    /// Every node of the tree, depth first, each before its children (`a` before `b`): the one
    /// walk for code that collects from a filter (the attribute names or literals it uses).
    pub fn nodes(&self) -> impl Iterator<Item = &Filter> {
        let mut pending = vec![self];
        std::iter::from_fn(move || {
            let node = pending.pop()?;
            match node {
                Filter::And(a, b) | Filter::Or(a, b) => {
                    pending.push(b);
                    pending.push(a);
                }
                Filter::Not(inner) | Filter::ValuePath { filter: inner, .. } => pending.push(inner),
                Filter::Compare { .. } | Filter::Present(_) => {}
            }
            Some(node)
        })
    }

    /// The path this node tests directly: a comparison's or `pr`'s path (not those of its
    /// children, and not a value path's multi-valued attribute).
    pub fn tested_path(&self) -> Option<&AttrPath> {
        match self {
            Filter::Compare { path, .. } | Filter::Present(path) => Some(path),
            Filter::And(..) | Filter::Or(..) | Filter::Not(_) | Filter::ValuePath { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::filter::parse_filter;

    #[test]
    fn nodes_walk_depth_first_in_written_order() {
        let filter = parse_filter(r#"a eq "1" and (not (b pr) or emails[type eq "work"])"#).unwrap();
        let tested: Vec<&str> = filter.nodes().filter_map(|n| n.tested_path()).map(|p| p.name.as_str()).collect();
        assert_eq!(tested, ["a", "b", "type"]);
        // and, compare a, or, not, present b, value path, compare type.
        assert_eq!(filter.nodes().count(), 7);
    }
}
