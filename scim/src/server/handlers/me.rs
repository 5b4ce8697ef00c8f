//! `/Me` (RFC 7644 section 3.11): the authenticated caller's own User resource, for GET, PUT,
//! PATCH and DELETE. The [`crate::server::auth::Authenticator::user_id`] hook says which user
//! the caller is; each request then runs exactly as the same request on `/Users/{id}` (the
//! same handler), and a successful answer carries `Location` with that URL. Without the hook
//! (or a User resource type), `/Me` answers `501` saying how to enable it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::*;
use crate::error::{ScimError, ScimResult};
use crate::schema::builtin::USER_URN;
use crate::server::body::ScimJson;

/// The User resource type's handler state, with `call` pointed at the caller's user; `501`
/// when the server cannot tell who the caller is.
async fn aliased(shared: &Arc<Shared>, call: &mut Call) -> ScimResult<(ResourceContext, String)> {
    let users = shared
        .resources
        .iter()
        .find(|r| r.schema().core.id == USER_URN)
        .ok_or_else(|| ScimError::not_implemented("/Me is not supported: this server has no User resource type"))?;
    let id = shared.auth.user_id(&call.principal).await?.ok_or_else(|| {
        ScimError::not_implemented(
            "/Me is not enabled: the server's authenticator does not map the caller to a user. To enable it, \
             implement Authenticator::user_id (scim::server::auth), or give the token its user with \
             TokenTable::user_token; until then address the user as /Users/{id}",
        )
    })?;
    call.id = Some(id.clone());
    let location = users.location(&call.base_url, &id);
    Ok((ResourceContext { shared: shared.clone(), resource: users.clone() }, location))
}

/// `answer` with `Location: location` when it succeeded (RFC 7644 section 3.11: the
/// permanent location of the aliased resource).
fn located(answer: Result<Response, ScimError>, location: &str) -> Result<Response, ScimError> {
    let mut response = answer?;
    if response.status().is_success()
        && let Ok(value) = HeaderValue::from_str(location)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /Me`.
pub async fn me_get(State(shared): State<Arc<Shared>>, mut call: Call) -> Result<Response, ScimError> {
    let (context, location) = aliased(&shared, &mut call).await?;
    located(super::resources::get(State(context), call).await, &location)
}

/// `PUT /Me`.
pub async fn me_replace(
    State(shared): State<Arc<Shared>>,
    mut call: Call,
    body: ScimJson,
) -> Result<Response, ScimError> {
    let (context, location) = aliased(&shared, &mut call).await?;
    located(super::resources::replace(State(context), call, body).await, &location)
}

/// `PATCH /Me`.
pub async fn me_patch(
    State(shared): State<Arc<Shared>>,
    mut call: Call,
    body: ScimJson,
) -> Result<Response, ScimError> {
    let (context, location) = aliased(&shared, &mut call).await?;
    located(super::resources::patch(State(context), call, body).await, &location)
}

/// `DELETE /Me`.
pub async fn me_delete(State(shared): State<Arc<Shared>>, mut call: Call) -> Result<Response, ScimError> {
    let (context, location) = aliased(&shared, &mut call).await?;
    located(super::resources::delete(State(context), call).await, &location)
}

/// `POST /Me`: RFC 7644 section 3.11 lets a server create the caller's own resource here;
/// this one does not.
pub async fn me_create() -> ScimError {
    ScimError::not_implemented("creating a resource through /Me is not supported: POST it to /Users")
}
