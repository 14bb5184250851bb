"""A local Kafka cluster: several KRaft nodes (each a broker and a
controller, with a static voter set) from the same jars as the single
broker, each in a folder of its own under one data folder. For `yrdhub up
--brokers 3` and the tests of broker faults: topics then take the cluster
policy (3 replicas, 2 in sync), so one node may die without a write being
refused or an acknowledged event lost."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.hub.kafka_broker import BrokerTls, ClusterNode, KafkaBroker, _cluster_id
from services.hub.ports import free_port

_LAYOUT = "cluster.json"


class KafkaCluster:
    def __init__(self, data_dir: Path, brokers: int = 3, tls: BrokerTls | None = None) -> None:
        if brokers < 1:
            raise ValueError("a cluster has at least one broker")
        self.data_dir = Path(data_dir).resolve()
        self.tls = tls
        cluster_id, ports = self._layout(brokers)
        voters = ",".join(f"{i + 1}@127.0.0.1:{c}" for i, (_, c) in enumerate(ports))
        self.nodes = [
            KafkaBroker(
                self.data_dir / f"node-{i + 1}",
                port=port,
                controller_port=controller,
                tls=tls,
                node=ClusterNode(i + 1, voters, brokers, cluster_id),
            )
            for i, (port, controller) in enumerate(ports)
        ]

    def _layout(self, brokers: int) -> tuple[str, list[tuple[int, int]]]:
        """Cluster id and each node's (port, controller port), made once and
        kept: the voters remember them."""
        path = self.data_dir / _LAYOUT
        if path.is_file():
            saved = json.loads(path.read_text())
            ports = [(int(p), int(c)) for p, c in saved["ports"]]
            if len(ports) != brokers:
                raise ValueError(
                    f"{self.data_dir} holds a cluster of {len(ports)} brokers, not {brokers}: "
                    "use another folder"
                )
            return str(saved["cluster_id"]), ports
        cluster_id = _cluster_id()
        ports = [(free_port(), free_port()) for _ in range(brokers)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"cluster_id": cluster_id, "ports": ports}))
        return cluster_id, ports

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def start(self, timeout: float = 120.0) -> None:
        """Starts every node, then waits until each serves (a node alone has
        no quorum: they come up together)."""
        for node in self.nodes:
            node.start(wait=False)
        for node in self.nodes:
            node.wait_serving(timeout)

    def stop(self) -> None:
        """Stops every node together: stopped one after another, the last
        node has lost its controller quorum and waits out its whole shutdown
        timeout (30 s) before it is killed."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(KafkaBroker.stop, self.nodes))
