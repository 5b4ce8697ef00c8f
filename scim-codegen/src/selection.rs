//! [`Selection`]: which part of one attribute a resource maps, shared by the generated structs
//! (which fields to emit) and the restricted schemas (which sub-attributes to advertise).

use std::collections::BTreeSet;

use scim::schema::Attribute;

/// Which part of one attribute is mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    Whole,
    /// Lower-cased sub-attribute names.
    Subs(BTreeSet<String>),
}

impl Selection {
    /// Widen to what either selects: the whole attribute wins over any set of sub-attributes.
    pub(crate) fn merge(&mut self, other: Selection) {
        *self = match (std::mem::replace(self, Selection::Whole), other) {
            (Selection::Subs(mut a), Selection::Subs(b)) => {
                a.extend(b);
                Selection::Subs(a)
            }
            _ => Selection::Whole,
        }
    }

    /// Whether `sub` is selected.
    pub(crate) fn keeps(&self, sub: &Attribute) -> bool {
        match self {
            Selection::Whole => true,
            Selection::Subs(subs) => subs.contains(&sub.name.to_ascii_lowercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use scim::schema::AttributeType;

    use super::*;

    #[test]
    fn merging_widens_and_whole_wins() {
        let mut selection = Selection::Subs(BTreeSet::from(["value".to_owned()]));
        selection.merge(Selection::Subs(BTreeSet::from(["type".to_owned()])));
        assert_eq!(selection, Selection::Subs(BTreeSet::from(["type".to_owned(), "value".to_owned()])));
        assert!(selection.keeps(&Attribute::new("Type", AttributeType::String)));
        assert!(!selection.keeps(&Attribute::new("primary", AttributeType::Boolean)));
        selection.merge(Selection::Whole);
        assert_eq!(selection, Selection::Whole);
        assert!(selection.keeps(&Attribute::new("primary", AttributeType::Boolean)));
    }
}
