//! Load rounds for the HTTP benchmarks: keep-alive clients posting one body for a while,
//! every answer checked against the expected one, with the CPU time of server and clients.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::server::agent;
use super::BenchResult;

/// Where an answer first differs from the expected one, with some context on both sides.
pub fn difference(answer: &str, expected: &str) -> String {
    let at = answer
        .bytes()
        .zip(expected.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(answer.len().min(expected.len()));
    let around = |text: &str| -> String {
        let start = at.saturating_sub(300);
        String::from_utf8_lossy(&text.as_bytes()[start..(at + 300).min(text.len())]).into_owned()
    };
    format!(
        "the answer ({} bytes) differs from the expected one ({} bytes) at byte {at}:\n  answer: …{}…\n  expected:  …{}…",
        answer.len(),
        expected.len(),
        around(answer),
        around(expected)
    )
}

/// The first answer, which every answer must equal.
pub struct Expected {
    pub text: String,
    pub json: Value,
}

impl Expected {
    /// `Ok(true)` for the same bytes, `Ok(false)` for the same JSON with the fields of some
    /// object in another order (async-graphql 7 writes an object's fields in the order
    /// their resolvers finish), else why not.
    pub fn check(&self, text: &str) -> Result<bool, String> {
        if text == self.text {
            return Ok(true);
        }
        match serde_json::from_str::<Value>(text) {
            Ok(json) if json == self.json => Ok(false),
            _ => Err(difference(text, &self.text)),
        }
    }
}

/// One round of one mode: its rate, every request's latency, and how many answers had
/// their fields in another order than the plain request's first answer.
pub struct Round {
    pub rate: f64,
    /// CPU seconds per request of the server, and of this process's clients.
    pub server_cpu_per_request: f64,
    pub client_cpu_per_request: f64,
    pub latencies: Vec<Duration>,
    pub reordered: usize,
    /// Distinct texts among the reordered answers.
    pub distinct: usize,
}

/// CPU time (user and system) a process has used so far, from `/proc/<pid>/stat` (in
/// ticks of `USER_HZ`, 100 per second on Linux).
pub fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name (in parentheses): state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// `clients` keep-alive clients posting `body` for `length`; every answer must be `expected`.
pub fn round(
    server_pid: &str,
    endpoint: &str,
    authorization: &str,
    body: &Arc<Vec<u8>>,
    expected: &Expected,
    clients: usize,
    length: Duration,
) -> BenchResult<Round> {
    let (server_cpu, client_cpu) = (cpu_seconds(server_pid), cpu_seconds("self"));
    let started = Instant::now();
    let deadline = started + length;
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (endpoint, authorization) = (endpoint.to_owned(), authorization.to_owned());
            let body = body.clone();
            std::thread::spawn(move || -> Result<(Vec<Duration>, Vec<String>), String> {
                let agent = agent();
                let (mut latencies, mut answers) = (Vec::new(), Vec::new());
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let text = post(&agent, &endpoint, &authorization, &body)?;
                    latencies.push(sent.elapsed());
                    answers.push(text);
                }
                Ok((latencies, answers))
            })
        })
        .collect();
    let (mut latencies, mut answers) = (Vec::new(), Vec::new());
    for handle in handles {
        let (done, texts) = handle.join().map_err(|_| "a client panicked")??;
        latencies.extend(done);
        answers.extend(texts);
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    let server_cpu = cpu_seconds(server_pid) - server_cpu;
    let client_cpu = cpu_seconds("self") - client_cpu;
    // Checked once the round is over, so that reading 30 KB of JSON on the client does not
    // take the server's cores while it is measured; each distinct text is read once.
    let mut reordered = 0;
    let mut checked: HashSet<&str> = HashSet::new();
    for text in &answers {
        if checked.contains(text.as_str()) {
            reordered += 1;
        } else if !expected.check(text)? {
            reordered += 1;
            checked.insert(text);
        }
    }
    Ok(Round {
        rate,
        server_cpu_per_request: server_cpu / latencies.len() as f64,
        client_cpu_per_request: client_cpu / latencies.len() as f64,
        latencies,
        reordered,
        distinct: checked.len(),
    })
}

/// The body of one answer, which must be HTTP 200 (`authorization`: empty for none).
pub fn post(
    agent: &ureq::Agent,
    endpoint: &str,
    authorization: &str,
    body: &[u8],
) -> Result<String, String> {
    let mut request = agent
        .post(endpoint)
        .header("content-type", "application/json");
    if !authorization.is_empty() {
        request = request.header("authorization", authorization);
    }
    let mut response = request.send(body).map_err(|e| e.to_string())?;
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("HTTP {}: {text:.2000}", response.status()));
    }
    Ok(text)
}

/// One caller's GraphQL connection, for a benchmark's setup and checks (`authorization`:
/// empty for none).
pub struct Caller {
    pub agent: ureq::Agent,
    pub endpoint: String,
    pub authorization: String,
}

impl Caller {
    /// Status and body of one POST.
    pub fn send(&self, body: &[u8], headers: &[(&str, &str)]) -> BenchResult<(u16, String)> {
        let mut request = self
            .agent
            .post(&self.endpoint)
            .header("content-type", "application/json");
        if !self.authorization.is_empty() {
            request = request.header("authorization", &self.authorization);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.send(body)?;
        let text = response.body_mut().read_to_string()?;
        Ok((response.status().as_u16(), text))
    }

    /// The data of an operation that must succeed.
    pub fn data(&self, query: &str, variables: Value) -> BenchResult<Value> {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, text) = self.send(body.as_bytes(), &[])?;
        let mut answer: Value = serde_json::from_str(&text)?;
        if status != 200 || answer.get("errors").is_some() {
            return Err(format!("HTTP {status}: {query}: {text:.1000}").into());
        }
        Ok(answer["data"].take())
    }
}
