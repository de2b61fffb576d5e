// Tests of SystemConfig: presets, JSON layering, --set overrides, every error path, the clock
// rule and the generated reference (docs/CONFIG.md).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "infsim/common/error.hpp"
#include "infsim/common/units.hpp"
#include "infsim/config.hpp"
#include "support.hpp"

using Catch::Contains;
using infsim::ConfigError;
using infsim::SystemConfig;
using infsim::test::read_text;
using infsim::test::TempDir;
using nlohmann::json;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("defaults: derived quantities are exact", "[config]") {
  const SystemConfig c = infsim::default_config();
  CHECK(c.name == "custom");
  CHECK(c.chips == 1);
  CHECK(c.cores_per_chip == 4);
  CHECK(c.core_period_ps() == 1024);
  CHECK(c.tensor_peak_macs_per_s() == 128 * 64 * 976.5625e6);
  CHECK(2.0 * c.tensor_peak_macs_per_s() == 16.0e12);  // the published 16 TFLOPS FP16 per core
  CHECK(c.sram_bytes() == 12 * infsim::kMiB);
  CHECK_NOTHROW(infsim::validate(c));
}

TEST_CASE("every preset loads and validates", "[config]") {
  const auto names = infsim::preset_names();
  REQUIRE(names.size() >= 6);
  for (const auto& n : names) {
    INFO("preset " << n);
    SystemConfig c;
    REQUIRE_NOTHROW(c = infsim::preset(n));
    CHECK(c.name == n);
    CHECK(!c.description.empty());
    CHECK_NOTHROW(infsim::validate(c));
    // Each file holds only name, description and values that differ from the defaults.
    const json file = json::parse(infsim::preset_json(n)).flatten();
    const json defaults = infsim::to_json(infsim::default_config()).flatten();
    for (const auto& flat : file.items()) {
      if (flat.key() == "/name" || flat.key() == "/description") continue;
      INFO("key " << flat.key());
      CHECK(defaults.at(flat.key()) != flat.value());
    }
  }
}

TEST_CASE("inf1 presets have the published chip and core counts", "[config]") {
  struct Expect {
    const char* name;
    unsigned chips;
  };
  for (const Expect& e : {Expect{"inf1.xlarge", 1}, Expect{"inf1.2xlarge", 1},
                          Expect{"inf1.6xlarge", 4}, Expect{"inf1.24xlarge", 16}}) {
    INFO(e.name);
    const SystemConfig c = infsim::preset(e.name);
    CHECK(c.chips == e.chips);
    CHECK(c.cores_per_chip == 4);
    CHECK(c.total_cores() == 4 * e.chips);
    CHECK(c.dram.capacity_gib == 8.0);
    CHECK(c.dram.bandwidth_gib_s == 50.0);
    CHECK(c.neuronlink.bandwidth_gib_s == 16.0);
    CHECK(c.core_period_ps() == 1024);
  }
  // inf1.xlarge and inf1.2xlarge differ only in what the simulator does not model.
  json a = infsim::to_json(infsim::preset("inf1.xlarge"));
  json b = infsim::to_json(infsim::preset("inf1.2xlarge"));
  a.erase("name"), a.erase("description"), b.erase("name"), b.erase("description");
  CHECK(a == b);
  CHECK(infsim::preset("inf1.24xlarge").neuronlink.topology == "chain");
}

TEST_CASE("what-if and inf2-like presets", "[config]") {
  const SystemConfig w = infsim::preset("whatif-2x-sram-64core-ring");
  CHECK(w.total_cores() == 64);
  CHECK(w.sram_bytes() == 24 * infsim::kMiB);
  CHECK(w.neuronlink.topology == "ring");

  const SystemConfig a = infsim::preset("whatif-128x128-array");
  CHECK(a.core_period_ps() == 2048);
  CHECK(a.tensor_peak_macs_per_s() == infsim::default_config().tensor_peak_macs_per_s());

  const SystemConfig i2 = infsim::preset("inf2-like");
  CHECK(i2.cores_per_chip == 2);
  CHECK(i2.core.tensor.rows == 128);
  CHECK(i2.core.tensor.cols == 128);
  CHECK(i2.core_period_ps() == 357);
  CHECK(i2.sram_bytes() == 24 * infsim::kMiB);
  CHECK(i2.dram.capacity_gib == 32.0);
  CHECK(i2.dram.bandwidth_gib_s == 820.0);
}

TEST_CASE("unknown preset names the known ones", "[config]") {
  REQUIRE_THROWS_AS(infsim::preset("inf1.4xlarge"), ConfigError);
  REQUIRE_THROWS_WITH(infsim::preset("inf1.4xlarge"),
                      Contains("preset \"inf1.4xlarge\": unknown preset; known presets: ") &&
                          Contains("inf1.24xlarge") && Contains("; did you mean \"inf1."));
  REQUIRE_THROWS_WITH(infsim::preset_json("inf2like"), Contains("did you mean \"inf2-like\"?"));
}

TEST_CASE("to_json round-trips through apply_json", "[config]") {
  for (const auto& n : infsim::preset_names()) {
    INFO(n);
    const SystemConfig c = infsim::preset(n);
    const json j = infsim::to_json(c);
    SystemConfig back;
    back.chips = 7;  // proves every field is overwritten
    infsim::apply_json(back, j, "round trip");
    CHECK(infsim::to_json(back) == j);
    CHECK(back.core_period_ps() == c.core_period_ps());
    // Through text too.
    SystemConfig text;
    infsim::apply_json(text, json::parse(j.dump(2)), "round trip text");
    CHECK(infsim::to_json(text) == j);
  }
  const json d = infsim::to_json(infsim::default_config());
  CHECK(d.at("core").at("clock_mhz") == 976.5625);
  CHECK(d.at("neuronlink").at("topology") == "ring");
  CHECK(d.at("host").at("lanes") == 8);
  CHECK(d.at("pipeline").at("buffer_depth") == 2);
}

TEST_CASE("parameter table covers every JSON field once", "[config]") {
  const auto& params = infsim::config_parameters();
  const json flat = infsim::to_json(infsim::default_config()).flatten();
  CHECK(params.size() == flat.size());
  for (const auto& p : params) {
    INFO(p.path);
    CHECK(!p.description.empty());
    CHECK(!p.source.empty());
    std::string pointer = "/" + p.path;
    for (auto& ch : pointer) {
      if (ch == '.') ch = '/';
    }
    CHECK(flat.contains(pointer));
    CHECK(flat.at(pointer).dump() == p.default_value);
  }
}

TEST_CASE("apply_json: unknown keys list the known ones and suggest the closest", "[config]") {
  SystemConfig c;
  REQUIRE_THROWS_WITH(
      infsim::apply_json(c, json::parse(R"({"core": {"sram": {"capacity": 16}}})"), "f.json"),
      Contains("f.json: core.sram.capacity = 16: unknown key") &&
          Contains("capacity_mib, bytes_per_cycle") &&
          Contains("did you mean \"core.sram.capacity_mib\"?"));
  REQUIRE_THROWS_WITH(infsim::apply_json(c, json::parse(R"({"chip": 4})"), "f.json"),
                      Contains("f.json: chip = 4: unknown key") && Contains("cores_per_chip") &&
                          Contains("did you mean \"chips\"?"));
  // No suggestion when nothing is close.
  const std::string far =
      error_of([&c] { infsim::apply_json(c, json::parse(R"({"zzz": 1})"), "f.json"); });
  CHECK_THAT(far, Contains("f.json: zzz = 1: unknown key; known keys: name, description"));
  CHECK(far.find("did you mean") == std::string::npos);
  REQUIRE_THROWS_WITH(infsim::apply_json(c, json::parse(R"({"core": 5})"), "f.json"),
                      Contains("f.json: core = 5: must be a JSON object with keys clock_mhz"));
  REQUIRE_THROWS_WITH(infsim::apply_json(c, json::parse("[1]"), "f.json"),
                      Contains("f.json: (top level) = [1]: must be a JSON object"));
}

TEST_CASE("apply_json: wrong types", "[config]") {
  SystemConfig c;
  auto apply = [&c](const char* text) { infsim::apply_json(c, json::parse(text), "t.json"); };
  REQUIRE_THROWS_WITH(apply(R"({"chips": 2.5})"),
                      Contains("t.json: chips = 2.5: must be a whole number"));
  REQUIRE_THROWS_WITH(apply(R"({"chips": "4"})"),
                      Contains("t.json: chips = \"4\": must be an integer in 1..16"));
  REQUIRE_THROWS_WITH(apply(R"({"core": {"tensor": {"weight_load_overlap": 1}}})"),
                      Contains("core.tensor.weight_load_overlap = 1: must be a boolean"));
  REQUIRE_THROWS_WITH(apply(R"({"neuronlink": {"topology": "mesh"}})"),
                      Contains("t.json: neuronlink.topology = \"mesh\": must be one of "
                               "\"ring\", \"chain\""));
  REQUIRE_THROWS_WITH(apply(R"({"neuronlink": {"topology": 1}})"),
                      Contains("neuronlink.topology = 1: must be one of"));
  REQUIRE_THROWS_WITH(apply(R"({"dram": {"bandwidth_gib_s": "fast"}})"),
                      Contains("dram.bandwidth_gib_s = \"fast\": must be a number"));
  REQUIRE_THROWS_WITH(apply(R"({"name": 3})"), Contains("t.json: name = 3: must be a string"));
  // A whole number written as a float is an integer.
  apply(R"({"chips": 4.0})");
  CHECK(c.chips == 4);
}

TEST_CASE("apply_json: out of range", "[config]") {
  SystemConfig c;
  auto apply = [&c](const char* text) { infsim::apply_json(c, json::parse(text), "t.json"); };
  REQUIRE_THROWS_WITH(apply(R"({"chips": 17})"), Contains("t.json: chips = 17: must be in 1..16"));
  REQUIRE_THROWS_WITH(apply(R"({"chips": 0})"), Contains("chips = 0: must be in 1..16"));
  REQUIRE_THROWS_WITH(apply(R"({"chips": -1})"), Contains("chips = -1: must be in 1..16"));
  REQUIRE_THROWS_WITH(apply(R"({"cores_per_chip": 65})"),
                      Contains("cores_per_chip = 65: must be in 1..64"));
  REQUIRE_THROWS_WITH(apply(R"({"core": {"tensor": {"rows": 2048}}})"),
                      Contains("core.tensor.rows = 2048: must be in 1..1024"));
  REQUIRE_THROWS_WITH(apply(R"({"core": {"clock_mhz": 0}})"),
                      Contains("core.clock_mhz = 0: must be >= 1"));
  // 1e-12 MHz is a whole period (1e18 ps) but runs would leave the 64-bit picosecond clock.
  REQUIRE_THROWS_WITH(apply(R"({"core": {"clock_mhz": 1e-12}})"),
                      Contains("core.clock_mhz = 1e-12: must be >= 1"));
  REQUIRE_THROWS_WITH(apply(R"({"dram": {"bandwidth_gib_s": -50}})"),
                      Contains("dram.bandwidth_gib_s = -50: must be >= 0.0009765625"));
  REQUIRE_THROWS_WITH(apply(R"({"dram": {"latency_ns": -1}})"),
                      Contains("dram.latency_ns = -1: must be >= 0"));
  REQUIRE_THROWS_WITH(apply(R"({"core": {"sram": {"capacity_mib": 0.0001}}})"),
                      Contains("core.sram.capacity_mib = 0.0001: must be >= 0.0009765625"));
  REQUIRE_THROWS_WITH(
      apply(R"({"core": {"sram": {"capacity_mib": 0.1}}})"),
      Contains("core.sram.capacity_mib = 0.1: must be a whole number of bytes (it is "
               "104857.6 bytes); e.g. 0.099609375 or 0.1005859375"));
  REQUIRE_THROWS_WITH(apply(R"({"host": {"pcie_gen": 6}})"),
                      Contains("host.pcie_gen = 6: must be one of 3, 4, 5"));
  REQUIRE_THROWS_WITH(apply(R"({"host": {"lanes": 3}})"),
                      Contains("host.lanes = 3: must be one of 1, 2, 4, 8, 16"));
  REQUIRE_THROWS_WITH(apply(R"({"pipeline": {"buffer_depth": 65}})"),
                      Contains("pipeline.buffer_depth = 65: must be in 1..64"));
  REQUIRE_THROWS_WITH(apply(R"({"name": ""})"), Contains("name = \"\": must not be empty"));
}

TEST_CASE("a failing apply leaves the config untouched", "[config]") {
  SystemConfig c;
  const json before = infsim::to_json(c);
  REQUIRE_THROWS_AS(
      infsim::apply_json(c, json::parse(R"({"chips": 4, "core": {"clock_mhz": -1}})"), "t"),
      ConfigError);
  CHECK(infsim::to_json(c) == before);
}

TEST_CASE("clock rule: the period must be a whole number of picoseconds", "[config]") {
  SystemConfig c;
  REQUIRE_NOTHROW(infsim::apply_override(c, "core.clock_mhz=976.5625", "--set"));
  CHECK(c.core_period_ps() == 1024);
  REQUIRE_NOTHROW(infsim::apply_override(c, "core.clock_mhz=1000", "--set"));
  CHECK(c.core_period_ps() == 1000);
  REQUIRE_NOTHROW(infsim::apply_override(c, "core.clock_mhz=2801.1204481792717", "--set"));
  CHECK(c.core_period_ps() == 357);

  REQUIRE_THROWS_WITH(infsim::apply_override(c, "core.clock_mhz=1400", "--set"),
                      Contains("--set: core.clock_mhz = 1400: the clock period") &&
                          Contains("714.2857143 ps must be a whole number of picoseconds") &&
                          Contains("(714 ps)") && Contains("(715 ps)") &&
                          Contains("1250 MHz (800 ps)") && Contains("1600 MHz (625 ps)"));
  // The suggested clocks do work.
  const std::string msg =
      error_of([&c] { infsim::apply_override(c, "core.clock_mhz=1400", "--set"); });
  const auto at = msg.find("nearby clocks that work: ");
  REQUIRE(at != std::string::npos);
  const std::string suggestion = msg.substr(at + 25, msg.find(" MHz", at) - at - 25);
  REQUIRE_NOTHROW(infsim::apply_override(c, "core.clock_mhz=" + suggestion, "--set"));
  CHECK(c.core_period_ps() == 714);

  // validate() catches a clock set directly in C++.
  SystemConfig d;
  d.name = "direct";
  d.core.clock_mhz = 1400;
  REQUIRE_THROWS_WITH(infsim::validate(d),
                      Contains("config \"direct\": core.clock_mhz = 1400.0: the clock period"));
}

TEST_CASE("bandwidths below 1 MiB/s are refused, not divided by", "[config]") {
  // 1e-12 GiB/s rounded to 0 bytes/s and the compiler divided by it (SIGFPE).
  for (const char* path : {"neuronlink.bandwidth_gib_s", "dram.bandwidth_gib_s",
                           "fabric.port_bandwidth_gib_s", "core.dma.queue_bandwidth_gib_s"}) {
    SystemConfig c;
    CHECK_THROWS_WITH(infsim::apply_override(c, std::string(path) + "=1e-12", "--set"),
                      Contains(path) && Contains("must be >= 0.0009765625"));
    CHECK_NOTHROW(infsim::apply_override(c, std::string(path) + "=0.0009765625", "--set"));
  }
}

TEST_CASE("validate: a DDR4 refresh interval must exceed the refresh time", "[config]") {
  SystemConfig c;
  // tRFC = 416 tCK: tREFI = 416 would refresh the rank back to back forever (it hung the run).
  infsim::apply_override(c, "dram.ddr4.trefi=416", "--set");
  CHECK_THROWS_WITH(infsim::validate(c), Contains("dram.ddr4.trefi = 416") &&
                                             Contains("greater than dram.ddr4.trfc = 416"));
  infsim::apply_override(c, "dram.ddr4.trefi=417", "--set");
  CHECK_NOTHROW(infsim::validate(c));
}

TEST_CASE("validate: cross-field rules", "[config]") {
  SystemConfig c;
  c.core.sram_capacity_mib = 1.0 / 128;  // 8 KiB < one 128x64 FP16 tile (16 KiB)
  REQUIRE_THROWS_WITH(infsim::validate(c),
                      Contains("core.sram.capacity_mib = 0.0078125: must hold at least one FP16 "
                               "weight tile") &&
                          Contains("128 rows x 64 cols x 2 bytes = 16384.0 bytes"));
  c = SystemConfig{};
  c.core.psum_capacity_kib = 0.125;  // 128 B < 64 FP32 outputs
  REQUIRE_THROWS_WITH(infsim::validate(c),
                      Contains("core.psum.capacity_kib = 0.125: must hold at least one FP32 output "
                               "row") &&
                          Contains("64 cols x 4 bytes = 256.0 bytes"));
  c = SystemConfig{};
  c.core.tensor.rows = 4096;  // range rules are re-checked on the struct
  REQUIRE_THROWS_WITH(infsim::validate(c), Contains("core.tensor.rows = 4096: must be in 1..1024"));
}

TEST_CASE("apply_override: --set values, nested paths and enums", "[config]") {
  SystemConfig c;
  infsim::apply_override(c, "core.sram.capacity_mib=16", "--set");
  CHECK(c.sram_bytes() == 16 * infsim::kMiB);
  infsim::apply_override(c, "chips=4", "--set");
  CHECK(c.chips == 4);
  infsim::apply_override(c, "neuronlink.topology=chain", "--set");  // bare string
  CHECK(c.neuronlink.topology == "chain");
  infsim::apply_override(c, "neuronlink.topology=\"ring\"", "--set");  // JSON string
  CHECK(c.neuronlink.topology == "ring");
  infsim::apply_override(c, "core.tensor.weight_load_overlap=false", "--set");
  CHECK(!c.core.tensor.weight_load_overlap);
  infsim::apply_override(c, "name=my what-if", "--set");
  CHECK(c.name == "my what-if");
  infsim::apply_override(c, "description=a=b", "--set");  // split at the first '='
  CHECK(c.description == "a=b");
  infsim::apply_override(c, "core.tensor={\"rows\": 64, \"cols\": 32}", "--set");  // an object
  CHECK(c.core.tensor.rows == 64);
  CHECK(c.core.tensor.cols == 32);
  infsim::apply_override(c, " host.lanes = 16", "--set");
  CHECK(c.host.lanes == 16);
  CHECK_NOTHROW(infsim::validate(c));
}

TEST_CASE("apply_override: errors", "[config]") {
  SystemConfig c;
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "core.sram.capacity_mib", "--set"),
                      Contains("--set") && Contains("expected path=value"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "=16", "--set"),
                      Contains("--set") && Contains("empty path"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "core..clock_mhz=1", "--set"),
                      Contains("--set: core..clock_mhz = 1: empty key in path"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "core.sram.capacity_mb=16", "--set"),
                      Contains("--set: core.sram.capacity_mb = 16: unknown key") &&
                          Contains("did you mean \"core.sram.capacity_mib\"?"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "neuronlink.topology=torus", "--set"),
                      Contains("--set: neuronlink.topology = \"torus\": must be one of"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "chips=many", "--set"),
                      Contains("--set: chips = \"many\": must be an integer in 1..16"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "core.sram=16", "--set"),
                      Contains("--set: core.sram = 16: must be a JSON object with keys "
                               "capacity_mib, bytes_per_cycle"));
  REQUIRE_THROWS_WITH(infsim::apply_override(c, "preset=inf1.6xlarge", "--set"),
                      Contains("--set: preset = \"inf1.6xlarge\": choose a preset with --preset"));
}

TEST_CASE("apply_file: files, presets inside files, and file errors", "[config]") {
  SystemConfig c;
  const TempDir dir;
  const std::string ok = dir.write("ok.json", R"({
    // comments are allowed
    "preset": "inf1.24xlarge",
    "core": {"sram": {"capacity_mib": 16}}
  })");
  infsim::apply_file(c, ok);
  CHECK(c.name == "inf1.24xlarge");
  CHECK(c.chips == 16);
  CHECK(c.neuronlink.topology == "chain");
  CHECK(c.sram_bytes() == 16 * infsim::kMiB);

  // "preset" replaces what came before it.
  SystemConfig d = infsim::preset("inf2-like");
  infsim::apply_file(d, dir.write("reset.json", R"({"preset": "inf1.xlarge", "chips": 2})"));
  CHECK(d.cores_per_chip == 4);
  CHECK(d.chips == 2);

  REQUIRE_THROWS_AS(infsim::apply_file(c, "/nonexistent/dir/x.json"), infsim::IoError);
  REQUIRE_THROWS_WITH(
      infsim::apply_file(c, "/nonexistent/dir/x.json"),
      Contains("cannot read config file '/nonexistent/dir/x.json': No such file or directory"));

  const std::string bad = dir.write("bad.json", "{\n  \"chips\": 4,\n  \"cores_per_chip\": \n}\n");
  REQUIRE_THROWS_AS(infsim::apply_file(c, bad), ConfigError);
  REQUIRE_THROWS_WITH(infsim::apply_file(c, bad),
                      Contains(bad + ": malformed JSON") && Contains("line 4, column 1"));

  const std::string unknown_preset =
      dir.write("unknown_preset.json", R"({"preset": "inf1.8xlarge"})");
  REQUIRE_THROWS_WITH(infsim::apply_file(c, unknown_preset),
                      Contains(unknown_preset + ": preset = \"inf1.8xlarge\": unknown preset") &&
                          Contains("inf1.6xlarge"));

  const std::string wrong = dir.write("wrong.json", R"({"dram": {"channels": 0}})");
  REQUIRE_THROWS_WITH(infsim::apply_file(c, wrong),
                      Contains(wrong + ": dram.channels = 0: must be in 1..64"));
}

TEST_CASE("docs/CONFIG.md equals config_reference_markdown()", "[config]") {
  const std::string path = std::string(INFSIM_SOURCE_DIR) + "/docs/CONFIG.md";
  const std::string text = read_text(path);
  const std::string expected = infsim::config_reference_markdown();
  if (text != expected && std::getenv("INFSIM_UPDATE_DOCS") != nullptr) {
    std::ofstream(path) << expected;
    WARN("rewrote " << path);
  } else if (text != expected) {
    FAIL_CHECK(
        path << " is out of date with the parameter table in sim/config/src/config.cpp or the "
                "presets; regenerate it by running this test with INFSIM_UPDATE_DOCS=1 "
                "(it writes infsim::config_reference_markdown() to the file)");
  }
  CHECK(expected.find("| `core.clock_mhz` | number | MHz | `976.5625` |") != std::string::npos);
}

TEST_CASE("get_param and set_param: every documented path, library wording", "[config]") {
  SystemConfig c = infsim::preset("inf1.6xlarge");
  // Every documented path reads back what to_json holds and takes its own value back.
  const json all = infsim::to_json(c);
  for (const auto& p : infsim::config_parameters()) {
    INFO(p.path);
    std::string pointer = "/" + p.path;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    const json v = infsim::get_param(c, p.path);
    CHECK(v == all.at(json::json_pointer(pointer)));
    REQUIRE_NOTHROW(infsim::set_param(c, p.path, v));
  }
  CHECK(infsim::to_json(c) == all);

  CHECK(infsim::get_param(c, "core.sram.capacity_mib") == 12);
  infsim::set_param(c, "core.sram.capacity_mib", 24);
  CHECK(c.core.sram_capacity_mib == 24);
  CHECK(c.sram_bytes() == 24 * infsim::kMiB);
  infsim::set_param(c, "neuronlink.topology", "ring");
  CHECK(c.neuronlink.topology == "ring");
  infsim::set_param(c, "core.tensor", {{"rows", 64}, {"cols", 32}});  // a group takes an object
  CHECK(infsim::get_param(c, "core.tensor") ==
        json({{"rows", 64}, {"cols", 32}, {"weight_load_overlap", false}}));
  CHECK_NOTHROW(infsim::validate(c));

  // The C++ field name is not a path; the error suggests the documented one, in library wording.
  const SystemConfig before = c;
  const std::string msg = error_of([&c] { infsim::set_param(c, "core.sram_capacity_mib", 16); });
  CHECK_THAT(msg, Contains("set_param: core.sram_capacity_mib = 16: unknown key; known keys in "
                           "core: ") &&
                      Contains("did you mean \"core.sram.capacity_mib\"?"));
  CHECK(msg.find("--set") == std::string::npos);
  CHECK(infsim::to_json(c) == infsim::to_json(before));
  CHECK_THROWS_WITH(infsim::get_param(c, "core.tensor_rows"),
                    Contains("get_param: core.tensor_rows: unknown key") &&
                        Contains("did you mean \"core.tensor.rows\"?"));
  CHECK_THROWS_WITH(infsim::get_param(c, "dram.ddr4.tcl"),
                    Contains("did you mean \"dram.ddr4.cl\"?"));
  CHECK_THROWS_WITH(infsim::set_param(c, "core.sram.capacity_mib", -1),
                    Contains("set_param: core.sram.capacity_mib = -1: must be >="));
  CHECK_THROWS_WITH(infsim::set_param(c, "chips.count", 2),
                    Contains("set_param: chips.count = 2: 'chips' is a parameter"));
  CHECK_THROWS_WITH(infsim::set_param(c, "core.tensor", {{"rows", 64}, {"colls", 8}}),
                    Contains("core.tensor.colls = 8: unknown key") &&
                        Contains("did you mean \"core.tensor.cols\"?"));
  CHECK(c.core.tensor.cols == 32);  // the failing group left the config as it was
  CHECK_THROWS_WITH(infsim::set_param(c, "", 1), Contains("empty path"));
  CHECK_THROWS_WITH(infsim::set_param(c, "preset", "inf1.xlarge"), Contains("not a parameter"));
  // apply_override speaks for its caller: the library's default origin, or the CLI's --set.
  CHECK_THROWS_WITH(infsim::apply_override(c, "core.sram_capacity_mib=16"),
                    Contains("apply_override: core.sram_capacity_mib = 16: unknown key") &&
                        Contains("did you mean \"core.sram.capacity_mib\"?"));
  CHECK_THROWS_WITH(infsim::apply_override(c, "core.sram_capacity_mib=16", "--set"),
                    Contains("--set: core.sram_capacity_mib = 16: unknown key") &&
                        Contains("did you mean \"core.sram.capacity_mib\"?"));
  // A file with the C++ name gets the same suggestion.
  CHECK_THROWS_WITH(
      infsim::apply_json(c, json::parse(R"({"core": {"sram_capacity_mib": 16}})"), "f.json"),
      Contains("f.json: core.sram_capacity_mib = 16: unknown key") &&
          Contains("did you mean \"core.sram.capacity_mib\"?"));
}

TEST_CASE("a copied preset can be renamed", "[config]") {
  const SystemConfig base = infsim::preset("inf1.6xlarge");
  SystemConfig what_if = base.renamed("6xl-24MiB");
  infsim::set_param(what_if, "core.sram.capacity_mib", 24);
  CHECK(what_if.name == "6xl-24MiB");
  CHECK(base.name == "inf1.6xlarge");
  CHECK(what_if.chips == base.chips);
  CHECK(infsim::get_param(what_if, "name") == "6xl-24MiB");
  infsim::set_param(what_if, "name", "again");
  CHECK(what_if.name == "again");
  CHECK_THROWS_WITH(infsim::set_param(what_if, "name", ""), Contains("must not be empty"));
}
