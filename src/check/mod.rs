//! Health checks (configuration.txt 5.2 "check", 4.2 "option httpchk"). Not active yet.
