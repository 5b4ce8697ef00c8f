//! Profiles: what an identity provider sends, as data (`scimgen/profiles/*.json`, embedded in
//! the binary), each step naming the documentation it comes from. The runner
//! ([`super::Runner`]) interprets them; adding a step is editing a JSON file.
//!
//! Strings in `path`, `body` and `expect` may hold `{{name}}`: `marker` (this run's unique
//! prefix, in every name the run creates) or a value an earlier step saved (`save`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A named list of steps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub title: String,
    /// Short names of the documents steps cite -> their title and address.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
    pub steps: Vec<Step>,
}

/// One request and what must come back.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Step {
    pub id: String,
    pub title: String,
    /// Where the behaviour is documented: a key of [`Profile::sources`] and the section.
    pub source: String,
    /// `User` or `Group`: the step is skipped when the server does not serve it, its path's
    /// `/Users` or `/Groups` becomes the advertised endpoint, and bodies and expected resources
    /// are pruned to what the resource type advertises.
    #[serde(default)]
    pub resource: Option<String>,
    /// Attribute paths of `resource` the step is about; skipped unless all are advertised.
    #[serde(default)]
    pub needs: Vec<String>,
    /// A `/ServiceProviderConfig` feature (`patch`, `filter`, ...) the step needs.
    #[serde(default)]
    pub feature: Option<String>,
    /// Send the bearer token (default true).
    #[serde(default = "default_true")]
    pub auth: bool,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub body: Option<Value>,
    pub expect: Expect,
    /// Variable name -> dotted path into the response body (`id`, `Resources.0.id`).
    #[serde(default)]
    pub save: BTreeMap<String, String>,
    /// A 201 answer is a resource this run created: it is deleted at the end if still there.
    #[serde(default)]
    pub creates: bool,
    /// Page through the whole collection instead of sending one request.
    #[serde(default)]
    pub walk: Option<Walk>,
}

fn default_true() -> bool {
    true
}

/// What the answer must be.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expect {
    /// Any of these statuses.
    pub status: Vec<u16>,
    /// The body contains this (objects: these keys, ignoring case; arrays: each element
    /// expected matches some element given).
    #[serde(default)]
    pub body: Option<Value>,
    /// The body contains this resource, pruned to what the server advertises first.
    #[serde(default)]
    pub resource: Option<Value>,
    /// The body does not contain this (same matching as `body`).
    #[serde(default)]
    pub lacks: Option<Value>,
    /// Attributes that must not be in the returned resource, nor in any of `Resources`.
    #[serde(default)]
    pub absent: Vec<String>,
    /// The SCIM error's `scimType`.
    #[serde(default)]
    pub scim_type: Option<String>,
    /// An answer that makes the step not apply to this server (reported as a skip with the
    /// server's `detail`), e.g. a declared invalidFilter for a filter only some setups use.
    #[serde(default)]
    pub skip_when: Option<SkipWhen>,
}

/// See [`Expect::skip_when`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SkipWhen {
    pub status: u16,
    pub scim_type: String,
    /// Why such an answer is not a failure.
    pub reason: String,
}

/// Paging through a collection as an IdP's import does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Walk {
    /// The page size asked for.
    pub count: usize,
    /// Saved variables holding ids that must each be seen exactly once.
    pub must_see: Vec<String>,
}

/// The profiles shipped in the binary.
pub const PROFILES: [(&str, &str); 3] = [
    ("entra", include_str!("../../profiles/entra.json")),
    ("okta", include_str!("../../profiles/okta.json")),
    ("rfc", include_str!("../../profiles/rfc.json")),
];

/// The named built-in profile.
pub fn load(name: &str) -> Result<Profile, String> {
    let (_, text) = PROFILES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).ok_or_else(|| {
        let names: Vec<&str> = PROFILES.iter().map(|(n, _)| *n).collect();
        format!("no profile {name:?}; the profiles are {}", names.join(", "))
    })?;
    serde_json::from_str(text).map_err(|error| format!("profile {name}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_parses_and_cites_its_sources() {
        for (name, _) in PROFILES {
            let profile = load(name).unwrap();
            assert_eq!(profile.name, name);
            assert!(profile.steps.len() >= 8, "{name}: {} steps", profile.steps.len());
            let mut ids = std::collections::BTreeSet::new();
            for step in &profile.steps {
                assert!(ids.insert(step.id.clone()), "{name}: step id {} twice", step.id);
                let key = step.source.split(':').next().unwrap().trim();
                assert!(profile.sources.contains_key(key), "{name}/{}: source {key:?} is not in sources", step.id);
                assert!(!step.expect.status.is_empty(), "{name}/{}: no expected status", step.id);
            }
        }
        assert!(load("azure").unwrap_err().contains("entra, okta, rfc"));
    }
}
