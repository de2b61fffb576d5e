// The rules of SystemConfig: each value against its parameter's type and range, the cross-field
// rules of validate(), and the wording of the errors with the closest-key suggestions.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "config_detail.hpp"
#include "infsim/common/error.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/common/units.hpp"

namespace infsim {
namespace config_detail {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Integer:
      return "integer";
    case Kind::Number:
      return "number";
    case Kind::Boolean:
      return "boolean";
    case Kind::String:
      return "string";
    case Kind::Enum:
      return "enum";
  }
  return "?";
}

std::string num(double v) {
  return json(v).dump();
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

namespace {

// A JSON value on one line, shortened if long (error messages are one line).
std::string show(const json& v) {
  return json_preview(v, 80);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A range bound: whole values without a trailing ".0".
std::string bound(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<std::int64_t>(v));
  return num(v);
}

}  // namespace

[[noreturn]] void fail(const std::string& origin, const std::string& path, const json& value,
                       const std::string& rule) {
  throw ConfigError(origin + ": " + path + " = " + show(value) + ": " + rule);
}

std::pair<std::string, std::size_t> nearest(const std::string& word,
                                            const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return {best, best_d};
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates,
                       const std::string& prefix) {
  const auto [best, d] = nearest(word, candidates);
  if (best.empty()) return "";
  const std::size_t limit = std::max<std::size_t>(3, (word.size() + 1) / 2);
  if (d > limit) return "";
  return "; did you mean \"" + (prefix.empty() ? best : prefix + "." + best) + "\"?";
}

std::string bytes_text(double bytes) {
  return num(bytes) + " bytes";
}

std::string clock_rule(double mhz) {
  const double period = 1e6 / mhz;
  if (std::fabs(period - std::round(period)) <= kWholeTolerance) return "";
  // Nearby clocks that work: the two whole periods around this one, and the nearest whole-MHz
  // clocks (divisors of 1e6) on each side.
  auto exact_mhz = [](double p) {
    const double f = 1e6 / p;
    for (int prec = 6; prec <= 17; ++prec) {
      std::ostringstream os;
      os.precision(prec);
      os << f;
      const double back = std::stod(os.str());
      if (std::fabs(1e6 / back - p) <= kWholeTolerance / 1000) return os.str();
    }
    return num(f);
  };
  const double p_lo = std::floor(period), p_hi = std::ceil(period);
  std::vector<std::string> hints;
  if (p_lo >= 1)
    hints.push_back(exact_mhz(p_lo) + " MHz (" + std::to_string(static_cast<std::int64_t>(p_lo)) +
                    " ps)");
  hints.push_back(exact_mhz(p_hi) + " MHz (" + std::to_string(static_cast<std::int64_t>(p_hi)) +
                  " ps)");
  std::int64_t below = 0, above = 0;
  for (std::int64_t d = 1; d <= 1000000; ++d) {
    if (1000000 % d) continue;
    if (static_cast<double>(d) < mhz) below = d;
    if (static_cast<double>(d) > mhz && !above) above = d;
  }
  std::vector<std::string> whole;
  if (below)
    whole.push_back(std::to_string(below) + " MHz (" + std::to_string(1000000 / below) + " ps)");
  if (above)
    whole.push_back(std::to_string(above) + " MHz (" + std::to_string(1000000 / above) + " ps)");
  std::ostringstream os;
  os.precision(10);
  os << "the clock period 1e6/clock_mhz = " << period
     << " ps must be a whole number of picoseconds; nearby clocks that work: " << join(hints, ", ");
  if (!whole.empty()) os << "; whole-MHz: " << join(whole, ", ");
  return os.str();
}

std::function<std::string(double)> whole_bytes_rule(double unit_bytes) {
  return [unit_bytes](double v) -> std::string {
    const double b = v * unit_bytes;
    if (std::fabs(b - std::round(b)) <= kWholeTolerance) return "";
    // Suggest whole KiB for MiB/GiB units (short decimals), whole bytes otherwise.
    const double step = unit_bytes >= static_cast<double>(kMiB) ? static_cast<double>(kKiB) : 1.0;
    return "must be a whole number of bytes (it is " + bytes_text(b) + "); e.g. " +
           num(std::floor(b / step) * step / unit_bytes) + " or " +
           num(std::ceil(b / step) * step / unit_bytes);
  };
}

std::string range_text(const Param& p) {
  switch (p.kind) {
    case Kind::Integer:
      if (!p.int_choices.empty()) {
        std::vector<std::string> v;
        for (auto c : p.int_choices) v.push_back(std::to_string(c));
        return join(v, ", ");
      }
      return std::to_string(static_cast<std::int64_t>(p.lo)) + ".." +
             std::to_string(static_cast<std::int64_t>(p.hi));
    case Kind::Number:
      return (p.lo_open ? "> " : ">= ") + bound(p.lo) + ", <= " + bound(p.hi) + p.range_note;
    case Kind::Boolean:
      return "true, false";
    case Kind::String:
      return p.non_empty ? "non-empty" : "any";
    case Kind::Enum: {
      std::vector<std::string> v;
      for (const auto& c : p.choices) v.push_back("\"" + c + "\"");
      return join(v, ", ");
    }
  }
  return "";
}

json check_value(const Param& p, const json& v, const std::string& origin) {
  switch (p.kind) {
    case Kind::Integer: {
      std::int64_t i = 0;
      if (v.is_number_integer()) {
        if (v.is_number_unsigned() &&
            v.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          fail(origin, p.path, v, "must be in " + range_text(p));
        }
        i = v.get<std::int64_t>();
      } else if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || d != std::floor(d)) {
          fail(origin, p.path, v, "must be a whole number (an integer in " + range_text(p) + ")");
        }
        if (d < p.lo || d > p.hi) fail(origin, p.path, v, "must be in " + range_text(p));
        i = static_cast<std::int64_t>(d);
      } else {
        fail(origin, p.path, v, "must be an integer in " + range_text(p));
      }
      if (!p.int_choices.empty()) {
        if (std::find(p.int_choices.begin(), p.int_choices.end(), i) == p.int_choices.end()) {
          fail(origin, p.path, v, "must be one of " + range_text(p));
        }
      } else if (static_cast<double>(i) < p.lo || static_cast<double>(i) > p.hi) {
        fail(origin, p.path, v, "must be in " + range_text(p));
      }
      return json(i);
    }
    case Kind::Number: {
      if (!v.is_number()) fail(origin, p.path, v, "must be a number " + range_text(p));
      const double d = v.get<double>();
      const bool low_ok = p.lo_open ? d > p.lo : d >= p.lo;
      if (!std::isfinite(d) || !low_ok || d > p.hi) {
        fail(origin, p.path, v, "must be " + range_text(p));
      }
      if (p.extra) {
        const std::string broken = p.extra(d);
        if (!broken.empty()) fail(origin, p.path, v, broken);
      }
      return json(d);
    }
    case Kind::Boolean:
      if (!v.is_boolean()) fail(origin, p.path, v, "must be a boolean (true or false)");
      return v;
    case Kind::String:
      if (!v.is_string()) fail(origin, p.path, v, "must be a string");
      if (p.non_empty && v.get<std::string>().empty()) {
        fail(origin, p.path, v, "must not be empty");
      }
      return v;
    case Kind::Enum: {
      if (!v.is_string() ||
          std::find(p.choices.begin(), p.choices.end(), v.get<std::string>()) == p.choices.end()) {
        std::string rule = "must be one of " + range_text(p);
        if (v.is_string()) rule += suggestion(v.get<std::string>(), p.choices);
        fail(origin, p.path, v, rule);
      }
      return v;
    }
  }
  return v;
}

}  // namespace config_detail

using namespace config_detail;

void validate(const SystemConfig& cfg) {
  const std::string origin = "config \"" + cfg.name + "\"";
  // Every single-parameter rule, again: the struct may have been changed directly in C++.
  for (const auto& p : params()) check_value(p, p.get(cfg), origin);

  // Cross-field rules.
  const auto& t = cfg.core.tensor;
  const double tile_bytes = static_cast<double>(t.rows) * t.cols * 2.0;
  if (static_cast<double>(cfg.sram_bytes()) < tile_bytes) {
    fail(origin, "core.sram.capacity_mib", json(cfg.core.sram_capacity_mib),
         "must hold at least one FP16 weight tile of the TensorEngine: " + std::to_string(t.rows) +
             " rows x " + std::to_string(t.cols) + " cols x 2 bytes = " + bytes_text(tile_bytes) +
             " (" + num(tile_bytes / static_cast<double>(kMiB)) + " MiB)");
  }
  if (cfg.core.sram_bytes_per_cycle % cfg.core.sram_partitions != 0) {
    fail(
        origin, "core.sram.bytes_per_cycle", json(cfg.core.sram_bytes_per_cycle),
        "must be a multiple of core.sram.partitions = " + std::to_string(cfg.core.sram_partitions) +
            " (every partition moves the same whole number of bytes per cycle)");
  }
  const Ddr4Params& d4 = cfg.dram.ddr4;
  if (d4.burst_length % 2 != 0)
    fail(origin, "dram.ddr4.burst_length", json(d4.burst_length), "must be even");
  if (d4.row_bytes % d4.line_bytes() != 0)
    fail(origin, "dram.ddr4.row_bytes", json(d4.row_bytes),
         "must be a multiple of bus_bytes x burst_length = " + std::to_string(d4.line_bytes()));
  // Each refresh blocks a rank for tRFC; with tREFI <= tRFC the rank would never be free again
  // (the scheduler would wait forever).
  if (d4.trefi <= d4.trfc)
    fail(origin, "dram.ddr4.trefi", json(d4.trefi),
         "must be greater than dram.ddr4.trfc = " + std::to_string(d4.trfc) +
             " (a refresh every tREFI blocks the rank for tRFC)");
  const double psum_row = static_cast<double>(t.cols) * 4.0;
  if (cfg.core.psum_capacity_kib * static_cast<double>(kKiB) < psum_row) {
    fail(origin, "core.psum.capacity_kib", json(cfg.core.psum_capacity_kib),
         "must hold at least one FP32 output row of the TensorEngine: " + std::to_string(t.cols) +
             " cols x 4 bytes = " + bytes_text(psum_row) + " (" +
             num(psum_row / static_cast<double>(kKiB)) + " KiB)");
  }
}

}  // namespace infsim
