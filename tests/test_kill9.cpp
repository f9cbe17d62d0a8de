#define BOOST_TEST_MODULE kill9
// The loss bound under kill -9 (issue 7 point 4). Each run forks a child that
// logs records of random sizes (mostly small, every 16th up to 64 KiB, so
// that writes span many pages) through an async logger, calls flush() at
// random points and then acknowledges, through a pipe, the sequence number
// of the last record logged before that flush. The parent SIGKILLs it at a
// random moment (0-12 ms in), then checks the file:
//  - every acknowledged record is there, in order, each line whole and exact;
//  - at most the last line is incomplete (a write cut by the kill);
//  - a new logger on the same file (a restart) writes on a fresh line: the
//    torn tail is completed or cut, never continued.
// INKWELL_KILL9_RUNS overrides the number of runs (default 300).
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

struct async_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = inkwell::format::jsonl;
    using buffer = inkwell::buffer::async<>;
    static constexpr inkwell::level default_level = inkwell::level::trace;
};
struct restart_config : async_config {
    using buffer = inkwell::buffer::immediate;
};

inkwell::logger_options options_for(const fs::path& dir) {
    inkwell::logger_options lo;
    lo.directory = dir.string();
    lo.read_environment = false;
    return lo;
}

// The same sequence in the child and the parent: each record's size, and
// whether the child flushes and acknowledges after it.
struct plan {
    explicit plan(unsigned seed) : rng(seed) {}
    std::mt19937 rng;
    std::size_t next_size(std::int64_t i) {
        const auto r = rng();
        return i % 16 == 15 ? r % (64 * 1024) : r % 512;
    }
    bool flush_after() { return rng() % 4 == 0; }
};

std::string body(std::int64_t i, std::size_t size) {
    std::string m = "r" + std::to_string(i) + " ";
    m.append(size, static_cast<char>('a' + i % 26));
    return m;
}

[[noreturn]] void child_main(const fs::path& dir, unsigned seed, int ack_fd) {
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(10);
    int rc = 0;
    try {
        inkwell::basic_logger<async_config> log(options_for(dir));
        plan p(seed);
        for (std::int64_t i = 0; i < 1'000'000; ++i) {
            log.info("{}", body(i, p.next_size(i)));
            if (p.flush_after()) {
                log.flush();
                if (::write(ack_fd, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) rc = 4;
            }
        }
    } catch (...) {
        rc = 3;
    }
    ::_exit(rc);
}

int runs_wanted() {
    if (const char* v = std::getenv("INKWELL_KILL9_RUNS")) return std::atoi(v);
    return 300;
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill9_loses_nothing_acknowledged) {
    const int runs = runs_wanted();
    temp_dir root;
    std::mt19937 timing(20261126);
    int torn_runs = 0, killed = 0;
    std::int64_t acknowledged_total = 0, lines_total = 0;
    for (int run = 0; run < runs; ++run) {
        const fs::path dir = root / ("run" + std::to_string(run));
        const unsigned seed = 1000u + static_cast<unsigned>(run);
        int fds[2];
        BOOST_TEST_REQUIRE(::pipe(fds) == 0);
        const pid_t pid = ::fork();
        BOOST_TEST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            child_main(dir, seed, fds[1]);
        }
        ::close(fds[1]);
        std::this_thread::sleep_for(std::chrono::microseconds{timing() % 12'000});
        ::kill(pid, SIGKILL);
        std::int64_t last_ack = -1, value = 0;
        std::size_t got = 0;
        for (;;) {  // the acknowledgements written before the kill
            const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&value) + got, sizeof value - got);
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
            if (got == sizeof value) {
                last_ack = value;
                got = 0;
            }
        }
        ::close(fds[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        BOOST_TEST_CONTEXT("run " << run << ", status " << status << ", last acknowledged " << last_ack) {
            BOOST_TEST(WIFSIGNALED(status));
            if (WIFSIGNALED(status)) {
                BOOST_TEST(WTERMSIG(status) == SIGKILL);
                ++killed;
            }
            acknowledged_total += last_ack + 1;
            const fs::path file = dir / "app.log";
            const std::string before = fs::exists(file) ? test_support::read_file(file) : std::string{};
            // Whole lines: each one the next record, exact.
            plan p(seed);
            std::int64_t next = 0;
            std::size_t at = 0;
            bool all_exact = true;
            while (at < before.size()) {
                const auto end = before.find('\n', at);
                if (end == std::string::npos) break;  // the incomplete last line
                const std::string_view line{before.data() + at, end - at};
                const auto j = nlohmann::json::parse(line, nullptr, false);
                const std::string expected = body(next, p.next_size(next));
                (void)p.flush_after();
                if (j.is_discarded() || !j.contains("message") || j["message"] != expected) {
                    all_exact = false;
                    break;
                }
                ++next;
                at = end + 1;
            }
            BOOST_TEST(all_exact, "line for record " << next << " is not that record");
            BOOST_TEST(next > last_ack, "acknowledged up to " << last_ack << ", on disk up to " << next - 1);
            lines_total += next;
            const bool torn = at < before.size();
            torn_runs += torn;

            // The restart: a new logger on the same file writes on a fresh line.
            {
                inkwell::basic_logger<restart_config> again(options_for(dir));
                again.info("restart {}", run);
            }
            const std::string after = test_support::read_file(file);
            BOOST_TEST_REQUIRE(after.size() > 0u);
            BOOST_TEST(after.back() == '\n');
            const auto last_start = after.rfind('\n', after.size() - 2);
            const std::size_t restart_at = last_start == std::string::npos ? 0 : last_start + 1;
            const auto j = nlohmann::json::parse(std::string_view{after}.substr(restart_at), nullptr, false);
            BOOST_TEST((!j.is_discarded() && j.value("message", "") == "restart " + std::to_string(run)),
                       "the restart's record is not a line of its own: "
                           << std::string_view{after}.substr(restart_at, 120));
            // What came before it is untouched up to the torn part.
            BOOST_TEST(after.compare(0, at, before, 0, at) == 0);
        }
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    BOOST_TEST_MESSAGE("kill -9: " << runs << " runs, " << killed << " killed, " << lines_total
                                   << " records on disk, " << acknowledged_total << " acknowledged, " << torn_runs
                                   << " runs left a torn last line");
}
