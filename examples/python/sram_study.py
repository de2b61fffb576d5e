#!/usr/bin/env python3
"""What-if: how much State Buffer (SRAM) per NeuronCore does a model need on a few cores?

ResNet-50 and BERT-base, each pipelined over 4 NeuronCores of inf1.6xlarge, as the State Buffer
per core grows. Below the size that holds a stage's weights the compiler streams the rest from
DRAM for every request; the plot shows throughput and the weights streamed per request.

    PYTHONPATH=build/python python3 examples/python/sram_study.py -o sram_study.png

(docs/PYTHON.md; after `cmake --install`, PYTHONPATH=<prefix>/lib/python3/dist-packages.)
"""

import argparse

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
import pandas as pd

import infsim


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="4,6,8,12,16,24,32",
                    help="State Buffer sizes per core, MiB, comma-separated")
    ap.add_argument("--models", default="resnet50,bert-base")
    ap.add_argument("--cores", type=int, default=4)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("-o", "--out", default="sram_study.png", help="PNG to write")
    args = ap.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]

    rows = []
    for name in args.models.split(","):
        g = infsim.model(name)
        for mib in sizes:
            cfg = infsim.preset("inf1.6xlarge").renamed(f"6xl-{mib:g}MiB")
            cfg.set("core.sram.capacity_mib", mib)
            try:
                plan = infsim.compile(g, cfg, cores=args.cores)
            except infsim.CompileError as e:  # too small even to stream: a gap in the curve
                print(f"{name} at {mib:g} MiB: {e}")
                continue
            r = infsim.simulate(cfg, g, plan, requests=args.requests, seed=1)
            streamed = sum(s["streamed_weight_bytes"] for s in plan.stages)
            rows.append({"model": name, "sram_mib": mib,
                         "throughput_per_s": r.throughput_per_s,
                         "p99_ms": r.latency_ms["p99"],
                         "streamed_mib": streamed / 2**20})
    df = pd.DataFrame(rows)
    print(df.to_string(index=False, float_format=lambda x: f"{x:.2f}"))

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for name, d in df.groupby("model", sort=False):
        ax1.plot(d["sram_mib"], d["throughput_per_s"], marker="o", label=name)
        ax2.plot(d["sram_mib"], d["streamed_mib"], marker="o", label=name)
    ax1.set(xlabel="State Buffer per core (MiB)", ylabel="inferences/s",
            title=f"Throughput on {args.cores} cores of inf1.6xlarge")
    ax2.set(xlabel="State Buffer per core (MiB)", ylabel="MiB per request",
            title="Weights streamed from DRAM")
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
