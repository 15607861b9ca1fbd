// `kubectl aiops status`: renders kube::collectClusterStatus as text, JSON, YAML or Markdown.
#include "commands/status.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "support/output.h"
#include "support/progress.h"

namespace aiops::plugin::status {
namespace {

namespace json = boost::json;

std::string age(const std::optional<WallTime>& created, WallTime now) {
  if (!created) return "<unknown>";
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *created));
}

std::string scopeText(const kube::ClusterStatus& s) {
  return s.allNamespaces ? "all namespaces" : "namespace " + s.namespace_;
}

// The tables shared by text and Markdown output; the NAMESPACE column only with -A.
struct Tables {
  Table nodes;
  Table deployments;
  Table pods;
};

Tables buildTables(const kube::ClusterStatus& s, WallTime now) {
  std::vector<std::string> deploymentHeaders{"Name", "Ready", "Up-to-date", "Available"};
  std::vector<std::string> podHeaders{"Name", "Ready", "Status", "Restarts", "Node", "Age"};
  if (s.allNamespaces) {
    deploymentHeaders.insert(deploymentHeaders.begin(), "Namespace");
    podHeaders.insert(podHeaders.begin(), "Namespace");
  }
  Tables t{Table({"Name", "Status", "CPU", "Memory"}), Table(deploymentHeaders), Table(podHeaders)};
  for (const auto& n : s.nodes) {
    t.nodes.addRow({{n.name},
                    {n.ready ? "Ready" : "NotReady", n.ready ? Colour::Green : Colour::Red},
                    {n.cpu.empty() ? "-" : n.cpu},
                    {n.memory.empty() ? "-" : n.memory}});
  }
  for (const auto& d : s.deployments) {
    std::vector<Table::Cell> row{
        {d.name},
        {fmt::format("{}/{}", d.ready, d.desired), d.healthy ? Colour::None : Colour::Red},
        {std::to_string(d.upToDate)},
        {std::to_string(d.available)}};
    if (s.allNamespaces) row.insert(row.begin(), {d.namespace_});
    t.deployments.addRow(std::move(row));
  }
  for (const auto& p : s.pods) {
    std::vector<Table::Cell> row{{p.name},
                                 {fmt::format("{}/{}", p.readyContainers, p.totalContainers)},
                                 {p.status, p.healthy ? Colour::None : Colour::Red},
                                 {std::to_string(p.restarts)},
                                 {p.node.empty() ? "<none>" : p.node},
                                 {age(p.created, now)}};
    if (s.allNamespaces) row.insert(row.begin(), {p.namespace_});
    t.pods.addRow(std::move(row));
  }
  return t;
}

std::string eventsText(const kube::ClusterStatus& s) {
  if (s.warningEvents) return std::to_string(*s.warningEvents);
  return "unavailable (" + s.eventsUnavailable.value_or("unknown") + ")";
}

void printText(const kube::ClusterStatus& s, WallTime now, Streams& streams) {
  auto& out = streams.out;
  const Tables t = buildTables(s, now);
  out << "Cluster status for " << scopeText(s) << "\n\n";
  out << paint("Nodes", Colour::Bold, streams.colour) << '\n';
  if (s.nodesUnavailable) {
    out << "Not shown: " << *s.nodesUnavailable << '\n';
  } else if (t.nodes.empty()) {
    out << "No nodes found.\n";
  } else {
    t.nodes.printText(out, streams.colour);
  }
  out << '\n' << paint("Deployments", Colour::Bold, streams.colour) << '\n';
  if (t.deployments.empty()) {
    out << "No deployments found.\n";
  } else {
    t.deployments.printText(out, streams.colour);
  }
  out << '\n' << paint("Pods", Colour::Bold, streams.colour) << '\n';
  if (t.pods.empty()) {
    out << "No pods found.\n";
  } else {
    t.pods.printText(out, streams.colour);
  }
  out << "\nWarning events: " << eventsText(s) << "\n\n";
  if (s.healthy()) {
    out << paint("Healthy", Colour::Green, streams.colour)
        << ": every pod is ready and every deployment has its replicas\n";
  } else {
    out << paint(fmt::format("{} problem{}", s.problems.size(), s.problems.size() == 1 ? "" : "s"),
                 Colour::Red, streams.colour)
        << ":\n";
    for (const auto& p : s.problems)
      out << "  - " << p << '\n';
  }
}

void printMarkdown(const kube::ClusterStatus& s, WallTime now, Streams& streams) {
  auto& out = streams.out;
  const Tables t = buildTables(s, now);
  out << "# Cluster status: " << escapeMarkdown(scopeText(s)) << "\n\n";
  if (s.healthy()) {
    out << "**Healthy**: every pod is ready and every deployment has its replicas.\n\n";
  } else {
    out << "**Unhealthy**: " << s.problems.size() << " problem" << (s.problems.size() == 1 ? "" : "s")
        << ".\n\n";
    out << "## Problems\n\n";
    for (const auto& p : s.problems)
      out << "- " << escapeMarkdown(p) << '\n';
    out << '\n';
  }
  out << "## Nodes\n\n";
  if (s.nodesUnavailable) {
    out << "Not shown: " << escapeMarkdown(*s.nodesUnavailable) << "\n\n";
  } else if (t.nodes.empty()) {
    out << "No nodes found.\n\n";
  } else {
    t.nodes.printMarkdown(out);
    out << '\n';
  }
  out << "## Deployments\n\n";
  if (t.deployments.empty()) {
    out << "No deployments found.\n\n";
  } else {
    t.deployments.printMarkdown(out);
    out << '\n';
  }
  out << "## Pods\n\n";
  if (t.pods.empty()) {
    out << "No pods found.\n\n";
  } else {
    t.pods.printMarkdown(out);
    out << '\n';
  }
  out << "## Events\n\nWarning events: " << escapeMarkdown(eventsText(s)) << '\n';
}

json::value optionalString(const std::optional<std::string>& text) {
  return text ? json::value(*text) : json::value(nullptr);
}

}  // namespace

CLI::App* add(CLI::App& parent, Options& options) {
  auto* command = parent.add_subcommand(
      "status", "Show nodes, deployments, pods and Warning events of a namespace (or all) at a glance");
  addCommonFlags(*command, options.common);
  command->footer(fmt::format(
      "Examples:\n"
      "  # The current namespace\n"
      "  {0} status\n"
      "  # Every namespace, for a script\n"
      "  {0} status -A -o json\n"
      "  # A report to paste into an incident ticket\n"
      "  {0} status -n shop -o markdown\n\n{1}",
      parent.get_name(),
      exitStatusHelp("a pod is not ready, a deployment is short of replicas or a node is not ready")));
  return command;
}

void validate(Options& options) {
  validateCommon(options.common);
}

json::value toJson(const kube::ClusterStatus& s, WallTime now) {
  json::object doc;
  doc["namespace"] = s.allNamespaces ? json::value(nullptr) : json::value(s.namespace_);
  doc["allNamespaces"] = s.allNamespaces;
  doc["healthy"] = s.healthy();
  json::array nodes;
  for (const auto& n : s.nodes) {
    nodes.push_back(json::object{{"name", n.name}, {"ready", n.ready}, {"cpu", n.cpu}, {"memory", n.memory}});
  }
  doc["nodes"] = std::move(nodes);
  doc["nodesUnavailable"] = optionalString(s.nodesUnavailable);
  json::array deployments;
  for (const auto& d : s.deployments) {
    deployments.push_back(json::object{{"namespace", d.namespace_},
                                       {"name", d.name},
                                       {"desired", d.desired},
                                       {"ready", d.ready},
                                       {"upToDate", d.upToDate},
                                       {"available", d.available},
                                       {"healthy", d.healthy}});
  }
  doc["deployments"] = std::move(deployments);
  json::array pods;
  for (const auto& p : s.pods) {
    json::object pod{{"namespace", p.namespace_},
                     {"name", p.name},
                     {"readyContainers", p.readyContainers},
                     {"totalContainers", p.totalContainers},
                     {"status", p.status},
                     {"restarts", p.restarts},
                     {"node", p.node}};
    pod["createdAt"] = p.created ? json::value(formatTimestamp(*p.created)) : json::value(nullptr);
    pod["ageSeconds"] =
        p.created ? json::value(std::chrono::duration_cast<std::chrono::seconds>(now - *p.created).count())
                  : json::value(nullptr);
    pod["healthy"] = p.healthy;
    pods.push_back(std::move(pod));
  }
  doc["pods"] = std::move(pods);
  doc["warningEvents"] = s.warningEvents ? json::value(*s.warningEvents) : json::value(nullptr);
  doc["eventsUnavailable"] = optionalString(s.eventsUnavailable);
  json::array problems;
  for (const auto& p : s.problems)
    problems.emplace_back(p);
  doc["problems"] = std::move(problems);
  return doc;
}

int run(const Options& options, kube::Client& client, Streams& streams) {
  const auto& connection = options.common.connection;
  const std::string ns = kube::resolveNamespace(connection, client.transport());
  const kube::ClusterStatus status = [&] {
    const std::string scope = connection.allNamespaces ? "all namespaces" : "namespace " + ns;
    ProgressLine progress(streams.err, streams.progress,
                          "Listing nodes, deployments, pods and events in " + scope, streams.progressDelay);
    return kube::collectClusterStatus(client, ns, connection.allNamespaces);
  }();
  switch (options.common.output) {
    case OutputFormat::Json:
      streams.out << toPrettyJson(toJson(status, options.now));
      break;
    case OutputFormat::Yaml:
      streams.out << toYaml(toJson(status, options.now));
      break;
    case OutputFormat::Markdown:
      printMarkdown(status, options.now, streams);
      break;
    case OutputFormat::Text:
      printText(status, options.now, streams);
      break;
  }
  return status.healthy() ? 0 : 1;
}

}  // namespace aiops::plugin::status
