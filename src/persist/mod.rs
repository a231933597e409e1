//! Session persistence (configuration.txt 4.2 "cookie", 5.2 "cookie", "stick-table",
//! "stick on"): `stick` holds the pure stick tables. Cookie persistence is not active yet.

pub mod stick;
