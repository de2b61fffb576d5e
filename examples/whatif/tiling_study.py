#!/usr/bin/python3
"""What tiling and spilling let users run (issue 12), with the infsim CLI.

  examples/whatif/tiling_study.py table  [--infsim build/infsim] [--requests N]
      ResNet-50 at batch 1-8 on 1, 2, 4, 8 and 16 cores of inf1.6xlarge (one pipeline, and
      data-parallel single-core groups), BERT-base and BERT-large at sequence 128, 384 and 512 on
      1 to 16 cores: throughput, p50 and DRAM bytes per inference by purpose, as Markdown.
  examples/whatif/tiling_study.py sram   [--plot sram.png]
      State Buffer size from 4 to 48 MiB against throughput and DRAM traffic for ResNet-50 at
      batch 5 (one core) and BERT-base (4-core pipeline), as Markdown and a plot (matplotlib).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def run(infsim, args, requests):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [infsim, "run", "--no-progress", "--requests", str(requests), "--json", out] + args
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"}
        with open(out) as f:
            return json.load(f)


def mib_per_inf(r, key):
    return r["dram_traffic_per_request"][key] / r["batch"] / 2**20


def row(label, r):
    if "error" in r:
        return f"| {label} | — | — | — | — | — | {r['error'][:80]} |"
    spill = mib_per_inf(r, "activations_spilled") + mib_per_inf(r, "activations_reloaded")
    return (f"| {label} | {r['throughput_per_s']:,.0f} | {r['latency_ms']['p50']:.2f} | "
            f"{mib_per_inf(r, 'weights_streamed'):.1f} | {spill:.1f} | "
            f"{mib_per_inf(r, 'inputs_outputs'):.2f} | {mib_per_inf(r, 'total'):.1f} |")


HEADER = ("| configuration | inferences/s | p50 ms | weights streamed MiB/inf | "
          "activations spilled + reloaded MiB/inf | inputs+outputs MiB/inf | total MiB/inf |\n"
          "|---|---|---|---|---|---|---|")


def table(a):
    print("### ResNet-50, inf1.6xlarge\n")
    print(HEADER)
    for batch in range(1, 9):
        for n in (1, 2, 4, 8, 16):
            base = ["--model", "resnet50", "--preset", "inf1.6xlarge", "--batch", str(batch)]
            print(row(f"batch {batch}, {n}-core pipeline",
                      run(a.infsim, base + ["--cores", str(n)], a.requests)), flush=True)
            if n > 1:
                print(row(f"batch {batch}, {n} single-core groups",
                          run(a.infsim, base + ["--cores", "1", "--groups", str(n)], a.requests)),
                      flush=True)
    print("\n### BERT, inf1.6xlarge, batch 1\n")
    print(HEADER)
    for model in ("bert-base", "bert-large"):
        for seq in (128, 384, 512):
            for n in (1, 2, 4, 8, 16):
                args = ["--model", model, "--seq-len", str(seq), "--preset", "inf1.6xlarge",
                        "--cores", str(n)]
                print(row(f"{model} seq {seq}, {n}-core pipeline", run(a.infsim, args, a.requests)),
                      flush=True)


def sram(a):
    studies = {
        "ResNet-50 batch 5, 1 core": ["--model", "resnet50", "--batch", "5", "--cores", "1"],
        "BERT-base, 4-core pipeline": ["--model", "bert-base", "--cores", "4"],
    }
    sizes = [4, 6, 8, 12, 16, 24, 32, 48]
    results = {}
    print(HEADER.replace("configuration", "State Buffer"))
    for name, args in studies.items():
        results[name] = []
        for mib in sizes:
            r = run(a.infsim, ["--preset", "inf1.xlarge", "--set",
                               f"core.sram.capacity_mib={mib}"] + args, a.requests)
            results[name].append(r)
            print(row(f"{name}, {mib} MiB", r), flush=True)
    if a.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
        for name, rs in results.items():
            ok = [(m, r) for m, r in zip(sizes, rs) if "error" not in r]
            ax1.plot([m for m, _ in ok], [r["throughput_per_s"] for _, r in ok], "o-", label=name)
            ax2.plot([m for m, _ in ok], [mib_per_inf(r, "total") for _, r in ok], "o-",
                     label=name)
        ax1.set(xlabel="State Buffer per core (MiB)", ylabel="inferences/s", xscale="log")
        ax2.set(xlabel="State Buffer per core (MiB)", ylabel="DRAM traffic (MiB/inference)",
                xscale="log")
        ax1.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(a.plot, dpi=100)
        print(f"\nwrote {a.plot}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("what", choices=["table", "sram"])
    p.add_argument("--infsim", default="build/infsim")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--plot", default="")
    a = p.parse_args()
    {"table": table, "sram": sram}[a.what](a)


if __name__ == "__main__":
    sys.exit(main())
