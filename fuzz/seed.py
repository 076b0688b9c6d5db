#!/usr/bin/env python3
"""Seeds the fuzz corpora (fuzz/corpus/<target>/) from the project's own inputs.

loader:   every YAML/JSON file under fixtures/ (lint repos, e2e repos, gen specs) and the
          templates' default spec, each prefixed with the byte that picks its route
          (0 YAML, 1 JSON, 2 GitHub workflow; see LOADER_NAMES in tests/fuzz_entry/mod.rs).
spec:     the default spec, the fixture specs, and each of them as JSON (the JSON spec route).
promql:   every Prometheus query and rule expression in the fixtures and specs.
nrql:     every NRQL query in the fixtures and specs (analysis templates, alert JSON).
workflow: every `run:` script of the fixtures' GitHub workflows.
Plus every committed regression input under fixtures/fuzz/<target>/.

Needs PyYAML (CI installs it) for the query and script extraction; without it only the
whole-file seeds are written. Re-running it is harmless: files are named by content hash.
"""

import hashlib
import json
import os
import signal
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
TARGETS = ["loader", "spec", "promql", "nrql", "workflow"]

try:
    import yaml
except ImportError:  # whole files only
    yaml = None


def on_alarm(signum, frame):
    raise TimeoutError("took too long to parse")


signal.signal(signal.SIGALRM, on_alarm)


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def files(top, exts):
    for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
        for n in sorted(names):
            if n.endswith(exts):
                yield os.path.join(dirpath, n)


def strings(node, key=None):
    """(key, string) for every string value in a parsed document, recursively."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v, key)
    elif isinstance(node, str):
        yield key, node


def docs(path):
    # Hostile fixtures (an alias bomb) are seeds as files, never expanded here.
    if yaml is None or "/hostile/" in path:
        return []
    signal.alarm(5)
    try:
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except Exception:  # malformed fixtures are meant to be malformed
        return []
    finally:
        signal.alarm(0)


def is_nrql(text):
    upper = text.upper()
    return upper.lstrip().startswith(("SELECT", "FROM")) and " FROM " in upper + " "


def main():
    for t in TARGETS:
        os.makedirs(os.path.join(OUT, t), exist_ok=True)
    specs = [os.path.join(ROOT, "templates", "canary.yaml")]
    specs += list(files("fixtures/gen", (".yaml", ".yml")))
    for path in list(files("fixtures", (".yaml", ".yml", ".json"))) + specs:
        with open(path, "rb") as f:
            data = f.read()
        rel = os.path.relpath(path, ROOT)
        route = 2 if "/.github/workflows/" in rel else (1 if rel.endswith(".json") else 0)
        put("loader", bytes([route]) + data)
        parsed = docs(path)
        workflow = route == 2
        for d in parsed:
            for key, text in strings(d):
                if workflow and key == "run":
                    put("workflow", text)
                elif key in ("query", "nrql", "expr") and is_nrql(text):
                    put("nrql", text)
                elif key in ("query", "expr"):
                    put("promql", text)
    for path in specs:
        with open(path, "rb") as f:
            put("spec", f.read())
        for d in docs(path):
            put("spec", json.dumps(d, indent=2, ensure_ascii=False))
            put("loader", b"\x01" + json.dumps(d, indent=2).encode())
    for t in TARGETS:
        regressions = os.path.join(ROOT, "fixtures", "fuzz", t)
        if os.path.isdir(regressions):
            for n in sorted(os.listdir(regressions)):
                with open(os.path.join(regressions, n), "rb") as f:
                    put(t, f.read())
    for t in TARGETS:
        print(f"{t}: {len(os.listdir(os.path.join(OUT, t)))} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
