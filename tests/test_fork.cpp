#define BOOST_TEST_MODULE fork
// fork() while other threads log (issue 7 point 3). The parent's async
// loggers are busy (three threads, plus the forking thread itself); each
// child logs through the logger it inherited and through a session_file
// logger of its own, then ends. A deadlock in a child ends it with SIGALRM
// (alarm(20)). Read back: every record is in exactly one file, exactly once
// (the parent's queued records are written by the parent only), each child
// has its own session file, and the child's writer thread wrote its records;
// a record logged in a child carries the child's thread id.
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

struct file_async_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = inkwell::format::jsonl;
    using buffer = inkwell::buffer::async<>;
    static constexpr inkwell::level default_level = inkwell::level::trace;
};
using file_logger = inkwell::basic_logger<file_async_config>;

// Hands each record to a function: the child checks the thread id it carries.
struct callback_config : inkwell::default_config {
    using sink = inkwell::sink::callback;
    static constexpr inkwell::level default_level = inkwell::level::trace;
};
using callback_logger = inkwell::basic_logger<callback_config>;

constexpr int children = 16;
constexpr int child_records = 200;
constexpr int logging_threads = 3;
constexpr long max_thread_records = 60'000;  // each logging thread; the forks happen meanwhile

inkwell::logger_options options_for(const fs::path& dir) {
    inkwell::logger_options lo;
    lo.directory = dir.string();
    lo.read_environment = false;
    return lo;
}

// In the child: only what the scenario needs, then _exit (never back into Boost.Test).
[[noreturn]] void child_main(file_logger& inherited, const fs::path& child_dir) {
    ::signal(SIGALRM, SIG_DFL);
    ::alarm(20);  // a deadlock ends the child with SIGALRM, which the parent reports
    int rc = 0;
    try {
        const long pid = static_cast<long>(::getpid());
        for (int i = 0; i < child_records; ++i) inherited.info("child {} {}", pid, i);
        inherited.flush();
        {
            inkwell::presets::session_file own(options_for(child_dir));
            for (int i = 0; i < child_records; ++i) own.info("child {} {}", pid, i);
        }  // drained by its destructor
        // The forking thread logged in the parent too: its records here carry
        // the child's thread id, not the parent's.
        std::uint32_t seen_id = 0;
        callback_logger probe(options_for(child_dir / "probe"));
        probe.with_sink([&](auto& s) {
            s.set_callback([&](const inkwell::record& r, std::string_view) { seen_id = r.thread_id; });
        });
        probe.info("which thread");
        if (seen_id != static_cast<std::uint32_t>(::syscall(SYS_gettid))) rc = 4;
    } catch (...) {
        rc = 3;
    }
    ::_exit(rc);
}

std::vector<nlohmann::json> read_all_jsonl(const fs::path& dir) {
    std::vector<nlohmann::json> out;
    for (const auto& f : test_support::files_below(dir))
        for (auto& j : test_support::read_jsonl(f)) out.push_back(std::move(j));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fork_while_threads_log) {
    temp_dir parent_dir, session_dir, child_dir;
    std::array<std::atomic<long>, logging_threads + 1> logged{};  // the last: the forking thread
    std::vector<pid_t> pids;
    {
        file_logger log(options_for(parent_dir.path()));
        inkwell::presets::session_file session(options_for(session_dir.path()));
        std::atomic<bool> stop{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < logging_threads; ++t)
            threads.emplace_back([&, t] {
                long i = 0;
                for (; !stop.load(std::memory_order_relaxed) && i < max_thread_records; ++i) {
                    log.info("thread {} {}", t, i);
                    session.info("thread {} {}", t, i);
                    // Heavy, but not so much that reading it all back dominates the test.
                    if (i % 32 == 31) std::this_thread::sleep_for(std::chrono::microseconds{200});
                }
                logged[static_cast<std::size_t>(t)] = i;
            });
        long main_records = 0;
        for (int c = 0; c < children; ++c) {
            for (int i = 0; i < 50; ++i, ++main_records) {
                log.info("main {}", main_records);
                session.info("main {}", main_records);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{2});
            const pid_t pid = ::fork();
            BOOST_TEST_REQUIRE(pid >= 0);
            if (pid == 0) child_main(log, child_dir.path());
            pids.push_back(pid);
        }
        logged[logging_threads] = main_records;
        stop = true;
        for (auto& t : threads) t.join();

        for (pid_t pid : pids) {
            int status = 0;
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{60};
            while (::waitpid(pid, &status, WNOHANG) != pid) {
                if (std::chrono::steady_clock::now() > until) {
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds{1});
            }
            BOOST_TEST(WIFEXITED(status), "child " << pid << " status " << status
                                                   << (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM
                                                           ? " (SIGALRM: deadlocked)"
                                                           : ""));
            if (WIFEXITED(status)) BOOST_TEST(WEXITSTATUS(status) == 0);
        }
    }  // both parent loggers drained

    // The parent's file: each of its records once, each child's records once.
    std::map<std::string, int> seen;
    for (const auto& j : read_all_jsonl(parent_dir.path())) ++seen[j.at("message").get<std::string>()];
    std::size_t expected = 0;
    int missing = 0, duplicated = 0;
    auto expect_once = [&](const std::string& m) {
        ++expected;
        auto it = seen.find(m);
        if (it == seen.end())
            ++missing;
        else if (it->second != 1)
            ++duplicated;
    };
    for (int t = 0; t < logging_threads; ++t)
        for (long i = 0; i < logged[static_cast<std::size_t>(t)]; ++i)
            expect_once("thread " + std::to_string(t) + " " + std::to_string(i));
    for (long i = 0; i < logged[logging_threads]; ++i) expect_once("main " + std::to_string(i));
    for (pid_t pid : pids)
        for (int i = 0; i < child_records; ++i)
            expect_once("child " + std::to_string(pid) + " " + std::to_string(i));
    BOOST_TEST(missing == 0);
    BOOST_TEST(duplicated == 0);
    BOOST_TEST(seen.size() == expected);  // nothing else
    BOOST_TEST_MESSAGE("fork: " << children << " children, " << expected << " records in the parent's file");

    // The parent's session file: its own records once, no child's.
    {
        std::map<std::string, int> s;
        for (const auto& j : read_all_jsonl(session_dir.path())) ++s[j.at("message").get<std::string>()];
        BOOST_TEST(test_support::files_below(session_dir.path()).size() == 1u);
        int bad = 0;
        for (int t = 0; t < logging_threads; ++t)
            for (long i = 0; i < logged[static_cast<std::size_t>(t)]; ++i)
                bad += s["thread " + std::to_string(t) + " " + std::to_string(i)] != 1;
        for (long i = 0; i < logged[logging_threads]; ++i) bad += s["main " + std::to_string(i)] != 1;
        BOOST_TEST(bad == 0);
        for (const auto& [m, n] : s) BOOST_TEST(m.rfind("child ", 0) != 0, "a child's record in the parent's session: " << m);
    }

    // Each child: a session file of its own holding exactly its records.
    const auto files = test_support::files_below(child_dir.path());
    BOOST_TEST(files.size() == static_cast<std::size_t>(children));
    std::set<std::string> sessions;
    for (const auto& f : files) {
        const auto lines = test_support::read_jsonl(f);
        BOOST_TEST_REQUIRE(lines.size() == static_cast<std::size_t>(child_records + 1));
        BOOST_TEST(lines[0].at("message") == "session started");
        const long pid = lines[0].at("metadata").at("pid").get<long>();
        sessions.insert(lines[0].at("sessionId").get<std::string>());
        for (int i = 0; i < child_records; ++i)
            BOOST_TEST(lines[static_cast<std::size_t>(i) + 1].at("message") ==
                       "child " + std::to_string(pid) + " " + std::to_string(i));
    }
    BOOST_TEST(sessions.size() == static_cast<std::size_t>(children));
}
