"""``.kspec.yaml``: enable, disable, severities, extra rule paths and ignored paths."""

import json

from kspec.cli import main

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx"}]
"""


def run(capsys, *argv):
    code = main(["validate", "--format", "json", *argv])
    return code, {f["rule"]: f for f in json.loads(capsys.readouterr().out)["findings"]}


def test_config_enables_disables_and_sets_severities(tmp_path, capsys):
    """cpu-limit-set on, liveness-probe-set off, image-tag-pinned raised to error (exit 1)."""
    (tmp_path / "app.yaml").write_text(DEPLOY)
    config = tmp_path / "kspec.yaml"
    config.write_text("rules:\n  enable: [cpu-limit-set]\n  disable: [liveness-probe-set]\n"
                      "  severity: {image-tag-pinned: error}\n")
    code, found = run(capsys, "--config", str(config), str(tmp_path / "app.yaml"))
    assert "cpu-limit-set" in found and "liveness-probe-set" not in found
    assert found["image-tag-pinned"]["severity"] == "error" and code == 1


def test_config_ignores_paths(tmp_path, capsys):
    """Files under an ignored path are not validated at all."""
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "app.yaml").write_text(DEPLOY)
    (tmp_path / "own.yaml").write_text(DEPLOY.replace("name: web", "name: own"))
    config = tmp_path / "kspec.yaml"
    config.write_text("ignore:\n  paths: [vendor/]\n")
    main(["validate", "--format", "json", "--config", str(config), str(tmp_path)])
    files = {f["file"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert files and all("vendor" not in f for f in files)


def test_a_bad_config_is_exit_2(tmp_path, capsys):
    """An unknown key or severity is a usage error with the file named."""
    config = tmp_path / "kspec.yaml"
    config.write_text("rulez: {}\n")
    (tmp_path / "app.yaml").write_text(DEPLOY)
    assert main(["validate", "--config", str(config), str(tmp_path / "app.yaml")]) == 2
    assert "kspec.yaml:1:1: error: the configuration: unknown key 'rulez'" in capsys.readouterr().err


def test_a_config_value_of_the_wrong_shape_is_an_error_at_its_line(tmp_path, capsys):
    """`disable: a-rule` (a string, not a list) is refused at its line, never read letter by letter."""
    config = tmp_path / "kspec.yaml"
    config.write_text("rules:\n  disable: liveness-probe-set\n")
    (tmp_path / "app.yaml").write_text(DEPLOY)
    assert main(["validate", "--config", str(config), str(tmp_path / "app.yaml")]) == 2
    assert "kspec.yaml:2:12: error: rules.disable: expected a list of strings" in capsys.readouterr().err


def test_an_unknown_rule_id_in_the_config_is_reported_at_its_line(tmp_path, capsys):
    """A misspelt id under rules.disable names the config's line; one on the command line names the option."""
    config = tmp_path / "kspec.yaml"
    config.write_text("rules:\n  disable: [liveness-probe-set, livenes-probe-set]\n")
    (tmp_path / "app.yaml").write_text(DEPLOY)
    assert main(["validate", "--config", str(config), str(tmp_path / "app.yaml")]) == 2
    assert "kspec.yaml:2:33: error: unknown rule id 'livenes-probe-set'" in capsys.readouterr().err
    assert main(["validate", "--disable", "nope", str(tmp_path / "app.yaml")]) == 2
    assert "kspec validate: error: --disable: unknown rule id 'nope'" in capsys.readouterr().err
