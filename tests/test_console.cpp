#define BOOST_TEST_MODULE console
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include "test_support.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

namespace {

using inkwell::sink::colour_mode;

// Points `target` (1 or 2) at `replacement` until destroyed. Boost.Test's own
// output is flushed first and no check runs while a redirect is active, so
// test messages never end up in the captured stream.
class redirect_fd {
public:
    redirect_fd(int target, int replacement) : target_(target), saved_(::dup(target)) {
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
        if (replacement >= 0)
            ::dup2(replacement, target);
        else
            ::close(target);
    }
    ~redirect_fd() {
        ::dup2(saved_, target_);
        ::close(saved_);
    }
    redirect_fd(const redirect_fd&) = delete;
    redirect_fd& operator=(const redirect_fd&) = delete;

private:
    int target_;
    int saved_;
};

// Sets (or with nullptr unsets) an environment variable until destroyed.
class scoped_env {
public:
    scoped_env(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~scoped_env() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// A pseudo-terminal in raw mode, so the bytes read from the master side are
// exactly the bytes written to the slave side.
class pty_pair {
public:
    pty_pair() {
        if (::openpty(&master_, &slave_, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
        termios raw{};
        ::tcgetattr(slave_, &raw);
        ::cfmakeraw(&raw);
        ::tcsetattr(slave_, TCSANOW, &raw);
    }
    ~pty_pair() {
        ::close(master_);
        ::close(slave_);
    }
    pty_pair(const pty_pair&) = delete;
    pty_pair& operator=(const pty_pair&) = delete;

    int slave() const { return slave_; }

    // Everything written so far (waits briefly for it to arrive).
    std::string drain() {
        std::string out;
        char buf[4096];
        for (;;) {
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) break;
            const auto n = ::read(master_, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    int master_ = -1;
    int slave_ = -1;
};

struct captured_error {
    inkwell::error_kind kind;
    int system_error;
};

struct fixture_context {
    std::vector<captured_error> errors;
    inkwell::error_reporter reporter{[this](const inkwell::error_event& e) {
        errors.push_back({e.kind, e.system_error});
    }};
    inkwell::sink_context context = [this] {
        inkwell::sink_context c;
        c.errors = &reporter;
        return c;
    }();
};

inkwell::record make_record(inkwell::level severity, std::string_view message) {
    inkwell::record r;
    r.severity = severity;
    r.time = inkwell::time_point{std::chrono::milliseconds{1705314615123}};
    r.message = message;
    r.category = "auth";
    return r;
}

template <class Formatter = inkwell::format::text_utc>
std::string format_line(const inkwell::record& r) {
    inkwell::detail::line_buffer out;
    Formatter{}.format(r, out);
    return std::string(out.data(), out.size());
}

// The colour decision of a stdout console sink on a terminal, for one environment.
bool colours_on_a_terminal(const char* inkwell_color, const char* no_color, const char* term) {
    scoped_env a("INKWELL_COLOR", inkwell_color), b("NO_COLOR", no_color), c("TERM", term);
    pty_pair pty;
    fixture_context f;
    redirect_fd to_pty(STDOUT_FILENO, pty.slave());
    return inkwell::sink::console(f.context).colours();
}

// Writes `lines` through a stdout console sink while stdout is a file; returns the file.
template <class Sink = inkwell::sink::console>
std::string written_to_a_file(fixture_context& f, const std::vector<std::pair<inkwell::record, std::string>>& lines,
                              bool* coloured = nullptr) {
    test_support::temp_dir dir;
    const auto path = dir / "out.txt";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    BOOST_REQUIRE(fd >= 0);
    {
        redirect_fd to_file(Sink::file_descriptor, fd);
        Sink sink(f.context);
        if (coloured) *coloured = sink.colours();
        for (const auto& [r, line] : lines) sink.write(r, line);
        sink.flush();
    }
    ::close(fd);
    return test_support::read_file(path);
}

}  // namespace

BOOST_AUTO_TEST_CASE(console_sinks_satisfy_the_sink_policy) {
    static_assert(inkwell::policy::sink<inkwell::sink::console>);
    static_assert(inkwell::policy::sink<inkwell::sink::console_stderr>);
    static_assert(inkwell::sink::console::file_descriptor == 1 && inkwell::sink::console_stderr::file_descriptor == 2);
}

BOOST_AUTO_TEST_CASE(colour_decision_follows_terminal_and_environment) {
    BOOST_CHECK(colours_on_a_terminal(nullptr, nullptr, "xterm-256color"));
    BOOST_CHECK(colours_on_a_terminal(nullptr, nullptr, nullptr));     // TERM unset is not "dumb"
    BOOST_CHECK(!colours_on_a_terminal(nullptr, "1", "xterm"));        // NO_COLOR set
    BOOST_CHECK(!colours_on_a_terminal(nullptr, "0", "xterm"));        // any non-empty value counts
    BOOST_CHECK(colours_on_a_terminal(nullptr, "", "xterm"));          // empty NO_COLOR is ignored
    BOOST_CHECK(!colours_on_a_terminal(nullptr, nullptr, "dumb"));
    BOOST_CHECK(colours_on_a_terminal("always", "1", "dumb"));         // INKWELL_COLOR overrides everything
    BOOST_CHECK(!colours_on_a_terminal("never", nullptr, "xterm"));
    BOOST_CHECK(colours_on_a_terminal("auto", nullptr, "xterm"));      // anything else: the usual decision
}

BOOST_AUTO_TEST_CASE(no_colour_on_a_file_unless_forced) {
    scoped_env a("INKWELL_COLOR", nullptr), b("NO_COLOR", nullptr), c("TERM", "xterm-256color");
    fixture_context f;
    const auto r = make_record(inkwell::level::error, "disk full");
    bool coloured = true;
    const std::string plain = format_line(r);
    BOOST_CHECK_EQUAL(written_to_a_file(f, {{r, plain}}, &coloured), plain);
    BOOST_CHECK(!coloured);

    scoped_env force("INKWELL_COLOR", "always");
    BOOST_CHECK_EQUAL(written_to_a_file(f, {{r, plain}}, &coloured),
                      "\x1b[31m" + plain.substr(0, plain.size() - 1) + "\x1b[0m\n");
    BOOST_CHECK(coloured);
    BOOST_CHECK(f.errors.empty());
}

BOOST_AUTO_TEST_CASE(a_terminal_gets_each_line_in_its_level_colour) {
    scoped_env a("INKWELL_COLOR", nullptr), b("NO_COLOR", nullptr), c("TERM", "xterm-256color");
    pty_pair pty;
    fixture_context f;
    const auto warn = make_record(inkwell::level::warn, "slow query");
    const auto critical = make_record(inkwell::level::critical, "out of memory");
    std::string received;
    {
        redirect_fd to_pty(STDOUT_FILENO, pty.slave());
        inkwell::sink::console sink(f.context);
        sink.write(warn, format_line(warn));
        sink.write(critical, format_line(critical));
        sink.flush();
        received = pty.drain();
    }
    BOOST_CHECK_EQUAL(received,
                      "\x1b[33m[2024-01-15 10:30:15,123] [WARNING] [auth] slow query\x1b[0m\n"
                      "\x1b[1;37;41m[2024-01-15 10:30:15,123] [CRITICAL] [auth] out of memory\x1b[0m\n");
    BOOST_CHECK(f.errors.empty());
}

BOOST_AUTO_TEST_CASE(injected_escapes_never_reach_the_terminal_raw) {
    scoped_env a("INKWELL_COLOR", nullptr), b("NO_COLOR", nullptr), c("TERM", "xterm-256color");
    const std::string hostile = "\x1b[2J\x1b]0;owned\x07\xC2\x9B" "31m\nforged line\r";
    const auto r = make_record(inkwell::level::info, hostile);
    for (int formatter = 0; formatter < 2; ++formatter) {
        const std::string line = formatter == 0 ? format_line(r) : format_line<inkwell::format::console>(r);
        pty_pair pty;
        fixture_context f;
        std::string received;
        {
            redirect_fd to_pty(STDOUT_FILENO, pty.slave());
            inkwell::sink::console sink(f.context);
            sink.write(r, line);
            received = pty.drain();
        }
        // Exactly one colour code and one reset: the sink's (plain line) or the formatter's (console line).
        BOOST_CHECK_EQUAL(std::count(received.begin(), received.end(), '\x1b'), 2);
        BOOST_CHECK_EQUAL(std::count(received.begin(), received.end(), '\n'), 1);
        BOOST_CHECK(received.find('\r') == std::string::npos && received.find('\x07') == std::string::npos);
        BOOST_CHECK(received.find("\xC2\x9B") == std::string::npos);
        BOOST_CHECK(received.find("\\x1b[2J\\x1b]0;owned\\x07\\u009b31m\\nforged line\\r") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(pre_coloured_lines_lose_their_colour_off_a_terminal) {
    scoped_env a("INKWELL_COLOR", nullptr);
    fixture_context f;
    const auto r = make_record(inkwell::level::warn, "careful \x1b[1m");
    const std::string coloured = format_line<inkwell::format::console>(r);
    BOOST_REQUIRE(coloured.find('\x1b') != std::string::npos);
    BOOST_CHECK_EQUAL(written_to_a_file(f, {{r, coloured}}),
                      "[2024-01-15 10:30:15,123] [WARNING] [auth] careful \\x1b[1m\n");
}

BOOST_AUTO_TEST_CASE(console_stderr_writes_to_standard_error) {
    scoped_env a("INKWELL_COLOR", nullptr);
    fixture_context f;
    const auto r = make_record(inkwell::level::error, "to stderr");
    const std::string line = format_line(r);
    BOOST_CHECK_EQUAL(written_to_a_file<inkwell::sink::console_stderr>(f, {{r, line}, {r, line}}), line + line);
}

BOOST_AUTO_TEST_CASE(explicit_colour_mode_ignores_the_environment) {
    scoped_env a("INKWELL_COLOR", "never"), b("NO_COLOR", "1");
    fixture_context f;
    pty_pair pty;
    redirect_fd to_pty(STDOUT_FILENO, pty.slave());
    const bool always = inkwell::sink::console(f.context, colour_mode::always).colours();
    const bool never = inkwell::sink::console(f.context, colour_mode::never).colours();
    const bool automatic = inkwell::sink::console(f.context, colour_mode::automatic).colours();
    BOOST_CHECK(always && !never && !automatic);
}

BOOST_AUTO_TEST_CASE(a_large_line_arrives_whole_through_a_pipe) {
    scoped_env a("INKWELL_COLOR", nullptr);
    fixture_context f;
    std::string message(1 << 20, 'x');
    const auto r = make_record(inkwell::level::info, message);
    const std::string line = format_line(r);
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    std::string received;
    std::thread reader([&] {  // the pipe holds 64 KiB, so the sink must handle short writes
        char buf[65536];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) received.append(buf, static_cast<std::size_t>(n));
    });
    {
        redirect_fd to_pipe(STDOUT_FILENO, fds[1]);
        ::close(fds[1]);
        inkwell::sink::console sink(f.context);
        sink.write(r, line);
    }  // restoring stdout closes the last write end: the reader sees end of file
    reader.join();
    ::close(fds[0]);
    BOOST_CHECK(received == line);
    BOOST_CHECK(f.errors.empty());
}

BOOST_AUTO_TEST_CASE(a_closed_pipe_is_reported_instead_of_killing_the_process) {
    // `app | head`: the reader is gone. SIGPIPE's default action would end
    // this test program; the sink must report EPIPE and carry on.
    scoped_env a("INKWELL_COLOR", nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    fixture_context f;
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    const auto r = make_record(inkwell::level::info, "nobody listens");
    {
        redirect_fd to_pipe(STDOUT_FILENO, fds[1]);
        inkwell::sink::console sink(f.context);
        sink.write(r, format_line(r));
        sink.write(r, format_line(r));
    }
    ::close(fds[1]);
    BOOST_REQUIRE_EQUAL(f.errors.size(), 2u);
    BOOST_CHECK(f.errors[0].kind == inkwell::error_kind::write);
    BOOST_CHECK_EQUAL(f.errors[0].system_error, EPIPE);
    // No SIGPIPE left pending or blocked behind us.
    sigset_t pending, mask;
    ::sigpending(&pending);
    ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    BOOST_CHECK(!sigismember(&pending, SIGPIPE));
    BOOST_CHECK(!sigismember(&mask, SIGPIPE));
    BOOST_CHECK_EQUAL(f.reporter.stats().errors, 2u);
}

BOOST_AUTO_TEST_CASE(a_closed_descriptor_is_reported) {
    scoped_env a("INKWELL_COLOR", nullptr);
    fixture_context f;
    const auto r = make_record(inkwell::level::info, "into the void");
    {
        redirect_fd closed(STDOUT_FILENO, -1);
        inkwell::sink::console sink(f.context);
        sink.write(r, format_line(r));
    }
    BOOST_REQUIRE_EQUAL(f.errors.size(), 1u);
    BOOST_CHECK_EQUAL(f.errors[0].system_error, EBADF);
}
