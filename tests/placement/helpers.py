"""Small placement inputs written as YAML, read through kspec's own reader (positions kept)."""

from __future__ import annotations

from kspec.api.registry import decode_object
from kspec.placement.problem import Problem, build
from kspec.placement.solve import Answer, Options, place
from kspec.reading.loader import load_text


def node(name: str, cpu: str = "4", memory: str = "16Gi", labels: str = "", taints: str = "",
         unschedulable: bool = False, pods: str = "110") -> str:
    extra = f", {labels}" if labels else ""
    spec = ""
    if taints or unschedulable:
        spec = "spec: {" + ", ".join(filter(None, [f"taints: [{taints}]" if taints else "",
                                                   "unschedulable: true" if unschedulable else ""])) + "}\n"
    return (f"---\napiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {{kubernetes.io/hostname: {name}"
            f"{extra}}}}}\n{spec}status: {{allocatable: {{cpu: \"{cpu}\", memory: {memory}, pods: \"{pods}\"}}}}\n")


def deployment(name: str, replicas: int = 1, cpu: str = "1", memory: str = "1Gi", pod_spec: str = "",
               namespace: str = "shop", container: str = "") -> str:
    """``pod_spec``: extra lines of the pod spec, indented by six spaces."""
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
{pod_spec}      containers:
      - name: c
        image: "x:1"
        resources: {{requests: {{cpu: "{cpu}", memory: {memory}}}}}
{container}"""


def problem(text: str) -> Problem:
    manifests, errors = load_text(text, "in.yaml")
    assert not errors, errors
    return build(decode_object(m) for m in manifests)


def solve(text: str, **options) -> tuple[Problem, Answer]:
    p = problem(text)
    return p, place(p, Options(**options))


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    found = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return found[occurrence - 1]
