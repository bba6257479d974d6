#!/usr/bin/env python3
"""Writes payload-64k.json: 65536 bytes of API-like JSON (fixed seed), the body both the micro-benchmark
(bench/EdgeGw.Benchmarks/Compression) and loadtests/compression.sh compress."""
import json, random, sys

random.seed(19)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
         "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform"]
items, i = [], 0
while True:
    items.append({"id": 100000 + i, "sku": "SKU-%08X" % random.getrandbits(32), "name": " ".join(random.sample(words, 3)),
                  "price": round(random.uniform(1, 500), 2), "stock": random.randint(0, 9999),
                  "tags": random.sample(words, random.randint(1, 4)), "active": random.random() < 0.8,
                  "updated": "2026-%02d-%02dT%02d:%02d:%02dZ" % (random.randint(1, 12), random.randint(1, 28),
                             random.randint(0, 23), random.randint(0, 59), random.randint(0, 59))})
    text = json.dumps({"items": items}, separators=(",", ":"))
    if len(text) >= 65536:
        break
    i += 1
# Trim to exactly 64 KiB while staying valid JSON: drop items, then pad the last name with spaces.
while len(json.dumps({"items": items}, separators=(",", ":"))) > 65536:
    items.pop()
text = json.dumps({"items": items}, separators=(",", ":"))
pad = 65536 - len(text)
items[-1]["name"] += " " * pad
text = json.dumps({"items": items}, separators=(",", ":"))
assert len(text) == 65536, len(text)
open(sys.argv[1] if len(sys.argv) > 1 else "payload-64k.json", "w").write(text)
