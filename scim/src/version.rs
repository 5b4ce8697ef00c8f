//! Resource versions as ETags (RFC 7644 section 3.14): `W/"n"`, compared weakly. Below both
//! the stores, which check them inside their write transactions, and the plain-document
//! fast path, which reads them from stored text.

use serde_json::Value;

/// A resource's `meta.version` (`W/"n"`), if it has one.
pub fn meta_version(resource: &Value) -> Option<&str> {
    resource.get("meta")?.get("version")?.as_str()
}

/// The ETag of version `n`: `W/"n"`.
pub fn version_tag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// The version number in an ETag: `W/"3"` or `"3"` (or a bare `3`).
pub fn parse_version(tag: &str) -> Option<u64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let tag = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
    tag.parse().ok()
}

/// Whether an `If-Match` or `If-None-Match` list (`W/"3", "4"`, or `*`) names version
/// `current`. SCIM versions are weak tags, so tags compare weakly (RFC 7232 section 2.3.2:
/// `W/"3"` and `"3"` are the same version); a bare `3` is read as `"3"`. This is the one
/// comparison every method uses: the server's checks on GET and PUT, and the stores' checks
/// inside their write transactions.
pub fn etag_list_names(list: &str, current: u64) -> bool {
    list.split(',').any(|tag| tag.trim() == "*" || parse_version(tag) == Some(current))
}
