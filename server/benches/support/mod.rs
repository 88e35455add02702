//! What the benchmark binaries share: fresh databases, latency samples, machine facts.
//! Each binary includes this module and uses a part of it.

#![allow(dead_code)]

use std::error::Error;

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value};

use orgraph::store::DatabaseUrl;

pub type BenchResult<T> = Result<T, Box<dyn Error>>;

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

impl BackendArg {
    pub fn parse(value: &str, usage: &str) -> BenchResult<Self> {
        match value {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Self::Postgres),
            other => Err(format!("unknown backend {other}\n{usage}").into()),
        }
    }
}

/// Reads a benchmark's command line: `--bench` (which `cargo bench` adds) is skipped,
/// `--help` prints `usage`, a flag listed in `switches` goes to `on_switch`, any other to
/// `on_value` with the value that follows it.
pub fn read_flags(
    usage: &str,
    switches: &[&str],
    mut on_switch: impl FnMut(&str),
    mut on_value: impl FnMut(&str, String) -> BenchResult<()>,
) -> BenchResult<()> {
    let mut raw = std::env::args().skip(1);
    while let Some(flag) = raw.next() {
        if flag == "--bench" {
            continue;
        }
        if flag == "--help" || flag == "-h" {
            println!("{usage}");
            std::process::exit(0);
        }
        if switches.contains(&flag.as_str()) {
            on_switch(&flag);
            continue;
        }
        let value = raw
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{usage}"))?;
        on_value(&flag, value)?;
    }
    Ok(())
}

/// The shape of a load benchmark run in rounds: the same flags for every one of them.
pub struct LoadArgs {
    /// Length of one round of one contender.
    pub seconds: u64,
    pub rounds: usize,
    /// Concurrent keep-alive clients.
    pub clients: usize,
    /// Server workers.
    pub workers: u32,
}

impl LoadArgs {
    /// Reads `--seconds --rounds --clients --workers` over `defaults`.
    pub fn read(usage: &str, defaults: Self) -> BenchResult<Self> {
        Self::read_with(usage, defaults, |other, _| {
            Err(format!("unknown argument {other}\n{usage}").into())
        })
    }

    /// [`Self::read`], with the benchmark's own flags handed to `other`.
    pub fn read_with(
        usage: &str,
        defaults: Self,
        mut other: impl FnMut(&str, String) -> BenchResult<()>,
    ) -> BenchResult<Self> {
        let mut args = defaults;
        read_flags(
            usage,
            &[],
            |_| {},
            |flag, value| {
                match flag {
                    "--seconds" => args.seconds = value.parse()?,
                    "--rounds" => args.rounds = value.parse()?,
                    "--clients" => args.clients = value.parse()?,
                    "--workers" => args.workers = value.parse()?,
                    flag => other(flag, value)?,
                }
                Ok(())
            },
        )?;
        Ok(args)
    }
}

/// The median of some rates.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

/// A fresh database, removed when dropped.
pub enum FreshDatabase {
    Sqlite {
        dir: Option<tempfile::TempDir>,
        url: DatabaseUrl,
        keep: bool,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: DatabaseUrl,
        keep: bool,
    },
}

impl FreshDatabase {
    pub fn create(backend: BackendArg, keep: bool) -> BenchResult<Self> {
        match backend {
            BackendArg::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = DatabaseUrl::Sqlite(dir.path().join("bench.sqlite3"));
                Ok(Self::Sqlite {
                    dir: Some(dir),
                    url,
                    keep,
                })
            }
            BackendArg::Postgres => {
                let admin_url = std::env::var("ORGRAPH_TEST_DATABASE_URL")
                    .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
                let name = format!("orgraph_bench_{:016x}", rand::random::<u64>());
                let mut admin = diesel::pg::PgConnection::establish(&admin_url)?;
                admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
                let url = DatabaseUrl::Postgres(with_database(&admin_url, &name));
                Ok(Self::Postgres {
                    admin_url,
                    name,
                    url,
                    keep,
                })
            }
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    /// What the server's `DATABASE_URL` takes (a bare path for SQLite).
    pub fn server_url(&self) -> String {
        match self.url() {
            DatabaseUrl::Sqlite(path) => path.display().to_string(),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        match self {
            Self::Sqlite {
                dir,
                keep: true,
                url,
                ..
            } => {
                if let Some(dir) = dir.take() {
                    let _kept = dir.keep();
                }
                eprintln!("kept {url}");
            }
            Self::Sqlite { .. } => {}
            Self::Postgres {
                url, keep: true, ..
            } => eprintln!("kept {url}"),
            Self::Postgres {
                admin_url, name, ..
            } => {
                let dropped = diesel::pg::PgConnection::establish(admin_url)
                    .map_err(Box::<dyn Error>::from)
                    .and_then(|mut admin| {
                        admin
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .map_err(Box::<dyn Error>::from)
                    });
                if let Err(e) = dropped {
                    eprintln!("could not drop database {name}: {e}");
                }
            }
        }
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// Latency distribution of repeated runs.
#[derive(Clone)]
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn measure<T>(
        iterations: usize,
        mut run: impl FnMut() -> BenchResult<T>,
    ) -> BenchResult<Self> {
        // A few warm-up runs (caches, prepared statements, the connection) are not recorded.
        for _ in 0..iterations.clamp(1, 10) {
            run()?;
        }
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let start = Instant::now();
            run()?;
            samples.push(start.elapsed());
        }
        Ok(Self::from(samples))
    }

    pub fn from(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self(samples)
    }

    /// Nearest-rank percentile.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub fn p50(&self) -> Duration {
        self.percentile(50.0)
    }

    pub fn p99(&self) -> Duration {
        self.percentile(99.0)
    }

    pub fn json(&self) -> Value {
        json!({
            "iterations": self.0.len(),
            "min_ms": ms(self.percentile(0.0)),
            "p50_ms": ms(self.p50()),
            "p90_ms": ms(self.percentile(90.0)),
            "p99_ms": ms(self.p99()),
            "max_ms": ms(self.percentile(100.0)),
        })
    }

    pub fn summary(&self) -> String {
        format!(
            "min {} · p50 {} · p90 {} · p99 {} · max {} ({} runs)",
            human(self.percentile(0.0)),
            human(self.p50()),
            human(self.percentile(90.0)),
            human(self.p99()),
            human(self.percentile(100.0)),
            self.0.len()
        )
    }

    pub fn short(&self) -> String {
        format!("p50 {} · p99 {}", human(self.p50()), human(self.p99()))
    }
}

pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

pub fn human(d: Duration) -> String {
    if d < Duration::from_millis(10) {
        format!("{:.3} ms", d.as_secs_f64() * 1e3)
    } else if d < Duration::from_secs(10) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub struct Machine {
    pub cores: usize,
    pub cpu: String,
    pub memory_gib: f64,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Self {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu,
            memory_gib: (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{} cores ({}), {} GiB",
            self.cores, self.cpu, self.memory_gib
        )
    }
}

pub mod adversarial;
pub mod load;
pub mod server;
