//! Fuzz targets of unimetric (run with `cargo +nightly fuzz run <target>` in `fuzz/`).
pub mod targets;
