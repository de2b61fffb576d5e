#pragma once
// SystemC side of the interconnect: thin modules that own the pure timing models.
#include <cstdint>
#include <string>

#include <systemc>

#include "infsim/common/pipe.hpp"
#include "infsim/interconnect/models.hpp"

namespace infsim {

/// The NeuronLinks of a system, in the configured topology; the links are named after the module.
class NeuronLinks : public sc_core::sc_module {
 public:
  NeuronLinks(sc_core::sc_module_name name, std::uint32_t chips, const NeuronLinkParams& p)
      : sc_core::sc_module(name), model_(this->name(), chips, p) {}
  LinkTopologyModel& model() { return model_; }

 private:
  LinkTopologyModel model_;
};

/// The on-chip fabric of one chip.
class ChipFabric : public sc_core::sc_module {
 public:
  ChipFabric(sc_core::sc_module_name name, const std::string& chip, std::uint32_t cores,
             const FabricParams& p)
      : sc_core::sc_module(name), model_(chip, cores, p) {}
  FabricModel& model() { return model_; }

 private:
  FabricModel model_;
};

/// The PCIe link between the host and one chip.
class HostLink : public sc_core::sc_module {
 public:
  HostLink(sc_core::sc_module_name name, const std::string& chip, const HostLinkParams& p)
      : sc_core::sc_module(name), model_(chip, p) {}
  HostLinkModel& model() { return model_; }

 private:
  HostLinkModel model_;
};

}  // namespace infsim
