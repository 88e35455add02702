//! PKCE with S256 (RFC 7636): the client makes a verifier and sends its challenge; the server
//! checks the one against the other at the code exchange.

use alloc::string::String;

use sha2::{Digest, Sha256};

/// Bytes of randomness in a verifier: 32 give the 43-character verifier RFC 7636 §4.1
/// recommends (256 bits of entropy).
pub const VERIFIER_RANDOM_BYTES: usize = 32;

/// A verifier from fresh random bytes (base64url without padding).
pub fn verifier_from_random(random: &[u8; VERIFIER_RANDOM_BYTES]) -> String {
    base64url(random)
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)).
pub fn challenge_s256(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// Base64url without padding (RFC 4648 §5), the one encoding PKCE uses; written out because
/// it is a few lines and a dependency is a few kilobytes of the SDK's WebAssembly.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..=chunk.len() {
            out.push(char::from(
                ALPHABET[((group >> (18 - 6 * i)) & 63) as usize],
            ));
        }
    }
    out
}

/// RFC 7636 §4.1: 43–128 unreserved characters.
pub fn is_verifier(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 challenge as RFC 7636 §4.2 writes it: 43 base64url characters.
pub fn is_challenge(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(is_verifier(verifier));
        assert_eq!(
            challenge_s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(is_challenge(&challenge_s256(verifier)));
        let random: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        assert_eq!(verifier_from_random(&random), verifier);
    }

    #[test]
    fn base64url_matches_rfc_4648() {
        // RFC 4648 §10 vectors, in the URL-safe alphabet and without padding.
        for (input, output) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), output);
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn malformed_verifiers_and_challenges() {
        assert!(!is_verifier("short"));
        assert!(!is_verifier(&"a".repeat(129)));
        assert!(!is_verifier(&format!("{}+", "a".repeat(43))));
        assert!(is_verifier(&"a~._-".repeat(9)));
        assert!(!is_challenge("abc"));
        assert!(!is_challenge(&format!("{}=", "a".repeat(42))));
    }
}
