#pragma once
// The DDR4 model, all three layers (pure C++, no SystemC):
//
//  - Ddr4Timing (ddr4_timing.hpp): bank state and the JEDEC timing constraints.
//  - Ddr4Scheduler (ddr4_scheduler.hpp): the one scheduler, used by `infsim run`, `infsim
//    microbench dram` and the tests; closed-form runs of row hits equal to line-by-line issue.
//  - Ddr4Dram (ddr4_dram.hpp): the DramModel (a Resource) that transfer paths reserve.
#include "infsim/memory/ddr4_dram.hpp"
#include "infsim/memory/ddr4_scheduler.hpp"
#include "infsim/memory/ddr4_timing.hpp"
