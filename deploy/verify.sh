#!/usr/bin/env bash
# Checks deploy/ (CI runs it): deploy/edgegw.service with systemd-analyze verify, and deploy/logrotate with
# logrotate -d (a dry run with its state file in a temporary directory, over a copy whose path points into that
# directory, with a log file in it old and large enough to rotate). For the unit, the binary named in ExecStart is
# swapped for /bin/true in a copy, since verify wants it to exist. Any line verify prints (an unknown key, a bad
# value) fails the check: verify itself exits 0 for those; any "error" from logrotate does too.
# Exit 0 ok, 1 problems, 2 neither tool is here.
set -uo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checked=0 failed=0

if command -v systemd-analyze >/dev/null 2>&1; then
  checked=1
  sed 's#/usr/local/bin/edgegw#/bin/true#' edgegw.service > "$work/edgegw.service"
  out=$(systemd-analyze verify "$work/edgegw.service" 2>&1)
  if [ $? -ne 0 ] || [ -n "$out" ]; then
    echo "$out"; failed=1
  else
    echo "deploy/edgegw.service: systemd-analyze verify found nothing"
  fi
else
  echo "systemd-analyze not found: the unit is not checked"
fi

logrotate=$(command -v logrotate || { [ -x /usr/sbin/logrotate ] && echo /usr/sbin/logrotate; } || true)
if [ -n "$logrotate" ]; then
  checked=1
  mkdir -p "$work/log"
  head -c 1024 /dev/zero > "$work/log/access.log"
  sed "s#/var/log/edgegw/#$work/log/#" logrotate > "$work/logrotate.conf"
  out=$("$logrotate" -d -f -s "$work/state" "$work/logrotate.conf" 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ] || grep -qi 'error' <<<"$out" || ! grep -q 'running postrotate script' <<<"$out"; then
    echo "$out"; failed=1
  else
    echo "deploy/logrotate: logrotate -d rotates $work/log/access.log and runs the postrotate script"
  fi
else
  echo "logrotate not found: deploy/logrotate is not checked"
fi

[ "$failed" -eq 1 ] && exit 1
[ "$checked" -eq 0 ] && exit 2
exit 0
