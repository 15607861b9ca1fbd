// A protobuf wire-format reader and the message layouts of the kinds kubectl sends as protobuf (protobuf.h).
#include "protobuf.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "codec.h"
#include "meta.h"

namespace kubesim {

namespace json = boost::json;

namespace {

enum class T { String, Int, Bool, Bytes, Time, Message, MapString, MapBytes };

struct Message;
struct Field {
  int number;
  const char* name;
  T type;
  bool repeated = false;
  const Message* message = nullptr;
};
struct Message {
  std::vector<Field> fields;
};

// Layouts from Kubernetes' generated.proto files (field numbers are the wire contract).
const Message& ownerReference() {
  static const Message m{{{5, "apiVersion", T::String},
                          {1, "kind", T::String},
                          {3, "name", T::String},
                          {4, "uid", T::String},
                          {6, "controller", T::Bool},
                          {7, "blockOwnerDeletion", T::Bool}}};
  return m;
}
const Message& objectMeta() {
  static const Message m{{{1, "name", T::String},
                          {2, "generateName", T::String},
                          {3, "namespace", T::String},
                          {5, "uid", T::String},
                          {6, "resourceVersion", T::String},
                          {7, "generation", T::Int},
                          {8, "creationTimestamp", T::Time},
                          {11, "labels", T::MapString},
                          {12, "annotations", T::MapString},
                          {13, "ownerReferences", T::Message, true, &ownerReference()},
                          {14, "finalizers", T::String, true}}};
  return m;
}
const Message& resourceAttributes() {
  static const Message m{{{1, "namespace", T::String},
                          {2, "verb", T::String},
                          {3, "group", T::String},
                          {4, "version", T::String},
                          {5, "resource", T::String},
                          {6, "subresource", T::String},
                          {7, "name", T::String}}};
  return m;
}
const Message& nonResourceAttributes() {
  static const Message m{{{1, "path", T::String}, {2, "verb", T::String}}};
  return m;
}
const Message& selfSubjectAccessReview() {
  static const Message spec{{{1, "resourceAttributes", T::Message, false, &resourceAttributes()},
                             {2, "nonResourceAttributes", T::Message, false, &nonResourceAttributes()}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}
const Message& subjectAccessReview() {
  static const Message spec{{{1, "resourceAttributes", T::Message, false, &resourceAttributes()},
                             {2, "nonResourceAttributes", T::Message, false, &nonResourceAttributes()},
                             {3, "user", T::String},
                             {4, "groups", T::String, true},
                             {6, "uid", T::String}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}
const Message& selfSubjectRulesReview() {
  static const Message spec{{{1, "namespace", T::String}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}
const Message& metadataOnly() {
  static const Message m{{{1, "metadata", T::Message, false, &objectMeta()}}};
  return m;
}
const Message& tokenRequest() {
  static const Message bound{
      {{1, "kind", T::String}, {2, "apiVersion", T::String}, {3, "name", T::String}, {4, "uid", T::String}}};
  static const Message spec{{{1, "audiences", T::String, true},
                             {4, "expirationSeconds", T::Int},
                             {3, "boundObjectRef", T::Message, false, &bound}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}
const Message& tokenReview() {
  static const Message spec{{{1, "token", T::String}, {2, "audiences", T::String, true}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}
const Message& eviction() {
  static const Message preconditions{{{1, "uid", T::String}, {2, "resourceVersion", T::String}}};
  static const Message deleteOptions{{{1, "gracePeriodSeconds", T::Int},
                                      {2, "preconditions", T::Message, false, &preconditions},
                                      {3, "orphanDependents", T::Bool},
                                      {4, "propagationPolicy", T::String},
                                      {5, "dryRun", T::String, true}}};
  static const Message m{{{1, "metadata", T::Message, false, &objectMeta()},
                          {2, "deleteOptions", T::Message, false, &deleteOptions}}};
  return m;
}
const Message& namespaceMessage() {
  static const Message spec{{{1, "finalizers", T::String, true}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}
const Message& configMap() {
  static const Message m{{{1, "metadata", T::Message, false, &objectMeta()},
                          {2, "data", T::MapString},
                          {3, "binaryData", T::MapBytes},
                          {4, "immutable", T::Bool}}};
  return m;
}
const Message& secret() {
  static const Message m{{{1, "metadata", T::Message, false, &objectMeta()},
                          {2, "data", T::MapBytes},
                          {3, "type", T::String},
                          {4, "stringData", T::MapString},
                          {5, "immutable", T::Bool}}};
  return m;
}
const Message& serviceAccount() {
  static const Message objectReference{{{1, "kind", T::String},
                                        {2, "namespace", T::String},
                                        {3, "name", T::String},
                                        {4, "uid", T::String},
                                        {5, "apiVersion", T::String},
                                        {6, "resourceVersion", T::String},
                                        {7, "fieldPath", T::String}}};
  static const Message localReference{{{1, "name", T::String}}};
  static const Message m{{{1, "metadata", T::Message, false, &objectMeta()},
                          {2, "secrets", T::Message, true, &objectReference},
                          {3, "imagePullSecrets", T::Message, true, &localReference},
                          {4, "automountServiceAccountToken", T::Bool}}};
  return m;
}

const Message& horizontalPodAutoscalerV1() {
  static const Message target{{{1, "kind", T::String}, {2, "name", T::String}, {3, "apiVersion", T::String}}};
  static const Message spec{{{1, "scaleTargetRef", T::Message, false, &target},
                             {2, "minReplicas", T::Int},
                             {3, "maxReplicas", T::Int},
                             {4, "targetCPUUtilizationPercentage", T::Int}}};
  static const Message m{
      {{1, "metadata", T::Message, false, &objectMeta()}, {2, "spec", T::Message, false, &spec}}};
  return m;
}

const Message* layoutOf(std::string_view group, std::string_view version, std::string_view kind) {
  if (group == "autoscaling" && version == "v1" && kind == "HorizontalPodAutoscaler")
    return &horizontalPodAutoscalerV1();
  if (group == "authorization.k8s.io") {
    if (kind == "SelfSubjectAccessReview") return &selfSubjectAccessReview();
    if (kind == "SubjectAccessReview" || kind == "LocalSubjectAccessReview") return &subjectAccessReview();
    if (kind == "SelfSubjectRulesReview") return &selfSubjectRulesReview();
  }
  if (group == "authentication.k8s.io") {
    if (kind == "SelfSubjectReview") return &metadataOnly();
    if (kind == "TokenRequest") return &tokenRequest();
    if (kind == "TokenReview") return &tokenReview();
  }
  if (group == "policy" && kind == "Eviction") return &eviction();
  if (group.empty()) {
    if (kind == "Namespace") return &namespaceMessage();
    if (kind == "ConfigMap") return &configMap();
    if (kind == "Secret") return &secret();
    if (kind == "ServiceAccount") return &serviceAccount();
  }
  return nullptr;
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw DecodeError("truncated protobuf varint");
      auto byte = static_cast<unsigned char>(data_[pos_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    throw DecodeError("malformed protobuf varint");
  }
  std::string_view bytes() {
    std::uint64_t n = varint();
    if (n > data_.size() - pos_) throw DecodeError("truncated protobuf field");
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(int wireType) {
    switch (wireType) {
      case 0:
        varint();
        return;
      case 1:
        advance(8);
        return;
      case 2:
        bytes();
        return;
      case 5:
        advance(4);
        return;
      default:
        throw DecodeError("unsupported protobuf wire type " + std::to_string(wireType));
    }
  }

 private:
  void advance(std::size_t n) {
    if (n > data_.size() - pos_) throw DecodeError("truncated protobuf field");
    pos_ += n;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
};

json::object decodeMessage(std::string_view data, const Message& layout);

std::pair<std::string, std::string> mapEntry(std::string_view data) {
  Reader r(data);
  std::string key, value;
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    int number = static_cast<int>(tag >> 3), wire = static_cast<int>(tag & 7);
    if (wire == 2 && number == 1)
      key = std::string(r.bytes());
    else if (wire == 2 && number == 2)
      value = std::string(r.bytes());
    else
      r.skip(wire);
  }
  return {key, value};
}

// Go's zero time.Time (0001-01-01T00:00:00Z), which gogo-protobuf writes for an unset non-pointer Time.
constexpr std::int64_t kZeroTimeSeconds = -62135596800;

std::string timeOf(std::string_view data) {
  Reader r(data);
  std::int64_t seconds = 0, nanos = 0;
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    int number = static_cast<int>(tag >> 3), wire = static_cast<int>(tag & 7);
    if (wire == 0 && number == 1)
      seconds = static_cast<std::int64_t>(r.varint());
    else if (wire == 0 && number == 2)
      nanos = static_cast<std::int64_t>(r.varint());
    else
      r.skip(wire);
  }
  if (seconds == kZeroTimeSeconds && nanos == 0) return {};
  return formatTime(
      std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos))));
}

json::object decodeMessage(std::string_view data, const Message& layout) {
  json::object out;
  Reader r(data);
  while (!r.done()) {
    std::uint64_t tag = r.varint();
    int number = static_cast<int>(tag >> 3), wire = static_cast<int>(tag & 7);
    const Field* field = nullptr;
    for (const Field& f : layout.fields)
      if (f.number == number) field = &f;
    if (!field) {
      r.skip(wire);
      continue;
    }
    json::value value;
    switch (field->type) {
      case T::String:
        if (wire != 2)
          throw DecodeError(std::string("protobuf field ") + field->name + " has the wrong wire type");
        value = json::string(r.bytes());
        break;
      case T::Bytes:
        value = json::string(base64Encode(r.bytes()));
        break;
      case T::Int:
        value = static_cast<std::int64_t>(r.varint());
        break;
      case T::Bool:
        value = r.varint() != 0;
        break;
      case T::Time:
        value = json::string(timeOf(r.bytes()));
        break;
      case T::Message:
        value = decodeMessage(r.bytes(), *field->message);
        break;
      case T::MapString:
      case T::MapBytes: {
        auto [k, v] = mapEntry(r.bytes());
        json::value& map = out[field->name];
        if (!map.is_object()) map = json::object{};
        map.get_object()[k] = field->type == T::MapBytes ? json::string(base64Encode(v)) : json::string(v);
        continue;
      }
    }
    // gogo-protobuf writes non-pointer fields even when empty; JSON (omitempty) would leave them out.
    if (!field->repeated &&
        ((value.is_string() && value.get_string().empty()) ||
         (field->type == T::Int && std::string_view(field->name) == "generation" && value.as_int64() == 0)))
      continue;
    if (field->repeated) {
      json::value& list = out[field->name];
      if (!list.is_array()) list = json::array{};
      list.get_array().push_back(std::move(value));
    } else {
      out[field->name] = std::move(value);
    }
  }
  return out;
}

}  // namespace

std::optional<json::object> decodeProtobuf(std::string_view body, std::string_view group,
                                           std::string_view kind) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (!body.starts_with(kMagic))
    throw DecodeError("protobuf body does not start with the Kubernetes envelope");
  Reader envelope(body.substr(kMagic.size()));
  std::string apiVersion, encodedKind;
  std::string_view raw;
  while (!envelope.done()) {
    std::uint64_t tag = envelope.varint();
    int number = static_cast<int>(tag >> 3), wire = static_cast<int>(tag & 7);
    if (number == 1 && wire == 2) {
      Reader typeMeta(envelope.bytes());
      while (!typeMeta.done()) {
        std::uint64_t t = typeMeta.varint();
        int n = static_cast<int>(t >> 3), w = static_cast<int>(t & 7);
        if (n == 1 && w == 2)
          apiVersion = std::string(typeMeta.bytes());
        else if (n == 2 && w == 2)
          encodedKind = std::string(typeMeta.bytes());
        else
          typeMeta.skip(w);
      }
    } else if (number == 2 && wire == 2) {
      raw = envelope.bytes();
    } else {
      envelope.skip(wire);
    }
  }
  if (!encodedKind.empty()) kind = encodedKind;
  std::string_view version;
  if (!apiVersion.empty()) {
    std::size_t slash = apiVersion.find('/');
    group = slash == std::string::npos ? std::string_view() : std::string_view(apiVersion).substr(0, slash);
    version = slash == std::string::npos ? std::string_view(apiVersion)
                                         : std::string_view(apiVersion).substr(slash + 1);
  }
  const Message* layout = layoutOf(group, version, kind);
  if (!layout) return std::nullopt;
  json::object object = decodeMessage(raw, *layout);
  json::object out;
  if (!apiVersion.empty()) out["apiVersion"] = apiVersion;
  out["kind"] = kind;
  for (auto& kv : object)
    out[kv.key()] = std::move(kv.value());
  return out;
}

}  // namespace kubesim
