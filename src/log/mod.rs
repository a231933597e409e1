//! Traffic logs and syslog (configuration.txt 8 "Logging"). Not active yet.
