//! Typed resources: `to_scim` and `from_scim` of the full core + enterprise User of RFC 7643
//! section 8.3 (47 mapped fields, every path form), written as the derive expands.
//! Target: both together under 10 microseconds.

#[path = "../tests/typed_common/mod.rs"]
mod typed_common;

use divan::{Bencher, black_box};
use scim::typed::ScimResource;
use typed_common::FullUser;

fn main() {
    divan::main();
}

fn full_user_json() -> serde_json::Value {
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/typed/rfc7643-8.3-enterprise-user.json"))
            .expect("fixture parses");
    // The built-in addresses schema has no `primary`, so the typed resource cannot hold it.
    if let Some(work) = json.pointer_mut("/addresses/0").and_then(serde_json::Value::as_object_mut) {
        work.shift_remove("primary");
    }
    json
}

#[divan::bench]
fn from_scim(bencher: Bencher) {
    let json = full_user_json();
    let _ = FullUser::descriptor();
    bencher.bench(|| FullUser::from_scim(black_box(&json)));
}

#[divan::bench]
fn to_scim(bencher: Bencher) {
    let user = FullUser::from_scim(&full_user_json()).expect("fixture maps");
    bencher.bench(|| black_box(&user).to_scim());
}

#[divan::bench]
fn round_trip(bencher: Bencher) {
    let json = full_user_json();
    let _ = FullUser::descriptor();
    bencher.bench(|| FullUser::from_scim(black_box(&json)).map(|user| user.to_scim()));
}

/// Reference point: cloning the same JSON value (allocating every string, map and array).
#[divan::bench]
fn clone_json_reference(bencher: Bencher) {
    let json = full_user_json();
    bencher.bench(|| black_box(&json).clone());
}
