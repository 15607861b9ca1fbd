// phr_append_helper: appends records to a PHR journal from its own process, for the concurrency tests.
// Usage: phr_append_helper REPO NAME COUNT. Proposes one operation, then alternates diagnosis records (all
// processes share one diagnose directory) with steps of its operation. Exit 0, or 1 with the error on stderr.
#include <boost/json.hpp>
#include <iostream>
#include <string>

#include "governance/journal.h"

int main(int argc, char** argv) {
  using namespace aiops::governance;
  if (argc != 4) {
    std::cerr << "usage: phr_append_helper REPO NAME COUNT\n";
    return 2;
  }
  try {
    JournalOptions options;
    options.path = argv[1];
    Journal journal(options);
    const Identity actor{argv[2], {"system:authenticated"}};
    const int count = std::stoi(argv[3]);
    Proposal proposal;
    proposal.target = Target{"apps/v1", "Deployment", "load", argv[2], "uid", 1};
    proposal.summary = std::string("scale ") + argv[2];
    proposal.change = Change{ChangeType::Merge, boost::json::parse(R"({"spec":{"replicas":3}})")};
    const std::string operation = journal.propose(proposal, actor).operationId;
    const RecordKind steps[] = {RecordKind::Approval,   RecordKind::Applying,   RecordKind::Applied,
                                RecordKind::Checkpoint, RecordKind::Checkpoint, RecordKind::Checkpoint,
                                RecordKind::Verified};
    std::size_t next = 0;
    for (int i = 1; i < count; ++i) {
      if (i % 2 == 1 || next == std::size(steps)) {
        DiagnosisRun run;
        run.target = proposal.target;
        run.summary = std::string("run by ") + argv[2];
        journal.recordDiagnosis(run, actor);
        continue;
      }
      Step step;
      step.kind = steps[next++];
      step.changeSha256 = journal.show(operation).record.aiops.changeSha256;
      if (step.kind == RecordKind::Checkpoint) step.checkpoint = Checkpoint{"5m", {}, true, "ok", nullptr};
      journal.record(operation, step, actor);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << argv[2] << ": " << e.what() << '\n';
    return 1;
  }
}
