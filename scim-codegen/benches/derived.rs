//! `to_scim` and `from_scim` through the real `#[derive(ScimResource)]` expansion, on the full
//! core + enterprise User of RFC 7643 section 8.3. Target (issue 3): a round trip (JSON to
//! struct to JSON) under 10 microseconds.
//!
//! Two types: `FullUser`, an application struct mapping all 47 attributes field by field with
//! every path form (sub-attributes, `[type eq "work"]` selectors, extension attributes, `meta`),
//! and the generated core `User` (the golden file: whole complex attributes as serde structs).
//! Reference point: cloning the same `serde_json::Value`.

#![allow(dead_code, missing_debug_implementations)]

mod core_types {
    include!("../tests/golden/core.rs");
}

use divan::{Bencher, black_box};
use scim::typed::{Binary, Reference, ScimResource};
use scim_derive::ScimResource;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

// The allocator the servers `scimgen new` makes use (templates/main.rs.hbs): the conversion is
// dominated by allocating and freeing small strings and maps, so this is what a served request
// pays. BENCHMARKS.md also records the figures with the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRef {
    pub value: String,
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}
scim::impl_scim_value_via_serde!(Address, GroupRef, Manager);

#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User", extension = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")]
pub struct FullUser {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "externalId")]
    pub external_id: Option<String>,
    #[scim(path = "userName")]
    pub user_name: String,
    #[scim(path = "name.formatted")]
    pub formatted_name: Option<String>,
    #[scim(path = "name.familyName", filter = "eq sw co pr")]
    pub family_name: Option<String>,
    #[scim(path = "name.givenName")]
    pub given_name: Option<String>,
    #[scim(path = "name.middleName")]
    pub middle_name: Option<String>,
    #[scim(path = "name.honorificPrefix")]
    pub honorific_prefix: Option<String>,
    #[scim(path = "name.honorificSuffix")]
    pub honorific_suffix: Option<String>,
    #[scim(path = "displayName", filter)]
    pub display_name: Option<String>,
    #[scim(path = "nickName")]
    pub nick_name: Option<String>,
    #[scim(path = "profileUrl")]
    pub profile_url: Option<Reference>,
    #[scim(path = "title")]
    pub title: Option<String>,
    #[scim(path = "userType")]
    pub user_type: Option<String>,
    #[scim(path = "preferredLanguage")]
    pub preferred_language: Option<String>,
    #[scim(path = "locale")]
    pub locale: Option<String>,
    #[scim(path = "timezone")]
    pub timezone: Option<String>,
    #[scim(path = "active", filter)]
    pub active: Option<bool>,
    #[scim(path = "password")]
    pub password: Option<String>,
    #[scim(path = "emails[type eq \"work\"].value")]
    pub work_email: Option<String>,
    #[scim(path = "emails[type eq \"work\"].primary")]
    pub work_email_primary: Option<bool>,
    #[scim(path = "emails[type eq \"home\"].value", no_filter)]
    pub home_email: Option<String>,
    #[scim(path = "addresses[type eq \"work\"].streetAddress")]
    pub work_street: Option<String>,
    #[scim(path = "addresses[type eq \"work\"].locality", filter = "eq co")]
    pub work_locality: Option<String>,
    #[scim(path = "addresses[type eq \"work\"].region")]
    pub work_region: Option<String>,
    #[scim(path = "addresses[type eq \"work\"].postalCode")]
    pub work_postal_code: Option<String>,
    #[scim(path = "addresses[type eq \"work\"].country")]
    pub work_country: Option<String>,
    #[scim(path = "addresses[type eq \"work\"].formatted")]
    pub work_address: Option<String>,
    #[scim(path = "addresses[type eq \"home\"]")]
    pub home_address: Option<Address>,
    #[scim(path = "phoneNumbers[type eq \"work\"].value")]
    pub work_phone: Option<String>,
    #[scim(path = "phoneNumbers[type eq \"mobile\"].value")]
    pub mobile_phone: Option<String>,
    #[scim(path = "ims[type eq \"aim\"].value")]
    pub aim: Option<String>,
    #[scim(path = "photos[type eq \"photo\"].value")]
    pub photo: Option<Reference>,
    #[scim(path = "photos[type eq \"thumbnail\"].value")]
    pub thumbnail: Option<Reference>,
    #[scim(path = "groups")]
    pub groups: Vec<GroupRef>,
    #[scim(path = "x509Certificates.value")]
    pub certificates: Vec<Binary>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")]
    pub employee_number: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter")]
    pub cost_center: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization")]
    pub organization: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division")]
    pub division: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", filter = "eq ne sw")]
    pub department: Option<String>,
    #[scim(path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")]
    pub manager: Option<Manager>,
    #[scim(path = "meta.resourceType")]
    pub resource_type: Option<String>,
    #[scim(path = "meta.created", filter = "gt ge lt le")]
    pub created: Option<OffsetDateTime>,
    #[scim(path = "meta.lastModified", filter = "gt ge")]
    pub last_modified: Option<OffsetDateTime>,
    #[scim(path = "meta.version")]
    pub version: Option<String>,
    #[scim(path = "meta.location")]
    pub location: Option<Reference>,
}

/// RFC 7643 section 8.3, less what the built-in schemas cannot hold (`addresses.primary`).
fn full_user_json() -> Value {
    let mut json: Value =
        serde_json::from_str(include_str!("../../scim/tests/fixtures/typed/rfc7643-8.3-enterprise-user.json"))
            .expect("fixture parses");
    if let Some(work) = json.pointer_mut("/addresses/0").and_then(Value::as_object_mut) {
        work.shift_remove("primary");
    }
    json
}

/// The same document for the generated core `User`, which maps everything but `meta` (the
/// service provider's).
fn core_user_json() -> Value {
    let mut json = full_user_json();
    json.as_object_mut().expect("an object").shift_remove("meta");
    json
}

/// Both documents survive the trip unchanged, so the benchmarks measure complete conversions.
fn checked<R: ScimResource>(json: Value) -> Value {
    let typed = R::from_scim(&json).expect("fixture maps");
    assert_eq!(typed.to_scim(), json, "round trip");
    assert!(json.get(ENTERPRISE).is_some());
    json
}

#[divan::bench]
fn derived_round_trip(bencher: Bencher) {
    let json = checked::<FullUser>(full_user_json());
    bencher.bench(|| FullUser::from_scim(black_box(&json)).map(|user| user.to_scim()));
}

#[divan::bench]
fn derived_from_scim(bencher: Bencher) {
    let json = checked::<FullUser>(full_user_json());
    bencher.bench(|| FullUser::from_scim(black_box(&json)));
}

#[divan::bench]
fn derived_to_scim(bencher: Bencher) {
    let user = FullUser::from_scim(&checked::<FullUser>(full_user_json())).expect("fixture maps");
    bencher.bench(|| black_box(&user).to_scim());
}

#[divan::bench]
fn generated_core_user_round_trip(bencher: Bencher) {
    let json = checked::<core_types::User>(core_user_json());
    bencher.bench(|| core_types::User::from_scim(black_box(&json)).map(|user| user.to_scim()));
}

/// Reference point: cloning the full User's JSON (every string, map and array allocated).
#[divan::bench]
fn clone_json_reference(bencher: Bencher) {
    let json = full_user_json();
    bencher.bench(|| black_box(&json).clone());
}
