"""The initial cluster state from decoded objects: Nodes and NodePools become nodes (or the
documented default cluster when there are none), every other object is created through
the store, so it gets a uid, a resourceVersion and a creation time like any write.

Default cluster (when the input has no Node and no NodePool): three nodes ``node-0`` ..
``node-2``, each with 4 CPUs, 16Gi of memory and room for 110 pods, in zones ``zone-a``,
``zone-b`` and ``zone-c``.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from kspec.api import core, others
from kspec.api.meta import ObjectMeta
from kspec.api.quantity import Quantity
from kspec.api.resources import ResourceList
from kspec.api.status import Condition, set_condition
from kspec.api.types import FrozenMap
from kspec.model.state import ClusterState
from kspec.model.store import Create, apply

ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"

DEFAULT_NODES = 3
DEFAULT_ALLOCATABLE = {"cpu": "4", "memory": "16Gi", "pods": "110"}
DEFAULT_ZONES = ("zone-a", "zone-b", "zone-c")


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
    """
    objects = list(objects)
    nodes = [o for o in objects if isinstance(o, core.Node)]
    for pool in (o for o in objects if isinstance(o, others.NodePool)):
        nodes += expand_node_pool(pool)
    if not nodes:
        nodes = default_nodes()
    state = ClusterState()
    for index, node in enumerate(sorted(nodes, key=lambda n: n.metadata.name)):
        state = apply(state, Create(_ready_node(node, index))).state
    rest = [o for o in objects if not isinstance(o, (core.Node, others.NodePool, others.Scenario))]
    for obj in rest:
        state = apply(state, Create(obj)).state
    return state
