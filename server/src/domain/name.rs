//! The one rule for the names people give things: organizations, contract accounts,
//! applications, integrations and custom roles.
//!
//! A name is shown to other people, so it must look like what it is. [`Name::parse`]:
//! 1. normalizes to Unicode NFC and trims surrounding whitespace;
//! 2. refuses an empty name and one longer than the field's bound (in characters of the NFC
//!    form);
//! 3. refuses control and format characters (general categories Cc, Cf, Zl, Zp): bidi
//!    overrides and isolates that reorder what is displayed, zero-width characters, U+FEFF,
//!    line and paragraph separators. The joiners U+200C and U+200D are the one exception, and
//!    only where they join: after a visible character or a mark and before a visible character
//!    (Persian and Indic spelling, emoji sequences such as 🏳️‍🌈);
//! 4. refuses a name that begins with a combining mark (it would attach to whatever is shown
//!    before the name);
//! 5. wants at least one visible character: not whitespace, not a mark or variation selector,
//!    not a default-ignorable code point, not a blank-looking filler ([`BLANK_LOOKING`]).
//!
//! Scripts may be mixed freely ("Zürich 東京 Branch"). Uniqueness compares [`Name::key`]: the
//! lowercase NFC form without joiners.

use std::borrow::Cow;

use icu_normalizer::{ComposingNormalizer, ComposingNormalizerBorrowed};
use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};

use super::error::{DomainError, DomainResult};

const NFC: ComposingNormalizerBorrowed<'static> = ComposingNormalizer::new_nfc();

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';

/// Characters that draw nothing (or a blank cell) although Unicode calls them neither
/// whitespace nor marks. Most are default-ignorable too; they are listed so the rule does not
/// depend on that.
pub const BLANK_LOOKING: [char; 9] = [
    '\u{115F}',  // HANGUL CHOSEONG FILLER
    '\u{1160}',  // HANGUL JUNGSEONG FILLER
    '\u{3164}',  // HANGUL FILLER
    '\u{FFA0}',  // HALFWIDTH HANGUL FILLER
    '\u{2800}',  // BRAILLE PATTERN BLANK
    '\u{180E}',  // MONGOLIAN VOWEL SEPARATOR
    '\u{200B}',  // ZERO WIDTH SPACE
    '\u{034F}',  // COMBINING GRAPHEME JOINER
    '\u{1D159}', // MUSICAL SYMBOL NULL NOTEHEAD
];

/// A validated name, in NFC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// Checks `raw` against the name rule; errors name `field` and say which part failed.
    pub fn parse(field: &str, raw: &str, max_chars: usize) -> DomainResult<Self> {
        let normalized = NFC.normalize(raw);
        let name = normalized.trim();
        let chars: Vec<char> = name.chars().collect();
        if chars.is_empty() {
            return Err(DomainError::invalid(field, "must not be empty"));
        }
        if chars.len() > max_chars {
            return Err(DomainError::invalid(
                field,
                format!(
                    "must be at most {max_chars} characters (got {})",
                    chars.len()
                ),
            ));
        }
        for (i, &c) in chars.iter().enumerate() {
            if is_control_or_format(c) && !joins(&chars, i) {
                return Err(DomainError::invalid(
                    field,
                    format!(
                        "must not contain control or format characters such as bidi \
                         overrides or zero-width characters (found {})",
                        code_point(c)
                    ),
                ));
            }
        }
        if is_mark(chars[0]) {
            return Err(DomainError::invalid(
                field,
                format!(
                    "must not begin with a combining mark (found {})",
                    code_point(chars[0])
                ),
            ));
        }
        if !chars.iter().any(|&c| is_visible(c)) {
            return Err(DomainError::invalid(
                field,
                "must contain at least one visible character",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// The comparison key: names with equal keys are the same name.
    pub fn key(&self) -> String {
        key(&self.0)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The case-insensitive comparison key of any text (a name, a stored name, a search string):
/// lowercase, NFC, joiners removed. The same on both backends, since it is computed here.
pub fn key(text: &str) -> String {
    let nfc = NFC.normalize(text);
    let lower: String = nfc
        .chars()
        .filter(|c| !matches!(*c, ZWNJ | ZWJ))
        .collect::<String>()
        .to_lowercase();
    match NFC.normalize(&lower) {
        Cow::Borrowed(_) => lower,
        Cow::Owned(renormalized) => renormalized,
    }
}

/// General categories Cc, Cf, Zl and Zp.
pub fn is_control_or_format(c: char) -> bool {
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// General categories Mn, Mc and Me (variation selectors are Mn).
pub fn is_mark(c: char) -> bool {
    matches!(
        CodePointMapData::<GeneralCategory>::new().get(c),
        GeneralCategory::NonspacingMark
            | GeneralCategory::SpacingMark
            | GeneralCategory::EnclosingMark
    )
}

/// Draws something: not whitespace, not a mark, not control or format, not
/// default-ignorable, not blank-looking.
pub fn is_visible(c: char) -> bool {
    !c.is_whitespace()
        && !is_mark(c)
        && !is_control_or_format(c)
        && !CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        && !BLANK_LOOKING.contains(&c)
}

/// A joiner at `i` that sits between a visible character (or a mark) and a visible character.
fn joins(chars: &[char], i: usize) -> bool {
    if !matches!(chars[i], ZWNJ | ZWJ) || i == 0 {
        return false;
    }
    let before = chars[i - 1];
    let after = chars.get(i + 1).copied();
    (is_visible(before) || is_mark(before)) && after.is_some_and(is_visible)
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const MAX: usize = 200;

    fn parse(raw: &str) -> DomainResult<String> {
        Name::parse("name", raw, MAX).map(Name::into_string)
    }

    fn message(raw: &str) -> String {
        match Name::parse("name", raw, MAX) {
            Err(DomainError::InvalidInput { field, message }) => {
                assert_eq!(field, "name");
                message
            }
            other => panic!("{raw:?} was not refused as invalid input: {other:?}"),
        }
    }

    #[test]
    fn names_are_trimmed_and_normalized_to_nfc() {
        assert_eq!(parse("  Région Nord \t"), Ok("Région Nord".to_owned()));
        let nfd = "Re\u{301}gion";
        assert_eq!(parse(nfd), Ok("R\u{E9}gion".to_owned()));
        assert_eq!(
            Name::parse("name", nfd, MAX).map(|n| n.key()),
            Name::parse("name", "RÉGION", MAX).map(|n| n.key())
        );
        assert_eq!(
            parse("Zürich 東京 Branch"),
            Ok("Zürich 東京 Branch".to_owned())
        );
    }

    #[test]
    fn the_length_bound_counts_characters_of_the_nfc_form() {
        assert!(parse(&"a".repeat(MAX)).is_ok());
        assert!(parse(&"😀".repeat(MAX)).is_ok());
        assert!(
            parse(&"e\u{301}".repeat(MAX)).is_ok(),
            "400 chars, 200 in NFC"
        );
        assert!(message(&"a".repeat(MAX + 1)).contains("at most 200"));
        assert!(message("").contains("empty"));
        assert!(message(" \t\n\u{3000} ").contains("empty"));
    }

    #[test]
    fn bidi_controls_and_isolates_are_refused() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let raw = format!("Acme {c}gnp.exe t0");
            assert!(message(&raw).contains("control or format"), "{raw:?}");
        }
    }

    #[test]
    fn control_format_and_separator_characters_are_refused() {
        for c in [
            '\u{0}',
            '\u{7}',
            '\t',
            '\n',
            '\u{7F}',
            '\u{85}',
            '\u{AD}',
            '\u{200B}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{2028}',
            '\u{2029}',
            '\u{E0041}',
            '\u{180E}',
        ] {
            let raw = format!("a{c}b");
            assert!(message(&raw).contains("control or format"), "{raw:?}");
        }
    }

    #[test]
    fn invisible_only_names_are_refused() {
        for raw in [
            "\u{200B}",
            "\u{FEFF}\u{FEFF}",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "\u{2800}\u{2800}",
            "\u{3164} \u{2800}",
            "\u{1D159}",
        ] {
            assert!(parse(raw).is_err(), "{raw:?}");
        }
        assert!(message("\u{3164}\u{3164}").contains("visible"));
    }

    #[test]
    fn marks_alone_or_first_are_refused() {
        for raw in [
            "\u{301}",
            "\u{301}\u{308}",
            "\u{FE0F}",
            "\u{E0100}",
            "\u{20DD}",
        ] {
            assert!(message(raw).contains("combining mark"), "{raw:?}");
        }
        assert!(message(" \u{301}Acme").contains("combining mark"));
        assert!(message("\u{3164}\u{301}").contains("visible"));
        assert!(parse("A\u{20DD}").is_ok(), "a mark after a base is fine");
        assert!(parse("❤\u{FE0F}").is_ok(), "emoji presentation selector");
    }

    #[test]
    fn joiners_are_allowed_only_where_they_join() {
        // Persian "mi-xâham" with ZWNJ, Devanagari half-form with ZWJ, emoji sequences.
        for raw in [
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "\u{915}\u{94D}\u{200D}\u{937}",
            "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} Family Office",
            "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}",
        ] {
            assert!(parse(raw).is_ok(), "{raw:?}");
        }
        for raw in [
            "\u{200D}",
            "\u{200C}Acme",
            "Acme\u{200D}",
            "Ac\u{200D}\u{200D}me",
            "Acme \u{200C}x",
            "x\u{200C} Acme",
        ] {
            assert!(message(raw).contains("control or format"), "{raw:?}");
        }
        // Names that differ only by joiners are the same name.
        assert_eq!(key("Sa\u{200C}les"), key("sales"));
    }

    #[test]
    fn keys_are_lowercase_nfc() {
        assert_eq!(key("ÉTÉ"), "été");
        assert_eq!(key("E\u{301}te\u{301}"), "été");
        assert_eq!(key("İstanbul"), NFC.normalize("i\u{307}stanbul"));
    }

    /// Pieces of generated names, each with what the rule says about it.
    #[derive(Debug, Clone)]
    enum Piece {
        Visible(&'static str),
        Space(char),
        /// Cc, Cf (not joiners), Zl, Zp.
        Forbidden(char),
        /// Draws nothing, is allowed.
        Invisible(char),
        Mark(char),
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "a", "Z", "Zürich", "Zu\u{308}rich", "東京", "Ελλάδα", "Москва", "مرحبا",
                "שלום", "😀", "ß", "İ", "e\u{301}", "Å", "7", "-", "&", "(",
            ])
            .prop_map(Piece::Visible),
            1 => prop::sample::select(vec![' ', '\u{A0}', '\u{3000}', '\u{2003}', '\u{202F}'])
                .prop_map(Piece::Space),
            1 => prop::sample::select(vec![
                '\u{0}', '\u{1B}', '\u{7F}', '\u{9F}', '\u{AD}', '\u{61C}', '\u{200B}',
                '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2060}', '\u{2066}',
                '\u{2069}', '\u{FEFF}', '\u{2028}', '\u{2029}', '\u{E0001}', '\u{180E}', '\u{85}',
            ])
            .prop_map(Piece::Forbidden),
            1 => prop::sample::select(vec!['\u{3164}', '\u{115F}', '\u{1160}', '\u{FFA0}', '\u{2800}'])
                .prop_map(Piece::Invisible),
            1 => prop::sample::select(vec!['\u{301}', '\u{308}', '\u{20DD}', '\u{FE0F}', '\u{E0100}', '\u{34F}'])
                .prop_map(Piece::Mark),
        ]
    }

    fn render(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Visible(s) => (*s).to_owned(),
                Piece::Space(c) | Piece::Forbidden(c) | Piece::Invisible(c) | Piece::Mark(c) => {
                    c.to_string()
                }
            })
            .collect()
    }

    /// What the rule's definition says about a name made of these pieces (few enough that
    /// the length bound never matters). Trimming removes whitespace at both ends, forbidden
    /// whitespace (line separators, NEL) included.
    fn acceptable(pieces: &[Piece]) -> bool {
        let is_space = |p: &&Piece| match p {
            Piece::Space(_) => true,
            Piece::Forbidden(c) => c.is_whitespace(),
            _ => false,
        };
        let start = pieces.iter().take_while(is_space).count();
        let end = pieces.len() - pieces.iter().rev().take_while(is_space).count();
        let trimmed = pieces.get(start..end).unwrap_or_default();
        let any_forbidden = trimmed.iter().any(|p| matches!(p, Piece::Forbidden(_)));
        let any_visible = trimmed.iter().any(|p| matches!(p, Piece::Visible(_)));
        let starts_with_mark = matches!(trimmed.first(), Some(Piece::Mark(_)));
        !any_forbidden && any_visible && !starts_with_mark
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn generated_names_follow_the_definition(pieces in prop::collection::vec(piece(), 0..12)) {
            let raw = render(&pieces);
            let parsed = Name::parse("name", &raw, MAX);
            prop_assert_eq!(parsed.is_ok(), acceptable(&pieces), "{:?} gave {:?}", raw, parsed);
            if let Ok(name) = parsed {
                let text = name.as_str();
                prop_assert_eq!(text, text.trim());
                prop_assert_eq!(NFC.normalize(text), Cow::Borrowed(text));
                prop_assert_eq!(name.key(), key(raw.trim()));
            }
        }

        #[test]
        fn any_accepted_text_meets_the_rule(raw in any::<String>()) {
            if let Ok(name) = Name::parse("name", &raw, MAX) {
                let chars: Vec<char> = name.as_str().chars().collect();
                prop_assert!(!chars.is_empty() && chars.len() <= MAX);
                prop_assert!(chars.iter().any(|&c| is_visible(c)));
                prop_assert!(!is_mark(chars[0]));
                for (i, &c) in chars.iter().enumerate() {
                    prop_assert!(!is_control_or_format(c) || joins(&chars, i), "{:?}", c);
                }
            }
        }
    }
}
