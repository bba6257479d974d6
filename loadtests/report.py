#!/usr/bin/env python3
"""Turns compare.sh's CSV into a Markdown report (medians per proxy and workload, EdgeGw's ratio to each
peer) and an SVG bar chart of requests per second. Usage: report.py results.csv report.md chart.svg "setup"."""
import csv
import statistics
import sys
from collections import defaultdict

csv_path, md_path, svg_path, setup = sys.argv[1:5]
rows = list(csv.DictReader(open(csv_path)))
runs = defaultdict(list)
for row in rows:
    runs[(row["workload"], row["proxy"])].append(row)

WORKLOADS = [
    ("get10b-c32", "Keep-alive GET, 10-byte body, 32 connections"),
    ("get10b-c256", "Keep-alive GET, 10-byte body, 256 connections"),
    ("get1k-c32", "Keep-alive GET, 1 KiB body, 32 connections"),
    ("post1k-c32", "POST 1 KiB body, 32 connections"),
    ("cache1k-c32", "Cache hit, 1 KiB body, 32 connections: EdgeGw response cache vs nginx `proxy_cache` (tmpfs)"),
    ("throttle-c32", "Throttled: per-client-IP limit 1,000 req/s, burst 100, 32 connections (most answers 429): EdgeGw `clientIpThrottle` vs nginx `limit_req`"),
    ("jwt-get10b-c32", "JWT-protected keep-alive GET (RS256, one token reused: the verified-token cache), 10-byte body, 32 connections: EdgeGw only"),
    ("mock-c32", "No upstream: EdgeGw mock integration vs nginx `return 200`, 32 connections"),
    ("tls-get10b-c32", "TLS 1.3 keep-alive GET, 10-byte body, 32 connections (ECDSA P-256, same certificate for every proxy)"),
    ("tls-get1k-c32", "TLS 1.3 keep-alive GET, 1 KiB body, 32 connections"),
    ("tls-handshake-c32", "TLS 1.3 new connection per request (`Connection: close`), 32 connections: full handshakes"),
]
# Issue 17's targets, checked against nginx in the same run: (workload, what, EdgeGw's value ÷ nginx's must be <= / >=, bound)
TARGETS = {
    "tls-get10b-c32": ("CPU s / 10k requests ≤ nginx's", "cpu10k", "<=", 1.0),
    "tls-get1k-c32": ("CPU s / 10k requests ≤ nginx's", "cpu10k", "<=", 1.0),
    "tls-handshake-c32": ("handshakes per CPU-second ≥ 0.8× nginx's", "per_cpu_s", ">=", 0.8),
}
# Issue 18's targets, checked against EdgeGw's own run of another workload: (baseline workload, [(what, key, op, bound)])
SELF_TARGETS = {
    "jwt-get10b-c32": ("get10b-c32", [("requests/s ≥ 0.9× the unprotected route's", "rps", ">=", 0.9),
                                      ("CPU s / 10k requests ≤ 1.1× the unprotected route's", "cpu10k", "<=", 1.1)]),
}
ORDER = ["edgegw", "edgegw-before", "edgegw-accesslog", "edgegw-tracing", "nginx", "haproxy", "yarp", "nginx-direct"]


def median(values):
    values = [float(v) for v in values if v not in ("", None)]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def summary(workload, proxy):
    group = runs.get((workload, proxy))
    if not group:
        return None
    rps = median(r["rps"] for r in group)
    requests = sum(float(r["requests"]) for r in group if r["requests"])
    cpu = sum(float(r["cpu_s"]) for r in group if r["cpu_s"])
    return {
        "rps": rps,
        "p50": median(r["p50_ms"] for r in group),
        "p99": median(r["p99_ms"] for r in group),
        "cpu10k": cpu / requests * 10000 if requests else None,
        "per_cpu_s": requests / cpu if cpu else None,
        "rss": max(float(r["peak_rss_kb"]) for r in group) / 1024,
        "alloc": median(r["alloc_per_request"] for r in group),
        "notes": " ".join(sorted({r["notes"].strip() for r in group if r["notes"].strip()})),
        "rounds": len(group),
    }


out = ["# EdgeGw side by side", "", f"Setup: {setup}. Medians over rounds; ratios are EdgeGw ÷ peer (requests/s).", ""]
chart = []
for workload, title in WORKLOADS:
    present = [p for p in ORDER if (workload, p) in runs]
    if not present:
        continue
    out += [f"## {title}", "", "| Proxy | Requests/s | p50 ms | p99 ms | CPU s / 10k req | Peak RSS MB | Alloc B/req | EdgeGw ratio | Notes |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    edge = summary(workload, "edgegw")
    for proxy in present:
        s = summary(workload, proxy)
        ratio = f"{edge['rps'] / s['rps']:.2f}x" if edge and s["rps"] and proxy != "edgegw" else ""
        out.append(f"| {proxy} | {fmt(s['rps'])} | {fmt(s['p50'], 2)} | {fmt(s['p99'], 2)} | {fmt(s['cpu10k'], 3)} | {fmt(s['rss'], 1)} | "
                   f"{fmt(s['alloc'], 1) if proxy.startswith('edgegw') else ''} | {ratio} | {s['notes']} |")
        chart.append((workload, proxy, s["rps"] or 0))
    if workload in TARGETS and edge and summary(workload, "nginx"):
        what, key, op, bound = TARGETS[workload]
        nginx = summary(workload, "nginx")
        if edge[key] and nginx[key]:
            ratio = edge[key] / nginx[key]
            met = ratio <= bound if op == "<=" else ratio >= bound
            detail = f"{edge[key]:,.0f} vs {nginx[key]:,.0f} per CPU-second" if key == "per_cpu_s" else f"{edge[key]:.3f} vs {nginx[key]:.3f}"
            out += ["", f"Target ({what}): EdgeGw {detail}, {ratio:.2f}× — **{'met' if met else 'not met'}**."]
    if workload in SELF_TARGETS and edge:
        baseline, checks = SELF_TARGETS[workload]
        base = summary(baseline, "edgegw")
        for what, key, op, bound in checks:
            if base and edge[key] and base[key]:
                ratio = edge[key] / base[key]
                met = ratio <= bound if op == "<=" else ratio >= bound
                out += ["", f"Target ({what}, {baseline}): {edge[key]:,.3f} vs {base[key]:,.3f}, {ratio:.2f}× — **{'met' if met else 'not met'}**."]
    out.append("")

idle = [r for r in rows if r["workload"].startswith("idle-")]
if idle:
    out += ["## Idle keep-alive connections", ""]
    for r in idle:
        kind = "TLS 1.3" if r["workload"].startswith("idle-tls-") else "plain"
        mb = float(r["peak_rss_kb"]) / 1024
        line = f"EdgeGw held {r['requests']} idle {kind} keep-alive client connections at {mb:.1f} MB RSS ({r['notes']})."
        if kind != "plain" and r["requests"] == "10000":
            line += f" Target (10,000 idle TLS connections under 400 MB RSS): **{'met' if mb < 400 else 'not met'}**."
        out += [line, ""]

out += [f"![requests per second]({svg_path.split('/')[-1]})", ""]
open(md_path, "w").write("\n".join(out))

# Grouped bar chart: one group per workload, one bar per proxy.
colors = {"edgegw": "#2b7bb9", "edgegw-before": "#85b8de", "edgegw-accesslog": "#5d9fd0", "edgegw-tracing": "#a9cbe8", "nginx": "#3a9a4a", "haproxy": "#c0392b", "yarp": "#8e44ad", "nginx-direct": "#7f8c8d"}
groups = [w for w, _ in WORKLOADS if any(c[0] == w for c in chart)]
peak = max((c[2] for c in chart), default=1) or 1
bar, gap, height, left = 22, 28, 300, 60
width = left + len(groups) * (len(ORDER) * bar + gap) + 160
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 80}" font-family="sans-serif" font-size="11">',
       f'<text x="{left}" y="16" font-size="13">Requests per second (median)</text>']
for gi, workload in enumerate(groups):
    x0 = left + gi * (len(ORDER) * bar + gap)
    for pi, proxy in enumerate(ORDER):
        value = next((c[2] for c in chart if c[0] == workload and c[1] == proxy), None)
        if value is None:
            continue
        h = value / peak * (height - 40)
        x = x0 + pi * bar
        svg.append(f'<rect x="{x}" y="{height - h + 20}" width="{bar - 4}" height="{h}" fill="{colors[proxy]}"><title>{proxy}: {value:,.0f}</title></rect>')
    svg.append(f'<text x="{x0}" y="{height + 38}">{workload}</text>')
for i, proxy in enumerate(ORDER):
    y = 40 + i * 18
    svg.append(f'<rect x="{width - 140}" y="{y - 10}" width="12" height="12" fill="{colors[proxy]}"/><text x="{width - 122}" y="{y}">{proxy}</text>')
svg.append(f'<line x1="{left - 5}" y1="{height + 20}" x2="{width - 160}" y2="{height + 20}" stroke="#333"/>')
svg.append("</svg>")
open(svg_path, "w").write("\n".join(svg))
print(md_path)
