// kubesim: serves a simulated Kubernetes API over HTTPS for kubectl and our binaries. Loads a scenario file
// or a `kubectl cluster-info dump` directory, runs the cluster's controllers on a virtual clock when the
// scenario describes behaviour (or --controllers=on asks), writes a kubeconfig, prints one ready line and
// serves until SIGTERM or SIGINT. Exit status: 0 after a clean stop, 2 for a usage error, 3 when it cannot
// start (bad scenario or OpenAPI document, no port, unwritable kubeconfig).
#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>

#include "api.h"
#include "auth.h"
#include "behaviour/scenario.h"
#include "faults.h"
#include "openapi.h"
#include "runtime/admission.h"
#include "runtime/controller_manager.h"
#include "server.h"
#include "simulation.h"
#include "state.h"
#include "tls.h"

namespace fs = std::filesystem;

namespace {

struct Options {
  std::string scenario;
  std::string dump;
  std::string openapi = KUBESIM_DEFAULT_OPENAPI;
  int port = 0;
  int httpPort = -1;
  std::string kubeconfigOut;
  std::string stateDir;
  std::optional<double> timeScale;
  bool frozen = false;
  std::string controllers = "auto";
};

// The runtime behind the server's hooks (simulation.h).
class RuntimeAdmission final : public kubesim::Admission {
 public:
  explicit RuntimeAdmission(kubesim::Store& store) : store_(store) {}
  void admit(const kubesim::GroupResource& resource, boost::json::object& object) override {
    kubesim::runtime::admitObject(store_, resource, object);
  }

 private:
  kubesim::Store& store_;
};

class RuntimeApplicationMetrics final : public kubesim::ApplicationMetrics {
 public:
  explicit RuntimeApplicationMetrics(kubesim::runtime::ControllerManager& manager) : manager_(manager) {}
  std::optional<std::string> serviceMetrics(const std::string& ns, const std::string& service) override {
    return manager_.serviceMetrics(ns, service);
  }
  std::optional<std::string> podMetrics(const std::string& ns, const std::string& pod) override {
    return manager_.podMetrics(ns, pod);
  }

 private:
  kubesim::runtime::ControllerManager& manager_;
};

// /kubesim/v1/actions: the timeline action applied, then the controllers brought up to the clock's now
// on the request's thread, so the answer comes after they reacted (a killed pod's replacement created).
class RuntimeActions final : public kubesim::TimelineActions {
 public:
  explicit RuntimeActions(kubesim::runtime::ControllerManager& manager) : manager_(manager) {}
  void apply(const kubesim::behaviour::TimelineAction& action) override {
    manager_.apply(action);
    manager_.runUntil(manager_.clock().now());
  }

 private:
  kubesim::runtime::ControllerManager& manager_;
};

// Writes `content` to `path` through a temporary file and a rename, so readers never see half a file.
void writeAtomically(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp{}", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write);
  fs::rename(tmp, path);
}

int run(const Options& options) {
  // Signals are taken synchronously by this thread; every thread started from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up mid-write must not kill the server

  // The OpenAPI document is the slow part of starting: parse it while the state loads.
  auto openapiFuture =
      std::async(std::launch::async, [&] { return kubesim::OpenApi::load(options.openapi); });
  kubesim::ClusterState state = options.scenario.empty() ? kubesim::loadClusterInfoDump(options.dump)
                                                         : kubesim::loadScenario(options.scenario);
  kubesim::TlsMaterial tls = kubesim::generateTlsMaterial({"localhost"}, {"127.0.0.1"});
  kubesim::OpenApi openapi = openapiFuture.get();

  // Everything a scenario says about behaviour and faults is checked before anything starts.
  kubesim::behaviour::Scenario behaviour = kubesim::behaviour::parseScenario(state.behaviourDocuments);
  std::vector<kubesim::FaultSpec> faults = kubesim::parseFaultDocuments(state.faultDocuments);
  bool live =
      options.controllers == "on" || (options.controllers == "auto" && !state.behaviourDocuments.empty());

  // Real time stands still for the clock until it is set up, so a clock that starts frozen stands exactly
  // at its start.
  using RealClock = kubesim::behaviour::VirtualClock::RealClock;
  auto realStarted = std::make_shared<std::atomic<bool>>(false);
  kubesim::behaviour::VirtualClock clock(
      behaviour.clock.start.value_or(std::chrono::system_clock::now()),
      options.timeScale.value_or(behaviour.clock.scale),
      [realStarted, realStart = RealClock::now()] { return *realStarted ? RealClock::now() : realStart; });
  if (options.frozen || behaviour.clock.frozen) clock.freeze();
  *realStarted = true;
  kubesim::Authenticator authenticator(state.users);
  kubesim::ApiServer api(openapi, authenticator, clock);
  api.load(state);
  for (kubesim::FaultSpec& fault : faults)
    api.faults().add(std::move(fault));

  // Admission is the API server's, with or without controllers; the rest moves only a live cluster.
  RuntimeAdmission admission(api.store());
  kubesim::SimulationHooks hooks;
  hooks.clock = &clock;
  hooks.admission = &admission;
  std::unique_ptr<kubesim::runtime::ControllerManager> manager;
  std::unique_ptr<RuntimeApplicationMetrics> applicationMetrics;
  std::unique_ptr<RuntimeActions> actions;
  if (live) {
    manager = std::make_unique<kubesim::runtime::ControllerManager>(api.store(), api.logs(), clock,
                                                                    std::move(behaviour));
    manager->setCreateFunction([&api](const kubesim::GroupResource& resource, boost::json::object object) {
      return api.createAs(resource, std::move(object));
    });
    applicationMetrics = std::make_unique<RuntimeApplicationMetrics>(*manager);
    hooks.applicationMetrics = applicationMetrics.get();
    actions = std::make_unique<RuntimeActions>(*manager);
    hooks.actions = actions.get();
    // The controllers live through every instant up to the clock's new now (each probe, back-off and HPA
    // sync of an advanced hour) on the request's thread, so the answer to a clock change comes after them
    // and the next request sees the cluster as it is then.
    hooks.clockChanged = [m = manager.get()] {
      m->runUntil(m->clock().now());
      m->wake();
    };
  }
  api.setSimulation(hooks);

  fs::path dir;
  bool ownDir = false;
  if (!options.stateDir.empty()) {
    dir = options.stateDir;
    fs::create_directories(dir);
  } else if (options.kubeconfigOut.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "kubesim-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error("cannot create a temporary directory in " +
                               fs::temp_directory_path().string());
    dir = tmpl;
    ownDir = true;
  }
  fs::path kubeconfig = options.kubeconfigOut.empty() ? dir / "kubeconfig" : fs::path(options.kubeconfigOut);

  kubesim::Server server(api, tls);
  kubesim::ServerOptions serverOptions;
  serverOptions.httpsPort = options.port;
  if (options.httpPort >= 0) serverOptions.httpPort = options.httpPort;
  server.start(serverOptions);
  if (manager) manager->start();
  std::string url = fmt::format("https://127.0.0.1:{}", server.httpsPort());
  writeAtomically(kubeconfig,
                  kubesim::kubeconfigYaml(authenticator.kubeconfigCredentials(), url, tls.caCertPem));
  if (!dir.empty()) writeAtomically(dir / "ca.crt", tls.caCertPem);

  std::string ready = fmt::format("kubesim: ready {} kubeconfig={}", url, kubeconfig.string());
  if (server.httpPort() > 0) ready += fmt::format(" http=http://127.0.0.1:{}", server.httpPort());
  std::cout << ready << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  if (manager) manager->stop();
  clock.wakeAll();
  server.stop();
  if (ownDir) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"kubesim: a simulated Kubernetes API server for tests, benchmarks and demos", "kubesim"};
  auto* scenario =
      app.add_option("--scenario", options.scenario, "scenario file: Kubernetes YAML plus kubesim documents")
          ->check(CLI::ExistingFile);
  auto* dump = app.add_option("--dump", options.dump,
                              "directory written by `kubectl cluster-info dump --output-directory`")
                   ->check(CLI::ExistingDirectory);
  scenario->excludes(dump);
  app.add_option("--openapi", options.openapi, "Kubernetes OpenAPI v2 document to serve and validate against")
      ->capture_default_str();
  app.add_option("--port", options.port, "HTTPS port on 127.0.0.1 (0: a free port)")->capture_default_str();
  app.add_option("--http-port", options.httpPort, "also serve plain HTTP on this port (0: a free port)");
  app.add_option("--kubeconfig-out", options.kubeconfigOut, "where to write the kubeconfig");
  app.add_option("--state-dir", options.stateDir,
                 "directory for the kubeconfig and ca.crt (kept after exit)");
  app.add_option("--time-scale", options.timeScale,
                 "virtual seconds per real second (default: the scenario's Clock, else 1)")
      ->check(CLI::Validator(
          [](std::string& value) {
            char* end = nullptr;
            double scale = std::strtod(value.c_str(), &end);
            return end && *end == '\0' && std::isfinite(scale) && scale > 0
                       ? std::string()
                       : "must be a number greater than 0, not " + value;
          },
          "NUMBER > 0"));
  app.add_flag("--frozen", options.frozen, "start with the clock frozen (only /kubesim/v1/clock moves it)");
  app.add_option(
         "--controllers", options.controllers,
         "run the controllers (scheduler, kubelets, Deployments, HPA, ...): on, off, or auto (on when the "
         "scenario has behaviour documents)")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
    if (options.scenario.empty() && options.dump.empty())
      throw CLI::RequiredError("one of --scenario or --dump is required");
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "kubesim: " << e.what() << std::endl;
    return 3;
  }
}
