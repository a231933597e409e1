//! Time and size units (configuration.txt 2.5 "Time format", 2.6 "Size format").
