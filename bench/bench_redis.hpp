#pragma once
// inkwell_bench's `redis` case: issue 6's Redis bar, measured against a real
// server (tools/private-redis.sh start DIR; INKWELL_TEST_REDIS=host:port).
//
//   bench::redis_bench_settings s;          // address, records (200,000), maxlen (10,000), mode
//   bench::redis_bench_result r = bench::run_redis_bench(s);
//   std::puts(bench::redis_bench_json(r).c_str());
//
// One process, one producer thread, a logger of format::jsonl into
// sink::redis (buffer::immediate: "sync", or buffer::async<>: "async"), the
// record carrying a tenant/request context and the bench's usual message
// ("Logging int: {}, double: {}, str: {}"). After a warm-up of 2,000 entries,
// the clock runs from the first call until flush() returned, and delivery is
// then confirmed by the server: XINFO STREAM's entries-added grew by exactly
// the records logged, the newest entry is the last record, and the sink
// counted nothing dropped. The stream length is checked against the bound
// MAXLEN ~ allows (MAXLEN + stream-node-max-entries), at the end and in XLEN
// samples taken every 5 ms during the run (largest_len).
// Figures: msgs_per_s (entries/s), per-call p50/p99/p99.9 (ns, the tick
// clock's cost subtracted), bytes (JSON bytes sent), peak_rss_kb, and the
// extra keys stream_len, largest_len, len_bound, maxlen, entries_added,
// dropped, unconfirmed. Needs hiredis: the target links inkwell::redis.

#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <inkwell/inkwell.hpp>
#include <inkwell/sink/redis.hpp>

#include "bench_support.hpp"

namespace bench {

struct redis_bench_settings {
    std::string address = "127.0.0.1:6379";  // INKWELL_TEST_REDIS
    std::uint64_t records = 200'000;
    std::uint64_t maxlen = 10'000;
    bool async = false;                      // buffer::async<> instead of buffer::immediate
    int warmup = 2'000;
    // 0: the producer logs as fast as it can, and the sink's queue is made
    // large enough for the whole run (redis.queue_bytes: 1 KiB a record
    // + 64 MiB), so the figure is the delivery rate, first call to flush().
    // > 0: the producer is paced at this many records/s with the default
    // queue (64 MiB): nothing dropped means the sink sustains that rate.
    double pace_per_s = 0;
};

struct redis_bench_result {
    bool ok = false;
    std::string mode;
    double pace_per_s = 0;
    double msgs_per_s = NAN, seconds = NAN;
    double p50_ns = NAN, p99_ns = NAN, p999_ns = NAN;
    double bytes = 0;
    long peak_rss_kb = -1;
    long long stream_len = -1, largest_len = -1, len_bound = -1, entries_added = -1;
    std::uint64_t maxlen = 0, sent = 0, dropped = 0, unconfirmed = 0;
    std::string note;  // why not ok
};

namespace redis_detail {

struct reply_free {
    void operator()(redisReply* r) const noexcept {
        if (r) freeReplyObject(r);
    }
};
using reply_ptr = std::unique_ptr<redisReply, reply_free>;

class connection {
public:
    explicit connection(const std::string& address) {
        const auto colon = address.rfind(':');
        timeval tv{10, 0};
        c_ = redisConnectWithTimeout(address.substr(0, colon).c_str(), std::stoi(address.substr(colon + 1)), tv);
        if (c_ && !c_->err) redisSetTimeout(c_, tv);
    }
    ~connection() {
        if (c_) redisFree(c_);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    bool ok() const noexcept { return c_ && !c_->err; }

    reply_ptr command(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        return reply_ptr(static_cast<redisReply*>(
            redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lengths.data())));
    }
    long long integer(const std::vector<std::string>& args) {
        auto r = command(args);
        return r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    }
    // A field of XINFO STREAM (an integer), or -1.
    long long info(const std::string& key, const std::string& field) {
        auto r = command({"XINFO", "STREAM", key});
        if (!r || r->type != REDIS_REPLY_ARRAY) return -1;
        for (std::size_t i = 0; i + 1 < r->elements; i += 2)
            if (std::string(r->element[i]->str, r->element[i]->len) == field &&
                r->element[i + 1]->type == REDIS_REPLY_INTEGER)
                return r->element[i + 1]->integer;
        return -1;
    }

private:
    redisContext* c_ = nullptr;
};

template <class Buffer>
struct config : inkwell::default_config {
    using sink = inkwell::sink::redis;
    using formatter = inkwell::format::jsonl;
    using buffer = Buffer;
};

template <class Buffer>
redis_bench_result run(const redis_bench_settings& s) {
    redis_bench_result r;
    r.mode = s.async ? "async" : "sync";
    r.pace_per_s = s.pace_per_s;
    r.maxlen = s.maxlen;
    connection c(s.address);
    if (!c.ok()) {
        r.note = "cannot connect to redis at " + s.address;
        return r;
    }
    const std::string key = "inkwell:bench:" + std::to_string(::getpid()) + ":" + std::to_string(steady_ns());
    long long node_entries = 100;
    if (auto cfg = c.command({"CONFIG", "GET", "stream-node-max-entries"});
        cfg && cfg->type == REDIS_REPLY_ARRAY && cfg->elements == 2)
        node_entries = std::stoll(std::string(cfg->element[1]->str, cfg->element[1]->len));
    r.len_bound = static_cast<long long>(s.maxlen) + (node_entries > 0 ? node_entries : 100);

    tick_clock clock;
    clock.calibrate();
    std::vector<std::uint64_t> ticks(s.records);
    std::atomic<bool> sampling{true};
    std::atomic<long long> largest{0};
    bool sent_all = false;
    {
        inkwell::logger_options o;
        o.name = "bench";
        o.read_environment = false;
        o.on_error = [](const inkwell::error_event&) {};
        o.settings = {{"redis", s.address},
                      {"redis.stream", key},
                      {"redis.channel", key + ":live"},
                      {"redis.maxlen", std::to_string(s.maxlen)},
                      {"redis.flush_timeout_ms", "120000"}};
        if (s.pace_per_s <= 0)
            o.settings.push_back({"redis.queue_bytes", std::to_string(s.records * 1024 + (std::uint64_t{64} << 20))});
        inkwell::basic_logger<config<Buffer>> log(std::move(o));
        log.set_context(inkwell::kv("service", "bench"), inkwell::kv("environment", "bench"));
        inkwell::scoped_context request{inkwell::kv("tenantId", "tenant-0001"),
                                        inkwell::kv("requestId", "6f1c2a9e-4b7d-4e21-9a33-0c5d8e7f1a2b")};
        const std::string text = "some string";
        for (int i = 0; i < s.warmup; ++i) INKWELL_INFO(log, "Logging int: {}, double: {}, str: {}", i, i * 0.5, text);
        log.flush();
        auto* sink = log.with_sink([](inkwell::sink::redis& k) { return &k; });
        const auto before = sink->stats();
        const long long added_before = c.info(key, "entries-added");
        std::thread watcher([&] {
            connection w(s.address);
            while (sampling) {
                largest = std::max(largest.load(), w.integer({"XLEN", key}));
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        reset_peak_rss();
        const std::uint64_t start = steady_ns();
        const std::uint64_t gap = s.pace_per_s > 0 ? clock.from_ns(1e9 / s.pace_per_s) : 0;
        const std::uint64_t first = clock.now();
        for (std::uint64_t i = 0; i < s.records; ++i) {
            if (gap) wait_until(clock, first + i * gap, true);
            const std::uint64_t t0 = clock.now();
            INKWELL_INFO(log, "Logging int: {}, double: {}, str: {}", i, static_cast<double>(i) * 0.5, text);
            ticks[i] = clock.now() - t0;
        }
        log.flush();
        const std::uint64_t end = steady_ns();
        sampling = false;
        watcher.join();
        r.peak_rss_kb = status_kb("VmHWM");
        r.seconds = static_cast<double>(end - start) / 1e9;
        r.msgs_per_s = static_cast<double>(s.records) / r.seconds;
        const auto after = sink->stats();
        r.sent = after.sent - before.sent;
        r.dropped = after.dropped;
        r.unconfirmed = after.unconfirmed;
        sent_all = r.sent == s.records && after.dropped == 0;
        r.entries_added = c.info(key, "entries-added") - added_before;
    }
    for (auto& t : ticks) t = t > clock.cost_ticks() ? t - clock.cost_ticks() : 0;
    r.p50_ns = clock.to_ns(quantile(ticks, 0.50));
    r.p99_ns = clock.to_ns(quantile(ticks, 0.99));
    r.p999_ns = clock.to_ns(quantile(ticks, 0.999));
    r.stream_len = c.integer({"XLEN", key});
    r.largest_len = std::max(largest.load(), r.stream_len);
    // The newest entry is the last record logged.
    bool last_ok = false;
    if (auto last = c.command({"XREVRANGE", key, "+", "-", "COUNT", "1"});
        last && last->type == REDIS_REPLY_ARRAY && last->elements == 1) {
        const redisReply* fields = last->element[0]->element[1];
        for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
            const std::string name(fields->element[i]->str, fields->element[i]->len);
            const std::string value(fields->element[i + 1]->str, fields->element[i + 1]->len);
            if (name == "message")
                last_ok = value.rfind("Logging int: " + std::to_string(s.records - 1) + ",", 0) == 0;
            if (name == "json") r.bytes += static_cast<double>(value.size()) * static_cast<double>(s.records);
        }
    }
    c.command({"DEL", key});
    std::string why;
    if (!sent_all) why += "sink sent " + std::to_string(r.sent) + " of " + std::to_string(s.records) + "; ";
    if (r.entries_added != static_cast<long long>(s.records))
        why += "entries-added " + std::to_string(r.entries_added) + "; ";
    if (!last_ok) why += "newest entry is not the last record; ";
    if (r.largest_len >= r.len_bound) why += "stream exceeded its MAXLEN ~ bound; ";
    r.ok = why.empty();
    r.note = why;
    return r;
}

}  // namespace redis_detail

inline redis_bench_result run_redis_bench(const redis_bench_settings& s) {
    return s.async ? redis_detail::run<inkwell::buffer::async<>>(s) : redis_detail::run<inkwell::buffer::immediate>(s);
}

// The one JSON line of inkwell_bench's output (null where a figure is missing).
inline std::string redis_bench_json(const redis_bench_result& r) {
    auto num = [](double v, int decimals) {
        if (!std::isfinite(v)) return std::string("null");
        char text[64];
        std::snprintf(text, sizeof text, "%.*f", decimals, v);
        return std::string(text);
    };
    auto integer = [](long long v) { return v < 0 ? std::string("null") : std::to_string(v); };
    std::string line = "{\"case\":\"redis\",\"library\":\"inkwell\",\"mode\":\"" + r.mode + "\",\"threads\":1";
    line += ",\"p50_ns\":" + num(r.p50_ns, 1) + ",\"p99_ns\":" + num(r.p99_ns, 1) + ",\"p999_ns\":" + num(r.p999_ns, 1);
    line += ",\"msgs_per_s\":" + num(r.msgs_per_s, 0) + ",\"bytes\":" + num(r.bytes, 0);
    line += ",\"peak_rss_kb\":" + integer(r.peak_rss_kb);
    line += ",\"stream_len\":" + integer(r.stream_len) + ",\"largest_len\":" + integer(r.largest_len);
    line += ",\"len_bound\":" + integer(r.len_bound) + ",\"maxlen\":" + std::to_string(r.maxlen);
    line += ",\"entries_added\":" + integer(r.entries_added) + ",\"dropped\":" + std::to_string(r.dropped);
    line += ",\"unconfirmed\":" + std::to_string(r.unconfirmed);
    line += ",\"pace_per_s\":" + (r.pace_per_s > 0 ? num(r.pace_per_s, 0) : std::string("null"));
    line += std::string(",\"ok\":") + (r.ok ? "true" : "false");
    if (!r.note.empty()) {
        line += ",\"note\":\"";
        for (char ch : r.note)
            if (ch != '"' && ch != '\\' && static_cast<unsigned char>(ch) >= 0x20) line += ch;
        line += "\"";
    }
    line += "}";
    return line;
}

}  // namespace bench
