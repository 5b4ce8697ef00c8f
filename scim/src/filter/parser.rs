//! Recursive-descent parser for filters (RFC 7644 section 3.4.2.2, figure 1) and PATCH paths
//! (section 3.5.2).
//!
//! Precedence, loosest first: `or`, `and`, then `not (..)`, `(..)`, comparisons and value paths.
//! `and` and `or` associate to the left. Keywords and operators are case-insensitive. Every error
//! names the offending token and its byte offset. Nesting is counted before each recursive step,
//! so no input can exhaust the stack; input length and the number of comparisons are bounded too.

use super::ast::{AttrPath, CompValue, CompareOp, Filter};
use super::lexer::{LexError, Lexer, Token, TokenKind, decode_string, parse_number};
use crate::error::{ScimError, ScimResult};

/// The longest filter or path accepted by default, in bytes.
pub const MAX_FILTER_LENGTH: usize = 4096;
/// The deepest nesting of parentheses, `not (..)` and value filters accepted by default.
pub const MAX_FILTER_DEPTH: usize = 32;
/// The most comparisons (`attrPath op value` or `attrPath pr`) one filter may hold by default.
pub const MAX_FILTER_TERMS: usize = 100;

/// Bounds on what the parser accepts, so a hostile filter costs bounded time and stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterLimits {
    /// The longest input accepted, in bytes.
    pub max_length: usize,
    /// The deepest nesting of `(..)`, `not (..)` and `[..]`.
    pub max_depth: usize,
    /// The most comparisons and presence tests.
    pub max_terms: usize,
}

impl Default for FilterLimits {
    fn default() -> Self {
        FilterLimits { max_length: MAX_FILTER_LENGTH, max_depth: MAX_FILTER_DEPTH, max_terms: MAX_FILTER_TERMS }
    }
}

/// Parse a filter (`filter=` query parameter or SearchRequest `filter`). Errors are `400 invalidFilter`.
pub fn parse_filter(input: &str) -> ScimResult<Filter> {
    parse_filter_with_limits(input, &FilterLimits::default())
}

/// [`parse_filter`] with explicit limits.
pub fn parse_filter_with_limits(input: &str, limits: &FilterLimits) -> ScimResult<Filter> {
    let mut parser = Parser::new(input, limits, Syntax::Filter)?;
    let filter = parser.or_expression()?;
    parser.expect_end("`and`, `or` or the end of the filter")?;
    Ok(filter)
}

/// Parse a PATCH `path` (may carry a value filter and a sub-attribute). Errors are `400 invalidPath`.
pub fn parse_path(input: &str) -> ScimResult<AttrPath> {
    parse_path_with_limits(input, &FilterLimits::default())
}

/// [`parse_path`] with explicit limits (they bound the value filter).
pub fn parse_path_with_limits(input: &str, limits: &FilterLimits) -> ScimResult<AttrPath> {
    let mut parser = Parser::new(input, limits, Syntax::Path)?;
    let mut path = parser.attr_path()?;
    if parser.token.kind != TokenKind::OpenBracket {
        parser.expect_end("`[` or the end of the path")?;
        return Ok(path);
    }
    parser.check_can_take_value_filter(&path)?;
    path.filter = Some(Box::new(parser.value_filter()?));
    if parser.token.kind != TokenKind::Dot {
        parser.expect_end("`.` or the end of the path")?;
        return Ok(path);
    }
    path.sub_attr = Some(parser.sub_attr_after_bracket()?);
    parser.expect_end("the end of the path")?;
    Ok(path)
}

/// Parse a plain attribute path with no value filter (`sortBy`, `attributes`). Errors are `400 invalidPath`.
pub fn parse_attr_path(input: &str) -> ScimResult<AttrPath> {
    let mut parser = Parser::new(input, &FilterLimits::default(), Syntax::Path)?;
    let path = parser.attr_path()?;
    if parser.token.kind == TokenKind::OpenBracket {
        return Err(
            parser.error(format!("a value filter is not allowed here: found `[` at byte {}", parser.token.start))
        );
    }
    parser.expect_end("the end of the attribute path")?;
    Ok(path)
}

/// Which grammar is being parsed, which decides the `scimType` of errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Filter,
    Path,
}

impl Syntax {
    fn error(self, detail: String) -> ScimError {
        match self {
            Syntax::Filter => ScimError::invalid_filter(detail),
            Syntax::Path => ScimError::invalid_path(detail),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Syntax::Filter => "filter",
            Syntax::Path => "path",
        }
    }
}

/// The longest piece of input quoted back in an error detail.
const MAX_QUOTED_CHARS: usize = 40;

#[derive(Debug)]
struct Parser<'a> {
    input: &'a str,
    lexer: Lexer<'a>,
    /// The current (not yet consumed) token.
    token: Token,
    /// The token consumed last, for "after `x`" in error details.
    previous: Option<Token>,
    syntax: Syntax,
    limits: FilterLimits,
    depth: usize,
    terms: usize,
    /// Inside `[..]`, where another value filter may not appear (valFilter has no valuePath).
    in_value_filter: bool,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, limits: &FilterLimits, syntax: Syntax) -> ScimResult<Self> {
        if input.len() > limits.max_length {
            return Err(syntax.error(format!(
                "the {} is {} bytes long; the limit is {} bytes",
                syntax.noun(),
                input.len(),
                limits.max_length
            )));
        }
        let mut lexer = Lexer::new(input);
        let token = lexer.next_token().map_err(|lex_error| syntax.error(lex_error.message))?;
        Ok(Parser {
            input,
            lexer,
            token,
            previous: None,
            syntax,
            limits: *limits,
            depth: 0,
            terms: 0,
            in_value_filter: false,
        })
    }

    // ---- errors ----

    fn error(&self, detail: String) -> ScimError {
        self.syntax.error(detail)
    }

    fn lex_error(&self, error: LexError) -> ScimError {
        self.error(error.message)
    }

    /// The text of a token as quoted in an error detail: `` `equals` `` or `end of input`.
    fn describe(&self, token: Token) -> String {
        if token.kind == TokenKind::End {
            return "end of input".to_owned();
        }
        let text = self.input.get(token.start..token.end).unwrap_or_default();
        match text.char_indices().nth(MAX_QUOTED_CHARS) {
            Some((cut, _)) => format!("`{}…`", text.get(..cut).unwrap_or_default()),
            None => format!("`{text}`"),
        }
    }

    /// "expected {what} after `x` at byte N, found `y`", about the current token.
    fn expected(&self, what: &str) -> ScimError {
        let found = self.describe(self.token);
        let offset = self.token.start;
        let detail = match self.previous {
            Some(previous) => {
                format!("expected {what} after {} at byte {offset}, found {found}", self.describe(previous))
            }
            None => format!("expected {what} at byte {offset}, found {found}"),
        };
        self.error(detail)
    }

    // ---- tokens ----

    fn advance(&mut self) -> ScimResult<()> {
        self.previous = Some(self.token);
        self.token = self.lexer.next_token().map_err(|error| self.lex_error(error))?;
        Ok(())
    }

    fn text(&self, token: Token) -> &'a str {
        self.input.get(token.start..token.end).unwrap_or_default()
    }

    fn at_keyword(&self, keyword: &str) -> bool {
        self.token.kind == TokenKind::Word && self.text(self.token).eq_ignore_ascii_case(keyword)
    }

    /// The token after the current one, or `None` if it does not lex (the error surfaces later).
    fn peek(&self) -> Option<Token> {
        self.lexer.clone().next_token().ok()
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> ScimResult<()> {
        if self.token.kind != kind {
            return Err(self.expected(what));
        }
        self.advance()
    }

    fn expect_end(&self, what: &str) -> ScimResult<()> {
        if self.token.kind == TokenKind::End { Ok(()) } else { Err(self.expected(what)) }
    }

    /// Count one more level of nesting, failing before the parser recurses past the limit.
    fn enter(&mut self) -> ScimResult<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            let offset = self.token.start;
            return Err(self.error(format!(
                "nesting at byte {offset} is deeper than the limit of {} levels of `(`, `not (` and `[`",
                self.limits.max_depth
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- filters ----

    /// `filter = andExpr *("or" andExpr)`
    fn or_expression(&mut self) -> ScimResult<Filter> {
        let mut left = self.and_expression()?;
        while self.at_keyword("or") {
            self.advance()?;
            let right = self.and_expression()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `andExpr = unary *("and" unary)`
    fn and_expression(&mut self) -> ScimResult<Filter> {
        let mut left = self.unary()?;
        while self.at_keyword("and") {
            self.advance()?;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `unary = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath`
    fn unary(&mut self) -> ScimResult<Filter> {
        match self.token.kind {
            TokenKind::OpenParen => self.parenthesised(),
            TokenKind::Word if self.at_keyword("not") && !self.next_continues_attr_path() => {
                self.advance()?;
                if self.token.kind != TokenKind::OpenParen {
                    return Err(self.expected("`(` (RFC 7644 requires `not (filter)`)"));
                }
                Ok(Filter::Not(Box::new(self.parenthesised()?)))
            }
            TokenKind::Word => self.attr_expression(),
            _ => Err(self.expected("an attribute path, `(` or `not`")),
        }
    }

    /// `"(" filter ")"`, the current token being `(`.
    fn parenthesised(&mut self) -> ScimResult<Filter> {
        self.enter()?;
        self.advance()?;
        let inner = self.or_expression()?;
        self.expect(TokenKind::CloseParen, "`)`, `and` or `or`")?;
        self.leave();
        Ok(inner)
    }

    /// Whether a `not` is an attribute named `not` (followed by an operator, `pr` or `[`) rather
    /// than the keyword; the RFC's `not` is always followed by `(`.
    fn next_continues_attr_path(&self) -> bool {
        match self.peek() {
            Some(Token { kind: TokenKind::OpenBracket, .. }) => true,
            Some(next @ Token { kind: TokenKind::Word, .. }) => is_operator(self.text(next)),
            _ => false,
        }
    }

    /// Whether the current token is a comparison operator or `pr`.
    fn at_operator(&self) -> bool {
        self.token.kind == TokenKind::Word && is_operator(self.text(self.token))
    }

    /// `attrExp = attrPath SP "pr" / attrPath SP compareOp SP compValue`, or a value path
    /// `attrPath "[" valFilter "]"`, optionally followed by `.subAttr` and a comparison.
    fn attr_expression(&mut self) -> ScimResult<Filter> {
        let mut path = self.attr_path()?;
        if self.token.kind == TokenKind::OpenBracket {
            if self.in_value_filter {
                let offset = self.token.start;
                return Err(self.error(format!(
                    "a value filter cannot contain another value filter: found `[` after {} at byte {offset}",
                    self.describe(self.previous.unwrap_or(self.token))
                )));
            }
            self.check_can_take_value_filter(&path)?;
            let filter = self.value_filter()?;
            if self.token.kind != TokenKind::Dot {
                if self.at_operator() {
                    return Err(self.expected("`.` and a sub-attribute before a comparison operator"));
                }
                return Ok(Filter::ValuePath { path, filter: Box::new(filter) });
            }
            path.sub_attr = Some(self.sub_attr_after_bracket()?);
            path.filter = Some(Box::new(filter));
        }
        self.count_term()?;
        if self.token.kind != TokenKind::Word {
            return Err(self.expected("a comparison operator or `pr`"));
        }
        let operator = self.text(self.token);
        if operator.eq_ignore_ascii_case("pr") {
            self.advance()?;
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(operator) else {
            return Err(self.expected("a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr`"));
        };
        self.advance()?;
        let value = self.comp_value()?;
        Ok(Filter::Compare { path, op, value })
    }

    fn count_term(&mut self) -> ScimResult<()> {
        self.terms += 1;
        if self.terms > self.limits.max_terms {
            let offset = self.previous.map_or(0, |token| token.start);
            return Err(self.error(format!(
                "the filter has more than the limit of {} comparisons (the one at byte {offset} is over)",
                self.limits.max_terms
            )));
        }
        Ok(())
    }

    /// `"[" valFilter "]"`, the current token being `[`.
    fn value_filter(&mut self) -> ScimResult<Filter> {
        self.enter()?;
        self.advance()?;
        let was_in_value_filter = std::mem::replace(&mut self.in_value_filter, true);
        let filter = self.or_expression()?;
        self.in_value_filter = was_in_value_filter;
        self.expect(TokenKind::CloseBracket, "`]`, `and` or `or`")?;
        self.leave();
        Ok(filter)
    }

    /// A value filter applies to a multi-valued attribute itself, not to one of its sub-attributes.
    fn check_can_take_value_filter(&self, path: &AttrPath) -> ScimResult<()> {
        if path.sub_attr.is_none() {
            return Ok(());
        }
        let offset = self.token.start;
        Err(self.error(format!(
            "a value filter must follow an attribute without a sub-attribute: found `[` after {} at byte {offset}",
            self.describe(self.previous.unwrap_or(self.token))
        )))
    }

    /// `"." ATTRNAME` after `]`, the current token being `.`.
    fn sub_attr_after_bracket(&mut self) -> ScimResult<String> {
        self.advance()?;
        if self.token.kind != TokenKind::Word {
            return Err(self.expected("a sub-attribute name"));
        }
        let word = self.text(self.token);
        check_attr_name(word).map_err(|problem| self.name_error(word, self.token.start, problem))?;
        self.advance()?;
        Ok(word.to_owned())
    }

    /// `compValue = false / null / true / number / string`
    fn comp_value(&mut self) -> ScimResult<CompValue> {
        let token = self.token;
        let text = self.text(token);
        let value =
            match token.kind {
                TokenKind::String { has_escapes: false } => {
                    CompValue::String(text.get(1..text.len() - 1).unwrap_or_default().to_owned())
                }
                TokenKind::String { has_escapes: true } => {
                    CompValue::String(decode_string(text, token.start).map_err(|error| self.lex_error(error))?)
                }
                TokenKind::Number => CompValue::Number(parse_number(text).ok_or_else(|| {
                    self.error(format!("`{text}` at byte {} is not a valid JSON number", token.start))
                })?),
                TokenKind::Word if text.eq_ignore_ascii_case("true") => CompValue::Bool(true),
                TokenKind::Word if text.eq_ignore_ascii_case("false") => CompValue::Bool(false),
                TokenKind::Word if text.eq_ignore_ascii_case("null") => CompValue::Null,
                _ => return Err(self.expected("a value (a quoted string, a number, true, false or null)")),
            };
        self.advance()?;
        Ok(value)
    }

    // ---- paths ----

    /// `attrPath = [URI ":"] ATTRNAME *1subAttr`, from the current word.
    fn attr_path(&mut self) -> ScimResult<AttrPath> {
        if self.token.kind != TokenKind::Word {
            return Err(self.expected("an attribute path"));
        }
        let token = self.token;
        let word = self.text(token);
        let path = split_attr_path(word)
            .map_err(|(position, problem)| self.name_error(word, token.start + position, problem))?;
        self.advance()?;
        Ok(path)
    }

    fn name_error(&self, word: &str, offset: usize, problem: &str) -> ScimError {
        let shown = match word.char_indices().nth(MAX_QUOTED_CHARS) {
            Some((cut, _)) => word.get(..cut).unwrap_or_default(),
            None => word,
        };
        self.error(format!("invalid attribute path `{shown}`: {problem} at byte {offset}"))
    }
}

/// Whether `word` is a comparison operator or `pr`.
fn is_operator(word: &str) -> bool {
    word.eq_ignore_ascii_case("pr") || CompareOp::from_keyword(word).is_some()
}

/// Split a path word by the URN rule: a word starting with `urn:` is split at its last `:` into
/// the schema URN and `name[.sub]`. On failure, the byte position within the word and the problem.
fn split_attr_path(word: &str) -> Result<AttrPath, (usize, &'static str)> {
    let (urn, rest, rest_start) = match word.rfind(':') {
        Some(colon) => {
            let urn = word.get(..colon).unwrap_or_default();
            if !urn.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:")) {
                return Err((0, "a schema prefix must be a URN starting with `urn:`"));
            }
            (Some(urn), word.get(colon + 1..).unwrap_or_default(), colon + 1)
        }
        None => (None, word, 0),
    };
    let (name, sub_attr) = match rest.split_once('.') {
        Some((name, sub_attr)) => (name, Some(sub_attr)),
        None => (rest, None),
    };
    check_attr_name(name).map_err(|problem| (rest_start, problem))?;
    if let Some(sub_attr) = sub_attr {
        let sub_start = rest_start + name.len() + 1;
        if let Some(dot) = sub_attr.find('.') {
            return Err((sub_start + dot, "an attribute path has at most one `.` sub-attribute"));
        }
        check_attr_name(sub_attr).map_err(|problem| (sub_start, problem))?;
    }
    Ok(AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        filter: None,
        sub_attr: sub_attr.map(str::to_owned),
    })
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`; `$ref` (RFC 7643
/// section 2.3.7) is accepted too.
fn check_attr_name(name: &str) -> Result<(), &'static str> {
    let mut bytes = name.bytes();
    match bytes.next() {
        None => return Err("expected an attribute name"),
        Some(b'$') if name.eq_ignore_ascii_case("$ref") => return Ok(()),
        Some(first) if !first.is_ascii_alphabetic() => return Err("an attribute name must start with a letter"),
        Some(_) => {}
    }
    if bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_') {
        Ok(())
    } else if name.contains('.') {
        Err("a sub-attribute has no sub-attributes of its own")
    } else {
        Err("an attribute name may only contain letters, digits, `-` and `_`")
    }
}
