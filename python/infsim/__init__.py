"""infsim: a cycle-approximate simulator of AWS Inferentia, from Python.

The same C++ library as the ``infsim`` command line and ``#include <infsim/infsim.hpp>``, with the
same names and the same JSON::

    import infsim
    cfg = infsim.preset("inf1.6xlarge")
    cfg.set("core.sram.capacity_mib", 24)
    g = infsim.model("bert-base", seq_len=128)
    plan = infsim.compile(g, cfg, cores=16)
    r = infsim.simulate(cfg, g, plan, requests=2000, concurrency=12, seed=1)
    r.throughput_per_s, r.latency_ms["p99"]
    df = infsim.sweep({"base": {"model": "resnet50"}, "grid": {"cores": [4, 8]}}, jobs=2)

Bad input raises :class:`infsim.Error` (a ``ValueError``) with the message the CLI prints after
``infsim: error:``. ``simulate`` releases the GIL and stops cleanly on Ctrl-C (KeyboardInterrupt).
docs/PYTHON.md has the whole API.
"""

from __future__ import annotations

import json as _json
import os as _os
import re as _re
import signal as _signal
import subprocess as _subprocess
import tempfile as _tempfile
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _infsim
from ._infsim import CompileError, ConfigError, Error, GraphError, IoError

for _e in (Error, ConfigError, GraphError, CompileError, IoError):
    _e.__module__ = "infsim"  # tracebacks say infsim.ConfigError
del _e

__all__ = [
    "Config", "Graph", "Plan", "Result", "Error", "ConfigError", "GraphError", "CompileError",
    "IoError", "REPORT_SCHEMA_VERSION", "presets", "preset", "default_config", "parameters",
    "models", "model", "load_graph", "compile", "load_plan", "simulate", "sweep", "cli_path",
]

#: The report's ``schema_version`` (the CLI's JSON report has the same).
REPORT_SCHEMA_VERSION: int = _infsim.REPORT_SCHEMA_VERSION

_Progress = Union[None, bool, Callable[[int, int], Any]]


def _whole(name: str, value: Any, minimum: int) -> int:
    """An int >= minimum (bools refused), else infsim.Error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = value.__index__()  # numpy integers
        except (AttributeError, TypeError):
            raise Error(f"{name}: '{value!r}' is not a whole number") from None
    if value < minimum:
        raise Error(f"{name}: must be at least {minimum}, got {value}")
    if value >= 2**63:
        raise Error(f"{name}: {value} is too large")
    return int(value)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise Error(f"{name}: '{value!r}' is not a number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise Error(f"{name}: '{value!r}' is not a number") from None
    if not x == x or x in (float("inf"), float("-inf")) or x < 0:
        raise Error(f"{name}: must be a finite number >= 0, got {value}")
    return x


class Config:
    """A topology: a preset changed by documented parameter paths (docs/CONFIG.md).

    Made by :func:`preset` or :func:`default_config`. ``set`` and ``get`` take the paths of
    docs/CONFIG.md (``core.sram.capacity_mib``) and check values as a config file is checked;
    an unknown path is answered with the closest documented one.
    """

    __slots__ = ("_c",)

    def __init__(self, native: "_infsim.Config") -> None:
        self._c = native

    @property
    def name(self) -> str:
        """The name reports show (a preset's, or the one given to :meth:`renamed`)."""
        return self._c.name

    @property
    def description(self) -> str:
        return self._c.description

    @property
    def chips(self) -> int:
        return self._c.chips

    @property
    def cores_per_chip(self) -> int:
        return self._c.cores_per_chip

    @property
    def total_cores(self) -> int:
        """Every NeuronCore of the topology: chips x cores per chip."""
        return self._c.total_cores

    def get(self, path: str) -> Any:
        """The value at a documented path, e.g. ``cfg.get("core.sram.capacity_mib")``."""
        return self._c.get(path)

    def set(self, path: str, value: Any) -> "Config":
        """Sets one parameter by its documented path (the CLI's ``--set PATH=VALUE``).

        Raises ConfigError for an unknown path (with a suggestion) or a value out of range.
        Returns this config, so calls chain.
        """
        self._c.set(path, value)
        return self

    def update(self, values: Union[Mapping[str, Any], str, "os.PathLike[str]"]) -> "Config":
        """Applies a config layer: a dict nested as a config file is, or a file's path (the
        CLI's ``--config FILE``). Returns this config."""
        if isinstance(values, Mapping):
            self._c.apply_dict(dict(values), "config")
        else:
            self._c.apply_file(_os.fspath(values))
        return self

    def renamed(self, name: str) -> "Config":
        """A copy under another name (reports then say what the changed topology is)."""
        return Config(self._c.renamed(name))

    def copy(self) -> "Config":
        return Config(self._c.copy())

    def validate(self) -> None:
        """Checks the cross-field rules (simulate and compile check them too)."""
        self._c.validate()

    def to_dict(self) -> Dict[str, Any]:
        """Every parameter, nested as ``infsim presets --show`` prints it."""
        return self._c.to_dict()

    def __repr__(self) -> str:
        return f"<infsim.Config {self.name!r}: {self.chips} chips, {self.total_cores} cores>"


class Graph:
    """A model graph: from the zoo (:func:`model`) or a file (:func:`load_graph`)."""

    __slots__ = ("_g",)

    def __init__(self, native: "_infsim.Graph") -> None:
        self._g = native

    @property
    def name(self) -> str:
        return self._g.name

    @property
    def ops(self) -> int:
        """Operators in the graph."""
        return self._g.ops

    @property
    def param_count(self) -> int:
        return self._g.param_count

    @property
    def weight_bytes(self) -> int:
        return self._g.weight_bytes

    @property
    def macs(self) -> int:
        """Multiply-accumulates per sample."""
        return self._g.macs

    @property
    def import_report(self) -> Optional[Dict[str, Any]]:
        """For an ONNX import, what the importer did (``infsim graph --json``); else None."""
        return self._g.import_report

    def to_dict(self) -> Dict[str, Any]:
        """The graph in the JSON graph format (docs/GRAPH_FORMAT.md)."""
        return self._g.to_dict()

    def __repr__(self) -> str:
        return f"<infsim.Graph {self.name!r}: {self.ops} ops, {self.param_count} parameters>"


class Plan:
    """How a graph runs on a topology: pipeline stages placed on cores (:func:`compile`)."""

    __slots__ = ("_p", "_graph")

    def __init__(self, native: "_infsim.Plan", graph: Graph) -> None:
        self._p = native
        self._graph = graph

    @property
    def cores(self) -> int:
        """Cores used, all groups (one stage per core)."""
        return self._p.cores

    @property
    def groups(self) -> int:
        return self._p.groups

    @property
    def batch(self) -> int:
        return self._p.batch

    @property
    def mode(self) -> str:
        """``pipeline`` or ``data-parallel``."""
        return self._p.mode

    @property
    def bottleneck_us(self) -> float:
        """The slowest stage's estimated time per request, in microseconds."""
        return self._p.bottleneck_us

    @property
    def auto_cores(self) -> Optional[Dict[str, Any]]:
        """With ``cores="auto"``: the table of core counts and the choice; else None."""
        return self._p.auto_cores

    @property
    def stages(self) -> List[Dict[str, Any]]:
        """One dict per stage, as in :meth:`to_dict` (core, chip, ops, weights, SRAM use...)."""
        return self.to_dict()["stages"]

    def to_dict(self) -> Dict[str, Any]:
        """The plan as ``infsim compile --json`` writes it (``auto_cores`` aside)."""
        return self._p.to_dict()

    def to_json(self) -> str:
        """The plan file's text; :func:`load_plan` (and ``infsim run --plan``) read it back."""
        return self._p.to_json()

    def __repr__(self) -> str:
        return (f"<infsim.Plan {self._p.model!r} on {self._p.config!r}: {self.mode}, "
                f"{self.cores} cores, batch {self.batch}>")


class Result:
    """A simulated run's report. :meth:`to_dict` is the CLI's ``--json`` report (same keys, same
    ``schema_version``); the commonest figures are attributes."""

    __slots__ = ("_r", "_d")

    def __init__(self, native: "_infsim.Result") -> None:
        self._r = native
        self._d: Optional[Dict[str, Any]] = None

    def _dict(self) -> Dict[str, Any]:
        if self._d is None:
            self._d = self._r.to_dict()
        return self._d

    @property
    def throughput_per_s(self) -> float:
        """Inferences (samples) per second in the measured window."""
        return self._r.throughput_per_s

    @property
    def peak_throughput_per_s(self) -> float:
        return self._dict()["peak_throughput_per_s"]

    @property
    def latency_ms(self) -> Dict[str, float]:
        """Arrival to completion: min, mean, p50, p90, p95, p99, p999, max (milliseconds)."""
        return dict(self._dict()["latency_ms"])

    @property
    def queue_ms(self) -> Dict[str, float]:
        return dict(self._dict()["queue_ms"])

    @property
    def service_ms(self) -> Dict[str, float]:
        return dict(self._dict()["service_ms"])

    @property
    def bottleneck(self) -> str:
        return self._dict()["bottleneck"]

    @property
    def stages(self) -> List[Dict[str, Any]]:
        return self._dict()["stages"]

    @property
    def trace(self) -> Optional[Dict[str, Any]]:
        """With ``simulate(trace=True)``: the Perfetto timeline (Chrome trace JSON); else None."""
        return self._r.trace

    def to_dict(self) -> Dict[str, Any]:
        """The report as the CLI's ``--json`` writes it (docs/REPORT.md)."""
        return _json.loads(_json.dumps(self._dict()))  # a copy the caller may change

    def to_json(self) -> str:
        """The text of the CLI's ``--json`` file for this run."""
        return self._r.to_json()

    def to_csv(self) -> str:
        """The text of the CLI's ``--csv`` file (section,index,field,value)."""
        return self._r.to_csv()

    def summary(self) -> Dict[str, str]:
        """The summary figures a sweep row has, by column name."""
        return self._r.summary()

    def __str__(self) -> str:
        return self._r.text()

    def __repr__(self) -> str:
        d = self._dict()
        return (f"<infsim.Result {d['model']!r} on {d['config']!r}: "
                f"{self.throughput_per_s:.1f}/s, p99 {d['latency_ms']['p99']:.3f} ms>")


def presets() -> Dict[str, str]:
    """The topology presets: name -> description (``infsim presets``)."""
    return dict(_infsim.presets())


def preset(name: str) -> Config:
    """A preset topology (see :func:`presets`); ConfigError for an unknown name."""
    return Config(_infsim.preset(name))


def default_config() -> Config:
    """The defaults every preset starts from."""
    return Config(_infsim.default_config())


def parameters() -> List[Dict[str, str]]:
    """Every configuration parameter: path, type, unit, default, range, description, source."""
    return _infsim.parameters()


def models() -> Dict[str, str]:
    """The built-in models: name -> description (``infsim models``)."""
    return dict(_infsim.models())


def model(name: str, seq_len: int = 128) -> Graph:
    """A built-in model (``resnet50``, ``bert-base``, ``bert-large``, ``vgg16``).

    seq_len: the sequence length of transformer models (1..512).
    """
    s = _whole("seq_len", seq_len, 1)
    if s > 512:
        raise Error(f"seq_len: must be in 1..512, got {s}")
    return Graph(_infsim.model(name, s))


def load_graph(path: Union[str, "os.PathLike[str]"],
               input_shape: Optional[Mapping[str, Sequence[int]]] = None,
               unknown_ops: str = "error") -> Graph:
    """A graph file: JSON (docs/GRAPH_FORMAT.md) or ONNX (docs/ONNX.md).

    input_shape: ONNX only: the shape of each graph input, batch dimension included, e.g.
        ``{"input": [1, 3, 224, 224]}`` (the CLI's ``--input-shape input=1,3,224,224``).
    unknown_ops: ONNX only: ``"error"`` or ``"vector"`` (run unknown operators on the
        VectorEngine at 1 FLOP per element).
    """
    shapes: Dict[str, List[int]] = {}
    for name, dims in (input_shape or {}).items():
        if not isinstance(name, str):
            raise Error(f"input_shape: names must be strings, got {name!r}")
        if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
            raise Error(f"input_shape[{name!r}]: must be a list of dimensions, got {dims!r}")
        shapes[name] = [_whole(f"input_shape[{name!r}]", d, 1) for d in dims]
    return Graph(_infsim.load_graph(_os.fspath(path), shapes, unknown_ops))


def compile(graph: Graph, config: Config, cores: Union[None, int, str] = None, *, batch: int = 1,
            groups: int = 1, static_weights: bool = False, objective: str = "fit") -> Plan:
    """Shards a graph into pipeline stages and places them on cores (``infsim compile``).

    cores: stages (= cores) per copy of the model; None: every core of the topology divided
        among the groups; ``"auto"``: chosen by ``objective`` (``fit``: fewest cores keeping
        every weight in SRAM; ``throughput`` or ``latency``: simulate each candidate).
    batch: samples per request. groups: data-parallel copies, each on ``cores`` cores.
    static_weights: fail instead of streaming weights that do not fit from DRAM.
    Raises CompileError when it cannot (naming the bytes that did not fit).
    """
    _check_types(graph=graph, config=config)
    auto = cores == "auto"
    n = 0 if cores is None or auto else _whole("cores", cores, 1)
    n = _bounded("cores", n, 2**32 - 1)
    batch = _bounded("batch", _whole("batch", batch, 1), 2**32 - 1)
    groups = _bounded("groups", _whole("groups", groups, 1), 2**32 - 1)
    plan = _infsim.compile(graph._g, config._c, n, auto, objective, batch, groups,
                           bool(static_weights), 400)
    return Plan(plan, graph)


def load_plan(path: Union[str, "os.PathLike[str]"], graph: Graph, config: Config) -> Plan:
    """A plan file (as :meth:`Plan.to_json` or ``infsim compile --json`` writes it, possibly
    edited), rebuilt against the graph and topology (the CLI's ``--plan FILE``)."""
    _check_types(graph=graph, config=config)
    return Plan(_infsim.load_plan(_os.fspath(path), graph._g, config._c), graph)


def _check_types(**kw: Any) -> None:
    kinds = {"graph": Graph, "config": Config, "plan": Plan}
    for name, value in kw.items():
        if not isinstance(value, kinds[name]):
            raise TypeError(f"{name} must be an infsim.{kinds[name].__name__}, "
                            f"got {type(value).__name__}")


class _Bar:
    """A tqdm bar fed by (done, total) reports."""

    def __init__(self, unit: str) -> None:
        from tqdm.auto import tqdm  # Debian's python3-tqdm
        self._tqdm = tqdm
        self._unit = unit
        self._bar = None
        self._n = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=total, unit=self._unit, leave=False)
        self._bar.update(done - self._n)
        self._n = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _progress_hook(progress: _Progress, unit: str):
    if progress is None or progress is False:
        return None, None
    if progress is True:
        bar = _Bar(unit)
        return bar, bar
    if callable(progress):
        return progress, None
    raise TypeError("progress must be None, a bool or a callable(done, total)")


def simulate(config: Config, graph: Graph, plan: Optional[Plan] = None, *, requests: int = 1000,
             concurrency: Optional[int] = None, rate: Optional[float] = None, seed: int = 1,
             warmup: Optional[int] = None, progress: _Progress = None, trace: bool = False,
             trace_first: int = 0, trace_requests: int = 20) -> Result:
    """Simulates requests through a plan (``infsim run``); returns the report.

    plan: from :func:`compile` or :func:`load_plan`; None compiles with every core.
    requests: requests to simulate (each carries the plan's batch of samples).
    concurrency: closed loop, requests in flight (None: 2 x stages).
    rate: open loop, Poisson arrivals per second (None or 0: closed loop).
    seed: random seed (open-loop arrivals).
    warmup: completions excluded from the figures (None: 10% of requests, at least 2 x stages
        while that leaves half the requests measured).
    progress: True for a tqdm bar, or a callable(done, total) called ~200 times per run.
    trace: keep a Perfetto timeline of requests [trace_first, trace_first + trace_requests)
        in ``Result.trace``.

    The GIL is released while the simulation runs. Ctrl-C (or an exception raised by the
    progress callable) stops the run and is raised here; the interpreter stays usable.
    """
    _check_types(config=config, graph=graph)
    if plan is None:
        plan = compile(graph, config)
    _check_types(plan=plan)
    if plan._graph._g is not graph._g and plan._graph.name != graph.name:
        raise Error(f"plan: made for model '{plan._graph.name}', not '{graph.name}'")
    hook, bar = _progress_hook(progress, "req")
    try:
        r = _infsim.simulate(
            config._c, graph._g, plan._p, _whole("requests", requests, 1),
            0 if concurrency is None else _bounded("concurrency", concurrency, 2**32 - 1),
            0.0 if rate is None else _number("rate", rate), _whole("seed", seed, 0),
            -1 if warmup is None else _whole("warmup", warmup, 0), hook, bool(trace),
            _whole("trace_first", trace_first, 0), _whole("trace_requests", trace_requests, 1))
    finally:
        if bar is not None:
            bar.close()
    return Result(r)


def _bounded(name: str, value: Any, maximum: int) -> int:
    v = _whole(name, value, 0)
    if v > maximum:
        raise Error(f"{name}: {v} is too large (at most {maximum})")
    return v


# ---- sweep --------------------------------------------------------------------------------------


def cli_path() -> str:
    """The ``infsim`` executable the sweeps run: $INFSIM_CLI, else the one built or installed
    with this package."""
    env = _os.environ.get("INFSIM_CLI")
    if env:
        return env
    from . import _locations
    p = _locations.CLI
    if not _os.path.isabs(p):
        p = _os.path.normpath(_os.path.join(_os.path.dirname(__file__), p))
    return p


def _stop(proc: "_subprocess.Popen[str]") -> None:
    """Stops a running `infsim sweep` as Ctrl-C would. The CLI notices SIGINT while it waits for
    its points; one that arrives while it is starting a point is seen only when a point ends, so
    the signal is repeated until it exits (SIGKILL after 60 s would leave its points running)."""
    for _ in range(120):
        if proc.poll() is not None:
            return
        proc.send_signal(_signal.SIGINT)
        try:
            proc.wait(timeout=0.5)
            return
        except _subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait()


_PROGRESS_LINE = _re.compile(r"^sweep: \[(\d+)/(\d+)\]")


def sweep(spec: Union[Mapping[str, Any], str, "os.PathLike[str]"], jobs: Optional[int] = None, *,
          out: Union[None, str, "os.PathLike[str]"] = None, progress: _Progress = None,
          log: Optional[Callable[[str], Any]] = None):
    """Runs a sweep (``infsim sweep``) and returns a pandas DataFrame, one row per point.

    spec: a dict ``{"base": {...}, "grid": {...}}`` (and/or ``"list": [...]``) over any
        ``infsim run`` option (``"cores": [4, 8]``) or configuration path
        (``"core.sram.capacity_mib": [12, 24]``), or the path of a spec file (docs/SWEEP.md).
    jobs: points run at once, each in its own process (None: the cores this process may use).
    out: keep the CSV there (a sweep resumes from it: points already in it are not run again);
        None: a temporary file.
    progress: True for a tqdm bar, or a callable(done, total) called as each point ends.
    log: a callable given each progress line of the sweep (``sweep: [3/12] point 2 ...: ok``).

    Columns: point, the spec's inputs, status (``ok``, ``error``: infsim refused the point,
    ``failed``), error (the point's one-line message), wall_s, then the report's summary
    figures. A bad spec raises infsim.Error; a bad point is a row.
    """
    import pandas as pd  # Debian's python3-pandas

    with _tempfile.TemporaryDirectory(prefix="infsim-py-sweep-") as tmp:
        shown = None
        if isinstance(spec, Mapping):
            spec_file = _os.path.join(tmp, "spec.json")
            with open(spec_file, "w") as f:
                try:
                    _json.dump(spec, f)
                except (TypeError, ValueError) as e:
                    raise Error(f"sweep spec: not JSON: {e}") from None
            shown = spec_file
        else:
            spec_file = _os.fspath(spec)
        out_file = _os.path.join(tmp, "sweep.csv") if out is None else _os.fspath(out)
        args = [cli_path(), "sweep", spec_file, "--out", out_file]
        if jobs is not None:
            args += ["--jobs", str(_whole("jobs", jobs, 1))]
        hook, bar = _progress_hook(progress, "point")
        err_lines: List[str] = []
        try:
            proc = _subprocess.Popen(args, stdin=_subprocess.DEVNULL, stdout=_subprocess.DEVNULL,
                                     stderr=_subprocess.PIPE, text=True)
        except OSError as e:
            raise Error(f"cannot run the infsim CLI '{args[0]}': {e.strerror} "
                        "(set INFSIM_CLI to its path)") from None
        try:
            assert proc.stderr is not None
            for line in proc.stderr:
                line = line.rstrip("\n")
                err_lines.append(line)
                if log is not None:
                    log(line)
                m = _PROGRESS_LINE.match(line)
                if m and hook is not None:
                    hook(int(m.group(1)), int(m.group(2)))
            rc = proc.wait()
        except BaseException:
            # Ctrl-C (or an exception from a callback): the CLI stops its points and cleans up on
            # SIGINT, leaving the rows written so far (a sweep with `out` resumes from them).
            _stop(proc)
            raise
        finally:
            if bar is not None:
                bar.close()
        if rc != 0:
            msg = next((l[len("infsim: error: "):] for l in err_lines
                        if l.startswith("infsim: error: ")), None)
            if msg is None:
                msg = "infsim sweep exited with code %d: %s" % (rc, " | ".join(err_lines[-3:]))
            if shown is not None:
                msg = msg.replace(f"'{shown}'", "(dict)")
            raise Error(msg)
        df = pd.read_csv(out_file)
    if "error" in df.columns:
        df["error"] = df["error"].fillna("").astype(str)
    return df.sort_values("point", kind="stable").reset_index(drop=True)
