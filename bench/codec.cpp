// Microbenchmarks of the per-event codec steps, one event at a time: what an
// appender pays (build + seal), what the writer pays (stamp + chain) and
// what a reader pays (decode; decode + JSON). For information; no baseline.
#include <string>
#include <string_view>
#include <utility>

#include <benchmark/benchmark.h>

#include "bench/bench.hpp"

namespace tmo::bench {

namespace {

void bm_build_seal(benchmark::State& state) {
  uint64_t n = 0;
  int64_t now = wall_ns();
  for (auto _ : state) {
    auto s = make_event(n++, now).seal();
    if (!s) {
      state.SkipWithError(s.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(s->bytes().data());
  }
  state.SetItemsProcessed(state.iterations());
}

void bm_stamp_chain(benchmark::State& state) {
  auto ev = sealed_event(1);
  events::hash prev{};
  uint64_t seq = 1;
  for (auto _ : state) {
    ev.stamp(seq, seq);
    prev = ev.chain(prev);
    ++seq;
  }
  benchmark::DoNotOptimize(prev);
  state.SetItemsProcessed(state.iterations());
}

// A stored value, as the log holds it: stamped with seq 1 and chained.
std::string stored_value() {
  auto ev = sealed_event(1);
  ev.stamp(1, 1);
  ev.chain(events::hash{});
  return ev.bytes();
}

template <events::decoder::depth Depth>
void bm_decode(benchmark::State& state) {
  // Off by one byte from an aligned buffer, like a RocksDB value may be.
  std::string buf = " " + stored_value();
  std::string_view value = std::string_view(buf).substr(1);
  events::decoder dec;
  for (auto _ : state) {
    auto r = dec.decode(1, value, Depth);
    if (!r) {
      state.SkipWithError(r.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(r->getTimeNs());
  }
  state.SetItemsProcessed(state.iterations());
}

// Decode + JSON, as `tmo events cat` does per event. (A reader can't be
// reused forever: Cap'n Proto's traversal limit counts every read of it.)
void bm_decode_json(benchmark::State& state) {
  std::string value = stored_value();
  events::decoder dec;
  std::string out;
  for (auto _ : state) {
    auto r = dec.decode(1, value);
    if (!r) {
      state.SkipWithError(r.error().to_string().c_str());
      break;
    }
    out.clear();
    auto s = events::append_json(out, *r);
    if (!s) {
      state.SkipWithError(s.to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void register_codec_benchmarks() {
  for (auto [name, fn] :
       {std::pair{"codec/build_seal", &bm_build_seal},
        std::pair{"codec/stamp_chain", &bm_stamp_chain},
        std::pair{"codec/decode", &bm_decode<events::decoder::depth::deep>},
        std::pair{"codec/decode_shallow",
                  &bm_decode<events::decoder::depth::shallow>},
        std::pair{"codec/decode_json", &bm_decode_json}}) {
    benchmark::RegisterBenchmark(name, fn)->MinTime(cfg().micro_min_time);
  }
}

}  // namespace tmo::bench
