#pragma once
// inkwell_bench's `postgres` case (issue 6's bar), against a real server:
//
//   bench::run_postgres_bench(conninfo, emit);          // emit(std::string json_line)
//
// 1. Ingest: `records` (200,000) platform-like records (jsonl line, tenant /
//    request / service context, a user field) from one producer thread
//    through a logger whose sink is sink::postgres (buffer::immediate: the
//    sink's own queue and thread do the shipping), timed from the first
//    call until flush() returns with every record acknowledged by the
//    server, then counted in the table (all must be there). Before it, a
//    warm-up of 5,000 records creates the table and its partitions.
//    Figures: msgs_per_s, and p50/p99/p99.9 of the call itself.
// 2. Query: the table is filled up to `query_rows` (1,000,000) rows spread
//    over the last 7 days (levels 15% debug, 65% info, 12% warn, 8% error;
//    messages from a 64-word vocabulary), ANALYZEd, then the query helper
//    (postgres_query) asks for errors of the last 24 hours whose message
//    matches "payment timeout", newest first, limit 1000. query_ms is the
//    median of 5 runs after one warm-up run; query_cold_ms the first run;
//    query_matches how many rows the query returned.
// One JSON object per line, with inkwell_bench's keys (case, library, mode,
// threads, p50_ns, p99_ns, p999_ns, msgs_per_s, bytes = the table's size on
// disk, peak_rss_kb) plus query_ms, query_cold_ms, query_matches, rows.
// The table (inkwell_bench_<pid>) is dropped at the end unless keep_table.
//
// Needs libpq: the executable links inkwell::postgres.

#include <inkwell/inkwell.hpp>
#include <inkwell/sink/postgres.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace bench {
namespace postgres_detail {

struct config : inkwell::default_config {
    using sink = inkwell::sink::postgres;
    using formatter = inkwell::format::jsonl;
    using buffer = inkwell::buffer::immediate;
};
using logger = inkwell::basic_logger<config>;

inline std::uint64_t now_ns() noexcept {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

inline long peak_rss_kb() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::strtol(line + 6, nullptr, 10);
    std::fclose(f);
    return kb;
}

inline double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return NAN;
    const auto k = static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size() - 1),
                                                             std::floor(p * static_cast<double>(v.size()))));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

inline void number(std::string& out, const char* key, double v, int decimals) {
    out += ",\"";
    out += key;
    out += "\":";
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    out += text;
}

// A statement of the benchmark's own (the table name is ours).
inline std::string scalar(PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    std::string v;
    if ((PQresultStatus(r) == PGRES_TUPLES_OK) && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) v = PQgetvalue(r, 0, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        std::fprintf(stderr, "bench postgres: %s: %s", sql.c_str(), PQresultErrorMessage(r));
    PQclear(r);
    return v;
}

constexpr const char* words[64] = {
    "user",     "login",    "payment",  "timeout",  "order",    "invoice",  "cart",     "shipping",
    "refund",   "account",  "session",  "token",    "expired",  "created",  "updated",  "deleted",
    "database", "query",    "slow",     "cache",    "miss",     "hit",      "retry",    "failed",
    "success",  "gateway",  "bank",     "declined", "approved", "webhook",  "received", "sent",
    "email",    "queue",    "worker",   "started",  "stopped",  "health",   "check",    "latency",
    "tenant",   "quota",    "exceeded", "limit",    "rate",     "upload",   "download", "file",
    "image",    "resize",   "report",   "export",   "import",   "sync",     "conflict", "merge",
    "search",   "index",    "rebuild",  "backup",   "restore",  "config",   "reload",   "audit",
};

}  // namespace postgres_detail

// Returns 0 when every record arrived and the query answered; 1 otherwise.
inline int run_postgres_bench(std::string_view conninfo, const std::function<void(const std::string&)>& emit,
                              std::size_t records = 200'000, std::size_t query_rows = 1'000'000,
                              bool keep_table = false) {
    using namespace postgres_detail;
    const std::string table = "inkwell_bench_" + std::to_string(::getpid());
    PGconn* c = PQconnectdb(std::string(conninfo).c_str());
    if (PQstatus(c) != CONNECTION_OK) {
        std::fprintf(stderr, "bench postgres: cannot connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return 1;
    }
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    scalar(c, "DROP TABLE IF EXISTS \"" + table + "\" CASCADE");

    inkwell::logger_options o;
    o.name = "bench";
    o.initial_level = inkwell::level::trace;
    o.read_environment = false;
    o.settings = {{"postgres", std::string(conninfo)}, {"postgres.table", table},
                  {"postgres.queue_mb", "1024"}, {"postgres.flush_timeout_ms", "600000"}};
    // The sink's connections (default 2); INKWELL_BENCH_POSTGRES_CONNECTIONS to try others.
    if (const char* n = std::getenv("INKWELL_BENCH_POSTGRES_CONNECTIONS"); n && *n)
        o.settings.push_back({"postgres.connections", n});
    bool ok = true;
    double msgs_per_s = NAN, p50 = NAN, p99 = NAN, p999 = NAN;
    std::uint64_t stored_after_ingest = 0;
    {
        logger log(o);
        auto* sink = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::postgres>(s); });
        inkwell::scoped_context ctx{inkwell::kv("tenantId", "tenant-42"), inkwell::kv("requestId", "req-0001"),
                                    inkwell::kv("service", "checkout")};
        for (int i = 0; i < 5000; ++i)
            INKWELL_INFO(log, "warm-up {} {}", i, words[i % 64], inkwell::kv("userId", "user-7"));
        log.flush();

        // 1. Ingest.
        std::vector<double> calls(records);
        const std::uint64_t start = now_ns();
        for (std::size_t i = 0; i < records; ++i) {
            const std::uint64_t t0 = now_ns();
            INKWELL_INFO(log, "order {} {} {} for user {}", i, words[i % 64], words[(i * 7) % 64], i % 1000,
                         inkwell::kv("userId", "user-7"), inkwell::kv("amount", 12.5));
            calls[i] = static_cast<double>(now_ns() - t0);
        }
        const bool settled = sink->flush(std::chrono::milliseconds{600000});
        const std::uint64_t end = now_ns();
        stored_after_ingest = std::strtoull(scalar(c, "SELECT count(*) FROM \"" + table + "\"").c_str(), nullptr, 10);
        ok = settled && stored_after_ingest == records + 5000 && sink->stats().dropped == 0;
        if (!ok)
            std::fprintf(stderr, "bench postgres: %llu rows stored of %zu, dropped %llu\n",
                         static_cast<unsigned long long>(stored_after_ingest), records + 5000,
                         static_cast<unsigned long long>(sink->stats().dropped));
        msgs_per_s = static_cast<double>(records) / (static_cast<double>(end - start) / 1e9);
        p50 = percentile(calls, 0.50);
        p99 = percentile(calls, 0.99);
        p999 = percentile(calls, 0.999);

        // 2. Fill up to query_rows, over the last 7 days.
        const auto now = inkwell::clock_type::now();
        std::uint64_t x = 0x9E3779B97F4A7C15ull;
        auto next = [&x] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            return x;
        };
        std::string message;
        const char* tenants[] = {"tenant-1", "tenant-2", "tenant-3", "tenant-4"};
        const char* services[] = {"checkout", "billing", "search", "auth"};
        for (std::size_t i = stored_after_ingest; i < query_rows; ++i) {
            const std::uint64_t r = next();
            const unsigned roll = static_cast<unsigned>(r % 100);
            inkwell::level l = roll < 15 ? inkwell::level::debug
                               : roll < 80 ? inkwell::level::info
                               : roll < 92 ? inkwell::level::warn
                                           : inkwell::level::error;
            message.clear();
            for (int w = 0; w < 6; ++w) {
                if (w) message.push_back(' ');
                message += words[(r >> (8 + 6 * w)) % 64];
            }
            message += " #" + std::to_string(i);
            inkwell::field f[2] = {{"tenantId", {}}, {"service", {}}};
            f[0].value.type = f[1].value.type = inkwell::field_value::kind::string;
            f[0].value.text = tenants[(r >> 50) % 4];
            f[1].value.text = services[(r >> 54) % 4];
            inkwell::record rec;
            rec.severity = l;
            rec.message = message;
            rec.category = "bench";
            rec.time = now - std::chrono::seconds{static_cast<long long>((r >> 20) % (7 * 86400))};
            rec.fields = f;
            log.ingest(rec);
        }
        ok = sink->flush(std::chrono::milliseconds{600000}) && ok;
    }
    scalar(c, "ANALYZE \"" + table + "\"");
    const std::uint64_t rows = std::strtoull(scalar(c, "SELECT count(*) FROM \"" + table + "\"").c_str(), nullptr, 10);
    const std::string size = scalar(c, "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                                       "WHERE inhparent = '\"" + table + "\"'::regclass");

    inkwell::postgres_filter f;
    f.min_level = inkwell::level::error;
    f.from = inkwell::clock_type::now() - std::chrono::hours(24);
    f.text = "payment timeout";
    f.limit = 1000;
    std::vector<double> times;
    std::size_t matches = 0;
    double cold_ms = NAN;
    for (int run = 0; run < 6; ++run) {
        const std::uint64_t t0 = now_ns();
        auto result = inkwell::postgres_query(conninfo, f, table);
        const double ms = static_cast<double>(now_ns() - t0) / 1e6;
        if (!result.ok) {
            std::fprintf(stderr, "bench postgres: query failed: %s\n", result.error.c_str());
            ok = false;
            break;
        }
        matches = result.rows.size();
        if (run == 0)
            cold_ms = ms;
        else
            times.push_back(ms);
    }
    const double query_ms = percentile(times, 0.5);

    std::string line = "{\"case\":\"postgres\",\"library\":\"inkwell\",\"mode\":\"sync\",\"threads\":1";
    number(line, "p50_ns", p50, 1);
    number(line, "p99_ns", p99, 1);
    number(line, "p999_ns", p999, 1);
    number(line, "msgs_per_s", msgs_per_s, 0);
    number(line, "bytes", size.empty() ? NAN : std::strtod(size.c_str(), nullptr), 0);
    number(line, "peak_rss_kb", static_cast<double>(peak_rss_kb()), 0);
    number(line, "query_ms", query_ms, 1);
    number(line, "query_cold_ms", cold_ms, 1);
    number(line, "query_matches", static_cast<double>(matches), 0);
    number(line, "rows", static_cast<double>(rows), 0);
    line += ok ? ",\"ok\":true}" : ",\"ok\":false}";
    emit(line);

    if (!keep_table) scalar(c, "DROP TABLE IF EXISTS \"" + table + "\" CASCADE");
    PQfinish(c);
    return ok ? 0 : 1;
}

}  // namespace bench
