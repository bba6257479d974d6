#!/usr/bin/env bash
# CPU-seconds per MB (of uncompressed body) that EdgeGw and nginx spend proxying and gzip-compressing the same
# 64 KiB JSON at the same level (5), side by side in one run. Each proxy runs alone on CPU $PROXY_CPU; the origin
# (nginx, gzip off) and wrk share CPU $LOAD_CPU. For each proxy: one run with Accept-Encoding: gzip and one
# without, so the compression's own share is the difference. Bounded: DURATION seconds per run (default 8).
#   loadtests/compression.sh            # DURATION=8 CONNECTIONS=8 PROXY_CPU=0 LOAD_CPU=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-8}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
RUN=$(mktemp -d /tmp/edgegw-compression.XXXXXX)
PIDS=()
export PATH="$PATH:/usr/sbin"
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for tool in nginx wrk taskset curl gunzip; do command -v "$tool" >/dev/null || { echo "compression: $tool is missing (apt-get install nginx wrk util-linux curl gzip)"; exit 1; }; done

PAYLOAD="$ROOT/loadtests/compression/payload-64k.json"
EDGEGW_DLL="$ROOT/src/EdgeGw/bin/Release/net10.0/edgegw.dll"
[ -f "$EDGEGW_DLL" ] || dotnet build -c Release src/EdgeGw -v q -nologo >/dev/null
mkdir -p "$RUN/www" && cp "$PAYLOAD" "$RUN/www/payload.json" && chmod 755 "$RUN" "$RUN/www" && chmod 644 "$RUN/www/payload.json" # the workers run as nobody
sed "s|@ROOT@|$RUN/www|" loadtests/compression/origin-nginx.conf > "$RUN/origin.conf"

wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open"; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# nginx's worker is the master's child; EdgeGw is one process.
worker_of() { local child; child=$(pgrep -P "$1" | head -1 || true); echo "${child:-$1}"; }

taskset -c "$LOAD_CPU" nginx -p "$RUN" -c "$RUN/origin.conf" 2>"$RUN/origin.err" & PIDS+=($!)
wait_port 19201

measure() { # $1 name, $2 port, $3 pid to account, $4 accept-encoding ("" = none)
  local header=() ; [ -n "$4" ] && header=(-H "Accept-Encoding: $4")
  # Correctness first, with tools that are not ours: the decoded body is the origin's.
  if [ -n "$4" ]; then
    curl -s "${header[@]}" -D "$RUN/$1.head" "http://127.0.0.1:$2/payload.json" | gunzip -c | cmp - "$PAYLOAD"
    grep -qi '^content-encoding: gzip' "$RUN/$1.head"
  fi
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d2s "${header[@]}" "http://127.0.0.1:$2/payload.json" >/dev/null # warm-up
  local before after out requests bytes
  before=$(cpu_ticks "$3")
  out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${header[@]}" "http://127.0.0.1:$2/payload.json")
  after=$(cpu_ticks "$3")
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  bytes=$(echo "$out" | awk '/requests in/ {print $5}' | tr -d ,)
  python3 - "$1" "${4:-identity}" "$requests" "$((after - before))" "$(getconf CLK_TCK)" "$DURATION" "$bytes" <<'PY'
import sys
name, coding, requests, ticks, hz, duration, wire = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
cpu = ticks / hz
mb = requests * 65536 / 1e6
print(f"{name:8} {coding:8} requests={requests:7d} ({requests/duration:8.0f}/s) cpu={cpu:6.2f}s body={mb:8.1f}MB  cpu-s/MB={cpu/mb:.5f}  wire={wire}")
PY
}

echo "compression: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), ${DURATION}s per run, $CONNECTIONS connections, payload $(wc -c <"$PAYLOAD") B, commit $(git rev-parse --short HEAD)"
taskset -c "$PROXY_CPU" nginx -p "$RUN" -c "$ROOT/loadtests/compression/nginx-gzip.conf" 2>"$RUN/nginx.err" & NGINX=$!; PIDS+=($NGINX)
wait_port 19202
measure nginx 19202 "$(worker_of $NGINX)" gzip
measure nginx 19202 "$(worker_of $NGINX)" ""
kill "$NGINX"; wait "$NGINX" 2>/dev/null || true

DOTNET_gcServer=0 taskset -c "$PROXY_CPU" dotnet "$EDGEGW_DLL" --config "$ROOT/loadtests/compression/edgegw.json" >"$RUN/edgegw.log" 2>&1 & EDGE=$!; PIDS+=($EDGE)
wait_port 19203
measure edgegw 19203 "$EDGE" gzip
measure edgegw 19203 "$EDGE" ""
