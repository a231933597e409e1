//! Statistics: counters, CSV and HTML stats page (configuration.txt 4.2 "stats"). Not active yet.
