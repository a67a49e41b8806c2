"""kspec's CEL engine through its public API."""

import pytest

from kspec.rules.cel import CelEvalError, CelParseError, compile_expression


def ev(text, **activation):
    return compile_expression(text).evaluate(activation)


def test_kubernetes_objects_are_plain_data():
    """Field selection on maps, has(), macros over lists, as in ValidatingAdmissionPolicies."""
    obj = {"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "a", "image": "nginx:1.27"},
                                                                       {"name": "b", "image": "redis"}]}}}}
    assert ev("object.spec.replicas >= 2", object=obj) is True
    assert ev("object.spec.template.spec.containers.all(c, c.image.contains(':'))", object=obj) is False
    assert ev("object.spec.template.spec.containers.map(c, c.name)", object=obj) == ["a", "b"]
    assert ev("has(object.spec.paused)", object=obj) is False


def test_errors_are_absorbed_by_and_or_as_the_spec_says():
    """false && error is false, true || error is true; error && true is an error."""
    assert ev("1/0 == 1 && false") is False
    assert ev("true || {}['missing']") is True
    with pytest.raises(CelEvalError):
        ev("1/0 == 1 && true")


def test_int64_overflow_is_an_error():
    """9223372036854775807 + 1 overflows int64."""
    with pytest.raises(CelEvalError):
        ev("9223372036854775807 + 1")


def test_parse_errors_point_into_the_rule_file():
    """An expression starting at line 12, column 20 of a file reports that position."""
    with pytest.raises(CelParseError) as error:
        compile_expression("object.spec.replicas >", file="rules.yaml", line=12, column=20)
    assert error.value.file == "rules.yaml" and error.value.line == 12 and error.value.column > 20
    assert str(error.value).startswith("rules.yaml:12:")


def test_kubernetes_libraries():
    """quantity, url, ip/cidr, regex find, lists, format."""
    assert ev("quantity('1Gi').isGreaterThan(quantity('512Mi'))") is True
    assert ev("url('https://example.com:8443/a').getPort()") == "8443"
    assert ev("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))") is True
    assert ev("'abc 123'.find('[0-9]+')") == "123"
    assert ev("[3, 1, 2].max()") == 3 and ev("[1, 2, 3].isSorted()") is True
    assert ev("'%s has %d replicas'.format(['web', 3])") == "web has 3 replicas"


def test_compiled_once_evaluated_many():
    """A program is reusable across activations."""
    program = compile_expression("x * 2")
    assert [program.evaluate({"x": i}) for i in range(3)] == [0, 2, 4]
