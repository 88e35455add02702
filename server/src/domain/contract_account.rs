//! Contract accounts: who pays for an organization.

use chrono::{DateTime, Utc};

use super::error::{DomainError, DomainResult};
use super::ids::{ContractAccountId, NetworkId, UserId};
use super::name::Name;
use super::permissions::Scope;

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

/// Who manages contract accounts (SPEC §3): whoever holds `billing:manage` on an organization
/// that uses the account, and the person who created an account that no organization uses
/// yet. Management is reading, changing and deleting the account, and giving it to new
/// organizations; every other caller gets `NOT_FOUND`, as for an unknown account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountManager {
    /// The person calling (applications and directories create no accounts).
    pub person: Option<UserId>,
    /// Where the caller holds `billing:manage`.
    pub billing: Vec<(NetworkId, Scope)>,
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

/// The longest local part (before the `@`) SMTP carries (RFC 5321 §4.5.3.1.1).
pub const EMAIL_LOCAL_MAX_CHARS: usize = 64;

/// An email address as the WHATWG HTML standard defines a "valid e-mail address": a local part
/// of letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, an `@`, and a domain of dot-separated
/// labels of letters, digits and inner hyphens (at most 63 characters each). On top of it: the
/// domain has at least two labels, the local part at most 64 characters and the whole at most
/// 254. Surrounding whitespace is trimmed; the case is kept (users compare emails without it).
/// Deliverability is the billing system's business.
pub fn validate_email(field: &str, raw: &str) -> DomainResult<String> {
    let email = raw.trim();
    let chars = email.chars().count();
    if chars == 0 {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if chars > EMAIL_MAX_CHARS {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {EMAIL_MAX_CHARS} characters (got {chars})"),
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(DomainError::invalid(
            field,
            "is not an email address (no @)",
        ));
    };
    if local.is_empty() || !local.chars().all(is_email_local_char) {
        return Err(DomainError::invalid(
            field,
            "is not an email address: the part before the @ may hold only letters, digits \
             and .!#$%&'*+/=?^_`{|}~-",
        ));
    }
    if local.len() > EMAIL_LOCAL_MAX_CHARS {
        return Err(DomainError::invalid(
            field,
            format!(
                "is not an email address: the part before the @ is at most \
                 {EMAIL_LOCAL_MAX_CHARS} characters"
            ),
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || !labels.iter().all(|label| is_domain_label(label)) {
        return Err(DomainError::invalid(
            field,
            "is not an email address: the domain must be labels of letters, digits and \
             inner hyphens separated by dots, such as example.com",
        ));
    }
    Ok(email.to_owned())
}

fn is_email_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c)
}

/// `[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?`
fn is_domain_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
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
        for good in [
            "ap@example.com",
            " Ada.Lovelace+billing@Example.COM ",
            "o'brien@mail.example.co.uk",
            "a!#$%&'*+/=?^_`{|}~-z@x-1.example",
            "x@1.2",
        ] {
            assert_eq!(
                validate_email("billingEmail", good).ok().as_deref(),
                Some(good.trim()),
                "{good}"
            );
        }
        let label_63 = format!("a@{}.example", "b".repeat(63));
        assert!(validate_email("email", &label_63).is_ok());
        let local_64 = format!("{}@example.com", "l".repeat(64));
        assert!(validate_email("email", &local_64).is_ok());
        let long_label = format!("a@{}.example", "b".repeat(64));
        let long_local = format!("{}@example.com", "l".repeat(65));
        let long_total = format!("a@{}.example", vec!["c".repeat(60); 5].join("."));
        for bad in [
            "",
            "no-at",
            "a@b",
            "a b@c.d",
            "@c.d",
            "a@.c",
            "a@c.",
            "a@b@c.d",
            "<script>@x.test",
            "a@<script>.test",
            "\"quoted\"@example.com",
            "a(comment)@example.com",
            "a@-x.example",
            "a@x-.example",
            "a@x..example",
            "a@x_y.example",
            "a@[127.0.0.1]",
            "ä@example.com",
            "a@exämple.com",
            "a\u{202E}@example.com",
            "a@example.com\u{0}",
            "a\n@example.com",
            &long_label,
            &long_local,
            &long_total,
        ] {
            assert!(
                matches!(
                    validate_email("billingEmail", bad),
                    Err(DomainError::InvalidInput { ref field, .. }) if field == "billingEmail"
                ),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn plans() {
        assert!(validate_plan("enterprise-2026").is_ok());
        assert!(validate_plan("free plan").is_err());
    }
}
