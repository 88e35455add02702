//! Contract accounts: who pays for an organization.

use chrono::{DateTime, Utc};

use super::error::{DomainError, DomainResult};
use super::ids::{ContractAccountId, UserId};
use super::name::Name;

pub const ACCOUNT_NAME_MAX_CHARS: usize = 200;
pub const PLAN_MAX_CHARS: usize = 64;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const DEFAULT_PLAN: &str = "standard";

#[derive(Debug, Clone, PartialEq)]
pub struct ContractAccount {
    pub id: ContractAccountId,
    pub name: String,
    pub billing_email: String,
    pub plan: String,
    pub owner_user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An account's name follows the name rule ([`Name`]).
pub fn validate_account_name(raw: &str) -> DomainResult<String> {
    Name::parse("name", raw, ACCOUNT_NAME_MAX_CHARS).map(Name::into_string)
}

pub fn validate_plan(raw: &str) -> DomainResult<String> {
    let plan = bounded_text("plan", raw, PLAN_MAX_CHARS)?;
    if !plan
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(DomainError::invalid(
            "plan",
            "may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(plan)
}

/// A deliberately small check (one `@`, a dot in the domain, no spaces): deliverability is the
/// billing system's business.
pub fn validate_email(field: &str, raw: &str) -> DomainResult<String> {
    let email = bounded_text(field, raw, EMAIL_MAX_CHARS)?;
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        return Err(DomainError::invalid(field, "is not an email address"));
    }
    Ok(email)
}

fn bounded_text(field: &str, raw: &str, max: usize) -> DomainResult<String> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars == 0 {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if chars > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters (got {chars})"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(validate_email("billingEmail", "ap@example.com").is_ok());
        for bad in [
            "", "no-at", "a@b", "a b@c.d", "@c.d", "a@.c", "a@c.", "a@b@c.d",
        ] {
            assert!(validate_email("billingEmail", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plans() {
        assert!(validate_plan("enterprise-2026").is_ok());
        assert!(validate_plan("free plan").is_err());
    }
}
