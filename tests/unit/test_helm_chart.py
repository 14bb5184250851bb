"""The chart as a cluster would receive it: rendered by helm with the default
values and with the production values file, and read for what matters to a
deployment (workloads, probes, pod security, network policies, topics)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.core.identity import Role
from services.hub.certs import file_stem, hub_identities
from services.hub.kafka_acls import hub_acls, hub_topics

CHART = Path(__file__).parents[2] / "helm" / "yrdhub"
PROVINCES = ["SH", "JS", "ZJ", "AH"]


def _helm() -> str:
    found = shutil.which("helm") or str(Path.home() / "go" / "bin" / "helm")
    if not Path(found).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("helm is missing: scripts/helm.sh builds it")
        pytest.skip("helm is not built here (scripts/helm.sh builds it)")
    return found


def _render(*flags: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [_helm(), "template", "hub", str(CHART), *flags],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(
    scope="module",
    params=[(), ("-f", str(CHART / "values-production.yaml"))],
    ids=["default", "production"],
)
def manifests(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return _render(*request.param)


def _of(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def _pods(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for m in manifests:
        if m["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield m["metadata"]["name"], m["spec"]["template"]["spec"]


def _component(m: dict[str, Any]) -> str:
    return str(m["metadata"]["labels"].get("app.kubernetes.io/component", ""))


def test_each_province_has_one_exchange_with_grpc_probes(manifests: list[dict[str, Any]]) -> None:
    exchanges = [d for d in _of(manifests, "Deployment") if _component(d) == "exchange"]
    assert sorted(d["metadata"]["labels"]["yrdhub/province"] for d in exchanges) == sorted(
        PROVINCES
    )
    for deployment in exchanges:
        assert deployment["spec"]["replicas"] == 1  # the outbox has one writer
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        ready, alive = container["readinessProbe"], container["livenessProbe"]
        assert "grpc" in ready and "grpc" in alive
        assert alive["grpc"]["service"] == "yrdhub.liveness"
        assert "--health-listen=0.0.0.0:50059" in container["args"]


def test_no_container_runs_as_root_or_may_gain_privileges(manifests: list[dict[str, Any]]) -> None:
    pods = list(_pods(manifests))
    assert len(pods) >= 5
    for name, pod in pods:
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] != 0, name
        assert security["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            own = container["securityContext"]
            assert own["allowPrivilegeEscalation"] is False, name
            assert own["readOnlyRootFilesystem"] is True, name
            assert own["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            assert resources["requests"]["cpu"] and resources["limits"]["memory"], name


def test_traffic_is_denied_but_what_each_policy_allows(manifests: list[dict[str, Any]]) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in _of(manifests, "NetworkPolicy")}
    deny = policies["hub-default-deny"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny and "egress" not in deny
    for province in PROVINCES:
        exchange = policies[f"hub-exchange-{province.lower()}"]
        assert exchange["podSelector"]["matchLabels"]["yrdhub/province"] == province
        [allowed] = exchange["ingress"]
        # Only the province's own systems (pods or its networks).
        labels = [s["podSelector"]["matchLabels"] for s in allowed["from"] if "podSelector" in s]
        assert labels == [{"yrdhub/system-of": province}]
    # The public reaches the registry's public checks and its verify page;
    # behind trusted proxies (production), the page from them alone, so no
    # one else writes the X-Forwarded-For its rate limit believes.
    ingress = policies["hub-registry"]["ingress"]
    public = sorted(p["port"] for rule in ingress if "from" not in rule for p in rule["ports"])
    [page] = [rule for rule in ingress if {p["port"] for p in rule["ports"]} == {8080}]
    [registry] = [spec for name, spec in _pods(manifests) if name == "hub-registry"]
    trusted = [
        a.removeprefix("--trusted-proxy=")
        for a in registry["containers"][0]["args"]
        if a.startswith("--trusted-proxy=")
    ]
    if trusted:
        assert public == [50060]
        assert page["from"] == [{"ipBlock": {"cidr": c}} for c in trusted]
    else:
        assert public == [8080, 50060]


def test_topics_keep_at_least_their_min_in_sync_replicas(manifests: list[dict[str, Any]]) -> None:
    policies = set()
    for _, pod in _pods(manifests):
        for container in pod["containers"]:
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            if "YRDHUB_TOPIC_REPLICATION" in env:
                policies.add(
                    (int(env["YRDHUB_TOPIC_REPLICATION"]), int(env["YRDHUB_TOPIC_MIN_INSYNC"]))
                )
    [(replication, min_insync)] = policies  # every service the same
    assert replication >= min_insync >= 1
    assert replication >= 2  # one broker may fail without losing a write
    for broker in (s for s in _of(manifests, "StatefulSet") if _component(s) == "kafka"):
        assert broker["spec"]["replicas"] >= replication
        [config] = [c for c in _of(manifests, "ConfigMap") if _component(c) == "kafka"]
        assert f"default.replication.factor={replication}" in config["data"]["server.properties"]
        assert f"min.insync.replicas={min_insync}" in config["data"]["server.properties"]


def test_registry_replicas_each_build_their_own_database_and_share_the_pool(
    manifests: list[dict[str, Any]],
) -> None:
    [registry] = [s for s in _of(manifests, "StatefulSet") if _component(s) == "registry"]
    assert registry["spec"]["replicas"] >= 2
    [claim] = registry["spec"]["volumeClaimTemplates"]
    [container] = registry["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    # Its own SQLite file on its own volume: never a database another writes.
    assert env["YRDHUB_DB_URL"]["value"].startswith("sqlite:////var/lib/yrdhub/")
    assert {"name": claim["metadata"]["name"], "mountPath": "/var/lib/yrdhub"} in container[
        "volumeMounts"
    ]
    assert "secretKeyRef" in env["YRDHUB_POOL_DB_URL"]["valueFrom"]
    # Sent traffic only once caught up with the log.
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_workload_has_a_disruption_budget_and_the_standard_labels(
    manifests: list[dict[str, Any]],
) -> None:
    budgets = {_component(b) for b in _of(manifests, "PodDisruptionBudget")}
    workloads = {_component(w) for w in manifests if w["kind"] in ("Deployment", "StatefulSet")}
    assert workloads <= budgets
    for m in manifests:
        labels = m["metadata"]["labels"]
        for key in ("name", "instance", "version", "managed-by", "part-of"):
            assert f"app.kubernetes.io/{key}" in labels, (m["kind"], m["metadata"]["name"])


def test_the_image_tag_defaults_to_the_charts_app_version() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    [registry] = [s for s in _of(_render(), "StatefulSet") if _component(s) == "registry"]
    image = registry["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"yrdhub:{chart['appVersion']}"


def test_production_scrapes_metrics_and_serves_the_verify_page_over_tls() -> None:
    manifests = _render("-f", str(CHART / "values-production.yaml"))
    [monitor] = _of(manifests, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    services = [
        s
        for s in _of(manifests, "Service")
        if _component(s) in ("exchange", "registry") and s["spec"].get("clusterIP") != "None"
    ]
    assert len(services) == 5
    assert all("metrics" in {p["name"] for p in s["spec"]["ports"]} for s in services)
    [ingress] = _of(manifests, "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"][0]["hosts"] == ["verify.yrdhub.example.gov.cn"]
    # Behind the Ingress, the page's rate limit counts each client, not the proxy.
    [registry] = [spec for name, spec in _pods(manifests) if name == "hub-registry"]
    assert "--trusted-proxy=10.244.8.0/24" in registry["containers"][0]["args"]
    # Kafka is an existing cluster: the chart runs no broker.
    assert not [s for s in _of(manifests, "StatefulSet") if _component(s) == "kafka"]


@pytest.fixture(scope="module")
def on_operators() -> list[dict[str, Any]]:
    """The production values: Strimzi, CloudNativePG and cert-manager."""
    return _render("-f", str(CHART / "values-production.yaml"))


def test_strimzi_runs_the_topics_and_users_the_hub_grants_itself(
    on_operators: list[dict[str, Any]],
) -> None:
    [kafka] = _of(on_operators, "Kafka")
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    [pool] = _of(on_operators, "KafkaNodePool")
    assert sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    topics = {t["spec"]["topicName"]: t["spec"] for t in _of(on_operators, "KafkaTopic")}
    assert set(topics) == set(hub_topics(""))
    for spec in topics.values():
        assert spec["replicas"] >= int(spec["config"]["min.insync.replicas"]) >= 2
        assert spec["replicas"] <= pool["spec"]["replicas"]
        assert spec["config"]["message.timestamp.type"] == "LogAppendTime"
        assert spec["config"]["retention.ms"] == -1
    # The same grants as `yrdhub kafka-acls` (services/hub/kafka_acls.py),
    # each service as its own KafkaUser.
    user_of = {"registry": "hub-registry"} | {
        f"exchange@{p}": f"hub-exchange-{p.lower()}" for p in PROVINCES
    }
    expected = {
        (user_of[acl.principal.removeprefix("User:CN=")], acl.resource_pattern.resource_name,
         acl.operation.name.replace("_", "").lower())
        for acl in hub_acls("")
    }  # fmt: skip
    granted = {
        (u["metadata"]["name"], rule["resource"]["name"], operation.lower())
        for u in _of(on_operators, "KafkaUser")
        for rule in u["spec"]["authorization"]["acls"]
        for operation in rule["operations"]
    }
    assert granted == expected
    # Each service connects with its KafkaUser's certificate.
    [registry] = [s for s in _of(on_operators, "StatefulSet") if _component(s) == "registry"]
    pod = registry["spec"]["template"]["spec"]
    assert "--kafka-tls-dir=/etc/yrdhub/kafka-tls" in pod["containers"][0]["args"]
    [volume] = [v for v in pod["volumes"] if v["name"] == "kafka-tls"]
    assert volume["projected"]["sources"][0]["secret"]["name"] == "hub-registry"


def test_each_exchange_and_the_pool_have_a_cloudnativepg_cluster_whose_uri_they_read(
    on_operators: list[dict[str, Any]],
) -> None:
    clusters = {c["metadata"]["name"] for c in _of(on_operators, "Cluster")}
    assert clusters == {"hub-pg-pool"} | {f"hub-pg-exchange-{p.lower()}" for p in PROVINCES}
    for deployment in _of(on_operators, "Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        [url] = [e for e in container["env"] if e["name"] == "YRDHUB_DB_URL"]
        province = deployment["metadata"]["labels"]["yrdhub/province"].lower()
        assert url["valueFrom"]["secretKeyRef"] == {
            "name": f"hub-pg-exchange-{province}-app",
            "key": "uri",
        }


def test_cert_manager_issues_every_identity_the_services_present(
    on_operators: list[dict[str, Any]],
) -> None:
    certificates = {c["spec"]["secretName"]: c["spec"] for c in _of(on_operators, "Certificate")}
    for identity in hub_identities():
        if identity.role is Role.BROKER:
            continue  # Strimzi's brokers have certificates of their own
        spec = certificates[f"yrdhub-tls-{file_stem(identity).lower()}"]
        assert spec["uris"] == [identity.uri]
        assert spec["commonName"] == str(identity)
    assert "hub-registry" in certificates["yrdhub-tls-registry"]["dnsNames"]


def _leaves(values: dict[str, Any], path: str = "") -> Iterator[str]:
    for key, value in values.items():
        here = f"{path}.{key}" if path else key
        # Maps handed to Kubernetes or looked up by key as a whole.
        if isinstance(value, dict) and key not in ("resources", "provinceSources"):
            yield from _leaves(value, here)
        else:
            yield here


def test_every_value_is_used_by_a_template() -> None:
    templates = "\n".join(p.read_text() for p in (CHART / "templates").iterdir())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    unused = []
    for leaf in _leaves(values):
        *parents, key = leaf.split(".")
        # Read as .Values.a.b.c, or as .c inside a `with`/variable of its parent.
        direct = f".Values.{leaf}" in templates
        scoped = f".{key}" in templates and f".Values.{'.'.join(parents[:1] or [key])}" in templates
        if not (direct or scoped):
            unused.append(leaf)
    assert unused == []


def test_values_that_would_not_deploy_are_refused_before_rendering() -> None:
    helm = _helm()
    for flags, reason in [
        (["--set", "kafka.brokr=3"], "Additional property brokr is not allowed"),
        (["--set", "logFormat=xml"], "logFormat must be one of"),
        (["--set", "provinces={SH,XX}"], "provinces.1"),
        (["--set", "kafka.strimzi.enabled=true"], "exclude each other"),
        (["--set", "kafka.enabled=false"], "kafka.bootstrap is required"),
    ]:
        done = subprocess.run(
            [helm, "template", "hub", str(CHART), *flags],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode != 0 and reason in done.stderr, (flags, done.stderr)
