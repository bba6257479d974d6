#!/usr/bin/env bash
# Coverage-guided fuzzing of the wire code (HTTP/1.1 request and response framing, chunked decoder,
# WebSocket frame reader) with AFL++ through SharpFuzz's instrumentation and fork server.
#
#   tests/EdgeGw.Fuzzing/afl.sh [seconds=600] [seed=1]
#
# Installs afl++ (Debian) and the SharpFuzz command-line tool when missing, builds the target in Release,
# instruments EdgeGw.Protocols.dll, runs afl-fuzz for the given time and prints the totals from fuzzer_stats.
# Findings stay in $EDGEGW_FUZZ_OUT (default /tmp/edgegw-afl/findings); each saved crash is replayed on an
# uninstrumented build (the instrumented one needs AFL's shared memory) to print its exception; by hand:
#   dotnet /tmp/edgegw-afl/replay/EdgeGw.Fuzzing.dll --replay /tmp/edgegw-afl/findings/default/crashes
# Exit status: 0 when AFL saved no crash and no hang, 1 when it did, 2 when afl-fuzz could not run here.
set -euo pipefail

seconds="${1:-600}"
seed="${2:-1}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${EDGEGW_FUZZ_OUT:-/tmp/edgegw-afl}"
tools="$work/tools"
out="$work/bin"
replay="$work/replay"
findings="$work/findings"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v afl-fuzz >/dev/null; then
    { sudo_if_needed apt-get update -qq && sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++; } >/dev/null 2>&1 \
        || { echo "afl: afl++ could not be installed" >&2; exit 2; }
fi

mkdir -p "$tools"
if [ ! -x "$tools/sharpfuzz" ]; then
    dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null \
        || { echo "afl: the SharpFuzz tool could not be installed" >&2; exit 2; }
fi

rm -rf "$out" "$replay" "$findings"
dotnet build -c Release "$here/EdgeGw.Fuzzing.csproj" -o "$out" -v quiet -nologo >/dev/null
cp -r "$out" "$replay"
# Only the code under test is instrumented; the harness and the framework are not.
"$tools/sharpfuzz" "$out/EdgeGw.Protocols.dll" >/dev/null

# Containers rarely let afl-fuzz tune the CPU governor or core_pattern; neither matters for a .NET target.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
timeout --kill-after=30 $((seconds + 120)) \
    afl-fuzz -i "$here/seeds" -o "$findings" -s "$seed" -V "$seconds" -t 10000 -m none \
    -- dotnet "$out/EdgeGw.Fuzzing.dll" >"$work/afl.log" 2>&1 || true

stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
    echo "afl-fuzz did not start; see $work/afl.log" >&2
    tail -20 "$work/afl.log" >&2
    exit 2
fi

value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes="$(value saved_crashes)"
hangs="$(value saved_hangs)"
echo "afl: $(value execs_done) inputs in $(value run_time) s, $(value corpus_count) in corpus, edges $(value edges_found)/$(value total_edges) ($(value bitmap_cvg)), $crashes crashes, $hangs hangs"
if [ "$crashes" != "0" ] || [ "$hangs" != "0" ]; then
    for input in "$findings"/default/crashes/id* "$findings"/default/hangs/id*; do
        [ -f "$input" ] || continue
        echo "afl: $input"
        timeout 60 dotnet "$replay/EdgeGw.Fuzzing.dll" --replay "$input" 2>&1 | head -n 8
    done
    exit 1
fi
