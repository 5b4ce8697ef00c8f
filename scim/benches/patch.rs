//! PATCH speed: a typical Entra ID update of a full core + enterprise User must apply in under
//! 20 microseconds. Parsing the operation list and applying it are measured separately and
//! together; adding one member to a large group shows the cost does not grow with the list
//! beyond the one copy the undo journal takes.

use divan::{Bencher, black_box};
use scim::patch::{PatchRequest, apply_patch};
use scim::schema::builtin;
use serde_json::{Value, json};

fn main() {
    divan::main();
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn full_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara",
                 "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA",
             "postalCode": "91608", "country": "USA", "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA"},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "region": "CA",
             "postalCode": "91608", "country": "USA"}
        ],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
        "entitlements": [{"value": "Tour Guide"}],
        "roles": [{"value": "Guide"}],
        ENTERPRISE: {
            "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
            "division": "Theme Park", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
                 "version": "W/\"3694e05e9dff591\"", "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
    })
}

/// What Entra ID sends when six attributes of a user change.
fn entra_body() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "displayName", "value": "Barbara Jensen"},
            {"op": "Replace", "path": "name.givenName", "value": "Barb"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "b2c3d4"}
        ]
    })
}

#[divan::bench]
fn parse_entra_six_operations(bencher: Bencher) {
    let body = entra_body();
    bencher.with_inputs(|| body.clone()).bench_values(|body| PatchRequest::from_value(black_box(body)));
}

#[divan::bench]
fn apply_entra_six_operations(bencher: Bencher) {
    let schema = builtin::user_schema();
    let request = PatchRequest::from_value(entra_body()).expect("valid body");
    let user = full_user();
    bencher.with_inputs(|| user.clone()).bench_refs(|user| {
        apply_patch(user, black_box(&request.operations), &schema).expect("applies");
    });
}

#[divan::bench]
fn parse_and_apply_entra_six_operations(bencher: Bencher) {
    let schema = builtin::user_schema();
    let body = entra_body();
    let user = full_user();
    bencher.with_inputs(|| (user.clone(), body.clone())).bench_refs(|(user, body)| {
        let request = PatchRequest::from_value(std::mem::take(body)).expect("valid body");
        apply_patch(user, &request.operations, &schema).expect("applies");
    });
}

/// One member added to a group of 10 000 (Entra ID adds members one operation at a time).
#[divan::bench]
fn add_one_member_to_10k_group(bencher: Bencher) {
    let schema = builtin::group_schema();
    let members: Vec<Value> = (0..10_000).map(|i| json!({"value": format!("user-{i}"), "type": "User"})).collect();
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "All", "members": members});
    let request = PatchRequest::from_value(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": "new-user"}]}]
    }))
    .expect("valid body");
    bencher.with_inputs(|| group.clone()).bench_refs(|group| {
        apply_patch(group, black_box(&request.operations), &schema).expect("applies");
    });
}

/// Baseline for the ratios in BENCHMARKS.md: serialising the same full User to JSON text, which
/// every PATCH response does anyway after the operations are applied.
#[divan::bench]
fn baseline_serialise_full_user(bencher: Bencher) {
    let user = full_user();
    bencher.bench(|| serde_json::to_vec(black_box(&user)).map(|bytes| bytes.len()).unwrap_or(0));
}
