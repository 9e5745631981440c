// The profile registry: the built-in profiles (profiles/*.yaml in the
// source tree, compiled in) and the user's own files, which override or add
// profiles without a rebuild; and the YAML form of a profile (parse, check,
// print) with the sample screens a file may carry.
//
// Where profiles come from, lowest precedence first: built-in; then each
// directory given to load_profiles(), in order (the CLI passes
// $XDG_CONFIG_HOME/tmo/profiles, then DATA_DIR/profiles), where NAME.yaml
// defines the profile NAME. The last file for a name wins whole. A file
// that names a built-in profile (claude.yaml), or says `base: OTHER`,
// starts from that profile and changes only the fields it gives; a list
// given replaces the base's list. The schema is in docs/cli.md ("Profile
// files").
//
// A broken user file (bad YAML, an unknown field, a wrong type, a sample
// screen that reads differently) is refused with its errors; the profile
// stays as it was (the built-in one, or absent). Nothing here throws or
// aborts on a file's content.
//
// Thread-safety: profiles(), find_profile() and profile_names() may be
// called from any thread at any time. load_profiles() may be called from
// any thread; the profiles a call replaces stay allocated for the life of
// the process, so a `const profile*` or a reference handed out earlier
// stays valid (it keeps the old values).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/agent_profile.hpp"
#include "events/status.hpp"

namespace tmo::adapters {

// The profiles in effect: the built-in ones (claude, codex, gemini, aider,
// shell, in that order) as the last load_profiles() left them, then the
// profiles user files added, by name.
const std::vector<profile>& profiles();
// The profile called `name`, or nullptr.
const profile* find_profile(std::string_view name);
// "claude, codex, gemini, aider or shell", for error messages.
std::string profile_names();

// The built-in profiles alone, as compiled in.
const std::vector<profile>& builtin_profiles();
// The built-in profile `name`'s YAML text, or "" when there is none.
std::string_view builtin_profile_text(std::string_view name);

// Reads every NAME.yaml in `dirs` (a later directory wins; a missing one is
// skipped) over the built-in profiles and makes the result the profiles in
// effect. Returns one error per problem, each one line that names the file,
// line and column: the files it names were refused, and the profile they
// would have changed is the one it was before (see the top of this file).
std::vector<status> load_profiles(const std::vector<std::string>& dirs);

// ---- profile files ------------------------------------------------------

// A sample screen in a profile file and what it must read as.
struct profile_sample {
  std::string name;   // "sample 1", or as the file names it
  std::string where;  // "FILE:LINE:COL" of the sample
  std::string screen;
  // What the reading must show: "state", "approval.tool",
  // "approval.command", "approval.target", "approval.description",
  // "approval.yes", "approval.always", "approval.no", "dialog.name",
  // "dialog.prompt", "dialog.accept", "reset" (its text); key lists are
  // joined by spaces.
  std::vector<std::pair<std::string, std::string>> expect;
};

struct profile_file {
  profile p;         // the effective profile, its base merged in
  std::string base;  // the profile it started from; "" for none
  std::vector<profile_sample> samples;
};

struct parsed_profile {
  std::optional<profile_file> file;  // when there are no errors
  // One line each: "FILE:LINE:COL: FIELD: what is wrong; what to do".
  std::vector<std::string> errors;
};

// Finds the profile that `base: NAME` names, or nullptr.
using profile_lookup = std::function<const profile*(std::string_view name)>;

// Parses a profile file's text. `file` names it in messages (and becomes
// the profile's source). The profile's name is its `name:` field, else
// `default_name`; with `name_must_match`, a `name:` other than a non-empty
// `default_name` is an error (a file in a profiles folder is named for its
// profile). A profile named as a built-in one starts from it; `base:` is
// looked up with `lookup` (default: find_profile()).
parsed_profile parse_profile(std::string_view text, const std::string& file,
                             const std::string& default_name = "",
                             const profile_lookup& lookup = nullptr,
                             bool name_must_match = true);

struct sample_result {
  std::string name, where;
  bool ok = false;
  // What differed: "approval.tool: read \"Bash\", expected \"Shell\"".
  std::vector<std::string> mismatches;
};

// Reads each sample screen with `p` (the present: 2026-11-25T12:00:00Z,
// local zone UTC) and compares the reading with what the sample expects.
std::vector<sample_result> run_samples(
    const profile& p, const std::vector<profile_sample>& samples);

// The profile as a profile file (every field, samples left out), which
// parse_profile() reads back to the same profile.
std::string to_yaml(const profile& p);

}  // namespace tmo::adapters
