//! TLS termination with rustls (configuration.txt 5.1 "ssl", "crt"). Not active yet.
