//! Standard output and error that never panic. `println!` panics when the stream fails: a
//! reader that went away (`daemonlint | head`) is a normal end of the run and is met with a
//! quiet exit, while any other failure (a full disk, `2>/dev/full`) makes the run fail.

use std::cell::Cell;
use std::io::{ErrorKind, Write};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// The reader closed the pipe: stop quietly.
    Gone,
    /// The write failed for another reason: the run failed.
    Failed,
}

#[derive(Default)]
pub struct Console {
    trouble: Cell<Option<Trouble>>,
}

impl Console {
    /// Writes to standard output; false when it failed (the failure is remembered).
    pub fn out(&self, text: &str) -> bool {
        if self.trouble.get() == Some(Trouble::Gone) {
            return false;
        }
        let result = std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .and_then(|()| std::io::stdout().lock().flush());
        self.note(result)
    }

    /// Writes a line to standard error.
    pub fn err(&self, line: &str) {
        let mut text = line.to_owned();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let result = std::io::stderr().lock().write_all(text.as_bytes());
        self.note(result);
    }

    fn note(&self, result: std::io::Result<()>) -> bool {
        match result {
            Ok(()) => true,
            Err(e) => {
                let trouble = if e.kind() == ErrorKind::BrokenPipe {
                    Trouble::Gone
                } else {
                    Trouble::Failed
                };
                if self.trouble.get() != Some(Trouble::Failed) {
                    self.trouble.set(Some(trouble));
                }
                false
            }
        }
    }

    pub fn trouble(&self) -> Option<Trouble> {
        self.trouble.get()
    }
}
