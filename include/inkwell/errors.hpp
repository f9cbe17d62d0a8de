#pragma once
// What happens when logging itself fails. A failing write never throws into
// the caller: the sink reports it here, the record falls back to stderr, and
// the counters say how often it happened.

#include <atomic>
#include <cerrno>
#include "detail/chrono.hpp"
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <unistd.h>

#include "detail/function.hpp"
#include "version.hpp"

INKWELL_BEGIN_NAMESPACE

// connect/send: a sink that ships records to a server (sink::postgres, sink::redis).
enum class error_kind : std::uint8_t { open, write, rotate, create_directory, format, close, compress, retention, connect, send };

constexpr std::string_view error_kind_name(error_kind k) noexcept {
    switch (k) {
        case error_kind::open: return "open";
        case error_kind::write: return "write";
        case error_kind::rotate: return "rotate";
        case error_kind::create_directory: return "create directory";
        case error_kind::format: return "format";
        case error_kind::close: return "close";
        case error_kind::compress: return "compress";
        case error_kind::retention: return "retention";
        case error_kind::connect: return "connect";
        case error_kind::send: return "send";
    }
    return "error";
}

struct error_event {
    error_kind kind;
    int system_error = 0;        // errno, 0 when not a system call
    std::string_view path{};     // the file concerned, if any
    std::string_view detail{};   // a short explanation
};

using error_handler = detail::shared_function<void(const error_event&)>;

// A snapshot of a logger's counters.
struct logger_stats {
    std::uint64_t records = 0;           // lines that reached the kernel (a record teed to two files counts twice)
    std::uint64_t errors = 0;            // failures reported to the error handler
    std::uint64_t fallback_records = 0;  // records written to stderr instead of their file
    std::uint64_t dropped = 0;           // records lost (counted, never silent)
    // With a dedup policy (dedup/time_window.hpp): repeats left out, and the
    // "repeated N times" records written for them (counted in `records` too).
    std::uint64_t deduplicated = 0;
    std::uint64_t summaries = 0;
};

namespace detail {

inline void write_stderr(std::string_view text) noexcept {
    while (!text.empty()) {
        auto n = ::write(STDERR_FILENO, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The default handler: one line on stderr, at most one a second; the lines
// held back are counted in the next one.
class rate_limited_stderr {
public:
    void operator()(const error_event& e) noexcept {
        using namespace std::chrono;
        auto now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
        auto last = last_ms_.load(std::memory_order_relaxed);
        if (last != 0 && now - last < 1000) {
            suppressed_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (!last_ms_.compare_exchange_strong(last, now == 0 ? 1 : now, std::memory_order_relaxed)) {
            suppressed_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        char line[512];
        std::size_t used = 0;
        auto put = [&](std::string_view s) {
            for (char c : s) {
                if (used + 2 >= sizeof line) break;
                line[used++] = (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
            }
        };
        put("inkwell: ");
        put(error_kind_name(e.kind));
        put(" failed");
        if (!e.path.empty()) {
            put(" for ");
            put(e.path);
        }
        if (e.system_error != 0) {
            put(": ");
            char buf[128];
            put(errno_text(e.system_error, buf, sizeof buf));
        }
        if (!e.detail.empty()) {
            put(" (");
            put(e.detail);
            put(")");
        }
        if (auto n = suppressed_.exchange(0, std::memory_order_relaxed); n != 0) {
            char count[48];
            auto len = std::snprintf(count, sizeof count, " [%llu similar errors not shown]",
                                     static_cast<unsigned long long>(n));
            if (len > 0) put(std::string_view{count, static_cast<std::size_t>(len)});
        }
        line[used++] = '\n';
        write_stderr({line, used});
    }

private:
    // strerror_r comes in two flavours; this picks whichever the libc gives.
    static const char* pick(int, const char* buf) noexcept { return buf; }
    static const char* pick(const char* msg, const char*) noexcept { return msg; }
    static std::string_view errno_text(int err, char* buf, std::size_t size) noexcept {
        buf[0] = '\0';
        return pick(::strerror_r(err, buf, size), buf);
    }

    std::atomic<std::int64_t> last_ms_{0};
    std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace detail

// Owned by a logger and handed to its sinks: the error handler, the stderr
// fallback and the counters behind logger_stats.
class error_reporter {
public:
    error_reporter() = default;
    explicit error_reporter(error_handler handler) : handler_(std::move(handler)) {}

    void set_handler(error_handler handler) { handler_ = std::move(handler); }

    // A sink calls this for every failure; it never throws.
    void report(const error_event& e) noexcept {
        errors_.fetch_add(1, std::memory_order_relaxed);
        if (handler_) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
            try {
                handler_(e);
            } catch (...) {
                default_(e);
            }
#else
            handler_(e);
#endif
        } else {
            default_(e);
        }
    }

    // The record could not reach its file: write the line to stderr instead.
    void fallback(std::string_view line) noexcept {
        fallback_records_.fetch_add(1, std::memory_order_relaxed);
        detail::write_stderr(line);
    }

    void count_written(std::uint64_t n = 1) noexcept { records_.fetch_add(n, std::memory_order_relaxed); }
    void count_dropped(std::uint64_t n = 1) noexcept { dropped_.fetch_add(n, std::memory_order_relaxed); }

    logger_stats stats() const noexcept {
        return {records_.load(std::memory_order_relaxed), errors_.load(std::memory_order_relaxed),
                fallback_records_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed)};
    }

private:
    error_handler handler_;
    detail::rate_limited_stderr default_;
    std::atomic<std::uint64_t> records_{0}, errors_{0}, fallback_records_{0}, dropped_{0};
};

INKWELL_END_NAMESPACE
