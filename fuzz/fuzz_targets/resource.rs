//! POST/PUT bodies: any bytes either validate as a User or Group or are a 4xx; a User that
//! validates converts to a derived type (or is a 4xx) and back, and what comes back validates
//! and, after that first projection onto the type, converts to the same value and form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::resource::{RequestMode, validate_request};
use scim::typed::ScimResource;
use scimgen_fuzz::{Account, SCHEMAS, client_error_or};

fuzz_target!(|body: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(body) else { return };
    for (index, schema) in SCHEMAS.iter().enumerate() {
        for mode in [RequestMode::Create, RequestMode::Replace] {
            let Some(valid) = client_error_or(validate_request(schema, body.clone(), mode), &body) else { continue };
            // Validation is idempotent: its output is a valid body that stays as it is.
            let again = validate_request(schema, valid.clone(), mode);
            assert_eq!(again.as_ref(), Ok(&valid), "{body}");
            if index != 0 {
                continue;
            }
            let Some(account) = client_error_or(Account::from_scim(&valid), &valid) else { continue };
            let back = account.to_scim();
            let revalidated = match validate_request(schema, back.clone(), RequestMode::Replace) {
                Ok(revalidated) => revalidated,
                Err(error) => panic!("{account:?} converts to {back} that does not validate: {error:?}"),
            };
            // The app's type may keep less than SCIM says (a `name` with none of the parts it
            // maps is no name at all), so the first conversion is a projection; from there the
            // conversion is a fixed point: the same account and the same SCIM form.
            let settled = match Account::from_scim(&revalidated) {
                Ok(settled) => settled,
                Err(error) => panic!("{revalidated} validates but does not convert back: {error:?}"),
            };
            assert_eq!(settled.to_scim(), back, "{body}");
            let again = validate_request(schema, settled.to_scim(), RequestMode::Replace);
            assert_eq!(again.as_ref(), Ok(&revalidated), "{back}");
            assert_eq!(Account::from_scim(&revalidated).as_ref(), Ok(&settled), "{back}");
        }
    }
});
