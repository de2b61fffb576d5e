// The shared test support (tests/support.hpp): a missing test dependency fails the test under
// CI=true and skips it with a WARN otherwise. Checked by running this test binary on a hidden
// probe test case with and without CI set.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "support.hpp"

using Catch::Matchers::Contains;

namespace {

struct Probe {
  int exit_code = -1;
  std::string out;
};

// Runs this test binary on the hidden probe with the environment prefix `env`.
Probe run_probe(const std::string& env) {
  std::array<char, 4096> self{};
  const ssize_t len = ::readlink("/proc/self/exe", self.data(), self.size() - 1);
  REQUIRE(len > 0);
  const std::string cmd = env + " '" + std::string(self.data(), static_cast<std::size_t>(len)) +
                          "' '[.missing_dependency_probe]' 2>&1";
  Probe p;
  FILE* f = ::popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), f)) p.out += buf.data();
  const int status = ::pclose(f);
  p.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return p;
}

}  // namespace

// Hidden: only run_probe runs it.
TEST_CASE("missing dependency probe", "[.missing_dependency_probe]") {
  infsim::test::missing_dependency("the probe's input was not made", "python3-probe");
  CHECK(true);  // reached only when skipping
}

TEST_CASE("support: a missing test dependency fails under CI=true and skips otherwise",
          "[support]") {
  const Probe ci = run_probe("env CI=true");
  CHECK(ci.exit_code != 0);
  CHECK_THAT(ci.out, Contains("missing test dependency (CI=true, so this fails)") &&
                         Contains("install Debian's python3-probe"));
  const Probe local = run_probe("env -u CI");
  CHECK(local.exit_code == 0);
  CHECK_THAT(local.out,
             Contains("skipped: the probe's input was not made") && Contains("python3-probe"));
  CHECK(run_probe("env CI=false").exit_code == 0);
}
