"""LimitRanger in the store's admission chain (upstream plugin/pkg/admission/limitranger,
tests ported from admission_test.go keep its names in comments)."""

import pytest

from kspec.model.limitranger import ANNOTATION, defaulted_item
from kspec.model.store import Create, apply
from tests.controllers.helpers import objects, state_of


def limit_range(*items: str, namespace: str = "ns") -> str:
    body = "".join(f"  - {item}\n" for item in items)
    return f"apiVersion: v1\nkind: LimitRange\nmetadata: {{name: lr, namespace: {namespace}}}\nspec:\n  limits:\n{body}"


def pod(resources: str = "{}", name: str = "p", init: str = "") -> object:
    init_line = f"  initContainers: [{init}]\n" if init else ""
    (obj,) = objects(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n{init_line}"
                     f"  containers: [{{name: c, image: x, resources: {resources}}}]\n")
    return obj


def create(text: str, obj):
    """Create ``obj`` in a cluster holding ``text``: (outcome, stored object or None)."""
    outcome = apply(state_of(text), Create(obj))
    stored = outcome.state.get(obj.kind, obj.metadata.namespace, obj.metadata.name) if outcome.ok else None
    return outcome, stored


def resources_of(stored, index: int = 0):
    r = stored.spec.containers[index].resources
    return {k: str(v) for k, v in r.requests.items()}, {k: str(v) for k, v in r.limits.items()}


def test_defaults_fill_absent_requests_and_limits_and_annotate():
    """TestDefaultContainerResourceRequirements: default -> limits, defaultRequest -> requests,
    and the pod records what LimitRanger set."""
    text = limit_range("{type: Container, default: {cpu: 500m, memory: 256Mi}, defaultRequest: {cpu: 100m}}")
    outcome, stored = create(text, pod())
    assert outcome.ok, outcome.message
    assert resources_of(stored) == ({"cpu": "100m", "memory": "256Mi"}, {"cpu": "500m", "memory": "256Mi"})
    assert stored.metadata.annotations[ANNOTATION] == \
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c"


def test_a_container_limit_without_request_requests_its_limit_not_the_default_request():
    """Upstream order: API defaulting (request := own limit) runs before LimitRanger, so the
    LimitRange's defaultRequest does not apply to a resource that has a limit."""
    text = limit_range("{type: Container, defaultRequest: {cpu: 100m}}")
    _, stored = create(text, pod("{limits: {cpu: 2}}"))
    assert resources_of(stored) == ({"cpu": "2"}, {"cpu": "2"})


def test_limit_range_defaulting_of_its_own_fields():
    """SetDefaults_LimitRangeItem: default falls back to max, defaultRequest to default then min."""
    (lr,) = objects(limit_range("{type: Container, max: {cpu: 2, memory: 1Gi}, min: {memory: 64Mi}, "
                                "default: {memory: 512Mi}}"))
    item = defaulted_item(lr.spec.limits[0])
    assert {k: str(v) for k, v in item.default.items()} == {"cpu": "2", "memory": "512Mi"}
    assert {k: str(v) for k, v in item.default_request.items()} == {"cpu": "2", "memory": "512Mi"}
    (pvc_item,) = objects(limit_range("{type: PersistentVolumeClaim, max: {storage: 1Gi}}"))[0].spec.limits
    assert defaulted_item(pvc_item) == pvc_item


@pytest.mark.parametrize("item, resources, message", [
    ("{type: Container, max: {cpu: 1}}", "{limits: {cpu: 2}}", "maximum cpu usage per Container is 1, but limit is 2"),
    ("{type: Container, max: {cpu: 1}, default: {cpu: 1}}", "{requests: {cpu: 2}}",
     "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"),
    ("{type: Container, min: {memory: 128Mi}}", "{requests: {memory: 64Mi}}",
     "minimum memory usage per Container is 128Mi, but request is 64Mi"),
    ("{type: Container, min: {memory: 128Mi}, defaultRequest: {memory: 200Mi}}",
     "{requests: {memory: 200Mi}, limits: {memory: 100Mi}}",
     "must be less than or equal to memory limit of 100Mi"),
    ("{type: Container, maxLimitRequestRatio: {cpu: 2}}", "{requests: {cpu: 100m}, limits: {cpu: 500m}}",
     "cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000"),
    ("{type: Container, maxLimitRequestRatio: {cpu: 2}}", "{limits: {memory: 1Gi}}",
     "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0"),
])
def test_container_constraints_reject_with_upstream_messages(item, resources, message):
    """TestPodLimitFunc (failure cases): min, max and ratio per container, after defaults."""
    outcome, _ = create(limit_range(item), pod(resources))
    assert not outcome.ok
    assert message in outcome.message


def test_rejection_names_the_pod_as_the_api_server_does():
    """admission.NewForbidden: `pods "<name>" is forbidden: <reason>`; several reasons are bracketed."""
    outcome, _ = create(limit_range("{type: Container, max: {cpu: 1, memory: 1Gi}}"),
                        pod("{limits: {cpu: 2, memory: 2Gi}}", name="web"))
    assert outcome.message == ('pods "web" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, '
                               'maximum memory usage per Container is 1Gi, but limit is 2Gi]')


def test_pod_within_every_constraint_is_admitted_unchanged_except_defaults():
    """TestPodLimitFunc (success case): a pod inside min, max and ratio is stored."""
    text = limit_range("{type: Container, min: {cpu: 50m}, max: {cpu: 1}, maxLimitRequestRatio: {cpu: 4}}")
    outcome, stored = create(text, pod("{requests: {cpu: 250m}, limits: {cpu: 1}}"))
    assert outcome.ok and resources_of(stored) == ({"cpu": "250m"}, {"cpu": "1"})
    assert ANNOTATION not in stored.metadata.annotations


def test_max_without_a_default_fills_the_limit_from_max():
    """A Container max with no default: the default limit is the max, so the pod passes."""
    outcome, stored = create(limit_range("{type: Container, max: {cpu: 800m}}"), pod())
    assert outcome.ok and resources_of(stored) == ({"cpu": "800m"}, {"cpu": "800m"})


def test_pod_type_sums_containers_and_counts_the_largest_init_container():
    """Pod items compare the pod's total: two containers of 600m exceed a pod max of 1."""
    text = limit_range("{type: Pod, max: {cpu: 1}}")
    (two,) = objects("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n"
                     "  - {name: a, image: x, resources: {limits: {cpu: 600m}}}\n"
                     "  - {name: b, image: x, resources: {limits: {cpu: 600m}}}\n")
    outcome, _ = create(text, two)
    assert "maximum cpu usage per Pod is 1, but limit is 1200m" in outcome.message
    outcome, _ = create(text, pod("{limits: {cpu: 400m}}", init="{name: i, image: x, resources: {limits: {cpu: 2}}}"))
    assert "maximum cpu usage per Pod is 1, but limit is 2" in outcome.message


def test_init_containers_get_defaults_and_container_checks():
    """Upstream applies Container items to init containers too."""
    text = limit_range("{type: Container, max: {cpu: 1}}")
    outcome, _ = create(text, pod("{limits: {cpu: 1}}", init="{name: i, image: x, resources: {limits: {cpu: 3}}}"))
    assert "maximum cpu usage per Container is 1, but limit is 3" in outcome.message


def test_claim_storage_min_and_max():
    """PersistentVolumeClaimValidateLimitFunc: requests.storage between min and max."""
    text = limit_range("{type: PersistentVolumeClaim, min: {storage: 1Gi}, max: {storage: 10Gi}}")

    def claim(size: str):
        (obj,) = objects("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: ns}\n"
                         f"spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: {size}}}}}}}\n")
        return obj
    assert create(text, claim("5Gi"))[0].ok
    big = create(text, claim("20Gi"))[0]
    assert big.message == ('persistentvolumeclaims "data" is forbidden: maximum storage usage per '
                           'PersistentVolumeClaim is 10Gi, but request is 20Gi')
    assert "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi" in \
        create(text, claim("500Mi"))[0].message


def test_limit_range_of_another_namespace_does_not_apply():
    """LimitRanges are per namespace."""
    outcome, stored = create(limit_range("{type: Container, max: {cpu: 1}}", namespace="other"),
                             pod("{limits: {cpu: 2}}"))
    assert outcome.ok and resources_of(stored) == ({"cpu": "2"}, {"cpu": "2"})


def test_rejected_create_leaves_the_state_unchanged():
    """A refused create writes nothing."""
    state = state_of(limit_range("{type: Container, max: {cpu: 1}}"))
    outcome = apply(state, Create(pod("{limits: {cpu: 2}}")))
    assert not outcome.ok and outcome.state is state
