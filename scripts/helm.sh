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
# `! grep` would not stop the script (set -e ignores negated commands).
absent() { if grep -q -- "$1" "$2"; then echo "unexpected in $(basename "$2"): $1" >&2; exit 1; fi; }
"$bin/helm" lint --strict "$chart"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin/helm" template hub "$chart" > "$out/default.yaml"
"$bin/helm" template hub "$chart" --set kafka.enabled=false --set kafka.bootstrap=kafka:9092 \
  --set registry.verify.ingress.host=verify.example > "$out/external-kafka.yaml"
# Four exchanges, a registry, and (by default) a three-broker KRaft cluster.
[ "$(grep -c 'app.kubernetes.io/component: exchange' "$out/default.yaml")" -ge 4 ]
grep -q 'kind: StatefulSet' "$out/default.yaml"
absent 'server.properties' "$out/external-kafka.yaml"  # no Kafka of the chart's own
grep -q 'kind: Ingress' "$out/external-kafka.yaml"
if "$bin/helm" template hub "$chart" --set kafka.enabled=false >/dev/null 2>&1; then
  echo "chart must refuse kafka.enabled=false without kafka.bootstrap" >&2
  exit 1
fi
# Mutual TLS by default (a Secret per identity); plaintext only when asked for.
# (five services, and the Job that grants the chart's Kafka its ACLs)
[ "$(grep -c -- '--tls-dir=/etc/yrdhub/tls' "$out/default.yaml")" -eq 6 ]
# The chart's Kafka: TLS with client certificates and ACLs; the services connect with theirs.
grep -q 'listener.security.protocol.map=SSL:SSL,CONTROLLER:SSL' "$out/default.yaml"
grep -q 'ssl.client.auth=required' "$out/default.yaml"
grep -q 'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer' "$out/default.yaml"
[ "$(grep -c -- '- --kafka-tls$' "$out/default.yaml")" -eq 5 ]
grep -q -- '- kafka-acls$' "$out/default.yaml"
absent '--insecure-plaintext' "$out/default.yaml"
# Signed chains: every service has the signing folder; each exchange its own
# province's private keys and nobody else's.
[ "$(grep -c -- '--signing-dir=/etc/yrdhub/signing' "$out/default.yaml")" -eq 5 ]
[ "$(grep -c 'name: yrdhub-signing-keyset' "$out/default.yaml")" -eq 5 ]
for p in sh js zj ah; do [ "$(grep -c "name: yrdhub-signing-$p\$" "$out/default.yaml")" -eq 1 ]; done
"$bin/helm" template hub "$chart" --set tls.enabled=false > "$out/plaintext.yaml"
grep -q -- '--insecure-plaintext' "$out/plaintext.yaml"
absent 'kafka-acls\|--kafka-tls\|StandardAuthorizer' "$out/plaintext.yaml"
# Metrics: every service serves them, and a ServiceMonitor scrapes them when asked for.
[ "$(grep -c -- '--metrics-listen=0.0.0.0:9090' "$out/default.yaml")" -eq 5 ]
absent 'kind: ServiceMonitor' "$out/default.yaml"
"$bin/helm" template hub "$chart" --set metrics.serviceMonitor.enabled=true > "$out/monitored.yaml"
grep -q 'kind: ServiceMonitor' "$out/monitored.yaml"
# Logs: JSON lines from every service.
[ "$(grep -A1 'name: YRDHUB_LOG_FORMAT' "$out/default.yaml" | grep -c 'value: "json"')" -eq 5 ]
# Every rendered manifest against the Kubernetes schemas kubernetes-validate
# ships (offline), with the default values and a production values file; CRDs
# it has no schema for (ServiceMonitor) are checked by tests/unit/test_helm_chart.py.
"$bin/helm" template hub "$chart" -f "$chart/values-production.yaml" > "$out/production.yaml"
for rendered in default production plaintext external-kafka monitored; do
  "$root/.venv/bin/kubernetes-validate" --strict --quiet --no-warn "$out/$rendered.yaml" \
    || { echo "$rendered.yaml fails the Kubernetes schemas" >&2; exit 1; }
done
echo "helm chart ok"
