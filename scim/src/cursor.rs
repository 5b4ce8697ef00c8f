//! RFC 9865 cursors: the opaque `nextCursor` a list response carries and a client sends back as
//! `cursor` to get the next page.
//!
//! A cursor names a keyset position ([`KeysetPosition`]: the sort key and `id` of the last
//! resource returned), not an offset, so a walk is stable while resources are inserted and
//! deleted, and a store can start the page with an indexed range instead of skipping rows. It
//! also carries:
//!
//! - a format version, so a cursor of another format is `invalidCursor`, never misread;
//! - a tag of the query it belongs to (resource type, filter, `sortBy`, `sortOrder`): a cursor
//!   sent with another query is `invalidCursor` rather than a position in a different order;
//! - when it was issued: after [`CURSOR_TIMEOUT_SECONDS`] it is `expiredCursor` (the
//!   `cursorTimeout` `/ServiceProviderConfig` advertises);
//! - a checksum over all of that, so a truncated or altered cursor is `invalidCursor`.
//!
//! The checksum is not a signature: a client could craft a well-formed cursor. That grants
//! nothing, since a position only says where in the caller's own (tenant-scoped, filtered)
//! list to start, and its values reach SQL only as bound parameters.
//!
//! Encoding: base64url (no padding) of the JSON array `[version, queryTag, issuedAt, key, id]`
//! followed by its 8-byte FNV-1a checksum; `key` is `null`, `{"s": text}`, `{"i": integer}` or
//! `{"r": decimal}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::error::{ScimError, ScimResult, ScimType};
use crate::query::ListQuery;
use crate::store::{KeysetPosition, Scalar};

/// How long a cursor stays valid after the response that issued it (RFC 9865 `cursorTimeout`).
/// A keyset position never goes stale by itself; the limit keeps forgotten cursors from being
/// replayed against a much later state of the data.
pub const CURSOR_TIMEOUT_SECONDS: u64 = 3600;

/// The format version written into every cursor.
const CURSOR_VERSION: u64 = 1;

/// The tag of the query a cursor belongs to: the resource type's endpoint, the filter, the
/// sort attribute and direction. `attributes` and `count` may change between pages.
pub fn query_tag(endpoint: &str, query: &ListQuery) -> u64 {
    let filter = query.filter.as_ref().map(ToString::to_string).unwrap_or_default();
    let sort_by = query.sort_by.as_ref().map(ToString::to_string).unwrap_or_default();
    let text = format!("{endpoint}\u{1f}{filter}\u{1f}{}\u{1f}{:?}", sort_by.to_ascii_lowercase(), query.sort_order);
    fnv1a64(text.as_bytes())
}

/// The cursor of `position` in the list `query_tag` names, issued at `issued_at` (seconds since
/// the Unix epoch).
pub fn encode_cursor(position: &KeysetPosition, query_tag: u64, issued_at: u64) -> String {
    let key = match &position.key {
        None => Value::Null,
        Some(Scalar::Text(text)) => json!({"s": text}),
        Some(Scalar::Int(int)) => json!({"i": int}),
        Some(Scalar::Real(real)) => json!({"r": real}),
    };
    // The tag is written as text: a JSON number would not keep all 64 bits everywhere.
    let payload = json!([CURSOR_VERSION, format!("{query_tag:016x}"), issued_at, key, position.id]).to_string();
    let mut bytes = payload.into_bytes();
    let checksum = fnv1a64(&bytes);
    bytes.extend_from_slice(&checksum.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The position a cursor names, checked against the query it is sent with and the time now:
/// `400 invalidCursor` when it is not a cursor of this server's format, is damaged, or belongs
/// to another query; `400 expiredCursor` when it is older than [`CURSOR_TIMEOUT_SECONDS`].
pub fn decode_cursor(cursor: &str, query_tag: u64, now: u64) -> ScimResult<KeysetPosition> {
    let invalid = |why: &str| {
        ScimError::typed(
            ScimType::InvalidCursor,
            format!(
                "`cursor` {why}; send an empty cursor to get the first page, then each response's `nextCursor` \
                 (RFC 9865)"
            ),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| invalid("is not a cursor this server issued"))?;
    let Some(split) = bytes.len().checked_sub(8) else { return Err(invalid("is not a cursor this server issued")) };
    let (payload, checksum) = bytes.split_at(split);
    if checksum != fnv1a64(payload).to_be_bytes() {
        return Err(invalid("is damaged (its checksum does not match)"));
    }
    let parsed: Value = serde_json::from_slice(payload).map_err(|_| invalid("is not a cursor this server issued"))?;
    let Some([version, tag, issued_at, key, id]) = parsed.as_array().and_then(|a| <&[Value; 5]>::try_from(&a[..]).ok())
    else {
        return Err(invalid("is not a cursor this server issued"));
    };
    if version.as_u64() != Some(CURSOR_VERSION) {
        return Err(invalid("was issued by another version of this server"));
    }
    if tag.as_str() != Some(format!("{query_tag:016x}").as_str()) {
        return Err(invalid(
            "belongs to a different query: keep the filter, sortBy and sortOrder of the request that returned it",
        ));
    }
    let issued_at = issued_at.as_u64().ok_or_else(|| invalid("is not a cursor this server issued"))?;
    if now.saturating_sub(issued_at) > CURSOR_TIMEOUT_SECONDS {
        return Err(ScimError::typed(
            ScimType::ExpiredCursor,
            format!(
                "`cursor` has expired: cursors are valid for {CURSOR_TIMEOUT_SECONDS} seconds (`cursorTimeout`); \
                 start again with an empty cursor (RFC 9865)"
            ),
        ));
    }
    let key = match key {
        Value::Null => None,
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((k, Value::String(text))) if k == "s" => Some(Scalar::Text(text.clone())),
            Some((k, Value::Number(n))) if k == "i" => n.as_i64().map(Scalar::Int),
            Some((k, Value::Number(n))) if k == "r" => n.as_f64().map(Scalar::Real),
            _ => return Err(invalid("is not a cursor this server issued")),
        },
        _ => return Err(invalid("is not a cursor this server issued")),
    };
    let id = id.as_str().ok_or_else(|| invalid("is not a cursor this server issued"))?.to_owned();
    Ok(KeysetPosition { key, id })
}

/// Seconds since the Unix epoch, as cursors count time.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// FNV-1a, 64 bits: a checksum against truncation and corruption, and a short query tag.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(key: Option<Scalar>) -> KeysetPosition {
        KeysetPosition { key, id: "2819c223-7f76-453a-919d-413861904646".into() }
    }

    #[test]
    fn cursors_round_trip_every_key_type() {
        for key in [None, Some(Scalar::Text("bjensen".into())), Some(Scalar::Int(-3)), Some(Scalar::Real(2.5))] {
            let cursor = encode_cursor(&position(key.clone()), 42, 1000);
            assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{cursor}");
            assert_eq!(decode_cursor(&cursor, 42, 1000).unwrap(), position(key));
        }
    }

    #[test]
    fn damaged_foreign_and_forged_cursors_are_invalid_cursor() {
        let cursor = encode_cursor(&position(Some(Scalar::Text("a".into()))), 42, 1000);
        let mut flipped = cursor.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let cases = [
            cursor[..cursor.len() - 3].to_owned(),
            String::from_utf8(flipped).unwrap(),
            "not a cursor!".to_owned(),
            "".to_owned(),
            URL_SAFE_NO_PAD.encode(b"[1,\"x\"]"),
            "AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        ];
        for text in cases {
            let error = decode_cursor(&text, 42, 1000).unwrap_err();
            assert_eq!((error.status, error.scim_type), (400, Some(ScimType::InvalidCursor)), "{text}: {error:?}");
        }
        let error = decode_cursor(&cursor, 43, 1000).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidCursor));
        assert!(error.detail.contains("different query"), "{}", error.detail);
    }

    #[test]
    fn old_cursors_are_expired_cursor() {
        let cursor = encode_cursor(&position(None), 7, 1000);
        assert!(decode_cursor(&cursor, 7, 1000 + CURSOR_TIMEOUT_SECONDS).is_ok());
        let error = decode_cursor(&cursor, 7, 1001 + CURSOR_TIMEOUT_SECONDS).unwrap_err();
        assert_eq!((error.status, error.scim_type), (400, Some(ScimType::ExpiredCursor)), "{error:?}");
    }
}
