//! Keyword parsers, one file per keyword family, each exporting a `KEYWORDS` table.
