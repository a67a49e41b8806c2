"""The attach/detach controller, the CSI attacher and the kubelet's volume manager."""

import attrs

from kspec.api.status import Condition, set_condition
from kspec.controllers import attachdetach, kubelet, volumemanager
from kspec.controllers.scheduler import REASON_RWOP, read_write_once_pod_conflict
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import state_of

NODES = "".join(f"""---
apiVersion: v1
kind: Node
metadata: {{name: {n}, labels: {{kubernetes.io/hostname: {n}}}}}
status: {{allocatable: {{cpu: "4", memory: 8Gi, pods: "110"}}}}
""" for n in ("n1", "n2"))


def volume(name: str = "pv-a", modes: str = "[ReadWriteOnce]") -> str:
    return f"""---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {name}}}
spec: {{capacity: {{storage: 1Gi}}, accessModes: {modes}, storageClassName: "", claimRef: {{namespace: ns, name: c-{name}}}}}
status: {{phase: Bound}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: c-{name}, namespace: ns}}
spec: {{accessModes: {modes}, storageClassName: "", volumeName: {name}, resources: {{requests: {{storage: 1Gi}}}}}}
status: {{phase: Bound}}
"""


def pod(name: str, node: str, claim: str = "c-pv-a", extra: str = "") -> str:
    return f"""---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: ns}}
spec:
  nodeName: {node}
  containers: [{{name: c, image: x}}]
  volumes: [{{name: data, persistentVolumeClaim: {{claimName: {claim}}}}}]{extra}
"""


def step(state, actions):
    for action in actions:
        state = apply(state, action).state
    return state


def test_a_bound_pod_gets_its_volume_attached_then_mounted_then_starts():
    """Attach (VolumeAttachment), attacher marks it, volume manager mounts, kubelet starts."""
    state = state_of(NODES + volume() + pod("p", "n1"))
    (create,) = attachdetach.reconcile(state)
    assert isinstance(create, Create) and create.obj.spec.node_name == "n1"
    state = step(state, [create])
    (attached,) = attachdetach.reconcile(state)
    assert isinstance(attached, UpdateStatus) and attached.obj.status.attached
    waiting = kubelet.sync_pod(state, state.get("Pod", "ns", "p"), state.get("Node", "", "n1"))
    assert waiting.obj.status.container_statuses[0].reason == "ContainerCreating"
    state = step(state, [attached])
    (mount,) = volumemanager.reconcile(state)
    state = step(state, [mount])
    assert state.get("Node", "", "n1").status.volumes_in_use == ("pv-a",)
    started = kubelet.sync_pod(state, state.get("Pod", "ns", "p"), state.get("Node", "", "n1"))
    assert started.obj.status.phase == "Running"


def test_an_exclusive_volume_waits_for_the_other_node_multi_attach():
    """RWO attached on n1: a pod on n2 gets no attachment and reports the Multi-Attach error."""
    state = state_of(NODES + volume() + pod("old", "n1"))
    state = step(state, attachdetach.reconcile(state))
    state = step(state, [Delete("Pod", "ns", "old", grace_seconds=0)])
    state = step(state, [Create(state_of(pod("new", "n2")).get("Pod", "ns", "new"))])
    assert not [a for a in attachdetach.reconcile(state) if isinstance(a, Create)]
    waiting = kubelet.sync_pod(state, state.get("Pod", "ns", "new"), state.get("Node", "", "n2"))
    assert waiting.obj.status.container_statuses[0].message.startswith('Multi-Attach error for volume "pv-a"')


def test_a_read_write_many_volume_attaches_to_both_nodes():
    """RWX: one attachment per node."""
    state = state_of(NODES + volume(modes="[ReadWriteMany]") + pod("a", "n1") + pod("b", "n2"))
    creates = [a for a in attachdetach.reconcile(state) if isinstance(a, Create)]
    assert sorted(a.obj.spec.node_name for a in creates) == ["n1", "n2"]


def test_detach_waits_for_unmount_on_a_healthy_node():
    """An unwanted attachment is marked, kept while mounted, deleted once unmounted."""
    state = state_of(NODES + volume() + pod("p", "n1"))
    for _ in range(3):
        state = step(state, attachdetach.reconcile(state) + volumemanager.reconcile(state))
    state = step(state, [Delete("Pod", "ns", "p", grace_seconds=0)])
    (mark,) = attachdetach.reconcile(state)
    assert isinstance(mark, Update) and attachdetach.DETACH_REQUESTED in mark.obj.metadata.annotations
    state = step(state, [mark])
    assert attachdetach.reconcile(state) == ()  # still in volumesInUse
    state = step(state, volumemanager.reconcile(state))  # unmount
    assert [type(a) for a in attachdetach.reconcile(state)] == [Delete]


def test_forced_detach_from_an_unhealthy_node_after_six_minutes():
    """Node not Ready, volume still listed in use: detached at request + 360 s, not before."""
    state = state_of(NODES + volume() + pod("p", "n1"))
    for _ in range(3):
        state = step(state, attachdetach.reconcile(state) + volumemanager.reconcile(state))
    node = state.get("Node", "", "n1")
    down = Condition(type="Ready", status="Unknown", reason="NodeStatusUnknown")
    state = step(state, [UpdateStatus(attrs.evolve(node, status=attrs.evolve(
        node.status, conditions=set_condition(node.status.conditions, down)))),
        Delete("Pod", "ns", "p", grace_seconds=0)])
    state = step(state, attachdetach.reconcile(state))  # marked at t=0
    assert attachdetach.reconcile(state.with_clock(359)) == ()
    assert attachdetach.wakeup(state) == 360
    assert [type(a) for a in attachdetach.reconcile(state.with_clock(360))] == [Delete]


def test_volume_manager_leaves_a_node_that_is_not_ready_alone():
    """No kubelet on a NotReady node: its volumesInUse goes stale."""
    state = state_of(NODES + volume() + pod("p", "n1"))
    node = state.get("Node", "", "n1")
    down = Condition(type="Ready", status="False", reason="KubeletNotReady")
    state = step(state, [UpdateStatus(attrs.evolve(node, status=attrs.evolve(
        node.status, conditions=set_condition(node.status.conditions, down))))])
    state = step(state, attachdetach.reconcile(state))
    state = step(state, attachdetach.reconcile(state))
    assert volumemanager.reconcile(state) == ()


CONFIG = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: ns}\ndata: {mode: fast}\n"


def _plain_pod(spec_extra: str, container_extra: str = "") -> str:
    return f"""---
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: ns}}
spec:
  nodeName: n1
{spec_extra}  containers:
  - name: c
    image: x
{container_extra}"""


def _start(text: str):
    state = state_of(NODES + text)
    return kubelet.sync_pod(state, state.get("Pod", "ns", "p"), state.get("Node", "", "n1"))


def test_missing_config_map_volume_keeps_the_pod_container_creating():
    """FailedMount as upstream words it; an optional reference does not block; present starts."""
    volume_spec = "  volumes: [{name: conf, configMap: {name: cfg%s}}]\n"
    action = _start(_plain_pod(volume_spec % ""))
    status = action.obj.status.container_statuses[0]
    assert (status.reason, status.message) == ("ContainerCreating",
                                               'MountVolume.SetUp failed for volume "conf" : configmap "cfg" not found')
    assert _start(_plain_pod(volume_spec % ", optional: true")).obj.status.phase == "Running"
    assert _start(CONFIG + _plain_pod(volume_spec % "")).obj.status.phase == "Running"


def test_missing_secret_or_key_in_env_is_create_container_config_error():
    """Env references: a missing Secret, then a missing key of an existing ConfigMap."""
    secret_env = "    env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}]\n"
    status = _start(_plain_pod("", secret_env)).obj.status.container_statuses[0]
    assert (status.reason, status.message) == ("CreateContainerConfigError", 'secret "db" not found')
    key_env = "    env: [{name: MODE, valueFrom: {configMapKeyRef: {name: cfg, key: missing}}}]\n"
    status = _start(CONFIG + _plain_pod("", key_env)).obj.status.container_statuses[0]
    assert status.message == "couldn't find key missing in ConfigMap ns/cfg"
    from_env = "    envFrom: [{configMapRef: {name: cfg}}]\n"
    assert _start(CONFIG + _plain_pod("", from_env)).obj.status.phase == "Running"


def test_read_write_once_pod_claim_keeps_a_second_pod_unschedulable():
    """VolumeRestrictions: a second pod on an RWOP claim is not scheduled."""
    state = state_of(NODES + volume(modes="[ReadWriteOncePod]") + pod("first", "n1"))
    second = state_of(pod("second", "n2").replace("  nodeName: n2\n", "")).get("Pod", "ns", "second")
    assert read_write_once_pod_conflict(state, second) == REASON_RWOP
