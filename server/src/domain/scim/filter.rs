//! SCIM filters (RFC 7644 §3.4.2.2): parsed whole, evaluated in memory for PATCH value paths
//! (`emails[type eq "work"]`), and turned into the few indexed equalities a list request
//! may ask for (`userName eq "…"` and the like).

use serde_json::{Map, Value};

use super::error::{ScimError, ScimResult};

/// An attribute path: `[urn:…:]name[.sub]`, or a value path `name[filter][.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URN the path was qualified with, as written.
    pub urn: Option<String>,
    pub name: String,
    pub filter: Option<Box<Filter>>,
    pub sub: Option<String>,
}

impl AttrPath {
    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    fn sub_is(&self, sub: Option<&str>) -> bool {
        match (&self.sub, sub) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    Present(AttrPath),
    /// `name[filter]` on its own: some value of the attribute matches.
    ValuePath(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

const MAX_FILTER_CHARS: usize = 2_000;
const MAX_DEPTH: usize = 16;

/// Parses a whole filter; anything left over or malformed is `invalidFilter`.
pub fn parse_filter(text: &str) -> ScimResult<Filter> {
    if text.len() > MAX_FILTER_CHARS {
        return Err(ScimError::InvalidFilter(format!(
            "a filter is at most {MAX_FILTER_CHARS} characters"
        )));
    }
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
        depth: 0,
    };
    let filter = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(invalid("unexpected text after the end of the filter"));
    }
    Ok(filter)
}

/// Parses a PATCH `path` (RFC 7644 §3.5.2): an attribute path, maybe with a value filter and
/// a sub-attribute after it.
pub fn parse_path(text: &str) -> Result<AttrPath, String> {
    let mut parser = Parser {
        tokens: tokenize(text).map_err(|e| e.to_string())?,
        at: 0,
        depth: 0,
    };
    let path = parser.attr_path().map_err(|e| e.to_string())?;
    if parser.at != parser.tokens.len() {
        return Err(format!("`{text}` is not an attribute path"));
    }
    Ok(path)
}

fn invalid(message: impl Into<String>) -> ScimError {
    ScimError::InvalidFilter(message.into())
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Literal(Value),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    /// `.sub` right after `]`.
    Sub(String),
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$' | ':' | '.')
}

fn tokenize(text: &str) -> ScimResult<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' => {
                chars.next();
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::OpenBracket,
                });
            }
            ']' => {
                chars.next();
                tokens.push(Token::CloseBracket);
                if let Some(&(dot, '.')) = chars.peek() {
                    chars.next();
                    let mut end = dot + 1;
                    while let Some(&(i, c)) = chars.peek() {
                        if !is_word_char(c) {
                            break;
                        }
                        end = i + c.len_utf8();
                        chars.next();
                    }
                    let sub = &text[dot + 1..end];
                    if sub.is_empty() {
                        return Err(invalid("a `.` after `]` must name a sub-attribute"));
                    }
                    tokens.push(Token::Sub(sub.to_owned()));
                }
            }
            '"' => {
                // A JSON string, escapes included.
                let mut end = None;
                let mut escaped = false;
                chars.next();
                for (i, c) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        end = Some(i);
                        break;
                    }
                }
                let end = end.ok_or_else(|| invalid("a string is not closed"))?;
                let value: String = serde_json::from_str(&text[start..=end])
                    .map_err(|_| invalid("a string has an invalid escape"))?;
                tokens.push(Token::Text(value));
            }
            c if is_word_char(c) => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = &text[start..end];
                tokens.push(match word.to_ascii_lowercase().as_str() {
                    "true" => Token::Literal(Value::Bool(true)),
                    "false" => Token::Literal(Value::Bool(false)),
                    "null" => Token::Literal(Value::Null),
                    _ => match word.parse::<serde_json::Number>() {
                        Ok(number)
                            if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
                        {
                            Token::Literal(Value::Number(number))
                        }
                        _ => Token::Word(word.to_owned()),
                    },
                });
            }
            other => return Err(invalid(format!("unexpected character `{other}`"))),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.at) {
            Some(Token::Word(word)) => Some(word.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> ScimResult<T>) -> ScimResult<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid("the filter nests too deeply"));
        }
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn or(&mut self) -> ScimResult<Filter> {
        let mut left = self.and()?;
        while self.peek_word().as_deref() == Some("or") {
            self.at += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> ScimResult<Filter> {
        let mut left = self.unary()?;
        while self.peek_word().as_deref() == Some("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> ScimResult<Filter> {
        if self.peek_word().as_deref() == Some("not")
            && self.tokens.get(self.at + 1) == Some(&Token::Open)
        {
            self.at += 1;
            return self.nested(|p| Ok(Filter::Not(Box::new(p.group()?))));
        }
        if self.tokens.get(self.at) == Some(&Token::Open) {
            return self.nested(Self::group);
        }
        self.comparison()
    }

    fn group(&mut self) -> ScimResult<Filter> {
        if self.next() != Some(Token::Open) {
            return Err(invalid("expected `(`"));
        }
        let inner = self.or()?;
        if self.next() != Some(Token::Close) {
            return Err(invalid("expected `)`"));
        }
        Ok(inner)
    }

    fn attr_path(&mut self) -> ScimResult<AttrPath> {
        let Some(Token::Word(word)) = self.next() else {
            return Err(invalid("expected an attribute name"));
        };
        let (urn, rest) = split_urn(&word);
        let (name, sub) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub.to_owned())),
            None => (rest, None),
        };
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$') {
            return Err(invalid(format!("`{word}` is not an attribute name")));
        }
        let mut path = AttrPath {
            urn,
            name: name.to_owned(),
            filter: None,
            sub,
        };
        if self.tokens.get(self.at) == Some(&Token::OpenBracket) {
            if path.sub.is_some() {
                return Err(invalid(
                    "a value filter follows the attribute, not its sub-attribute",
                ));
            }
            self.at += 1;
            let inner = self.nested(Self::or)?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(invalid("expected `]`"));
            }
            path.filter = Some(Box::new(inner));
            if let Some(Token::Sub(sub)) = self.tokens.get(self.at) {
                path.sub = Some(sub.clone());
                self.at += 1;
            }
        }
        Ok(path)
    }

    fn comparison(&mut self) -> ScimResult<Filter> {
        let path = self.attr_path()?;
        let op = match self.peek_word().as_deref() {
            Some("pr") => {
                self.at += 1;
                return Ok(Filter::Present(path));
            }
            Some("eq") => CompareOp::Eq,
            Some("ne") => CompareOp::Ne,
            Some("co") => CompareOp::Co,
            Some("sw") => CompareOp::Sw,
            Some("ew") => CompareOp::Ew,
            Some("gt") => CompareOp::Gt,
            Some("ge") => CompareOp::Ge,
            Some("lt") => CompareOp::Lt,
            Some("le") => CompareOp::Le,
            _ if path.filter.is_some() && path.sub.is_none() => return Ok(Filter::ValuePath(path)),
            _ => {
                return Err(invalid(
                    "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)",
                ))
            }
        };
        self.at += 1;
        let value = match self.next() {
            Some(Token::Text(text)) => Value::String(text),
            Some(Token::Literal(value)) => value,
            _ => {
                return Err(invalid(
                    "expected a value: a string, number, true, false or null",
                ))
            }
        };
        Ok(Filter::Compare { path, op, value })
    }
}

/// Splits `urn:…:name.sub` into the URN and `name.sub` (the URN is everything up to the
/// last `:`; a URN's own dots, as in `2.0`, stay in it).
fn split_urn(word: &str) -> (Option<String>, &str) {
    if word.len() > 4 && word[..4].eq_ignore_ascii_case("urn:") {
        if let Some(colon) = word.rfind(':') {
            return (Some(word[..colon].to_owned()), &word[colon + 1..]);
        }
    }
    (None, word)
}

/// Whether `element` (one value of a multi-valued complex attribute, or a resource) matches
/// `filter`; names are its keys, compared case-insensitively, and so are strings.
pub fn matches(filter: &Filter, element: &Map<String, Value>) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, element) && matches(b, element),
        Filter::Or(a, b) => matches(a, element) || matches(b, element),
        Filter::Not(inner) => !matches(inner, element),
        Filter::Present(path) => lookup(element, path).is_some_and(|v| !v.is_null()),
        Filter::ValuePath(path) => match lookup_values(element, &path.name) {
            Some(values) => values.iter().any(|value| match (value, &path.filter) {
                (Value::Object(inner), Some(f)) => matches(f, inner),
                _ => false,
            }),
            None => false,
        },
        Filter::Compare { path, op, value } => {
            lookup(element, path).is_some_and(|actual| compare(actual, *op, value))
        }
    }
}

fn lookup_values<'a>(element: &'a Map<String, Value>, name: &str) -> Option<&'a Vec<Value>> {
    element
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_array())
}

fn lookup<'a>(element: &'a Map<String, Value>, path: &AttrPath) -> Option<&'a Value> {
    let value = element
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(&path.name))
        .map(|(_, value)| value)?;
    match &path.sub {
        None => Some(value),
        Some(sub) => value
            .as_object()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(sub))
            .map(|(_, value)| value),
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(b)) => {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            match op {
                CompareOp::Eq => a == b,
                CompareOp::Ne => a != b,
                CompareOp::Co => a.contains(&b),
                CompareOp::Sw => a.starts_with(&b),
                CompareOp::Ew => a.ends_with(&b),
                CompareOp::Gt => a > b,
                CompareOp::Ge => a >= b,
                CompareOp::Lt => a < b,
                CompareOp::Le => a <= b,
            }
        }
        (a, b) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
    }
}

/// One equality a list request filters on; a filter is a conjunction of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Id(String),
    /// Lowercased: `userName` is not case-exact.
    UserName(String),
    ExternalId(String),
    /// Lowercased.
    DisplayName(String),
    /// A work email, lowercased.
    Email(String),
    /// Groups that hold this member id.
    HasMember(String),
}

/// Which resource a list filter is for: each knows different attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Users,
    Groups,
}

const SUPPORTED_USERS: &str = "filters on Users support `eq` on userName, externalId, displayName, id and emails[type eq \"work\"].value, joined by `and`";
const SUPPORTED_GROUPS: &str =
    "filters on Groups support `eq` on displayName, externalId, id and members.value, joined by `and`";

/// The equalities a list filter asks for; anything this service doesn't filter on is
/// `invalidFilter` (never a silently unfiltered list).
pub fn conditions(filter: &Filter, listed: Listed) -> ScimResult<Vec<Condition>> {
    let unsupported = || {
        ScimError::InvalidFilter(
            match listed {
                Listed::Users => SUPPORTED_USERS,
                Listed::Groups => SUPPORTED_GROUPS,
            }
            .into(),
        )
    };
    match filter {
        Filter::And(a, b) => {
            let mut all = conditions(a, listed)?;
            all.extend(conditions(b, listed)?);
            Ok(all)
        }
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Value::String(value),
        } => {
            if path.urn.as_deref().is_some_and(|urn| {
                !urn.eq_ignore_ascii_case(super::schema::USER_URN)
                    && !urn.eq_ignore_ascii_case(super::schema::GROUP_URN)
            }) {
                return Err(unsupported());
            }
            let condition = match listed {
                _ if path.is("id") && path.filter.is_none() && path.sub.is_none() => {
                    Condition::Id(value.clone())
                }
                _ if path.is("externalId") && path.filter.is_none() && path.sub.is_none() => {
                    Condition::ExternalId(value.clone())
                }
                _ if path.is("displayName") && path.filter.is_none() && path.sub.is_none() => {
                    Condition::DisplayName(value.to_lowercase())
                }
                Listed::Users
                    if path.is("userName") && path.filter.is_none() && path.sub.is_none() =>
                {
                    Condition::UserName(value.to_lowercase())
                }
                Listed::Users
                    if path.is("emails") && path.sub_is(Some("value")) && is_work(&path.filter) =>
                {
                    Condition::Email(value.to_lowercase())
                }
                Listed::Groups
                    if path.is("members")
                        && path.sub_is(Some("value"))
                        && path.filter.is_none() =>
                {
                    Condition::HasMember(value.clone())
                }
                _ => return Err(unsupported()),
            };
            Ok(vec![condition])
        }
        Filter::ValuePath(path) if listed == Listed::Groups && path.is("members") => {
            match path.filter.as_deref() {
                Some(Filter::Compare {
                    path: inner,
                    op: CompareOp::Eq,
                    value: Value::String(id),
                }) if inner.is("value") && inner.sub.is_none() => {
                    Ok(vec![Condition::HasMember(id.clone())])
                }
                _ => Err(unsupported()),
            }
        }
        _ => Err(unsupported()),
    }
}

/// `[type eq "work"]`: the one email the service indexes.
fn is_work(filter: &Option<Box<Filter>>) -> bool {
    match filter.as_deref() {
        None => false,
        Some(Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: Value::String(kind),
        }) => path.is("type") && path.sub.is_none() && kind.eq_ignore_ascii_case("work"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn users(text: &str) -> ScimResult<Vec<Condition>> {
        conditions(&parse_filter(text)?, Listed::Users)
    }

    #[test]
    fn provider_filters_become_equalities() {
        assert_eq!(
            users(r#"userName eq "Test_User@Contoso.com""#),
            Ok(vec![Condition::UserName("test_user@contoso.com".into())])
        );
        assert_eq!(
            users(r#"userName EQ "a@b.c" and externalId eq "X1""#),
            Ok(vec![
                Condition::UserName("a@b.c".into()),
                Condition::ExternalId("X1".into())
            ])
        );
        assert_eq!(
            users(r#"emails[type eq "work"].value eq "A@B.C""#),
            Ok(vec![Condition::Email("a@b.c".into())])
        );
        assert_eq!(
            users(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#),
            Ok(vec![Condition::UserName("x".into())])
        );
        assert_eq!(
            conditions(
                &parse_filter(r#"displayName eq "Sales" "#).unwrap(),
                Listed::Groups
            ),
            Ok(vec![Condition::DisplayName("sales".into())])
        );
        assert_eq!(
            conditions(
                &parse_filter(r#"members[value eq "u1"]"#).unwrap(),
                Listed::Groups
            ),
            Ok(vec![Condition::HasMember("u1".into())])
        );
    }

    #[test]
    fn anything_else_is_an_invalid_filter() {
        for text in [
            r#"userName co "a""#,
            r#"userName eq "a" or userName eq "b""#,
            r#"title eq "x""#,
            r#"not (userName eq "a")"#,
            r#"emails[type eq "home"].value eq "a""#,
            r#"emails.value eq "a""#,
            "userName eq",
            r#"userName eq "a"#,
            r#"userName eq "a" )"#,
            "",
            r#"userName eq "a" and"#,
        ] {
            assert!(
                matches!(users(text), Err(ScimError::InvalidFilter(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn value_filters_match_in_memory() {
        let path = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.name, "emails");
        assert_eq!(path.sub.as_deref(), Some("value"));
        let filter = path.filter.unwrap();
        let work = json!({ "type": "Work", "value": "a@b.c" });
        let home = json!({ "type": "home", "value": "a@b.c" });
        assert!(matches(&filter, work.as_object().unwrap()));
        assert!(!matches(&filter, home.as_object().unwrap()));
        let complex =
            parse_filter(r#"(type eq "home" or type eq "work") and not (value sw "x")"#).unwrap();
        assert!(matches(&complex, work.as_object().unwrap()));
        let extension =
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
                .unwrap();
        assert_eq!(
            extension.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(extension.name, "manager");
        assert_eq!(extension.sub.as_deref(), Some("value"));
        assert!(parse_path(r#"members[value eq "x"]"#)
            .unwrap()
            .filter
            .is_some());
        assert!(parse_path("members[").is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}userName eq \"a\"{}", "(".repeat(40), ")".repeat(40));
        assert!(matches!(
            parse_filter(&text),
            Err(ScimError::InvalidFilter(_))
        ));
    }

    #[test]
    fn simple_paths() {
        assert_eq!(
            parse_path("name.givenName").unwrap().sub.as_deref(),
            Some("givenName")
        );
    }
}
