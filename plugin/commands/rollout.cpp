// `kubectl aiops rollout watch`: flags, the risk policy's rollback rule, helm with the connection flags,
// progress lines, and a PHR and an Event per outcome around gate::watchRollout.
#include "commands/rollout.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <thread>

#include "execute/identity.h"
#include "gate/post_renderer.h"
#include "governance/journal.h"
#include "governance/policy.h"
#include "kube/config.h"
#include "support/output.h"

namespace aiops::plugin::rollout {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::string_view kPolicyRule = "automaticRollback.failedRollout";

milliseconds durationFlag(const std::string& flag, const std::string& text) {
  const auto parsed = kube::parseRequestTimeout(text);
  if (!parsed || parsed->count() <= 0)
    throw UsageError(fmt::format("invalid {} '{}'; use a duration such as 500ms, 10s or 2m", flag, text));
  return *parsed;
}

std::vector<std::string> helmCommand(const kube::ConnectionFlags& connection) {
  std::vector<std::string> helm{"helm"};
  if (!connection.kubeconfig.empty()) helm.insert(helm.end(), {"--kubeconfig", connection.kubeconfig});
  if (!connection.context.empty()) helm.insert(helm.end(), {"--kube-context", connection.context});
  return helm;
}

// The record: what was watched, the verdict with its numbers, and what the gate did; the whole result is
// its findings.
std::string record(const Options& options, const gate::MonitorResult& r, const governance::RiskPolicy& policy,
                   const governance::Identity& actor, Streams& streams) {
  // Stamped when the outcome is known (the journal's own clock), not when the watch began minutes earlier.
  governance::Journal journal(operations::journalOptions(options.governance, true));
  governance::DiagnosisRun run;
  run.target = governance::Target{"apps/v1", "Deployment", r.namespace_, r.deployment, r.uid, 0};
  run.risk = r.outcome == gate::Outcome::Succeeded ? model::Risk::Low
             : r.outcome == gate::Outcome::Halted  ? model::Risk::High
                                                   : model::Risk::Medium;
  run.summary = fmt::format("{}: {}", gate::toString(r.outcome), r.reason);
  run.rationale = fmt::format(
      "revision {} ({}): the first {} of {} new replicas watched for {}; fail when the 5xx rate over the "
      "last "
      "{} or the whole window is above {} with at least {} requests, on a crash loop, or when readiness "
      "stays low",
      r.revision, r.image, r.canary, r.replicas, gate::formatDuration(r.window),
      gate::formatDuration(options.monitor.analysis.interval),
      gate::percent(options.monitor.analysis.maxErrorRate), options.monitor.analysis.minRequests);
  if (r.outcome == gate::Outcome::Halted) {
    run.rationale +=
        fmt::format(". The automatic rollback is a safety action: the risk policy rule {} ({}) is {}",
                    kPolicyRule, policy.source,
                    policy.rollbackFailedRollouts ? "true, so no approval was awaited"
                                                  : "false, so the "
                                                    "deployment was left paused for a person");
  }
  run.evidence = r.steps;
  json::value findings = r.toJson();
  findings.as_object()["policyRule"] = kPolicyRule;
  findings.as_object()["policySource"] = policy.source;
  run.findings = std::move(findings);
  run.text.command = options.commandLine;
  const governance::Appended appended = journal.recordRollout(run, actor);
  for (const auto& w : appended.warnings)
    streams.err << "warning: " << w << '\n';
  return appended.path;
}

int exitFor(gate::Outcome outcome) {
  switch (outcome) {
    case gate::Outcome::Succeeded:
      return 0;
    case gate::Outcome::Halted:
      return 1;
    case gate::Outcome::Inconclusive:
      return kExitInconclusive;
  }
  return 1;
}

}  // namespace

CLI::App* add(CLI::App& parent, Options& options) {
  auto* rollout = parent.add_subcommand("rollout", "The rollout gate");
  rollout->require_subcommand(1);
  addCommonFlags(*rollout, options.common);
  auto* watch = rollout->add_subcommand(
      "watch",
      "Watch the first new replicas of a gated rollout for the bake window; let it finish or pause and roll "
      "it back");
  watch->add_option("target", options.targetText,
                    "deploy/NAME (default with --release: every gated Deployment of the release)");
  watch->add_option(
      "--release", options.release,
      "The Helm release the Deployment belongs to: roll back with 'helm rollback' to the newest "
      "deployed or superseded revision");
  watch->add_option(
      "--window", options.windowText,
      "The bake window (default: the Deployment's aiops.dev/gate-window annotation, else 120s)");
  watch->add_option("--canary", options.canary,
                    "How many first new replicas to watch (default: aiops.dev/gate-canary, else 3)");
  watch
      ->add_option("--max-error-rate", options.maxErrorPercent,
                   "Fail when the 5xx rate is above this percentage")
      ->default_str("5");
  watch
      ->add_option("--min-requests", options.minRequests,
                   "Requests a span needs before its error rate counts")
      ->default_str("50");
  watch->add_option("--interval", options.intervalText, "The recent span the error rate is also judged over")
      ->default_str("10s");
  watch->add_option("--poll", options.pollText, "How often the new pods are read")->default_str("1s");
  watch
      ->add_option("--no-traffic", options.noTrafficText,
                   "At a window's end with too few requests: extend (one more window, paused; then "
                   "inconclusive), continue, or halt")
      ->default_str("extend");
  watch
      ->add_option("--timeout", options.timeoutText,
                   "How long to wait for the new ReplicaSet, and for each rollout to complete")
      ->default_str("10m");
  watch->add_flag("--no-record", options.noRecord, "Do not record the outcome in the PHR journal");
  addCommonFlags(*watch, options.common);
  operations::addGovernanceFlags(*watch, options.governance, true);
  watch->footer(
      "Examples:\n"
      "  # After 'helm upgrade ... --post-renderer aiops-gate': gate the backend's rollout\n"
      "  kubectl aiops rollout watch deploy/todo-backend -n todo --release todo\n\n"
      "Exit status: 0 the rollout succeeded, 1 it was halted (paused, and rolled back unless the risk policy "
      "says\n"
      "automaticRollback.failedRollout: false), 4 inconclusive (no traffic; left paused), 2 usage error, 3 "
      "cluster,\n"
      "Helm or journal error.");
  return watch;
}

void validate(Options& options) {
  validateCommon(options.common);
  if (options.common.output != OutputFormat::Text && options.common.output != OutputFormat::Json)
    throw UsageError("invalid output format for rollout watch; use one of text, json");
  if (!options.targetText.empty()) {
    const std::string& t = options.targetText;
    const auto slash = t.find('/');
    const std::string kind = slash == std::string::npos ? "" : t.substr(0, slash);
    if (slash != std::string::npos && kind != "deploy" && kind != "deployment" && kind != "deployments" &&
        kind != "deployment.apps" && kind != "deployments.apps") {
      throw UsageError(fmt::format("invalid target '{}': the gate watches Deployments; use deploy/NAME", t));
    }
    options.monitor.deployment = slash == std::string::npos ? t : t.substr(slash + 1);
    if (options.monitor.deployment.empty()) throw UsageError(fmt::format("invalid target '{}': no name", t));
  } else if (options.release.empty()) {
    throw UsageError("name a Deployment (deploy/NAME) or a Helm release (--release NAME)");
  }
  options.monitor.release = options.release;
  if (!options.windowText.empty()) {
    const auto seconds = gate::parseWindow(options.windowText);
    if (!seconds)
      throw UsageError(
          fmt::format("invalid --window '{}'; use whole seconds from 1s to 24h", options.windowText));
    options.monitor.window = milliseconds(*seconds * 1000);
  }
  if (options.canary && *options.canary < 1)
    throw UsageError(fmt::format("invalid --canary {}: at least 1", *options.canary));
  options.monitor.canary = options.canary;
  if (!(options.maxErrorPercent >= 0 && options.maxErrorPercent < 100))
    throw UsageError(
        fmt::format("invalid --max-error-rate {}: a percentage from 0 to 100", options.maxErrorPercent));
  options.monitor.analysis.maxErrorRate = options.maxErrorPercent / 100.0;
  if (options.minRequests < 1)
    throw UsageError(fmt::format("invalid --min-requests {}: at least 1", options.minRequests));
  options.monitor.analysis.minRequests = options.minRequests;
  options.monitor.analysis.interval = durationFlag("--interval", options.intervalText);
  options.monitor.poll = durationFlag("--poll", options.pollText);
  options.monitor.timeout = durationFlag("--timeout", options.timeoutText);
  const auto noTraffic = gate::parseNoTrafficPolicy(options.noTrafficText);
  if (!noTraffic) {
    throw UsageError(
        fmt::format("invalid --no-traffic '{}'; use one of extend, continue, halt", options.noTrafficText));
  }
  options.monitor.noTraffic = *noTraffic;
}

int run(Options& options, kube::Client& client, Streams& streams) {
  const bool json = options.common.output == OutputFormat::Json;
  std::ostream& progress = json ? streams.err : streams.out;
  options.monitor.namespace_ = kube::resolveNamespace(options.common.connection, client.transport());
  const governance::RiskPolicy policy = operations::resolvePolicy(options.governance.policy, &client);
  options.monitor.automaticRollback = policy.rollbackFailedRollouts;
  options.monitor.helm = helmCommand(options.common.connection);

  std::vector<std::string> deployments;
  if (!options.monitor.deployment.empty()) {
    deployments.push_back(options.monitor.deployment);
  } else {
    deployments = gate::gatedDeploymentsOf(client, options.monitor.namespace_, options.release);
    if (deployments.empty()) {
      streams.err << fmt::format(
          "error: release {} has no gated Deployment in namespace {} (none is annotated "
          "meta.helm.sh/release-name: {} and carries aiops.dev/gate-original); was it upgraded with "
          "--post-renderer aiops-gate?\n",
          options.release, options.monitor.namespace_, options.release);
      return 3;
    }
  }

  gate::MonitorHooks hooks;
  hooks.say = [&progress](const std::string& line) { progress << line << std::endl; };
  hooks.run = [](const std::vector<std::string>& argv) {
    ProcessSpec spec;
    spec.argv = argv;
    spec.timeout = std::chrono::minutes(10);
    return runProcess(spec);
  };
  hooks.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };

  std::optional<governance::Identity> actor;
  json::array results;
  int status = 0;
  for (const std::string& name : deployments) {
    gate::MonitorOptions monitor = options.monitor;
    monitor.deployment = name;
    gate::MonitorResult r;
    try {
      r = gate::watchRollout(client, monitor, hooks);
    } catch (const gate::MonitorError& e) {
      streams.err << "error: " << e.what() << '\n';
      return 3;
    }
    json::object out = r.toJson().as_object();
    out["policyRule"] = kPolicyRule;
    std::string recorded;
    if (!options.noRecord) {
      try {
        if (!actor) actor = execute::whoAmI(client);
        recorded = record(options, r, policy, *actor, streams);
        out["record"] = recorded;
        progress << "recorded " << recorded << std::endl;
      } catch (const std::exception& e) {
        streams.err << "warning: the outcome was not recorded in the PHR journal: " << e.what() << '\n';
      }
    }
    std::string message = fmt::format("{}: {}", gate::toString(r.outcome), r.reason);
    if (r.outcome == gate::Outcome::Halted) {
      message += r.rollback ? fmt::format("; rolled back ({} revision {}) as the risk policy rule {} allows",
                                          r.rollback->method, r.rollback->revision, kPolicyRule)
                            : "; left paused for a person to roll back";
    }
    if (!recorded.empty()) message += "; recorded in " + recorded;
    try {
      gate::postEvent(client, r, message);
    } catch (const kube::KubeError& e) {
      streams.err << "warning: no Event was recorded on the deployment: " << e.what() << '\n';
    }
    progress << gate::toString(r.outcome) << ": deployment " << r.namespace_ << "/" << r.deployment << ": "
             << r.reason << std::endl;
    results.push_back(std::move(out));
    if (status == 0 || r.outcome == gate::Outcome::Halted) status = exitFor(r.outcome);
    if (r.outcome == gate::Outcome::Halted) break;  // a release's rollback covers its other Deployments too
  }
  if (json) {
    streams.out << toPrettyJson(results.size() == 1 ? json::value(results.front()) : json::value(results));
  }
  return status;
}

}  // namespace aiops::plugin::rollout
