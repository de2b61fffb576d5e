#pragma once
// Puts any TLM-2.0 memory target (ours, or another model such as DRAMSys behind a loosely timed
// b_transport) in place of a chip's DRAM. Every reservation of a transfer path becomes a run of
// b_transport calls of `transaction_bytes` each (a DDR4 burst, 64 B, by default), with the
// transfer's command (READ or WRITE) and consecutive addresses from a per-core address map.
// docs/TLM.md states the timing rules, the address map and the statistics.
//
// The path elements are views: one Resource per kind of transfer (a stage's parameters, its
// spills, a lane's input or output buffer, written or read), each walking its own pattern of
// commands and addresses. The transfer scheduler and the other resources are unchanged, so a
// run without a plugged-in memory pays nothing for any of this.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "infsim/common/pipe.hpp"

namespace infsim {

/// What a transfer to or from a plugged-in memory is for: it picks the command and the region.
enum class TlmUse {
  Parameters,   ///< a stage's table rows and streamed weights: READs from the slice's start
  Spill,        ///< a stage's spilled activations: WRITEs, then READs of the same addresses
  InputWrite,   ///< the host's input copied into the first stage's input ring: WRITEs
  InputRead,    ///< the first stage reading its input from that ring: READs
  OutputWrite,  ///< the last stage's result into its output ring: WRITEs
  OutputRead,   ///< the host reading the result back from that ring: READs
};

/// The address map of one chip's plugged-in memory (docs/TLM.md, "Address map"): core c (local
/// to the chip) owns slice c of capacity / cores bytes (2 GiB by default, the 2 GB per-core
/// slice of FACTS.md). In a slice: parameters from 0 (first half), the input ring from 1/2, the
/// output ring from 5/8 (1/8 each), spills from 3/4 (the last quarter). Region sizes are whole
/// transactions.
struct TlmAddressMap {
  std::uint64_t slice = 0;        ///< bytes per core
  std::uint32_t transaction = 0;  ///< bytes per transaction
  std::uint64_t base(std::uint32_t local_core) const { return slice * local_core; }
  std::uint64_t offset(TlmUse use) const;  ///< the region's start in a slice
  std::uint64_t size(TlmUse use) const;    ///< the region's length (whole transactions)
};

class TlmMemoryPort : public sc_core::sc_module {
 public:
  struct Params {
    std::uint64_t issue_bytes_per_s = 0;  ///< transactions are issued at most at this rate
    std::uint32_t transaction_bytes = 64;
    std::uint64_t capacity_bytes = 0;  ///< the chip's DRAM
    std::uint32_t cores = 1;           ///< cores per chip: one slice each
  };
  /// What the port did (docs/TLM.md, "Statistics").
  struct Counters {
    std::uint64_t transactions = 0, reads = 0, writes = 0;
    std::uint64_t bytes_read = 0, bytes_written = 0;
    Ps busy_ps = 0;  ///< time with at least one transaction outstanding, up to the query's end
  };

  TlmMemoryPort(sc_core::sc_module_name name, const Params& p);
  ~TlmMemoryPort() override;  // where View is complete
  tlm_utils::simple_initiator_socket<TlmMemoryPort> socket;

  /// The port as a whole (the report's DRAM row): bytes, reservations, and utilization as the
  /// union of the intervals during which at least one transaction was outstanding.
  Resource& resource() { return total_; }
  /// The path element for transfers of `use` on local core `core`. Parameters: `first` bytes of
  /// table rows and `second` of streamed weights per request; Spill: `first` written, then
  /// `second` read per request; the rings ignore them. Views are made once per (use, core) and
  /// kept.
  Resource& view(TlmUse use, std::uint32_t core, Bytes first = 0, Bytes second = 0);
  const TlmAddressMap& address_map() const { return map_; }
  Counters counters(Ps end) const;

 private:
  struct Segment {
    tlm::tlm_command command;
    std::uint64_t address;  ///< its first byte
    std::uint64_t bytes;    ///< whole transactions
  };
  class View;
  class Total final : public Resource {
   public:
    Total(TlmMemoryPort& owner, std::string name) : Resource(std::move(name)), owner_(owner) {}
    Ps ready_at() const override { return 0; }
    Ps occupy(Ps, Bytes) override { return 0; }  // views reserve; this one only reports
    Ps latency() const override { return 0; }
    std::uint64_t bytes_per_s() const override { return owner_.p_.issue_bytes_per_s; }
    double utilization(Ps total) const override;
    void add(Bytes bytes, Ps busy) {
      stats_.bytes += bytes;
      stats_.transfers += 1;
      stats_.busy_ps += busy;
    }

   private:
    TlmMemoryPort& owner_;
  };
  /// Issues `bytes` of view `v` from `start`; returns how long the last transaction completes
  /// after `start`.
  Ps issue(View& v, Ps start, Bytes bytes);
  /// Adds [from, to) to the union of busy intervals.
  void busy(Ps from, Ps to);

  Params p_;
  TlmAddressMap map_;
  Ps pace_ps_;  ///< one transaction's time at the issue rate
  std::vector<unsigned char> scratch_;
  tlm::tlm_generic_payload trans_;
  std::vector<std::unique_ptr<View>> views_;
  Counters counters_;
  std::map<Ps, Ps> open_;  ///< disjoint busy intervals that may still grow (start -> end)
  Total total_;
};

}  // namespace infsim
