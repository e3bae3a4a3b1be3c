//! Kubernetes resource quantities, read exactly as apimachinery's `resource.ParseQuantity`
//! (pkg/api/resource/quantity.go, suffix.go) and `Quantity.UnmarshalJSON` read them:
//!
//! ```text
//! quantity ::= sign? digits? ('.' digits?)? suffix
//! suffix   ::= "" | n | u | m | k | M | G | T | P | E      decimal SI
//!            | Ki | Mi | Gi | Ti | Pi | Ei                 binary SI
//!            | (e | E) sign? digits                        decimal exponent
//! ```
//!
//! Every part of the number may be empty, so `.`, `+`, `-` and even `Mi` are zero. The
//! exponent is read as an int64 and then truncated to int32, as suffix.go does. Values are
//! exact nano-units so `1Gi` equals `1024Mi` and `0.1` equals `100m`; anything finer than a
//! nano-unit rounds up (away from zero), and magnitudes beyond 2^63-1 units saturate there.

use std::fmt;

/// A parsed quantity in nano-units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    nanos: i128,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuantityError {
    Empty,
    Malformed,
    UnknownSuffix(String),
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Empty => write!(f, "is empty"),
            QuantityError::Malformed => write!(f, "is not a number with an optional unit"),
            QuantityError::UnknownSuffix(s) => write!(f, "has an unknown unit `{s}`"),
        }
    }
}

const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// apimachinery caps quantities at the largest int64 number of units.
const MAX_NANOS: i128 = i64::MAX as i128 * NANOS_PER_UNIT;
/// More decimal digits than `MAX_NANOS` has: such a value saturates.
const MAX_DIGITS: i64 = 29;

/// The characters apimachinery gathers into a suffix before an exponent's digits.
const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

impl Quantity {
    /// The value of a JSON string or number, as `Quantity.UnmarshalJSON` reads it: surrounding
    /// whitespace is trimmed first.
    pub fn decode(text: &str) -> Result<Quantity, QuantityError> {
        Quantity::parse(text.trim())
    }

    /// `resource.ParseQuantity`.
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        if text.is_empty() {
            return Err(QuantityError::Empty);
        }
        let bytes = text.as_bytes();
        let (negative, mut i) = match bytes[0] {
            b'-' => (true, 1),
            b'+' => (false, 1),
            _ => (false, 0),
        };
        let digits_from = |i: &mut usize| {
            let start = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            &text[start..*i]
        };
        let whole = digits_from(&mut i);
        let mut fraction = "";
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            fraction = digits_from(&mut i);
        }
        let (exponent, binary) = suffix(&text[i..])?;
        let magnitude = nanos(whole, fraction, exponent, binary);
        Ok(Quantity {
            nanos: if negative { -magnitude } else { magnitude },
        })
    }

    pub fn is_zero(self) -> bool {
        self.nanos == 0
    }

    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// Sums requests, as the scheduler adds up the pods on a node.
    pub fn saturating_add(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_add(other.nanos),
        }
    }

    /// What is left of an allocatable amount once requests are taken from it.
    pub fn saturating_sub(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_sub(other.nanos),
        }
    }

    /// The value `SetDefaults_ResourceList` leaves in a pod: rounded up (away from zero) to a
    /// whole milli-unit, before validation sees it, so `0.1m` is admitted as `1m`.
    pub fn defaulted(self) -> Quantity {
        const MILLI: i128 = NANOS_PER_UNIT / 1000;
        let rest = self.nanos % MILLI;
        let nanos = if rest == 0 {
            self.nanos
        } else {
            self.nanos - rest + rest.signum() * MILLI
        };
        // MAX_NANOS is a whole number of milli-units, so rounding never passes it.
        Quantity { nanos }
    }

    /// Whether the value is a whole number of units, as extended resources must be.
    pub fn is_whole(self) -> bool {
        self.nanos % NANOS_PER_UNIT == 0
    }
}

/// The decimal exponent and the power of 1024 of a suffix.
fn suffix(s: &str) -> Result<(i64, u32), QuantityError> {
    let exponents = match s {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 1),
        "Mi" => (0, 2),
        "Gi" => (0, 3),
        "Ti" => (0, 4),
        "Pi" => (0, 5),
        "Ei" => (0, 6),
        _ => (exponent(s)?, 0),
    };
    Ok(exponents)
}

/// A decimal exponent suffix (`e3`, `E-2`), or why the suffix is not one.
fn exponent(s: &str) -> Result<i64, QuantityError> {
    let bytes = s.as_bytes();
    let letters = bytes
        .iter()
        .take_while(|b| SUFFIX_CHARS.contains(b))
        .count();
    let signed = letters + usize::from(matches!(bytes.get(letters), Some(b'+' | b'-')));
    let shaped = bytes[signed..].iter().all(u8::is_ascii_digit);
    let unknown = || {
        if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
            QuantityError::UnknownSuffix(s.to_owned())
        } else {
            QuantityError::Malformed
        }
    };
    if !shaped {
        return Err(unknown());
    }
    let rest = s
        .strip_prefix(['e', 'E'])
        .filter(|r| !r.is_empty())
        .ok_or_else(unknown)?;
    let parsed: i64 = rest.parse().map_err(|_| unknown())?;
    // suffix.go converts the int64 exponent with int32(parsed).
    Ok(i64::from(parsed as i32))
}

/// `(whole.fraction) * 10^exponent * 1024^binary` in nano-units, rounded up and saturated.
fn nanos(whole: &str, fraction: &str, exponent: i64, binary: u32) -> i128 {
    let digits: Vec<u8> = whole
        .bytes()
        .chain(fraction.bytes())
        .skip_while(|&b| b == b'0')
        .map(|b| b - b'0')
        .collect();
    if digits.is_empty() {
        return 0;
    }
    let mut digits = digits;
    for _ in 0..binary {
        times_1024(&mut digits);
    }
    let fraction_len = i64::try_from(fraction.len()).unwrap_or(i64::MAX);
    let scale = exponent.saturating_add(9).saturating_sub(fraction_len);
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let integer_digits = len.saturating_add(scale);
    if integer_digits > MAX_DIGITS {
        return MAX_NANOS;
    }
    if integer_digits <= 0 {
        return 1;
    }
    // `integer_digits` is in 1..=MAX_DIGITS here, so the conversions below cannot fail.
    let keep = usize::try_from(integer_digits)
        .unwrap_or(0)
        .min(digits.len());
    let mut value = digits[..keep]
        .iter()
        .fold(0i128, |v, &d| v * 10 + i128::from(d));
    let zeros = u32::try_from(scale.max(0)).unwrap_or(0);
    value *= 10i128.pow(zeros);
    if digits[keep..].iter().any(|&d| d != 0) {
        value += 1;
    }
    value.min(MAX_NANOS)
}

/// Multiplies a big-endian decimal digit string by 1024 in place.
fn times_1024(digits: &mut Vec<u8>) {
    let mut carry = 0u32;
    for d in digits.iter_mut().rev() {
        let v = u32::from(*d) * 1024 + carry;
        *d = (v % 10) as u8;
        carry = v / 10;
    }
    while carry > 0 {
        digits.insert(0, (carry % 10) as u8);
        carry /= 10;
    }
}

impl fmt::Display for Quantity {
    /// The largest binary unit that divides the value exactly (`64Mi`), else whole units or
    /// milli-units: how people write memory and cpu.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos % NANOS_PER_UNIT == 0 {
            let units = self.nanos / NANOS_PER_UNIT;
            for (suffix, power) in [
                ("Ei", 6),
                ("Pi", 5),
                ("Ti", 4),
                ("Gi", 3),
                ("Mi", 2),
                ("Ki", 1),
            ] {
                let unit = 1024i128.pow(power);
                if units != 0 && units % unit == 0 {
                    return write!(f, "{}{suffix}", units / unit);
                }
            }
            return write!(f, "{units}");
        }
        write!(f, "{}m", (self.nanos + 999_999) / 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn nanos_of(s: &str) -> i128 {
        q(s).nanos
    }

    #[test]
    fn equal_after_normalisation() {
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert_eq!(q("0.1"), q("100m"));
        assert_eq!(q("1e3"), q("1k"));
        assert_eq!(q("1E3"), q("1000"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q("+5"), q("5"));
        assert_eq!(q(".5"), q("500m"));
        assert_eq!(q("5."), q("5"));
        assert_eq!(q("1.G"), q("1G"));
        assert_eq!(q("1000000n"), q("1m"));
        assert_eq!(q("1E"), q("1000P"), "bare E is exa, not an exponent");
        assert_eq!(q("2e-3"), q("2m"));
        assert_eq!(q("1e+3"), q("1k"));
        assert_eq!(q("0"), q("0Mi"));
        assert_eq!(q("007"), q("7"));
        assert!(q("1G") < q("1Gi"));
        assert!(q("-1").is_negative());
    }

    #[test]
    fn every_suffix() {
        let decimal = [
            ("n", 1),
            ("u", 1_000),
            ("m", 1_000_000),
            ("", 1_000_000_000),
            ("k", 1_000_000_000_000),
            ("M", 10i128.pow(15)),
            ("G", 10i128.pow(18)),
            ("T", 10i128.pow(21)),
            ("P", 10i128.pow(24)),
            ("E", 10i128.pow(27)),
        ];
        for (suffix, nanos) in decimal {
            assert_eq!(nanos_of(&format!("1{suffix}")), nanos, "{suffix}");
        }
        for (power, suffix) in ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].iter().enumerate() {
            let units = 1024i128.pow(power as u32 + 1);
            assert_eq!(nanos_of(&format!("1{suffix}")), units * NANOS_PER_UNIT);
        }
        for exp in -9..=9 {
            let expected = 10f64.powi(exp + 9) as i128;
            assert_eq!(nanos_of(&format!("1e{exp}")), expected, "1e{exp}");
            assert_eq!(nanos_of(&format!("1E{exp}")), expected, "1E{exp}");
        }
    }

    #[test]
    fn empty_parts_are_zero() {
        for zero in [
            ".", "+", "-", "-.", "+.", "000", "-0", "0.0", "Mi", "k", "e3", "-Ki",
        ] {
            assert!(q(zero).is_zero(), "{zero:?}");
        }
    }

    #[test]
    fn defaulting_rounds_up_to_milli() {
        assert_eq!(q("0.1m").defaulted(), q("1m"));
        assert_eq!(q("1.5m").defaulted(), q("2m"));
        assert_eq!(q("250m").defaulted(), q("250m"));
        assert_eq!(q("1n").defaulted(), q("1m"));
        assert_eq!(q("-0.1m").defaulted(), q("-1m"), "away from zero");
        assert_eq!(q("1Ki").defaulted(), q("1024"));
    }

    #[test]
    fn rounds_up_below_a_nano() {
        assert_eq!(q("0.0000000001"), q("1n"));
        assert_eq!(q("1e-20"), q("1n"));
        assert_eq!(q("-1e-20"), q("-1n"), "away from zero");
        assert_eq!(
            nanos_of("0.0000000001Ki"),
            103,
            "1024 * 1e-10 units is 102.4n"
        );
        assert_eq!(nanos_of("1.0000000001"), 1_000_000_001);
        assert_eq!(nanos_of("0.5n"), 1);
    }

    #[test]
    fn huge_values_saturate() {
        let max = Quantity { nanos: MAX_NANOS };
        for huge in ["1e400", "100Ei", "9223372036854775808", "99999Ei"] {
            assert_eq!(Quantity::parse(huge), Ok(max), "{huge}");
        }
        assert_eq!(nanos_of(&"9".repeat(5000)), MAX_NANOS);
        assert_eq!(nanos_of("-100Ei"), -MAX_NANOS);
        assert_eq!(nanos_of("9223372036854775807"), MAX_NANOS);
        assert!(nanos_of("9223372036854775806") < MAX_NANOS);
        assert_eq!(nanos_of(&format!("0.{}1", "0".repeat(5000))), 1);
    }

    #[test]
    fn exponents_are_truncated_to_int32_like_suffix_go() {
        // -2^63 as int32 is 0, 2^32 + 3 is 3.
        assert_eq!(q("1e-9223372036854775808"), q("1"));
        assert_eq!(q("-1e-9223372036854775808"), q("-1"));
        assert_eq!(q("1e4294967299"), q("1k"));
        assert_eq!(q("1e-2147483647"), q("1n"));
        assert_eq!(
            Quantity::parse("1e9223372036854775808"),
            Err(QuantityError::UnknownSuffix("e9223372036854775808".into())),
            "beyond int64 the exponent does not parse"
        );
    }

    #[test]
    fn decoding_trims_whitespace() {
        assert_eq!(Quantity::decode(" 100m\t"), Ok(q("100m")));
        assert_eq!(Quantity::decode("  "), Err(QuantityError::Empty));
        assert!(
            Quantity::parse(" 100m").is_err(),
            "ParseQuantity itself does not trim"
        );
    }

    #[test]
    fn rejects_what_the_api_rejects() {
        for bad in [
            "", "64MB", "1.2.3", "1 Mi", "1mi", "1KB", "1e", "1e+", "abc", "1Gib", "1.5.", "--1",
            "+-1", "1m2", "0x10", "1K", "1iM", "1Ki5", "1e3.5", "1e_3", "1k ",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            Quantity::parse("64MB"),
            Err(QuantityError::UnknownSuffix("MB".into()))
        );
        assert_eq!(Quantity::parse("2.5.1"), Err(QuantityError::Malformed));
        assert_eq!(Quantity::parse("1 Mi"), Err(QuantityError::Malformed));
    }

    #[test]
    fn display() {
        assert_eq!(q("64Mi").to_string(), "64Mi");
        assert_eq!(q("1024Mi").to_string(), "1Gi");
        assert_eq!(q("1000").to_string(), "1000");
        assert_eq!(q("0.5").to_string(), "500m");
    }

    #[test]
    fn zero_is_not_negative_and_whole_means_whole_units() {
        for zero in ["0", "-0", "-0.0", "0Mi"] {
            assert!(!q(zero).is_negative(), "{zero}");
        }
        assert!(q("-1n").is_negative());
        for whole in ["2", "1k", "0", "1Gi", "-3", "1000m"] {
            assert!(q(whole).is_whole(), "{whole}");
        }
        for part in ["1.5", "100m", "1n", "-0.5"] {
            assert!(!q(part).is_whole(), "{part}");
        }
    }

    #[test]
    fn errors_read_as_the_end_of_a_sentence_about_the_value() {
        let said = |text: &str| Quantity::decode(text).map_err(|e| e.to_string());
        assert_eq!(said(""), Err("is empty".into()));
        assert_eq!(
            said("1.2.3"),
            Err("is not a number with an optional unit".into())
        );
        assert_eq!(said("64MB"), Err("has an unknown unit `MB`".into()));
    }
}
