#pragma once
// Timelines of a bounded window of requests in the Chrome trace event format (Perfetto and
// chrome://tracing open it): a process per chip (and one for the host), a track per core engine
// (TensorE, VectorE, ScalarE, DMA, as AWS's profiler names them), per stage, per hop between
// stages and per host lane. Only requests in [first, first + count) are recorded, so the file's
// size does not grow with the run.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/common/units.hpp"
#include "infsim/cores/stage_program.hpp"
#include "infsim/plan.hpp"

namespace infsim {

class Tracer final : public CoreObserver {
 public:
  Tracer(std::uint64_t first, std::uint64_t count, Ps core_period);
  bool wants(std::uint64_t request) const { return request >= first_ && request - first_ < count_; }
  /// A track (thread) `thread` in process `process`; the same names give the same track.
  int track(const std::string& process, const std::string& thread);
  /// What core `core` runs: its stage's schedule and op names, and its chip.
  void set_stage(std::uint32_t core, std::uint32_t chip, const StagePlan& stage,
                 std::vector<std::string> op_names);

  void computed(std::uint32_t core, std::uint64_t request, Ps start, Ps compute_end,
                Ps end) override;
  void fetched(std::uint32_t core, std::uint64_t request, Ps start, Ps end) override;
  void held(std::uint32_t core, std::uint64_t request, Ps start, Ps end) override;

  /// A transfer of `request` on `track` starts (`what` names it) / arrives.
  void transfer(int track, std::uint64_t request, Ps start, const char* what);
  void arrived(int track, std::uint64_t request, Ps end);

  /// The trace: {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}.
  nlohmann::json to_json() const;
  std::size_t events() const { return events_.size(); }

 private:
  struct Event {
    int track;
    std::string name;
    Ps start, end;
    std::uint64_t request;
    bool async;  ///< a transfer: may overlap others on its track (an async slice)
  };
  struct CoreInfo {
    const StagePlan* stage = nullptr;
    std::vector<std::string> ops;
    PerEngine<int> engine;  ///< each engine's track (set by set_stage)
    int stage_track = -1;
  };
  void add(int track, std::string name, Ps start, Ps end, std::uint64_t request,
           bool async = false);

  std::uint64_t first_, count_;
  Ps period_;
  std::vector<std::pair<std::string, std::string>> tracks_;  // (process, thread)
  std::map<std::string, int> processes_;                     // name -> pid
  std::map<std::uint32_t, CoreInfo> cores_;
  std::map<std::pair<int, std::uint64_t>, std::pair<Ps, std::string>> open_;
  std::vector<Event> events_;
};

}  // namespace infsim
