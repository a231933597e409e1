//! The `haproxy` binary: argv -> `cli` -> `runtime::run`; errors -> exit codes.
fn main() {}
