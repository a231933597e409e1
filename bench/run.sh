#!/usr/bin/env bash
# Compares our binary (target/release/haproxy) with the real HAProxy (/usr/sbin/haproxy) on the
# same config, alternating for several rounds, with wrk for three scenarios:
#   http-keepalive  HTTP mode, persistent client connections
#   http-close      HTTP mode, `Connection: close` on every request
#   tcp             TCP mode (wrk speaks HTTP through a TCP proxy)
# The origin is an nginx started here on 127.0.0.1 high ports with its own temporary config,
# stopped by pid at the end. Prints req/s, p99 latency and the ratio ours/HAProxy per scenario.
# Env: ROUNDS (3), DURATION (5s), THREADS (2), CONNS (50), OURS, REAL.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
OURS=${OURS:-target/release/haproxy}
REAL=${REAL:-/usr/sbin/haproxy}

for tool in wrk nginx "$REAL"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is missing (run .ci/run once)" >&2; exit 1; }
done
[ -x "$OURS" ] || cargo build --release --quiet

tmp=$(mktemp -d /tmp/haproxy-rs-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# A free high port on 127.0.0.1 (nothing listening, not handed out before).
used=" "
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        case "$used" in *" $p "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            used="$used$p "
            echo "$p"
            return
        fi
    done
}

# Waits (bounded, 10s) until something answers TCP on 127.0.0.1:$1; gives up early when the
# process $2 (if given) has exited.
wait_port() {
    local i
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
        sleep 0.1
    done
    return 1
}

P_NGINX=$(free_port)
P_HTTP=$(free_port)
P_TCP=$(free_port)

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$P_NGINX;
        location / { return 200 "hello from nginx\n"; }
    }
}
EOF
nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
pids+=($!)
wait_port "$P_NGINX" "${pids[-1]}" || { echo "bench: nginx did not start" >&2; cat "$tmp/nginx/error.log" >&2; exit 1; }

cat >"$tmp/haproxy.cfg" <<EOF
global
    maxconn 4000
defaults
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe_http
    mode http
    bind 127.0.0.1:$P_HTTP
    default_backend be_http
backend be_http
    mode http
    server n1 127.0.0.1:$P_NGINX
listen tcp
    mode tcp
    bind 127.0.0.1:$P_TCP
    server n1 127.0.0.1:$P_NGINX
EOF

# p99 from `wrk --latency` in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.3f", n }'
}

# run_wrk SCENARIO -> "rps p99ms"
run_wrk() {
    local url hdr=()
    case "$1" in
        http-keepalive) url="http://127.0.0.1:$P_HTTP/" ;;
        http-close) url="http://127.0.0.1:$P_HTTP/"; hdr=(-H "Connection: close") ;;
        tcp) url="http://127.0.0.1:$P_TCP/" ;;
    esac
    local out rps p99
    out=$(timeout 60 wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" 2>&1) || true
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    if [ -z "$rps" ] || [ -z "$p99" ]; then echo "0 0"; return; fi
    echo "$rps $(to_ms "$p99")"
}

scenarios=(http-keepalive http-close tcp)
declare -A sum_rps sum_p99 runs

for round in $(seq 1 "$ROUNDS"); do
    for who in ours real; do
        bin=$OURS
        [ "$who" = real ] && bin=$REAL
        "$bin" -db -f "$tmp/haproxy.cfg" >"$tmp/$who.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        if ! wait_port "$P_HTTP" "$pid" || ! wait_port "$P_TCP" "$pid"; then
            echo "round $round: $who ($bin) did not start; see below" >&2
            tail -5 "$tmp/$who.log" >&2 || true
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            continue
        fi
        for s in "${scenarios[@]}"; do
            read -r rps p99 < <(run_wrk "$s")
            printf 'round %d %-5s %-15s %10s req/s  p99 %8s ms\n' "$round" "$who" "$s" "$rps" "$p99"
            if [ "$rps" != 0 ]; then
                sum_rps[$who.$s]=$(awk -v a="${sum_rps[$who.$s]:-0}" -v b="$rps" 'BEGIN {print a + b}')
                sum_p99[$who.$s]=$(awk -v a="${sum_p99[$who.$s]:-0}" -v b="$p99" 'BEGIN {print a + b}')
                runs[$who.$s]=$(( ${runs[$who.$s]:-0} + 1 ))
            fi
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
done

echo
printf '%-15s %14s %14s %12s %12s %10s %10s\n' scenario "ours req/s" "haproxy req/s" "ours p99ms" "hap p99ms" "rps ratio" "p99 ratio"
for s in "${scenarios[@]}"; do
    awk -v s="$s" \
        -v orps="${sum_rps[ours.$s]:-0}" -v op99="${sum_p99[ours.$s]:-0}" -v on="${runs[ours.$s]:-0}" \
        -v rrps="${sum_rps[real.$s]:-0}" -v rp99="${sum_p99[real.$s]:-0}" -v rn="${runs[real.$s]:-0}" 'BEGIN {
        or = on ? orps / on : 0; op = on ? op99 / on : 0;
        rr = rn ? rrps / rn : 0; rp = rn ? rp99 / rn : 0;
        rat = (rr > 0 && or > 0) ? sprintf("%.2f", or / rr) : "n/a";
        pat = (rp > 0 && op > 0) ? sprintf("%.2f", op / rp) : "n/a";
        printf "%-15s %14.0f %14.0f %12.3f %12.3f %10s %10s\n", s, or, rr, op, rp, rat, pat }'
done
