// When logging itself fails: no exception and no crash in the caller, the
// error handler hears of it, the record falls back to stderr, the counters
// say so, and writing resumes once the cause is gone.
#define BOOST_TEST_MODULE errors
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

struct text_file_config : inkwell::presets::rotating_text_config {
    using sink = inkwell::sink::file;
};
using text_logger = inkwell::basic_logger<text_file_config>;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

// A user type whose formatter throws.
struct explosive {};
template <>
struct fmt::formatter<explosive> {
    constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
    auto format(const explosive&, fmt::format_context& ctx) const -> decltype(ctx.out()) {
        throw std::runtime_error("a formatter that throws");
    }
};

BOOST_AUTO_TEST_CASE(a_folder_that_cannot_be_made_falls_back_to_stderr_and_recovers) {
    temp_dir dir;
    const auto blocked = dir / "logs";
    std::ofstream(blocked) << "a file where the log folder should be\n";

    std::mutex m;
    std::vector<std::pair<inkwell::error_kind, std::string>> events;
    const auto stderr_file = dir / "stderr.txt";
    {
        test_support::redirect_fd capture(STDERR_FILENO, stderr_file);
        text_logger log({.directory = blocked.string(), .on_error = [&](const inkwell::error_event& e) {
                             std::lock_guard lock(m);
                             events.emplace_back(e.kind, std::string(e.path));
                         }});
        for (int i = 0; i < 5; ++i) INKWELL_WARN(log, "record {} while the folder is blocked", i);
        const auto stats = log.stats();
        BOOST_TEST(stats.fallback_records == 5u);
        BOOST_TEST(stats.records == 0u);
        BOOST_TEST(stats.errors >= 1u);

        fs::remove(blocked);  // the cause goes away: the next record reaches its file
        INKWELL_WARN(log, "record after recovery");
        BOOST_TEST(log.stats().records == 1u);
    }
    BOOST_REQUIRE(!events.empty());
    BOOST_TEST(events[0].second.find("logs") != std::string::npos);
    const auto err = test_support::read_file(stderr_file);
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(err.find("record " + std::to_string(i) + " while the folder is blocked") != std::string::npos);
    auto lines = test_support::read_lines(blocked / "app.log");
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0].find("record after recovery") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_default_handler_is_rate_limited) {
    temp_dir dir;
    const auto blocked = dir / "logs";
    std::ofstream(blocked) << "x\n";
    const auto stderr_file = dir / "stderr.txt";
    {
        test_support::redirect_fd capture(STDERR_FILENO, stderr_file);
        text_logger log({.directory = blocked.string()});
        for (int i = 0; i < 200; ++i) INKWELL_ERROR(log, "failing record {}", i);
        BOOST_TEST(log.stats().fallback_records == 200u);
    }
    const auto err = test_support::read_file(stderr_file);
    BOOST_TEST(count(err, "failing record ") == 200u);       // every record is still somewhere
    BOOST_TEST(count(err, "inkwell: ") >= 1u);               // the failure is said...
    BOOST_TEST(count(err, "inkwell: ") <= 3u);               // ...but not 200 times
    BOOST_TEST(err.find("Not a directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_throwing_error_handler_does_not_reach_the_caller) {
    temp_dir dir;
    const auto blocked = dir / "logs";
    std::ofstream(blocked) << "x\n";
    test_support::redirect_fd capture(STDERR_FILENO, dir / "stderr.txt");
    text_logger log({.directory = blocked.string(),
                     .on_error = [](const inkwell::error_event&) { throw std::runtime_error("handler failed"); }});
    BOOST_CHECK_NO_THROW(INKWELL_ERROR(log, "still fine"));
    BOOST_TEST(log.stats().fallback_records == 1u);
}

BOOST_AUTO_TEST_CASE(a_throwing_format_argument_is_contained) {
    temp_dir dir;
    {
        text_logger log({.directory = dir.path().string()});
        BOOST_CHECK_NO_THROW(INKWELL_INFO(log, "value {}", explosive{}));
        BOOST_TEST(log.stats().records == 1u);
    }
    auto lines = test_support::read_lines(dir / "app.log");
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0].find("[inkwell: a format argument threw while formatting] value {}") != std::string::npos);
}
