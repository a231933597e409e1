//! Process runtime: tokio runtime (`nbthread`), signals, reload, daemon mode.
