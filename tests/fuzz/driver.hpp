// tmo's fuzz driver: a small, self-contained mutational fuzzer that every
// fuzz target in tests/fuzz/ shares, so the targets build and run with g++
// alone (no libFuzzer there) and in the test suite.
//
// A target is one function, the libFuzzer entry point
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
//
// that feeds the bytes to a parser and checks properties of what came out
// with check() (a broken property is a failure, as a crash is). The same
// file builds with clang -fsanitize=fuzzer -DTMO_LIBFUZZER, where libFuzzer
// brings main(); without it TMO_FUZZ_MAIN(info) defines a main() that runs
// this driver:
//
//   fuzz_X [--iters=N] [--seconds=S] [--seed=N] [--max-len=N]
//          [--crash-dir=DIR] [--timeout=S] [--strict] [--quiet]
//          [CORPUS_DIR | FILE]...
//
// It first runs every seed (the files given, and the regular files of the
// directories given, in name order), then, with --iters or --seconds,
// mutated seeds: byte flips, inserts, erases, copies, repeats (deep
// nesting, long lines), splices of two seeds, dictionary tokens and
// boundary numbers. Inputs the target marks as accepted (interesting())
// join a bounded pool that later mutations start from. With the same seed,
// corpus and --iters a run is the same run. No input but stdin: that one
// input runs once (for AFL, or to replay a crash: fuzz_X < crash-...).
//
// Each input runs in process, without fork. A crash (SIGSEGV, SIGABRT, a
// failed check, a sanitizer report) saves the input as DIR/crash-HASH
// before the process dies; an input that runs longer than --timeout
// seconds is saved as DIR/timeout-HASH and the process exits 70. At the
// end it prints one line of key=value: execs, execs_per_s, seeds, pool,
// known, crashes (0: a crash ends the run).
//
// Known findings: a property that fails for a reason already being fixed
// elsewhere is checked with known(FLAG, ...): while FLAG is true, a failure
// is only counted (known=N, first example printed) instead of ending the
// run; --strict (or TMO_FUZZ_STRICT=1) makes it a failure again. Each
// target has at most one such flag, with a comment naming the finding.
//
// Thread-safety: one target runs on one thread; none of this is reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tmo::fuzz {

struct target_info {
  const char* name;                     // "fuzz_time_spec"
  size_t max_len = 4096;                // the longest input a mutation makes
  std::vector<std::string> dictionary;  // tokens mutations insert
};

// Fails the current input when `ok` is false: prints `what` and the input,
// saves it (crash-HASH) and aborts.
void check(bool ok, std::string_view what);

// As check(), but while `known_flag` is set (and not --strict) a failure is
// counted and reported once per distinct `what`, and the run goes on.
void known(bool known_flag, bool ok, std::string_view what);

// Marks the current input as accepted by the parser: it may seed later
// mutations. A no-op under libFuzzer.
void interesting();

// The driver's main(); see the top of this file.
int run_main(int argc, char** argv, const target_info& info,
             int (*one)(const uint8_t*, size_t));

}  // namespace tmo::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#ifdef TMO_LIBFUZZER
#define TMO_FUZZ_MAIN(info)
#else
#define TMO_FUZZ_MAIN(info)                                                  \
  int main(int argc, char** argv) {                                          \
    return ::tmo::fuzz::run_main(argc, argv, info, &LLVMFuzzerTestOneInput); \
  }
#endif
