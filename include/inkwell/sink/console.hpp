#pragma once
// Console sinks: sink::console writes to standard output, sink::console_stderr
// to standard error.
//
// Colour is decided once, when the sink is made: on when the stream is a
// terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is not
// "dumb"; INKWELL_COLOR=always or INKWELL_COLOR=never overrides all three.
// A colouring sink wraps each plain line in its level's colour. A line that
// already carries colour (format::console) is passed on as it is when
// colouring, and stripped of it when not, so no escape reaches a file or pipe.
//
// Each line goes out in one write(2) (retried on EINTR and short writes).
// A closed pipe (`app | head`) is reported as an error instead of killing the
// process with SIGPIPE. Failures go to the error reporter; there is no
// fallback for the console itself. The sink keeps no mutable state; the
// logger serialises calls to write().

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <string_view>

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../detail/ansi.hpp"
#include "../detail/line_buffer.hpp"
#include "../detail/system.hpp"
#include "../errors.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// The automatic colour decision for a file descriptor, from the environment.
inline bool console_should_colour(int fd) noexcept {
    const std::string_view forced = env("INKWELL_COLOR");
    if (forced == "always") return true;
    if (forced == "never") return false;
    if (!env("NO_COLOR").empty()) return false;
    if (env("TERM") == "dumb") return false;
    return ::isatty(fd) == 1;
}

// Pipes and sockets are where a vanished reader raises SIGPIPE.
inline bool may_raise_sigpipe(int fd) noexcept {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return false;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

// Writes all of `data`; returns 0 or the errno that stopped it. A
// non-blocking descriptor that stays full for a second counts as failed,
// so a stuck reader never hangs the program.
inline int write_fully(int fd, std::string_view data) noexcept {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return EIO;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd wait_for{fd, POLLOUT, 0};
            const int ready = ::poll(&wait_for, 1, 1000);
            if (ready > 0 || (ready < 0 && errno == EINTR)) continue;
            return EAGAIN;
        }
        return errno;
    }
    return 0;
}

// write_fully with SIGPIPE blocked for this thread; a SIGPIPE this write
// raised is consumed, one that was already pending is left alone.
inline int write_fully_without_sigpipe(int fd, std::string_view data) noexcept {
    sigset_t sigpipe_only, previous;
    sigemptyset(&sigpipe_only);
    sigaddset(&sigpipe_only, SIGPIPE);
    if (::pthread_sigmask(SIG_BLOCK, &sigpipe_only, &previous) != 0) return write_fully(fd, data);
    sigset_t pending;
    sigemptyset(&pending);
    const bool was_pending = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    const int error = write_fully(fd, data);
    if (error == EPIPE && !was_pending) {
        const timespec no_wait{};
        while (::sigtimedwait(&sigpipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return error;
}

}  // namespace detail

namespace sink {

// How a console sink decides on colour: from the terminal and environment
// (automatic), or fixed in code.
enum class colour_mode : std::uint8_t { automatic, always, never };

template <int Fd>
class basic_console {
public:
    explicit basic_console(const sink_context& context) : basic_console(context, colour_mode::automatic) {}

    // `mode` always/never fixes the decision in code, ignoring the environment.
    basic_console(const sink_context& context, colour_mode mode)
        : errors_(context.errors),
          colour_(mode == colour_mode::automatic ? detail::console_should_colour(Fd) : mode == colour_mode::always),
          guard_sigpipe_(detail::may_raise_sigpipe(Fd)) {}

    void write(const record& r, std::string_view line) {
        const bool pre_coloured = line.find('\x1b') != std::string_view::npos;
        if (colour_ == pre_coloured) {
            emit(line);
            return;
        }
        detail::line_buffer buffer;
        if (pre_coloured) {
            detail::ansi::append_without_sgr(buffer, line);
        } else {
            const std::string_view colour = detail::ansi::colour_for(r.severity);
            if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
            detail::append(buffer, colour);
            detail::append(buffer, line);
            if (!colour.empty()) detail::append(buffer, detail::ansi::reset);
            buffer.push_back('\n');
        }
        emit(detail::view(buffer));
    }

    // Nothing is held back: every line was written when it came.
    void flush() noexcept {}

    bool colours() const noexcept { return colour_; }
    static constexpr int file_descriptor = Fd;

private:
    void emit(std::string_view text) noexcept {
        const int error =
            guard_sigpipe_ ? detail::write_fully_without_sigpipe(Fd, text) : detail::write_fully(Fd, text);
        if (error != 0 && errors_ != nullptr)
            errors_->report(error_event{error_kind::write, error, Fd == STDERR_FILENO ? "<stderr>" : "<stdout>",
                                        "console write failed"});
    }

    error_reporter* errors_;
    bool colour_;
    bool guard_sigpipe_;
};

using console = basic_console<STDOUT_FILENO>;
using console_stderr = basic_console<STDERR_FILENO>;

static_assert(policy::sink<console> && policy::sink<console_stderr>);

}  // namespace sink
INKWELL_END_NAMESPACE
