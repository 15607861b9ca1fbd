// REST path construction for the Kubernetes API.
#include "kube/resource.h"

#include <fmt/format.h>

namespace aiops::kube {

std::string ResourceType::kubectlName() const {
  return fmt::format("{}.{}.{}", plural, version, group);
}

std::string percentEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' || u == '.' ||
        u == '_' || u == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string groupVersionPath(const ResourceType& type) {
  return type.group.empty() ? fmt::format("/api/{}", type.version)
                            : fmt::format("/apis/{}/{}", type.group, type.version);
}

std::string collectionPath(const ResourceType& type, std::string_view namespace_) {
  if (type.namespaced && !namespace_.empty()) {
    return fmt::format("{}/namespaces/{}/{}", groupVersionPath(type), percentEncode(namespace_), type.plural);
  }
  return fmt::format("{}/{}", groupVersionPath(type), type.plural);
}

std::string objectPath(const ResourceType& type, std::string_view namespace_, std::string_view name,
                       std::string_view subresource) {
  std::string result = fmt::format("{}/{}", collectionPath(type, namespace_), percentEncode(name));
  if (!subresource.empty()) result += fmt::format("/{}", subresource);
  return result;
}

std::string path(const ResourceRef& ref) {
  return ref.name.empty() ? collectionPath(ref.type, ref.namespace_)
                          : objectPath(ref.type, ref.namespace_, ref.name);
}

std::string withQuery(std::string path, const std::vector<std::pair<std::string, std::string>>& query) {
  char separator = path.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [key, value] : query) {
    if (value.empty()) continue;
    path += separator;
    path += percentEncode(key);
    path += '=';
    path += percentEncode(value);
    separator = '&';
  }
  return path;
}

}  // namespace aiops::kube
