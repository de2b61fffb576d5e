// infsim._infsim: the Python bindings of the library (pybind11). The package python/infsim wraps
// these in keyword-argument functions with docstrings (docs/PYTHON.md); this file stays thin:
// objects hold the library's own types, JSON goes through the library's writers, and every
// infsim::Error becomes a Python exception with the message the CLI prints.
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "infsim/infsim.hpp"
#include "infsim/onnx_import.hpp"

namespace py = pybind11;

namespace {

using Json = nlohmann::json;

// ---- JSON <-> Python ---------------------------------------------------------------------------

py::object to_py(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case Json::value_t::number_float:
      return py::float_(j.get<double>());
    case Json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      py::list l;
      for (const auto& v : j) l.append(to_py(v));
      return std::move(l);
    }
    case Json::value_t::object: {
      py::dict d;
      for (const auto& [k, v] : j.items()) d[py::str(k)] = to_py(v);
      return std::move(d);
    }
    default:
      return py::none();
  }
}

/// A Python value as JSON; `what` names it in the error (infsim::Error, so ValueError).
Json from_py(const py::handle& o, const std::string& what) {
  if (o.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(o)) return o.cast<bool>();
  if (py::isinstance<py::int_>(o)) {
    try {
      return o.cast<std::int64_t>();
    } catch (const py::cast_error&) {
      try {
        return o.cast<std::uint64_t>();
      } catch (const py::cast_error&) {
        throw infsim::Error(what + ": integer out of range");
      }
    }
  }
  if (py::isinstance<py::float_>(o)) return o.cast<double>();
  if (py::isinstance<py::str>(o)) return o.cast<std::string>();
  if (py::isinstance<py::dict>(o)) {
    Json j = Json::object();
    for (const auto& [k, v] : o.cast<py::dict>()) {
      if (!py::isinstance<py::str>(k)) throw infsim::Error(what + ": keys must be strings");
      const std::string key = k.cast<std::string>();
      j[key] = from_py(v, what + "." + key);
    }
    return j;
  }
  if (py::isinstance<py::list>(o) || py::isinstance<py::tuple>(o)) {
    Json j = Json::array();
    std::size_t i = 0;
    for (const auto& v : o) j.push_back(from_py(v, what + "[" + std::to_string(i++) + "]"));
    return j;
  }
  // numpy scalars and the like: anything that converts to a number.
  if (py::hasattr(o, "__index__")) return from_py(py::int_(o.attr("__index__")()), what);
  if (py::hasattr(o, "__float__")) return from_py(py::float_(o.attr("__float__")()), what);
  throw infsim::Error(what + ": a " + std::string(py::str(o.get_type().attr("__name__"))) +
                      " is not a JSON value (use None, bool, int, float, str, list or dict)");
}

// ---- Objects ------------------------------------------------------------------------------------

/// A graph and, when it came from an ONNX file, what the importer did.
struct PyGraph {
  std::shared_ptr<const infsim::Graph> graph;
  Json import_report;  ///< import_report_to_json, or null
};

/// A plan and the graph it was made for (plan_to_json needs the op names).
struct PyPlan {
  infsim::Plan plan;
  std::shared_ptr<const infsim::Graph> graph;
  Json auto_cores;  ///< core_choice_json when cores="auto" chose it, or null
};

struct PyResult {
  infsim::Report report;
  Json trace;  ///< the timeline, when asked for
};

PyGraph model(const std::string& name, int seq_len) {
  infsim::ModelOptions mo;
  mo.seq_len = seq_len;
  return {std::make_shared<const infsim::Graph>(infsim::build_model(name, mo)), nullptr};
}

PyGraph load_graph(const std::string& path,
                   const std::map<std::string, std::vector<std::int64_t>>& input_shape,
                   const std::string& unknown_ops) {
  if (!infsim::is_onnx_file(path)) {
    if (!input_shape.empty())
      throw infsim::Error("input_shape: only ONNX graphs take input shapes; '" + path +
                          "' is a JSON graph");
    return {std::make_shared<const infsim::Graph>(infsim::load_graph_file(path)), nullptr};
  }
  infsim::OnnxImportOptions o;
  o.input_shapes = input_shape;
  o.unknown_ops = infsim::parse_unknown_ops(unknown_ops);
  infsim::OnnxImport imp = infsim::import_onnx_file(path, o);
  Json report = infsim::import_report_to_json(imp);
  return {std::make_shared<const infsim::Graph>(std::move(imp.graph)), std::move(report)};
}

PyPlan compile_plan(const PyGraph& g, const infsim::SystemConfig& cfg, std::uint32_t cores,
                    bool auto_cores, const std::string& objective, std::uint32_t batch,
                    std::uint32_t groups, bool static_weights, std::uint64_t probe_requests) {
  infsim::CompileOptions o;
  o.cores = cores;
  o.batch = batch;
  o.groups = groups;
  o.static_weights = static_weights;
  PyPlan p;
  p.graph = g.graph;
  if (auto_cores) {
    // As `infsim run --cores auto`: one pipeline's core count.
    if (groups != 1)
      throw infsim::Error("--cores auto chooses one pipeline's core count: drop --groups");
    infsim::Workload probe;
    probe.requests = probe_requests;
    const infsim::CoreObjective obj = infsim::parse_core_objective(objective);
    infsim::CoreChoice choice;
    {
      py::gil_scoped_release release;  // Throughput and Latency simulate every candidate
      choice = infsim::choose_cores(*g.graph, cfg, o, obj, probe);
    }
    p.plan = choice.plan;
    p.auto_cores = infsim::core_choice_json(choice);
    p.auto_cores["reason"] = choice.reason;
    return p;
  }
  p.plan = infsim::compile(*g.graph, cfg, o);
  return p;
}

PyPlan load_plan(const std::string& path, const PyGraph& g, const infsim::SystemConfig& cfg) {
  return {infsim::load_plan_file(path, *g.graph, cfg), g.graph, nullptr};
}

/// simulate with the GIL released. The run asks, at every progress report (200 per run), for the
/// GIL to call `progress` (when given) and to check for a signal (Ctrl-C): a Python exception
/// from either cancels the run (RunOptions::cancel) and is raised here once the kernel is gone.
PyResult simulate(const infsim::SystemConfig& cfg, const PyGraph& g, const PyPlan& plan,
                  std::uint64_t requests, std::uint32_t concurrency, double rate,
                  std::uint64_t seed, std::int64_t warmup, const py::object& progress, bool trace,
                  std::uint64_t trace_first, std::uint64_t trace_requests) {
  infsim::Workload w;
  w.requests = requests;
  w.concurrency = concurrency;
  w.rate_per_s = rate;
  w.seed = seed;
  w.warmup = warmup;
  infsim::RunOptions ro;
  PyResult result;
  if (trace) {
    ro.trace = &result.trace;
    ro.trace_first = trace_first;
    ro.trace_requests = trace_requests;
  }
  std::optional<py::error_already_set> pending;  // a Python exception that stopped the run
  const bool has_progress = !progress.is_none();
  ro.progress = [&](std::uint64_t done, std::uint64_t total) {
    if (!has_progress || pending) return;
    py::gil_scoped_acquire gil;
    try {
      progress(done, total);
    } catch (py::error_already_set& e) {
      pending.emplace(std::move(e));
    }
  };
  ro.cancel = [&]() -> bool {
    if (pending) return true;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) pending.emplace();  // fetches the KeyboardInterrupt
    return pending.has_value();
  };
  try {
    py::gil_scoped_release release;
    result.report = infsim::simulate(cfg, *g.graph, plan.plan, w, ro);
  } catch (const infsim::Cancelled&) {
    if (pending) throw std::move(*pending);
    throw;
  }
  return result;
}

std::string to_json_text(const Json& j) {
  return j.dump(2) + "\n";  // as the CLI writes its files
}

}  // namespace

PYBIND11_MODULE(_infsim, m) {
  m.doc() = "The infsim C++ library (internal: use the infsim package)";

  // Errors: infsim.Error is a ValueError; its subclasses follow the library's.
  static py::exception<infsim::Error> error(m, "Error", PyExc_ValueError);
  static py::exception<infsim::ConfigError> config_error(m, "ConfigError", error.ptr());
  static py::exception<infsim::GraphError> graph_error(m, "GraphError", error.ptr());
  static py::exception<infsim::CompileError> compile_error(m, "CompileError", error.ptr());
  static py::exception<infsim::IoError> io_error(m, "IoError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const infsim::ConfigError& e) {
      PyErr_SetString(config_error.ptr(), e.what());
    } catch (const infsim::GraphError& e) {
      PyErr_SetString(graph_error.ptr(), e.what());
    } catch (const infsim::CompileError& e) {
      PyErr_SetString(compile_error.ptr(), e.what());
    } catch (const infsim::IoError& e) {
      PyErr_SetString(io_error.ptr(), e.what());
    } catch (const infsim::Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });

  m.attr("REPORT_SCHEMA_VERSION") = infsim::kReportSchemaVersion;

  // ---- Config
  py::class_<infsim::SystemConfig>(m, "Config")
      .def_readonly("name", &infsim::SystemConfig::name)
      .def_readonly("description", &infsim::SystemConfig::description)
      .def_readonly("chips", &infsim::SystemConfig::chips)
      .def_readonly("cores_per_chip", &infsim::SystemConfig::cores_per_chip)
      .def_property_readonly("total_cores", &infsim::SystemConfig::total_cores)
      .def("get", [](const infsim::SystemConfig& c,
                     const std::string& path) { return to_py(infsim::get_param(c, path)); })
      .def("set", [](infsim::SystemConfig& c, const std::string& path,
                     const py::object& value) { infsim::set_param(c, path, from_py(value, path)); })
      .def("renamed", &infsim::SystemConfig::renamed)
      .def("apply_dict",
           [](infsim::SystemConfig& c, const py::dict& d, const std::string& origin) {
             infsim::apply_json(c, from_py(d, origin), origin);
           })
      .def("apply_file",
           [](infsim::SystemConfig& c, const std::string& path) { infsim::apply_file(c, path); })
      .def("validate", [](const infsim::SystemConfig& c) { infsim::validate(c); })
      .def("to_dict", [](const infsim::SystemConfig& c) { return to_py(infsim::to_json(c)); })
      .def("to_json",
           [](const infsim::SystemConfig& c) { return to_json_text(infsim::to_json(c)); })
      .def("copy", [](const infsim::SystemConfig& c) { return c; });
  m.def("preset", &infsim::preset);
  m.def("default_config", &infsim::default_config);
  m.def("presets", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& name : infsim::preset_names())
      out.emplace_back(name, infsim::preset(name).description);
    return out;
  });
  m.def("parameters", [] {
    py::list out;
    for (const auto& p : infsim::config_parameters()) {
      py::dict d;
      d["path"] = p.path;
      d["type"] = p.type;
      d["unit"] = p.unit;
      d["default"] = p.default_value;
      d["range"] = p.range;
      d["description"] = p.description;
      d["source"] = p.source;
      out.append(d);
    }
    return out;
  });

  // ---- Graph
  py::class_<PyGraph>(m, "Graph")
      .def_property_readonly("name", [](const PyGraph& g) { return g.graph->name; })
      .def_property_readonly("ops", [](const PyGraph& g) { return g.graph->ops.size(); })
      .def_property_readonly("param_count", [](const PyGraph& g) { return g.graph->param_count(); })
      .def_property_readonly("weight_bytes",
                             [](const PyGraph& g) { return g.graph->weight_bytes(); })
      .def_property_readonly("macs", [](const PyGraph& g) { return g.graph->total_macs(); })
      .def_property_readonly("import_report",
                             [](const PyGraph& g) { return to_py(g.import_report); })
      .def("to_dict", [](const PyGraph& g) { return to_py(infsim::graph_to_json(*g.graph)); });
  m.def("model", &model);
  m.def("models", [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& z : infsim::zoo_models()) out.emplace_back(z.name, z.description);
    return out;
  });
  m.def("load_graph", &load_graph);

  // ---- Plan
  py::class_<PyPlan>(m, "Plan")
      .def_property_readonly("cores", [](const PyPlan& p) { return p.plan.cores; })
      .def_property_readonly("groups", [](const PyPlan& p) { return p.plan.groups; })
      .def_property_readonly("batch", [](const PyPlan& p) { return p.plan.batch; })
      .def_property_readonly("mode", [](const PyPlan& p) { return p.plan.mode(); })
      .def_property_readonly("model", [](const PyPlan& p) { return p.plan.model; })
      .def_property_readonly("config", [](const PyPlan& p) { return p.plan.config; })
      .def_property_readonly("bottleneck_us",
                             [](const PyPlan& p) {
                               return static_cast<double>(p.plan.bottleneck_ps()) /
                                      static_cast<double>(infsim::kPsPerUs);
                             })
      .def_property_readonly("auto_cores", [](const PyPlan& p) { return to_py(p.auto_cores); })
      .def("to_dict", [](const PyPlan& p) { return to_py(infsim::plan_to_json(p.plan, *p.graph)); })
      .def("to_json",
           [](const PyPlan& p) { return to_json_text(infsim::plan_to_json(p.plan, *p.graph)); });
  m.def("compile", &compile_plan);
  m.def("load_plan", &load_plan);

  // ---- Result
  py::class_<PyResult>(m, "Result")
      .def("to_dict", [](const PyResult& r) { return to_py(infsim::to_json(r.report)); })
      .def("to_json", [](const PyResult& r) { return to_json_text(infsim::to_json(r.report)); })
      .def("to_csv", [](const PyResult& r) { return infsim::to_csv(r.report); })
      .def("text", [](const PyResult& r) { return infsim::format_text(r.report); })
      .def("summary",
           [](const PyResult& r) {
             py::dict d;
             for (const auto& [k, v] : infsim::summary_fields(infsim::to_json(r.report)))
               d[py::str(k)] = v;
             return d;
           })
      .def_property_readonly("trace", [](const PyResult& r) { return to_py(r.trace); })
      .def_property_readonly("throughput_per_s",
                             [](const PyResult& r) { return r.report.throughput_per_s; });
  m.def("simulate", &simulate);
}
