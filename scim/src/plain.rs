//! Serving a stored document as it is stored.
//!
//! Most reads ask for a resource's default response form: no `attributes` or
//! `excludedAttributes`, as Entra ID's and Okta's lookups by id and by `userName` do. That form
//! is the stored document with `returned: never` attributes (`password`) and anything the schema
//! does not define left out, `schemas` listing what is present, and `meta.location` added
//! ([`crate::projection::response_form`]). For almost every document it is the stored text plus
//! `meta.location`, and parsing the text into a value only to serialise it again was a fifth
//! of the CPU of a lookup.
//!
//! A store that keeps the JSON text can skip that: when it writes a document it asks
//! [`is_plain`] whether splicing `meta.location` into the text ([`with_location`]) gives exactly
//! the full projection, and records the answer as the schema's [`schema_tag`]. A read that finds
//! the current tag hands the text back as a plain document ([`crate::store::Fetched::Plain`]).
//! The check compares the two paths on the document itself, so they cannot disagree; a schema
//! change changes the tag, which sends every document written before it down the full path.

use serde_json::Value;

use crate::projection::response_form;
use crate::schema::ResourceSchema;
use crate::version::meta_version;

/// Bumped whenever what [`crate::projection::project`] or [`with_location`] do changes, so
/// documents checked under the old rules take the full path again.
const RULES_VERSION: u32 = 1;

/// A location no response carries, used to compare the two paths.
const PROBE_LOCATION: &str = "https://plain-check.invalid/Resource/\"probe\"";

/// A number naming `schema` (its core schema, extensions and resource type) and the rules of
/// this module: stable across processes and builds, since stores keep it next to documents.
pub fn schema_tag(schema: &ResourceSchema) -> i64 {
    let mut hash = Fnv64::new();
    hash.write(&RULES_VERSION.to_le_bytes());
    let parts = std::iter::once(serde_json::to_vec(&*schema.core))
        .chain(schema.extensions.iter().map(|extension| serde_json::to_vec(&*extension.schema)))
        .chain(std::iter::once(serde_json::to_vec(&schema.resource_type)));
    for part in parts {
        // Serialising the schema model cannot fail; an empty part would only weaken the tag.
        let bytes = part.unwrap_or_default();
        hash.write(&bytes.len().to_le_bytes());
        hash.write(&bytes);
    }
    i64::from_le_bytes(hash.finish().to_le_bytes())
}

/// Whether the stored `text` of a resource is plain: [`with_location`] on it gives the same
/// document as the full path (parse, then [`response_form`] with no `attributes` or
/// `excludedAttributes`), and its `id` and `meta.version` are `id` and `version_tag`, which
/// the store keeps beside it (they make the location and the `ETag` of a plain response).
pub fn is_plain(text: &str, schema: &ResourceSchema, id: &str, version_tag: &str) -> bool {
    let Ok(stored) = serde_json::from_str::<Value>(text) else { return false };
    if stored.get("id").and_then(Value::as_str) != Some(id) {
        return false;
    }
    let Some(meta) = stored.get("meta").and_then(Value::as_object) else { return false };
    if meta_version(&stored) != Some(version_tag) || meta.contains_key("location") {
        return false;
    }
    let Some(spliced) = with_location(text, PROBE_LOCATION) else { return false };
    let Ok(spliced) = serde_json::from_str::<Value>(&spliced) else { return false };
    spliced == response_form(stored, schema, Some(PROBE_LOCATION.to_owned()), &[], &[])
}

/// The response text of a plain document: `location` added as the last member of `meta`,
/// which a plain document has as its last member. `None` when the text does not end that way
/// (then it was never plain).
pub fn with_location(text: &str, location: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + location.len() + 16);
    push_with_location(&mut out, text, location).then_some(out)
}

/// [`with_location`]'s text pushed onto `out`; `false`, with nothing pushed, when the text
/// does not end in `meta`.
pub fn push_with_location(out: &mut String, text: &str, location: &str) -> bool {
    let Some(head) = text.strip_suffix("}}") else { return false };
    if head.ends_with('{') {
        return false;
    }
    out.push_str(head);
    out.push_str(",\"location\":");
    push_json_string(out, location);
    out.push_str("}}");
    true
}

/// The text of a plain document with a member added first (`groups`, which a store computes on
/// read): `push_member` pushes `"name":value`, `capacity` is about its length. `None` when the
/// text is not a non-empty object. Being first, the member leaves the end of the text (`meta`,
/// see [`with_location`]) as it was.
pub fn with_first_member(text: &str, capacity: usize, push_member: impl FnOnce(&mut String)) -> Option<String> {
    let rest = text.strip_prefix('{')?;
    if rest.trim_start().starts_with('}') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + capacity + 2);
    out.push('{');
    push_member(&mut out);
    out.push(',');
    out.push_str(rest);
    Some(out)
}

/// `text` as a JSON string pushed onto `out`, escaped exactly as `serde_json` escapes it: the
/// text as it is between quotes when nothing needs escaping (every id and name this server
/// makes), else `serde_json`'s own output.
pub fn push_json_string(out: &mut String, text: &str) {
    if !needs_escape(text.as_bytes()) {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&Value::String(text.to_owned()).to_string());
    }
}

/// Whether JSON needs any of `bytes` escaped: a control character, `"` or `\\`. Tested 16
/// bytes at a time without stopping early, which the compiler turns into vector instructions
/// (a byte at a time was most of what writing a user's `groups` cost).
fn needs_escape(bytes: &[u8]) -> bool {
    let escaped = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, &byte| any | escaped(byte)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&byte| escaped(byte))
}

/// FNV-1a, 64 bits: small, and the same on every platform and in every release (unlike the
/// standard library's hashers, which promise neither).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_first_member_goes_before_the_rest_and_keeps_meta_last() {
        let text = r#"{"id":"1","userName":"a\"b","meta":{"version":"W/\"1\""}}"#;
        let groups = json!([{"value": "g", "display": "Group \"one\""}]);
        let push_groups = |out: &mut String| out.push_str(&format!("\"groups\":{groups}"));
        let with = with_first_member(text, 0, push_groups).unwrap();
        let mut expected: Value = serde_json::from_str(text).unwrap();
        expected.as_object_mut().unwrap().insert("groups".to_owned(), groups.clone());
        assert_eq!(serde_json::from_str::<Value>(&with).unwrap(), expected);
        let located = with_location(&with, "https://x/Users/1").unwrap();
        assert_eq!(serde_json::from_str::<Value>(&located).unwrap()["meta"]["location"], "https://x/Users/1");
        assert_eq!(with_first_member("{}", 0, push_groups), None);
        assert_eq!(with_first_member("[1]", 0, push_groups), None);
    }

    #[test]
    fn json_strings_are_pushed_as_serde_json_writes_them() {
        let long = "https://example.com/scim/v2/Groups/2819c223-7f76-453a-919d-413861904646";
        for text in [long, &format!("{long}\""), &format!("\\{long}"), &format!("{}\n{}", &long[..20], &long[20..])] {
            let mut out = String::new();
            push_json_string(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
        for text in ["", "plain-id 42", "quote \" and \\ backslash", "tab\t, nul\u{0}, del\u{7f}", "é ✓ /slash"] {
            let mut out = String::from("x");
            push_json_string(&mut out, text);
            assert_eq!(out, format!("x{}", serde_json::to_string(text).unwrap()), "{text:?}");
        }
    }
    use crate::schema::builtin;

    fn user_schema() -> ResourceSchema {
        builtin::user_schema()
    }

    fn stored(extra: Value) -> Value {
        let mut doc = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "bjensen",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        });
        for (key, value) in extra.as_object().unwrap() {
            doc[key] = value.clone();
        }
        doc["meta"] = json!({"resourceType": "User", "version": "W/\"3\""});
        doc
    }

    #[test]
    fn a_canonical_document_is_plain_and_gets_its_location_last_in_meta() {
        let text = stored(json!({})).to_string();
        assert!(is_plain(&text, &user_schema(), "2819c223", "W/\"3\""));
        let served: Value = serde_json::from_str(&with_location(&text, "https://h/Users/2819c223").unwrap()).unwrap();
        assert_eq!(served["meta"]["location"], "https://h/Users/2819c223");
        assert_eq!(served["userName"], "bjensen");
    }

    #[test]
    fn documents_the_projection_would_change_are_not_plain() {
        let schema = user_schema();
        let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let cases = [
            ("a password (returned: never)", stored(json!({"password": "secret"})).to_string()),
            ("an attribute the schema does not define", stored(json!({"nickName2": "x"})).to_string()),
            ("an extension not listed in schemas", stored(json!({enterprise: {"department": "Tour"}})).to_string()),
            ("meta not last", {
                let mut doc = stored(json!({}));
                let meta = doc.as_object_mut().unwrap().shift_remove("meta").unwrap();
                let mut reordered = serde_json::Map::new();
                reordered.insert("meta".to_owned(), meta);
                reordered.extend(doc.as_object().unwrap().clone());
                Value::Object(reordered).to_string()
            }),
            ("a stored location", {
                let mut doc = stored(json!({}));
                doc["meta"]["location"] = json!("https://elsewhere/Users/1");
                doc.to_string()
            }),
            ("pretty-printed text", serde_json::to_string_pretty(&stored(json!({}))).unwrap()),
            ("not JSON", "{\"id\": ".to_owned()),
        ];
        for (case, text) in cases {
            assert!(!is_plain(&text, &schema, "2819c223", "W/\"3\""), "{case}");
        }
        assert!(!is_plain(&stored(json!({})).to_string(), &schema, "2819c223", "W/\"4\""), "another version");
        assert!(!is_plain(&stored(json!({})).to_string(), &schema, "2819c224", "W/\"3\""), "another id");
    }

    #[test]
    fn with_location_escapes_the_location_and_refuses_other_shapes() {
        let spliced = with_location(r#"{"id":"1","meta":{"version":"W/\"1\""}}"#, "https://h/Users/a\"b").unwrap();
        let value: Value = serde_json::from_str(&spliced).unwrap();
        assert_eq!(value["meta"]["location"], "https://h/Users/a\"b");
        assert_eq!(with_location(r#"{"id":"1","meta":{}}"#, "x"), None);
        assert_eq!(with_location(r#"{"id":"1"}"#, "x"), None);
    }

    #[test]
    fn the_tag_names_the_schema() {
        let user = user_schema();
        assert_eq!(schema_tag(&user), schema_tag(&user_schema()));
        assert_ne!(schema_tag(&user), schema_tag(&builtin::group_schema()));
        let mut changed = user_schema();
        let core = std::sync::Arc::make_mut(&mut changed.core);
        core.attributes.retain(|attribute| attribute.name != "nickName");
        assert_ne!(schema_tag(&user), schema_tag(&changed));
    }
}
