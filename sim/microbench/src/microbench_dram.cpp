// `infsim microbench dram`: the DDR4 scheduler alone under a synthetic read load. It is the
// scheduler `infsim run` uses (Ddr4Scheduler::read, the production path, through which Ddr4Dram
// puts every transfer), given one 64-byte read per request instead of a transfer's lines.
#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

#include "infsim/common/error.hpp"
#include "infsim/memory/ddr4_scheduler.hpp"
#include "infsim/microbench.hpp"
#include "stats.hpp"

namespace infsim {

namespace {
// Reads each core keeps in flight (a DMA engine's outstanding-request window): enough for one
// core alone to cover the unloaded latency at full bandwidth (48 tCK / 4 tCK per line x 2
// channels = 24 lines).
constexpr std::uint64_t kWindow = 32;

LatencyNs percentiles(std::vector<double> v) {
  LatencyNs l;
  if (v.empty()) return l;
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size(), std::max<std::size_t>(k, 1)) - 1];
  };
  double sum = 0;
  for (double x : v) sum += x;
  l.mean = sum / static_cast<double>(v.size());
  l.p50 = rank(0.50);
  l.p90 = rank(0.90);
  l.p99 = rank(0.99);
  l.max = v.back();
  return l;
}
}  // namespace

DramBenchResult microbench_dram(const SystemConfig& cfg, const std::string& pattern,
                                std::uint32_t cores, std::uint64_t requests_per_core,
                                std::uint64_t seed) {
  if (pattern != "sequential" && pattern != "random")
    throw ConfigError("microbench dram: --pattern must be sequential or random, not \"" + pattern +
                      "\"");
  if (cores == 0 || requests_per_core == 0)
    throw ConfigError("microbench dram: cores and requests must be > 0");
  if (cores > cfg.cores_per_chip)
    throw ConfigError("microbench dram: --cores = " + std::to_string(cores) + " exceeds the " +
                      std::to_string(cfg.cores_per_chip) + " cores of one chip of '" + cfg.name +
                      "' (cores_per_chip); the benchmark streams from one chip's cores");
  // Every read's latency is kept (8 B each): 10 M reads stay near 80 MB.
  constexpr std::uint64_t kMaxReads = 10'000'000;
  if (requests_per_core > kMaxReads / cores)
    throw ConfigError("microbench dram: cores x requests must be at most 10,000,000");
  const Ddr4Params& p = cfg.dram.ddr4;
  Ddr4Scheduler sched(p);
  const std::uint64_t line = p.line_bytes();
  const std::uint64_t cap_lines = p.capacity_bytes() / line;
  const std::uint64_t region = cap_lines / cores;  // sequential: each core its own region
  SplitMix64 rng(seed);
  std::vector<std::uint64_t> issued(cores, 0), bytes(cores, 0);
  std::vector<std::int64_t> last(cores, 0);
  std::vector<double> lat;
  lat.reserve(cores * requests_per_core);
  // Requests reach the controller in arrival order (ties: in the order they were made) and the
  // scheduler serves them in that order; each completion makes its core's next request.
  struct Request {
    std::int64_t arrival;
    std::uint64_t seq;
    std::uint32_t core;
    std::uint64_t addr;
    bool operator>(const Request& o) const {
      return arrival != o.arrival ? arrival > o.arrival : seq > o.seq;
    }
  };
  std::priority_queue<Request, std::vector<Request>, std::greater<Request>> pending;
  std::uint64_t next_seq = 0;
  auto submit = [&](std::uint32_t c, std::int64_t at) {
    const std::uint64_t k = issued[c]++;
    const std::uint64_t l =
        pattern == "sequential" ? c * region + k % region : rng.next() % cap_lines;
    pending.push({at, next_seq++, c, l * line});
  };
  // Interleave the cores' first windows so none is favoured by submission order.
  for (std::uint64_t w = 0; w < std::min(kWindow, requests_per_core); ++w)
    for (std::uint32_t c = 0; c < cores; ++c) submit(c, 0);
  std::int64_t end = 0;
  while (!pending.empty()) {
    const Request q = pending.top();
    pending.pop();
    const std::int64_t done = sched.read(q.addr, 1, q.arrival);  // last data beat
    lat.push_back(static_cast<double>(done - q.arrival) * p.tck_ps / 1000.0);
    bytes[q.core] += line;
    last[q.core] = std::max(last[q.core], done);
    end = std::max(end, done);
    if (issued[q.core] < requests_per_core) submit(q.core, done);
  }
  DramBenchResult r;
  r.pattern = pattern;
  r.cores = cores;
  r.requests = cores * requests_per_core;
  r.bytes = r.requests * line;
  const double gib = static_cast<double>(kGiB);
  const double secs = static_cast<double>(end) * p.tck_ps * 1e-12;
  r.bandwidth_gib_s = secs > 0 ? static_cast<double>(r.bytes) / secs / gib : 0;
  r.peak_gib_s = static_cast<double>(p.peak_bytes_per_s()) / gib;
  r.row_hit_rate = sched.timing().stats().row_hit_rate();
  r.latency_ns = percentiles(std::move(lat));
  for (std::uint32_t c = 0; c < cores; ++c) {
    const double s = static_cast<double>(last[c]) * p.tck_ps * 1e-12;
    r.per_core_gib_s.push_back(s > 0 ? static_cast<double>(bytes[c]) / s / gib : 0);
  }
  return r;
}

nlohmann::json to_json(const DramBenchResult& r) {
  const auto lat = [](const LatencyNs& l) {
    return nlohmann::json{
        {"mean", l.mean}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99}, {"max", l.max}};
  };
  return nlohmann::json{{"component", "dram"},
                        {"pattern", r.pattern},
                        {"cores", r.cores},
                        {"requests", r.requests},
                        {"bytes", r.bytes},
                        {"bandwidth_gib_s", r.bandwidth_gib_s},
                        {"peak_gib_s", r.peak_gib_s},
                        {"efficiency", r.peak_gib_s > 0 ? r.bandwidth_gib_s / r.peak_gib_s : 0},
                        {"row_hit_rate", r.row_hit_rate},
                        {"latency_ns", lat(r.latency_ns)},
                        {"per_core_gib_s", r.per_core_gib_s}};
}

}  // namespace infsim
