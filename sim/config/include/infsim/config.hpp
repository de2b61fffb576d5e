#pragma once
// SystemConfig: the hardware a run simulates. Read from JSON (a preset, a file, `--set`
// overrides), validated up front: unknown keys, wrong types, out-of-range and inconsistent values
// are refused with a ConfigError naming the JSON path, the value and the rule broken.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/cores/params.hpp"
#include "infsim/interconnect/params.hpp"
#include "infsim/memory/dram_params.hpp"

namespace infsim {

struct PipelineParams {
  std::uint32_t buffer_depth = 2;  ///< input buffers per stage (2 = double buffering)
  /// State Buffer KiB reserved for streamed weights on a stage that streams (two chunks).
  std::uint32_t stream_buffer_kib = 2048;
  bool weight_prefetch = true;  ///< load the next weight chunk while computing on this one
  /// Largest tile of one operand that a tiled operator moves between DRAM and the State Buffer
  /// (each operand double-buffered: two tiles of it in the State Buffer).
  std::uint32_t tile_kib = 256;
  /// Activations that do not fit the State Buffer stay in DRAM (spilled and reloaded, operators
  /// tiled); false = every stage's activations must fit (the model before tiling).
  bool spill_activations = true;
};

/// The Neuron runtime's work per inference on the host, outside the device: the framework call,
/// the submission to the device and the completion path (docs/TIMING.md, "Runtime overhead").
/// overhead_us delays each request's input transfer (submission); an exponential delay of mean
/// jitter_us, drawn per request from the run's seeded generator, delays its result's transfer
/// (completion). Neither occupies any resource.
struct RuntimeParams {
  double overhead_us = 20.0;  ///< fixed part of the host work per inference
  double jitter_us = 75.0;    ///< mean of the exponential part (0 = no variation)
};

/// The hardware a run simulates. Its fields are grouped like the documented JSON paths, but some
/// C++ names differ from them (core.sram_capacity_mib is the path core.sram.capacity_mib): reach
/// any parameter by its documented path with get_param / set_param, which check values exactly
/// as a config file is checked.
struct SystemConfig {
  std::string name = "custom";  ///< shown in reports; rename a copied preset with renamed()
  std::string description;
  std::uint32_t chips = 1;           ///< Inferentia chips (1..16)
  std::uint32_t cores_per_chip = 4;  ///< NeuronCores per chip [AWS]
  CoreParams core;
  DramParams dram;
  FabricParams fabric;
  NeuronLinkParams neuronlink;
  HostLinkParams host;
  PipelineParams pipeline;
  RuntimeParams runtime;

  std::uint32_t total_cores() const { return chips * cores_per_chip; }
  /// Core clock period in picoseconds (validated to be whole).
  std::uint64_t core_period_ps() const;
  /// State Buffer bytes per core.
  std::uint64_t sram_bytes() const;
  /// Peak MAC/s of one core's TensorEngine: rows × cols × clock.
  double tensor_peak_macs_per_s() const;
  /// A copy under another name, for a preset changed into a what-if so that its reports are not
  /// labelled with the preset's name: preset("inf1.6xlarge").renamed("6xl-24MiB"). The same as
  /// set_param(cfg, "name", new_name).
  SystemConfig renamed(std::string new_name) const;
};

/// One documented parameter of SystemConfig (the table that validation, `--set`, to_json and the
/// config reference in docs/CONFIG.md all come from).
struct ParamInfo {
  std::string path;  ///< JSON path, e.g. "core.sram.capacity_mib"
  std::string type;  ///< "integer", "number", "boolean", "string", "enum"
  std::string unit;  ///< unit, or "" when dimensionless
  std::string default_value;
  std::string range;  ///< allowed values, human readable
  std::string description;
  std::string source;  ///< "[AWS] ...", "[derived] ...", or "unpublished: <choice and reason>"
};

/// The table of every configuration parameter.
const std::vector<ParamInfo>& config_parameters();

/// Defaults (one Inferentia chip, inf1.xlarge-like).
SystemConfig default_config();

/// Names of the built-in presets (from examples/topologies/*.json).
std::vector<std::string> preset_names();
/// The preset's JSON text, or throws ConfigError listing the known presets.
const std::string& preset_json(const std::string& name);
/// Defaults with the preset applied.
SystemConfig preset(const std::string& name);

/// Applies a JSON object of overrides to `cfg`. `origin` (a file name or "preset X") prefixes
/// error messages. Throws ConfigError on unknown keys, wrong types or out-of-range values.
void apply_json(SystemConfig& cfg, const nlohmann::json& j, const std::string& origin);
/// Reads a JSON file and applies it (IoError if unreadable, ConfigError if malformed).
void apply_file(SystemConfig& cfg, const std::string& path);
/// Applies one `path=value` assignment, the syntax of the CLI's `--set` (the value is parsed as
/// JSON, else taken as a string: `neuronlink.topology=chain`), through set_param's rules.
/// `origin` prefixes error messages (the CLI passes "--set").
void apply_override(SystemConfig& cfg, const std::string& assignment,
                    const std::string& origin = "apply_override");
/// The value of the parameter at a documented path (the Path column of docs/CONFIG.md,
/// config_parameters()), e.g. get_param(cfg, "core.sram.capacity_mib") == 12; a group's path
/// ("core.tensor") gives an object of its parameters. Throws ConfigError naming the path and
/// suggesting the closest documented one when it is not a documented path.
nlohmann::json get_param(const SystemConfig& cfg, const std::string& path);
/// Sets the parameter at a documented path, checked by the same rules as a config file (type,
/// range, enum values; cross-field rules are validate()'s): set_param(cfg,
/// "core.sram.capacity_mib", 24). A group's path takes an object of its keys. Throws ConfigError
/// ("set_param: <path> = <value>: <rule>", with the closest documented key for an unknown one)
/// and leaves `cfg` unchanged on error.
void set_param(SystemConfig& cfg, const std::string& path, const nlohmann::json& value);
/// Cross-field rules (clock period, chip count against topology, ...). Throws ConfigError.
void validate(const SystemConfig& cfg);
/// Every parameter as nested JSON (round-trips through apply_json).
nlohmann::json to_json(const SystemConfig& cfg);
/// The parameter table as Markdown (docs/CONFIG.md is this text; a test keeps them equal).
std::string config_reference_markdown();

}  // namespace infsim
