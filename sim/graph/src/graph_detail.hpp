#pragma once
// Internals of the graph IR shared by graph.cpp (the IR, the FLOP table) and graph_builder.cpp
// (shape inference and work of each op). Not installed.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "infsim/graph.hpp"

namespace infsim::graph_detail {

[[noreturn]] void fail(const std::string& op, const std::string& rule);
std::string shape_str(const std::vector<std::int64_t>& s);
std::int64_t product(const std::vector<std::int64_t>& s, std::size_t begin, std::size_t end);
/// The product of `factors`, or a GraphError naming `op` when it overflows 64-bit arithmetic.
std::int64_t mul(const std::string& op, std::initializer_list<std::int64_t> factors);
/// The size rule an op breaks ("" when none): its output and weights at most kMaxTensorBytes,
/// its MACs and FLOPs at most kMaxOpWork, its byte counts at most kMaxTensorBytes
/// (infsim/common/checked.hpp).
std::string size_rule(const Op& op, DType dtype);
void require_positive(const std::string& op, const char* what, std::int64_t v);
void require_non_negative(const std::string& op, const char* what, std::int64_t v);
void require_rank(const std::string& op, const char* what, const std::vector<std::int64_t>& s,
                  std::size_t rank);

enum class FnClass { None, Activation, Binary, Normalization };

struct FnEntry {
  const char* name;
  std::int64_t flops;
  FnClass cls;
};

/// The FLOP-per-element table's row for `kind`, or nullptr.
const FnEntry* find_function(const std::string& kind);
/// The names of one class of the table, comma-separated ("none" too when `with_none`).
std::string names_of(FnClass cls, bool with_none);
/// Checks a fused activation name ("none" allowed) and returns its FLOP per element.
std::int64_t fused_activation_flops(const std::string& op, const std::string& act);
/// Output size of a sliding window; checks the window fits in the padded input.
std::int64_t window_out(const std::string& op, const char* axis, std::int64_t in, std::int64_t k,
                        std::int64_t s, std::int64_t p);
/// Kernel and stride sizes positive, padding non-negative (convolution and pooling windows).
void require_window(const std::string& op, std::int64_t kh, std::int64_t kw, std::int64_t sh,
                    std::int64_t sw, std::int64_t ph, std::int64_t pw);

}  // namespace infsim::graph_detail
