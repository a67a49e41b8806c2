"""Small inputs and trivial properties for the engine tests (registered only while a test
uses them, so they never join the default property set of other tests)."""

from __future__ import annotations

import contextlib

from kspec.check.faults import trusting_stale_views
from kspec.check.properties import PROPERTIES, Property, Violation
from kspec.model.actors import default_actors
from kspec.model.state import object_ref
from tests.controllers.helpers import objects

POOL = """\
apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {name: n}
spec:
  count: %d
  template:
    status:
      allocatable: {cpu: "4", memory: 16Gi, pods: "110"}
"""

REPLICASET = """\
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: shop}
spec:
  replicas: %d
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27", resources: {requests: {cpu: 500m}}}
"""

SCENARIO = """\
---
apiVersion: kspec.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  faults: %s
  events: %s
"""


def replicaset_input(replicas: int = 2, nodes: int = 2, faults: str = "[]", events: str = "[]") -> str:
    return POOL % nodes + REPLICASET % replicas + SCENARIO % (faults, events)


def replicaset_objects(**kwargs) -> list:
    return objects(replicaset_input(**kwargs))


def _live_pods(state, rs):
    return [p for p in state.list("Pod", rs.metadata.namespace)
            if (ref := p.metadata.controller_ref()) is not None and ref.uid == rs.metadata.uid
            and p.metadata.deletion_timestamp is None]


def rs_at_most_replicas(state):
    """No ReplicaSet has more live pods than spec.replicas (true while nobody scales)."""
    for rs in state.list("ReplicaSet"):
        count = len(_live_pods(state, rs))
        if count > rs.spec.replicas:
            yield Violation("test-rs-max", object_ref(rs), f"{count} live pods for spec.replicas {rs.spec.replicas}")


def rs_ready(state):
    for rs in state.list("ReplicaSet"):
        if rs.status.ready_replicas != rs.spec.replicas:
            yield Violation("test-rs-ready", object_ref(rs),
                            f"{rs.status.ready_replicas} ready of {rs.spec.replicas}")


def no_restarts(state):
    for pod in state.list("Pod"):
        if any(c.restart_count for c in pod.status.container_statuses):
            yield Violation("test-no-restarts", object_ref(pod), "a container restarted")


def replicas_fixed(old, new):
    for rs in new.list("ReplicaSet"):
        before = old.get("ReplicaSet", rs.metadata.namespace, rs.metadata.name)
        if before is not None and before.spec.replicas != rs.spec.replicas:
            yield Violation("test-replicas-fixed", object_ref(rs),
                            f"spec.replicas {before.spec.replicas} -> {rs.spec.replicas}")


TEST_PROPERTIES = (
    Property("test-rs-max", "state", "rs: live pods <= spec.replicas", "", rs_at_most_replicas, lambda s: False),
    Property("test-rs-ready", "eventually", "rs: settles ready", "", rs_ready, lambda s: False),
    Property("test-no-restarts", "eventually", "pods never restart", "", no_restarts, lambda s: False),
    Property("test-replicas-fixed", "transition", "rs: replicas never change", "", replicas_fixed,
             lambda s: False),
)


@contextlib.contextmanager
def registered():
    """The test properties in the registry for the duration of a block."""
    added = [PROPERTIES.add(p) for p in TEST_PROPERTIES if p.id not in PROPERTIES]
    try:
        yield
    finally:
        for p in added:
            PROPERTIES._by_id.pop(p.id, None)


def with_mutant(name: str = "replicaset"):
    """The default actors with one of them trusting stale views."""
    return [trusting_stale_views(a) if a.name == name else a for a in default_actors()]
