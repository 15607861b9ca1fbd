// Internal to src/governance/: owning handles for libgit2 objects and the one place libgit2 errors become
// JournalError. Nothing outside src/governance/ includes libgit2.
#pragma once

#include <git2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "governance/journal.h"

namespace aiops::governance::git {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* object) const { Free(object); }
};
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using Repository = Handle<git_repository, git_repository_free>;
using Commit = Handle<git_commit, git_commit_free>;
using Tree = Handle<git_tree, git_tree_free>;
using TreeBuilder = Handle<git_treebuilder, git_treebuilder_free>;
using Blob = Handle<git_blob, git_blob_free>;
using Reference = Handle<git_reference, git_reference_free>;
using Signature = Handle<git_signature, git_signature_free>;
using Index = Handle<git_index, git_index_free>;
using Remote = Handle<git_remote, git_remote_free>;
using RevWalk = Handle<git_revwalk, git_revwalk_free>;
using Diff = Handle<git_diff, git_diff_free>;
using Config = Handle<git_config, git_config_free>;

// libgit2's last error text, or "unknown error".
std::string lastError();

// Throws JournalError(Io) "<what>: <libgit2 message>" when rc < 0.
void check(int rc, std::string_view what);

std::string toHex(const git_oid& oid);
std::optional<git_oid> fromHex(std::string_view hex);

// The subtree `name` of `tree` (nullptr tree or no such entry: nullptr).
Tree subtree(git_repository* repo, const git_tree* tree, std::string_view name);

// Trailers ("Key: value" lines of the message's last paragraph) in order.
std::vector<std::pair<std::string, std::string>> trailers(const char* message);
std::optional<std::string> trailer(const std::vector<std::pair<std::string, std::string>>& list,
                                   std::string_view key);

}  // namespace aiops::governance::git
