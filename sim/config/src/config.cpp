// SystemConfig: one table of parameters (make_params below) drives validation, apply_json,
// apply_override, get_param/set_param, to_json and the Markdown reference (docs/CONFIG.md). Every
// hardware value names its source: an AWS figure, arithmetic on AWS figures, or a documented
// choice where AWS has published nothing (see ../shared/FACTS.md for the published facts).
// The rules, the JSON layers and the docs text live beside it (config_detail.hpp lists them).
#include "infsim/config.hpp"

#include <cmath>
#include <type_traits>
#include <utility>

#include "config_detail.hpp"
#include "infsim/common/units.hpp"
#include "infsim/interconnect/link_topology.hpp"
#include "infsim/memory/dram_registry.hpp"

namespace infsim {
namespace config_detail {
namespace {

// ---- Builders for the table ------------------------------------------------------------------

// `ref` is a generic lambda returning a reference to the field, for const and non-const configs.
template <typename Ref>
void bind_field(Param& p, Ref ref) {
  p.get = [ref](const SystemConfig& c) { return json(ref(c)); };
  p.set = [ref](SystemConfig& c, const json& v) {
    using T = std::decay_t<decltype(ref(c))>;
    ref(c) = v.get<T>();
  };
}

template <typename Ref>
Param integer(std::string path, std::string unit, std::int64_t lo, std::int64_t hi, Ref ref,
              std::string description, std::string source) {
  Param p;
  p.path = std::move(path);
  p.kind = Kind::Integer;
  p.unit = std::move(unit);
  p.lo = static_cast<double>(lo);
  p.hi = static_cast<double>(hi);
  p.description = std::move(description);
  p.source = std::move(source);
  bind_field(p, ref);
  return p;
}

template <typename Ref>
Param integer_of(std::string path, std::string unit, std::vector<std::int64_t> values, Ref ref,
                 std::string description, std::string source) {
  Param p = integer(std::move(path), std::move(unit), values.front(), values.back(), ref,
                    std::move(description), std::move(source));
  p.int_choices = std::move(values);
  return p;
}

template <typename Ref>
Param number(std::string path, std::string unit, double lo, bool lo_open, double hi, Ref ref,
             std::string description, std::string source) {
  Param p;
  p.path = std::move(path);
  p.kind = Kind::Number;
  p.unit = std::move(unit);
  p.lo = lo;
  p.lo_open = lo_open;
  p.hi = hi;
  p.description = std::move(description);
  p.source = std::move(source);
  bind_field(p, ref);
  return p;
}

template <typename Ref>
Param boolean(std::string path, Ref ref, std::string description, std::string source) {
  Param p;
  p.path = std::move(path);
  p.kind = Kind::Boolean;
  p.description = std::move(description);
  p.source = std::move(source);
  bind_field(p, ref);
  return p;
}

template <typename Ref>
Param string_param(std::string path, bool non_empty, Ref ref, std::string description,
                   std::string source) {
  Param p;
  p.path = std::move(path);
  p.kind = Kind::String;
  p.non_empty = non_empty;
  p.description = std::move(description);
  p.source = std::move(source);
  bind_field(p, ref);
  return p;
}

// ---- The table -------------------------------------------------------------------------------

constexpr double kMaxLatencyNs = 1e9;      // 1 s: keeps picosecond arithmetic far from overflow
constexpr double kMaxBandwidthGiBs = 1e6;  // 1 PiB/s
// 1 MiB/s: below it the bytes-per-second figures the timing models divide by round to nothing
// (a SIGFPE in the compiler for 1e-12 GiB/s) or transfer times leave the simulated clock's range.
constexpr double kMinBandwidthGiBs = 1.0 / 1024.0;

std::vector<Param> make_params() {
  std::vector<Param> t;
  // clang-format off
  t.push_back(string_param("name", true, [](auto& c) -> auto& { return c.name; },
      "Name of the configuration (a preset's name, or \"custom\"), shown in reports.",
      "simulator metadata"));
  t.push_back(string_param("description", false, [](auto& c) -> auto& { return c.description; },
      "Free text describing the configuration and its assumptions.",
      "simulator metadata"));
  t.push_back(integer("chips", "", 1, 16, [](auto& c) -> auto& { return c.chips; },
      "Inferentia chips in the system (linked by NeuronLink when more than one).",
      "[AWS] inf1-arch.rst: 1 (inf1.xlarge, inf1.2xlarge), 4 (inf1.6xlarge), 16 (inf1.24xlarge); "
      "the NeuronCore Pipeline spans up to 16 chips"));
  t.push_back(integer("cores_per_chip", "", 1, 64,
      [](auto& c) -> auto& { return c.cores_per_chip; },
      "NeuronCores per chip.",
      "[AWS] inferentia.rst: 4 NeuronCore-v1 per chip"));
  {
    // At least 1 MHz: a slower clock (1e-12 MHz is a whole 1e18 ps period) pushes a run's
    // simulated time past the 64-bit picosecond clock, where it saturates.
    Param p = number("core.clock_mhz", "MHz", 1, false, 1e6,
        [](auto& c) -> auto& { return c.core.clock_mhz; },
        "Core clock (all engines of a NeuronCore run on it).",
        "unpublished: 976.5625 MHz, chosen so the 128x64 array gives exactly the published "
        "16 TFLOPS FP16 per core ([AWS] inferentia.rst: 2 x 8192 MACs x 976.5625e6 = 16.0e12) "
        "with a period "
        "of exactly 1024 ps");
    p.range_note = "; 1e6/clock_mhz must be a whole number of ps (at least 1 MHz keeps simulated "
                   "times within the 64-bit picosecond clock)";
    p.extra = clock_rule;
    t.push_back(std::move(p));
  }
  t.push_back(integer("core.tensor.rows", "", 1, 1024,
      [](auto& c) -> auto& { return c.core.tensor.rows; },
      "TensorEngine systolic array rows (the reduction dimension k maps here).",
      "unpublished: 128. [derived] 16 TFLOPS = 2 x MACs x clock fits 128x64 at ~0.98 GHz or "
      "128x128 at ~0.49 GHz; 128 rows match the 128-partition layout of NeuronCore-v2"));
  t.push_back(integer("core.tensor.cols", "", 1, 1024,
      [](auto& c) -> auto& { return c.core.tensor.cols; },
      "TensorEngine systolic array columns (the output dimension n maps here).",
      "unpublished: 64, with 128 rows and 976.5625 MHz giving the published 16 TFLOPS FP16 "
      "([AWS] inferentia.rst); the 128x128 alternative is preset whatif-128x128-array"));
  t.push_back(boolean("core.tensor.weight_load_overlap",
      [](auto& c) -> auto& { return c.core.tensor.weight_load_overlap; },
      "Whether the next fold's weights load while the current fold streams (double-buffered "
      "weight registers). false reproduces the classic analytical formula exactly.",
      "fitted (a choice between the two documented schedules): false. With true, the "
      "BERT-base pipeline row of validation/inf1.json runs at 2.0x its published throughput and "
      "the single-core BERT-base rows at 1.0-1.3x; with false at 0.99x and 1.01-1.25x "
      "(docs/VALIDATION.md). Double-buffered weight registers are the usual systolic design, so "
      "this says that NeuronCore-v1's array, unpublished, did not hide its weight loads"));
  t.push_back(integer("core.vector.flops_per_cycle", "FLOP/cycle", 1, 1 << 20,
      [](auto& c) -> auto& { return c.core.vector_flops_per_cycle; },
      "VectorEngine throughput (ops where each output depends on many inputs: LayerNorm, "
      "pooling, axpy).",
      "[AWS] neuron-core-v1.rst: 256 floating point operations per cycle"));
  t.push_back(integer("core.scalar.flops_per_cycle", "FLOP/cycle", 1, 1 << 20,
      [](auto& c) -> auto& { return c.core.scalar_flops_per_cycle; },
      "ScalarEngine throughput (element-wise ops: GELU, sigmoid, exp).",
      "[AWS] neuron-core-v1.rst: 512 floating point operations per cycle"));
  {
    Param p = number("core.sram.capacity_mib", "MiB", 1.0 / 1024, false, 65536,
        [](auto& c) -> auto& { return c.core.sram_capacity_mib; },
        "State Buffer (software-managed on-chip SRAM) per core; holds a pipeline stage's "
        "weights and activation buffers.",
        "unpublished: 12 MiB. AWS's pipeline rule of thumb, cores = 4 x round(weights / 2e7), is "
        "~5M weights (~10 MB at FP16) per core ([AWS], FACTS.md); 12 MiB holds that plus room "
        "for activation buffers");
    p.range_note = " (>= 1 KiB); a whole number of bytes";
    p.extra = whole_bytes_rule(static_cast<double>(kMiB));
    t.push_back(std::move(p));
  }
  t.push_back(integer("core.sram.bytes_per_cycle", "B/cycle", 1, 1 << 20,
      [](auto& c) -> auto& { return c.core.sram_bytes_per_cycle; },
      "State Buffer bandwidth over all partitions: on-chip copies (data-movement ops), and the "
      "port that the TensorEngine's operand reads and the DMA's writes and reads share.",
      "unpublished: 512 B/cycle (~466 GiB/s at 976.5625 MHz): one 128-element FP16 vector into "
      "the array per cycle (256 B) and as much again for concurrent copies and DMA"));
  t.push_back(integer("core.sram.partitions", "", 1, 4096,
      [](auto& c) -> auto& { return c.core.sram_partitions; },
      "State Buffer banks (partitions); each moves bytes_per_cycle / partitions bytes per "
      "cycle and a transfer is striped over all of them.",
      "unpublished for v1: 128, the NeuronCore-v2 SBUF layout ([AWS] FACTS.md: 128 partitions), "
      "matching the 128 array rows; 512 B/cycle / 128 = 4 B per partition per cycle"));
  t.push_back(integer("core.dma.queues", "", 1, 256,
      [](auto& c) -> auto& { return c.core.dma.queues; },
      "DMA queues per core; they work in parallel and a transfer uses one, the one that frees "
      "earliest (ties in turn).",
      "unpublished: 4 per core ([AWS] FACTS.md: several DMA engines per chip, count unpublished; "
      "Inf2 has 16 per core): 16 per chip"));
  t.push_back(number("core.dma.queue_bandwidth_gib_s", "GiB/s", kMinBandwidthGiBs, false, 1 << 20,
      [](auto& c) -> auto& { return c.core.dma.queue_bandwidth_gib_s; },
      "Bandwidth of one DMA queue: the rate of one transfer (a weight stream, an input, a "
      "stage's output), since a transfer uses one queue.",
      "fitted: 20 GiB/s, to the single-core BERT-base latency row of validation/inf1.json, "
      "which one core's weight stream bounds (a 2 GiB/s grid; docs/VALIDATION.md has the "
      "procedure and each row's sensitivity); was 64 GiB/s, a fabric port's bandwidth, "
      "unpublished"));
  t.push_back(integer("core.dma.descriptor_bytes", "B", 1, std::int64_t{1} << 40,
      [](auto& c) -> auto& { return c.core.dma.descriptor_bytes; },
      "Largest DMA descriptor: a transfer of B bytes is ceil(B / descriptor_bytes) descriptors.",
      "unpublished: 65536 B (64 KiB, a common DMA descriptor limit)"));
  t.push_back(integer("core.dma.descriptor_overhead_cycles", "cycles", 0, 1 << 20,
      [](auto& c) -> auto& { return c.core.dma.descriptor_overhead_cycles; },
      "Core cycles a DMA queue spends per descriptor besides moving its bytes (descriptor fetch "
      "and setup).",
      "unpublished: 64 cycles (65.5 ns at 976.5625 MHz, about one on-chip memory round trip)"));
  {
    Param p = number("core.psum.capacity_kib", "KiB", 0, true, 1 << 20,
        [](auto& c) -> auto& { return c.core.psum_capacity_kib; },
        "Partial Sum Buffer per core (FP32 accumulators of TensorEngine outputs).",
        "unpublished for v1: 2048 KiB, the published NeuronCore-v2 PSUM size (2 MiB, [AWS] "
        "FACTS.md) used as a stand-in");
    p.range_note = "; a whole number of bytes";
    p.extra = whole_bytes_rule(static_cast<double>(kKiB));
    t.push_back(std::move(p));
  }
  {
    Param p = number("dram.capacity_gib", "GiB", 0, true, 1 << 20,
        [](auto& c) -> auto& { return c.dram.capacity_gib; },
        "Device DRAM per chip.",
        "[AWS] inferentia.rst: 8 GiB per chip (each core owns a 2 GB slice by default, [AWS staff] "
        "aws-neuron-sdk issue #624)");
    p.range_note = "; a whole number of bytes";
    p.extra = whole_bytes_rule(static_cast<double>(kGiB));
    t.push_back(std::move(p));
  }
  t.push_back(number("dram.bandwidth_gib_s", "GiB/s", kMinBandwidthGiBs, false, kMaxBandwidthGiBs,
      [](auto& c) -> auto& { return c.dram.bandwidth_gib_s; },
      "Peak DRAM bandwidth per chip, shared by its channels (simple model only; the ddr4 "
      "model's peak follows from dram.ddr4.*).",
      "[AWS] inferentia.rst: 50 GiB/s per chip"));
  t.push_back(integer("dram.channels", "", 1, 64, [](auto& c) -> auto& { return c.dram.channels; },
      "Independent DRAM channels per chip; each gets bandwidth_gib_s / channels (simple model "
      "only).",
      "unpublished: 4, i.e. 12.5 GiB/s per channel, about one DDR4-3200 x32-bit channel (DDR4 per "
      "the [AWS] 2022 diagram), and one per NeuronCore like the 2 GB per-core slices; a stand-in "
      "until the DDR4 timing model"));
  t.push_back(number("dram.latency_ns", "ns", 0, false, kMaxLatencyNs,
      [](auto& c) -> auto& { return c.dram.latency_ns; },
      "Unloaded DRAM access latency (command to first data, through the controller; simple "
      "model only).",
      "unpublished: 100 ns, the typical order of an unloaded DDR4 access including controller "
      "and PHY"));
  {
    Param p;
    p.path = "dram.model";
    p.kind = Kind::Enum;
    p.choices = dram_model_names();  // the registry's models (memory/dram_registry.hpp)
    p.description = "DRAM timing model:";
    for (std::size_t i = 0; i < dram_models().size(); ++i) {
      const DramModelInfo& m = dram_models()[i];
      p.description += std::string(i == 0 ? " " : i + 1 < dram_models().size() ? ", " : " or ") +
                       m.name + " (" + m.summary + ")";
    }
    p.description += ".";
    p.source =
        "[AWS] 2022 chip diagram: DDR4. Default ddr4: its closed-form streams keep a ResNet-50 "
        "pipeline run within the 2x speed budget (1.9x the foundation's instructions per "
        "request, callgrind; docs/PERFORMANCE.md); simple is the faster stand-in. The inf2-like "
        "preset sets simple: its HBM is described only by the simple model";
    p.get = [](const SystemConfig& c) { return json(c.dram.model); };
    p.set = [](SystemConfig& c, const json& v) { c.dram.model = v.get<std::string>(); };
    t.push_back(std::move(p));
  }
  {
    Param p = integer("dram.ddr4.tck_ps", "ps", 1, 100000,
        [](auto& c) -> auto& { return c.dram.ddr4.tck_ps; },
        "DDR4 clock period tCK; data moves on both edges (3200 MT/s at 625 ps).",
        "unpublished speed grade: DDR4-3200 (tCK 0.625 ns, JEDEC JESD79-4; DRAMsim3 "
        "configs/DDR4_8Gb_x8_3200.ini). With 2 x64 channels the peak is 51.2 GB/s = 47.68 GiB/s, "
        "95.4% of the [AWS] 50 GiB/s; 3200 MT/s is the fastest JEDEC DDR4 grade, and "
        "50 GiB/s exactly would need 3355 MT/s");
    t.push_back(std::move(p));
  }
  auto ddr4_int = [&t](const std::string& name, const std::string& unit, std::int64_t lo,
                       std::int64_t hi, std::uint32_t Ddr4Params::*field, const std::string& what,
                       const std::string& src) {
    Param p;
    p.path = "dram.ddr4." + name;
    p.kind = Kind::Integer;
    p.unit = unit;
    p.lo = static_cast<double>(lo);
    p.hi = static_cast<double>(hi);
    p.description = what;
    p.source = src;
    p.get = [field](const SystemConfig& c) { return json(c.dram.ddr4.*field); };
    p.set = [field](SystemConfig& c, const json& v) {
      c.dram.ddr4.*field = v.get<std::uint32_t>();
    };
    t.push_back(std::move(p));
  };
  const std::string kDs = "DDR4-3200AA (22-22-22), x8 1 KB page: DRAMsim3 "
                          "configs/DDR4_8Gb_x8_3200.ini";
  ddr4_int("channels", "", 1, 64, &Ddr4Params::channels,
      "DDR4 channels per chip, each with its own 64-bit (bus_bytes) data bus and command bus.",
      "unpublished: 2 x64 channels of DDR4-3200 = 51.2 GB/s, the closest JEDEC configuration to "
      "the [AWS] 50 GiB/s (53.69 GB/s): 95.4% of it");
  ddr4_int("ranks", "", 1, 8, &Ddr4Params::ranks, "Ranks per channel.",
      "unpublished: 1 rank of eight x8 devices per channel");
  ddr4_int("bank_groups", "", 1, 16, &Ddr4Params::bank_groups, "Bank groups per rank.",
      "JEDEC DDR4 x8: 4 bank groups");
  ddr4_int("banks_per_group", "", 1, 16, &Ddr4Params::banks_per_group, "Banks per bank group.",
      "JEDEC DDR4 x8: 4 banks per group (16 per rank)");
  ddr4_int("rows", "", 1, 1 << 22, &Ddr4Params::rows, "Rows per bank.",
      "4 Gb x8 device: 32768 rows (DRAMsim3 DDR4_4Gb_x8_2666.ini), so that 2 channels x 1 rank x "
      "16 banks x 32768 rows x 8 KiB = 8 GiB, the [AWS] capacity");
  ddr4_int("row_bytes", "B", 64, 1 << 20, &Ddr4Params::row_bytes,
      "Row (page) size of a rank: the device page times the devices per rank; a multiple of "
      "bus_bytes x burst_length.",
      "x8 device page 1 KB x 8 devices = 8192 B (JEDEC DDR4)");
  ddr4_int("bus_bytes", "B", 1, 64, &Ddr4Params::bus_bytes, "Data bus width of a channel.",
      "unpublished: x64 (8 B), a standard DDR4 channel");
  ddr4_int("burst_length", "", 2, 16, &Ddr4Params::burst_length,
      "Burst length BL (even); a burst occupies the bus BL/2 tCK and moves bus_bytes x BL bytes "
      "(64 B: one line).",
      "JEDEC DDR4: BL8");
  ddr4_int("cl", "tCK", 1, 1000, &Ddr4Params::cl, "CAS latency: RD to first data.", kDs);
  ddr4_int("trcd", "tCK", 1, 1000, &Ddr4Params::trcd, "tRCD: ACT to RD/WR, same bank.", kDs);
  ddr4_int("trp", "tCK", 1, 1000, &Ddr4Params::trp, "tRP: PRE to ACT, same bank.", kDs);
  ddr4_int("tras", "tCK", 1, 10000, &Ddr4Params::tras, "tRAS: ACT to PRE, same bank.", kDs);
  ddr4_int("trc", "tCK", 1, 10000, &Ddr4Params::trc, "tRC: ACT to ACT, same bank.",
      kDs + " (tRAS + tRP = 52 + 22)");
  ddr4_int("trrd_s", "tCK", 1, 1000, &Ddr4Params::trrd_s,
      "tRRD_S: ACT to ACT, different bank groups (same rank).", kDs);
  ddr4_int("trrd_l", "tCK", 1, 1000, &Ddr4Params::trrd_l,
      "tRRD_L: ACT to ACT, same bank group.", kDs);
  ddr4_int("tfaw", "tCK", 1, 10000, &Ddr4Params::tfaw,
      "tFAW: at most four ACTs per rank in any tFAW window.", kDs + " (1 KB page: 21 ns)");
  ddr4_int("tccd_s", "tCK", 1, 1000, &Ddr4Params::tccd_s,
      "tCCD_S: column command to column command, different bank groups.", kDs);
  ddr4_int("tccd_l", "tCK", 1, 1000, &Ddr4Params::tccd_l,
      "tCCD_L: column command to column command, same bank group.", kDs);
  ddr4_int("trtp", "tCK", 1, 1000, &Ddr4Params::trtp, "tRTP: RD to PRE.", kDs);
  ddr4_int("trfc", "tCK", 1, 100000, &Ddr4Params::trfc,
      "tRFC: all-bank REF to the next ACT of the rank.",
      "4 Gb device: 260 ns = 416 tCK (DRAMsim3 DDR4_4Gb_x8_2666.ini, 347 x 0.75 ns); an 8 Gb "
      "device would need 350 ns = 560");
  ddr4_int("trefi", "tCK", 1, 10000000, &Ddr4Params::trefi,
      "tREFI: one all-bank refresh per rank every tREFI.", kDs + " (7.8 us, normal temperature)");
  ddr4_int("trtrs", "tCK", 0, 1000, &Ddr4Params::trtrs,
      "Rank-to-rank switch: idle data-bus cycles between bursts of different ranks.", kDs);
  ddr4_int("read_queue", "", 1, 4096, &Ddr4Params::read_queue,
      "Read queue entries per channel: the scheduler's look-ahead (a line's PRE and ACT may issue "
      "once the line this many before it on the channel has issued its RD).",
      "unpublished: 32, a common controller size");
  t.push_back(number("dram.ddr4.frontend_latency_ns", "ns", 0, false, kMaxLatencyNs,
      [](auto& c) -> auto& { return c.dram.ddr4.frontend_latency_ns; },
      "Controller front end and PHY latency added to every transfer on top of the DDR4 timing.",
      "unpublished: 20 ns, the order of a memory controller pipeline plus DDR PHY"));
  t.push_back(number("dram.sustained_fraction", "", 0, true, 1,
      [](auto& c) -> auto& { return c.dram.sustained_fraction; },
      "Share of the DRAM model's peak that a chip sustains under a run's DMA streams: a second "
      "busy-until at this fraction of the peak over the timing model (bank conflicts between "
      "interleaved streams, read-write turnarounds and controller scheduling, which the "
      "model's chunk-sequential streams do not see); 1 = the timing model alone.",
      "fitted: 0.72, to the two data-parallel calibration rows of validation/inf1.json, which "
      "stream every weight from DRAM on every core of a chip (a 0.02 grid; docs/VALIDATION.md, "
      "procedure)"));
  t.push_back(integer_of("dram.tlm.transaction_bytes", "B",
      {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096},
      [](auto& c) -> auto& { return c.dram.tlm.transaction_bytes; },
      "Bytes per b_transport when a user's TLM-2.0 memory replaces a chip's DRAM "
      "(TlmHooks::external_dram, docs/TLM.md): every transfer reaches it as transactions of this "
      "size (a shorter one where a region or the transfer ends), aligned to it; unused "
      "otherwise.",
      "a choice: 64 B, one DDR4 BL8 burst on a 64-bit channel, the request size DRAMSys's DDR4 "
      "configurations expect; a power of two up to a 4 KiB page"));
  t.push_back(number("fabric.port_bandwidth_gib_s", "GiB/s", kMinBandwidthGiBs, false, kMaxBandwidthGiBs,
      [](auto& c) -> auto& { return c.fabric.port_bandwidth_gib_s; },
      "On-chip fabric bandwidth of each endpoint port (cores, DRAM controller, link ports), per "
      "direction.",
      "unpublished: 64 GiB/s, above a chip's 50 GiB/s DRAM bandwidth ([AWS]) so the fabric does "
      "not cap one core's DRAM stream"));
  t.push_back(number("fabric.latency_ns", "ns", 0, false, kMaxLatencyNs,
      [](auto& c) -> auto& { return c.fabric.latency_ns; },
      "Traversal latency of one transfer through the on-chip fabric.",
      "unpublished: 20 ns, the typical order of an on-chip interconnect traversal"));
  t.push_back(integer("fabric.transfer_chunk_kib", "KiB", 0, 1 << 20,
      [](auto& c) -> auto& { return c.fabric.transfer_chunk_kib; },
      "Transfers longer than this move as chunks (DMA descriptors) that interleave, round robin, "
      "with the other transfers on every shared resource (DRAM, fabric ports, NeuronLinks, "
      "PCIe): concurrent streams share bandwidth, and a short transfer waits for at most one "
      "chunk of each stream ahead of it. 0 = a transfer holds its whole path for its whole "
      "length (the model before issue 13).",
      "design: 256 KiB, four 64 KiB DMA descriptors: a short read behind one chunk waits 5 us "
      "at 50 GiB/s; 64 KiB (one descriptor) halves that and costs 2x the default run's speed "
      "(docs/TIMING.md, \"Fair sharing at descriptor granularity\")"));
  t.push_back(number("neuronlink.bandwidth_gib_s", "GiB/s", kMinBandwidthGiBs, false, kMaxBandwidthGiBs,
      [](auto& c) -> auto& { return c.neuronlink.bandwidth_gib_s; },
      "Bandwidth of one chip-to-chip NeuronLink, per direction (each chip has two ports).",
      "[AWS] inf1-arch.rst: 2 NeuronLink-v1 ports per chip, 16 GiB/s per link, 32 GiB/s per chip"));
  t.push_back(number("neuronlink.latency_ns", "ns", 0, false, kMaxLatencyNs,
      [](auto& c) -> auto& { return c.neuronlink.latency_ns; },
      "Latency of one NeuronLink hop.",
      "unpublished: 500 ns, the typical order of a chip-to-chip SerDes link hop"));
  {
    Param p;
    p.path = "neuronlink.topology";
    p.kind = Kind::Enum;
    p.choices = link_topology_names();
    p.description =
        "How the chips' two NeuronLink ports connect: chain [0]-[1]-...-[n-1], or ring (the chain "
        "plus [n-1]-[0]).";
    p.source =
        "[AWS] inf1.24xlarge diagram: chips daisy-chained [0]..[15]; whether [15]-[0] closes a "
        "ring is not stated (issue #467). unpublished: default ring; the multi-chip inf1 presets "
        "use chain, what is drawn";
    p.get = [](const SystemConfig& c) { return json(c.neuronlink.topology); };
    p.set = [](SystemConfig& c, const json& v) { c.neuronlink.topology = v.get<std::string>(); };
    t.push_back(std::move(p));
  }
  t.push_back(integer("neuronlink.packet_payload_bytes", "B", 1, 1 << 20,
      [](auto& c) -> auto& { return c.neuronlink.packet_payload_bytes; },
      "Payload bytes per NeuronLink packet; a transfer is split into packets.",
      "unpublished: 256 B, the common maximum payload of PCIe-class SerDes links"));
  t.push_back(integer("neuronlink.packet_header_bytes", "B", 0, 1 << 16,
      [](auto& c) -> auto& { return c.neuronlink.packet_header_bytes; },
      "Header and framing bytes each NeuronLink packet adds on the wire.",
      "unpublished: 32 B (header, CRC and framing), the order of PCIe TLP overhead"));
  t.push_back(integer_of("host.pcie_gen", "", {3, 4, 5},
      [](auto& c) -> auto& { return c.host.pcie_gen; },
      "PCIe generation of the host link of each chip.",
      "[AWS] 2022 chip diagram: \"Host PCIe (Gen4)\""));
  t.push_back(integer_of("host.lanes", "", {1, 2, 4, 8, 16},
      [](auto& c) -> auto& { return c.host.lanes; },
      "PCIe lanes per chip.",
      "unpublished: x8 assumed (lane count not published; Gen4 x8 is ~15.8 GB/s per chip)"));
  t.push_back(number("host.latency_ns", "ns", 0, false, kMaxLatencyNs,
      [](auto& c) -> auto& { return c.host.latency_ns; },
      "One-way latency of a host-device transfer.",
      "unpublished: 1000 ns, the typical order of a PCIe one-way transfer"));
  t.push_back(number("host.transfer_overhead_ns", "ns", 0, false, kMaxLatencyNs,
      [](auto& c) -> auto& { return c.host.transfer_overhead_ns; },
      "Per-transfer software and DMA-descriptor overhead on the host side.",
      "unpublished: 2000 ns, the typical order of driver plus descriptor setup per DMA transfer"));
  t.push_back(integer("pipeline.buffer_depth", "", 1, 64,
      [](auto& c) -> auto& { return c.pipeline.buffer_depth; },
      "Input buffers per NeuronCore Pipeline stage (2 = double buffering: a stage receives the "
      "next request while it computes the current one).",
      "unpublished: 2, double buffering"));
  t.push_back(integer("pipeline.stream_buffer_kib", "KiB", 4, 1 << 20,
      [](auto& c) -> auto& { return c.pipeline.stream_buffer_kib; },
      "State Buffer set aside on a core whose stage streams weights from DRAM: two halves, one "
      "loading the next chunk of weights while the engines use the other.",
      "unpublished: 2048 KiB (1/6 of the 12 MiB State Buffer), two 1 MiB chunks, large enough "
      "that a chunk's transfer (about 20 us at 50 GiB/s) dwarfs the per-descriptor overheads"));
  t.push_back(boolean("pipeline.weight_prefetch",
      [](auto& c) -> auto& { return c.pipeline.weight_prefetch; },
      "A stage that streams weights loads the next chunk while computing on the current one "
      "(double buffering); false = all streamed weights arrive before the stage computes.",
      "unpublished: true; AWS describes weights read from DRAM per layer and reused over a batch, "
      "and a DMA engine beside the compute engines makes overlap the natural schedule"));
  t.push_back(integer("pipeline.tile_kib", "KiB", 4, 1 << 20,
      [](auto& c) -> auto& { return c.pipeline.tile_kib; },
      "Largest tile of one operand that an operator whose operands live in DRAM moves per DMA "
      "(tiles are double-buffered: two per operand in the State Buffer). Sets how many tiles an "
      "operator runs in, and so how much of its DRAM traffic cannot overlap its compute.",
      "unpublished: 256 KiB, large enough that a tile's transfer (about 5 us at 50 GiB/s) "
      "dwarfs the per-descriptor overheads, small enough that an operator's double-buffered "
      "tiles take a few percent of a 12 MiB State Buffer"));
  t.push_back(boolean("pipeline.spill_activations",
      [](auto& c) -> auto& { return c.pipeline.spill_activations; },
      "Activations that do not fit a stage's State Buffer stay in device DRAM: spilled by their "
      "producer, reloaded by each consumer, operators on them tiled; false = a stage whose "
      "activations do not fit does not fit (no tiling).",
      "design: true, what a compiler that manages the State Buffer in software does "
      "(docs/COMPILER.md, \"Tiling and spilling\")"));
  t.push_back(number("runtime.overhead_us", "us", 0, false, kMaxLatencyNs / 1000,
      [](auto& c) -> auto& { return c.runtime.overhead_us; },
      "Fixed host-side work of the Neuron runtime per inference (framework call and submission "
      "to the device): delays the request's input transfer without occupying any resource.",
      "unpublished: 20 us assumed, the order of a user-space submission and a completion poll "
      "through the driver; the calibration rows are insensitive to it (docs/VALIDATION.md, "
      "Sensitivity)"));
  t.push_back(number("runtime.jitter_us", "us", 0, false, kMaxLatencyNs / 1000,
      [](auto& c) -> auto& { return c.runtime.jitter_us; },
      "Mean of the variable part of the runtime's host work per inference, on the completion "
      "path (interrupt or poll, operating-system scheduling, waking the framework's thread): "
      "each request draws an exponential delay from the run's seeded generator that delays its "
      "result's transfer; 0 = no variation.",
      "fitted: 75 us, to the published p99 of the BERT-base pipeline row (6.3 ms; a 25 us "
      "grid, docs/VALIDATION.md); an exponential tail is the assumed shape"));
  // clang-format on
  return t;
}

}  // namespace

const std::vector<Param>& params() {
  static const std::vector<Param> table = make_params();
  return table;
}

}  // namespace config_detail

// ---- SystemConfig ------------------------------------------------------------------------------

std::uint64_t SystemConfig::core_period_ps() const {
  return core.period_ps();
}

std::uint64_t SystemConfig::sram_bytes() const {
  return static_cast<std::uint64_t>(
      std::llround(core.sram_capacity_mib * static_cast<double>(kMiB)));
}

double SystemConfig::tensor_peak_macs_per_s() const {
  return static_cast<double>(core.tensor.rows) * static_cast<double>(core.tensor.cols) *
         core.clock_mhz * 1e6;
}

SystemConfig SystemConfig::renamed(std::string new_name) const {
  SystemConfig c = *this;
  c.name = std::move(new_name);
  return c;
}

SystemConfig default_config() {
  return SystemConfig{};
}

}  // namespace infsim
