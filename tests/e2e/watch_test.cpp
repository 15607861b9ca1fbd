// Watches through the real kubectl: `kubectl get -w` (Table events), raw watch streams with ADDED, MODIFIED,
// DELETED, resumption from a resourceVersion, bookmarks, and a clean SIGTERM of kubesim with a watch open.
#include <gtest/gtest.h>

#include <thread>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

using namespace std::chrono_literals;

class WatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("shop.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static CommandResult kubectl(const std::vector<std::string>& args) { return server_->kubectl(args); }
  // Reads lines until one satisfies `done` or 15 s pass; returns everything read.
  static std::vector<std::string> readUntil(StreamingProcess& p,
                                            const std::function<bool(const std::string&)>& done) {
    std::vector<std::string> seen;
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto line = p.readLine(500ms);
      if (!line) {
        if (p.eof()) break;
        continue;
      }
      seen.push_back(*line);
      if (done(*line)) break;
    }
    return seen;
  }
  static KubesimHarness* server_;
};
KubesimHarness* WatchTest::server_ = nullptr;

std::string typeOf(const std::string& line) {
  boost::json::value v = parseJsonOrFail(line);
  return v.is_object() ? std::string(v.at("type").as_string()) : "";
}

std::string nameOf(const std::string& line) {
  boost::json::value v = parseJsonOrFail(line);
  return v.is_object() ? std::string(v.at("object").at("metadata").at("name").as_string()) : "";
}

TEST_F(WatchTest, GetWatchPrintsNewRows) {
  StreamingProcess watch(server_->kubectlSpec({"get", "configmaps", "-n", "shop", "-w"}));
  std::vector<std::string> initial =
      readUntil(watch, [](const std::string& l) { return l.starts_with("web-config"); });
  ASSERT_FALSE(initial.empty());
  EXPECT_EQ(squeeze(initial.front()), "NAME DATA AGE");
  ASSERT_EQ(kubectl({"create", "configmap", "watched", "-n", "shop", "--from-literal=a=b"}).exit, 0);
  std::vector<std::string> more =
      readUntil(watch, [](const std::string& l) { return l.starts_with("watched "); });
  ASSERT_FALSE(more.empty());
  EXPECT_TRUE(squeeze(more.back()).starts_with("watched 1 ")) << more.back();
  watch.terminate(2s);
}

TEST_F(WatchTest, RawStreamCarriesEveryChange) {
  CommandResult list = kubectl({"get", "--raw", "/api/v1/namespaces/shop/configmaps"});
  ASSERT_EQ(list.exit, 0) << list.err;
  std::string rv(parseJsonOrFail(list.out).at("metadata").at("resourceVersion").as_string());
  StreamingProcess watch(server_->kubectlSpec(
      {"get", "--raw", "/api/v1/namespaces/shop/configmaps?watch=1&resourceVersion=" + rv}));
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(kubectl({"create", "configmap", "streamed", "-n", "shop", "--from-literal=a=1"}).exit, 0);
  ASSERT_EQ(kubectl({"patch", "configmap", "streamed", "-n", "shop", "-p", R"({"data":{"a":"2"}})"}).exit, 0);
  ASSERT_EQ(kubectl({"delete", "configmap", "streamed", "-n", "shop"}).exit, 0);
  std::vector<std::string> events =
      readUntil(watch, [](const std::string& l) { return typeOf(l) == "DELETED"; });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(typeOf(events[0]), "ADDED");
  EXPECT_EQ(typeOf(events[1]), "MODIFIED");
  EXPECT_EQ(typeOf(events[2]), "DELETED");
  for (const std::string& e : events)
    EXPECT_EQ(nameOf(e), "streamed");
  EXPECT_EQ(parseJsonOrFail(events[1]).at("object").at("data").at("a"), "2");
  watch.terminate(2s);
}

TEST_F(WatchTest, ResumesFromAResourceVersionAndEndsAtTheTimeout) {
  CommandResult list = kubectl({"get", "--raw", "/api/v1/namespaces/shop/secrets"});
  ASSERT_EQ(list.exit, 0) << list.err;
  std::string rv(parseJsonOrFail(list.out).at("metadata").at("resourceVersion").as_string());
  ASSERT_EQ(kubectl({"create", "secret", "generic", "s1", "-n", "shop", "--from-literal=a=1"}).exit, 0);
  ASSERT_EQ(kubectl({"create", "secret", "generic", "s2", "-n", "shop", "--from-literal=a=1"}).exit, 0);
  // Events after `rv` replay from history; the stream ends by itself after timeoutSeconds.
  CommandResult r = kubectl(
      {"get", "--raw", "/api/v1/namespaces/shop/secrets?watch=true&timeoutSeconds=1&resourceVersion=" + rv});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> events = lines(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(typeOf(events[0]), "ADDED");
  EXPECT_EQ(nameOf(events[0]), "s1");
  EXPECT_EQ(nameOf(events[1]), "s2");
}

TEST_F(WatchTest, BookmarksWhenAskedFor) {
  CommandResult r = kubectl(
      {"get", "--raw", "/api/v1/namespaces/shop/services?watch=1&allowWatchBookmarks=true&timeoutSeconds=3"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> events = lines(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(typeOf(events[0]), "ADDED");
  EXPECT_EQ(nameOf(events[0]), "web");
  boost::json::value bookmark = parseJsonOrFail(events[1]);
  EXPECT_EQ(bookmark.at("type"), "BOOKMARK");
  EXPECT_EQ(bookmark.at("object").at("kind"), "Service");
  EXPECT_FALSE(bookmark.at("object").at("metadata").at("resourceVersion").as_string().empty());
}

TEST_F(WatchTest, LabelSelectedWatchSeesObjectsLeaveTheSelection) {
  ASSERT_EQ(kubectl({"create", "configmap", "tagged", "-n", "shop", "--from-literal=a=1"}).exit, 0);
  ASSERT_EQ(kubectl({"label", "configmap", "tagged", "-n", "shop", "watch=me"}).exit, 0);
  StreamingProcess watch(server_->kubectlSpec(
      {"get", "--raw", "/api/v1/namespaces/shop/configmaps?watch=1&labelSelector=watch%3Dme"}));
  std::vector<std::string> first =
      readUntil(watch, [](const std::string& l) { return typeOf(l) == "ADDED"; });
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(nameOf(first[0]), "tagged");
  ASSERT_EQ(kubectl({"label", "configmap", "tagged", "-n", "shop", "watch-"}).exit, 0);
  std::vector<std::string> gone =
      readUntil(watch, [](const std::string& l) { return typeOf(l) == "DELETED"; });
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(nameOf(gone[0]), "tagged");
  watch.terminate(2s);
}

TEST(KubesimLifecycle, StopsCleanlyOnSigtermWithAWatchOpen) {
  KubesimHarness server(e2eScenario("shop.yaml"));
  StreamingProcess watch(server.kubectlSpec({"get", "pods", "-n", "shop", "-w"}));
  ASSERT_TRUE(watch.readLine(15s).has_value());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  watch.terminate(2s);
}

}  // namespace
}  // namespace aiops::test
