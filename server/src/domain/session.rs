//! Browser sessions: when one is still good, and the `return_to` a sign-in may go back to.

use chrono::{DateTime, Duration, Utc};

use super::ids::UserId;

/// How long a session lasts: unused for `idle`, or in all `absolute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            idle: Duration::hours(2),
            absolute: Duration::hours(24),
        }
    }
}

/// A stored session (the secret itself is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How often the idle clock is written back: not on every request (a write per request),
/// so idleness is measured to within this much.
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

impl Session {
    pub fn is_live(&self, now: DateTime<Utc>, lifetime: SessionLifetime) -> bool {
        self.revoked_at.is_none()
            && now < self.expires_at
            && now < self.last_seen_at + lifetime.idle
    }

    /// Whether this use should move `last_seen_at`.
    pub fn needs_touch(&self, now: DateTime<Utc>) -> bool {
        now >= self.last_seen_at + TOUCH_EVERY
    }
}

/// `return_to` if it is one of Orgraph's own paths (`/…`, not `//host` or `/\host`, no
/// control characters), else `/graphql`: a sign-in is never an open redirect.
pub fn safe_return_to(requested: Option<&str>) -> Option<String> {
    let Some(path) = requested else {
        return Some("/graphql".to_owned());
    };
    let own = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control() || c == '\\')
        && path.len() <= 2048;
    own.then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            user_id: UserId::new_random(),
            csrf_token: "t".into(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(24),
            revoked_at: None,
        }
    }

    #[test]
    fn sessions_end_when_idle_expired_or_revoked() {
        let now = Utc::now();
        let lifetime = SessionLifetime::default();
        let live = session(now);
        assert!(live.is_live(now + Duration::minutes(119), lifetime));
        assert!(!live.is_live(now + Duration::minutes(121), lifetime));
        let mut used = live.clone();
        used.last_seen_at = now + Duration::hours(23);
        assert!(used.is_live(now + Duration::hours(23) + Duration::minutes(30), lifetime));
        assert!(!used.is_live(now + Duration::hours(24), lifetime));
        let mut revoked = live;
        revoked.revoked_at = Some(now);
        assert!(!revoked.is_live(now, lifetime));
    }

    #[test]
    fn return_to_is_an_own_path_only() {
        assert_eq!(safe_return_to(None).as_deref(), Some("/graphql"));
        assert_eq!(
            safe_return_to(Some("/graphql?x=1")).as_deref(),
            Some("/graphql?x=1")
        );
        for bad in [
            "https://elsewhere.example",
            "//elsewhere.example",
            "/\\elsewhere.example",
            "/graphql\\x",
            "graphql",
            "",
            "/a\nb",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_return_to(Some(bad)), None, "{bad:?}");
        }
    }
}
