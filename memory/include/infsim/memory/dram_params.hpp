#pragma once
// Parameters of the DRAM models (pure C++, no SystemC). The config table (sim/config) exposes
// them as `dram.*`; `dram.model` names the model, looked up in dram_registry.hpp.
#include <cstdint>
#include <string>

namespace infsim {

/// DDR4 organisation and timing. Timings are in tCK cycles of the DRAM clock (tck_ps). The
/// defaults are a DDR4-3200AA (22-22-22) speed grade on x8 devices, one rank of eight x8 parts
/// (a 64-bit channel) per channel, two channels: 2 × 8 B × 3200 MT/s = 51.2 GB/s = 47.68 GiB/s
/// peak (95.4% of the published 50 GiB/s). Timings from DRAMsim3's configs/DDR4_8Gb_x8_3200.ini
/// (JEDEC JESD79-4 speed bin DDR4-3200AA, 1 KB page); rows and tRFC of a 4 Gb x8 part
/// (DDR4_4Gb_x8_2666.ini: 32768 rows, tRFC 260 ns), so that 2 channels hold exactly 8 GiB.
/// docs/TIMING.md ("DRAM: DDR4 model") explains every choice.
///
/// The write timings (cwl, twr, twtr_s, twtr_l) belong to Ddr4Timing's WR constraints, which the
/// tests check to the cycle; the scheduler issues reads only (a transfer does not say its
/// direction), so no run depends on them and they are not configuration settings.
struct Ddr4Params {
  std::uint32_t tck_ps = 625;  ///< DDR4-3200: 1600 MHz clock, 3200 MT/s
  std::uint32_t channels = 2;
  std::uint32_t ranks = 1;            ///< per channel
  std::uint32_t bank_groups = 4;      ///< per rank (x8 parts: 4)
  std::uint32_t banks_per_group = 4;  ///< x8 parts: 4
  std::uint32_t rows = 32768;         ///< per bank (4 Gb x8: 32K)
  std::uint32_t row_bytes = 8192;     ///< rank page: 8 devices × 1 KB
  std::uint32_t bus_bytes = 8;        ///< data bus width (x64)
  std::uint32_t burst_length = 8;     ///< BL8: a burst is BL/2 = 4 tCK, bus_bytes·BL = 64 B
  std::uint32_t cl = 22;              ///< read command to first data
  std::uint32_t cwl = 16;             ///< write command to first data (WR constraints only)
  std::uint32_t trcd = 22;            ///< ACT to RD/WR, same bank
  std::uint32_t trp = 22;             ///< PRE to ACT, same bank
  std::uint32_t tras = 52;            ///< ACT to PRE, same bank
  std::uint32_t trc = 74;             ///< ACT to ACT, same bank
  std::uint32_t trrd_s = 4;           ///< ACT to ACT, different bank group
  std::uint32_t trrd_l = 8;           ///< ACT to ACT, same bank group
  std::uint32_t tfaw = 34;            ///< window holding at most four ACTs (per rank)
  std::uint32_t tccd_s = 4;           ///< RD to RD / WR to WR, different bank group
  std::uint32_t tccd_l = 8;           ///< RD to RD / WR to WR, same bank group
  std::uint32_t twr = 24;             ///< end of write data to PRE (WR constraints only)
  std::uint32_t twtr_s = 4;           ///< end of write data to RD, other group (WR only)
  std::uint32_t twtr_l = 12;          ///< end of write data to RD, same group (WR only)
  std::uint32_t trtp = 12;            ///< RD to PRE
  std::uint32_t trfc = 416;           ///< REF to next command (all-bank refresh)
  std::uint32_t trefi = 12480;        ///< average refresh interval (7.8 us)
  std::uint32_t trtrs = 1;            ///< rank-to-rank data bus turnaround
  std::uint32_t read_queue = 32;      ///< the scheduler's look-ahead: lines per channel
  double frontend_latency_ns = 20.0;  ///< controller front end + PHY, added to each transfer

  std::uint32_t burst_cycles() const { return burst_length / 2; }
  std::uint32_t line_bytes() const { return bus_bytes * burst_length; }
  std::uint32_t lines_per_row() const { return row_bytes / line_bytes(); }
  std::uint64_t capacity_bytes() const {
    return static_cast<std::uint64_t>(channels) * ranks * bank_groups * banks_per_group * rows *
           row_bytes;
  }
  /// Peak bandwidth: every channel's data bus busy every cycle, two transfers per clock.
  std::uint64_t peak_bytes_per_s() const {
    return static_cast<std::uint64_t>(channels) * bus_bytes * 2ULL * 1'000'000'000'000ULL / tck_ps;
  }
};

/// How transfers reach a user's TLM-2.0 memory plugged in with TlmHooks::external_dram
/// (docs/TLM.md); unused otherwise.
struct TlmPortParams {
  std::uint32_t transaction_bytes = 64;  ///< bytes per b_transport: a DDR4 BL8 burst on x64
};

/// Device DRAM of one chip.
struct DramParams {
  std::string model = "ddr4";     ///< the timing model's name (dram_registry.hpp)
  double capacity_gib = 8.0;      ///< device DRAM per chip [AWS]
  double bandwidth_gib_s = 50.0;  ///< peak bandwidth per chip [AWS] (simple model)
  std::uint32_t channels = 4;     ///< independent channels sharing the bandwidth (simple model)
  double latency_ns = 100.0;      ///< unloaded access latency (simple model)
  Ddr4Params ddr4;                ///< the DDR4 model's organisation and timing
  /// Share of the model's peak that the chip's DRAM sustains under the DMA streams of a run: a
  /// ceiling on top of the timing model (docs/TIMING.md, "Sustained bandwidth"); 1 = none.
  double sustained_fraction = 0.72;
  TlmPortParams tlm;  ///< a plugged-in TLM-2.0 memory's transactions
};

}  // namespace infsim
