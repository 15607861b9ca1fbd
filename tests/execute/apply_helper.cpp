// Runs Executor::apply in its own process and kills itself with SIGKILL when apply reaches a given stage,
// so the tests can see what a `kill -9` mid-apply leaves behind and what reconcile makes of it.
// Usage: execute_apply_helper KUBECONFIG CONTEXT JOURNAL OPERATION STAGE
#include <csignal>
#include <iostream>

#include "execute/executor.h"
#include "execute/identity.h"
#include "kube/kubectl_transport.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: execute_apply_helper KUBECONFIG CONTEXT JOURNAL OPERATION STAGE\n";
    return 2;
  }
  try {
    aiops::kube::KubectlOptions options;
    options.flags.kubeconfig = argv[1];
    options.flags.context = argv[2];
    aiops::kube::KubectlTransport transport(options);
    aiops::kube::Client client(transport);
    aiops::governance::JournalOptions journalOptions;
    journalOptions.path = argv[3];
    journalOptions.create = false;
    aiops::governance::Journal journal(journalOptions);
    aiops::execute::ExecutorOptions executorOptions;
    const std::string stage = argv[5];
    executorOptions.onStage = [stage](std::string_view reached) {
      if (reached == stage) std::raise(SIGKILL);
    };
    aiops::execute::Executor executor(client, journal, executorOptions);
    executor.apply(argv[4], aiops::execute::whoAmI(client));
    std::cout << "applied\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "execute_apply_helper: " << e.what() << "\n";
    return 1;
  }
}
