"""``kspec place`` beside the greedy kube-scheduler model and OR-Tools CP-SAT, in one run.

Planted instances: ``--workloads`` Deployments (cpu 100m-2, memory 128Mi-4Gi per pod) over
heterogeneous node pools; replica counts come from a random planted placement filled to
the target (loose 60 %, tight 95 %), so a placement is known to exist. Infeasible variants
add pods that each need more than half of the largest node, one more than nodes can take
(the totals still fit: only a per-node argument proves it). For each size it prints
kspec's answer and time, the greedy scheduler's placed count and time, and CP-SAT's answer
and time (a benchmark-only dependency: ``pip install ortools``), then min-nodes against
CP-SAT's optimum at 200 nodes.

    python bench/place.py [--sizes 100x10,1000x100,2000x200,10000x1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

from kspec.api.registry import decode_object
from kspec.placement.greedy import compare_greedy
from kspec.placement.problem import build
from kspec.placement.solve import Options, place
from kspec.reading.loader import load_text

def pools(pods: int, nodes: int) -> tuple[tuple[int, int], ...]:
    """Three node sizes (cpu, memory Gi) around what ``pods / nodes`` average pods need at 95 %."""
    cpu = max(1, round(pods / nodes * 0.8 / 0.95))
    return tuple((max(1, round(cpu * f)), max(2, round(cpu * f)) * 4) for f in (0.5, 1.0, 1.5))


def instance(pods: int, nodes: int, workloads: int, fill: float, infeasible: bool, rng: random.Random) -> str:
    """Pods are added to a random planted placement until it is ``fill`` full (or ``pods``
    pods for a loose instance), so a placement exists."""
    shapes = [(rng.choice([100, 250, 500, 1000, 1500]), rng.choice([128, 256, 512, 1024, 2048]))
              for _ in range(workloads)]
    sizes = pools(pods, nodes)
    capacity = [sizes[i % len(sizes)] for i in range(nodes)]
    free = [[c * 1000 * fill, m * 1024 * fill] for c, m in capacity]
    counts = [0] * workloads
    placed = 0
    attempts = 0
    limit = pods if fill < 0.9 else pods * 3
    while placed < limit and attempts < limit * 30:
        attempts += 1
        w = rng.randrange(workloads)
        cpu, memory = shapes[w]
        n = rng.randrange(nodes)
        if free[n][0] >= cpu and free[n][1] >= memory:
            free[n][0] -= cpu
            free[n][1] -= memory
            counts[w] += 1
            placed += 1
    text = []
    for i, (cpu, memory) in enumerate(sizes):
        count = len(range(i, nodes, len(sizes)))
        text.append(f"""---
apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {{name: pool{i}}}
spec:
  count: {count}
  zones: [zone-a, zone-b, zone-c]
  template:
    status:
      allocatable: {{cpu: "{cpu}", memory: {memory}Gi, pods: "250"}}
""")
    for w, ((cpu, memory), count) in enumerate(zip(shapes, counts)):
        text.append(_deployment(f"app-{w}", count, f"{cpu}m", f"{memory}Mi"))
    if infeasible:
        big_cpu = sizes[-1][0] * 1000 // 2 + 500
        text.append(_deployment("huge", len([c for c in capacity if c[0] * 1000 >= big_cpu]) + 1, f"{big_cpu}m", "1Gi"))
    return "".join(text)


def _deployment(name: str, replicas: int, cpu: str, memory: str) -> str:
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: bench}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: c, image: "x:1", resources: {{requests: {{cpu: "{cpu}", memory: {memory}}}}}}}]
"""


def problem_of(text: str):
    manifests, errors = load_text(text, "bench.yaml")
    assert not errors, errors
    return build(decode_object(m) for m in manifests)


def cp_sat(problem, minimise_nodes: bool = False, timeout: float = 60.0):
    """CP-SAT with integer counts per (workload, node); None when ortools is absent."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return None
    started = time.monotonic()
    model = cp_model.CpModel()
    groups: dict[str, list] = {}
    for p in problem.pods:
        groups.setdefault(p.workload, []).append(p)
    nodes = problem.nodes
    count = {}
    for w, pods in groups.items():
        for n in range(len(nodes)):
            count[(w, n)] = model.NewIntVar(0, len(pods), f"c_{w}_{n}")
        model.Add(sum(count[(w, n)] for n in range(len(nodes))) == len(pods))
    use = [model.NewBoolVar(f"u{n}") for n in range(len(nodes))] if minimise_nodes else None
    for n, node in enumerate(nodes):
        alloc = problem.allocatable(node)
        for r in ("cpu", "memory", "pods"):
            model.Add(sum(count[(w, n)] * (pods[0].requests.get(r, 0) // (2 ** 20 if r == "memory" else 1))
                          for w, pods in groups.items())
                      <= alloc.get(r, 0) // (2 ** 20 if r == "memory" else 1))
        if use is not None:
            for w, pods in groups.items():
                model.Add(count[(w, n)] <= len(pods) * use[n])
    if use is not None:
        model.Minimize(sum(use))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = timeout
    solver.parameters.num_workers = 2
    status = solver.Solve(model)
    seconds = time.monotonic() - started
    names = {cp_model.OPTIMAL: "optimal" if use is not None else "sat", cp_model.FEASIBLE: "feasible",
             cp_model.INFEASIBLE: "unsat"}
    value = round(solver.ObjectiveValue()) if use is not None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE) \
        else None
    return names.get(status, "unknown"), seconds, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100x10,1000x100,2000x200,10000x1000")
    parser.add_argument("--workloads", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-cp-sat", action="store_true")
    args = parser.parse_args()
    print(f"{'instance':<28} {'kspec':>8} {'s':>7} {'method':>9}   {'greedy placed':>14} {'s':>6}   "
          f"{'cp-sat':>8} {'s':>7}")
    for size in args.sizes.split(","):
        pods, nodes = (int(v) for v in size.split("x"))
        for fill, label in ((0.6, "loose"), (0.95, "tight")):
            for infeasible in (False, True):
                if infeasible and label == "tight":
                    continue
                rng = random.Random(args.seed)
                text = instance(pods, nodes, min(args.workloads, max(pods // 2, 1)), 0.3 if infeasible else fill,
                                infeasible, rng)
                problem = problem_of(text)
                started = time.monotonic()
                answer = place(problem, Options(timeout=120))
                ours = time.monotonic() - started
                started = time.monotonic()
                greedy = compare_greedy(problem)
                greedy_s = time.monotonic() - started
                peer = None if args.no_cp_sat else cp_sat(problem)
                name = f"{len(problem.pods)}x{len(problem.nodes)} {label}{' +huge' if infeasible else ''}"
                peer_text = f"{peer[0]:>8} {peer[1]:>7.2f}" if peer else f"{'n/a':>8} {'':>7}"
                print(f"{name:<28} {answer.status:>8} {ours:>7.2f} {answer.method:>9}   "
                      f"{greedy.placed:>6}/{len(problem.pods):<7} {greedy_s:>6.2f}   {peer_text}", flush=True)
                if answer.status == "unsat" and answer.explanation:
                    print(f"  explanation: {answer.explanation[0].message[:150]}")
    rng = random.Random(args.seed)
    problem = problem_of(instance(2000, 200, args.workloads, 0.8, False, rng))
    started = time.monotonic()
    answer = place(problem, Options(objective="min-nodes", timeout=60))
    ours = time.monotonic() - started
    peer = None if args.no_cp_sat else cp_sat(problem, minimise_nodes=True)
    print()
    print(f"min-nodes, {len(problem.pods)} pods on up to {len(problem.nodes)} nodes: kspec {answer.value} nodes "
          f"(lower bound {answer.lower_bound}, {'proven' if answer.proven else 'not proven'}) in {ours:.2f} s; "
          + (f"CP-SAT {peer[2]} ({peer[0]}) in {peer[1]:.2f} s; kspec/CP-SAT = {answer.value / peer[2]:.3f}"
             if peer and peer[2] else "CP-SAT n/a"))


if __name__ == "__main__":
    main()
