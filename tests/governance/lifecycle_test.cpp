// The operation lifecycle table: every legal transition, a sample of illegal ones and their messages.
#include "governance/lifecycle.h"

#include <gtest/gtest.h>

namespace aiops::governance {
namespace {

using K = RecordKind;
using S = Status;

TEST(Lifecycle, NamesRoundTrip) {
  for (RecordKind kind : kAllRecordKinds)
    EXPECT_EQ(parseRecordKind(toString(kind)), kind);
  for (Status status : kAllStatuses)
    EXPECT_EQ(parseStatus(toString(status)), status);
  EXPECT_EQ(toString(K::RolledBack), "rolled-back");
  EXPECT_EQ(parseStatus("aproved"), std::nullopt);
}

TEST(Lifecycle, TheDocumentedTableIsExactlyWhatIsLegal) {
  // (from, kind, to) triples, from = nullopt for a new operation: the table in lifecycle.h and docs/phr.md.
  struct T {
    std::optional<S> from;
    K kind;
    S to;
  };
  const std::vector<T> legal{{std::nullopt, K::Recommendation, S::Proposed},
                             {S::Proposed, K::Approval, S::Proposed},
                             {S::Proposed, K::Approval, S::Approved},
                             {S::Proposed, K::Rejection, S::Rejected},
                             {S::Proposed, K::Expiry, S::Expired},
                             {S::Approved, K::Expiry, S::Expired},
                             {S::Approved, K::Applying, S::Applying},
                             {S::Applying, K::Applied, S::Applied},
                             {S::Applied, K::Checkpoint, S::Applied},
                             {S::Applied, K::Verified, S::Verified},
                             {S::Applying, K::Failed, S::Failed},
                             {S::Applied, K::Failed, S::Failed},
                             {S::Applied, K::RolledBack, S::RolledBack},
                             {S::Verified, K::RolledBack, S::RolledBack},
                             {S::Failed, K::RolledBack, S::RolledBack}};
  std::size_t count = 0;
  std::vector<std::optional<S>> froms{std::nullopt};
  for (S s : kAllStatuses)
    froms.emplace_back(s);
  for (const auto& from : froms) {
    for (K kind : kAllRecordKinds) {
      for (S to : kAllStatuses) {
        const bool expected = std::any_of(legal.begin(), legal.end(), [&](const T& t) {
          return t.from == from && t.kind == kind && t.to == to;
        });
        EXPECT_EQ(isLegal(from, kind, to), expected)
            << (from ? toString(*from) : "new") << " -" << toString(kind) << "-> " << toString(to);
        count += expected ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(count, legal.size());
  EXPECT_TRUE(isLegal(std::nullopt, K::Diagnosis, std::nullopt));
  EXPECT_FALSE(isLegal(S::Proposed, K::Diagnosis, std::nullopt));
}

TEST(Lifecycle, FinalStatuses) {
  EXPECT_TRUE(isFinal(S::Rejected));
  EXPECT_TRUE(isFinal(S::Expired));
  EXPECT_TRUE(isFinal(S::RolledBack));
  EXPECT_FALSE(isFinal(S::Verified));  // a verified change may still be rolled back
  EXPECT_FALSE(isFinal(S::Failed));
}

TEST(Lifecycle, ErrorsSayWhatIsWrongAndWhatWouldBeLegal) {
  EXPECT_EQ(transitionError("op-0007", S::Proposed, K::Applying, S::Applying),
            "operation op-0007 is proposed; an applying record needs it to be approved");
  EXPECT_EQ(transitionError("op-0007", S::Rejected, K::Approval, S::Approved),
            "operation op-0007 is rejected, which is final; no approval record may follow it");
  EXPECT_EQ(transitionError("op-0007", std::nullopt, K::Approval, S::Approved),
            "operation op-0007 does not exist; it starts with a recommendation");
  EXPECT_EQ(transitionError("op-0007", S::Applied, K::RolledBack, S::RolledBack), std::nullopt);
  EXPECT_EQ(transitionError("op-0007", S::Proposed, K::Approval, S::Applied),
            "an approval record on a proposed operation leads to proposed or approved, not applied");
  EXPECT_EQ(transitionError("op-0007", S::Approved, K::RolledBack, S::RolledBack),
            "operation op-0007 is approved; a rolled-back record needs it to be applied, verified or failed");
}

}  // namespace
}  // namespace aiops::governance
