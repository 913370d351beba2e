//! The one byte form of every signed or logged JSON artefact, and the digests taken of it.
//!
//! A signature covers bytes, not meaning: two serializations of the same JSON would hash
//! differently, and a verifier years later could not tell which one was meant. So every JSON
//! artefact is written in exactly one way: RFC 8785 (JSON Canonicalization Scheme: members
//! sorted by their UTF-16 code units, no whitespace, ECMAScript number formatting, minimal
//! string escaping) after every string, member names included, has been put in Unicode
//! Normalization Form C (NFC: "e" followed by a combining acute accent becomes "é"), so that
//! text typed on two keyboards that looks the same is the same.
//!
//! This module never reads or writes anything but the bytes it is given, never accepts bytes
//! that are merely equivalent to the canonical form ([`is_canonical`] compares exactly), and
//! never hashes anything but the canonical bytes handed to it.

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};
use sm3::Sm3;
use unicode_normalization::UnicodeNormalization;

/// The largest integer that every JSON reader (IEEE 754 doubles) holds exactly: 2^53.
const EXACT_INTEGER_LIMIT: u64 = 1 << 53;

/// RFC 8785 bytes of `value` after NFC-normalizing every string (keys and values).
///
/// Integers beyond ±2^53 are written as the IEEE 754 double nearest to them, as RFC 8785
/// requires (an ECMAScript reader sees nothing else). Two member names that differ only in
/// their normalization become one member; the one whose original name sorts last wins. The
/// artefacts of this crate use fixed ASCII member names, so that never happens to them.
pub fn to_canonical(value: &Value) -> Vec<u8> {
    let normalized = normalize(value);
    // A `serde_json::Value` holds only finite numbers and string member names, the two things
    // the canonicalizer can refuse, and writing to a `Vec` cannot fail.
    serde_json_canonicalizer::to_vec(&normalized)
        .expect("a serde_json::Value always has an RFC 8785 form")
}

/// True when `bytes` is exactly the RFC 8785 form of the JSON it holds, strings NFC.
///
/// False for anything else: invalid UTF-8, invalid JSON, whitespace, members out of order,
/// duplicate member names, escapes RFC 8785 does not use, numbers not in ECMAScript form,
/// strings not in NFC.
pub fn is_canonical(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => to_canonical(&value) == bytes,
        Err(_) => false,
    }
}

/// Lowercase hex of the SHA-256 digest of `bytes` (FIPS 180-4).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Lowercase hex of the SM3 digest of `bytes` (GB/T 32905), the digest Chinese archival and
/// seal rules ask for beside SHA-256.
pub fn sm3_hex(bytes: &[u8]) -> String {
    hex::encode(Sm3::digest(bytes))
}

/// A copy of `value` with every string in NFC and every integer one a double can hold.
fn normalize(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(text.nfc().collect()),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| (name.nfc().collect(), normalize(member)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Number(number) => Value::Number(as_exact_number(number)),
        Value::Null | Value::Bool(_) => value.clone(),
    }
}

/// `number` itself when a double holds it exactly as an integer or it already is a double;
/// otherwise the double nearest to it, which is what an RFC 8785 writer must print.
fn as_exact_number(number: &Number) -> Number {
    let beyond_limit = match (number.as_u64(), number.as_i64()) {
        (Some(unsigned), _) => unsigned > EXACT_INTEGER_LIMIT,
        (None, Some(signed)) => signed.unsigned_abs() > EXACT_INTEGER_LIMIT,
        (None, None) => false,
    };
    if beyond_limit {
        number
            .as_f64()
            .and_then(Number::from_f64)
            .unwrap_or_else(|| number.clone())
    } else {
        number.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical_text(value: &Value) -> String {
        String::from_utf8(to_canonical(value)).expect("canonical bytes are UTF-8")
    }

    #[test]
    fn the_rfc_8785_example_object_is_written_as_the_rfc_prints_it() {
        // RFC 8785, section 3.2.2.
        let input = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
        let value: Value = serde_json::from_str(input).unwrap();

        let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(canonical_text(&value), expected);
        assert!(is_canonical(expected.as_bytes()));
        assert!(!is_canonical(input.as_bytes()));
    }

    #[test]
    fn members_are_sorted_by_utf16_code_units_as_in_the_rfc_sorting_example() {
        // RFC 8785, section 3.2.3, without its U+FB33 member: that character is excluded
        // from composition, so NFC replaces it (see the next test).
        let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
        let value: Value = serde_json::from_str(input).unwrap();

        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\"}";
        assert_eq!(canonical_text(&value), expected);
    }

    #[test]
    fn member_names_are_normalized_too() {
        // U+FB33 (Hebrew dalet with dagesh) has the canonical decomposition U+05D3 U+05BC and
        // is never recomposed, so its NFC form is the pair, which sorts before the euro sign.
        let value = json!({"\u{20ac}": 1, "\u{fb33}": 2});

        assert_eq!(
            canonical_text(&value),
            "{\"\u{5d3}\u{5bc}\":2,\"\u{20ac}\":1}"
        );
    }

    #[test]
    fn numbers_follow_the_rfc_8785_appendix_b_samples() {
        let samples: [(u64, &str); 25] = [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
            (0x3ff0000000000000, "1"),
        ];
        for (bits, expected) in samples {
            let value = Value::Number(Number::from_f64(f64::from_bits(bits)).unwrap());
            assert_eq!(canonical_text(&value), expected, "bits {bits:#018x}");
        }
    }

    #[test]
    fn integers_beyond_two_to_the_53_are_written_as_the_nearest_double() {
        assert_eq!(
            canonical_text(&json!(9007199254740993_u64)),
            "9007199254740992"
        );
        assert_eq!(
            canonical_text(&json!(-9007199254740993_i64)),
            "-9007199254740992"
        );
        assert_eq!(
            canonical_text(&json!(9007199254740992_u64)),
            "9007199254740992"
        );
        assert!(!is_canonical(b"9007199254740993"));
    }

    #[test]
    fn strings_are_put_in_nfc() {
        let value = json!({"text": "e\u{301}", "list": ["A\u{30a}"]});

        assert_eq!(
            canonical_text(&value),
            "{\"list\":[\"\u{c5}\"],\"text\":\"\u{e9}\"}"
        );
    }

    #[test]
    fn canonical_bytes_are_recognized_as_canonical() {
        let value = json!({"b": [1, "two", null, true], "a": {"z": "\u{e9}", "y": -3}});

        assert!(is_canonical(&to_canonical(&value)));
        assert!(is_canonical(b"{}"));
        assert!(is_canonical(b"\"\xe2\x82\xac\""));
    }

    #[test]
    fn reordered_members_are_not_canonical() {
        assert!(is_canonical(br#"{"a":1,"b":2}"#));
        assert!(!is_canonical(br#"{"b":2,"a":1}"#));
    }

    #[test]
    fn whitespace_is_not_canonical() {
        assert!(!is_canonical(br#"{"a": 1}"#));
        assert!(!is_canonical(b"{\"a\":1}\n"));
        assert!(!is_canonical(b" {\"a\":1}"));
    }

    #[test]
    fn strings_not_in_nfc_are_not_canonical() {
        assert!(is_canonical("{\"a\":\"\u{e9}\"}".as_bytes()));
        assert!(!is_canonical("{\"a\":\"e\u{301}\"}".as_bytes()));
        assert!(!is_canonical("{\"e\u{301}\":1}".as_bytes()));
    }

    #[test]
    fn other_spellings_of_the_same_json_are_not_canonical() {
        // Needless escapes, duplicate members, numbers not in ECMAScript form.
        assert!(!is_canonical(br#"{"a":"\u0041"}"#));
        assert!(!is_canonical(br#"{"a":"\/"}"#));
        assert!(!is_canonical(br#"{"a":1,"a":1}"#));
        assert!(!is_canonical(br#"{"a":1.0}"#));
        assert!(!is_canonical(br#"{"a":1E2}"#));
        assert!(!is_canonical(br#"{"a":-0}"#));
    }

    #[test]
    fn bytes_that_are_not_json_are_not_canonical() {
        assert!(!is_canonical(b""));
        assert!(!is_canonical(b"{"));
        assert!(!is_canonical(b"\"\xff\""));
        assert!(!is_canonical(br#""\ud800""#));
    }

    #[test]
    fn digests_match_the_published_test_vectors() {
        // FIPS 180-2 appendix B.1 and GB/T 32905 appendix A.1: both digest "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
