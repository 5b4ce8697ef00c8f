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
