//! `intstr.IntOrString` as rollout fields use it: a non-negative integer or a percentage.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i64),
    /// A string of digits followed by `%`, as the API's percent validation requires.
    Percent(i64),
    /// A string the API rejects, like `"1"`, `"10 %"` or `"-5%"`.
    Invalid(String),
}

impl IntOrPercent {
    pub fn parse(text: &str) -> IntOrPercent {
        match text.strip_suffix('%') {
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits.parse().map_or_else(
                    |_| IntOrPercent::Invalid(text.to_owned()),
                    IntOrPercent::Percent,
                )
            }
            _ => IntOrPercent::Invalid(text.to_owned()),
        }
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
    }

    /// How many of `total` pods this allows, rounding percentages up as the DaemonSet
    /// controller does for maxUnavailable.
    pub fn scaled(&self, total: i64) -> Option<i64> {
        match *self {
            IntOrPercent::Int(i) => Some(i),
            IntOrPercent::Percent(p) => Some((p * total + 99) / 100),
            IntOrPercent::Invalid(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_strings() {
        assert_eq!(IntOrPercent::parse("25%"), IntOrPercent::Percent(25));
        assert_eq!(IntOrPercent::parse("0%"), IntOrPercent::Percent(0));
        for bad in ["1", "%", "-5%", "10 %", "1.5%", ""] {
            assert!(
                matches!(IntOrPercent::parse(bad), IntOrPercent::Invalid(_)),
                "{bad}"
            );
        }
    }

    #[test]
    fn scaling_rounds_up() {
        assert_eq!(IntOrPercent::Percent(10).scaled(5), Some(1));
        assert_eq!(IntOrPercent::Percent(25).scaled(8), Some(2));
        assert_eq!(IntOrPercent::Percent(100).scaled(7), Some(7));
        assert_eq!(IntOrPercent::Int(3).scaled(100), Some(3));
    }
}
