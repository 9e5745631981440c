// The tmo command line: shared pieces of the verbs. Each verb lives in its
// own file (cmd_events.cpp, cmd_demo.cpp, ...) and registers itself with
// `register_*`, as tmux's cmd-*.c files do.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "daemon/profile_files.hpp"
#include "daemon/protocol.hpp"
#include "events/status.hpp"

namespace tmo::cli {

// Exit statuses: 0 success, 1 a failed check or operation, 2 bad usage.
constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

// Everything a verb needs from the command line as a whole.
struct context {
  std::string data_dir;  // --data-dir, TMO_HOME, or ./.tmo
  // The verb to run once parsing succeeded; returns the exit status.
  std::function<int()> run;
};

// "a,b,,c" -> {"a", "b", "c"}: the K[,K...] lists of flags.
std::vector<std::string> split_list(std::string_view text);

// "90s", "15m", "2h", "1d" -> nanoseconds; or an error naming `flag`.
result<int64_t> parse_duration(const std::string& s, const std::string& flag);

// A regular file's whole text (at most 1 MiB, see events/files.hpp), or an
// error naming `flag` and the path.
result<std::string> read_text_file(const std::string& path,
                                   const std::string& flag);

// Adds --data-dir to a verb.
void add_data_dir(CLI::App* verb, context& ctx);

// Prints "tmo: MESSAGE" on stderr and returns exit_failed. Control bytes
// in MESSAGE (it may quote what a user gave) are escaped (output.hpp).
int fail(std::string_view message);
int fail(const status& s);
// Prints "tmo: MESSAGE" on stderr and returns exit_usage (bad input).
int bad_usage(const status& s);

// Output that ends quietly when the reader goes away (`tmo ... | head`).
// write() returns false once stdout is closed.
bool write_out(std::string_view s);
bool flush_out();

// Wall clock, in nanoseconds since the epoch. Only the CLI, which wires the
// program together, reads it; everything below takes time as an argument.
int64_t now_ns();

// "12s ago", "5m ago", "3h ago"; "-" for no time.
std::string ago(int64_t then_ns, int64_t now_ns);
// The aligned table of agents (as the daemon's agent.list gives them).
std::string agents_table(const std::vector<daemon::agent_entry>& agents,
                         int64_t now_ns);

// Rows as aligned columns (two spaces apart), the first row the header;
// cells must already be terminal_safe().
std::string text_table(const std::vector<std::vector<std::string>>& rows);

void register_events(CLI::App& app, context& ctx);
// cmd_repair.cpp: `tmo events repair`, and the file damage verify prints.
void register_events_repair(CLI::App* events, context& ctx);
void print_file_damage(const std::string& dir);
void register_demo(CLI::App& app, context& ctx);
void register_completion(CLI::App& app, context& ctx);
void register_up(CLI::App& app, context& ctx);
void register_team(CLI::App& app, context& ctx);
void register_send(CLI::App& app, context& ctx);
void register_schedule(CLI::App& app, context& ctx);
void register_apply(CLI::App& app, context& ctx);
void register_classify(CLI::App& app, context& ctx);
void register_hook(CLI::App& app, context& ctx);
void register_profiles(CLI::App& app, context& ctx);
void register_approvals(CLI::App& app, context& ctx);
// cmd_approvals_log.cpp: explain, what-if, report (read the log).
void register_approvals_log(CLI::App* approvals, context& ctx);

// The user's profile files (daemon/profile_files.hpp).
using daemon::load_user_profiles;
using daemon::profile_dirs;

}  // namespace tmo::cli
