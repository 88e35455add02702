//! Settings and their inheritance (SPEC §2) over real HTTP: headquarters → regions → branches
//! by hand (REPLACE / MERGE / APPEND, blocks, locks, provenance, moves, deletes), every
//! validation rule with proof that a refused write wrote nothing, and seeded random operations
//! checked against a reference fold written here from the specification.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use serde_json::{json, Value};

use crate::harness::ops::{id, settings_row_counts};
use crate::harness::{row_counts, Backend, Reply, TestServer};
use crate::on_both_backends;

on_both_backends!(
    headquarters_regions_and_branches,
    locks_beat_blocks_and_definitions_below_them,
    moves_deletes_and_restores_change_what_is_inherited,
    custom_keys_and_the_listing_of_effective_settings,
    branches_sharing_values_answer_as_when_asked_one_by_one,
    shared_answers_merge_with_repeated_fields_and_travel_in_batches,
    a_mutation_reads_the_settings_its_earlier_fields_wrote,
    invalid_values_are_refused_and_write_nothing,
    random_operations_match_a_reference_fold,
);

const SET: &str = "mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key value inherit } organization { id } } }";
const CLEAR: &str = "mutation($input: SettingKeyInput!) { clearSetting(input: $input) { cleared organization { id } } }";
const LOCK: &str = "mutation($input: SettingKeyInput!) { lockSetting(input: $input) { changed organization { id } } }";
const UNLOCK: &str = "mutation($input: SettingKeyInput!) { unlockSetting(input: $input) { changed organization { id } } }";
/// The fields of an `EffectiveSetting`, as every query here asks for them.
const EFFECTIVE: &str = "key value strategy locked lockedBy { id } sources { id }";

/// One network under test, its organizations known by (unique) name.
struct Net<'a> {
    server: &'a TestServer,
    token: String,
    ids: HashMap<String, String>,
    names: HashMap<String, String>,
}

impl<'a> Net<'a> {
    fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            token: server.token("ada@example.com"),
            ids: HashMap::new(),
            names: HashMap::new(),
        }
    }

    fn remember(&mut self, name: &str, org: &Value) -> String {
        let org_id = id(org);
        assert!(!org_id.is_empty(), "no id for {name}: {org}");
        self.ids.insert(name.to_owned(), org_id.clone());
        self.names.insert(org_id.clone(), name.to_owned());
        org_id
    }

    fn root(&mut self, name: &str) -> String {
        let org = self.server.add_organization(&self.token, name);
        self.remember(name, &org)
    }

    fn sub(&mut self, parent: &str, name: &str) -> String {
        let org = self.server.add_sub(&self.token, self.id(parent), name);
        self.remember(name, &org)
    }

    fn id(&self, name: &str) -> &str {
        self.ids
            .get(name)
            .unwrap_or_else(|| panic!("no organization {name}"))
    }

    /// The fixture name of an id from an answer (`?<id>` for an id the test never made).
    fn name_of(&self, org_id: &Value) -> String {
        let org_id = org_id.as_str().unwrap_or_default();
        self.names
            .get(org_id)
            .cloned()
            .unwrap_or_else(|| format!("?{org_id}"))
    }

    fn gql(&self, query: &str, variables: Value) -> Reply {
        self.server.gql(Some(&self.token), query, variables)
    }

    fn try_set(&self, org: &str, key: &str, value: &Value, inherit: bool) -> Reply {
        self.gql(
            SET,
            json!({ "input": { "organizationId": self.id(org), "key": key, "value": value, "inherit": inherit } }),
        )
    }

    fn define(&self, org: &str, key: &str, value: &Value, inherit: bool) {
        let reply = self.try_set(org, key, value, inherit);
        let payload = &reply.ok()["setSetting"];
        assert_eq!(payload["setting"]["key"], key, "{}", reply.body);
        assert_eq!(&payload["setting"]["value"], value, "{}", reply.body);
        assert_eq!(payload["setting"]["inherit"], inherit, "{}", reply.body);
        assert_eq!(
            payload["organization"]["id"],
            self.id(org),
            "{}",
            reply.body
        );
    }

    fn set(&self, org: &str, key: &str, value: Value) {
        self.define(org, key, &value, true);
    }

    /// A definition with `inherit: false`.
    fn set_blocking(&self, org: &str, key: &str, value: Value) {
        self.define(org, key, &value, false);
    }

    fn key_input(&self, query: &str, org: &str, key: &str) -> Reply {
        self.gql(
            query,
            json!({ "input": { "organizationId": self.id(org), "key": key } }),
        )
    }

    fn clear(&self, org: &str, key: &str) -> bool {
        let reply = self.key_input(CLEAR, org, key);
        reply.ok()["clearSetting"]["cleared"]
            .as_bool()
            .unwrap_or_else(|| panic!("clearSetting: {}", reply.body))
    }

    fn lock(&self, org: &str, key: &str) -> bool {
        let reply = self.key_input(LOCK, org, key);
        reply.ok()["lockSetting"]["changed"]
            .as_bool()
            .unwrap_or_else(|| panic!("lockSetting: {}", reply.body))
    }

    fn unlock(&self, org: &str, key: &str) -> bool {
        let reply = self.key_input(UNLOCK, org, key);
        reply.ok()["unlockSetting"]["changed"]
            .as_bool()
            .unwrap_or_else(|| panic!("unlockSetting: {}", reply.body))
    }

    /// `effectiveSetting(key)` of an organization (JSON null when there is none).
    fn effective(&self, org: &str, key: &str) -> Value {
        let reply = self.gql(
            &format!("query($id: ID!, $key: String!) {{ organization(id: $id) {{ effectiveSetting(key: $key) {{ {EFFECTIVE} }} }} }}"),
            json!({ "id": self.id(org), "key": key }),
        );
        reply.ok()["organization"]["effectiveSetting"].clone()
    }

    /// `effectiveSettings` (every key when `keys` is `None`).
    fn effective_list(&self, org: &str, keys: Option<&[&str]>) -> Vec<Value> {
        let reply = self.gql(
            &format!("query($id: ID!, $keys: [String!]) {{ organization(id: $id) {{ effectiveSettings(keys: $keys) {{ {EFFECTIVE} }} }} }}"),
            json!({ "id": self.id(org), "keys": keys }),
        );
        reply.ok()["organization"]["effectiveSettings"]
            .as_array()
            .unwrap_or_else(|| panic!("effectiveSettings: {}", reply.body))
            .clone()
    }

    /// The organization's own definitions and locks.
    fn own(&self, org: &str) -> Value {
        let reply = self.gql(
            "query($id: ID!) { organization(id: $id) { settings { key value inherit } settingLocks { key } } }",
            json!({ "id": self.id(org) }),
        );
        reply.ok()["organization"].clone()
    }

    /// An effective setting in test terms: names instead of ids.
    fn readable(&self, effective: &Value) -> Value {
        if effective.is_null() {
            return Value::Null;
        }
        let sources: Vec<String> = effective["sources"]
            .as_array()
            .unwrap_or_else(|| panic!("no sources in {effective}"))
            .iter()
            .map(|s| self.name_of(&s["id"]))
            .collect();
        let locked_by = if effective["lockedBy"].is_null() {
            Value::Null
        } else {
            json!(self.name_of(&effective["lockedBy"]["id"]))
        };
        json!({
            "key": effective["key"],
            "value": effective["value"],
            "strategy": effective["strategy"],
            "sources": sources,
            "locked": effective["locked"],
            "lockedBy": locked_by,
        })
    }

    /// Asserts the effective `key` at `org`: value, strategy, sources (nearest last) and the
    /// topmost lock.
    fn expect(
        &self,
        org: &str,
        key: &str,
        value: Value,
        strategy: &str,
        sources: &[&str],
        locked_by: Option<&str>,
    ) {
        let actual = self.readable(&self.effective(org, key));
        let expected = json!({
            "key": key,
            "value": value,
            "strategy": strategy,
            "sources": sources,
            "locked": locked_by.is_some(),
            "lockedBy": locked_by,
        });
        assert_eq!(actual, expected, "effective `{key}` at {org}");
    }

    fn expect_none(&self, org: &str, key: &str) {
        let actual = self.effective(org, key);
        assert!(
            actual.is_null(),
            "`{key}` at {org} should have no effective value, got {actual}"
        );
    }

    /// `setSetting` below a lock: FORBIDDEN, naming the (topmost) organization holding it, and
    /// nothing written.
    fn expect_refused_by_lock(
        &self,
        org: &str,
        key: &str,
        value: &Value,
        inherit: bool,
        holder: &str,
    ) {
        let before = (
            row_counts(&self.server.db),
            settings_row_counts(&self.server.db),
        );
        let own = self.own(org);
        let reply = self.try_set(org, key, value, inherit);
        reply.expect_code("FORBIDDEN");
        assert!(
            reply.message().contains(&format!("\"{holder}\"")),
            "the refusal of `{key}` at {org} should name {holder}: {}",
            reply.message()
        );
        assert!(reply.data()["setSetting"].is_null(), "{}", reply.body);
        let after = (
            row_counts(&self.server.db),
            settings_row_counts(&self.server.db),
        );
        assert_eq!(before, after, "a refused setSetting wrote rows");
        assert_eq!(
            own,
            self.own(org),
            "a refused setSetting changed {org}'s definitions"
        );
    }
}

fn holiday(date: &str, name: &str) -> Value {
    json!({ "date": date, "name": name })
}

fn new_year() -> Value {
    holiday("2026-01-01", "New Year")
}
fn christmas() -> Value {
    holiday("2026-12-25", "Christmas")
}
fn unity_day() -> Value {
    holiday("2026-10-03", "Unity Day")
}
fn independence_day() -> Value {
    holiday("2026-07-04", "Independence Day")
}
fn bastille_day() -> Value {
    holiday("2026-07-14", "Bastille Day")
}

fn hq_branding() -> Value {
    json!({ "displayName": "Acme", "primaryColor": "#112233", "logoUrl": "https://acme.example/logo.png" })
}

fn hq_hours() -> Value {
    json!({
        "monday": [{ "start": "09:00", "end": "17:00" }],
        "friday": [{ "start": "09:00", "end": "15:00" }],
    })
}

fn berlin_hours() -> Value {
    json!({ "monday": [{ "start": "08:00", "end": "12:00" }, { "start": "13:00", "end": "16:00" }] })
}

/// HQ → (Europe → (Berlin → Mitte, Paris), Americas → New York), with the definitions of
/// headquarters, regions and branches:
///
/// - HQ: `branding` (MERGE), `workingHours` (REPLACE), `publicHolidays` [New Year]
/// - Europe: `publicHolidays` [New Year, Christmas], `address` with country and postal code
/// - Americas: `publicHolidays` [Independence Day], `address` with country
/// - Berlin: its own `workingHours`, `publicHolidays` [Unity Day], `address` with city only
fn build(net: &mut Net<'_>) {
    net.root("HQ");
    net.sub("HQ", "Europe");
    net.sub("HQ", "Americas");
    net.sub("Europe", "Berlin");
    net.sub("Europe", "Paris");
    net.sub("Berlin", "Mitte");
    net.sub("Americas", "New York");

    net.set("HQ", "branding", hq_branding());
    net.set("HQ", "workingHours", hq_hours());
    net.set("HQ", "publicHolidays", json!([new_year()]));
    net.set("Europe", "publicHolidays", json!([new_year(), christmas()]));
    net.set(
        "Europe",
        "address",
        json!({ "country": "DE", "postalCode": "10115" }),
    );
    net.set("Americas", "publicHolidays", json!([independence_day()]));
    net.set("Americas", "address", json!({ "country": "US" }));
    net.set("Berlin", "workingHours", berlin_hours());
    net.set("Berlin", "publicHolidays", json!([unity_day()]));
    net.set("Berlin", "address", json!({ "city": "Berlin" }));
}

fn headquarters_regions_and_branches(backend: Backend) {
    let server = TestServer::start(backend);
    let mut net = Net::new(&server);
    build(&mut net);

    // Headquarters: only its own definitions, nothing locked.
    net.expect("HQ", "branding", hq_branding(), "MERGE", &["HQ"], None);
    net.expect("HQ", "workingHours", hq_hours(), "REPLACE", &["HQ"], None);
    net.expect(
        "HQ",
        "publicHolidays",
        json!([new_year()]),
        "APPEND",
        &["HQ"],
        None,
    );
    net.expect_none("HQ", "address");

    // The region adds its holidays (New Year only once) and its address.
    net.expect("Europe", "branding", hq_branding(), "MERGE", &["HQ"], None);
    net.expect(
        "Europe",
        "workingHours",
        hq_hours(),
        "REPLACE",
        &["HQ"],
        None,
    );
    net.expect(
        "Europe",
        "publicHolidays",
        json!([new_year(), christmas()]),
        "APPEND",
        &["HQ", "Europe"],
        None,
    );
    net.expect(
        "Europe",
        "address",
        json!({ "country": "DE", "postalCode": "10115" }),
        "MERGE",
        &["Europe"],
        None,
    );

    // The branch: its own hours replace HQ's, holidays accumulate root first, the partial
    // address merges into the region's.
    net.expect("Berlin", "branding", hq_branding(), "MERGE", &["HQ"], None);
    net.expect(
        "Berlin",
        "workingHours",
        berlin_hours(),
        "REPLACE",
        &["Berlin"],
        None,
    );
    net.expect(
        "Berlin",
        "publicHolidays",
        json!([new_year(), christmas(), unity_day()]),
        "APPEND",
        &["HQ", "Europe", "Berlin"],
        None,
    );
    let berlin_address = json!({ "country": "DE", "postalCode": "10115", "city": "Berlin" });
    net.expect(
        "Berlin",
        "address",
        berlin_address.clone(),
        "MERGE",
        &["Europe", "Berlin"],
        None,
    );

    // Below the branch, everything is inherited: sources stay where the definitions are.
    net.expect(
        "Mitte",
        "workingHours",
        berlin_hours(),
        "REPLACE",
        &["Berlin"],
        None,
    );
    net.expect(
        "Mitte",
        "publicHolidays",
        json!([new_year(), christmas(), unity_day()]),
        "APPEND",
        &["HQ", "Europe", "Berlin"],
        None,
    );
    net.expect(
        "Mitte",
        "address",
        berlin_address.clone(),
        "MERGE",
        &["Europe", "Berlin"],
        None,
    );

    // The sibling branch and the other region see nothing of Berlin.
    net.expect(
        "Paris",
        "workingHours",
        hq_hours(),
        "REPLACE",
        &["HQ"],
        None,
    );
    net.expect(
        "Paris",
        "publicHolidays",
        json!([new_year(), christmas()]),
        "APPEND",
        &["HQ", "Europe"],
        None,
    );
    net.expect(
        "New York",
        "publicHolidays",
        json!([new_year(), independence_day()]),
        "APPEND",
        &["HQ", "Americas"],
        None,
    );
    net.expect(
        "New York",
        "address",
        json!({ "country": "US" }),
        "MERGE",
        &["Americas"],
        None,
    );

    // Blocking: Paris opts out of the holidays above it and sees only its own list.
    net.set_blocking("Paris", "publicHolidays", json!([bastille_day()]));
    net.expect(
        "Paris",
        "publicHolidays",
        json!([bastille_day()]),
        "APPEND",
        &["Paris"],
        None,
    );
    let paris = net.own("Paris");
    assert_eq!(
        paris["settings"],
        json!([{ "key": "publicHolidays", "value": [bastille_day()], "inherit": false }])
    );
    net.expect(
        "Berlin",
        "publicHolidays",
        json!([new_year(), christmas(), unity_day()]),
        "APPEND",
        &["HQ", "Europe", "Berlin"],
        None,
    );
    // A block for one key leaves the other keys inherited.
    net.expect(
        "Paris",
        "workingHours",
        hq_hours(),
        "REPLACE",
        &["HQ"],
        None,
    );
    // Redefining without the block joins the fold again (the definition is replaced, not
    // added).
    net.set(
        "Paris",
        "publicHolidays",
        json!([bastille_day(), new_year()]),
    );
    net.expect(
        "Paris",
        "publicHolidays",
        json!([new_year(), christmas(), bastille_day()]),
        "APPEND",
        &["HQ", "Europe", "Paris"],
        None,
    );

    // Clearing a definition restores inheritance at once, for the organization and below.
    assert!(net.clear("Berlin", "workingHours"));
    net.expect(
        "Berlin",
        "workingHours",
        hq_hours(),
        "REPLACE",
        &["HQ"],
        None,
    );
    net.expect(
        "Mitte",
        "workingHours",
        hq_hours(),
        "REPLACE",
        &["HQ"],
        None,
    );
    assert!(
        !net.clear("Berlin", "workingHours"),
        "nothing left to clear"
    );
    assert!(
        !net.clear("Paris", "address"),
        "Paris never defined an address"
    );
    assert!(!net.clear("Mitte", "x-never"), "a custom key never defined");
    assert!(net.clear("Paris", "publicHolidays"));
    net.expect(
        "Paris",
        "publicHolidays",
        json!([new_year(), christmas()]),
        "APPEND",
        &["HQ", "Europe"],
        None,
    );
    assert_eq!(net.own("Paris")["settings"], json!([]));
    // Clearing the region's address leaves the branch's own part alone.
    assert!(net.clear("Europe", "address"));
    net.expect(
        "Berlin",
        "address",
        json!({ "city": "Berlin" }),
        "MERGE",
        &["Berlin"],
        None,
    );
    net.expect_none("Paris", "address");
    // Clearing everything: no effective value left, and the key leaves the listing.
    assert!(net.clear("Berlin", "address"));
    net.expect_none("Mitte", "address");
    let keys: Vec<Value> = net
        .effective_list("Mitte", None)
        .iter()
        .map(|e| e["key"].clone())
        .collect();
    assert!(!keys.contains(&json!("address")), "{keys:?}");
}

fn locks_beat_blocks_and_definitions_below_them(backend: Backend) {
    let server = TestServer::start(backend);
    let mut net = Net::new(&server);
    build(&mut net);

    // Before any lock: Berlin merges its display name into HQ's branding; Mitte blocks and
    // has only its own.
    net.set(
        "Berlin",
        "branding",
        json!({ "displayName": "Acme Berlin" }),
    );
    let mitte_branding = json!({ "displayName": "Mitte Kiosk", "primaryColor": "#00ff00" });
    net.set_blocking("Mitte", "branding", mitte_branding.clone());
    let mut berlin_branding = hq_branding();
    berlin_branding["displayName"] = json!("Acme Berlin");
    net.expect(
        "Berlin",
        "branding",
        berlin_branding.clone(),
        "MERGE",
        &["HQ", "Berlin"],
        None,
    );
    net.expect(
        "Mitte",
        "branding",
        mitte_branding.clone(),
        "MERGE",
        &["Mitte"],
        None,
    );

    // HQ locks branding: a global rule.
    assert!(net.lock("HQ", "branding"));
    assert!(!net.lock("HQ", "branding"), "already locked");
    assert_eq!(
        net.own("HQ")["settingLocks"],
        json!([{ "key": "branding" }])
    );
    net.expect(
        "HQ",
        "branding",
        hq_branding(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    net.expect(
        "Europe",
        "branding",
        hq_branding(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    // The definitions made below before the lock are ignored on read (the block too)...
    net.expect(
        "Berlin",
        "branding",
        hq_branding(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    net.expect(
        "Mitte",
        "branding",
        hq_branding(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    net.expect(
        "New York",
        "branding",
        hq_branding(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    // ... but they are kept: they count again when the lock goes.
    let berlin_own = net.own("Berlin")["settings"].clone();
    assert!(
        berlin_own
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["key"] == "branding"),
        "{berlin_own}"
    );
    // Other keys are not locked.
    net.expect(
        "Berlin",
        "publicHolidays",
        json!([new_year(), christmas(), unity_day()]),
        "APPEND",
        &["HQ", "Europe", "Berlin"],
        None,
    );

    // New definitions below are refused, blocking or not, at any depth, naming HQ.
    let attempt = json!({ "displayName": "Rebel Berlin" });
    net.expect_refused_by_lock("Berlin", "branding", &attempt, true, "HQ");
    net.expect_refused_by_lock("Berlin", "branding", &attempt, false, "HQ");
    net.expect_refused_by_lock("Mitte", "branding", &attempt, false, "HQ");
    net.expect_refused_by_lock("Europe", "branding", &attempt, true, "HQ");
    // Locking is not defining: other organizations may still define other keys.
    net.set("Berlin", "timeGrid", json!({ "slotMinutes": 15 }));

    // The holder itself may still change the rule, and everyone below follows.
    let mut rule = hq_branding();
    rule["primaryColor"] = json!("#ff0000");
    net.set("HQ", "branding", json!({ "primaryColor": "#ff0000" }));
    net.expect(
        "HQ",
        "branding",
        json!({ "primaryColor": "#ff0000" }),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    net.set("HQ", "branding", rule.clone());
    net.expect(
        "Mitte",
        "branding",
        rule.clone(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );

    // A second lock below: the topmost one is the one reported and enforced.
    assert!(net.lock("Europe", "branding"));
    net.expect(
        "Berlin",
        "branding",
        rule.clone(),
        "MERGE",
        &["HQ"],
        Some("HQ"),
    );
    net.expect_refused_by_lock("Berlin", "branding", &attempt, true, "HQ");
    // HQ lifts its rule; Europe's lock still holds Berlin (whose definition stays ignored).
    assert!(net.unlock("HQ", "branding"));
    assert!(!net.unlock("HQ", "branding"), "already unlocked");
    assert_eq!(net.own("HQ")["settingLocks"], json!([]));
    net.expect("HQ", "branding", rule.clone(), "MERGE", &["HQ"], None);
    net.expect(
        "Europe",
        "branding",
        rule.clone(),
        "MERGE",
        &["HQ"],
        Some("Europe"),
    );
    net.expect(
        "Berlin",
        "branding",
        rule.clone(),
        "MERGE",
        &["HQ"],
        Some("Europe"),
    );
    net.expect(
        "Mitte",
        "branding",
        rule.clone(),
        "MERGE",
        &["HQ"],
        Some("Europe"),
    );
    net.expect("New York", "branding", rule.clone(), "MERGE", &["HQ"], None);
    net.expect_refused_by_lock("Berlin", "branding", &attempt, true, "Europe");
    // Europe, the holder now, may define under HQ's (unlocked) branding.
    net.set("Europe", "branding", json!({ "secondaryColor": "#445566" }));
    let mut europe_branding = rule.clone();
    europe_branding["secondaryColor"] = json!("#445566");
    net.expect(
        "Berlin",
        "branding",
        europe_branding.clone(),
        "MERGE",
        &["HQ", "Europe"],
        Some("Europe"),
    );

    // Unlocked everywhere: the definitions made before the lock count again.
    assert!(net.unlock("Europe", "branding"));
    let mut berlin_branding = europe_branding.clone();
    berlin_branding["displayName"] = json!("Acme Berlin");
    net.expect(
        "Berlin",
        "branding",
        berlin_branding,
        "MERGE",
        &["HQ", "Europe", "Berlin"],
        None,
    );
    net.expect(
        "Mitte",
        "branding",
        mitte_branding,
        "MERGE",
        &["Mitte"],
        None,
    );
    // And new ones are accepted.
    net.set_blocking("Berlin", "branding", json!({ "displayName": "Solo" }));
    net.expect(
        "Berlin",
        "branding",
        json!({ "displayName": "Solo" }),
        "MERGE",
        &["Berlin"],
        None,
    );

    // A lock without any definition above it: nothing effective, and nothing may be defined
    // below it either.
    assert!(net.lock("Europe", "bookingSettings"));
    net.expect_none("Berlin", "bookingSettings");
    net.expect_refused_by_lock(
        "Mitte",
        "bookingSettings",
        &json!({ "bufferMinutes": 5 }),
        true,
        "Europe",
    );
    // The holder defines it: the rule applies to the subtree.
    net.set("Europe", "bookingSettings", json!({ "bufferMinutes": 10 }));
    net.expect(
        "Mitte",
        "bookingSettings",
        json!({ "bufferMinutes": 10 }),
        "MERGE",
        &["Europe"],
        Some("Europe"),
    );
    net.expect_none("New York", "bookingSettings");

    // A lock on the holder's own block: the fold above the holder still follows the block.
    net.set_blocking("Europe", "publicHolidays", json!([christmas()]));
    assert!(net.lock("Europe", "publicHolidays"));
    net.expect(
        "Mitte",
        "publicHolidays",
        json!([christmas()]),
        "APPEND",
        &["Europe"],
        Some("Europe"),
    );
    net.expect(
        "New York",
        "publicHolidays",
        json!([new_year(), independence_day()]),
        "APPEND",
        &["HQ", "Americas"],
        None,
    );
}

fn moves_deletes_and_restores_change_what_is_inherited(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    let mut net = Net::new(&server);
    build(&mut net);
    net.set("Europe", "bookingSettings", json!({ "bufferMinutes": 10 }));
    assert!(net.lock("Europe", "bookingSettings"));
    net.expect_refused_by_lock(
        "Berlin",
        "bookingSettings",
        &json!({ "allowGuests": true }),
        true,
        "Europe",
    );

    // Deleting the region takes the branches with it; restoring brings back exactly what they
    // inherited.
    let berlin_before = net.effective_list("Berlin", None);
    let mitte_before = net.effective_list("Mitte", None);
    let paris_before = net.effective_list("Paris", None);
    assert_eq!(
        berlin_before.len(),
        5,
        "address, bookingSettings, branding, publicHolidays, workingHours: {berlin_before:?}"
    );
    let hq_before = net.effective_list("HQ", None);
    server.try_delete(&token, net.id("Europe")).ok();
    server
        .organization(&token, net.id("Berlin"))
        .expect_code("NOT_FOUND");
    // A deleted organization takes no definitions.
    net.try_set("Berlin", "x-flag", &json!(true), true)
        .expect_code("NOT_FOUND");
    assert_eq!(net.effective_list("HQ", None), hq_before);
    server.try_restore(&token, net.id("Europe")).ok();
    assert_eq!(net.effective_list("Berlin", None), berlin_before);
    assert_eq!(net.effective_list("Mitte", None), mitte_before);
    assert_eq!(net.effective_list("Paris", None), paris_before);

    // Berlin (with Mitte) moves to the Americas: it inherits from there at once.
    server
        .try_move(&token, net.id("Berlin"), net.id("Americas"))
        .ok();
    for org in ["Berlin", "Mitte"] {
        net.expect(
            org,
            "publicHolidays",
            json!([new_year(), independence_day(), unity_day()]),
            "APPEND",
            &["HQ", "Americas", "Berlin"],
            None,
        );
        net.expect(
            org,
            "address",
            json!({ "country": "US", "city": "Berlin" }),
            "MERGE",
            &["Americas", "Berlin"],
            None,
        );
        // No more of Europe's rule.
        net.expect_none(org, "bookingSettings");
        net.expect(org, "branding", hq_branding(), "MERGE", &["HQ"], None);
    }
    // Europe's lock no longer holds it back.
    net.set("Berlin", "bookingSettings", json!({ "allowGuests": true }));
    net.expect(
        "Mitte",
        "bookingSettings",
        json!({ "allowGuests": true }),
        "MERGE",
        &["Berlin"],
        None,
    );
    // Paris still has Europe's.
    net.expect(
        "Paris",
        "bookingSettings",
        json!({ "bufferMinutes": 10 }),
        "MERGE",
        &["Europe"],
        Some("Europe"),
    );

    // Deleting Europe now leaves the moved-out branch alone; restoring brings Paris back.
    let berlin_moved = net.effective_list("Berlin", None);
    let mitte_moved = net.effective_list("Mitte", None);
    server.try_delete(&token, net.id("Europe")).ok();
    assert_eq!(net.effective_list("Berlin", None), berlin_moved);
    assert_eq!(net.effective_list("Mitte", None), mitte_moved);
    server.try_restore(&token, net.id("Europe")).ok();
    assert_eq!(net.effective_list("Paris", None), paris_before);

    // Moving back under the lock: Berlin's own definition (made while it was elsewhere) is
    // kept but ignored, and Europe's rule applies again.
    server
        .try_move(&token, net.id("Berlin"), net.id("Europe"))
        .ok();
    net.expect(
        "Mitte",
        "bookingSettings",
        json!({ "bufferMinutes": 10 }),
        "MERGE",
        &["Europe"],
        Some("Europe"),
    );
    assert!(net.own("Berlin")["settings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["key"] == "bookingSettings"));
    net.expect(
        "Berlin",
        "publicHolidays",
        json!([new_year(), christmas(), unity_day()]),
        "APPEND",
        &["HQ", "Europe", "Berlin"],
        None,
    );
    // Lifting Europe's lock lets it count, merged into Europe's.
    assert!(net.unlock("Europe", "bookingSettings"));
    net.expect(
        "Mitte",
        "bookingSettings",
        json!({ "bufferMinutes": 10, "allowGuests": true }),
        "MERGE",
        &["Europe", "Berlin"],
        None,
    );

    // Moving a whole region: New York follows Americas under Europe.
    server
        .try_move(&token, net.id("Americas"), net.id("Europe"))
        .ok();
    net.expect(
        "New York",
        "publicHolidays",
        json!([new_year(), christmas(), independence_day()]),
        "APPEND",
        &["HQ", "Europe", "Americas"],
        None,
    );
    net.expect(
        "New York",
        "address",
        json!({ "country": "US", "postalCode": "10115" }),
        "MERGE",
        &["Europe", "Americas"],
        None,
    );

    // A new root above HQ: its rule reaches the whole network, and HQ's own definition of a
    // key it locks is ignored.
    let reply = net.gql(
        "mutation($input: AddRootOrganizationInput!) { addRootOrganization(input: $input) { organization { id } } }",
        json!({ "input": { "rootId": net.id("HQ"), "name": "Holding" } }),
    );
    let holding = reply.ok()["addRootOrganization"]["organization"].clone();
    net.remember("Holding", &holding);
    let weekend = json!({ "saturday": [{ "start": "10:00", "end": "14:00" }] });
    net.set("Holding", "workingHours", weekend.clone());
    net.set("Holding", "publicHolidays", json!([christmas()]));
    assert!(net.lock("Holding", "workingHours"));
    for org in ["HQ", "Europe", "Berlin", "Mitte", "New York"] {
        net.expect(
            org,
            "workingHours",
            weekend.clone(),
            "REPLACE",
            &["Holding"],
            Some("Holding"),
        );
    }
    net.expect_refused_by_lock("HQ", "workingHours", &hq_hours(), false, "Holding");
    net.expect(
        "Mitte",
        "publicHolidays",
        json!([christmas(), new_year(), unity_day()]),
        "APPEND",
        &["Holding", "HQ", "Europe", "Berlin"],
        None,
    );

    // A copy with its settings: the copied definitions are its own, it inherits from its new
    // place, and the original changing later doesn't reach it.
    let reply = net.gql(
        "mutation($input: CopyOrganizationInput!) { copyOrganization(input: $input) { organization { id } } }",
        json!({ "input": {
            "sourceId": net.id("Berlin"),
            "parentId": net.id("HQ"),
            "name": "Berlin Copy",
            "includeSubOrganizations": true,
            "includeSettings": true,
        } }),
    );
    let copy = reply.ok()["copyOrganization"]["organization"].clone();
    net.remember("Berlin Copy", &copy);
    assert_eq!(
        net.own("Berlin Copy")["settings"],
        net.own("Berlin")["settings"]
    );
    net.expect(
        "Berlin Copy",
        "publicHolidays",
        json!([christmas(), new_year(), unity_day()]),
        "APPEND",
        &["Holding", "HQ", "Berlin Copy"],
        None,
    );
    net.expect(
        "Berlin Copy",
        "address",
        json!({ "city": "Berlin" }),
        "MERGE",
        &["Berlin Copy"],
        None,
    );
    net.set("Berlin", "address", json!({ "city": "Berlin-Mitte" }));
    assert!(net.clear("Berlin", "publicHolidays"));
    net.expect(
        "Berlin Copy",
        "address",
        json!({ "city": "Berlin" }),
        "MERGE",
        &["Berlin Copy"],
        None,
    );
    net.expect(
        "Berlin Copy",
        "publicHolidays",
        json!([christmas(), new_year(), unity_day()]),
        "APPEND",
        &["Holding", "HQ", "Berlin Copy"],
        None,
    );
}

fn custom_keys_and_the_listing_of_effective_settings(backend: Backend) {
    let server = TestServer::start(backend);
    let mut net = Net::new(&server);
    build(&mut net);

    // Objects merge (deeply), the nearer field winning.
    net.set(
        "HQ",
        "x-crm",
        json!({ "region": "global", "tier": { "level": 1, "label": "gold" } }),
    );
    net.set("Berlin", "x-crm", json!({ "tier": { "level": 2 } }));
    net.expect(
        "Mitte",
        "x-crm",
        json!({ "region": "global", "tier": { "level": 2, "label": "gold" } }),
        "MERGE",
        &["HQ", "Berlin"],
        None,
    );
    // Scalars replace.
    net.set("HQ", "x-flag", json!(true));
    net.set("Berlin", "x-flag", json!("off"));
    net.expect("Europe", "x-flag", json!(true), "REPLACE", &["HQ"], None);
    net.expect(
        "Mitte",
        "x-flag",
        json!("off"),
        "REPLACE",
        &["Berlin"],
        None,
    );
    // Lists are not objects: they replace too (only publicHolidays appends).
    net.set("HQ", "x-list", json!([1, 2]));
    net.set("Berlin", "x-list", json!([2, 3]));
    net.expect(
        "Mitte",
        "x-list",
        json!([2, 3]),
        "REPLACE",
        &["Berlin"],
        None,
    );
    // A scalar below an object replaces the object.
    net.set("Mitte", "x-crm", json!("none"));
    net.expect("Mitte", "x-crm", json!("none"), "REPLACE", &["Mitte"], None);
    // A custom key may be blocked and locked like any other.
    net.set_blocking("Paris", "x-crm", json!({ "tier": { "level": 3 } }));
    net.expect(
        "Paris",
        "x-crm",
        json!({ "tier": { "level": 3 } }),
        "MERGE",
        &["Paris"],
        None,
    );
    assert!(net.lock("Europe", "x-flag"));
    net.expect(
        "Mitte",
        "x-flag",
        json!(true),
        "REPLACE",
        &["HQ"],
        Some("Europe"),
    );
    net.expect_refused_by_lock("Paris", "x-flag", &json!(false), false, "Europe");

    // The listing: every key defined or locked on the chain that has a value.
    assert!(net.lock("HQ", "timeGrid"));
    net.expect_none("Mitte", "timeGrid");
    net.expect_none("HQ", "timeGrid");
    let keys_at = |org: &str| -> Vec<String> {
        net.effective_list(org, None)
            .iter()
            .map(|e| e["key"].as_str().unwrap().to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    assert_eq!(
        keys_at("Mitte"),
        [
            "address",
            "branding",
            "publicHolidays",
            "workingHours",
            "x-crm",
            "x-flag",
            "x-list"
        ],
        "a locked key without a value is left out"
    );
    assert_eq!(
        keys_at("HQ"),
        [
            "branding",
            "publicHolidays",
            "workingHours",
            "x-crm",
            "x-flag",
            "x-list"
        ]
    );
    assert_eq!(
        keys_at("New York"),
        [
            "address",
            "branding",
            "publicHolidays",
            "workingHours",
            "x-crm",
            "x-flag",
            "x-list"
        ]
    );
    net.set("HQ", "timeGrid", json!({ "slotMinutes": 30 }));
    assert!(keys_at("Mitte").contains(&"timeGrid".to_owned()));
    // Each listed entry is what effectiveSetting(key) says, key by key, and no key twice.
    for org in ["HQ", "Europe", "Berlin", "Mitte", "Paris", "New York"] {
        let listed = net.effective_list(org, None);
        let mut seen = BTreeSet::new();
        for entry in &listed {
            let key = entry["key"].as_str().unwrap();
            assert!(seen.insert(key.to_owned()), "{key} listed twice at {org}");
            assert_eq!(
                net.effective(org, key),
                *entry,
                "effectiveSetting({key}) at {org}"
            );
        }
    }

    // Asked keys: only those with a value come back; undefined known keys are left out.
    let asked = net.effective_list("Mitte", Some(&["bookingSettings", "address", "x-none"]));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["key"], "address");
    net.expect_none("HQ", "bookingSettings");
    net.expect_none("Mitte", "x-none");
    assert!(net
        .effective_list("HQ", Some(&["address", "bookingSettings"]))
        .is_empty());
    // Unknown keys are refused when reading too.
    for query in [
        "query($id: ID!) { organization(id: $id) { effectiveSetting(key: \"colour\") { key } } }",
        "query($id: ID!) { organization(id: $id) { effectiveSettings(keys: [\"address\", \"colour\"]) { key } } }",
    ] {
        net.gql(query, json!({ "id": net.id("Mitte") }))
            .expect_code("BAD_USER_INPUT");
    }
}

/// What one branch's `effectiveSettings` selection asks, with fragments, aliases, a directive,
/// and (`withParents`) a field that is not answered from the shared value alone.
const BRANCH_SETTINGS: &str = "
fragment Holder on Organization { id name }
fragment Settings on Organization {
  name
  effectiveSettings {
    __typename
    name: key
    value @include(if: $withValue)
    strategy
    locked
    ... on EffectiveSetting { lockedBy { ...Holder depth } }
    sources { ...Holder isRoot }
  }
  withParents: effectiveSettings(keys: [\"publicHolidays\", \"branding\"]) {
    key
    sources { name parent { name } }
  }
}";

/// [`build`], with Europe's branches Berlin, Madrid, Paris and Rome: three of them inherit
/// alike, so their answers are shared.
fn europe_with_four_branches(server: &TestServer) -> Net<'_> {
    let mut net = Net::new(server);
    build(&mut net);
    net.sub("Europe", "Madrid");
    net.sub("Europe", "Rome");
    net
}

/// A shared answer is JSON text to the executor: it must still merge with another field of
/// the same response key (here from a fragment), and be written as JSON in a batch's answers.
fn shared_answers_merge_with_repeated_fields_and_travel_in_batches(backend: Backend) {
    let server = TestServer::start(backend);
    let net = europe_with_four_branches(&server);
    let europe = json!({ "id": net.id("Europe") });
    let branches = |selection: &str| {
        format!(
            "query($id: ID!) {{ organization(id: $id) {{ children(first: 10) {{ edges {{ node {{
               name {selection} }} }} }} }} }}"
        )
    };
    let plain = branches("effectiveSettings { key value sources { name } }");
    let expected = server.gql(Some(&net.token), &plain, europe.clone());
    let expected = expected.ok();
    let edges = expected["organization"]["children"]["edges"].as_array();
    assert_eq!(edges.map(Vec::len), Some(4), "{expected}");
    assert_eq!(
        expected["organization"]["children"]["edges"][1]["node"]["effectiveSettings"][0]["key"],
        "address",
        "Madrid's settings: {expected}"
    );

    let repeated = format!(
        "{} fragment More on Organization {{ effectiveSettings {{ value sources {{ name }} }} }}",
        branches("effectiveSettings { key } ...More")
    );
    let merged = server.gql(Some(&net.token), &repeated, europe.clone());
    assert_eq!(merged.ok(), expected, "the two selections merged");

    let batch = json!([
        { "query": plain, "variables": europe },
        { "query": repeated, "variables": europe },
    ]);
    let answers = server.post_json(Some(&net.token), &batch, None);
    assert_eq!(answers.status, 200, "{}", answers.body);
    for answer in answers.body.as_array().into_iter().flatten() {
        assert_eq!(&answer["data"], expected, "in a batch");
    }
    assert_eq!(answers.body.as_array().map(Vec::len), Some(2));

    // `effectiveSetting(key:)` below a page reads the chains the page brought, too.
    let single = branches("effectiveSetting(key: \"address\") { key value sources { name } }");
    let single = server.gql(Some(&net.token), &single, europe);
    let single = single.ok();
    for (plural, singular) in edges.into_iter().flatten().zip(
        single["organization"]["children"]["edges"]
            .as_array()
            .into_iter()
            .flatten(),
    ) {
        let address = plural["node"]["effectiveSettings"]
            .as_array()
            .and_then(|items| items.iter().find(|item| item["key"] == "address"));
        assert_eq!(
            Some(&singular["node"]["effectiveSetting"]),
            address,
            "{single}"
        );
    }
}

/// The fields of a mutation run one after another: the settings a field reads are those the
/// fields before it left, not those a `children` page read earlier in the same request.
fn a_mutation_reads_the_settings_its_earlier_fields_wrote(backend: Backend) {
    let server = TestServer::start(backend);
    let mut net = Net::new(&server);
    build(&mut net);
    let mutation = "mutation($europe: ID!, $paris: ID!) {
      first: setSetting(input: { organizationId: $europe, key: \"x-note\", value: 1 }) {
        organization { children(first: 10) { edges { node {
          name effectiveSetting(key: \"x-note\") { value }
        } } } }
      }
      second: setSetting(input: { organizationId: $paris, key: \"x-note\", value: 2 }) {
        organization { name effectiveSetting(key: \"x-note\") { value sources { name } } }
      }
    }";
    let reply = server.gql(
        Some(&net.token),
        mutation,
        json!({ "europe": net.id("Europe"), "paris": net.id("Paris") }),
    );
    let data = reply.ok();
    let first = &data["first"]["organization"]["children"]["edges"];
    assert_eq!(first[1]["node"]["name"], "Paris", "{data}");
    assert_eq!(first[1]["node"]["effectiveSetting"]["value"], 1, "{data}");
    let second = &data["second"]["organization"];
    assert_eq!(second["effectiveSetting"]["value"], 2, "{data}");
    assert_eq!(
        second["effectiveSetting"]["sources"],
        json!([{ "name": "Paris" }]),
        "{data}"
    );
}

/// Branches below one region share their effective values, and one request answers each
/// shared `EffectiveSetting` once for all of them (graphql::shared_answers): asked together,
/// every branch gets the answer it gets alone, for the owner and for an employee of the
/// region who may not see headquarters.
fn branches_sharing_values_answer_as_when_asked_one_by_one(backend: Backend) {
    let server = TestServer::start(backend);
    let net = europe_with_four_branches(&server);
    assert!(net.lock("HQ", "branding"));
    let europe = net.id("Europe").to_owned();
    let employee = server.token("eve@example.com");
    server
        .gql(
            Some(&net.token),
            "mutation($input: GrantRoleInput!) { grantRole(input: $input) { grant { id } } }",
            json!({ "input": { "organizationId": europe, "email": "eve@example.com", "role": "EMPLOYEE" } }),
        )
        .ok();

    let together = format!(
        "query($id: ID!, $withValue: Boolean!) {{ organization(id: $id) {{
           children(first: 10) {{ edges {{ node {{ id ...Settings }} }} }} }} }} {BRANCH_SETTINGS}"
    );
    let alone = format!(
        "query($id: ID!, $withValue: Boolean!) {{ organization(id: $id) {{ id ...Settings }} }} {BRANCH_SETTINGS}"
    );
    for (caller, token) in [
        ("owner", net.token.as_str()),
        ("employee", employee.as_str()),
    ] {
        for with_value in [true, false] {
            let reply = server.gql(
                Some(token),
                &together,
                json!({ "id": europe, "withValue": with_value }),
            );
            let branches: Vec<Value> = reply.ok()["organization"]["children"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("children: {}", reply.body))
                .iter()
                .map(|edge| edge["node"].clone())
                .collect();
            let names: Vec<&str> = branches.iter().filter_map(|b| b["name"].as_str()).collect();
            assert_eq!(names, ["Berlin", "Madrid", "Paris", "Rome"], "{caller}");
            for branch in &branches {
                let single = server.gql(
                    Some(token),
                    &alone,
                    json!({ "id": branch["id"], "withValue": with_value }),
                );
                assert_eq!(
                    branch,
                    &single.ok()["organization"],
                    "{caller}, withValue {with_value}: {} asked with its siblings",
                    branch["name"]
                );
            }
        }
    }

    // What the shared answers hold, per caller: Paris, Madrid and Rome inherit alike.
    let paris = |token: &str| {
        let reply = server.gql(
            Some(token),
            &together,
            json!({ "id": europe, "withValue": true }),
        );
        let edges = reply.ok()["organization"]["children"]["edges"].clone();
        let paris = edges[2]["node"].clone();
        assert_eq!(
            paris["effectiveSettings"],
            edges[1]["node"]["effectiveSettings"]
        );
        assert_eq!(
            paris["effectiveSettings"],
            edges[3]["node"]["effectiveSettings"]
        );
        paris
    };
    let owner_view = paris(&net.token);
    let branding = &owner_view["effectiveSettings"][1];
    assert_eq!(branding["name"], "branding", "{owner_view}");
    assert_eq!(branding["__typename"], "EffectiveSetting");
    assert_eq!(branding["value"], hq_branding());
    assert_eq!(
        branding["lockedBy"],
        json!({ "id": net.id("HQ"), "name": "HQ", "depth": 0 })
    );
    assert_eq!(
        branding["sources"],
        json!([{ "id": net.id("HQ"), "name": "HQ", "isRoot": true }])
    );
    assert_eq!(
        owner_view["withParents"][0]["sources"],
        json!([
            { "name": "HQ", "parent": null },
            { "name": "Europe", "parent": { "name": "HQ" } },
        ]),
        "{owner_view}"
    );
    // The employee may not see headquarters: not as a source, not as the lock's holder, not
    // as Europe's parent.
    let employee_view = paris(&employee);
    let branding = &employee_view["effectiveSettings"][1];
    assert_eq!(branding["value"], hq_branding(), "{employee_view}");
    assert_eq!(branding["locked"], true);
    assert_eq!(branding["lockedBy"], Value::Null);
    assert_eq!(branding["sources"], json!([]));
    assert_eq!(
        employee_view["withParents"][0]["sources"],
        json!([{ "name": "Europe", "parent": null }]),
        "{employee_view}"
    );

    // A field that fails is not shared: each branch reports its own error, at its own path
    // (the employee lacks audit:read; Berlin has two visible sources, the others one).
    let reply = server.gql(
        Some(&employee),
        "query($id: ID!) { organization(id: $id) { children(first: 10) { edges { node {
           effectiveSettings(keys: [\"publicHolidays\"]) { sources { auditLog(first: 1) { totalCount } } }
         } } } } }",
        json!({ "id": europe }),
    );
    let errors = reply.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {}", reply.body));
    let paths: BTreeSet<String> = errors
        .iter()
        .map(|error| {
            assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{error}");
            error["path"].to_string()
        })
        .collect();
    assert_eq!((errors.len(), paths.len()), (5, 5), "{}", reply.body);
}

fn invalid_values_are_refused_and_write_nothing(backend: Backend) {
    let server = TestServer::start(backend);
    let mut net = Net::new(&server);
    build(&mut net);
    net.set("Berlin", "timeGrid", json!({ "slotMinutes": 15 }));
    net.set("Berlin", "x-note", json!("short"));
    // Rows in both settings tables, so that "nothing written" is checked against both.
    assert!(net.lock("Berlin", "x-locked"));

    let interval = |start: &str, end: &str| json!({ "start": start, "end": end });
    let big = "x".repeat(16 * 1024);
    let long_key = format!("x-{}", "k".repeat(63));
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        // timeGrid
        (
            "slotMinutes 0",
            "timeGrid",
            json!({ "slotMinutes": 0 }),
            "BAD_USER_INPUT",
        ),
        (
            "slotMinutes 1441",
            "timeGrid",
            json!({ "slotMinutes": 1441 }),
            "BAD_USER_INPUT",
        ),
        (
            "slotMinutes not an integer",
            "timeGrid",
            json!({ "slotMinutes": 7.5 }),
            "BAD_USER_INPUT",
        ),
        (
            "slotMinutes as text",
            "timeGrid",
            json!({ "slotMinutes": "15" }),
            "BAD_USER_INPUT",
        ),
        (
            "start after end",
            "timeGrid",
            json!({ "startTime": "18:00", "endTime": "09:00" }),
            "BAD_USER_INPUT",
        ),
        (
            "bad time zone",
            "timeGrid",
            json!({ "timeZone": "not a zone" }),
            "BAD_USER_INPUT",
        ),
        (
            "timeGrid unknown field",
            "timeGrid",
            json!({ "slotMinutes": 15, "colour": "red" }),
            "BAD_USER_INPUT",
        ),
        (
            "timeGrid not an object",
            "timeGrid",
            json!(15),
            "BAD_USER_INPUT",
        ),
        // workingHours
        (
            "overlapping intervals",
            "workingHours",
            json!({ "monday": [interval("09:00", "12:00"), interval("11:00", "17:00")] }),
            "BAD_USER_INPUT",
        ),
        (
            "overlapping intervals out of order",
            "workingHours",
            json!({ "tuesday": [interval("13:00", "17:00"), interval("08:00", "13:30")] }),
            "BAD_USER_INPUT",
        ),
        (
            "malformed 9:00",
            "workingHours",
            json!({ "monday": [interval("9:00", "12:00")] }),
            "BAD_USER_INPUT",
        ),
        (
            "24:30",
            "workingHours",
            json!({ "monday": [interval("20:00", "24:30")] }),
            "BAD_USER_INPUT",
        ),
        (
            "empty interval",
            "workingHours",
            json!({ "monday": [interval("12:00", "12:00")] }),
            "BAD_USER_INPUT",
        ),
        (
            "unknown weekday",
            "workingHours",
            json!({ "funday": [interval("09:00", "17:00")] }),
            "BAD_USER_INPUT",
        ),
        (
            "capitalized weekday",
            "workingHours",
            json!({ "Monday": [interval("09:00", "17:00")] }),
            "BAD_USER_INPUT",
        ),
        (
            "interval without end",
            "workingHours",
            json!({ "monday": [{ "start": "09:00" }] }),
            "BAD_USER_INPUT",
        ),
        (
            "day not a list",
            "workingHours",
            json!({ "monday": interval("09:00", "17:00") }),
            "BAD_USER_INPUT",
        ),
        // publicHolidays
        (
            "2026-02-30",
            "publicHolidays",
            json!([holiday("2026-02-30", "Nope")]),
            "BAD_USER_INPUT",
        ),
        (
            "date not ISO",
            "publicHolidays",
            json!([holiday("25.12.2026", "Christmas")]),
            "BAD_USER_INPUT",
        ),
        (
            "holiday without name",
            "publicHolidays",
            json!([{ "date": "2026-12-25" }]),
            "BAD_USER_INPUT",
        ),
        (
            "holiday unknown field",
            "publicHolidays",
            json!([{ "date": "2026-12-25", "name": "Christmas", "paid": true }]),
            "BAD_USER_INPUT",
        ),
        (
            "holidays not a list",
            "publicHolidays",
            christmas(),
            "BAD_USER_INPUT",
        ),
        // address
        (
            "country Germany",
            "address",
            json!({ "country": "Germany" }),
            "BAD_USER_INPUT",
        ),
        (
            "country lower case",
            "address",
            json!({ "country": "de" }),
            "BAD_USER_INPUT",
        ),
        (
            "address unknown field",
            "address",
            json!({ "street": "Unter den Linden 1" }),
            "BAD_USER_INPUT",
        ),
        (
            "city too long",
            "address",
            json!({ "city": "x".repeat(201) }),
            "BAD_USER_INPUT",
        ),
        (
            "blank city",
            "address",
            json!({ "city": "   " }),
            "BAD_USER_INPUT",
        ),
        // branding and bookingSettings
        (
            "color name",
            "branding",
            json!({ "primaryColor": "red" }),
            "BAD_USER_INPUT",
        ),
        (
            "http logo",
            "branding",
            json!({ "logoUrl": "http://acme.example/logo.png" }),
            "BAD_USER_INPUT",
        ),
        (
            "branding unknown field",
            "branding",
            json!({ "font": "Comic Sans" }),
            "BAD_USER_INPUT",
        ),
        (
            "maximumAdvanceDays 0",
            "bookingSettings",
            json!({ "maximumAdvanceDays": 0 }),
            "BAD_USER_INPUT",
        ),
        (
            "allowGuests as text",
            "bookingSettings",
            json!({ "allowGuests": "yes" }),
            "BAD_USER_INPUT",
        ),
        // keys
        (
            "unknown key colour",
            "colour",
            json!("red"),
            "BAD_USER_INPUT",
        ),
        ("empty custom key", "x-", json!(1), "BAD_USER_INPUT"),
        (
            "custom key with a space",
            "x-has space",
            json!(1),
            "BAD_USER_INPUT",
        ),
        (
            "custom key of 65 characters",
            &long_key,
            json!(1),
            "BAD_USER_INPUT",
        ),
        ("JSON null", "x-flag", Value::Null, "BAD_USER_INPUT"),
        // size
        (
            "custom value over 16 KiB",
            "x-note",
            json!(&big[..16 * 1024 - 1]),
            "LIMIT_EXCEEDED",
        ),
        (
            "custom object over 16 KiB",
            "x-big",
            json!({ "text": big }),
            "LIMIT_EXCEEDED",
        ),
    ];

    let counts = || (row_counts(&server.db), settings_row_counts(&server.db));
    let mut failures = Vec::new();
    let before = counts();
    let own_before = net.own("Berlin");
    let effective_before = net.effective_list("Berlin", None);
    for (what, key, value, code) in &cases {
        for inherit in [true, false] {
            let reply = net.try_set("Berlin", key, value, inherit);
            if reply.code() != Some(*code) || !reply.data()["setSetting"].is_null() {
                failures.push(format!(
                    "{what} ({key}, inherit {inherit}): expected {code}, got {}",
                    reply.body.to_string().chars().take(400).collect::<String>()
                ));
            }
        }
    }
    // Unknown keys are refused by clear, lock and unlock too; an unknown organization is
    // NOT_FOUND.
    for query in [CLEAR, LOCK, UNLOCK] {
        for key in ["colour", "x-", "Address"] {
            let reply = net.key_input(query, "Berlin", key);
            if reply.code() != Some("BAD_USER_INPUT") {
                failures.push(format!("{query} with {key}: {}", reply.body));
            }
        }
        let reply = net.gql(
            query,
            json!({ "input": { "organizationId": uuid::Uuid::new_v4().to_string(), "key": "address" } }),
        );
        if reply.code() != Some("NOT_FOUND") {
            failures.push(format!(
                "{query} on an unknown organization: {}",
                reply.body
            ));
        }
    }
    let reply = net.gql(
        SET,
        json!({ "input": { "organizationId": uuid::Uuid::new_v4().to_string(), "key": "x-flag", "value": true } }),
    );
    if reply.code() != Some("NOT_FOUND") {
        failures.push(format!(
            "setSetting on an unknown organization: {}",
            reply.body
        ));
    }
    // More than 100 keys asked at once.
    let keys: Vec<String> = (0..101).map(|i| format!("x-k{i}")).collect();
    let reply = net.gql(
        "query($id: ID!, $keys: [String!]) { organization(id: $id) { effectiveSettings(keys: $keys) { key } } }",
        json!({ "id": net.id("Berlin"), "keys": keys }),
    );
    if reply.code() != Some("LIMIT_EXCEEDED") {
        failures.push(format!("101 keys: {}", reply.body));
    }
    assert!(
        failures.is_empty(),
        "{} refusals went wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(counts(), before, "refused requests wrote rows");
    assert_eq!(
        net.own("Berlin"),
        own_before,
        "refused requests changed Berlin's definitions"
    );
    assert_eq!(net.effective_list("Berlin", None), effective_before);

    // The bounds themselves are accepted.
    net.set("Berlin", "timeGrid", json!({ "slotMinutes": 1 }));
    net.set("Berlin", "timeGrid", json!({ "slotMinutes": 1440 }));
    net.set(
        "Berlin",
        "timeGrid",
        json!({ "startTime": "00:00", "endTime": "24:00", "timeZone": "America/Argentina/Buenos_Aires" }),
    );
    net.set(
        "Berlin",
        "workingHours",
        json!({
            "monday": [interval("08:00", "12:00"), interval("12:00", "24:00")],
            "sunday": [],
        }),
    );
    net.set(
        "Berlin",
        "publicHolidays",
        json!([holiday("2028-02-29", "Leap Day")]),
    );
    net.set("Berlin", "address", json!({ "country": "DE" }));
    // Exactly 16 KiB of JSON (the quotes included) is still accepted.
    net.set("Berlin", "x-note", json!(&big[..16 * 1024 - 2]));
    net.set(
        "Berlin",
        "x-crm.region_1",
        json!({ "a": [1, "two", { "three": null }] }),
    );
    net.set("Berlin", &long_key[..64], json!(1));
    // Redefinitions replace: only the two new custom keys added rows.
    assert_eq!(
        settings_row_counts(&server.db)["settings"],
        before.1["settings"] + 2
    );
}

// ---------------------------------------------------------------------------------------------
// Random operations against a reference fold.
//
// A random tree of 25 organizations (depth up to 6), then 60 random setSetting (blocking or
// not), clearSetting, lockSetting, unlockSetting and moveOrganization, each answer checked
// against the model (a set below a lock must be FORBIDDEN, naming the topmost lock), and every
// 10 operations the whole network's effective values, sources and locks compared with the
// model's fold. Three fixed seeds; a failure prints the seed and the operations so far.

/// xorshift64: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap()).unwrap()
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

const SEEDS: [u64; 3] = [1, 0x5EED, 20_260_101];
const ORGANIZATIONS: usize = 25;
const MAX_DEPTH: usize = 6;
const OPERATIONS: usize = 60;
const KEYS: [&str; 4] = ["timeGrid", "workingHours", "publicHolidays", "x-flag"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Replace,
    Merge,
    Append,
}

fn strategy_of(key: &str) -> Strategy {
    match key {
        "timeGrid" => Strategy::Merge,
        "publicHolidays" => Strategy::Append,
        // workingHours, and x-flag whose values here are all scalars.
        _ => Strategy::Replace,
    }
}

fn strategy_name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::Replace => "REPLACE",
        Strategy::Merge => "MERGE",
        Strategy::Append => "APPEND",
    }
}

fn random_value(rng: &mut Rng, key: &str) -> Value {
    match key {
        "timeGrid" => {
            let slot = rng.pick(&[5, 10, 15, 20, 30, 60]);
            let zone = rng.pick(&["UTC", "Europe/Berlin", "America/New_York"]);
            match rng.below(4) {
                0 => json!({ "slotMinutes": slot }),
                1 => json!({ "timeZone": zone }),
                2 => json!({ "slotMinutes": slot, "timeZone": zone }),
                _ => json!({ "startTime": "07:00", "endTime": rng.pick(&["18:00", "20:00"]) }),
            }
        }
        "workingHours" => {
            let mut days = serde_json::Map::new();
            for _ in 0..=rng.below(2) {
                let day = rng.pick(&["monday", "tuesday", "saturday"]);
                let (start, end) =
                    rng.pick(&[("09:00", "17:00"), ("08:00", "12:00"), ("10:00", "24:00")]);
                days.insert(day.to_owned(), json!([{ "start": start, "end": end }]));
            }
            Value::Object(days)
        }
        "publicHolidays" => {
            let pool = [
                holiday("2026-01-01", "New Year"),
                holiday("2026-05-01", "Labour Day"),
                holiday("2026-10-03", "Unity Day"),
                holiday("2026-12-25", "Christmas"),
                holiday("2026-12-26", "Boxing Day"),
            ];
            let count = 1 + rng.below(2);
            Value::Array((0..count).map(|_| rng.pick(&pool)).collect())
        }
        _ => rng.pick(&[
            json!(true),
            json!(false),
            json!(0),
            json!(7),
            json!("on"),
            json!("off"),
        ]),
    }
}

/// What the test believes the server holds: the tree, the definitions and the locks.
#[derive(Default)]
struct Model {
    names: Vec<String>,
    ids: Vec<String>,
    parent: Vec<Option<usize>>,
    definitions: BTreeMap<(usize, &'static str), (Value, bool)>,
    locks: BTreeSet<(usize, &'static str)>,
}

/// An effective setting, in the model's terms (names for organizations).
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    value: Value,
    strategy: &'static str,
    sources: Vec<String>,
    locked_by: Option<String>,
}

impl Model {
    /// The organization and its ancestors, root first.
    fn chain(&self, org: usize) -> Vec<usize> {
        let mut chain = vec![org];
        let mut at = org;
        while let Some(parent) = self.parent[at] {
            chain.push(parent);
            at = parent;
        }
        chain.reverse();
        chain
    }

    fn depth(&self, org: usize) -> usize {
        self.chain(org).len() - 1
    }

    fn is_within(&self, org: usize, subtree: usize) -> bool {
        self.chain(org).contains(&subtree)
    }

    /// Levels below `org` in its subtree (0 for a leaf).
    fn height(&self, org: usize) -> usize {
        (0..self.names.len())
            .filter(|&o| self.is_within(o, org))
            .map(|o| self.depth(o) - self.depth(org))
            .max()
            .unwrap_or(0)
    }

    /// The topmost strict ancestor locking `key`: a definition here must be refused.
    fn lock_above(&self, org: usize, key: &str) -> Option<usize> {
        let chain = self.chain(org);
        chain[..chain.len() - 1]
            .iter()
            .copied()
            .find(|&o| self.locks.contains(&(o, key_static(key))))
    }

    /// The reference fold: walk from the root down, stopping at the topmost lock (it belongs
    /// to the fold; nothing below it does), restarting at each block.
    fn expected(&self, org: usize, key: &'static str) -> Option<Expected> {
        let strategy = strategy_of(key);
        let mut value: Option<Value> = None;
        let mut sources: Vec<usize> = Vec::new();
        let mut locked_by = None;
        for at in self.chain(org) {
            if let Some((own, inherit)) = self.definitions.get(&(at, key)) {
                if !inherit {
                    value = None;
                    sources.clear();
                }
                value = Some(match (strategy, value.take()) {
                    (Strategy::Replace, _) => {
                        sources.clear();
                        own.clone()
                    }
                    (Strategy::Merge, None) => own.clone(),
                    (Strategy::Merge, Some(mut far)) => {
                        overlay(&mut far, own);
                        far
                    }
                    (Strategy::Append, far) => {
                        let mut items: Vec<Value> =
                            far.and_then(|f| f.as_array().cloned()).unwrap_or_default();
                        for item in own.as_array().into_iter().flatten() {
                            if !items.contains(item) {
                                items.push(item.clone());
                            }
                        }
                        Value::Array(items)
                    }
                });
                sources.push(at);
            }
            if self.locks.contains(&(at, key)) {
                locked_by = Some(at);
                break;
            }
        }
        value.map(|value| Expected {
            value,
            strategy: strategy_name(strategy),
            sources: sources.iter().map(|&o| self.names[o].clone()).collect(),
            locked_by: locked_by.map(|o| self.names[o].clone()),
        })
    }

    fn expected_all(&self, org: usize) -> BTreeMap<String, Expected> {
        KEYS.iter()
            .filter_map(|&key| self.expected(org, key).map(|e| (key.to_owned(), e)))
            .collect()
    }

    fn index_of(&self, org_id: &Value) -> Option<usize> {
        let org_id = org_id.as_str()?;
        self.ids.iter().position(|i| i == org_id)
    }

    fn name_of(&self, org_id: &Value) -> String {
        self.index_of(org_id)
            .map_or_else(|| format!("?{org_id}"), |o| self.names[o].clone())
    }

    /// An `EffectiveSetting` from the API, in the model's terms.
    fn actual(&self, effective: &Value) -> (String, Expected) {
        let key = effective["key"].as_str().unwrap_or("?").to_owned();
        let strategy = match effective["strategy"].as_str() {
            Some("REPLACE") => "REPLACE",
            Some("MERGE") => "MERGE",
            Some("APPEND") => "APPEND",
            _ => "?",
        };
        let locked_by = if effective["lockedBy"].is_null() {
            None
        } else {
            Some(self.name_of(&effective["lockedBy"]["id"]))
        };
        assert_eq!(
            effective["locked"].as_bool(),
            Some(locked_by.is_some()),
            "`locked` disagrees with `lockedBy` in {effective}"
        );
        (
            key,
            Expected {
                value: effective["value"].clone(),
                strategy,
                sources: effective["sources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| self.name_of(&s["id"]))
                    .collect(),
                locked_by,
            },
        )
    }
}

/// Deep merge written for the reference: nested objects merge, anything else is replaced by
/// the nearer value.
fn overlay(far: &mut Value, near: &Value) {
    match (far, near) {
        (Value::Object(far), Value::Object(near)) => {
            for (field, value) in near {
                match far.get_mut(field) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        overlay(existing, value);
                    }
                    _ => {
                        far.insert(field.clone(), value.clone());
                    }
                }
            }
        }
        (far, near) => *far = near.clone(),
    }
}

fn key_static(key: &str) -> &'static str {
    KEYS.iter()
        .copied()
        .find(|k| *k == key)
        .unwrap_or_else(|| panic!("not a key of the model: {key}"))
}

fn random_operations_match_a_reference_fold(backend: Backend) {
    let server = TestServer::start(backend);
    let token = server.token("ada@example.com");
    for (run, seed) in SEEDS.into_iter().enumerate() {
        let started = Instant::now();
        let summary = random_run(&server, &token, run, seed);
        eprintln!(
            "settings random run {run} (seed {seed}) on {backend:?}: {summary} in {:?}",
            started.elapsed()
        );
    }
}

/// Runs one seed; returns what it did, for the log.
fn random_run(server: &TestServer, token: &str, run: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut done: BTreeMap<&str, usize> = BTreeMap::new();
    let mut model = Model::default();
    let mut log: Vec<String> = Vec::new();

    // A random tree, deep chains favoured so that folds are long.
    for index in 0..ORGANIZATIONS {
        let name = format!("r{run}-o{index}");
        let parent = (index > 0).then(|| {
            let recent: Vec<usize> = (index.saturating_sub(3)..index)
                .filter(|&o| model.depth(o) < MAX_DEPTH)
                .collect();
            let any: Vec<usize> = (0..index).filter(|&o| model.depth(o) < MAX_DEPTH).collect();
            if !recent.is_empty() && rng.percent(50) {
                rng.pick(&recent)
            } else {
                rng.pick(&any)
            }
        });
        let org = match parent {
            None => server.add_organization(token, &name),
            Some(parent) => server.add_sub(token, &model.ids[parent], &name),
        };
        model.parent.push(parent);
        model.names.push(name.clone());
        model.ids.push(id(&org));
        log.push(format!(
            "add {name} under {}",
            model.parent[index].map_or("-".to_owned(), |p| model.names[p].clone())
        ));
    }
    let max_depth = (0..ORGANIZATIONS)
        .map(|o| model.depth(o))
        .max()
        .unwrap_or(0);
    log.push(format!("(tree depth {max_depth})"));

    let request = |query: &str, org: usize, key: &str, extra: Value| {
        let mut input = json!({ "organizationId": model.ids[org], "key": key });
        if let (Value::Object(input), Value::Object(extra)) = (&mut input, extra) {
            input.extend(extra);
        }
        server.gql(Some(token), query, json!({ "input": input }))
    };

    for step in 0..OPERATIONS {
        let dice = rng.below(100);
        let org = rng.below(ORGANIZATIONS);
        let key = rng.pick(&KEYS);
        let name = model.names[org].clone();
        match dice {
            // setSetting
            0..=49 => {
                let value = random_value(&mut rng, key);
                let inherit = !rng.percent(25);
                let reply = request(SET, org, key, json!({ "value": value, "inherit": inherit }));
                match model.lock_above(org, key) {
                    Some(holder) => {
                        *done.entry("refused set").or_default() += 1;
                        log.push(format!(
                            "#{step} set {name} {key}={value} inherit={inherit}: refused by {}",
                            model.names[holder]
                        ));
                        assert_eq!(
                            reply.code(),
                            Some("FORBIDDEN"),
                            "seed {seed}: {} should be refused by the lock of {}: {}\n{}",
                            log.last().unwrap(),
                            model.names[holder],
                            reply.body,
                            log.join("\n")
                        );
                        assert!(
                            reply
                                .message()
                                .contains(&format!("\"{}\"", model.names[holder])),
                            "seed {seed}: the refusal should name the topmost lock {}: {}",
                            model.names[holder],
                            reply.message()
                        );
                    }
                    None => {
                        *done
                            .entry(if inherit { "set" } else { "blocking set" })
                            .or_default() += 1;
                        log.push(format!(
                            "#{step} set {name} {key}={value} inherit={inherit}"
                        ));
                        assert!(
                            reply.body.get("errors").is_none(),
                            "seed {seed}: {} failed: {}\n{}",
                            log.last().unwrap(),
                            reply.body,
                            log.join("\n")
                        );
                        let setting = &reply.data()["setSetting"]["setting"];
                        assert_eq!(setting["value"], value, "seed {seed}");
                        assert_eq!(setting["inherit"], inherit, "seed {seed}");
                        model
                            .definitions
                            .insert((org, key), (value.clone(), inherit));
                    }
                }
            }
            // clearSetting, mostly of an existing definition
            50..=64 => {
                let (org, key) = if !model.definitions.is_empty() && rng.percent(70) {
                    let existing: Vec<(usize, &str)> = model.definitions.keys().copied().collect();
                    rng.pick(&existing)
                } else {
                    (org, key)
                };
                let expected = model.definitions.remove(&(org, key)).is_some();
                *done.entry("clear").or_default() += 1;
                log.push(format!(
                    "#{step} clear {} {key} (expected cleared={expected})",
                    model.names[org]
                ));
                let reply = request(CLEAR, org, key, json!({}));
                assert_eq!(
                    reply.data()["clearSetting"]["cleared"].as_bool(),
                    Some(expected),
                    "seed {seed}: {}: {}\n{}",
                    log.last().unwrap(),
                    reply.body,
                    log.join("\n")
                );
            }
            // lockSetting, mostly high in the tree where it holds more back
            65..=79 => {
                let high: Vec<usize> = (0..ORGANIZATIONS)
                    .filter(|&o| model.depth(o) <= 2)
                    .collect();
                let org = if rng.percent(60) {
                    rng.pick(&high)
                } else {
                    org
                };
                let name = model.names[org].clone();
                let expected = model.locks.insert((org, key));
                *done.entry("lock").or_default() += 1;
                log.push(format!(
                    "#{step} lock {name} {key} (expected changed={expected})"
                ));
                let reply = request(LOCK, org, key, json!({}));
                assert_eq!(
                    reply.data()["lockSetting"]["changed"].as_bool(),
                    Some(expected),
                    "seed {seed}: {}: {}\n{}",
                    log.last().unwrap(),
                    reply.body,
                    log.join("\n")
                );
            }
            // unlockSetting, mostly of an existing lock
            80..=91 => {
                let (org, key) = if !model.locks.is_empty() && rng.percent(70) {
                    let existing: Vec<(usize, &str)> = model.locks.iter().copied().collect();
                    rng.pick(&existing)
                } else {
                    (org, key)
                };
                let expected = model.locks.remove(&(org, key));
                *done.entry("unlock").or_default() += 1;
                log.push(format!(
                    "#{step} unlock {} {key} (expected changed={expected})",
                    model.names[org]
                ));
                let reply = request(UNLOCK, org, key, json!({}));
                assert_eq!(
                    reply.data()["unlockSetting"]["changed"].as_bool(),
                    Some(expected),
                    "seed {seed}: {}: {}\n{}",
                    log.last().unwrap(),
                    reply.body,
                    log.join("\n")
                );
            }
            // moveOrganization: the chain changes under the definitions and locks.
            _ => {
                if model.parent[org].is_none() {
                    log.push(format!("#{step} (no move: {name} is the root)"));
                    continue;
                }
                let height = model.height(org);
                let targets: Vec<usize> = (0..ORGANIZATIONS)
                    .filter(|&p| {
                        !model.is_within(p, org)
                            && model.parent[org] != Some(p)
                            && model.depth(p) + 1 + height <= MAX_DEPTH
                    })
                    .collect();
                if targets.is_empty() {
                    log.push(format!("#{step} (no move for {name})"));
                    continue;
                }
                let target = rng.pick(&targets);
                log.push(format!("#{step} move {name} under {}", model.names[target]));
                let reply = server.try_move(token, &model.ids[org], &model.ids[target]);
                assert!(
                    reply.body.get("errors").is_none(),
                    "seed {seed}: {}: {}\n{}",
                    log.last().unwrap(),
                    reply.body,
                    log.join("\n")
                );
                model.parent[org] = Some(target);
                *done.entry("move").or_default() += 1;
            }
        }
        if step % 10 == 9 {
            compare_everything(server, token, &model, seed, &log);
        }
    }
    compare_everything(server, token, &model, seed, &log);
    compare_one_by_one(server, token, &model, seed, &log);
    let locked_values = (0..ORGANIZATIONS)
        .flat_map(|o| model.expected_all(o).into_values())
        .filter(|e| e.locked_by.is_some())
        .count();
    format!("tree depth {max_depth}, {done:?}, {locked_values} locked effective values at the end")
}

/// The whole network in one request (the loaders batching every chain): effective
/// settings, own definitions and own locks of every organization, against the model.
fn compare_everything(server: &TestServer, token: &str, model: &Model, seed: u64, log: &[String]) {
    let node = format!(
        "id effectiveSettings {{ {EFFECTIVE} }} settings {{ key value inherit }} settingLocks {{ key }}"
    );
    let reply = server.gql(
        Some(token),
        &format!("query($id: ID!) {{ organization(id: $id) {{ {node} descendants(first: 100) {{ edges {{ node {{ {node} }} }} }} }} }}"),
        json!({ "id": model.ids[0] }),
    );
    let root = &reply.ok()["organization"];
    let mut nodes = vec![root.clone()];
    nodes.extend(
        root["descendants"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone()),
    );
    assert_eq!(nodes.len(), ORGANIZATIONS, "seed {seed}: the whole tree");
    let mut mismatches = Vec::new();
    for node in &nodes {
        let org = model
            .index_of(&node["id"])
            .unwrap_or_else(|| panic!("unknown organization {node}"));
        let name = &model.names[org];

        let mut actual = BTreeMap::new();
        for effective in node["effectiveSettings"].as_array().unwrap() {
            let (key, value) = model.actual(effective);
            assert!(
                actual.insert(key.clone(), value).is_none(),
                "seed {seed}: {key} listed twice at {name}"
            );
        }
        let expected = model.expected_all(org);
        if actual != expected {
            mismatches.push(format!(
                "at {name} (chain {:?}):\n  expected {expected:?}\n  actual   {actual:?}",
                model
                    .chain(org)
                    .iter()
                    .map(|&o| &model.names[o])
                    .collect::<Vec<_>>()
            ));
        }

        let own: BTreeMap<String, (Value, bool)> = node["settings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["key"].as_str().unwrap().to_owned(),
                    (s["value"].clone(), s["inherit"].as_bool().unwrap()),
                )
            })
            .collect();
        let own_expected: BTreeMap<String, (Value, bool)> = model
            .definitions
            .iter()
            .filter(|((o, _), _)| *o == org)
            .map(|((_, key), definition)| ((*key).to_owned(), definition.clone()))
            .collect();
        if own != own_expected {
            mismatches.push(format!(
                "own definitions of {name}: expected {own_expected:?}, got {own:?}"
            ));
        }
        let locks: BTreeSet<String> = node["settingLocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["key"].as_str().unwrap().to_owned())
            .collect();
        let locks_expected: BTreeSet<String> = model
            .locks
            .iter()
            .filter(|(o, _)| *o == org)
            .map(|(_, key)| (*key).to_owned())
            .collect();
        if locks != locks_expected {
            mismatches.push(format!(
                "own locks of {name}: expected {locks_expected:?}, got {locks:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "seed {seed}: {} mismatches after:\n{}\n\n{}",
        mismatches.len(),
        log.join("\n"),
        mismatches.join("\n")
    );
}

/// Each organization on its own, through `effectiveSetting(key)` for every key of the model.
fn compare_one_by_one(server: &TestServer, token: &str, model: &Model, seed: u64, log: &[String]) {
    let fields: String = KEYS
        .iter()
        .enumerate()
        .map(|(i, key)| format!("k{i}: effectiveSetting(key: \"{key}\") {{ {EFFECTIVE} }} "))
        .collect();
    for org in 0..ORGANIZATIONS {
        let reply = server.gql(
            Some(token),
            &format!("query($id: ID!) {{ organization(id: $id) {{ {fields} }} }}"),
            json!({ "id": model.ids[org] }),
        );
        let answer = &reply.ok()["organization"];
        for (i, key) in KEYS.iter().enumerate() {
            let actual = &answer[format!("k{i}")];
            let actual = (!actual.is_null()).then(|| model.actual(actual).1);
            assert_eq!(
                actual,
                model.expected(org, key),
                "seed {seed}: effectiveSetting({key}) at {}\n{}",
                model.names[org],
                log.join("\n")
            );
        }
    }
}
