#include "trace.hpp"

#include <algorithm>

namespace infsim {

namespace {
double us(Ps t) {
  return static_cast<double>(t) / static_cast<double>(kPsPerUs);
}
}  // namespace

Tracer::Tracer(std::uint64_t first, std::uint64_t count, Ps core_period)
    : first_(first), count_(count), period_(core_period) {}

int Tracer::track(const std::string& process, const std::string& thread) {
  const auto key = std::make_pair(process, thread);
  const auto it = std::find(tracks_.begin(), tracks_.end(), key);
  if (it != tracks_.end()) return static_cast<int>(it - tracks_.begin());
  if (processes_.count(process) == 0) processes_[process] = static_cast<int>(processes_.size());
  tracks_.push_back(key);
  return static_cast<int>(tracks_.size() - 1);
}

void Tracer::set_stage(std::uint32_t core, std::uint32_t chip, const StagePlan& stage,
                       std::vector<std::string> op_names) {
  CoreInfo& c = cores_[core];
  c.stage = &stage;
  c.ops = std::move(op_names);
  const std::string process = "chip" + std::to_string(chip);
  const std::string prefix = "core" + std::to_string(core) + " ";
  c.stage_track = track(process, prefix + "stage " + std::to_string(stage.index));
  for (Engine e : kEngines) c.engine[e] = track(process, prefix + engine_name(e));
}

void Tracer::add(int track_id, std::string name, Ps start, Ps end, std::uint64_t request,
                 bool async) {
  if (end <= start) return;
  events_.push_back({track_id, std::move(name), start, end, request, async});
}

void Tracer::computed(std::uint32_t core, std::uint64_t request, Ps start, Ps compute_end, Ps end) {
  if (!wants(request)) return;
  const auto it = cores_.find(core);
  if (it == cores_.end()) return;
  const CoreInfo& c = it->second;
  const std::string req = "req " + std::to_string(request);
  add(c.stage_track, req, start, end, request);
  // The schedule in cycles, stretched to the compute's actual length (the State Buffer port may
  // have slowed it).
  const Ps planned = c.stage->makespan_cycles * period_;
  const double stretch =
      planned == 0 ? 1.0 : static_cast<double>(compute_end - start) / static_cast<double>(planned);
  for (const auto& iv : c.stage->timeline) {
    const auto at = [&](Cycles cyc) {
      return start + static_cast<Ps>(static_cast<double>(cyc * period_) * stretch);
    };
    const std::string& op = iv.op < c.ops.size() ? c.ops[iv.op] : req;
    add(c.engine[iv.engine], op, at(iv.start), at(iv.finish), request);
  }
  if (c.stage->streamed_weight_bytes > 0)
    add(c.engine[Engine::Move], "streamed weights (" + req + ")", start, end, request);
  if (end > compute_end)
    add(c.stage_track, "waiting for streamed weights (" + req + ")", compute_end, end, request);
}

void Tracer::fetched(std::uint32_t core, std::uint64_t request, Ps start, Ps end) {
  if (!wants(request)) return;
  const auto it = cores_.find(core);
  if (it == cores_.end()) return;
  add(it->second.engine[Engine::Move], "DRAM read (req " + std::to_string(request) + ")", start,
      end, request);
}

void Tracer::held(std::uint32_t core, std::uint64_t request, Ps start, Ps end) {
  if (!wants(request)) return;
  const auto it = cores_.find(core);
  if (it == cores_.end()) return;
  add(it->second.stage_track, "blocked: no downstream buffer (req " + std::to_string(request) + ")",
      start, end, request);
}

void Tracer::transfer(int track_id, std::uint64_t request, Ps start, const char* what) {
  if (!wants(request) || track_id < 0) return;
  open_[{track_id, request}] = {start,
                                std::string(what) + " (req " + std::to_string(request) + ")"};
}

void Tracer::arrived(int track_id, std::uint64_t request, Ps end) {
  const auto it = open_.find({track_id, request});
  if (it == open_.end()) return;
  add(track_id, it->second.second, it->second.first, end, request, true);
  open_.erase(it);
}

nlohmann::json Tracer::to_json() const {
  nlohmann::json ev = nlohmann::json::array();
  for (const auto& [name, pid] : processes_) {
    ev.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}});
    ev.push_back({{"name", "process_sort_index"},
                  {"ph", "M"},
                  {"pid", pid},
                  {"args", {{"sort_index", pid}}}});
  }
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    const int pid = processes_.at(tracks_[t].first);
    ev.push_back({{"name", "thread_name"},
                  {"ph", "M"},
                  {"pid", pid},
                  {"tid", t},
                  {"args", {{"name", tracks_[t].second}}}});
    ev.push_back({{"name", "thread_sort_index"},
                  {"ph", "M"},
                  {"pid", pid},
                  {"tid", t},
                  {"args", {{"sort_index", t}}}});
  }
  std::uint64_t id = 0;
  for (const auto& e : events_) {
    const int pid = processes_.at(tracks_[static_cast<std::size_t>(e.track)].first);
    if (e.async) {
      // Transfers overlap on their path (a pipeline has several in flight): a begin/end pair
      // of an async slice, grouped by its track's name.
      const std::string cat = tracks_[static_cast<std::size_t>(e.track)].second;
      ++id;
      ev.push_back({{"name", e.name},
                    {"cat", cat},
                    {"ph", "b"},
                    {"id", id},
                    {"ts", us(e.start)},
                    {"pid", pid},
                    {"tid", e.track},
                    {"args", {{"request", e.request}}}});
      ev.push_back({{"name", e.name},
                    {"cat", cat},
                    {"ph", "e"},
                    {"id", id},
                    {"ts", us(e.end)},
                    {"pid", pid},
                    {"tid", e.track}});
      continue;
    }
    ev.push_back({{"name", e.name},
                  {"cat", "request"},
                  {"ph", "X"},
                  {"ts", us(e.start)},
                  {"dur", us(e.end - e.start)},
                  {"pid", pid},
                  {"tid", e.track},
                  {"args", {{"request", e.request}}}});
  }
  return {{"traceEvents", ev},
          {"displayTimeUnit", "ns"},
          {"otherData",
           {{"generator", "infsim"},
            {"first_request", first_},
            {"requests", count_},
            {"time_unit", "microseconds of simulated time"}}}};
}

}  // namespace infsim
