//! Plain scalars resolved as Kubernetes' YAML reader (go-yaml v2, YAML 1.1) resolves them:
//! `yes`/`on`/`y` are booleans, `0755` is octal, `0x1F` hex, `0b101` binary, `~` is null.

use super::tree::Value;

pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::Str(text.to_owned());
    }
    if let Some(i) = parse_int(text) {
        return Value::Int(i);
    }
    if is_float(text)
        && let Ok(f) = text.replace('_', "").parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_owned())
}

/// go-yaml strips underscores, then reads the number with Go's base prefixes.
fn parse_int(text: &str) -> Option<i64> {
    let cleaned = text.replace('_', "");
    let (negative, digits) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, &cleaned[..]),
    };
    if digits.is_empty() {
        return None;
    }
    let (radix, body) = if let Some(rest) = digits.strip_prefix("0b").or(digits.strip_prefix("0B"))
    {
        (2, rest)
    } else if let Some(rest) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        (16, rest)
    } else if let Some(rest) = digits.strip_prefix("0o").or(digits.strip_prefix("0O")) {
        (8, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// YAML 1.1 float syntax as go-yaml accepts it: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float(text: &str) -> bool {
    let s = text.replace('_', "");
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The string a mapping key becomes when Kubernetes converts YAML to JSON.
pub fn key_string(value: &Value, raw: &str) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Null => "null".to_owned(),
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(text: &str) -> Option<i64> {
        match resolve_plain(text) {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    #[test]
    fn yaml11_integers() {
        assert_eq!(int("0755"), Some(0o755));
        assert_eq!(int("0400"), Some(256));
        assert_eq!(int("0x1F"), Some(31));
        assert_eq!(int("0b101"), Some(5));
        assert_eq!(int("-12"), Some(-12));
        assert_eq!(int("1_000"), Some(1000));
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("08"), None, "invalid octal falls through to float");
        assert!(matches!(resolve_plain("08"), Value::Float(f) if f == 8.0));
        assert!(matches!(
            resolve_plain("99999999999999999999"),
            Value::Float(_)
        ));
    }

    #[test]
    fn yaml11_booleans_and_null() {
        for t in ["yes", "Yes", "on", "ON", "y", "true"] {
            assert!(matches!(resolve_plain(t), Value::Bool(true)), "{t}");
        }
        for t in ["no", "off", "N", "FALSE"] {
            assert!(matches!(resolve_plain(t), Value::Bool(false)), "{t}");
        }
        for t in ["", "~", "null", "NULL"] {
            assert!(matches!(resolve_plain(t), Value::Null), "{t}");
        }
        assert!(matches!(resolve_plain("yess"), Value::Str(_)));
    }

    #[test]
    fn floats_and_strings() {
        assert!(matches!(resolve_plain("1e3"), Value::Float(f) if f == 1000.0));
        assert!(matches!(resolve_plain("0.5"), Value::Float(f) if f == 0.5));
        assert!(matches!(resolve_plain(".5"), Value::Float(f) if f == 0.5));
        for t in ["100m", "1.2.3", "64Mi", "1e", "-", "+", ".", "v1.2"] {
            assert!(matches!(resolve_plain(t), Value::Str(_)), "{t}");
        }
    }
}
