#!/usr/bin/env bash
# Issue 23's measurement: 3 EdgeGw instances on loopback sharing one Redis (global mode), a load split across
# them, a route limit of 1,000 req/s and a per-key plan (500 req/s); admitted against the bound, p99 against
# the same load in local mode (no redis), Redis commands per second. Not part of CI; loopback only; every wrk
# run has a fixed duration and a timeout.
#   loadtests/cluster.sh                 # about 2 minutes
#   DURATION=20 CONNECTIONS=16 loadtests/cluster.sh
#   PACE_MS=2 CONNECTIONS=16 loadtests/cluster.sh   # paced: each connection waits 2 ms between requests, so the
#                                                   # p99s compare global and local mode below saturation
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
PACE_MS=${PACE_MS:-0}
WARMUP=${WARMUP:-5}
REPEAT=${REPEAT:-1}
for tool in wrk redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "cluster.sh: $tool missing (apt-get install wrk redis-server)"; exit 1; }
done
dotnet build src/EdgeGw -c Release -v q -nologo >/dev/null
dll=src/EdgeGw/bin/Release/net10.0/edgegw.dll
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

redis_port=26390
taskset -c 1 redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p $redis_port ping >/dev/null 2>&1 && break; sleep 0.1; done

key="cluster-load-key-0123456789"
write_config() { # $1 file, $2 "global" | "local"
  local redis=""
  [ "$2" = global ] && redis="\"redis\": { \"configuration\": \"127.0.0.1:$redis_port\", \"failMode\": \"closed\", \"syncIntervalMs\": 50, \"keyPrefix\": \"$prefix\" },"
  cat >"$1" <<JSON
{
  "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
  "admin": { "listen": ["http://127.0.0.1:0"] },
  $redis
  "state": { "path": "$work/state-$RANDOM.json" },
  "usagePlans": [ { "name": "p", "stages": ["shop/prod"], "throttle": { "rateLimit": 500, "burstLimit": 50 } } ],
  "apiKeys": { "keys": [ { "id": "k", "value": "$key", "usagePlans": ["p"] } ] },
  "apis": [ { "name": "shop", "stages": [ { "name": "prod" } ], "routes": [
    { "key": "GET /limited", "throttle": { "rateLimit": 1000, "burstLimit": 100 }, "integration": { "type": "mock", "body": "ok" } },
    { "key": "GET /keyed", "apiKeyRequired": true, "integration": { "type": "mock", "body": "ok" } },
    { "key": "GET /free", "integration": { "type": "mock", "body": "ok" } } ] } ]
}
JSON
}

start_instances() { # $1 mode; sets ports[] and admins[]
  ports=()
  admins=()
  prefix="load$(date +%s%N):" # one prefix for the three: they share the buckets
  for i in 0 1 2; do
    write_config "$work/edgegw-$1-$i.json" "$1"
    taskset -c 0 dotnet "$dll" --config "$work/edgegw-$1-$i.json" >"$work/gw-$1-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 0 1 2; do
    for _ in $(seq 100); do
      port=$(grep -o 'edgegw: serving[^,]*http://127.0.0.1:[0-9]*' "$work/gw-$1-$i.log" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
      admin=$(grep -o 'admin API on http://127.0.0.1:[0-9]*' "$work/gw-$1-$i.log" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
      [ -n "$port" ] && [ -n "$admin" ] && curl -fs "http://127.0.0.1:$admin/ready" >/dev/null 2>&1 && break
      sleep 0.1
    done
    ports+=("$port")
    admins+=("$admin")
  done
}

lease_waits() { # the three instances' edgegw_redis_lease_waits_total and _wait_seconds_total, summed: "waits seconds"
  for a in "${admins[@]}"; do curl -fs "http://127.0.0.1:$a/metrics" 2>/dev/null || true; done | awk '
    /^edgegw_redis_lease_waits_total / { w += $2 } /^edgegw_redis_lease_wait_seconds_total / { s += $2 }
    END { printf "%d %.6f\n", w, s }'
}

stop_instances() { for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null || true; done; sleep 1; pids=("${pids[0]}"); }

run_load() { # $1 mode, $2 path, $3 api key or ""; prints admitted, refused, p99 (worst instance), seconds
  local out=()
  for i in 0 1 2; do
    PACE_MS="$PACE_MS" API_KEY="$3" timeout $((DURATION + 20)) taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s loadtests/cluster/status.lua \
      "http://127.0.0.1:${ports[$i]}$2" >"$work/wrk-$1-$i.txt" 2>&1 &
    out+=($!)
  done
  wait "${out[@]}"
  cat "$work"/wrk-"$1"-*.txt | awk '
    /^status 200 / { ok += $3 } /^status 429 / { refused += $3 } /^status / && $2 != 200 && $2 != 429 { other += $3 }
    /^p99_us/ { if ($2 > p99) p99 = $2 } /^p50_us/ { if ($2 > p50) p50 = $2 }
    /Requests\/sec/ { rps += $2 }
    END { printf "%d %d %d %d %d %.0f\n", ok, refused, other, p50, p99, rps }'
}

report=loadtests/results/cluster-$(date -u +%Y-%m-%dT%H%M).md
{
  echo "# Cluster load: 3 instances, one Redis ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD))"
  echo
  echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s against each instance at once (CPU 1, with Redis); the three gateways on CPU 0.$([ "$PACE_MS" != 0 ] && echo " Paced: each connection waits ${PACE_MS} ms between requests (left out of wrk's latencies).")"
  echo
  echo "| mode | route | limit | req/s offered (sum) | admitted | refused | other | admitted / bound (/ bound + leases held) | p50 worst (ms) | p99 worst (ms) | Redis commands/s | requests that waited for Redis (share, mean wait) |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"

# REPEAT > 1 interleaves the modes (local, global, local, global, ...): this VM's speed drifts by minutes.
for mode in $(for _ in $(seq "$REPEAT"); do echo local global; done); do
  start_instances "$mode"
  # Unmeasured warm-up on every path (the JIT tiers code up for tens of seconds after start; the first measured
  # case would pay for it in its p99).
  for path in /prod/free /prod/limited /prod/keyed; do DURATION=$WARMUP run_load "$mode" "$path" "$key" >/dev/null; done
  for case in "/prod/free| |none" "/prod/limited| |1000" "/prod/keyed|$key|500"; do
    IFS='|' read -r path apikey limit <<<"$case"
    apikey=${apikey// /}
    before=$(redis-cli -p $redis_port info stats | awk -F: '/^total_commands_processed/ { print $2+0 }')
    read -r waits0 wait_s0 <<<"$(lease_waits)"
    read -r ok refused other p50 p99 rps <<<"$(run_load "$mode" "$path" "$apikey")"
    after=$(redis-cli -p $redis_port info stats | awk -F: '/^total_commands_processed/ { print $2+0 }')
    read -r waits1 wait_s1 <<<"$(lease_waits)"
    waited="-"
    [ "$mode" = global ] && waited=$(awk -v n=$((waits1 - waits0)) -v s="$(awk -v a="$wait_s1" -v b="$wait_s0" 'BEGIN { print a - b }')" -v t=$((ok + refused + other)) \
      'BEGIN { printf "%d (%.4f %%, %s)", n, t ? 100 * n / t : 0, n ? sprintf("%.0f µs", 1e6 * s / n) : "-" }')
    ratio="-"
    if [ "$limit" != none ]; then
      burst=$([ "$limit" = 1000 ] && echo 100 || echo 50)
      # Local mode: each instance has its own bucket (3× the limit); global: one shared bucket.
      instances=$([ "$mode" = local ] && echo 3 || echo 1)
      # Global: the shared bucket's rate × t + burst, plus the one lease batch (rate × syncIntervalMs) each
      # instance holds when the run starts.
      ahead=$([ "$mode" = global ] && awk -v l="$limit" 'BEGIN { b = l * 0.05; printf "%d", (b == int(b)) ? 3 * b : 3 * (int(b) + 1) }' || echo 0)
      ratio=$(awk -v ok="$ok" -v l="$limit" -v b="$burst" -v n="$instances" -v d="$DURATION" 'BEGIN { printf "%.4f", ok / (n * (l * d + b)) }')
      ceiling=$(awk -v ok="$ok" -v l="$limit" -v b="$burst" -v n="$instances" -v d="$DURATION" -v a="$ahead" 'BEGIN { printf "%.4f", ok / (n * (l * d + b) + a) }')
      ratio="$ratio ($ceiling)"
    fi
    echo "| $mode | $path | $limit | $rps | $ok | $refused | $other | $ratio | $(awk -v v="$p50" 'BEGIN{printf "%.3f", v/1000}') | $(awk -v v="$p99" 'BEGIN{printf "%.3f", v/1000}') | $(( (after - before) / DURATION )) | $waited |" >>"$report"
  done
  stop_instances
done
echo >>"$report"
echo "Bound: limit × duration + burst per bucket (local mode: one bucket per instance; global: one shared bucket). In brackets, against the most global mode may admit: the bound plus the lease batch (limit × 50 ms) each of the 3 instances may hold when the run starts. p50/p99: the worst of the three wrk runs; wrk is closed-loop: unpaced (PACE_MS=0), the three gateways on one core run a saturated CPU and the latencies are of that, not of the limit checks; paced, the rows compare global and local mode at the same offered rate below saturation. Requests that waited for Redis: edgegw_redis_lease_waits_total over the run, summed over the instances — the only requests global mode makes wait on a Redis round trip (a lease's first grant, or an empty quota lease Redis still has units for); every other request spends a leased token locally." >>"$report"
cat "$report"
