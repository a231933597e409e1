#!/usr/bin/env bash
# Regenerates the *.expected files of the corpus from the real HAProxy 2.6:
# line 1 "exit N", line 2 "stdout " + the first line of stdout, then each [ALERT] line cut after "(pid) : ", the config path written {file}.
set -euo pipefail
cd "$(dirname "$0")"
for f in good/*.cfg bad/*.cfg; do
    abs="$PWD/$f"
    set +e
    err=$(/usr/sbin/haproxy -c -f "$abs" 2>&1 >"$f.stdout")
    code=$?
    set -e
    {
        echo "exit $code"
        echo "stdout $(head -n 1 "$f.stdout")"
        printf '%s\n' "$err" | grep '^\[ALERT\]' | sed -e 's/^[^)]*) : //' -e "s#$abs#{file}#g" || true
    } > "${f%.cfg}.expected"
    rm -f "$f.stdout"
done
