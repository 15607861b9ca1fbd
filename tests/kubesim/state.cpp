// Loading a simulated cluster's initial state: scenario YAML streams and `kubectl cluster-info dump`
// directories.
//
// YAML is converted to JSON the way kubectl's decoder (sigs.k8s.io/yaml over go-yaml v2) does, so a scenario
// means the same thing here as it would to `kubectl apply -f`: plain scalars resolve to null, bool (including
// YAML 1.1's yes/no/on/off), int (0x.. hex, 0.. octal, underscores) or float; quoted and block scalars stay
// strings; timestamps stay strings; `<<` merge keys are honoured; duplicate keys are an error. An integral
// float
// (`1e3`) becomes an int, because Go's JSON encoder writes float64(1000) as `1000`, which typed fields
// accept.
//
// Errors name the file and the line of the offending document (yaml-cpp's line for syntax errors), so a
// scenario author can jump straight to it.
#include "state.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "meta.h"

namespace kubesim {

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr std::string_view kKubesimApiVersion = "kubesim.aiops.dev/v1";

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw StateError(file.string() + ": cannot read: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// ---- YAML scalar resolution (go-yaml v2 resolve.go) ----

struct Scalar {
  enum class Type { Null, Bool, Int, Uint, Float, String } type = Type::String;
  bool b = false;
  long long i = 0;
  unsigned long long u = 0;
  double f = 0;
};

bool parseGoInt(std::string plain, long long& out) {
  // strconv.ParseInt(s, 0, 64): optional sign, then 0x/0o/0b prefixes or a leading 0 for octal.
  bool negative = false;
  std::string_view s = plain;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  unsigned long long magnitude = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  constexpr auto maxPositive = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
  if (negative) {
    if (magnitude > maxPositive + 1) return false;
    out = magnitude == maxPositive + 1 ? std::numeric_limits<long long>::min()
                                       : -static_cast<long long>(magnitude);
  } else {
    if (magnitude > maxPositive) return false;
    out = static_cast<long long>(magnitude);
  }
  return true;
}

bool parseGoUint(std::string_view s, unsigned long long& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parseFloat(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0;
}

Scalar resolvePlain(const std::string& in) {
  static const std::set<std::string> nulls = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> trues = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                              "True", "TRUE", "on",  "On",  "ON"};
  static const std::set<std::string> falses = {"n",     "N",     "no",  "No",  "NO", "false",
                                               "False", "FALSE", "off", "Off", "OFF"};
  static const std::set<std::string> specials = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",  ".INF",
                                                 "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"};
  static const std::regex yamlStyleFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  Scalar s;
  if (nulls.count(in)) {
    s.type = Scalar::Type::Null;
    return s;
  }
  if (trues.count(in) || falses.count(in)) {
    s.type = Scalar::Type::Bool;
    s.b = trues.count(in) > 0;
    return s;
  }
  if (specials.count(in)) {
    // NaN and infinities have no JSON form; sigs.k8s.io/yaml fails on them too.
    throw std::invalid_argument("unsupported value " + in + " (NaN and infinities have no JSON form)");
  }
  char hint = in.empty() ? 0 : in[0];
  if (hint == '.') {
    if (parseFloat(in, s.f)) s.type = Scalar::Type::Float;
    return s;
  }
  if ((hint >= '0' && hint <= '9') || hint == '+' || hint == '-') {
    std::string plain;
    for (char c : in) {
      if (c != '_') plain += c;
    }
    if (parseGoInt(plain, s.i)) {
      s.type = Scalar::Type::Int;
      return s;
    }
    if (parseGoUint(plain, s.u)) {
      s.type = Scalar::Type::Uint;
      return s;
    }
    if (std::regex_match(plain, yamlStyleFloat) && parseFloat(plain, s.f)) {
      s.type = Scalar::Type::Float;
      return s;
    }
  }
  return s;  // a string
}

json::value scalarToJson(const Scalar& s, const std::string& text) {
  switch (s.type) {
    case Scalar::Type::Null:
      return nullptr;
    case Scalar::Type::Bool:
      return s.b;
    case Scalar::Type::Int:
      return s.i;
    case Scalar::Type::Uint:
      return s.u;
    case Scalar::Type::Float:
      if (std::trunc(s.f) == s.f && std::fabs(s.f) <= 9007199254740992.0) return static_cast<long long>(s.f);
      return s.f;
    case Scalar::Type::String:
      break;
  }
  return json::string(text);
}

// The text a non-string map key becomes (sigs.k8s.io/yaml: bools and numbers are formatted back to strings).
std::string keyText(const Scalar& s, const std::string& text) {
  switch (s.type) {
    case Scalar::Type::Bool:
      return s.b ? "true" : "false";
    case Scalar::Type::Int:
      return std::to_string(s.i);
    case Scalar::Type::Uint:
      return std::to_string(s.u);
    case Scalar::Type::Float: {
      std::ostringstream out;
      out.precision(17);
      out << s.f;
      return out.str();
    }
    case Scalar::Type::Null:
      return "null";
    case Scalar::Type::String:
      break;
  }
  return text;
}

class YamlConverter {
 public:
  explicit YamlConverter(std::string file) : file_(std::move(file)) {}

  json::value convert(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        json::array a;
        for (const auto& item : node)
          a.push_back(convert(item));
        return a;
      }
      case YAML::NodeType::Map: {
        json::object o;
        std::vector<json::object> merges;
        for (const auto& kv : node) {
          std::string key = keyOf(kv.first);
          if (key == "<<" && kv.first.Tag() == "?") {
            json::value merged = convert(kv.second);
            if (merged.is_object()) {
              merges.push_back(merged.get_object());
            } else if (merged.is_array()) {
              for (const auto& m : merged.get_array()) {
                if (m.is_object()) merges.push_back(m.get_object());
              }
            }
            continue;
          }
          if (o.contains(key)) fail(kv.first, "key \"" + key + "\" already set in map");
          o[key] = convert(kv.second);
        }
        // Explicit keys win over merged ones; earlier merge sources win over later ones.
        for (const auto& m : merges) {
          for (const auto& kv : m) {
            if (!o.contains(kv.key())) o[kv.key()] = kv.value();
          }
        }
        return o;
      }
    }
    return nullptr;
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    throw StateError(file_ + ":" + std::to_string(node.Mark().line + 1) + ": " + what);
  }

 private:
  json::value scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "tag:yaml.org,2002:binary")
      return json::string(text);
    try {
      Scalar s = resolvePlain(text);
      if (tag == "tag:yaml.org,2002:int" && s.type != Scalar::Type::Int && s.type != Scalar::Type::Uint) {
        fail(node, "cannot decode !!str `" + text + "` as a !!int");
      }
      return scalarToJson(s, text);
    } catch (const std::invalid_argument& e) {
      fail(node, e.what());
    }
  }

  std::string keyOf(const YAML::Node& node) {
    if (node.Type() == YAML::NodeType::Null) return "null";
    if (node.Type() != YAML::NodeType::Scalar) fail(node, "map keys must be scalars");
    if (node.Tag() == "!") return node.Scalar();
    try {
      return keyText(resolvePlain(node.Scalar()), node.Scalar());
    } catch (const std::invalid_argument& e) {
      fail(node, e.what());
    }
  }

  std::string file_;
};

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

std::string metadataField(const json::object& o, std::string_view key) {
  auto it = o.find("metadata");
  if (it == o.end() || !it->value().is_object()) return "";
  return str(it->value().get_object(), key);
}

// Items of a typed list (PodList, DeploymentList, ...) come without apiVersion and kind; they are the list's
// group-version and the list kind without "List".
void fillTypeFromList(json::object& item, std::string_view listApiVersion, std::string_view listKind) {
  if (listKind.size() > 4 && listKind.ends_with("List")) {
    if (str(item, "kind").empty()) item["kind"] = listKind.substr(0, listKind.size() - 4);
    if (str(item, "apiVersion").empty() && !listApiVersion.empty()) item["apiVersion"] = listApiVersion;
  }
}

// A line-numbered place in a file, for error messages.
struct Where {
  std::string file;
  int line = 0;
  std::string text() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

void checkObject(const json::object& o, const Where& where) {
  if (str(o, "apiVersion").empty()) throw StateError(where.text() + ": object has no apiVersion");
  if (str(o, "kind").empty()) throw StateError(where.text() + ": object has no kind");
  if (metadataField(o, "name").empty()) {
    throw StateError(where.text() + ": " + str(o, "kind") + " has no metadata.name");
  }
}

struct PendingLog {
  LogKey key;
  std::string text;
  Where where;
  std::optional<GeneratedLog> generated;
};

class ScenarioBuilder {
 public:
  explicit ScenarioBuilder(ClusterState& state) : state_(state) {}

  // One YAML document (already converted) of a scenario or of an extra dump file.
  void addDocument(json::value doc, const Where& where, const std::function<Where(size_t)>& itemWhere) {
    if (doc.is_null()) return;  // empty documents (a trailing ---) are skipped, as kubectl does
    if (!doc.is_object()) {
      throw StateError(where.text() + ": expected a Kubernetes object (a mapping), found " +
                       (doc.is_array() ? std::string("a sequence") : std::string("a scalar")));
    }
    json::object& o = doc.get_object();
    std::string apiVersion = str(o, "apiVersion");
    std::string kind = str(o, "kind");
    if (apiVersion == kKubesimApiVersion) {
      addKubesimDocument(o, where);
      return;
    }
    auto items = o.find("items");
    if (kind.ends_with("List") && items != o.end() && items->value().is_array()) {
      size_t index = 0;
      for (auto& item : items->value().get_array()) {
        Where w = itemWhere ? itemWhere(index) : where;
        ++index;
        if (!item.is_object()) throw StateError(w.text() + ": list item is not an object");
        fillTypeFromList(item.get_object(), apiVersion, kind);
        addObject(std::move(item.get_object()), w);
      }
      return;
    }
    addObject(std::move(o), where);
  }

  void addObject(json::object o, const Where& where) {
    checkObject(o, where);
    state_.objects.push_back(std::move(o));
  }

  void addLog(LogKey key, std::string text, const Where& where,
              std::optional<GeneratedLog> generated = std::nullopt) {
    pending_.push_back({std::move(key), std::move(text), where, std::move(generated)});
  }

  // PodLogs without a container name get the pod's only container; then every log is checked for duplicates.
  void finish() {
    for (auto& p : pending_) {
      if (p.key.container.empty()) {
        const json::object* pod = findPod(p.key.namespace_, p.key.pod);
        if (pod == nullptr) {
          throw StateError(p.where.text() + ": PodLog for pod " + p.key.namespace_ + "/" + p.key.pod +
                           " has no container and the scenario defines no such pod");
        }
        std::vector<std::string> names = containerNames(*pod);
        if (names.size() != 1) {
          throw StateError(p.where.text() + ": PodLog for pod " + p.key.namespace_ + "/" + p.key.pod +
                           " must name its container (the pod has " + std::to_string(names.size()) +
                           " containers)");
        }
        p.key.container = names[0];
      }
      if (state_.logs.count(p.key)) {
        throw StateError(p.where.text() + ": duplicate " + std::string(p.key.previous ? "previous " : "") +
                         "log for container " + p.key.container + " of pod " + p.key.namespace_ + "/" +
                         p.key.pod);
      }
      if (p.generated) state_.generatedLogs.emplace(p.key, std::move(*p.generated));
      state_.logs.emplace(p.key, std::move(p.text));
    }
    pending_.clear();
  }

 private:
  void addKubesimDocument(const json::object& o, const Where& where) {
    std::string kind = str(o, "kind");
    if (kind == "User") {
      std::string name = str(o, "name");
      if (name.empty()) name = metadataField(o, "name");
      if (name.empty()) throw StateError(where.text() + ": User has no name");
      ScenarioUser user{name, {}};
      if (auto it = o.find("groups"); it != o.end()) {
        if (!it->value().is_array())
          throw StateError(where.text() + ": User " + name + ": groups must be a list");
        for (const auto& g : it->value().get_array()) {
          if (!g.is_string()) throw StateError(where.text() + ": User " + name + ": groups must be strings");
          user.groups.emplace_back(g.get_string());
        }
      }
      for (const auto& existing : state_.users) {
        if (existing.name == name) throw StateError(where.text() + ": duplicate User " + name);
      }
      state_.users.push_back(std::move(user));
      return;
    }
    if (kind == "PodLog") {
      LogKey key;
      key.namespace_ = str(o, "namespace");
      if (key.namespace_.empty()) key.namespace_ = "default";
      key.pod = str(o, "pod");
      if (key.pod.empty()) throw StateError(where.text() + ": PodLog has no pod");
      key.container = str(o, "container");
      if (auto it = o.find("previous"); it != o.end()) {
        if (!it->value().is_bool())
          throw StateError(where.text() + ": PodLog: previous must be true or false");
        key.previous = it->value().get_bool();
      }
      std::optional<GeneratedLog> generated;
      if (auto g = o.find("generate"); g != o.end()) {
        const json::object* spec = g->value().if_object();
        const json::value* line = spec ? spec->if_contains("line") : nullptr;
        const json::value* count = spec ? spec->if_contains("count") : nullptr;
        if (line == nullptr || !line->is_string() || count == nullptr ||
            !(count->is_int64() ? count->get_int64() >= 0 : count->is_uint64())) {
          throw StateError(where.text() +
                           ": PodLog: generate needs a line (text) and a count (lines, 0 or more)");
        }
        generated = GeneratedLog{
            std::string(line->get_string()),
            count->is_int64() ? static_cast<std::uint64_t>(count->get_int64()) : count->get_uint64()};
      }
      std::string content;
      auto text = o.find("text");
      auto encoded = o.find("textBase64");
      if (text != o.end() && text->value().is_string()) {
        content = std::string(text->value().get_string());
      } else if (encoded != o.end() && encoded->value().is_string()) {
        std::optional<std::string> bytes = base64Decode(encoded->value().get_string());
        if (!bytes) throw StateError(where.text() + ": PodLog: textBase64 is not base64");
        content = std::move(*bytes);
      } else if (!generated) {
        throw StateError(where.text() + ": PodLog for pod " + key.namespace_ + "/" + key.pod +
                         " has no text");
      }
      addLog(std::move(key), std::move(content), where, std::move(generated));
      return;
    }
    if (kind == "Clock" || kind == "BehaviourProfile" || kind == "LoadCurve" || kind == "Timeline") {
      // Parsed by the behaviour models (behaviour/scenario.h), which need the line of every field.
      state_.behaviourDocuments.push_back({kind, o, where.file, where.line, std::move(fieldLines_)});
      fieldLines_.clear();
      return;
    }
    if (kind == "Fault") {
      // Parsed by the server's fault injection (faults.h), with the same line-numbered errors.
      state_.faultDocuments.push_back({kind, o, where.file, where.line, std::move(fieldLines_)});
      fieldLines_.clear();
      return;
    }
    throw StateError(where.text() + ": unknown kind " + kind + " in " + std::string(kKubesimApiVersion) +
                     " (expected User, PodLog, Clock, BehaviourProfile, LoadCurve, Timeline or Fault)");
  }

  const json::object* findPod(const std::string& ns, const std::string& name) const {
    for (const auto& o : state_.objects) {
      if (str(o, "kind") != "Pod" || str(o, "apiVersion") != "v1" || metadataField(o, "name") != name)
        continue;
      std::string podNs = metadataField(o, "namespace");
      if ((podNs.empty() ? "default" : podNs) == ns) return &o;
    }
    return nullptr;
  }

  static std::vector<std::string> containerNames(const json::object& pod) {
    std::vector<std::string> names;
    auto spec = pod.find("spec");
    if (spec == pod.end() || !spec->value().is_object()) return names;
    auto containers = spec->value().get_object().find("containers");
    if (containers == spec->value().get_object().end() || !containers->value().is_array()) return names;
    for (const auto& c : containers->value().get_array()) {
      if (c.is_object()) names.push_back(str(c.get_object(), "name"));
    }
    return names;
  }

  ClusterState& state_;
  std::vector<PendingLog> pending_;

 public:
  // The field lines of the next document, set by the YAML reader before addDocument.
  std::map<std::string, int> fieldLines_;
};

// The line of every field and list item of a YAML document, keyed by JSON pointer ("/steps/0/rps").
void collectFieldLines(const YAML::Node& node, const std::string& pointer,
                       std::map<std::string, int>& lines) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) continue;
      std::string token;
      for (char c : kv.first.Scalar()) {
        if (c == '~') {
          token += "~0";
        } else if (c == '/') {
          token += "~1";
        } else {
          token += c;
        }
      }
      std::string child = pointer + "/" + token;
      lines.emplace(child, kv.first.Mark().line + 1);
      collectFieldLines(kv.second, child, lines);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string child = pointer + "/" + std::to_string(i);
      lines.emplace(child, node[i].Mark().line + 1);
      collectFieldLines(node[i], child, lines);
    }
  }
}

// Every document of a YAML stream, each with the line it starts on.
void addYamlStream(ScenarioBuilder& builder, const std::string& content, const std::string& file) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(content);
  } catch (const YAML::Exception& e) {
    throw StateError(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  YamlConverter converter(file);
  for (const auto& doc : docs) {
    Where where{file, doc.Mark().line + 1};
    json::value value = converter.convert(doc);
    auto itemWhere = [&](size_t i) {
      YAML::Node items = doc["items"];
      if (items.IsSequence() && i < items.size()) return Where{file, items[i].Mark().line + 1};
      return where;
    };
    builder.fieldLines_.clear();
    if (value.is_object() && str(value.get_object(), "apiVersion") == kKubesimApiVersion)
      collectFieldLines(doc, "", builder.fieldLines_);
    builder.addDocument(std::move(value), where, itemWhere);
    builder.fieldLines_.clear();
  }
}

json::value parseJsonFile(const fs::path& file) {
  std::string content = readFile(file);
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(content.data(), content.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    size_t at = std::min(consumed, content.size());
    long line = 1 + std::count(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    throw StateError(file.string() + ":" + std::to_string(line) + ": invalid JSON: " + ec.message());
  }
  return parser.release();
}

// ---- cluster-info dump ----

// The per-namespace list files `kubectl cluster-info dump` writes, with the list kind each holds (used when a
// file lacks it).
struct DumpFile {
  std::string_view stem;
  std::string_view apiVersion;
  std::string_view listKind;
};
constexpr DumpFile kNamespaceFiles[] = {
    {"events", "v1", "EventList"},
    {"pods", "v1", "PodList"},
    {"deployments", "apps/v1", "DeploymentList"},
    {"replicasets", "apps/v1", "ReplicaSetList"},
    {"services", "v1", "ServiceList"},
    {"daemonsets", "apps/v1", "DaemonSetList"},
    {"replication-controllers", "v1", "ReplicationControllerList"},
};

bool isStandardStem(std::string_view stem) {
  if (stem == "nodes") return true;
  return std::any_of(std::begin(kNamespaceFiles), std::end(kNamespaceFiles),
                     [&](const DumpFile& f) { return f.stem == stem; });
}

std::vector<fs::path> sortedEntries(const fs::path& dir) {
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir))
    entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

// A JSON list file of the dump (or a YAML one, when the dump was written with -o yaml).
void addListFile(ScenarioBuilder& builder, const fs::path& file, std::string_view apiVersion,
                 std::string_view listKind, std::string_view namespace_) {
  json::value doc;
  if (file.extension() == ".json") {
    doc = parseJsonFile(file);
  } else {
    try {
      doc = YamlConverter(file.string()).convert(YAML::Load(readFile(file)));
    } catch (const YAML::Exception& e) {
      throw StateError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
    }
  }
  if (!doc.is_object()) throw StateError(file.string() + ": expected a list object");
  json::object& list = doc.get_object();
  std::string kind = str(list, "kind");
  std::string version = str(list, "apiVersion");
  if (kind.empty() || kind == "List") {
    kind = listKind;
    if (version.empty() || version == "v1") version = apiVersion;
  }
  if (version.empty()) version = apiVersion;
  auto items = list.find("items");
  if (items == list.end() || items->value().is_null()) return;  // an empty list may carry "items": null
  if (!items->value().is_array()) throw StateError(file.string() + ": items is not a list");
  size_t index = 0;
  for (auto& item : items->value().get_array()) {
    Where where{file.string() + ": items[" + std::to_string(index++) + "]", 0};
    if (!item.is_object()) throw StateError(where.text() + ": not an object");
    json::object& o = item.get_object();
    fillTypeFromList(o, version, kind);
    if (!namespace_.empty() && metadataField(o, "namespace").empty() && o.contains("metadata") &&
        o["metadata"].is_object()) {
      o["metadata"].get_object()["namespace"] = namespace_;
    }
    builder.addObject(std::move(o), where);
  }
}

bool hasSuffix(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.ends_with(suffix);
}

// logs.txt: every container's log between START and END lines. A log without a trailing newline runs straight
// into its END marker, so the marker is searched for, not matched as a whole line.
void addLogsFile(ScenarioBuilder& builder, const fs::path& file, bool previous) {
  std::string text = readFile(file);
  constexpr std::string_view kStart = "==== START logs for container ";
  size_t pos = 0;
  while ((pos = text.find(kStart, pos)) != std::string::npos) {
    size_t lineEnd = text.find('\n', pos);
    if (lineEnd == std::string::npos) lineEnd = text.size();
    std::string header = text.substr(pos, lineEnd - pos);
    long line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n');
    Where where{file.string(), static_cast<int>(line)};
    std::string rest = header.substr(kStart.size());
    size_t ofPod = rest.find(" of pod ");
    size_t tail = rest.rfind(" ====");
    if (ofPod == std::string::npos || tail == std::string::npos || tail < ofPod) {
      throw StateError(where.text() + ": malformed START line: " + header);
    }
    std::string container = rest.substr(0, ofPod);
    std::string nsPod = rest.substr(ofPod + 8, tail - ofPod - 8);
    size_t slash = nsPod.find('/');
    if (slash == std::string::npos) throw StateError(where.text() + ": malformed START line: " + header);
    std::string endMarker = "==== END logs for container " + container + " of pod " + nsPod + " ====";
    size_t contentStart = std::min(lineEnd + 1, text.size());
    size_t end = text.find(endMarker, contentStart);
    if (end == std::string::npos) {
      throw StateError(where.text() + ": no END line for container " + container + " of pod " + nsPod);
    }
    std::string content = text.substr(contentStart, end - contentStart);
    pos = end + endMarker.size();
    if (pos < text.size() && text[pos] == '\n') ++pos;
    // The dump records a failed log request in place of the log; such a container has no log to serve.
    if (content.starts_with("Request log error: ") || content.starts_with("Create log request error: "))
      continue;
    builder.addLog({nsPod.substr(0, slash), nsPod.substr(slash + 1), container, previous}, std::move(content),
                   where);
  }
}

void addPodDirectory(ScenarioBuilder& builder, const fs::path& dir, const std::string& ns) {
  std::string pod = dir.filename().string();
  for (const auto& file : sortedEntries(dir)) {
    if (!fs::is_regular_file(file)) continue;
    std::string name = file.filename().string();
    if (name == "logs.txt") {
      addLogsFile(builder, file, false);
    } else if (name.starts_with("logs-") && hasSuffix(name, "-previous.txt") && name.size() > 18) {
      std::string container = name.substr(5, name.size() - 5 - 13);
      std::string text = readFile(file);
      if (text.find("==== START logs for container ") != std::string::npos) {
        addLogsFile(builder, file, true);
      } else {
        builder.addLog({ns, pod, container, true}, std::move(text), Where{file.string(), 0});
      }
    } else if (name.starts_with("logs-") && hasSuffix(name, ".txt") && name.size() > 9) {
      std::string container = name.substr(5, name.size() - 5 - 4);
      builder.addLog({ns, pod, container, false}, readFile(file), Where{file.string(), 0});
    }
  }
}

}  // namespace

ClusterState loadScenario(const std::filesystem::path& file) {
  ClusterState state;
  ScenarioBuilder builder(state);
  addYamlStream(builder, readFile(file), file.string());
  builder.finish();
  return state;
}

ClusterState loadClusterInfoDump(const std::filesystem::path& directory) {
  if (!fs::is_directory(directory)) throw StateError(directory.string() + ": not a directory");
  ClusterState state;
  ScenarioBuilder builder(state);
  bool recognised = false;
  for (const char* ext : {".json", ".yaml"}) {
    fs::path nodes = directory / (std::string("nodes") + ext);
    if (fs::is_regular_file(nodes)) {
      addListFile(builder, nodes, "v1", "NodeList", "");
      recognised = true;
    }
  }
  std::set<std::string> namespaces;
  for (const auto& entry : sortedEntries(directory)) {
    if (!fs::is_directory(entry)) continue;
    std::string ns = entry.filename().string();
    namespaces.insert(ns);
    recognised = true;
    for (const auto& f : kNamespaceFiles) {
      for (const char* ext : {".json", ".yaml"}) {
        fs::path file = entry / (std::string(f.stem) + ext);
        if (fs::is_regular_file(file)) addListFile(builder, file, f.apiVersion, f.listKind, ns);
      }
    }
    for (const auto& file : sortedEntries(entry)) {
      if (fs::is_directory(file)) {
        addPodDirectory(builder, file, ns);
        continue;
      }
      std::string ext = file.extension().string();
      if (isStandardStem(file.stem().string()) || (ext != ".json" && ext != ".yaml" && ext != ".yml"))
        continue;
      // Further objects: a list (typed or kind: List), a single object, or (YAML) a stream of them.
      if (ext == ".json") {
        json::value doc = parseJsonFile(file);
        builder.addDocument(std::move(doc), Where{file.string(), 0}, {});
      } else {
        addYamlStream(builder, readFile(file), file.string());
      }
    }
  }
  if (!recognised) {
    throw StateError(directory.string() +
                     ": not a kubectl cluster-info dump (no nodes.json and no namespace directories)");
  }
  // A dump has no namespaces.json; every namespace directory stands for an existing namespace.
  for (const auto& ns : namespaces) {
    bool present = std::any_of(state.objects.begin(), state.objects.end(), [&](const json::object& o) {
      return str(o, "kind") == "Namespace" && metadataField(o, "name") == ns;
    });
    if (present) continue;
    json::object metadata;
    metadata["name"] = ns;
    json::object status;
    status["phase"] = "Active";
    json::object o;
    o["apiVersion"] = "v1";
    o["kind"] = "Namespace";
    o["metadata"] = std::move(metadata);
    o["spec"] = json::object{{"finalizers", json::array{"kubernetes"}}};
    o["status"] = std::move(status);
    state.objects.push_back(std::move(o));
  }
  builder.finish();
  return state;
}

}  // namespace kubesim
