#!/usr/bin/env python3
"""Generate a canary monorepo for the canary-lint benchmark.

Renders one app with canary-gen (unique placeholder names), then copies it N times with the
names replaced, next to each app's Deployment, Service, ServiceMonitor and Ingress. Every app
lints clean, so the benchmark times the normal path. Prints the number of documents written.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

APP_YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: zzapp
  namespace: zzns
  labels: {app: zzapp}
spec:
  replicas: 2
  selector:
    matchLabels: {app: zzapp}
  template:
    metadata:
      labels: {app: zzapp}
    spec:
      containers:
        - name: api
          image: ghcr.io/example/zzapp:1.0.0
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}}
          resources: {requests: {cpu: 100m, memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: zzapp, namespace: zzns, labels: {app: zzapp}}
spec:
  selector: {app: zzapp}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: zzapp, namespace: zzns}
spec:
  selector: {matchLabels: {app: zzapp}}
  endpoints: [{port: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: zzapp, namespace: zzns}
spec:
  rules:
    - host: zzapp.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: zzapp, port: {name: http}}}
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=715)
    ap.add_argument("--out", required=True)
    ap.add_argument("--canary-gen", default="target/release/canary-gen")
    args = ap.parse_args()

    spec = subprocess.run([args.canary_gen, "init"], check=True, capture_output=True, text=True).stdout
    spec = (spec.replace("name: instant-api ", "name: zzapp ")
                .replace("namespace: instant", "namespace: zzns")
                .replace("deployment: instant-api", "deployment: zzapp")
                .replace("app: instant-api", "app: zzapp")
                .replace("job: instant-api", "job: zzapp")
                .replace("appName: instant-api", "appName: zzapp")
                .replace("  ci: ci", "  ci: .github/workflows"))
    base = tempfile.mkdtemp(prefix="canary-bench-base-")
    with open(os.path.join(base, "canary.yaml"), "w") as f:
        f.write(spec)
    subprocess.run([args.canary_gen, "render", "--config", os.path.join(base, "canary.yaml"),
                    "--out-dir", os.path.join(base, "out")], check=True, capture_output=True)
    templates = []
    for dirpath, _, files in os.walk(os.path.join(base, "out")):
        for name in files:
            if name.endswith((".yaml", ".yml", ".json")):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, os.path.join(base, "out"))
                with open(path) as f:
                    templates.append((rel, f.read()))
    templates.append(("k8s/app.yaml", APP_YAML))
    shutil.rmtree(base)

    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    documents = 0
    for i in range(args.apps):
        app, ns = f"app-{i:04d}", f"team-{i % 40:02d}"
        for rel, text in templates:
            text = text.replace("zzapp", app).replace("zzns", ns)
            target = os.path.join(args.out, "apps", app, rel.replace("zzapp", app))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                f.write(text)
            documents += 1 if rel.endswith(".json") else text.count("\n---\n") + 1
    print(documents)
    return 0


if __name__ == "__main__":
    sys.exit(main())
