"""The dataset's test split: its tree hash is git's own, and a fetch takes exactly the pinned
commit's ``test/`` from a real git repository (a local one: no network)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from models.build import MissingInputError, testsplit


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@localhost",
                           "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose commit holds train/ and a test/ with names that sort differently as
    files and as folders ("a.b" < "a/" < "a0" in git's order)."""
    root = tmp_path / "upstream"
    for name, body in {"test/dress/x.jpg": b"\xff\xd8one", "test/a.b": b"file",
                       "test/a/inner.jpg": b"two", "test/a0": b"three",
                       "test/hat/empty.jpg": b"", "train/dress/y.jpg": b"four"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    git(root.parent, "init", "-q", str(root))
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "data")
    return root


def test_the_tree_hash_is_the_one_git_computes(repo: Path) -> None:
    assert testsplit.tree_hash(repo / "test") == git(repo, "rev-parse", "HEAD:test")
    assert testsplit.tree_hash(repo / "test" / "a") == git(repo, "rev-parse", "HEAD:test/a")
    (repo / "test" / "a0").write_bytes(b"changed")
    assert testsplit.tree_hash(repo / "test") != git(repo, "rev-parse", "HEAD:test")


def test_fetch_takes_the_pinned_commit_s_test_split_only(repo: Path, tmp_path: Path) -> None:
    commit, tree = git(repo, "rev-parse", "HEAD"), git(repo, "rev-parse", "HEAD:test")
    (repo / "test" / "dress" / "x.jpg").write_bytes(b"a later change")
    git(repo, "commit", "-q", "-am", "later")
    out = tmp_path / "out"
    (out / "test" / "stale").mkdir(parents=True)
    assert testsplit.fetch(str(repo), out, commit, tree) == out
    assert (out / "test" / "dress" / "x.jpg").read_bytes() == b"\xff\xd8one"
    assert not (out / "test" / "stale").exists() and not (out / "train").exists()
    assert testsplit.verified(out, tree) and not testsplit.verified(out, testsplit.TREE)
    assert testsplit.locate((tmp_path / "nowhere", repo, out), tree) == out


def test_a_fetch_that_is_not_the_pinned_split_leaves_nothing(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MissingInputError, match="does not hold the pinned test split"):
        testsplit.fetch(str(repo), out, git(repo, "rev-parse", "HEAD"), testsplit.TREE)
    assert not (out / "test").exists()
    with pytest.raises(MissingInputError, match="git fetch"):
        testsplit.fetch(str(repo), out, "0" * 40, testsplit.TREE)


def test_without_a_verified_copy_the_error_says_how_to_fetch_it(repo: Path) -> None:
    with pytest.raises(MissingInputError) as caught:
        testsplit.locate((repo,))
    message = str(caught.value)
    assert "make model-test-split" in message and str(repo) in message
    assert testsplit.COMMIT[:12] in message


def test_overlap_names_test_photos_also_in_train_by_name_or_bytes(repo: Path) -> None:
    train = repo / "train"
    assert testsplit.overlap(repo, (train,)) == []
    (train / "dress" / "inner.jpg").write_bytes(b"other bytes, same name as test/a/inner.jpg")
    (train / "copy.jpg").write_bytes(b"three")  # the bytes of test/a0
    assert testsplit.overlap(repo, (train,)) == ["test/a/inner.jpg", "test/a0"]


def test_the_command_fetches_once_and_says_why_it_cannot(repo: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testsplit, "COMMIT", git(repo, "rev-parse", "HEAD"))
    monkeypatch.setattr(testsplit, "TREE", git(repo, "rev-parse", "HEAD:test"))
    out = tmp_path / "out"
    argv = ["testsplit", "--source", str(repo), "--out", str(out)]
    monkeypatch.setattr("sys.argv", argv)
    assert testsplit.main() == 0 and "fetched and verified" in capsys.readouterr().out
    assert testsplit.main() == 0 and "already the pinned split" in capsys.readouterr().out
    monkeypatch.setattr("sys.argv", [*argv[:2], str(tmp_path / "no-repo"), *argv[3:4],
                                     str(tmp_path / "elsewhere")])
    assert testsplit.main() == 1
    err = capsys.readouterr().err
    assert err.startswith("error: git fetch") and "Traceback" not in err
