"""ValidatingAdmissionPolicy (with params and bindings) and CRD x-kubernetes-validations,
evaluated offline by kspec validate."""

from kspec.reading.loader import Loaded, load_text
from kspec.validation.validate import ValidateOptions, validate

POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  matchConditions:
  - {name: not-exempt, expression: "!('exempt' in object.metadata.labels)"}
  variables:
  - {name: replicas, expression: "has(object.spec.replicas) ? object.spec.replicas : 1"}
  validations:
  - expression: "variables.replicas <= int(params.data.maxReplicas)"
    messageExpression: "'replicas ' + string(variables.replicas) + ' over the limit ' + params.data.maxReplicas"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit-prod}
spec:
  policyName: replica-limit
  validationActions: [%s]
  paramRef: {name: limits, namespace: prod, parameterNotFoundAction: Deny}
  matchResources:
    namespaceSelector: {matchLabels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: prod}
data: {maxReplicas: "5"}
"""


def deployment(name, replicas, namespace="prod", labels="{app: x}"):
    return f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: x}}}}
  template:
    metadata: {{labels: {{app: x}}}}
    spec:
      containers: [{{name: c, image: "x:1"}}]
"""


def findings(text, rule):
    manifests, errors = load_text(text, "in.yaml")
    loaded = Loaded(manifests=tuple(manifests), errors=tuple(errors), files=("in.yaml",), sources={})
    return [f for f in validate(loaded, ValidateOptions(builtin_rules=False)).findings if f.rule == rule]


def test_policy_with_params_refuses_what_the_binding_selects():
    """Deny: replicas 8 > maxReplicas 5 from the ConfigMap param is an error with the policy's message."""
    found = findings(POLICY % "Deny" + deployment("big", 8) + deployment("small", 3), "admission-policy")
    assert [(f.severity, f.object.split("/")[-1]) for f in found] == [("error", "big")]
    assert found[0].message == "ValidatingAdmissionPolicy replica-limit: replicas 8 over the limit 5"


def test_validation_actions_set_the_severity():
    """Warn -> warning, Audit -> info."""
    assert findings(POLICY % "Warn" + deployment("big", 8), "admission-policy")[0].severity == "warning"
    assert findings(POLICY % "Audit" + deployment("big", 8), "admission-policy")[0].severity == "info"


def test_match_conditions_and_namespace_selector_exclude():
    """An exempt-labelled object and an object outside the selected namespaces pass."""
    text = POLICY % "Deny" + deployment("exempt", 8, labels="{exempt: 'yes'}") + deployment("dev", 8, "dev")
    assert findings(text, "admission-policy") == []


def test_missing_param_with_deny_is_reported():
    """parameterNotFoundAction Deny and no ConfigMap: the object is refused, said so."""
    text = (POLICY % "Deny").replace("name: limits, namespace: prod,", "name: missing, namespace: prod,")
    found = findings(text + deployment("big", 8), "admission-policy-error")
    assert found and "no ConfigMap parameter found" in found[0].message


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - {rule: "self.minReplicas <= self.maxReplicas", message: "minReplicas must not exceed maxReplicas"}
            - {rule: "self.maxReplicas >= oldSelf.maxReplicas", message: "maxReplicas cannot shrink"}
            properties:
              minReplicas: {type: integer}
              maxReplicas: {type: integer}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: ns}
spec: {minReplicas: %d, maxReplicas: 3}
"""


def test_crd_rules_are_enforced_on_custom_resources():
    """min 5 > max 3 breaks the rule at spec; the oldSelf rule is reported as skipped."""
    found = findings(CRD % 5, "crd-validation-rule")
    assert [f.message for f in found] == ["minReplicas must not exceed maxReplicas"]
    assert found[0].path == "spec"
    assert findings(CRD % 1, "crd-validation-rule") == []
    skipped = findings(CRD % 1, "crd-transition-rule-skipped")
    assert skipped and "oldSelf" in skipped[0].message
