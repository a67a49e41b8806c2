"""The loader: paths, directories, stdin, Lists, empty documents and errors."""

import io

from kspec.reading.loader import load, load_text

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_directories_are_read_recursively_sorted_and_hidden_entries_skipped(tmp_path):
    """A directory yields its *.yaml/*.yml/*.json files in sorted order, skipping hidden ones."""
    write(tmp_path / "b.yaml", POD.format(name="b"))
    write(tmp_path / "a" / "c.yml", POD.format(name="c"))
    write(tmp_path / "a" / "d.json", '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}}')
    write(tmp_path / "a" / "notes.txt", "not yaml")
    write(tmp_path / ".git" / "x.yaml", POD.format(name="hidden"))
    write(tmp_path / ".hidden.yaml", POD.format(name="hidden"))
    loaded = load([str(tmp_path)])
    assert [m.field("metadata", "name") for m in loaded.manifests] == ["c", "d", "b"]
    assert not loaded.errors


def test_multi_document_files_skip_empty_documents(tmp_path):
    """Empty documents are skipped, not errors; document indexes stay those of the stream."""
    path = write(tmp_path / "m.yaml", "---\n" + POD.format(name="a") + "---\n---\n# only a comment\n---\n"
                 + POD.format(name="b"))
    loaded = load([str(path)])
    assert [(m.field("metadata", "name"), m.document.index) for m in loaded.manifests] == [("a", 0), ("b", 3)]
    assert not loaded.errors


def test_list_kinds_are_expanded_into_items():
    """kind: List and *List kinds are expanded; each item keeps its own position."""
    text = ("apiVersion: v1\nkind: PodList\nitems:\n"
            "- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n"
            "- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n")
    manifests, errors = load_text(text, "list.yaml")
    assert not errors
    assert [(m.field("metadata", "name"), m.item, m.line, m.column) for m in manifests] == [
        ("a", 0, 4, 3), ("b", 1, 7, 3)]


def test_a_document_that_is_not_a_mapping_is_an_error():
    """A document that is a sequence or a scalar is reported at its position."""
    manifests, errors = load_text(POD.format(name="ok") + "---\n- a\n- b\n---\njust text\n", "x.yaml")
    assert [m.field("metadata", "name") for m in manifests] == ["ok"]
    assert [(e.line, e.column) for e in errors] == [(6, 1), (9, 1)]
    assert "sequence" in errors[0].message and "mapping" in errors[0].message


def test_one_bad_file_never_hides_the_others(tmp_path):
    """A file with a syntax error is reported and the other files are still read."""
    write(tmp_path / "a.yaml", "key: [unclosed\n")
    write(tmp_path / "b.yaml", POD.format(name="b"))
    loaded = load([str(tmp_path)])
    assert [m.field("metadata", "name") for m in loaded.manifests] == ["b"]
    assert len(loaded.errors) == 1 and loaded.errors[0].path.endswith("a.yaml")


def test_missing_paths_and_empty_directories_are_errors(tmp_path):
    """A path that does not exist, or a directory with no manifests, is an error, never a silent pass."""
    (tmp_path / "empty").mkdir()
    loaded = load([str(tmp_path / "nope.yaml"), str(tmp_path / "empty")])
    assert [e.message for e in loaded.errors] == [
        "no such file or directory", "no *.yaml, *.yml, *.json files in this directory"]


def test_stdin_is_read_for_dash():
    """'-' reads standard input, reported as <stdin>."""
    loaded = load(["-"], stdin=io.StringIO(POD.format(name="from-stdin")))
    assert loaded.manifests[0].field("metadata", "name") == "from-stdin"
    assert loaded.manifests[0].file == "<stdin>"


def test_a_file_that_is_not_utf8_is_an_error(tmp_path):
    """Bytes that are not UTF-8 give a clear error naming the file."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    loaded = load([str(path)])
    assert not loaded.manifests
    assert "UTF-8" in loaded.errors[0].message and loaded.errors[0].path == str(path)
