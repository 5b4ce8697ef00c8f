//! The runner against servers made of closures: what it sends, how it judges, what it cleans up.

use std::cell::RefCell;

use serde_json::json;

use super::*;

/// Answers from a function and records every request.
struct Fake<F: Fn(&Request) -> Response> {
    answer: F,
    sent: RefCell<Vec<Request>>,
}

impl<F: Fn(&Request) -> Response> Transport for Fake<F> {
    fn send(&self, request: &Request) -> Result<Response, String> {
        self.sent.borrow_mut().push(request.clone());
        Ok((self.answer)(request))
    }
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// Discovery of a server with User (userName and active only) at /Accounts.
fn discovery(request: &Request) -> Option<Response> {
    let body = match request.path.as_str() {
        "/ServiceProviderConfig" => json!({"patch": {"supported": true}, "filter": {"supported": true}}),
        "/ResourceTypes" => json!({"Resources": [{"name": "User", "endpoint": "/Accounts", "schema": USER}]}),
        "/Schemas" => json!({"Resources": [{"id": USER, "attributes": [{"name": "userName"}, {"name": "active"}]}]}),
        _ => return None,
    };
    Some(Response::new(200, body.to_string()))
}

fn profile(steps: Value) -> Profile {
    serde_json::from_value(json!({"name": "test", "title": "test", "sources": {"s": "a source"}, "steps": steps}))
        .unwrap()
}

#[test]
fn bodies_are_pruned_paths_follow_the_endpoint_and_created_resources_are_deleted() {
    let fake = Fake {
        answer: |request: &Request| {
            discovery(request).unwrap_or_else(|| match request.method.as_str() {
                "POST" => Response::new(201, json!({"id": "a1", "userName": "u", "active": "False"}).to_string()),
                _ => Response::new(204, ""),
            })
        },
        sent: RefCell::new(Vec::new()),
    };
    let steps = json!([
        {"id": "create", "title": "create", "source": "s: 1", "resource": "User", "method": "POST", "path": "/Users",
         "body": {"schemas": [USER], "userName": "{{marker}}.u", "nickName": "n", "name": {"givenName": "g"}},
         "expect": {"status": [201], "resource": {"active": false, "nickName": "n"}}, "save": {"user": "id"}, "creates": true},
        {"id": "groups", "title": "groups", "source": "s: 2", "resource": "Group", "method": "GET", "path": "/Groups",
         "expect": {"status": [200]}},
        {"id": "needs", "title": "needs", "source": "s: 3", "resource": "User", "needs": ["emails"], "method": "GET",
         "path": "/Users", "expect": {"status": [200]}},
        {"id": "unsaved", "title": "unsaved", "source": "s: 4", "method": "GET", "path": "/Users/{{nobody}}",
         "expect": {"status": [200]}}
    ]);
    let report = run(&fake, &profile(steps), &[], "http://127.0.0.1/scim", "m-1");
    let sent = fake.sent.borrow();
    // The last POST: the first probes whether externalId, missing from /Schemas, is kept.
    let create = sent.iter().rfind(|r| r.method == "POST").unwrap();
    assert_eq!(create.path, "/Accounts");
    assert_eq!(create.body, Some(json!({"schemas": [USER], "userName": "m-1.u"})));
    let outcome = |id: &str| report.steps.iter().find(|s| s.id == id).unwrap();
    // The string "False" is not the boolean false; nickName is not advertised, so not checked.
    assert_eq!(outcome("create").outcome, Outcome::Fail);
    assert!(
        outcome("create").reason.as_deref().unwrap().contains("active is \"False\", not false"),
        "{:?}",
        outcome("create")
    );
    assert_eq!(outcome("groups").reason.as_deref(), Some("the server does not advertise the Group resource type"));
    assert_eq!(outcome("needs").reason.as_deref(), Some("User does not advertise emails"));
    assert_eq!(outcome("unsaved").outcome, Outcome::Skip);
    // The created user is deleted by the id the server gave, and nothing else is deleted.
    let deletes: Vec<&str> = sent.iter().filter(|r| r.method == "DELETE").map(|r| r.path.as_str()).collect();
    assert_eq!(deletes, ["/Accounts/a1"]);
    assert_eq!(outcome("cleanup").outcome, Outcome::Pass);
    assert_eq!(report.summary, Summary { passed: 4, failed: 1, skipped: 3 });
    assert!(!report.passed());
    let text = report.render();
    assert!(text.contains("FAIL  create: create"), "{text}");
    assert!(text.contains("request:  POST /Accounts"), "{text}");
    assert!(text.contains("response: 201"), "{text}");
}

#[test]
fn expectations_check_status_scim_type_absence_and_lacks() {
    let expect = |value: Value| serde_json::from_value::<Expect>(value).unwrap();
    let conflict = Response::new(409, json!({"scimType": "uniqueness", "status": "409"}).to_string());
    assert!(check(&expect(json!({"status": [409], "scimType": "uniqueness"})), None, &conflict).is_ok());
    let created = Response::new(201, json!({"id": "x"}).to_string());
    assert_eq!(check(&expect(json!({"status": [409]})), None, &created), Err("status 409".into()));
    let group = Response::new(200, json!({"Resources": [{"id": "g", "members": [{"value": "u2"}]}]}).to_string());
    assert_eq!(
        check(&expect(json!({"status": [200], "absent": ["members"]})), None, &group),
        Err("no members in the returned resource(s)".into())
    );
    let lacks = expect(json!({"status": [200], "lacks": {"Resources": [{"members": [{"value": "u1"}]}]}}));
    assert!(check(&lacks, None, &group).is_ok());
    let lacks = expect(json!({"status": [200], "lacks": {"Resources": [{"members": [{"value": "u2"}]}]}}));
    assert!(check(&lacks, None, &group).is_err());
}

#[test]
fn subset_matching_ignores_key_case_and_finds_array_elements() {
    let actual = json!({"UserName": "a", "emails": [{"type": "home", "value": "h"}, {"type": "work", "value": "w"}]});
    assert!(contains(&actual, &json!({"userName": "a", "emails": [{"type": "work", "value": "w"}]}), "").is_ok());
    assert_eq!(
        contains(&actual, &json!({"emails": [{"type": "work", "value": "x"}]}), ""),
        Err("emails has no element like {\"type\":\"work\",\"value\":\"x\"}".into())
    );
    assert_eq!(contains(&actual, &json!({"active": true}), ""), Err("active is missing".into()));
}

/// A server creating every user as `created_id` and listing with `list`.
fn lister(created_id: &'static str, list: impl Fn(&Request) -> Response) -> Fake<impl Fn(&Request) -> Response> {
    Fake {
        answer: move |request: &Request| {
            discovery(request).unwrap_or_else(|| match request.method.as_str() {
                "POST" => Response::new(201, json!({"id": created_id}).to_string()),
                "GET" => list(request),
                _ => Response::new(204, ""),
            })
        },
        sent: RefCell::new(Vec::new()),
    }
}

/// Create a user, then page through the users two at a time, expecting to see it.
fn walk_profile() -> Profile {
    profile(json!([
        {"id": "create", "title": "c", "source": "s", "resource": "User", "method": "POST", "path": "/Users",
         "body": {"userName": "u"}, "expect": {"status": [201]}, "save": {"user": "id"}, "creates": true},
        {"id": "walk", "title": "w", "source": "s", "resource": "User", "method": "GET", "path": "/Users",
         "expect": {"status": [200]}, "walk": {"count": 2, "mustSee": ["user"]}}
    ]))
}

#[test]
fn walking_pages_finds_repeats_and_missing_ids() {
    let ids = ["a", "b", "c"];
    // A server that echoes startIndex but ignores it: every page is the first.
    let fake = lister("a", |request| {
        let page: Vec<Value> = ids[..2].iter().map(|id| json!({"id": id})).collect();
        let start = if request.path.contains("startIndex=3") { 3 } else { 1 };
        let body = json!({"totalResults": 3, "startIndex": start, "itemsPerPage": 2, "Resources": page});
        Response::new(200, body.to_string())
    });
    let report = run(&fake, &walk_profile(), &[], "http://127.0.0.1", "m");
    let walk = report.steps.iter().find(|s| s.id == "walk").unwrap();
    assert_eq!(walk.outcome, Outcome::Fail);
    assert_eq!(walk.reason.as_deref(), Some("each resource on one page only; a came again at startIndex=3"));
    assert_eq!(walk.request.as_ref().unwrap().path, "/Accounts?startIndex=3&count=2");
}

#[test]
fn variables_are_substituted_and_missing_ones_named() {
    let vars = BTreeMap::from([("user".to_owned(), "42".to_owned())]);
    assert_eq!(substitute("/Users/{{user}}?x={{ user }}", &vars).unwrap(), "/Users/42?x=42");
    assert!(substitute("/Groups/{{group}}", &vars).unwrap_err().contains("{{group}}"));
    assert_eq!(lookup(&json!({"Resources": [{"id": "x"}]}), "resources.0.ID"), Some(&json!("x")));
}

#[test]
fn external_id_missing_from_the_schema_is_probed_and_sent_only_if_kept() {
    for keeps in [true, false] {
        let fake = Fake {
            answer: move |request: &Request| {
                discovery(request).unwrap_or_else(|| match request.method.as_str() {
                    "POST" => {
                        let mut created = request.body.clone().unwrap();
                        created["id"] = json!(format!("id{}", created["userName"].as_str().unwrap().len()));
                        if !keeps {
                            created.as_object_mut().unwrap().remove("externalId");
                        }
                        Response::new(201, created.to_string())
                    }
                    _ => Response::new(204, ""),
                })
            },
            sent: RefCell::new(Vec::new()),
        };
        let steps = json!([{"id": "create", "title": "c", "source": "s", "resource": "User", "method": "POST",
            "path": "/Users", "body": {"schemas": [USER], "userName": "{{marker}}.create", "externalId": "e"},
            "expect": {"status": [201]}, "creates": true}]);
        let report = run(&fake, &profile(steps), &[], "http://127.0.0.1", "m");
        let sent = fake.sent.borrow();
        let posts: Vec<&Request> = sent.iter().filter(|r| r.method == "POST").collect();
        assert_eq!(
            posts[0].body,
            Some(json!({"schemas": [USER], "externalId": "m-probe", "userName": "m.probe@example.com"}))
        );
        assert_eq!(posts[1].body.as_ref().unwrap().get("externalId").is_some(), keeps, "{:?}", posts[1]);
        let note = if keeps { "kept on create: sent" } else { "dropped on create: not sent" };
        assert!(report.notes.iter().any(|n| n.contains(note)), "{:?}", report.notes);
        // The probe is deleted with the rest.
        let deletes = sent.iter().filter(|r| r.method == "DELETE").count();
        assert_eq!(deletes, 2);
    }
}

#[test]
fn a_big_collection_is_walked_in_bigger_pages_after_the_first() {
    const USERS: usize = 5000;
    let query = |path: &str, name: &str| -> usize {
        let value = path.split(['?', '&']).find_map(|p| p.strip_prefix(&format!("{name}=")).map(str::to_owned));
        value.unwrap().parse().unwrap()
    };
    let fake = lister("u4321", |request| {
        let (start, count) = (query(&request.path, "startIndex"), query(&request.path, "count"));
        let page: Vec<Value> =
            (start - 1..(start - 1 + count).min(USERS)).map(|i| json!({"id": format!("u{i}")})).collect();
        let body = json!({"totalResults": USERS, "startIndex": start, "itemsPerPage": page.len(), "Resources": page});
        Response::new(200, body.to_string())
    });
    let report = run(&fake, &walk_profile(), &[], "http://127.0.0.1", "m");
    let walk = report.steps.iter().find(|s| s.id == "walk").unwrap();
    assert_eq!(walk.outcome, Outcome::Pass, "{walk:?}");
    let sent = fake.sent.borrow();
    let pages: Vec<&str> = sent.iter().filter(|r| r.path.contains("startIndex")).map(|r| r.path.as_str()).collect();
    assert_eq!(pages[0], "/Accounts?startIndex=1&count=2");
    assert_eq!(pages[1], "/Accounts?startIndex=3&count=20");
    assert_eq!(pages.len(), 251, "2 + 4998 in pages of 20");
}

#[test]
fn a_declared_unsupported_filter_skips_a_step_that_allows_it_and_fails_one_that_does_not() {
    let fake = lister("a", |_| {
        let error = json!({"status": "400", "scimType": "invalidFilter", "detail": "externalId is not filterable"});
        Response::new(400, error.to_string())
    });
    let skip_when = json!({"status": 400, "scimType": "invalidFilter", "reason": "optional"});
    let steps = json!([
        {"id": "optional", "title": "o", "source": "s", "resource": "User", "method": "GET",
         "path": "/Users?filter=externalId eq \"x\"", "expect": {"status": [200], "skipWhen": skip_when}},
        {"id": "required", "title": "r", "source": "s", "resource": "User", "method": "GET",
         "path": "/Users?filter=userName eq \"x\"", "expect": {"status": [200]}}
    ]);
    let report = run(&fake, &profile(steps), &[], "http://127.0.0.1", "m");
    let step = |id: &str| report.steps.iter().find(|s| s.id == id).unwrap();
    assert_eq!(step("optional").outcome, Outcome::Skip);
    assert_eq!(
        step("optional").reason.as_deref(),
        Some("optional (the server answered 400 invalidFilter: externalId is not filterable)")
    );
    assert_eq!(step("required").outcome, Outcome::Fail);
}

#[test]
fn a_create_answered_200_fails_but_what_it_made_is_still_deleted() {
    let fake = Fake {
        answer: |request: &Request| {
            discovery(request).unwrap_or_else(|| match request.method.as_str() {
                // The id is the userName, so the externalId probe's user is another.
                "POST" => {
                    let id = request.body.as_ref().unwrap()["userName"].clone();
                    Response::new(200, json!({"id": id}).to_string())
                }
                _ => Response::new(204, ""),
            })
        },
        sent: RefCell::new(Vec::new()),
    };
    let steps = json!([{"id": "create", "title": "c", "source": "s", "resource": "User", "method": "POST",
        "path": "/Users", "body": {"userName": "made"}, "expect": {"status": [201]}, "creates": true}]);
    let report = run(&fake, &profile(steps), &[], "http://127.0.0.1", "m");
    assert_eq!(report.steps.iter().find(|s| s.id == "create").unwrap().reason.as_deref(), Some("status 201"));
    let deletes: Vec<String> =
        fake.sent.borrow().iter().filter(|r| r.method == "DELETE").map(|r| r.path.clone()).collect();
    assert_eq!(deletes, ["/Accounts/made", "/Accounts/m.probe@example.com"]);
}

#[test]
fn a_page_must_say_where_it_starts_and_how_many_it_holds() {
    let mut seen = std::collections::HashSet::new();
    let page = |body: Value| Response::new(200, body.to_string());
    let list = json!([{"id": "a"}]);
    let without_start = page(json!({"totalResults": 5, "itemsPerPage": 1, "Resources": list}));
    assert_eq!(
        check_page(&without_start, 2, 1, &mut seen).err().as_deref(),
        Some("startIndex 1 in the ListResponse of startIndex=1")
    );
    let wrong_count = page(json!({"totalResults": 5, "startIndex": 1, "itemsPerPage": 2, "Resources": list}));
    assert_eq!(
        check_page(&wrong_count, 2, 1, &mut seen).err().as_deref(),
        Some("itemsPerPage 1 (the number of Resources on the page)")
    );
}
