#!/usr/bin/env bash
# Side-by-side load comparison: EdgeGw, nginx (proxy_pass + keepalive pool), HAProxy (http-reuse always) and
# YARP 2.3, each alone on one core, against the same upstream nginx, driven by the same wrk on the other core.
# Loopback only; every run is bounded in time. Writes loadtests/results/<UTC date>.md (+ .svg, .csv).
#
#   loadtests/compare.sh            full run (about 15 minutes)
#   QUICK=1 loadtests/compare.sh    smoke run (short rounds)
#   PROXIES="edgegw nginx" WORKLOADS="get10b-c32" loadtests/compare.sh
# TLS workloads (EdgeGw, nginx and HAProxy each on a TLS 1.3 port, port+10, with the same ECDSA P-256 certificate
# made by openssl in /tmp/edgegw-compare-tls): tls-get10b-c32 and tls-get1k-c32 (keep-alive GET over TLS) and
# tls-handshake-c32 (Connection: close, a new TLS connection per request; resumption as wrk does it), e.g.
#   PROXIES="edgegw nginx haproxy" WORKLOADS="tls-get10b-c32 tls-handshake-c32" loadtests/compare.sh
# Knobs for A/B runs of EdgeGw (see tuning.md): GC_SERVER=0|1 (default 1), and any DOTNET_* variable, e.g.
#   DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 DOTNET_TieredPGO=0 PROXIES=edgegw loadtests/compare.sh
# Before/after of a change, interleaved in one run: build the earlier commit in another work tree and name its dll
# (it runs as proxy "edgegw-before", with the same config, pinning and counters as "edgegw"), e.g.
#   git worktree add /tmp/before <commit> && dotnet build -c Release /tmp/before/src/EdgeGw
#   BEFORE_DLL=/tmp/before/src/EdgeGw/bin/Release/net10.0/edgegw.dll PASSES=3 PROXIES="edgegw-before edgegw" loadtests/compare.sh
#   (BEFORE_STATS_SIGNAL=USR1 for a build from before 2026-12-02, which printed its counters on SIGUSR1;
#   BEFORE_CONFIG=<file> when the earlier build cannot read today's loadtests/config/edgegw.json, e.g. from git show REV:loadtests/config/edgegw.json)
# The cost of the access log: proxy "edgegw-accesslog" is "edgegw" with the JSON preset written to a file in the run's
# directory (its line count is checked against the requests served), e.g.
#   PROXIES="edgegw edgegw-accesslog" WORKLOADS=get10b-c32 IDLE_CONNECTIONS=0 loadtests/compare.sh
# The cost of a JWT authorizer (issue 18): workload jwt-get10b-c32 (EdgeGw only) is get10b-c32 through a route behind a
# jwt authorizer, every request carrying one RS256 token minted by PyJWT (python3-jwt) for a key whose JWKS the
# upstream nginx serves; the report checks it against EdgeGw's own get10b-c32 of the same run, e.g.
#   PROXIES=edgegw WORKLOADS="get10b-c32 jwt-get10b-c32" IDLE_CONNECTIONS=0 loadtests/compare.sh
# The cost of tracing: proxy "edgegw-tracing" is "edgegw" with tracing on and sampleRatio 0 (every request parses or
# starts a trace context and sends the backend a traceparent, none is exported: the unsampled path), e.g.
#   PROXIES="edgegw edgegw-tracing" WORKLOADS=get10b-c32 IDLE_CONNECTIONS=0 loadtests/compare.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ "${QUICK:-0}" = 1 ]; then WARMUP=${WARMUP:-2}; DURATION=${DURATION:-3}; ROUNDS=${ROUNDS:-1}; STARTUP_WARMUP=${STARTUP_WARMUP:-3}; fi
WARMUP=${WARMUP:-5}; DURATION=${DURATION:-10}; ROUNDS=${ROUNDS:-3}; PASSES=${PASSES:-1}
# Once per proxy, right after it starts: load on every workload's path for this many seconds in all. The .NET
# proxies (EdgeGw, YARP) keep tiering their JIT code up for ~30 s after start, and those compilations share the
# proxy's core (measured: EdgeGw p99 1.2-1.7 ms while they run, 0.7 ms after); nginx and HAProxy get the same.
STARTUP_WARMUP=${STARTUP_WARMUP:-30}
PROXY_CPU=${PROXY_CPU:-0}; LOAD_CPU=${LOAD_CPU:-1}
PROXIES=${PROXIES:-"edgegw nginx haproxy yarp"}
WORKLOADS=${WORKLOADS:-"get10b-c32 get10b-c256 get1k-c32 post1k-c32 cache1k-c32 throttle-c32 jwt-get10b-c32 tls-get10b-c32 tls-get1k-c32 tls-handshake-c32"}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
# The same number of idle connections again over TLS (the https port; one GET each, then held): IDLE_TLS=0 skips it.
IDLE_TLS=${IDLE_TLS:-1}
RUN=$(mktemp -d /tmp/edgegw-compare.XXXXXX)
STAMP=$(date -u +%Y-%m-%dT%H%M)
OUT="$ROOT/loadtests/results"
CSV="$RUN/results.csv"
PIDS=()

log() { echo "compare: $*" >&2; }
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------------------------------
missing=()
for tool in openssl:openssl nginx:nginx haproxy:haproxy wrk:wrk h2load:nghttp2-client taskset:util-linux python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${tool%%:*}" ] || missing+=("${tool##*:}")
done
# The JWT workload's token is minted by PyJWT (RS256 needs python3-cryptography), not by EdgeGw: Debian's packages,
# so Debian's interpreter (a python3 earlier on PATH, e.g. pyenv's, does not see them).
JWT_PYTHON=/usr/bin/python3; [ -x "$JWT_PYTHON" ] || JWT_PYTHON=python3
"$JWT_PYTHON" -c 'import jwt, cryptography' 2>/dev/null || missing+=(python3-jwt python3-cryptography)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
[ "$(nproc)" -ge 2 ] || { log "needs 2 CPUs (proxy on one, upstream and wrk on the other)"; exit 1; }

log "building EdgeGw and the YARP peer (Release)"
# The code measured: the commit, marked when the work tree differed from it.
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src 2>/dev/null || COMMIT="$COMMIT+changes"
dotnet build -c Release src/EdgeGw -v q -nologo >/dev/null
dotnet build -c Release bench/EdgeGw.YarpPeer -v q -nologo >/dev/null
EDGEGW_DLL="$ROOT/src/EdgeGw/bin/Release/net10.0/edgegw.dll"
YARP_DLL="$ROOT/bench/EdgeGw.YarpPeer/bin/Release/net10.0/EdgeGw.YarpPeer.dll"

# The TLS listeners' certificate (ECDSA P-256, as a modern production edge has), shared by every proxy.
TLS_DIR=/tmp/edgegw-compare-tls
mkdir -p "$TLS_DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" \
  -days 7 -subj /CN=bench.test -addext subjectAltName=DNS:bench.test 2>/dev/null
cat "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem" > "$TLS_DIR/haproxy.pem"

# The JWT workload's issuer: a fresh RSA key, its JWKS (the upstream nginx serves it at /jwks, config/edgegw.json's
# jwksUri) and one RS256 token for loadtests/config/jwt.lua, all made by PyJWT and cryptography.
"$JWT_PYTHON" - "$RUN" <<'PY'
import base64, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
run = sys.argv[1]
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
numbers = key.public_key().public_numbers()
b64 = lambda n: base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
open(f"{run}/jwks.json", "w").write('{"keys":[{"kty":"RSA","kid":"bench-1","alg":"RS256","use":"sig","n":"%s","e":"%s"}]}' % (b64(numbers.n), b64(numbers.e)))
now = int(time.time())
token = jwt.encode({"iss": "https://bench.test/", "aud": "bench", "sub": "bench-user", "iat": now, "exp": now + 86400}, key, algorithm="RS256", headers={"kid": "bench-1"})
open(f"{run}/jwt.token", "w").write(token)
PY
BENCH_JWT=$(cat "$RUN/jwt.token"); export BENCH_JWT

# --- processes ---------------------------------------------------------------------------------------------
wait_port() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  log "port $1 did not open"; return 1
}
children_of() { echo "$1 $(pgrep -P "$1" | tr '\n' ' ')"; }
cpu_ticks() { local t=0; for p in $(children_of "$1"); do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
peak_rss_kb() { local t=0; for p in $(children_of "$1"); do [ -r "/proc/$p/status" ] && t=$((t + $(awk '/VmHWM/ {print $2}' "/proc/$p/status"))); done; echo "$t"; }
rss_kb() { local t=0; for p in $(children_of "$1"); do [ -r "/proc/$p/status" ] && t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status"))); done; echo "$t"; }

start_upstream() {
  rm -rf /dev/shm/edgegw-nginx-cache
  body=$(python3 -c 'print("x" * 1024, end="")')
  # The JWKS is base64url and JSON punctuation: no '/', '&' or quote to escape for sed or nginx's '…' string.
  sed -e "s/@BODY_1K@/$body/" -e "s/@JWKS@/$(cat "$RUN/jwks.json")/" loadtests/config/upstream-nginx.conf > "$RUN/upstream.conf"
  taskset -c "$LOAD_CPU" nginx -p "$RUN" -c "$RUN/upstream.conf" 2>"$RUN/upstream.err" &
  PIDS+=($!); UPSTREAM_PID=$!
  wait_port 19001
}

# Starts proxy $1 pinned to PROXY_CPU; sets PROXY_PID and PROXY_PORT.
start_proxy() {
  case "$1" in
    edgegw|edgegw-before|edgegw-accesslog|edgegw-tracing)
      local dll=$EDGEGW_DLL extra=() config=$ROOT/loadtests/config/edgegw.json
      [ "$1" = edgegw-before ] && dll=${BEFORE_DLL:?BEFORE_DLL names the earlier build for edgegw-before (not EDGEGW_*: the gateway reads that prefix as config)}
      # An earlier build may not know keys the current config has (server.tls): BEFORE_CONFIG gives it its own.
      [ "$1" = edgegw-before ] && config=${BEFORE_CONFIG:-$config}
      [ "$1" = edgegw-accesslog ] && rm -f "$RUN/access.log" && extra=(--accessLog:destination="$RUN/access.log" --accessLog:format=json)
      [ "$1" = edgegw-tracing ] && extra=(--tracing:sampleRatio=0 --tracing:otlpEndpoint=http://127.0.0.1:1/v1/traces)
      DOTNET_gcServer=${GC_SERVER:-1} taskset -c "$PROXY_CPU" dotnet "$dll" --config "$config" "${extra[@]}" >"$RUN/$1.log" 2>&1 &
      PROXY_PORT=19100 ;;
    nginx)
      taskset -c "$PROXY_CPU" nginx -p "$RUN" -c "$ROOT/loadtests/config/nginx-proxy.conf" 2>"$RUN/nginx-proxy.err" &
      PROXY_PORT=19101 ;;
    haproxy)
      taskset -c "$PROXY_CPU" haproxy -f "$ROOT/loadtests/config/haproxy.cfg" -db >"$RUN/haproxy.log" 2>&1 &
      PROXY_PORT=19102 ;;
    yarp)
      DOTNET_gcServer=1 taskset -c "$PROXY_CPU" dotnet "$YARP_DLL" http://127.0.0.1:19103 http://127.0.0.1:19001 >"$RUN/yarp.log" 2>&1 &
      PROXY_PORT=19103 ;;
    nginx-direct)
      taskset -c "$PROXY_CPU" nginx -p "$RUN" -c "$ROOT/loadtests/config/nginx-direct.conf" 2>"$RUN/nginx-direct.err" &
      PROXY_PORT=19104 ;;
  esac
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  wait_port "$PROXY_PORT"
  # The TLS port opens after the plain one: a TLS workload started in between is refused (and ends the run).
  if [[ " $WORKLOADS " == *" tls-"* ]] && { is_edgegw "$1" || [ "$1" = nginx ] || [ "$1" = haproxy ]; }; then
    wait_port $((PROXY_PORT + 10))
  fi
}

stop_proxy() {
  local requests="" dropped=""
  if [ -f "$RUN/access.log" ] && [ "${CURRENT_PROXY:-}" = edgegw-accesslog ]; then
    requests=$(edgegw_stats "$CURRENT_PROXY" | cut -d' ' -f1)
    dropped=$(curl -s http://127.0.0.1:19109/metrics 2>/dev/null | awk '/^edgegw_access_log_dropped_total/ {print $2}' || true)
  fi
  kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true
  [ -n "$requests" ] && log "edgegw-accesslog: $(wc -l <"$RUN/access.log") access log lines for $requests requests, ${dropped:-n/a} dropped"
  return 0
}

is_edgegw() { [ "$1" = edgegw ] || [ "$1" = edgegw-before ] || [ "$1" = edgegw-accesslog ] || [ "$1" = edgegw-tracing ]; }

# EdgeGw prints its counters on SIGUSR2 (SIGUSR1 reopens its access logs); echoes "requests allocated_bytes". $1: the proxy name (its log).
edgegw_stats() {
  local log="$RUN/$1.log" before; before=$(grep -c 'edgegw: stats' "$log" || true)
  # A build from before the access log (BEFORE_STATS_SIGNAL=USR1) printed them on SIGUSR1.
  if [ "$1" = edgegw-before ]; then kill -"${BEFORE_STATS_SIGNAL:-USR2}" "$PROXY_PID"; else kill -USR2 "$PROXY_PID"; fi
  for _ in $(seq 1 50); do
    [ "$(grep -c 'edgegw: stats' "$log" || true)" -gt "$before" ] && break; sleep 0.1
  done
  grep 'edgegw: stats' "$log" | tail -n 1 | sed -E 's/.*requests=([0-9]+).*allocated_bytes=([0-9]+).*/\1 \2/'
}

# --- workloads ---------------------------------------------------------------------------------------------
# Prints "connections path script scheme" for a workload name (scheme: http, https, or https-close for a new
# TLS connection per request; https goes to the proxy's TLS port, its port + 10).
workload() {
  case "$1" in
    tls-get10b-c32) echo "32 /10b - https" ;;
    tls-get1k-c32) echo "32 /1k - https" ;;
    tls-handshake-c32) echo "32 /10b - https-close" ;;
    get10b-c32) echo "32 /10b -" ;;
    get10b-c256) echo "256 /10b -" ;;
    get1k-c32) echo "32 /1k -" ;;
    post1k-c32) echo "32 /10b loadtests/config/post1k.lua" ;;
    mock-c32) echo "32 /mock -" ;;
    cache1k-c32) echo "32 /cached/1k -" ;;
    throttle-c32) echo "32 /limited/10b -" ;;
    jwt-get10b-c32) echo "32 /jwt/10b loadtests/config/jwt.lua" ;;
  esac
}

run_wrk() { # port path connections script seconds [scheme] -> wrk output
  local args=(-t1 -c"$3" -d"$5"s --latency --timeout 5s) url="http://127.0.0.1:$1$2"
  [ "$4" != "-" ] && args+=(-s "$4")
  case "${6:-http}" in
    https) url="https://127.0.0.1:$(($1 + 10))$2" ;;
    https-close) url="https://127.0.0.1:$(($1 + 10))$2"; args+=(-H "Connection: close") ;;
  esac
  timeout $(($5 + 30)) taskset -c "$LOAD_CPU" wrk "${args[@]}" "$url"
}

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }

# Only EdgeGw and nginx are configured to cache and throttle; the others would just proxy. Only EdgeGw has the JWT route.
runs_workload() { # proxy workload-name
  [[ "$2" != tls-* ]] || is_edgegw "$1" || [[ "$1" == nginx || "$1" == haproxy ]] || return 1
  [[ "$2" != jwt-* ]] || is_edgegw "$1" || return 1
  [[ "$2" != cache* && "$2" != throttle* ]] || is_edgegw "$1" || [[ "$1" == nginx ]]
}

startup_warmup() { # proxy
  local proxy=$1 names=() name
  for name in $WORKLOADS; do
    runs_workload "$proxy" "$name" || continue
    names+=("$name")
  done
  is_edgegw "$proxy" && names+=(mock-c32)
  [ "$STARTUP_WARMUP" -gt 0 ] && [ ${#names[@]} -gt 0 ] || return 0
  local each=$(( (STARTUP_WARMUP + ${#names[@]} - 1) / ${#names[@]} ))
  log "$proxy: start-up warm-up ${STARTUP_WARMUP}s over ${names[*]}"
  for name in "${names[@]}"; do
    read -r conns path script scheme <<<"$(workload "$name")"
    run_wrk "$PROXY_PORT" "$path" "$conns" "$script" "$each" "$scheme" >/dev/null
  done
}

measure() { # proxy workload-name
  local proxy=$1 name=$2; read -r conns path script scheme <<<"$(workload "$name")"
  log "$proxy $name: warm-up ${WARMUP}s"
  run_wrk "$PROXY_PORT" "$path" "$conns" "$script" "$WARMUP" "$scheme" >/dev/null
  for round in $(seq 1 "$ROUNDS"); do
    local t0 t1 s0="" s1="" out
    is_edgegw "$proxy" && s0=$(edgegw_stats "$proxy")
    t0=$(cpu_ticks "$PROXY_PID")
    out=$(run_wrk "$PROXY_PORT" "$path" "$conns" "$script" "$DURATION" "$scheme")
    t1=$(cpu_ticks "$PROXY_PID")
    is_edgegw "$proxy" && s1=$(edgegw_stats "$proxy")
    local rps requests p50 p99 errors alloc=""
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
    p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
    errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<<"$out")
    if [ -n "$s0" ] && [ -n "$s1" ]; then
      alloc=$(awk -v a="$s0" -v b="$s1" 'BEGIN {split(a, x, " "); split(b, y, " "); r = y[1] - x[1] - 1; if (r > 0) printf "%.1f", (y[2] - x[2]) / r}')
    fi
    local cpu_s; cpu_s=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", d / hz}')
    echo "$proxy,$name,$round,$rps,$p50,$p99,$cpu_s,$requests,$(peak_rss_kb "$PROXY_PID"),$alloc,$conns,\"$errors\"" >>"$CSV"
    log "$proxy $name round $round: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, cpu ${cpu_s} s, alloc/req ${alloc:-n/a} ${errors}"
  done
}

idle_connections() { # holds N keep-alive connections to EdgeGw (over TLS with $1 = tls) and records its RSS
  local tls=${1:-plain} port=$PROXY_PORT name=idle-$IDLE_CONNECTIONS
  [ "$tls" = tls ] && port=$((PROXY_PORT + 10)) && name=idle-tls-$IDLE_CONNECTIONS
  log "edgegw: holding $IDLE_CONNECTIONS idle keep-alive connections ($tls)"
  local before after
  rm -f "$RUN/idle.ready"
  before=$(rss_kb "$PROXY_PID")
  timeout 300 python3 - "$IDLE_CONNECTIONS" "$port" "$RUN/idle.ready" "$tls" <<'PY' &
import socket, ssl, sys, time, os
n, port, ready, tls = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "tls"
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
held = []
request = b"GET /mock HTTP/1.1\r\nHost: bench\r\n\r\n"
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if tls:
        s = context.wrap_socket(s, server_hostname="bench.test")
    s.sendall(request)
    data = b""
    while b"0123456789" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit(f"connection {i} closed")
        data += chunk
    held.append(s)
open(ready, "w").write(str(len(held)))
time.sleep(30)
PY
  local client=$!
  for _ in $(seq 1 600); do [ -f "$RUN/idle.ready" ] && break; sleep 0.5; done
  sleep 2
  after=$(rss_kb "$PROXY_PID")
  kill "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
  echo "edgegw,$name,1,,,,,$(cat "$RUN/idle.ready" 2>/dev/null || echo 0),$after,,$IDLE_CONNECTIONS,\"rss before ${before} kB\"" >>"$CSV"
  log "edgegw: RSS ${before} kB -> ${after} kB with $(cat "$RUN/idle.ready" 2>/dev/null || echo 0) idle connections ($tls)"
}

# --- run ---------------------------------------------------------------------------------------------------
echo "proxy,workload,round,rps,p50_ms,p99_ms,cpu_s,requests,peak_rss_kb,alloc_per_request,connections,notes" >"$CSV"
start_upstream
# Each pass runs every proxy in turn; several passes interleave the proxies, so slow drift of a shared VM lands
# on all of them instead of on whichever ran in the slow minutes. Medians are over every pass's rounds.
for pass in $(seq 1 "$PASSES"); do
  for proxy in $PROXIES; do
    start_proxy "$proxy"
    CURRENT_PROXY=$proxy
    startup_warmup "$proxy"
    for name in $WORKLOADS; do
      runs_workload "$proxy" "$name" || continue
      measure "$proxy" "$name"
    done
    if is_edgegw "$proxy"; then
      measure "$proxy" mock-c32
      [ "$proxy" = edgegw ] && [ "$pass" = 1 ] && [ "$IDLE_CONNECTIONS" -gt 0 ] && idle_connections
      # In a fresh process, so the plain connections' memory (kept by the GC) is not counted again.
      if [ "$proxy" = edgegw ] && [ "$pass" = 1 ] && [ "$IDLE_CONNECTIONS" -gt 0 ] && [ "$IDLE_TLS" = 1 ]; then
        stop_proxy; start_proxy edgegw; idle_connections tls
      fi
    fi
    stop_proxy
  done
  if [[ " $PROXIES " == *" edgegw "* ]]; then
    start_proxy nginx-direct
    measure nginx-direct mock-c32
    stop_proxy
  fi
done

mkdir -p "$OUT"
cp "$CSV" "$OUT/$STAMP.csv"
python3 loadtests/report.py "$OUT/$STAMP.csv" "$OUT/$STAMP.md" "$OUT/$STAMP.svg" \
  "proxy CPU $PROXY_CPU, upstream+wrk CPU $LOAD_CPU; start-up warm-up ${STARTUP_WARMUP}s per proxy, then per workload warm-up ${WARMUP}s, $ROUNDS x ${DURATION}s rounds per pass, $PASSES pass(es) with the proxies in turn; $(nproc) CPUs, $(uname -r); EdgeGw $COMMIT: gcServer=${GC_SERVER:-1}$(env | grep -E '^(DOTNET_(SYSTEM_NET_SOCKETS|Tiered|gc)|EDGEGW_server__transport)' | sed 's/^/, /' | tr -d '\n')"
log "report: $OUT/$STAMP.md"
