//! Canonical text for filters, paths and values: lower-case keywords, single spaces, JSON-escaped
//! strings and only the parentheses precedence requires, so that parsing the text gives back an
//! equal syntax tree.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub_attr) = &self.sub_attr {
            write!(f, ".{sub_attr}")?;
        }
        Ok(())
    }
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(value) => write!(f, "{value}"),
            CompValue::Number(number) => write!(f, "{number}"),
            CompValue::String(text) => write_json_string(f, text),
        }
    }
}

/// A JSON string literal (RFC 8259 section 7), escaping only what must be escaped.
fn write_json_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut unwritten_from = 0;
    for (index, character) in text.char_indices() {
        let escape = match character {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            control if control < ' ' => "",
            _ => continue,
        };
        f.write_str(text.get(unwritten_from..index).unwrap_or_default())?;
        if escape.is_empty() {
            write!(f, "\\u{:04x}", u32::from(character))?;
        } else {
            f.write_str(escape)?;
        }
        unwritten_from = index + character.len_utf8();
    }
    f.write_str(text.get(unwritten_from..).unwrap_or_default())?;
    f.write_char('"')
}

/// How tightly an expression binds: an operand binding looser than its context needs parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Unary,
}

fn precedence(filter: &Filter) -> Precedence {
    match filter {
        Filter::Or(..) => Precedence::Or,
        Filter::And(..) => Precedence::And,
        _ => Precedence::Unary,
    }
}

/// Write `filter`, in parentheses if it binds looser than `context` requires.
fn write_operand(f: &mut Formatter<'_>, filter: &Filter, context: Precedence) -> fmt::Result {
    if precedence(filter) < context { write!(f, "({filter})") } else { write!(f, "{filter}") }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            // `and` and `or` associate to the left, so a right operand of the same precedence
            // needs parentheses and a left one does not.
            Filter::And(left, right) => {
                write_operand(f, left, Precedence::And)?;
                f.write_str(" and ")?;
                write_operand(f, right, Precedence::Unary)
            }
            Filter::Or(left, right) => {
                write_operand(f, left, Precedence::Or)?;
                f.write_str(" or ")?;
                write_operand(f, right, Precedence::And)
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(name: &str, value: &str) -> Filter {
        Filter::Compare { path: AttrPath::simple(name), op: CompareOp::Eq, value: CompValue::String(value.into()) }
    }

    #[test]
    fn parenthesises_only_where_precedence_requires() {
        let (a, b, c) = (compare("a", "1"), compare("b", "2"), compare("c", "3"));
        let and = |x: &Filter, y: &Filter| Filter::And(Box::new(x.clone()), Box::new(y.clone()));
        let or = |x: &Filter, y: &Filter| Filter::Or(Box::new(x.clone()), Box::new(y.clone()));
        let cases = [
            (and(&and(&a, &b), &c), r#"a eq "1" and b eq "2" and c eq "3""#),
            (and(&a, &and(&b, &c)), r#"a eq "1" and (b eq "2" and c eq "3")"#),
            (or(&a, &and(&b, &c)), r#"a eq "1" or b eq "2" and c eq "3""#),
            (and(&or(&a, &b), &c), r#"(a eq "1" or b eq "2") and c eq "3""#),
            (or(&a, &or(&b, &c)), r#"a eq "1" or (b eq "2" or c eq "3")"#),
            (Filter::Not(Box::new(a.clone())), r#"not (a eq "1")"#),
        ];
        for (filter, expected) in cases {
            assert_eq!(filter.to_string(), expected);
        }
    }

    #[test]
    fn escapes_strings_as_json() {
        let value = CompValue::String("q\"b\\s/\n\t\u{1}é".into());
        assert_eq!(value.to_string(), r#""q\"b\\s/\n\t\u0001é""#);
    }

    #[test]
    fn prints_paths_with_urn_filter_and_sub_attribute() {
        let path = AttrPath {
            urn: Some("urn:ietf:params:scim:schemas:core:2.0:User".into()),
            name: "emails".into(),
            filter: Some(Box::new(compare("type", "work"))),
            sub_attr: Some("value".into()),
        };
        assert_eq!(path.to_string(), r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#);
    }
}
