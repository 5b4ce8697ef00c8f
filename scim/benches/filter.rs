//! Filter resolution and evaluation speed. Target: parsing plus resolving `userName eq "x"`
//! against the User schema stays under 2 µs.

use std::hint::black_box;
use std::sync::LazyLock;

use scim::filter::{Filter, parse_filter, resolve_filter};
use scim::schema::{ResourceSchema, builtin};
use serde_json::Value;

fn main() {
    divan::main();
}

static USER_SCHEMA: LazyLock<ResourceSchema> = LazyLock::new(builtin::user_schema);

const TYPICAL: &str = r#"userName eq "bjensen@example.com""#;
const COMPLEX: &str = r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"] and (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "u03" or meta.lastModified gt "2011-05-13T04:42:34Z") and not (title pr)"#;

fn parsed(text: &str) -> Filter {
    parse_filter(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn user() -> Value {
    let text = include_str!("../tests/fixtures/users.json");
    let users: Vec<Value> = serde_json::from_str(text).unwrap_or_else(|e| panic!("users.json: {e}"));
    users.into_iter().next().unwrap_or_else(|| panic!("users.json is empty"))
}

#[divan::bench]
fn parse_and_resolve_typical(bencher: divan::Bencher) {
    let schema = &*USER_SCHEMA;
    bencher.bench(|| resolve_filter(&parse_filter(black_box(TYPICAL)).ok()?, schema).ok().map(|_| ()));
}

/// The benchmarked filters by a short name (divan prints the argument).
fn filter_text(name: &str) -> &'static str {
    if name == "complex" { COMPLEX } else { TYPICAL }
}

#[divan::bench(args = ["typical", "complex"])]
fn resolve(bencher: divan::Bencher, name: &str) {
    let schema = &*USER_SCHEMA;
    let filter = parsed(filter_text(name));
    bencher.bench(|| resolve_filter(black_box(&filter), schema).is_ok());
}

#[divan::bench(args = ["typical", "complex"])]
fn evaluate_one_resource(bencher: divan::Bencher, name: &str) {
    let text = filter_text(name);
    let filter = parsed(text);
    let resolved = resolve_filter(&filter, &USER_SCHEMA).unwrap_or_else(|e| panic!("{text}: {e}"));
    let resource = user();
    bencher.bench(|| resolved.matches(black_box(&resource)));
}

/// Baseline for the ratios in BENCHMARKS.md: parsing the same information as a tiny JSON object
/// with serde_json, the cheapest thing any SCIM request handler does anyway.
#[divan::bench]
fn baseline_json_object_parse(bencher: divan::Bencher) {
    const JSON: &str = r#"{"userName": "bjensen@example.com"}"#;
    bencher.bench(|| serde_json::from_str::<Value>(black_box(JSON)).is_ok());
}
