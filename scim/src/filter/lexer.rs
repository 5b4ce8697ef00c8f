//! The lexer for filters and paths: splits the input into tokens identified by byte offsets.
//!
//! Tokens borrow nothing and allocate nothing; the parser slices the input with a token's span
//! and only allocates the names and strings it keeps in the syntax tree. The lexer is lenient
//! about whitespace (any run of spaces, tabs and line breaks separates tokens) but strict about
//! everything else: an unexpected character is reported with its byte offset.

/// What kind of token a span of the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// A run of name characters starting with a letter, `$` or `_`: an attribute path (possibly
    /// URN-prefixed and dotted), a keyword (`and`, `eq`, `pr`, `not`) or a literal (`true`).
    Word,
    /// A double-quoted JSON string, quotes included. `has_escapes` says whether it needs
    /// unescaping or can be copied as it is.
    String { has_escapes: bool },
    /// A run of characters starting with `-` or a digit; validated as a JSON number by the parser.
    Number,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// `[`
    OpenBracket,
    /// `]`
    CloseBracket,
    /// `.` on its own (between `]` and a sub-attribute).
    Dot,
    /// The end of the input.
    End,
}

/// One token: its kind and the byte span `start..end` it covers in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// A lexing failure: what was wrong, naming the byte offset where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LexError {
    pub message: String,
}

/// An on-demand tokenizer over a filter or path. Cheap to copy, so the parser peeks ahead by
/// lexing from a copy.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lexer<'a> {
    input: &'a str,
    position: usize,
}

/// Characters that may continue a word: ATTRNAME characters (RFC 7644 figure 1) plus `$` (for
/// `$ref`), `:` (URN prefixes) and `.` (sub-attributes and URN versions like `2.0`).
fn is_word_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'$' | b':' | b'.')
}

fn is_word_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || matches!(byte, b'$' | b'_')
}

/// Characters swallowed into a number token, so that `5and` or `1.2.3` is one malformed number
/// rather than a number glued to something else.
fn is_number_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'+' | b'-' | b'_')
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer { input, position: 0 }
    }

    /// The next token, or why the input at the current position cannot be one.
    pub fn next_token(&mut self) -> Result<Token, LexError> {
        let bytes = self.input.as_bytes();
        while bytes.get(self.position).is_some_and(|&byte| is_whitespace(byte)) {
            self.position += 1;
        }
        let start = self.position;
        let Some(&first) = bytes.get(start) else {
            return Ok(Token { kind: TokenKind::End, start, end: start });
        };
        let kind = match first {
            b'(' => TokenKind::OpenParen,
            b')' => TokenKind::CloseParen,
            b'[' => TokenKind::OpenBracket,
            b']' => TokenKind::CloseBracket,
            b'.' => TokenKind::Dot,
            b'"' => return self.string(start),
            b'-' | b'0'..=b'9' => {
                self.position = self.run_end(start + 1, is_number_continue);
                return Ok(Token { kind: TokenKind::Number, start, end: self.position });
            }
            byte if is_word_start(byte) => {
                self.position = self.run_end(start + 1, is_word_continue);
                return Ok(Token { kind: TokenKind::Word, start, end: self.position });
            }
            b'\'' => {
                return Err(LexError {
                    message: format!("unexpected `'` at byte {start}: strings must be in double quotes"),
                });
            }
            _ => {
                let character = self.input.get(start..).and_then(|rest| rest.chars().next()).unwrap_or('?');
                return Err(LexError {
                    message: format!("unexpected character `{}` at byte {start}", character.escape_debug()),
                });
            }
        };
        self.position = start + 1;
        Ok(Token { kind, start, end: self.position })
    }

    /// The end of the run of bytes satisfying `accept` that begins at `from`.
    fn run_end(&self, from: usize, accept: fn(u8) -> bool) -> usize {
        let bytes = self.input.as_bytes();
        let mut end = from;
        while bytes.get(end).is_some_and(|&byte| accept(byte)) {
            end += 1;
        }
        end
    }

    /// A JSON string starting at the quote at `start`. Escapes are only skipped over here (the
    /// parser decodes them when it keeps the value); raw control characters are rejected as JSON
    /// (RFC 8259 section 7) requires.
    fn string(&mut self, start: usize) -> Result<Token, LexError> {
        let bytes = self.input.as_bytes();
        let mut index = start + 1;
        let mut has_escapes = false;
        loop {
            match bytes.get(index) {
                None => {
                    return Err(LexError { message: format!("unterminated string starting at byte {start}") });
                }
                Some(b'"') => break,
                Some(b'\\') => {
                    has_escapes = true;
                    index += 2;
                }
                Some(&byte) if byte < 0x20 => {
                    return Err(LexError {
                        message: format!("control character U+{byte:04X} at byte {index} must be escaped in a string"),
                    });
                }
                Some(_) => index += 1,
            }
        }
        self.position = index + 1;
        Ok(Token { kind: TokenKind::String { has_escapes }, start, end: self.position })
    }
}

/// Decode the JSON string literal `literal` (quotes included) found at byte `offset`.
pub(super) fn decode_string(literal: &str, offset: usize) -> Result<String, LexError> {
    let inner = literal.get(1..literal.len().saturating_sub(1)).unwrap_or_default();
    let mut decoded = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((index, character)) = chars.next() {
        if character != '\\' {
            decoded.push(character);
            continue;
        }
        let escape_offset = offset + 1 + index;
        let bad_escape =
            |what: &str| LexError { message: format!("invalid escape {what} at byte {escape_offset} in a string") };
        let escaped = match chars.next().map(|(_, escaped)| escaped) {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => {
                let high = hex4(&mut chars).ok_or_else(|| bad_escape("`\\u` (expected four hex digits)"))?;
                if (0xDC00..0xE000).contains(&high) {
                    return Err(bad_escape(&format!("`\\u{high:04X}` (a low surrogate without a high one)")));
                }
                let code = if (0xD800..0xDC00).contains(&high) {
                    let low = match (chars.next(), chars.next()) {
                        (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut chars),
                        _ => None,
                    }
                    .filter(|low| (0xDC00..0xE000).contains(low))
                    .ok_or_else(|| bad_escape(&format!("`\\u{high:04X}` (a high surrogate without a low one)")))?;
                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    high
                };
                char::from_u32(code).ok_or_else(|| bad_escape("`\\u` (not a Unicode scalar value)"))?
            }
            Some(other) => return Err(bad_escape(&format!("`\\{}`", other.escape_debug()))),
            None => return Err(bad_escape("`\\` at the end")),
        };
        decoded.push(escaped);
    }
    Ok(decoded)
}

/// A JSON number (RFC 8259 section 6) as serde_json would represent it: an integer when it has
/// no fraction or exponent and fits 64 bits, a float otherwise. Floats are parsed with correct
/// rounding, so printing a number and parsing it back gives the same value. `None` for text that
/// is not a JSON number or overflows a float.
pub(super) fn parse_number(text: &str) -> Option<serde_json::Number> {
    let bytes = text.as_bytes();
    let mut index = usize::from(bytes.first() == Some(&b'-'));
    let digits =
        |from: usize| bytes.get(from..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count());
    let integer_digits = digits(index);
    if integer_digits == 0 || (integer_digits > 1 && bytes.get(index) == Some(&b'0')) {
        return None;
    }
    index += integer_digits;
    let mut is_integer = true;
    if bytes.get(index) == Some(&b'.') {
        let fraction_digits = digits(index + 1);
        if fraction_digits == 0 {
            return None;
        }
        index += 1 + fraction_digits;
        is_integer = false;
    }
    if matches!(bytes.get(index), Some(b'e' | b'E')) {
        index += 1;
        if matches!(bytes.get(index), Some(b'+' | b'-')) {
            index += 1;
        }
        let exponent_digits = digits(index);
        if exponent_digits == 0 {
            return None;
        }
        index += exponent_digits;
        is_integer = false;
    }
    if index != bytes.len() {
        return None;
    }
    if is_integer {
        let integer = if text.starts_with('-') {
            // serde_json reads `-0` as the float -0.0.
            text.parse::<i64>().ok().filter(|&value| value != 0).map(serde_json::Number::from)
        } else {
            text.parse::<u64>().ok().map(serde_json::Number::from)
        };
        if integer.is_some() {
            return integer;
        }
    }
    text.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
}

/// Four hex digits of a `\uXXXX` escape.
fn hex4(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.1.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<(TokenKind, &str)> {
        let mut lexer = Lexer::new(input);
        let mut tokens = Vec::new();
        loop {
            let token = lexer.next_token().unwrap_or_else(|error| panic!("{input}: {}", error.message));
            if token.kind == TokenKind::End {
                return tokens;
            }
            tokens.push((token.kind, &input[token.start..token.end]));
        }
    }

    #[test]
    fn splits_a_filter_into_tokens_with_spans() {
        use TokenKind::*;
        assert_eq!(
            kinds("emails[type eq \"w\\\"k\"].value\tge -1.5e3 and (x pr)"),
            vec![
                (Word, "emails"),
                (OpenBracket, "["),
                (Word, "type"),
                (Word, "eq"),
                (String { has_escapes: true }, "\"w\\\"k\""),
                (CloseBracket, "]"),
                (Dot, "."),
                (Word, "value"),
                (Word, "ge"),
                (Number, "-1.5e3"),
                (Word, "and"),
                (OpenParen, "("),
                (Word, "x"),
                (Word, "pr"),
                (CloseParen, ")"),
            ]
        );
        assert_eq!(
            kinds("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName $ref"),
            vec![(Word, "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName"), (Word, "$ref")]
        );
    }

    #[test]
    fn rejects_what_cannot_start_a_token() {
        for (input, offset, needle) in [
            ("a = 1", 2, "`=`"),
            ("a eq 'x'", 5, "double quotes"),
            ("a eq \"x", 5, "unterminated"),
            ("a eq \"x\\\"", 5, "unterminated"),
            ("a eq \"x\ny\"", 7, "control character"),
            ("é", 0, "`é`"),
        ] {
            let mut lexer = Lexer::new(input);
            let error = std::iter::from_fn(|| Some(lexer.next_token()))
                .find_map(|result| result.err())
                .unwrap_or_else(|| panic!("{input} lexed"));
            assert!(error.message.contains(&format!("byte {offset}")), "{input}: {}", error.message);
            assert!(error.message.contains(needle), "{input}: {}", error.message);
        }
    }

    #[test]
    fn decodes_every_json_escape() {
        let cases = [
            (r#""plain""#, "plain"),
            (r#""a\"b\\c\/d""#, "a\"b\\c/d"),
            (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (r#""\u00e9\u00E9""#, "éé"),
            (r#""\ud83d\ude00!""#, "😀!"),
            (r#""é😀""#, "é😀"),
        ];
        for (literal, expected) in cases {
            assert_eq!(decode_string(literal, 0).as_deref(), Ok(expected), "{literal}");
        }
    }

    #[test]
    fn parses_json_numbers_like_serde_json() {
        for text in [
            "0",
            "-0",
            "42",
            "-42",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "1.5",
            "-2.5e-3",
            "1E10",
            "1e+2",
            "0.1",
            "1.7976931348623157e308",
        ] {
            let expected: serde_json::Number = serde_json::from_str(text).expect(text);
            assert_eq!(parse_number(text), Some(expected), "{text}");
        }
        for text in
            ["", "-", "01", "-01", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "5and", "0x10", "1e999", "--1", "1_000"]
        {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn rejects_bad_escapes_with_their_offset() {
        for (literal, offset) in
            [(r#""ab\x""#, 3), (r#""\u12g4""#, 1), (r#""x\ud83d""#, 2), (r#""\ude00""#, 1), (r#""\ud83d\u0041""#, 1)]
        {
            let error = decode_string(literal, 10).expect_err(literal);
            assert!(error.message.contains(&format!("byte {}", 10 + offset)), "{literal}: {}", error.message);
            assert!(error.message.contains("invalid escape"), "{literal}: {}", error.message);
        }
    }
}
