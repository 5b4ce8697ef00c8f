//! Compile-fail tests: each mistake gives one message, at the field or attribute, naming the
//! field and the schema attribute.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
