use std::fmt;
use std::path::PathBuf;

/// Where the data lives: `postgres://…` / `postgresql://…`, or a SQLite file given as
/// `sqlite://PATH` or a bare path.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Self {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Self::Postgres(raw.to_owned())
        } else {
            let path = raw
                .strip_prefix("sqlite://")
                .or_else(|| raw.strip_prefix("sqlite:"))
                .unwrap_or(raw);
            Self::Sqlite(PathBuf::from(path))
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    /// Never prints a PostgreSQL password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => {
                let redacted = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme), Some(at)) if at > scheme => {
                        format!("{}://***{}", &url[..scheme], &url[at..])
                    }
                    _ => url.clone(),
                };
                write!(f, "{redacted}")
            }
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
