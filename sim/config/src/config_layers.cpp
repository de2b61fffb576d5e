// The layers of a SystemConfig: presets, JSON objects and files, one-assignment overrides, and
// access to any parameter by its documented path; each goes through the parameter table.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_detail.hpp"
#include "infsim/common/error.hpp"
#include "infsim/common/json_input.hpp"

namespace infsim {
namespace config_detail {
namespace {

void insert(Node& node, const std::string& path, std::size_t pos, const Param* p) {
  const std::size_t dot = path.find('.', pos);
  const std::string key =
      path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
  auto it = std::find(node.keys.begin(), node.keys.end(), key);
  std::size_t i = static_cast<std::size_t>(it - node.keys.begin());
  if (it == node.keys.end()) {
    node.keys.push_back(key);
    node.children.emplace_back();
  }
  if (dot == std::string::npos) {
    node.children[i].param = p;
  } else {
    insert(node.children[i], path, dot + 1, p);
  }
}

}  // namespace

const Node& tree() {
  static const Node root = [] {
    Node r;
    for (const auto& p : params()) insert(r, p.path, 0, &p);
    return r;
  }();
  return root;
}

const std::vector<std::string>& all_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> r;
    for (const auto& p : params()) {
      for (std::size_t dot = p.path.find('.'); dot != std::string::npos;
           dot = p.path.find('.', dot + 1)) {
        const std::string group = p.path.substr(0, dot);
        if (std::find(r.begin(), r.end(), group) == r.end()) r.push_back(group);
      }
      r.push_back(p.path);
    }
    return r;
  }();
  return paths;
}

namespace {

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// "unknown key; known keys in <prefix>: ..." and the closest documented key: a sibling of `key`
// or, when a whole documented path is closer, that path (a C++ field name such as
// "core.sram_capacity_mib" is one character away from "core.sram.capacity_mib").
std::string unknown_key_rule(const Node& node, const std::string& prefix, const std::string& key,
                             bool top) {
  std::vector<std::string> known = node.keys;
  if (top) known.push_back("preset");
  const std::string path = join_path(prefix, key);
  const auto [sibling, d_sibling] = nearest(key, known);
  const auto [whole, d_whole] = nearest(path, all_paths());
  const std::string best = d_sibling <= d_whole ? join_path(prefix, sibling) : whole;
  const std::size_t limit = std::max<std::size_t>(3, (key.size() + 1) / 2);
  const std::string hint =
      std::min(d_sibling, d_whole) <= limit ? "; did you mean \"" + best + "\"?" : "";
  return "unknown key; known keys" + (prefix.empty() ? std::string() : " in " + prefix) + ": " +
         join(known, ", ") + hint;
}

constexpr int kMaxPresetDepth = 4;
SystemConfig preset_impl(const std::string& name, int depth);

std::vector<std::string> preset_name_list() {
  std::vector<std::string> names;
  for (const auto& [name, text] : detail::embedded_presets()) names.push_back(name);
  return names;
}

std::string unknown_preset_rule(const std::string& name) {
  const auto names = preset_name_list();
  return "unknown preset; known presets: " + join(names, ", ") + suggestion(name, names);
}

void apply_object(SystemConfig& cfg, const Node& node, const json& j, const std::string& prefix,
                  const std::string& origin, bool top) {
  if (!j.is_object()) {
    fail(origin, prefix.empty() ? "(top level)" : prefix, j,
         "must be a JSON object with keys " + join(node.keys, ", "));
  }
  for (const auto& [key, value] : j.items()) {
    if (top && key == "preset") continue;  // handled by apply_json_impl
    const std::string path = join_path(prefix, key);
    auto it = std::find(node.keys.begin(), node.keys.end(), key);
    if (it == node.keys.end()) fail(origin, path, value, unknown_key_rule(node, prefix, key, top));
    const Node& child = node.children[static_cast<std::size_t>(it - node.keys.begin())];
    if (child.param) {
      child.param->set(cfg, check_value(*child.param, value, origin));
    } else {
      apply_object(cfg, child, value, path, origin, false);
    }
  }
}

void apply_json_impl(SystemConfig& cfg, const json& j, const std::string& origin, int depth) {
  SystemConfig work = cfg;  // applied to a copy: a failing apply leaves `cfg` untouched
  if (j.is_object() && j.contains("preset")) {
    const json& name = j.at("preset");
    if (!name.is_string()) fail(origin, "preset", name, "must be a string (a preset name)");
    const std::string n = name.get<std::string>();
    const auto names = preset_name_list();
    if (std::find(names.begin(), names.end(), n) == names.end()) {
      fail(origin, "preset", name, unknown_preset_rule(n));
    }
    if (depth >= kMaxPresetDepth) {
      fail(origin, "preset", name, "presets nest too deeply (a preset cycle?)");
    }
    work = preset_impl(n, depth + 1);
  }
  apply_object(work, tree(), j, "", origin, true);
  cfg = std::move(work);
}

SystemConfig preset_impl(const std::string& name, int depth) {
  const std::string& text = preset_json(name);
  json j;
  try {
    j = parse_json_input(text);
  } catch (const JsonInputError& e) {
    throw ConfigError("preset " + name + ": malformed JSON: " + e.what());
  }
  SystemConfig cfg = default_config();
  apply_json_impl(cfg, j, "preset " + name, depth);
  validate(cfg);
  return cfg;
}

// The tree node at a documented path (a parameter or a group of them). `origin` and `value`
// (nullptr for a read) go into the error when a key is empty or unknown.
const Node& node_at(const std::string& path, const std::string& origin, const json* value) {
  auto path_error = [&](const std::string& rule) {
    if (!value) throw ConfigError(origin + ": " + path + ": " + rule);
    fail(origin, path, *value, rule);
  };
  if (path.empty())
    path_error("empty path; expected a documented path such as core.sram.capacity_mib");
  if (path == "preset") {
    path_error(
        "choose a preset with --preset (in C++: preset(name), or the \"preset\" key of a "
        "config file); it is not a parameter");
  }
  const Node* node = &tree();
  std::string prefix;
  std::size_t pos = 0;
  while (true) {
    const std::size_t dot = path.find('.', pos);
    const std::string key =
        path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (key.empty()) path_error("empty key in path");
    auto it = std::find(node->keys.begin(), node->keys.end(), key);
    if (it == node->keys.end()) path_error(unknown_key_rule(*node, prefix, key, false));
    node = &node->children[static_cast<std::size_t>(it - node->keys.begin())];
    prefix = join_path(prefix, key);
    if (dot == std::string::npos) return *node;
    if (node->param) path_error("'" + prefix + "' is a parameter, not a group of them");
    pos = dot + 1;
  }
}

// Sets the parameter (or, given an object, the group of parameters) at `path`.
void set_at(SystemConfig& cfg, const std::string& path, const json& value,
            const std::string& origin) {
  const Node& node = node_at(path, origin, &value);
  if (node.param) {
    node.param->set(cfg, check_value(*node.param, value, origin));
    return;
  }
  SystemConfig work = cfg;  // a failing group leaves `cfg` untouched
  apply_object(work, node, value, path, origin, false);
  cfg = std::move(work);
}

}  // namespace
}  // namespace config_detail

using namespace config_detail;

std::vector<std::string> preset_names() {
  return preset_name_list();
}

const std::string& preset_json(const std::string& name) {
  for (const auto& [n, text] : detail::embedded_presets()) {
    if (n == name) return text;
  }
  throw ConfigError("preset \"" + name + "\": " + unknown_preset_rule(name));
}

SystemConfig preset(const std::string& name) {
  return preset_impl(name, 0);
}

void apply_json(SystemConfig& cfg, const nlohmann::json& j, const std::string& origin) {
  apply_json_impl(cfg, j, origin, 0);
}

void apply_file(SystemConfig& cfg, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw IoError("cannot read config file '" + path + "': is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError("cannot read config file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw IoError("cannot read config file '" + path + "': " + std::strerror(errno));
  }
  json j;
  try {
    j = parse_json_input(text.str(), /*ignore_comments=*/true);
  } catch (const JsonInputError& e) {  // parse errors, depth, and numbers out of range (1e400)
    throw ConfigError(path + ": malformed JSON: " + e.what());
  }
  apply_json(cfg, j, path);
}

void apply_override(SystemConfig& cfg, const std::string& assignment, const std::string& origin) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    throw ConfigError(origin + ": \"" + assignment +
                      "\": expected path=value, e.g. core.sram.capacity_mib=16");
  }
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  const std::string path = trim(assignment.substr(0, eq));
  const std::string text = assignment.substr(eq + 1);
  if (path.empty()) {
    throw ConfigError(origin + ": \"" + assignment +
                      "\": empty path before '='; expected path=value, e.g. "
                      "core.sram.capacity_mib=16");
  }
  json value;
  try {
    value = parse_json_input(text);
  } catch (const JsonDepthError& e) {
    throw ConfigError(origin + ": " + path + " = " + json_preview(json(text)) + ": " + e.what());
  } catch (const JsonInputError&) {
    value = text;  // a bare string (ring, my-config), or a number JSON cannot hold (then refused
                   // by the type check)
    if (!is_valid_utf8(text)) {  // reports are JSON: their strings must be UTF-8
      throw ConfigError(origin + ": " + path + " = " + json_preview(value) +
                        ": not valid UTF-8 text");
    }
  }
  set_at(cfg, path, value, origin);
}

nlohmann::json get_param(const SystemConfig& cfg, const std::string& path) {
  node_at(path, "get_param", nullptr);
  std::string pointer = "/" + path;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return to_json(cfg).at(json::json_pointer(pointer));
}

void set_param(SystemConfig& cfg, const std::string& path, const nlohmann::json& value) {
  set_at(cfg, path, value, "set_param");
}

nlohmann::json to_json(const SystemConfig& cfg) {
  json j = json::object();
  for (const auto& p : params()) {
    std::string pointer = "/" + p.path;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    j[json::json_pointer(pointer)] = p.get(cfg);
  }
  return j;
}

}  // namespace infsim
