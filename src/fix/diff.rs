//! A unified diff of two texts by lines (Myers' algorithm), for `--diff`.

/// Lines of context around each change, as `diff -u` and `ruff --diff` print.
const CONTEXT: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// The unified diff turning `old` into `new`, or an empty string when they are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let script = shortest_edit(&a, &b);
    // As git prints an absolute path: `a/tmp/x.yaml`, not `a//tmp/x.yaml`.
    let path = path.trim_start_matches('/');
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in hunks(&script) {
        out.push_str(&render_hunk(&script[hunk.0..hunk.1], &a, &b));
    }
    out
}

/// Each step of the edit script with the indices it reads: (op, index in a, index in b).
type Step = (Op, usize, usize);

fn shortest_edit(a: &[&str], b: &[&str]) -> Vec<Step> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    let offset = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    'outer: for d in 0..=max as isize {
        trace.push(v.clone());
        for k in (-d..=d).step_by(2) {
            let i = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
                v[i + 1]
            } else {
                v[i - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[i] = x;
            if x >= n && y >= m {
                break 'outer;
            }
        }
    }
    backtrack(&trace, n, m, offset)
}

fn backtrack(trace: &[Vec<isize>], n: isize, m: isize, offset: isize) -> Vec<Step> {
    let (mut x, mut y) = (n, m);
    let mut steps = Vec::new();
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let k = x - y;
        let i = (k + offset) as usize;
        let prev_k = if k == -d || (k != d && v[i - 1] < v[i + 1]) {
            k + 1
        } else {
            k - 1
        };
        let prev_x = v[(prev_k + offset) as usize];
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            steps.push((Op::Same, x as usize, y as usize));
        }
        if d > 0 {
            if x == prev_x {
                steps.push((Op::Insert, x as usize, prev_y as usize));
            } else {
                steps.push((Op::Delete, prev_x as usize, y as usize));
            }
        }
        x = prev_x;
        y = prev_y;
    }
    steps.reverse();
    steps
}

/// Ranges of the script to print, each change with its context, close ones merged.
fn hunks(script: &[Step]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, step) in script.iter().enumerate() {
        if step.0 == Op::Same {
            continue;
        }
        let start = i.saturating_sub(CONTEXT);
        let end = (i + 1 + CONTEXT).min(script.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

fn render_hunk(steps: &[Step], a: &[&str], b: &[&str]) -> String {
    let (first_a, first_b) = (steps[0].1, steps[0].2);
    let old_len = steps.iter().filter(|s| s.0 != Op::Insert).count();
    let new_len = steps.iter().filter(|s| s.0 != Op::Delete).count();
    let start = |first: usize, len: usize| if len == 0 { first } else { first + 1 };
    let mut out = format!(
        "@@ -{},{old_len} +{},{new_len} @@\n",
        start(first_a, old_len),
        start(first_b, new_len)
    );
    for &(op, i, j) in steps {
        let (mark, line) = match op {
            Op::Same => (' ', a[i]),
            Op::Delete => ('-', a[i]),
            Op::Insert => ('+', b[j]),
        };
        out.push(mark);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn prints_hunks_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let new = "a\nb\nc\nd\nX\ne\nf\ng\nh\ni\n";
        assert_eq!(
            unified("f.yaml", old, new),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -2,6 +2,7 @@\n b\n c\n d\n+X\n e\n f\n g\n"
        );
    }

    #[test]
    fn replaced_and_removed_lines() {
        let old = "x: 1\ny: 2\n";
        let new = "x: 3\n";
        assert_eq!(
            unified("f", old, new),
            "--- a/f\n+++ b/f\n@@ -1,2 +1,1 @@\n-x: 1\n-y: 2\n+x: 3\n"
        );
        assert!(unified("/tmp/f", "x: 1\n", "x: 2\n").starts_with("--- a/tmp/f\n+++ b/tmp/f\n"));
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("f", "a\n", "a\n"), "");
    }

    #[test]
    fn marks_a_missing_final_newline() {
        let out = unified("f", "a", "b");
        assert!(
            out.ends_with("-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n")
        );
    }
}
