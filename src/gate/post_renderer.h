// aiops-gate post-renderer: the pure stream transformation (rendered manifests in, gated manifests out).
//
// Why the stream is split by hand: Helm users diff, sign and review rendered manifests, so every document the
// gate does not change must come out byte for byte (comments, `# Source:` lines, quoting, anchors, trailing
// whitespace). The stream is therefore cut into documents textually, at lines that start with `---` or `...`
// at column 0 (YAML forbids those lines inside any document, so the cut is exact), and untouched documents
// are copied from the input, never re-emitted. Every document is still parsed, so malformed YAML anywhere is
// refused before anything is written.
//
// Why libyaml: go-yaml, which Helm and the API server use, is a port of libyaml, so libyaml accepts and
// refuses the same streams; it also parses about seven times faster than yaml-cpp, which the 10 MB budget
// needs. A changed document is parsed into a small tree (aliases expanded, so an annotation added to an
// anchored map cannot leak into its aliases) and emitted again through libyaml with the original scalar
// styles and key order; only its comments between the first and last content line are lost, its leading and
// trailing comment lines are kept verbatim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace aiops::gate {

// The gate's settings, from the command line.
struct GateOptions {
  bool all = false;                  // gate every apps/v1 Deployment unless annotated aiops.dev/gate: "false"
  std::int64_t canary = 3;           // first replicas to watch: maxSurge (fewer when spec.replicas is fewer)
  std::int64_t windowSeconds = 120;  // bake window: minReadySeconds while the gate watches
};

// Annotation names, shared with the monitor that restores the original values.
inline constexpr std::string_view kGateAnnotation = "aiops.dev/gate";
inline constexpr std::string_view kOriginalAnnotation = "aiops.dev/gate-original";
inline constexpr std::string_view kCanaryAnnotation = "aiops.dev/gate-canary";
inline constexpr std::string_view kWindowAnnotation = "aiops.dev/gate-window";

// Kubernetes defaults progressDeadlineSeconds to 600 and requires it to exceed minReadySeconds.
inline constexpr std::int64_t kDefaultProgressDeadlineSeconds = 600;

// Why the input was refused. document is 1-based (0: the stream as a whole), line is the 1-based line of the
// input stream; source is the template file named by the document's `# Source:` comment, when it has one.
struct RenderError {
  int document = 0;
  int line = 0;
  std::string source;
  std::string message;
  // "document 3 (templates/api.yaml), line 57: mapping values are not allowed in this context"
  std::string describe() const;
};

// One Deployment the gate changed.
struct GatedDeployment {
  int document = 0;  // 1-based
  std::string name;
  std::string ns;           // empty when the manifest leaves it to the release namespace
  std::int64_t canary = 0;  // the maxSurge written
  bool wasGated = false;    // it already carried aiops.dev/gate-original, which was kept
};

struct PostRendered {
  std::string output;
  int documents = 0;  // documents in the stream, as a YAML parser counts them
  std::vector<GatedDeployment> gated;
  std::vector<std::string> warnings;  // one line each, for stderr
};

using PostRenderResult = std::variant<PostRendered, RenderError>;

// Transforms a rendered multi-document stream. Never throws on bad input: malformed YAML in any document, or
// a gated Deployment whose fields cannot be gated, gives a RenderError and no output at all.
PostRenderResult postRender(std::string_view input, const GateOptions& options);

// One document of the stream as the splitter sees it (exposed for tests).
struct DocumentSpan {
  std::size_t begin = 0;  // byte offsets into the input, [begin, end)
  std::size_t end = 0;
  int firstLine = 1;       // 1-based line of `begin`
  bool isDocument = true;  // false: comments or directives after the last document, copied verbatim
};

// Cuts a stream into documents at `---` / `...` lines, as described above. The spans cover the input exactly.
std::vector<DocumentSpan> splitDocuments(std::string_view input);

// Parses a bake window: Go-style "120s", "2m", "1m30s", "1h", or bare seconds "120". Whole seconds from 1 s
// to 24 h; nullopt otherwise.
std::optional<std::int64_t> parseWindow(std::string_view text);

}  // namespace aiops::gate
