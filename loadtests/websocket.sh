#!/usr/bin/env bash
# WebSocket API load scenario: CLIENTS connected clients (default 5,000), each sending MESSAGES messages
# (default 20) one at a time through an echo route and through @connections push. Writes
# loadtests/results/websocket-<UTC time>.md. Loopback only; bounded by the message count and a reply timeout.
#   loadtests/websocket.sh
#   CLIENTS=1000 MESSAGES=10 loadtests/websocket.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CLIENTS=${CLIENTS:-5000}
MESSAGES=${MESSAGES:-20}
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dotnet build -c Release src/EdgeGw -v q -nologo >/dev/null
dotnet build -c Release loadtests/EdgeGw.WsLoad -v q -nologo >/dev/null
mkdir -p loadtests/results
OUT="loadtests/results/websocket-$(date -u +%Y-%m-%dT%H%M).md"
timeout 900 taskset -c 1 dotnet loadtests/EdgeGw.WsLoad/bin/Release/net10.0/EdgeGw.WsLoad.dll \
  --clients "$CLIENTS" --messages "$MESSAGES" --gateway-cpu 0 \
  --gateway-dll "$ROOT/src/EdgeGw/bin/Release/net10.0/edgegw.dll" --output "$OUT"
echo "report: $OUT"
