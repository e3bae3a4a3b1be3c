//! A node taint: the model matches tolerations against it, settings name the taints every
//! agent must tolerate, and `daemonlint coverage` reads them from Node objects.

use std::fmt;

/// A node taint, written `key[=value]:Effect` as `kubectl taint` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Taint {
    pub fn parse(text: &str) -> Result<Taint, String> {
        let (kv, effect) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("taint `{text}` needs an effect: `key[=value]:NoSchedule`"))?;
        if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            return Err(format!("taint `{text}` has an unknown effect `{effect}`"));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if key.is_empty() {
            return Err(format!("taint `{text}` has an empty key"));
        }
        Ok(Taint {
            key: key.to_owned(),
            value: value.to_owned(),
            effect: effect.to_owned(),
        })
    }
}

impl fmt::Display for Taint {
    /// As `kubectl taint` writes it: `key=value:Effect`, or `key:Effect` without a value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect)
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taint_syntax() {
        assert_eq!(
            Taint::parse("dedicated=gpu:NoSchedule"),
            Ok(Taint {
                key: "dedicated".into(),
                value: "gpu".into(),
                effect: "NoSchedule".into()
            })
        );
        assert_eq!(
            Taint::parse("node.example.com/pool:NoExecute").map(|t| t.value),
            Ok(String::new())
        );
        assert!(Taint::parse("nokey").is_err());
        assert!(Taint::parse("a=b:NoScheduler").is_err());
        assert!(Taint::parse(":NoSchedule").is_err());
        for text in [
            "dedicated=gpu:NoSchedule",
            "node.example.com/pool:NoExecute",
        ] {
            assert_eq!(
                Taint::parse(text).map(|t| t.to_string()),
                Ok(text.to_owned())
            );
        }
    }
}
