// `kubectl aiops phr`: log, show and verify over governance::Journal; text, JSON or YAML.
#include "commands/phr.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <regex>

#include "support/output.h"

namespace aiops::plugin::phr {
namespace {

namespace json = boost::json;
using governance::Journal;
using governance::JournalError;

void addJournalFlags(CLI::App& command, Options& options) {
  command
      .add_option("--phr-repo", options.repo,
                  "The PHR journal (default: $AIOPS_PHR_REPO, else $XDG_DATA_HOME/kubectl-aiops/phr, else "
                  "~/.local/share/kubectl-aiops/phr)")
      ->group("Journal");
  command.add_option("-o,--output", options.outputText, "Output format: text, json or yaml")->group("Output");
}

std::string footer(const std::string& program, std::string_view examples, std::string_view problems) {
  return fmt::format("Examples:\n{}\n{}", fmt::format(fmt::runtime(examples), program),
                     exitStatusHelp(problems));
}

// "24h", "7d", "90m", "30s" → seconds; nullopt otherwise.
std::optional<std::chrono::seconds> parseAge(const std::string& text) {
  static const std::regex pattern("([0-9]+)(s|m|h|d)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) return std::nullopt;
  const long long n = std::stoll(match[1]);
  const char unit = match[2].str()[0];
  const long long factor = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
  return std::chrono::seconds(n * factor);
}

std::string targetText(const governance::Target& t) {
  return t.display();
}

json::value recordSummary(const governance::StoredRecord& s) {
  const auto& h = s.record.header;
  const auto& a = s.record.aiops;
  json::object out;
  out["reference"] = shortReference(s);
  out["id"] = h.id;
  out["path"] = s.path;
  out["feature"] = h.feature;
  out["operationId"] = a.operationId.empty() ? json::value(nullptr) : json::value(a.operationId);
  out["kind"] = governance::toString(a.record);
  out["status"] = a.status ? json::value(governance::toString(*a.status)) : json::value(nullptr);
  out["risk"] = model::toString(a.risk);
  out["target"] = governance::toJson(a.target);
  out["user"] = a.actor.user;
  out["time"] = formatTimestamp(a.time);
  out["title"] = h.title;
  out["commit"] = s.commit;
  out["sha256"] = s.sha256;
  return out;
}

void print(const json::value& doc, OutputFormat format, std::ostream& out) {
  out << (format == OutputFormat::Yaml ? toYaml(doc) : toPrettyJson(doc));
}

Journal openJournal(const Options& options) {
  governance::JournalOptions journal;
  journal.path = governance::resolveJournalPath(options.repo);
  journal.create = false;                             // reading never creates a journal
  journal.now = [now = options.now] { return now; };  // the front end's clock: archive's "a year ago"
  return Journal(journal);
}

int runLog(const Options& options, Journal& journal, Streams& streams) {
  std::vector<std::string> warnings;
  const auto records = journal.list(options.filter, &warnings);
  for (const auto& warning : warnings)
    streams.err << "warning: " << warning << '\n';
  if (options.output != OutputFormat::Text) {
    print(logJson(journal.path().string(), records), options.output, streams.out);
    return 0;
  }
  if (records.empty()) {
    streams.out << "No records"
                << (options.filter.status || options.filter.risk || !options.filter.target.empty() ||
                            options.filter.since || !options.filter.operationId.empty()
                        ? " match the filters"
                        : "")
                << ".\n";
    return 0;
  }
  Table table({"Record", "Time", "Kind", "Status", "Risk", "Target", "User"});
  for (const auto& s : records) {
    const auto& a = s.record.aiops;
    table.addRow({{shortReference(s)},
                  {formatTimestamp(a.time)},
                  {std::string(governance::toString(a.record))},
                  {a.status ? std::string(governance::toString(*a.status)) : "-"},
                  {std::string(model::toString(a.risk)), a.risk == model::Risk::Critical ? Colour::Red
                                                         : a.risk == model::Risk::High   ? Colour::Yellow
                                                                                         : Colour::None},
                  {targetText(a.target)},
                  {a.actor.user}});
  }
  table.printText(streams.out, streams.colour);
  return 0;
}

int runShow(const Options& options, Journal& journal, Streams& streams) {
  governance::StoredRecord stored;
  try {
    stored = journal.show(options.reference);
  } catch (const JournalError& e) {
    if (e.kind() == JournalError::Kind::NotFound || e.kind() == JournalError::Kind::Refused) {
      throw UsageError(fmt::format("{}; list them with 'kubectl aiops phr log'", e.what()));
    }
    throw;
  }
  if (options.output == OutputFormat::Text) {
    streams.out << stored.bytes;  // the file exactly as stored: `phr show X > file` reproduces it
  } else {
    print(showJson(stored), options.output, streams.out);
  }
  return 0;
}

int runVerify(const Options& options, Journal& journal, Streams& streams) {
  governance::VerifyOptions verifyOptions;
  verifyOptions.anchor = options.anchor;
  const governance::VerifyReport report = journal.verify(verifyOptions);
  const std::string path = journal.path().string();
  if (options.output != OutputFormat::Text) {
    print(verifyJson(path, report), options.output, streams.out);
    return report.ok() ? 0 : 1;
  }
  auto& out = streams.out;
  if (report.ok()) {
    out << paint("ok", Colour::Green, streams.colour)
        << fmt::format(": {} record{} in {} commit{} verified in {}\n", report.records,
                       report.records == 1 ? "" : "s", report.commits, report.commits == 1 ? "" : "s", path);
    if (!report.head.empty()) {
      out << fmt::format("head {} chain {}\n", report.head, report.chainHead);
      out << fmt::format("Publish '{}:{}' and check it later with --anchor to detect a rewritten history.\n",
                         report.head, report.chainHead);
    }
  } else {
    const auto& p = *report.problem;
    out << paint("TAMPERED", Colour::Red, streams.colour) << ": the PHR journal in " << path
        << " fails verification\n";
    out << "first bad record: " << (p.path.empty() ? "(none can be named)" : p.path) << '\n';
    out << "problem: " << governance::toString(p.kind) << ": " << p.message << '\n';
    if (!p.commit.empty()) out << "commit: " << p.commit << '\n';
  }
  for (const auto& note : report.notes)
    out << "note: " << note << '\n';
  return report.ok() ? 0 : 1;
}

// Archiving is housekeeping on a local repository, with no cluster to say who is acting: the commit names the
// local account, marked so it is never taken for a Kubernetes user.
governance::Identity localIdentity() {
  const char* user = std::getenv("USER");
  if (user == nullptr || *user == '\0') {
    const passwd* entry = ::getpwuid(::getuid());
    user = entry != nullptr ? entry->pw_name : "unknown";
  }
  return governance::Identity{fmt::format("local:{}", user), {}};
}

int runArchive(const Options& options, Journal& journal, Streams& streams) {
  const governance::ArchiveResult result = journal.archive(localIdentity(), options.archiveAge);
  for (const auto& w : result.warnings)
    streams.err << "warning: " << w << '\n';
  if (options.output != OutputFormat::Text) {
    json::array moved;
    for (const auto& m : result.moved)
      moved.push_back(json::string(m));
    print(json::object{{"journal", journal.path().string()},
                       {"directories", result.directories},
                       {"records", result.records},
                       {"commit", result.commit},
                       {"moved", std::move(moved)}},
          options.output, streams.out);
    return 0;
  }
  if (result.commit.empty()) {
    streams.out << fmt::format(
        "Nothing to archive: no operation or diagnosis month was last touched more than {}d ago.\n",
        options.archiveAge.count() / 86400);
    return 0;
  }
  streams.out << fmt::format("Archived {} record{} in {} director{} (commit {}):\n", result.records,
                             result.records == 1 ? "" : "s", result.directories,
                             result.directories == 1 ? "y" : "ies", result.commit);
  for (const auto& m : result.moved)
    streams.out << "  " << m << '\n';
  return 0;
}

}  // namespace

std::string shortReference(const governance::StoredRecord& record) {
  const auto& h = record.record.header;
  const std::string& operation = record.record.aiops.operationId;
  return (operation.empty() ? h.feature : operation) + "/" + h.id;
}

CLI::App* add(CLI::App& parent, Options& options) {
  auto* command = parent.add_subcommand(
      "phr", "Read and verify the Prompt History Record journal, the audit trail of every operation");
  command->require_subcommand(1);
  addJournalFlags(*command, options);  // also before the subcommand: 'phr -o json log'
  const std::string program = parent.get_name();
  command->footer(fmt::format("Run '{} phr <command> --help' for a command's flags and examples.", program));

  auto* log = command->add_subcommand("log", "List records, oldest first, optionally filtered");
  addJournalFlags(*log, options);
  log->add_option(
      "--status", options.status,
      "Only records that left their operation in this status: proposed, approved, rejected, expired, "
      "applying, applied, verified, failed, rolled-back");
  log->add_option("--risk", options.risk, "Only records of this risk: low, medium, high, critical");
  log->add_option("--target", options.target,
                  "Only records about this object: NAME, NAMESPACE/NAME, KIND/NAME or KIND/NAMESPACE/NAME");
  log->add_option("--since", options.since,
                  "Only records this recent: a duration (30m, 24h, 7d) or a date (2024-05-01)");
  log->add_option("--operation", options.operation, "Only the records of one operation (op-0042)");
  log->footer(footer(program,
                     "  # Everything, oldest first\n  {0} phr log\n"
                     "  # What was approved in the last week, for a script\n  {0} phr log --status approved "
                     "--since 7d -o json\n"
                     "  # The history of one deployment\n  {0} phr log --target deploy/shop/backend\n",
                     "not used by this command"));
  log->callback([&options] { options.action = Action::Log; });

  auto* show = command->add_subcommand("show", "Print one record exactly as stored");
  addJournalFlags(*show, options);
  show->add_option(
          "ID", options.reference,
          "op-0042/0003, diagnose-2024-05/0001, a record path, a bare id when unique, or op-0042 (its "
          "latest record)")
      ->required();
  show->footer(footer(program,
                      "  # The third record of operation op-0042\n  {0} phr show op-0042/0003\n"
                      "  # Where operation op-0042 stands now, as JSON\n  {0} phr show op-0042 -o json\n",
                      "not used by this command"));
  show->callback([&options] { options.action = Action::Show; });

  auto* verify = command->add_subcommand(
      "verify",
      "Check that no record was edited, deleted, reordered or inserted and that history was not rewritten");
  addJournalFlags(*verify, options);
  verify->add_option(
      "--anchor", options.anchorText,
      "A head published earlier, as COMMIT:CHAIN-SHA256 (verify prints it): the history must still "
      "contain it");
  verify->footer(footer(program,
                        "  # Check the whole journal\n  {0} phr verify\n"
                        "  # Also against a head published in last week's report\n"
                        "  {0} phr verify --anchor 3f2a...:9b1c...\n",
                        "verification failed: the first bad record is named"));
  verify->callback([&options] { options.action = Action::Verify; });

  auto* archive = command->add_subcommand(
      "archive",
      "Move operations and diagnosis months older than a year into history/archive/<year>/, in one commit; "
      "nothing is deleted and verify follows the move");
  addJournalFlags(*archive, options);
  archive->add_option(
      "--older-than", options.olderThan,
      "Only what was last touched longer ago than this (365d or more: records are kept a year)");
  archive->footer(footer(program,
                         "  # Move last year's records out of the way\n  {0} phr archive\n"
                         "  # Keep two years in place\n  {0} phr archive --older-than 730d\n",
                         "not used by this command"));
  archive->callback([&options] { options.action = Action::Archive; });
  return command;
}

void validate(Options& options) {
  if (options.outputText == "text") {
    options.output = OutputFormat::Text;
  } else if (options.outputText == "json") {
    options.output = OutputFormat::Json;
  } else if (options.outputText == "yaml") {
    options.output = OutputFormat::Yaml;
  } else {
    throw UsageError(
        fmt::format("invalid output format '{}'; use one of text, json, yaml", options.outputText));
  }
  governance::Filter& f = options.filter;
  f = {};
  if (!options.status.empty()) {
    f.status = governance::parseStatus(options.status);
    if (!f.status) {
      throw UsageError(
          fmt::format("invalid --status '{}'; use one of proposed, approved, rejected, expired, "
                      "applying, applied, verified, failed, rolled-back",
                      options.status));
    }
  }
  if (!options.risk.empty()) {
    f.risk = model::parseRisk(options.risk);
    if (!f.risk)
      throw UsageError(
          fmt::format("invalid --risk '{}'; use one of low, medium, high, critical", options.risk));
  }
  if (!options.target.empty()) {
    static const std::regex target("[^/]+(/[^/]+){0,2}");
    if (!std::regex_match(options.target, target)) {
      throw UsageError(
          fmt::format("invalid --target '{}'; use NAME, NAMESPACE/NAME, KIND/NAME or KIND/NAMESPACE/NAME",
                      options.target));
    }
    f.target = options.target;
  }
  if (!options.since.empty()) {
    if (const auto age = parseAge(options.since)) {
      f.since = options.now - *age;
    } else if (const auto date =
                   parseTimestamp(options.since + (options.since.size() == 10 ? "T00:00:00Z" : ""))) {
      f.since = *date;
    } else {
      throw UsageError(
          fmt::format("invalid --since '{}'; use a duration such as 30m, 24h or 7d, or a date such as "
                      "2024-05-01",
                      options.since));
    }
  }
  if (!options.operation.empty()) {
    static const std::regex operation("op-[0-9]{4,}");
    if (!std::regex_match(options.operation, operation)) {
      throw UsageError(
          fmt::format("invalid --operation '{}'; operation ids look like op-0042", options.operation));
    }
    f.operationId = options.operation;
  }
  const auto age = parseAge(options.olderThan);
  if (!age || *age < std::chrono::hours(24 * 365)) {
    throw UsageError(
        fmt::format("invalid --older-than '{}'; use a duration of at least 365d (records are kept "
                    "in place for a year)",
                    options.olderThan));
  }
  options.archiveAge = *age;
  options.anchor.reset();
  if (!options.anchorText.empty()) {
    options.anchor = governance::parseAnchor(options.anchorText);
    if (!options.anchor) {
      throw UsageError(fmt::format("invalid --anchor '{}'; use COMMIT:CHAIN-SHA256 as 'phr verify' prints it",
                                   options.anchorText));
    }
  }
}

int run(const Options& options, Streams& streams) {
  try {
    Journal journal = openJournal(options);
    switch (options.action) {
      case Action::Log:
        return runLog(options, journal, streams);
      case Action::Show:
        return runShow(options, journal, streams);
      case Action::Archive:
        return runArchive(options, journal, streams);
      case Action::Verify:
      case Action::None:
        break;
    }
    return runVerify(options, journal, streams);
  } catch (const JournalError& e) {
    streams.err << "error: " << e.what() << '\n';
    return 3;  // the journal is missing or cannot be read
  }
}

json::value logJson(const std::string& journal, const std::vector<governance::StoredRecord>& records) {
  json::array list;
  for (const auto& record : records)
    list.push_back(recordSummary(record));
  return json::object{{"journal", journal}, {"records", std::move(list)}};
}

json::value showJson(const governance::StoredRecord& stored) {
  json::object out = recordSummary(stored).as_object();
  out["record"] = governance::toJson(stored.record);
  return out;
}

json::value verifyJson(const std::string& journal, const governance::VerifyReport& report) {
  json::object out;
  out["journal"] = journal;
  out["ok"] = report.ok();
  out["records"] = report.records;
  out["commits"] = report.commits;
  out["head"] = report.head.empty() ? json::value(nullptr) : json::value(report.head);
  out["chainHead"] = report.chainHead;
  json::array anchors;
  for (const auto& anchor : report.anchorsChecked) {
    anchors.push_back(json::object{{"commit", anchor.commit}, {"chainHead", anchor.chainHead}});
  }
  out["anchors"] = std::move(anchors);
  if (report.problem) {
    const auto& p = *report.problem;
    out["problem"] = json::object{{"kind", governance::toString(p.kind)},
                                  {"path", p.path.empty() ? json::value(nullptr) : json::value(p.path)},
                                  {"commit", p.commit.empty() ? json::value(nullptr) : json::value(p.commit)},
                                  {"message", p.message}};
  } else {
    out["problem"] = nullptr;
  }
  json::array notes;
  for (const auto& note : report.notes)
    notes.emplace_back(note);
  out["notes"] = std::move(notes);
  return out;
}

}  // namespace aiops::plugin::phr
