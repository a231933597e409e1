//! Session persistence (configuration.txt 4.2 "cookie", 5.2 "cookie"). Not active yet.
