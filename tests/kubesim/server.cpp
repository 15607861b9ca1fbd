// cpp-httplib wiring: every method and path goes to one handler that translates to and from the ApiServer's
// HttpRequest/HttpResponse. Responses of 128 KiB and more are gzip-compressed when the client accepts it, as
// the real API server does; smaller ones and streams never are (httplib's gzip would hold a watch's events
// back until the stream ends).
#include "server.h"

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <thread>

namespace kubesim {

namespace {

constexpr std::size_t kCompressionThreshold = 128 * 1024;

HttpRequest translate(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  r.params.insert(req.params.begin(), req.params.end());
  r.headers.assign(req.headers.begin(), req.headers.end());
  r.body = req.body;
  r.remoteAddress = req.remote_addr;
  return r;
}

void configure(httplib::Server& server, ApiServer& api, int threads) {
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(30);
  server.set_write_timeout(30);
  server.set_tcp_nodelay(true);
  auto handler = [&api](const httplib::Request& req, httplib::Response& res) {
    HttpResponse out = api.handle(translate(req));
    res.status = out.status;
    for (const auto& [k, v] : out.headers)
      res.headers.emplace(k, v);
    if (out.stream || out.body.size() < kCompressionThreshold) {
      // httplib decides on compression from the request after this handler returns; without the header it
      // sends the body as is. The request object is ours to change (httplib owns it non-const).
      const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    }
    if (out.stream) {
      auto stream = out.stream;
      res.set_chunked_content_provider(out.contentType, [stream](std::size_t, httplib::DataSink& sink) {
        StreamSink s{[&sink](std::string_view data) { return sink.write(data.data(), data.size()); },
                     [&sink] { return sink.is_writable(); }};
        // An exception must not escape into httplib's writer thread; the stream just ends.
        try {
          stream(s);
        } catch (const std::exception&) {
        }
        sink.done();
        return true;
      });
    } else {
      res.set_content(out.body, out.contentType);
    }
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);
}

// httplib's stop() does nothing to a server whose listen loop has not begun yet, so start() returns only once
// it has: a stop right after start then always ends the loop.
void waitRunning(const httplib::Server& server) {
  for (int i = 0; i < 5000 && !server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

struct Server::Impl {
  ApiServer& api;
  std::unique_ptr<httplib::SSLServer> https;
  std::unique_ptr<httplib::Server> http;
  std::thread httpsThread, httpThread;
  int httpsPort = 0, httpPort = 0;
  bool stopped = false;
};

Server::Server(ApiServer& api, const TlsMaterial& tls)
    : impl_(std::make_unique<Impl>(Impl{api, nullptr, nullptr, {}, {}, 0, 0, false})) {
  BIO* certBio = BIO_new_mem_buf(tls.serverCertPem.data(), static_cast<int>(tls.serverCertPem.size()));
  BIO* keyBio = BIO_new_mem_buf(tls.serverKeyPem.data(), static_cast<int>(tls.serverKeyPem.size()));
  X509* cert = certBio ? PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr) : nullptr;
  EVP_PKEY* key = keyBio ? PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(certBio);
  BIO_free(keyBio);
  if (!cert || !key) {
    X509_free(cert);
    EVP_PKEY_free(key);
    throw std::runtime_error("cannot read the generated serving certificate");
  }
  impl_->https = std::make_unique<httplib::SSLServer>(cert, key);  // takes its own references
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!impl_->https->is_valid()) throw std::runtime_error("cannot set up TLS with the generated certificate");
}

Server::~Server() {
  stop();
}

void Server::start(const ServerOptions& options) {
  configure(*impl_->https, impl_->api, options.threads);
  impl_->httpsPort =
      options.httpsPort == 0
          ? impl_->https->bind_to_any_port(options.host)
          : (impl_->https->bind_to_port(options.host, options.httpsPort) ? options.httpsPort : -1);
  if (impl_->httpsPort <= 0)
    throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.httpsPort));
  if (options.httpPort) {
    impl_->http = std::make_unique<httplib::Server>();
    configure(*impl_->http, impl_->api, options.threads);
    impl_->httpPort =
        *options.httpPort == 0
            ? impl_->http->bind_to_any_port(options.host)
            : (impl_->http->bind_to_port(options.host, *options.httpPort) ? *options.httpPort : -1);
    if (impl_->httpPort <= 0)
      throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(*options.httpPort));
    impl_->httpThread = std::thread([this] { impl_->http->listen_after_bind(); });
    waitRunning(*impl_->http);
  }
  impl_->httpsThread = std::thread([this] { impl_->https->listen_after_bind(); });
  waitRunning(*impl_->https);
  impl_->api.setAddress(options.host + ":" + std::to_string(impl_->httpsPort));
}

int Server::httpsPort() const {
  return impl_->httpsPort;
}
int Server::httpPort() const {
  return impl_->httpPort;
}

void Server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->api.shutdown();
  if (impl_->https) impl_->https->stop();
  if (impl_->http) impl_->http->stop();
  if (impl_->httpsThread.joinable()) impl_->httpsThread.join();
  if (impl_->httpThread.joinable()) impl_->httpThread.join();
}

}  // namespace kubesim
