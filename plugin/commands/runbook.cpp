// `kubectl aiops runbook`: writes, lists and prints the runbooks that src/diagnose/runbooks.h renders.
//
// Runbooks are written file by file through a temporary file renamed into place, then the index last, so an
// interrupted run leaves every page either as it was or complete. The index lists every runbook whose page
// is in the directory afterwards, so generating one category into a full directory keeps the others listed.
#include "commands/runbook.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "cli.h"
#include "support/output.h"

namespace aiops::plugin::runbook {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string systemMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Creates `dir` and its parents; a path that exists but is no directory is an error too.
void ensureDirectory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec && !fs::is_directory(dir, ec) && !ec) ec = std::make_error_code(std::errc::not_a_directory);
  if (ec) {
    throw WriteError(fmt::format("cannot create directory '{}': {}; choose a writable directory with --out",
                                 dir.string(), ec.message()));
  }
}

int generate(const Options& options, Streams& streams) {
  const fs::path dir(options.outDir);
  const auto& all = aiops::diagnose::runbooks();
  if (options.dryRun) {
    for (const aiops::diagnose::RunbookEntry* e : options.selected)
      streams.out << (dir / aiops::diagnose::runbookFileName(*e)).string() << '\n';
    streams.out << (dir / aiops::diagnose::kRunbookIndexFile).string() << '\n';
    return 0;
  }
  try {
    ensureDirectory(dir);
    for (const aiops::diagnose::RunbookEntry* e : options.selected)
      writeFileAtomically((dir / aiops::diagnose::runbookFileName(*e)).string(),
                          aiops::diagnose::renderRunbook(*e));
    std::vector<const aiops::diagnose::RunbookEntry*> present;
    for (const aiops::diagnose::RunbookEntry& e : all) {
      std::error_code ec;
      if (fs::is_regular_file(dir / aiops::diagnose::runbookFileName(e), ec)) present.push_back(&e);
    }
    writeFileAtomically((dir / aiops::diagnose::kRunbookIndexFile).string(),
                        aiops::diagnose::renderRunbookIndex(present));
  } catch (const WriteError& e) {
    streams.err << "error: " << e.what() << '\n';
    return kExitCluster;  // "cluster or I/O error"
  }
  const std::size_t n = options.selected.size();
  streams.out << fmt::format("Wrote {} runbook{} and the index {} to {}\n", n, n == 1 ? "" : "s",
                             aiops::diagnose::kRunbookIndexFile, dir.string());
  return 0;
}

json::value toJson(const std::vector<const aiops::diagnose::RunbookEntry*>& entries) {
  json::array list;
  for (const aiops::diagnose::RunbookEntry* e : entries) {
    json::array rules;
    if (e->rule != nullptr) rules.emplace_back(e->rule->id);
    for (const aiops::diagnose::Rule* r : e->related)
      rules.emplace_back(r->id);
    list.push_back(json::object{
        {"runbook", e->slug},
        {"file", aiops::diagnose::runbookFileName(*e)},
        {"title", e->title},
        {"family", e->family},
        {"kind", e->rule != nullptr ? "rule" : "symptom"},
        {"rules", std::move(rules)},
        {"severity", e->rule != nullptr ? json::value(model::toString(e->rule->severity)) : json::value()}});
  }
  return json::object{{"runbooks", std::move(list)}};
}

int list(const Options& options, Streams& streams) {
  switch (options.output) {
    case OutputFormat::Json:
      streams.out << toPrettyJson(toJson(options.selected));
      return 0;
    case OutputFormat::Yaml:
      streams.out << toYaml(toJson(options.selected));
      return 0;
    case OutputFormat::Text:
    case OutputFormat::Markdown:
      break;
  }
  Table table({"Runbook", "Rule", "Severity", "Family", "Title"});
  for (const aiops::diagnose::RunbookEntry* e : options.selected) {
    table.addRow({{std::string(e->slug)},
                  {e->rule != nullptr ? std::string(e->rule->id) : "-"},
                  {e->rule != nullptr ? std::string(model::toString(e->rule->severity)) : "-"},
                  {std::string(e->family)},
                  {std::string(e->title)}});
  }
  if (options.output == OutputFormat::Markdown) {
    table.printMarkdown(streams.out);
  } else {
    table.printText(streams.out, streams.colour);
  }
  return 0;
}

int show(const Options& options, Streams& streams) {
  for (std::size_t i = 0; i < options.selected.size(); ++i)
    streams.out << (i > 0 ? "\n" : "") << aiops::diagnose::renderRunbook(*options.selected[i]);
  return 0;
}

CLI::Option* addCategories(CLI::App& command, Options& options, std::string_view what) {
  return command.add_option(
      "CATEGORY", options.categories,
      fmt::format("{}: a runbook (oom-killed), a rule ID (AIOPS-D110), a family (runtime, "
                  "symptoms) or a reason kubectl shows (OOMKilled)",
                  what));
}

}  // namespace

void writeFileAtomically(const std::string& path, std::string_view content) {
  const fs::path target(path);
  const fs::path temporary =
      target.parent_path() / fmt::format(".{}.tmp.{}", target.filename().string(), ::getpid());
  auto fail = [&](int error) {
    ::unlink(temporary.c_str());
    throw WriteError(fmt::format("cannot write '{}': {}; choose a writable directory with --out", path,
                                 systemMessage(error)));
  };
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail(error);
    }
    written += static_cast<std::size_t>(n);
  }
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    fail(error);
  }
  if (::close(fd) != 0) fail(errno);
  if (::rename(temporary.c_str(), target.c_str()) != 0) fail(errno);
}

CLI::App* add(CLI::App& parent, Options& options) {
  auto* command = parent.add_subcommand(
      "runbook", "Write, list or print the Markdown runbook of every category diagnose reports");
  // At most one subcommand; a mistyped one is kept as an extra, so validate() can suggest the closest
  // instead of CLI11's "a subcommand is required".
  command->require_subcommand(0, 1);
  options.command = command;
  const std::string exitStatus =
      "Exit status:\n"
      "  0  success\n"
      "  2  usage error (unknown category, command or flag, invalid value)\n"
      "  3  I/O error (the output directory or a file in it cannot be written)\n";
  command->footer(
      fmt::format("Runbooks are generated from the rule catalogue and need no cluster.\n\n"
                  "Examples:\n"
                  "  # Every runbook, into operations/runbooks/\n"
                  "  {0} runbook generate\n"
                  "  # The runtime family and one rule, elsewhere\n"
                  "  {0} runbook generate --out docs/runbooks runtime AIOPS-D200\n"
                  "  # What there is\n"
                  "  {0} runbook list\n"
                  "  # Read one in the terminal\n"
                  "  {0} runbook show oom-killed\n\n{1}",
                  parent.get_name(), exitStatus));

  auto* generateCommand = command->add_subcommand(
      "generate", "Write one Markdown runbook per category, and an index (README.md), into a directory");
  generateCommand->add_option("--out", options.outDir,
                              "Directory to write into, created when missing (default: operations/runbooks)");
  generateCommand->add_flag("--dry-run", options.dryRun, "Print the files that would be written; write none");
  addCategories(*generateCommand, options, "Runbooks to write (default: all)");
  generateCommand->callback([&options] { options.action = Action::Generate; });
  generateCommand->footer(fmt::format(
      "Each file is written to a temporary file and renamed into place; the index lists every runbook in "
      "the directory afterwards.\n\n"
      "Examples:\n"
      "  # Every runbook, into operations/runbooks/\n"
      "  {0} runbook generate\n"
      "  # The image runbooks and the CrashLoopBackOff one, into ./runbooks\n"
      "  {0} runbook generate --out runbooks image CrashLoopBackOff\n\n{1}",
      parent.get_name(), exitStatus));

  auto* listCommand = command->add_subcommand("list", "List the runbooks: name, rule ID, severity, family");
  listCommand->add_option("-o,--output", options.outputText, "Output format: text, json, yaml or markdown");
  addCategories(*listCommand, options, "Runbooks to list (default: all)");
  listCommand->callback([&options] { options.action = Action::List; });
  listCommand->footer(fmt::format("Examples:\n  {0} runbook list\n  {0} runbook list logs -o json\n\n{1}",
                                  parent.get_name(), exitStatus));

  auto* showCommand = command->add_subcommand("show", "Print runbooks as Markdown on stdout");
  addCategories(*showCommand, options, "Runbooks to print")->required();
  showCommand->callback([&options] { options.action = Action::Show; });
  command->allow_extras();  // after the subcommands, which would inherit it
  showCommand->footer(
      fmt::format("Examples:\n  {0} runbook show oom-killed\n  {0} runbook show AIOPS-D902\n\n{1}",
                  parent.get_name(), exitStatus));
  return command;
}

void validate(Options& options) {
  static const std::vector<std::string> commands{"generate", "list", "show"};
  if (options.command != nullptr) options.unknownCommand = options.command->remaining();
  if (!options.unknownCommand.empty()) {
    const std::string& word = options.unknownCommand.front();
    const auto suggestion = closestMatch(word, commands);
    if (word.starts_with("-") || options.action != Action::None)
      throw UsageError("the following argument was not expected: " + word);
    throw UsageError(fmt::format("unknown runbook command '{}'; {}", word,
                                 suggestion ? fmt::format("did you mean '{}'?", *suggestion)
                                            : std::string("use one of: generate, list, show")));
  }
  if (options.action == Action::None)
    throw UsageError("no runbook command given; use one of: generate, list, show");
  CommonOptions output;
  output.outputText = options.outputText;
  validateCommon(output);
  options.output = output.output;
  const aiops::diagnose::RunbookSelection selection = aiops::diagnose::selectRunbooks(options.categories);
  if (selection.unknown) {
    const auto suggestion = closestMatch(*selection.unknown, aiops::diagnose::runbookCategoryWords());
    throw UsageError(fmt::format("unknown runbook category '{}'{}", *selection.unknown,
                                 suggestion ? fmt::format("; did you mean '{}'?", *suggestion)
                                            : std::string("; 'runbook list' shows the runbooks")));
  }
  options.selected = selection.entries;
}

int run(const Options& options, Streams& streams) {
  switch (options.action) {
    case Action::List:
      return list(options, streams);
    case Action::Show:
      return show(options, streams);
    case Action::None:  // validate() rejects it
    case Action::Generate:
      break;
  }
  return generate(options, streams);
}

}  // namespace aiops::plugin::runbook
