// Agent profiles: how to start an agent CLI (claude, codex, gemini, aider,
// shell, or one a user's profile file adds) and how to read its screen.
// This header gathers the pieces:
//
//   agent_profile.hpp     the profile as data (struct profile)
//   profile_registry.hpp  the built-in profiles (profiles/*.yaml, compiled
//                         in), user files over them, YAML parse/print,
//                         sample screens
//   command_line.hpp      split_command (no shell) and launch_for
//   ansi.hpp              strip_ansi
//   reset_time.hpp        parse_reset_time and clock_info
//   screen_reader.hpp     classify, input_text, input_holds, trust_keys,
//                         to_json
//
// The markers come from the real CLIs as seen offline here (see
// docs/agent-clis.md in the shared docs and tests/golden/screens); versions
// drift, so a new text is a change to a profile file, with no rebuild when
// it is the user's own (docs/cli.md, "Profile files").
#pragma once

#include "adapters/agent_profile.hpp"
#include "adapters/ansi.hpp"
#include "adapters/command_line.hpp"
#include "adapters/profile_registry.hpp"
#include "adapters/reset_time.hpp"
#include "adapters/screen_reader.hpp"
