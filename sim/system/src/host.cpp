#include "host.hpp"

#include <cmath>

namespace infsim {

void LanePort::released() {
  host_.released(lane_);
}
void LanePort::send(std::uint64_t request) {
  host_.result(request);
}

void Host::transfer_done(std::uint64_t t) {
  const std::uint64_t r = t >> 2;
  auto it = tickets_.find(r);
  Lane& lane = lanes_[it->second.lane];
  switch (t & 3) {
    case 0:
      xfer_.start(lane.in_core, in_bytes_, 0, this, tag(r, 1));
      break;  // DRAM → core
    case 1:
      if (tracer_ != nullptr) tracer_->arrived(it->second.lane_track_in, r, now_ps());
      lane.first->deliver(r);
      break;
    case 2:
      xfer_.start(lane.out_pcie, out_bytes_, lane.out_overhead + jitter_ps(), this, tag(r, 3));
      break;
    default: {
      const Ps now = now_ps();
      if (tracer_ != nullptr) tracer_->arrived(it->second.lane_track_out, r, now);
      ++completed_;
      if (completed_ == warmup_) window_start_ = now;
      if (completed_ > warmup_) {
        latency_.add(now - it->second.arrival);
        queue_.add(it->second.admitted - it->second.arrival);
        service_.add(now - it->second.admitted);
      }
      last_completion_ = now;
      tickets_.erase(it);
      --in_flight_;
      --lane.in_flight;
      if (progress_) progress_(completed_ + refused_);
      wake_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

void Host::step() {
  const Ps now = now_ps();
  if (w_.rate_per_s > 0) {
    while (issued_ < w_.requests && next_arrival_ <= now) {
      if (waiting_.size() >= w_.max_queue) {  // the queue is full: refused, as a server would
        ++issued_;
        ++refused_;
        if (progress_) progress_(completed_ + refused_);
      } else {
        tickets_[issued_].arrival = next_arrival_;
        waiting_.push_back(issued_++);
      }
      next_arrival_ += exponential_ps();
    }
  } else {
    while (issued_ < w_.requests && in_flight_ + waiting_.size() < concurrency_) {
      tickets_[issued_].arrival = now;
      waiting_.push_back(issued_++);
    }
  }
  for (int l = pick_lane(); !waiting_.empty() && l >= 0; l = pick_lane()) {
    Lane& lane = lanes_[static_cast<std::size_t>(l)];
    const std::uint64_t r = waiting_.front();
    waiting_.pop_front();
    --lane.credits;
    ++lane.in_flight;
    ++in_flight_;
    Ticket& k = tickets_[r];
    k.lane = static_cast<std::uint32_t>(l);
    k.admitted = now;
    if (tracer_ != nullptr) {
      k.lane_track_in = lane.trace_in;
      k.lane_track_out = lane.trace_out;
      tracer_->transfer(k.lane_track_in, r, now, "input");
    }
    xfer_.start(lane.in_pcie, in_bytes_, lane.in_overhead + runtime_.fixed, this, tag(r, 0));
  }
  if (w_.rate_per_s > 0 && issued_ < w_.requests) wake_.notify(ps_time(next_arrival_ - now));
}

namespace {
/// An exponential draw of mean 1 from `rng`: −log1p(−u), u = (next >> 11) · 2^−53 ∈ [0, 1).
double unit_exponential(SplitMix64& rng) {
  const double u = static_cast<double>(rng.next() >> 11) * 0x1.0p-53;
  return -std::log1p(-u);
}
}  // namespace

Ps Host::exponential_ps() {
  return static_cast<Ps>(std::llround(unit_exponential(rng_) / w_.rate_per_s * 1e12));
}

Ps Host::jitter_ps() {
  if (runtime_.jitter_mean_ps <= 0) return 0;
  return static_cast<Ps>(std::llround(unit_exponential(runtime_rng_) * runtime_.jitter_mean_ps));
}

int Host::pick_lane() const {
  int best = -1;
  for (std::size_t l = 0; l < lanes_.size(); ++l)
    if (lanes_[l].credits > 0 &&
        (best < 0 || lanes_[l].in_flight < lanes_[static_cast<std::size_t>(best)].in_flight))
      best = static_cast<int>(l);
  return best;
}

}  // namespace infsim
