// External rotation: another tool (logrotate) moves, deletes or truncates a
// log file while inkwell writes it. inkwell notices at the next flush (at
// most once a second) or at once on reopen(), and goes on in a file of the
// right name: no record lost, none written twice, no NUL bytes.
#define BOOST_TEST_MODULE external_rotation
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace ink = inkwell;
using namespace std::chrono_literals;
using test_support::read_file;
using test_support::read_jsonl;
using test_support::temp_dir;

namespace {

// One JSONL file, written at once (no async writer): what a test sees on
// disk after flush() is exactly what was logged.
struct sync_jsonl_config : ink::default_config {
    using sink = ink::sink::file;
    using formatter = ink::format::jsonl;
    using buffer = ink::buffer::immediate;
};
using sync_logger = ink::basic_logger<sync_jsonl_config>;

// The session file preset as users get it: async.
struct async_config : ink::presets::session_file_config {};
using async_logger = ink::basic_logger<async_config>;

// The record numbers in a file ("record N"), in order.
std::vector<int> numbers_in(const fs::path& file) {
    std::vector<int> out;
    for (const auto& j : read_jsonl(file)) {
        if (j["category"] == "session") continue;  // the session file's first record
        const std::string message = j["message"];
        BOOST_REQUIRE(message.rfind("record ", 0) == 0);
        out.push_back(std::stoi(message.substr(7)));
    }
    return out;
}

std::vector<int> range(int from, int to) {
    std::vector<int> out;
    for (int i = from; i < to; ++i) out.push_back(i);
    return out;
}

template <class Logger>
void log_range(Logger& log, int from, int to) {
    for (int i = from; i < to; ++i) INKWELL_INFO(log, "record {}", i);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_moved_file_is_followed_by_a_new_one_at_the_next_flush) {
    temp_dir dir;
    const auto path = dir / "app.log";
    {
        sync_logger log({.directory = dir.path().string()});
        log_range(log, 0, 100);
        log.flush();
        fs::rename(path, dir / "app.log.1");  // what logrotate does first
        std::this_thread::sleep_for(1100ms);  // the check runs at most once a second
        log_range(log, 100, 200);
        log.flush();
        BOOST_TEST(log.stats().dropped == 0u);
        BOOST_TEST(log.stats().errors == 0u);
    }
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(0, 100));
    BOOST_TEST(numbers_in(path) == range(100, 200));
}

BOOST_AUTO_TEST_CASE(a_deleted_file_is_made_again_at_the_next_flush) {
    temp_dir dir;
    const auto path = dir / "app.log";
    {
        sync_logger log({.directory = dir.path().string()});
        log_range(log, 0, 10);
        log.flush();
        fs::remove(path);
        std::this_thread::sleep_for(1100ms);
        log_range(log, 10, 20);
        log.flush();
    }
    BOOST_TEST(numbers_in(path) == range(10, 20));
}

// logrotate's copytruncate: the file is copied, then cut to zero under the
// writer. O_APPEND puts the next line at the new end: no hole of NUL bytes.
BOOST_AUTO_TEST_CASE(a_truncated_file_goes_on_at_its_new_end_without_NUL_bytes) {
    temp_dir dir;
    const auto path = dir / "app.log";
    {
        sync_logger log({.directory = dir.path().string()});
        log_range(log, 0, 50);
        log.flush();
        fs::copy_file(path, dir / "app.log.1");
        BOOST_REQUIRE(::truncate(path.c_str(), 0) == 0);
        log_range(log, 50, 60);  // at once, before any check could run
        log.flush();
        std::this_thread::sleep_for(1100ms);  // and after the check saw the smaller file
        log_range(log, 60, 100);
        log.flush();
    }
    const std::string content = read_file(path);
    BOOST_TEST(content.find('\0') == std::string::npos);
    BOOST_TEST(numbers_in(path) == range(50, 100));
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(0, 50));
}

// A truncated file's size counts anew for size rotation: the sink does not
// rotate early because of bytes that are no longer there.
BOOST_AUTO_TEST_CASE(size_rotation_counts_from_the_truncated_size) {
    struct rotating_config : sync_jsonl_config {
        using sink = ink::sink::rotating_file<>;
        using rotation = ink::rotate::by_size<8192, 3>;
    };
    temp_dir dir;
    const auto path = dir / "app.log";
    {
        ink::basic_logger<rotating_config> log({.directory = dir.path().string()});
        log_range(log, 0, 30);  // ~6 KB of 8 KB
        log.flush();
        BOOST_REQUIRE(::truncate(path.c_str(), 0) == 0);
        std::this_thread::sleep_for(1100ms);
        log_range(log, 30, 31);  // the flush of this record sees the file cut to zero
        log.flush();
        log_range(log, 31, 60);  // ~6 KB more: 12 KB in all, but below 8 KB since the cut
        log.flush();
    }
    BOOST_TEST(!fs::exists(dir / "app.log.1"));
    BOOST_TEST(numbers_in(path) == range(30, 60));
}

// reopen() (SIGHUP-style) follows a rename at once, through the async
// writer: no waiting for the once-a-second check.
BOOST_AUTO_TEST_CASE(reopen_follows_a_rename_at_once_with_the_async_buffer) {
    temp_dir dir;
    fs::path path;
    {
        async_logger log({.directory = dir.path().string()});
        path = log.with_sink([](auto& s) { return s.template get<0>().path(); });
        log_range(log, 0, 100);
        log.flush();
        fs::rename(path, dir / "moved.jsonl");
        log.reopen();
        log_range(log, 100, 200);
        log.flush();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    BOOST_TEST(numbers_in(dir / "moved.jsonl") == range(0, 100));
    BOOST_TEST(numbers_in(path) == range(100, 200));
}

// reopen() reaches every file of a tee (text log and error log).
BOOST_AUTO_TEST_CASE(reopen_reaches_every_file_of_a_tee) {
    struct two_files_config : ink::presets::rotating_text_config {
        using sink = ink::presets::rotating_text_files;  // app.log and app_errors.log
    };
    temp_dir dir;
    {
        ink::basic_logger<two_files_config> log({.directory = dir.path().string()});
        INKWELL_ERROR(log, "before the move");
        log.flush();
        fs::rename(dir / "app.log", dir / "app.log.moved");
        fs::rename(dir / "app_errors.log", dir / "app_errors.log.moved");
        log.reopen();
        INKWELL_ERROR(log, "after the move");
        log.flush();
    }
    for (std::string name : {"app.log", "app_errors.log"}) {
        BOOST_TEST_CONTEXT(name) {
            const std::string now = read_file(dir / name), before = read_file(dir / (name + ".moved"));
            BOOST_TEST(now.find("after the move") != std::string::npos);
            BOOST_TEST(now.find("before the move") == std::string::npos);
            BOOST_TEST(before.find("before the move") != std::string::npos);
            BOOST_TEST(before.find("after the move") == std::string::npos);
        }
    }
}

// Moves and reopen() while two threads log without pause: every record is
// in exactly one of the files, none twice, every line whole.
BOOST_AUTO_TEST_CASE(repeated_moves_while_threads_log_lose_nothing) {
    temp_dir dir;
    const int threads = 2, per_thread = 20000, moves = 10;
    fs::path path;
    {
        async_logger log({.directory = dir.path().string()});
        path = log.with_sink([](auto& s) { return s.template get<0>().path(); });
        std::atomic<bool> go{false};
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t)
            writers.emplace_back([&, t] {
                while (!go.load()) std::this_thread::yield();
                for (int i = 0; i < per_thread; ++i) INKWELL_INFO(log, "record {}", t * per_thread + i);
            });
        go = true;
        for (int m = 0; m < moves; ++m) {
            std::this_thread::sleep_for(5ms);
            fs::rename(path, dir / ("moved." + std::to_string(m)));
            log.reopen();
        }
        for (auto& w : writers) w.join();
        log.flush();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    std::multiset<int> seen;
    std::size_t files = 0;
    for (const auto& f : test_support::files_below(dir.path())) {
        ++files;
        for (int n : numbers_in(f)) seen.insert(n);  // read_jsonl throws on a torn line
    }
    BOOST_TEST_MESSAGE(files << " files after " << moves << " moves");
    BOOST_TEST(files == static_cast<std::size_t>(moves) + 1);
    BOOST_TEST(seen.size() == static_cast<std::size_t>(threads * per_thread));
    for (int i = 0; i < threads * per_thread; ++i) BOOST_TEST(seen.count(i) == 1u);
}
