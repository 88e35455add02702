//! What a parsed document will cost async-graphql to check, counted before it checks it.
//!
//! async-graphql's own checks (the recursion depth while parsing, validation, the complexity
//! and depth walks) expand every fragment spread where it stands, and validation visits every
//! operation and fragment definition. A document of a few hundred bytes whose fragments each
//! spread the next twice therefore costs time exponential in its length before the
//! complexity limit refuses it. Here the same expansion is *counted*: each fragment's size
//! once, memoized over the fragment graph, so the count is linear in the document, and a
//! document whose expanded size is over the bound is refused before any of those walks.
//!
//! The unit is one node a walk visits: an operation, a field, a fragment spread, an inline
//! fragment, a directive, an argument, a variable definition, a value (each element of a
//! list or object value counts). A fragment spread counts once for itself plus the size of
//! its fragment wherever it stands.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    Directive, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::parser::Positioned;
use async_graphql::{Name, Value as ConstValue};
use async_graphql_value::Value;

/// Most arguments one field or directive may carry. async-graphql compares two fields of one
/// response key argument by argument, each looked up by a linear scan: quadratic in their
/// number. No field of the schema takes more than a handful.
pub const MAX_ARGUMENTS: usize = 32;

/// Why a document is refused before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Its expanded size is over the bound (`size` is the count, saturated just above it).
    TooLarge { size: u64, limit: u64 },
    /// A field or directive with more than [`MAX_ARGUMENTS`] arguments.
    TooManyArguments { name: String, count: usize },
    /// A fragment that spreads itself, directly or through others: its expansion never ends.
    FragmentCycle { name: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { limit, .. } => write!(
                f,
                "the document is too large to validate: with its fragment spreads expanded it \
                 has more than {limit} fields, arguments, values and directives"
            ),
            Self::TooManyArguments { name, count } => write!(
                f,
                "\"{name}\" has {count} arguments; at most {MAX_ARGUMENTS} are accepted"
            ),
            Self::FragmentCycle { name } => {
                write!(f, "Cannot spread fragment \"{name}\" within itself")
            }
        }
    }
}

/// The document's expanded size, or why it is refused: every operation and every fragment
/// definition (validation visits both), each with its spreads expanded.
pub fn check(document: &ExecutableDocument, limit: u64) -> Result<u64, Refusal> {
    let mut fragments = HashMap::with_capacity(document.fragments.len());
    for (name, fragment) in &document.fragments {
        fragments.insert(name.as_str(), Shallow::of_fragment(fragment)?);
    }
    let mut operations = Vec::new();
    for (_, operation) in document.operations.iter() {
        let mut op = Shallow::default();
        op.add(1);
        for variable in &operation.node.variable_definitions {
            op.add(1);
            op.directives(&variable.node.directives)?;
            if let Some(default) = &variable.node.default_value {
                op.add(const_value_nodes(&default.node));
            }
        }
        op.directives(&operation.node.directives)?;
        op.selection_set(&operation.node.selection_set.node)?;
        operations.push(op);
    }
    expanded_size(&fragments, &operations, limit)
}

/// The size of a document given each definition's own nodes and spreads, however they were
/// counted (here from the parsed document, in [`document_scan`](super::document_scan) from
/// its tokens): each fragment definition expanded, plus each operation expanded.
pub(super) fn expanded_size<'a>(
    fragments: &HashMap<&'a str, Shallow<'a>>,
    operations: &[Shallow<'a>],
    limit: u64,
) -> Result<u64, Refusal> {
    let sizes = expand(fragments)?;
    let mut total: u64 = sizes
        .values()
        .fold(0, |sum, size| sum.saturating_add(*size));
    for operation in operations {
        total = total.saturating_add(operation.expanded(&sizes));
    }
    if total > limit {
        return Err(Refusal::TooLarge { size: total, limit });
    }
    Ok(total)
}

/// One definition's own nodes, and the fragments it spreads (once per spread).
#[derive(Default)]
pub(super) struct Shallow<'a> {
    pub(super) own: u64,
    pub(super) spreads: Vec<&'a str>,
}

impl<'a> Shallow<'a> {
    fn of_fragment(fragment: &'a Positioned<FragmentDefinition>) -> Result<Self, Refusal> {
        let mut shallow = Self::default();
        shallow.add(1);
        shallow.directives(&fragment.node.directives)?;
        shallow.selection_set(&fragment.node.selection_set.node)?;
        Ok(shallow)
    }

    pub(super) fn add(&mut self, nodes: u64) {
        self.own = self.own.saturating_add(nodes);
    }

    /// Recursion follows the nesting of selection sets, which the parser bounds (64 levels).
    fn selection_set(&mut self, set: &'a SelectionSet) -> Result<(), Refusal> {
        for selection in &set.items {
            self.add(1);
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.arguments(field.name.node.as_str(), &field.arguments)?;
                    self.directives(&field.directives)?;
                    self.selection_set(&field.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.node.directives)?;
                    self.spreads.push(spread.node.fragment_name.node.as_str());
                }
                Selection::InlineFragment(inline) => {
                    self.directives(&inline.node.directives)?;
                    self.selection_set(&inline.node.selection_set.node)?;
                }
            }
        }
        Ok(())
    }

    fn directives(&mut self, directives: &'a [Positioned<Directive>]) -> Result<(), Refusal> {
        for directive in directives {
            self.add(1);
            self.arguments(directive.node.name.node.as_str(), &directive.node.arguments)?;
        }
        Ok(())
    }

    fn arguments(
        &mut self,
        owner: &str,
        arguments: &[(Positioned<Name>, Positioned<Value>)],
    ) -> Result<(), Refusal> {
        if arguments.len() > MAX_ARGUMENTS {
            return Err(Refusal::TooManyArguments {
                name: owner.to_owned(),
                count: arguments.len(),
            });
        }
        for (_, value) in arguments {
            self.add(1);
            self.add(value_nodes(&value.node));
        }
        Ok(())
    }

    /// Its own nodes plus the expanded size of every fragment it spreads (an unknown
    /// fragment counts nothing: validation refuses it without walking anything).
    fn expanded(&self, sizes: &HashMap<&str, u64>) -> u64 {
        self.spreads.iter().fold(self.own, |sum, name| {
            sum.saturating_add(sizes.get(name).copied().unwrap_or(0))
        })
    }
}

/// Every fragment's expanded size, each computed once (children first, with an explicit
/// stack: a chain of fragments is as long as the document allows).
fn expand<'a>(shallow: &HashMap<&'a str, Shallow<'a>>) -> Result<HashMap<&'a str, u64>, Refusal> {
    let mut sizes: HashMap<&'a str, u64> = HashMap::with_capacity(shallow.len());
    let mut on_path: HashSet<&'a str> = HashSet::new();
    for &start in shallow.keys() {
        if sizes.contains_key(start) {
            continue;
        }
        // (fragment, index of the next spread to look at)
        let mut stack: Vec<(&'a str, usize)> = vec![(start, 0)];
        on_path.insert(start);
        while let Some((name, next)) = stack.last_mut() {
            let fragment = &shallow[*name];
            if let Some(&child) = fragment.spreads.get(*next) {
                *next += 1;
                if sizes.contains_key(child) || !shallow.contains_key(child) {
                    continue;
                }
                if on_path.contains(child) {
                    return Err(Refusal::FragmentCycle {
                        name: child.to_owned(),
                    });
                }
                on_path.insert(child);
                stack.push((child, 0));
            } else {
                let size = fragment.expanded(&sizes);
                let name = *name;
                sizes.insert(name, size);
                on_path.remove(name);
                stack.pop();
            }
        }
    }
    Ok(sizes)
}

/// A value and everything in it, without recursion (the parser allows any nesting).
fn value_nodes(value: &Value) -> u64 {
    let mut count: u64 = 0;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        count = count.saturating_add(1);
        match value {
            Value::List(items) => pending.extend(items),
            Value::Object(fields) => pending.extend(fields.values()),
            _ => {}
        }
    }
    count
}

fn const_value_nodes(value: &ConstValue) -> u64 {
    let mut count: u64 = 0;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        count = count.saturating_add(1);
        match value {
            ConstValue::List(items) => pending.extend(items),
            ConstValue::Object(fields) => pending.extend(fields.values()),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn size(document: &str) -> Result<u64, Refusal> {
        let document = parse_query(document).expect("parses");
        check(&document, u64::MAX)
    }

    /// `{ ...F0 }` with `levels` fragments, each spreading the next twice.
    fn doubling(levels: usize) -> String {
        let mut document = String::from("{ ...F0 }");
        for i in 0..levels {
            document.push_str(&format!(
                " fragment F{i} on Query {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        document.push_str(&format!(
            " fragment F{levels} on Query {{ viewer {{ id }} }}"
        ));
        document
    }

    #[test]
    fn counts_fields_arguments_values_and_directives() {
        assert_eq!(size("{ a }"), Ok(2));
        assert_eq!(size("{ a b { c } }"), Ok(4));
        // operation, field, its argument, the list and its 3 items
        assert_eq!(size("{ a(x: [1, 2, 3]) }"), Ok(1 + 1 + 1 + 1 + 3));
        // operation, field, directive, its argument, its value
        assert_eq!(size("{ a @skip(if: true) }"), Ok(5));
        // operation, variable and its default, field, argument, variable value
        assert_eq!(size("query($n: Int = 3) { a(first: $n) }"), Ok(6));
        assert_eq!(size("{ ... on Query { a } }"), Ok(3));
    }

    #[test]
    fn a_spread_costs_its_fragment_where_it_stands_and_the_definition_once() {
        // operation 1 + spread 1 + F's 2 (definition, field) where spread; F alone: 2
        assert_eq!(
            size("{ ...F } fragment F on Query { a }"),
            Ok(1 + 1 + 2 + 2)
        );
        let twice = size("{ ...F ...F } fragment F on Query { a }");
        assert_eq!(twice, Ok(1 + 2 * (1 + 2) + 2));
    }

    #[test]
    fn doubling_fragments_count_exponentially_in_linear_time() {
        let small = size(&doubling(3)).expect("counted");
        let next = size(&doubling(4)).expect("counted");
        assert!(next > 2 * small - 10, "{small} then {next}");
        // 2^60 expanded fields, counted without expanding them
        let huge = size(&doubling(60)).expect("counted");
        assert!(huge > 1 << 60);
        let refused = check(&parse_query(doubling(22)).expect("parses"), 50_000);
        assert!(
            matches!(refused, Err(Refusal::TooLarge { .. })),
            "{refused:?}"
        );
        // and saturates instead of overflowing
        assert_eq!(size(&doubling(200)), Ok(u64::MAX));
    }

    #[test]
    fn fragment_cycles_are_refused() {
        for document in [
            "{ ...A } fragment A on Query { ...A }",
            "{ ...A } fragment A on Query { a ...B } fragment B on Query { ... on Query { ...A } }",
            "{ a } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { b { ...A } }",
        ] {
            assert!(
                matches!(size(document), Err(Refusal::FragmentCycle { .. })),
                "{document}"
            );
        }
    }

    #[test]
    fn unknown_fragments_count_their_spread_only() {
        assert_eq!(size("{ ...Missing }"), Ok(2));
    }

    #[test]
    fn long_fragment_chains_need_no_deep_recursion() {
        let mut document = String::from("{ ...F0 }");
        for i in 0..5_000 {
            document.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        document.push_str(" fragment F5000 on Query { a }");
        let counted = size(&document).expect("counted");
        // each definition counts its whole chain: quadratic, and refused
        assert!(counted > 5_000 * 5_000 / 2);
    }

    #[test]
    fn every_operation_and_argument_list_is_counted() {
        let many: String = (0..100).map(|i| format!("query Q{i} {{ a }} ")).collect();
        assert_eq!(size(&many), Ok(200));
        let arguments: Vec<String> = (0..=MAX_ARGUMENTS).map(|i| format!("x{i}: 1")).collect();
        let document = format!("{{ a({}) }}", arguments.join(", "));
        assert!(matches!(
            size(&document),
            Err(Refusal::TooManyArguments { count, .. }) if count == MAX_ARGUMENTS + 1
        ));
        let document = format!("{{ a @include({}) }}", arguments.join(", "));
        assert!(matches!(
            size(&document),
            Err(Refusal::TooManyArguments { .. })
        ));
    }

    #[test]
    fn deeply_nested_values_are_counted_without_recursion() {
        let value = format!("{}1{}", "[".repeat(50), "]".repeat(50));
        assert_eq!(size(&format!("{{ a(x: {value}) }}")), Ok(1 + 1 + 1 + 51));
    }
}
