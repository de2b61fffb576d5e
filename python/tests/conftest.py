"""Shared fixtures of the Python package's tests (run by ctest's python_package entry:
python/tests/run_tests.sh puts the build tree's package on PYTHONPATH)."""

import json
import os
import subprocess
import sys

import pytest

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("INFSIM_TEST_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))


@pytest.fixture(scope="session")
def cli():
    """Runs the infsim CLI of this build: cli("run", ...) -> CompletedProcess (text)."""
    import infsim

    path = infsim.cli_path()
    assert os.path.isfile(path), f"no infsim CLI at {path}"

    def run(*args, check=True):
        p = subprocess.run([path, *map(str, args)], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        if check:
            assert p.returncode == 0, p.stderr
        return p

    return run


@pytest.fixture(scope="session")
def cli_error(cli):
    """The one-line message of a CLI run that must fail, without its "infsim: error: "."""

    def run(*args):
        p = cli(*args, check=False)
        assert p.returncode != 0
        lines = [l for l in p.stderr.splitlines() if l.startswith("infsim: error: ")]
        assert len(lines) == 1, p.stderr
        return lines[0][len("infsim: error: "):]

    return run


def run_python(code, env=None, cwd=None, timeout=300):
    """Runs code in a fresh interpreter (this one's executable); returns CompletedProcess."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL)


def load_json(path):
    with open(path) as f:
        return json.load(f)
