// Connection flag helpers: --request-timeout parsing and namespace resolution.
#include "kube/config.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "fake_transport.h"

namespace aiops::kube {
namespace {

using namespace std::chrono_literals;

TEST(ParseRequestTimeout, GoDurationsAndBareSeconds) {
  EXPECT_EQ(parseRequestTimeout("30"), std::optional<std::chrono::milliseconds>(30s));
  EXPECT_EQ(parseRequestTimeout("0"), std::optional<std::chrono::milliseconds>(0ms));
  EXPECT_EQ(parseRequestTimeout("5s"), std::optional<std::chrono::milliseconds>(5s));
  EXPECT_EQ(parseRequestTimeout("1m30s"), std::optional<std::chrono::milliseconds>(90s));
  EXPECT_EQ(parseRequestTimeout("2h"), std::optional<std::chrono::milliseconds>(2h));
  EXPECT_EQ(parseRequestTimeout("500ms"), std::optional<std::chrono::milliseconds>(500ms));
  EXPECT_EQ(parseRequestTimeout("1.5s"), std::optional<std::chrono::milliseconds>(1500ms));
  for (const char* bad : {"", "-1", "5x", "s", "1m30", "abc", "5 s"}) {
    EXPECT_FALSE(parseRequestTimeout(bad).has_value()) << bad;
  }
}

TEST(NamespaceFromConfigView, ReadsTheCurrentContext) {
  const auto view = boost::json::parse(R"({"kind":"Config","current-context":"b","contexts":[
    {"name":"a","context":{"namespace":"wrong"}},{"name":"b","context":{"cluster":"c","namespace":"shop"}}]})");
  EXPECT_EQ(namespaceFromConfigView(view), std::optional<std::string>("shop"));
  EXPECT_FALSE(
      namespaceFromConfigView(boost::json::parse(R"({"contexts":[{"name":"a","context":{}}]})")).has_value());
  EXPECT_FALSE(namespaceFromConfigView(boost::json::parse(R"({"contexts":[]})")).has_value());
  EXPECT_FALSE(namespaceFromConfigView(boost::json::parse("[]")).has_value());
}

TEST(InClusterNamespace, ReadsTheServiceAccountFile) {
  const std::string path = ::testing::TempDir() + "/sa-namespace";
  std::ofstream(path) << "payments\n";
  EXPECT_EQ(inClusterNamespace(path), std::optional<std::string>("payments"));
  EXPECT_FALSE(inClusterNamespace(::testing::TempDir() + "/no-such-file").has_value());
}

TEST(ResolveNamespace, FlagThenContextThenDefault) {
  testing::FakeTransport fake;
  ConnectionFlags flags;
  EXPECT_EQ(resolveNamespace(flags, fake), "default");
  fake.setContextNamespace("from-context");
  EXPECT_EQ(resolveNamespace(flags, fake), "from-context");
  flags.namespace_ = "from-flag";
  EXPECT_EQ(resolveNamespace(flags, fake), "from-flag");
  flags.allNamespaces = true;
  EXPECT_EQ(resolveNamespace(flags, fake), "");
}

}  // namespace
}  // namespace aiops::kube
