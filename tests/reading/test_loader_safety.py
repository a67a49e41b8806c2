"""The loader never hangs on, follows out of, or silently drops what it finds: pipes and
devices are skipped, symbolic links out of the tree are not followed, unreadable
directories are reported."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from kspec.reading.loader import load

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_in_subprocess(paths, timeout=30):
    """Run the loader in a child process, so a hang fails the test instead of blocking it."""
    code = textwrap.dedent("""
        import json, sys
        from kspec.reading.loader import load
        loaded = load(sys.argv[1:])
        print(json.dumps({"names": [m.field("metadata", "name") for m in loaded.manifests],
                          "errors": [[e.path, e.message] for e in loaded.errors]}))
    """)
    done = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True,
                          text=True, timeout=timeout, check=True)
    return json.loads(done.stdout)


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")


@needs_fifo
def test_a_named_pipe_in_a_directory_is_skipped_with_a_message(tmp_path):
    """A FIFO named x.yaml in a directory is skipped with an error and never opened for a blocking read."""
    write(tmp_path / "a.yaml", POD.format(name="a"))
    os.mkfifo(tmp_path / "x.yaml")
    result = load_in_subprocess([tmp_path])
    assert result["names"] == ["a"]
    assert result["errors"] == [[str(tmp_path / "x.yaml"), "not a regular file (a named pipe); skipped"]]


@needs_fifo
def test_a_named_pipe_named_directly_with_no_writer_does_not_block(tmp_path):
    """A FIFO named on the command line with no writer reads as empty at once instead of blocking."""
    os.mkfifo(tmp_path / "x.yaml")
    assert load_in_subprocess([tmp_path / "x.yaml"]) == {"names": [], "errors": []}


@needs_fifo
def test_a_named_pipe_named_directly_is_read_from_its_writer(tmp_path):
    """A pipe with a writer (process substitution) is read to its end."""
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    code = ("import json, sys; from kspec.reading.loader import load; "
            "print(json.dumps([m.field('metadata', 'name') for m in load([sys.argv[1]]).manifests]))")
    reader = subprocess.Popen([sys.executable, "-c", code, str(fifo)], stdout=subprocess.PIPE, text=True)
    with open(fifo, "w", encoding="utf-8") as writer:  # blocks until the reader has opened it
        writer.write(POD.format(name="piped"))
    out, _ = reader.communicate(timeout=30)
    assert json.loads(out) == ["piped"]


def test_devices_named_directly_are_skipped():
    """A character device (here /dev/zero, which never ends) is skipped with a message."""
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    loaded = load(["/dev/zero"])
    assert [e.message for e in loaded.errors] == ["not a regular file (a character device); skipped"]


def test_symbolic_links_out_of_the_tree_are_not_followed(tmp_path):
    """Links out of the directory being read are reported by name and not read; links within it are read."""
    write(tmp_path / "outside" / "secret.yaml", POD.format(name="secret"))
    tree = tmp_path / "tree"
    write(tree / "a.yaml", POD.format(name="a"))
    os.symlink(tmp_path / "outside" / "secret.yaml", tree / "leak.yaml")
    os.symlink(tmp_path / "outside", tree / "leakdir")
    os.symlink("a.yaml", tree / "same.yaml")
    loaded = load([str(tree)])
    assert [m.field("metadata", "name") for m in loaded.manifests] == ["a", "a"]
    problems = {os.path.basename(e.path): e.message for e in loaded.errors}
    assert set(problems) == {"leak.yaml", "leakdir"}
    assert all("outside the directory being read; not followed" in m for m in problems.values())
    assert "secret" not in " ".join(e.format() for e in loaded.errors if e.line)


def test_a_broken_symbolic_link_is_reported(tmp_path):
    """A link to nothing is an error naming the link, not a silent gap."""
    write(tmp_path / "a.yaml", POD.format(name="a"))
    os.symlink(tmp_path / "gone.yaml", tmp_path / "b.yaml")
    loaded = load([str(tmp_path)])
    assert [(os.path.basename(e.path), e.message) for e in loaded.errors] == [
        ("b.yaml", "broken symbolic link: its target does not exist")]


def test_an_unreadable_subdirectory_is_reported(tmp_path, monkeypatch):
    """A subdirectory that cannot be listed (permission denied) is an error, not silently dropped."""
    write(tmp_path / "a.yaml", POD.format(name="a"))
    write(tmp_path / "locked" / "b.yaml", POD.format(name="b"))
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # tests may run as root, where chmod 000 does not stop reading
    loaded = load([str(tmp_path)])
    assert [m.field("metadata", "name") for m in loaded.manifests] == ["a"]
    assert [(e.path, e.message) for e in loaded.errors] == [
        (str(tmp_path / "locked"), "cannot read this directory: Permission denied")]
