//! The scimgen CLI. Its subcommands (new, generate, import, table, check) are not built yet: see
//! the "scimgen CLI" issue. Until then it says so and exits non-zero rather than pretending.

fn main() -> std::process::ExitCode {
    eprintln!("scimgen: no subcommands are available yet; this build only contains the runtime crate `scim`.");
    std::process::ExitCode::from(2)
}
