//! What the examples' integration tests share: start an example's server binary on loopback in
//! a directory of its own (so its default SQLite file lands there), speak HTTP/1.1 to it, and the
//! steps of Microsoft Entra ID's provisioning cycle with the request bodies Entra sends
//! ("Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID").
//!
//! Test support: panicking on an unexpected reply is the point.
#![allow(clippy::missing_panics_doc)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The secret token the tests hand the server (Entra's "Secret Token").
pub const TOKEN: &str = "entra-secret-token";

/// An example's server binary and the directory it runs in; the directory (and with it the
/// SQLite file the server makes there when started with no `--database`) is removed on drop.
#[derive(Debug)]
pub struct Example {
    binary: PathBuf,
    dir: tempfile::TempDir,
}

impl Example {
    /// `binary` is `env!("CARGO_BIN_EXE_<name>")` in the example's own integration test.
    pub fn new(binary: &str) -> Self {
        Example { binary: PathBuf::from(binary), dir: tempfile::tempdir().expect("a temporary directory") }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Start the server as its README says (`--token`, no `--database`), on a free loopback port.
    pub fn start(&self) -> Server {
        self.start_with(&["--listen", "127.0.0.1:0"])
    }

    /// Start the server with these arguments besides the token (give `--listen`); waits until it
    /// prints its URL (it prints it once it is listening).
    pub fn start_with(&self, args: &[&str]) -> Server {
        let server = self.start_exactly(&[&["--token", TOKEN], args].concat(), &[]);
        assert!(server.curl.contains(TOKEN), "{}", server.curl);
        server
    }

    /// Start the server with exactly these arguments and environment variables (no token added);
    /// waits until it prints its URL.
    pub fn start_exactly(&self, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(&self.binary)
            .args(args)
            .current_dir(self.dir.path())
            // Only the tokens given here, none from the environment the tests run in.
            .env_remove("SCIM_TOKEN")
            .env_remove("SCIM_TOKENS")
            .env_remove("SCIM_TOKEN_FILE")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first = lines.next().expect("the server prints its URL").expect("readable stdout");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("a URL on the first line: {first}"))
            .to_owned();
        let curl = lines.next().expect("and a curl example").expect("readable stdout");
        assert!(curl.contains("curl") && curl.contains(&url), "{curl}");
        let (host, base_path) = split_url(&url);
        Server { child, _stdout: Some(lines), curl, host, base_path }
    }
}

/// `127.0.0.1:PORT` and `/base/path` of `http://127.0.0.1:PORT/base/path`.
fn split_url(url: &str) -> (String, String) {
    let rest = url.trim_start_matches("http://");
    let (host, base_path) = rest.split_once('/').map_or((rest, String::new()), |(h, p)| (h, format!("/{p}")));
    (host.to_owned(), base_path)
}

/// Start any server command (with its token `TOKEN`) that says on stderr where it listens, in a
/// line with `listening on http://...` (as `scim-testserver serve` does); waits for that line.
/// The rest of stderr is passed through.
pub fn spawn_listening(mut command: Command) -> Server {
    let mut child = command
        .env_remove("SCIM_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let mut lines = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
    let url = loop {
        let line = lines.next().unwrap_or_else(|| panic!("{command:?} ended before listening")).expect("stderr");
        eprintln!("{line}");
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on ".len()..].split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|line| eprintln!("{line}")));
    let (host, base_path) = split_url(&url);
    Server { child, _stdout: None, curl: String::new(), host, base_path }
}

/// A running server; killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Kept open while the server runs, so that whatever else it prints has a reader.
    _stdout: Option<std::io::Lines<BufReader<std::process::ChildStdout>>>,
    /// The provisioning curl line it printed (empty for [`spawn_listening`]).
    pub curl: String,
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// The path part of the tenant URL, e.g. `/scim/v2`.
    pub base_path: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reply: status and JSON body (`Value::Null` when there is none).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// A SCIM error with this status and (if given) scimType (RFC 7644 section 3.12).
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["schemas"], json!([ERROR_URN]), "{}", self.body);
        assert_eq!(self.body["status"], status.to_string(), "{}", self.body);
        if let Some(scim_type) = scim_type {
            assert_eq!(self.body["scimType"], scim_type, "{}", self.body);
        }
    }
}

/// `s` percent-encoded for a query string.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The body of a chunked transfer (RFC 9112 section 7.1).
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") else { return out };
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16).expect("chunk size");
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
}

impl Server {
    /// The tenant URL to give Entra.
    pub fn tenant_url(&self) -> String {
        format!("http://{}{}", self.host, self.base_path)
    }

    /// One HTTP/1.1 request to `{base_path}{path}` with the bearer token, `Connection: close`.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.request_with_token(Some(TOKEN), method, path, body)
    }

    pub fn request_with_token(&self, token: Option<&str>, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.send(token, method, path, body, &[])
    }

    /// [`Server::request`] with more headers (`If-Match`, ...).
    pub fn request_with_headers(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.send(Some(TOKEN), method, path, body, headers)
    }

    fn send(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.try_send(token, method, path, body, headers)
            .unwrap_or_else(|e| panic!("{method} {path}: no reply from the server: {e}"))
    }

    /// [`Server::request_with_token`], with a connection that fails or ends before a whole
    /// reply arrives (the server was killed) as an error rather than a panic.
    pub fn try_request(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::io::Result<Reply> {
        self.try_send(token, method, path, body, &[])
    }

    /// The server's process id (to send it a signal).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send the server a signal with `kill -SIGNAL` (e.g. `HUP`).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").arg(format!("-{signal}")).arg(self.pid().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{signal} {}", self.pid());
    }

    fn try_send(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> std::io::Result<Reply> {
        let incomplete = |what: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what.to_owned());
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(&self.host)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nAccept: application/scim+json\r\nConnection: close\r\n",
            self.base_path, self.host
        );
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            head.push_str(&format!("Content-Type: application/scim+json\r\nContent-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()))?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split =
            raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| incomplete("no complete reply head"))?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status =
            status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| incomplete("no status code"))?;
        let headers: Vec<(String, String)> =
            lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
        let chunked = headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked"));
        // A reply cut short (the server killed while writing it) is no reply.
        let length =
            headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).map(|(_, v)| v.parse::<usize>());
        let whole = match length {
            _ if chunked => raw.ends_with(b"0\r\n\r\n"),
            Some(Ok(length)) => raw.len() - (split + 4) == length,
            _ => true,
        };
        if !whole {
            return Err(incomplete("a reply cut short"));
        }
        let payload = if chunked { dechunk(&raw[split + 4..]) } else { raw[split + 4..].to_vec() };
        let body = if payload.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&payload).map_err(|e| {
                let payload = String::from_utf8_lossy(&payload);
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{method} {path}: not JSON ({e}): {payload}"),
                )
            })?
        };
        Ok(Reply { status, headers, body })
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request("POST", path, Some(body))
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, None)
    }

    /// A PATCH with Entra's PatchOp envelope around `operations`.
    pub fn patch(&self, path: &str, operations: Value) -> Reply {
        self.request("PATCH", path, Some(&json!({"schemas": [PATCH_URN], "Operations": operations})))
    }

    /// The resources `filter` matches at `endpoint` (`/Users`), as Entra queries them.
    pub fn search(&self, endpoint: &str, filter: &str) -> Vec<Value> {
        let reply = self.get(&format!("{endpoint}?filter={}", encode(filter)));
        assert_eq!(reply.status, 200, "GET {endpoint}?filter={filter}: {}", reply.body);
        assert_eq!(reply.body["schemas"], json!([LIST_URN]), "{}", reply.body);
        let resources = reply.body["Resources"].as_array().cloned().unwrap_or_default();
        assert_eq!(reply.body["totalResults"], resources.len(), "{}", reply.body);
        resources
    }
}

/// The steps of Entra's provisioning cycle, each asserting what Entra relies on.
pub mod entra {
    use super::*;

    /// "Test Connection": a user filter on a random value answers an empty list, and a request
    /// without the token is refused with 401.
    pub fn test_connection(server: &Server) {
        let found = server.search("/Users", "userName eq \"0d1e4f6a-7a3b-4b8e-9c2d-5e6f7a8b9c0d\"");
        assert!(found.is_empty());
        let refused = server.request_with_token(None, "GET", "/Users", None);
        assert_eq!(refused.status, 401, "{}", refused.body);
        let wrong = server.request_with_token(Some("not-the-token"), "GET", "/Users", None);
        assert_eq!(wrong.status, 401, "{}", wrong.body);
    }

    /// The discovery documents list exactly `resource_types` (by name), and `/Schemas` has
    /// each URN in `schemas`.
    pub fn discovery(server: &Server, resource_types: &[&str], schemas: &[&str]) {
        let types = server.get("/ResourceTypes");
        assert_eq!(types.status, 200, "{}", types.body);
        let mut names: Vec<&str> =
            types.body["Resources"].as_array().expect("a list").iter().filter_map(|r| r["name"].as_str()).collect();
        names.sort_unstable();
        let mut expected = resource_types.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected, "{}", types.body);
        let served = server.get("/Schemas");
        assert_eq!(served.status, 200, "{}", served.body);
        for urn in schemas {
            let found = served.body["Resources"].as_array().expect("a list").iter().any(|s| s["id"] == *urn);
            assert!(found, "/Schemas lists {urn}: {}", served.body);
        }
        let config = server.get("/ServiceProviderConfig");
        assert_eq!(config.status, 200, "{}", config.body);
        assert_eq!(config.body["patch"]["supported"], true);
        assert_eq!(config.body["filter"]["supported"], true);
    }

    /// Create: 201 with an id, a Location that is `meta.location`, and each `expected` pointer
    /// (`/name/givenName`) holding its value. Returns the created resource.
    pub fn create(server: &Server, endpoint: &str, body: &Value, expected: &[(&str, Value)]) -> Value {
        let created = server.post(endpoint, body);
        assert_eq!(created.status, 201, "POST {endpoint}: {}", created.body);
        let id = created.body["id"].as_str().expect("an id");
        assert!(!id.is_empty());
        let location = created.header("Location").expect("a Location header");
        assert_eq!(created.body["meta"]["location"], location);
        assert!(location.ends_with(&format!("{endpoint}/{id}")), "{location}");
        assert_has(&created.body, expected);
        if endpoint == "/Users" {
            // userName is unique (RFC 7643 section 4.1.1): a second create is a conflict, which
            // Entra reads as "already there" and then matches by filter.
            server.post(endpoint, body).assert_error(409, Some("uniqueness"));
        }
        created.body
    }

    /// Entra's match step: `filter` finds exactly the resource with `id`.
    pub fn matches(server: &Server, endpoint: &str, filter: &str, id: &str) -> Value {
        let found = server.search(endpoint, filter);
        assert_eq!(found.len(), 1, "{filter} matches one resource: {found:?}");
        assert_eq!(found[0]["id"], id, "{filter}");
        found[0].clone()
    }

    /// A filter on an attribute the system does not mark filterable is refused (400
    /// invalidFilter), so a mis-set matching attribute in Entra shows up at once.
    pub fn refuses_filter(server: &Server, endpoint: &str, filter: &str) {
        server.get(&format!("{endpoint}?filter={}", encode(filter))).assert_error(400, Some("invalidFilter"));
    }

    /// An update: `operations` (Entra's forms) answer 200 with the resource (users), which then
    /// holds each `expected` pointer, as does a fresh GET; returns the resource as stored.
    /// Groups answer 204 No Content (as Entra's documentation shows, RFC 7644 section 3.5.2), so
    /// their state is read back with a GET.
    pub fn update(server: &Server, uri: &str, operations: Value, expected: &[(&str, Value)]) -> Value {
        let reply = server.patch(uri, operations.clone());
        let fetched = server.get(uri);
        assert_eq!(fetched.status, 200);
        if uri.starts_with("/Groups/") {
            assert_eq!(reply.status, 204, "PATCH {uri} {operations}: {}", reply.body);
        } else {
            assert_eq!(reply.status, 200, "PATCH {uri} {operations}: {}", reply.body);
            assert_eq!(fetched.body, reply.body, "the PATCH reply is the stored resource");
        }
        assert_has(&fetched.body, expected);
        fetched.body
    }

    /// Disable as Entra sends it without the compliance flag (`"False"`, a string), enable with a
    /// boolean, and disable again; a disabled user is still found by `filter`, inactive.
    pub fn disable(server: &Server, uri: &str, filter: &str) {
        update(
            server,
            uri,
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
            &[("/active", json!(false))],
        );
        update(server, uri, json!([{"op": "replace", "path": "active", "value": true}]), &[("/active", json!(true))]);
        update(server, uri, json!([{"op": "Replace", "path": "active", "value": false}]), &[("/active", json!(false))]);
        let found = server.search("/Users", filter);
        assert_eq!(found.len(), 1, "{filter}");
        assert_eq!(found[0]["active"], false);
    }

    /// Delete: 204, then 404 on GET, and a second DELETE is 404 too.
    pub fn delete(server: &Server, uri: &str) {
        let deleted = server.delete(uri);
        assert_eq!(deleted.status, 204, "DELETE {uri}: {}", deleted.body);
        server.get(uri).assert_error(404, None);
        server.delete(uri).assert_error(404, None);
    }

    /// A group's member ids, sorted.
    pub fn member_ids(group: &Value) -> Vec<String> {
        let mut ids: Vec<String> = group["members"]
            .as_array()
            .map(|m| m.iter().filter_map(|m| m["value"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// Entra's group cycle: test-connection query, create (the tutorial's body, with its
    /// ActiveDirectory schema entry), match by displayName with members excluded, rename,
    /// add members (with `"$ref": null`), remove one by value list and one by value filter,
    /// and delete; the users stay. `users` are two existing user ids.
    pub fn group_lifecycle(server: &Server, users: [&str; 2]) {
        let [alice, bob] = users;
        let probe = server.get(&format!(
            "/Groups?excludedAttributes=members&filter={}",
            encode("displayName eq \"0d1e4f6a-nothing\"")
        ));
        assert_eq!(probe.status, 200, "{}", probe.body);
        assert_eq!(probe.body["totalResults"], 0);

        let body = json!({
            "schemas": [GROUP_URN, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Sales EMEA",
            "meta": {"resourceType": "Group"}
        });
        let created = create(
            server,
            "/Groups",
            &body,
            &[("/displayName", json!("Sales EMEA")), ("/externalId", json!("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"))],
        );
        assert_eq!(created["schemas"], json!([GROUP_URN]));
        let id = created["id"].as_str().expect("an id").to_owned();
        let uri = format!("/Groups/{id}");
        let found = server
            .get(&format!("/Groups?excludedAttributes=members&filter={}", encode("displayName eq \"Sales EMEA\"")));
        assert_eq!(found.body["totalResults"], 1, "{}", found.body);
        assert_eq!(found.body["Resources"][0]["id"], id.as_str());
        assert!(found.body["Resources"][0].get("members").is_none());

        update(
            server,
            &uri,
            json!([{"op": "Replace", "path": "displayName", "value": "Sales Europe"}]),
            &[("/displayName", json!("Sales Europe"))],
        );
        let added = update(
            server,
            &uri,
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": alice}, {"$ref": null, "value": bob}]}]),
            &[],
        );
        let mut both = vec![alice.to_owned(), bob.to_owned()];
        both.sort();
        assert_eq!(member_ids(&added), both);
        let without_alice = update(
            server,
            &uri,
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": alice}]}]),
            &[],
        );
        assert_eq!(member_ids(&without_alice), [bob]);
        let empty =
            update(server, &uri, json!([{"op": "remove", "path": format!("members[value eq \"{bob}\"]")}]), &[]);
        assert!(member_ids(&empty).is_empty(), "{empty}");
        // A group deleted with a member in it leaves the member user alone.
        update(server, &uri, json!([{"op": "Add", "path": "members", "value": [{"value": alice}]}]), &[]);

        delete(server, &uri);
        assert_eq!(server.get(&format!("/Users/{alice}")).status, 200, "deleting a group leaves its users");
    }

    /// Entra's group match when the group's matching attribute is `externalId`: the query
    /// excludes members and finds the group (a project whose table lists only users keeps the
    /// group filter defaults). The group is deleted again.
    pub fn group_matched_by_external_id(server: &Server) {
        let created = create(
            server,
            "/Groups",
            &json!({"schemas": [GROUP_URN], "externalId": "3f1c9a7e-groups-by-external-id", "displayName": "Finance"}),
            &[("/externalId", json!("3f1c9a7e-groups-by-external-id"))],
        );
        let id = created["id"].as_str().expect("an id").to_owned();
        let found = server.get(&format!(
            "/Groups?excludedAttributes=members&filter={}",
            encode("externalId eq \"3f1c9a7e-groups-by-external-id\"")
        ));
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body["totalResults"], 1, "{}", found.body);
        assert_eq!(found.body["Resources"][0]["id"], id.as_str());
        assert!(found.body["Resources"][0].get("members").is_none());
        delete(server, &format!("/Groups/{id}"));
    }

    /// Each `(pointer, value)` holds in `resource`.
    pub fn assert_has(resource: &Value, expected: &[(&str, Value)]) {
        for (pointer, value) in expected {
            assert_eq!(resource.pointer(pointer), Some(value), "{pointer} in {resource}");
        }
    }
}

/// Stop the server, start it again in the same directory (the same default SQLite file) on the
/// same address (the same tenant URL), and return the new one: what was provisioned must still
/// be there.
pub fn restart(example: &Example, server: Server) -> Server {
    let listen = server.host.clone();
    drop(server);
    example.start_with(&["--listen", &listen])
}

/// Graceful shutdown, as a load balancer draining a replica sees it: a POST whose body is
/// still arriving when the server gets SIGTERM completes (`201`, and the user is stored), the
/// process exits 0 soon after, and new connections are refused once it has stopped.
#[cfg(unix)]
pub fn drains_a_request_in_flight_on_sigterm(mut server: Server) {
    let body = json!({"schemas": [USER_URN], "userName": "in.flight@example.com", "active": true}).to_string();
    let mut stream = TcpStream::connect(&server.host).expect("connect to the server");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("set a read timeout");
    let head = format!(
        "POST {}/Users HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
        server.base_path,
        server.host,
        body.len()
    );
    // The head and half the body: the server has the request and waits for the rest.
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(first.as_bytes())).expect("send");
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
    assert!(killed.success(), "kill -TERM {pid}");
    std::thread::sleep(Duration::from_millis(300));
    // Still running: it waits for the request in flight.
    assert!(
        server.child.try_wait().expect("the server's status").is_none(),
        "the server exited with a request in flight"
    );
    stream.write_all(rest.as_bytes()).expect("send the rest of the body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the reply");
    let reply = String::from_utf8_lossy(&raw);
    assert!(reply.starts_with("HTTP/1.1 201"), "the request in flight completes: {reply}");
    assert!(reply.contains("in.flight@example.com"), "{reply}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("the server's status") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "the server did not exit after its last request");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "a graceful shutdown exits 0");
    assert!(TcpStream::connect(&server.host).is_err(), "a stopped server refuses new connections");
}
