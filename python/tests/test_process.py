"""The package as processes see it: sweeps, Ctrl-C, the example, imports in fresh interpreters
from the build tree and from an installed prefix, and the type stubs."""

import ast
import inspect
import os
import signal
import subprocess
import sys

import pytest

import infsim
from conftest import BUILD_DIR, SOURCE_DIR, run_python


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "INFSIM_CLI")}
    env.update(extra)
    return env


# ---- sweep --------------------------------------------------------------------------------------


def test_sweep_rows_errors_and_progress(cli_error):
    spec = {"base": {"preset": "inf1.xlarge", "model": "resnet50", "requests": 200},
            "grid": {"cores": [1, 2, 5], "core.sram.capacity_mib": [24]}}
    seen, lines = [], []
    df = infsim.sweep(spec, jobs=2, progress=lambda d, t: seen.append((d, t)), log=lines.append)
    assert list(df["point"]) == [0, 1, 2]
    assert list(df["cores"]) == [1, 2, 5]
    assert list(df["status"]) == ["ok", "ok", "error"]
    assert df["error"][2] == cli_error("run", "--preset", "inf1.xlarge", "--cores", "5",
                                       "--set", "core.sram.capacity_mib=24")
    assert df["error"][0] == ""
    assert sorted(seen) == [(1, 3), (2, 3), (3, 3)]
    assert any(l.startswith("sweep: 3 points") for l in lines)
    # A row's figures are simulate()'s for the same point.
    cfg = infsim.preset("inf1.xlarge").set("core.sram.capacity_mib", 24)
    g = infsim.model("resnet50")
    r = infsim.simulate(cfg, g, infsim.compile(g, cfg, cores=2), requests=200)
    assert df["throughput_per_s"][1] == pytest.approx(r.throughput_per_s, rel=1e-5)
    assert df["report.cores"][1] == 2


def test_sweep_from_a_file_resumes_and_rejects_bad_specs(tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text('{"base": {"preset": "inf1.xlarge", "requests": 100},'
                    ' "grid": {"cores": [1, 2]}}')
    out = tmp_path / "out.csv"
    first = infsim.sweep(spec, jobs=1, out=out)
    assert list(first["status"]) == ["ok", "ok"] and out.exists()
    lines = []
    again = infsim.sweep(spec, jobs=1, out=out, log=lines.append)
    assert any("2 already in" in l for l in lines)
    assert again.equals(first)
    with pytest.raises(infsim.Error, match=r"^sweep spec \(dict\): grid\[\"corse\"\]\[0\]: "
                                           r"'corse' is neither an option"):
        infsim.sweep({"grid": {"corse": [1]}})
    with pytest.raises(infsim.Error, match="sweep spec: not JSON"):
        infsim.sweep({"grid": {"cores": [object()]}})
    with pytest.raises(infsim.Error, match="sweep spec: cannot read"):
        infsim.sweep(tmp_path / "absent.json")


# ---- Ctrl-C -------------------------------------------------------------------------------------

INTERRUPTED = r"""
import sys, infsim
cfg, g = infsim.preset("inf1.xlarge"), infsim.model("resnet50")
plan = infsim.compile(g, cfg, cores=4)
def started(done, total):
    if done == total // 200:
        print("started", flush=True)
try:
    infsim.simulate(cfg, g, plan, requests=400_000, progress=started)
    print("finished?!")
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
r = infsim.simulate(cfg, g, plan, requests=200)
print("after", r.throughput_per_s > 0, flush=True)
"""


def test_ctrl_c_interrupts_a_run_and_the_interpreter_goes_on():
    p = subprocess.Popen([sys.executable, "-c", INTERRUPTED], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        assert p.stdout.readline().strip() == "started"
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert out.split() == ["KeyboardInterrupt", "after", "True"], (out, err)


INTERRUPTED_SWEEP = r"""
import os, sys, infsim
out = sys.argv[1]
spec = {"base": {"preset": "inf1.xlarge", "model": "resnet50", "requests": 3000000},
        "grid": {"cores": [1, 2, 3, 4]}}
def log(line):
    if line.startswith("sweep: 4 points"):
        print("started", flush=True)
try:
    infsim.sweep(spec, jobs=2, out=out, log=log)
    print("finished?!")
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
print("after", list(infsim.sweep({"grid": {"cores": [1]}, "base": {"requests": 20}})["status"]))
"""


def test_ctrl_c_stops_a_sweep_and_its_points(tmp_path):
    out = tmp_path / "sweep.csv"
    p = subprocess.Popen([sys.executable, "-c", INTERRUPTED_SWEEP, str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         stdin=subprocess.DEVNULL)
    try:
        assert p.stdout.readline().strip() == "started"
        p.send_signal(signal.SIGINT)  # to Python only: it passes SIGINT on to the CLI's sweep
        out_text, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert out_text.split("\n")[:2] == ["KeyboardInterrupt", "after ['ok']"], (out_text, err)
    # The CLI stopped its points and kept the CSV (its header: no point had finished).
    assert out.read_text().startswith("point,preset,model,requests,cores,status,error,")
    assert len(out.read_text().splitlines()) == 1


# ---- the example --------------------------------------------------------------------------------


def test_example_sram_study_writes_its_plot(tmp_path):
    png = tmp_path / "s.png"
    p = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "examples", "python",
                                                     "sram_study.py"),
                        "--sizes", "8,24", "--requests", "150", "-o", str(png)],
                       capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    rows = [l.split() for l in p.stdout.splitlines()]
    assert rows[0] == ["model", "sram_mib", "throughput_per_s", "p99_ms", "streamed_mib"]
    assert [r[:2] for r in rows[1:5]] == [["resnet50", "8.00"], ["resnet50", "24.00"],
                                          ["bert-base", "8.00"], ["bert-base", "24.00"]]
    # ResNet-50 streams weights at 8 MiB per core and none at 24: more SRAM, more throughput.
    assert float(rows[1][4]) > 0 and float(rows[2][4]) == 0
    assert float(rows[2][2]) > float(rows[1][2])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- imports in fresh interpreters --------------------------------------------------------------

SMOKE = r"""
import os, infsim
print(os.path.realpath(infsim.__file__))
print(os.path.realpath(infsim.cli_path()))
g, cfg = infsim.model("resnet50"), infsim.preset("inf1.xlarge")
print(infsim.simulate(cfg, g, infsim.compile(g, cfg, cores=2), requests=50).throughput_per_s > 0)
df = infsim.sweep({"base": {"preset": "inf1.xlarge", "requests": 50}, "grid": {"cores": [1]}})
print(list(df["status"]))
help(infsim.simulate)
"""


def check_smoke(p, package_root):
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    root = os.path.realpath(package_root)
    assert lines[0].startswith(root + os.sep), (lines[0], root)
    assert lines[2:4] == ["True", "['ok']"]
    assert "requests: requests to simulate" in p.stdout  # help() shows the docstring
    return lines[1]


def test_imports_from_the_build_tree_in_a_fresh_interpreter(tmp_path):
    tree = os.path.join(BUILD_DIR, "python")
    p = run_python(SMOKE, env=clean_env(PYTHONPATH=tree), cwd=tmp_path)
    assert check_smoke(p, tree) == os.path.realpath(os.path.join(BUILD_DIR, "infsim"))


def test_imports_from_an_installed_prefix(tmp_path):
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    site = prefix / "lib" / "python3" / "dist-packages"
    assert (site / "infsim" / "__init__.pyi").exists() and (site / "infsim" / "py.typed").exists()
    p = run_python(SMOKE, env=clean_env(PYTHONPATH=str(site)), cwd=tmp_path)
    # The installed package runs the installed CLI, found relative to itself.
    assert check_smoke(p, str(site)) == os.path.realpath(prefix / "bin" / "infsim")


# ---- type stubs and docstrings ------------------------------------------------------------------


def test_stubs_match_the_package():
    with open(os.path.join(os.path.dirname(infsim.__file__), "__init__.pyi")) as f:
        tree = ast.parse(f.read())
    stub_funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    stub_classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name in infsim.__all__:
        obj = getattr(infsim, name)
        if inspect.isfunction(obj):
            assert name in stub_funcs, name
            assert obj.__doc__, f"{name} has no docstring"
            stub = stub_funcs[name].args
            params = [a.arg for a in stub.posonlyargs + stub.args + stub.kwonlyargs]
            assert params == list(inspect.signature(obj).parameters), name
        elif inspect.isclass(obj):
            assert name in stub_classes, name
            if not issubclass(obj, Exception):
                members = {n.name for n in stub_classes[name].body
                           if isinstance(n, ast.FunctionDef)}
                public = {m for m in vars(obj) if not m.startswith("_")}
                assert members == public, (name, members ^ public)
        else:
            assert any(isinstance(n, ast.AnnAssign) and n.target.id == name for n in tree.body)
