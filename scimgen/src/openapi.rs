//! `scimgen openapi`: the OpenAPI 3.1 description of a project's server, made by the runtime
//! from the same descriptors and settings the generated server builds (the resource types of
//! `scimgen.toml` and `schemas/`, its `[server]` section, the launch defaults), so it is the
//! document the server serves at `<base path>/openapi.json`.

use std::sync::Arc;

use scim::server::auth::TokenTable;
use scim::server::{Server, UnknownAttributes};
use scim::store::MemoryStore;

use crate::config::{Project, UnknownAttributesSetting};
use crate::error::{CliError, CliResult};
use crate::generate::located;

/// The description as pretty-printed JSON, ending with a newline.
pub fn describe_project(project: &Project, base_path: &str) -> CliResult<String> {
    let config = &project.config;
    let descriptors = scim_codegen::descriptors(&config.system, &project.root).map_err(|error| {
        let config_path = project.config_path();
        CliError::new(format!("{} does not describe a valid system", config_path.display()))
            .with_details(error.problems.iter().map(|problem| located(&config_path, problem)))
            .hint("`scimgen check` explains")
    })?;
    let unknown_attributes = match config.server.unknown_attributes {
        UnknownAttributesSetting::Reject => UnknownAttributes::Reject,
        UnknownAttributesSetting::Ignore => UnknownAttributes::Ignore,
    };
    // No request is served: the store and token only complete the builder.
    let store = Arc::new(MemoryStore::new());
    let mut builder = Server::builder()
        .base_path(base_path)
        .tokens(TokenTable::new())
        .generated_server_defaults()
        .unique_group_display_names(config.server.unique_group_names)
        .unknown_attributes(unknown_attributes);
    for descriptor in descriptors {
        builder = builder.resource_descriptor(Arc::new(descriptor), store.clone());
    }
    let document = builder.build_openapi().map_err(|error| CliError::new(error.detail))?;
    let text = serde_json::to_string_pretty(&document)
        .map_err(|error| CliError::new(format!("the description could not be written: {error}")))?;
    Ok(format!("{text}\n"))
}
