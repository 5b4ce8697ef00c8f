//! An undo journal over the top-level keys of a resource, which makes a PATCH atomic (RFC 7644
//! section 3.5.2: "If any operation fails ... the entire request fails").
//!
//! Before the engine changes a top-level key (an attribute, an extension object or `schemas`)
//! for the first time, the journal saves that key's value and position. Rolling back restores
//! exactly those keys at their positions, so the resource serialises byte for byte as before.
//! Only the attributes a request touches are copied: replacing the `displayName` of a group
//! with 100 000 members copies a string, not the member list. Appending to a list (adding a
//! member) only remembers the list's length, so it copies nothing either.

use serde_json::{Map, Value};

/// The saved state of one top-level key.
#[derive(Debug)]
struct Saved {
    key: String,
    /// Its position when first touched (or where it would have gone, if absent).
    index: usize,
    /// What it was when first touched.
    original: Original,
}

#[derive(Debug)]
enum Original {
    /// The whole value; `None` when the key was absent.
    Value(Option<Value>),
    /// An array that has only been appended to since: its length then.
    ArrayPrefix(usize),
}

/// The top-level keys changed so far, with their values before the request.
#[derive(Debug, Default)]
pub(super) struct Journal {
    saved: Vec<Saved>,
}

impl Journal {
    /// Remember `key` as it is now, unless it was already remembered.
    pub(super) fn touch(&mut self, resource: &Map<String, Value>, key: &str) {
        if let Some(saved) = self.saved.iter_mut().find(|s| s.key == key) {
            if let Original::ArrayPrefix(length) = saved.original {
                // Only appends happened so far: the original is the first `length` elements.
                let prefix =
                    resource.get(key).and_then(Value::as_array).map(|a| a.iter().take(length).cloned().collect());
                saved.original = Original::Value(prefix.map(Value::Array));
            }
            return;
        }
        let index = position(resource, key);
        self.saved.push(Saved { key: key.to_owned(), index, original: Original::Value(resource.get(key).cloned()) });
    }

    /// Remember `key` before elements are appended to the array it holds (and nothing else is
    /// changed in it; any other change must [`touch`](Self::touch) first).
    pub(super) fn touch_for_append(&mut self, resource: &Map<String, Value>, key: &str) {
        match resource.get(key) {
            Some(Value::Array(elements)) if !elements.is_empty() && !self.saved.iter().any(|s| s.key == key) => {
                let index = position(resource, key);
                self.saved.push(Saved { key: key.to_owned(), index, original: Original::ArrayPrefix(elements.len()) });
            }
            _ => self.touch(resource, key),
        }
    }

    /// Whether any remembered key now differs from its original value.
    pub(super) fn changed(&self, resource: &Map<String, Value>) -> bool {
        self.saved.iter().any(|s| match &s.original {
            Original::Value(original) => original.as_ref() != resource.get(&s.key),
            Original::ArrayPrefix(length) => {
                resource.get(&s.key).and_then(Value::as_array).map(Vec::len) != Some(*length)
            }
        })
    }

    /// Put every remembered key back as it was, at its original position. Keys are restored in
    /// the reverse order of their first touch, so each saved position is valid when used.
    pub(super) fn roll_back(self, resource: &mut Map<String, Value>) {
        for saved in self.saved.into_iter().rev() {
            match saved.original {
                Original::ArrayPrefix(length) => {
                    if let Some(Value::Array(elements)) = resource.get_mut(&saved.key) {
                        elements.truncate(length);
                    }
                }
                Original::Value(original) => {
                    resource.shift_remove(&saved.key);
                    if let Some(original) = original {
                        let index = saved.index.min(resource.len());
                        resource.shift_insert(index, saved.key, original);
                    }
                }
            }
        }
    }
}

/// The position of `key`, or where an insert would put it.
fn position(resource: &Map<String, Value>, key: &str) -> usize {
    resource.keys().position(|k| k == key).unwrap_or(resource.len())
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
    fn appends_roll_back_and_later_touches_keep_the_true_original() {
        let Value::Object(original) = json!({"a": [1, 2], "b": 0}) else { unreachable!() };
        let mut resource = original.clone();
        let mut journal = Journal::default();
        journal.touch_for_append(&resource, "a");
        resource["a"].as_array_mut().unwrap().push(json!(3));
        assert!(journal.changed(&resource));
        journal.touch(&resource, "a");
        resource["a"] = json!("replaced");
        journal.roll_back(&mut resource);
        assert_eq!(serde_json::to_string(&resource).unwrap(), serde_json::to_string(&original).unwrap());

        let mut resource = original.clone();
        let mut journal = Journal::default();
        journal.touch_for_append(&resource, "a");
        resource["a"].as_array_mut().unwrap().push(json!(3));
        journal.roll_back(&mut resource);
        assert_eq!(resource, original);
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
