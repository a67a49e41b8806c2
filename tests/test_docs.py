"""The docs stay true: the rule reference is current, and the README's CI snippets work."""

from pathlib import Path

from kspec.cli import main
from kspec.reading import read_yaml, to_python
from kspec.reports.findings import render_rules_markdown
from kspec.validation.findings import RULES
import kspec.validation.validate  # noqa: F401  (registers every rule)

ROOT = Path(__file__).resolve().parents[1]


def test_rules_reference_is_generated_from_the_registry():
    """docs/rules.md equals what the registry renders (regenerate with `make docs/rules.md`)."""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == render_rules_markdown(RULES)


def test_every_rule_has_a_real_doc_paragraph():
    """Every rule has a summary and a doc of at least two sentences."""
    for rule in RULES:
        assert rule.summary and rule.doc.count(". ") >= 1, rule.id


def test_pre_commit_hook_runs_kspec_validate(capsys):
    """The hook in .pre-commit-hooks.yaml is `kspec validate --allow-empty`, and that command
    passes on the bundled models and on a commit that touches only non-Kubernetes YAML."""
    (hook,) = to_python(read_yaml((ROOT / ".pre-commit-hooks.yaml").read_text())[0].root)
    assert hook["id"] == "kspec-validate" and hook["entry"] == "kspec validate"
    argv = hook["entry"].split()[1:] + hook["args"]
    assert main(argv + [str(p) for p in sorted((ROOT / "models").rglob("*.yaml"))]) == 0
    assert main(argv + [str(ROOT / ".pre-commit-hooks.yaml")]) == 0
    capsys.readouterr()


def test_readme_validate_example_is_what_kspec_prints():
    """The README's `kspec validate docs/examples/` block is exactly the command's output."""
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ kspec validate docs/examples/\n") + len("$ kspec validate docs/examples/\n")
    shown = readme[start:readme.index("```", start)]
    result = subprocess.run([sys.executable, "-m", "kspec", "validate", "docs/examples/"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout == shown


def test_readme_simulate_example_is_what_kspec_prints():
    """The README's `kspec simulate` block is exactly the command's output."""
    import subprocess
    import sys

    command = "$ kspec simulate models/shop/cluster.yaml models/failover/\n"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(command) + len(command)
    shown = readme[start:readme.index("```", start)]
    result = subprocess.run([sys.executable, "-m", "kspec", "simulate", "models/shop/cluster.yaml", "models/failover/"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout == shown


def test_properties_reference_is_generated_from_the_registry():
    """docs/properties.md equals what the property registry renders (`make docs/properties.md`)."""
    from kspec.check.engine import all_properties
    from kspec.reports.check import render_properties_markdown

    assert (ROOT / "docs" / "properties.md").read_text(encoding="utf-8") == render_properties_markdown(
        all_properties())


def test_every_property_has_a_real_doc_paragraph():
    """Every built-in property explains itself in at least two sentences."""
    from kspec.check.engine import all_properties

    import re

    for prop in all_properties():
        if not prop.id.startswith("test-"):
            assert len(re.findall(r"\.(\s|$)", prop.doc)) >= 2, prop.id


def test_readme_check_example_is_what_kspec_prints():
    """The README's `kspec check` block is the start of the command's output, exit code 1."""
    import subprocess
    import sys

    command = "$ kspec check models/quota --property replicas-converge --engine exhaustive --depth 2\n"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(command) + len(command)
    shown = readme[start:readme.index("...\n```", start)]
    result = subprocess.run([sys.executable, "-m", "kspec", *command.split()[2:]],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith(shown)


def test_placement_examples_are_what_kspec_prints():
    """The `kspec place` blocks in README.md and docs/placement.md are the commands' output."""
    import subprocess
    import sys

    for doc, command in ((ROOT / "README.md", "$ kspec place models/place-anti-affinity --compare-greedy\n"),
                         (ROOT / "docs" / "placement.md",
                          "$ kspec place tests/placement/data/infeasible.yaml --compare-greedy\n")):
        text = doc.read_text(encoding="utf-8")
        start = text.index(command) + len(command)
        shown = text[start:text.index("```", start)]
        result = subprocess.run([sys.executable, "-m", "kspec", *command.split()[2:]],
                                cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.stdout == shown, doc
