// JSON and YAML conversion for request and response bodies.
#include "codec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <regex>
#include <vector>

namespace kubesim {

namespace json = boost::json;

namespace {

bool isInteger(const std::string& s) {
  static const std::regex re("[-+]?(0|[1-9][0-9]*)");
  return std::regex_match(s, re);
}

bool isFloat(const std::string& s) {
  static const std::regex re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  return std::regex_match(s, re);
}

json::value scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return json::string(text);
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (isInteger(text)) {
    errno = 0;
    long long v = std::strtoll(text.c_str(), nullptr, 10);
    if (errno == 0) return v;
    errno = 0;
    unsigned long long u = std::strtoull(text.c_str(), nullptr, 10);
    if (errno == 0 && text[0] != '-') return u;
    return std::strtod(text.c_str(), nullptr);
  }
  if (isFloat(text)) return std::strtod(text.c_str(), nullptr);
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf")
    return std::numeric_limits<double>::infinity();
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return -std::numeric_limits<double>::infinity();
  return json::string(text);
}

json::value convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(node);
    case YAML::NodeType::Sequence: {
      json::array arr;
      for (const YAML::Node& item : node)
        arr.push_back(convert(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json::object obj;
      for (const auto& kv : node)
        obj[kv.first.Scalar()] = convert(kv.second);
      return obj;
    }
  }
  return nullptr;
}

bool needsQuotes(const std::string& s) {
  if (s.empty()) return true;
  // Strings that would read back as another type, or that YAML would misparse.
  YAML::Node probe;
  try {
    probe = YAML::Load(s);
  } catch (const YAML::Exception&) {
    return true;
  }
  if (!probe.IsScalar() || probe.Scalar() != s) return true;
  json::value v = scalar(probe);
  return !v.is_string();
}

void emit(YAML::Emitter& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out << YAML::Null;
      break;
    case json::kind::bool_:
      out << (v.get_bool() ? "true" : "false");
      break;
    case json::kind::int64:
      out << v.get_int64();
      break;
    case json::kind::uint64:
      out << v.get_uint64();
      break;
    case json::kind::double_:
      out << json::serialize(v);
      break;
    case json::kind::string: {
      std::string s(v.get_string());
      if (needsQuotes(s))
        out << YAML::DoubleQuoted << s;
      else if (s.find('\n') != std::string::npos)
        out << YAML::Literal << s;
      else
        out << s;
      break;
    }
    case json::kind::array:
      if (v.get_array().empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        break;
      }
      out << YAML::BeginSeq;
      for (const json::value& item : v.get_array())
        emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::kind::object:
      if (v.get_object().empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        break;
      }
      // Keys sorted, as sigs.k8s.io/yaml (which the API server's YAML encoding goes through) emits them.
      std::vector<const json::key_value_pair*> entries;
      for (const auto& kv : v.get_object())
        entries.push_back(&kv);
      std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
      out << YAML::BeginMap;
      for (const json::key_value_pair* kv : entries) {
        out << YAML::Key << std::string(kv->key());
        out << YAML::Value;
        emit(out, kv->value());
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

json::value parseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw DecodeError(ec.message());
  return v;
}

json::value parseYaml(std::string_view text) {
  try {
    return convert(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    throw DecodeError(e.what());
  }
}

std::string toYaml(const json::value& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

std::string_view jsonKind(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::bool_:
      return "bool";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
    case boost::json::kind::null:
      return "null";
  }
  return "null";
}

}  // namespace kubesim
