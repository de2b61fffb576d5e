#pragma once
// Errors thrown by the library. The library never calls exit(); the CLI turns these into one
// line on stderr and a non-zero exit code.
#include <stdexcept>
#include <string>

namespace infsim {

/// Base of every error the library throws on bad input or an impossible request.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration value broke a rule. The message names the JSON path, the value and the rule.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A model graph (built-in, JSON or imported) is malformed.
class GraphError : public Error {
 public:
  using Error::Error;
};

/// The compiler cannot produce a plan (for example the model does not fit in SRAM).
class CompileError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A run stopped early because its caller asked it to (RunOptions::cancel): not bad input.
class Cancelled : public Error {
 public:
  using Error::Error;
};

}  // namespace infsim
