#!/usr/bin/env bash
# Publishes the self-contained linux-arm64 edgegw and runs it under qemu-user on this x86-64 machine: --version,
# then the embedded demo on loopback (epoll transport), answered through curl and the admin API's /ready.
# Not part of CI (the publish and the emulated start take minutes). Needs root for the packages it installs:
# qemu-user-static and the arm64 glibc/libstdc++/ICU/OpenSSL (Debian multiarch). Exit 0 ok, 1 failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v qemu-aarch64-static >/dev/null 2>&1 || [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
  dpkg --add-architecture arm64
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static libc6:arm64 libstdc++6:arm64 libicu72:arm64 libssl3:arm64 zlib1g:arm64 >/dev/null
fi
out=$(mktemp -d)
trap 'pkill -f "qemu-aarch64-static -L / $out/edgegw" 2>/dev/null || true; rm -rf "$out"' EXIT
dotnet publish src/EdgeGw -c Release -r linux-arm64 --self-contained -p:PublishSingleFile=true -o "$out" >/dev/null
file "$out/edgegw" | grep -q "ARM aarch64" || { echo "not an aarch64 executable: $(file "$out/edgegw")"; exit 1; }
qemu-aarch64-static -L / "$out/edgegw" --version
(cd "$out" && XDG_STATE_HOME="$out" timeout 300 qemu-aarch64-static -L / "$out/edgegw" \
  --server:listen:0=http://127.0.0.1:18099 --admin:listen:0=http://127.0.0.1:18098 >"$out/log" 2>&1 &)
for _ in $(seq 1 150); do grep -q "edgegw: serving" "$out/log" 2>/dev/null && break; sleep 2; done
curl -fsS -m 60 http://127.0.0.1:18099/demo/hello && echo
curl -fsS -m 60 -o /dev/null -w "ready: %{http_code}\n" http://127.0.0.1:18098/ready
echo "linux-arm64: published and served under qemu-user"
