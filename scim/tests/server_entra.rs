//! The full Microsoft Entra ID provisioning lifecycle, with the request bodies Microsoft
//! documents ("Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra
//! ID", and "Known issues and resolutions with SCIM 2.0 protocol compliance" for the PATCH
//! forms sent without the `aadOptscim062020` flag), against every store.
#![cfg(feature = "server")]

mod server_common;

use std::sync::Arc;

use axum::http::StatusCode;
use scim::store::Store;
use serde_json::{Value, json};
use server_common::*;

store_tests!(entra_user_lifecycle, entra_group_lifecycle);

/// Entra ID's Create User request, verbatim.
fn entra_create_user() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
        }],
        "meta": {
            "resourceType": "User"
        },
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "roles": []
    })
}

fn list_ids(reply: &Reply) -> Vec<String> {
    reply.body["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

async fn entra_user_lifecycle(store: Arc<dyn Store>) {
    let app = TestApp::new(store);
    // Test Connection: a random userName that matches nothing is an empty ListResponse.
    let probe = app.get("/scim/v2/Users?filter=userName+eq+%22e4b3f4a2-52c1-4f2b-9d6f-0c2b5f0e1a77%22").await;
    assert_eq!(probe.status, StatusCode::OK);
    assert_eq!(probe.body["schemas"], json!([LIST_URN]));
    assert_eq!(probe.body["totalResults"], 0);
    assert_eq!(probe.body["Resources"], json!([]));

    // Create User.
    let created = app.post("/scim/v2/Users", &entra_create_user()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.id();
    let uri = format!("/scim/v2/Users/{id}");
    assert_eq!(created.body["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assert_eq!(created.body["userName"], "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee");
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["name"]["givenName"], "givenName");
    assert_eq!(created.body["emails"][0]["value"], "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com");
    // The enterprise extension was listed but carried no attributes, and `roles: []` is
    // unassigned: neither appears (RFC 7643 section 2.5).
    assert_eq!(created.body["schemas"], json!([USER_URN]));
    assert!(created.body.get("roles").is_none());
    assert_eq!(created.body["meta"]["resourceType"], "User");

    // Get User, and Get User for an id that does not exist (404 with a SCIM error).
    let fetched = app.get(&uri).await;
    assert_eq!(fetched.body, created.body);
    app.get("/scim/v2/Users/5171a35d82074e068ce2").await.assert_error(404, None);

    // Get User by query: userName (any case) and externalId.
    let by_name =
        app.get("/scim/v2/Users?filter=userName+eq+%22test_user_00aa00aa-bb11-cc22-dd33-44ee44ee44ee%22").await;
    assert_eq!(list_ids(&by_name), [id.as_str()]);
    let by_external = app.get("/scim/v2/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22").await;
    assert_eq!(list_ids(&by_external), [id.as_str()]);
    let by_email =
        app.get("/scim/v2/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff%40testuser.com%22").await;
    assert_eq!(by_email.status, StatusCode::OK, "{}", by_email.body);
    assert_eq!(list_ids(&by_email), [id.as_str()], "{}", by_email.body);
    let zero = app.get("/scim/v2/Users?filter=userName+eq+%22non-existent+user%22").await;
    assert_eq!(zero.body["totalResults"], 0);

    // Update User [Multi-valued properties].
    let multi = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
                {
                "op": "Replace",
                "path": "emails[type eq \"work\"].value",
                "value": "updatedEmail@microsoft.com"
                },
                {
                "op": "Replace",
                "path": "name.familyName",
                "value": "updatedFamilyName"
                }
        ]
    });
    let reply = app.patch(&uri, &multi).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["emails"], json!([{"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}]));
    assert_eq!(reply.body["name"]["familyName"], "updatedFamilyName");
    assert_eq!(reply.body["name"]["givenName"], "givenName");

    // Update User [Single-valued properties].
    let single = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "Replace",
            "path": "userName",
            "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
        }]
    });
    let reply = app.patch(&uri, &single).await;
    assert_eq!(reply.body["userName"], "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com");

    // Add a single-value string attribute (capitalised op).
    let add = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "nickName", "value": "Babs"}]
    });
    assert_eq!(app.patch(&uri, &add).await.body["nickName"], "Babs");

    // Replace multiple attributes, path by path and path-less with dotted and URN keys.
    let several = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"}
        ]
    });
    let reply = app.patch(&uri, &several).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["externalId"], "Eqpj");
    assert_eq!(reply.body[ENTERPRISE_URN]["employeeNumber"], "Eqpj");
    assert_eq!(reply.body["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    let pathless = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
            }}
        ]
    });
    let reply = app.patch(&uri, &pathless).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["displayName"], "Bjfe");
    assert_eq!(reply.body["name"]["givenName"], "Kkom");
    assert_eq!(reply.body["name"]["familyName"], "Unua");
    assert_eq!(reply.body[ENTERPRISE_URN]["employeeNumber"], "Aklq");
    assert_eq!(reply.body["emails"][0]["value"], "TestMhvaes@test.microsoft.com");

    // The manager as a bare id.
    let manager = app.create_user("manager@testuser.com").await;
    let set_manager = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": manager["id"]}]
    });
    let reply = app.patch(&uri, &set_manager).await;
    assert_eq!(reply.body[ENTERPRISE_URN]["manager"]["value"], manager["id"], "{}", reply.body);

    // Disable User: first as Entra sends it without the compliance flag ("False" string).
    let disable = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
    });
    let reply = app.patch(&uri, &disable).await;
    assert_eq!(reply.body["active"], json!(false), "{}", reply.body);
    let enable = json!({
        "Operations": [{"op": "replace", "path": "active", "value": true}],
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
    });
    assert_eq!(app.patch(&uri, &enable).await.body["active"], json!(true));
    let disable_compliant = json!({
        "Operations": [{"op": "Replace", "path": "active", "value": false}],
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
    });
    assert_eq!(app.patch(&uri, &disable_compliant).await.body["active"], json!(false));
    // A disabled user is still found by filter, with `active` (the Entra SCIM validator checks this).
    let found =
        app.get("/scim/v2/Users?filter=userName+eq+%225b50642d-79fc-4410-9e90-4c077cdd1a59%40testuser.com%22").await;
    assert_eq!(found.body["Resources"][0]["active"], json!(false));

    // Delete User.
    let deleted = app.delete(&uri).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&uri).await.assert_error(404, None);
    let events: Vec<String> =
        app.audit.0.lock().unwrap().iter().map(|e| format!("{} {}", e.action.as_str(), e.id)).collect();
    assert_eq!(events.first(), Some(&format!("create {id}")));
    assert_eq!(events.last(), Some(&format!("delete {id}")));
}

async fn entra_group_lifecycle(store: Arc<dyn Store>) {
    // Entra ID recommends 204 for group PATCH; configure it.
    let app = TestApp::with(builder(store).patch_returns_no_content_for("Group"));
    let alice = app.create_user("alice@testuser.com").await["id"].as_str().unwrap().to_owned();
    let bob = app.create_user("bob@testuser.com").await["id"].as_str().unwrap().to_owned();

    // Test Connection also looks a group up by displayName, members excluded.
    let probe = app.get("/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22x%22").await;
    assert_eq!(probe.status, StatusCode::OK, "{}", probe.body);
    assert_eq!(probe.body["totalResults"], 0);

    // Create Group, exactly as the tutorial shows it: Entra also lists a non-URN
    // ActiveDirectory schema, which is accepted and not echoed back.
    let create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {
            "resourceType": "Group"
        }
    });
    let created = app.post("/scim/v2/Groups", &create).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:Group"]));
    let id = created.id();
    let uri = format!("/scim/v2/Groups/{id}");
    assert_eq!(created.body["displayName"], "displayName");
    assert_eq!(created.body["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");

    // Get Group, members excluded; Get Group by displayName.
    let fetched = app.get(&format!("{uri}?excludedAttributes=members")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert!(fetched.body.get("members").is_none());
    let by_name = app.get("/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22displayName%22").await;
    assert_eq!(list_ids(&by_name), [id.as_str()]);
    let by_external = app.get("/scim/v2/Groups?filter=externalId+eq+%228aa1a0c0-c4c3-4bc0-b4a5-2ef676900159%22").await;
    assert_eq!(list_ids(&by_external), [id.as_str()]);

    // Update Group [Non-member attributes]: 204.
    let rename = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "Replace",
            "path": "displayName",
            "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
        }]
    });
    let reply = app.patch(&uri, &rename).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    assert_eq!(app.get(&uri).await.body["displayName"], "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName");

    // Update Group [Add Members], with Entra's `"$ref": null`.
    let add = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "Add",
            "path": "members",
            "value": [{"$ref": null, "value": alice}, {"$ref": null, "value": bob}]
        }]
    });
    assert_eq!(app.patch(&uri, &add).await.status, StatusCode::NO_CONTENT);
    let members = |group: &Value| {
        let mut ids: Vec<String> = group["members"]
            .as_array()
            .map(|m| m.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    };
    let mut both = vec![alice.clone(), bob.clone()];
    both.sort();
    assert_eq!(members(&app.get(&uri).await.body), both);
    // Filtering on a member, as Entra does to check membership.
    let has_alice =
        app.get(&format!("/scim/v2/Groups?excludedAttributes=members&filter=members.value+eq+%22{alice}%22")).await;
    assert_eq!(list_ids(&has_alice), [id.as_str()], "{}", has_alice.body);

    // Update Group [Remove Members]: by a value list (no flag), then by a value filter.
    let remove = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "Remove",
            "path": "members",
            "value": [{"$ref": null, "value": alice}]
        }]
    });
    assert_eq!(app.patch(&uri, &remove).await.status, StatusCode::NO_CONTENT);
    assert_eq!(members(&app.get(&uri).await.body), [bob.as_str()]);
    let remove_filtered = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": format!("members[value eq \"{bob}\"]")}]
    });
    assert_eq!(app.patch(&uri, &remove_filtered).await.status, StatusCode::NO_CONTENT);
    assert!(members(&app.get(&uri).await.body).is_empty());

    // Delete Group.
    assert_eq!(app.delete(&uri).await.status, StatusCode::NO_CONTENT);
    app.get(&uri).await.assert_error(404, None);
    // The users are untouched.
    assert_eq!(app.get(&format!("/scim/v2/Users/{alice}")).await.status, StatusCode::OK);
}
