// Connection flags: --request-timeout parsing and namespace resolution (flag, context, "default").
#include "kube/config.h"

#include <boost/json.hpp>
#include <charconv>
#include <fstream>

#include "kube/transport.h"

namespace aiops::kube {

std::optional<std::chrono::milliseconds> parseRequestTimeout(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // Bare integer: seconds (kubectl's historical form).
  long long seconds = 0;
  if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
      ec == std::errc() && end == text.data() + text.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  // Go duration: one or more <number><unit>, units ns us µs ms s m h; fractions allowed ("1.5s").
  double totalMs = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.'))
      ++pos;
    if (pos == start) return std::nullopt;
    double number = 0;
    if (auto [end, ec] = std::from_chars(text.data() + start, text.data() + pos, number);
        ec != std::errc() || end != text.data() + pos) {
      return std::nullopt;
    }
    const std::size_t unitStart = pos;
    while (pos < text.size() && !((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.'))
      ++pos;
    const std::string_view unit = text.substr(unitStart, pos - unitStart);
    if (unit == "h")
      totalMs += number * 3600e3;
    else if (unit == "m")
      totalMs += number * 60e3;
    else if (unit == "s")
      totalMs += number * 1e3;
    else if (unit == "ms")
      totalMs += number;
    else if (unit == "us" || unit == "\xC2\xB5s")
      totalMs += number / 1e3;
    else if (unit == "ns")
      totalMs += number / 1e6;
    else
      return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<long long>(totalMs));
}

std::optional<std::string> namespaceFromConfigView(const boost::json::value& view) {
  const auto* object = view.if_object();
  if (object == nullptr) return std::nullopt;
  const auto* contexts = object->if_contains("contexts");
  if (contexts == nullptr || !contexts->is_array() || contexts->get_array().empty()) return std::nullopt;
  // --minify leaves exactly the current context; prefer it by name when several are present.
  const boost::json::value* chosen = &contexts->get_array().front();
  if (const auto* current = object->if_contains("current-context");
      current != nullptr && current->is_string()) {
    for (const auto& entry : contexts->get_array()) {
      const auto* name = entry.is_object() ? entry.get_object().if_contains("name") : nullptr;
      if (name != nullptr && name->is_string() && name->get_string() == current->get_string())
        chosen = &entry;
    }
  }
  if (!chosen->is_object()) return std::nullopt;
  const auto* context = chosen->get_object().if_contains("context");
  if (context == nullptr || !context->is_object()) return std::nullopt;
  const auto* ns = context->get_object().if_contains("namespace");
  if (ns == nullptr || !ns->is_string() || ns->get_string().empty()) return std::nullopt;
  return std::string(ns->get_string());
}

std::optional<std::string> inClusterNamespace(const std::string& path) {
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::string ns;
  std::getline(file, ns);
  while (!ns.empty() && (ns.back() == ' ' || ns.back() == '\r' || ns.back() == '\n'))
    ns.pop_back();
  if (ns.empty()) return std::nullopt;
  return ns;
}

std::string resolveNamespace(const ConnectionFlags& flags, KubeTransport& transport) {
  if (flags.allNamespaces) return "";
  if (!flags.namespace_.empty()) return flags.namespace_;
  if (auto ns = transport.contextNamespace()) return *ns;
  return "default";
}

}  // namespace aiops::kube
