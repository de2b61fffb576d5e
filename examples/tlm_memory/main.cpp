// A user's own TLM-2.0 memory in place of each chip's DRAM, written against the installed
// package as a DRAMSys user would plug in DRAMSys (docs/TLM.md):
//
//   1. `BankedMemory`: a small loosely timed DRAM-like target behind b_transport (channels,
//      banks with an open row each, tRCD / tCL / tRP, one data bus per channel);
//   2. TlmHooks::external_dram creates one per chip, TlmHooks::after_run reads its counters
//      before infsim deletes it;
//   3. two runs: the default ResNet-50 pipeline (16 cores; inputs and results cross DRAM) and
//      ResNet-50 on one core with batch 5 (weights streamed, activations spilled), each checked:
//      transactions of dram.tlm.transaction_bytes at the documented addresses, with the right
//      command per region, and the report's figures consistent with the target's own counters.
//
//   tlm_memory [requests] [requests_one_core]     (default 100 and 2)
//
// Exit status 0 when every check holds. Build it against an installed infsim with
// examples/tlm_memory/CMakeLists.txt (find_package(infsim COMPONENTS tlm)).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <infsim/infsim.hpp>
#include <infsim/tlm_hooks.hpp>

namespace {

/// The regions of the address map of docs/TLM.md: core slices of capacity / cores; in a slice,
/// parameters from 0, the input ring from 1/2, the output ring from 5/8, spills from 3/4.
const char* region_name(int r) {
  static const char* names[] = {"parameters", "input ring", "output ring", "spills"};
  return names[r];
}
int region_of(std::uint64_t addr, std::uint64_t slice) {
  const std::uint64_t off = addr % slice;
  if (off < slice / 2) return 0;
  if (off < slice / 2 + slice / 8) return 1;
  if (off < slice / 2 + slice / 4) return 2;
  return 3;
}

/// What the target models, honestly: per channel, banks with one open row each and one data
/// bus; an access that finds its row open waits tCL for data, a closed bank tRCD + tCL, another
/// open row tRP + tRCD + tCL; then the burst holds the channel's bus for len / bus bytes per ns.
/// Transactions are served in the order of the calls (an LT target cannot see later calls), a
/// bank takes its next column command when the previous burst starts. Not modelled: refresh,
/// tFAW / tRRD, write-to-read turnarounds, write latency different from read latency, command
/// bus conflicts, power. Addresses interleave across channels every 64 B; within a channel,
/// row_bytes per row, consecutive rows in consecutive banks.
struct BankedMemory : sc_core::sc_module {
  struct Timing {
    std::uint32_t channels = 2, banks = 16;
    std::uint64_t row_bytes = 8192;
    sc_core::sc_time trcd{13.75, sc_core::SC_NS}, tcl{13.75, sc_core::SC_NS},
        trp{13.75, sc_core::SC_NS};                   // DDR4-3200 22-22-22
    sc_core::sc_time burst_64b{2.5, sc_core::SC_NS};  // BL8 on x64: 25.6 GB/s/channel
  };
  struct Counters {
    std::uint64_t reads = 0, writes = 0, bytes_read = 0, bytes_written = 0;
    std::uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
    std::uint64_t largest = 0, unaligned = 0, crossing = 0;  ///< sizes and alignment seen
    std::vector<sc_core::sc_time> bus_busy;                  ///< per channel
    std::uint64_t regions[4][2] = {};  ///< [region_of][write]: what the checks look at
  };

  tlm_utils::simple_target_socket<BankedMemory> socket;
  Counters counters;

  BankedMemory(sc_core::sc_module_name n, const Timing& t, std::uint64_t capacity,
               std::uint32_t transaction_bytes, std::uint64_t slice_bytes)
      : sc_core::sc_module(n),
        socket("socket"),
        t_(t),
        capacity_(capacity),
        transaction_(transaction_bytes),
        slice_(slice_bytes),
        banks_(static_cast<std::size_t>(t.channels) * t.banks) {
    socket.register_b_transport(this, &BankedMemory::b_transport);
    bus_free_.assign(t.channels, sc_core::SC_ZERO_TIME);
    counters.bus_busy.assign(t.channels, sc_core::SC_ZERO_TIME);
  }

  // Loosely timed: never wait(); the access's completion goes back as added delay.
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    const std::uint64_t addr = p.get_address();
    const std::uint64_t len = p.get_data_length();
    if (!p.is_read() && !p.is_write()) {
      p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    if (len == 0 || addr >= capacity_ || len > capacity_ - addr) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.get_byte_enable_ptr() != nullptr || p.get_streaming_width() != len) {
      p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
      return;
    }
    if (p.is_read() && p.get_data_ptr() != nullptr) std::fill_n(p.get_data_ptr(), len, 0);
    ++counters.regions[region_of(addr, slice_)][p.is_write() ? 1 : 0];
    counters.largest = std::max(counters.largest, len);
    if (addr % transaction_ != 0) ++counters.unaligned;
    if (addr / transaction_ != (addr + len - 1) / transaction_) ++counters.crossing;

    const std::uint64_t line = addr / 64;
    const std::uint32_t ch = static_cast<std::uint32_t>(line % t_.channels);
    const std::uint64_t in_channel = line / t_.channels * 64;
    const std::uint64_t row_index = in_channel / t_.row_bytes;
    Bank& b = banks_[ch * t_.banks + row_index % t_.banks];
    const std::uint64_t row = row_index / t_.banks;

    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const sc_core::sc_time arrive = now + delay;
    sc_core::sc_time data = std::max(arrive, b.ready);
    if (b.open && b.row == row) {
      ++counters.row_hits;
      data += t_.tcl;
    } else if (!b.open) {
      ++counters.row_misses;
      data += t_.trcd + t_.tcl;
    } else {
      ++counters.row_conflicts;
      data += t_.trp + t_.trcd + t_.tcl;
    }
    b.open = true;
    b.row = row;
    const sc_core::sc_time start = std::max(data, bus_free_[ch]);
    const sc_core::sc_time burst = t_.burst_64b * (static_cast<double>(len) / 64.0);
    bus_free_[ch] = start + burst;
    counters.bus_busy[ch] += burst;
    b.ready = start;
    if (p.is_read()) {
      ++counters.reads;
      counters.bytes_read += len;
    } else {
      ++counters.writes;
      counters.bytes_written += len;
    }
    delay = bus_free_[ch] - now;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }

 private:
  struct Bank {
    bool open = false;
    std::uint64_t row = 0;
    sc_core::sc_time ready = sc_core::SC_ZERO_TIME;
  };
  Timing t_;
  std::uint64_t capacity_;
  std::uint64_t transaction_;
  std::uint64_t slice_;
  std::vector<Bank> banks_;
  std::vector<sc_core::sc_time> bus_free_;
};

int failures = 0;
void check(bool ok, const std::string& what) {
  if (!ok) {
    ++failures;
    std::cout << "CHECK FAILED: " << what << "\n";
  }
}

void run(const std::string& title, const infsim::SystemConfig& cfg, const infsim::Graph& g,
         const infsim::CompileOptions& opts, std::uint64_t requests, bool expect_dram_work) {
  const std::uint32_t tx = cfg.dram.tlm.transaction_bytes;
  const auto capacity = static_cast<std::uint64_t>(cfg.dram.capacity_gib * (1ULL << 30));
  // The slice as the port computes it: capacity / cores, in whole groups of 8 transactions.
  const std::uint64_t slice = capacity / cfg.cores_per_chip / (8 * tx) * (8 * tx);
  std::vector<BankedMemory::Counters> seen(cfg.chips);
  infsim::TlmHooks hooks;
  hooks.external_dram = [&](std::uint32_t chip, tlm::tlm_target_socket<>*& socket) {
    auto* m = new BankedMemory(("banked" + std::to_string(chip)).c_str(), BankedMemory::Timing{},
                               capacity, tx, slice);
    socket = &m->socket;
    return m;
  };
  hooks.after_run = [&](std::uint32_t chip, sc_core::sc_module& m) {
    seen[chip] = dynamic_cast<const BankedMemory&>(m).counters;
  };
  infsim::Workload w;
  w.requests = requests;
  const infsim::Plan plan = infsim::compile(g, cfg, opts);
  const auto t0 = std::chrono::steady_clock::now();
  const infsim::Report r = infsim::simulate(cfg, g, plan, w, infsim::RunOptions{}, hooks);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::cout << title << ": " << r.requests << " requests, " << r.throughput_per_s
            << " inferences/s, p50 " << r.latency_ms.p50 << " ms (" << wall << " s wall)\n";
  std::uint64_t transactions = 0;
  check(r.dram_tlm.size() == cfg.chips, "one dram_tlm row per chip");
  for (const infsim::TlmMemoryReport& d : r.dram_tlm) {
    const BankedMemory::Counters& c = seen.at(d.chip);
    transactions += d.transactions;
    double bus_share = 0;
    for (const sc_core::sc_time& b : c.bus_busy)
      bus_share = std::max(bus_share, b.to_seconds() / r.simulated_time_s);
    std::cout << "  chip" << d.chip << ": " << d.reads << " READs (" << d.bytes_read << " B), "
              << d.writes << " WRITEs (" << d.bytes_written << " B); row hits " << c.row_hits
              << ", misses " << c.row_misses << ", conflicts " << c.row_conflicts
              << "; outstanding " << 100 * d.utilization << "% of the time, busiest bus "
              << 100 * bus_share << "%\n";
    for (int k = 0; k < 4; ++k)
      if (c.regions[k][0] + c.regions[k][1] > 0)
        std::cout << "    " << region_name(k) << ": " << c.regions[k][0] << " READ, "
                  << c.regions[k][1] << " WRITE\n";
    const std::string chip = "chip" + std::to_string(d.chip) + ": ";
    check(c.reads == d.reads && c.writes == d.writes,
          chip + "the report's counts are the target's");
    check(c.bytes_read == d.bytes_read && c.bytes_written == d.bytes_written,
          chip + "the report's bytes are the target's");
    check(d.bytes_read + d.bytes_written == r.drams.at(d.chip).bytes,
          chip + "every byte of the DRAM row went through a transaction");
    check(c.largest <= tx && c.unaligned == 0 && c.crossing == 0,
          chip + "transactions of at most dram.tlm.transaction_bytes, aligned to it");
    check(d.utilization >= 0 && d.utilization <= 1, chip + "utilization in [0, 100%]");
    check(bus_share <= d.utilization + 1e-9,
          chip + "a bus transfers only while a transaction is outstanding");
    const auto& rc = c.regions;
    check(rc[0][1] == 0, chip + "parameters are only read");
    check(rc[1][0] == rc[1][1] && rc[2][0] == rc[2][1],
          chip + "every buffer written into a ring is read back");
  }
  check(!expect_dram_work || (seen[0].regions[0][0] > 0 && seen[0].regions[3][1] > 0),
        "the one-core run streams weights and spills activations");
  std::cout << "  " << transactions << " transactions, "
            << transactions / std::max<std::uint64_t>(1, r.requests * plan.batch)
            << " per inference\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::uint64_t requests = argc > 1 ? std::stoull(argv[1]) : 100;
    const std::uint64_t one_core = argc > 2 ? std::stoull(argv[2]) : 2;
    const infsim::Graph g = infsim::resnet50();
    infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
    run("resnet50, 16-stage pipeline on inf1.6xlarge", cfg, g, infsim::CompileOptions{16, 1},
        requests, false);
    if (one_core > 0)
      run("resnet50, one core of inf1.xlarge, batch 5", infsim::preset("inf1.xlarge"), g,
          infsim::CompileOptions{1, 5}, one_core, true);
  } catch (const std::exception& e) {
    std::cerr << "tlm_memory: error: " << e.what() << "\n";
    return 1;
  }
  if (failures > 0) {
    std::cout << failures << " checks failed\n";
    return 1;
  }
  std::cout << "every check holds\n";
  return 0;
}
