//! An app's own account type mapped onto SCIM Users with `#[derive(ScimResource)]`, in a crate
//! that depends on `scim`, `scim-derive` and `serde` only (issue 11): it compiles without
//! `serde_json`, and a plain `enabled: bool` maps the optional `active` with a stated default.

use scim_derive::ScimResource;

/// `name` of a User, as the app keeps it (a complex attribute, through serde).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PersonName {
    #[serde(rename = "givenName", default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(rename = "familyName", default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}
scim::impl_scim_value_via_serde!(PersonName);

/// The app's account: plain fields where the app has no "unknown" state.
#[derive(Debug, Clone, PartialEq, ScimResource)]
#[scim(resource = "User")]
pub struct Account {
    #[scim(id)]
    pub id: Option<String>,
    #[scim(path = "userName", filter)]
    pub login: String,
    /// Absent `active` means enabled: Entra ID and Okta send it, other clients may not.
    #[scim(path = "active", default = true)]
    pub enabled: bool,
    /// Absent `title` is the empty string (a string literal default converts into `String`).
    #[scim(path = "title", default = "")]
    pub title: String,
    #[scim(path = "name")]
    pub name: Option<PersonName>,
}
