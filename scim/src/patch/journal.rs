//! An undo journal over the top-level keys of a resource, which makes a PATCH atomic (RFC 7644
//! section 3.5.2: "If any operation fails ... the entire request fails").
//!
//! Before the engine changes a top-level key (an attribute, an extension object or `schemas`)
//! for the first time, the journal saves that key's value and position. Rolling back restores
//! exactly those keys at their positions, so the resource serialises byte for byte as before.
//! Only the attributes a request touches are copied: replacing the `displayName` of a group
//! with 100 000 members copies a string, not the member list.

use serde_json::{Map, Value};

/// The saved state of one top-level key.
#[derive(Debug)]
struct Saved {
    key: String,
    /// Its position when first touched (or where it would have gone, if absent).
    index: usize,
    /// Its value when first touched; `None` when it was absent.
    original: Option<Value>,
}

/// The top-level keys changed so far, with their values before the request.
#[derive(Debug, Default)]
pub(super) struct Journal {
    saved: Vec<Saved>,
}

impl Journal {
    /// Remember `key` as it is now, unless it was already remembered.
    pub(super) fn touch(&mut self, resource: &Map<String, Value>, key: &str) {
        if self.saved.iter().any(|s| s.key == key) {
            return;
        }
        let index = resource.keys().position(|k| k == key).unwrap_or(resource.len());
        self.saved.push(Saved { key: key.to_owned(), index, original: resource.get(key).cloned() });
    }

    /// Whether any remembered key now differs from its original value.
    pub(super) fn changed(&self, resource: &Map<String, Value>) -> bool {
        self.saved.iter().any(|s| s.original.as_ref() != resource.get(&s.key))
    }

    /// Put every remembered key back as it was, at its original position. Keys are restored in
    /// the reverse order of their first touch, so each saved position is valid when used.
    pub(super) fn roll_back(self, resource: &mut Map<String, Value>) {
        for saved in self.saved.into_iter().rev() {
            resource.shift_remove(&saved.key);
            if let Some(original) = saved.original {
                let index = saved.index.min(resource.len());
                resource.shift_insert(index, saved.key, original);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn roll_back_restores_values_and_key_order() {
        let Value::Object(original) = json!({"a": 1, "b": [1, 2], "c": {"x": 1}, "d": "z"}) else { unreachable!() };
        let mut resource = original.clone();
        let mut journal = Journal::default();
        journal.touch(&resource, "b");
        resource.shift_remove("b");
        journal.touch(&resource, "e");
        resource.insert("e".into(), json!(5));
        journal.touch(&resource, "c");
        resource.insert("c".into(), json!(null));
        journal.touch(&resource, "b");
        resource.insert("b".into(), json!("moved to the end"));
        assert!(journal.changed(&resource));
        journal.roll_back(&mut resource);
        assert_eq!(serde_json::to_string(&resource).unwrap(), serde_json::to_string(&original).unwrap());
    }

    #[test]
    fn touching_without_changing_is_not_a_change() {
        let Value::Object(resource) = json!({"a": 1}) else { unreachable!() };
        let mut journal = Journal::default();
        journal.touch(&resource, "a");
        journal.touch(&resource, "missing");
        assert!(!journal.changed(&resource));
    }
}
