// `kubectl aiops pending|show|approve|reject|apply|verify|rollback` and `audit compliance` through runCli:
// usage errors, the pending and show tables and documents over a journal built here, where the policy comes
// from, refusals, and the audit's exit status.
#include "commands/operations.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "fake_transport.h"
#include "governance/journal.h"

namespace aiops::plugin {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace governance;

constexpr std::string_view kReviews = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
constexpr std::string_view kAccessReviews = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
constexpr std::string_view kPolicyMap = "/api/v1/namespaces/aiops-system/configmaps/aiops-risk-policy";

class OperationsTest : public ::testing::Test {
 protected:
  OperationsTest() {
    std::string pattern = (fs::temp_directory_path() / "aiops-operations-cli-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    repo = dir / "phr";
    policy = dir / "policy.yaml";
    std::ofstream(policy) << "apiVersion: aiops.dev/v1\nkind: RiskPolicy\n";  // the defaults
    env.programName = "kubectl aiops";
    env.now = [] { return *parseTimestamp("2024-05-01T10:10:00Z"); };
    env.makeTransport = [this](const kube::ConnectionFlags&,
                               Streams&) -> std::unique_ptr<kube::KubeTransport> {
      ++transportsMade;
      return kube::testing::borrow(fake);
    };
  }
  ~OperationsTest() override {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  // A clock that starts at `start` and moves a minute per record.
  JournalOptions journalAt(const std::string& start) {
    JournalOptions options;
    options.path = repo;
    auto next = std::make_shared<WallTime>(*parseTimestamp(start));
    options.now = [next] {
      const WallTime t = *next;
      *next += std::chrono::minutes(1);
      return t;
    };
    return options;
  }

  static Proposal proposal(std::string name, model::Risk risk, std::string summary) {
    Proposal p;
    p.target = Target{"apps/v1", "Deployment", "shop", std::move(name), "uid-1", 7};
    p.risk = risk;
    p.action = "resource-increase";
    p.summary = std::move(summary);
    p.change = Change{ChangeType::Strategic,
                      json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"app",)"
                                  R"("resources":{"limits":{"memory":"384Mi"}}}]}}}})")};
    p.rollback = Change{ChangeType::Strategic,
                        json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"app",)"
                                    R"("resources":{"limits":{"memory":"256Mi"}}}]}}}})")};
    return p;
  }

  static Step decision(RecordKind kind, const std::string& sha, const std::string& why) {
    Step s;
    s.kind = kind;
    s.changeSha256 = sha;
    s.justification = why;
    return s;
  }

  // 10:00 op-0001 medium proposed by alice; 10:01 op-0002 low proposed by carol, 10:02 approved by carol;
  // 10:03 op-0003 proposed by alice, 10:04 rejected by bob.
  void makeJournal() {
    Journal journal(journalAt("2024-05-01T10:00:00Z"));
    journal.propose(
        proposal("backend", model::Risk::Medium, "raise the memory limit of container app to 384Mi"),
        Identity{"alice", {}});
    const Appended web =
        journal.propose(proposal("web", model::Risk::Low, "restart web"), Identity{"carol", {}});
    journal.record(
        "op-0002",
        decision(RecordKind::Approval, journal.show("op-0002").record.aiops.changeSha256, "flaky pod"),
        Identity{"carol", {}});
    journal.propose(proposal("cache", model::Risk::Medium, "raise cache memory"), Identity{"alice", {}});
    journal.record("op-0003",
                   decision(RecordKind::Rejection, journal.show("op-0003").record.aiops.changeSha256, "leak"),
                   Identity{"bob", {}});
  }

  // One medium operation carried through to applied on 2024-05-02, approved by `approver`.
  void makeAppliedOperation(const std::string& approver) {
    Journal journal(journalAt("2024-05-02T08:00:00Z"));
    journal.propose(
        proposal("backend", model::Risk::Medium, "raise the memory limit of container app to 384Mi"),
        Identity{"alice", {}});
    journal.record(
        "op-0001",
        decision(RecordKind::Approval, journal.show("op-0001").record.aiops.changeSha256, "OOMKilled"),
        Identity{approver, {}});
    Step applying;
    applying.kind = RecordKind::Applying;
    applying.metrics = json::object{{"readyReplicas", 0}};
    journal.record("op-0001", applying, Identity{"alice", {}});
    Step applied;
    applied.kind = RecordKind::Applied;
    journal.record("op-0001", applied, Identity{"alice", {}});
  }

  int run(std::vector<std::string> args) {
    out.str("");
    err.str("");
    Streams streams{out, err, false};
    return runCli(args, streams, env);
  }

  std::vector<std::string> withJournal(std::vector<std::string> args) {
    args.insert(args.end(), {"--phr-repo", repo.string(), "--policy", policy.string()});
    return args;
  }

  fs::path dir;
  fs::path repo;
  fs::path policy;
  kube::testing::FakeTransport fake;
  Environment env;
  int transportsMade = 0;
  std::ostringstream out;
  std::ostringstream err;
};

// --- usage -------------------------------------------------------------------------------------------------

TEST_F(OperationsTest, UsageErrorsExitTwoBeforeAnyRequest) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases{
      {{"approve", "op-1", "--reason", "ok"},
       "error: invalid operation id 'op-1'; operation ids look like op-0042; see 'kubectl aiops approve "
       "--help'\n"},
      {{"approve", "op-0001"}, "error: --reason is required; see 'kubectl aiops approve --help'\n"},
      {{"reject", "op-0001", "--reason", "  "},
       "error: --reason must say why; it is recorded with the decision; see 'kubectl aiops reject --help'\n"},
      {{"show"}, "error: ID is required; see 'kubectl aiops show --help'\n"},
      {{"pending", "-o", "markdown"},
       "error: invalid output format 'markdown'; use one of text, json, yaml; see 'kubectl aiops pending "
       "--help'\n"},
      {{"verify", "op-0001", "--follow"},
       "error: the following argument was not expected: --follow; see 'kubectl aiops verify --help'\n"},
      {{"audit", "compliance", "--month", "2024-13"},
       "error: invalid --month '2024-13'; use YYYY-MM, e.g. 2026-11; see 'kubectl aiops audit --help'\n"},
      {{"aprove", "op-0001"},
       "error: unknown command 'aprove' for 'kubectl aiops'; did you mean 'approve'? see 'kubectl aiops "
       "--help'\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(run(c.args), 2) << c.args[0];
    EXPECT_EQ(err.str(), c.error);
    EXPECT_EQ(out.str(), "");
  }
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(OperationsTest, HelpListsTheGovernanceFlags) {
  EXPECT_EQ(run({"approve", "--help"}), 0);
  for (const char* part :
       {"--reason", "--phr-repo", "--phr-remote", "--policy", "--context", "approve op-0001 --reason"}) {
    EXPECT_NE(out.str().find(part), std::string::npos) << part << "\n" << out.str();
  }
}

// --- pending and show --------------------------------------------------------------------------------------

TEST_F(OperationsTest, PendingListsProposedAndApprovedOperationsWithoutACluster) {
  makeJournal();
  EXPECT_EQ(run(withJournal({"pending"})), 0) << err.str();
  EXPECT_EQ(out.str(),
            "ID        RISK     TARGET                    SUMMARY                                            "
            "REQUESTED BY   AGE   EXPIRES IN   NEEDS\n"
            "op-0001   medium   Deployment shop/backend   raise the memory limit of container app to 384Mi   "
            "alice          10m   20m          1 approver, not the requester\n"
            "op-0002   low      Deployment shop/web       restart web                                        "
            "carol          9m    expired      apply\n");
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(transportsMade, 0);  // --policy: the cluster is not asked

  EXPECT_EQ(run(withJournal({"pending", "-n", "other"})), 0);
  EXPECT_EQ(out.str(), "No pending operations in namespace other.\n");
}

TEST_F(OperationsTest, PendingAllShowsEveryStatus) {
  makeJournal();
  EXPECT_EQ(run(withJournal({"pending", "--all"})), 0) << err.str();
  const std::string text = out.str();
  EXPECT_EQ(
      text.substr(0, text.find('\n')),
      "ID        STATUS     RISK     TARGET                    SUMMARY                                  "
      "          REQUESTED BY   AGE   EXPIRES IN   NEEDS");
  EXPECT_NE(text.find("op-0003   rejected   medium   Deployment shop/cache     raise cache memory"),
            std::string::npos)
      << text;
}

TEST_F(OperationsTest, PendingJsonIsTheDocumentedDocument) {
  makeJournal();
  EXPECT_EQ(run(withJournal({"pending", "-o", "json"})), 0) << err.str();
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("journal").as_string(), repo.string());
  EXPECT_EQ(doc.at("policy").as_string(), policy.string());
  const json::array& ops = doc.at("operations").as_array();
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].at("operationId"), "op-0001");
  EXPECT_EQ(ops[0].at("status"), "proposed");
  EXPECT_EQ(ops[0].at("risk"), "medium");
  EXPECT_EQ(ops[0].at("target").at("name"), "backend");
  EXPECT_EQ(ops[0].at("requestedBy"), "alice");
  EXPECT_EQ(ops[0].at("proposed"), "2024-05-01T10:00:00Z");
  EXPECT_EQ(ops[0].at("expiresAt"), "2024-05-01T10:30:00Z");
  EXPECT_EQ(ops[0].at("expired"), false);
  EXPECT_EQ(ops[0].at("needs"), "1 approver, not the requester");
  EXPECT_EQ(ops[0].at("changeSha256").as_string().size(), 64u);
  EXPECT_EQ(ops[1].at("status"), "approved");
  EXPECT_EQ(ops[1].at("expiresAt"), "2024-05-01T10:07:00Z");
  EXPECT_EQ(ops[1].at("expired"), true);
}

TEST_F(OperationsTest, ThePolicyComesFromTheClusterWhenNoneIsNamed) {
  makeJournal();
  fake.respondJson("GET", std::string(kPolicyMap),
                   R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"aiops-risk-policy",)"
                   R"("namespace":"aiops-system"},"data":{"policy.yaml":"apiVersion: aiops.dev/v1\nkind: )"
                   R"(RiskPolicy\ntiers:\n  medium:\n    window: 15m\n"}})");
  EXPECT_EQ(run({"pending", "--phr-repo", repo.string(), "-o", "json"}), 0) << err.str();
  EXPECT_EQ(transportsMade, 1);
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("policy"), "configmap aiops-system/aiops-risk-policy key policy.yaml");
  EXPECT_EQ(doc.at("operations").at(0).at("expiresAt"), "2024-05-01T10:15:00Z");
}

TEST_F(OperationsTest, AnUnreadablePolicyConfigMapMeansTheDefaults) {
  makeJournal();
  fake.respondApiError("GET", std::string(kPolicyMap), 403, "Forbidden",
                       "configmaps \"aiops-risk-policy\" is forbidden");
  EXPECT_EQ(run({"pending", "--phr-repo", repo.string(), "-o", "json"}), 0) << err.str();
  EXPECT_EQ(json::parse(out.str()).at("policy"), "built-in defaults");
  EXPECT_EQ(json::parse(out.str()).at("operations").at(0).at("expiresAt"), "2024-05-01T10:30:00Z");
}

TEST_F(OperationsTest, ABrokenPolicyFileIsAUsageError) {
  makeJournal();
  std::ofstream(policy)
      << "apiVersion: aiops.dev/v1\nkind: RiskPolicy\ntiers:\n  medium:\n    approvers: 0\n";
  EXPECT_EQ(run(withJournal({"pending"})), 2);
  EXPECT_EQ(err.str().rfind("error: invalid risk policy: ", 0), 0u) << err.str();
}

TEST_F(OperationsTest, ShowPrintsTheChangeRollbackApprovalsAndRecords) {
  makeJournal();
  EXPECT_EQ(run(withJournal({"show", "op-0002"})), 0) << err.str();
  const std::string text = out.str();
  const std::string sha(Journal(journalAt("2024-05-01T11:00:00Z")).show("op-0002").record.aiops.changeSha256);
  for (const std::string& part : std::vector<std::string>{
           "Operation:    op-0002\n", "Status:       approved\n", "Risk:         low\n",
           "Target:       Deployment shop/web (uid uid-1, generation 7)\n",
           "Requested by: carol at 2024-05-01T10:01:00Z (9m ago)\n",
           "Expires:      2024-05-01T10:07:00Z (expired)\n", "Needs:        apply\n",
           "\nChange (strategic, sha256 " + sha +
               "):\n  kubectl -n shop patch deployment web --type strategic -p "
               "'{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"resources\":{"
               "\"limits\":"
               "{\"memory\":\"384Mi\"}}}]}}}}'\n",
           "Rollback (strategic):\n  kubectl -n shop patch deployment web",
           "\nApprovals:\n  USER    DECISION   TIME                   CHANGE         REASON\n"
           "  carol   approve    2024-05-01T10:02:00Z   " +
               sha.substr(0, 12) + "   flaky pod\n",
           "\nRecords:\n  RECORD         TIME                   KIND             STATUS     USER\n"
           "  op-0002/0001   2024-05-01T10:01:00Z   recommendation   proposed   carol\n"
           "  op-0002/0002   2024-05-01T10:02:00Z   approval         approved   carol\n"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n---\n" << text;
  }
}

TEST_F(OperationsTest, ShowJsonCarriesTheWholeOperation) {
  makeJournal();
  EXPECT_EQ(run(withJournal({"show", "op-0003", "-o", "json"})), 0) << err.str();
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("operationId"), "op-0003");
  EXPECT_EQ(doc.at("status"), "rejected");
  EXPECT_EQ(doc.at("expiresAt"), nullptr);
  EXPECT_EQ(doc.at("needs"), "-");
  EXPECT_EQ(doc.at("operation").at("approvals").at(0).at("justification"), "leak");
  EXPECT_EQ(doc.at("records").as_array().size(), 2u);
  EXPECT_EQ(doc.at("records").at(1).at("kind"), "rejection");
  EXPECT_EQ(doc.at("records").at(1).at("user"), "bob");
}

TEST_F(OperationsTest, AMissingOperationExitsTwoAndAMissingJournalThree) {
  EXPECT_EQ(run(withJournal({"show", "op-0001"})), 3);
  EXPECT_NE(err.str().find(repo.string()), std::string::npos) << err.str();
  makeJournal();
  EXPECT_EQ(run(withJournal({"show", "op-0099"})), 2);
  EXPECT_EQ(
      err.str(),
      "error: operation op-0099 not found in the PHR journal; list them with 'kubectl aiops pending --all'; "
      "see 'kubectl aiops show --help'\n");
}

// --- the executor's commands -------------------------------------------------------------------------------

TEST_F(OperationsTest, AnApprovalWithoutTheRbacVerbIsRefusedAndNothingIsRecorded) {
  {
    JournalOptions options;
    options.path = repo;  // the real clock: the executor expires what is past its window
    Journal journal(options);
    journal.propose(proposal("backend", model::Risk::Medium, "raise the memory limit"),
                    Identity{"alice", {}});
  }
  fake.respondJson("POST", std::string(kReviews),
                   R"({"status":{"userInfo":{"username":"viewer","groups":["readers"]}}})");
  fake.respondJson("POST", std::string(kAccessReviews), R"({"status":{"allowed":false}})");
  EXPECT_EQ(run(withJournal({"approve", "op-0001", "--reason", "looks right"})), 1);
  EXPECT_EQ(err.str().rfind("error: user viewer may not approve recommendations", 0), 0u) << err.str();
  EXPECT_NE(out.str().find("Change (sha256 "), std::string::npos) << out.str();  // shown before deciding
  EXPECT_EQ(transportsMade, 1);
  Journal journal(journalAt("2024-05-01T11:00:00Z"));
  EXPECT_EQ(journal.show("op-0001").record.aiops.status, Status::Proposed);
  EXPECT_EQ(journal.list().size(), 1u);
}

TEST_F(OperationsTest, AClusterErrorExitsThree) {
  makeJournal();
  fake.respondApiError("POST", std::string(kReviews), 403, "Forbidden",
                       "selfsubjectreviews.authentication.k8s.io is forbidden");
  EXPECT_EQ(run(withJournal({"apply", "op-0002"})), 3);
  EXPECT_NE(err.str().find("forbidden"), std::string::npos) << err.str();
}

// --- audit -------------------------------------------------------------------------------------------------

TEST_F(OperationsTest, AuditCompliancePassesWhenAnotherPersonApproved) {
  makeAppliedOperation("bob");
  EXPECT_EQ(run(withJournal({"audit", "compliance", "--month", "2024-05"})), 0) << err.str() << out.str();
  EXPECT_NE(out.str().find("op-0001"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1 operation executed in 2024-05"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1 compliant, 0 with violations."), std::string::npos) << out.str();
  EXPECT_EQ(run(withJournal({"audit", "compliance", "--month", "2024-04"})), 0);
  EXPECT_EQ(out.str(), "No medium-or-higher operations were executed in 2024-04.\n");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(OperationsTest, AuditComplianceExitsOneOnAViolation) {
  makeAppliedOperation("alice");  // the requester approved her own medium change
  EXPECT_EQ(run(withJournal({"audit", "compliance", "--month", "2024-05"})), 1) << err.str();
  EXPECT_NE(out.str().find("VIOLATION: "), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("0 compliant, 1 with violations."), std::string::npos) << out.str();
  EXPECT_EQ(run(withJournal({"audit", "compliance", "--month", "2024-05", "-o", "json"})), 1);
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("month"), "2024-05");
  EXPECT_EQ(doc.at("violations"), 1);
  const json::value& row = doc.at("operations").at(0);
  EXPECT_EQ(row.at("operationId"), "op-0001");
  EXPECT_EQ(row.at("requestedBy"), "alice");
  EXPECT_EQ(row.at("compliant"), false);
  EXPECT_EQ(row.at("executed"), "2024-05-02T08:02:00Z");
  EXPECT_EQ(row.at("approvals").at(0).at("user"), "alice");
  EXPECT_GE(row.at("violations").as_array().size(), 1u);
}

}  // namespace
}  // namespace aiops::plugin
