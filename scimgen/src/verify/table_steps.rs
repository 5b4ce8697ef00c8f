//! `--table`: the attributes of a vendor's Entra mapping table, each checked to round-trip.
//!
//! For one table the steps are: create a resource carrying a value for every row, read it
//! back (a line per attribute), replace every value with one PATCH as Entra does (the manager
//! as a bare id), read back again (a line per attribute), and filter on each row the table
//! marks "Supported for filtering". Rows the server does not advertise fail at once: Entra
//! would send them.

use serde_json::{Map, Value, json};

use super::advertised::{Advertised, attribute_and_sub, split_urn};
use super::profile::{Expect, Step};
use super::report::{Outcome, StepResult};
use crate::mapping::table_resource;
use crate::table::{Row, Table};

const SOURCE: &str = "the --table mapping: Entra sends every attribute of the table";

/// The steps for `table`, and a failed line for each row the server does not advertise.
pub fn steps(table: &Table, advertised: &Advertised) -> (Vec<Step>, Vec<StepResult>) {
    let resource = table_resource(table);
    let line = |id: &str, title: String, outcome, reason: String| StepResult {
        id: id.to_owned(),
        title,
        source: SOURCE.to_owned(),
        outcome,
        reason: Some(reason),
        request: None,
        response: None,
    };
    let Some(resource_type) = advertised.resource_type(resource) else {
        let reason = format!("the server to advertise {resource} (/ResourceTypes)");
        return (Vec::new(), vec![line("table", format!("the table maps {resource}"), Outcome::Fail, reason)]);
    };
    let mut results = Vec::new();
    let mut rows: Vec<(usize, &Row, Kind)> = Vec::new();
    for (index, row) in table.rows.iter().enumerate() {
        let kind = kind(resource, row);
        if let Kind::Untested(why) = kind {
            results.push(line("table", format!("{} round-trips", row.attribute), Outcome::Skip, why.to_owned()));
        } else if !resource_type.advertises(&row.attribute) {
            let reason = format!("{resource} to advertise {} in /Schemas", row.attribute);
            results.push(line("table-advertised", format!("{} is served", row.attribute), Outcome::Fail, reason));
        } else {
            rows.push((index, row, kind));
        }
    }
    let endpoint = format!("/{resource}s");
    let base = |id: &str, title: String, method: &str, path: String| Step {
        id: id.to_owned(),
        title,
        source: SOURCE.to_owned(),
        resource: Some(resource.to_owned()),
        needs: Vec::new(),
        feature: None,
        auth: true,
        method: method.to_owned(),
        path,
        body: None,
        expect: Expect { status: vec![200], ..Expect::default() },
        save: Default::default(),
        creates: false,
        walk: None,
    };
    let mut steps = Vec::new();
    let has_manager = rows.iter().any(|(_, _, kind)| matches!(kind, Kind::Manager));
    if has_manager {
        let mut step =
            base("table-manager", "create the user the manager attribute points to".into(), "POST", endpoint.clone());
        step.body =
            Some(json!({"schemas": [resource_type.core_urn], "userName": "{{marker}}.table-manager@example.com"}));
        step.expect.status = vec![201];
        step.creates = true;
        step.save.insert("tableManager".into(), "id".into());
        steps.push(step);
    }

    let mut created = Map::new();
    created.insert("schemas".into(), json!([resource_type.core_urn]));
    if resource == "User" && !rows.iter().any(|(_, row, _)| row.attribute.eq_ignore_ascii_case("userName")) {
        created.insert("userName".into(), json!("{{marker}}.table@example.com"));
    }
    for (index, row, kind) in &rows {
        if !matches!(kind, Kind::Manager) {
            put_path(&mut created, &row.attribute, sample(*index, kind, false));
        }
    }
    add_extension_schemas(&mut created);
    let mut create = base(
        "table-create",
        format!("create a {resource} with every attribute of the table"),
        "POST",
        endpoint.clone(),
    );
    create.body = Some(Value::Object(created));
    create.expect.status = vec![201];
    create.creates = true;
    create.save.insert("tableResource".into(), "id".into());
    steps.push(create);

    let read = |id: &str, row: &Row, updated: bool, index: usize, kind: &Kind| {
        let when = if updated { "after the update" } else { "as created" };
        let mut step = base(
            id,
            format!("{} reads back {when}", row.attribute),
            "GET",
            format!("{endpoint}/{{{{tableResource}}}}"),
        );
        let mut expected = Map::new();
        put_path(&mut expected, &row.attribute, stored(&sample(index, kind, updated), kind));
        step.expect.resource = Some(Value::Object(expected));
        step.needs = vec![row.attribute.clone()];
        step
    };
    for (index, row, kind) in &rows {
        if !matches!(kind, Kind::Manager) {
            steps.push(read("table-read", row, false, *index, kind));
        }
    }
    let operations: Vec<Value> = rows
        .iter()
        .map(|(index, row, kind)| json!({"op": "Replace", "path": row.attribute, "value": sample(*index, kind, true)}))
        .collect();
    let mut update = base(
        "table-update",
        "replace every attribute with one PATCH, as Entra does".into(),
        "PATCH",
        format!("{endpoint}/{{{{tableResource}}}}"),
    );
    update.body = Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}));
    update.expect.status = vec![200, 204];
    steps.push(update);
    for (index, row, kind) in &rows {
        steps.push(read("table-reread", row, true, *index, kind));
    }
    for (index, row, kind) in rows.iter().filter(|(_, row, _)| row.filter) {
        let value = stored(&sample(*index, kind, true), kind);
        let literal = match &value {
            Value::Object(object) => object.get("value").cloned().unwrap_or_default().to_string(),
            other => other.to_string(),
        };
        let filter = format!("{} eq {literal}", filter_path(&row.attribute, kind));
        let mut step =
            base("table-filter", format!("filter {filter} finds it"), "GET", format!("{endpoint}?filter={filter}"));
        step.expect.body = Some(json!({"Resources": [{"id": "{{tableResource}}"}]}));
        step.needs = vec![row.attribute.clone()];
        steps.push(step);
    }
    (steps, results)
}

/// How a row is given a value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Email,
    UserName,
    Boolean,
    Integer,
    Decimal,
    DateTime,
    /// The enterprise manager: set by the update, as a bare id.
    Manager,
    Untested(&'static str),
}

fn kind(resource: &str, row: &Row) -> Kind {
    let (_, attribute) = split_urn(&row.attribute);
    let (name, _) = attribute_and_sub(attribute);
    let type_name = row.type_name.to_ascii_lowercase();
    if name.eq_ignore_ascii_case("manager") {
        Kind::Manager
    } else if name.eq_ignore_ascii_case("members") || name.eq_ignore_ascii_case("groups") {
        Kind::Untested("memberships are checked by the profile's group steps")
    } else if resource == "User" && name.eq_ignore_ascii_case("userName") {
        Kind::UserName
    } else {
        match type_name.as_str() {
            "boolean" => Kind::Boolean,
            "integer" => Kind::Integer,
            "decimal" => Kind::Decimal,
            "datetime" => Kind::DateTime,
            "reference" | "binary" | "complex" => Kind::Untested("no sample value for this type"),
            _ if name.to_ascii_lowercase().contains("email") => Kind::Email,
            _ => Kind::Text,
        }
    }
}

/// The value a row is created with (`updated` false) or updated to.
fn sample(index: usize, kind: &Kind, updated: bool) -> Value {
    let phase = if updated { "b" } else { "a" };
    match kind {
        Kind::UserName => json!(format!("{{{{marker}}}}.table-{phase}@example.com")),
        Kind::Email => json!(format!("{{{{marker}}}}-{index}{phase}@example.com")),
        Kind::Boolean => json!(!updated),
        Kind::Integer => json!(if updated { 2 } else { 1 }),
        Kind::Decimal => json!(if updated { 2.5 } else { 1.5 }),
        Kind::DateTime => json!(if updated { "2025-02-03T04:05:06Z" } else { "2024-01-02T03:04:05Z" }),
        Kind::Manager => json!("{{tableManager}}"),
        Kind::Text | Kind::Untested(_) => json!(format!("{{{{marker}}}}-{index}{phase}")),
    }
}

/// How a sent value reads back: a manager sent as a bare id is `{"value": id}`.
fn stored(sent: &Value, kind: &Kind) -> Value {
    if matches!(kind, Kind::Manager) { json!({"value": sent}) } else { sent.clone() }
}

/// The path a filter names for a row: `emails[type eq "work"].value` filters as `emails.value`,
/// the manager as `manager.value`.
fn filter_path(attribute: &str, kind: &Kind) -> String {
    let (urn, rest) = split_urn(attribute);
    let (name, sub) = attribute_and_sub(rest);
    let sub = if matches!(kind, Kind::Manager) { Some("value") } else { sub };
    let local = match sub {
        Some(sub) => format!("{name}.{sub}"),
        None => name.to_owned(),
    };
    match urn {
        Some(urn) => format!("{urn}:{local}"),
        None => local,
    }
}

/// Lists each extension object's URN in `schemas`.
fn add_extension_schemas(resource: &mut Map<String, Value>) {
    let urns: Vec<Value> = resource.keys().filter(|k| k.starts_with("urn:")).map(|k| json!(k)).collect();
    if let Some(Value::Array(schemas)) = resource.get_mut("schemas") {
        schemas.extend(urns);
    }
}

/// Sets the value at a table path, making what it goes through: `name.givenName`,
/// `emails[type eq "work"].value` (the element whose `type` is `work`), `urn:...:department`.
pub fn put_path(target: &mut Map<String, Value>, path: &str, value: Value) {
    let (urn, rest) = split_urn(path);
    let container = match urn {
        Some(urn) => match target.entry(urn.to_owned()).or_insert_with(|| json!({})) {
            Value::Object(object) => object,
            _ => return,
        },
        None => target,
    };
    let (attribute, sub) = attribute_and_sub(rest);
    let selector = rest.find('[').and_then(|open| {
        let inner = &rest[open + 1..open + rest[open..].find(']')?];
        let mut words = inner.splitn(3, ' ');
        let (name, operator, literal) = (words.next()?, words.next()?, words.next()?);
        operator
            .eq_ignore_ascii_case("eq")
            .then(|| (name.to_owned(), serde_json::from_str(literal).unwrap_or(json!(literal))))
    });
    match (selector, sub) {
        (Some((name, selected)), sub) => {
            let Value::Array(elements) = container.entry(attribute.to_owned()).or_insert_with(|| json!([])) else {
                return;
            };
            let position = elements.iter().position(|e| e.get(&name) == Some(&selected));
            let index = position.unwrap_or_else(|| {
                elements.push(json!({ name.clone(): selected }));
                elements.len() - 1
            });
            if let Some(Value::Object(element)) = elements.get_mut(index) {
                element.insert(sub.unwrap_or("value").to_owned(), value);
            }
        }
        (None, Some(sub)) => {
            if let Value::Object(object) = container.entry(attribute.to_owned()).or_insert_with(|| json!({})) {
                object.insert(sub.to_owned(), value);
            }
        }
        (None, None) => {
            container.insert(attribute.to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::parse_tables;

    #[test]
    fn table_paths_build_the_resource_entra_would_send() {
        let mut resource = Map::new();
        put_path(&mut resource, r#"emails[type eq "work"].value"#, json!("a@b.c"));
        put_path(&mut resource, r#"addresses[type eq "work"].locality"#, json!("Oslo"));
        put_path(&mut resource, r#"addresses[type eq "work"].country"#, json!("NO"));
        put_path(&mut resource, "name.givenName", json!("Ada"));
        put_path(&mut resource, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", json!("R&D"));
        assert_eq!(
            Value::Object(resource),
            json!({
                "emails": [{"type": "work", "value": "a@b.c"}],
                "addresses": [{"type": "work", "locality": "Oslo", "country": "NO"}],
                "name": {"givenName": "Ada"},
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
            })
        );
    }

    #[test]
    fn a_table_becomes_create_read_update_and_filter_steps() {
        let table = &parse_tables(
            "|Attribute|Type|Supported for filtering|\n|---|---|---|\n|userName|String|&check;|\n|active|Boolean||\n\
             |emails[type eq \"work\"].value|String|&check;|\n|nickName|String||\n",
        )[0];
        let schemas = json!([{"id": "urn:ietf:params:scim:schemas:core:2.0:User", "attributes": [
            {"name": "userName"}, {"name": "active"}, {"name": "emails", "subAttributes": [{"name": "value"}, {"name": "type"}]}]}]);
        let types =
            json!([{"name": "User", "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User"}]);
        let advertised = Advertised::from_discovery(&json!({}), &types, &schemas);
        let (steps, results) = steps(table, &advertised);
        assert_eq!(results.len(), 1, "{results:?}");
        assert_eq!((results[0].id.as_str(), results[0].outcome), ("table-advertised", Outcome::Fail));
        let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "table-create",
                "table-read",
                "table-read",
                "table-read",
                "table-update",
                "table-reread",
                "table-reread",
                "table-reread",
                "table-filter",
                "table-filter"
            ]
        );
        assert_eq!(
            steps[0].body,
            Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "{{marker}}.table-a@example.com", "active": true,
                "emails": [{"type": "work", "value": "{{marker}}-2a@example.com"}]}))
        );
        assert_eq!(steps[9].path, "/Users?filter=emails.value eq \"{{marker}}-2b@example.com\"");
    }
}
