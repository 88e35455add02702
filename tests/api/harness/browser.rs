//! An HTTP client that behaves like a browser where sign-in needs it: it keeps cookies and
//! does not follow redirects (the tests look at each hop).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

/// One answer: status, the headers the tests read, and the body.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::String(self.body.clone()))
    }

    /// The `content` of `<meta name="NAME" content="…">`, or the `value` of a form field
    /// named NAME.
    pub fn field(&self, name: &str) -> Option<String> {
        [
            format!("name=\"{name}\" content=\""),
            format!("name=\"{name}\" value=\""),
        ]
        .iter()
        .find_map(|marker| {
            let start = self.body.find(marker.as_str())? + marker.len();
            self.body[start..].split('"').next().map(str::to_owned)
        })
    }
}

pub struct Browser {
    base: String,
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(Duration::from_secs(60)))
                .build()
                .into(),
            cookies: BTreeMap::new(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn forget_cookie(&mut self, name: &str) {
        self.cookies.remove(name);
    }

    /// GET a path of the server (or an absolute URL), as a browser navigating to it.
    pub fn get(&mut self, path: &str) -> Page {
        let url = self.url(path);
        let mut request = self.agent.get(&url).header("accept", "text/html");
        if let Some(cookies) = self.cookie_header() {
            request = request.header("cookie", &cookies);
        }
        let response = request.call().expect("GET");
        self.page(response)
    }

    /// POST a form, as a browser submitting it.
    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let url = self.url(path);
        let mut request = self.agent.post(&url);
        if let Some(cookies) = self.cookie_header() {
            request = request.header("cookie", &cookies);
        }
        let response = request
            .send_form(fields.iter().copied())
            .expect("POST form");
        self.page(response)
    }

    /// POST to a path with extra headers (a page's `fetch`), with a JSON body or none.
    pub fn post(&mut self, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Page {
        let url = self.url(path);
        let mut request = self.agent.post(&url);
        if let Some(cookies) = self.cookie_header() {
            request = request.header("cookie", &cookies);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .send(body.to_string().as_bytes())
                .expect("POST"),
            None => request.send_empty().expect("POST"),
        };
        self.page(response)
    }

    /// A GraphQL request authenticated by the session cookie, with `csrf` if given.
    pub fn graphql(&mut self, query: &str, csrf: Option<&str>) -> Page {
        let body = serde_json::json!({ "query": query });
        match csrf {
            Some(token) => self.post("/graphql", Some(&body), &[("x-csrf-token", token)]),
            None => self.post("/graphql", Some(&body), &[]),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn page(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Page {
        for header in response.headers().get_all("set-cookie") {
            let Ok(text) = header.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let removed = text.to_ascii_lowercase().contains("max-age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Page {
            status,
            location,
            body,
        }
    }
}
