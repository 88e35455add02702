//! The real `orgraph serve` for the HTTP benchmarks: started on a free loopback port,
//! checked healthy, killed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::BenchResult;

pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// `orgraph serve` on a free loopback port, signing tokens with `secret`.
    pub fn start(
        binary: &Path,
        database_url: &str,
        secret: &str,
        workers: Option<u32>,
        log_dir: &Path,
    ) -> BenchResult<Self> {
        Self::start_with(
            binary,
            database_url,
            &[("ORGRAPH_JWT_SECRET", secret)],
            &[],
            workers,
            log_dir,
        )
    }

    /// `orgraph serve ARGS` with the environment `env`, on a free loopback port.
    pub fn start_with(
        binary: &Path,
        database_url: &str,
        env: &[(&str, &str)],
        args: &[&str],
        workers: Option<u32>,
        log_dir: &Path,
    ) -> BenchResult<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = log_dir.join(format!("orgraph-{port}.log"));
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .args(args)
            .envs(env.iter().copied())
            .env("DATABASE_URL", database_url)
            .env("ORGRAPH_BIND", format!("127.0.0.1:{port}"))
            .env("ORGRAPH_LOG", "warn")
            // Nothing may run in the background while measuring.
            .env("ORGRAPH_PURGE_INTERVAL_SECS", "0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?);
        if let Some(workers) = workers {
            command.env("ORGRAPH_WORKERS", workers.to_string());
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_until_healthy()?;
        Ok(server)
    }

    pub fn wait_until_healthy(&mut self) -> BenchResult<()> {
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("orgraph exited with {status}: {}", self.log_text()).into());
            }
            if let Ok(response) = agent.get(&format!("{}/healthz", self.base)).call() {
                if response.status() == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("orgraph did not become healthy: {}", self.log_text()).into())
    }

    /// The server's process id (to read its CPU time in `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive connection: every request of the benchmark reuses it.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}
