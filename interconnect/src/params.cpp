#include "infsim/interconnect/params.hpp"

namespace infsim {

const char* topology_name(LinkTopology t) {
  return t == LinkTopology::Ring ? "ring" : "chain";
}

}  // namespace infsim
