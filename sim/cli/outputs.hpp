#pragma once
// The CLI's files: every input is checked before it is read, every output before the run, and the
// outputs are written all or nothing (docs/RELIABILITY.md, "Outputs and run limits").
#include <string>
#include <vector>

namespace infsim_cli {

/// The files of one command. Register the inputs (input()) and outputs (output()), call check()
/// before the work, stage() each output's text, then commit() once: every output is written, or
/// none (a failure removes what it made and throws).
///
/// Rules (each broken one is an infsim::IoError naming the option and the file, and why):
/// - an input exists, is not a directory and can be read;
/// - an output's directory exists; the output is not a directory and not read-only (no write
///   permission bit); no two outputs name the same file, and no output is an input;
/// - a regular file (or a new one) is written to a temporary made with mkstemp in its own
///   directory, then renamed onto it: a failure leaves the old file, and no temporary; an
///   existing file keeps its permissions;
/// - a symlink is followed: its target is written, the link stays;
/// - a FIFO, a device (/dev/null) or another non-regular file is written directly (a FIFO must
///   have a reader), after every temporary is ready.
class Files {
 public:
  /// `option` names it in errors (e.g. "--config"). Checks it at once (see the rules above).
  void input(const std::string& option, const std::string& path);
  /// An output, written by commit(); `option` names it in errors (e.g. "--json").
  void output(const std::string& option, const std::string& path);
  /// Checks every output against the rules above; throws IoError on the first broken one.
  void check() const;
  /// The text of the output registered under `option` (a no-op when it was not registered).
  void stage(const std::string& option, std::string text);
  /// Writes every staged output (all were checked; an output never staged is an error).
  void commit();

 private:
  struct Entry {
    std::string option, path, text;
    bool staged = false;
  };
  std::vector<Entry> inputs_, outputs_;
};

/// Writes `text` to `path` through a temporary in its directory (renamed into place), or
/// directly for a non-regular file; the same rules as Files. `option` names it in errors.
void write_output(const std::string& option, const std::string& path, const std::string& text);

/// The whole content of the file at `path`, or "" when it cannot be read.
std::string read_whole(const std::string& path);

/// The reason of the last failed system call (strerror(errno)).
std::string last_error();

}  // namespace infsim_cli
