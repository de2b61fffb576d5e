#include "infsim/common/stats.hpp"

#include "infsim/common/error.hpp"

namespace infsim {

void StatCapture::stat(const StatInfo& s, std::uint64_t value) {
  values_.push_back({s.name, static_cast<double>(value), value});
}
void StatCapture::stat(const StatInfo& s, std::int64_t value) {
  values_.push_back({s.name, static_cast<double>(value), static_cast<std::uint64_t>(value)});
}
void StatCapture::stat(const StatInfo& s, double value) {
  values_.push_back({s.name, value, static_cast<std::uint64_t>(value)});
}
void StatCapture::stat(const StatInfo&, const std::string&) {}

const StatCapture::Value& StatCapture::find(const std::string& name) const {
  for (const auto& v : values_)
    if (v.name == name) return v;
  throw Error("internal: no statistic named '" + name + "' was visited");
}
std::uint64_t StatCapture::count(const std::string& name) const {
  return find(name).count;
}
double StatCapture::real(const std::string& name) const {
  return find(name).real;
}

}  // namespace infsim
