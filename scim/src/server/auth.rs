//! Who is calling, and for which tenant.
//!
//! Every request is authenticated by an [`Authenticator`], which yields a [`Principal`]: the
//! tenant whose resources the request may touch, and the actor named in the audit log. The
//! built-in one is [`TokenTable`], bearer tokens per tenant; plug in your own (e.g. OAuth JWT
//! validation) by implementing the trait.
//!
//! Tokens are kept only as SHA-256 digests and compared in constant time ([`subtle`]), and
//! every entry is compared on every request, so neither the comparison nor the lookup tells an
//! attacker how close a guess was or where a token sits in the table.

use std::fmt;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{ScimError, ScimResult};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant every store call of this request is scoped to.
    pub tenant: String,
    /// Who is acting, for the audit log (a token's name, a JWT subject).
    pub actor: String,
}

/// What an [`Authenticator`] sees of a request.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    /// The request headers (`Authorization` among them).
    pub headers: &'a HeaderMap,
    /// The tenant named in the URL, when the server is configured with tenants in the path.
    /// The authenticator must check the credentials belong to it.
    pub path_tenant: Option<&'a str>,
}

impl AuthRequest<'_> {
    /// The bearer token of the `Authorization` header (RFC 6750 section 2.1), if there is one.
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
    }
}

/// Authenticates requests. Errors should be `401` ([`ScimError::unauthorized`]); the server
/// adds `WWW-Authenticate: Bearer`.
#[async_trait]
pub trait Authenticator: Send + Sync + fmt::Debug {
    /// Authenticate one request.
    async fn authenticate(&self, request: &AuthRequest<'_>) -> ScimResult<Principal>;

    /// The id of the User resource the authenticated caller is, which `/Me` serves (RFC 7644
    /// section 3.11: GET, PUT, PATCH and DELETE on `/Me` act on `/Users/{id}`). The default,
    /// `None`, leaves `/Me` answering `501` with a detail that names this hook; implement it
    /// (e.g. from a JWT's subject) to enable `/Me`. [`TokenTable::user_token`] does it for
    /// bearer tokens.
    async fn user_id(&self, principal: &Principal) -> ScimResult<Option<String>> {
        let _ = principal;
        Ok(None)
    }

    /// The scheme advertised in `/ServiceProviderConfig` `authenticationSchemes`.
    fn scheme(&self) -> crate::schema::AuthenticationScheme {
        bearer_scheme()
    }
}

/// The OAuth bearer token scheme (RFC 6750), as `/ServiceProviderConfig` describes it.
pub fn bearer_scheme() -> crate::schema::AuthenticationScheme {
    crate::schema::AuthenticationScheme {
        kind: "oauthbearertoken".to_owned(),
        name: "OAuth Bearer Token".to_owned(),
        description: "Authentication with a bearer token in the Authorization header".to_owned(),
        spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".to_owned()),
        documentation_uri: None,
        primary: true,
    }
}

/// Bearer tokens, each belonging to one tenant, stored as SHA-256 digests.
#[derive(Clone, Default)]
pub struct TokenTable {
    entries: Vec<TokenEntry>,
}

#[derive(Clone)]
struct TokenEntry {
    digest: [u8; 32],
    tenant: String,
    name: String,
    /// The User resource this token is, for `/Me`.
    user_id: Option<String>,
}

impl fmt::Debug for TokenTable {
    // Digests are not secrets, but there is no reason to print them either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.iter().map(|e| (&e.tenant, &e.name))).finish()
    }
}

impl TokenTable {
    /// An empty table (which authenticates nobody).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a token for `tenant`; the audit log names its actor after the tenant.
    pub fn tenant(self, tenant: impl Into<String>, token: impl AsRef<[u8]>) -> Self {
        let tenant = tenant.into();
        let name = tenant.clone();
        self.token(tenant, name, token)
    }

    /// Add a token for `tenant`, named `name` in the audit log (e.g. `entra-provisioning`).
    pub fn token(self, tenant: impl Into<String>, name: impl Into<String>, token: impl AsRef<[u8]>) -> Self {
        self.digest(tenant, name, Sha256::digest(token.as_ref()).into())
    }

    /// Add a token known only by its SHA-256 digest in hex ([`TokenTable::hash`]), so the
    /// configuration never holds the token itself.
    pub fn hashed_token(
        self,
        tenant: impl Into<String>,
        name: impl Into<String>,
        sha256_hex: &str,
    ) -> ScimResult<Self> {
        let digest = decode_hex(sha256_hex)
            .ok_or_else(|| ScimError::internal("a hashed token must be 64 hexadecimal digits (SHA-256)"))?;
        Ok(self.digest(tenant, name, digest))
    }

    /// The SHA-256 digest of a token in hex, the form [`TokenTable::hashed_token`] takes.
    pub fn hash(token: impl AsRef<[u8]>) -> String {
        Sha256::digest(token.as_ref()).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Add a token for `tenant`, named `name`, that is the User resource `user_id`: `/Me`
    /// serves that user to it (RFC 7644 section 3.11).
    pub fn user_token(
        mut self,
        tenant: impl Into<String>,
        name: impl Into<String>,
        token: impl AsRef<[u8]>,
        user_id: impl Into<String>,
    ) -> Self {
        self = self.token(tenant, name, token);
        if let Some(entry) = self.entries.last_mut() {
            entry.user_id = Some(user_id.into());
        }
        self
    }

    /// The tokens of a token file (`--token-file`), added to these: one token a line, either
    /// `TOKEN` (tenant `default`) or `TENANT TOKEN`; a token written `sha256:HEX` is given by its
    /// digest ([`TokenTable::hash`]); blank lines and lines starting with `#` are skipped.
    /// Several lines may name one tenant: each of its tokens is valid (a rotation keeps the old
    /// and the new one until every client has the new). Errors name the line, never its token.
    pub fn with_token_file_text(mut self, text: &str) -> Result<Self, String> {
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (tenant, token) = match fields.as_slice() {
                [token] => (DEFAULT_TENANT, *token),
                [tenant, token] => (*tenant, *token),
                _ => {
                    return Err(format!(
                        "line {}: expected `TOKEN` or `TENANT TOKEN` (a token has no spaces), found {} words",
                        index + 1,
                        fields.len()
                    ));
                }
            };
            self = match token.strip_prefix("sha256:") {
                Some(hex) => self.hashed_token(tenant, tenant, hex).map_err(|_| {
                    format!("line {}: a `sha256:` token must be 64 hexadecimal digits (a SHA-256 digest)", index + 1)
                })?,
                None => self.tenant(tenant, token),
            };
        }
        Ok(self)
    }

    /// How many tokens the table holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table holds no token (and so authenticates nobody).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn digest(mut self, tenant: impl Into<String>, name: impl Into<String>, digest: [u8; 32]) -> Self {
        self.entries.push(TokenEntry { digest, tenant: tenant.into(), name: name.into(), user_id: None });
        self
    }

    /// The entry whose digest equals the token's, comparing every entry in constant time.
    fn find(&self, token: &str) -> Option<&TokenEntry> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.digest.ct_eq(&presented)) && found.is_none() {
                found = Some(entry);
            }
        }
        found
    }
}

#[async_trait]
impl Authenticator for TokenTable {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> ScimResult<Principal> {
        let Some(token) = request.bearer_token() else {
            return Err(ScimError::unauthorized("a bearer token is required (Authorization: Bearer <token>)"));
        };
        let Some(entry) = self.find(token) else {
            return Err(ScimError::unauthorized("the bearer token is not valid"));
        };
        if let Some(tenant) = request.path_tenant
            && tenant != entry.tenant
        {
            // The same answer as an unknown token: the caller learns nothing about the tenant.
            return Err(ScimError::unauthorized("the bearer token is not valid"));
        }
        Ok(Principal { tenant: entry.tenant.clone(), actor: entry.name.clone() })
    }

    /// The user of the token named `principal.actor` in `principal.tenant`, if it has one.
    async fn user_id(&self, principal: &Principal) -> ScimResult<Option<String>> {
        Ok(self
            .entries
            .iter()
            .find(|e| e.tenant == principal.tenant && e.name == principal.actor)
            .and_then(|e| e.user_id.clone()))
    }
}

/// The tenant of a token given without one (`--token`, `SCIM_TOKENS`, a one-word line of a token
/// file).
pub const DEFAULT_TENANT: &str = "default";

/// A [`TokenTable`] that can be swapped while the server runs, so that tokens rotate without a
/// restart (`--token-file` reread on SIGHUP): requests already authenticating finish with the
/// table they started with, the next ones use the new one.
#[derive(Debug, Clone, Default)]
pub struct SharedTokens {
    current: Arc<RwLock<Arc<TokenTable>>>,
}

impl SharedTokens {
    /// Authenticate with `table` until [`SharedTokens::replace`].
    pub fn new(table: TokenTable) -> Self {
        SharedTokens { current: Arc::new(RwLock::new(Arc::new(table))) }
    }

    /// Authenticate with `table` from the next request on.
    pub fn replace(&self, table: TokenTable) {
        // A writer that panicked left a whole table behind (the swap is one assignment).
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(table);
    }

    /// The table requests are authenticated with now.
    pub fn current(&self) -> Arc<TokenTable> {
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

#[async_trait]
impl Authenticator for SharedTokens {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> ScimResult<Principal> {
        let table = self.current();
        table.authenticate(request).await
    }

    async fn user_id(&self, principal: &Principal) -> ScimResult<Option<String>> {
        let table = self.current();
        table.user_id(principal).await
    }
}

fn decode_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.trim().as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = u8::try_from(digit(pair.first().copied()?)? * 16 + digit(pair.get(1).copied()?)?).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(headers: &'a HeaderMap, path_tenant: Option<&'a str>) -> AuthRequest<'a> {
        AuthRequest { headers, path_tenant }
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        headers
    }

    #[tokio::test]
    async fn each_token_yields_its_tenant_and_wrong_ones_are_401() {
        let table = TokenTable::new().tenant("acme", "s3cret").token("globex", "entra", "other");
        let cases = [
            ("s3cret", None, Some(("acme", "acme"))),
            ("other", None, Some(("globex", "entra"))),
            ("other", Some("globex"), Some(("globex", "entra"))),
            ("other", Some("acme"), None),
            ("s3cre", None, None),
            ("s3cret ", None, Some(("acme", "acme"))),
            ("", None, None),
        ];
        for (token, path_tenant, expected) in cases {
            let headers = bearer(token);
            let result = table.authenticate(&request(&headers, path_tenant)).await;
            match expected {
                Some((tenant, actor)) => {
                    let principal = result.unwrap();
                    assert_eq!((principal.tenant.as_str(), principal.actor.as_str()), (tenant, actor), "{token}");
                }
                None => assert_eq!(result.unwrap_err().status, 401, "{token:?} {path_tenant:?}"),
            }
        }
        assert_eq!(table.authenticate(&request(&HeaderMap::new(), None)).await.unwrap_err().status, 401);
    }

    #[tokio::test]
    async fn hashed_tokens_authenticate_like_plain_ones() {
        let table = TokenTable::new().hashed_token("acme", "okta", &TokenTable::hash("tok")).unwrap();
        let headers = bearer("tok");
        assert_eq!(table.authenticate(&request(&headers, None)).await.unwrap().actor, "okta");
        assert!(TokenTable::new().hashed_token("a", "b", "abc").is_err());
        assert!(TokenTable::new().hashed_token("a", "b", &"g".repeat(64)).is_err());
    }

    fn tenant_of(table: &TokenTable, token: &str) -> Option<String> {
        let headers = bearer(token);
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(table.authenticate(&request(&headers, None))).ok().map(|p| p.tenant)
    }

    #[test]
    fn a_token_file_has_a_token_or_a_tenant_and_token_per_line() {
        let text = format!(
            "# rotated 2026-12-01\n\n  plain-token  \nacme old-acme\nacme new-acme\n\tglobex sha256:{}\n# acme retired\n",
            TokenTable::hash("globex-token")
        );
        let table = TokenTable::new().with_token_file_text(&text).unwrap();
        assert_eq!(table.len(), 4);
        assert_eq!(tenant_of(&table, "plain-token").as_deref(), Some("default"));
        // Both of acme's tokens are valid during the rotation.
        assert_eq!(tenant_of(&table, "old-acme").as_deref(), Some("acme"));
        assert_eq!(tenant_of(&table, "new-acme").as_deref(), Some("acme"));
        assert_eq!(tenant_of(&table, "globex-token").as_deref(), Some("globex"));
        // Comments are comments, not tokens; a digest is not a token either.
        assert_eq!(tenant_of(&table, "#"), None);
        assert_eq!(tenant_of(&table, &format!("sha256:{}", TokenTable::hash("globex-token"))), None);
        assert!(TokenTable::new().with_token_file_text("# nothing yet\n\n").unwrap().is_empty());
    }

    #[test]
    fn a_bad_token_file_line_is_named_without_its_token() {
        let error = TokenTable::new().with_token_file_text("ok\nacme s3cret extra\n").unwrap_err();
        assert_eq!(error, "line 2: expected `TOKEN` or `TENANT TOKEN` (a token has no spaces), found 3 words");
        let error = TokenTable::new().with_token_file_text("acme sha256:0123s3cret").unwrap_err();
        assert_eq!(error, "line 1: a `sha256:` token must be 64 hexadecimal digits (a SHA-256 digest)");
    }

    #[tokio::test]
    async fn shared_tokens_authenticate_with_the_table_they_hold_now() {
        let shared = SharedTokens::new(TokenTable::new().tenant("acme", "old"));
        let (old, new) = (bearer("old"), bearer("new"));
        assert_eq!(shared.authenticate(&request(&old, None)).await.unwrap().tenant, "acme");
        assert_eq!(shared.authenticate(&request(&new, None)).await.unwrap_err().status, 401);
        shared.replace(TokenTable::new().tenant("acme", "new"));
        assert_eq!(shared.authenticate(&request(&new, None)).await.unwrap().tenant, "acme");
        let error = shared.authenticate(&request(&old, None)).await.unwrap_err();
        assert_eq!((error.status, error.detail.as_str()), (401, "the bearer token is not valid"));
    }

    #[test]
    fn the_scheme_is_matched_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(request(&headers, None).bearer_token(), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(request(&headers, None).bearer_token(), None);
    }
}
