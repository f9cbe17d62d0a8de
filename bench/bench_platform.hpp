#pragma once
// inkwell_bench's `platform_latency` case (issue 6's bar: the call site with
// the PostgreSQL and Redis sinks attached stays within 1.2x of the file-only
// preset). In one run, one producer thread, the bench's message paced like
// latency_call: presets::jsonl_per_category (files only) and
// presets::platform (files + PostgreSQL + Redis + error aggregator, against
// real servers), each timed per call; p50/p99/p99.9 of both and their ratio.
// The table (inkwell_bench_platform_<pid>) and stream are removed at the end.
//
// Needs libpq and hiredis: the executable links inkwell::postgres and inkwell::redis.

#include <inkwell/inkwell.hpp>
#include <inkwell/presets/platform.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace bench {

struct platform_latency_result {
    double p50_ns = NAN, p99_ns = NAN, p999_ns = NAN;
    std::uint64_t dropped = 0, errors = 0;
    bool ok = false;
};

namespace platform_detail {

template <class Logger>
platform_latency_result measure(const tick_clock& clock, inkwell::logger_options options, int calls, double gap_ns) {
    platform_latency_result r;
    std::vector<std::uint64_t> taken(static_cast<std::size_t>(calls));
    const std::uint64_t cost = clock.cost_ticks(), gap = clock.from_ns(gap_ns);
    const std::string str[4] = {"alpha", "bravo charlie", "delta", "echo foxtrot golf"};
    {
        Logger log(std::move(options));
        auto one = [&](int i) {
            INKWELL_INFO(log, "Logging int: {}, double: {}, str: {}", i, i * 0.25, str[i & 3]);
        };
        for (int i = 0; i < 5'000; ++i) {  // warm-up: queues, files, connections, the table
            one(i);
            wait_until(clock, clock.now() + gap, true);
        }
        log.flush();
        for (int i = 0; i < calls; ++i) {
            const std::uint64_t t0 = clock.now();
            one(i);
            const std::uint64_t t1 = clock.now();
            taken[static_cast<std::size_t>(i)] = t1 - t0 > cost ? t1 - t0 - cost : 0;
            wait_until(clock, t1 + gap, true);
        }
        log.flush();
        r.dropped = log.stats().dropped;
        r.errors = log.stats().errors;
    }
    r.p50_ns = clock.to_ns(quantile(taken, 0.50));
    r.p99_ns = clock.to_ns(quantile(taken, 0.99));
    r.p999_ns = clock.to_ns(quantile(taken, 0.999));
    r.ok = r.dropped == 0;
    return r;
}

inline std::string json_line(const char* mode, const platform_latency_result& r) {
    char line[400];
    std::snprintf(line, sizeof line,
                  "{\"case\":\"platform_latency\",\"library\":\"inkwell\",\"mode\":\"%s\",\"threads\":1,"
                  "\"p50_ns\":%.1f,\"p99_ns\":%.1f,\"p999_ns\":%.1f,\"msgs_per_s\":null,\"bytes\":null,"
                  "\"peak_rss_kb\":null,\"dropped\":%llu,\"errors\":%llu}",
                  mode, r.p50_ns, r.p99_ns, r.p999_ns, static_cast<unsigned long long>(r.dropped),
                  static_cast<unsigned long long>(r.errors));
    return line;
}

}  // namespace platform_detail

// Returns {file-only, platform}; emits their JSON lines.
inline std::pair<platform_latency_result, platform_latency_result> run_platform_latency(
    const tick_clock& clock, const std::string& conninfo, const std::string& redis, const std::string& dir, int calls,
    double gap_ns, const std::function<void(const std::string&)>& emit) {
    const std::string tag = std::to_string(::getpid());
    inkwell::logger_options files_only;
    files_only.name = "bench";
    files_only.directory = dir + "/files-only";
    files_only.read_environment = false;
    files_only.on_error = [](const inkwell::error_event&) {};
    inkwell::logger_options platform = files_only;
    platform.directory = dir + "/platform";
    platform.settings = {{"postgres", conninfo},
                         {"postgres.table", "inkwell_bench_platform_" + tag},
                         {"redis", redis},
                         {"redis.stream", "inkwell:bench:platform:" + tag}};
    const auto a = platform_detail::measure<inkwell::presets::jsonl_per_category>(clock, files_only, calls, gap_ns);
    const auto b = platform_detail::measure<inkwell::presets::platform>(clock, platform, calls, gap_ns);
    emit(platform_detail::json_line("jsonl_per_category", a));
    emit(platform_detail::json_line("platform", b));
    // Clean up what the run made on the servers.
    if (PGconn* c = PQconnectdb(conninfo.c_str()); c) {
        if (PQstatus(c) == CONNECTION_OK) {
            const std::string sql = "DROP TABLE IF EXISTS inkwell_bench_platform_" + tag + " CASCADE";
            PQclear(PQexec(c, sql.c_str()));
        }
        PQfinish(c);
    }
    const auto colon = redis.rfind(':');
    if (colon != std::string::npos) {
        if (redisContext* c = redisConnect(redis.substr(0, colon).c_str(), std::atoi(redis.c_str() + colon + 1)); c) {
            const std::string key = "inkwell:bench:platform:" + tag;
            const char* argv[] = {"DEL", key.c_str()};
            const std::size_t lens[] = {3, key.size()};
            if (!c->err) freeReplyObject(redisCommandArgv(c, 2, argv, lens));
            redisFree(c);
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return {a, b};
}

}  // namespace bench
