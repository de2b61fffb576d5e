#include "outputs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "infsim/common/error.hpp"
#include "infsim/common/printable.hpp"

namespace infsim_cli {

namespace fs = std::filesystem;
using infsim::in_quotes;
using infsim::IoError;

std::string read_whole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string last_error() {
  return std::strerror(errno);
}

namespace {

/// `path` with every symlink of its last component followed (a dangling link gives the path it
/// points to, which the output then creates).
std::string follow_links(const std::string& option, const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat ls {};
    if (::lstat(p.c_str(), &ls) != 0 || !S_ISLNK(ls.st_mode)) return p;
    std::error_code ec;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) return p;
    p = target.is_absolute() ? target.string() : (fs::path(p).parent_path() / target).string();
  }
  throw IoError(option + ": cannot write " + in_quotes(path) +
                ": too many levels of symbolic links");
}

/// What an output path is, resolved.
struct Target {
  std::string path;     ///< where to write: the path, or the file its symlink points to
  bool exists = false;  ///< `path` exists (then `st` holds its status)
  bool regular = true;  ///< false: a FIFO, device or socket, written directly
  struct stat st {};
};

std::string dir_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

/// Resolves an output path and checks it can be written (see Files); throws IoError.
Target inspect_output(const std::string& option, const std::string& path) {
  const std::string shown = option + ": cannot write " + in_quotes(path) + ": ";
  if (path.empty()) throw IoError(option + ": empty file name");
  Target t;
  t.path = path;
  // Files under /dev and /proc (/dev/stdout, /dev/fd/N, /proc/self/fd/N: an open file of this
  // process, maybe a shell's redirection to a regular file) are written into, never renamed over.
  const bool in_dev = path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0;
  if (::stat(path.c_str(), &t.st) == 0) {
    // It exists (through any links): a regular file is replaced at its real path, so a link
    // stays a link; anything else is written through the name given.
    if (S_ISREG(t.st.st_mode) && !in_dev) {
      char* real = ::realpath(path.c_str(), nullptr);
      if (real == nullptr) throw IoError(shown + last_error());
      t.path = real;
      std::free(real);
    }
  } else if (errno == ENOENT) {
    t.path = follow_links(option, path);  // a dangling link: create what it points to
  }
  if (::stat(t.path.c_str(), &t.st) == 0) {
    t.exists = true;
    if (S_ISDIR(t.st.st_mode)) throw IoError(shown + "it is a directory");
    t.regular = S_ISREG(t.st.st_mode) && !in_dev;
    // No write bit counts even for root, who may write anything: the user marked it read-only.
    if ((t.st.st_mode & 0222) == 0 || ::access(t.path.c_str(), W_OK) != 0)
      throw IoError(shown + "it is read-only");
  } else if (errno != ENOENT) {
    throw IoError(shown + last_error());
  }
  if (!t.regular) return t;
  const std::string dir = dir_of(t.path);
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0)
    throw IoError(shown + "its directory " + in_quotes(dir) + " does not exist (" + last_error() +
                  ")");
  if (!S_ISDIR(ds.st_mode)) throw IoError(shown + in_quotes(dir) + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw IoError(shown + "cannot create files in " + in_quotes(dir) + " (" + last_error() + ")");
  return t;
}

/// A file's identity: device and inode when it exists, else its absolute, normalised path.
std::string identity(const std::string& path, const struct stat* st) {
  if (st != nullptr) return std::to_string(st->st_dev) + ":" + std::to_string(st->st_ino);
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return "path:" + (ec ? path : p.string());
}

/// Writes all of `text` to `fd`; false with errno set on failure.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666 & ~mask);
}

/// Temporary files beside their targets, (temporary, target); removed on destruction unless
/// renamed (their temporary emptied).
struct Temporaries {
  std::vector<std::pair<std::string, std::string>> files;
  Temporaries() = default;
  Temporaries(const Temporaries&) = delete;
  Temporaries& operator=(const Temporaries&) = delete;
  ~Temporaries() {
    for (const auto& f : files)
      if (!f.first.empty()) ::unlink(f.first.c_str());
  }
};

}  // namespace

void Files::input(const std::string& option, const std::string& path) {
  if (path.empty()) throw IoError(option + ": empty file name");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw IoError(option + ": cannot read " + in_quotes(path) + ": " + last_error());
  if (S_ISDIR(st.st_mode))
    throw IoError(option + ": cannot read " + in_quotes(path) + ": it is a directory, not a file");
  if (::access(path.c_str(), R_OK) != 0)
    throw IoError(option + ": cannot read " + in_quotes(path) + ": " + last_error());
  inputs_.push_back({option, path, {}, false});
}

void Files::output(const std::string& option, const std::string& path) {
  outputs_.push_back({option, path, {}, false});
}

void Files::check() const {
  std::set<std::string> input_ids;
  std::vector<std::pair<std::string, const Entry*>> seen;  // identity, output
  for (const auto& in : inputs_) {
    struct stat st {};
    if (::stat(in.path.c_str(), &st) == 0) {
      const std::string id = identity(in.path, &st);
      for (const auto& out : outputs_) {
        struct stat os {};
        if (::stat(out.path.c_str(), &os) == 0 && identity(out.path, &os) == id)
          throw IoError(out.option + ": " + in_quotes(out.path) + " is the " + in.option +
                        " input file; writing it would destroy the input");
      }
    }
  }
  for (const auto& out : outputs_) {
    const Target t = inspect_output(out.option, out.path);
    const std::string id = identity(t.path, t.exists ? &t.st : nullptr);
    for (const auto& [other_id, other] : seen)
      if (other_id == id)
        throw IoError(out.option + " and " + other->option + " name the same file " +
                      in_quotes(out.path) + "; give each output its own file");
    seen.emplace_back(id, &out);
  }
}

void Files::stage(const std::string& option, std::string text) {
  for (auto& out : outputs_) {
    if (out.option != option) continue;
    out.text = std::move(text);
    out.staged = true;
    return;
  }
}

void Files::commit() {
  check();  // the files may have changed during the run
  Temporaries temps;
  std::vector<std::pair<const Entry*, Target>> direct;
  for (const auto& out : outputs_) {
    if (!out.staged) throw IoError("internal: " + out.option + " output was never produced");
    const Target t = inspect_output(out.option, out.path);
    const std::string shown = out.option + ": cannot write " + in_quotes(out.path) + ": ";
    if (!t.regular) {
      direct.emplace_back(&out, t);
      continue;
    }
    std::string tmpl =
        (fs::path(dir_of(t.path)) / ("." + fs::path(t.path).filename().string() + ".XXXXXX"))
            .string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw IoError(shown + "cannot create a temporary file: " + last_error());
    temps.files.emplace_back(tmpl, t.path);
    const mode_t mode = t.exists ? static_cast<mode_t>(t.st.st_mode & 07777) : new_file_mode();
    const bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, out.text);
    const std::string why = ok ? "" : last_error();
    if (::close(fd) != 0 && ok) throw IoError(shown + last_error());
    if (!ok) throw IoError(shown + why);
  }
  // Every temporary is complete: now the files that cannot be replaced, then the renames.
  for (const auto& [out, t] : direct) {
    const std::string shown = out->option + ": cannot write " + in_quotes(out->path) + ": ";
    const int fd = ::open(t.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      throw IoError(shown + (errno == ENXIO ? "it is a FIFO that nobody reads" : last_error()));
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    const bool ok = write_all(fd, out->text);
    const std::string why = ok ? "" : last_error();
    ::close(fd);
    if (!ok) throw IoError(shown + why);
  }
  for (auto& [tmp, target] : temps.files) {
    if (::rename(tmp.c_str(), target.c_str()) != 0)
      throw IoError("cannot write " + in_quotes(target) + ": " + last_error());
    tmp.clear();
  }
}

void write_output(const std::string& option, const std::string& path, const std::string& text) {
  Files f;
  f.output(option, path);
  f.check();
  f.stage(option, text);
  f.commit();
}

}  // namespace infsim_cli
