"""Pods per second of the greedy scheduler (``kspec.controllers.scheduler.greedy_schedule``).

Places simple pods (cpu/memory requests, no affinity, no spread constraints) one at a time
on N identical nodes in three zones, the way ``kspec place --compare-greedy`` does, and
prints pods/s for each size. ``--general`` turns off the per-shape queues and scans every
node for every pod (the path pods with affinity or spread constraints always take).
``--spread`` gives the pods hostname anti-affinity-free zone spreading (maxSkew 1,
DoNotSchedule), which always takes the scanning path.

    python bench/scheduler.py [--sizes 1000x100,10000x1000] [--general] [--spread]
"""

from __future__ import annotations

import argparse
import time

from kspec.api.registry import decode_object
from kspec.controllers import schedsnapshot
from kspec.controllers.scheduler import greedy_schedule
from kspec.model.cluster import ZONE_LABEL
from kspec.reading.loader import load_text

NODE = """\
apiVersion: v1
kind: Node
metadata: {{name: node-{i:04d}, labels: {{{zone}: zone-{z}, kubernetes.io/hostname: node-{i:04d}}}}}
status: {{allocatable: {{cpu: "16", memory: 64Gi, pods: "110"}}}}
"""

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: p-{i}, namespace: bench, labels: {{app: a{app}}}}}
spec:
  containers: [{{name: c, image: x, resources: {{requests: {{cpu: {cpu}m, memory: {mem}Mi}}}}}}]
{extra}"""

SPREAD = """\
  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule,
     labelSelector: {matchLabels: {app: a0}}}
"""


def decode(text: str) -> list:
    manifests, errors = load_text(text, "bench.yaml")
    assert not errors, errors
    return [decode_object(m) for m in manifests]


def build(pods: int, nodes: int, spread: bool):
    node_objs = decode("---\n".join(NODE.format(i=i, zone=ZONE_LABEL, z="abc"[i % 3]) for i in range(nodes)))
    # a few request shapes, as a handful of workloads would have
    pod_objs = decode("---\n".join(
        POD.format(i=i, app=i % 5 if not spread else 0, cpu=100 * (1 + i % 5), mem=128 * (1 + i % 3),
                   extra=SPREAD if spread else "")
        for i in range(pods)))
    return node_objs, pod_objs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000x100,10000x1000", help="PODSxNODES,...")
    parser.add_argument("--general", action="store_true", help="scan every node for every pod")
    parser.add_argument("--spread", action="store_true", help="pods with a DoNotSchedule zone constraint")
    args = parser.parse_args()
    if args.general:
        schedsnapshot.MAX_QUEUES = 0
    for size in args.sizes.split(","):
        pods, nodes = map(int, size.split("x"))
        node_objs, pod_objs = build(pods, nodes, args.spread)
        start = time.perf_counter()
        result = greedy_schedule(node_objs, (), pod_objs)
        seconds = time.perf_counter() - start
        print(f"{pods} pods on {nodes} nodes: {seconds:.2f} s, {pods / seconds:,.0f} pods/s "
              f"({len(result.assignments)} placed, {len(result.pending)} pending)")


if __name__ == "__main__":
    main()
