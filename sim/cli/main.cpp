// The infsim command line: run, sweep, compile, presets, models, microbench. infsim_cli_main
// (cli.hpp) is the whole program; entry.cpp's main calls it, and so does the argv fuzzer.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <limits>
#include <new>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "infsim/common/printable.hpp"
#include "infsim/infsim.hpp"
#include "infsim/microbench.hpp"
#include "infsim/onnx_import.hpp"
#include "outputs.hpp"
#include "slurm.hpp"
#include "sweep.hpp"
#include "validate.hpp"

namespace {

using infsim::Error;
using infsim::in_quotes;
using infsim_cli::Files;

/// The value `v` of an option, as messages show it (escaped, cut).
std::string shown(const std::string& v) {
  return in_quotes(v, 60);
}

/// A whole number in [min, max] (max: what the option's variable holds, so nothing is clamped or
/// wrapped). CLI11's PositiveNumber / NonNegativeNumber report a rejected 0 as "Value 0 not in
/// range 0.000000 to 1797...(300 digits)", which says nothing useful.
CLI::Validator whole_at_least(long long min,
                              unsigned long long max = std::numeric_limits<std::uint32_t>::max()) {
  return CLI::Validator(
      [min, max](std::string& v) -> std::string {
        const bool negative = !v.empty() && v[0] == '-';
        const std::string digits = negative ? v.substr(1) : v;
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
          return shown(v) + " is not a whole number";
        errno = 0;
        const unsigned long long n = std::strtoull(digits.c_str(), nullptr, 10);
        const bool below = negative ? n != 0 || min > 0 : n < static_cast<unsigned long long>(min);
        if (below) return "must be at least " + std::to_string(min) + ", got " + shown(v);
        if (!negative && (errno == ERANGE || n > max))
          return "must be at most " + std::to_string(max) + ", got " + shown(v);
        return {};
      },
      ">=" + std::to_string(min));
}

/// Digits only, at most `max`: an unsigned value such as a seed (CLI11 would accept "-1" and wrap
/// it around, and clamp 99999999999999999999999 to the largest value without a word).
CLI::Validator unsigned_whole(unsigned long long max = std::numeric_limits<std::uint64_t>::max()) {
  return CLI::Validator(
      [max](std::string& v) -> std::string {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
          return shown(v) + " is not a whole number >= 0";
        errno = 0;
        const unsigned long long n = std::strtoull(v.c_str(), nullptr, 10);
        if (errno == ERANGE || n > max)
          return "must be at most " + std::to_string(max) + ", got " + shown(v);
        return {};
      },
      ">=0");
}

constexpr unsigned long long kU64Max = std::numeric_limits<std::uint64_t>::max();

/// A file name that is not empty.
CLI::Validator non_empty_file() {
  return CLI::Validator(
      [](std::string& s) { return s.empty() ? std::string("empty file name") : std::string(); },
      "FILE");
}

/// A finite number >= 0.
CLI::Validator finite_non_negative() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        std::istringstream in(v);
        double x = 0;
        char rest = 0;
        if (!(in >> x) || in >> rest) return shown(v) + " is not a number";
        if (!std::isfinite(x) || x < 0) return "must be a finite number >= 0, got " + shown(v);
        return {};
      },
      ">=0");
}

/// ONNX graph options (docs/ONNX.md): dynamic input dimensions and unknown operators.
struct OnnxCli {
  std::vector<std::string> input_shapes;  ///< "name=d1,d2,..." (repeatable --input-shape)
  std::string unknown_ops = "error";
};

void add_onnx_options(CLI::App* app, OnnxCli& o) {
  app->add_option("--input-shape", o.input_shapes,
                  "ONNX graphs: shape of a graph input with its batch dimension, NAME=d1,d2,... "
                  "(repeatable), e.g. --input-shape input=1,3,224,224");
  app->add_option("--unknown-ops", o.unknown_ops,
                  "ONNX graphs: an operator infsim does not know is an error, or runs on the "
                  "VectorEngine at 1 FLOP per element (vector)")
      ->check(CLI::IsMember({"error", "vector"}))
      ->capture_default_str();
}

infsim::OnnxImportOptions onnx_options(const OnnxCli& o) {
  infsim::OnnxImportOptions opts;
  for (const auto& s : o.input_shapes) {
    auto shape = infsim::parse_input_shape(s);
    if (opts.input_shapes.count(shape.first) != 0)
      throw Error("--input-shape: input " + in_quotes(shape.first) +
                  " is given more than once; give each input's shape once");
    opts.input_shapes.insert(std::move(shape));
  }
  opts.unknown_ops = infsim::parse_unknown_ops(o.unknown_ops);
  return opts;
}

/// The ONNX options name a graph file that is ONNX: they would be ignored otherwise.
void check_onnx_options(const CLI::App& app, const std::string& graph_file) {
  for (const char* opt : {"--input-shape", "--unknown-ops"}) {
    if (app.count(opt) == 0) continue;
    if (graph_file.empty())
      throw Error(std::string(opt) + " applies to an ONNX --graph, and no --graph is given");
    if (!infsim::is_onnx_file(graph_file))
      throw Error(std::string(opt) + " applies to ONNX graphs, and " + in_quotes(graph_file) +
                  " is a JSON graph (its shapes are in the file)");
  }
}

/// A graph file of either format; an ONNX import says on stdout what it approximated.
infsim::Graph load_graph_any(const std::string& file, const OnnxCli& o) {
  if (!infsim::is_onnx_file(file)) return infsim::load_graph_file(file);
  const infsim::OnnxImport imp = infsim::import_onnx_file(file, onnx_options(o));
  for (const auto& a : imp.report.approximated) std::cout << "approximated: " << a << "\n";
  return imp.graph;
}

struct Common {
  const CLI::App* app = nullptr;  ///< the subcommand, to tell which options were given
  std::string preset = "inf1.6xlarge";
  std::string config_file;
  std::vector<std::string> sets;
  std::string model = "resnet50";
  std::string graph_file;
  OnnxCli onnx;       ///< --input-shape, --unknown-ops (ONNX graphs)
  std::string cores;  ///< "", a whole number, or "auto"
  std::uint32_t batch = 1;
  std::uint32_t groups = 1;
  bool static_weights = false;
  std::string placement = "packed";
  std::vector<std::uint32_t> core_list;
  std::string objective = "fit";
  std::string plan_file;
  int seq_len = 128;
  std::string json_file;
};

/// `--cores`: a whole number >= 1 or "auto".
CLI::Validator cores_value() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (v == "auto") return {};
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9 ||
            std::stoul(v) == 0)
          return shown(v) + " is neither a whole number >= 1 nor 'auto'";
        return {};
      },
      "N|auto");
}

void add_common(CLI::App* app, Common& c, bool with_model) {
  c.app = app;
  app->add_option("--preset", c.preset, "Topology preset (see `infsim presets`)")
      ->capture_default_str();
  app->add_option("--config", c.config_file,
                  "JSON config file applied on top of the preset (may name its own \"preset\")")
      ->check(non_empty_file());
  app->add_option("--set", c.sets,
                  "Override one field, PATH=VALUE (repeatable), "
                  "e.g. --set core.sram.capacity_mib=16");
  if (!with_model) return;
  auto* m = app->add_option("--model", c.model, "Built-in model (see `infsim models`)")
                ->capture_default_str();
  app->add_option("--graph", c.graph_file,
                  "Model graph: a JSON file (docs/GRAPH_FORMAT.md) or an ONNX model (docs/ONNX.md)")
      ->excludes(m)
      ->check(non_empty_file());
  add_onnx_options(app, c.onnx);
  auto* cores = app->add_option("--cores", c.cores,
                                "NeuronCores per copy of the model (pipeline stages), or 'auto' "
                                "(see --objective); default: every core of the topology, "
                                "divided among the groups")
                    ->check(cores_value());
  app->add_option("--groups", c.groups,
                  "Data-parallel groups: copies of the model, each on --cores cores; requests "
                  "go to the least-loaded group")
      ->check(whole_at_least(1))
      ->capture_default_str();
  app->add_flag("--static-weights", c.static_weights,
                "Keep every weight in SRAM or fail (no streaming of weights from DRAM)");
  app->add_option("--placement", c.placement,
                  "Which cores the stages run on: packed (chip-major, as the Neuron runtime's "
                  "contiguous NeuronCore groups) or spread (round-robin over chips)")
      ->check(CLI::IsMember({"packed", "spread"}))
      ->capture_default_str();
  app->add_option("--core-list", c.core_list,
                  "The cores the stages run on, in stage order (group 0 first), e.g. "
                  "--core-list 0,4,8,12; overrides --placement")
      ->delimiter(',');
  app->add_option("--objective", c.objective,
                  "With --cores auto: fit (fewest cores keeping all weights in SRAM), "
                  "throughput or latency (simulate every core count)")
      ->check(CLI::IsMember({"fit", "throughput", "latency"}))
      ->capture_default_str();
  app->add_option("--plan", c.plan_file,
                  "Run a plan file (as `infsim compile --json` writes it, possibly edited) "
                  "instead of compiling")
      ->excludes(cores)
      ->check(non_empty_file());
  app->add_option("--batch", c.batch, "Samples per request")
      ->check(whole_at_least(1))
      ->capture_default_str();
  app->add_option("--seq-len", c.seq_len, "Sequence length of transformer models")
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
}

/// Options that another option makes meaningless are refused rather than silently dropped.
void check_common(const Common& c) {
  const CLI::App& app = *c.app;
  const auto given = [&app](const char* opt) { return app.count(opt) > 0; };
  if (!c.plan_file.empty()) {
    for (const char* opt : {"--groups", "--batch", "--static-weights", "--objective"})
      if (given(opt))
        throw Error(std::string(opt) + " cannot be used with --plan: the plan file fixes the " +
                    "groups, the batch and where weights live (compile a new plan instead)");
  }
  if (given("--objective") && c.cores != "auto")
    throw Error("--objective applies only with --cores auto (it chooses the core count)");
}

/// Checks the input files of `c` (config, graph, plan) and registers them with `files`, so that
/// no output overwrites them.
void add_inputs(const Common& c, Files& files) {
  if (!c.config_file.empty()) files.input("--config", c.config_file);
  if (!c.graph_file.empty()) files.input("--graph", c.graph_file);
  if (!c.plan_file.empty()) files.input("--plan", c.plan_file);
  if (c.app->get_option_no_throw("--input-shape") != nullptr)
    check_onnx_options(*c.app, c.graph_file);
}

infsim::SystemConfig make_config(const Common& c) {
  infsim::SystemConfig cfg = infsim::preset(c.preset);
  if (!c.config_file.empty()) infsim::apply_file(cfg, c.config_file);
  for (const auto& s : c.sets) infsim::apply_override(cfg, s, "--set");
  infsim::validate(cfg);
  return cfg;
}

infsim::Graph make_graph(const Common& c) {
  if (!c.graph_file.empty()) return load_graph_any(c.graph_file, c.onnx);
  infsim::ModelOptions mo;
  mo.seq_len = c.seq_len;
  return infsim::build_model(c.model, mo);
}

/// The plan the options ask for: read from --plan, chosen by --cores auto (then `choice` holds
/// the table), or compiled.
infsim::Plan make_plan(const Common& c, const infsim::SystemConfig& cfg, const infsim::Graph& g,
                       const infsim::Workload& probe, infsim::CoreChoice* choice) {
  if (!c.plan_file.empty()) {
    if (!c.core_list.empty() || c.placement != "packed")
      throw infsim::Error("--plan names its cores: drop --core-list and --placement");
    return infsim::load_plan_file(c.plan_file, g, cfg);
  }
  infsim::CompileOptions o;
  o.batch = c.batch;
  o.groups = c.groups;
  o.static_weights = c.static_weights;
  o.placement = infsim::parse_placement(c.placement);
  o.core_list = c.core_list;
  if (c.cores == "auto") {
    if (c.groups != 1)
      throw infsim::Error("--cores auto chooses one pipeline's core count: drop --groups");
    if (!c.core_list.empty())
      throw infsim::Error("--cores auto chooses the core count: drop --core-list");
    infsim::Workload w = probe;
    w.requests = std::min<std::uint64_t>(w.requests, 400);
    *choice = infsim::choose_cores(g, cfg, o, infsim::parse_core_objective(c.objective), w);
    return choice->plan;
  }
  o.cores = c.cores.empty() ? 0 : static_cast<std::uint32_t>(std::stoul(c.cores));
  if (o.cores == 0 && !c.core_list.empty())  // the list says how many
    o.cores = static_cast<std::uint32_t>(c.core_list.size()) / std::max<std::uint32_t>(1, c.groups);
  return infsim::compile(g, cfg, o);
}

/// A progress bar on stderr (only used when stderr is a terminal).
void progress_bar(std::uint64_t done, std::uint64_t total) {
  const int width = 40;
  const int filled = static_cast<int>(width * done / std::max<std::uint64_t>(1, total));
  std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
            << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << done << "/"
            << total << " requests" << std::flush;
}

std::string fmt_count(double v, const char* unit) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << v << unit;
  return s.str();
}

// Each subcommand has an options struct, add_*_command (declares its CLI11 options, bound to
// that struct) and cmd_* (runs it once parsed; throws on errors, which main reports).

/// `infsim run` options.
struct RunCli {
  Common c;
  infsim::Workload wl;
  std::string trace_file;
  std::uint64_t trace_first = 0, trace_requests = 20;
  bool no_progress = false;
  std::string csv_file;
};

CLI::App* add_run_command(CLI::App& app, RunCli& o) {
  auto* run =
      app.add_subcommand("run", "Compile a model and simulate requests through the pipeline");
  add_common(run, o.c, true);
  run->add_option("--requests", o.wl.requests, "Requests to simulate")
      ->check(whole_at_least(1, kU64Max))
      ->capture_default_str();
  auto* concurrency = run->add_option("--concurrency", o.wl.concurrency,
                                      "Closed loop: requests in flight (default: 2 x stages)")
                          ->check(unsigned_whole(std::numeric_limits<std::uint32_t>::max()));
  run->add_option("--rate", o.wl.rate_per_s, "Open loop: Poisson arrival rate in requests/s")
      ->check(finite_non_negative())
      ->excludes(concurrency);
  run->add_option("--max-queue", o.wl.max_queue,
                  "Open loop: requests that may wait at the host for the first stage; an arrival "
                  "beyond it is refused and counted (refused_requests)")
      ->check(whole_at_least(1, kU64Max))
      ->capture_default_str();
  run->add_option("--seed", o.wl.seed, "Random seed (open-loop arrivals)")
      ->check(unsigned_whole())
      ->capture_default_str();
  run->add_option("--warmup", o.wl.warmup,
                  "Warm-up completions excluded from the figures (default: 10% of requests, at "
                  "least 2 x stages while that leaves half the requests measured)")
      ->check(whole_at_least(0, std::numeric_limits<std::int64_t>::max()));
  run->add_option("--json", o.c.json_file, "Write the report as JSON to FILE")
      ->check(non_empty_file());
  run->add_option("--trace", o.trace_file,
                  "Write a timeline of some requests as a Chrome trace (open it in Perfetto)")
      ->check(non_empty_file());
  run->add_option("--trace-first", o.trace_first, "First request id the trace records")
      ->check(unsigned_whole())
      ->capture_default_str();
  run->add_option(
         "--trace-requests", o.trace_requests,
         "Requests the trace records (at most " + std::to_string(infsim::kMaxTraceRequests) + ")")
      ->check(whole_at_least(1, infsim::kMaxTraceRequests))
      ->capture_default_str();
  run->add_flag("--no-progress", o.no_progress,
                "No progress bar (it shows only when stderr is a terminal anyway)");
  run->add_option("--csv", o.csv_file,
                  "Write the report's tables as CSV to FILE (section,index,field,value; "
                  "docs/REPORT.md)")
      ->check(non_empty_file());
  return run;
}

/// The checks of `infsim run` that come before any work: options another option makes
/// meaningless, and its input and output files (registered with `files`, checked).
void check_run(const RunCli& o, Files& files) {
  check_common(o.c);
  const CLI::App& app = *o.c.app;
  if (app.count("--max-queue") > 0 && o.wl.rate_per_s <= 0)
    throw Error(
        "--max-queue applies to an open loop (--rate > 0); a closed loop never has more "
        "than --concurrency requests waiting");
  for (const char* opt : {"--trace-first", "--trace-requests"})
    if (app.count(opt) > 0 && o.trace_file.empty())
      throw Error(std::string(opt) + " applies only with --trace FILE");
  add_inputs(o.c, files);
  if (!o.c.json_file.empty()) files.output("--json", o.c.json_file);
  if (!o.csv_file.empty()) files.output("--csv", o.csv_file);
  if (!o.trace_file.empty()) files.output("--trace", o.trace_file);
  files.check();
}

void cmd_run(const RunCli& o) {
  Files files;
  check_run(o, files);
  const infsim::SystemConfig cfg = make_config(o.c);
  const infsim::Graph g = make_graph(o.c);
  infsim::validate(o.wl);
  infsim::CoreChoice choice;
  const infsim::Plan plan = make_plan(o.c, cfg, g, o.wl, &choice);
  infsim::RunOptions run_opts;
  nlohmann::json trace;
  if (!o.trace_file.empty()) {
    run_opts.trace = &trace;
    run_opts.trace_first = o.trace_first;
    run_opts.trace_requests = o.trace_requests;
  }
  const bool bar = !o.no_progress && isatty(STDERR_FILENO) != 0;
  if (bar) run_opts.progress = progress_bar;
  const infsim::Report r = infsim::simulate(cfg, g, plan, o.wl, run_opts);
  if (bar) std::cerr << "\r\033[K" << std::flush;  // clear the bar
  if (!o.trace_file.empty()) files.stage("--trace", trace.dump() + "\n");
  if (!o.c.json_file.empty()) files.stage("--json", infsim::to_json(r).dump(2) + "\n");
  if (!o.csv_file.empty()) files.stage("--csv", infsim::to_csv(r));
  files.commit();
  if (choice.chosen != 0)
    std::cout << "cores auto: " << choice.chosen << " (" << choice.reason << ")\n";
  std::cout << infsim::format_text(r);
}

std::string parse_error_text(const CLI::ParseError& e);

/// `infsim validate`'s way into `infsim run` (validate.hpp, RowRunner): `args` parsed by the
/// same CLI11 options and checked by the same rules as `infsim run ARGS`, then the configuration
/// built and, when `simulate`, the run simulated in this process. Options that write files or
/// only change what is shown (--json, --csv, --trace, --no-progress) are refused: validate
/// writes its own outputs.
infsim_cli::RowRun run_from_args(const std::vector<std::string>& args, bool simulate) {
  CLI::App app;
  RunCli o;
  CLI::App* run = add_run_command(app, o);
  std::vector<std::string> words = {"infsim", "run"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    throw Error("--help is not a run option (it prints the help)");
  } catch (const CLI::CallForAllHelp&) {
    throw Error("--help-all is not a run option (it prints the help)");
  } catch (const CLI::ParseError& e) {
    throw Error(parse_error_text(e));
  }
  for (const char* opt : {"--json", "--csv", "--trace", "--no-progress"})
    if (run->count(opt) > 0)
      throw Error(std::string(opt) +
                  " is not allowed here: infsim validate writes its own outputs (--json, --csv)");
  Files files;
  check_run(o, files);
  infsim_cli::RowRun out{make_config(o.c), {}};
  if (!simulate) return out;
  const infsim::Graph g = make_graph(o.c);
  infsim::validate(o.wl);
  infsim::CoreChoice choice;
  const infsim::Plan plan = make_plan(o.c, out.config, g, o.wl, &choice);
  out.report = infsim::simulate(out.config, g, plan, o.wl);
  return out;
}

/// Sweeps: `infsim run` over a grid of points, in parallel child processes (sweep.cpp).
CLI::App* add_sweep_command(CLI::App& app, infsim_cli::SweepOptions& o) {
  auto* sweep = app.add_subcommand(
      "sweep", "Run `infsim run` over a grid or list of points in parallel; a CSV row per point");
  sweep->add_option("spec", o.spec_file, "Sweep spec, JSON (docs/SWEEP.md)")
      ->required()
      ->check(non_empty_file());
  sweep->add_option("--out", o.out_file, "CSV to write; points in it are skipped (resume)")
      ->required()
      ->check(non_empty_file());
  sweep->add_option("--jobs,-j", o.jobs, "Points run at once (default: the number of cores)")
      ->check(whole_at_least(1));
  return sweep;
}

/// `run` is the `infsim run` subcommand: a spec may set any of its options. The Slurm modes
/// (--slurm, --merge) are slurm.cpp's.
void cmd_sweep(infsim_cli::SweepOptions& o, const infsim_cli::SlurmOptions& s,
               const CLI::App& run) {
  const infsim_cli::RunOptionCheck is_run_option = [&run](const std::string& name) {
    return run.get_option_no_throw("--" + name) != nullptr;
  };
  if (infsim_cli::slurm_sweep(o, s, is_run_option, std::cout, std::cerr)) return;
  infsim_cli::run_sweep(o, is_run_option, std::cout, std::cerr);
}

/// `infsim validate`: the table of published measurements (validate.cpp, docs/VALIDATION.md).
CLI::App* add_validate_command(CLI::App& app, infsim_cli::ValidateOptions& o) {
  auto* v = app.add_subcommand(
      "validate",
      "Run a table of published Inferentia measurements and compare simulated with published "
      "throughput and latency (docs/VALIDATION.md)");
  v->add_option("--table", o.table_file, "The table (JSON, docs/VALIDATION.md)")
      ->check(non_empty_file())
      ->capture_default_str();
  v->add_option("--rows", o.rows, "Run only these rows, by id (e.g. --rows a,b)")->delimiter(',');
  v->add_option("--json", o.json_file, "Write the comparison (and the table's rows) as JSON")
      ->check(non_empty_file());
  v->add_option("--csv", o.csv_file, "Write the comparison as CSV, a line per row and move")
      ->check(non_empty_file());
  v->add_flag("--check", o.check,
              "Exit with code 2 when a calibration row is outside its tolerance");
  v->add_option("--sensitivity", o.sensitivity,
                "Move each of these parameters (paths of docs/CONFIG.md) by -delta and +delta "
                "(booleans: flipped) and rerun every row")
      ->expected(1, 1000);
  v->add_option("--delta", o.delta, "Relative move of --sensitivity (0.25: x0.75 and x1.25)")
      ->check(finite_non_negative())
      ->capture_default_str();
  v->add_option("--set", o.sets,
                "Override one field in every row, PATH=VALUE (repeatable): validate a what-if");
  return v;
}

CLI::App* add_compile_command(CLI::App& app, Common& c) {
  auto* comp =
      app.add_subcommand("compile", "Shard a model into pipeline stages and print the plan");
  add_common(comp, c, true);
  comp->add_option("--json", c.json_file, "Write the plan as JSON to FILE")
      ->check(non_empty_file());
  return comp;
}

/// The plan as a table, a row per stage, and its estimated bottleneck.
void print_plan(const infsim::Plan& p, const infsim::Graph& g, const infsim::SystemConfig& cfg) {
  std::cout << g.name << " on " << cfg.name << ": " << p.mode() << ", " << p.cores << " cores";
  if (p.groups > 1) std::cout << " (" << p.groups << " groups of " << p.cores / p.groups << ")";
  std::cout << ", batch " << p.batch << ", State Buffer " << p.sram_capacity << " bytes per core\n";
  std::cout << "stage group core chip  ops  weights(B) streamed(B)   SRAM(B)  SRAM%   est us"
               "  first op\n";
  for (const auto& s : p.stages) {
    std::cout << std::setw(5) << s.index << std::setw(6) << s.group << std::setw(5) << s.core
              << std::setw(5) << s.chip << std::setw(5) << (s.op_end - s.op_begin) << std::setw(12)
              << s.weight_bytes << std::setw(12) << s.streamed_weight_bytes << std::setw(10)
              << s.sram_bytes << std::setw(6) << std::fixed << std::setprecision(0)
              << 100.0 * s.sram_bytes / p.sram_capacity << "%" << std::setw(9)
              << std::setprecision(2) << static_cast<double>(s.est_stage_ps()) / infsim::kPsPerUs
              << "  " << g.ops[static_cast<std::size_t>(p.op_order[s.op_begin])].name << "\n";
  }
  std::cout << "estimated bottleneck stage time "
            << static_cast<double>(p.bottleneck_ps()) / infsim::kPsPerUs
            << " us; NeuronLink bytes per request " << p.neuronlink_bytes << "\n";
}

void cmd_compile(const Common& c) {
  check_common(c);
  Files files;
  add_inputs(c, files);
  if (!c.json_file.empty()) files.output("--json", c.json_file);
  files.check();
  const infsim::SystemConfig cfg = make_config(c);
  const infsim::Graph g = make_graph(c);
  infsim::CoreChoice choice;
  infsim::Workload probe;
  probe.requests = 400;
  const infsim::Plan p = make_plan(c, cfg, g, probe, &choice);
  nlohmann::json j = infsim::plan_to_json(p, g);
  if (choice.chosen != 0) {
    std::cout << "core counts for " << g.name << " on " << cfg.name << ", batch " << p.batch << " ("
              << g.param_count() << " parameters, " << g.weight_bytes() << " bytes of weights)\n"
              << infsim::format_core_table(choice) << "\n";
    j["auto_cores"] = infsim::core_choice_json(choice);
  }
  files.stage("--json", j.dump(2) + "\n");
  files.commit();
  print_plan(p, g, cfg);
}

/// `infsim presets` options.
struct PresetsCli {
  std::string show;
  bool reference = false;
};

CLI::App* add_presets_command(CLI::App& app, PresetsCli& o) {
  auto* presets = app.add_subcommand("presets", "List the topology presets");
  presets->add_option("--show", o.show, "Print one preset's full configuration as JSON");
  presets->add_flag("--reference", o.reference, "Print the configuration reference (Markdown)");
  return presets;
}

void cmd_presets(const PresetsCli& o) {
  if (o.reference && !o.show.empty())
    throw Error("--reference and --show print different things: give one of them");
  if (o.reference) {
    std::cout << infsim::config_reference_markdown();
  } else if (!o.show.empty()) {
    std::cout << infsim::to_json(infsim::preset(o.show)).dump(2) << "\n";
  } else {
    for (const auto& name : infsim::preset_names()) {
      const infsim::SystemConfig c = infsim::preset(name);
      std::cout << std::left << std::setw(34) << name << std::right << std::setw(3) << c.chips
                << " chips " << std::setw(3) << c.total_cores() << " cores  " << c.description
                << "\n";
    }
  }
}

/// `seq_len`: the sequence length of transformer models (--seq-len).
CLI::App* add_models_command(CLI::App& app, int& seq_len) {
  auto* models = app.add_subcommand("models", "List the built-in models");
  models->add_option("--seq-len", seq_len, "Sequence length of transformer models")
      ->check(CLI::Range(1, 512));
  return models;
}

void cmd_models(int seq_len) {
  infsim::ModelOptions mo;
  mo.seq_len = seq_len;
  for (const auto& m : infsim::zoo_models()) {
    const infsim::Graph g = infsim::build_model(m.name, mo);
    std::cout << std::left << std::setw(12) << m.name << std::right << std::setw(12)
              << fmt_count(g.param_count() / 1e6, " M params") << std::setw(14)
              << fmt_count(g.total_macs() / 1e9, " G MACs") << std::setw(6) << g.ops.size()
              << " ops  " << m.description << "\n";
  }
}

/// `infsim graph` options: what a graph file (ONNX or JSON) imports as.
struct GraphCli {
  const CLI::App* app = nullptr;
  std::string path;
  std::string json_file;
  OnnxCli onnx;
};

CLI::App* add_graph_command(CLI::App& app, GraphCli& o) {
  auto* graph = app.add_subcommand(
      "graph",
      "Import a graph file (ONNX or JSON) and print operator counts by type and engine, "
      "parameters, MACs and what was folded or approximated");
  o.app = graph;
  graph->add_option("file", o.path, "The graph file")->required()->check(non_empty_file());
  add_onnx_options(graph, o.onnx);
  graph->add_option("--json", o.json_file, "Write the import report as JSON to FILE")
      ->check(non_empty_file());
  return graph;
}

void cmd_graph(const GraphCli& o) {
  Files files;
  files.input("file", o.path);
  if (!o.json_file.empty()) files.output("--json", o.json_file);
  files.check();
  check_onnx_options(*o.app, o.path);
  infsim::OnnxImport imp;
  if (infsim::is_onnx_file(o.path)) {
    imp = infsim::import_onnx_file(o.path, onnx_options(o.onnx));
  } else {
    imp.graph = infsim::load_graph_file(o.path);
    imp.report.file = o.path;
  }
  files.stage("--json", infsim::import_report_to_json(imp).dump(2) + "\n");
  files.commit();
  std::cout << infsim::format_import_report(imp);
}

/// `infsim microbench dram|link|tensor` options: component microbenchmarks.
struct MicrobenchCli {
  Common c;  ///< --preset, --config, --set and --json, shared by the three
  std::string pattern = "sequential";
  std::uint32_t cores = 1, hops = 1, flows = 1;
  std::uint64_t requests = 100000, seed = 1, link_bytes = 1 << 20, link_transfers = 64;
  std::int64_t m = 0, n = 0, k = 0;
  CLI::App* dram = nullptr;  ///< the subcommands, to tell which one ran
  CLI::App* link = nullptr;
};

CLI::App* add_microbench_command(CLI::App& app, MicrobenchCli& o) {
  auto* mb = app.add_subcommand("microbench", "Run one hardware component under a synthetic load");
  mb->require_subcommand(1);
  o.dram = mb->add_subcommand("dram", "Stream 64-byte reads through one chip's DRAM");
  add_common(o.dram, o.c, false);
  o.dram->add_option("--pattern", o.pattern, "Access pattern")
      ->check(CLI::IsMember({"sequential", "random"}))
      ->capture_default_str();
  o.dram->add_option("--cores", o.cores, "Cores streaming at once")
      ->check(whole_at_least(1))
      ->capture_default_str();
  o.dram->add_option("--requests", o.requests, "Reads per core")
      ->check(whole_at_least(1, kU64Max))
      ->capture_default_str();
  o.dram->add_option("--seed", o.seed, "Seed of the random pattern")->check(unsigned_whole());
  o.dram->add_option("--json", o.c.json_file, "Write the figures as JSON to FILE")
      ->check(non_empty_file());
  o.link = mb->add_subcommand("link", "Send transfers over NeuronLink hops");
  add_common(o.link, o.c, false);
  o.link->add_option("--hops", o.hops, "Hops on the route")
      ->check(whole_at_least(1))
      ->capture_default_str();
  o.link->add_option("--flows", o.flows, "Flows sharing the route")
      ->check(whole_at_least(1))
      ->capture_default_str();
  o.link->add_option("--bytes", o.link_bytes, "Bytes per transfer")
      ->check(whole_at_least(1, kU64Max))
      ->capture_default_str();
  o.link->add_option("--transfers", o.link_transfers, "Transfers per flow")
      ->check(whole_at_least(1, kU64Max))
      ->capture_default_str();
  o.link->add_option("--json", o.c.json_file, "Write the figures as JSON to FILE")
      ->check(non_empty_file());
  auto* tensor = mb->add_subcommand("tensor", "One GEMM (m x k) . (k x n) on a TensorEngine");
  add_common(tensor, o.c, false);
  constexpr auto kI64Max =
      static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max());
  tensor->add_option("--m", o.m, "Rows streamed (moving operand)")
      ->required()
      ->check(whole_at_least(1, kI64Max));
  tensor->add_option("--n", o.n, "Output columns")->required()->check(whole_at_least(1, kI64Max));
  tensor->add_option("--k", o.k, "Reduction length")->required()->check(whole_at_least(1, kI64Max));
  tensor->add_option("--json", o.c.json_file, "Write the figures as JSON to FILE")
      ->check(non_empty_file());
  return mb;
}

void cmd_microbench(const MicrobenchCli& o) {
  Files files;
  if (!o.c.config_file.empty()) files.input("--config", o.c.config_file);
  if (!o.c.json_file.empty()) files.output("--json", o.c.json_file);
  files.check();
  const infsim::SystemConfig cfg = make_config(o.c);
  nlohmann::json j;
  std::ostringstream text;
  text << std::fixed << std::setprecision(2);
  if (o.dram->parsed()) {
    const auto r = infsim::microbench_dram(cfg, o.pattern, o.cores, o.requests, o.seed);
    j = infsim::to_json(r);
    text << "DRAM " << r.pattern << ", " << r.cores << " core(s), " << r.requests
         << " reads of 64 B on " << cfg.name << "\n  bandwidth " << r.bandwidth_gib_s
         << " GiB/s of " << r.peak_gib_s << " GiB/s peak ("
         << 100.0 * r.bandwidth_gib_s / r.peak_gib_s << "%), row hits " << 100.0 * r.row_hit_rate
         << "%\n  read latency ns: p50 " << r.latency_ns.p50 << "  p90 " << r.latency_ns.p90
         << "  p99 " << r.latency_ns.p99 << "  max " << r.latency_ns.max << "\n  per core GiB/s:";
    for (double b : r.per_core_gib_s) text << " " << b;
    text << "\n";
  } else if (o.link->parsed()) {
    const auto r = infsim::microbench_link(cfg, o.hops, o.flows, o.link_bytes, o.link_transfers);
    j = infsim::to_json(r);
    text << "NeuronLink " << r.hops << " hop(s), " << r.flows << " flow(s) of "
         << r.transfers_per_flow << " x " << r.transfer_bytes << " B on " << cfg.name
         << "\n  bandwidth " << r.bandwidth_gib_s << " GiB/s (link peak " << r.peak_gib_s
         << " GiB/s)\n  latency ns: p50 " << r.latency_ns.p50 << "  p99 " << r.latency_ns.p99
         << "  max " << r.latency_ns.max << "\n  per flow GiB/s:";
    for (double b : r.per_flow_gib_s) text << " " << b;
    text << "\n";
  } else {
    const auto r = infsim::microbench_tensor(cfg, o.m, o.n, o.k);
    j = infsim::to_json(r);
    text << "TensorEngine " << r.rows << "x" << r.cols << ": (" << r.m << " x " << r.k << ") . ("
         << r.k << " x " << r.n << ")\n  " << r.cycles << " cycles (" << r.time_us << " us), "
         << r.folds << " folds, " << r.macs << " MACs, utilization " << 100.0 * r.utilization
         << "%\n";
  }
  files.stage("--json", j.dump(2) + "\n");
  files.commit();
  std::cout << text.str();
}

/// A CLI11 parse error in the project's words, as one line (no CLI11 wording where a clearer one
/// exists, no "Run with --help" second line).
std::string parse_error_text(const CLI::ParseError& e) {
  std::string msg = e.what();
  std::smatch m;
  static const std::regex at_most(R"(^(\S+): At Most (\d+) required but received (\d+)$)");
  static const std::regex needs(R"(^(\S+): (\d+) required (\S+) missing$)");
  static const std::regex excludes(R"(^(\S+) excludes (\S+)$)");
  static const std::regex required(R"(^(\S+) is required$)");
  static const std::regex conversion(R"(^Could not convert: (\S+) = (.*)$)");
  static const std::regex extras(R"(^The following arguments? (?:was|were) not expected: (.*)$)");
  static const std::regex range(R"(^(\S+): Value (\S+) not in range (\S+) to (\S+)$)");
  static const std::regex member(R"(^(\S+): (.*) not in \{(.*)\}$)");
  if (std::regex_match(msg, m, extras))
    return "unknown option or extra argument: " + m[1].str() + " (see infsim --help)";
  if (std::regex_match(msg, m, range))
    return m[1].str() + ": must be in " + m[3].str() + ".." + m[4].str() + ", got " +
           shown(m[2].str());
  if (std::regex_match(msg, m, member))
    return m[1].str() + ": " + shown(m[2].str()) + " is not one of " + m[3].str();
  if (std::regex_match(msg, m, at_most))
    return m[1].str() + " takes one value but was given " + m[3].str() +
           "; give it once (only --set and --input-shape repeat)";
  if (std::regex_match(msg, m, needs)) return m[1].str() + " needs a value";
  if (std::regex_match(msg, m, excludes))
    return m[1].str() + " and " + m[2].str() + " cannot be used together";
  if (std::regex_match(msg, m, required)) return m[1].str() + " is required";
  if (std::regex_match(msg, m, conversion))
    return m[1].str() + ": " + shown(m[2].str()) + " is not a valid value";
  return msg;
}

}  // namespace

int infsim_cli_main(int argc, char** argv) {
  try {
    CLI::App app{"infsim: a cycle-approximate simulator of AWS Inferentia (NeuronCore Pipeline)"};
    // At most one subcommand; "none" is reported after parsing, so that an unknown word such as
    // `infsim frob` is named ("The following argument was not expected: frob") instead of the
    // bare "A subcommand is required".
    app.require_subcommand(0, 1);

    // Declared in this order, which is the order of `infsim --help`.
    RunCli run_o;
    CLI::App* run = add_run_command(app, run_o);
    infsim_cli::SweepOptions sweep_o;
    CLI::App* sweep = add_sweep_command(app, sweep_o);
    infsim_cli::SlurmOptions slurm_o;
    infsim_cli::add_slurm_options(*sweep, slurm_o);
    Common compile_o;
    CLI::App* compile = add_compile_command(app, compile_o);
    PresetsCli presets_o;
    CLI::App* presets = add_presets_command(app, presets_o);
    int models_seq_len = 128;
    CLI::App* models = add_models_command(app, models_seq_len);
    GraphCli graph_o;
    CLI::App* graph = add_graph_command(app, graph_o);
    MicrobenchCli microbench_o;
    CLI::App* microbench = add_microbench_command(app, microbench_o);
    infsim_cli::ValidateOptions validate_o;
    CLI::App* validate = add_validate_command(app, validate_o);

    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);  // --help: the help on stdout, exit 0
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      std::cerr << "infsim: error: " << infsim::one_line(parse_error_text(e)) << "\n";
      return 1;
    }
    if (app.get_subcommands().empty()) {
      std::cerr << "infsim: error: a subcommand is required (run, sweep, compile, presets, "
                   "models, graph, microbench, validate; see infsim --help)\n";
      return 1;
    }

    if (run->parsed()) {
      cmd_run(run_o);
    } else if (sweep->parsed()) {
      cmd_sweep(sweep_o, slurm_o, *run);
    } else if (compile->parsed()) {
      cmd_compile(compile_o);
    } else if (presets->parsed()) {
      cmd_presets(presets_o);
    } else if (microbench->parsed()) {
      cmd_microbench(microbench_o);
    } else if (graph->parsed()) {
      cmd_graph(graph_o);
    } else if (models->parsed()) {
      cmd_models(models_seq_len);
    } else if (validate->parsed()) {
      validate_o.delta_given = validate->count("--delta") > 0;
      const int code = infsim_cli::run_validate(validate_o, run_from_args, std::cout, std::cerr);
      if (code != 0) {
        std::cout << std::flush;
        return code;
      }
    }
  } catch (const std::bad_alloc&) {
    std::cerr << "infsim: error: out of memory: the input asks for more memory than this machine "
                 "has (a size or count too large?)\n";
    return 1;
  } catch (const std::length_error&) {
    std::cerr << "infsim: error: a size in the input is too large to hold in memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "infsim: error: " << infsim::one_line(e.what()) << "\n";
    return 1;
  }
  std::cout << std::flush;
  return 0;
}
