//! Generating the ALVAO system (users with the enterprise extension and value-filter paths,
//! groups with members), from definition to formatted source. Target: under 50 ms.

use scim_codegen::{GenerateOptions, generate};

#[allow(dead_code)]
#[path = "../tests/support/systems.rs"]
mod systems;

fn main() {
    divan::main();
}

#[divan::bench]
fn generate_alvao(bencher: divan::Bencher) {
    let alvao = systems::example("alvao");
    let options = GenerateOptions::default();
    bencher.bench(|| generate(divan::black_box(&alvao.definition), &alvao.dir, &options).expect("alvao generates"));
}

#[divan::bench]
fn generate_core(bencher: divan::Bencher) {
    let core = systems::definition_file("core.json");
    let options = GenerateOptions::default();
    bencher.bench(|| generate(divan::black_box(&core.definition), &core.dir, &options).expect("core generates"));
}

/// Reference point: formatting the generated ALVAO source alone (`prettyplease::unparse` of the
/// already parsed file), the last step of `generate`.
#[divan::bench]
fn format_alvao_reference(bencher: divan::Bencher) {
    let alvao = systems::example("alvao");
    let source = generate(&alvao.definition, &alvao.dir, &GenerateOptions::default()).expect("alvao generates");
    let file = syn::parse_file(&source).expect("generated source parses");
    // `syn::File` is not `Sync`, so this runs on the main thread only.
    bencher.bench_local(move || prettyplease::unparse(divan::black_box(&file)));
}
