//! Parser speed: a typical provisioning lookup must parse (and resolve, measured elsewhere) in
//! well under 2 microseconds.

use divan::black_box;
use scim::filter::{parse_filter, parse_path};

fn main() {
    divan::main();
}

/// What Entra ID and Okta send before every create.
#[divan::bench]
fn parse_simple_filter() {
    parse_filter(black_box(r#"userName eq "x""#)).ok();
}

/// RFC 7644 section 3.4.2.2's grouped filter plus a value path.
#[divan::bench]
fn parse_complex_filter() {
    parse_filter(black_box(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org") and emails[type eq "work" and value co "@example.com"]"#,
    ))
    .ok();
}

/// Entra ID's extension filter: URN-prefixed path with a sub-attribute.
#[divan::bench]
fn parse_urn_filter() {
    parse_filter(black_box(r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "id""#)).ok();
}

/// A PATCH path with a value filter and a sub-attribute.
#[divan::bench]
fn parse_patch_path() {
    parse_path(black_box(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#)).ok();
}

/// Printing the complex filter back to text.
#[divan::bench(sample_count = 1000)]
fn print_complex_filter(bencher: divan::Bencher) {
    let filter = parse_filter(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org") and emails[type eq "work" and value co "@example.com"]"#,
    )
    .ok();
    bencher.bench(|| black_box(&filter).as_ref().map(ToString::to_string));
}
