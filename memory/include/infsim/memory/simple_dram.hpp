#pragma once
// The simple DRAM model (`dram.model = simple`): `channels` independent channels share the peak
// bandwidth; a transfer is interleaved over all channels, so it waits for every channel and
// occupies each for its share. Latency is the unloaded access latency. No banks, rows or refresh
// (the DDR4 model, ddr4_dram.hpp, has them).
#include <cstdint>
#include <memory>
#include <vector>

#include "infsim/common/pipe.hpp"
#include "infsim/memory/dram_model.hpp"
#include "infsim/memory/dram_params.hpp"

namespace infsim {

class SimpleDram final : public DramModel {
 public:
  SimpleDram(std::string name, const DramParams& p);
  Ps ready_at() const override;
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return latency_; }
  std::uint64_t bytes_per_s() const override { return bw_; }
  std::optional<DramStats> dram_stats() const override { return std::nullopt; }
  std::size_t channels() const { return channels_.size(); }
  const Pipe& channel(std::size_t i) const { return *channels_.at(i); }

 private:
  std::uint64_t bw_;
  Ps latency_;
  std::vector<std::unique_ptr<Pipe>> channels_;
};

}  // namespace infsim
