#!/usr/bin/env python3
"""Converts world-atlas's countries-110m.json (TopoJSON, shapes named by ISO
3166-1 numeric code) into countries-110m.json here: plain polygons keyed by
ISO 3166-1 alpha-2, the key Rapport's metrics use, so the engine draws the
report's world map without a TopoJSON decoder.

Run once from the repository root, after the UI's npm packages are installed:

    python3 data/world/make_countries.py

Output: {"source": ..., "countries": {"DE": {"name": "Germany",
"polygons": [[ring, hole...], ...]}}}, each ring a flat list
[lon, lat, lon, lat, ...] in degrees rounded to 0.01 (the 1:110m scale has
no finer detail). Rings that cross the 180th meridian are moved east of it
and clamped at +180, as the UI's map does, so a flat map draws no stripe.
"""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ATLAS = os.path.join(ROOT, "ui", "node_modules", "world-atlas", "countries-110m.json")
NUMERIC = os.path.join(ROOT, "ui", "src", "charts", "isoNumeric.ts")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "countries-110m.json")
# Shapes world-atlas leaves without a numeric code (the UI maps them the same way).
UNCODED = {"N. Cyprus": "CY", "Somaliland": "SO"}


def main():
    topo = json.load(open(ATLAS))
    numeric = dict(re.findall(r"'(\d{3})': '([A-Z]{2})'", open(NUMERIC).read()))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indices):
        points = []
        for i in indices:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(arc if not points else arc[1:])
        if any(abs(points[k][0] - points[k - 1][0]) > 180 for k in range(1, len(points))):
            points = [(min(180.0, lon + 360 if lon < 0 else lon), lat) for lon, lat in points]
        flat = []
        for lon, lat in points:
            flat += [round(lon, 2), round(lat, 2)]
        return flat

    countries = {}
    for g in topo["objects"]["countries"]["geometries"]:
        name = g.get("properties", {}).get("name", "")
        code = numeric.get(str(g["id"]).zfill(3)) if "id" in g else UNCODED.get(name)
        if not code:
            continue  # Kosovo has no ISO code
        polygons = {"Polygon": lambda a: [a], "MultiPolygon": lambda a: a}[g["type"]](g["arcs"])
        entry = countries.setdefault(code, {"name": name, "polygons": []})
        if "id" in g:
            entry["name"] = name  # the coded shape names the country, not "N. Cyprus"
        entry["polygons"] += [[ring(r) for r in polygon] for polygon in polygons]
    out = {
        "source": "world-atlas 2.0.2 countries-110m (ISC, Mike Bostock), from Natural Earth 1:110m (public domain)",
        "countries": dict(sorted(countries.items())),
    }
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(countries)} countries, {os.path.getsize(OUT):,} bytes -> {OUT}")


if __name__ == "__main__":
    main()
