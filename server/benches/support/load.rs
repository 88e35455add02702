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

/// What a load benchmark sends again and again, and to which server.
pub struct Target {
    pub label: String,
    pub endpoint: String,
    /// The server's process, whose CPU time a round reads.
    pub server_pid: String,
    /// Empty for none.
    pub authorization: String,
    pub body: Arc<Vec<u8>>,
}

impl Target {
    pub fn caller(&self) -> Caller {
        Caller {
            agent: agent(),
            endpoint: self.endpoint.clone(),
            authorization: self.authorization.clone(),
        }
    }

    /// The first answer, which must be HTTP 200 without errors and which every later answer
    /// must equal; then `warm_up` more, not recorded.
    pub fn first_answer(&self, warm_up: usize) -> BenchResult<Expected> {
        let caller = self.caller();
        let (status, text) = caller.send(&self.body, &[])?;
        let json: Value = serde_json::from_str(&text)?;
        if status != 200 || json.get("errors").is_some() {
            return Err(format!("{}: HTTP {status}: {text:.1000}", self.label).into());
        }
        for _ in 0..warm_up {
            caller.send(&self.body, &[])?;
        }
        Ok(Expected { text, json })
    }

    /// `clients` keep-alive clients sending it for `length`.
    pub fn round(
        &self,
        expected: &Expected,
        clients: usize,
        length: Duration,
    ) -> BenchResult<Round> {
        round(
            &self.server_pid,
            &self.endpoint,
            &self.authorization,
            &self.body,
            expected,
            clients,
            length,
        )
    }
}

impl Round {
    /// Rate, latencies and the server's CPU per request, for a round's line.
    pub fn summary(&self) -> String {
        format!(
            "{:>6.0} requests/s, {} (server CPU {:.0} µs per request) [load {}]",
            self.rate,
            super::Samples::from(self.latencies.clone()).short(),
            self.server_cpu_per_request * 1e6,
            super::load_average()
        )
    }
}

/// A target's rounds, gathered.
#[derive(Default)]
pub struct Tally {
    rates: Vec<f64>,
    server_cpu: Vec<f64>,
    latencies: Vec<Duration>,
}

impl Tally {
    pub fn add(&mut self, done: Round) {
        self.rates.push(done.rate);
        self.server_cpu.push(done.server_cpu_per_request);
        self.latencies.extend(done.latencies);
    }

    pub fn median_rate(&self) -> f64 {
        super::median(&self.rates)
    }

    /// Seconds of the server's CPU per request, median over the rounds.
    pub fn median_server_cpu(&self) -> f64 {
        super::median(&self.server_cpu)
    }

    /// Every round's rate, in order: "2932, 2810, …".
    pub fn rates(&self) -> String {
        self.rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every request's latency over all rounds.
    pub fn latencies(&self) -> super::Samples {
        super::Samples::from(self.latencies.clone())
    }
}
