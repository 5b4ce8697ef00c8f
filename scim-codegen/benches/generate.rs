//! Generating the ALVAO system (users with the enterprise extension and value-filter paths,
//! groups with members), from definition to formatted source. Target: under 50 ms.

use std::path::{Path, PathBuf};

use scim_codegen::{GenerateOptions, SystemDefinition, generate};

fn main() {
    divan::main();
}

fn systems_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/systems")
}

#[divan::bench]
fn generate_alvao(bencher: divan::Bencher) {
    let definition = SystemDefinition::load(&systems_dir().join("alvao.json")).expect("alvao.json loads");
    let options = GenerateOptions::default();
    bencher.bench(|| generate(divan::black_box(&definition), &systems_dir(), &options).expect("alvao generates"));
}

#[divan::bench]
fn generate_core(bencher: divan::Bencher) {
    let definition = SystemDefinition::load(&systems_dir().join("core.json")).expect("core.json loads");
    let options = GenerateOptions::default();
    bencher.bench(|| generate(divan::black_box(&definition), &systems_dir(), &options).expect("core generates"));
}

/// Reference point: formatting the generated ALVAO source alone (`prettyplease::unparse` of the
/// already parsed file), the last step of `generate`.
#[divan::bench]
fn format_alvao_reference(bencher: divan::Bencher) {
    let definition = SystemDefinition::load(&systems_dir().join("alvao.json")).expect("alvao.json loads");
    let source = generate(&definition, &systems_dir(), &GenerateOptions::default()).expect("alvao generates");
    let file = syn::parse_file(&source).expect("generated source parses");
    // `syn::File` is not `Sync`, so this runs on the main thread only.
    bencher.bench_local(move || prettyplease::unparse(divan::black_box(&file)));
}
