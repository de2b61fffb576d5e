"""Every call of the infsim package, its results against the CLI's, and its errors."""

import json
import os
import threading
import time

import pytest

import infsim
from conftest import SOURCE_DIR, load_json

TINY_CNN = os.path.join(SOURCE_DIR, "examples", "models", "tiny_cnn.json")


# ---- presets, models, configs -------------------------------------------------------------------


def test_presets_and_models_match_the_cli(cli):
    names = [l.split()[0] for l in cli("presets").stdout.splitlines() if l.strip()]
    p = infsim.presets()
    assert list(p) == names
    assert "NeuronCore" in p["inf1.6xlarge"]
    models = [l.split()[0] for l in cli("models").stdout.splitlines() if l.strip()]
    assert list(infsim.models()) == models
    params = {x["path"]: x for x in infsim.parameters()}
    assert params["core.sram.capacity_mib"]["unit"] == "MiB"


def test_config_get_set_to_dict_equal_the_cli(cli):
    cfg = infsim.preset("inf1.6xlarge")
    assert (cfg.name, cfg.chips, cfg.cores_per_chip, cfg.total_cores) == ("inf1.6xlarge", 4, 4, 16)
    assert cfg.to_dict() == json.loads(cli("presets", "--show", "inf1.6xlarge").stdout)
    before = cfg.get("core.sram.capacity_mib")
    assert cfg.set("core.sram.capacity_mib", 24) is cfg
    assert cfg.get("core.sram.capacity_mib") == 24 != before
    assert cfg.to_dict()["core"]["sram"]["capacity_mib"] == 24
    assert cfg.set("neuronlink.topology", "ring").get("neuronlink.topology") == "ring"
    other = cfg.renamed("6xl-24MiB")
    assert other.name == "6xl-24MiB" and cfg.name == "inf1.6xlarge"
    assert other.get("core.sram.capacity_mib") == 24
    c2 = cfg.copy().set("core.sram.capacity_mib", 8)
    assert cfg.get("core.sram.capacity_mib") == 24 and c2.get("core.sram.capacity_mib") == 8
    assert infsim.default_config().to_dict()["chips"] == 1
    cfg.validate()
    assert "inf1.6xlarge" in repr(cfg)


def test_config_update_from_a_dict_and_a_file(tmp_path):
    cfg = infsim.preset("inf1.xlarge").update({"core": {"sram": {"capacity_mib": 16}}})
    assert cfg.get("core.sram.capacity_mib") == 16
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"dram": {"model": "simple"}}))
    assert cfg.update(f).get("dram.model") == "simple"
    with pytest.raises(infsim.IoError):
        cfg.update(tmp_path / "absent.json")


def test_config_errors_are_value_errors_naming_the_path():
    cfg = infsim.preset("inf1.xlarge")
    with pytest.raises(infsim.ConfigError, match=r'did you mean "core\.sram\.capacity_mib"'):
        cfg.set("core.sram_capacity_mib", 24)
    with pytest.raises(ValueError, match=r"core\.sram\.capacity_mib"):
        cfg.set("core.sram.capacity_mib", -1)
    with pytest.raises(infsim.ConfigError):
        cfg.set("core.sram.capacity_mib", "big")
    with pytest.raises(infsim.Error, match="not a JSON value"):
        cfg.set("core.sram.capacity_mib", object())
    assert issubclass(infsim.ConfigError, infsim.Error) and issubclass(infsim.Error, ValueError)


# ---- graphs -------------------------------------------------------------------------------------


def test_model_and_json_graph():
    g = infsim.model("bert-base", seq_len=128)
    assert g.name.startswith("bert-base") and g.ops > 100 and g.param_count > 100e6
    assert infsim.model("bert-base", seq_len=64).macs < g.macs
    assert g.weight_bytes == 2 * g.param_count  # FP16
    assert g.import_report is None
    t = infsim.load_graph(TINY_CNN)
    assert t.name == "tiny_cnn" and t.param_count == 5706 and t.macs == 1696064
    assert [op["name"] for op in t.to_dict()["ops"]][:2] == ["image", "conv1"]
    with pytest.raises(infsim.Error, match="only ONNX graphs take input shapes"):
        infsim.load_graph(TINY_CNN, input_shape={"image": [1, 3, 32, 32]})
    with pytest.raises(infsim.Error, match="seq_len: must be in 1..512, got 513"):
        infsim.model("bert-base", seq_len=513)
    with pytest.raises(infsim.Error, match="seq_len"):
        infsim.model("bert-base", seq_len=0)


def test_onnx_graph_with_input_shape(tmp_path):
    onnx = pytest.importorskip("onnx")  # python3-onnx: installed by scripts/setup.sh
    from onnx import TensorProto, helper, numpy_helper
    import numpy as np

    w = numpy_helper.from_array(np.ones((64, 32), dtype=np.float32), "w")
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph([node], "mm", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, ["batch", 64])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, ["batch", 32])], [w])
    path = tmp_path / "mm.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    g = infsim.load_graph(path, input_shape={"x": [1, 64]})
    assert g.param_count == 64 * 32
    assert g.import_report["onnx_ops"]["MatMul"]["mapped"] == 1
    with pytest.raises(infsim.GraphError, match="batch"):
        infsim.load_graph(path)  # the dynamic dimension left unset
    with pytest.raises(infsim.Error, match="input_shape"):
        infsim.load_graph(path, input_shape={"x": [1, -64]})


# ---- errors: the CLI's message ----------------------------------------------------------------


@pytest.mark.parametrize("call,args", [
    (lambda: infsim.preset("inf9"), ["run", "--preset", "inf9"]),
    (lambda: infsim.model("resnet5"), ["run", "--model", "resnet5"]),
    (lambda: infsim.compile(infsim.model("resnet50"), infsim.preset("inf1.xlarge"), cores=5),
     ["run", "--preset", "inf1.xlarge", "--cores", "5"]),
    (lambda: infsim.compile(infsim.model("bert-large"), infsim.preset("inf1.xlarge"), cores=1,
                            static_weights=True),
     ["run", "--preset", "inf1.xlarge", "--model", "bert-large", "--cores", "1",
      "--static-weights"]),
    (lambda: infsim.compile(infsim.model("resnet50"), infsim.preset("inf1.6xlarge"), "auto",
                            groups=2), ["run", "--cores", "auto", "--groups", "2"]),
    (lambda: infsim.simulate(infsim.preset("inf1.xlarge"), infsim.model("resnet50"),
                             requests=10, warmup=10),
     ["run", "--preset", "inf1.xlarge", "--requests", "10", "--warmup", "10"]),
])
def test_errors_carry_the_clis_message(call, args, cli_error):
    with pytest.raises(infsim.Error) as e:
        call()
    assert str(e.value) == cli_error(*args)


def test_a_missing_file_is_named_as_the_cli_names_it(cli_error):
    # The CLI checks its input files before the run (naming the option); the library names the
    # file and the reason in the same words.
    with pytest.raises(infsim.Error) as e:
        infsim.load_graph("/nonexistent/g.json")
    cli = cli_error("run", "--graph", "/nonexistent/g.json")
    for text in (str(e.value), cli):
        assert "cannot read" in text and "'/nonexistent/g.json'" in text
        assert text.endswith("No such file or directory")


def test_argument_errors_are_value_errors():
    cfg, g = infsim.preset("inf1.xlarge"), infsim.model("resnet50")
    for kw, msg in [({"requests": 0}, "requests: must be at least 1, got 0"),
                    ({"requests": -5}, "requests: must be at least 1"),
                    ({"requests": 1.5}, "requests: '1.5' is not a whole number"),
                    ({"rate": -1}, "rate: must be a finite number >= 0"),
                    ({"rate": float("nan")}, "rate: must be a finite number"),
                    ({"seed": -1}, "seed: must be at least 0"),
                    ({"concurrency": 2**40}, "concurrency: .* is too large")]:
        with pytest.raises(ValueError, match=msg):
            infsim.simulate(cfg, g, **kw)
    with pytest.raises(ValueError, match="cores: must be at least 1, got 0"):
        infsim.compile(g, cfg, cores=0)
    for kw in ({"cores": 2**40}, {"batch": 2**40}, {"groups": 2**33}):
        with pytest.raises(ValueError, match=f"{next(iter(kw))}: .* is too large"):
            infsim.compile(g, cfg, **kw)
    with pytest.raises(ValueError, match="objective"):
        infsim.compile(g, cfg, cores="auto", objective="speed")
    with pytest.raises(TypeError, match="graph must be an infsim.Graph"):
        infsim.compile(cfg, g)
    with pytest.raises(TypeError, match="progress"):
        infsim.simulate(cfg, g, requests=10, progress="yes")


# ---- compile, plans -----------------------------------------------------------------------------


def test_compile_equals_the_clis_plan(cli, tmp_path):
    cfg, g = infsim.preset("inf1.6xlarge"), infsim.model("bert-base")
    plan = infsim.compile(g, cfg, cores=4, groups=2, batch=2)
    assert (plan.cores, plan.groups, plan.batch, plan.mode) == (8, 2, 2, "data-parallel")
    assert len(plan.stages) == 8 and plan.stages[0]["core"] == 0 and plan.bottleneck_us > 0
    out = tmp_path / "plan.json"
    cli("compile", "--model", "bert-base", "--cores", "4", "--groups", "2", "--batch", "2",
        "--json", out)
    assert plan.to_dict() == load_json(out)
    assert plan.to_json() == out.read_text()
    # Read back, as --plan: the same plan.
    again = infsim.load_plan(out, g, cfg)
    assert again.to_dict() == plan.to_dict()
    assert infsim.compile(g, cfg).cores == 16  # every core by default
    assert plan.auto_cores is None and "data-parallel" in repr(plan)


def test_compile_auto_cores():
    cfg, g = infsim.preset("inf1.6xlarge"), infsim.model("resnet50")
    plan = infsim.compile(g, cfg, "auto")
    assert plan.auto_cores["chosen"] == plan.cores >= 1
    assert plan.auto_cores["reason"]


# ---- simulate -----------------------------------------------------------------------------------

CASES = [
    # (CLI arguments, the same as Python calls)
    (["--preset", "inf1.xlarge", "--model", "resnet50", "--cores", "4", "--requests", "300",
      "--concurrency", "6", "--seed", "3"],
     dict(preset="inf1.xlarge", model=("resnet50", {}), compile={"cores": 4},
          run=dict(requests=300, concurrency=6, seed=3))),
    (["--preset", "inf1.6xlarge", "--model", "bert-base", "--seq-len", "64", "--cores", "2",
      "--groups", "2", "--batch", "2", "--rate", "3000", "--seed", "7", "--warmup", "20",
      "--requests", "200", "--set", "core.sram.capacity_mib=16",
      "--set", "neuronlink.topology=ring"],
     dict(preset="inf1.6xlarge", model=("bert-base", {"seq_len": 64}),
          sets={"core.sram.capacity_mib": 16, "neuronlink.topology": "ring"},
          compile={"cores": 2, "groups": 2, "batch": 2},
          run=dict(requests=200, rate=3000, seed=7, warmup=20))),
]


@pytest.mark.parametrize("args,py", CASES)
def test_simulate_to_dict_equals_the_clis_json(args, py, cli, tmp_path):
    out = tmp_path / "r.json"
    cli("run", *args, "--json", out)
    cfg = infsim.preset(py["preset"])
    for k, v in py.get("sets", {}).items():
        cfg.set(k, v)
    g = infsim.model(py["model"][0], **py["model"][1])
    r = infsim.simulate(cfg, g, infsim.compile(g, cfg, **py["compile"]), **py["run"])
    # The report has no wall-clock field: the whole JSON is equal, schema version included.
    expected = load_json(out)
    assert r.to_dict() == expected
    assert r.to_json() == out.read_text()
    assert expected["schema_version"] == infsim.REPORT_SCHEMA_VERSION
    assert r.throughput_per_s == expected["throughput_per_s"] > 0
    assert r.latency_ms == expected["latency_ms"] and r.latency_ms["p99"] > 0
    assert r.queue_ms == expected["queue_ms"] and r.service_ms == expected["service_ms"]
    assert r.peak_throughput_per_s == expected["peak_throughput_per_s"]
    assert r.bottleneck == expected["bottleneck"] and r.stages == expected["stages"]
    csv = tmp_path / "r.csv"
    cli("run", *args, "--csv", csv)
    assert r.to_csv() == csv.read_text()
    assert "throughput" in str(r) and "inferences/s" in str(r)
    assert r.summary()["throughput_per_s"]


def test_simulate_defaults_trace_and_determinism():
    cfg, g = infsim.preset("inf1.xlarge"), infsim.load_graph(TINY_CNN)
    r1 = infsim.simulate(cfg, g, requests=100)  # compiles over every core
    r2 = infsim.simulate(cfg, g, infsim.compile(g, cfg), requests=100)
    assert r1.to_dict() == r2.to_dict() and r1.trace is None
    t = infsim.simulate(cfg, g, requests=100, trace=True, trace_first=5, trace_requests=2).trace
    assert t["traceEvents"]
    d = r1.to_dict()
    d["model"] = "changed"  # a copy
    assert r1.to_dict()["model"] == "tiny_cnn"


def test_progress_callback_and_its_exceptions():
    cfg, g = infsim.preset("inf1.xlarge"), infsim.model("resnet50")
    plan = infsim.compile(g, cfg, cores=4)
    seen = []
    r = infsim.simulate(cfg, g, plan, requests=400, progress=lambda d, t: seen.append((d, t)))
    assert len(seen) == 200 and seen[-1] == (400, 400) and seen[0] == (2, 400)

    def boom(done, total):
        if done >= 100:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        infsim.simulate(cfg, g, plan, requests=400, progress=boom)
    # The run was abandoned cleanly: the next one is the same as before.
    assert infsim.simulate(cfg, g, plan, requests=400).to_dict() == r.to_dict()
    # progress=True: a tqdm bar (on stderr), the same figures.
    assert infsim.simulate(cfg, g, plan, requests=400, progress=True).to_dict() == r.to_dict()


def test_simulate_releases_the_gil():
    cfg, g = infsim.preset("inf1.6xlarge"), infsim.model("bert-base")
    plan = infsim.compile(g, cfg, cores=16)
    box = {}

    def run():
        t0 = time.monotonic()
        box["r"] = infsim.simulate(cfg, g, plan, requests=2000)
        box["t"] = time.monotonic() - t0

    th = threading.Thread(target=run)
    stamps = [time.monotonic()]
    th.start()
    while th.is_alive():
        stamps.append(time.monotonic())
        time.sleep(0.001)
    th.join()
    assert box["r"].throughput_per_s > 0
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    # Holding the GIL would stall this loop for the whole run.
    assert box["t"] > 0.2, "the run is too short to tell"
    assert max(gaps) < box["t"] / 2, (max(gaps), box["t"])


def test_overlapping_runs_are_refused():
    cfg, g = infsim.preset("inf1.xlarge"), infsim.model("resnet50")
    plan = infsim.compile(g, cfg, cores=4)
    started, tried, errors = threading.Event(), threading.Event(), []

    def hold(done, total):  # the first run waits in its progress hook until the second is tried
        started.set()
        tried.wait(60)

    th = threading.Thread(target=lambda: infsim.simulate(cfg, g, plan, requests=2000,
                                                         progress=hold))
    th.start()
    started.wait(60)
    try:
        infsim.simulate(cfg, g, plan, requests=10)
    except infsim.Error as e:
        errors.append(str(e))
    tried.set()
    th.join()
    assert errors and "another simulation is running" in errors[0]
