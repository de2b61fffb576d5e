#!/usr/bin/env python3
"""The Python package's cost per point against the CLI's (docs/PERFORMANCE.md, "The Python
package"): 20 points of ResNet-50 on 4 cores of inf1.xlarge at 1, 200 and 2000 requests, each
building its model, config and plan and reading its report as a dict, in this process
(infsim.simulate) or as an `infsim run --json` process per point; then sweep points per second
(infsim.sweep, jobs 1 and 2) against a loop of simulate calls in one process.

    PYTHONPATH=build/python python3 scripts/bench_python.py
"""
import os, subprocess, sys, time, json, resource
import infsim
N = 20
cli = infsim.cli_path()
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime
for reqs in (1, 200, 2000):
    cfg = infsim.preset("inf1.xlarge"); g = infsim.model("resnet50")
    t0, c0 = time.perf_counter(), cpu()
    for i in range(N):
        cfg = infsim.preset("inf1.xlarge"); g = infsim.model("resnet50")
        r = infsim.simulate(cfg, g, infsim.compile(g, cfg, cores=4), requests=reqs, seed=i + 1)
        d = r.to_dict()
    py, pyc = (time.perf_counter() - t0) / N, (cpu() - c0) / N
    t0, c0 = time.perf_counter(), cpu()
    for i in range(N):
        subprocess.run([cli, "run", "--preset", "inf1.xlarge", "--model", "resnet50", "--cores", "4",
                        "--requests", str(reqs), "--seed", str(i + 1), "--json", "/tmp/pybench/r.json"],
                       check=True, stdout=subprocess.DEVNULL)
        d = json.load(open("/tmp/pybench/r.json"))
    cl, clc = (time.perf_counter() - t0) / N, (cpu() - c0) / N
    print(f"requests={reqs}: python {py*1e3:.1f} ms/point (cpu {pyc*1e3:.1f}), cli process {cl*1e3:.1f} ms/point (cpu {clc*1e3:.1f})")
spec = {"base": {"preset": "inf1.xlarge", "model": "resnet50", "cores": 4, "requests": 200},
        "grid": {"seed": list(range(1, 41))}}
for jobs in (1, 2):
    t0 = time.perf_counter(); df = infsim.sweep(spec, jobs=jobs); t = time.perf_counter() - t0
    assert (df["status"] == "ok").all()
    print(f"sweep jobs={jobs}: {len(df)} points in {t:.2f} s = {len(df)/t:.1f} points/s")
t0 = time.perf_counter()
cfg = infsim.preset("inf1.xlarge"); g = infsim.model("resnet50"); plan = infsim.compile(g, cfg, cores=4)
for s in range(1, 41):
    infsim.simulate(cfg, g, plan, requests=200, seed=s)
t = time.perf_counter() - t0
print(f"python loop (one process, plan compiled once): 40 points in {t:.2f} s = {40/t:.1f} points/s")
