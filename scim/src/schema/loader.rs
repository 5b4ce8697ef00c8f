//! Loading and validating user schema files (vendor extensions): every problem is reported
//! with the file, the JSON path and what is wrong.
//!
//! A schema file is one RFC 7643 section 7 schema representation (`id`, `name`,
//! `description`, `attributes`), the same shape as the built-in files in `schemas/`. The file
//! is checked by walking its JSON value, so one run reports every problem rather than the first
//! serde error; only a file without problems is deserialised into a [`Schema`].

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Schema, builtin, suggestion};

/// One problem in a schema file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// The file (or other source) the schema came from.
    pub file: String,
    /// The JSON path of the offending value, e.g. `$.attributes[3].subAttributes[0].type`.
    pub path: String,
    /// What is wrong, and where possible what would be right.
    pub message: String,
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.path, self.message)
    }
}

/// Every problem found in a schema file (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_problems(.problems))]
pub struct SchemaFileErrors {
    /// The problems, in the order they occur in the file.
    pub problems: Vec<SchemaProblem>,
}

fn render_problems(problems: &[SchemaProblem]) -> String {
    let count = match problems.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let file = problems.first().map(|p| p.file.as_str()).unwrap_or_default();
    let mut out = format!("{count} in schema file {file}:");
    for problem in problems {
        out.push_str(&format!("\n  {}: {}", problem.path, problem.message));
    }
    out
}

/// A project's schema set: the built-in schemas with `schemas` added, where one that redefines a
/// built-in URN (a stricter copy, say) replaces the built-in. The one definition of "built-ins,
/// overridden by files" for the derive, the generator and the CLI.
pub fn with_builtins(schemas: impl IntoIterator<Item = Schema>) -> Vec<Arc<Schema>> {
    let mut set = builtin::all_schemas();
    for schema in schemas {
        set.retain(|s| !s.id.eq_ignore_ascii_case(&schema.id));
        set.push(Arc::new(schema));
    }
    set
}

/// What [`load_schema_set`] made of one file: the URN of the schema it defines, or its problems.
pub type FileOutcome = Result<String, SchemaFileErrors>;

/// Load schema files over the built-ins ([`with_builtins`]). `files` are pairs of the path to
/// read and the name the file's problems give it; the outcome of each file comes back in the
/// same order, so each caller reports failures in its own terms (a span, a JSON path, a hint).
pub fn load_schema_set<P: AsRef<Path>, N: AsRef<str>>(
    files: impl IntoIterator<Item = (P, N)>,
) -> (Vec<Arc<Schema>>, Vec<FileOutcome>) {
    let mut loaded = Vec::new();
    let outcomes = files
        .into_iter()
        .map(|(path, name)| {
            let schema = load_schema_file_named(path.as_ref(), name.as_ref())?;
            let urn = schema.id.clone();
            loaded.push(schema);
            Ok(urn)
        })
        .collect();
    (with_builtins(loaded), outcomes)
}

/// Read and validate a schema file; a vendor extension is loaded the same way.
pub fn load_schema_file(path: &Path) -> Result<Schema, SchemaFileErrors> {
    load_schema_file_named(path, &path.display().to_string())
}

/// [`load_schema_file`], naming the file `source_name` in its problems: the derive names it as
/// the developer wrote it, since the absolute path depends on where the crate is built.
pub fn load_schema_file_named(path: &Path, source_name: &str) -> Result<Schema, SchemaFileErrors> {
    match std::fs::read_to_string(path) {
        Ok(json) => parse_schema(source_name, &json),
        Err(error) => Err(SchemaFileErrors {
            problems: vec![SchemaProblem {
                file: source_name.to_owned(),
                path: "$".into(),
                message: format!("cannot read the file: {}", describe_io_error(&error)),
            }],
        }),
    }
}

/// Validate and deserialise the schema in `json`; `source_name` names it in the problems.
pub fn parse_schema(source_name: &str, json: &str) -> Result<Schema, SchemaFileErrors> {
    let mut checker = Checker { file: source_name, problems: Vec::new() };
    let value: Value = match serde_json::from_str(json) {
        Ok(value) => value,
        Err(error) => {
            checker.problem("$", describe_json_error(&error));
            return Err(checker.into_errors());
        }
    };
    checker.schema(&value);
    if !checker.problems.is_empty() {
        return Err(checker.into_errors());
    }
    // The walk above checks everything serde would reject, so this only fails if the two drift
    // apart; report it rather than panic.
    serde_json::from_value(value).map_err(|error| {
        checker.problem("$", format!("does not match the schema model: {error}"));
        checker.into_errors()
    })
}

/// The JSON Schema (draft 2020-12) of the schema-file format, for editors to validate users'
/// files; checked in as `schemas/scim-schema-file.schema.json`.
pub fn schema_file_json_schema() -> Value {
    schemars::schema_for!(Schema).to_value()
}

/// An io error in words, without the `(os error 2)` suffix.
fn describe_io_error(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    }
}

/// A JSON syntax error with its position, e.g. `invalid JSON at line 3, column 7: expected `,``.
fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    format!("invalid JSON at line {}, column {}: {message}", error.line(), error.column())
}

/// The keys an attribute definition may have (RFC 7643 section 7).
const ATTRIBUTE_KEYS: [&str; 12] = [
    "name",
    "type",
    "subAttributes",
    "multiValued",
    "description",
    "required",
    "canonicalValues",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
    "referenceTypes",
];

/// The keys a schema may have besides `id`, `name`, `description` and `attributes`: the ones a
/// `/Schemas` response carries, and `$schema` for editors.
const SCHEMA_KEYS: [&str; 7] = ["id", "name", "description", "attributes", "schemas", "meta", "$schema"];

const TYPES: [&str; 8] = ["string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"];
const MUTABILITIES: [&str; 4] = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED: [&str; 4] = ["always", "never", "default", "request"];
const UNIQUENESSES: [&str; 3] = ["none", "server", "global"];

/// Whether attributes are top-level ones or sub-attributes of a complex attribute.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Sub,
}

struct Checker<'a> {
    file: &'a str,
    problems: Vec<SchemaProblem>,
}

impl Checker<'_> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(SchemaProblem {
            file: self.file.to_owned(),
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn into_errors(self) -> SchemaFileErrors {
        SchemaFileErrors { problems: self.problems }
    }

    fn schema(&mut self, value: &Value) {
        let Some(object) = value.as_object() else {
            self.problem("$", format!("a schema file must be a JSON object, found {}", describe(value)));
            return;
        };
        self.unknown_keys("$", object, &SCHEMA_KEYS);
        match object.get("id") {
            None => self.problem("$", "`id` is missing; it is the schema's URN, e.g. `urn:example:params:scim:schemas:extension:acme:2.0:User`"),
            Some(Value::String(id)) => self.schema_id("$.id", id),
            Some(other) => self.problem("$.id", format!("`id` must be a string (the schema's URN), found {}", describe(other))),
        }
        self.optional_string("$", object, "name");
        self.optional_string("$", object, "description");
        match object.get("attributes") {
            None => self.problem("$", "`attributes` is missing; it is the list of attribute definitions"),
            Some(Value::Array(attributes)) => self.attributes("$.attributes", attributes, Level::Top),
            Some(other) => self.problem(
                "$.attributes",
                format!("`attributes` must be a list of attribute definitions, found {}", describe(other)),
            ),
        }
    }

    fn schema_id(&mut self, path: &str, id: &str) {
        let is_urn = id.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:"));
        if !is_urn {
            self.problem(path, format!("schema id `{id}` is not a URN; it must start with `urn:`"));
        }
        if id.chars().any(char::is_whitespace) {
            self.problem(path, format!("schema id `{id}` contains whitespace"));
        }
    }

    fn attributes(&mut self, path: &str, attributes: &[Value], level: Level) {
        // Names seen so far, lower-cased, with where they were defined.
        let mut seen: Vec<(String, String)> = Vec::new();
        for (index, attribute) in attributes.iter().enumerate() {
            let attribute_path = format!("{path}[{index}]");
            let Some(name) = self.attribute(&attribute_path, attribute, level) else { continue };
            let lower = name.to_ascii_lowercase();
            match seen.iter().find(|(seen_name, _)| *seen_name == lower) {
                Some((_, first)) => self.problem(
                    &format!("{attribute_path}.name"),
                    format!(
                        "duplicate attribute name `{name}`: attribute names are case-insensitive and `{first}` \
                         already defines it"
                    ),
                ),
                None => seen.push((lower, attribute_path)),
            }
        }
    }

    /// Check one attribute definition; returns its name when it has a valid one.
    fn attribute<'v>(&mut self, path: &str, value: &'v Value, level: Level) -> Option<&'v str> {
        let Some(object) = value.as_object() else {
            self.problem(path, format!("an attribute definition must be a JSON object, found {}", describe(value)));
            return None;
        };
        self.unknown_keys(path, object, &ATTRIBUTE_KEYS);
        let name = self.attribute_name(path, object, level);
        let kind = match object.get("type") {
            // RFC 7643 section 2.2: without a type, an attribute is a string.
            None => Some("string"),
            Some(value) => self.one_of(&child(path, "type"), "type", value, &TYPES),
        };
        for key in ["multiValued", "required", "caseExact"] {
            if let Some(value) = object.get(key).filter(|v| !v.is_boolean()) {
                self.problem(&child(path, key), format!("`{key}` must be true or false, found {}", describe(value)));
            }
        }
        self.optional_string(path, object, "description");
        if let Some(value) = object.get("mutability") {
            self.one_of(&child(path, "mutability"), "mutability", value, &MUTABILITIES);
        }
        if let Some(value) = object.get("returned") {
            self.one_of(&child(path, "returned"), "returned", value, &RETURNED);
        }
        if let Some(value) = object.get("uniqueness") {
            self.one_of(&child(path, "uniqueness"), "uniqueness", value, &UNIQUENESSES);
        }
        if let Some(value) = object.get("canonicalValues") {
            self.string_list(&child(path, "canonicalValues"), "canonicalValues", value);
        }
        if let Some(value) = object.get("referenceTypes") {
            self.string_list(&child(path, "referenceTypes"), "referenceTypes", value);
            if let Some(kind) = kind.filter(|k| *k != "reference") {
                self.problem(
                    &child(path, "referenceTypes"),
                    format!("`referenceTypes` is only for `reference` attributes; this one is `{kind}`"),
                );
            }
        }
        self.sub_attributes(path, object, kind, level);
        name
    }

    fn attribute_name<'v>(&mut self, path: &str, object: &'v Map<String, Value>, level: Level) -> Option<&'v str> {
        let name = match object.get("name") {
            None => {
                self.problem(path, "the attribute has no `name`");
                return None;
            }
            Some(Value::String(name)) => name.as_str(),
            Some(other) => {
                self.problem(&child(path, "name"), format!("`name` must be a string, found {}", describe(other)));
                return None;
            }
        };
        let name_path = child(path, "name");
        if !(is_attribute_name(name) || (level == Level::Sub && name == "$ref")) {
            let allowed = if level == Level::Sub { " (or be `$ref`)" } else { "" };
            self.problem(
                &name_path,
                format!(
                    "`{name}` is not a valid attribute name: it must start with a letter and contain only letters, \
                     digits, `-` and `_`{allowed} (RFC 7643 section 2.1)"
                ),
            );
            return None;
        }
        if level == Level::Top
            && let Some(common) = builtin::common_attribute(name)
        {
            self.problem(
                &name_path,
                format!(
                    "`{name}` is the common attribute `{}` every resource has (RFC 7643 section 3.1); a schema \
                     cannot define it",
                    common.name
                ),
            );
        }
        Some(name)
    }

    fn sub_attributes(&mut self, path: &str, object: &Map<String, Value>, kind: Option<&str>, level: Level) {
        let sub_path = child(path, "subAttributes");
        let is_complex = kind == Some("complex");
        if is_complex && level == Level::Sub {
            self.problem(
                &child(path, "type"),
                "a sub-attribute cannot be complex: complex attributes hold only simple sub-attributes (RFC 7643 \
                 section 2.3.8)",
            );
        }
        match object.get("subAttributes") {
            None if is_complex && level == Level::Top => {
                self.problem(path, "a complex attribute needs `subAttributes` (RFC 7643 section 2.3.8)")
            }
            None => {}
            Some(Value::Array(subs)) => {
                if let Some(kind) = kind.filter(|k| *k != "complex") {
                    self.problem(
                        &sub_path,
                        format!("`subAttributes` is only for `complex` attributes; this one is `{kind}`"),
                    );
                } else if is_complex && subs.is_empty() && level == Level::Top {
                    self.problem(&sub_path, "a complex attribute needs at least one sub-attribute");
                }
                if level == Level::Top {
                    self.attributes(&sub_path, subs, Level::Sub);
                }
            }
            Some(other) => self.problem(
                &sub_path,
                format!("`subAttributes` must be a list of attribute definitions, found {}", describe(other)),
            ),
        }
    }

    /// Check that `value` is a string among `allowed`; returns it when it is.
    fn one_of<'v>(&mut self, path: &str, key: &str, value: &'v Value, allowed: &[&'static str]) -> Option<&'v str> {
        let Some(text) = value.as_str() else {
            self.problem(
                path,
                format!("`{key}` must be a string, one of {}, found {}", allowed.join(", "), describe(value)),
            );
            return None;
        };
        if allowed.contains(&text) {
            return Some(text);
        }
        self.problem(
            path,
            format!(
                "unknown {key} `{text}`{}; it must be one of {}",
                suggestion(text, allowed.iter().copied()),
                allowed.join(", ")
            ),
        );
        None
    }

    fn string_list(&mut self, path: &str, key: &str, value: &Value) {
        let Some(items) = value.as_array() else {
            self.problem(path, format!("`{key}` must be a list of strings, found {}", describe(value)));
            return;
        };
        for (index, item) in items.iter().enumerate() {
            if !item.is_string() {
                self.problem(
                    &format!("{path}[{index}]"),
                    format!("`{key}` entries must be strings, found {}", describe(item)),
                );
            }
        }
    }

    /// `null` is allowed, as the model (an `Option`) and the JSON Schema allow it.
    fn optional_string(&mut self, path: &str, object: &Map<String, Value>, key: &str) {
        if let Some(value) = object.get(key).filter(|v| !v.is_string() && !v.is_null()) {
            self.problem(&child(path, key), format!("`{key}` must be a string, found {}", describe(value)));
        }
    }

    fn unknown_keys(&mut self, path: &str, object: &Map<String, Value>, known: &[&'static str]) {
        for key in object.keys().filter(|k| !known.contains(&k.as_str())) {
            self.problem(&child(path, key), format!("unknown key `{key}`{}", suggestion(key, known.iter().copied())));
        }
    }
}

/// ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA (RFC 7643 section 2.1).
fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `path.key`, or `path["key"]` when the key is not a plain identifier.
fn child(path: &str, key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain { format!("{path}.{key}") } else { format!("{path}[{}]", Value::String(key.to_owned())) }
}

/// A JSON value's kind and, for scalars, the value itself: `string "yes"`, `number 3`.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("string {}", Value::String(s.clone())),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}
