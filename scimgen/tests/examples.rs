//! The examples in `examples/` are what scimgen makes: `scimgen new --from-table mapping.md`
//! with each example's flags gives the same `scimgen.toml`, vendor schemas and generated module
//! as the committed example, and each README carries the table `scimgen table` prints. So the
//! seed systems are reproducible with scimgen, and the examples cannot drift from it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Each example: its directory, its package name, and the `scimgen new` flags its README gives.
const EXAMPLES: [(&str, &str, &[&str]); 4] = [
    ("real-links", "real-links-scim", &["--no-groups"]),
    ("rfpio", "rfpio-scim", &["--no-groups"]),
    ("alvao", "alvao-scim", &[]),
    ("golinks", "golinks-scim", &[]),
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The files of `dir` (recursively), as paths relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path).into_iter().map(|p| Path::new(&entry.file_name()).join(p)));
        } else {
            out.push(PathBuf::from(entry.file_name()));
        }
    }
    out.sort();
    out
}

#[test]
fn every_example_is_what_scimgen_new_makes_from_its_mapping() {
    let tmp = tempfile::tempdir().unwrap();
    for (dir, package, flags) in EXAMPLES {
        let example = examples_dir().join(dir);
        let made = tmp.path().join(package);
        Command::cargo_bin("scimgen")
            .unwrap()
            .arg("new")
            .arg(&made)
            .arg("--from-table")
            .arg(example.join("mapping.md"))
            .args(flags)
            .assert()
            .success();
        assert_eq!(read(&made.join("scimgen.toml")), read(&example.join("scimgen.toml")), "{dir}: scimgen.toml");
        for sub in ["schemas", "src/generated"] {
            let names = files(&made.join(sub));
            assert_eq!(names, files(&example.join(sub)), "{dir}: the files of {sub}");
            for name in names {
                assert_eq!(
                    read(&made.join(sub).join(&name)),
                    read(&example.join(sub).join(&name)),
                    "{dir}: {sub}/{}",
                    name.display()
                );
            }
        }
    }
}

#[test]
fn every_example_readme_carries_the_table_scimgen_prints() {
    for (dir, _, _) in EXAMPLES {
        let example = examples_dir().join(dir);
        let output =
            Command::cargo_bin("scimgen").unwrap().arg("table").arg("--project").arg(&example).output().unwrap();
        assert!(output.status.success(), "{dir}: {}", String::from_utf8_lossy(&output.stderr));
        let table = String::from_utf8(output.stdout).unwrap();
        // The README nests the table one heading level deeper.
        let nested = table.trim().replace("### ", "#### ");
        let readme = read(&example.join("README.md"));
        assert!(readme.contains(&nested), "{dir}/README.md carries `scimgen table`'s output:\n{nested}");
    }
}
