#define BOOST_TEST_MODULE exit
// exit() and return from main (issue 7 point 2): the test binary runs itself
// again as a child (`test_exit --exit-child <scenario> <folder>`), whose
// async loggers are never destroyed (leaked, or on the stack of a frame
// exit() never leaves): the queues must still reach the files. A static
// object's destructor that logs after the writer stopped must not crash,
// and its records are counted as dropped (stats().dropped) and, when the
// logger shuts down afterwards, noted in the file.
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
// A thread still logging when the process exits holds a record it had
// allocated and not yet queued: in flight by design, not a leak.
#define INKWELL_TEST_IGNORE_LEAKS_OF_THIS_THREAD() __lsan_disable()
#else
#define INKWELL_TEST_IGNORE_LEAKS_OF_THIS_THREAD() (void)0
#endif

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

constexpr int records = 20'000;
constexpr int late_records = 25;

std::string message_of(int i) { return "rec " + std::to_string(i); }

// The per-category preset (its sink holds lines between commits: the exit
// drain must reach into it), without size rotation (nothing rotates away).
struct per_category_config : inkwell::presets::jsonl_per_category_config {
    using rotation = inkwell::rotate::never;
};
using per_category_logger = inkwell::basic_logger<per_category_config>;

// ---------------------------------------------------------------- the child

// Constructed at start-up, before any logger: destroyed after exit() has
// drained and stopped the writer (atexit order is the reverse of
// registration). When given a logger, its destructor logs through it.
struct late_logger_user {
    per_category_logger* log = nullptr;
    std::string result_path;
    bool shut_down_after = false;
    ~late_logger_user() {
        if (!log) return;
        for (int i = 0; i < late_records; ++i) log->info("late {}", i);
        const auto dropped = log->stats().dropped;
        if (shut_down_after) log->shutdown();  // writes the note of what was dropped
        if (FILE* f = std::fopen(result_path.c_str(), "w")) {
            std::fprintf(f, "%llu\n", static_cast<unsigned long long>(dropped));
            std::fclose(f);
        }
    }
};
late_logger_user late_user;

inkwell::logger_options options_for(const std::string& dir) {
    inkwell::logger_options lo;
    lo.directory = dir;
    lo.read_environment = false;
    return lo;
}

[[noreturn]] void log_and_exit(const std::string& dir) {
    per_category_logger log(options_for(dir));  // exit() never runs its destructor
    for (int i = 0; i < records; ++i) log.info("{}", message_of(i));
    std::exit(0);
}

int run_child(const std::string& how, const std::string& dir) {
    if (how == "exit") log_and_exit(dir);
    // A logger never destroyed (the usual way to have one for the whole program).
    auto* log = new per_category_logger(options_for(dir));
    if (how == "return") {
        for (int i = 0; i < records; ++i) log->info("{}", message_of(i));
        return 0;  // from main
    }
    if (how == "static_destructor" || how == "static_destructor_shutdown") {
        late_user.log = log;
        late_user.result_path = dir + "/late.txt";
        late_user.shut_down_after = how == "static_destructor_shutdown";
        for (int i = 0; i < records; ++i) log->info("{}", message_of(i));
        return 0;
    }
    if (how == "threads_still_logging") {
        // Threads log on while main returns: no crash, no hang, whole lines.
        for (int t = 0; t < 3; ++t)
            std::thread([log, t] {
                INKWELL_TEST_IGNORE_LEAKS_OF_THIS_THREAD();
                for (long i = 0;; ++i) {
                    log->info("thread {} record {}", t, i);
                    if (i % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds{1});
                }
            }).detach();
        for (int i = 0; i < records; ++i) log->info("{}", message_of(i));
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
        return 0;
    }
    return 99;
}

// ---------------------------------------------------------------- the parent

int run_self(const std::string& how, const fs::path& dir) {
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string folder = dir.string();
    pid_t pid = ::fork();
    if (pid == 0) {
        const char* argv[] = {self.c_str(), "--exit-child", how.c_str(), folder.c_str(), nullptr};
        ::execv(self.c_str(), const_cast<char* const*>(argv));
        ::_exit(127);
    }
    int status = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    for (;;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return status;
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            BOOST_ERROR("the child did not end within 60 s");
            return status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
    }
}

std::multiset<std::string> logged_messages(const fs::path& dir) {
    std::multiset<std::string> out;
    for (const auto& f : test_support::files_below(dir))
        if (f.extension() == ".jsonl")
            for (const auto& j : test_support::read_jsonl(f)) out.insert(j.at("message").get<std::string>());
    return out;
}

void expect_all_records(const std::multiset<std::string>& messages) {
    int missing = 0, duplicated = 0;
    for (int i = 0; i < records; ++i) {
        const auto n = messages.count(message_of(i));
        missing += n == 0;
        duplicated += n > 1;
    }
    BOOST_TEST(missing == 0);
    BOOST_TEST(duplicated == 0);
}

void expect_clean_exit(int status) {
    BOOST_TEST(WIFEXITED(status), "status " << status);
    if (WIFEXITED(status)) BOOST_TEST(WEXITSTATUS(status) == 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(exit_drains_a_logger_whose_destructor_never_runs) {
    temp_dir dir;
    expect_clean_exit(run_self("exit", dir.path()));
    expect_all_records(logged_messages(dir.path()));
}

BOOST_AUTO_TEST_CASE(return_from_main_drains_a_leaked_logger) {
    temp_dir dir;
    expect_clean_exit(run_self("return", dir.path()));
    expect_all_records(logged_messages(dir.path()));
}

BOOST_AUTO_TEST_CASE(logging_from_a_static_destructor_is_counted) {
    temp_dir dir;
    expect_clean_exit(run_self("static_destructor", dir.path()));
    const auto messages = logged_messages(dir.path());
    expect_all_records(messages);
    for (const auto& m : messages) BOOST_TEST(m.rfind("late ", 0) != 0, "written after exit: " << m);
    const auto late = test_support::read_lines(dir / "late.txt");
    BOOST_TEST_REQUIRE(late.size() == 1u);
    BOOST_TEST(late[0] == std::to_string(late_records));
}

BOOST_AUTO_TEST_CASE(a_shutdown_after_exit_notes_what_was_dropped) {
    temp_dir dir;
    expect_clean_exit(run_self("static_destructor_shutdown", dir.path()));
    const auto messages = logged_messages(dir.path());
    expect_all_records(messages);
    const std::string note = "inkwell: " + std::to_string(late_records) +
                             " records logged after exit() began were dropped (the async writer had stopped)";
    BOOST_TEST(messages.count(note) == 1u);
    const auto late = test_support::read_lines(dir / "late.txt");
    BOOST_TEST_REQUIRE(late.size() == 1u);
    BOOST_TEST(late[0] == std::to_string(late_records));
}

BOOST_AUTO_TEST_CASE(threads_logging_through_exit) {
    for (int run = 0; run < 5; ++run) {
        temp_dir dir;
        expect_clean_exit(run_self("threads_still_logging", dir.path()));
        expect_all_records(logged_messages(dir.path()));  // every line parses, main's records all there
    }
}

int main(int argc, char* argv[]) {
    if (argc == 4 && std::string_view(argv[1]) == "--exit-child") return run_child(argv[2], argv[3]);
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
