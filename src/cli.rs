//! HAProxy's command line.
