//! Automatic persisted queries, the protocol Apollo Client and urql speak:
//! `extensions.persistedQuery = { "version": 1, "sha256Hash": "<hex>" }`. A request with the
//! hash and its query registers the document; later ones send the hash alone and run the
//! registered document, or are answered `PersistedQueryNotFound`, after which the client sends
//! both. A registered document is kept parsed, with the validations it passed (per operation
//! name and variables, on which complexity depends), so a repeated operation skips parsing
//! and validation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensionValues, Request, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use sha2::{Digest, Sha256};

/// Most documents kept, and most bytes of query text among them.
const MAX_DOCUMENTS: usize = 1_000;
const MAX_QUERY_BYTES: usize = 16 * 1024 * 1024;
/// Most validations kept per document (distinct operation names and variables).
const MAX_VALIDATIONS: usize = 32;

pub const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";
pub const NOT_FOUND_CODE: &str = "PERSISTED_QUERY_NOT_FOUND";

type Hash = [u8; 32];

struct Entry {
    query: Arc<str>,
    document: Arc<ExecutableDocument>,
    validated: HashMap<Hash, ValidationResult>,
    last_used: u64,
}

#[derive(Default)]
struct Entries {
    by_hash: HashMap<Hash, Entry>,
    query_bytes: usize,
    clock: u64,
}

/// The registered documents, shared by every worker of the server.
#[derive(Clone, Default)]
pub struct PersistedQueries(Arc<Mutex<Entries>>);

/// What to do with a request after its `persistedQuery` extension, if any, was resolved.
#[derive(Debug)]
pub enum Lookup {
    /// Run it: it names no persisted query, registers one, or now carries the registered
    /// document.
    Run,
    /// The hash is unknown: answer [`not_found`], the client then sends the query.
    NotFound,
}

/// Why a persisted-query request is refused (400 `BAD_USER_INPUT`).
#[derive(Debug, thiserror::Error)]
pub enum PersistedQueryError {
    #[error("extensions.persistedQuery must be {{ \"version\": 1, \"sha256Hash\": \"<64 hex digits>\" }}")]
    Malformed,
    #[error("persisted query version {0} is not supported (only 1 is)")]
    UnsupportedVersion(String),
    #[error("provided sha does not match query")]
    HashMismatch,
}

impl PersistedQueries {
    /// Resolves the request's persisted query, if it names one: checks a query sent with its
    /// hash, or puts the registered document in place of a missing one. What the request
    /// then needs to register or reuse is attached to it as data for [`DocumentCache`].
    pub fn resolve(&self, request: &mut Request) -> Result<Lookup, PersistedQueryError> {
        let Some(extension) = request.extensions.get("persistedQuery") else {
            return Ok(Lookup::Run);
        };
        let hash = hash_of(extension)?;
        let validation = validation_key(request.operation_name.as_deref(), &request.variables);
        if !request.query.is_empty() {
            let sent: Hash = Sha256::digest(request.query.as_bytes()).into();
            if sent != hash {
                return Err(PersistedQueryError::HashMismatch);
            }
            request.data.insert(Slot {
                cache: self.clone(),
                hash,
                query: Some(Arc::from(request.query.as_str())),
                validation,
                known: None,
                parsed: Mutex::new(None),
            });
            return Ok(Lookup::Run);
        }
        let found = {
            let mut entries = self.lock();
            entries.clock += 1;
            let now = entries.clock;
            entries.by_hash.get_mut(&hash).map(|entry| {
                entry.last_used = now;
                (
                    entry.query.clone(),
                    entry.document.clone(),
                    entry.validated.get(&validation).copied(),
                )
            })
        };
        let Some((query, document, known)) = found else {
            return Ok(Lookup::NotFound);
        };
        request.query = query.to_string();
        request.set_parsed_query((*document).clone());
        request.data.insert(Slot {
            cache: self.clone(),
            hash,
            query: None,
            validation,
            known,
            parsed: Mutex::new(None),
        });
        Ok(Lookup::Run)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic elsewhere while holding the lock leaves a cache still worth reading.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps a document that passed validation, with that validation.
    fn record(
        &self,
        hash: Hash,
        query: &str,
        document: Option<Arc<ExecutableDocument>>,
        validation: Hash,
        result: ValidationResult,
    ) {
        let mut entries = self.lock();
        entries.clock += 1;
        let now = entries.clock;
        if let Some(entry) = entries.by_hash.get_mut(&hash) {
            entry.last_used = now;
            if entry.validated.len() < MAX_VALIDATIONS {
                entry.validated.insert(validation, result);
            }
            return;
        }
        let Some(document) = document else {
            return;
        };
        while entries.by_hash.len() >= MAX_DOCUMENTS
            || (entries.query_bytes + query.len() > MAX_QUERY_BYTES && !entries.by_hash.is_empty())
        {
            let Some(oldest) = entries
                .by_hash
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(h, _)| *h)
            else {
                break;
            };
            if let Some(gone) = entries.by_hash.remove(&oldest) {
                entries.query_bytes -= gone.query.len();
            }
        }
        entries.query_bytes += query.len();
        entries.by_hash.insert(
            hash,
            Entry {
                query: Arc::from(query),
                document,
                validated: HashMap::from([(validation, result)]),
                last_used: now,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().by_hash.len()
    }
}

/// `PersistedQueryNotFound`, as Apollo Client and urql recognise it (message and code).
pub fn not_found() -> ServerError {
    let mut error = ServerError::new(NOT_FOUND_MESSAGE, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", NOT_FOUND_CODE);
    error.extensions = Some(extensions);
    error
}

/// Whether a response is [`not_found`]'s.
pub fn is_not_found(response: &async_graphql::Response) -> bool {
    matches!(response.errors.as_slice(), [only] if only.message == NOT_FOUND_MESSAGE)
}

fn hash_of(extension: &Value) -> Result<Hash, PersistedQueryError> {
    let Value::Object(fields) = extension else {
        return Err(PersistedQueryError::Malformed);
    };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(other) => return Err(PersistedQueryError::UnsupportedVersion(other.to_string())),
        None => return Err(PersistedQueryError::Malformed),
    }
    let Some(Value::String(hex)) = fields.get("sha256Hash") else {
        return Err(PersistedQueryError::Malformed);
    };
    parse_hex(hex).ok_or(PersistedQueryError::Malformed)
}

fn parse_hex(hex: &str) -> Option<Hash> {
    if hex.len() != 64 {
        return None;
    }
    let mut hash = [0_u8; 32];
    for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(hash)
}

/// What a validation depends on besides the document: the operation chosen and the
/// variables (complexity counts `first`).
fn validation_key(operation_name: Option<&str>, variables: &Variables) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(operation_name.unwrap_or_default().as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(variables).unwrap_or_default());
    hasher.finalize().into()
}

/// Attached to a request whose document is persisted: what [`DocumentCache`] reuses or
/// records.
struct Slot {
    cache: PersistedQueries,
    hash: Hash,
    /// The query sent with its hash, to register; `None` when it was found registered.
    query: Option<Arc<str>>,
    validation: Hash,
    /// The validation this document passed with these variables before.
    known: Option<ValidationResult>,
    /// The document as parsed for this request, to keep once it validates.
    parsed: Mutex<Option<Arc<ExecutableDocument>>>,
}

/// Whether the request names a persisted document: it runs on the schema with
/// [`DocumentCache`].
pub fn is_persisted(request: &Request) -> bool {
    slot_of(request).is_some()
}

fn slot_of(request: &Request) -> Option<&Slot> {
    request
        .data
        .get(&std::any::TypeId::of::<Slot>())
        .and_then(|data| data.downcast_ref::<Slot>())
}

/// The schema extension that skips parsing and validation for registered documents, and
/// registers a document once it has passed validation.
pub struct DocumentCache;

impl ExtensionFactory for DocumentCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentCache)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentCache {
    /// Keeps the parsed document of a request that registers one (parsed by now, see
    /// [`required_variables::check`](super::required_variables::check)).
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let registers = slot_of(&request).is_some_and(|slot| slot.query.is_some());
        if registers {
            let document = request.parsed_query().ok().cloned();
            if let (Some(slot), Some(document)) = (slot_of(&request), document) {
                if let Ok(mut parsed) = slot.parsed.lock() {
                    *parsed = Some(Arc::new(document));
                }
            }
        }
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let Some(slot) = ctx.data_opt::<Slot>() else {
            return next.run(ctx).await;
        };
        if let Some(known) = slot.known {
            return Ok(known);
        }
        let result = next.run(ctx).await?;
        let parsed = slot.parsed.lock().ok().and_then(|p| p.clone());
        slot.cache.record(
            slot.hash,
            slot.query.as_deref().unwrap_or_default(),
            parsed,
            slot.validation,
            result,
        );
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_64_hex_digits_of_version_1() {
        let ok = Value::from_json(serde_json::json!({
            "version": 1,
            "sha256Hash": "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38",
        }))
        .unwrap();
        assert!(hash_of(&ok).is_ok());
        for bad in [
            serde_json::json!({ "version": 1, "sha256Hash": "abc" }),
            serde_json::json!({ "version": 1, "sha256Hash": "zz".repeat(32) }),
            serde_json::json!({ "version": 1 }),
            serde_json::json!({ "sha256Hash": "00".repeat(32) }),
            serde_json::json!("00"),
        ] {
            assert!(matches!(
                hash_of(&Value::from_json(bad).unwrap()),
                Err(PersistedQueryError::Malformed)
            ));
        }
        let two =
            Value::from_json(serde_json::json!({ "version": 2, "sha256Hash": "00".repeat(32) }))
                .unwrap();
        assert!(matches!(
            hash_of(&two),
            Err(PersistedQueryError::UnsupportedVersion(_))
        ));
    }

    #[test]
    fn the_cache_keeps_at_most_its_bound_dropping_the_least_recently_used() {
        let cache = PersistedQueries::default();
        let document = Arc::new(async_graphql::parser::parse_query("{ a }").unwrap());
        let result = ValidationResult {
            cache_control: Default::default(),
            complexity: 1,
            depth: 1,
        };
        let key = |i: usize| -> Hash { Sha256::digest(i.to_string()).into() };
        for i in 0..MAX_DOCUMENTS + 10 {
            cache.record(key(i), "{ a }", Some(document.clone()), key(0), result);
            if i == MAX_DOCUMENTS - 1 {
                // Used again just before the cache is full: survives the evictions that follow.
                cache.record(key(0), "{ a }", None, key(1), result);
            }
        }
        assert_eq!(cache.len(), MAX_DOCUMENTS);
        let entries = cache.lock();
        assert!(entries.by_hash.contains_key(&key(0)));
        assert!(!entries.by_hash.contains_key(&key(1)));
        assert_eq!(entries.by_hash[&key(0)].validated.len(), 2);
    }
}
