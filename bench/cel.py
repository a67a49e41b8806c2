"""CEL evaluation: kspec's engine beside cel-python on the same expressions, in one run.

Each expression is compiled once by both engines and evaluated ``--repeat`` times over
a Kubernetes Deployment; the table gives microseconds per evaluation and the ratio.
``cel-python`` is a benchmark-only dependency (``pip install cel-python``).

    python bench/cel.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import time

from kspec.rules.cel import compile_expression

OBJECT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web", "tier": "frontend"}},
    "spec": {"replicas": 3, "template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.27", "resources": {"requests": {"cpu": "500m"}, "limits": {"memory": "1Gi"}},
         "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False}},
        {"name": "sidecar", "image": "envoy:v1.30", "resources": {"requests": {"cpu": "100m"}}},
    ]}}},
}

EXPRESSIONS = [
    "object.spec.replicas >= 2",
    "object.metadata.labels.app == 'web' && object.metadata.namespace != 'default'",
    "object.spec.template.spec.containers.all(c, c.image.contains(':') && !c.image.endsWith(':latest'))",
    "object.spec.template.spec.containers.exists(c, has(c.resources.limits))",
    "object.spec.template.spec.containers.map(c, c.name).size() == 2",
    "object.spec.template.spec.containers.filter(c, has(c.securityContext) && "
    "c.securityContext.runAsNonRoot == true).size() >= 1",
    "'app' in object.metadata.labels ? object.metadata.labels['app'].size() : 0",
    "object.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
]


def _time(run, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - started) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    try:
        import celpy
        from celpy import json_to_cel
    except ImportError:
        celpy = None
    print(f"{'expression':<72} {'kspec us':>9} {'cel-python us':>14} {'ratio':>7}")
    ratios = []
    for text in EXPRESSIONS:
        program = compile_expression(text)
        activation = {"object": OBJECT}
        ours = _time(lambda: program.evaluate(activation), args.repeat)
        theirs = None
        if celpy is not None:
            env = celpy.Environment()
            runner = env.program(env.compile(text))
            cel_activation = {"object": json_to_cel(OBJECT)}
            expected = runner.evaluate(cel_activation)
            assert bool(expected) == bool(program.evaluate(activation)) or not isinstance(expected, bool), text
            theirs = _time(lambda: runner.evaluate(cel_activation), max(args.repeat // 10, 50))
            ratios.append(theirs / ours)
        shown = text if len(text) <= 70 else text[:67] + "..."
        peer = f"{theirs:>14.1f} {theirs / ours:>6.1f}x" if theirs is not None else f"{'n/a':>14} {'':>7}"
        print(f"{shown:<72} {ours:>9.1f} {peer}")
    if ratios:
        ratios.sort()
        print(f"\nkspec is {ratios[0]:.1f}x to {ratios[-1]:.1f}x faster per evaluation "
              f"(median {ratios[len(ratios) // 2]:.1f}x)")


if __name__ == "__main__":
    main()
