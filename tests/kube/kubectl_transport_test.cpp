// KubectlTransport tests: command lines, stdin, errors, deadlines, caps and streams through a fake kubectl
// script; plus kubectl 1.32's real wordings for an unreachable server and broken kubeconfigs.
#include "kube/kubectl_transport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "kube/client.h"
#include "support/subprocess.h"

namespace aiops::kube {
namespace {

using namespace std::chrono_literals;

const std::string kFake = std::string(KUBE_TEST_DATA) + "/fake-kubectl.sh";

KubectlOptions fakeOptions() {
  KubectlOptions options;
  options.kubectlPath = kFake;
  return options;
}

TEST(KubectlTransport, CommandLineForwardsConnectionFlags) {
  KubectlOptions options;
  options.kubectlPath = "/usr/bin/kubectl";
  options.flags.kubeconfig = "/tmp/kc";
  options.flags.context = "prod";
  options.flags.as = "jane";
  options.flags.asGroups = {"dev", "ops"};
  options.flags.requestTimeout = "5s";
  options.flags.verbosity = 6;
  options.flags.namespace_ = "shop";  // -n is not forwarded: paths carry the namespace
  const KubectlTransport transport(options);
  EXPECT_EQ(transport.commandLine({"get", "--raw", "/version"}),
            (std::vector<std::string>{"/usr/bin/kubectl", "--kubeconfig=/tmp/kc", "--context=prod",
                                      "--as=jane", "--as-group=dev", "--as-group=ops", "--request-timeout=5s",
                                      "-v=6", "get", "--raw", "/version"}));
  EXPECT_EQ(transport.commandLine({"get", "--raw", "/api/v1/pods?watch=1"}, /*forStream=*/true),
            (std::vector<std::string>{"/usr/bin/kubectl", "--kubeconfig=/tmp/kc", "--context=prod",
                                      "--as=jane", "--as-group=dev", "--as-group=ops", "-v=6", "get", "--raw",
                                      "/api/v1/pods?watch=1"}));
}

TEST(KubectlTransport, HonoursKubectlPathEnvironment) {
  ::setenv("KUBECTL_PATH", "/opt/k/kubectl", 1);
  const KubectlTransport fromEnv(KubectlOptions{});
  ::unsetenv("KUBECTL_PATH");
  const KubectlTransport fromPath(KubectlOptions{});
  EXPECT_EQ(fromEnv.commandLine({"version"}).front(), "/opt/k/kubectl");
  EXPECT_EQ(fromPath.commandLine({"version"}).front(), "kubectl");
}

TEST(KubectlTransport, GetRunsGetRaw) {
  KubectlOptions options = fakeOptions();
  options.flags.context = "dev";
  KubectlTransport transport(options);
  const Response r = transport.get("/api/v1/namespaces/shop/pods?limit=500");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.body, "--context=dev\nget\n--raw\n/api/v1/namespaces/shop/pods?limit=500\n");
}

TEST(KubectlTransport, CreateAndReplaceSendTheBodyOnStdin) {
  KubectlTransport transport(fakeOptions());
  EXPECT_EQ(transport.create("/api/v1/namespaces/shop/configmaps", R"({"kind":"ConfigMap"})").body,
            R"({"kind":"ConfigMap"})");
  EXPECT_EQ(transport.replace("/api/v1/namespaces/shop/configmaps/c", R"({"kind":"ConfigMap","x":1})").body,
            R"({"kind":"ConfigMap","x":1})");
}

TEST(KubectlTransport, PatchAndDeleteCommandLines) {
  KubectlTransport transport(fakeOptions());
  EXPECT_EQ(
      transport.patch({types::deployments, "shop", "web"}, PatchType::Merge, R"({"spec":{"replicas":2}})")
          .body,
      "patch\ndeployments.v1.apps\nweb\n-n\nshop\n--type\nmerge\n-p\n{\"spec\":{\"replicas\":2}}\n-"
      "o\njson\n");
  EXPECT_EQ(transport.patch({types::nodes, "", "n1"}, PatchType::Strategic, "{}").body,
            "patch\nnodes.v1.\nn1\n--type\nstrategic\n-p\n{}\n-o\njson\n");
  EXPECT_EQ(transport.patch({types::pods, "shop", "p"}, PatchType::Json, "[]").body,
            "patch\npods.v1.\np\n-n\nshop\n--type\njson\n-p\n[]\n-o\njson\n");
  EXPECT_EQ(transport.remove("/api/v1/namespaces/shop/pods/p").body,
            "delete\n--raw\n/api/v1/namespaces/shop/pods/p\n");
}

TEST(KubectlTransport, ServerErrorsBecomeApiErrors) {
  KubectlTransport transport(fakeOptions());
  const Response r = transport.get("/notfound");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error->isNotFound());
  EXPECT_EQ(r.body, "");
  const Response refused = transport.get("/refused");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->kind(), ErrorKind::Unreachable);
}

TEST(KubectlTransport, MissingKubectlIsReportedNotThrown) {
  KubectlOptions options;
  options.kubectlPath = "/nonexistent/kubectl";
  KubectlTransport transport(options);
  const Response r = transport.get("/version");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), ErrorKind::KubectlMissing);
  EXPECT_STREQ(
      r.error->what(),
      "kubectl cannot be run (cannot run '/nonexistent/kubectl': No such file or directory); install "
      "kubectl, or set KUBECTL_PATH to its full path");
  const auto all = transport.getAll({"/a", "/b"});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].error->kind(), ErrorKind::KubectlMissing);
  auto stream = transport.stream("/watch");
  EXPECT_TRUE(stream->finished());
  EXPECT_EQ(stream->error()->kind(), ErrorKind::KubectlMissing);
}

TEST(KubectlTransport, DeadlineKillsAHangingKubectl) {
  KubectlOptions options = fakeOptions();
  options.deadline = 300ms;
  KubectlTransport transport(options);
  const auto start = std::chrono::steady_clock::now();
  const Response r = transport.get("/hang");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), ErrorKind::Timeout);
}

TEST(KubectlTransport, OutputCapTruncates) {
  KubectlTransport transport(fakeOptions());
  RequestOptions request;
  request.maxBytes = 1000;
  const Response r = transport.get("/big", request);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.body, std::string(1000, 'x'));
}

TEST(KubectlTransport, GetAllRunsConcurrently) {
#ifdef AIOPS_SERIAL_CHILDREN
  GTEST_SKIP() << "the sanitizer build starts children one at a time (src/support/subprocess.cpp)";
#endif
  // Each fake request waits until all four are running at once, so a sequential getAll would answer false.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rendezvous-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ::setenv("RENDEZVOUS_DIR", dir.c_str(), 1);
  ::setenv("RENDEZVOUS_COUNT", "4", 1);
  KubectlTransport transport(fakeOptions());
  const auto results = transport.getAll({"/rendezvous/1", "/rendezvous/2", "/rendezvous/3", "/rendezvous/4"});
  std::filesystem::remove_all(dir);
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results)
    EXPECT_EQ(r.body, R"({"together":true})");
}

TEST(KubectlTransport, StreamDeliversLinesThenEnds) {
  KubectlTransport transport(fakeOptions());
  Client client(transport);
  Watch watch(transport.stream("/watch"));
  auto first = watch.next(5s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->type, "ADDED");
  auto second = watch.next(5s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->type, "DELETED");
  EXPECT_FALSE(watch.next(5s).has_value());
  EXPECT_TRUE(watch.finished());
}

TEST(KubectlTransport, StreamEndingInAnErrorReportsIt) {
  KubectlTransport transport(fakeOptions());
  Watch watch(transport.stream("/badwatch"));
  ASSERT_TRUE(watch.next(5s).has_value());
  try {
    while (watch.next(5s)) {
    }
    FAIL() << "expected the stream's error";
  } catch (const KubeError& e) {
    EXPECT_TRUE(e.isForbidden());
  }
}

TEST(KubectlTransport, ContextNamespaceFromConfigView) {
  KubectlTransport transport(fakeOptions());
  EXPECT_EQ(transport.contextNamespace(), std::optional<std::string>("from-context"));
}

// The real kubectl: these pin the wordings classifyKubectlFailure relies on.
class RealKubectl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!findOnPath("kubectl")) GTEST_SKIP() << "kubectl is not installed";
    dir_ = ::testing::TempDir() + "/real-kubectl-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
  }
  std::string writeFile(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  Response getVersion(const std::string& kubeconfig, const std::string& context = "") {
    KubectlOptions options;
    options.kubectlPath = "kubectl";
    options.flags.kubeconfig = kubeconfig;
    options.flags.context = context;
    options.flags.requestTimeout = "5s";
    KubectlTransport transport(options);
    return transport.get("/version");
  }
  std::string dir_;
};

const char* kClosedPortConfig = R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: shop}
current-context: ctx
users:
- name: u
  user: {token: abc}
)";

TEST_F(RealKubectl, ClosedPortIsUnreachable) {
  const Response r = getVersion(writeFile("closed.kubeconfig", kClosedPortConfig));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), ErrorKind::Unreachable);
  EXPECT_EQ(
      r.error->message(),
      "cannot reach the cluster (The connection to the server 127.0.0.1:1 was refused - did you specify the "
      "right host or port?)");
}

TEST_F(RealKubectl, UnparsableKubeconfig) {
  const Response r = getVersion(writeFile("bad.kubeconfig", "garbage: [\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind(), ErrorKind::Kubeconfig);
}

TEST_F(RealKubectl, MissingKubeconfigFileAndUnknownContext) {
  const Response missing = getVersion(dir_ + "/does-not-exist.kubeconfig");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error->kind(), ErrorKind::Kubeconfig);
  const Response noContext = getVersion(writeFile("ctx.kubeconfig", kClosedPortConfig), "nope");
  ASSERT_FALSE(noContext.ok());
  EXPECT_EQ(noContext.error->kind(), ErrorKind::Kubeconfig);
  EXPECT_EQ(noContext.error->message(),
            "the kubeconfig cannot be used (error: context \"nope\" does not exist)");
}

TEST_F(RealKubectl, ContextNamespaceFromARealKubeconfig) {
  KubectlOptions options;
  options.kubectlPath = "kubectl";
  options.flags.kubeconfig = writeFile("ns.kubeconfig", kClosedPortConfig);
  KubectlTransport transport(options);
  EXPECT_EQ(transport.contextNamespace(), std::optional<std::string>("shop"));
}

}  // namespace
}  // namespace aiops::kube
