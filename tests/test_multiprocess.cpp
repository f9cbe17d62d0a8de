#define BOOST_TEST_MODULE multiprocess
// Several processes, one file (issue 7 point 5): 6 processes (half with the
// immediate buffer, half async) append records of random sizes up to 256 KiB
// to the same file (sink::file, O_APPEND), all starting at once. Read back:
// every line parses and is exactly one record (its text and length), each
// record exactly once: no torn and no merged lines.
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

constexpr int processes = 6;
constexpr int records_each = 40;
constexpr std::size_t largest = 256 * 1024;

struct sync_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = inkwell::format::jsonl;
    static constexpr inkwell::level default_level = inkwell::level::trace;
    static constexpr std::size_t max_message_bytes = 2 * largest;  // no record is cut
};
struct async_config : sync_config {
    using buffer = inkwell::buffer::async<>;
};

std::size_t size_of(int process, int record) {
    std::mt19937 rng(static_cast<unsigned>(process * 1000 + record));
    // A third small, the rest anywhere up to 256 KiB.
    return record % 3 == 0 ? rng() % 200 : rng() % largest;
}
std::string body(int process, int record) {
    std::string m = "p" + std::to_string(process) + " r" + std::to_string(record) + " ";
    m.append(size_of(process, record), static_cast<char>('A' + (process * 7 + record) % 26));
    return m;
}

template <class Config>
void log_all(const fs::path& dir, int process) {
    inkwell::logger_options lo;
    lo.directory = dir.string();
    lo.read_environment = false;
    inkwell::basic_logger<Config> log(lo);
    for (int r = 0; r < records_each; ++r) log.info("{}", body(process, r));
}

}  // namespace

BOOST_AUTO_TEST_CASE(processes_appending_to_one_file) {
    temp_dir dir;
    int go[2];
    BOOST_TEST_REQUIRE(::pipe(go) == 0);
    std::vector<pid_t> pids;
    for (int p = 0; p < processes; ++p) {
        const pid_t pid = ::fork();
        BOOST_TEST_REQUIRE(pid >= 0);
        if (pid == 0) {
            ::signal(SIGALRM, SIG_DFL);
            ::alarm(60);
            ::close(go[1]);
            char c;
            (void)!::read(go[0], &c, 1);  // all start together (EOF when the parent closes)
            int rc = 0;
            try {
                if (p % 2 == 0)
                    log_all<sync_config>(dir.path(), p);
                else
                    log_all<async_config>(dir.path(), p);
            } catch (...) {
                rc = 3;
            }
            ::_exit(rc);
        }
        pids.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);
    for (pid_t pid : pids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        BOOST_TEST(WIFEXITED(status), "status " << status);
        if (WIFEXITED(status)) BOOST_TEST(WEXITSTATUS(status) == 0);
    }

    const auto lines = test_support::read_lines(dir / "app.log");
    std::map<std::pair<int, int>, int> seen;
    int bad = 0;
    std::size_t bytes = 0;
    for (const auto& line : lines) {
        bytes += line.size() + 1;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.contains("message")) {
            ++bad;
            BOOST_TEST_MESSAGE("not one record: " << line.substr(0, 100) << "... (" << line.size() << " bytes)");
            continue;
        }
        const std::string m = j["message"].get<std::string>();
        int p = -1, r = -1;
        if (std::sscanf(m.c_str(), "p%d r%d", &p, &r) != 2 || p < 0 || p >= processes || r < 0 ||
            r >= records_each || m != body(p, r)) {
            ++bad;
            continue;
        }
        ++seen[{p, r}];
    }
    BOOST_TEST(bad == 0);
    BOOST_TEST(lines.size() == static_cast<std::size_t>(processes * records_each));
    int missing = 0, duplicated = 0;
    for (int p = 0; p < processes; ++p)
        for (int r = 0; r < records_each; ++r) {
            const int n = seen.count({p, r}) ? seen[{p, r}] : 0;
            missing += n == 0;
            duplicated += n > 1;
        }
    BOOST_TEST(missing == 0);
    BOOST_TEST(duplicated == 0);
    BOOST_TEST_MESSAGE(processes << " processes, " << lines.size() << " lines, " << bytes << " bytes in one file");
}
