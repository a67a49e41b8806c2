"""Trace lines of a counterexample: who moved, what they wrote, and the fields that changed.

A trace step says which controller (or event, or fault) moved, its write, the object, and
-- where it is cheap to say -- the fields a reader looks at first, before and after
(``spec.replicas: 2 -> 3``, ``phase: Pending -> Running``).
"""

from __future__ import annotations

import attrs

from kspec.model.state import ClusterState


@attrs.frozen(kw_only=True)
class TraceStep:
    step: int
    clock: int
    actor: str
    action: str
    object: str
    ok: bool = True
    message: str = ""
    detail: str = ""

    def to_json(self) -> dict:
        return attrs.asdict(self)


def _pod_fields(pod) -> dict:
    ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions)
    return {"node": pod.spec.node_name or "-", "phase": pod.status.phase, "ready": ready,
            "restarts": sum(c.restart_count for c in pod.status.container_statuses),
            "terminating": pod.metadata.deletion_timestamp is not None}


def _node_fields(node) -> dict:
    ready = next((c.status for c in node.status.conditions if c.type == "Ready"), "-")
    return {"ready": ready, "taints": ",".join(t.key for t in node.spec.taints) or "-",
            "unschedulable": node.spec.unschedulable}


def _workload_fields(obj) -> dict:
    fields = {}
    spec, status = getattr(obj, "spec", None), getattr(obj, "status", None)
    for name in ("replicas", "paused", "parallelism", "completions"):
        if hasattr(spec, name):
            fields[f"spec.{name}"] = getattr(spec, name)
    template = getattr(spec, "template", None)
    containers = getattr(getattr(template, "spec", None), "containers", ())
    if containers:
        fields["image"] = ",".join(c.image for c in containers)
    for name in ("replicas", "ready_replicas", "available_replicas", "updated_replicas", "active", "succeeded",
                 "failed", "current_number_scheduled", "number_ready"):
        if hasattr(status, name):
            fields[f"status.{name}"] = getattr(status, name)
    return fields


def fields_of(obj) -> dict:
    """The fields a trace shows for one object (empty for kinds without a summary)."""
    if obj is None:
        return {}
    if obj.kind == "Pod":
        return _pod_fields(obj)
    if obj.kind == "Node":
        return _node_fields(obj)
    return _workload_fields(obj)


def change_detail(before: ClusterState, after: ClusterState, ref: str) -> str:
    """``field: old -> new, ...`` for the object ``Kind/namespace/name`` (or ``Kind/name``)."""
    parts = ref.split("/")
    if len(parts) == 2:
        kind, namespace, name = parts[0], "", parts[1]
    elif len(parts) == 3:
        kind, namespace, name = parts
    else:
        return ""
    old, new = before.get(kind, namespace, name), after.get(kind, namespace, name)
    if old is None and new is None:
        return ""
    if old is None:
        return "created" + _listing(fields_of(new))
    if new is None:
        return "removed"
    a, b = fields_of(old), fields_of(new)
    changed = [f"{key}: {a.get(key)} -> {b.get(key)}" for key in b if a.get(key) != b.get(key)]
    return ", ".join(changed)


def _listing(fields: dict) -> str:
    shown = {k: v for k, v in fields.items() if v not in (None, "", "-", False)}
    return f" ({', '.join(f'{k}={v}' for k, v in shown.items())})" if shown else ""


def numbered(steps) -> tuple[TraceStep, ...]:
    """Steps renumbered 1..n in order."""
    return tuple(attrs.evolve(s, step=i) for i, s in enumerate(steps, 1))
