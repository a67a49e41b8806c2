"""The built-in rule pack: every rule stays quiet on a good manifest and fires on a manifest
made bad in exactly the way the rule is about; suppression and --disable silence it."""

import copy
from pathlib import Path

import pytest
import yaml

from kspec.reading.loader import load_text
from kspec.rules.ruleset import builtin_rules
from kspec.validation.findings import RULES
from kspec.validation.validate import ValidateOptions, validate

GOOD = list(yaml.safe_load_all((Path(__file__).parent / "data" / "good.yaml").read_text()))


def container(d):
    return d[0]["spec"]["template"]["spec"]["containers"][0]


def pod(d):
    return d[0]["spec"]["template"]["spec"]


def _set(path_fn, key, value):
    def mutate(d):
        path_fn(d)[key] = value
    return mutate


def _drop(path_fn, *keys):
    def mutate(d):
        target = path_fn(d)
        for key in keys[:-1]:
            target = target[key]
        target.pop(keys[-1])
    return mutate


MUTATIONS = {
    "image-tag-pinned": _set(container, "image", "nginx:latest"),
    "image-pull-policy-always-with-digest": lambda d: container(d).update(
        image="nginx@sha256:" + "a" * 64, imagePullPolicy="Always"),
    "requests-set": _drop(container, "resources", "requests"),
    "memory-limit-set": _drop(container, "resources", "limits", "memory"),
    "cpu-limit-set": _drop(container, "resources", "limits", "cpu"),
    "no-privileged": lambda d: container(d)["securityContext"].update(privileged=True),
    "no-privilege-escalation": _drop(container, "securityContext", "allowPrivilegeEscalation"),
    "run-as-non-root": _drop(pod, "securityContext"),
    "read-only-root-filesystem": _drop(container, "securityContext", "readOnlyRootFilesystem"),
    "drop-net-raw": lambda d: container(d)["securityContext"]["capabilities"].update(drop=["CHOWN"]),
    "no-host-namespaces": _set(pod, "hostNetwork", True),
    "no-sensitive-host-path": _set(pod, "volumes", [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]),
    "no-host-port": lambda d: container(d)["ports"][0].update(hostPort=8080),
    "service-account-token-automount": _drop(pod, "automountServiceAccountToken"),
    "readiness-probe-set": _drop(container, "readinessProbe"),
    "liveness-probe-set": _drop(container, "livenessProbe"),
    "probe-port-declared": lambda d: container(d)["readinessProbe"]["httpGet"].update(port="metrics"),
    "replicas-at-least-two": lambda d: d[0]["spec"].update(replicas=1),
    "pdb-for-replicated": lambda d: d[1]["spec"]["selector"]["matchLabels"].update(app="other"),
    "spread-for-replicated": _drop(pod, "topologySpreadConstraints"),
    "no-secret-in-env": lambda d: container(d)["env"].append({"name": "API_TOKEN", "value": "s3cr3t"}),
    "removed-api-version": lambda d: d[1].update(apiVersion="policy/v1beta1"),
}
PACK = [v.id for rule in builtin_rules() for v in rule.validations]
OFF_BY_DEFAULT = {v.id for rule in builtin_rules() for v in rule.validations if not v.enabled}


def run(docs, **options):
    text = "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs)
    manifests, errors = load_text(text, "in.yaml")
    from kspec.reading.loader import Loaded

    loaded = Loaded(manifests=manifests, errors=errors, files=("in.yaml",), sources={})
    return validate(loaded, ValidateOptions(enable=frozenset(PACK), **options)).findings


def test_every_rule_of_the_pack_has_a_case():
    """No rule in properties/rules without a triggering case here (deprecated-api-version's
    is the Kubernetes-version test below), and the reverse."""
    assert set(PACK) == set(MUTATIONS) | {"deprecated-api-version"}


def test_the_good_manifest_triggers_nothing():
    """The baseline follows every rule (off-by-default ones included)."""
    findings = [f for f in run(GOOD) if f.rule in set(PACK) | {"rule-error"}]
    assert findings == []


@pytest.mark.parametrize("rule_id", sorted(MUTATIONS))
def test_each_rule_fires_on_its_bad_manifest(rule_id):
    """The mutation breaks exactly this rule (among the pack's), with its default severity."""
    docs = copy.deepcopy(GOOD)
    MUTATIONS[rule_id](docs)
    fired = [f for f in run(docs) if f.rule in set(PACK) | {"rule-error"}]
    assert {f.rule for f in fired} == {rule_id}, [(f.rule, f.message) for f in fired]
    assert fired[0].severity == RULES.get(rule_id).severity and fired[0].line > 0


def test_off_by_default_rules_need_enable():
    """cpu-limit-set is off unless --enable names it."""
    docs = copy.deepcopy(GOOD)
    MUTATIONS["cpu-limit-set"](docs)
    text = "---\n".join(yaml.safe_dump(d) for d in docs)
    manifests, _ = load_text(text, "in.yaml")
    from kspec.reading.loader import Loaded

    loaded = Loaded(manifests=manifests, errors=[], files=("in.yaml",), sources={})
    assert "cpu-limit-set" in OFF_BY_DEFAULT
    assert not [f for f in validate(loaded).findings if f.rule == "cpu-limit-set"]


def test_ignore_annotation_and_disable_suppress():
    """kspec.dev/ignore on the object, or --disable, silences a rule."""
    docs = copy.deepcopy(GOOD)
    MUTATIONS["image-tag-pinned"](docs)
    assert [f for f in run(docs, disable=frozenset({"image-tag-pinned"})) if f.rule == "image-tag-pinned"] == []
    docs[0]["metadata"]["annotations"] = {"kspec.dev/ignore": "image-tag-pinned",
                                          "kspec.dev/ignore-reason": "pinned by the release pipeline"}
    assert [f for f in run(docs) if f.rule == "image-tag-pinned"] == []


def test_removed_api_version_depends_on_the_kubernetes_version():
    """autoscaling/v2beta2 HorizontalPodAutoscaler is served by 1.25 and removed in 1.26."""
    hpa = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                    "minReplicas": 3, "maxReplicas": 6}}
    docs = copy.deepcopy(GOOD) + [hpa]
    assert [f for f in run(docs, kubernetes_version="1.25") if f.rule == "removed-api-version"] == []
    found = [f for f in run(docs, kubernetes_version="1.26") if f.rule == "removed-api-version"]
    assert found and "removed in Kubernetes 1.26" in found[0].message
    deprecated = [f for f in run(docs, kubernetes_version="1.25") if f.rule == "deprecated-api-version"]
    assert [f.message for f in deprecated] == [
        "autoscaling/v2beta2/HorizontalPodAutoscaler is deprecated and removed in Kubernetes 1.26"]
    assert [f for f in run(docs, kubernetes_version="1.26") if f.rule == "deprecated-api-version"] == []
