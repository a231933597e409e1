#!/usr/bin/env bash
# Rewrites tests/h1/{requests,responses}/*.expected from the real HAProxy 2.6 (/usr/sbin/haproxy),
# by running the ignored test `regenerate_expectations_from_the_real_haproxy` of tests/h1_corpus.rs.
# Check the result with: HAPROXY_UNDER_TEST=/usr/sbin/haproxy cargo test --test h1_corpus
set -euo pipefail
cd "$(dirname "$0")/../.."
H1_CORPUS_REGENERATE=1 cargo test --test h1_corpus -- --ignored --exact \
    regenerate_expectations_from_the_real_haproxy --nocapture
