"""The initial cluster state from decoded objects: Nodes and NodePools become nodes (or the
documented default cluster when there are none), every other object is created through
the store, so it gets a uid, a resourceVersion and a creation time like any write.

Default cluster (when the input has no Node and no NodePool): three nodes ``node-0`` ..
``node-2``, each with 4 CPUs, 16Gi of memory and room for 110 pods, in zones ``zone-a``,
``zone-b`` and ``zone-c``. A NodePool of ``count: 0`` (and no other node) is a cluster of
no nodes, as written, not the default cluster.

Size: NodePools may bring the cluster to at most ``MAX_NODES`` (5,000) nodes, Nodes given as
objects included: Kubernetes' documented limit for one cluster ("Considerations for large
clusters": no more than 5,000 nodes). A count beyond it, or below 0, is a ``ReadError`` at the
count (``node_pool_errors``), found before any node is built.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.api import core, others
from kspec.api.decode import nearest_node
from kspec.api.meta import ObjectMeta
from kspec.api.quantity import Quantity
from kspec.api.resources import ResourceList
from kspec.api.status import Condition, set_condition
from kspec.api.types import FrozenMap
from kspec.model.state import ClusterState
from kspec.model.store import Create, apply
from kspec.reading.errors import ReadError

ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"

DEFAULT_NODES = 3
DEFAULT_ALLOCATABLE = {"cpu": "4", "memory": "16Gi", "pods": "110"}
DEFAULT_ZONES = ("zone-a", "zone-b", "zone-c")
MAX_NODES = 5_000


def node_pool_errors(objects: Iterable[object]) -> list[ReadError]:
    """A ``ReadError`` at the ``count`` of every NodePool that is negative or that takes the
    cluster past ``MAX_NODES`` nodes (counting the Nodes of the input and the pools before it,
    in input order). Looks at counts only: nothing is built."""
    objects = list(objects)
    total = sum(1 for o in objects if isinstance(o, core.Node))
    errors = []
    for pool in (o for o in objects if isinstance(o, others.NodePool)):
        count = pool.spec.count
        where = nearest_node(pool, "spec", "count")
        name = pool.metadata.name
        if count < 0:
            errors.append(_error(where, f"NodePool {name}: count must be 0 or more, not {count}"))
        elif count > MAX_NODES - total:
            limit = f"kspec models at most {MAX_NODES:,} nodes in a cluster (Kubernetes' documented limit)"
            if total:
                errors.append(_error(where, f"NodePool {name}: count {count:,} with the {total:,} nodes before it "
                                            f"makes {total + count:,}; {limit}, so at most "
                                            f"{max(MAX_NODES - total, 0):,} here"))
            else:
                errors.append(_error(where, f"NodePool {name}: count {count:,} is too many; {limit}"))
        else:
            total += count
    return errors


def _error(node, message: str) -> ReadError:
    return ReadError(message, node.source, node.start) if node is not None else ReadError(message)


def expand_node_pool(pool: others.NodePool) -> list[core.Node]:
    """``<pool>-0`` .. ``<pool>-(count-1)``, zones spread round-robin."""
    template = pool.spec.template
    nodes = []
    for index in range(pool.spec.count):
        labels = dict(template.metadata.labels)
        if pool.spec.zones:
            labels[ZONE_LABEL] = pool.spec.zones[index % len(pool.spec.zones)]
        meta = ObjectMeta(name=f"{pool.metadata.name}-{index}", labels=FrozenMap(labels),
                          annotations=template.metadata.annotations)
        nodes.append(core.Node(metadata=meta, spec=template.spec, status=template.status, node=pool.node))
    return nodes


def default_nodes() -> list[core.Node]:
    allocatable = ResourceList({k: Quantity.parse(v) for k, v in DEFAULT_ALLOCATABLE.items()})
    return [core.Node(metadata=ObjectMeta(name=f"node-{i}", labels=FrozenMap({ZONE_LABEL: DEFAULT_ZONES[i]})),
                      status=core.NodeStatus(allocatable=allocatable, capacity=allocatable))
            for i in range(DEFAULT_NODES)]


def _ready_node(node: core.Node, index: int) -> core.Node:
    """A node as the model runs it: hostname label, a podCIDR, Ready unless told otherwise."""
    labels = node.metadata.labels.set(HOSTNAME_LABEL, node.metadata.name)
    spec = node.spec if node.spec.pod_cidr else attrs.evolve(node.spec, pod_cidr=f"10.244.{index}.0/24")
    conditions = node.status.conditions
    if not any(c.type == "Ready" for c in conditions):
        conditions = set_condition(conditions, Condition(type="Ready", status="True", reason="KubeletReady"))
    status = attrs.evolve(node.status, conditions=conditions)
    if not status.capacity:
        status = attrs.evolve(status, capacity=status.allocatable)
    return attrs.evolve(node, metadata=attrs.evolve(node.metadata, labels=labels), spec=spec, status=status)


def initial_state(objects: Iterable[object]) -> ClusterState:
    """A cluster holding ``objects`` (decoded), with nodes from Nodes/NodePools or the default cluster.

    kspec's own kinds other than NodePool (Scenario) are not cluster objects and are left out.
    Raises the first of ``node_pool_errors`` (a ``ReadError``) before building anything.
    """
    objects = list(objects)
    errors = node_pool_errors(objects)
    if errors:
        raise errors[0]
    nodes = [o for o in objects if isinstance(o, core.Node)]
    pools = [o for o in objects if isinstance(o, others.NodePool)]
    for pool in pools:
        nodes += expand_node_pool(pool)
    if not nodes and not pools:
        nodes = default_nodes()
    state = ClusterState()
    for index, node in enumerate(sorted(nodes, key=lambda n: n.metadata.name)):
        state = apply(state, Create(_ready_node(node, index))).state
    rest = [o for o in objects if not isinstance(o, (core.Node, others.NodePool, others.Scenario))]
    for obj in rest:
        state = apply(state, Create(obj)).state
    return _keep_owners(state, rest)


def _keep_owners(state: ClusterState, objects: list) -> ClusterState:
    """Owner references of the input that name their owner by the uid it had in the input
    (a ``kubectl get -o yaml`` dump) name it by its model uid, so a running app keeps its
    ReplicaSets and Pods instead of having the garbage collector delete them as orphans.
    DEVIATION(upstream): the store gives every object a deterministic uid (canonical states),
    so the cluster's uids are translated, not kept."""
    model_uid = {}
    for obj in objects:
        meta = obj.metadata
        if meta.uid:
            stored = state.get(obj.kind, meta.namespace, meta.name)
            if stored is not None:
                model_uid[meta.uid] = stored.metadata.uid
    if not model_uid:
        return state
    for obj in objects:
        refs = obj.metadata.owner_references
        if not any(ref.uid in model_uid for ref in refs):
            continue
        stored = state.get(obj.kind, obj.metadata.namespace, obj.metadata.name)
        if stored is None:
            continue
        kept = tuple(attrs.evolve(ref, uid=model_uid.get(ref.uid, ref.uid)) for ref in stored.metadata.owner_references)
        state = state.put(attrs.evolve(stored, metadata=attrs.evolve(stored.metadata, owner_references=kept)))
    return state
