// Reading a whole small file that a person named (a fleet file, a briefing,
// a screen to classify, a profile, an agent's settings): it must be a
// regular file and at most `max_bytes` long.
//
// Nothing here throws, and no more than max_bytes + 1 bytes are ever read,
// so a directory, a FIFO nobody writes to, a device such as /dev/zero or a
// file that grows while it is read is a clear one-line error naming the
// path, not an exception or a process that grows without end.
//
// Thread-safety: a free function over the file system; any thread.
#pragma once

#include <cstddef>
#include <string>

#include "events/status.hpp"

namespace tmo::files {

// The limit most callers use: one screen, one briefing, one fleet file.
// Default: 1 MiB.
inline constexpr size_t default_max_bytes = size_t{1} << 20;

// "1 MiB", "64 KiB", "300 bytes": a limit as people read it.
std::string size_text(size_t bytes);

// The file's whole text. Errors (the message starts with `path`):
// not_found (no such file, no permission), invalid_argument (a directory,
// a FIFO, a socket or a device: not a regular file; larger than
// max_bytes, naming the limit), io_error (a read failed).
result<std::string> read_text_file(const std::string& path,
                                   size_t max_bytes = default_max_bytes);

}  // namespace tmo::files
