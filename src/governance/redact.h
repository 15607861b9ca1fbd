// Redaction: what keeps secret values out of PHRs. Every string and JSON value passes through here before it
// is rendered into a record (Journal does it at its single choke point, just before rendering).
//
// Why "<redacted>" and no hash: a hash of a short value (a password, a 6-digit PIN) is reversible by
// guessing, and even a keyed hash needs a key that someone must keep. A record therefore keeps key names (an
// auditor can see *which* keys a Secret has and which a change touches) but never a value, nor anything
// derived from one. Change detection for Secrets uses the object's uid/resourceVersion, never its content.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace aiops::governance {

inline constexpr std::string_view kRedacted = "<redacted>";

// A Kubernetes object (or any JSON holding objects, such as a List) with its secret values replaced:
//  - a Secret (kind "Secret", apiVersion "v1" or absent): every value of `data` and `stringData`;
//  - the `kubectl.kubernetes.io/last-applied-configuration` annotation: redacted as an object in its own
//    right (it is a full copy of the applied manifest), or replaced whole when it is not JSON;
//  - `env` entries whose name looks secret (PASSWORD, TOKEN, API_KEY, ...; see looksLikeSecretName);
//  - in every string: known credential formats and `password=...` style assignments (redactText).
boost::json::value redactObject(const boost::json::value& object);

// A change body (a patch or a whole manifest) aimed at an object of kind `targetKind`. For a Secret target,
// the `data`/`stringData` values of a merge or strategic patch, and the values of JSON-patch operations on
// paths under /data or /stringData, are redacted; then everything goes through redactObject.
boost::json::value redactChangeBody(std::string_view targetKind, const boost::json::value& body);

// Free text with known credential formats replaced by "<redacted>": private key blocks, AWS access key IDs,
// GitHub/GitLab/Slack/Stripe/OpenAI/Anthropic/Google/Vault/npm/SendGrid tokens, JWTs, the password of
// `scheme://user:password@host`, and the value of `password=`, `token:`, `api_key=` ... assignments.
std::string redactText(std::string_view text);

// The secret values `value` holds, so that other text can be scrubbed of them: the values of a Secret's
// `data` (base64-decoded, and as written) and `stringData`, and of secret-named `env` entries, also inside
// last-applied-configuration copies. With targetKind "Secret", a patch's data/stringData values count too.
// Values shorter than 4 bytes are left out: scrubbing them would mangle ordinary text.
std::vector<std::string> secretValues(std::string_view targetKind, const boost::json::value& value);

// `text` with every occurrence of each of `values` replaced by "<redacted>" (longest first).
std::string scrubValues(std::string_view text, const std::vector<std::string>& values);
boost::json::value scrubValues(const boost::json::value& value, const std::vector<std::string>& values);

// An environment variable name that holds a secret by convention: it contains PASSWORD, PASSWD, SECRET,
// TOKEN, APIKEY, API_KEY, ACCESS_KEY, PRIVATE_KEY or CREDENTIAL (case-insensitive).
bool looksLikeSecretName(std::string_view name);

}  // namespace aiops::governance
