"""Workload properties, mirroring the ReplicaSet, Deployment, DaemonSet and Job controllers
(imported by ``kspec.check.invariants``).

Helpers here read pods through ownerReferences (the controllers' own notion of "mine"),
never through the controllers' code paths, so that a broken controller cannot also break
the property that judges it.
"""

from __future__ import annotations

from typing import Iterator

from kspec.api.status import is_true
from kspec.check.properties import Violation, prop
from kspec.controllers import daemonset
from kspec.controllers.deployment import equal_ignore_hash
from kspec.model.state import ClusterState, object_ref

SCALED_KINDS = ("ReplicaSet", "ReplicationController", "Deployment", "StatefulSet")


# ---- shared readers ------------------------------------------------------------------------------

def is_live(obj) -> bool:
    """Not being deleted."""
    return obj.metadata.deletion_timestamp is None


def is_ready(pod) -> bool:
    return is_true(pod.status.conditions, "Ready")


def is_terminal(pod) -> bool:
    return pod.status.phase in ("Succeeded", "Failed")


def owned_by(state: ClusterState, owner, kind: str = "Pod") -> list:
    """Objects of ``kind`` whose controller reference is ``owner`` (by uid)."""
    uid = owner.metadata.uid
    return [o for o in state.list(kind, owner.metadata.namespace)
            if (ref := o.metadata.controller_ref()) is not None and ref.uid == uid]


def live_pods(state: ClusterState, owner) -> list:
    """The owner's pods that count toward its replicas: not terminating, not finished."""
    return [p for p in owned_by(state, owner) if is_live(p) and not is_terminal(p)]


def deployment_pods(state: ClusterState, d) -> list:
    return [p for rs in owned_by(state, d, "ReplicaSet") for p in live_pods(state, rs)]


def _has_any(*kinds: str):
    return lambda state: any(state.list(kind) for kind in kinds)


# ---- replicas-converge ---------------------------------------------------------------------------

@prop("replicas-converge", "eventually",
      "workloads: once events stop, every ReplicaSet/Deployment/StatefulSet has exactly spec.replicas ready pods",
      applies=_has_any(*SCALED_KINDS))
def replicas_converge(state: ClusterState) -> Iterator[Violation]:
    """Once the environment stops changing, every ReplicaSet, ReplicationController,
    Deployment and StatefulSet that is not being deleted settles with exactly
    ``spec.replicas`` live pods, all of them Ready. A Deployment must also have finished
    its rollout (every live pod belongs to the ReplicaSet of the current template), unless
    it is paused; a StatefulSet's pods are exactly the ordinals ``start .. start+replicas-1``.
    Checked on the state the fair scheduler settles in after the last event, within the
    settle bound. A workload that cannot converge (no room on the remaining nodes, a quota,
    an image that never starts) breaks it, which is the point: that is what an SRE asks."""
    for kind in SCALED_KINDS:
        for obj in state.list(kind):
            if not is_live(obj):
                continue
            want = obj.spec.replicas if obj.spec.replicas is not None else 1
            if kind == "Deployment":
                pods = deployment_pods(state, obj)
            else:
                pods = live_pods(state, obj)
            ready = sum(1 for p in pods if is_ready(p))
            if len(pods) != want or ready != want:
                yield Violation("replicas-converge", object_ref(obj),
                                f"settled with {len(pods)} pods ({ready} ready) for spec.replicas {want}")
                continue
            if kind == "Deployment" and not obj.spec.paused:
                stale = [p for p in pods if not _matches_template(state, p, obj)]
                if stale:
                    yield Violation("replicas-converge", object_ref(obj),
                                    f"rollout never finished: {len(stale)} of {want} pods run an old template")
            if kind == "StatefulSet":
                start = obj.spec.ordinals.start
                # want == len(pods) here, so this is no bigger than the pods that exist
                want_names = {f"{obj.metadata.name}-{i}" for i in range(start, start + want)}
                names = {p.metadata.name for p in pods}
                if names != want_names:
                    yield Violation("replicas-converge", object_ref(obj),
                                    f"settled with pods {sorted(names)}, expected {sorted(want_names)}")


def _matches_template(state: ClusterState, pod, d) -> bool:
    ref = pod.metadata.controller_ref()
    rs = state.get("ReplicaSet", pod.metadata.namespace, ref.name) if ref is not None else None
    return rs is not None and equal_ignore_hash(rs.spec.template, d.spec.template)


# ---- rollout-availability ------------------------------------------------------------------------

def _rolling_deployments(state: ClusterState):
    return [d for d in state.list("Deployment") if d.spec.strategy.type == "RollingUpdate" and is_live(d)]


def fenceposts(d) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as pods, computed here rather than by the controller under
    test: surge rounds up, unavailable rounds down, both zero makes unavailable one
    (upstream ``ResolveFenceposts``); unavailable never exceeds replicas."""
    rolling = d.spec.strategy.rolling_update
    replicas = d.spec.replicas
    surge = rolling.max_surge.scaled(replicas, round_up=True)
    unavailable = rolling.max_unavailable.scaled(replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


def _is_available(pod, min_ready_seconds: int, now: int) -> bool:
    """Ready for at least minReadySeconds (upstream ``IsPodAvailable``)."""
    since = pod.status.ready_since
    return is_ready(pod) and (min_ready_seconds == 0 or (since is not None and since + min_ready_seconds <= now))


def _available(state: ClusterState, d) -> int:
    """Available pods the ReplicaSets will keep: each set counts its available live pods,
    up to its ``spec.replicas`` (it deletes unavailable pods first)."""
    return sum(min(rs.spec.replicas, sum(1 for p in live_pods(state, rs)
                                         if _is_available(p, rs.spec.min_ready_seconds, state.clock)))
               for rs in owned_by(state, d, "ReplicaSet"))


def _pod_total(state: ClusterState, d) -> int:
    """Pods the ReplicaSets run or are scaled to run: each set counts ``max(spec.replicas,
    live pods)`` (pods not yet deleted still exist)."""
    return sum(max(rs.spec.replicas, len(live_pods(state, rs))) for rs in owned_by(state, d, "ReplicaSet"))


@prop("rollout-availability", "transition",
      "deployments: a rolling update stays within replicas + maxSurge and above replicas - maxUnavailable",
      applies=lambda state: bool(_rolling_deployments(state)))
def rollout_availability(old: ClusterState, new: ClusterState) -> Iterator[Violation]:
    """During a RollingUpdate the Deployment controller keeps two promises, checked on every
    step in which it scales one of its ReplicaSets (its own disruptions; a user's scale or a
    crash is not one, as upstream documents):

    - scaling a ReplicaSet up never takes the pods its ReplicaSets run or are scaled to run
      (each counts ``max(spec.replicas, live pods)``) past ``replicas + maxSurge``
      (maxSurge rounded up from a percentage: 10 replicas, 25 % -> 3 surge pods);
    - scaling a ReplicaSet down never takes the available pods the ReplicaSets keep (each
      counts its available live pods up to its new ``spec.replicas``) below
      ``replicas - maxUnavailable`` (rounded down: 10 replicas, 25 % -> 2 unavailable),
      unless they already were below it and the step removes no available pod.

    Measured on the live pods: the documented guarantee. Upstream's controller
    (``pkg/controller/deployment/rolling.go``) computes the same from ReplicaSet statuses,
    which may lag behind the pods, so upstream can briefly break it; the model's controller
    counts live pods (a deviation noted in ``docs/architecture.md``). A pod that crashes is
    unavailable to the Deployment as well, so crashes only make it more careful."""
    for d in _rolling_deployments(new):
        before = old.get("Deployment", d.metadata.namespace, d.metadata.name)
        if before is None or before.metadata.uid != d.metadata.uid or before.spec.replicas != d.spec.replicas:
            continue
        old_rs = {rs.metadata.uid: rs for rs in owned_by(old, d, "ReplicaSet")}
        new_rs = owned_by(new, d, "ReplicaSet")
        grown = [rs for rs in new_rs if rs.spec.replicas > getattr(old_rs.get(rs.metadata.uid), "spec", rs.spec).replicas
                 or (rs.metadata.uid not in old_rs and rs.spec.replicas > 0)]
        shrunk = [rs for rs in new_rs if rs.metadata.uid in old_rs
                  and rs.spec.replicas < old_rs[rs.metadata.uid].spec.replicas]
        total = _pod_total(new, d)
        surge, unavailable = fenceposts(d)
        if grown and total > d.spec.replicas + surge:
            yield Violation("rollout-availability", object_ref(d),
                            f"ReplicaSets run or are scaled to {total} pods, above replicas {d.spec.replicas} + "
                            f"maxSurge {surge}")
        if shrunk:
            floor = d.spec.replicas - unavailable
            available = _available(new, d)
            if available < floor and available < _available(old, d):
                yield Violation("rollout-availability", object_ref(d),
                                f"scaling down {shrunk[0].metadata.name} leaves {available} available pods, below "
                                f"replicas {d.spec.replicas} - maxUnavailable {unavailable}")


# ---- daemonset-coverage --------------------------------------------------------------------------

def _node_ready(node) -> bool:
    return is_true(node.status.conditions, "Ready")


@prop("daemonset-coverage", "eventually",
      "daemonsets: once events stop, every eligible node runs exactly one daemon pod and no other node runs one",
      applies=_has_any("DaemonSet"))
def daemonset_coverage(state: ClusterState) -> Iterator[Violation]:
    """Once events stop, a DaemonSet has exactly one live pod on every node that should run
    it (name, nodeSelector, required node affinity, taints and tolerations, as upstream
    ``NodeShouldRunDaemonPod``), Running and Ready when the node is Ready, and no live pod on
    a node that should not keep one. A node that went unreachable keeps its daemon pod (the
    pod tolerates the NoExecute taints) but gets no new one (the NoSchedule taint is not
    tolerated), as upstream ``pkg/controller/daemon/daemon_controller.go``."""
    nodes = state.list("Node")
    for ds in state.list("DaemonSet"):
        if not is_live(ds):
            continue
        by_node: dict[str, list] = {}
        for pod in live_pods(state, ds):
            by_node.setdefault(_pod_node(pod), []).append(pod)
        for node in nodes:
            name = node.metadata.name
            should_run, should_continue = daemonset.node_should_run_daemon_pod(node, ds)
            pods = by_node.get(name, [])
            if should_run and len(pods) != 1:
                yield Violation("daemonset-coverage", object_ref(ds), f"node {name} runs {len(pods)} daemon pods")
            elif should_run and _node_ready(node) and not (pods[0].status.phase == "Running" and is_ready(pods[0])):
                yield Violation("daemonset-coverage", object_ref(ds),
                                f"daemon pod {pods[0].metadata.name} on node {name} is not running and ready")
            elif not should_continue and pods:
                yield Violation("daemonset-coverage", object_ref(ds),
                                f"node {name} should not run the daemon but runs {len(pods)} of its pods")


def _pod_node(pod) -> str:
    """The node a daemon pod is bound to, or the node its affinity pins it to (upstream
    schedules daemon pods through node affinity on ``metadata.name``)."""
    return pod.spec.node_name or daemonset.get_target_node_name(pod) or ""


# ---- job-completions -----------------------------------------------------------------------------

@prop("job-completions", "state",
      "jobs: never more pods running or succeeded than completions, Complete only once they all succeeded",
      applies=_has_any("Job"))
def job_completions(state: ClusterState) -> Iterator[Violation]:
    """A Job with ``completions`` never has more pods running or succeeded than
    ``completions``: succeeded pods (counted from its pods and from ``status.succeeded``)
    plus active ones (not finished, not terminating), as the controller caps active pods at
    ``completions - succeeded``; and it carries the Complete condition only once that many
    succeeded. A Job without ``completions`` is complete after one success. Together with
    ``job-finishes`` (every Job not suspended ends Complete or Failed once events stop)
    this is upstream's promise of ``pkg/controller/job/job_controller.go``."""
    for job in state.list("Job"):
        want = job.spec.completions
        succeeded = sum(1 for p in owned_by(state, job) if p.status.phase == "Succeeded")
        counted = max(succeeded, job.status.succeeded)
        active = sum(1 for p in owned_by(state, job) if is_live(p) and not is_terminal(p))
        if want is not None and counted + active > want:
            yield Violation("job-completions", object_ref(job),
                            f"{counted} pods succeeded and {active} active for completions {want}")
        if is_true(job.status.conditions, "Complete") and counted < (want if want is not None else 1):
            yield Violation("job-completions", object_ref(job),
                            f"marked Complete with {counted} of {want if want is not None else 1} completions")
