#pragma once
// Reading JSON input files (configuration, graph, plan, sweep spec) with bounded nesting, and
// previews of JSON values for error messages with bounded size and depth (docs/RELIABILITY.md).
// Every JSON reader of the library and the CLI parses through parse_json_input, so that a value
// nested 100,000 levels deep is refused with an error instead of exhausting the stack (the
// parser itself is iterative; dumping, copying and comparing a value recurse).
// Header-only: the targets that include it link nlohmann_json.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "infsim/common/error.hpp"

namespace infsim {

/// The deepest nesting of arrays and objects accepted in any JSON input (real files need fewer
/// than 10 levels).
constexpr int kMaxJsonDepth = 64;

/// JSON text that is not acceptable input: the message is the reason (nlohmann's parse error
/// with its position, or the depth rule); the caller adds the file's name.
class JsonInputError : public Error {
 public:
  using Error::Error;
};

/// Nesting deeper than kMaxJsonDepth.
class JsonDepthError : public JsonInputError {
 public:
  using JsonInputError::JsonInputError;
};

/// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF), as
/// JSON output needs: nlohmann's dump() throws on anything else. Names read from binary inputs
/// (ONNX models) and raw --set strings are checked with it before they reach a report.
inline bool is_valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlong forms
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

/// The rule broken by nesting deeper than kMaxJsonDepth, as error messages give it.
inline std::string json_depth_rule() {
  return "arrays and objects nested deeper than " + std::to_string(kMaxJsonDepth) +
         " levels (the limit for JSON input)";
}

/// Parses `text` as JSON, refusing nesting deeper than kMaxJsonDepth. Throws JsonDepthError
/// or JsonInputError (syntax, numbers out of range).
template <class BasicJson = nlohmann::json>
BasicJson parse_json_input(const std::string& text, bool ignore_comments = false) {
  typename BasicJson::parser_callback_t refuse_deep =
      [](int depth, nlohmann::json::parse_event_t event, BasicJson&) {
        if ((event == nlohmann::json::parse_event_t::object_start ||
             event == nlohmann::json::parse_event_t::array_start) &&
            depth >= kMaxJsonDepth) {
          throw JsonDepthError(json_depth_rule());
        }
        return true;
      };
  try {
    return BasicJson::parse(text, refuse_deep, /*allow_exceptions=*/true, ignore_comments);
  } catch (const nlohmann::json::exception& e) {
    throw JsonInputError(e.what());
  }
}

namespace json_input_detail {
template <class BasicJson>
void preview(const BasicJson& v, int depth, std::size_t max_chars, std::string& out) {
  // Invalid UTF-8 (a raw --set value) is shown with U+FFFD instead of throwing.
  constexpr auto replace = nlohmann::json::error_handler_t::replace;
  if (out.size() > max_chars) return;
  if (v.is_object() || v.is_array()) {
    const bool obj = v.is_object();
    if (depth >= 4) {
      out += obj ? "{...}" : "[...]";
      return;
    }
    out += obj ? '{' : '[';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() > max_chars) return;
      if (!first) out += ',';
      first = false;
      if (obj) out += BasicJson(it.key()).dump(-1, ' ', false, replace) + ':';
      preview(*it, depth + 1, max_chars, out);
    }
    out += obj ? '}' : ']';
    return;
  }
  if (v.is_string()) {
    const auto& s = v.template get_ref<const typename BasicJson::string_t&>();
    if (s.size() > max_chars) {  // do not escape a megabyte to show 80 characters of it
      out += BasicJson(s.substr(0, max_chars)).dump(-1, ' ', false, replace);
      return;
    }
  }
  out += v.dump(-1, ' ', false, replace);
}
}  // namespace json_input_detail

/// A JSON value on one line for an error message: at most `max_chars` characters (then "..."),
/// containers below 4 levels shown as [...] or {...}. Safe on values of any depth or size
/// (a value built in C++ is not depth-checked).
template <class BasicJson>
std::string json_preview(const BasicJson& v, std::size_t max_chars = 80) {
  std::string out;
  json_input_detail::preview(v, 0, max_chars, out);
  if (out.size() > max_chars) out = out.substr(0, max_chars - 3) + "...";
  return out;
}

}  // namespace infsim
