//! The loader on arbitrary text: YAML events to a spanned tree to typed DaemonSets. It must
//! never panic, and every span it hands out must lie inside the text on char boundaries.
#![no_main]

use daemonlint::loader;
use daemonlint::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.yaml".into(), text.to_owned());
    let loaded = loader::load(&source);
    for d in &loaded.diagnostics {
        let (start, end) = (d.span.start as usize, d.span.end as usize);
        assert!(
            start <= end && end <= text.len(),
            "span {start}..{end} outside the text"
        );
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
});
