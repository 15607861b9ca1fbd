// The HTTP request and response the API layer works with, independent of the HTTP library, so handlers can
// be exercised without sockets and the library stays in server.cpp.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kubesim {

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // decoded path, no query
  std::multimap<std::string, std::string> params;            // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::string remoteAddress;

  // The first value of a query parameter, or "".
  std::string param(std::string_view key) const {
    auto it = params.find(std::string(key));
    return it == params.end() ? std::string() : it->second;
  }
  bool hasParam(std::string_view key) const { return params.count(std::string(key)) != 0; }
  // The first value of a header (case-insensitive name), or "".
  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (equalsIgnoreCase(k, name)) return v;
    return {};
  }
  std::vector<std::string> headerValues(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers)
      if (equalsIgnoreCase(k, name)) out.push_back(v);
    return out;
  }
};

// What a streaming handler writes through: `write` returns false once the client has gone; `alive` tells,
// without writing, whether it is still connected (an idle watch checks it between events).
struct StreamSink {
  std::function<bool(std::string_view)> write;
  std::function<bool()> alive;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is streamed (chunked): called once, on the connection's thread, after the status and
  // headers are sent. Watches and `logs -f` use it.
  std::function<void(const StreamSink&)> stream;
};

}  // namespace kubesim
