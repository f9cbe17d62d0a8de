#pragma once
// capture::spdlog_sink: an spdlog sink that forwards every message into an
// inkwell logger, for an application (or a library it uses) that logs
// through spdlog: its records land in inkwell's files next to the rest.
//
//   inkwell::presets::session_file log;
//   auto to_inkwell = std::make_shared<inkwell::capture::spdlog_sink_mt<inkwell::presets::session_file>>(log);
//   spdlog::default_logger()->sinks().push_back(to_inkwell);
//   spdlog::info("mixer ready");          // also a record in the session file
//
// What is kept: the level (spdlog's err is error, warn is warn, ...), the
// spdlog logger's name as the record's logger name (what classify::by_name
// maps to a service; an unnamed spdlog logger gets the inkwell logger's
// name), spdlog's time stamp, source location (SPDLOG_INFO and friends) and
// thread id. inkwell formats the line; spdlog's pattern is not used. The
// sink must not outlive the logger.
//
// Only for programs that have spdlog (Debian: libspdlog-dev): this header
// includes spdlog's, and <inkwell/inkwell.hpp> does not include this one.
// With the single header, include <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

#include <spdlog/details/log_msg.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>


INKWELL_BEGIN_NAMESPACE
namespace capture {

// spdlog's level as inkwell's.
constexpr level from_spdlog(spdlog::level::level_enum l) noexcept {
    switch (l) {
        case spdlog::level::trace: return level::trace;
        case spdlog::level::debug: return level::debug;
        case spdlog::level::info: return level::info;
        case spdlog::level::warn: return level::warn;
        case spdlog::level::err: return level::error;
        case spdlog::level::critical: return level::critical;
        default: return level::off;
    }
}

template <class Logger, class Mutex>
class spdlog_sink final : public spdlog::sinks::base_sink<Mutex> {
public:
    explicit spdlog_sink(Logger& log) : log_(log) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const level severity = from_spdlog(msg.level);
        if (severity == level::off) return;
        record r;
        r.severity = severity;
        r.time = std::chrono::time_point_cast<time_point::duration>(msg.time);
        r.message = std::string_view(msg.payload.data(), msg.payload.size());
        r.logger_name = std::string_view(msg.logger_name.data(), msg.logger_name.size());
        if (!msg.source.empty()) {
            r.where.file = msg.source.filename;
            r.where.function = msg.source.funcname ? msg.source.funcname : "";
            r.where.line = static_cast<std::uint32_t>(msg.source.line);
        }
        r.thread_id = static_cast<std::uint32_t>(msg.thread_id);
        log_.ingest(r);
    }
    void flush_() override { log_.flush(); }

private:
    Logger& log_;
};

template <class Logger>
using spdlog_sink_mt = spdlog_sink<Logger, std::mutex>;
// For a single-threaded program, or when the inkwell logger's own
// serialisation is enough (it is: ingest() is thread-safe).
template <class Logger>
using spdlog_sink_st = spdlog_sink<Logger, spdlog::details::null_mutex>;

}  // namespace capture
INKWELL_END_NAMESPACE
