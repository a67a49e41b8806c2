"""Schema validation of kspec nodes against Kubernetes' OpenAPI-derived schemas and CRDs."""

from __future__ import annotations

import textwrap

import pytest

from kspec.reading.loader import load_text
from kspec.validation.findings import RULES
from kspec.validation.schema import CrdSchemas, SchemaValidator, available_versions, object_id

LATEST = SchemaValidator()

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app.kubernetes.io/name: web, tier: front}
  annotations: {example.com/anything: "x"}
  creationTimestamp: null
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - {name: http, containerPort: 8080}
        env:
        - {name: PORT, value: "8080"}
        resources:
          requests: {cpu: 1, memory: 512Mi}
          limits: {cpu: 1500m, memory: 1Gi}
        readinessProbe:
          httpGet: {path: /, port: http}
"""

WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
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
            required: [size]
            properties:
              size:
                type: string
                enum: [small, large]
              port:
                x-kubernetes-int-or-string: true
              owner:
                type: object
                required: [email]
                properties:
                  email: {type: string}
                  team: {type: string, nullable: true}
              extra:
                type: object
                x-kubernetes-preserve-unknown-fields: true
              tags:
                type: object
                additionalProperties: {type: integer}
"""


def check(text: str, *, validator: SchemaValidator = LATEST, strict: bool = False,
          crds: CrdSchemas | None = None) -> list:
    manifests, errors = load_text(textwrap.dedent(text), "x.yaml")
    assert not errors, errors
    findings = []
    for manifest in manifests:
        findings.extend(validator.validate(manifest, strict=strict, crds=crds))
    return findings


def widget_crds() -> CrdSchemas:
    manifests, errors = load_text(WIDGET_CRD, "crd.yaml")
    assert not errors
    return CrdSchemas.from_manifests(manifests)


def brief(findings) -> list[tuple]:
    return [(f.rule, f.line, f.column, f.path) for f in findings]


# --- rules -------------------------------------------------------------------------

def test_rules_are_registered_with_docs():
    """Every schema rule is in the registry with its severity and a real doc paragraph."""
    expected = {"schema-type": "error", "schema-required": "error", "schema-enum": "error",
                "schema-unknown-field": "warning", "schema-unknown-kind": "warning"}
    for rule_id, severity in expected.items():
        rule = RULES.get(rule_id)
        assert rule.severity == severity and rule.category == "schema"
        assert len(rule.doc) > 200 and rule.summary


def test_valid_deployment_has_no_findings():
    """A correct Deployment (labels, quantities, int-or-string, null timestamp) passes cleanly."""
    assert check(DEPLOYMENT) == []


def test_int_where_string_wanted():
    """`value: 8080` in an env var is a schema-type error at the value, with a quoting hint."""
    findings = check(DEPLOYMENT.replace('value: "8080"', "value: 8080"))
    assert brief(findings) == [("schema-type", 25, 31, "spec.template.spec.containers[0].env[0].value")]
    assert findings[0].severity == "error"
    assert "expected string, got integer 8080" in findings[0].message
    assert 'quote it ("8080")' in findings[0].message
    assert findings[0].object == "apps/v1/Deployment/shop/web"


def test_bool_where_string_wanted():
    """`value: yes` is a YAML 1.1 boolean, so a string field rejects it."""
    findings = check("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: flags}
        data:
          debug: yes
          verbose: "yes"
        """)
    assert brief(findings) == [("schema-type", 5, 10, "data.debug")]
    assert "got boolean true" in findings[0].message and "YAML 1.1" in findings[0].message


def test_string_where_integer_wanted():
    """A quoted number in an integer field is reported, suggesting to drop the quotes."""
    findings = check(DEPLOYMENT.replace("replicas: 2", 'replicas: "2"'))
    assert brief(findings) == [("schema-type", 10, 13, "spec.replicas")]
    assert "remove the quotes" in findings[0].message


def test_integer_field_accepts_integral_float_and_checks_range():
    """`replicas: 2.0` reaches the API server as 2, but 2.5 and int32 overflow do not fit."""
    assert check(DEPLOYMENT.replace("replicas: 2", "replicas: 2.0")) == []
    assert brief(check(DEPLOYMENT.replace("replicas: 2", "replicas: 2.5"))) == [
        ("schema-type", 10, 13, "spec.replicas")]
    findings = check(DEPLOYMENT.replace("replicas: 2", "replicas: 3000000000"))
    assert "out of range for int32" in findings[0].message


def test_quantities_accept_int_float_and_string():
    """cpu: 1, cpu: 0.5 and memory: 512Mi are quantities; a boolean is not."""
    pod = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: q}
        spec:
          containers:
          - name: c
            resources:
              requests: {cpu: 0.5, memory: 512Mi}
              limits: {cpu: 1, memory: %s}
        """
    assert check(pod % "1073741824") == []
    assert check(pod % '"1Gi"') == []
    findings = check(pod % "yes")
    assert brief(findings) == [("schema-type", 9, 32, "spec.containers[0].resources.limits.memory")]
    assert "quantity (string or number)" in findings[0].message


def test_int_or_string_fields_accept_both():
    """targetPort and maxSurge take either an integer or a string; a list is a type error."""
    service = """\
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec:
          ports:
          - {port: 80, targetPort: %s}
        """
    assert check(service % "8080") == []
    assert check(service % "http") == []
    findings = check(service % "[1]")
    assert brief(findings) == [("schema-type", 6, 28, "spec.ports[0].targetPort")]
    assert "expected integer or string, got array" in findings[0].message


def test_null_is_accepted_where_the_field_is_optional():
    """An empty optional field (null) is unset, not a type error."""
    assert check(DEPLOYMENT.replace("replicas: 2", "replicas:")) == []


def test_missing_required_field_points_at_the_mapping():
    """A container without `name` is reported at the container mapping, naming the field."""
    findings = check("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: x}
        spec:
          containers:
          - image: nginx
        """)
    assert brief(findings) == [("schema-required", 6, 5, "spec.containers[0].name")]
    assert findings[0].message == 'missing required field "name"'
    assert findings[0].object == "v1/Pod//x"


def test_required_field_present_is_not_reported_but_null_is():
    """A required field with a value passes; `name:` left empty is reported as null."""
    pod = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: x}
        spec:
          containers:
          - name: %s
            image: nginx
        """
    assert check(pod % "web") == []
    findings = check(pod % "")
    assert brief(findings) == [("schema-required", 6, 5, "spec.containers[0].name")]
    assert "is null" in findings[0].message


def test_missing_apiversion_is_required():
    """Without apiVersion no schema can be chosen; that is a schema-required finding."""
    findings = check("kind: Pod\nmetadata: {name: x}\n")
    assert brief(findings) == [("schema-required", 1, 1, "apiVersion")]


def test_unknown_field_is_a_warning_by_default():
    """A misspelt field is a warning at the key, suggesting the known field."""
    text = DEPLOYMENT.replace("        image: nginx:1.27\n",
                              "        image: nginx:1.27\n        imagePullPolicyy: Always\n")
    findings = check(text)
    assert brief(findings) == [("schema-unknown-field", 22, 9,
                                "spec.template.spec.containers[0].imagePullPolicyy")]
    assert findings[0].severity == "warning"
    assert 'did you mean "imagePullPolicy"?' in findings[0].message


def test_unknown_field_is_an_error_when_strict():
    """With strict=True the same unknown field is an error."""
    text = DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  replica: 3\n")
    (finding,) = check(text, strict=True)
    assert (finding.rule, finding.severity, finding.path) == ("schema-unknown-field", "error", "spec.replica")


def test_maps_accept_any_key():
    """Labels, annotations and ConfigMap data are maps: arbitrary keys are not unknown fields."""
    assert check("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          labels: {a.b/c: d, "x y": z}
          annotations: {anything.example.com/goes: here}
        data: {app.properties: "k=v", other: "1"}
        """) == []


def test_every_error_in_a_document_is_reported():
    """Several problems in one object are all reported, in source order."""
    text = (DEPLOYMENT.replace('value: "8080"', "value: 8080")
            .replace("replicas: 2", 'replicas: "2"')
            .replace("      - name: web\n", "      - image: sidecar\n      - name: web\n")
            .replace("  namespace: shop\n", "  namespace: shop\n  nmae: typo\n"))
    findings = check(text)
    assert [f.rule for f in findings] == ["schema-unknown-field", "schema-type", "schema-required",
                                          "schema-type"]
    assert [f.path for f in findings] == ["metadata.nmae", "spec.replicas",
                                          "spec.template.spec.containers[0].name",
                                          "spec.template.spec.containers[1].env[0].value"]


def test_wrong_shape_is_a_type_error():
    """A list where a mapping is wanted is reported once, without descending into it."""
    findings = check("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c}
        data:
        - a
        - b
        """)
    assert brief(findings) == [("schema-type", 5, 1, "data")]
    assert findings[0].message == "expected object, got array"


def test_secret_data_must_be_base64():
    """Secret `data` holds base64; plain text there is rejected by the API server."""
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: %s}\n"
    assert check(secret % "aHVudGVyMg==") == []
    findings = check(secret % '"hunter2"')
    assert brief(findings) == [("schema-type", 4, 18, "data.password")]
    assert "stringData" in findings[0].message


def test_unknown_kind_is_a_warning():
    """A kind with no built-in schema and no CRD yields exactly one warning, never a pass."""
    findings = check("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {x: 1}\n")
    assert brief(findings) == [("schema-unknown-kind", 2, 7, "kind")]
    assert findings[0].severity == "warning"
    assert findings[0].message == ("no schema for example.com/v1 Widget; add its "
                                   "CustomResourceDefinition with --crd-dir")


def test_known_kind_is_not_unknown():
    """A built-in kind is validated, not reported as unknown."""
    assert check("apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n") == []


def test_yaml_boolean_name_is_caught():
    """`name: n` is the boolean false in YAML 1.1, so metadata.name gets a type error."""
    (finding,) = check("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n")
    assert (finding.rule, finding.path) == ("schema-type", "metadata.name")
    assert "got boolean false" in finding.message


def test_removed_api_version_names_the_served_one():
    """extensions/v1beta1 DaemonSet points at apiVersion and names apps/v1."""
    findings = check("apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: d}\n")
    assert brief(findings) == [("schema-unknown-kind", 1, 13, "apiVersion")]
    assert "served as apps/v1" in findings[0].message


def test_kind_case_mismatch_is_explained():
    """`kind: deployment` has no schema; the message suggests Deployment."""
    (finding,) = check("apiVersion: apps/v1\nkind: deployment\nmetadata: {name: d}\n")
    assert finding.rule == "schema-unknown-kind" and 'did you mean "Deployment"' in finding.message


def test_list_items_are_validated_with_their_own_paths():
    """Objects inside a `kind: List` are validated one by one, paths relative to each item."""
    findings = check("""\
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata: {name: a}
          spec: {ports: [{port: "80"}]}
        """)
    assert brief(findings) == [("schema-type", 7, 25, "spec.ports[0].port")]
    assert findings[0].object == "v1/Service//a"


def test_object_id():
    """object_id is apiVersion/Kind/namespace/name with empty parts left empty."""
    manifests, _ = load_text(DEPLOYMENT + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "x.yaml")
    assert [object_id(m) for m in manifests] == ["apps/v1/Deployment/shop/web", "v1/Pod//x"]


# --- custom resources --------------------------------------------------------------

def test_crd_schemas_are_collected_by_group_version_and_kind():
    """CrdSchemas keys each served version of a CRD by (group/version, kind)."""
    crds = widget_crds()
    assert crds.kinds() == [("example.com/v1", "Widget")]
    assert ("example.com/v1", "Widget") in crds


def test_valid_custom_resource_passes():
    """A CR matching its CRD (enum value, int-or-string, preserved and map fields) passes."""
    findings = check("""\
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w, namespace: ns, labels: {a: b}}
        spec:
          size: small
          port: http
          owner: {email: a@example.com, team: null}
          extra: {anything: [1, 2], goes: {here: true}}
          tags: {a: 1, b: 2}
        """, crds=widget_crds())
    assert findings == []


def test_invalid_custom_resource_reports_every_problem():
    """Enum, nested required, type, map value and unknown fields of a CR are all reported."""
    findings = check("""\
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w, labels: {a: 1}}
        spec:
          size: Medium
          port: [80]
          owner: {team: t}
          tags: {a: one}
          colour: red
        """, crds=widget_crds())
    assert brief(findings) == [
        ("schema-type", 3, 33, "metadata.labels.a"),
        ("schema-enum", 5, 9, "spec.size"),
        ("schema-type", 6, 9, "spec.port"),
        ("schema-required", 7, 10, "spec.owner.email"),
        ("schema-type", 8, 13, "spec.tags.a"),
        ("schema-unknown-field", 9, 3, "spec.colour"),
    ]
    enum = findings[1]
    assert enum.severity == "error"
    assert enum.message == '"Medium" is not one of the allowed values: "small", "large"'
    assert findings[3].message == 'missing required field "email"'
    assert findings[0].object == "example.com/v1/Widget//w"


def test_custom_resource_missing_top_level_required_field():
    """A CR without its required spec.size is reported at the spec mapping."""
    findings = check("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {}\n",
                     crds=widget_crds())
    assert brief(findings) == [("schema-required", 4, 7, "spec.size")]


def test_enum_value_in_set_is_accepted():
    """An enum field holding one of the listed values is not reported."""
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: %s}\n"
    assert check(text % "large", crds=widget_crds()) == []
    assert [f.rule for f in check(text % "Large", crds=widget_crds())] == ["schema-enum"]


def test_custom_resource_of_undefined_version_is_unknown():
    """A CR at a version its CRD does not define is unknown, naming the defined versions."""
    (finding,) = check("apiVersion: example.com/v2\nkind: Widget\nmetadata: {name: w}\n", crds=widget_crds())
    assert finding.rule == "schema-unknown-kind" and "example.com/v1" in finding.message


def test_crds_in_the_same_manifests_validate_their_resources():
    """from_manifests picks the CRDs out of a mixed list; the CRD itself is validated too."""
    manifests, _ = load_text(WIDGET_CRD + "---\napiVersion: example.com/v1\nkind: Widget\n"
                             "metadata: {name: w}\nspec: {size: huge}\n", "all.yaml")
    crds = CrdSchemas.from_manifests(manifests)
    findings = [f for m in manifests for f in LATEST.validate(m, crds=crds)]
    assert [(f.rule, f.path) for f in findings] == [("schema-enum", "spec.size")]


# --- versions and caching ------------------------------------------------------------

def test_available_versions():
    """The bundled releases run from 1.25 to at least 1.37, oldest first."""
    versions = available_versions()
    assert versions[0] == "1.25" and "1.37" in versions
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert LATEST.version == versions[-1]


@pytest.mark.parametrize("spelling", ["1.30", "v1.30", "1.30.0"])
def test_version_spellings(spelling):
    """1.30, v1.30 and 1.30.0 all select the 1.30 schemas."""
    assert SchemaValidator(spelling).version == "1.30"


def test_unknown_version_raises_with_the_available_ones():
    """An unbundled version is a ValueError that lists what is available."""
    with pytest.raises(ValueError, match=r"1\.99.*1\.25, 1\.26"):
        SchemaValidator("1.99")


def test_schemas_follow_the_chosen_version():
    """PodSpec.resources exists in 1.37 but not in 1.30, so only 1.30 flags it."""
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  resources: {limits: {cpu: 1}}\n"
           "  containers: [{name: c}]\n")
    assert check(pod, validator=SchemaValidator("1.37")) == []
    assert brief(check(pod, validator=SchemaValidator("1.30"))) == [
        ("schema-unknown-field", 5, 3, "spec.resources")]


def test_compiled_validators_are_cached():
    """The same compiled check is reused for the same (version, kind), across validators."""
    first = SchemaValidator("1.37").compiled("apps/v1", "Deployment")
    assert first is not None
    assert SchemaValidator("v1.37.0").compiled("apps/v1", "Deployment") is first
    assert LATEST.compiled("apps/v1", "Deployment") is first or LATEST.version != "1.37"
    assert SchemaValidator("1.30").compiled("apps/v1", "Deployment") is not first
    crds = widget_crds()
    cr = LATEST.compiled("example.com/v1", "Widget", crds)
    assert cr is not None and LATEST.compiled("example.com/v1", "Widget", crds) is cr
    assert LATEST.compiled("example.com/v1", "Nothing", crds) is None


def test_custom_group_reusing_a_builtin_kind_name_asks_for_its_crd():
    """A CR named like a built-in kind (calico NetworkPolicy) is not sent to networking.k8s.io."""
    (finding,) = check("apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: n}\n")
    assert finding.message.endswith("add its CustomResourceDefinition with --crd-dir")
    assert finding.path == "kind"
