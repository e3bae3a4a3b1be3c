//! Stage benchmarks, so a regression points at its stage: YAML to tree, tree to typed model
//! (the loader), and the rules over loaded DaemonSets. `cargo bench`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use daemonlint::loader;
use daemonlint::rules;
use daemonlint::settings::Settings;
use daemonlint::source::SourceFile;
use daemonlint::yaml::{ParseLimits, parse_stream};

const ONE: &str = include_str!("../fixtures/hardened/node-exporter.yaml");

/// A stream of 200 DaemonSets with ConfigMaps between them, about 600 KB.
fn stream() -> String {
    let mut text = String::new();
    for i in 0..200 {
        text.push_str("---\n");
        text.push_str(&ONE.replace("name: node-exporter", &format!("name: node-exporter-{i}")));
        text.push_str(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: |\n    x: 1\n",
        );
    }
    text
}

fn stages(c: &mut Criterion) {
    let text = stream();
    let mut group = c.benchmark_group("stream-200");
    group.throughput(Throughput::Bytes(text.len() as u64));
    // The parser alone, to separate its cost from building the tree.
    group.bench_function("saphyr-events", |b| {
        b.iter(|| saphyr_parser::Parser::new_from_str(&text).count())
    });
    group.bench_function("yaml-tree", |b| {
        b.iter(|| parse_stream(&text, ParseLimits::default()))
    });
    group.bench_function("load-typed", |b| {
        b.iter(|| loader::load(&SourceFile::new("bench.yaml".into(), text.clone())))
    });
    let loaded = loader::load(&SourceFile::new("bench.yaml".into(), text.clone()));
    let settings = Settings::default();
    group.bench_function("rules", |b| {
        b.iter(|| {
            loaded
                .daemonsets
                .iter()
                .map(|ds| {
                    daemonlint::engine::run(ds, rules::CHECKS, &settings, &Default::default()).len()
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
