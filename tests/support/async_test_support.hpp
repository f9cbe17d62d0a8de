#pragma once
// Helpers the async-buffer tests share: stress sizes scaled by
// INKWELL_STRESS_SCALE, a watchdog that turns a hang into a failure, a
// message-only formatter, and a file sink whose writer can be held.

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "inkwell_under_test.hpp"

// 1 in the ThreadSanitizer build: its instrumentation changes what the
// process costs (CPU time, page faults of its shadow memory).
#if defined(__SANITIZE_THREAD__)
#define ASYNC_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASYNC_TEST_UNDER_TSAN 1
#endif
#endif
#ifndef ASYNC_TEST_UNDER_TSAN
#define ASYNC_TEST_UNDER_TSAN 0
#endif

namespace async_test_support {

// INKWELL_STRESS_SCALE (default 1) scales record and thread counts; the
// ThreadSanitizer build (tests/tsan.cmake) runs with a small scale.
inline double stress_scale() {
    const char* text = std::getenv("INKWELL_STRESS_SCALE");
    if (!text || !*text) return 1.0;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    return (end != text && value > 0) ? value : 1.0;
}

inline std::size_t scaled(std::size_t count) {
    const auto n = static_cast<std::size_t>(static_cast<double>(count) * stress_scale());
    return n < 1 ? 1 : n;
}

// A hang is a failure too: it must end the test program, not stall ctest.
class watchdog {
public:
    watchdog(std::chrono::seconds limit, const char* what)
        : thread_([this, limit, what] {
              std::unique_lock lock(mutex_);
              if (!done_changed_.wait_for(lock, limit, [this] { return done_; })) {
                  std::fprintf(stderr, "watchdog: %s did not finish within %lld s\n", what,
                               static_cast<long long>(limit.count()));
                  std::abort();
              }
          }) {}
    ~watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        done_changed_.notify_all();
        thread_.join();
    }
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable done_changed_;
    bool done_ = false;
    std::thread thread_;
};

// The lines of a file's content, without their '\n' (a last line without one too).
inline std::vector<std::string_view> lines_of(const std::string& content) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    while (begin < content.size()) {
        auto end = content.find('\n', begin);
        if (end == std::string::npos) end = content.size();
        out.push_back(std::string_view(content).substr(begin, end - begin));
        begin = end + 1;
    }
    return out;
}

// "<thread> <index>": the text the stress tests log, read back.
inline std::optional<std::pair<std::size_t, std::size_t>> parse_pair(std::string_view text) {
    std::size_t t = 0, i = 0;
    const char* end = text.data() + text.size();
    auto r1 = std::from_chars(text.data(), end, t);
    if (r1.ec != std::errc{} || r1.ptr == end || *r1.ptr != ' ') return std::nullopt;
    auto r2 = std::from_chars(r1.ptr + 1, end, i);
    if (r2.ec != std::errc{} || r2.ptr != end) return std::nullopt;
    return std::pair{t, i};
}

// The message alone: short lines, so millions of records stay a small file.
struct message_line {
    void format(const inkwell::record& r, inkwell::detail::line_buffer& out) const {
        inkwell::detail::append(out, r.message);
        out.push_back('\n');
    }
};

// A file sink whose writer can be held inside write(): what the queue does
// while its writer cannot keep up becomes deterministic.
inline std::atomic<bool> hold_writer{false};
inline std::atomic<int> writers_held{0};

class holdable_file {
public:
    explicit holdable_file(const inkwell::sink_context& context) : file_(context) {}
    void write(const inkwell::record& r, std::string_view line) {
        if (hold_writer.load()) {
            writers_held.fetch_add(1);
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{120};  // never a hang
            while (hold_writer.load() && std::chrono::steady_clock::now() < give_up)
                std::this_thread::sleep_for(std::chrono::milliseconds{1});
            writers_held.fetch_sub(1);
        }
        file_.write(r, line);
    }
    void flush() { file_.flush(); }

private:
    inkwell::sink::file file_;
};

}  // namespace async_test_support
