#define BOOST_TEST_MODULE capture
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include <inkwell/capture/ostream.hpp>

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "json_file_config.hpp"
#include "test_support.hpp"

using test_support::json_file_async_config;
using test_support::json_file_config;
using test_support::read_jsonl;
using test_support::temp_dir;

namespace {

template <class Config = json_file_config>
struct logged {
    explicit logged(const temp_dir& dir) : log({.name = "app", .directory = dir.path(), .read_environment = false}) {}
    inkwell::basic_logger<Config> log;
};

std::vector<nlohmann::json> records_in(const temp_dir& dir) { return read_jsonl(dir / "app.log"); }

}  // namespace

BOOST_AUTO_TEST_CASE(each_line_written_to_the_stream_is_one_record_at_the_chosen_level) {
    temp_dir dir;
    std::ostringstream original;
    std::ostream stream(original.rdbuf());
    {
        logged<> l(dir);
        {
            inkwell::capture::stream_capture capture(stream, l.log, inkwell::level::warn, "legacy.audio");
            stream << "mixer: buffer underrun at frame " << 1234 << '\n';
            stream << "two lines\r\nin one write\n";
            stream << "an unfinished line";
        }  // the unfinished line is logged here, and the stream gets its buffer back
        stream << "after the capture\n";
        l.log.flush();
        const auto records = records_in(dir);
        BOOST_TEST_REQUIRE(records.size() == 4u);
        BOOST_TEST(records[0]["message"] == "mixer: buffer underrun at frame 1234");
        BOOST_TEST(records[1]["message"] == "two lines");
        BOOST_TEST(records[2]["message"] == "in one write");
        BOOST_TEST(records[3]["message"] == "an unfinished line");
        for (const auto& r : records) {
            BOOST_TEST(r["level"] == "warn");
            BOOST_TEST(r["category"] == "audio");  // by_name: the last part of the source's name
        }
    }
    BOOST_TEST(original.str() == "after the capture\n");
}

BOOST_AUTO_TEST_CASE(std_cerr_and_std_clog_are_captured_and_restored) {
    temp_dir dir;
    std::streambuf* const cerr_before = std::cerr.rdbuf();
    std::streambuf* const clog_before = std::clog.rdbuf();
    {
        logged<> l(dir);
        {
            inkwell::capture::stream_capture errors(std::cerr, l.log, inkwell::level::error, "stderr");
            inkwell::capture::stream_capture notes(std::clog, l.log, inkwell::level::info, "clog");
            std::cerr << "disk almost full: " << 97.5 << "%" << std::endl;
            std::clog << "cache warmed in " << 12 << " ms\n";
        }
        BOOST_TEST(std::cerr.rdbuf() == cerr_before);
        BOOST_TEST(std::clog.rdbuf() == clog_before);
        l.log.flush();
        const auto records = records_in(dir);
        BOOST_TEST_REQUIRE(records.size() == 2u);
        BOOST_TEST(records[0]["level"] == "error");
        BOOST_TEST(records[0]["message"] == "disk almost full: 97.5%");
        BOOST_TEST(records[0]["category"] == "stderr");
        BOOST_TEST(records[1]["level"] == "info");
        BOOST_TEST(records[1]["message"] == "cache warmed in 12 ms");
    }
}

// Threads that write a line in many pieces never get their pieces mixed:
// each thread's unfinished line is kept apart.
BOOST_AUTO_TEST_CASE(lines_written_in_pieces_by_several_threads_stay_whole) {
    constexpr int threads = 4;
    constexpr int lines = 2000;
    temp_dir dir;
    std::ostringstream original;
    std::ostream stream(original.rdbuf());
    {
        logged<json_file_async_config> l(dir);
        {
            inkwell::capture::stream_capture capture(stream, l.log, inkwell::level::info);
            std::vector<std::thread> writers;
            for (int t = 0; t < threads; ++t)
                writers.emplace_back([&, t] {
                    for (int i = 0; i < lines; ++i) stream << "thread " << t << " line " << i << " end" << '\n';
                });
            for (auto& w : writers) w.join();
        }
        l.log.flush();
        const auto records = records_in(dir);
        BOOST_TEST(records.size() == static_cast<std::size_t>(threads * lines));
        std::map<int, int> next;  // per thread: the line expected next (each thread's order is kept)
        int malformed = 0, out_of_order = 0;
        for (const auto& r : records) {
            std::istringstream words(r["message"].get<std::string>());
            std::string thread_word, line_word, end_word;
            int t = -1, i = -1;
            words >> thread_word >> t >> line_word >> i >> end_word;
            if (thread_word != "thread" || line_word != "line" || end_word != "end" || !words.eof()) {
                ++malformed;
                continue;
            }
            if (next[t] != i) ++out_of_order;
            next[t] = i + 1;
        }
        BOOST_TEST(malformed == 0);
        BOOST_TEST(out_of_order == 0);
        for (int t = 0; t < threads; ++t) BOOST_TEST(next[t] == lines);
    }
    BOOST_TEST(original.str().empty());
}

BOOST_AUTO_TEST_CASE(a_huge_line_is_logged_in_pieces_and_control_bytes_are_escaped) {
    temp_dir dir;
    std::ostringstream original;
    std::ostream stream(original.rdbuf());
    using capture_type = inkwell::capture::stream_capture<inkwell::basic_logger<json_file_config>>;
    const std::string huge(3 * capture_type::max_line + 100, 'x');
    {
        logged<> l(dir);
        {
            capture_type capture(stream, l.log, inkwell::level::info);
            stream << huge << '\n';
            stream << "bell\x07 and tab\t and bad utf-8 \xff!\n";
        }
        l.log.flush();
        const auto records = records_in(dir);  // every line parses as JSON
        BOOST_TEST_REQUIRE(records.size() == 5u);
        std::string joined;
        for (int k = 0; k < 4; ++k) joined += records[static_cast<std::size_t>(k)]["message"].get<std::string>();
        BOOST_TEST(records[0]["message"].get<std::string>().size() == capture_type::max_line);
        BOOST_TEST(joined == huge);  // nothing lost, nothing repeated
        const std::string last = records[4]["message"];
        BOOST_TEST(last.find("bell\x07 and tab\t and bad utf-8 ") == 0u);
        BOOST_TEST(last.find('\xff') == std::string::npos);  // repaired, not passed through
    }
}

// An error handler that itself writes to the captured stream must neither
// deadlock nor loop: what it writes goes to the stream's own buffer.
BOOST_AUTO_TEST_CASE(an_error_handler_writing_to_the_captured_stream_does_not_loop) {
    temp_dir dir;
    const auto blocked = dir / "not-a-folder";
    { std::ofstream(blocked) << "a file where the log folder should be"; }
    std::ostringstream original;
    std::ostream stream(original.rdbuf());
    inkwell::basic_logger<json_file_config> log(
        {.name = "app", .directory = (blocked / "logs").string(), .read_environment = false});
    log.set_error_handler([&](const inkwell::error_event& e) { stream << "inkwell error: " << e.detail << '\n'; });
    {
        inkwell::capture::stream_capture capture(stream, log, inkwell::level::error);
        stream << "first line\n";
        log.flush();
    }
    BOOST_TEST(original.str().find("inkwell error: ") == 0u);
    BOOST_TEST(log.stats().errors >= 1u);
}

BOOST_AUTO_TEST_CASE(lines_below_the_logger_level_are_not_logged) {
    temp_dir dir;
    std::ostringstream original;
    std::ostream stream(original.rdbuf());
    logged<> l(dir);
    l.log.set_level(inkwell::level::warn);
    {
        inkwell::capture::stream_capture capture(stream, l.log, inkwell::level::info);
        stream << "chatter\n";
    }
    {
        inkwell::capture::stream_capture capture(stream, l.log, inkwell::level::error);
        stream << "failure\n";
    }
    l.log.flush();
    const auto records = records_in(dir);
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0]["message"] == "failure");
}
