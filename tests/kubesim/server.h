// The HTTP(S) front of kubesim: cpp-httplib servers on loopback that hand every request, whatever its method
// or path, to the ApiServer. HTTPS always (what kubectl uses), plain HTTP optionally (cheap for benchmarks).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api.h"
#include "tls.h"

namespace kubesim {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int httpsPort = 0;            // 0: a free port
  std::optional<int> httpPort;  // unset: no plain HTTP; 0: a free port
  int threads = 64;             // each open connection (a watch, a follow) holds one
};

class Server {
 public:
  Server(ApiServer& api, const TlsMaterial& tls);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads. Throws std::runtime_error when a port cannot be bound.
  void start(const ServerOptions& options);
  int httpsPort() const;
  int httpPort() const;  // 0 when there is no plain HTTP server
  // Ends streams, stops accepting, and waits for the serving threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubesim
