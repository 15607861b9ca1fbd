// Reading kubesim's API straight over HTTPS with the kubeconfig's bearer token, for tests and benchmarks that
// sample objects every 100 ms (a kubectl start-up per read would take longer than that), and the JSON field
// access they share.
#pragma once

#include <httplib.h>

#include <boost/json.hpp>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "kubesim_harness.h"

namespace aiops::test {

inline const boost::json::value* jsonFind(const boost::json::value& v,
                                          std::initializer_list<const char*> path) {
  const boost::json::value* at = &v;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->as_object().find(key);
    if (it == at->as_object().end()) return nullptr;
    at = &it->value();
  }
  return at;
}

inline std::string jsonString(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* at = jsonFind(v, path);
  return at != nullptr && at->is_string() ? std::string(at->as_string()) : std::string();
}

inline std::int64_t jsonInt(const boost::json::value& v, std::initializer_list<const char*> path,
                            std::int64_t fallback = 0) {
  const boost::json::value* at = jsonFind(v, path);
  return at != nullptr && at->is_int64() ? at->as_int64() : fallback;
}

inline bool jsonBool(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* at = jsonFind(v, path);
  return at != nullptr && at->is_bool() && at->as_bool();
}

inline bool podReady(const boost::json::value& pod) {
  const boost::json::value* conditions = jsonFind(pod, {"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const boost::json::value& c : conditions->as_array())
    if (jsonString(c, {"type"}) == "Ready") return jsonString(c, {"status"}) == "True";
  return false;
}

// The image of a pod's first container.
inline std::string podImage(const boost::json::value& pod) {
  const boost::json::value* containers = jsonFind(pod, {"spec", "containers"});
  if (containers == nullptr || !containers->is_array() || containers->as_array().empty()) return "";
  return jsonString(containers->as_array().front(), {"image"});
}

class ApiReader {
 public:
  explicit ApiReader(const KubesimHarness& server) : client_(host(server.url()), port(server.url())) {
    std::ifstream in(server.kubeconfig());
    for (std::string line; std::getline(in, line);) {
      const auto at = line.find("token: ");
      if (at != std::string::npos) token_ = line.substr(at + 7);
    }
    // SSL_write on a keep-alive connection the server has closed raises SIGPIPE; get() retries once instead.
    std::signal(SIGPIPE, SIG_IGN);
    client_.enable_server_certificate_verification(false);
    client_.set_keep_alive(true);
    client_.set_read_timeout(5, 0);
  }

  // The object at `path`; nullopt on any failure (the next sample tries again).
  std::optional<boost::json::value> get(const std::string& path) {
    httplib::Result r = client_.Get(path.c_str(), {{"Authorization", "Bearer " + token_}});
    if (!r) r = client_.Get(path.c_str(), {{"Authorization", "Bearer " + token_}});  // a stale connection
    if (!r || r->status != 200) return std::nullopt;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r->body, ec);
    if (ec) return std::nullopt;
    return v;
  }

  // The items of the list at `path`; empty on failure.
  std::vector<boost::json::value> items(const std::string& path) {
    std::vector<boost::json::value> out;
    const std::optional<boost::json::value> list = get(path);
    if (const boost::json::value* found = list ? jsonFind(*list, {"items"}) : nullptr;
        found && found->is_array())
      out.assign(found->as_array().begin(), found->as_array().end());
    return out;
  }

 private:
  static std::string host(const std::string& url) {
    const std::string rest = url.substr(url.find("://") + 3);
    return rest.substr(0, rest.rfind(':'));
  }
  static int port(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

  httplib::SSLClient client_;
  std::string token_;
};

}  // namespace aiops::test
