#include "infsim/cores/neuron_core.hpp"

#include <algorithm>
#include <cmath>

#include "infsim/common/error.hpp"
#include "infsim/cores/work.hpp"

namespace infsim {

namespace {
Ps now() {
  return sc_core::sc_time_stamp().value();
}
sc_core::sc_time after(Ps t) {
  return sc_core::sc_time::from_value(t);
}
constexpr std::uint64_t kStreamTag = 1;
constexpr std::uint64_t kSpillTag = 2;
}  // namespace

NeuronCore::NeuronCore(sc_core::sc_module_name name, const CoreParams& p, std::uint32_t id)
    : sc_core::sc_module(name), id_(id), period_(p.period_ps()) {
  SC_METHOD(step);
  sensitive << wake_;
  dont_initialize();
}

void NeuronCore::load(const StageProgram& program, StageOutput* out, InputRelease* release) {
  if (out == nullptr) throw Error(std::string(name()) + ": a stage needs an output");
  program_ = program;
  out_ = out;
  release_ = release;
}

void NeuronCore::set_dram_path(TransferScheduler* xfer, std::vector<Resource*> path,
                               std::vector<Resource*> spill_path) {
  xfer_ = xfer;
  dram_path_ = std::move(path);
  spill_path_ = std::move(spill_path);
}

void NeuronCore::transfer_done(std::uint64_t tag) {
  if (tag == kStreamTag || tag == kSpillTag) {
    // The last chunk (tile) of a transfer that overlaps the compute has arrived at e: the compute
    // that needs it (a chunk's share of the stage, C / n) follows it, and the compute before it
    // may have been held up waiting for the chunks: with n chunks arriving evenly over
    // [start, e], compute ends at max(start + C + (e - start) / n, e + C / n) (the
    // double-buffering bound; docs/TIMING.md). The stage ends at the latest such bound.
    const Ps e = now();
    const std::uint64_t chunks = tag == kStreamTag ? program_.stream_chunks : program_.spill_tiles;
    const Ps n = chunks == 0 ? 1 : chunks;
    done_at_ = std::max({done_at_, start_ + compute_ps_ + (e - start_) / n, e + compute_ps_ / n});
    if (--overlapped_ > 0) return;
    stats_.fetch_ps += done_at_ - (start_ + compute_ps_);
    wake_.notify(after(done_at_ - e));
    return;
  }
  fetching_ = false;
  fetched_ = true;
  wake_.notify(sc_core::SC_ZERO_TIME);
}

void NeuronCore::deliver(std::uint64_t request) {
  queue_.push_back(request);
  wake_.notify(sc_core::SC_ZERO_TIME);
}

void NeuronCore::step() {
  const Ps t = now();
  if (computing_ && overlapped_ == 0 && t >= done_at_) {
    computing_ = false;
    holding_ = true;
    hold_since_ = t;
    stats_.requests += 1;
    if (observer_ != nullptr) observer_->computed(id_, current_, start_, start_ + compute_ps_, t);
    if (release_ != nullptr) release_->released();  // the input buffer is free again
  }
  if (holding_ && out_->can_send()) {
    stats_.stall_ps += t - hold_since_;
    if (observer_ != nullptr && t > hold_since_) observer_->held(id_, current_, hold_since_, t);
    holding_ = false;
    out_->send(current_);
  }
  if (!computing_ && !holding_ && !fetching_ && !queue_.empty()) {
    const bool stream_first = program_.stream_bytes > 0 && !program_.prefetch;
    const Bytes fetch = program_.dram_read_bytes + (stream_first ? program_.stream_bytes : 0);
    if (fetch > 0 && !fetched_) {
      // Gather this request's rows (and, without prefetch, its streamed weights) from DRAM
      // first; compute starts when they arrive.
      if (xfer_ == nullptr)
        throw Error(std::string(name()) + ": the stage reads DRAM but has no path");
      fetching_ = true;
      fetch_since_ = t;
      xfer_->start(dram_path_, fetch, 0, this, 0);
      return;
    }
    if (fetched_) {
      stats_.fetch_ps += t - fetch_since_;
      if (observer_ != nullptr) observer_->fetched(id_, queue_.front(), fetch_since_, t);
    }
    fetched_ = false;
    current_ = queue_.front();
    queue_.pop_front();
    computing_ = true;
    const Ps duration = program_.duration() * period_;
    done_at_ = sbuf_ != nullptr ? sbuf_->engine_reads(t, program_.sram_read_bytes, duration)
                                : t + duration;
    start_ = t;
    compute_ps_ = done_at_ - t;
    stats_.busy_ps += compute_ps_;
    for (Engine e : kEngines) stats_.engine_cycles[e] += program_.busy[e];
    if (program_.stream_bytes > 0) stats_.streamed_bytes += program_.stream_bytes;
    stats_.spilled_bytes += program_.spill_bytes;
    const bool stream = program_.stream_bytes > 0 && program_.prefetch;
    if ((stream || program_.spill_bytes > 0) && xfer_ == nullptr)
      throw Error(std::string(name()) + ": the stage moves data to DRAM but has no DRAM path");
    if (stream) {
      ++overlapped_;
      xfer_->start(dram_path_, program_.stream_bytes, 0, this, kStreamTag);
    }
    if (program_.spill_bytes > 0) {
      ++overlapped_;
      xfer_->start(spill_path_.empty() ? dram_path_ : spill_path_, program_.spill_bytes, 0, this,
                   kSpillTag);
    }
    if (overlapped_ > 0) return;  // the end is known when the last chunk arrives
  }
  // A wake-up from outside may have replaced the pending completion notification: re-arm it.
  if (computing_ && overlapped_ == 0) wake_.notify(after(done_at_ - t));
}

void NeuronCore::visit_stats(StatVisitor& v, Ps end) const {
  v.stat(kCoreStats.requests, stats_.requests);
  v.stat(kCoreStats.busy, share(stats_.busy_ps, end));
  v.stat(kCoreStats.stalled, share(stats_.stall_ps, end));
  v.stat(kCoreStats.fetching, share(stats_.fetch_ps, end));
  for (Engine e : kEngines)
    v.stat(CoreStatInfo::engine(e), share(stats_.engine_cycles[e] * period_, end));
  v.stat(kCoreStats.service_us, static_cast<double>(program_.duration() * period_) / kPsPerUs);
}

}  // namespace infsim
