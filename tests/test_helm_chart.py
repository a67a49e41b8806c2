"""A Helm chart directory: its templates are not read as YAML (they are not YAML until
rendered); kspec says so and shows the command to render them, and reads the rest."""

from kspec.cli import main

TEMPLATE = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"x\" . }}\n"
            "  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n")


def _chart(root):
    chart = root / "mychart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: mychart\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicaCount: 1\n")
    (chart / "templates" / "deploy.yaml").write_text(TEMPLATE)
    (root / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n")
    return chart


def test_a_chart_beside_manifests_is_noted_and_the_rest_validated(tmp_path, capsys):
    """validate: an info naming `helm template`, no YAML error from `{{ ... }}`, exit 0."""
    _chart(tmp_path)
    assert main(["validate", "--color", "never", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "input-skipped" in out and "helm template" in out and "yaml-syntax" not in out


def test_a_chart_alone_is_exit_2_with_the_command_to_pipe(tmp_path, capsys):
    """A chart directory and nothing else: exit 2 (nothing was read), saying how to render it."""
    chart = _chart(tmp_path)
    assert main(["validate", str(chart)]) == 2
    said = capsys.readouterr()
    assert f"helm template {chart} | kspec validate -" in said.out + said.err


def test_model_commands_note_the_chart_and_run_the_rest(tmp_path, capsys):
    """simulate: the chart and its Chart.yaml are notes on stderr, not errors."""
    _chart(tmp_path)
    assert main(["simulate", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "note: a Helm chart" in err and "error" not in err
