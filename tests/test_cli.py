"""The command line: output shapes, exit codes and error lines."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kspec.cli import main

MODELS = Path(__file__).resolve().parents[1] / "models"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_json_lists_each_object_with_file_index_and_document(capsys):
    """`kspec parse --format json` prints one array of {file, index, line, document}."""
    code, out, err = run(capsys, "parse", "--format", "json", str(MODELS))
    assert code == 0 and err == ""
    records = json.loads(out)
    web = next(r for r in records if r["document"]["kind"] == "Deployment" and r["file"].endswith("shop/web.yaml"))
    assert web["file"].endswith("web.yaml") and web["index"] == 0 and web["line"] == 1
    # the anchor &labels is shared by the selector and the template
    assert web["document"]["spec"]["selector"]["matchLabels"] == {"app": "web", "tier": "frontend"}
    config = next(r for r in records if r["document"]["kind"] == "ConfigMap")
    assert config["item"] == 0
    assert config["document"]["data"]["feature-flags"] == "checkout=on recommendations=off"


def test_parse_text_prints_one_line_per_object(capsys):
    """The text format names each object with its position."""
    code, out, _ = run(capsys, "parse", str(MODELS / "shop" / "db.yaml"))
    assert code == 0
    assert out.splitlines()[2].endswith("db.yaml:24:1  apps/v1 StatefulSet shop/db")


def test_parse_error_is_one_line_with_excerpt_and_exit_2(capsys, tmp_path):
    """Malformed input: `file:line:column: error: ...`, the line, a caret, exit code 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("metadata:\n  name: a\n   labels: {}\n")
    code, out, err = run(capsys, "parse", str(bad))
    assert code == 2
    lines = err.splitlines()
    assert lines[0].startswith(f"{bad}:3:10: error: bad indentation")
    assert lines[1] == "       labels: {}"
    assert lines[2] == " " * lines[1].index(":") + "^"


def test_parse_nothing_found_is_exit_2(capsys, tmp_path):
    """A file with no objects is not a silent pass."""
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    code, _, err = run(capsys, "parse", str(empty))
    assert code == 2 and "no Kubernetes objects" in err


def test_usage_error_is_exit_2(capsys):
    """An unknown option is a usage error with exit code 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(["parse", "--format", "xml", str(MODELS)])
    assert exit_info.value.code == 2


def test_console_script_reads_stdin():
    """The installed `python -m kspec` reads '-' from standard input."""
    result = subprocess.run([sys.executable, "-m", "kspec", "parse", "--format", "json", "-"],
                            input="apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["document"]["metadata"]["name"] == "x"
