//! `cookie` keywords (work in progress).

use super::Keyword;

/// The keywords of this family.
pub static KEYWORDS: &[Keyword] = &[];
