//! Kubernetes resource quantities, parsed by the API's grammar:
//!
//! ```text
//! quantity  ::= sign? number suffix
//! number    ::= digits | digits '.' digits? | '.' digits
//! suffix    ::= binarySI | decimalSI | ('e' | 'E') sign? digits
//! binarySI  ::= Ki | Mi | Gi | Ti | Pi | Ei
//! decimalSI ::= n | u | m | "" | k | M | G | T | P | E
//! ```
//!
//! Values are held exactly as nano-units so `1Gi` equals `1024Mi` and `0.1` equals `100m`;
//! like the API, anything finer than a nano-unit rounds up.

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
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::Empty => write!(f, "is empty"),
            QuantityError::Malformed => write!(f, "is not a number with an optional unit"),
            QuantityError::UnknownSuffix(s) => write!(f, "has an unknown unit `{s}`"),
            QuantityError::TooLarge => write!(f, "is too large"),
        }
    }
}

const NANOS_PER_UNIT: i128 = 1_000_000_000;

impl Quantity {
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        if text.is_empty() {
            return Err(QuantityError::Empty);
        }
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes[0] {
            b'-' => {
                i += 1;
                true
            }
            b'+' => {
                i += 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &text[int_start..i];
        let mut frac_digits = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &text[start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(QuantityError::Malformed);
        }
        let (decimal_exp, binary_exp) = suffix(&text[i..])?;

        // mantissa * 10^-frac, dropping insignificant zeros so long inputs stay in range
        let digits = format!("{int_digits}{frac_digits}");
        let trimmed = digits.trim_start_matches('0');
        let mut scale = decimal_exp - frac_digits.len() as i64 + 9;
        let significant = trimmed.trim_end_matches('0');
        scale += (trimmed.len() - significant.len()) as i64;
        if significant.is_empty() {
            return Ok(Quantity { nanos: 0 });
        }
        if significant.len() > 36 {
            return Err(QuantityError::TooLarge);
        }
        let mut value: i128 = significant.parse().map_err(|_| QuantityError::Malformed)?;
        for _ in 0..binary_exp {
            value = value.checked_mul(1024).ok_or(QuantityError::TooLarge)?;
        }
        if scale >= 0 {
            for _ in 0..scale {
                value = value.checked_mul(10).ok_or(QuantityError::TooLarge)?;
            }
        } else if -scale > 38 {
            value = 1;
        } else {
            let divisor = 10i128.pow((-scale) as u32);
            value = (value + divisor - 1) / divisor;
        }
        // The API stores quantities as int64 scaled values; beyond 2^63 units is rejected.
        if value / NANOS_PER_UNIT > i64::MAX as i128 {
            return Err(QuantityError::TooLarge);
        }
        Ok(Quantity {
            nanos: if negative { -value } else { value },
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

/// Decimal and binary exponents of a suffix.
fn suffix(s: &str) -> Result<(i64, u32), QuantityError> {
    let exp = match s {
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
        _ => {
            let unknown = || {
                if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    QuantityError::UnknownSuffix(s.to_owned())
                } else {
                    QuantityError::Malformed
                }
            };
            let rest = s
                .strip_prefix('e')
                .or_else(|| s.strip_prefix('E'))
                .ok_or_else(unknown)?;
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    QuantityError::UnknownSuffix(s.to_owned())
                } else {
                    QuantityError::Malformed
                });
            }
            let exp: i64 = rest.parse().map_err(|_| QuantityError::TooLarge)?;
            if exp.abs() > 100 {
                return Err(QuantityError::TooLarge);
            }
            (exp, 0)
        }
    };
    Ok(exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
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
        assert_eq!(q("1000000n"), q("1m"));
        assert_eq!(q("1E"), q("1000P"), "bare E is exa, not an exponent");
        assert_eq!(q("2e-3"), q("2m"));
        assert_eq!(q("0"), q("0Mi"));
        assert!(q("1G") < q("1Gi"));
        assert!(q("-1").is_negative());
    }

    #[test]
    fn rounds_up_below_a_nano() {
        assert_eq!(q("0.0000000001"), q("1n"));
        assert_eq!(q("1e-20"), q("1n"));
    }

    #[test]
    fn rejects_what_the_api_rejects() {
        for bad in [
            "", "64MB", "1.2.3", "Mi", "1 Mi", "1mi", "1KB", "1e", "1e+", "abc", "1Gib", "1.5.",
            "--1", "1m2", "0x10", "1K",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            Quantity::parse("64MB"),
            Err(QuantityError::UnknownSuffix("MB".into()))
        );
        assert_eq!(Quantity::parse("1e400"), Err(QuantityError::TooLarge));
        assert_eq!(Quantity::parse("2.5.1"), Err(QuantityError::Malformed));
        assert_eq!(Quantity::parse("100Ei"), Err(QuantityError::TooLarge));
    }

    #[test]
    fn display() {
        assert_eq!(q("64Mi").to_string(), "64Mi");
        assert_eq!(q("1024Mi").to_string(), "1Gi");
        assert_eq!(q("1000").to_string(), "1000");
        assert_eq!(q("0.5").to_string(), "500m");
    }
}
