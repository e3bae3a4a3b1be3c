//! "Did you mean" hints: the closest allowed spelling of a misspelt value, rule name or key.

/// The closest allowed value to a misspelt one, for "did you mean" hints.
pub fn suggest<'a>(found: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| {
            (
                edit_distance(&found.to_ascii_lowercase(), &a.to_ascii_lowercase()),
                *a,
            )
        })
        .filter(|&(d, a)| d <= 2.max(a.len() / 3))
        .min_by_key(|&(d, _)| d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            row.push((prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("NoScheduler", &["NoSchedule", "NoExecute"]),
            Some("NoSchedule")
        );
        assert_eq!(
            suggest("noexecute", &["NoSchedule", "NoExecute"]),
            Some("NoExecute")
        );
        assert_eq!(suggest("Banana", &["NoSchedule", "NoExecute"]), None);
    }
}
