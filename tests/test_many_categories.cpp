// Thousands of categories under a low descriptor limit: a child process
// lowers RLIMIT_NOFILE to 64 and logs to 1,000 categories, several rounds
// over them, through a real (async) logger. category_files keeps at most 64
// files open (records for the others wait in memory) and, when the process
// runs out of descriptors (EMFILE), closes its least recently used file,
// lowers its cap and tries again. The parent reads every file
// back: every record exactly once, in a file named after its sanitized
// category.
#define BOOST_TEST_MODULE many_categories
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace ink = inkwell;
using test_support::read_jsonl;
using test_support::temp_dir;

namespace {

constexpr int categories = 1000;
constexpr int rounds = 5;
constexpr rlim_t descriptor_cap = 64;

// Category n: mostly plain names; every tenth one needs sanitizing.
std::string category_name(int n) {
    char text[32];
    if (n % 10 == 3)
        std::snprintf(text, sizeof text, "../up/%04d", n);  // must stay inside the day folder
    else
        std::snprintf(text, sizeof text, "cat%04d", n);
    return text;
}

// Reads the category number back from the message "c=<n> r=<round>".
struct numbered_classifier {
    std::array<std::string, categories> names;
    numbered_classifier() {
        for (int n = 0; n < categories; ++n) names[n] = category_name(n);
    }
    std::string_view classify(const ink::record& r) const {
        int n = std::stoi(std::string(r.message.substr(2)));
        return names[static_cast<std::size_t>(n)];
    }
};

struct many_config : ink::presets::jsonl_per_category_config {
    using classifier = numbered_classifier;
};

// Open descriptors, counted without opening one (at the cap, opendir of
// /proc/self/fd could fail).
int open_descriptors() {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += ::fcntl(fd, F_GETFD) != -1;
    return n;
}

// The child's work; its findings go to `summary`. Returns the exit status.
int child_main(const fs::path& logs, const fs::path& summary) {
    // Descriptors inherited from whoever started the test (some may be
    // numbered above the cap) are not ours to count: the child starts clean.
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    rlimit cap{descriptor_cap, descriptor_cap};
    if (::setrlimit(RLIMIT_NOFILE, &cap) != 0) return 10;
    int most_descriptors = 0;
    std::size_t most_files = 0;
    ink::logger_stats stats;
    {
        ink::basic_logger<many_config> log({.directory = logs.string()});
        for (int round = 0; round < rounds; ++round) {
            for (int n = 0; n < categories; ++n) {
                INKWELL_INFO(log, "c={} r={}", n, round);
                if (n % 50 == 0) {  // look while it writes, not only between rounds
                    log.flush();
                    int now = open_descriptors();
                    if (now > most_descriptors) most_descriptors = now;
                    std::size_t files = log.with_sink([](auto& s) { return s.open_files(); });
                    if (files > most_files) most_files = files;
                }
            }
            log.flush();
        }
        stats = log.stats();
    }
    std::FILE* out = std::fopen(summary.c_str(), "w");
    if (!out) return 11;
    std::fprintf(out, "%d %zu %llu %llu %llu %llu\n", most_descriptors, most_files,
                 static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.errors),
                 static_cast<unsigned long long>(stats.fallback_records),
                 static_cast<unsigned long long>(stats.dropped));
    std::fclose(out);
    return 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_thousand_categories_under_ulimit_64_write_every_record_once) {
    temp_dir dir;
    const fs::path logs = dir / "logs", summary = dir / "summary.txt";
    std::fflush(nullptr);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) ::_exit(child_main(logs, summary));  // no Boost.Test in the child
    int status = 0;
    BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
    BOOST_REQUIRE(WIFEXITED(status));
    BOOST_REQUIRE(WEXITSTATUS(status) == 0);

    int most_descriptors = 0;
    std::size_t most_files = 0;
    unsigned long long records = 0, errors = 0, fallback = 0, dropped = 0;
    {
        std::ifstream in(summary);
        BOOST_REQUIRE(in >> most_descriptors >> most_files >> records >> errors >> fallback >> dropped);
    }
    BOOST_TEST_MESSAGE("child under ulimit -n " << descriptor_cap << ": at most " << most_descriptors
                                                << " descriptors open, at most " << most_files
                                                << " category files open; " << records << " records written");
    BOOST_TEST(most_descriptors <= static_cast<int>(descriptor_cap));
    BOOST_TEST(most_files <= 64u);
    BOOST_TEST(errors == 0u);  // no EMFILE surfaced
    BOOST_TEST(fallback == 0u);
    BOOST_TEST(dropped == 0u);
    BOOST_TEST(records == static_cast<unsigned long long>(categories * rounds));

    // Every record exactly once, each in the file of its own category, every
    // file directly in a day folder below logs/.
    std::set<std::pair<int, int>> seen;
    std::map<std::string, int> file_of_category;
    std::size_t files = 0;
    for (const auto& f : test_support::files_below(logs)) {
        ++files;
        BOOST_TEST(f.parent_path().parent_path() == logs);
        const std::string name = f.filename().string();
        BOOST_TEST(name.find("..") == std::string::npos);
        BOOST_TEST(name.ends_with(".jsonl"));
        std::set<std::string> categories_in_file;
        for (const auto& j : read_jsonl(f)) {
            const std::string message = j["message"];
            int n = -1, round = -1;
            BOOST_REQUIRE(std::sscanf(message.c_str(), "c=%d r=%d", &n, &round) == 2);
            BOOST_TEST(j["category"] == category_name(n));
            BOOST_TEST(seen.insert({n, round}).second);  // nothing twice
            categories_in_file.insert(j["category"]);
        }
        BOOST_TEST(categories_in_file.size() == 1u);
    }
    BOOST_TEST(files == static_cast<std::size_t>(categories));
    BOOST_TEST(seen.size() == static_cast<std::size_t>(categories * rounds));
}
