// libgit2 helpers shared by the journal and its verifier.
#include "governance/git.h"

#include <fmt/format.h>

namespace aiops::governance::git {

std::string lastError() {
  const git_error* error = git_error_last();
  return error != nullptr && error->message != nullptr ? std::string(error->message) : "unknown error";
}

void check(int rc, std::string_view what) {
  if (rc < 0) throw JournalError(JournalError::Kind::Io, fmt::format("{}: {}", what, lastError()));
}

std::string toHex(const git_oid& oid) {
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof buffer, &oid);
  return buffer;
}

std::optional<git_oid> fromHex(std::string_view hex) {
  if (hex.size() != GIT_OID_HEXSZ) return std::nullopt;
  git_oid oid;
  if (git_oid_fromstrn(&oid, hex.data(), hex.size()) < 0) return std::nullopt;
  return oid;
}

Tree subtree(git_repository* repo, const git_tree* tree, std::string_view name) {
  if (tree == nullptr) return nullptr;
  const git_tree_entry* entry = git_tree_entry_byname(tree, std::string(name).c_str());
  if (entry == nullptr || git_tree_entry_type(entry) != GIT_OBJECT_TREE) return nullptr;
  git_tree* out = nullptr;
  check(git_tree_lookup(&out, repo, git_tree_entry_id(entry)), fmt::format("reading tree {}", name));
  return Tree(out);
}

std::vector<std::pair<std::string, std::string>> trailers(const char* message) {
  std::vector<std::pair<std::string, std::string>> out;
  git_message_trailer_array array{};
  if (message == nullptr || git_message_trailers(&array, message) < 0) return out;
  for (std::size_t i = 0; i < array.count; ++i)
    out.emplace_back(array.trailers[i].key, array.trailers[i].value);
  git_message_trailer_array_free(&array);
  return out;
}

std::optional<std::string> trailer(const std::vector<std::pair<std::string, std::string>>& list,
                                   std::string_view key) {
  for (const auto& [k, v] : list) {
    if (k == key) return v;
  }
  return std::nullopt;
}

}  // namespace aiops::governance::git
