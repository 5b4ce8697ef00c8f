//! The attribute-mapping table of the provisioning tutorials, read and written.
//!
//! Two forms are read. The markdown form:
//!
//! ```text
//! |Attribute|Type|Supported for filtering|Required by Real Links|
//! |---|---|---|---|
//! |userName|String|&check;|&check;
//! |active|Boolean||&check;
//! ```
//!
//! and the plain-text form a web page turns into when copied, one row a line or all on one
//! line (`Attribute Type Supported For Filtering userName String ✓ externalId String ...`).
//! The last two columns are optional in both. In the plain form an empty cell leaves no trace,
//! so marks are given to the columns left to right; the markdown form is exact.
//!
//! This module only knows the text; what the rows mean for a project is in `mapping`.

use std::fmt::Write as _;

/// One row: an attribute path and what the table says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The path as written: `userName`, `emails[type eq "work"].value`, `urn:...:User:department`.
    pub attribute: String,
    /// The type as written (`String`, `Boolean`, `Reference`, ...).
    pub type_name: String,
    /// Marked in the "Supported for filtering" column.
    pub filter: bool,
    /// Marked in the "Required by ..." column.
    pub required: bool,
}

/// One table of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The text just before the table (a heading or the paragraph introducing it), which says
    /// whether it maps users or groups.
    pub context: String,
    /// Whether the table has the "Supported for filtering" column.
    pub has_filter_column: bool,
    /// Whether the table has the "Required" column.
    pub has_required_column: bool,
    /// `Real Links` of "Required by Real Links".
    pub required_by: Option<String>,
    pub rows: Vec<Row>,
}

/// The type names a table may use (case-insensitive), as Entra ID's attribute editor spells them.
pub const TYPE_NAMES: [&str; 8] =
    ["String", "Boolean", "Integer", "Decimal", "DateTime", "Reference", "Binary", "Complex"];

/// The canonical spelling of a type name, if it is one.
pub fn type_name(word: &str) -> Option<&'static str> {
    TYPE_NAMES.iter().copied().find(|t| t.eq_ignore_ascii_case(word))
}

/// Whether a cell or token is a check mark.
fn is_mark(text: &str) -> bool {
    let text = text.trim();
    ["&check;", "✓", "✔", "✔️", "✅", "&#10003;", "&#x2713;", "x", "yes", "true", "y"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(text))
}

/// Every attribute-mapping table in `text`: the markdown ones if there are any, else the
/// plain-text ones.
pub fn parse_tables(text: &str) -> Vec<Table> {
    let markdown = parse_markdown(text);
    if markdown.is_empty() { parse_plain(text) } else { markdown }
}

fn split_cells(line: &str) -> Vec<String> {
    let trimmed = line.trim();
    let inner = trimmed.strip_prefix('|').unwrap_or(trimmed);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

/// `(filter column, required column, required by)` for a header row, if it is one.
fn header_columns(cells: &[String]) -> Option<(bool, bool, Option<String>)> {
    let first = cells.first()?;
    let second = cells.get(1)?;
    if !first.eq_ignore_ascii_case("attribute") || !second.eq_ignore_ascii_case("type") {
        return None;
    }
    let filter = cells.get(2).is_some_and(|c| c.to_ascii_lowercase().contains("filter"));
    let required_cell =
        cells.get(if filter { 3 } else { 2 }).filter(|c| c.to_ascii_lowercase().starts_with("required"));
    let required_by = required_cell.and_then(|c| {
        let rest = c.get("required".len()..)?.trim();
        let rest = rest.strip_prefix("by").or_else(|| rest.strip_prefix("By"))?.trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    });
    Some((filter, required_cell.is_some(), required_by))
}

/// A cell of a markdown separator line: dashes, with colons for alignment.
fn is_separator_cell(cell: &str) -> bool {
    cell.contains('-') && cell.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
}

fn parse_markdown(text: &str) -> Vec<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = Vec::new();
    let mut index = 0;
    let mut last_table_end = 0;
    while index < lines.len() {
        let line = lines[index].trim();
        let header = line.starts_with('|').then(|| header_columns(&split_cells(line))).flatten();
        let Some((has_filter_column, has_required_column, required_by)) = header else {
            index += 1;
            continue;
        };
        let context = context_before(&lines[last_table_end..index]);
        index += 1;
        let mut rows = Vec::new();
        while let Some(line) = lines.get(index).map(|l| l.trim()).filter(|l| l.starts_with('|')) {
            index += 1;
            let cells = split_cells(line);
            let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
            // An empty attribute cell names nothing, and one made of dashes is a separator line
            // (`|---|---|`, or a mangled one such as `|---|:-|x|`): no attribute path is spelt
            // that way, and a row kept with it would be written back as a separator.
            if cell(0).is_empty() || is_separator_cell(cell(0)) {
                continue;
            }
            let mut marks = 2;
            let filter = has_filter_column && {
                marks += 1;
                is_mark(cell(2))
            };
            let required = has_required_column && is_mark(cell(marks));
            rows.push(Row { attribute: cell(0).to_owned(), type_name: cell(1).to_owned(), filter, required });
        }
        last_table_end = index;
        tables.push(Table { context, has_filter_column, has_required_column, required_by, rows });
    }
    tables
}

/// The last few non-empty lines before a table (its heading or introduction).
fn context_before(lines: &[&str]) -> String {
    let kept: Vec<&str> = lines.iter().rev().map(|l| l.trim()).filter(|l| !l.is_empty()).take(3).collect();
    kept.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// Whitespace-separated tokens, keeping `emails[type eq "work"].value` whole; with byte offsets.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut depth = 0usize;
    let mut in_quotes = false;
    for (i, ch) in text.char_indices() {
        match ch {
            '"' if depth > 0 => in_quotes = !in_quotes,
            '[' if !in_quotes => depth += 1,
            ']' if !in_quotes => depth = depth.saturating_sub(1),
            _ => {}
        }
        if ch.is_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                out.push((s, &text[s..i]));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Whether a token can be an attribute path (and not prose like `11.` or `(see`).
fn looks_like_path(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && scim::filter::parse_path(token).is_ok()
}

fn parse_plain(text: &str) -> Vec<Table> {
    let tokens = tokens(text);
    let word = |i: usize| tokens.get(i).map_or("", |t| t.1);
    let is_pair = |i: usize| looks_like_path(word(i)) && type_name(word(i + 1)).is_some();
    let mut tables = Vec::new();
    let mut index = 0;
    let mut last_table_end = 0;
    while index < tokens.len() {
        if !(word(index).eq_ignore_ascii_case("attribute") && word(index + 1).eq_ignore_ascii_case("type")) {
            index += 1;
            continue;
        }
        let header_start = index;
        let mut at = index + 2;
        let mut has_filter_column = false;
        if ["supported", "for", "filtering"].iter().enumerate().all(|(k, w)| word(at + k).eq_ignore_ascii_case(w)) {
            has_filter_column = true;
            at += 3;
        }
        let mut has_required_column = false;
        let mut required_by = None;
        if word(at).eq_ignore_ascii_case("required") {
            has_required_column = true;
            at += 1;
            if word(at).eq_ignore_ascii_case("by") {
                at += 1;
                let mut name = Vec::new();
                while at < tokens.len() && !is_pair(at) && name.len() < 6 {
                    name.push(word(at));
                    at += 1;
                }
                required_by = (!name.is_empty()).then(|| name.join(" "));
            }
        }
        if !is_pair(at) {
            index += 1;
            continue;
        }
        let context_start = tokens.get(last_table_end).map_or(0, |t| t.0);
        let context_end = tokens.get(header_start).map_or(text.len(), |t| t.0);
        let context = last_sentences(text.get(context_start..context_end).unwrap_or(""));
        let columns = usize::from(has_filter_column) + usize::from(has_required_column);
        let mut rows = Vec::new();
        while is_pair(at) {
            let mut row = Row {
                attribute: word(at).to_owned(),
                type_name: word(at + 1).to_owned(),
                filter: false,
                required: false,
            };
            at += 2;
            let mut marks = 0;
            while marks < columns && is_plain_mark(word(at)) {
                if has_filter_column && marks == 0 {
                    row.filter = true;
                } else {
                    row.required = true;
                }
                marks += 1;
                at += 1;
            }
            rows.push(row);
        }
        last_table_end = at;
        index = at;
        tables.push(Table { context, has_filter_column, has_required_column, required_by, rows });
    }
    tables
}

/// In running text only symbols count as marks (`x` or `yes` could be prose).
fn is_plain_mark(token: &str) -> bool {
    ["&check;", "✓", "✔", "✔️", "✅"].contains(&token)
}

/// The end of the text before a plain-text table: about its last 400 characters.
fn last_sentences(text: &str) -> String {
    let trimmed = text.trim();
    let start = trimmed.char_indices().rev().nth(399).map_or(0, |(i, _)| i);
    trimmed[start..].to_owned()
}

/// The system a tutorial is about: `GoLinks` of "Tutorial: Configure GoLinks for automatic
/// user provisioning".
pub fn system_name(text: &str) -> Option<&str> {
    let start = text.find("Configure ")? + "Configure ".len();
    let rest = text.get(start..)?;
    let end = rest.find(" for automatic")?;
    let name = rest.get(..end)?.trim();
    (!name.is_empty() && name.len() <= 60 && !name.contains('\n')).then_some(name)
}

/// A table in the markdown form, under a heading naming the resource type.
pub fn render_markdown(heading: &str, table: &Table) -> String {
    let mut out = format!("### {heading}\n\n|Attribute|Type|");
    let mut separator = "|---|---|".to_owned();
    if table.has_filter_column {
        out.push_str("Supported for filtering|");
        separator.push_str("---|");
    }
    if table.has_required_column {
        match &table.required_by {
            Some(name) => {
                let _ = write!(out, "Required by {name}|");
            }
            None => out.push_str("Required|"),
        }
        separator.push_str("---|");
    }
    let _ = writeln!(out, "\n{separator}");
    let mark = |on: bool| if on { "&check;" } else { "" };
    for row in &table.rows {
        let _ = write!(out, "|{}|{}|", row.attribute, row.type_name);
        if table.has_filter_column {
            let _ = write!(out, "{}|", mark(row.filter));
        }
        if table.has_required_column {
            let _ = write!(out, "{}|", mark(row.required));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(attribute: &str, type_name: &str, filter: bool, required: bool) -> Row {
        Row { attribute: attribute.into(), type_name: type_name.into(), filter, required }
    }

    #[test]
    fn markdown_with_ragged_rows_and_context() {
        let text = "Review the group attributes.\n\n   |Attribute|Type|Supported for filtering|Required by ALVAO|\n   |---|---|---|---|\n   |displayName|String|&check;|&check;\n   |externalId|String||\n   |members|Reference||\n\nAfter.";
        let tables = parse_tables(text);
        assert_eq!(tables.len(), 1);
        let table = &tables[0];
        assert_eq!(table.required_by.as_deref(), Some("ALVAO"));
        assert!(table.has_filter_column && table.has_required_column);
        assert_eq!(table.context, "Review the group attributes.");
        assert_eq!(
            table.rows,
            vec![
                row("displayName", "String", true, true),
                row("externalId", "String", false, false),
                row("members", "Reference", false, false)
            ]
        );
    }

    #[test]
    fn a_mangled_separator_line_inside_a_table_is_not_a_row() {
        // Found by the `table` fuzz target: a second separator line whose later cells are not
        // dashes was read as a row named `---`, which renders back as a separator line.
        let text = "|Attribute|Type|Supported for filtering|Required by Real Links|\n|---|---|---|---|\n|userName|String|&check;|&check;|\n|---|---|-|&c--he|-c-k\n|active|Boolean||&check;|\n";
        let tables = parse_tables(text);
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].rows, vec![row("userName", "String", true, true), row("active", "Boolean", false, true)]);
        let rendered = render_markdown("Attribute mapping", &tables[0]);
        assert_eq!(parse_tables(&rendered)[0].rows, tables[0].rows);
    }

    #[test]
    fn markdown_without_the_optional_columns() {
        let tables = parse_tables("|Attribute|Type|\n|--|--|\n|userName|String|\n");
        assert_eq!(tables[0].rows, vec![row("userName", "String", false, false)]);
        assert!(!tables[0].has_filter_column && !tables[0].has_required_column);
    }

    #[test]
    fn plain_text_on_one_line_with_value_filters() {
        let text = "select Users. Attribute Type Supported For Filtering userName String ✓ externalId String \
                    emails[type eq \"work\"].value String urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department String To configure scoping";
        let tables = parse_tables(text);
        assert_eq!(tables.len(), 1);
        assert_eq!(
            tables[0].rows,
            vec![
                row("userName", "String", true, false),
                row("externalId", "String", false, false),
                row("emails[type eq \"work\"].value", "String", false, false),
                row("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "String", false, false),
            ]
        );
        assert!(!tables[0].has_required_column);
    }

    #[test]
    fn plain_text_one_row_a_line_with_required_by() {
        let text = "Review.\n\n    Attribute Type Supported for filtering Required by Real Links\n    userName String\n    active Boolean\n  11. To configure";
        let tables = parse_tables(text);
        assert_eq!(tables[0].required_by.as_deref(), Some("Real Links"));
        assert_eq!(
            tables[0].rows,
            vec![row("userName", "String", false, false), row("active", "Boolean", false, false)]
        );
    }

    #[test]
    fn prose_mentioning_attributes_is_not_a_table() {
        assert!(parse_tables("Each attribute type is described below. The Attribute Type column says.").is_empty());
    }

    #[test]
    fn rendered_markdown_parses_back() {
        let table = Table {
            context: String::new(),
            has_filter_column: true,
            has_required_column: true,
            required_by: Some("Real Links".into()),
            rows: vec![
                row("userName", "String", true, true),
                row("emails[type eq \"work\"].value", "String", false, false),
            ],
        };
        let text = render_markdown("User attributes", &table);
        let parsed = parse_tables(&text);
        assert_eq!(parsed[0].rows, table.rows);
        assert_eq!(parsed[0].required_by, table.required_by);
        assert_eq!(parsed[0].context, "### User attributes");
    }
}
