"""Packaging: a wheel installed into a fresh virtualenv (not editable) finds its grammar."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import attrs
import lark
import pytest

REPO = Path(__file__).resolve().parents[1]
_PROBE = ("import kspec; from kspec.reading import read_yaml; "
          "print(read_yaml('a: 1')[0].root.items[0][0].value); print(kspec.__file__)")
_NO_BDIST_WHEEL = ("setuptools here has no bdist_wheel command: --no-build-isolation needs "
                   "setuptools>=70.1, or the `wheel` package beside an older setuptools")


def _run(*command: str | Path, cwd: Path, env: dict | None = None) -> str:
    """Run a command in ``cwd`` (never the repository, whose kspec/ would shadow the
    installed one); on failure, fail the test with its output."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            cwd=cwd, env=env, timeout=300)
    output = f"{result.stdout}\n{result.stderr}"
    hint = _NO_BDIST_WHEEL if "invalid command 'bdist_wheel'" in output else ""
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{output}\n{hint}"
    return result.stdout


def _build_wheel(out: Path) -> Path:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", out, REPO, cwd=out.parent)
    (wheel,) = out.glob("kspec-*.whl")
    return wheel


def _dependency_path() -> str:
    """The site-packages holding lark and attrs here, so the venv needs no network."""
    return os.pathsep.join(sorted({str(Path(lark.__file__).parents[1]),
                                   str(Path(attrs.__file__).parents[1])}))


@pytest.mark.slow
def test_installed_wheel_reads_yaml(tmp_path: Path) -> None:
    """A non-editable install of the wheel ships kspec/grammar/yaml.lark and reads YAML with it."""
    wheel = _build_wheel(tmp_path / "wheels")
    assert "kspec/grammar/yaml.lark" in zipfile.ZipFile(wheel).namelist()
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel, cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": _dependency_path()}
    key, module = _run(python, "-c", _PROBE, cwd=tmp_path, env=env).splitlines()
    assert key == "a"
    assert Path(module).resolve().is_relative_to(venv.resolve())
