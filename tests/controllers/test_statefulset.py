"""The StatefulSet controller against upstream pkg/controller/statefulset behaviour
(cases ported from stateful_set_control_test.go and stateful_set_utils_test.go)."""

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from kspec.controllers import attachdetach, kubelet, pvbinder, scheduler, statefulset, volumemanager
from kspec.controllers.statefulset import REVISION_LABEL
from kspec.model.events import DeleteObject, ImageUpdate, PodCrash, Scale, apply_event
from kspec.model.run import Actor, run
from kspec.model.store import Create, Delete, Update, UpdateStatus, apply
from tests.controllers.helpers import state_of

# the claims bind, attach and mount before a pod starts, as upstream (the kubelet waits for them)
ACTORS = (Actor(statefulset.NAME, statefulset.reconcile, statefulset.wakeup),
          Actor(scheduler.NAME, scheduler.reconcile), Actor(pvbinder.NAME, pvbinder.reconcile),
          Actor(attachdetach.NAME, attachdetach.reconcile, attachdetach.wakeup),
          Actor(volumemanager.NAME, volumemanager.reconcile), Actor(kubelet.NAME, kubelet.reconcile, kubelet.wakeup))

STORAGE = """\
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: csi.example.com
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ns}
data: {a: b}
"""


def sts(replicas: int = 3, *, policy: str = "OrderedReady", strategy: str = "{type: RollingUpdate}",
        retention: str = "{}", extra: str = "", container: str = "") -> str:
    return f"""\
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web, namespace: ns}}
spec:
  replicas: {replicas}
  serviceName: web-svc
  podManagementPolicy: {policy}
  updateStrategy: {strategy}
  persistentVolumeClaimRetentionPolicy: {retention}
  selector: {{matchLabels: {{app: web}}}}
{extra}  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx:1
{container}      volumes:
      - name: data
        emptyDir: {{}}
      - name: config
        configMap: {{name: cfg}}
  volumeClaimTemplates:
  - metadata: {{name: data}}
    spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}
""" + STORAGE


def converged(text: str, events=()):
    result = run(state_of(text), ACTORS, events)
    assert result.converged
    return result


def the_set(state):
    return state.get("StatefulSet", "ns", "web")


def pod_names(state) -> list[str]:
    return [p.metadata.name for p in state.list("Pod", "ns")]


def steps(result, actor: str, action: str, kind: str = "Pod") -> list[str]:
    """Object names of the successful ``action`` steps of ``actor`` on ``kind``, in timeline order."""
    return [s.object.rsplit("/", 1)[1] for s in result.timeline
            if s.actor == actor and s.action == action and s.ok and s.object.startswith(f"{kind}/")]


def step_index(result, actor: str, action: str, obj: str) -> int:
    return next(i for i, s in enumerate(result.timeline) if s.actor == actor and s.action == action and s.object == obj)


def with_pod_status(state, name: str, **changes):
    pod = state.get("Pod", "ns", name)
    return apply(state, UpdateStatus(attrs.evolve(pod, status=attrs.evolve(pod.status, **changes)))).state


def scaled(state, replicas: int):
    return apply_event(state, Scale("StatefulSet", "ns", "web", replicas)).state


# ---- identity, storage, creation order ----------------------------------------------------------

def test_first_sync_creates_revision_then_claim_then_pod_0_only():
    """TestStatefulSetControlScaleUp: a revision, then PVC data-web-0 before pod web-0; OrderedReady stops there."""
    actions = statefulset.reconcile(state_of(sts(3)))
    creates = [(a.obj.kind, a.obj.metadata.name) for a in actions if isinstance(a, Create)]
    assert creates[:3] == [("ControllerRevision", creates[0][1]), ("PersistentVolumeClaim", "data-web-0"),
                           ("Pod", "web-0")]
    assert ("Pod", "web-1") not in creates


def test_new_pod_has_stable_identity_storage_and_revision():
    """newStatefulSetPod: name, pod-name/pod-index labels, hostname/subdomain, claim volume replaced, revision label."""
    state = state_of(sts(3))
    pod = next(a.obj for a in statefulset.reconcile(state) if isinstance(a, Create) and a.obj.kind == "Pod")
    revision = next(a.obj for a in statefulset.reconcile(state) if isinstance(a, Create))
    assert pod.metadata.name == "web-0" and pod.metadata.namespace == "ns"
    assert pod.metadata.labels == {"app": "web", statefulset.POD_NAME_LABEL: "web-0", statefulset.POD_INDEX_LABEL: "0",
                                   REVISION_LABEL: revision.metadata.name}
    assert revision.metadata.name.startswith("web-") and revision.kind == "ControllerRevision"
    assert (pod.spec.hostname, pod.spec.subdomain) == ("web-0", "web-svc")
    volumes = {v.name: v for v in pod.spec.volumes}
    assert volumes["data"].persistent_volume_claim.claim_name == "data-web-0" and volumes["data"].empty_dir is None
    assert volumes["config"].config_map.name == "cfg"
    assert pod.metadata.controller_ref().uid == the_set(state).metadata.uid
    assert statefulset.identity_matches(the_set(state), pod) and statefulset.storage_matches(the_set(state), pod)


def test_claims_are_built_from_templates_with_selector_labels():
    """getPersistentVolumeClaims: <template>-<set>-<ordinal>, the set's namespace, selector labels, template spec."""
    sset = the_set(state_of(sts(3)))
    ((template, claim),) = statefulset.get_persistent_volume_claims(sset, 4)
    assert template == "data" and claim.metadata.name == "data-web-4" and claim.metadata.namespace == "ns"
    assert claim.metadata.labels == {"app": "web"} and claim.spec.access_modes == ("ReadWriteOnce",)


def test_run_converges_with_pods_created_strictly_in_order():
    """OrderedReady with scheduler and kubelets: 0 -> 3 replicas, web-N created only after web-(N-1) is ready."""
    result = converged(sts(3))
    assert steps(result, "statefulset", "create") == ["web-0", "web-1", "web-2"]
    for n in (1, 2):
        ready_prev = max(i for i, s in enumerate(result.timeline)
                         if s.actor == "kubelet" and s.object == f"Pod/ns/web-{n - 1}")
        assert step_index(result, "statefulset", "create", f"Pod/ns/web-{n}") > ready_prev
    status = the_set(result.state).status
    assert (status.replicas, status.ready_replicas, status.available_replicas, status.current_replicas,
            status.updated_replicas) == (3, 3, 3, 3, 3)
    assert status.current_revision == status.update_revision != "" and status.observed_generation == 1


def test_every_claim_exists_before_its_pod():
    """CreateStatefulPod creates the pod's claims first: each data-web-N create precedes the web-N create."""
    result = converged(sts(3))
    for n in range(3):
        assert (step_index(result, "statefulset", "create", f"PersistentVolumeClaim/ns/data-web-{n}")
                < step_index(result, "statefulset", "create", f"Pod/ns/web-{n}"))
    assert [c.metadata.name for c in result.state.list("PersistentVolumeClaim")] == ["data-web-0", "data-web-1",
                                                                                      "data-web-2"]


def test_ordinals_start():
    """spec.ordinals.start: pods web-5 and web-6, claims data-web-5 and data-web-6."""
    result = converged(sts(2, extra="  ordinals: {start: 5}\n"))
    assert pod_names(result.state) == ["web-5", "web-6"]
    assert result.state.get("PersistentVolumeClaim", "ns", "data-web-6") is not None


# ---- OrderedReady vs Parallel ---------------------------------------------------------------------

def test_ordered_ready_never_creates_past_an_unready_pod_while_parallel_does():
    """TestStatefulSetControlBurstScale / ScaleUp: with web-1 crashed, OrderedReady does not create web-2; Parallel does."""
    for policy, creates_web_2 in (("OrderedReady", False), ("Parallel", True)):
        state = converged(sts(2, policy=policy)).state
        state = apply_event(state, PodCrash("ns", "web-1")).state
        state = scaled(state, 3)
        created = [a.obj.metadata.name for a in statefulset.reconcile(state) if isinstance(a, Create)]
        assert ("web-2" in created) is creates_web_2, policy


def test_ordered_ready_resumes_only_after_the_crashed_pod_is_ready_again():
    """In a run, web-2 is created only after the kubelet has restarted web-1 and it is ready."""
    state = apply_event(converged(sts(2)).state, PodCrash("ns", "web-1")).state
    result = run(scaled(state, 3), ACTORS)
    assert result.converged and pod_names(result.state) == ["web-0", "web-1", "web-2"]
    create = step_index(result, "statefulset", "create", "Pod/ns/web-2")
    restart = next(i for i, s in enumerate(result.timeline) if s.actor == "kubelet" and s.object == "Pod/ns/web-1")
    assert restart < create and result.timeline[create].clock >= 10  # back-off 10 s


def test_parallel_creates_every_missing_pod_in_ordinal_order():
    """Parallel: one sync returns the creates of web-0..2 (each after its claim), in ordinal order."""
    actions = statefulset.reconcile(state_of(sts(3, policy="Parallel")))
    pods = [a.obj.metadata.name for a in actions if isinstance(a, Create) and a.obj.kind == "Pod"]
    assert pods == ["web-0", "web-1", "web-2"]


def test_parallel_scale_down_deletes_all_condemned_highest_first():
    """Parallel: scaling 4 -> 1 deletes web-3, web-2, web-1 in one sync, highest ordinal first."""
    state = scaled(converged(sts(4, policy="Parallel")).state, 1)
    deletes = [a.name for a in statefulset.reconcile(state) if isinstance(a, Delete) and a.kind == "Pod"]
    assert deletes == ["web-3", "web-2", "web-1"]


# ---- scale down -----------------------------------------------------------------------------------

def test_scale_down_deletes_highest_ordinal_one_at_a_time():
    """TestStatefulSetControlScaleDown: 4 -> 1 deletes web-3, web-2, web-1, each once the previous one is gone."""
    state = scaled(converged(sts(4)).state, 1)
    deletes = [a.name for a in statefulset.reconcile(state) if isinstance(a, Delete) and a.kind == "Pod"]
    assert deletes == ["web-3"]
    result = run(state, ACTORS)
    assert result.converged and pod_names(result.state) == ["web-0"]
    assert steps(result, "statefulset", "delete") == ["web-3", "web-2", "web-1"]
    for higher, lower in (("web-3", "web-2"), ("web-2", "web-1")):
        gone = step_index(result, "kubelet", "delete", f"Pod/ns/{higher}")
        assert gone < step_index(result, "statefulset", "delete", f"Pod/ns/{lower}")


def test_scale_down_waits_for_every_remaining_pod_to_be_healthy():
    """OrderedReady scale down blocks while a remaining replica (web-0) is unready; resumes after its restart."""
    state = apply_event(converged(sts(3)).state, PodCrash("ns", "web-0")).state
    state = scaled(state, 2)
    assert not [a for a in statefulset.reconcile(state) if isinstance(a, Delete)]
    result = run(state, ACTORS)
    assert result.converged and pod_names(result.state) == ["web-0", "web-1"]
    assert result.timeline[step_index(result, "statefulset", "delete", "Pod/ns/web-2")].clock >= 10


def test_terminating_condemned_pod_blocks_the_next_deletion():
    """processCondemned: while web-3 is terminating, OrderedReady does not delete web-2."""
    state = scaled(converged(sts(4)).state, 2)
    state = apply(state, Delete("Pod", "ns", "web-3")).state
    assert state.get("Pod", "ns", "web-3").metadata.deletion_timestamp is not None
    assert not [a for a in statefulset.reconcile(state) if isinstance(a, Delete)]


# ---- replacement ----------------------------------------------------------------------------------

def test_deleted_pod_is_recreated_with_same_name_ordinal_and_claim():
    """TestStatefulSetControlReplacesPods: a deleted pod comes back as web-1 (a new uid) on the same claim."""
    before = converged(sts(3)).state
    claim_uid = before.get("PersistentVolumeClaim", "ns", "data-web-1").metadata.uid
    result = run(before, ACTORS, [DeleteObject("Pod", "ns", "web-1", at=before.clock)])
    assert result.converged and pod_names(result.state) == ["web-0", "web-1", "web-2"]
    pod = result.state.get("Pod", "ns", "web-1")
    assert pod.metadata.uid == "ns/web-1#2" and pod.metadata.labels[statefulset.POD_INDEX_LABEL] == "1"
    assert {v.name: v for v in pod.spec.volumes}["data"].persistent_volume_claim.claim_name == "data-web-1"
    assert result.state.get("PersistentVolumeClaim", "ns", "data-web-1").metadata.uid == claim_uid


def test_failed_pod_is_deleted_and_recreated():
    """processReplica: a Failed pod is deleted, then recreated with the same name (TestStatefulSetControlRestartsFailedPods)."""
    state = with_pod_status(converged(sts(3)).state, "web-1", phase="Failed", conditions=())
    actions = statefulset.reconcile(state)
    assert actions[0] == Delete("Pod", "ns", "web-1")
    assert not [a for a in actions if isinstance(a, Create)]
    result = run(state, ACTORS)
    assert result.converged and result.state.get("Pod", "ns", "web-1").metadata.uid == "ns/web-1#2"
    assert result.state.get("Pod", "ns", "web-1").status.phase == "Running"


def test_succeeded_pod_is_recreated_too():
    """Upstream restarts pods that finished running whatever their exit code (Succeeded included)."""
    state = with_pod_status(converged(sts(2)).state, "web-0", phase="Succeeded", conditions=())
    assert statefulset.reconcile(state)[0] == Delete("Pod", "ns", "web-0")


# ---- rolling updates ------------------------------------------------------------------------------

def test_rolling_update_from_highest_ordinal_and_current_revision_follows():
    """TestStatefulSetControlRollingUpdate: web-2, web-1, web-0 in turn; then currentRevision == updateRevision."""
    state = converged(sts(3)).state
    old = the_set(state).status.current_revision
    result = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=state.clock)])
    assert result.converged
    assert steps(result, "statefulset", "delete") == ["web-2", "web-1", "web-0"]
    status = the_set(result.state).status
    assert status.current_revision == status.update_revision != old
    assert {p.metadata.labels[REVISION_LABEL] for p in result.state.list("Pod")} == {status.update_revision}
    assert {p.spec.containers[0].image for p in result.state.list("Pod")} == {"nginx:2"}
    assert (status.current_replicas, status.updated_replicas) == (3, 3)


def test_partition_updates_only_ordinals_at_or_above_it_highest_first():
    """TestStatefulSetControlRollingUpdateWithPartition: partition=2 of 4 updates web-3 then web-2, never web-0/1."""
    text = sts(4, strategy="{type: RollingUpdate, rollingUpdate: {partition: 2}}")
    state = converged(text).state
    old = the_set(state).status.current_revision
    result = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=state.clock)])
    assert result.converged
    assert steps(result, "statefulset", "delete") == ["web-3", "web-2"]
    images = {p.metadata.name: p.spec.containers[0].image for p in result.state.list("Pod")}
    assert images == {"web-0": "nginx:1", "web-1": "nginx:1", "web-2": "nginx:2", "web-3": "nginx:2"}
    status = the_set(result.state).status
    assert status.current_revision == old != status.update_revision
    assert (status.current_replicas, status.updated_replicas, status.replicas) == (2, 2, 4)


def test_pod_below_partition_is_recreated_at_the_current_revision():
    """newVersionedStatefulSetPod: a deleted pod below the partition comes back at the current revision."""
    text = sts(4, strategy="{type: RollingUpdate, rollingUpdate: {partition: 2}}")
    state = converged(text).state
    state = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=state.clock)]).state
    result = run(state, ACTORS, [DeleteObject("Pod", "ns", "web-0", at=state.clock)])
    pod = result.state.get("Pod", "ns", "web-0")
    assert pod.metadata.uid == "ns/web-0#2" and pod.spec.containers[0].image == "nginx:1"
    assert pod.metadata.labels[REVISION_LABEL] == the_set(result.state).status.current_revision


def test_rolling_update_waits_for_the_updated_pod_to_be_ready():
    """The next ordinal is deleted only once the recreated one is Running and Ready (readiness delay 10 s),
    under OrderedReady (processReplica) and under Parallel (the update loop's own wait)."""
    probe = "        readinessProbe: {exec: {command: [x]}, initialDelaySeconds: 10}\n"
    for policy in ("OrderedReady", "Parallel"):
        state = converged(sts(3, policy=policy, container=probe)).state
        result = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=state.clock)])
        assert result.converged and steps(result, "statefulset", "delete") == ["web-2", "web-1", "web-0"]
        recreated = [s.clock for s in result.timeline if s.actor == "statefulset" and s.action == "create"
                     and s.object.startswith("Pod/")]
        deleted = [s.clock for s in result.timeline if s.actor == "statefulset" and s.action == "delete"]
        assert deleted[1] >= recreated[0] + 10 and deleted[2] >= recreated[1] + 10, policy


def test_condemned_pods_go_even_when_unhealthy_if_first_unhealthy():
    """processCondemned: an unhealthy condemned pod is deleted when it is the first unhealthy pod; with two
    unhealthy condemned pods upstream blocks on the higher one (it is not the first unhealthy)."""
    state = converged(sts(4)).state
    one = scaled(apply_event(state, PodCrash("ns", "web-3")).state, 2)
    assert [a.name for a in statefulset.reconcile(one) if isinstance(a, Delete)] == ["web-3"]
    two = apply_event(apply_event(state, PodCrash("ns", "web-3")).state, PodCrash("ns", "web-2")).state
    assert not [a for a in statefulset.reconcile(scaled(two, 2)) if isinstance(a, Delete)]


def test_max_unavailable_two_deletes_two_pods_at_once():
    """updateStatefulSetAfterInvariantEstablished: maxUnavailable 2 deletes web-3 and web-2 in one sync."""
    state = converged(sts(4, strategy="{type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}")).state
    state = apply_event(state, ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2")).state
    sset = the_set(state)
    state = apply(state, Create(statefulset.get_statefulset_revisions(
        sset, statefulset.list_revisions(state, sset))[2][0].obj)).state
    deletes = [a.name for a in statefulset.reconcile(state) if isinstance(a, Delete)]
    assert deletes == ["web-3", "web-2"]
    assert statefulset.max_unavailable(attrs.evolve(sset, spec=attrs.evolve(sset.spec, replicas=10))) == 2


def test_on_delete_never_deletes_for_an_update_and_recreates_at_the_new_revision():
    """TestStatefulSetControlOnDeleteUpdate: no deletions; a pod deleted by hand comes back with the new template."""
    state = converged(sts(3, strategy="{type: OnDelete}")).state
    result = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=state.clock)])
    assert result.converged and steps(result, "statefulset", "delete") == []
    assert {p.spec.containers[0].image for p in result.state.list("Pod")} == {"nginx:1"}
    after = run(result.state, ACTORS, [DeleteObject("Pod", "ns", "web-1", at=result.state.clock)])
    images = {p.metadata.name: p.spec.containers[0].image for p in after.state.list("Pod")}
    assert images == {"web-0": "nginx:1", "web-1": "nginx:2", "web-2": "nginx:1"}
    status = the_set(after.state).status
    assert status.current_revision != status.update_revision and status.updated_replicas == 1


def test_rollback_reuses_the_older_revision_and_history_is_limited():
    """getStatefulSetRevisions renumbers an equal older revision; truncateHistory keeps revisionHistoryLimit."""
    state = converged(sts(2, extra="  revisionHistoryLimit: 0\n")).state
    first = the_set(state).status.current_revision
    state = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=state.clock)]).state
    assert [r.metadata.name for r in state.list("ControllerRevision")] == [the_set(state).status.current_revision]
    state = run(state, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:1", at=state.clock)]).state
    (revision,) = state.list("ControllerRevision")
    assert revision.metadata.name == first == the_set(state).status.current_revision and revision.revision == 3

    kept = converged(sts(2)).state  # default limit 10 keeps the old revision, renumbered on rollback
    kept = run(kept, ACTORS, [ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:2", at=kept.clock)]).state
    sset = the_set(kept)
    rolled = apply_event(kept, ImageUpdate("StatefulSet", "ns", "web", "web", "nginx:1")).state
    writes = statefulset.get_statefulset_revisions(the_set(rolled), statefulset.list_revisions(rolled, sset))[2]
    assert [type(w) for w in writes] == [Update] and writes[0].obj.revision == 3


# ---- claims and retention policy ------------------------------------------------------------------

def claim_owners(state, name: str) -> list[str]:
    return [f"{r.kind}/{r.name}" for r in state.get("PersistentVolumeClaim", "ns", name).metadata.owner_references]


def test_retain_policy_leaves_claims_unowned():
    """Retain/Retain (the default): claims have no owner references and survive scale down."""
    state = run(scaled(converged(sts(2)).state, 1), ACTORS).state
    assert claim_owners(state, "data-web-0") == [] and claim_owners(state, "data-web-1") == []


def test_when_deleted_delete_owns_claims_by_the_set():
    """whenDeleted Delete: every claim gets a controller reference to the set."""
    state = converged(sts(2, retention="{whenDeleted: Delete}")).state
    assert claim_owners(state, "data-web-0") == ["StatefulSet/web"] == claim_owners(state, "data-web-1")
    ref = state.get("PersistentVolumeClaim", "ns", "data-web-0").metadata.owner_references[0]
    assert ref.controller and ref.uid == the_set(state).metadata.uid


def test_when_scaled_delete_moves_ownership_to_the_condemned_pod_before_deleting_it():
    """whenScaled Delete (+whenDeleted Delete): on scale down the claim is re-owned by the pod, then the pod is deleted."""
    state = converged(sts(2, retention="{whenDeleted: Delete, whenScaled: Delete}")).state
    assert claim_owners(state, "data-web-1") == ["StatefulSet/web"]
    pod_uid = state.get("Pod", "ns", "web-1").metadata.uid
    result = run(scaled(state, 1), ACTORS)
    update = step_index(result, "statefulset", "update", "PersistentVolumeClaim/ns/data-web-1")
    assert update < step_index(result, "statefulset", "delete", "Pod/ns/web-1")
    refs = result.state.get("PersistentVolumeClaim", "ns", "data-web-1").metadata.owner_references
    assert [(r.kind, r.name, r.uid) for r in refs] == [("Pod", "web-1", pod_uid)]
    assert claim_owners(result.state, "data-web-0") == ["StatefulSet/web"]


def test_claim_owned_by_an_earlier_pod_blocks_recreation():
    """PodClaimIsStale: under whenScaled Delete a claim still owned by a deleted pod blocks its replacement."""
    state = run(scaled(converged(sts(2, retention="{whenScaled: Delete}")).state, 1), ACTORS).state
    assert claim_owners(state, "data-web-1") == ["Pod/web-1"]  # the garbage collector would delete it
    state = scaled(state, 2)
    assert not [a for a in statefulset.reconcile(state) if isinstance(a, Create) and a.obj.kind == "Pod"]
    state = state.remove("PersistentVolumeClaim", "ns", "data-web-1")
    creates = [a.obj.metadata.name for a in statefulset.reconcile(state) if isinstance(a, Create)]
    assert creates == ["data-web-1", "web-1"]


def test_terminating_claim_blocks_pod_creation():
    """createPersistentVolumeClaims: a claim being deleted ("pvc is being deleted") keeps its pod from being created."""
    state = converged(sts(1)).state
    claim = state.get("PersistentVolumeClaim", "ns", "data-web-0")
    claim = attrs.evolve(claim, metadata=attrs.evolve(claim.metadata, finalizers=("kubernetes.io/pvc-protection",)))
    state = apply(state, Update(claim)).state
    state = apply(state, Delete("PersistentVolumeClaim", "ns", "data-web-0")).state
    state = state.remove("Pod", "ns", "web-0")
    assert not [a for a in statefulset.reconcile(state) if isinstance(a, Create) and a.obj.kind == "Pod"]


# ---- adoption, status, minReadySeconds --------------------------------------------------------------

def test_adopts_orphans_named_like_members_only():
    """ClaimPods with isMemberOf: an orphan web-5 matching the selector is adopted; an orphan named other-0 is not."""
    state = converged(sts(1)).state
    pod = state.get("Pod", "ns", "web-0")
    for name in ("web-5", "other-0"):
        orphan = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, name=name, owner_references=()))
        state = apply(state, Create(orphan)).state
    adopted = [a.obj.metadata.name for a in statefulset.reconcile(state) if isinstance(a, Update)]
    assert adopted == ["web-5"]
    result = run(state, ACTORS)  # adopted, then condemned (ordinal 5 >= replicas) and deleted
    assert pod_names(result.state) == ["other-0", "web-0"]


def test_status_counts_ready_and_unready_pods():
    """updateStatus: replicas counts created pods, readyReplicas only Running and Ready ones."""
    state = apply_event(converged(sts(3)).state, PodCrash("ns", "web-2")).state
    (status_write,) = [a for a in statefulset.reconcile(state) if isinstance(a, UpdateStatus)]
    status = status_write.obj.status
    assert (status.replicas, status.ready_replicas, status.available_replicas) == (3, 2, 2)


def test_min_ready_seconds_delays_the_next_pod_and_wakes_up():
    """OrderedReady waits minReadySeconds of availability before the next ordinal; wakeup names that time."""
    text = sts(2, extra="  minReadySeconds: 15\n")
    result = run(state_of(text), ACTORS)
    assert result.converged
    assert result.timeline[step_index(result, "statefulset", "create", "Pod/ns/web-1")].clock == 15
    ready_0 = next(s.step for s in result.timeline if s.actor == "kubelet" and s.object == "Pod/ns/web-0"
                   and "Running" in s.action)
    state = run(state_of(text), ACTORS, max_steps=ready_0).state  # web-0 ready at t=0, not yet available
    assert statefulset.is_healthy(state.get("Pod", "ns", "web-0")) and statefulset.wakeup(state) == 15
    assert not [a for a in statefulset.reconcile(state) if isinstance(a, Create) and a.obj.kind == "Pod"]
    assert the_set(result.state).status.available_replicas == 2


def test_deleted_set_only_updates_status():
    """A StatefulSet being deleted creates and deletes nothing."""
    state = converged(sts(2)).state
    sset = the_set(state)
    sset = attrs.evolve(sset, metadata=attrs.evolve(sset.metadata, finalizers=("foregroundDeletion",)))
    state = apply(apply(state, Update(sset)).state, Delete("StatefulSet", "ns", "web")).state
    assert the_set(state).metadata.deletion_timestamp is not None
    state = scaled(state.remove("Pod", "ns", "web-1"), 3)
    assert all(isinstance(a, UpdateStatus) for a in statefulset.reconcile(state))


# ---- purity -----------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(replicas=st.integers(0, 4), policy=st.sampled_from(["OrderedReady", "Parallel"]),
       steps_taken=st.integers(0, 30), crash=st.booleans(), scale_to=st.integers(0, 4))
def test_reconcile_never_mutates_its_view(replicas, policy, steps_taken, crash, scale_to):
    """Property: reconcile and wakeup leave the state equal, with the same hash and repr, whatever it is."""
    state = run(state_of(sts(replicas, policy=policy, retention="{whenScaled: Delete}")), ACTORS,
                max_steps=steps_taken).state
    if crash and state.get("Pod", "ns", "web-0") is not None:
        state = apply_event(state, PodCrash("ns", "web-0")).state
    state = scaled(state, scale_to)
    before_hash, before_repr = hash(state), repr(sorted(map(repr, state.all())))
    statefulset.reconcile(state)
    statefulset.wakeup(state)
    assert hash(state) == before_hash and repr(sorted(map(repr, state.all()))) == before_repr
