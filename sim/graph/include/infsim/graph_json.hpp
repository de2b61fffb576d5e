#pragma once
// The JSON graph format (docs/GRAPH_FORMAT.md): users bring their own models as a list of
// operators with attributes; shapes and engine work are inferred by GraphBuilder.
#include <string>

#include <nlohmann/json.hpp>

#include "infsim/graph.hpp"

namespace infsim {

/// Builds a graph from the JSON format. `origin` (a file name) prefixes error messages, which
/// name the op index/name, the field and the rule broken. Throws GraphError.
Graph graph_from_json(const nlohmann::json& j, const std::string& origin = "graph");
/// Reads a JSON graph file (IoError when unreadable, GraphError when malformed).
Graph load_graph_file(const std::string& path);
/// Writes a graph in the same format (round-trips through graph_from_json).
nlohmann::json graph_to_json(const Graph& g);

}  // namespace infsim
