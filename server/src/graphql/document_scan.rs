//! The document's cost counted from its text, before it is parsed.
//!
//! async-graphql's parser takes about a quarter of a millisecond per kilobyte here, so a
//! document built to be refused by [`document_cost`](super::document_cost) still costs
//! 10–20 ms at the 64 KiB document limit if it is parsed first. This walks the tokens once,
//! without building anything, and counts exactly what `document_cost` counts on the parsed
//! document: a document too large is refused in a fraction of a millisecond.
//!
//! It follows the executable-document grammar of the GraphQL specification and nothing
//! more. Whatever it cannot follow (a syntax error, or nesting deeper than the parser would
//! accept) it leaves to the parser, and the count on the parsed document decides.

use std::collections::HashMap;

use super::document_cost::{expanded_size, Refusal, Shallow, MAX_ARGUMENTS};

/// Deeper nesting of selection sets, lists and objects than this is left to the parser, which
/// refuses it (async-graphql's recursion limit is lower).
const MAX_NESTING: usize = 128;

/// What the scan found.
#[derive(Debug, PartialEq, Eq)]
pub enum Scan {
    /// The document's expanded size (the same number `document_cost::check` gives).
    Counted(u64),
    Refused(Refusal),
    /// Not a document the scan can follow: the parser decides.
    Unsure,
}

pub fn scan(document: &str, limit: u64) -> Scan {
    let mut walker = Walker {
        tokens: Tokens::new(document),
        depth: 0,
    };
    match walker.document() {
        Ok((fragments, operations)) => match expanded_size(&fragments, &operations, limit) {
            Ok(size) => Scan::Counted(size),
            Err(refusal) => Scan::Refused(refusal),
        },
        Err(Stop::Refused(refusal)) => Scan::Refused(refusal),
        Err(Stop::Unsure) => Scan::Unsure,
    }
}

enum Stop {
    Refused(Refusal),
    Unsure,
}

type Step<T = ()> = Result<T, Stop>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// One of `! $ & ( ) : = @ [ ] { | }`.
    Punctuator(u8),
    Spread,
    Name(&'a str),
    /// A number or a string.
    Scalar,
}

struct Walker<'a> {
    tokens: Tokens<'a>,
    depth: usize,
}

type Definitions<'a> = (HashMap<&'a str, Shallow<'a>>, Vec<Shallow<'a>>);

impl<'a> Walker<'a> {
    fn document(&mut self) -> Step<Definitions<'a>> {
        let mut fragments = HashMap::new();
        let mut operations = Vec::new();
        while let Some(token) = self.tokens.peek()? {
            let mut definition = Shallow::default();
            definition.add(1);
            match token {
                Token::Punctuator(b'{') => {
                    self.selection_set(&mut definition)?;
                    operations.push(definition);
                }
                Token::Name("query" | "mutation" | "subscription") => {
                    self.tokens.next()?;
                    if let Some(Token::Name(_)) = self.tokens.peek()? {
                        self.tokens.next()?;
                    }
                    if self.tokens.peek()? == Some(Token::Punctuator(b'(')) {
                        self.variable_definitions(&mut definition)?;
                    }
                    self.directives(&mut definition)?;
                    self.selection_set(&mut definition)?;
                    operations.push(definition);
                }
                Token::Name("fragment") => {
                    self.tokens.next()?;
                    let name = self.name()?;
                    if name == "on" || self.name()? != "on" {
                        return Err(Stop::Unsure);
                    }
                    self.name()?;
                    self.directives(&mut definition)?;
                    self.selection_set(&mut definition)?;
                    if fragments.insert(name, definition).is_some() {
                        return Err(Stop::Unsure);
                    }
                }
                _ => return Err(Stop::Unsure),
            }
        }
        if fragments.is_empty() && operations.is_empty() {
            return Err(Stop::Unsure);
        }
        Ok((fragments, operations))
    }

    fn selection_set(&mut self, into: &mut Shallow<'a>) -> Step {
        self.expect(b'{')?;
        self.nest()?;
        loop {
            match self.tokens.next()? {
                Some(Token::Punctuator(b'}')) => break,
                Some(Token::Spread) => {
                    into.add(1);
                    match self.tokens.peek()? {
                        Some(Token::Name("on")) => {
                            self.tokens.next()?;
                            self.name()?;
                            self.directives(into)?;
                            self.selection_set(into)?;
                        }
                        Some(Token::Name(fragment)) => {
                            self.tokens.next()?;
                            self.directives(into)?;
                            into.spreads.push(fragment);
                        }
                        _ => {
                            self.directives(into)?;
                            self.selection_set(into)?;
                        }
                    }
                }
                Some(Token::Name(mut field)) => {
                    into.add(1);
                    if self.tokens.peek()? == Some(Token::Punctuator(b':')) {
                        self.tokens.next()?;
                        field = self.name()?;
                    }
                    if self.tokens.peek()? == Some(Token::Punctuator(b'(')) {
                        self.arguments(field, into)?;
                    }
                    self.directives(into)?;
                    if self.tokens.peek()? == Some(Token::Punctuator(b'{')) {
                        self.selection_set(into)?;
                    }
                }
                _ => return Err(Stop::Unsure),
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// `( name: value … )`: each argument and its value's nodes.
    fn arguments(&mut self, owner: &str, into: &mut Shallow<'a>) -> Step {
        self.expect(b'(')?;
        let mut count = 0;
        while self.tokens.peek()? != Some(Token::Punctuator(b')')) {
            self.name()?;
            self.expect(b':')?;
            count += 1;
            if count > MAX_ARGUMENTS {
                return Err(Stop::Refused(Refusal::TooManyArguments {
                    name: owner.to_owned(),
                    count: self.remaining_arguments(count)?,
                }));
            }
            into.add(1);
            self.value(into)?;
        }
        self.tokens.next()?;
        Ok(())
    }

    /// How many arguments the list has in all, for the refusal's message.
    fn remaining_arguments(&mut self, mut count: usize) -> Step<usize> {
        let mut ignored = Shallow::default();
        self.value(&mut ignored)?;
        while self.tokens.peek()? != Some(Token::Punctuator(b')')) {
            self.name()?;
            self.expect(b':')?;
            self.value(&mut ignored)?;
            count += 1;
        }
        Ok(count)
    }

    fn directives(&mut self, into: &mut Shallow<'a>) -> Step {
        while self.tokens.peek()? == Some(Token::Punctuator(b'@')) {
            self.tokens.next()?;
            let name = self.name()?;
            into.add(1);
            if self.tokens.peek()? == Some(Token::Punctuator(b'(')) {
                self.arguments(name, into)?;
            }
        }
        Ok(())
    }

    /// `( $name: Type = default @directive … )`.
    fn variable_definitions(&mut self, into: &mut Shallow<'a>) -> Step {
        self.expect(b'(')?;
        while self.tokens.peek()? != Some(Token::Punctuator(b')')) {
            self.expect(b'$')?;
            self.name()?;
            self.expect(b':')?;
            into.add(1);
            self.type_reference()?;
            if self.tokens.peek()? == Some(Token::Punctuator(b'=')) {
                self.tokens.next()?;
                self.value(into)?;
            }
            self.directives(into)?;
        }
        self.tokens.next()?;
        Ok(())
    }

    fn type_reference(&mut self) -> Step {
        match self.tokens.next()? {
            Some(Token::Name(_)) => {}
            Some(Token::Punctuator(b'[')) => {
                self.nest()?;
                self.type_reference()?;
                self.expect(b']')?;
                self.depth -= 1;
            }
            _ => return Err(Stop::Unsure),
        }
        if self.tokens.peek()? == Some(Token::Punctuator(b'!')) {
            self.tokens.next()?;
        }
        Ok(())
    }

    /// A value and everything in it: one node each, as `document_cost` counts them.
    fn value(&mut self, into: &mut Shallow<'a>) -> Step {
        into.add(1);
        match self.tokens.next()? {
            Some(Token::Scalar | Token::Name(_)) => Ok(()),
            Some(Token::Punctuator(b'$')) => self.name().map(|_| ()),
            Some(Token::Punctuator(b'[')) => {
                self.nest()?;
                while self.tokens.peek()? != Some(Token::Punctuator(b']')) {
                    self.value(into)?;
                }
                self.tokens.next()?;
                self.depth -= 1;
                Ok(())
            }
            Some(Token::Punctuator(b'{')) => {
                self.nest()?;
                while self.tokens.peek()? != Some(Token::Punctuator(b'}')) {
                    self.name()?;
                    self.expect(b':')?;
                    self.value(into)?;
                }
                self.tokens.next()?;
                self.depth -= 1;
                Ok(())
            }
            _ => Err(Stop::Unsure),
        }
    }

    fn nest(&mut self) -> Step {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Stop::Unsure);
        }
        Ok(())
    }

    fn name(&mut self) -> Step<&'a str> {
        match self.tokens.next()? {
            Some(Token::Name(name)) => Ok(name),
            _ => Err(Stop::Unsure),
        }
    }

    fn expect(&mut self, punctuator: u8) -> Step {
        match self.tokens.next()? {
            Some(Token::Punctuator(found)) if found == punctuator => Ok(()),
            _ => Err(Stop::Unsure),
        }
    }
}

/// The lexical tokens of GraphQL, with one token of lookahead. Ignored tokens (white space,
/// line terminators, commas, comments, the byte order mark) are skipped.
struct Tokens<'a> {
    source: &'a str,
    at: usize,
    peeked: Option<Option<Token<'a>>>,
}

impl<'a> Tokens<'a> {
    fn new(source: &'a str) -> Self {
        Self {
            source,
            at: 0,
            peeked: None,
        }
    }

    fn peek(&mut self) -> Step<Option<Token<'a>>> {
        if let Some(token) = self.peeked {
            return Ok(token);
        }
        let token = self.lex()?;
        self.peeked = Some(token);
        Ok(token)
    }

    fn next(&mut self) -> Step<Option<Token<'a>>> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lex(),
        }
    }

    fn lex(&mut self) -> Step<Option<Token<'a>>> {
        let bytes = self.source.as_bytes();
        loop {
            match bytes.get(self.at) {
                None => return Ok(None),
                Some(b' ' | b'\t' | b'\n' | b'\r' | b',') => self.at += 1,
                Some(b'#') => {
                    while !matches!(bytes.get(self.at), None | Some(b'\n' | b'\r')) {
                        self.at += 1;
                    }
                }
                Some(0xEF) if bytes[self.at..].starts_with("\u{FEFF}".as_bytes()) => {
                    self.at += 3;
                }
                Some(_) => break,
            }
        }
        let start = self.at;
        let byte = bytes[start];
        let token = match byte {
            b'!' | b'$' | b'&' | b'(' | b')' | b':' | b'=' | b'@' | b'[' | b']' | b'{' | b'|'
            | b'}' => {
                self.at += 1;
                Token::Punctuator(byte)
            }
            b'.' if bytes[start..].starts_with(b"...") => {
                self.at += 3;
                Token::Spread
            }
            b'_' | b'A'..=b'Z' | b'a'..=b'z' => {
                self.at += 1;
                while matches!(
                    bytes.get(self.at),
                    Some(b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z')
                ) {
                    self.at += 1;
                }
                Token::Name(&self.source[start..self.at])
            }
            b'-' | b'0'..=b'9' => {
                self.at += 1;
                while matches!(
                    bytes.get(self.at),
                    Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                ) {
                    self.at += 1;
                }
                Token::Scalar
            }
            b'"' if bytes[start..].starts_with(b"\"\"\"") => {
                self.at = start + 3;
                loop {
                    match bytes.get(self.at) {
                        None => return Err(Stop::Unsure),
                        Some(b'\\') if bytes[self.at..].starts_with(b"\\\"\"\"") => self.at += 4,
                        Some(b'"') if bytes[self.at..].starts_with(b"\"\"\"") => {
                            self.at += 3;
                            break;
                        }
                        Some(_) => self.at += 1,
                    }
                }
                Token::Scalar
            }
            b'"' => {
                self.at += 1;
                loop {
                    match bytes.get(self.at) {
                        None | Some(b'\n' | b'\r') => return Err(Stop::Unsure),
                        Some(b'\\') => self.at += 2,
                        Some(b'"') => {
                            self.at += 1;
                            break;
                        }
                        Some(_) => self.at += 1,
                    }
                }
                Token::Scalar
            }
            _ => return Err(Stop::Unsure),
        };
        Ok(Some(token))
    }
}

/// The documents the API tests and the benchmark send, for the tests below.
#[cfg(test)]
#[path = "../../benches/support/adversarial.rs"]
mod adversarial;

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use async_graphql::parser::parse_query;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::adversarial;
    use super::*;
    use crate::graphql::document_cost;

    /// The scan and the count on the parsed document agree.
    fn assert_agrees(document: &str) {
        let parsed = parse_query(document).unwrap_or_else(|e| panic!("{e}: {document}"));
        let expected = match document_cost::check(&parsed, 50_000) {
            Ok(size) => Scan::Counted(size),
            Err(refusal) => Scan::Refused(refusal),
        };
        let scanned = scan(document, 50_000);
        match (&scanned, &expected) {
            // Which over-long argument list is named first may differ (fragments are kept
            // in a map by the parser).
            (
                Scan::Refused(Refusal::TooManyArguments { .. }),
                Scan::Refused(Refusal::TooManyArguments { .. }),
            ) => {}
            (
                Scan::Refused(Refusal::FragmentCycle { .. }),
                Scan::Refused(Refusal::FragmentCycle { .. }),
            ) => {}
            _ => assert_eq!(scanned, expected, "{document}"),
        }
    }

    #[test]
    fn counts_what_the_parsed_document_counts() {
        for document in [
            "{ a }",
            "{ a b { c } }",
            "{ a(x: [1, 2, 3]) }",
            "{ a @skip(if: true) }",
            "query($n: Int = 3) { a(first: $n) }",
            "query Q($n: [Int!]! = [1 2], $m: In = {a: {b: [null]}}) @op { a(first: $n) }",
            "{ ... on Query { a } }",
            "{ ... @include(if: $x) { a } ... { b } }",
            "{ ...F } fragment F on Query { a }",
            "{ ...F ...F } fragment F on Query { a }",
            "{ ...Missing }",
            "mutation { x: add(input: { name: \"a \\\" } b\", tags: [\"{\", \"}\"] }) { id } }",
            "subscription S { a }",
            "# comment { a\n{ a, b,, c # } \n d }",
            "\u{FEFF}{ a(s: \"\"\"block \\\"\"\" { \n \"\" still\"\"\") }",
            "{ a(x: -1.5e+3, y: 0, z: ENUM, w: false, v: null) }",
            "{ query mutation fragment on subscription }",
            "{ ...A } fragment A on Query { ...A }",
            "{ ...A } fragment A on Query { a ...B } fragment B on Query { ... on Query { ...A } }",
        ] {
            assert_agrees(document);
        }
    }

    #[test]
    fn counts_the_adversarial_documents_without_parsing_them() {
        for (what, document) in adversarial::family() {
            assert!(
                matches!(scan(&document, 50_000), Scan::Refused(_)),
                "{what} is not refused by the scan"
            );
            assert_agrees(&document);
        }
        for (_, document) in adversarial::flat() {
            assert_agrees(&document);
        }
    }

    #[test]
    fn agrees_on_random_documents() {
        let mut rng = StdRng::seed_from_u64(12);
        for _ in 0..2_000 {
            let document = random_document(&mut rng);
            assert_agrees(&document);
        }
    }

    #[test]
    fn leaves_what_it_cannot_follow_to_the_parser() {
        for document in [
            "",
            "{",
            "{ a(x: ) }",
            "{ a(x: \"unterminated) }",
            "{ a(x: \"\"\"unterminated) }",
            "fragment on on Query { a }",
            "fragment F on Query { a } fragment F on Query { b } { ...F }",
            "{ a } }",
            "{ a ; }",
            "{ é }",
            &format!("{}{}", "{ a ".repeat(200), "}".repeat(200)),
            &format!("{{ a(x: {}1{}) }}", "[".repeat(200), "]".repeat(200)),
        ] {
            assert_eq!(scan(document, 50_000), Scan::Unsure, "{document:?}");
        }
    }

    /// A syntactically valid document drawn from the executable grammar: operations of every
    /// kind, fragments spreading each other (never in a cycle), aliases, arguments with nested
    /// values, variables, directives, and the ignored tokens in between.
    fn random_document(rng: &mut StdRng) -> String {
        let fragments = rng.random_range(0..4);
        let mut document = String::new();
        let operations = rng.random_range(1..3);
        for i in 0..operations {
            // several operations need names
            match rng.random_range(0..4) {
                0 if operations == 1 => document.push(' '),
                0 | 1 => {
                    let _ = write!(document, "query Q{i}");
                }
                2 => {
                    let _ = write!(document, "mutation M{i}($v: [Int!]! = [1], $w: String) ");
                }
                _ => {
                    let _ = write!(document, "subscription S{i} @op(x: 1)");
                }
            }
            selection_set(rng, &mut document, 0, fragments, 0);
            ignored(rng, &mut document);
        }
        for i in 0..fragments {
            let _ = write!(document, "fragment F{i} on Query ");
            if rng.random_bool(0.3) {
                document.push_str("@x ");
            }
            // a fragment spreads only those defined after it: no cycles
            selection_set(rng, &mut document, 0, fragments, i + 1);
        }
        document
    }

    fn selection_set(
        rng: &mut StdRng,
        out: &mut String,
        depth: usize,
        fragments: usize,
        first_spreadable: usize,
    ) {
        out.push('{');
        for _ in 0..rng.random_range(1..4) {
            ignored(rng, out);
            match rng.random_range(0..6) {
                0 if first_spreadable < fragments => {
                    let _ = write!(out, "...F{}", rng.random_range(first_spreadable..fragments));
                    if rng.random_bool(0.3) {
                        out.push_str(" @include(if: $v)");
                    }
                }
                1 if depth < 4 => {
                    out.push_str(
                        ["... on Query", "...", "... @skip(if: true)"][rng.random_range(0..3)],
                    );
                    selection_set(rng, out, depth + 1, fragments, first_spreadable);
                }
                _ => {
                    if rng.random_bool(0.3) {
                        out.push_str("alias: ");
                    }
                    out.push_str(["a", "on", "query", "fragment", "_b9"][rng.random_range(0..5)]);
                    if rng.random_bool(0.5) {
                        out.push('(');
                        for k in 0..rng.random_range(1..4) {
                            let _ = write!(out, "x{k}: ");
                            value(rng, out, 0);
                            ignored(rng, out);
                        }
                        out.push(')');
                    }
                    if rng.random_bool(0.2) {
                        out.push_str("@d(if: [true])");
                    }
                    if depth < 4 && rng.random_bool(0.4) {
                        selection_set(rng, out, depth + 1, fragments, first_spreadable);
                    }
                }
            }
        }
        ignored(rng, out);
        out.push('}');
    }

    fn value(rng: &mut StdRng, out: &mut String, depth: usize) {
        match rng.random_range(0..10) {
            0 => out.push_str("-12"),
            1 => out.push_str("3.5e-2"),
            2 => out.push_str("\"s { \\\" ) ]\""),
            3 => out.push_str("\"\"\"b\n\\\"\"\" }\"\"\""),
            4 => out.push_str("$v"),
            5 => out.push_str(["true", "null", "RED"][rng.random_range(0..3)]),
            6 | 7 if depth < 3 => {
                out.push('[');
                for _ in 0..rng.random_range(0..4) {
                    value(rng, out, depth + 1);
                    out.push(' ');
                }
                out.push(']');
            }
            8 | 9 if depth < 3 => {
                out.push('{');
                for k in 0..rng.random_range(0..3) {
                    let _ = write!(out, "k{k}: ");
                    value(rng, out, depth + 1);
                    out.push(',');
                }
                out.push('}');
            }
            _ => out.push('7'),
        }
    }

    fn ignored(rng: &mut StdRng, out: &mut String) {
        out.push_str([" ", ",", "\n", " # {(\"\n", "\t,\r\n"][rng.random_range(0..5)]);
    }
}
