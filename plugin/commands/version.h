// `kubectl aiops version`: the plugin's version and, when the cluster answers, the server's.
#pragma once

#include "common.h"
#include "kube/client.h"

namespace aiops::plugin::version {

struct Options {
  CommonOptions common;
  bool clientOnly = false;  // --client
};

CLI::App* add(CLI::App& parent, Options& options);
void validate(Options& options);
// Always 0: an unreachable server is reported on stderr and leaves the server version out.
int run(const Options& options, kube::Client& client, Streams& streams);

// The client half of the JSON: {"version": "v0.1.0", "gitCommit": "..."} (gitCommit when known).
boost::json::object clientVersion();

}  // namespace aiops::plugin::version
