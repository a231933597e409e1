#!/usr/bin/env bash
# Rewrites tests/rules/cases/*.expected from the real HAProxy 2.6 (/usr/sbin/haproxy), by running
# the ignored test `regenerate_expectations_from_the_real_haproxy` of tests/rules_corpus.rs.
# `RULES_CASE=PREFIX` limits it to the cases whose name starts with PREFIX.
#
# With --known, rewrites tests/rules/KNOWN_DIFFERENCES instead: the cases our binary does not pass
# yet. Use it only after adding cases (the list must otherwise only shrink), and review the diff.
#
# Check the result with:
#   HAPROXY_UNDER_TEST=/usr/sbin/haproxy cargo nextest run --test rules_corpus
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--known" ]]; then
    out="$PWD/tests/rules/KNOWN_DIFFERENCES"
    tmp="$(mktemp)"
    RULES_KNOWN_OUT="$tmp" cargo test --test rules_corpus -- --ignored --exact \
        list_the_cases_the_binary_under_test_does_not_pass --nocapture
    {
        echo "# Cases of tests/rules/cases that our binary does not pass yet (neither acts as HAProxy 2.6"
        echo "# nor refuses the config at load). tests/rules_corpus.rs fails when one of them passes:"
        echo "# remove it then. Written by tests/rules/regenerate.sh --known when cases are added."
        cat "$tmp"
    } >"$out"
    rm -f "$tmp"
    exit 0
fi
RULES_CORPUS_REGENERATE=1 cargo test --test rules_corpus -- --ignored --exact \
    regenerate_expectations_from_the_real_haproxy --nocapture
