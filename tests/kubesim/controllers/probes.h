// The kubelet's probe bookkeeping for one container: when probes run, when ready and started flip, when a
// liveness or startup failure kills the container, and the exact event texts.
//
// Reproduces pkg/kubelet/prober (worker.go, prober.go) and the kill message of pkg/kubelet/kuberuntime in
// 1.32:
// - One worker per probe, ticking every periodSeconds from when the kubelet took the pod (the phase survives
//   container restarts); a tick probes only if the container runs, whole seconds since it started are at
//   least initialDelaySeconds, and the worker is not on hold; startup runs until the container has started,
//   the others only after.
// - Results count in runs: a result is taken only after successThreshold successes or failureThreshold
//   failures in a row. Initial results: readiness Failure, liveness Success, startup Unknown; a stopped
//   container reads as Failure. Every failed probe records the Warning event Unhealthy `Liveness probe
//   failed: <output>` (Readiness, Startup alike).
// - A liveness or startup failure puts the worker on hold until the next container and kills the container:
//   Normal event Killing `Container app failed liveness probe, will be restarted` (", will be restarted" only
//   when restartPolicy is not Never; startup: `failed startup probe`).
// - started: true once running without a startup probe, else after the startup probe succeeded; ready:
//   running, started and readiness Success (or no readiness probe).
// Also the prober's failure outputs for HTTP and TCP probes (status code, connection refused, timeout).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "api_objects.h"

namespace kubesim::controllers {

enum class ProbeType { Startup, Liveness, Readiness };
// "Startup", "Liveness", "Readiness": as in the event messages.
std::string_view probeTypeName(ProbeType type);

struct ProbeSpec {
  std::int32_t initialDelaySeconds = 0;
  std::int32_t periodSeconds = 10;
  std::int32_t timeoutSeconds = 1;
  std::int32_t successThreshold = 1;
  std::int32_t failureThreshold = 3;
};
// The container's probe of that type with the API server's defaults filled in, or nullopt when it has none.
std::optional<ProbeSpec> probeSpecOf(const json::object& container, ProbeType type);

struct ProbeOutcome {
  std::vector<Event> events;  // Unhealthy for a failed probe; Killing when the container is to be killed
  bool kill = false;          // a liveness or startup failure crossed its threshold
  bool readyChanged = false;
  bool startedChanged = false;
};

class ContainerProber {
 public:
  // workerStart: when the kubelet started the probe workers for the pod (its first sync of the pod).
  ContainerProber(const json::object& pod, const json::object& container, TimePoint workerStart);

  // A new instance of the container started running at startedAt: results reset, workers resume.
  void containerStarted(TimePoint startedAt);
  // The container is no longer running (exited or killed).
  void containerStopped();

  // The probes to run now: every worker whose tick came due at or before now is advanced past now, and listed
  // when the tick actually probes (running, past initialDelaySeconds, not on hold, startup gating). The
  // caller runs them (behaviour profiles) and reports each result.
  std::vector<ProbeType> due(TimePoint now);
  ProbeOutcome report(ProbeType type, bool success, std::string_view output);

  // The next tick of any worker, to schedule the next due() on a virtual clock.
  std::optional<TimePoint> nextTick() const;
  bool running() const { return running_; }
  bool started() const { return started_; }
  bool ready() const;

 private:
  enum class Result { Unknown, Success, Failure };
  struct Worker {
    bool present = false;
    ProbeSpec spec;
    TimePoint next;
    Result result = Result::Unknown;
    Result lastResult = Result::Unknown;
    int run = 0;
    bool onHold = false;
  };
  Worker& worker(ProbeType type) { return workers_[static_cast<std::size_t>(type)]; }
  const Worker& worker(ProbeType type) const { return workers_[static_cast<std::size_t>(type)]; }

  std::string containerName_;
  bool restartOnKill_ = true;
  std::array<Worker, 3> workers_{};
  bool running_ = false;
  bool started_ = false;
  TimePoint startedAt_{};
};

// Prober outputs: `HTTP probe failed with statuscode: 500`;
// `Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: connection refused`;
// `dial tcp 10.244.1.5:8080: connect: connection refused` (TCP);
// `Get "http://10.244.1.5:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting
// headers)`.
std::string httpStatusFailure(int statusCode);
// The endpoint a probe targets in the pod (podIP, named ports resolved); empty strings when it is not
// HTTP/TCP.
struct ProbeEndpoint {
  std::string url;       // "http://10.244.1.5:8080/healthz" for httpGet, empty for tcpSocket
  std::string hostPort;  // "10.244.1.5:8080"
};
ProbeEndpoint probeEndpoint(const json::object& pod, const json::object& container, ProbeType type);
std::string connectionRefused(const ProbeEndpoint& endpoint);
std::string probeTimeout(const ProbeEndpoint& endpoint);

}  // namespace kubesim::controllers
