//! Second pass over the model: names resolve, cross-checks, warnings such as missing timeouts.
