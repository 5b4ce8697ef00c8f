//! A request's query string as `(name, value)` pairs, decoded as `application/x-www-form-urlencoded`
//! (`+` is a space, `%XX` a byte, bytes that are not UTF-8 replaced), exactly as the
//! `form_urlencoded` crate decodes them (a test compares the two on arbitrary input). Written
//! here because a lookup's query string is short and usually needs little decoding: a pair
//! without `%` or `+` borrows from the string, and one with them is decoded in a single pass
//! into one buffer, where `form_urlencoded` took more instructions than the whole filter's
//! parse.

use std::borrow::Cow;

/// The pairs of `query` (the part of the URI after `?`), in order; empty pieces between `&`s
/// are skipped, and a piece without `=` is a name with an empty value.
pub(crate) fn pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query.split('&').filter(|piece| !piece.is_empty()).map(|piece| {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        (decode(name), decode(value))
    })
}

/// One name or value, decoded.
fn decode(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|&byte| byte == b'%' || byte == b'+') {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        index += 1;
        match byte {
            b'+' => out.push(b' '),
            b'%' => match (bytes.get(index).and_then(|b| hex(*b)), bytes.get(index + 1).and_then(|b| hex(*b))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    index += 2;
                }
                // Not an escape: the `%` stands for itself.
                _ => out.push(b'%'),
            },
            _ => out.push(byte),
        }
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(error) => Cow::Owned(String::from_utf8_lossy(error.as_bytes()).into_owned()),
    }
}

/// The value of an ASCII hex digit.
fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::pairs;

    fn decoded(query: &str) -> Vec<(String, String)> {
        pairs(query).map(|(name, value)| (name.into_owned(), value.into_owned())).collect()
    }

    #[test]
    fn a_lookup_query_is_split_and_decoded() {
        assert_eq!(
            decoded("filter=userName%20eq%20%22a%2Bb%40x.org%22&count=1&&flag&x=%zz%4"),
            [("filter", "userName eq \"a+b@x.org\""), ("count", "1"), ("flag", ""), ("x", "%zz%4"),]
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
        assert_eq!(decoded("a=b+c%C3%A9%FF"), [("a".to_owned(), "b cé\u{fffd}".to_owned())]);
        assert!(decoded("").is_empty());
    }

    proptest! {
        #[test]
        fn pairs_are_what_form_urlencoded_gives(query in "([a-zA-Z0-9=&+%. \"é]|%[0-9a-fA-F]{2}|%[0-9a-fA-F]?[g-z]?){0,40}") {
            let expected: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
            prop_assert_eq!(decoded(&query), expected);
        }
    }
}
