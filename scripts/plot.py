#!/usr/bin/python3
"""Plots infsim results as PNG, with Debian's python3-matplotlib only (docs/SWEEP.md, "Plots").

  plot.py latency SWEEP.csv -o curve.png [--group COL] [--percentiles p50,p99]
      latency-throughput curves from a sweep: x = throughput_per_s, y = latency percentiles,
      one line per value of --group (e.g. cores or preset), points sorted by throughput.
  plot.py xy SWEEP.csv --x COL --y COL[,COL...] -o out.png [--group COL] [--where COL=VALUE]
          [--reduce min|max] [--logx] [--logy]
      any column against another; --reduce keeps, per x (and group), the smallest or largest y
      (e.g. the fewest cores that fit), --where keeps matching rows only (default: status=ok).
  plot.py stages REPORT.json -o bars.png
      stage utilization bars (computing, waiting on DRAM, stalled on back-pressure) from the
      report `infsim run --json` writes, and per-core engine utilization beside them.
  plot.py gantt TRACE.json -o gantt.png
      a pipeline Gantt chart of the requests in a trace (`infsim run --trace`): one row per
      stage, one colour per request, from each request's compute slices on its stage track.

Exit status 0 and a PNG on success; 1 and one "plot.py: error: ..." line on bad input.
"""
import argparse
import csv
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402


class PlotError(Exception):
    pass


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def read_rows(path, where):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            columns = reader.fieldnames or []
    except OSError as e:
        raise PlotError(f"cannot read '{path}': {e.strerror}")
    conditions = []
    for w in where:
        if "=" not in w:
            raise PlotError(f"--where '{w}': expected COLUMN=VALUE")
        col, val = w.split("=", 1)
        if col not in columns:
            raise PlotError(f"--where '{w}': '{path}' has no column '{col}'")
        conditions.append((col, val))
    return columns, [r for r in rows if all(r[c] == v for c, v in conditions)]


def need_columns(path, columns, names):
    for n in names:
        if n and n not in columns:
            raise PlotError(f"'{path}' has no column '{n}' (columns: {', '.join(columns)})")


def series(rows, x, ys, group, reduce):
    """{(group value, y column): [(x, y), ...] sorted by x}, numeric cells only."""
    out = {}
    for r in rows:
        xv = number(r[x])
        if xv is None:
            continue
        for y in ys:
            yv = number(r[y])
            if yv is None:
                continue
            out.setdefault((r[group] if group else "", y), []).append((xv, yv))
    for key, pts in out.items():
        if reduce:
            best = {}
            pick = min if reduce == "min" else max
            for xv, yv in pts:
                best[xv] = pick(best.get(xv, yv), yv)
            pts = list(best.items())
        out[key] = sorted(pts)
    return out


def group_order(keys):
    def k(g):
        v = number(g)
        return (0, v, "") if v is not None else (1, 0, g)

    return sorted(keys, key=lambda gy: (k(gy[0]), gy[1]))


def draw_lines(ax, data, group, ys):
    if not data:
        raise PlotError("no numeric points to plot (did every point fail? see the error column)")
    # One colour per group, one line style (and marker) per y column.
    groups = sorted({g for g, _ in data}, key=lambda g: group_order([(g, "")])[0])
    styles = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]
    for g, y in group_order(data.keys()):
        pts = data[(g, y)]
        label = []
        if group:
            label.append(f"{group}={g}")
        if len(ys) > 1 or not group:
            label.append(y)
        line, marker = styles[ys.index(y) % len(styles)]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], linestyle=line, marker=marker,
                color=f"C{groups.index(g) % 10}", label=", ".join(label))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")


def save(fig, path):
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=120)
    except OSError as e:
        raise PlotError(f"cannot write '{path}': {e.strerror}")
    plt.close(fig)


def cmd_latency(a):
    columns, rows = read_rows(a.csv, a.where)
    ys = ["latency_ms." + p.strip() for p in a.percentiles.split(",") if p.strip()]
    need_columns(a.csv, columns, ["throughput_per_s", a.group] + ys)
    data = series(rows, "throughput_per_s", ys, a.group, None)
    fig, ax = plt.subplots(figsize=(8, 5))
    draw_lines(ax, data, a.group, ys)
    ax.set_xlabel("throughput (inferences/s)")
    ax.set_ylabel("latency (ms)")
    if a.logy:
        ax.set_yscale("log")
    ax.set_title(a.title or "latency vs throughput")
    save(fig, a.output)


def cmd_xy(a):
    columns, rows = read_rows(a.csv, a.where)
    ys = [y.strip() for y in a.y.split(",") if y.strip()]
    need_columns(a.csv, columns, [a.x, a.group] + ys)
    data = series(rows, a.x, ys, a.group, a.reduce)
    fig, ax = plt.subplots(figsize=(8, 5))
    draw_lines(ax, data, a.group, ys)
    ax.set_xlabel(a.xlabel or a.x)
    ax.set_ylabel(a.ylabel or ", ".join(ys))
    if a.logx:
        ax.set_xscale("log", base=2)
    if a.logy:
        ax.set_yscale("log")
    ax.set_title(a.title or f"{', '.join(ys)} vs {a.x}")
    save(fig, a.output)


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise PlotError(f"cannot read '{path}': {e.strerror}")
    except json.JSONDecodeError as e:
        raise PlotError(f"'{path}' is not valid JSON: {e}")


def cmd_stages(a):
    report = read_json(a.report)
    stages = report.get("stages") if isinstance(report, dict) else None
    if not stages:
        raise PlotError(f"'{a.report}' has no \"stages\" (is it an `infsim run --json` report?)")
    cores = [c for c in report.get("per_core", []) if c.get("stage", -1) >= 0]
    fig, axes = plt.subplots(1, 2 if cores else 1, figsize=(13 if cores else 8, 5), squeeze=False)
    ax = axes[0][0]
    idx = [s["index"] for s in stages]
    bottom = [0.0] * len(stages)
    for key, label, color in (("busy", "computing", "tab:green"),
                              ("fetching", "waiting on DRAM", "tab:orange"),
                              ("stalled", "stalled (back-pressure)", "tab:red")):
        vals = [100.0 * float(s.get(key, 0)) for s in stages]
        ax.bar(idx, vals, bottom=bottom, label=label, color=color)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xlabel("pipeline stage")
    ax.set_ylabel("share of simulated time (%)")
    ax.set_ylim(0, 119)  # room for the legend above the bars
    ax.set_xticks(idx)
    ax.legend(fontsize="small", ncol=3, loc="upper center")
    ax.set_title(f"{report.get('model', '')} on {report.get('config', '')}: stages")
    if cores:
        ax2 = axes[0][1]
        engines = ["TensorE", "VectorE", "ScalarE", "DMA"]
        width = 0.8 / len(engines)
        for i, e in enumerate(engines):
            xs = [c["stage"] + (i - 1.5) * width for c in cores]
            ax2.bar(xs, [100.0 * float(c.get("engines", {}).get(e, 0)) for c in cores], width,
                    label=e)
        ax2.set_xlabel("pipeline stage (its core)")
        ax2.set_ylabel("engine busy (% of simulated time)")
        ax2.set_ylim(0, 119)
        ax2.set_xticks(idx)
        ax2.legend(fontsize="small", ncol=4, loc="upper center")
        ax2.set_title("engines per core")
    save(fig, a.output)


def cmd_gantt(a):
    trace = read_json(a.trace)
    events = trace.get("traceEvents") if isinstance(trace, dict) else None
    if not isinstance(events, list):
        raise PlotError(f"'{a.trace}' has no \"traceEvents\" (is it an `infsim run --trace` file?)")
    # Stage tracks are named "coreN stage S"; their "req r" slices are the requests' compute.
    stage_of = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            name = e.get("args", {}).get("name", "")
            parts = name.split(" ")
            if len(parts) == 3 and parts[1] == "stage":
                stage_of[(e.get("pid"), e.get("tid"))] = (int(parts[2]), name)
    bars = {}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if e.get("ph") != "X" or key not in stage_of or not str(e.get("name", "")).startswith("req "):
            continue
        r = e.get("args", {}).get("request", 0)
        bars.setdefault(stage_of[key], []).append((float(e["ts"]), float(e["dur"]), r))
    if not bars:
        raise PlotError(f"'{a.trace}' holds no stage slices")
    rows = sorted(bars)
    fig, ax = plt.subplots(figsize=(12, 0.35 * len(rows) + 1.5))
    for y, row in enumerate(rows):
        for ts, dur, r in bars[row]:
            ax.broken_barh([(ts, dur)], (y - 0.4, 0.8), facecolors=f"C{r % 10}")
            if dur > 0:
                ax.text(ts + dur / 2, y, str(r), ha="center", va="center", fontsize=6)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([name for _, name in rows], fontsize="small")
    ax.invert_yaxis()
    ax.set_xlabel("simulated time (us)")
    ax.set_title(a.title or "pipeline: each request's compute per stage (number = request)")
    ax.grid(True, axis="x", alpha=0.3)
    save(fig, a.output)


def main(argv):
    p = argparse.ArgumentParser(prog="plot.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    lat = sub.add_parser("latency", help="latency-throughput curves from a sweep CSV")
    lat.add_argument("csv")
    lat.add_argument("-o", "--output", required=True)
    lat.add_argument("--group", help="one line per value of this column")
    lat.add_argument("--percentiles", default="p50,p99", help="e.g. p50,p90,p99,p999")
    lat.add_argument("--where", action="append", default=None, help="COLUMN=VALUE (repeatable)")
    lat.add_argument("--logy", action="store_true")
    lat.add_argument("--title")
    lat.set_defaults(func=cmd_latency)

    xy = sub.add_parser("xy", help="one sweep column against another")
    xy.add_argument("csv")
    xy.add_argument("-o", "--output", required=True)
    xy.add_argument("--x", required=True)
    xy.add_argument("--y", required=True, help="column(s), comma-separated")
    xy.add_argument("--group")
    xy.add_argument("--where", action="append", default=None, help="COLUMN=VALUE (repeatable)")
    xy.add_argument("--reduce", choices=["min", "max"])
    xy.add_argument("--logx", action="store_true")
    xy.add_argument("--logy", action="store_true")
    xy.add_argument("--title")
    xy.add_argument("--xlabel")
    xy.add_argument("--ylabel")
    xy.set_defaults(func=cmd_xy)

    st = sub.add_parser("stages", help="stage and engine utilization bars from a run's JSON")
    st.add_argument("report")
    st.add_argument("-o", "--output", required=True)
    st.set_defaults(func=cmd_stages)

    ga = sub.add_parser("gantt", help="pipeline Gantt chart from `infsim run --trace`")
    ga.add_argument("trace")
    ga.add_argument("-o", "--output", required=True)
    ga.add_argument("--title")
    ga.set_defaults(func=cmd_gantt)

    a = p.parse_args(argv)
    if hasattr(a, "where") and a.where is None:
        a.where = ["status=ok"]
    try:
        a.func(a)
    except PlotError as e:
        print(f"plot.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
