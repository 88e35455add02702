//! Documents built to make checking them expensive: each fits the 64 KiB document limit and
//! must be refused with `LIMIT_EXCEEDED` before validation walks it. Shared by the API test
//! (`tests/api/document_limits.rs`) and the benchmark (`benches/documents.rs`).

#![allow(dead_code)]

use std::fmt::Write;

/// Largest document the server accepts (`http::graphql::MAX_DOCUMENT_BYTES`), less a margin.
pub const BUDGET: usize = 64 * 1024 - 256;

/// (what it is, the document). Every one is refused with `LIMIT_EXCEEDED`.
pub fn family() -> Vec<(String, String)> {
    let mut documents = vec![
        ("fragments doubling, 22 levels".to_owned(), doubling(22)),
        ("fragments doubling, 24 levels".to_owned(), doubling(24)),
        ("fragments doubling, 40 levels".to_owned(), doubling(40)),
        (
            "fragments tripling with aliases, 20 levels".to_owned(),
            aliased_tripling(20),
        ),
        (
            "fragments doubling through inline fragments, 30 levels".to_owned(),
            inline_doubling(30),
        ),
        (
            "fragments doubling inside nested fields, 30 levels".to_owned(),
            nested_doubling(30),
        ),
        (
            "fragments doubling with directives, 30 levels".to_owned(),
            directive_doubling(30),
        ),
        (
            "a wide fragment spread many times".to_owned(),
            wide_fragment_spread_often(),
        ),
        (
            "a long fragment chain spread from many places".to_owned(),
            chain_spread_often(),
        ),
        (
            "many operations spreading one big fragment".to_owned(),
            many_operations(),
        ),
        (
            "a wide fragment spread in every level of a deep selection".to_owned(),
            deep_and_wide(),
        ),
        (
            "many variables used through doubling fragments".to_owned(),
            variables_doubling(),
        ),
        (
            "big list arguments spread through doubling fragments".to_owned(),
            list_arguments_doubling(),
        ),
        ("a field with many arguments".to_owned(), many_arguments()),
        (
            "a directive with many arguments".to_owned(),
            directive_with_many_arguments(),
        ),
    ];
    for (what, document) in &mut documents {
        assert!(document.len() <= BUDGET, "{what}: {} bytes", document.len());
    }
    documents
}

/// `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment Fn on Query { viewer { id } }`
pub fn doubling(levels: usize) -> String {
    let mut document = String::from("{ ...F0 }");
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        );
    }
    let _ = write!(
        document,
        " fragment F{levels} on Query {{ viewer {{ id }} }}"
    );
    document
}

fn aliased_tripling(levels: usize) -> String {
    let mut document = String::from("{ ...F0 }");
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment F{i} on Query {{ a{i}: viewer {{ id }} ...F{n} ...F{n} ...F{n} }}",
            n = i + 1
        );
    }
    let _ = write!(
        document,
        " fragment F{levels} on Query {{ z: viewer {{ id email }} }}"
    );
    document
}

fn inline_doubling(levels: usize) -> String {
    let mut document = String::from("{ ...F0 }");
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment F{i} on Query {{ ... on Query {{ ...F{n} }} ... {{ ...F{n} }} }}",
            n = i + 1
        );
    }
    let _ = write!(
        document,
        " fragment F{levels} on Query {{ viewer {{ id }} }}"
    );
    document
}

fn nested_doubling(levels: usize) -> String {
    let mut document = String::from("{ viewer { ...U0 } }");
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment U{i} on User {{ id ...U{n} ...U{n} }}",
            n = i + 1
        );
    }
    let _ = write!(document, " fragment U{levels} on User {{ email }}");
    document
}

fn directive_doubling(levels: usize) -> String {
    let mut document = String::from("query($t: Boolean = true) { ...F0 @include(if: $t) }");
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment F{i} on Query {{ ...F{n} @include(if: $t) ...F{n} @skip(if: false) }}",
            n = i + 1
        );
    }
    let _ = write!(
        document,
        " fragment F{levels} on Query {{ viewer @include(if: $t) {{ id }} }}"
    );
    document
}

/// One fragment with as many aliased fields as half the budget holds, spread as often as
/// the other half holds.
fn wide_fragment_spread_often() -> String {
    let mut fragment = String::from(" fragment W on Query {");
    let mut i = 0;
    while fragment.len() < BUDGET / 2 {
        let _ = write!(fragment, " a{i}: viewer {{ id }}");
        i += 1;
    }
    fragment.push_str(" }");
    let mut operation = String::from("{");
    let mut j = 0;
    while operation.len() + fragment.len() < BUDGET - 96 {
        let _ = write!(operation, " b{j}: viewer {{ ...X }}");
        operation.push_str(" ...W");
        j += 1;
    }
    operation.push('}');
    // `X` keeps the nested spreads valid-looking; it is tiny.
    format!("{operation}{fragment} fragment X on User {{ id }}")
}

/// `F0 → F1 → … → Fn` (each spreads the next once), spread from many aliased fields.
fn chain_spread_often() -> String {
    let mut fragments = String::new();
    let mut i = 0;
    while fragments.len() < BUDGET / 2 {
        let _ = write!(fragments, " fragment C{i} on Query {{ ...C{} }}", i + 1);
        i += 1;
    }
    let _ = write!(fragments, " fragment C{i} on Query {{ viewer {{ id }} }}");
    let mut operation = String::from("{");
    while operation.len() + fragments.len() < BUDGET - 16 {
        operation.push_str(" ...C0");
    }
    operation.push('}');
    format!("{operation}{fragments}")
}

fn many_operations() -> String {
    let mut fragment = String::from(" fragment W on Query {");
    let mut i = 0;
    while fragment.len() < BUDGET / 4 {
        let _ = write!(fragment, " a{i}: viewer {{ id }}");
        i += 1;
    }
    fragment.push_str(" }");
    let mut operations = String::new();
    let mut j = 0;
    while operations.len() + fragment.len() < BUDGET - 32 {
        let _ = write!(operations, "query Q{j} {{ ...W }} ");
        j += 1;
    }
    format!("{operations}{fragment}")
}

/// Selections nested as deep as the parser allows, a wide fragment spread at every level.
fn deep_and_wide() -> String {
    let mut fragment = String::from(" fragment W on Organization {");
    let mut i = 0;
    while fragment.len() < BUDGET / 2 {
        let _ = write!(fragment, " n{i}: name");
        i += 1;
    }
    fragment.push_str(" }");
    let levels = 60;
    let mut operation = String::from("{ organization(id: \"x\") {");
    for _ in 0..levels {
        operation.push_str(" ...W parent {");
    }
    operation.push_str(" id");
    for _ in 0..levels {
        operation.push_str(" }");
    }
    operation.push_str(" } }");
    format!("{operation}{fragment}")
}

fn variables_doubling() -> String {
    let count = 400;
    let declarations: Vec<String> = (0..count).map(|i| format!("$v{i}: ID")).collect();
    let uses: String = (0..count)
        .map(|i| format!(" o{i}: organization(id: $v{i}) {{ id }}"))
        .collect();
    let levels = 20;
    let mut document = format!("query({}) {{ ...F0 }}", declarations.join(", "));
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        );
    }
    let _ = write!(document, " fragment F{levels} on Query {{{uses} }}");
    document
}

fn list_arguments_doubling() -> String {
    let items: Vec<String> = (0..2_000).map(|i| format!("\"k{i}\"")).collect();
    let levels = 12;
    let mut document = String::from("{ ...F0 }");
    for i in 0..levels {
        let _ = write!(
            document,
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        );
    }
    let _ = write!(
        document,
        " fragment F{levels} on Query {{ organization(id: \"x\") {{ effectiveSettings(keys: [{}]) {{ key }} }} }}",
        items.join(",")
    );
    document
}

fn many_arguments() -> String {
    let arguments: Vec<String> = (0..3_000).map(|i| format!("a{i}:1")).collect();
    format!(
        "{{ x: viewer({args}) {{ id }} x: viewer({args}) {{ id }} }}",
        args = arguments.join(",")
    )
}

fn directive_with_many_arguments() -> String {
    let arguments: Vec<String> = (0..5_000).map(|i| format!("a{i}:1")).collect();
    format!(
        "{{ viewer @include(if: true, {}) {{ id }} }}",
        arguments.join(",")
    )
}

/// Documents without fragments that fill the size limit: the most a document can cost when
/// the bound does not refuse it (validation refuses each, field by field).
pub fn flat() -> Vec<(String, String)> {
    let fill = |item: &dyn Fn(usize) -> String| {
        let mut document = String::from("{");
        let mut i = 0;
        while document.len() < BUDGET - 64 {
            document.push_str(&item(i));
            i += 1;
        }
        document.push('}');
        document
    };
    vec![
        (
            "unknown one-letter fields".to_owned(),
            fill(&|_| " a".to_owned()),
        ),
        (
            "aliased viewer { id }".to_owned(),
            fill(&|i| format!(" a{i}:viewer{{id}}")),
        ),
        (
            "aliased fields with arguments".to_owned(),
            fill(&|i| format!(" a{i}:can(organizationId:\"\",permission:\"\")")),
        ),
        (
            "conflicting aliases".to_owned(),
            fill(&|i| format!(" a:f{i}(x:{i})")),
        ),
        (
            "one big list argument".to_owned(),
            format!("{{ a(x: [{}]) }}", vec!["1"; BUDGET / 2 - 16].join(",")),
        ),
    ]
}

/// Flat documents as large as the document bound allows (`bound`: the server's
/// `MAX_DOCUMENT_COST`): the most a document the bound lets through costs to refuse.
pub fn flat_within(bound: usize) -> Vec<(String, String)> {
    let fields = |count: usize, item: &dyn Fn(usize) -> String| {
        let items: String = (0..count).map(item).collect();
        format!("{{{items} }}")
    };
    vec![
        (
            format!("unknown one-letter fields, {} (the bound)", bound - 1),
            fields(bound - 1, &|_| " a".to_owned()),
        ),
        (
            format!("conflicting aliases, {} (the bound)", (bound - 1) / 3),
            fields((bound - 1) / 3, &|i| format!(" a:f{i}(x:{i})")),
        ),
        (
            format!("unknown fields with a list argument, {} values", bound - 4),
            format!("{{ a(x: [{}]) }}", vec!["1"; bound - 4].join(",")),
        ),
        (
            format!("aliased unknown fields with arguments, {}", (bound - 1) / 5),
            fields((bound - 1) / 5, &|i| format!(" a{i}:b(x:{i},y:\"\")")),
        ),
    ]
}
