#include "infsim/memory/tlm_memory_port.hpp"

#include <algorithm>
#include <cstdio>

#include "infsim/common/error.hpp"

namespace infsim {

namespace {

const char* use_name(TlmUse use) {
  switch (use) {
    case TlmUse::Parameters:
      return "parameters";
    case TlmUse::Spill:
      return "spill";
    case TlmUse::InputWrite:
      return "input_write";
    case TlmUse::InputRead:
      return "input_read";
    case TlmUse::OutputWrite:
      return "output_write";
    case TlmUse::OutputRead:
      return "output_read";
  }
  return "?";
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::uint64_t TlmAddressMap::offset(TlmUse use) const {
  switch (use) {
    case TlmUse::Parameters:
      return 0;
    case TlmUse::InputWrite:
    case TlmUse::InputRead:
      return slice / 2;
    case TlmUse::OutputWrite:
    case TlmUse::OutputRead:
      return slice / 2 + slice / 8;
    case TlmUse::Spill:
      return slice / 2 + slice / 4;
  }
  return 0;
}

std::uint64_t TlmAddressMap::size(TlmUse use) const {
  switch (use) {
    case TlmUse::Parameters:
      return slice / 2;
    case TlmUse::InputWrite:
    case TlmUse::InputRead:
    case TlmUse::OutputWrite:
    case TlmUse::OutputRead:
      return slice / 8;
    case TlmUse::Spill:
      return slice / 4;
  }
  return 0;
}

/// One kind of transfer: a repeating pattern of segments, and where in it the next byte goes.
class TlmMemoryPort::View final : public Resource {
 public:
  View(TlmMemoryPort& owner, std::string name, TlmUse what, std::uint32_t local_core,
       std::vector<Segment> segments)
      : Resource(std::move(name)),
        use(what),
        core(local_core),
        pattern(std::move(segments)),
        owner_(owner) {
    for (const Segment& s : pattern) period += s.bytes;
  }
  Ps ready_at() const override { return 0; }  // the target does its own queueing
  Ps occupy(Ps start, Bytes bytes) override {
    const Ps busy = owner_.issue(*this, start, bytes);
    stats_.bytes += bytes;
    stats_.transfers += 1;
    stats_.busy_ps += busy;
    owner_.total_.add(bytes, busy);
    return busy;
  }
  Ps latency() const override { return 0; }
  std::uint64_t bytes_per_s() const override { return owner_.p_.issue_bytes_per_s; }

  const TlmUse use;
  const std::uint32_t core;
  const std::vector<Segment> pattern;
  std::uint64_t period = 0;  ///< the pattern's bytes
  std::uint64_t cursor = 0;  ///< the next byte's place in the pattern

 private:
  TlmMemoryPort& owner_;
};

TlmMemoryPort::TlmMemoryPort(sc_core::sc_module_name name, const Params& p)
    : sc_core::sc_module(name),
      socket("socket"),
      p_(p),
      pace_ps_(0),
      total_(*this, std::string(this->name())) {
  const std::string me = this->name();
  const std::uint64_t t = p_.transaction_bytes;
  if (t == 0 || (t & (t - 1)) != 0)
    throw Error(me + ": dram.tlm.transaction_bytes = " + std::to_string(t) +
                " is not a power of two");
  if (p_.issue_bytes_per_s == 0) throw Error(me + ": the issue rate must be > 0");
  if (p_.cores == 0) throw Error(me + ": a chip needs at least one core");
  // Slices of whole groups of 8 transactions, so that every region starts on a transaction.
  const std::uint64_t unit = 8 * t;
  map_.slice = p_.capacity_bytes / p_.cores / unit * unit;
  map_.transaction = p_.transaction_bytes;
  if (map_.slice == 0)
    throw Error(me + ": dram.capacity_gib gives each of the " + std::to_string(p_.cores) +
                " cores less than " + std::to_string(unit) +
                " bytes, too little for the address map's regions of whole transactions of "
                "dram.tlm.transaction_bytes");
  pace_ps_ = transfer_ps(t, p_.issue_bytes_per_s);
  scratch_.assign(t, 0);
}

TlmMemoryPort::~TlmMemoryPort() = default;

Resource& TlmMemoryPort::view(TlmUse use, std::uint32_t core, Bytes first, Bytes second) {
  for (const auto& v : views_)
    if (v->use == use && v->core == core) return *v;
  if (core >= p_.cores)
    throw Error(std::string(name()) + ": core " + std::to_string(core) + " of a chip with " +
                std::to_string(p_.cores) + " cores");
  const std::uint64_t at = map_.base(core) + map_.offset(use);
  const std::uint64_t size = map_.size(use);
  const auto fit = [size](Bytes b) { return b == 0 || b > size ? size : b; };
  std::vector<Segment> pattern;
  switch (use) {
    case TlmUse::Parameters: {
      // Table rows, then streamed weights from the next transaction boundary: a request that
      // reads them in two transfers (tables before the compute, weights during it) ends each on
      // a boundary, and the next request starts from the region's start again.
      const Bytes t = map_.transaction;
      pattern.push_back({tlm::TLM_READ_COMMAND, at, fit((first + t - 1) / t * t + second)});
      break;
    }
    case TlmUse::Spill: {
      // WRITEs, then READs of the same addresses; the switch is rounded up to a whole
      // transaction so that the READs start aligned too.
      const Bytes t = map_.transaction;
      const Bytes writes = std::min((first + t - 1) / t * t, first + second);
      const Bytes reads = first + second - writes;
      if (writes > 0) pattern.push_back({tlm::TLM_WRITE_COMMAND, at, fit(writes)});
      if (reads > 0 || writes == 0) pattern.push_back({tlm::TLM_READ_COMMAND, at, fit(reads)});
      break;
    }
    case TlmUse::InputWrite:
    case TlmUse::OutputWrite:
      pattern.push_back({tlm::TLM_WRITE_COMMAND, at, size});
      break;
    case TlmUse::InputRead:
    case TlmUse::OutputRead:
      pattern.push_back({tlm::TLM_READ_COMMAND, at, size});
      break;
  }
  views_.push_back(std::make_unique<View>(
      *this, std::string(name()) + ".core" + std::to_string(core) + "." + use_name(use), use, core,
      std::move(pattern)));
  return *views_.back();
}

Ps TlmMemoryPort::issue(View& v, Ps start, Bytes bytes) {
  const Ps now = sc_core::sc_time_stamp().value();
  if (start < now)
    throw Error(std::string(name()) + ": internal: a reservation that starts in the past");
  const std::uint64_t t = p_.transaction_bytes;
  Ps last = start;
  Ps run_from = 0, run_to = 0;  // the current stretch of overlapping transactions
  bool run = false;
  for (std::uint64_t i = 0; bytes > 0; ++i) {
    std::uint64_t pos = v.cursor;
    const Segment* s = &v.pattern.front();
    for (const Segment& seg : v.pattern) {
      s = &seg;
      if (pos < seg.bytes) break;
      pos -= seg.bytes;
    }
    // Never across a transaction-sized block: bursts stay aligned even after a short one.
    const std::uint64_t len = std::min({t - pos % t, s->bytes - pos, bytes});
    const Ps at = start + i * pace_ps_;
    trans_.set_command(s->command);
    trans_.set_address(s->address + pos);
    trans_.set_data_ptr(scratch_.data());
    trans_.set_data_length(static_cast<unsigned int>(len));
    trans_.set_streaming_width(static_cast<unsigned int>(len));
    trans_.set_byte_enable_ptr(nullptr);
    trans_.set_byte_enable_length(0);
    trans_.set_dmi_allowed(false);
    trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::sc_time::from_value(at - now);
    socket->b_transport(trans_, delay);
    const char* what = s->command == tlm::TLM_WRITE_COMMAND ? "WRITE" : "READ";
    if (trans_.get_response_status() != tlm::TLM_OK_RESPONSE)
      throw Error(std::string(name()) + ": the memory target answered " +
                  trans_.get_response_string() + " to a " + what + " of " + std::to_string(len) +
                  " bytes at " + hex(s->address + pos));
    const Ps done = now + delay.value();
    if (done < at)
      throw Error(std::string(name()) + ": the memory target returned a delay of " +
                  std::to_string(delay.value()) + " ps for a " + what + " issued with " +
                  std::to_string(at - now) +
                  " ps: a b_transport may add to the annotated delay, not take from it");
    ++counters_.transactions;
    if (s->command == tlm::TLM_WRITE_COMMAND) {
      ++counters_.writes;
      counters_.bytes_written += len;
    } else {
      ++counters_.reads;
      counters_.bytes_read += len;
    }
    if (run && at <= run_to) {
      run_to = std::max(run_to, done);
    } else {
      if (run) busy(run_from, run_to);
      run_from = at;
      run_to = done;
      run = true;
    }
    last = std::max(last, done);
    v.cursor += len;
    if (v.cursor == v.period) v.cursor = 0;
    bytes -= len;
  }
  // The next reservation starts on a transaction boundary (the write and read sides of a ring
  // round alike, so they stay in step).
  v.cursor = std::min((v.cursor + t - 1) / t * t, v.period);
  if (v.cursor == v.period) v.cursor = 0;
  if (run) busy(run_from, run_to);
  return last - start;
}

void TlmMemoryPort::busy(Ps from, Ps to) {
  // Every later transaction is issued at or after now (a reservation never starts in the past),
  // so an interval that ended before now can no longer grow: count it and drop it.
  const Ps now = sc_core::sc_time_stamp().value();
  while (!open_.empty() && open_.begin()->second < now) {
    counters_.busy_ps += open_.begin()->second - open_.begin()->first;
    open_.erase(open_.begin());
  }
  auto it = open_.upper_bound(from);
  if (it != open_.begin()) {
    auto before = std::prev(it);
    if (before->second >= from) {
      from = before->first;
      to = std::max(to, before->second);
      it = open_.erase(before);
    }
  }
  while (it != open_.end() && it->first <= to) {
    to = std::max(to, it->second);
    it = open_.erase(it);
  }
  open_.emplace(from, to);
}

TlmMemoryPort::Counters TlmMemoryPort::counters(Ps end) const {
  Counters c = counters_;
  for (const auto& [from, to] : open_)
    if (from < end) c.busy_ps += std::min(to, end) - from;
  return c;
}

double TlmMemoryPort::Total::utilization(Ps total) const {
  return share(owner_.counters(total).busy_ps, total);
}

}  // namespace infsim
