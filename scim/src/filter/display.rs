//! (Placeholder; see filter/mod.rs.)
