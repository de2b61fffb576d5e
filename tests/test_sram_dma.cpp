// State Buffer port and DMA queues: exact-cycle tests of the pure models (arithmetic in the
// comments), a component test of a NeuronCore sharing its State Buffer with a DMA against stub
// peers, and end-to-end checks of the SRAM allocation and the port's effect on a run.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "infsim/common/kernel_context.hpp"
#include "infsim/cores/dma.hpp"
#include "infsim/cores/neuron_core.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "infsim/infsim.hpp"
#include "infsim/interconnect/modules.hpp"
#include "support.hpp"

using namespace infsim;
using namespace infsim::test;

namespace {

constexpr Ps kPeriod = 1024;  // 976.5625 MHz

}  // namespace

// ---- State Buffer port ------------------------------------------------------------------------

TEST_CASE("TensorEngine operand bytes follow the tile schedule", "[sram]") {
  const CoreParams p;  // 128 × 64 array, PSUM 2 MiB: P = 2,097,152 / (4 · 64) = 8192 rows
  // Linear 64 → 64, batch 1: M = 1, k = 64, n = 64; one column tile, one chunk.
  // moving = 1 · 1 · 1 · 64 · 2 = 128 B; weights = 1 · 1 · 64 · 64 · 2 = 8192 B.
  const OperandTraffic a = tensor_operand_bytes(p, GemmShape{1, 64, 64, 1}, 1, 2);
  CHECK(a.moving == 128);
  CHECK(a.weights == 8192);
  CHECK(a.total() == 8320);
  // m = 10,000, k = 256, n = 128: NF = 2 column tiles, KF = 2 > 1 and M > P: S = ⌈10,000/8192⌉
  // = 2 chunks. moving = 2 · 10,000 · 256 · 2 = 10,240,000 B (each column tile streams all rows);
  // weights = 2 · 256 · 128 · 2 = 131,072 B (each chunk reloads its column tile's k-folds).
  const OperandTraffic b = tensor_operand_bytes(p, GemmShape{10'000, 256, 128, 1}, 1, 2);
  CHECK(b.moving == 10'240'000);
  CHECK(b.weights == 131'072);
  // Batch 2 doubles M (20,000 rows: S = 3 chunks): moving 20,480,000, weights 3 · 65,536.
  const OperandTraffic c = tensor_operand_bytes(p, GemmShape{10'000, 256, 128, 1}, 2, 2);
  CHECK(c.moving == 20'480'000);
  CHECK(c.weights == 196'608);
  // Groups multiply both; no GEMM, no traffic.
  CHECK(tensor_operand_bytes(p, GemmShape{1, 64, 64, 3}, 1, 2).total() == 3 * 8320);
  CHECK(tensor_operand_bytes(p, GemmShape{}, 1, 2).total() == 0);
}

TEST_CASE("State Buffer port: DMAs at the full bandwidth, in reservation order", "[sram]") {
  StateBufferPort sb("sb", 128, 512, kPeriod);
  // 128 partitions × 4 B × 976.5625 MHz = 512 B per 1024 ps = 500,000,000,000 B/s.
  CHECK(sb.bytes_per_s() == 500'000'000'000ULL);
  CHECK(sb.partitions() == 128);
  // 1000 B: ⌈1000 · 1024 / 512⌉ = 2000 ps; a second one waits for the first.
  CHECK(reserve_path({&sb}, 0, 1000).arrival == 2000);
  CHECK(sb.ready_at() == 2000);
  const TransferTiming t = reserve_path({&sb}, 0, 1000);
  CHECK(t.start == 2000);
  CHECK(t.arrival == 4000);
  // 1 B rounds up to a whole picosecond: ⌈1024 / 512⌉ = 2 ps.
  CHECK(sb.full_rate_ps(1) == 2);
  CHECK(sb.stats().bytes == 2000);
  CHECK(sb.stats().transfers == 2);
  CHECK_THROWS_AS(StateBufferPort("bad", 3, 512, kPeriod), Error);  // 512 is not a multiple of 3
}

TEST_CASE("State Buffer port: a DMA inside an engine window gets the leftover", "[sram]") {
  StateBufferPort sb("sb", 128, 512, kPeriod);
  // The core computes 200 cycles = 204,800 ps from 0 and reads 51,200 B of operands: they need
  // 51,200 · 1024 / 512 = 102,400 ps of the port, spread over the window [0, 204,800): half the
  // port (0.25 B/ps of 0.5). The compute is not stretched.
  CHECK(sb.engine_reads(0, 51'200, 204'800) == 204'800);
  CHECK(sb.port_stats().engine_stretch_ps == 0);
  // A 25,600 B DMA at 0 gets the other 0.25 B/ps: 25,600 / 0.25 = 102,400 ps.
  CHECK(reserve_path({&sb}, 0, 25'600).arrival == 102'400);
  // The next, 51,200 B, starts at 102,400: 102,400 ps × 0.25 = 25,600 B before the window ends
  // at 204,800, the other 25,600 B at the full 0.5 B/ps in 51,200 ps: arrival 256,000.
  const TransferTiming t = reserve_path({&sb}, 0, 51'200);
  CHECK(t.start == 102'400);
  CHECK(t.arrival == 256'000);
  // After the window a DMA has the whole port again: 512 B in 1024 ps.
  CHECK(reserve_path({&sb}, 300'000, 512).arrival == 301'024);
  // Port use over [0, 256,000): DMA 76,800 B + engine 51,200 B = 128,000 B = 0.5 B/ps · 256,000.
  StateBufferPort sb2("sb2", 128, 512, kPeriod);
  sb2.engine_reads(0, 51'200, 204'800);
  reserve_path({&sb2}, 0, 25'600);
  reserve_path({&sb2}, 0, 51'200);
  CHECK(sb2.utilization(256'000) == Approx(1.0));
  CHECK(sb2.port_stats().engine_bytes == 51'200);
  CHECK(sb2.port_stats().engine_windows == 1);
}

TEST_CASE("State Buffer port: the engine waits for a DMA in flight and for a slow port", "[sram]") {
  StateBufferPort sb("sb", 128, 512, kPeriod);
  // A 102,400 B DMA holds the port [0, 204,800). The core starts at 1024 for 100 cycles
  // (102,400 ps) reading 51,200 B: its reads start at 204,800 and need 102,400 ps, so the compute
  // ends at max(1024 + 102,400, 204,800 + 102,400) = 307,200: stretched by 203,776 ps.
  CHECK(reserve_path({&sb}, 0, 102'400).arrival == 204'800);
  CHECK(sb.engine_reads(1024, 51'200, 102'400) == 307'200);
  CHECK(sb.port_stats().engine_stretch_ps == 203'776);
  // An engine that needs the whole port: 102,400 B in a 100-cycle compute need 204,800 ps: the
  // compute ends at 204,800 and a DMA in the window gets nothing until then: 512 B arrive at
  // 204,800 + 1024.
  StateBufferPort full("full", 128, 512, kPeriod);
  CHECK(full.engine_reads(0, 102'400, 102'400) == 204'800);
  CHECK(full.port_stats().engine_stretch_ps == 102'400);
  CHECK(reserve_path({&full}, 0, 512).arrival == 205'824);
  // No operand bytes: the compute keeps its time and opens no window.
  StateBufferPort idle("idle", 128, 512, kPeriod);
  CHECK(idle.engine_reads(5, 0, 100) == 105);
  CHECK(reserve_path({&idle}, 0, 512).arrival == 1024);
}

TEST_CASE("core.sram.partitions must divide core.sram.bytes_per_cycle", "[sram][config]") {
  SystemConfig cfg = default_config();
  CHECK(cfg.core.sram_partitions == 128);
  CHECK(cfg.core.sram_bytes_per_cycle == 512);
  apply_override(cfg, "core.sram.partitions=3");
  CHECK_THROWS_WITH(validate(cfg), Catch::Matchers::Contains("multiple of core.sram.partitions"));
  apply_override(cfg, "core.sram.partitions=64");
  CHECK_NOTHROW(validate(cfg));
}

// ---- DMA queues -------------------------------------------------------------------------------

// The arithmetic below is written for 64 GiB/s queues (the default before calibration fitted
// 20 GiB/s, docs/VALIDATION.md); the formulas do not depend on the value.
DmaParams queues64() {
  DmaParams p;
  p.queue_bandwidth_gib_s = 64.0;
  return p;
}

TEST_CASE("DMA queue: descriptors cost their overhead plus the bytes", "[dma]") {
  const DmaParams p = queues64();  // 4 queues, 64 GiB/s = 68,719,476,736 B/s, 64 KiB, 64 cycles
  DmaEngine dma("dma", p, kPeriod);
  CHECK(dma.queues() == 4);
  CHECK(dma.bytes_per_s() == 4 * 68'719'476'736ULL);
  CHECK(dma.descriptors(0) == 0);
  CHECK(dma.descriptors(1) == 1);
  CHECK(dma.descriptors(65'536) == 1);
  CHECK(dma.descriptors(65'537) == 2);
  // busy(B) = ⌈B / 65,536⌉ · 64 · 1024 + ⌈B · 1e12 / 68,719,476,736⌉
  CHECK(dma.busy_ps(0) == 0);
  CHECK(dma.busy_ps(1) == 65'536 + 15);
  CHECK(dma.busy_ps(65'536) == 65'536 + 953'675);
  CHECK(dma.busy_ps(65'537) == 2 * 65'536 + 953'689);
  // A ResNet-50 input, 301,056 B: 5 descriptors, 327,680 + 4,380,942 = 4,708,622 ps.
  CHECK(dma.busy_ps(301'056) == 4'708'622);
  // The 802,816 B activation of stage 3 → 4: 13 descriptors, 851,968 + 11,682,511 ps.
  CHECK(dma.busy_ps(802'816) == 12'534'479);
}

TEST_CASE("DMA queues work in parallel, a transfer takes the queue that frees first", "[dma]") {
  DmaEngine dma("dma", queues64(), kPeriod);
  // Five 64 KiB transfers at 0 (1,019,211 ps each): four queues take one each at once; the fifth
  // comes back to queue 0 and starts when it frees.
  for (int i = 0; i < 4; ++i) {
    const TransferTiming t = reserve_path({&dma}, 0, 65'536);
    CHECK(t.start == 0);
    CHECK(t.arrival == 1'019'211);
  }
  const TransferTiming fifth = reserve_path({&dma}, 0, 65'536);
  CHECK(fifth.start == 1'019'211);
  CHECK(fifth.arrival == 2'038'422);
  CHECK(dma.queue_stats()[0].transfers == 2);
  CHECK(dma.queue_stats()[1].transfers == 1);
  CHECK(dma.queue_stats()[0].descriptors == 2);
  // Utilization over 2,038,422 ps: 5 · 1,019,211 busy over 4 queues = 5/8.
  CHECK(dma.utilization(2'038'422) == Approx(0.625));

  // The earliest free queue, not the next in turn: queue 0 takes 655,360 B (10 descriptors:
  // 655,360 + 9,536,744 = 10,192,104 ps), queues 1–3 one byte each (65,551 ps); the fifth
  // transfer takes queue 1 (free at 65,551, the first of the three in turn) instead of waiting
  // for queue 0, and the sixth queue 2.
  DmaEngine rr("rr", queues64(), kPeriod);
  CHECK(reserve_path({&rr}, 0, 655'360).arrival == 10'192'104);
  for (int i = 0; i < 3; ++i) CHECK(reserve_path({&rr}, 0, 1).arrival == 65'551);
  CHECK(rr.ready_at() == 65'551);
  const TransferTiming fifth_rr = reserve_path({&rr}, 0, 1);
  CHECK(fifth_rr.start == 65'551);
  CHECK(fifth_rr.arrival == 2 * 65'551);
  CHECK(rr.queue_stats()[1].transfers == 2);
  CHECK(reserve_path({&rr}, 0, 1).start == 65'551);
  CHECK(rr.queue_stats()[2].transfers == 2);
  // One queue: every transfer waits for the previous one.
  DmaParams one = queues64();
  one.queues = 1;
  DmaEngine single("single", one, kPeriod);
  CHECK(reserve_path({&single}, 0, 1).arrival == 65'551);
  CHECK(reserve_path({&single}, 0, 1).arrival == 2 * 65'551);
}

TEST_CASE("DMA queue on a fabric path: the descriptor cost can be the slowest hop", "[dma]") {
  DmaEngine dma("dma", queues64(), kPeriod);
  Pipe port("port", gib_per_s_to_bytes(64), 20'000);  // a fabric egress port: 20 ns
  StateBufferPort sb("sb", 128, 512, kPeriod);
  // 128 B: port 1863 ps, State Buffer 256 ps, DMA queue 65,536 + 1863 = 67,399 ps.
  const TransferTiming t = reserve_path({&dma, &sb, &port}, 0, 128);
  CHECK(t.arrival == 20'000 + 67'399);
  // The port and the State Buffer are free long before the queue.
  CHECK(port.ready_at() == 1863);
  CHECK(sb.ready_at() == 256);
  // Descriptors of 1 KiB with no overhead: 128 B cost only their bytes.
  DmaParams bare = queues64();
  bare.descriptor_overhead_cycles = 0;
  DmaEngine fast("fast", bare, kPeriod);
  CHECK(fast.busy_ps(128) == 1863);
  CHECK_THROWS_AS(DmaEngine("none", DmaParams{0, 64.0, 65536, 64}, kPeriod), Error);
}

// ---- Component: a NeuronCore and a DMA share the State Buffer (stub peers) --------------------

TEST_CASE("NeuronCore: an inbound DMA shares the State Buffer with the operand reads",
          "[sram][dma][component]") {
  KernelContext kernel;
  CoreParams p;
  p.dma.queue_bandwidth_gib_s = 1024;  // fast queue, no descriptor cost: the port decides
  p.dma.descriptor_overhead_cycles = 0;
  TransferScheduler xfer("xfer");
  NeuronCore core("core", p, 0);
  StateBufferPort sb("core.sbuf", p);
  DmaEngine dma("core.dma", p.dma, p.period_ps());
  StubOutput out;
  StubReceiver rx;
  core.set_state_buffer(&sb);
  // 200 cycles (204,800 ps) per request, 51,200 B of operands: half the port during compute.
  core.load(test::program(200, 0, 0, 0, 0, 0, 51'200), &out, nullptr);
  core.deliver(0);
  // At 1 ps a 25,600 B DMA into the State Buffer: queue ⌈25,600e12 / 1024 GiB/s⌉ = 23,284 ps,
  // State Buffer at the engine's leftover 0.25 B/ps: 102,400 ps, the slowest: arrival 102,401.
  // Alone it would take 25,600 / 0.5 = 51,200 ps.
  At dma_in("dma_in", 1, [&] { xfer.start({&dma, &sb}, 25'600, 0, &rx, 9); });
  kernel.run();
  REQUIRE(rx.done.size() == 1);
  CHECK(rx.done[0].second == 102'401);
  // The engine has priority: the compute still ends at 204,800.
  REQUIRE(out.sent.size() == 1);
  CHECK(out.sent[0].second == 204'800);
  CHECK(core.stats().busy_ps == 204'800);
  CHECK(sb.port_stats().engine_bytes == 51'200);
  CHECK(sb.stats().bytes == 25'600);
}

TEST_CASE("NeuronCore: a State Buffer too slow for the operands stretches the compute",
          "[sram][component]") {
  KernelContext kernel;
  CoreParams p;
  NeuronCore core("core", p, 0);
  StateBufferPort sb("core.sbuf", p);
  StubOutput out;
  core.set_state_buffer(&sb);
  // 100 cycles but 102,400 B of operands: 102,400 · 1024 / 512 = 204,800 ps per request.
  core.load(test::program(100, 0, 0, 0, 0, 0, 102'400), &out, nullptr);
  core.deliver(0);
  core.deliver(1);
  kernel.run();
  REQUIRE(out.sent.size() == 2);
  CHECK(out.sent[0].second == 204'800);
  CHECK(out.sent[1].second == 409'600);
  CHECK(core.stats().busy_ps == 409'600);
  CHECK(sb.port_stats().engine_stretch_ps == 2 * 102'400);
}

// ---- End to end --------------------------------------------------------------------------------

TEST_CASE("the plan reports an explicit State Buffer allocation per stage", "[sram][compiler]") {
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Graph g = build_model("resnet50");
  const Plan plan = compile(g, cfg, CompileOptions{16, 1});
  const nlohmann::json j = plan_to_json(plan, g);
  for (std::size_t s = 0; s < plan.stages.size(); ++s) {
    const StagePlan& st = plan.stages[s];
    // weights | working set | (depth − 1) input buffers | one output buffer = stage_memory.
    CHECK(st.weight_bytes + st.working_set_bytes + st.input_buffer_bytes + st.output_buffer_bytes ==
          st.sram_bytes);
    CHECK(st.input_buffers == cfg.pipeline.buffer_depth - 1);
    CHECK(st.input_buffer_bytes == st.input_buffers * st.in_bytes);
    CHECK(st.output_buffer_bytes == st.out_bytes);
    const auto& regions = j["stages"][s]["sram_allocation"];
    REQUIRE(regions.size() == 5);
    CHECK(regions[0]["region"] == "weights");
    CHECK(regions[1]["offset"] == st.weight_bytes);
    CHECK(regions[4]["region"] == "free");
    CHECK(regions[4]["offset"].get<Bytes>() + regions[4]["bytes"].get<Bytes>() ==
          plan.sram_capacity);
    CHECK(j["stages"][s]["sram_read_bytes"] == st.sram_read_bytes);
  }
  // Stage 0 (input → layer1.1.conv2, 11 ops): 274,432 B of weights; working set 4,816,896 B
  // (at layer1.0.add: its two 1,605,632 B inputs, 256 · 56 · 56 FP16 each, and its output); one
  // more 301,056 B input; a 2,007,040 B output (the cut carries layer1.1.conv2's 401,408 B and
  // the residual, layer1.0.relu's 1,605,632 B): 7,399,424 B.
  const StagePlan& s0 = plan.stages[0];
  CHECK(s0.weight_bytes == 274'432);
  CHECK(s0.working_set_bytes == 4'816'896);
  CHECK(s0.input_buffer_bytes == 301'056);
  CHECK(s0.output_buffer_bytes == 2'007'040);
  CHECK(s0.sram_bytes == 7'399'424);
  // Its operand reads: sum of tensor_operand_bytes over its ops.
  Bytes reads = 0;
  for (std::uint32_t k = s0.op_begin; k < s0.op_end; ++k)
    reads += tensor_operand_bytes(cfg.core,
                                  g.ops[static_cast<std::size_t>(plan.op_order[k])].work.gemm, 1, 2)
                 .total();
  CHECK(s0.sram_read_bytes == reads);
  CHECK(reads > 0);
}

TEST_CASE("one request with a 1 B/cycle State Buffer: exact latency", "[sram][dma][simulate]") {
  SystemConfig cfg = preset("inf1.xlarge");
  pin_uncalibrated(cfg);
  apply_override(cfg, "dram.model=simple");  // the path sums below are the simple model's
  apply_override(cfg, "core.sram.bytes_per_cycle=1");
  apply_override(cfg, "core.sram.partitions=1");
  apply_override(cfg, "dram.model=simple");  // the path sums below are the simple model's
  const Report r = simulate(cfg, tiny(), CompileOptions{1, 1}, requests(1));
  // As in test_simulate's exact test, but the State Buffer moves 1 B per 1024 ps: 128 B take
  // 131,072 ps (now the slowest hop, above the DMA queue's 67,399), and the operand reads,
  // 8320 B, take 8,519,680 ps > the 319-cycle compute (326,656 ps).
  //  host→DRAM  (no core)                                                   → 3,128,125 ps
  //  DRAM→core  + 120,000 + 131,072                                         → 3,379,197 ps
  //  compute    + 8,519,680 (stretched by 8,193,024)                        → 11,898,877 ps
  //  core→DRAM  + 120,000 + 131,072                                         → 12,149,949 ps
  //  DRAM→host  + 1,120,000 + 8125 + 2,000,000                              → 15,278,074 ps
  CHECK(r.simulated_time_s == Approx(15.278074e-6).epsilon(1e-12));
  const CoreReport& c = r.per_core.at(0);
  CHECK(c.sram_dma_bytes == 256);
  CHECK(c.sram_engine_bytes == 8320);
  CHECK(c.sram_stretch_us == Approx(8.193024));
  // Port use: (256 + 8320) B · 1024 ps / (1 B · 15,278,074 ps).
  CHECK(c.sram_port == Approx(8576.0 * 1024 / 15'278'074));
  REQUIRE(r.state_buffers.size() == 4);
  CHECK(r.state_buffers[0].name == "system.chip0.core0.sbuf");
  CHECK(r.dma_engines[0].name == "system.chip0.core0.dma");
  CHECK(r.dma_engines[0].bytes == 256);
  CHECK(r.dma_engines[0].transfers == 2);
  const nlohmann::json j = to_json(r);
  CHECK(j["per_core"][0]["sram_port"]["engine_bytes"] == 8320);
  CHECK(j["state_buffers"].size() == 4);
}

TEST_CASE("a slower State Buffer or DMA never speeds a run", "[sram][dma][relations]") {
  const SystemConfig base = preset("inf1.6xlarge");
  const Graph g = build_model("resnet50");
  Workload w;
  w.requests = 60;
  const CompileOptions opts{8, 1};
  const double t0 = simulate(base, g, opts, w).throughput_per_s;
  SystemConfig slow_sram = base;
  apply_override(slow_sram, "core.sram.bytes_per_cycle=128");
  SystemConfig slow_dma = base;
  apply_override(slow_dma, "core.dma.descriptor_overhead_cycles=4096");
  apply_override(slow_dma, "core.dma.queues=1");
  const double t1 = simulate(slow_sram, g, opts, w).throughput_per_s;
  const double t2 = simulate(slow_dma, g, opts, w).throughput_per_s;
  CHECK(t1 < t0);  // 128 B/cycle is below the ~256 B/cycle the array streams
  CHECK(t2 <= t0);
}
