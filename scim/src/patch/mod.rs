//! The PATCH engine (RFC 7644 section 3.5.2), with the behaviour of Microsoft Entra ID and Okta.
//!
//! [`PatchRequest::from_value`] turns a request body into typed [`PatchOperation`]s (paths
//! parsed, op names normalised); [`apply_patch`] applies them to a resource atomically and
//! reports a [`PatchOutcome`]: whether anything changed, and the [`MemberDelta`] of a group's
//! members, which a store can apply directly instead of rewriting the member list.
//!
//! # Semantics
//!
//! | operation | target | effect |
//! |---|---|---|
//! | add / replace | none | each key of the value object is applied as its own path (3.5.2.1, 3.5.2.3) |
//! | add / replace | single-valued attribute or sub-attribute | sets it; a complex value is merged sub-attribute by sub-attribute (3.5.2.3: "Sub-attributes that are not specified ... are left unchanged") |
//! | add | multi-valued attribute | appends the values not already present (3.5.2.1) |
//! | replace | multi-valued attribute | replaces the whole list (3.5.2.3) |
//! | add / replace | `attr[filter]` or `attr[filter].sub` | replaces (add: merges into) every matching element, or its sub-attribute; when nothing matches, an `eq`/`and` filter makes a new element, anything else is `noTarget` |
//! | remove | attribute, sub-attribute | removes it; absent is not an error |
//! | remove | `attr[filter]`, `attr[filter].sub` | removes the matching elements (or their sub-attribute); matching nothing is not an error |
//! | remove | multi-valued attribute, with a value | removes only the listed elements (Entra ID's member removal) |
//! | add / replace | `null`, `""`, `[]` | clears the target, like remove (add of `[]` to a list does nothing) |
//!
//! Errors (all 400): unknown attributes `invalidPath`; changing a `readOnly` attribute named by
//! the path, removing a `required` attribute, or changing an `immutable` one that has a value
//! `mutability` (RFC 7644 sections 3.5.2 and 3.5.2.2); values of the wrong type
//! `invalidValue`/`invalidSyntax` (from [`crate::value::coerce`]).
//!
//! # Client quirks handled
//!
//! - Op names in any case (`Add`, `Replace`, `Remove`: Entra ID) and an `operations` key.
//! - Booleans as strings (`"value": "False"`), also inside path-less objects (Entra ID).
//! - Path-less values whose keys are paths: `name.givenName`, `urn:...:User:employeeNumber`,
//!   `emails[type eq "work"].value` (Entra ID), or an extension URN holding an object.
//! - `readOnly` attributes in a path-less value (`id`, `schemas`, `meta`) are ignored (Okta).
//! - `manager` given as a bare id string becomes `{"value": id}`; null or `""` clears it.
//! - Adding a member who is already one changes nothing; removing `members` with a value
//!   removes only those members (Entra ID); `replace members` replaces the list (Okta).
//! - `"Operations": []` is accepted and changes nothing.

mod apply;
mod journal;
mod request;
mod targeted;

pub use apply::{MemberDelta, PatchOutcome, apply_patch};
pub use request::{MAX_OPERATIONS, PATCH_OP_URN, PatchOpKind, PatchOperation, PatchRequest};
pub use targeted::targeted_member_ids;
