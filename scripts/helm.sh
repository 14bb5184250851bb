#!/usr/bin/env bash
# Builds helm from the Go module proxy (once; cached in $(go env GOPATH)/bin) and checks
# the chart: lint, and render with the values a deployment would use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
helm_version=v3.16.4
bin=$(go env GOPATH)/bin
if ! "$bin/helm" version --short 2>/dev/null | grep -q "$helm_version"; then
  echo "building helm $helm_version with go install (a few minutes, once)" >&2
  (cd /tmp && go install "helm.sh/helm/v3/cmd/helm@$helm_version")
fi
chart=$root/helm/yrdhub
"$bin/helm" lint --strict "$chart"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin/helm" template hub "$chart" > "$out/default.yaml"
"$bin/helm" template hub "$chart" --set kafka.enabled=false --set kafka.bootstrap=kafka:9092 \
  --set registry.verify.ingressHost=verify.example > "$out/external-kafka.yaml"
# Four exchanges, a registry, and (by default) a three-broker KRaft cluster.
[ "$(grep -c 'app.kubernetes.io/component: exchange' "$out/default.yaml")" -ge 4 ]
grep -q 'kind: StatefulSet' "$out/default.yaml"
! grep -q 'kind: StatefulSet' "$out/external-kafka.yaml"
grep -q 'kind: Ingress' "$out/external-kafka.yaml"
if "$bin/helm" template hub "$chart" --set kafka.enabled=false >/dev/null 2>&1; then
  echo "chart must refuse kafka.enabled=false without kafka.bootstrap" >&2
  exit 1
fi
# Mutual TLS by default (a Secret per identity); plaintext only when asked for.
[ "$(grep -c -- '--tls-dir=/etc/yrdhub/tls' "$out/default.yaml")" -eq 5 ]
! grep -q -- '--insecure-plaintext' "$out/default.yaml"
# Signed chains: every service has the signing folder; each exchange its own
# province's private keys and nobody else's.
[ "$(grep -c -- '--signing-dir=/etc/yrdhub/signing' "$out/default.yaml")" -eq 5 ]
[ "$(grep -c 'name: yrdhub-signing-keyset' "$out/default.yaml")" -eq 5 ]
for p in sh js zj ah; do [ "$(grep -c "name: yrdhub-signing-$p\$" "$out/default.yaml")" -eq 1 ]; done
"$bin/helm" template hub "$chart" --set tls.enabled=false | grep -q -- '--insecure-plaintext'
echo "helm chart ok"
