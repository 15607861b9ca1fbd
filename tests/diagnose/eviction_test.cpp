// Evictions and kubelet rejections: the memory request patch from the usage in the eviction message, disk
// pressure explained by the node that still reports it, local storage limits, OutOfcpu, and old evictions.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
namespace json = boost::json;

class Evictions : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("evictions");
};

TEST_F(Evictions, EveryEvictionKindAndTheNodeBehindOne) {
  // Cluster-scoped objects (no namespace) sort first.
  EXPECT_EQ(summary(d),
            (std::vector<std::string>{
                "AIOPS-D852 Node worker-2 primary", "AIOPS-D410 Pod shop/api-7f8c9d6b5-4kq2w primary",
                "AIOPS-D411 Pod shop/logger secondary", "AIOPS-D414 Pod shop/rejected secondary",
                "AIOPS-D412 Pod shop/scratch primary"}));
  EXPECT_EQ(only(d, "AIOPS-D411").relatedTo->object.name, "worker-2");
}

TEST_F(Evictions, MemoryEvictionRaisesTheRequestToTheUsageItReports) {
  const model::Finding& f = only(d, "AIOPS-D410");
  EXPECT_EQ(f.headline, "Deployment shop/api: 2/2 pods Evicted, same cause");
  EXPECT_EQ(f.rootCause,
            "Pod api-7f8c9d6b5-4kq2w was evicted from node worker-1 because the node ran low on memory; "
            "container api "
            "was using 812Mi against a request of 256Mi.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::ResourceIncrease);
  EXPECT_EQ(r.summary, "raise the memory request of container api from 256Mi to 832Mi");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"requests":{"memory":"832Mi"}}}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"requests":{"memory":"256Mi"}}}]}}}})");
  EXPECT_EQ(r.commands.back(), "kubectl -n shop delete pod --field-selector=status.phase=Failed");
}

TEST_F(Evictions, DiskPressureAndLocalStorageLimits) {
  EXPECT_EQ(only(d, "AIOPS-D411").rootCause,
            "Pod logger was evicted from node worker-2 because the node ran low on disk (ephemeral storage); "
            "container "
            "logger was using 6Gi of local storage against a request of 0.");
  EXPECT_EQ(only(d, "AIOPS-D412").rootCause,
            "Pod scratch was evicted because container scratch exceeded its local ephemeral storage limit "
            "\"1Gi\".");
  EXPECT_EQ(only(d, "AIOPS-D852").rootCause, "Node worker-2 has DiskPressure: kubelet has disk pressure.");
}

TEST_F(Evictions, KubeletRejection) {
  EXPECT_EQ(only(d, "AIOPS-D414").rootCause,
            "Pod rejected was rejected by the kubelet on node worker-2 (OutOfcpu): Pod was rejected: Node "
            "didn't have "
            "enough resource: cpu, requested: 2000, used: 3500, capacity: 4000.");
}

TEST(EvictionHistory, EvictionsDaysOldAreReportedOnlyWithALongerWindow) {
  Options options = testing::fixtureOptions();
  options.historyWindow = std::chrono::hours(24 * 7);
  Diagnosis d = diagnoseFixture("evictions", options);
  auto memory = testing::withRule(d, "AIOPS-D410");
  ASSERT_EQ(memory.size(), 2U);
  EXPECT_EQ(memory[0]->object.name, "ancient");
}

}  // namespace
}  // namespace aiops::diagnose
