// Redaction of Secret data, secret-looking env values and credential-shaped strings.
//
// The patterns are the provider formats the gitleaks and trufflehog rule sets use (research note
// security-and-audit.md §8.2), written here from those facts. Each has a cheap literal pre-check, so a record
// full of ordinary identifiers costs no regex work.
#include "governance/redact.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <regex>

namespace aiops::governance {
namespace {

namespace json = boost::json;

constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool containsAny(std::string_view text, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view needle) { return text.find(needle) != std::string_view::npos; });
}

struct Pattern {
  std::regex regex;
  std::string replacement;  // "$1<redacted>$3" keeps the surrounding groups
  bool (*applies)(std::string_view text, const std::string& lowered);  // the literal pre-check
};

const std::array<Pattern, 13>& patterns() {
  static const auto flags = std::regex::ECMAScript | std::regex::optimize;
  static const std::array<Pattern, 13> list{{
      {std::regex(
           R"(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END[ A-Z0-9_-]{0,100})"
           R"(PRIVATE KEY( BLOCK)?-----|$))",
           flags),
       "<redacted>", [](std::string_view t, const std::string&) { return t.find("PRIVATE KEY") != t.npos; }},
      {std::regex(R"(\b(A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b)", flags), "<redacted>",
       [](std::string_view t, const std::string&) {
         return containsAny(t, {"A3T", "AKIA", "ASIA", "ABIA", "ACCA"});
       }},
      {std::regex(R"(\b(gh[pousr]_[0-9A-Za-z]{36}|github_pat_\w{82})\b)", flags), "<redacted>",
       [](std::string_view t, const std::string&) {
         return containsAny(t, {"gh", "github_pat_"});
       }},
      {std::regex(R"(\bglpat-[\w-]{20})", flags), "<redacted>",
       [](std::string_view t, const std::string&) { return t.find("glpat-") != t.npos; }},
      {std::regex(R"(\bxox[abposr]-[0-9A-Za-z-]{10,})", flags), "<redacted>",
       [](std::string_view t, const std::string&) { return t.find("xox") != t.npos; }},
      {std::regex(R"(\b(sk|rk)_(test|live|prod)_[0-9A-Za-z]{10,99}\b)", flags), "<redacted>",
       [](std::string_view t, const std::string&) {
         return containsAny(t, {"sk_", "rk_"});
       }},
      {std::regex(R"(\bsk-[A-Za-z0-9_-]{20,})", flags), "<redacted>",
       [](std::string_view t, const std::string&) { return t.find("sk-") != t.npos; }},
      {std::regex(R"(\bAIza[\w-]{35})", flags), "<redacted>",
       [](std::string_view t, const std::string&) { return t.find("AIza") != t.npos; }},
      {std::regex(R"(\bey[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*)", flags), "<redacted>",
       [](std::string_view t, const std::string&) { return t.find(".ey") != t.npos; }},
      {std::regex(R"(\b(hv[sb]\.[\w-]{20,}|npm_[a-z0-9]{36}|SG\.[\w-]{16,}\.[\w-]{16,}))", flags),
       "<redacted>",
       [](std::string_view t, const std::string&) {
         return containsAny(t, {"hvs.", "hvb.", "npm_", "SG."});
       }},
      // scheme://user:password@host keeps the user and the host.
      {std::regex(R"(([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)@)", flags), "$1<redacted>@",
       [](std::string_view t, const std::string&) {
         return t.find("://") != t.npos && t.find('@') != t.npos;
       }},
      // password=..., "token": "...", --api-key=..., client_secret: ...
      {std::regex(R"(((?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|)"
                  R"(credentials?)["']?\s*[:=]\s*["']?)([^\s"',;&]+))",
                  flags | std::regex::icase),
       "$1<redacted>",
       [](std::string_view, const std::string& l) {
         return containsAny(l, {"passw", "secret", "token", "key", "credential"});
       }},
      // Bearer tokens in headers and curl commands.
      {std::regex(R"((\b[Bb]earer\s+)([A-Za-z0-9._~+/=-]{8,}))", flags), "$1<redacted>",
       [](std::string_view, const std::string& l) { return l.find("bearer") != std::string::npos; }},
  }};
  return list;
}

bool isSecretObject(const json::object& object) {
  const auto* kind = object.if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->get_string() != "Secret") return false;
  const auto* apiVersion = object.if_contains("apiVersion");
  return apiVersion == nullptr || (apiVersion->is_string() && apiVersion->get_string() == "v1");
}

// Every value of a data/stringData map becomes "<redacted>"; the keys stay.
json::value redactValues(const json::value& map) {
  if (!map.is_object()) return json::value(std::string(kRedacted));
  json::object out;
  for (const auto& member : map.get_object())
    out[member.key()] = std::string(kRedacted);
  return out;
}

json::value redactValue(const json::value& value);

json::value redactLastApplied(const json::value& annotation) {
  if (!annotation.is_string()) return redactValue(annotation);
  boost::system::error_code error;
  const json::value parsed = json::parse(annotation.get_string(), error);
  if (error) return json::value(std::string(kRedacted));
  return json::value(json::serialize(redactObject(parsed)));
}

json::value redactEnv(const json::value& env) {
  if (!env.is_array()) return redactValue(env);
  json::array out;
  for (const auto& entry : env.get_array()) {
    json::value copy = redactValue(entry);
    if (auto* object = copy.if_object()) {
      const auto* name = object->if_contains("name");
      if (name != nullptr && name->is_string() && looksLikeSecretName(name->get_string()) &&
          object->contains("value")) {
        (*object)["value"] = std::string(kRedacted);
      }
    }
    out.push_back(std::move(copy));
  }
  return out;
}

json::value redactValue(const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: {
      const auto& object = value.get_object();
      const bool secret = isSecretObject(object);
      json::object out;
      for (const auto& member : object) {
        const std::string_view key = member.key();
        if (secret && (key == "data" || key == "stringData")) {
          out[key] = redactValues(member.value());
        } else if (key == kLastApplied) {
          out[key] = redactLastApplied(member.value());
        } else if (key == "env") {
          out[key] = redactEnv(member.value());
        } else {
          out[key] = redactValue(member.value());
        }
      }
      return out;
    }
    case json::kind::array: {
      json::array out;
      for (const auto& element : value.get_array())
        out.push_back(redactValue(element));
      return out;
    }
    case json::kind::string:
      return json::value(redactText(value.get_string()));
    default:
      return value;
  }
}

bool underSecretData(std::string_view path) {
  for (std::string_view prefix : {"/data", "/stringData"}) {
    if (path.substr(0, prefix.size()) == prefix &&
        (path.size() == prefix.size() || path[prefix.size()] == '/'))
      return true;
  }
  return false;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(length));
  std::size_t padding = 0;
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i)
    ++padding;
  out.resize(out.size() - std::min(padding, out.size()));
  return out;
}

void addValue(std::vector<std::string>& out, std::string_view value) {
  if (value.size() < 4 || value == kRedacted) return;
  out.emplace_back(value);
}

void addDataValues(std::vector<std::string>& out, const json::value* map, bool base64) {
  if (map == nullptr || !map->is_object()) return;
  for (const auto& member : map->get_object()) {
    if (!member.value().is_string()) continue;
    const std::string_view value = member.value().get_string();
    addValue(out, value);
    if (base64) {
      if (const auto decoded = base64Decode(value)) addValue(out, *decoded);
    }
  }
}

void collectValues(const json::value& value, std::vector<std::string>& out) {
  if (const auto* array = value.if_array()) {
    for (const auto& element : *array)
      collectValues(element, out);
    return;
  }
  const auto* object = value.if_object();
  if (object == nullptr) return;
  if (isSecretObject(*object)) {
    addDataValues(out, object->if_contains("data"), /*base64=*/true);
    addDataValues(out, object->if_contains("stringData"), /*base64=*/false);
  }
  for (const auto& member : *object) {
    if (member.key() == kLastApplied && member.value().is_string()) {
      boost::system::error_code error;
      const json::value parsed = json::parse(member.value().get_string(), error);
      if (!error) collectValues(parsed, out);
    } else if (member.key() == "env" && member.value().is_array()) {
      for (const auto& entry : member.value().get_array()) {
        const auto* env = entry.if_object();
        if (env == nullptr) continue;
        const auto* name = env->if_contains("name");
        const auto* text = env->if_contains("value");
        if (name != nullptr && name->is_string() && text != nullptr && text->is_string() &&
            looksLikeSecretName(name->get_string())) {
          addValue(out, text->get_string());
        }
      }
    } else {
      collectValues(member.value(), out);
    }
  }
}

}  // namespace

std::vector<std::string> secretValues(std::string_view targetKind, const json::value& value) {
  std::vector<std::string> out;
  collectValues(value, out);
  if (targetKind == "Secret") {
    if (const auto* patch = value.if_object()) {
      addDataValues(out, patch->if_contains("data"), /*base64=*/true);
      addDataValues(out, patch->if_contains("stringData"), /*base64=*/false);
    } else if (const auto* operations = value.if_array()) {
      for (const auto& operation : *operations) {
        const auto* op = operation.if_object();
        const auto* path = op != nullptr ? op->if_contains("path") : nullptr;
        const auto* v = op != nullptr ? op->if_contains("value") : nullptr;
        if (path == nullptr || v == nullptr || !path->is_string()) continue;
        const std::string_view p = path->get_string();
        const bool stringData = p.starts_with("/stringData");
        if (!stringData && !p.starts_with("/data")) continue;
        if (v->is_string()) {
          addValue(out, v->get_string());
          if (!stringData) {
            if (const auto decoded = base64Decode(v->get_string())) addValue(out, *decoded);
          }
        } else {
          addDataValues(out, v, /*base64=*/!stringData);
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string scrubValues(std::string_view text, const std::vector<std::string>& values) {
  std::string out(text);
  for (const auto& value : values) {
    for (auto at = out.find(value); at != std::string::npos; at = out.find(value, at + kRedacted.size())) {
      out.replace(at, value.size(), kRedacted);
    }
  }
  return out;
}

json::value scrubValues(const json::value& value, const std::vector<std::string>& values) {
  if (values.empty()) return value;
  switch (value.kind()) {
    case json::kind::object: {
      json::object out;
      for (const auto& member : value.get_object())
        out[member.key()] = scrubValues(member.value(), values);
      return out;
    }
    case json::kind::array: {
      json::array out;
      for (const auto& element : value.get_array())
        out.push_back(scrubValues(element, values));
      return out;
    }
    case json::kind::string:
      return json::value(scrubValues(std::string_view(value.get_string()), values));
    default:
      return value;
  }
}

bool looksLikeSecretName(std::string_view name) {
  const std::string upper = [&] {
    std::string out(name);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
  }();
  return containsAny(upper, {"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "API_KEY", "ACCESS_KEY",
                             "PRIVATE_KEY", "CREDENTIAL"});
}

std::string redactText(std::string_view text) {
  std::string out(text);
  const std::string lowered = lower(text);
  bool changed = false;
  for (const auto& pattern : patterns()) {
    if (!pattern.applies(out, changed ? lower(out) : lowered)) continue;
    std::string replaced = std::regex_replace(out, pattern.regex, pattern.replacement);
    if (replaced != out) {
      out = std::move(replaced);
      changed = true;
    }
  }
  return out;
}

json::value redactObject(const json::value& object) {
  return redactValue(object);
}

json::value redactChangeBody(std::string_view targetKind, const json::value& body) {
  if (targetKind != "Secret") return redactValue(body);
  if (const auto* patch = body.if_object()) {
    json::object out = *patch;
    for (std::string_view key : {"data", "stringData"}) {
      if (auto* map = out.if_contains(key)) *map = redactValues(*map);
    }
    return redactValue(out);
  }
  if (const auto* operations = body.if_array()) {  // a JSON patch
    json::array out;
    for (const auto& operation : *operations) {
      json::value copy = operation;
      if (auto* op = copy.if_object()) {
        const auto* path = op->if_contains("path");
        if (path != nullptr && path->is_string()) {
          const std::string_view p = path->get_string();
          if (auto* value = op->if_contains("value")) {
            if (underSecretData(p)) {
              *value = value->is_object() ? redactValues(*value) : json::value(std::string(kRedacted));
            } else if ((p.empty() || p == "/") && value->is_object()) {  // replaces the whole object
              json::object whole = value->get_object();
              for (std::string_view key : {"data", "stringData"}) {
                if (auto* map = whole.if_contains(key)) *map = redactValues(*map);
              }
              *value = whole;
            }
          }
        }
      }
      out.push_back(redactValue(copy));
    }
    return out;
  }
  return redactValue(body);
}

}  // namespace aiops::governance
