// gate_bench: the aiops-gate post-renderer on a 10 MB, 2,000-object Helm-style stream, in process and as the
// real binary (wall time and the child's peak RSS from wait4). Prints a Markdown table; no timed assertions.
#include <fcntl.h>
#include <fmt/core.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "gate/post_renderer.h"

extern char** environ;

namespace {

constexpr int kObjects = 2000;
constexpr std::size_t kTargetBytes = 10u << 20;
constexpr int kRuns = 5;

std::string pad(std::size_t bytes, const std::string& indent, const std::string& word) {
  std::string out;
  for (int i = 0; out.size() < bytes; ++i)
    out += indent + word + "-" + std::to_string(i) + " lorem ipsum dolor\n";
  return out;
}

// A realistic mix, like the published corpus (about 35 bytes per YAML event): Deployments with full pod specs
// (~3 KB), ConfigMaps holding config files in block scalars (~14 KB), Services and Roles, with Helm's `---`
// and
// `# Source:` lines. Every other Deployment carries aiops.dev/gate: "true".
std::string deploymentDoc(const std::string& n, int replicas, bool gate, int envVars) {
  std::string d = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-" + n +
                  "\n  labels:\n    app.kubernetes.io/name: app-" + n +
                  "\n    app.kubernetes.io/instance: bench\n    app.kubernetes.io/managed-by: Helm\n"
                  "    helm.sh/chart: bench-1.2.3\n";
  if (gate) d += "  annotations:\n    aiops.dev/gate: \"true\"\n";
  d += "spec:\n  replicas: " + std::to_string(replicas) +
       "\n  revisionHistoryLimit: 10\n  selector:\n"
       "    matchLabels:\n      app.kubernetes.io/name: app-" +
       n +
       "\n      app.kubernetes.io/instance: bench\n"
       "  template:\n    metadata:\n      annotations:\n"
       "        checksum/config: 3f8a0c1d9b7e6f5a4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c\n"
       "      labels:\n        app.kubernetes.io/name: app-" +
       n +
       "\n        app.kubernetes.io/instance: bench\n"
       "    spec:\n      serviceAccountName: app-" +
       n +
       "\n      securityContext:\n        runAsNonRoot: true\n"
       "        seccompProfile:\n          type: RuntimeDefault\n      containers:\n      - name: app\n"
       "        image: \"registry.example.com/team/app:1.4." +
       n +
       "\"\n        imagePullPolicy: IfNotPresent\n"
       "        args:\n        - --config=/etc/app/config.yaml\n        - --log-format=json\n"
       "        ports:\n        - name: http\n          containerPort: 8080\n          protocol: TCP\n"
       "        - name: metrics\n          containerPort: 9090\n          protocol: TCP\n        env:\n";
  for (int e = 0; e < envVars; ++e) {
    d += "        - name: APP_SETTING_" + std::to_string(e) +
         "\n          valueFrom:\n            configMapKeyRef:\n"
         "              name: app-" +
         n + "-settings\n              key: setting-" + std::to_string(e) + "\n";
  }
  d += "        livenessProbe:\n          httpGet:\n            path: /healthz\n            port: http\n"
       "          initialDelaySeconds: 10\n          periodSeconds: 10\n        readinessProbe:\n"
       "          httpGet:\n            path: /readyz\n            port: http\n          periodSeconds: 5\n"
       "        resources:\n          requests:\n            cpu: 100m\n            memory: 128Mi\n"
       "          limits:\n            memory: 256Mi\n        securityContext:\n"
       "          allowPrivilegeEscalation: false\n          readOnlyRootFilesystem: true\n"
       "          capabilities:\n            drop:\n            - ALL\n        volumeMounts:\n"
       "        - name: config\n          mountPath: /etc/app\n          readOnly: true\n      volumes:\n"
       "      - name: config\n        configMap:\n          name: app-" +
       n + "\n";
  return d;
}

std::string makeStream(bool dense, int& deployments, int& annotated) {
  std::string out;
  out.reserve(kTargetBytes + (1u << 20));
  deployments = annotated = 0;
  // Per-object budgets that give about 10 MB for 2,000 objects.
  const std::size_t configMapBytes = dense ? kTargetBytes / kObjects : 16800;
  for (int i = 0; i < kObjects; ++i) {
    std::string n = std::to_string(i);
    std::string doc = "---\n# Source: bench/templates/obj-" + n + ".yaml\n";
    switch (i % 4) {
      case 0: {
        bool gate = deployments++ % 2 == 0;
        annotated += gate ? 1 : 0;
        // Dense: a long env list, about 10 bytes per YAML event.
        doc += deploymentDoc(n, 1 + i % 6, gate, dense ? 36 : 8);
        break;
      }
      case 1:
        doc += "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-" + n + "\ndata:\n  config.yaml: |\n";
        doc += pad(configMapBytes - std::min(configMapBytes, doc.size()), "    ", "setting.key");
        break;
      case 2:
        doc += "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-" + n +
               "\n  labels:\n    app.kubernetes.io/name: app-" + n +
               "\nspec:\n  type: ClusterIP\n  ports:\n"
               "  - name: http\n    port: 80\n    targetPort: http\n  selector:\n    app.kubernetes.io/name: "
               "app-" +
               n + "\n";
        for (int a = 0; dense && doc.size() < kTargetBytes / kObjects; ++a) {
          doc += "  # padding " + std::to_string(a) + "\n";
        }
        break;
      default:
        doc += "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-" + n +
               "\nrules:\n";
        for (int r = 0; r < (dense ? 1000 : 6) && doc.size() < kTargetBytes / kObjects; ++r) {
          doc += "- apiGroups: [\"\"]\n  resources: [\"pods\", \"pods/log\", \"configmaps-" +
                 std::to_string(r) + "\"]\n  verbs: [get, list, watch]\n";
        }
        break;
    }
    out += doc;
  }
  return out;
}

double medianMs(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct ChildRun {
  double ms = 0;
  double cpuMs = 0;  // user + system time of the child
  long maxRssKb = 0;
  int status = -1;
  std::uintmax_t outBytes = 0;
};

// Runs the binary with stdin from `in` and stdout to `out`; the child's own peak RSS comes from wait4.
ChildRun runBinary(const std::vector<std::string>& args, const std::string& in, const std::string& out) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argvStore = {AIOPS_GATE_BIN};
  argvStore.insert(argvStore.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argvStore)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ChildRun run;
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, AIOPS_GATE_BIN, &fa, nullptr, argv.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return run;
  }
  rusage ru{};
  int status = 0;
  wait4(pid, &status, 0, &ru);
  run.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  run.maxRssKb = ru.ru_maxrss;
  run.cpuMs =
      (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.outBytes = std::filesystem::file_size(out);
  posix_spawn_file_actions_destroy(&fa);
  return run;
}

// Counts YAML events, to show how dense a stream is (parsing cost follows events more than bytes).
std::size_t countEvents(const std::string& stream) {
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(stream.data()), stream.size());
  std::size_t events = 0;
  for (;;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&parser, &e)) break;
    ++events;
    bool end = e.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&e);
    if (end) break;
  }
  yaml_parser_delete(&parser);
  return events;
}

// Writes a stream from a short-lived child, so this process stays small while it spawns the binary: a spawned
// child's peak RSS (wait4) starts from the RSS of the process it was forked from.
void writeStreamInChild(bool dense, const std::string& path) {
  pid_t pid = fork();
  if (pid == 0) {
    int d = 0;
    int a = 0;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << makeStream(dense, d, a);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Row {
  std::string stream;
  double mb = 0;
  double perEvent = 0;
  std::string name;
  std::vector<std::string> args;
  aiops::gate::GateOptions options;
  std::string path;
  double wallMs = 0;
  double cpuMs = 0;
  long rssKb = 0;
  int status = 0;
  double inProcessMs = 0;
  std::size_t gated = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--write") {  // keep a stream, e.g. to profile the binary on it
    int d = 0;
    int a = 0;
    std::ofstream(argv[3], std::ios::binary) << makeStream(std::string(argv[2]) == "dense", d, a);
    return 0;
  }
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("gate_bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string emptyPath = (dir / "empty.yaml").string();
  const std::string outPath = (dir / "out.yaml").string();
  std::ofstream(emptyPath, std::ios::binary) << "";
  ChildRun idle = runBinary({}, emptyPath, outPath);

  aiops::gate::GateOptions all;
  all.all = true;
  std::vector<Row> rows;
  for (bool dense : {false, true}) {
    std::string path = (dir / (dense ? "dense.yaml" : "realistic.yaml")).string();
    writeStreamInChild(dense, path);
    std::string stream = dense ? "dense (worst case)" : "realistic";
    rows.push_back(Row{stream, 0, 0, "annotated gated", {}, {}, path});
    rows.push_back(Row{stream, 0, 0, "--all", {"--all"}, all, path});
  }
  // The binary first, while this process is small.
  for (Row& r : rows) {
    std::vector<double> wall;
    std::vector<double> cpu;
    for (int i = 0; i < kRuns; ++i) {
      ChildRun run = runBinary(r.args, r.path, outPath);
      wall.push_back(run.ms);
      cpu.push_back(run.cpuMs);
      r.rssKb = std::max(r.rssKb, run.maxRssKb);
      r.status = std::max(r.status, run.status);
    }
    r.wallMs = medianMs(wall);
    r.cpuMs = medianMs(cpu);
  }
  for (Row& r : rows) {
    std::string stream = readAll(r.path);
    r.mb = static_cast<double>(stream.size()) / (1 << 20);
    r.perEvent = static_cast<double>(stream.size()) / static_cast<double>(countEvents(stream));
    std::vector<double> inProcess;
    for (int i = 0; i < kRuns; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto result = aiops::gate::postRender(stream, r.options);
      inProcess.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (auto* ok = std::get_if<aiops::gate::PostRendered>(&result)) r.gated = ok->gated.size();
    }
    r.inProcessMs = medianMs(inProcess);
  }

  fmt::print("## aiops-gate post-renderer\n\n");
  fmt::print(
      "{} objects per stream, a quarter of them Deployments, half of those annotated aiops.dev/gate: "
      "\"true\". "
      "Median of {} runs. Binary peak RSS is the child's own (wait4), max of the runs; on empty input it is "
      "{:.1f} MB (fixed cost). {} hardware threads.\n\n",
      kObjects, kRuns, idle.maxRssKb / 1024.0, std::thread::hardware_concurrency());
  fmt::print(
      "| Stream | Size | Bytes per event | Case | Gated | In-process | Binary wall | Binary CPU | "
      "Binary peak RSS | RSS / input |\n");
  fmt::print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    fmt::print(
        "| {} | {:.2f} MB | {:.1f} | {}{} | {} | {:.1f} ms | {:.1f} ms | {:.1f} ms | {:.1f} MB | {:.2f}x |\n",
        r.stream, r.mb, r.perEvent, r.name, r.status == 0 ? "" : " (binary FAILED)", r.gated, r.inProcessMs,
        r.wallMs, r.cpuMs, r.rssKb / 1024.0, (r.rssKb / 1024.0) / r.mb);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
