"""Deliberately broken controllers, one family per built-in property, and the small inputs
that expose them. A mutant is the default actor set with one actor's reconcile changed:
either its writes filtered, or one of its module's functions replaced while it runs (so
the property judging it, which never calls that function, is unaffected)."""

from __future__ import annotations

import contextlib
from types import ModuleType
from typing import Callable

import attrs

from kspec.model.actors import default_actors
from kspec.model.run import Actor
from kspec.model.store import Create, Delete, UpdateStatus


def _replace(actor_name: str, make: Callable[[Actor], Callable]):
    return tuple(attrs.evolve(a, reconcile=make(a)) if a.name == actor_name else a for a in default_actors())


def dropping(actor_name: str, drop: Callable[[object], bool]):
    """The default actors, ``actor_name`` never making the writes ``drop`` selects."""
    return _replace(actor_name, lambda a: lambda view: tuple(x for x in a.reconcile(view) if not drop(x)))


def patching(actor_name: str, module: ModuleType, **replacements):
    """The default actors, ``module``'s functions replaced while ``actor_name`` reconciles."""
    def make(actor: Actor):
        def reconcile(view):
            saved = {attr: getattr(module, attr) for attr in replacements}
            for attr, value in replacements.items():
                setattr(module, attr, value)
            try:
                return actor.reconcile(view)
            finally:
                for attr, value in saved.items():
                    setattr(module, attr, value)
        return reconcile
    return _replace(actor_name, make)


@contextlib.contextmanager
def patched(module: ModuleType, attr: str, value):
    """``module.attr`` replaced for a block (for the store, which is no actor)."""
    saved = getattr(module, attr)
    setattr(module, attr, value)
    try:
        yield
    finally:
        setattr(module, attr, saved)


def is_delete(action) -> bool:
    return isinstance(action, Delete)


def creates_pod(action) -> bool:
    return isinstance(action, Create) and action.obj.kind == "Pod"


def completes_job(action) -> bool:
    return isinstance(action, UpdateStatus) and action.obj.kind == "Job" and any(
        c.type in ("Complete", "SuccessCriteriaMet") for c in action.obj.status.conditions)


# ---- inputs ------------------------------------------------------------------------------------

def pool(count: int = 1, cpu: str = "4") -> str:
    return f"""\
apiVersion: kspec.dev/v1alpha1
kind: NodePool
metadata: {{name: node}}
spec:
  count: {count}
  template:
    status:
      allocatable: {{cpu: "{cpu}", memory: 16Gi, pods: "110"}}
"""


def scenario(faults: str = "[]", events: str = "[]", start: str = "input") -> str:
    return f"""\
---
apiVersion: kspec.dev/v1alpha1
kind: Scenario
metadata: {{name: s}}
spec:
  start: {start}
  faults: {faults}
  events: {events}
"""


def replicaset(replicas: int = 2, cpu: str = "500m", probe: bool = False) -> str:
    readiness = "\n        readinessProbe: {httpGet: {path: /, port: 80}, initialDelaySeconds: 5}" if probe else ""
    return f"""\
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: "nginx:1.27"
        resources: {{requests: {{cpu: {cpu}}}}}{readiness}
"""


def deployment(replicas: int = 3, surge: str = "0", unavailable: str = "50%") -> str:
    return f"""\
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  strategy:
    rollingUpdate: {{maxSurge: "{surge}", maxUnavailable: "{unavailable}"}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: web, image: "nginx:1.27", resources: {{requests: {{cpu: 100m}}}}}}
"""


def statefulset(replicas: int = 2, claims: bool = False) -> str:
    volume = """
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}""" if claims else ""
    return f"""\
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {{storageclass.kubernetes.io/is-default-class: "true"}}
provisioner: csi.example.com
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: data}}
spec:
  serviceName: db
  replicas: {replicas}
  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers:
      - name: db
        image: "postgres:17"
        resources: {{requests: {{cpu: 100m}}}}{volume}
"""


SERVICE = """\
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""

DAEMONSET = """\
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "agent:1", resources: {requests: {cpu: 50m}}}]
"""


def job(completions: int = 1, parallelism: int = 2) -> str:
    return f"""\
---
apiVersion: batch/v1
kind: Job
metadata: {{name: report, namespace: ops}}
spec:
  completions: {completions}
  parallelism: {parallelism}
  template:
    spec:
      restartPolicy: Never
      containers: [{{name: report, image: "busybox:1.36", resources: {{requests: {{cpu: 100m}}}}}}]
"""


STATIC_VOLUME = """\
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: small}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: big, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  resources: {requests: {storage: 5Gi}}
"""

PDB = """\
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
"""

QUOTA = """\
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: shop}
spec:
  hard: {pods: "1"}
"""
