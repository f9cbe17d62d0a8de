#pragma once
// capture::stream_capture: what a program writes to a std::ostream
// (std::clog, std::cerr, any stream) becomes records of a logger, one per
// line, for an application whose older code still prints its diagnostics:
//
//   inkwell::presets::session_file log;
//   inkwell::capture::stream_capture cerr_lines(std::cerr, log, inkwell::level::error);
//   std::cerr << "mixer: buffer underrun\n";   // an error record in the session file
//
// While the capture lives, the stream writes into it; its destructor logs
// a last unfinished line and gives the stream its own buffer back. The
// capture must not outlive the logger. Each thread's unfinished line is kept
// apart, so `std::cerr << "a" << 1 << '\n'` from two threads gives two whole
// records, never a mix. A line longer than max_line is logged in pieces of
// max_line bytes. A trailing '\r' is dropped; other bytes go to the logger's
// formatter, which escapes control characters and repairs invalid UTF-8.
//
// Not part of <inkwell/inkwell.hpp>: it includes <ostream>, which a file that
// only logs should not pay for.
// With the single header, include <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

INKWELL_BEGIN_NAMESPACE
namespace capture {

template <class Logger>
class stream_capture final : public std::streambuf {
public:
    static constexpr std::size_t max_line = 64 * 1024;

    // `source` names the records' origin (their logger name: what
    // classify::by_name maps to a service); empty: the logger's own name.
    stream_capture(std::ostream& stream, Logger& log, level severity, std::string source = {})
        : stream_(stream), log_(log), severity_(severity), source_(std::move(source)) {
        previous_ = stream_.rdbuf(this);
    }
    ~stream_capture() override {
        stream_.rdbuf(previous_);
        std::vector<thread_line> rest;
        {
            std::lock_guard lock(mutex_);
            rest.swap(partial_);
        }
        for (auto& p : rest)
            if (!p.text.empty()) emit(p.text);
    }
    stream_capture(const stream_capture&) = delete;
    stream_capture& operator=(const stream_capture&) = delete;

protected:
    // No put area: every character comes here or to xsputn, so that each
    // thread's text can be kept apart.
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        take({&ch, 1});
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        if (n > 0) take({s, static_cast<std::size_t>(n)});
        return n;
    }

private:
    struct thread_line {
        std::thread::id thread;
        std::string text;
    };

    void take(std::string_view text) {
        if (emitting()) {  // the logger, or its error handler, wrote to this stream: no loop
            if (previous_) previous_->sputn(text.data(), static_cast<std::streamsize>(text.size()));
            return;
        }
        std::vector<std::string> finished;
        {
            std::lock_guard lock(mutex_);
            std::string& line = line_of_this_thread();
            while (!text.empty()) {
                const std::size_t end = text.find('\n');
                const std::size_t room = max_line - line.size();
                if (end == std::string_view::npos && text.size() < room) {
                    line.append(text);
                    break;
                }
                const std::size_t part = end == std::string_view::npos ? room : std::min(end, room);
                line.append(text.substr(0, part));
                text.remove_prefix(part);
                if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
                finished.push_back(std::move(line));
                line.clear();
            }
        }
        // Outside the lock: the logger may block (a full queue) or report an
        // error, and other threads keep writing meanwhile. This thread's lines
        // stay in order: only this thread logs them.
        for (const auto& l : finished) emit(l);
    }

    static bool& emitting() noexcept {
        static thread_local bool flag = false;
        return flag;
    }

    std::string& line_of_this_thread() {
        const auto id = std::this_thread::get_id();
        for (auto& p : partial_)
            if (p.thread == id) return p.text;
        // A slot of a thread with nothing pending is taken over: threads that
        // come and go do not make the list grow.
        for (auto& p : partial_)
            if (p.text.empty()) {
                p.thread = id;
                return p.text;
            }
        partial_.push_back({id, {}});
        return partial_.back().text;
    }

    void emit(std::string_view line) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        record r;
        r.severity = severity_;
        r.message = line;
        r.logger_name = source_;
        emitting() = true;
        log_.ingest(r);
        emitting() = false;
    }

    std::ostream& stream_;
    Logger& log_;
    const level severity_;
    const std::string source_;
    std::streambuf* previous_ = nullptr;
    std::mutex mutex_;  // partial_
    std::vector<thread_line> partial_;
};

}  // namespace capture
INKWELL_END_NAMESPACE
