//! PATCH bodies: any bytes either parse into operations or are a 4xx; applied to a stored User
//! and Group, a PATCH either fails with a 4xx and leaves the resource exactly as it was, or
//! leaves a resource that still validates as a replacement of itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::patch::{PatchRequest, apply_patch};
use scim::resource::{RequestMode, validate_request};
use scimgen_fuzz::{RESOURCES, SCHEMAS, as_request_body, assert_client_error, client_error_or};

fuzz_target!(|body: &[u8]| {
    let Some(request) = client_error_or(PatchRequest::from_slice(body), &String::from_utf8_lossy(body)) else {
        return;
    };
    for (schema, stored) in SCHEMAS.iter().zip(RESOURCES.iter()) {
        let mut resource = stored.clone();
        match apply_patch(&mut resource, &request.operations, schema) {
            Err(error) => {
                assert_client_error(&error, &request);
                assert_eq!(&resource, stored, "a failed PATCH changed the resource: {request:?}");
                assert_eq!(resource.to_string(), stored.to_string(), "a failed PATCH reordered the resource");
            }
            Ok(_) => {
                if let Err(error) = validate_request(schema, as_request_body(&resource), RequestMode::Replace) {
                    panic!("{request:?} left a {} that does not validate: {error:?}\n{resource:#}", schema.name());
                }
            }
        }
    }
});
