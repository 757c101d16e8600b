"""builds.patches: unified diffs parsed, unsafe paths refused, allowed_paths enforced."""

import pytest

from builds.patches import (
    PatchInvalid,
    PatchOutsideAllowedPaths,
    patch_check,
    patch_parse,
    path_normalise,
    paths_outside,
)

MODIFY = "--- a/src/app.py\n+++ b/src/app.py\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n"
ADD = (
    "diff --git a/docs/new.md b/docs/new.md\nnew file mode 100644\n"
    "--- /dev/null\n+++ b/docs/new.md\n@@ -0,0 +1,2 @@\n+a\n+b\n"
)
REMOVE = "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n"


def test_a_modification_names_its_file_and_counts_lines():
    parsed = patch_parse(MODIFY)
    assert parsed.paths == ("src/app.py",)
    assert (parsed.lines_added, parsed.lines_removed) == (1, 1)


def test_added_and_removed_files_drop_dev_null():
    parsed = patch_parse(ADD + REMOVE)
    assert parsed.paths == ("docs/new.md", "old.txt")
    assert (parsed.lines_added, parsed.lines_removed) == (2, 1)


def test_a_rename_names_both_sides():
    rename = "diff --git a/old.txt b/new.txt\nsimilarity index 100%\nrename from old.txt\nrename to new.txt\n"
    assert patch_parse(rename).paths == ("old.txt", "new.txt")


def test_a_crlf_patch_names_clean_paths():
    assert patch_parse(MODIFY.replace("\n", "\r\n")).paths == ("src/app.py",)


@pytest.mark.parametrize(
    "content",
    [
        "just some text\nnot a diff\n",
        "",
        "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n-b\n",  # the hunk is shorter than it says
    ],
)
def test_what_is_not_a_unified_diff_is_refused(content):
    with pytest.raises(PatchInvalid) as raised:
        patch_parse(content)
    assert "not a valid unified diff" in raised.value.message
    assert raised.value.details[0].path == "patch_content"


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "src/../../etc/passwd", "/etc/passwd", "C:/win.ini", "src\\x.py", "a\x01b"]
)
def test_paths_that_leave_the_workspace_are_refused(name):
    content = f"--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-a\n+b\n"
    if name.startswith("/"):
        content = f"--- {name}\n+++ {name}\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchInvalid) as raised:
        patch_parse(content)
    assert "outside the workspace" in raised.value.message
    assert raised.value.details[0].type == "patch_unsafe_path"


@pytest.mark.parametrize(
    ("path", "clean"),
    [("src/./a.py", "src/a.py"), ("src//a.py", "src/a.py"), ("src/x/../a.py", "src/a.py"), ("..", None)],
)
def test_path_normalise(path, clean):
    assert path_normalise(path) == clean


@pytest.mark.parametrize(
    ("allowed", "outside"),
    [
        ([], []),
        (["src"], []),
        (["src/"], []),
        (["./src"], []),
        (["src/app.py"], []),
        (["."], []),
        (["srcs"], ["src/app.py"]),
        (["sr"], ["src/app.py"]),
        (["docs", "other"], ["src/app.py"]),
        (["../src"], ["src/app.py"]),  # an entry that escapes covers nothing
        (["/src"], ["src/app.py"]),
    ],
)
def test_allowed_paths_match_by_whole_components(allowed, outside):
    assert paths_outside(["src/app.py"], allowed) == outside


def test_patch_check_refuses_a_file_outside_allowed_paths():
    with pytest.raises(PatchOutsideAllowedPaths) as raised:
        patch_check(MODIFY + ADD, allowed_paths=["src"])
    assert raised.value.paths == ["docs/new.md"]
    assert "outside allowed_paths: docs/new.md" in raised.value.message
    assert patch_check(MODIFY + ADD, allowed_paths=["src", "docs"]).paths == ("src/app.py", "docs/new.md")


def test_dot_dot_inside_an_allowed_folder_cannot_escape_it():
    content = "--- a/src/../secrets.txt\n+++ b/src/../secrets.txt\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchOutsideAllowedPaths):
        patch_check(content, allowed_paths=["src"])
