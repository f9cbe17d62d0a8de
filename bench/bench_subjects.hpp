#pragma once
// What inkwell_bench measures: one logging set-up of one library, built in a
// folder, with the same message and arguments for every library.
//
// A subject offers
//   Subject(const subject_spec&, const std::string& dir)  loggers writing below dir
//   void log(int i, double d, const std::string& s)      the measured statement (info)
//   void log_debug(...)                                   the same at debug: filtered at run time
//   void log_debug_compiled_out(...)                      the same, compiled out
//   void settle()      everything logged so far has reached the kernel; the loggers stay usable
//   void finish()      the same, as the end of a timed run (may tear the loggers down)
//   std::string problems()  what the library itself counted as lost or failed, or ""

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <inkwell/inkwell.hpp>
#if __has_include(<inkwell/buffer/async.hpp>)
#include <inkwell/buffer/async.hpp>
#define INKWELL_BENCH_HAS_ASYNC 1
#else
#define INKWELL_BENCH_HAS_ASYNC 0
#endif

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"

// The one message every library logs, with an int, a double and a short string.
#define INKWELL_BENCH_MESSAGE "Logging int: {}, double: {}, str: {}"

namespace bench {

enum class library { spdlog, inkwell };
// async_spin: the async buffer with a writer that never sleeps
// (buffer::idle::spin), measured in the latency cases only.
enum class mode { sync, batched, async, async_spin };
// text: one file, text lines; jsonl: one file, JSON lines; categories: 64
// JSONL files; categories1000: 1,000 JSONL files (more than the descriptors
// a process under `ulimit -n 64` may hold).
enum class workload { text, jsonl, categories, categories1000 };

inline constexpr int category_count = 64;  // a power of two: the category is i & (count - 1)
inline constexpr int many_category_count = 1000;  // record i goes to category i % 1000

struct subject_spec {
    mode buffering = mode::sync;
    workload layout = workload::text;
    int threads = 1;
};

inline std::string category_name(int k) {
    char name[16];
    std::snprintf(name, sizeof name, k < 100 ? "cat%02d" : "cat%d", k);
    return name;
}

// ---------------------------------------------------------------------------
// spdlog: basic_file_sink (_st for one thread, _mt otherwise), synchronous or
// through async_logger on its own thread pool (queue 8192, one worker, block).
// The patterns give the same lines as inkwell's text and jsonl formatters;
// spdlog does not escape the message inside its JSON (inkwell does).

class spdlog_subject {
public:
    static constexpr std::size_t queue_items = 8192;  // spdlog's default async queue
    static constexpr const char* text_pattern = "[%Y-%m-%d %H:%M:%S,%e] [%l] [%n] %v";
    static constexpr const char* jsonl_pattern =
        "{\"level\":\"%l\",\"message\":\"%v\",\"category\":\"%n\",\"timestamp\":\"%Y-%m-%dT%H:%M:%S.%eZ\","
        "\"source\":\"%s:%#\",\"sessionId\":\"6f1c2a9e-3b7d-4c55-9a0e-2d8f4b1c7e63\",\"metadata\":{}}";

    spdlog_subject(const subject_spec& spec, const std::string& dir) : dir_(dir) {
        if (spec.buffering == mode::async)
            pool_ = std::make_shared<spdlog::details::thread_pool>(queue_items, std::size_t{1});
        // 1,000 categories are never asked of spdlog (one open file per logger
        // cannot fit under the descriptor limit that case sets).
        const bool many = spec.layout == workload::categories;
        const int count = many ? category_count : 1;
        mask_ = many ? category_count - 1 : 0;
        for (int k = 0; k < count; ++k) {
            const std::string name = many ? category_name(k) : "general";
            const std::string path = dir + "/" + name + (spec.layout == workload::text ? ".log" : ".jsonl");
            spdlog::sink_ptr sink;
            if (spec.buffering == mode::sync && spec.threads == 1)
                sink = std::make_shared<spdlog::sinks::basic_file_sink_st>(path, true);
            else
                sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
            std::shared_ptr<spdlog::logger> logger;
            if (pool_)
                logger = std::make_shared<spdlog::async_logger>(name, std::move(sink), pool_,
                                                                spdlog::async_overflow_policy::block);
            else
                logger = std::make_shared<spdlog::logger>(name, std::move(sink));
            if (spec.layout == workload::text)
                logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(text_pattern));
            else
                logger->set_formatter(
                    std::make_unique<spdlog::pattern_formatter>(jsonl_pattern, spdlog::pattern_time_type::utc));
            logger->set_level(spdlog::level::info);
            raw_.push_back(logger.get());
            loggers_.push_back(std::move(logger));
        }
    }

    ~spdlog_subject() {
        loggers_.clear();
        raw_.clear();
        pool_.reset();  // drains the queue and joins the worker
    }
    spdlog_subject(const spdlog_subject&) = delete;
    spdlog_subject& operator=(const spdlog_subject&) = delete;

    void log(int i, double d, const std::string& s) {
        raw_[static_cast<std::size_t>(i & mask_)]->log(spdlog::source_loc{__FILE__, __LINE__, SPDLOG_FUNCTION},
                                                       spdlog::level::info, INKWELL_BENCH_MESSAGE, i, d, s);
    }
    void log_debug(int i, double d, const std::string& s) { raw_[0]->debug(INKWELL_BENCH_MESSAGE, i, d, s); }
    void log_debug_compiled_out([[maybe_unused]] int i, [[maybe_unused]] double d,
                                [[maybe_unused]] const std::string& s) {
        SPDLOG_LOGGER_DEBUG(raw_[0], INKWELL_BENCH_MESSAGE, i, d, s);  // SPDLOG_ACTIVE_LEVEL is info
    }

    void settle() {
        for (auto* l : raw_) l->flush();
        if (!pool_) return;
        // An async flush is only queued: wait for the queue to empty, then for
        // the files to stop growing (the worker may still hold the last few).
        while (pool_->queue_size() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::uint64_t before = bytes_below(dir_);
        for (int stable = 0; stable < 3;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            const std::uint64_t now = bytes_below(dir_);
            stable = now == before ? stable + 1 : 0;
            before = now;
        }
    }

    void finish() {
        for (auto* l : raw_) l->flush();
        // The only way to know an async logger has written everything: its
        // pool drains the queue (the flush above included) and joins.
        pool_.reset();
    }

    std::string problems() const {
        if (pool_ && pool_->overrun_counter() > 0)
            return "spdlog overruns: " + std::to_string(pool_->overrun_counter());
        return {};
    }

private:
    std::string dir_;
    std::shared_ptr<spdlog::details::thread_pool> pool_;
    std::vector<std::shared_ptr<spdlog::logger>> loggers_;
    std::vector<spdlog::logger*> raw_;
    int mask_ = 0;
};

// ---------------------------------------------------------------------------
// inkwell: one logger of the given config. Text and JSONL go to one
// sink::file; the 64 categories to sink::category_files, the category chosen
// at run time by the caller (a call_site per category, as spdlog picks one
// of 64 loggers). Categories: how many categories the records cycle over
// (record i goes to category i % Categories), 0 for one file.

template <class Buffer, class Formatter, class Sink, inkwell::level MinLevel = inkwell::level::trace>
struct bench_config : inkwell::default_config {
    using buffer = Buffer;
    using formatter = Formatter;
    using sink = Sink;
    using classifier = inkwell::classify::fixed<"general">;
    static constexpr inkwell::level min_level = MinLevel;
    static constexpr inkwell::level default_level = inkwell::level::info;
};

template <class Config, int Categories>
class inkwell_subject {
public:
    using logger_type = inkwell::basic_logger<Config>;

    inkwell_subject(const subject_spec&, const std::string& dir)
        : log_(inkwell::logger_options{.name = "general",
                                       .directory = dir,
                                       .base_name = "general",
                                       .initial_level = inkwell::level::info,
                                       .read_environment = false,
                                       .on_error = {}}) {
        for (int k = 0; k < Categories; ++k) {
            names_[static_cast<std::size_t>(k)] = category_name(k);
            sites_[static_cast<std::size_t>(k)] =
                inkwell::call_site{inkwell::level::info, INKWELL_BENCH_MESSAGE,
                                   inkwell::source_location{__FILE__, __builtin_FUNCTION(), __LINE__},
                                   names_[static_cast<std::size_t>(k)]};
        }
    }

    void log(int i, double d, const std::string& s) {
        if constexpr (Categories > 0) {
            // i is never negative; % of a constant: an AND for 64, a multiply for 1,000.
            if (log_.should_log(inkwell::level::info))
                log_.log(sites_[static_cast<unsigned>(i) % static_cast<unsigned>(Categories)], INKWELL_BENCH_MESSAGE, i,
                         d, s);
        } else {
            INKWELL_INFO(log_, INKWELL_BENCH_MESSAGE, i, d, s);
        }
    }
    void log_debug([[maybe_unused]] int i, [[maybe_unused]] double d, [[maybe_unused]] const std::string& s) {
        INKWELL_DEBUG(log_, INKWELL_BENCH_MESSAGE, i, d, s);
    }
    // Compiled out only when the config's min_level is above debug.
    void log_debug_compiled_out(int i, double d, const std::string& s) { log_debug(i, d, s); }

    void settle() { log_.flush(); }
    void finish() { log_.flush(); }

    inkwell::logger_stats stats() const { return log_.stats(); }

    std::string problems() const {
        const inkwell::logger_stats st = log_.stats();
        std::string out;
        if (st.dropped) out += "inkwell dropped: " + std::to_string(st.dropped) + " ";
        if (st.errors) out += "inkwell errors: " + std::to_string(st.errors) + " ";
        if (st.fallback_records) out += "inkwell stderr fallback: " + std::to_string(st.fallback_records) + " ";
        if (!out.empty()) out.pop_back();
        return out;
    }

private:
    // Before the logger: an asynchronous logger may still read a call site while it drains.
    static constexpr std::size_t slots = Categories > 0 ? static_cast<std::size_t>(Categories) : 1;
    std::array<std::string, slots> names_{};
    std::array<inkwell::call_site, slots> sites_{};
    logger_type log_;
};

template <class Buffer>
using inkwell_text = inkwell_subject<bench_config<Buffer, inkwell::format::text, inkwell::sink::file>, 0>;
template <class Buffer>
using inkwell_jsonl = inkwell_subject<bench_config<Buffer, inkwell::format::jsonl, inkwell::sink::file>, 0>;
template <class Buffer>
using inkwell_categories =
    inkwell_subject<bench_config<Buffer, inkwell::format::jsonl, inkwell::sink::category_files<".jsonl">>,
                    category_count>;
template <class Buffer>
using inkwell_many_categories =
    inkwell_subject<bench_config<Buffer, inkwell::format::jsonl, inkwell::sink::category_files<".jsonl">>,
                    many_category_count>;
// min_level info: INKWELL_DEBUG emits no code at all.
template <class Buffer>
using inkwell_text_info_only = inkwell_subject<
    bench_config<Buffer, inkwell::format::text, inkwell::sink::file, inkwell::level::info>, 0>;

// ---------------------------------------------------------------------------
// issue 5's service: presets::session_file as it is (async, dedup, entry ids,
// the ring and the live sink), with one live subscriber that takes
// `subscriber_sleep` per entry (a dashboard that cannot keep up). The
// measured statement is the same info statement as every other subject's.

class session_subject {
public:
    static constexpr auto subscriber_sleep = std::chrono::milliseconds(10);

    session_subject(const subject_spec&, const std::string& dir)
        : log_(inkwell::logger_options{.name = "app.services.bench",
                                       .directory = dir,
                                       .initial_level = inkwell::level::info,
                                       .read_environment = false}) {
        // Found once: the pointers are good for the logger's lifetime.
        live_ = log_.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
        ring_ = log_.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<1000>>(s); });
        // What the subscriber is offered starts now: "session started" went before it.
        written_before_subscribing_ = ring_->total();
        subscription_ = live_->subscribe([](const inkwell::record&, std::string_view) {
            std::this_thread::sleep_for(subscriber_sleep);
        });
    }

    void log(int i, double d, const std::string& s) { INKWELL_INFO(log_, INKWELL_BENCH_MESSAGE, i, d, s); }
    void settle() { log_.flush(); }
    void finish() { log_.flush(); }
    inkwell::logger_stats stats() const { return log_.stats(); }

    // Every record the logger wrote went to each sink of its tee: the ring's
    // count of records written since the subscription began is what the live
    // sink offered the subscriber (it takes every level).
    std::uint64_t offered() const { return ring_->total() - written_before_subscribing_; }
    // Ends the subscription (after the entry in hand; what is queued is
    // dropped and counted): its counters are final from here on.
    void end_subscription() { subscription_.unsubscribe(); }
    std::uint64_t delivered() const { return subscription_.delivered(); }
    std::uint64_t subscriber_dropped() const { return subscription_.dropped(); }

    std::string problems() const {
        const inkwell::logger_stats st = log_.stats();
        std::string out;
        if (st.errors) out += "inkwell errors: " + std::to_string(st.errors) + " ";
        if (st.fallback_records) out += "inkwell stderr fallback: " + std::to_string(st.fallback_records) + " ";
        if (!out.empty()) out.pop_back();
        return out;
    }

private:
    inkwell::presets::session_file log_;
    inkwell::sink::live* live_ = nullptr;
    inkwell::sink::recent<1000>* ring_ = nullptr;
    std::uint64_t written_before_subscribing_ = 0;
    inkwell::sink::subscription subscription_;
};

}  // namespace bench
