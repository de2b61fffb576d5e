#pragma once
// Shared by the libFuzzer harnesses (fuzz/README.md, docs/RELIABILITY.md): what counts as a
// finding. A harness calls a parser with the fuzzer's bytes; the parser may return a result or
// throw infsim::Error (bad input, reported to the user as one `infsim: error:` line). Anything
// else is a finding: a crash or sanitizer report (libFuzzer stops on its own), or another
// exception (nlohmann's, std::bad_alloc, std::out_of_range, ...: an internal text that would
// leak to the user), which `guarded` turns into an abort with the exception's text.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "infsim/common/error.hpp"

namespace infsim_fuzz {

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const infsim::Error&) {
    // A clean refusal.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: an exception other than infsim::Error escaped: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "finding: a non-std exception escaped\n");
    std::abort();
  }
}

inline std::string text(const unsigned char* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace infsim_fuzz
