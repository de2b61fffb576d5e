#pragma once
// How a name or value from the user (a file name, a --set value, a name read from an input file)
// appears in a one-line message: control characters escaped, long values cut.
#include <cstddef>
#include <string>
#include <string_view>

namespace infsim {

/// `s` safe to print inside a one-line message: a newline, tab or carriage return becomes \n, \t,
/// \r, a backslash \\, any other control byte (and DEL) \xNN; bytes from 0x80 up are kept (UTF-8
/// names print as they are). Cut after `max` bytes of the original with "...(N bytes)" naming the
/// whole length, so an error about a megabyte-long value stays one readable line.
inline std::string printable(std::string_view s, std::size_t max = 200) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  const std::size_t n = s.size() > max ? max : s.size();
  out.reserve(n + 16);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

/// printable(s) in single quotes: how messages name a file or a value ('out.json').
inline std::string in_quotes(std::string_view s, std::size_t max = 200) {
  return "'" + printable(s, max) + "'";
}

/// A whole message as one line: control characters escaped as printable does (a backslash
/// already in the message stays), cut after `max` bytes. The CLI prints every error through it.
inline std::string one_line(std::string_view msg, std::size_t max = 2000) {
  std::string out;
  std::size_t from = 0;
  const std::size_t n = msg.size() > max ? max : msg.size();
  for (std::size_t i = 0; i <= n; ++i) {
    if (i < n && msg[i] != '\\') continue;
    out += printable(msg.substr(from, i - from), max);
    if (i < n) out += '\\';
    from = i + 1;
  }
  if (msg.size() > max) out += "...(" + std::to_string(msg.size()) + " bytes)";
  return out;
}

}  // namespace infsim
