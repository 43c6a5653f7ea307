#!/usr/bin/env bash
# The scale-out topology of the Guide API, on loopback, in a temporary directory:
#
#   client ──▶ nginx (deploy/nginx.conf: timeouts, limit_req, X-Forwarded-For)
#                 ├──▶ guide serve #1 ─┐
#                 └──▶ guide serve #2 ─┼──▶ Chroma server (chroma run): the vectors
#                                      └──▶ redis-server: the shared rate-limit budget
#
# It starts Redis, a Chroma server, loads the index into it (guide index), starts two API
# processes (GUIDE_CHROMA_HOST/PORT, GUIDE_API_RATE_LIMIT_STORAGE=redis://..., trusting the proxy
# at 127.0.0.1) and nginx; checks the chat and near routes through the proxy and that the rate-limit
# budget is one for both processes; runs benchmarks/bench_api.py through the proxy and against one
# API process directly; prints both; and stops everything on exit (trap), whatever happens.
#
#   deploy/cluster.sh [--requests N] [--concurrency C] [--keep]
#
# Needs nginx and redis-server (Debian: apt-get install -y nginx redis-server) and the project's
# venv (.venv, with `chroma` and `guide`). Nothing is downloaded; nothing listens beyond 127.0.0.1.
# The rate limits are lifted for the benchmark (GUIDE_API_RATE_LIMIT, LIMIT_REQ_RATE to override).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REQUESTS=200
CONCURRENCY=8
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) REQUESTS="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

BIN="$ROOT/.venv/bin"
PY="$BIN/python"; [ -x "$PY" ] || PY="$(command -v python3)"
GUIDE="$BIN/guide"; [ -x "$GUIDE" ] || GUIDE="$(command -v guide)"
CHROMA="$BIN/chroma"; [ -x "$CHROMA" ] || CHROMA="$(command -v chroma)"
NGINX="$(command -v nginx || true)"; [ -n "$NGINX" ] || NGINX=/usr/sbin/nginx
REDIS="$(command -v redis-server || true)"; [ -n "$REDIS" ] || REDIS=/usr/bin/redis-server
for exe in "$NGINX" "$REDIS"; do
  [ -x "$exe" ] || { echo "missing $exe (Debian: apt-get install -y nginx redis-server)" >&2; exit 3; }
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/guide-cluster.XXXXXX")"
PIDS=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # stop in reverse order of start: proxy, APIs, Chroma, Redis
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "$KEEP" = 1 ]; then echo "kept: $TMP"; else rm -rf "$TMP"; fi
  echo "stopped: every process of the cluster (exit $status)"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r P_REDIS P_CHROMA P_API1 P_API2 P_PROXY < <("$PY" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)

wait_http() {  # URL PID LOG: until URL answers 200, or the process died, or 240 s passed
  for _ in $(seq 1 480); do
    if curl -sf -o /dev/null "$1"; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "process died; last lines of $3:" >&2; tail -n 30 "$3" >&2; exit 1; }
    sleep 0.5
  done
  echo "timed out waiting for $1" >&2; exit 1
}

echo "== cluster in $TMP"
mkdir -p "$TMP/redis" "$TMP/chroma" "$TMP/index" "$TMP/nginx/tmp"

"$REDIS" --port "$P_REDIS" --bind 127.0.0.1 --dir "$TMP/redis" --save "" --appendonly no \
  --protected-mode yes >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
echo "redis-server  127.0.0.1:$P_REDIS"

"$CHROMA" run --path "$TMP/chroma" --host 127.0.0.1 --port "$P_CHROMA" >"$TMP/chroma.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_CHROMA/api/v2/heartbeat" "${PIDS[-1]}" "$TMP/chroma.log"
echo "chroma server 127.0.0.1:$P_CHROMA"

export GUIDE_INDEX_DIR="$TMP/index"
export GUIDE_CHROMA_HOST=127.0.0.1
export GUIDE_CHROMA_PORT="$P_CHROMA"
export GUIDE_API_RATE_LIMIT_STORAGE="redis://127.0.0.1:$P_REDIS"
export GUIDE_API_TRUSTED_PROXIES=127.0.0.1
export GUIDE_API_RATE_LIMIT="${GUIDE_API_RATE_LIMIT:-1000000/minute}"  # lifted for the benchmark

t0=$(date +%s)
"$GUIDE" index --json >"$TMP/index.log" 2>&1 || { cat "$TMP/index.log" >&2; exit 1; }
echo "index loaded into the Chroma server in $(( $(date +%s) - t0 )) s"

for n in 1 2; do  # one after the other: the first one trains and caches the crisis classifier
  port_var="P_API$n"
  "$GUIDE" serve --host 127.0.0.1 --port "${!port_var}" >"$TMP/api$n.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:${!port_var}/healthz" "${PIDS[-1]}" "$TMP/api$n.log"
  echo "guide serve   127.0.0.1:${!port_var}"
done

sed -e "s#@PREFIX@#$TMP/nginx#g" -e "s#@LISTEN@#127.0.0.1:$P_PROXY#g" \
    -e "s#@UPSTREAMS@#server 127.0.0.1:$P_API1 max_fails=2 fail_timeout=5s; server 127.0.0.1:$P_API2 max_fails=2 fail_timeout=5s;#" \
    -e "s#@LIMIT_REQ_RATE@#${LIMIT_REQ_RATE:-5000r/s}#" -e "s#@LIMIT_REQ_BURST@#${LIMIT_REQ_BURST:-1000}#" \
    "$ROOT/deploy/nginx.conf" >"$TMP/nginx/nginx.conf"
if [ "$(id -u)" = 0 ]; then chmod 711 "$TMP"; chmod 755 "$TMP/nginx"; fi  # workers run as nobody
"$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf"
"$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" -g "daemon off;" &
PIDS+=($!)
wait_http "http://127.0.0.1:$P_PROXY/healthz" "${PIDS[-1]}" "$TMP/nginx/error.log"
echo "nginx         127.0.0.1:$P_PROXY -> :$P_API1, :$P_API2"

echo "== checks through the proxy"
"$PY" - "$P_PROXY" "$TMP/nginx/access.log" "$P_API1" "$P_API2" <<'EOF'
import sys, time
import httpx

proxy, access_log, api1, api2 = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{proxy}"
ok = True
r = httpx.get(base + "/v1/services/near", params={"where": "Rimouski", "kind": "clsc", "limit": 2}, timeout=30)
print(f"proxy GET /v1/services/near: {r.status_code}")
ok &= r.status_code == 200
r = httpx.post(base + "/v1/chat", json={"messages": [{"role": "user", "content": "je suis épuisée avec mon père malade"}],
                                        "where": "Sherbrooke"}, timeout=30)
print(f"proxy POST /v1/chat: {r.status_code}")
ok &= r.status_code == 200
# A fresh client address (127.0.0.2: nginx forwards it, the APIs key on it): one budget, so the
# remaining count falls by one per request whichever API process answers.
n = 12
with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30) as c:
    remaining = [int(c.get(base + "/v1/needs").headers["x-ratelimit-remaining"]) for _ in range(n)]
time.sleep(0.5)  # nginx writes its access log line after the answer
served = {api1: 0, api2: 0}
for line in open(access_log):
    parts = line.split()
    if len(parts) >= 6 and parts[1:3] == ["GET", "/v1/needs"]:
        port = parts[5].rsplit(":", 1)[-1]
        served[port] = served.get(port, 0) + 1
steps = all(b == a - 1 for a, b in zip(remaining, remaining[1:]))
shared = steps and served[api1] > 0 and served[api2] > 0
print(f"rate limit shared: {'yes' if shared else 'NO'} ({n} requests of client 127.0.0.2, served {served[api1]} + "
      f"{served[api2]} by the two API processes; X-RateLimit-Remaining {remaining[0]} -> {remaining[-1]})")
ok &= shared
sys.exit(0 if ok else 1)
EOF

echo "== benchmark through nginx (2 API processes)"
"$PY" "$ROOT/benchmarks/bench_api.py" --base-url "http://127.0.0.1:$P_PROXY" --requests "$REQUESTS" --concurrency "$CONCURRENCY" --generator httpx
echo "== benchmark against one API process, direct"
"$PY" "$ROOT/benchmarks/bench_api.py" --base-url "http://127.0.0.1:$P_API1" --requests "$REQUESTS" --concurrency "$CONCURRENCY" --generator httpx
