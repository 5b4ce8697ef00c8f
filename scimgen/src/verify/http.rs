//! The HTTP side of `scimgen verify`: the base URL (and the refusal of plain HTTP off the
//! machine), and a [`Transport`] that sends one request and hands back what came back. The
//! runner only sees the trait, so its unit tests answer from memory.

use std::time::Duration;

use serde_json::Value;

/// One request as the runner means it: `path` is relative to the base URL and may hold a query
/// in readable form (`/Users?filter=userName eq "a"`); [`encode_query`] makes it a URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Option<Value>,
    /// Send the bearer token (false only for the step that checks a missing token is refused).
    pub auth: bool,
}

/// What came back: the status, the body parsed as JSON when it is JSON, and the raw text.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub json: Option<Value>,
    pub text: String,
}

impl Response {
    pub fn new(status: u16, text: impl Into<String>) -> Response {
        let text = text.into();
        let json = serde_json::from_str(&text).ok();
        Response { status, json, text }
    }
}

/// Sends requests to one SCIM service.
pub trait Transport {
    /// `Err` is a transport failure (refused connection, timeout, TLS), not an HTTP status.
    fn send(&self, request: &Request) -> Result<Response, String>;
}

/// Whether `url` may be used: `https://` anywhere, `http://` only on loopback unless
/// `insecure` (a bearer token sent in clear over a network is a leaked token).
pub fn check_url(url: &str, insecure: bool) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return Err(format!("{url} is not an http:// or https:// URL"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _port)| host),
    };
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback());
    if loopback || insecure {
        Ok(())
    } else {
        Err(format!(
            "{url} is plain HTTP to another machine: the bearer token would cross the network unencrypted; \
             use https://, or pass --insecure if you mean it"
        ))
    }
}

/// `path` with every query parameter's value percent-encoded (`filter=userName eq "a"` becomes
/// `filter=userName%20eq%20%22a%22`); the path part is kept as written.
pub fn encode_query(path: &str) -> String {
    let Some((path, query)) = path.split_once('?') else { return path.to_owned() };
    let parameters: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => format!("{name}={}", percent_encode(value)),
            None => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", parameters.join("&"))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The real transport: ureq, blocking, 30 seconds a request, statuses are answers (not errors).
#[derive(Debug)]
pub struct HttpTransport {
    base_url: String,
    token: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    pub fn new(base_url: &str, token: &str) -> HttpTransport {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        HttpTransport { base_url: base_url.trim_end_matches('/').to_owned(), token: token.to_owned(), agent }
    }
}

impl Transport for HttpTransport {
    fn send(&self, request: &Request) -> Result<Response, String> {
        let url = format!("{}{}", self.base_url, encode_query(&request.path));
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&url)
            .header("Accept", "application/scim+json, application/json");
        if request.auth {
            builder = builder.header("Authorization", format!("Bearer {}", self.token));
        }
        let sent = match &request.body {
            Some(body) => {
                let request = builder
                    .header("Content-Type", "application/scim+json")
                    .body(body.to_string())
                    .map_err(|error| error.to_string())?;
                self.agent.run(request)
            }
            None => self.agent.run(builder.body(()).map_err(|error| error.to_string())?),
        };
        let mut response = sent.map_err(|error| format!("{} {url}: {error}", request.method))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|error| format!("reading the response: {error}"))?;
        Ok(Response::new(status, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_off_loopback_unless_insecure() {
        assert!(check_url("http://127.0.0.1:8080/scim/v2", false).is_ok());
        assert!(check_url("http://localhost/scim", false).is_ok());
        assert!(check_url("http://[::1]:9000/scim", false).is_ok());
        assert!(check_url("https://scim.example.com/v2", false).is_ok());
        let refused = check_url("http://scim.example.com/v2", false).unwrap_err();
        assert!(refused.contains("--insecure"), "{refused}");
        assert!(check_url("http://10.0.0.5/scim", false).is_err());
        assert!(check_url("http://10.0.0.5/scim", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/", true).is_err());
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query(r#"/Users?filter=userName eq "a b"&count=2"#),
            "/Users?filter=userName%20eq%20%22a%20b%22&count=2"
        );
        assert_eq!(encode_query("/Users/abc"), "/Users/abc");
    }
}
