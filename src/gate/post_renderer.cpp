// aiops-gate post-renderer: splitting the stream, validating every document with libyaml, and setting the
// canary shape on gated Deployments (see post_renderer.h for why it works this way).
#include "gate/post_renderer.h"

#include <yaml.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <exception>
#include <limits>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace aiops::gate {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
// go-yaml refuses deeper nesting with the same limit; it also bounds our recursion.
constexpr int kMaxDepth = 10000;
// Nodes that alias expansion may add to one changed document (a "billion laughs" stream is refused).
constexpr std::size_t kMaxAliasNodes = 100000;

// ---------------------------------------------------------------------------------------------------------
// Lines

struct Line {
  std::size_t begin = 0;  // offset of the first byte
  std::size_t end = 0;    // offset of '\n' (or the end of the text)
  std::size_t next = 0;   // offset of the next line
};

Line lineAt(std::string_view text, std::size_t pos) {
  std::size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos) return {pos, text.size(), text.size()};
  return {pos, nl, nl + 1};
}

// A line that is `marker` ("---" or "...") followed by a blank or the end of the line.
bool isMarker(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// `--- {a: 1}` or `--- |` start the document's content on the marker line; `--- # note` does not.
bool markerHasInlineContent(std::string_view line) {
  std::size_t i = line.find_first_not_of(" \t\r", 3);
  return i != std::string_view::npos && line[i] != '#';
}

bool isBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Neither blank nor a comment (directives are handled by the caller).
bool isContentLine(std::string_view line) {
  std::size_t i = line.find_first_not_of(" \t\r");
  return i != std::string_view::npos && line[i] != '#';
}

// The line with a stream-leading byte order mark removed, so markers behind it are seen.
std::string_view lineText(std::string_view text, const Line& l, bool streamStart) {
  std::string_view s = text.substr(l.begin, l.end - l.begin);
  if (streamStart && l.begin == 0 && s.substr(0, 3) == kBom) s.remove_prefix(3);
  return s;
}

int countLines(std::string_view text, std::size_t upTo) {
  return static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(upTo), '\n'));
}

// ---------------------------------------------------------------------------------------------------------
// libyaml wrappers

const yaml_char_t* yamlChars(const std::string& s) {
  return s.empty() ? nullptr : reinterpret_cast<const yaml_char_t*>(s.c_str());
}

std::string_view eventText(const yaml_char_t* p, std::size_t n) {
  return p ? std::string_view(reinterpret_cast<const char*>(p), n) : std::string_view();
}

std::string eventString(const yaml_char_t* p) {
  return p ? std::string(reinterpret_cast<const char*>(p)) : "";
}

class Parser {
 public:
  explicit Parser(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~Parser() { yaml_parser_delete(&parser_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  const yaml_parser_t& raw() const { return parser_; }
  yaml_parser_t* get() { return &parser_; }

 private:
  yaml_parser_t parser_;
};

// One parsed event, deleted when it goes out of scope.
class Event {
 public:
  Event() = default;
  ~Event() {
    if (valid_) yaml_event_delete(&event_);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool next(Parser& parser) {
    if (valid_) yaml_event_delete(&event_);
    valid_ = yaml_parser_parse(parser.get(), &event_) != 0;
    return valid_;
  }
  const yaml_event_t& operator*() const { return event_; }
  const yaml_event_t* operator->() const { return &event_; }

 private:
  yaml_event_t event_{};
  bool valid_ = false;
};

// The `# Source: templates/x.yaml` comment Helm writes above each document, if any.
std::string sourceComment(std::string_view text) {
  constexpr std::string_view kSource = "# Source: ";
  for (std::size_t pos = 0; pos < text.size();) {
    Line l = lineAt(text, pos);
    std::string_view s = text.substr(l.begin, l.end - l.begin);
    if (s.substr(0, kSource.size()) == kSource) {
      s.remove_prefix(kSource.size());
      while (!s.empty() && (s.back() == '\r' || s.back() == ' '))
        s.remove_suffix(1);
      return std::string(s);
    }
    if (isContentLine(s) && !isMarker(s, "---")) break;
    pos = l.next;
  }
  return {};
}

RenderError parserError(const yaml_parser_t& p, std::string_view text, const DocumentSpan& span,
                        int document) {
  RenderError err;
  err.document = document;
  err.source = sourceComment(text);
  if (p.error == YAML_MEMORY_ERROR) {
    err.line = span.firstLine;
    err.message = "out of memory while parsing";
    return err;
  }
  if (p.error == YAML_READER_ERROR) {
    err.line = span.firstLine + countLines(text, std::min(p.problem_offset, text.size()));
    err.message = p.problem ? p.problem : "unreadable input";
    if (p.problem_value != -1) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(p.problem_value));
      err.message += " (byte 0x" + std::string(hex) + ")";
    }
    return err;
  }
  err.line = span.firstLine + static_cast<int>(p.problem_mark.line);
  err.message = p.problem ? p.problem : "invalid YAML";
  if (p.context) {
    err.message += " (" + std::string(p.context) + " at line " +
                   std::to_string(span.firstLine + static_cast<int>(p.context_mark.line)) + ")";
  }
  return err;
}

RenderError documentError(std::string_view text, int document, int line, std::string message) {
  return RenderError{document, line, sourceComment(text), std::move(message)};
}

// ---------------------------------------------------------------------------------------------------------
// Pass 1, every document: validate and sniff what the document is, without building anything.

enum class Ctx : std::uint8_t {
  Other,
  Root,
  Metadata,
  Annotations,
  Items,
  Item,
  ItemMetadata,
  ItemAnnotations
};

struct Frame {
  Ctx ctx = Ctx::Other;
  bool isMap = false;
  bool expectKey = true;  // maps: the next node is a key
  std::string key;        // maps outside Ctx::Other: the current key
  std::string anchor;     // the collection's anchor, open until its end
};

struct Sniff {
  int documents = 0;
  bool rootIsMap = false;
  std::string apiVersion;
  std::string kind;
  bool gateSeen = false;        // metadata.annotations carries aiops.dev/gate
  bool itemDeployment = false;  // items[*].kind is Deployment
  bool itemGateSeen = false;    // items[*].metadata.annotations carries aiops.dev/gate
  bool uncertain = false;       // an alias or merge key where kind, metadata or items are read
};

Ctx childContext(const Frame& parent, bool childIsMap) {
  switch (parent.ctx) {
    case Ctx::Root:
      if (parent.key == "metadata" && childIsMap) return Ctx::Metadata;
      if (parent.key == "items" && !childIsMap) return Ctx::Items;
      return Ctx::Other;
    case Ctx::Metadata:
      return parent.key == "annotations" && childIsMap ? Ctx::Annotations : Ctx::Other;
    case Ctx::Items:
      return childIsMap ? Ctx::Item : Ctx::Other;
    case Ctx::Item:
      return parent.key == "metadata" && childIsMap ? Ctx::ItemMetadata : Ctx::Other;
    case Ctx::ItemMetadata:
      return parent.key == "annotations" && childIsMap ? Ctx::ItemAnnotations : Ctx::Other;
    default:
      return Ctx::Other;
  }
}

void recordScalar(Sniff& sniff, const Frame& parent, std::string_view value) {
  switch (parent.ctx) {
    case Ctx::Root:
      if (parent.key == "apiVersion") sniff.apiVersion = value;
      if (parent.key == "kind") sniff.kind = value;
      break;
    case Ctx::Annotations:
      if (parent.key == kGateAnnotation) sniff.gateSeen = true;
      break;
    case Ctx::Item:
      if (parent.key == "kind" && value == "Deployment") sniff.itemDeployment = true;
      break;
    case Ctx::ItemAnnotations:
      if (parent.key == kGateAnnotation) sniff.itemGateSeen = true;
      break;
    default:
      break;
  }
}

// A finished node flips its parent map between key and value.
void completeNode(std::vector<Frame>& frames) {
  if (!frames.empty() && frames.back().isMap) frames.back().expectKey = !frames.back().expectKey;
}

std::variant<Sniff, RenderError> sniffDocument(std::string_view text, const DocumentSpan& span,
                                               int document) {
  Sniff sniff;
  Parser parser(text);
  Event event;
  std::vector<Frame> frames;
  std::unordered_set<std::string> anchors;
  auto lineOf = [&](const yaml_event_t& e) { return span.firstLine + static_cast<int>(e.start_mark.line); };
  for (;;) {
    if (!event.next(parser)) return parserError(parser.raw(), text, span, document);
    const yaml_event_t& e = *event;
    switch (e.type) {
      case YAML_STREAM_END_EVENT:
        return sniff;
      case YAML_DOCUMENT_START_EVENT:
        ++sniff.documents;
        frames.clear();
        anchors.clear();
        break;
      case YAML_ALIAS_EVENT: {
        std::string name = eventString(e.data.alias.anchor);
        bool open =
            std::any_of(frames.begin(), frames.end(), [&](const Frame& f) { return f.anchor == name; });
        if (open)
          return documentError(text, document, lineOf(e), "anchor '" + name + "' value contains itself");
        if (!anchors.contains(name)) {
          return documentError(text, document, lineOf(e), "unknown anchor '" + name + "' referenced");
        }
        if (!frames.empty()) {
          Frame& parent = frames.back();
          if (parent.ctx != Ctx::Other) sniff.uncertain = true;
          if (parent.isMap && parent.expectKey && parent.ctx != Ctx::Other) parent.key.clear();
        }
        completeNode(frames);
        break;
      }
      case YAML_SCALAR_EVENT: {
        if (e.data.scalar.anchor) anchors.insert(eventString(e.data.scalar.anchor));
        if (!frames.empty()) {
          Frame& parent = frames.back();
          if (parent.ctx != Ctx::Other) {
            std::string_view value = eventText(e.data.scalar.value, e.data.scalar.length);
            if (parent.isMap && parent.expectKey) {
              parent.key = value;
              if (value == "<<" && e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) sniff.uncertain = true;
            } else {
              recordScalar(sniff, parent, value);
            }
          }
        }
        completeNode(frames);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        bool isMap = e.type == YAML_MAPPING_START_EVENT;
        const yaml_char_t* anchor = isMap ? e.data.mapping_start.anchor : e.data.sequence_start.anchor;
        if (frames.size() >= static_cast<std::size_t>(kMaxDepth)) {
          return documentError(text, document, lineOf(e),
                               "nesting is deeper than " + std::to_string(kMaxDepth) + " levels");
        }
        Ctx ctx = Ctx::Other;
        if (frames.empty()) {
          sniff.rootIsMap = isMap;
          ctx = isMap ? Ctx::Root : Ctx::Other;
        } else {
          Frame& parent = frames.back();
          bool isKey = parent.isMap && parent.expectKey;
          if (isKey) {
            if (parent.ctx != Ctx::Other) parent.key.clear();
          } else {
            ctx = childContext(parent, isMap);
          }
        }
        frames.push_back(Frame{ctx, isMap, true, {}, eventString(anchor)});
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        if (!frames.back().anchor.empty()) anchors.insert(std::move(frames.back().anchor));
        frames.pop_back();
        completeNode(frames);
        break;
      default:
        break;
    }
  }
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Whether the document may hold a Deployment the gate changes; the tree decides exactly.
bool isCandidate(const Sniff& s, const GateOptions& options) {
  if (s.documents != 1 || !s.rootIsMap) return false;
  if (s.uncertain) return true;
  if (s.kind == "Deployment") return options.all || s.gateSeen;
  if (endsWith(s.kind, "List")) {
    return (s.itemDeployment || s.kind == "DeploymentList") && (options.all || s.itemGateSeen);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Pass 2, candidates only: a tree with aliases expanded.

struct Node {
  enum class Kind : std::uint8_t { Scalar, Sequence, Mapping };
  Kind kind = Kind::Scalar;
  int style = 0;  // yaml_scalar_style_t, yaml_sequence_style_t or yaml_mapping_style_t
  bool plainImplicit = true;
  bool quotedImplicit = true;
  bool implicitTag = true;  // collections
  int line = 0;             // 1-based line in the stream
  std::string tag;
  std::string anchor;
  std::string value;           // scalars
  std::vector<Node> children;  // sequences: items; mappings: key, value, key, value, ...

  bool isMap() const { return kind == Kind::Mapping; }
  bool isScalar() const { return kind == Kind::Scalar; }
};

std::size_t stripAnchors(Node& n) {
  n.anchor.clear();
  std::size_t count = 1;
  for (Node& c : n.children)
    count += stripAnchors(c);
  return count;
}

std::variant<Node, RenderError> buildTree(std::string_view text, const DocumentSpan& span, int document) {
  Parser parser(text);
  Event event;
  std::vector<Node> stack;
  std::unordered_map<std::string, Node> anchors;
  std::size_t aliasNodes = 0;
  Node root;
  bool haveRoot = false;
  auto attach = [&](Node n) {
    if (stack.empty()) {
      root = std::move(n);
      haveRoot = true;
    } else {
      stack.back().children.push_back(std::move(n));
    }
  };
  for (;;) {
    if (!event.next(parser)) return parserError(parser.raw(), text, span, document);
    const yaml_event_t& e = *event;
    int line = span.firstLine + static_cast<int>(e.start_mark.line);
    switch (e.type) {
      case YAML_STREAM_END_EVENT:
        if (!haveRoot) return documentError(text, document, span.firstLine, "document has no content");
        return root;
      case YAML_SCALAR_EVENT: {
        Node n;
        n.kind = Node::Kind::Scalar;
        n.style = e.data.scalar.style;
        n.plainImplicit = e.data.scalar.plain_implicit != 0;
        n.quotedImplicit = e.data.scalar.quoted_implicit != 0;
        n.line = line;
        n.tag = eventString(e.data.scalar.tag);
        n.anchor = eventString(e.data.scalar.anchor);
        n.value = eventText(e.data.scalar.value, e.data.scalar.length);
        if (n.tag == "!") {
          // The non-specific tag `! x` means "a string": emit it quoted instead of relying on `!`.
          n.tag.clear();
          n.plainImplicit = false;
        }
        if (n.tag.empty()) {
          // The emitter quotes a plain scalar only where plain is impossible, and such a scalar is a string
          // anyway; `!` is never needed. An empty plain scalar is null, which stays null spelled out.
          n.quotedImplicit = true;
          if (n.style == YAML_PLAIN_SCALAR_STYLE && n.value.empty()) n.value = "null";
        }
        if (!n.anchor.empty()) anchors[n.anchor] = n;
        attach(std::move(n));
        break;
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(eventString(e.data.alias.anchor));
        if (it == anchors.end()) {
          return documentError(text, document, line,
                               "unknown anchor '" + eventString(e.data.alias.anchor) + "' referenced");
        }
        Node copy = it->second;
        aliasNodes += stripAnchors(copy);
        if (aliasNodes > kMaxAliasNodes) {
          return documentError(text, document, line,
                               "aliases expand to more than " + std::to_string(kMaxAliasNodes) + " nodes");
        }
        attach(std::move(copy));
        break;
      }
      case YAML_SEQUENCE_START_EVENT: {
        Node n;
        n.kind = Node::Kind::Sequence;
        n.style = e.data.sequence_start.style;
        n.implicitTag = e.data.sequence_start.implicit != 0;
        n.line = line;
        n.tag = eventString(e.data.sequence_start.tag);
        n.anchor = eventString(e.data.sequence_start.anchor);
        stack.push_back(std::move(n));
        break;
      }
      case YAML_MAPPING_START_EVENT: {
        Node n;
        n.kind = Node::Kind::Mapping;
        n.style = e.data.mapping_start.style;
        n.implicitTag = e.data.mapping_start.implicit != 0;
        n.line = line;
        n.tag = eventString(e.data.mapping_start.tag);
        n.anchor = eventString(e.data.mapping_start.anchor);
        stack.push_back(std::move(n));
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        Node n = std::move(stack.back());
        stack.pop_back();
        if (!n.anchor.empty()) anchors[n.anchor] = n;
        attach(std::move(n));
        break;
      }
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reading and changing the tree (merge keys `<<` honoured, as go-yaml does)

bool isMergeKey(const Node& key) {
  return key.isScalar() && key.value == "<<" &&
         ((key.style == YAML_PLAIN_SCALAR_STYLE && key.tag.empty()) || key.tag == "tag:yaml.org,2002:merge");
}

bool keyIs(const Node& key, std::string_view name) {
  return key.isScalar() && key.value == name && !isMergeKey(key);
}

bool isNull(const Node& n) {
  if (!n.isScalar()) return false;
  if (n.tag == "tag:yaml.org,2002:null") return true;
  if (!n.tag.empty() || n.style != YAML_PLAIN_SCALAR_STYLE) return false;
  return n.value.empty() || n.value == "~" || n.value == "null" || n.value == "Null" || n.value == "NULL";
}

const Node* lookup(const Node& map, std::string_view key) {
  if (!map.isMap()) return nullptr;
  for (std::size_t i = 0; i + 1 < map.children.size(); i += 2) {
    if (keyIs(map.children[i], key)) return &map.children[i + 1];
  }
  for (std::size_t i = 0; i + 1 < map.children.size(); i += 2) {
    if (!isMergeKey(map.children[i])) continue;
    const Node& merged = map.children[i + 1];
    if (merged.isMap()) {
      if (const Node* found = lookup(merged, key)) return found;
    } else if (merged.kind == Node::Kind::Sequence) {
      for (const Node& m : merged.children) {
        if (const Node* found = lookup(m, key)) return found;
      }
    }
  }
  return nullptr;
}

// The string value of a scalar at `key`, or "" when absent or not a scalar.
std::string_view scalarAt(const Node* map, std::string_view key) {
  const Node* n = map ? lookup(*map, key) : nullptr;
  return n && n->isScalar() && !isNull(*n) ? std::string_view(n->value) : std::string_view();
}

Node makeScalar(std::string value, yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE) {
  Node n;
  n.kind = Node::Kind::Scalar;
  n.style = style;
  n.value = std::move(value);
  // Plain values resolve by content (numbers stay numbers); quoted ones are strings.
  n.plainImplicit = style == YAML_PLAIN_SCALAR_STYLE;
  n.quotedImplicit = true;
  return n;
}

Node makeMap() {
  Node n;
  n.kind = Node::Kind::Mapping;
  n.style = YAML_ANY_MAPPING_STYLE;
  return n;
}

// Sets map[key] as a direct key (which overrides a merged one), replacing the value in place or appending.
void setDirect(Node& map, std::string_view key, Node value) {
  for (std::size_t i = 0; i + 1 < map.children.size(); i += 2) {
    if (keyIs(map.children[i], key)) {
      value.line = map.children[i + 1].line;
      map.children[i + 1] = std::move(value);
      return;
    }
  }
  map.children.push_back(makeScalar(std::string(key)));
  map.children.push_back(std::move(value));
}

// The mapping at map[key] as a direct key: created when absent or null, copied when it only comes from a
// merge key. nullptr when the value is something else.
Node* directMap(Node& map, std::string_view key) {
  for (std::size_t i = 0; i + 1 < map.children.size(); i += 2) {
    if (!keyIs(map.children[i], key)) continue;
    Node& value = map.children[i + 1];
    if (isNull(value)) {
      int line = value.line;
      value = makeMap();
      value.line = line;
    }
    if (!value.isMap()) return nullptr;
    // A map the gate adds keys to goes block style unless it sits inside a flow collection.
    if (value.style == YAML_FLOW_MAPPING_STYLE) value.style = YAML_ANY_MAPPING_STYLE;
    return &value;
  }
  const Node* merged = lookup(map, key);
  if (merged && !merged->isMap() && !isNull(*merged)) return nullptr;
  Node value = merged && merged->isMap() ? *merged : makeMap();
  stripAnchors(value);
  if (value.style == YAML_FLOW_MAPPING_STYLE) value.style = YAML_ANY_MAPPING_STYLE;
  map.children.push_back(makeScalar(std::string(key)));
  map.children.push_back(std::move(value));
  return &map.children.back();
}

bool parseDecimal(std::string_view s, std::int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

enum class IntField : std::uint8_t { Absent, Ok, Bad };

// An integer field as the API server reads it: a plain (or !!int) decimal; null counts as absent.
IntField intField(const Node* n, std::int64_t& out) {
  if (!n || isNull(*n)) return IntField::Absent;
  if (!n->isScalar()) return IntField::Bad;
  bool intLike = (n->style == YAML_PLAIN_SCALAR_STYLE && n->tag.empty()) || n->tag == "tag:yaml.org,2002:int";
  return intLike && parseDecimal(n->value, out) ? IntField::Ok : IntField::Bad;
}

std::string describeValue(const Node& n) {
  if (!n.isScalar()) return n.isMap() ? "a mapping" : "a sequence";
  std::string quoted = "\"" + n.value + "\"";
  return n.style == YAML_PLAIN_SCALAR_STYLE ? quoted : "the string " + quoted;
}

// A scalar as JSON, resolved the way a plain YAML scalar is (core schema); quoted scalars are strings.
boost::json::value scalarJson(const Node& n) {
  bool plain = n.style == YAML_PLAIN_SCALAR_STYLE && n.tag.empty();
  if (isNull(n)) return nullptr;
  if (!plain && n.tag != "tag:yaml.org,2002:int" && n.tag != "tag:yaml.org,2002:bool" &&
      n.tag != "tag:yaml.org,2002:float") {
    return boost::json::string(n.value);
  }
  const std::string& v = n.value;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  std::int64_t i = 0;
  if (parseDecimal(v, i)) return i;
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec == std::errc() && ptr == v.data() + v.size() && !v.empty()) return d;
  return boost::json::string(v);
}

boost::json::value toJson(const Node& n) {
  switch (n.kind) {
    case Node::Kind::Scalar:
      return scalarJson(n);
    case Node::Kind::Sequence: {
      boost::json::array a;
      for (const Node& c : n.children)
        a.push_back(toJson(c));
      return a;
    }
    case Node::Kind::Mapping: {
      boost::json::object o;
      for (std::size_t i = 0; i + 1 < n.children.size(); i += 2) {
        const Node& k = n.children[i];
        if (isMergeKey(k)) continue;
        o[k.isScalar() ? k.value : boost::json::serialize(toJson(k))] = toJson(n.children[i + 1]);
      }
      for (std::size_t i = 0; i + 1 < n.children.size(); i += 2) {
        if (!isMergeKey(n.children[i])) continue;
        const Node& merged = n.children[i + 1];
        std::vector<const Node*> maps;
        if (merged.isMap()) maps.push_back(&merged);
        for (const Node& m : merged.children) {
          if (merged.kind == Node::Kind::Sequence && m.isMap()) maps.push_back(&m);
        }
        for (const Node* m : maps) {
          boost::json::value mergedJson = toJson(*m);
          for (auto& [key, value] : mergedJson.as_object()) {
            if (!o.contains(key)) o[key] = value;
          }
        }
      }
      return o;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------------
// The canary shape

struct DocContext {
  std::string_view text;
  int document = 0;
  const GateOptions& options;
  PostRendered& result;
};

std::string objectName(const Node& dep) {
  const Node* metadata = lookup(dep, "metadata");
  std::string_view name = scalarAt(metadata, "name");
  return "deploy/" + std::string(name.empty() ? "<unnamed>" : name);
}

std::optional<RenderError> fieldError(const DocContext& ctx, const Node& dep, const Node& at,
                                      std::string what) {
  return documentError(ctx.text, ctx.document, at.line, objectName(dep) + ": " + std::move(what));
}

// Decides whether `dep` is gated: its aiops.dev/gate annotation, else --all.
std::variant<bool, RenderError> isGated(const DocContext& ctx, const Node& dep) {
  const Node* metadata = lookup(dep, "metadata");
  const Node* annotations = metadata ? lookup(*metadata, "annotations") : nullptr;
  const Node* gate = annotations ? lookup(*annotations, kGateAnnotation) : nullptr;
  if (!gate) return ctx.options.all;
  if (gate->isScalar() && gate->value == "true") return true;
  if (gate->isScalar() && gate->value == "false") return false;
  return *fieldError(ctx, dep, *gate,
                     "annotation " + std::string(kGateAnnotation) + " must be \"true\" or \"false\", got " +
                         describeValue(*gate));
}

// Sets the canary shape on one gated Deployment; records the original values once.
std::optional<RenderError> applyGate(const DocContext& ctx, Node& dep) {
  const Node* specView = lookup(dep, "spec");
  if (!specView || !specView->isMap()) {
    return fieldError(ctx, dep, specView ? *specView : dep, "spec must be a mapping to be gated");
  }
  std::int64_t replicas = 1;
  const Node* replicasNode = lookup(*specView, "replicas");
  IntField r = intField(replicasNode, replicas);
  if (r == IntField::Bad || (r == IntField::Ok && replicas < 0)) {
    return fieldError(ctx, dep, *replicasNode,
                      "spec.replicas must be a non-negative integer, got " + describeValue(*replicasNode));
  }
  std::int64_t minReady = 0;
  const Node* minReadyNode = lookup(*specView, "minReadySeconds");
  IntField m = intField(minReadyNode, minReady);
  if (m == IntField::Bad) {
    return fieldError(ctx, dep, *minReadyNode,
                      "spec.minReadySeconds must be an integer, got " + describeValue(*minReadyNode));
  }
  std::int64_t deadline = 0;
  const Node* deadlineNode = lookup(*specView, "progressDeadlineSeconds");
  IntField d = intField(deadlineNode, deadline);
  if (d == IntField::Bad) {
    return fieldError(ctx, dep, *deadlineNode,
                      "spec.progressDeadlineSeconds must be an integer, got " + describeValue(*deadlineNode));
  }
  // Read everything from the original before changing the tree (changes may move nodes).
  const Node* strategyNode = lookup(*specView, "strategy");
  std::string strategyType(scalarAt(strategyNode, "type"));
  boost::json::object original;
  original["strategy"] = strategyNode ? toJson(*strategyNode) : boost::json::value(nullptr);
  original["minReadySeconds"] = m == IntField::Ok ? boost::json::value(minReady) : nullptr;
  original["progressDeadlineSeconds"] = d == IntField::Ok ? boost::json::value(deadline) : nullptr;
  std::string name = objectName(dep);

  Node* metadata = directMap(dep, "metadata");
  if (!metadata) return fieldError(ctx, dep, dep, "metadata must be a mapping");
  Node* annotations = directMap(*metadata, "annotations");
  if (!annotations) return fieldError(ctx, dep, *metadata, "metadata.annotations must be a mapping");

  GatedDeployment gated;
  gated.document = ctx.document;
  gated.name = std::string(scalarAt(metadata, "name"));
  gated.ns = std::string(scalarAt(metadata, "namespace"));
  gated.canary = std::max<std::int64_t>(1, std::min(ctx.options.canary, replicas));
  gated.wasGated = lookup(*annotations, kOriginalAnnotation) != nullptr;

  if (!gated.wasGated) {
    setDirect(*annotations, kOriginalAnnotation,
              makeScalar(boost::json::serialize(original), YAML_SINGLE_QUOTED_SCALAR_STYLE));
    if (!strategyType.empty() && strategyType != "RollingUpdate") {
      ctx.result.warnings.push_back(name + ": strategy " + strategyType +
                                    " replaced by RollingUpdate for the gate; the original is kept in " +
                                    std::string(kOriginalAnnotation));
    }
  }
  setDirect(*annotations, kCanaryAnnotation,
            makeScalar(std::to_string(gated.canary), YAML_DOUBLE_QUOTED_SCALAR_STYLE));
  setDirect(*annotations, kWindowAnnotation,
            makeScalar(std::to_string(ctx.options.windowSeconds) + "s", YAML_DOUBLE_QUOTED_SCALAR_STYLE));

  Node* spec = directMap(dep, "spec");
  Node rollingUpdate = makeMap();
  rollingUpdate.children.push_back(makeScalar("maxSurge"));
  rollingUpdate.children.push_back(makeScalar(std::to_string(gated.canary)));
  rollingUpdate.children.push_back(makeScalar("maxUnavailable"));
  rollingUpdate.children.push_back(makeScalar("0"));
  Node strategy = makeMap();
  strategy.children.push_back(makeScalar("type"));
  strategy.children.push_back(makeScalar("RollingUpdate"));
  strategy.children.push_back(makeScalar("rollingUpdate"));
  strategy.children.push_back(std::move(rollingUpdate));
  setDirect(*spec, "strategy", std::move(strategy));
  setDirect(*spec, "minReadySeconds", makeScalar(std::to_string(ctx.options.windowSeconds)));
  // The API server refuses progressDeadlineSeconds <= minReadySeconds; keep the usual margin past the window.
  std::int64_t effectiveDeadline = d == IntField::Ok ? deadline : kDefaultProgressDeadlineSeconds;
  if (effectiveDeadline <= ctx.options.windowSeconds) {
    setDirect(*spec, "progressDeadlineSeconds",
              makeScalar(std::to_string(ctx.options.windowSeconds + kDefaultProgressDeadlineSeconds)));
  }
  ctx.result.gated.push_back(std::move(gated));
  return std::nullopt;
}

bool isDeployment(const Node& obj, std::string_view listKind, std::string_view listApiVersion) {
  if (!obj.isMap()) return false;
  std::string_view kind = scalarAt(&obj, "kind");
  std::string_view apiVersion = scalarAt(&obj, "apiVersion");
  if (kind.empty() && apiVersion.empty()) return listKind == "DeploymentList" && listApiVersion == "apps/v1";
  return kind == "Deployment" && apiVersion == "apps/v1";
}

// Gates the document's Deployment, or the Deployments among a List's items. Returns whether anything changed.
std::variant<bool, RenderError> applyToDocument(const DocContext& ctx, Node& root) {
  if (!root.isMap()) return false;
  std::string kind(scalarAt(&root, "kind"));
  std::string apiVersion(scalarAt(&root, "apiVersion"));
  auto gateOne = [&](Node& obj) -> std::variant<bool, RenderError> {
    auto gated = isGated(ctx, obj);
    if (auto* err = std::get_if<RenderError>(&gated)) return *err;
    if (!std::get<bool>(gated)) return false;
    if (auto err = applyGate(ctx, obj)) return *err;
    return true;
  };
  if (isDeployment(root, "", "")) return gateOne(root);
  if (!endsWith(kind, "List")) return false;
  const Node* itemsView = lookup(root, "items");
  if (!itemsView || itemsView->kind != Node::Kind::Sequence) return false;
  bool any = std::any_of(itemsView->children.begin(), itemsView->children.end(),
                         [&](const Node& item) { return isDeployment(item, kind, apiVersion); });
  if (!any) return false;
  // Make items a direct key (it may come from a merge key) before changing them.
  Node* items = nullptr;
  for (std::size_t i = 0; i + 1 < root.children.size(); i += 2) {
    if (keyIs(root.children[i], "items")) items = &root.children[i + 1];
  }
  if (!items) {
    setDirect(root, "items", *itemsView);
    items = &root.children.back();
  }
  bool changed = false;
  for (Node& item : items->children) {
    if (!isDeployment(item, kind, apiVersion)) continue;
    auto one = gateOne(item);
    if (auto* err = std::get_if<RenderError>(&one)) return *err;
    changed = std::get<bool>(one) || changed;
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------------------
// Emitting a changed document through libyaml

int appendOutput(void* data, unsigned char* buffer, std::size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

class Emitter {
 public:
  Emitter(std::string& out, bool crlf) {
    yaml_emitter_initialize(&emitter_);
    yaml_emitter_set_output(&emitter_, &appendOutput, &out);
    yaml_emitter_set_unicode(&emitter_, 1);
    yaml_emitter_set_width(&emitter_, -1);  // never fold long lines
    yaml_emitter_set_indent(&emitter_, 2);
    yaml_emitter_set_break(&emitter_, crlf ? YAML_CRLN_BREAK : YAML_LN_BREAK);
  }
  ~Emitter() { yaml_emitter_delete(&emitter_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  // Emits a whole single-document stream with an implicit `---`.
  bool document(const Node& root) {
    yaml_event_t e;
    yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
    if (!emit(e)) return false;
    yaml_document_start_event_initialize(&e, nullptr, nullptr, nullptr, 1);
    if (!emit(e) || !node(root)) return false;
    yaml_document_end_event_initialize(&e, 1);
    if (!emit(e)) return false;
    yaml_stream_end_event_initialize(&e);
    return emit(e) && yaml_emitter_flush(&emitter_) != 0;
  }
  std::string problem() const { return emitter_.problem ? emitter_.problem : "emitter failed"; }

 private:
  bool emit(yaml_event_t& e) { return yaml_emitter_emit(&emitter_, &e) != 0; }

  bool node(const Node& n) {
    yaml_event_t e;
    const yaml_char_t* anchor = yamlChars(n.anchor);
    const yaml_char_t* tag = yamlChars(n.tag);
    switch (n.kind) {
      case Node::Kind::Scalar:
        yaml_scalar_event_initialize(&e, anchor, tag, reinterpret_cast<const yaml_char_t*>(n.value.data()),
                                     static_cast<int>(n.value.size()), n.plainImplicit ? 1 : 0,
                                     n.quotedImplicit ? 1 : 0, static_cast<yaml_scalar_style_t>(n.style));
        return emit(e);
      case Node::Kind::Sequence:
        yaml_sequence_start_event_initialize(&e, anchor, tag, n.implicitTag ? 1 : 0,
                                             static_cast<yaml_sequence_style_t>(n.style));
        if (!emit(e)) return false;
        for (const Node& c : n.children) {
          if (!node(c)) return false;
        }
        yaml_sequence_end_event_initialize(&e);
        return emit(e);
      case Node::Kind::Mapping:
        yaml_mapping_start_event_initialize(&e, anchor, tag, n.implicitTag ? 1 : 0,
                                            static_cast<yaml_mapping_style_t>(n.style));
        if (!emit(e)) return false;
        for (const Node& c : n.children) {
          if (!node(c)) return false;
        }
        yaml_mapping_end_event_initialize(&e);
        return emit(e);
    }
    return false;
  }

  yaml_emitter_t emitter_;
};

// Where a changed document's kept comments end and start again: [0, leadingEnd) and [trailingBegin, size) are
// copied verbatim around the emitted body.
struct Verbatim {
  std::size_t leadingEnd = 0;
  bool markerInline = false;  // the `---` line itself carries content, so the body needs its own `---`
  std::size_t trailingBegin = 0;
};

Verbatim verbatimParts(std::string_view text, bool streamStart) {
  Verbatim v;
  v.leadingEnd = text.size();
  for (std::size_t pos = 0; pos < text.size();) {
    Line l = lineAt(text, pos);
    std::string_view s = lineText(text, l, streamStart);
    if (isMarker(s, "---") && markerHasInlineContent(s)) {
      v.leadingEnd = pos;
      v.markerInline = true;
      break;
    }
    bool prefix = isMarker(s, "---") || isMarker(s, "...") || !isContentLine(s) || s.front() == '%';
    if (!prefix) {
      v.leadingEnd = pos;
      break;
    }
    pos = l.next;
  }
  // Trailing: column-0 comments, blank lines after them and a final `...`. It must start with a column-0
  // comment or `...`, which ends any block scalar the emitted body finishes with.
  std::vector<Line> lines;
  for (std::size_t pos = v.leadingEnd; pos < text.size();) {
    lines.push_back(lineAt(text, pos));
    pos = lines.back().next;
  }
  v.trailingBegin = text.size();
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    std::string_view s = text.substr(it->begin, it->end - it->begin);
    bool comment = !s.empty() && s.front() == '#';
    if (comment || isMarker(s, "...")) {
      v.trailingBegin = it->begin;
    } else if (!isBlank(s)) {
      break;
    }
  }
  return v;
}

bool usesCrlf(std::string_view text) {
  std::size_t nl = text.find('\n');
  return nl != std::string_view::npos && nl > 0 && text[nl - 1] == '\r';
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------

std::string RenderError::describe() const {
  std::string where = document > 0 ? "document " + std::to_string(document) : "input";
  if (!source.empty()) where += " (" + source + ")";
  if (line > 0) where += ", line " + std::to_string(line);
  return where + ": " + message;
}

std::vector<DocumentSpan> splitDocuments(std::string_view input) {
  struct Raw {
    std::size_t begin = 0;
    std::size_t end = 0;
    int firstLine = 1;
    bool marker = false;   // opened by a `---` line
    bool content = false;  // has a line that is neither blank, comment nor directive
  };
  std::vector<Raw> raw;
  Raw cur;
  int lineNo = 1;
  for (std::size_t pos = 0; pos < input.size(); ++lineNo) {
    Line l = lineAt(input, pos);
    std::string_view s = lineText(input, l, /*streamStart=*/true);
    if (isMarker(s, "---")) {
      if (pos > cur.begin || cur.marker) {
        cur.end = pos;
        raw.push_back(cur);
      }
      cur = Raw{pos, pos, lineNo, true, markerHasInlineContent(s)};
    } else if (isMarker(s, "...")) {
      cur.end = l.next;
      raw.push_back(cur);
      cur = Raw{l.next, l.next, lineNo + 1, false, false};
    } else if (!cur.content && isContentLine(s) && (cur.marker || s.front() != '%')) {
      cur.content = true;
    }
    pos = l.next;
  }
  if (cur.begin < input.size() || cur.marker) {
    cur.end = input.size();
    raw.push_back(cur);
  }
  // Comment-only or directive-only pieces are the prefix of the next document, as a YAML parser reads them.
  std::vector<DocumentSpan> spans;
  bool pending = false;
  DocumentSpan next;
  for (const Raw& r : raw) {
    if (!pending) {
      next.begin = r.begin;
      next.firstLine = r.firstLine;
    }
    pending = !r.marker && !r.content;
    if (pending) continue;
    next.end = r.end;
    next.isDocument = true;
    spans.push_back(next);
  }
  if (pending) spans.push_back(DocumentSpan{next.begin, input.size(), next.firstLine, false});
  return spans;
}

std::optional<std::int64_t> parseWindow(std::string_view text) {
  constexpr std::int64_t kMax = 24 * 3600;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (!parseDecimal(text, total)) return std::nullopt;
  } else {
    while (!text.empty()) {
      std::int64_t n = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || n < 0 || n > kMax || ptr == text.data() + text.size()) return std::nullopt;
      std::size_t used = static_cast<std::size_t>(ptr - text.data());
      char unit = text[used];
      std::int64_t scale = unit == 'h' ? 3600 : unit == 'm' ? 60 : unit == 's' ? 1 : 0;
      if (scale == 0 || (unit == 'm' && used + 1 < text.size() && text[used + 1] == 's')) return std::nullopt;
      total += n * scale;
      if (total > kMax) return std::nullopt;
      text.remove_prefix(used + 1);
    }
  }
  if (total < 1 || total > kMax) return std::nullopt;
  return total;
}

namespace {

// One document: copied verbatim, or gated and emitted again. Appends to part.output.
std::optional<RenderError> processSpan(std::string_view input, const DocumentSpan& span, int number,
                                       const GateOptions& options, PostRendered& part) {
  std::string_view text = input.substr(span.begin, span.end - span.begin);
  auto sniffed = sniffDocument(text, span, number);
  if (auto* err = std::get_if<RenderError>(&sniffed)) return std::move(*err);
  if (!span.isDocument || !isCandidate(std::get<Sniff>(sniffed), options)) {
    part.output.append(text);
    return std::nullopt;
  }
  auto tree = buildTree(text, span, number);
  if (auto* err = std::get_if<RenderError>(&tree)) return std::move(*err);
  Node& root = std::get<Node>(tree);
  DocContext ctx{text, number, options, part};
  auto changed = applyToDocument(ctx, root);
  if (auto* err = std::get_if<RenderError>(&changed)) return std::move(*err);
  if (!std::get<bool>(changed)) {
    part.output.append(text);
    return std::nullopt;
  }
  bool crlf = usesCrlf(text);
  Verbatim v = verbatimParts(text, span.begin == 0);
  std::string body;
  Emitter emitter(body, crlf);
  if (!emitter.document(root)) {
    return documentError(text, number, span.firstLine,
                         "cannot emit the gated document: " + emitter.problem());
  }
  part.output.append(text.substr(0, v.leadingEnd));
  if (v.markerInline) part.output.append(crlf ? "---\r\n" : "---\n");
  part.output.append(body);
  part.output.append(text.substr(v.trailingBegin));
  return std::nullopt;
}

// Streams above this size are validated by up to kMaxWorkers threads, each taking a contiguous run of
// documents (parsing dominates, and documents are independent). Output order and errors are unchanged:
// the parts are joined in order and the earliest document's error wins.
constexpr std::size_t kParallelBytes = 1u << 20;
constexpr unsigned kMaxWorkers = 4;

}  // namespace

PostRenderResult postRender(std::string_view input, const GateOptions& options) {
  std::vector<DocumentSpan> spans = splitDocuments(input);
  std::vector<int> numbers(spans.size());
  int documents = 0;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    numbers[i] = documents + 1;  // a trailing comment-only piece is reported after the last document
    if (spans[i].isDocument) ++documents;
  }
  unsigned workers = 1;
  if (input.size() >= kParallelBytes) {
    workers = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxWorkers);
    workers = static_cast<unsigned>(std::min<std::size_t>(workers, spans.size()));
    workers = std::max(workers, 1u);
  }
  // Contiguous groups of about equal bytes: [bounds[w], bounds[w + 1]).
  std::vector<std::size_t> bounds = {0};
  for (std::size_t i = 0; i < spans.size() && bounds.size() < workers; ++i) {
    if (spans[i].end >= input.size() * bounds.size() / workers) bounds.push_back(i + 1);
  }
  bounds.push_back(spans.size());
  std::size_t groups = bounds.size() - 1;

  std::vector<PostRendered> parts(groups);
  std::vector<std::optional<RenderError>> errors(groups);
  std::vector<std::exception_ptr> failures(groups);
  auto runGroup = [&](std::size_t g) {
    try {
      std::size_t bytes = spans.empty() || bounds[g] == bounds[g + 1]
                              ? 0
                              : spans[bounds[g + 1] - 1].end - spans[bounds[g]].begin;
      parts[g].output.reserve(g == 0 ? input.size() + 4096 : bytes + 4096);
      for (std::size_t i = bounds[g]; i < bounds[g + 1] && !errors[g]; ++i) {
        errors[g] = processSpan(input, spans[i], numbers[i], options, parts[g]);
      }
    } catch (...) {
      failures[g] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t g = 1; g < groups; ++g)
    threads.emplace_back(runGroup, g);
  runGroup(0);
  for (std::thread& t : threads)
    t.join();

  PostRendered result = std::move(parts[0]);
  for (std::size_t g = 0; g < groups; ++g) {
    if (failures[g]) std::rethrow_exception(failures[g]);
    if (errors[g]) return std::move(*errors[g]);
    if (g == 0) continue;
    result.output.append(parts[g].output);
    parts[g].output = std::string();
    result.gated.insert(result.gated.end(), parts[g].gated.begin(), parts[g].gated.end());
    result.warnings.insert(result.warnings.end(), parts[g].warnings.begin(), parts[g].warnings.end());
  }
  result.documents = documents;
  return result;
}

}  // namespace aiops::gate
