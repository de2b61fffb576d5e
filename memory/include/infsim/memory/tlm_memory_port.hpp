#pragma once
// Puts any TLM-2.0 memory target (ours, or another model such as DRAMSys behind an LT
// b_transport) on the simulator's transfer paths: a Resource whose every reservation is one
// b_transport through an initiator socket.
//
// The target does its own queueing and reports it in the annotated delay, so this Resource is
// always ready (ready_at() = 0), has no separate latency, and its "busy" time for a transfer is
// the whole annotated service time (queueing + latency + data). Transactions are READs of the
// transfer's length at a rotating address (timing only, no data pointer); a target that fails a
// transaction makes the run fail with the target's response named.
#include <cstdint>
#include <string>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "infsim/common/pipe.hpp"

namespace infsim {

class TlmMemoryPort : public sc_core::sc_module {
 public:
  /// `bytes_per_s` is the target's nominal bandwidth (reported only); addresses rotate through
  /// [0, `address_span`) so that consecutive transfers are sequential.
  TlmMemoryPort(sc_core::sc_module_name name, std::uint64_t bytes_per_s,
                std::uint64_t address_span);
  tlm_utils::simple_initiator_socket<TlmMemoryPort> socket;
  Resource& resource() { return resource_; }

 private:
  class Port final : public Resource {
   public:
    Port(TlmMemoryPort& owner, std::string name) : Resource(std::move(name)), owner_(owner) {}
    Ps ready_at() const override { return 0; }
    Ps occupy(Ps start, Bytes bytes) override;
    Ps latency() const override { return 0; }
    std::uint64_t bytes_per_s() const override { return owner_.bytes_per_s_; }

   private:
    TlmMemoryPort& owner_;
  };
  std::uint64_t bytes_per_s_;
  std::uint64_t span_;
  std::uint64_t next_address_ = 0;
  Port resource_;
};

}  // namespace infsim
