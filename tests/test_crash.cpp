#define BOOST_TEST_MODULE crash
// The crash handler (issue 7 point 1): the test binary runs itself again as a
// child (`test_crash --crash-child <scenario> <folder>`), which logs through
// an async preset and then crashes for real (a null write, abort(),
// std::terminate, a division by zero, a truncated mapping, an illegal
// instruction, raise()). The parent checks that the child died of that
// signal (WIFSIGNALED, WTERMSIG; the core dump where one can be made) and
// that every record logged before the crash is in the files, and that a
// handler installed before inkwell's was still called, after the drain.
#define BOOST_TEST_NO_MAIN
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include <inkwell/crash.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

constexpr int records_per_thread = 20'000;

// One file, JSONL, async: the file the chained handlers look at.
struct file_async_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = inkwell::format::jsonl;
    using buffer = inkwell::buffer::async<>;
    static constexpr inkwell::level default_level = inkwell::level::trace;
};

// ---------------------------------------------------------------- the child

[[gnu::noinline]] volatile int* null_pointer() {
    static volatile int* volatile p = nullptr;
    return p;
}
[[gnu::noinline]] void throw_something() { throw std::runtime_error("escaped a noexcept function"); }
[[gnu::noinline]] void call_noexcept() noexcept { throw_something(); }

// A real SIGBUS: touching a mapped page past the end of its (truncated) file.
[[gnu::noinline]] void bus_error(const std::string& dir) {
    const std::string path = dir + "/bus";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ::ftruncate(fd, 4096) != 0) std::_Exit(90);
    void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED || ::ftruncate(fd, 0) != 0) std::_Exit(91);
    static_cast<volatile char*>(p)[0] = 1;
}

int chain_fd = -1;             // where the chained handlers write
const char* chain_path = "";   // the log file they stat
void note_chain(const char* who) {
    struct stat st {};
    char line[96];
    const long size = ::stat(chain_path, &st) == 0 ? static_cast<long>(st.st_size) : -1L;
    const int n = std::snprintf(line, sizeof line, "%s %ld\n", who, size);  // only digits and text: fine here
    (void)!::write(chain_fd, line, static_cast<std::size_t>(n));
}
void previous_siginfo_handler(int, siginfo_t*, void*) { note_chain("siginfo"); }
void previous_plain_handler(int) { note_chain("plain"); }
void previous_terminate_handler() {
    note_chain("terminate");
    std::abort();
}

void crash_the_way(const std::string& how, const std::string& dir) {
    if (how == "segv" || how == "segv_threads" || how == "core" || how == "chain_siginfo") {
        *null_pointer() = 1;
    } else if (how == "abort" || how == "chain_plain") {
        std::abort();
    } else if (how == "terminate" || how == "chain_terminate") {
        call_noexcept();
    } else if (how == "fpe") {
        volatile int zero = 0, numerator = 7;  // (1 / x compiles to no division at all)
        volatile int x = numerator / zero;
        (void)x;
    } else if (how == "bus") {
        bus_error(dir);
    } else if (how == "ill") {
        __builtin_trap();
    } else if (how == "raise_segv") {
        ::raise(SIGSEGV);
    }
}

std::string message_of(int thread, int i) { return "rec " + std::to_string(thread) + " " + std::to_string(i); }

int run_child(const std::string& how, const std::string& dir) {
    // A clean slate: no disposition of the parent (Boost.Test installs its own).
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
    struct rlimit core {};
    if (how == "core") {
        if (::chdir(dir.c_str()) != 0) return 92;
        ::getrlimit(RLIMIT_CORE, &core);
        core.rlim_cur = core.rlim_max == RLIM_INFINITY || core.rlim_max > (256u << 20) ? (256u << 20) : core.rlim_max;
        ::setrlimit(RLIMIT_CORE, &core);
    } else {
        ::setrlimit(RLIMIT_CORE, &core);  // no core files in the test folders
    }

    const bool chained = how.rfind("chain_", 0) == 0;
    if (chained) {
        static std::string log_path = dir + "/app.log";
        static std::string marker = dir + "/chain.txt";
        chain_path = log_path.c_str();
        chain_fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        struct sigaction sa {};
        sigemptyset(&sa.sa_mask);
        if (how == "chain_siginfo") {
            sa.sa_sigaction = &previous_siginfo_handler;
            sa.sa_flags = SA_SIGINFO;
            ::sigaction(SIGSEGV, &sa, nullptr);
        } else if (how == "chain_plain") {
            sa.sa_handler = &previous_plain_handler;
            ::sigaction(SIGABRT, &sa, nullptr);
        } else {
            std::set_terminate(&previous_terminate_handler);
        }
    }
    inkwell::crash_options options;
    options.drain_deadline = std::chrono::milliseconds{5000};
    if (!inkwell::install_crash_handler(options)) return 93;
    if (inkwell::install_crash_handler(options)) return 94;  // once only

    inkwell::logger_options lo;
    lo.directory = dir;
    lo.read_environment = false;
    if (chained) {
        // One file, whose size the previous handler reads.
        auto* log = new inkwell::basic_logger<file_async_config>(lo);  // never destroyed: the crash ends it
        for (int i = 0; i < records_per_thread; ++i) log->info("{}", message_of(0, i));
        crash_the_way(how, dir);
        return 95;
    }
    // The preset holds each category's lines in memory between commits: the
    // drain must reach into the sinks, not only empty the queues.
    auto* log = new inkwell::presets::jsonl_per_category(lo);
    if (how == "segv_threads") {
        // Several threads log, then two of them crash at once.
        std::atomic<int> done{0};
        std::atomic<bool> go{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < records_per_thread; ++i) log->info("{}", message_of(t, i));
                done.fetch_add(1);
                while (!go.load()) std::this_thread::yield();
                if (t < 2) *null_pointer() = 1;
                for (;;) std::this_thread::sleep_for(std::chrono::milliseconds{10});
            });
        while (done.load() < 4) std::this_thread::yield();
        go.store(true);
        for (auto& th : threads) th.join();  // never returns: the process dies first
        return 96;
    }
    for (int i = 0; i < records_per_thread; ++i) log->info("{}", message_of(0, i));
    crash_the_way(how, dir);
    return 97;
}

// ---------------------------------------------------------------- the parent

struct outcome {
    int status = 0;
    bool timed_out = false;
};

outcome run_self(const std::string& how, const fs::path& dir) {
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string folder = dir.string();
    const std::string err = (dir / "stderr.txt").string();
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) ::dup2(fd, STDERR_FILENO);
        const char* argv[] = {self.c_str(), "--crash-child", how.c_str(), folder.c_str(), nullptr};
        ::execv(self.c_str(), const_cast<char* const*>(argv));
        ::_exit(127);
    }
    outcome o;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    for (;;) {
        pid_t r = ::waitpid(pid, &o.status, WNOHANG);
        if (r == pid) break;
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &o.status, 0);
            o.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
    }
    return o;
}

// Every message of every .jsonl/.log file below `dir`, each line parsed.
std::multiset<std::string> logged_messages(const fs::path& dir) {
    std::multiset<std::string> out;
    for (const auto& f : test_support::files_below(dir)) {
        const auto ext = f.extension();
        if (ext != ".jsonl" && ext != ".log") continue;
        for (const auto& j : test_support::read_jsonl(f)) out.insert(j.at("message").get<std::string>());
    }
    return out;
}

void expect_all_records(const fs::path& dir, int threads) {
    const auto messages = logged_messages(dir);
    int missing = 0, duplicated = 0;
    for (int t = 0; t < threads; ++t)
        for (int i = 0; i < records_per_thread; ++i) {
            const auto n = messages.count(message_of(t, i));
            missing += n == 0;
            duplicated += n > 1;
        }
    BOOST_TEST(missing == 0);
    BOOST_TEST(duplicated == 0);
}

void expect_crash(const std::string& how, int signal, int threads = 1) {
    temp_dir dir;
    const outcome o = run_self(how, dir.path());
    BOOST_TEST_CONTEXT("scenario " << how << ", status " << o.status) {
        BOOST_TEST(!o.timed_out);
        BOOST_TEST(WIFSIGNALED(o.status));
        if (WIFSIGNALED(o.status)) BOOST_TEST(WTERMSIG(o.status) == signal);
        expect_all_records(dir.path(), threads);
        const std::string err = test_support::read_file(dir / "stderr.txt");
        BOOST_TEST(err.find("log queues drained") != std::string::npos, "stderr: " << err);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(segv_from_a_null_write_drains_and_dies_of_sigsegv) { expect_crash("segv", SIGSEGV); }
BOOST_AUTO_TEST_CASE(raise_sigsegv) { expect_crash("raise_segv", SIGSEGV); }
BOOST_AUTO_TEST_CASE(abort_drains_and_dies_of_sigabrt) { expect_crash("abort", SIGABRT); }
BOOST_AUTO_TEST_CASE(terminate_from_a_noexcept_function_dies_of_sigabrt) { expect_crash("terminate", SIGABRT); }
BOOST_AUTO_TEST_CASE(division_by_zero_dies_of_sigfpe) { expect_crash("fpe", SIGFPE); }
BOOST_AUTO_TEST_CASE(truncated_mapping_dies_of_sigbus) { expect_crash("bus", SIGBUS); }
BOOST_AUTO_TEST_CASE(illegal_instruction_dies_of_sigill) { expect_crash("ill", SIGILL); }

// Four threads log; two crash at the same moment: one drains, the other waits.
BOOST_AUTO_TEST_CASE(two_threads_crashing_at_once) { expect_crash("segv_threads", SIGSEGV, 4); }

// The core dump is kept (where the machine writes one to a file).
BOOST_AUTO_TEST_CASE(core_dump_is_kept) {
    const std::string pattern = test_support::read_file("/proc/sys/kernel/core_pattern");
    struct rlimit core {};
    ::getrlimit(RLIMIT_CORE, &core);
    temp_dir dir;
    const outcome o = run_self("core", dir.path());
    BOOST_TEST(WIFSIGNALED(o.status));
    BOOST_TEST(WTERMSIG(o.status) == SIGSEGV);
    expect_all_records(dir.path(), 1);
    if (pattern.empty() || pattern[0] == '|' || core.rlim_max == 0) {
        BOOST_TEST_MESSAGE("core_pattern '" << pattern << "' / hard RLIMIT_CORE 0: the core flag is not checked");
        return;
    }
    BOOST_TEST(WCOREDUMP(o.status));
    for (const auto& f : test_support::files_below(dir.path()))
        if (f.filename().string().rfind("core", 0) == 0) fs::remove(f);
}

// A handler installed before inkwell's is called after the drain: the file
// already held every record when it ran; the process still dies of the signal.
void expect_chained(const std::string& how, int signal, const std::string& who) {
    temp_dir dir;
    const outcome o = run_self(how, dir.path());
    BOOST_TEST_CONTEXT("scenario " << how << ", status " << o.status) {
        BOOST_TEST(WIFSIGNALED(o.status));
        if (WIFSIGNALED(o.status)) BOOST_TEST(WTERMSIG(o.status) == signal);
        expect_all_records(dir.path(), 1);
        const auto lines = test_support::read_lines(dir / "chain.txt");
        BOOST_TEST_REQUIRE(lines.size() == 1u);
        const auto size = static_cast<long>(fs::file_size(dir / "app.log"));
        BOOST_TEST(lines[0] == who + " " + std::to_string(size));
    }
}
BOOST_AUTO_TEST_CASE(chains_a_previous_siginfo_handler) { expect_chained("chain_siginfo", SIGSEGV, "siginfo"); }
BOOST_AUTO_TEST_CASE(chains_a_previous_plain_handler) { expect_chained("chain_plain", SIGABRT, "plain"); }
BOOST_AUTO_TEST_CASE(chains_a_previous_terminate_handler) { expect_chained("chain_terminate", SIGABRT, "terminate"); }

// Installing and uninstalling puts the previous dispositions back.
BOOST_AUTO_TEST_CASE(uninstall_restores_previous_dispositions) {
    struct sigaction before {};
    ::sigaction(SIGSEGV, nullptr, &before);
    const auto terminate_before = std::get_terminate();
    BOOST_TEST_REQUIRE(inkwell::install_crash_handler());
    BOOST_TEST(inkwell::crash_handler_installed());
    struct sigaction during {};
    ::sigaction(SIGSEGV, nullptr, &during);
    BOOST_TEST((during.sa_flags & SA_SIGINFO) != 0);
    inkwell::uninstall_crash_handler();
    BOOST_TEST(!inkwell::crash_handler_installed());
    struct sigaction after {};
    ::sigaction(SIGSEGV, nullptr, &after);
    BOOST_TEST(reinterpret_cast<void*>(after.sa_sigaction) == reinterpret_cast<void*>(before.sa_sigaction));
    BOOST_TEST(reinterpret_cast<void*>(std::get_terminate()) == reinterpret_cast<void*>(terminate_before));
}

// drain_for_crash with no async logger: nothing queued, true at once.
BOOST_AUTO_TEST_CASE(drain_without_a_writer_returns_at_once) {
    BOOST_TEST(inkwell::drain_for_crash(std::chrono::milliseconds{100}));
}

int main(int argc, char* argv[]) {
    if (argc == 4 && std::string_view(argv[1]) == "--crash-child") return run_child(argv[2], argv[3]);
    return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
