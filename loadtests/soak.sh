#!/usr/bin/env bash
# Soak: mixed load through EdgeGw for DURATION seconds (default 600), sampling its RSS, open descriptors,
# threads and GC heap every INTERVAL seconds (default 10). Writes loadtests/results/soak-<UTC time>.md (+ .csv).
# Loopback only; every load generator has a fixed duration and a timeout. Not part of CI.
#
#   loadtests/soak.sh                 10 minutes
#   DURATION=60 loadtests/soak.sh     a 1-minute check
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-600}; INTERVAL=${INTERVAL:-10}
RUN=$(mktemp -d /tmp/edgegw-soak.XXXXXX)
STAMP=$(date -u +%Y-%m-%dT%H%M)
OUT="$ROOT/loadtests/results"
PIDS=()
log() { echo "soak: $*" >&2; }
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

for tool in nginx wrk taskset; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk util-linux >/dev/null; break; }
done
export PATH="$PATH:/usr/sbin"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

dotnet build -c Release src/EdgeGw -v q -nologo >/dev/null
body=$(python3 -c 'print("x" * 1024, end="")')
sed "s/@BODY_1K@/$body/" loadtests/config/upstream-nginx.conf > "$RUN/upstream.conf"
taskset -c 1 nginx -p "$RUN" -c "$RUN/upstream.conf" 2>"$RUN/upstream.err" & PIDS+=($!)
(cd "$RUN" && DOTNET_gcServer=1 exec taskset -c 0 dotnet "$ROOT/src/EdgeGw/bin/Release/net10.0/edgegw.dll" --config "$ROOT/loadtests/config/edgegw.json") >"$RUN/edgegw.log" 2>&1 &
GW=$!; PIDS+=($GW)
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/19100) 2>/dev/null && break; sleep 0.1; done

# Mixed load, all on CPU 1: proxied GETs (32 connections), POST 1 KiB (8), cache hits (8), throttled (4),
# mock (4), and a connection-churning client (Connection: close) so accept/close paths run too.
wrk_run() { timeout $((DURATION + 30)) taskset -c 1 wrk -t1 -c"$1" -d"${DURATION}s" --timeout 5s "${@:3}" "http://127.0.0.1:19100$2" >"$RUN/wrk-$(echo "$2" | tr '/' '_')-$1.txt" 2>&1 & PIDS+=($!); }
wrk_run 32 /10b
wrk_run 8 /10b -s loadtests/config/post1k.lua
wrk_run 8 /cached/1k
wrk_run 4 /limited/10b
wrk_run 4 /mock
wrk_run 4 /1k -H "Connection: close"

echo "seconds,rss_kb,fds,threads,gc_heap_bytes,requests" >"$RUN/soak.csv"
end=$((SECONDS + DURATION))
while [ $SECONDS -lt $end ]; do
  sleep "$INTERVAL"
  kill -USR2 "$GW"; sleep 0.2
  stats=$(grep 'edgegw: stats' "$RUN/edgegw.log" | tail -n 1)
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$stats")
  heap=$(sed -nE 's/.*heap_bytes=([0-9]+).*/\1/p' <<<"$stats")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$GW/status")
  fds=$(ls "/proc/$GW/fd" | wc -l)
  threads=$(awk '/Threads/ {print $2}' "/proc/$GW/status")
  echo "$((DURATION - (end - SECONDS))),$rss,$fds,$threads,${heap:-},$requests" >>"$RUN/soak.csv"
  log "t=$((DURATION - (end - SECONDS)))s rss=${rss}kB fds=$fds threads=$threads requests=$requests"
done
wait "${PIDS[@]:2}" 2>/dev/null || true

mkdir -p "$OUT"
cp "$RUN/soak.csv" "$OUT/soak-$STAMP.csv"
python3 - "$RUN/soak.csv" "$OUT/soak-$STAMP.md" "$DURATION" "$RUN" <<'PY'
import csv, sys, glob, re
rows = list(csv.DictReader(open(sys.argv[1])))
duration, run = sys.argv[3], sys.argv[4]
def col(name): return [int(r[name]) for r in rows if r[name]]
rss, fds, threads = col("rss_kb"), col("fds"), col("threads")
half = len(rows) // 2
later = rows[half:] if half else rows
lines = [f"# EdgeGw soak, {duration} s of mixed load", "",
         "Mixed load on loopback (EdgeGw on CPU 0; upstream nginx and wrk on CPU 1): proxied GET 10 B (32 conns), POST 1 KiB (8),",
         "cache hits 1 KiB (8), throttled route (4), mock (4), GET with `Connection: close` (4, connection churn).", "",
         "| Metric | First sample | Min | Max | Last sample | Max over the second half |", "|---|---:|---:|---:|---:|---:|"]
for name, values in (("RSS MB", [v / 1024 for v in rss]), ("Open descriptors", fds), ("Threads", threads)):
    second = [float(r[{"RSS MB": "rss_kb", "Open descriptors": "fds", "Threads": "threads"}[name]]) / (1024 if name == "RSS MB" else 1) for r in later]
    lines.append(f"| {name} | {values[0]:,.1f} | {min(values):,.1f} | {max(values):,.1f} | {values[-1]:,.1f} | {max(second):,.1f} |")
total = 0
for path in sorted(glob.glob(f"{run}/wrk-*.txt")):
    text = open(path).read()
    m = re.search(r"(\d+) requests in", text); e = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: [^\n]+)", text)
    total += int(m.group(1)) if m else 0
    lines.append(f"- `{path.split('/')[-1][4:-4]}`: {m.group(1) if m else '?'} requests{'; ' + '; '.join(e) if e else ''}")
lines += ["", f"Total requests: {total:,}. Samples every 10 s: `soak-*.csv`."]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY
log "report: $OUT/soak-$STAMP.md"
