#define BOOST_TEST_MODULE daily_rotation
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "inkwell_under_test.hpp"

#include "sink_test_support.hpp"
#include "test_support.hpp"

using namespace std::chrono;
using test_support::clean_env;
using test_support::env_guard;
using test_support::tz_scope;
using test_support::files_below;
using test_support::read_jsonl;
using test_support::read_lines;
using test_support::temp_dir;
namespace fs = std::filesystem;
namespace ink = inkwell;
namespace rotate = inkwell::rotate;
using sink_test_support::context_for;
using sink_test_support::numbers_in;
using sink_test_support::range;
using sink_test_support::record_at;
using sink_test_support::reporter;

namespace {

ink::time_point at(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
    return sys_days{year{y} / static_cast<int>(m) / static_cast<int>(d)} + hours{h} + minutes{min};
}

std::string line_for(int n) { return "{\"n\":" + std::to_string(n) + "}\n"; }

// File names below `dir`, sorted.
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& p : files_below(dir)) out.push_back(fs::relative(p, dir).string());
    return out;
}

void set_mtime(const fs::path& p, ink::time_point t) {
    auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(ns / 1000000000);
    times[0].tv_nsec = times[1].tv_nsec = static_cast<long>(ns % 1000000000);
    BOOST_REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

using daily_file = ink::sink::rotating_file<rotate::daily<>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(by_record_time)

BOOST_AUTO_TEST_CASE(the_record_time_decides_not_the_time_of_writing) {
    clean_env env;
    temp_dir dir;
    reporter rep;
    {
        // Written now (years after these times), in one go: only the records' own times count.
        daily_file sink(context_for(dir.path(), rep), rotate::daily<>(30));
        sink.write(record_at(at(2024, 3, 5, 8)), line_for(0));
        sink.write(record_at(at(2024, 3, 5, 23, 59) + 59s + 999ms), line_for(1));
        sink.write(record_at(at(2024, 3, 6)), line_for(2));
        sink.write(record_at(at(2024, 3, 8, 12)), line_for(3));  // a day with no records in between
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log", "app.log.20240305", "app.log.20240306"}));
    BOOST_TEST(numbers_in(dir / "app.log.20240305") == range(0, 2));
    BOOST_TEST(numbers_in(dir / "app.log.20240306") == range(2, 3));
    BOOST_TEST(numbers_in(dir / "app.log") == range(3, 4));
    BOOST_TEST(rep.stats().records == 4u);
    BOOST_TEST(rep.events.empty());
}

BOOST_AUTO_TEST_CASE(a_late_record_of_an_earlier_day_stays_in_the_current_file) {
    clean_env env;
    temp_dir dir;
    reporter rep;
    {
        daily_file sink(context_for(dir.path(), rep), rotate::daily<>(30));
        sink.write(record_at(at(2024, 3, 6, 9)), line_for(0));
        sink.write(record_at(at(2024, 3, 5, 23, 58)), line_for(1));  // queued late by another thread
        sink.write(record_at(at(2024, 3, 6, 10)), line_for(2));
        sink.write(record_at(at(2024, 3, 7, 0, 1)), line_for(3));
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log", "app.log.20240306"}));
    BOOST_TEST(numbers_in(dir / "app.log.20240306") == range(0, 3));
    BOOST_TEST(numbers_in(dir / "app.log") == range(3, 4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(clock_jumps)

BOOST_AUTO_TEST_CASE(the_clock_jumping_back_across_midnight_neither_rotates_nor_loses_a_record) {
    clean_env env;
    temp_dir dir;
    reporter rep;
    int n = 0;
    {
        daily_file sink(context_for(dir.path(), rep), rotate::daily<>(30));
        // 2024-03-06 00:20, then NTP steps the clock back 40 minutes: 23:40 of the 5th again.
        for (int m = 0; m < 20; m += 5) sink.write(record_at(at(2024, 3, 6, 0, 20) + minutes{m}), line_for(n++));
        for (int m = 0; m < 60; m += 5) sink.write(record_at(at(2024, 3, 5, 23, 40) + minutes{m}), line_for(n++));
        sink.flush();
        BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log"}));
        // The next real day rotates once, under the day the file began.
        sink.write(record_at(at(2024, 3, 7, 0, 0)), line_for(n++));
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log", "app.log.20240306"}));
    BOOST_TEST(numbers_in(dir / "app.log.20240306") == range(0, n - 1));
    BOOST_TEST(numbers_in(dir / "app.log") == range(n - 1, n));
    BOOST_TEST(rep.stats().records == static_cast<std::uint64_t>(n));
    BOOST_TEST(rep.events.empty());
}

BOOST_AUTO_TEST_CASE(a_jump_back_by_days_rotates_again_only_after_the_file_day) {
    clean_env env;
    temp_dir dir;
    reporter rep;
    {
        daily_file sink(context_for(dir.path(), rep), rotate::daily<>(30));
        sink.write(record_at(at(2024, 3, 10, 12)), line_for(0));
        sink.write(record_at(at(2024, 3, 7, 12)), line_for(1));  // three days back
        sink.write(record_at(at(2024, 3, 8, 12)), line_for(2));
        sink.write(record_at(at(2024, 3, 10, 18)), line_for(3));
        sink.write(record_at(at(2024, 3, 11, 1)), line_for(4));
        sink.write(record_at(at(2024, 3, 9, 1)), line_for(5));  // back again, after a rotation
        sink.write(record_at(at(2024, 3, 12, 1)), line_for(6));
    }
    BOOST_TEST(names_in(dir.path()) ==
               (std::vector<std::string>{"app.log", "app.log.20240310", "app.log.20240311"}));
    BOOST_TEST(numbers_in(dir / "app.log.20240310") == range(0, 4));
    BOOST_TEST(numbers_in(dir / "app.log.20240311") == range(4, 6));
    BOOST_TEST(numbers_in(dir / "app.log") == range(6, 7));
}

BOOST_AUTO_TEST_CASE(a_file_dated_in_the_future_after_a_restart_is_kept_until_a_later_day) {
    clean_env env;
    temp_dir dir;
    reporter rep;
    { std::ofstream(dir / "app.log") << line_for(0); }
    set_mtime(dir / "app.log", at(2024, 3, 9, 6));  // written before the clock went back two days
    {
        daily_file sink(context_for(dir.path(), rep), rotate::daily<>(30));
        sink.write(record_at(at(2024, 3, 7, 6)), line_for(1));
        sink.write(record_at(at(2024, 3, 9, 23)), line_for(2));
        sink.write(record_at(at(2024, 3, 10, 0)), line_for(3));
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log", "app.log.20240309"}));
    BOOST_TEST(numbers_in(dir / "app.log.20240309") == range(0, 3));
    BOOST_TEST(numbers_in(dir / "app.log") == range(3, 4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(daylight_saving)

// Europe/Berlin: 2024-03-31 02:00 local (01:00Z) jumps to 03:00; 2024-10-27
// 03:00 local (01:00Z) falls back to 02:00. Days are UTC days, so neither
// the missing nor the repeated local hour, nor local midnight, rotates.
void records_every_10_minutes_across(ink::time_point first_day) {
    clean_env env;
    tz_scope berlin("Europe/Berlin");
    std::tm probe{};
    const std::time_t summer = 1719835200;  // 2024-07-01T12:00Z
    ::localtime_r(&summer, &probe);
    BOOST_REQUIRE_MESSAGE(probe.tm_hour == 14, "the Europe/Berlin zone is not installed");
    temp_dir dir;
    reporter rep;
    constexpr int per_day = 24 * 6;
    std::map<std::string, std::vector<int>> expected;
    {
        ink::sink::rotating_file<rotate::daily<>> sink(context_for(dir.path(), rep), rotate::daily<>(30));
        ink::format::text formatter;  // local time in the line, as Python's logging writes it
        for (int n = 0; n < 3 * per_day; ++n) {
            const auto t = first_day + minutes{10 * n};
            ink::record r = record_at(t, "dst");
            const std::string message = std::to_string(n);
            r.message = message;
            ink::detail::line_buffer out;
            formatter.format(r, out);
            sink.write(r, {out.data(), out.size()});
            char date[9];
            std::string name = n / per_day == 2 ? "app.log" : "app.log." + std::string(ink::detail::compact_utc_date(t, date));
            expected[name].push_back(n);
        }
    }
    BOOST_REQUIRE(expected.size() == 3u);
    BOOST_TEST(names_in(dir.path()).size() == 3u);  // exactly one rotation per UTC day, none skipped or doubled
    for (const auto& [name, numbers] : expected) {
        std::vector<int> found;
        for (const auto& line : read_lines(dir / name)) found.push_back(std::stoi(line.substr(line.rfind(' ') + 1)));
        BOOST_TEST(found == numbers, name);
    }
    BOOST_TEST(rep.events.empty());
}

BOOST_AUTO_TEST_CASE(spring_forward_neither_skips_nor_doubles_a_rotation) {
    records_every_10_minutes_across(at(2024, 3, 30));
}

BOOST_AUTO_TEST_CASE(fall_back_neither_skips_nor_doubles_a_rotation) {
    records_every_10_minutes_across(at(2024, 10, 26));
}

BOOST_AUTO_TEST_CASE(date_folders_follow_utc_days_across_the_change) {
    clean_env env;
    tz_scope berlin("Europe/Berlin");
    temp_dir dir;
    reporter rep;
    {
        ink::sink::category_files<> sink(context_for(dir.path(), rep));
        // 2024-10-26T22:00Z (local midnight of the 27th) to 2024-10-28T02:00Z.
        for (int n = 0; n < 28 * 6; ++n) sink.write(record_at(at(2024, 10, 26, 22) + minutes{10 * n}, "dst"), line_for(n));
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"2024-10-26/dst.jsonl", "2024-10-27/dst.jsonl",
                                                                  "2024-10-28/dst.jsonl"}));
    BOOST_TEST(numbers_in(dir / "2024-10-26" / "dst.jsonl") == range(0, 12));
    BOOST_TEST(numbers_in(dir / "2024-10-27" / "dst.jsonl") == range(12, 12 + 144));
    BOOST_TEST(numbers_in(dir / "2024-10-28" / "dst.jsonl") == range(156, 168));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(through_a_logger)

struct size_rotated : ink::default_config {
    using sink = ink::sink::rotating_file<>;
    using rotation = rotate::by_size<1000, 5>;
    using formatter = ink::format::jsonl;
    static constexpr ink::level default_level = ink::level::trace;
};

struct daily_rotated : size_rotated {
    using rotation = rotate::daily<>;
};

BOOST_AUTO_TEST_CASE(size_rotation_counts_the_existing_file_after_a_restart) {
    clean_env env;
    temp_dir dir;
    int n = 0;
    std::uintmax_t after_first = 0;
    {
        ink::basic_logger<size_rotated> log({.directory = dir.path().string(), .read_environment = false});
        while (fs::exists(dir / "app.log") ? fs::file_size(dir / "app.log") < 700 : true) {
            log.info("record {}", n++);
            log.flush();
        }
        after_first = fs::file_size(dir / "app.log");
    }
    BOOST_REQUIRE(!fs::exists(dir / "app.log.1"));
    const int first_run = n;
    {
        // A new process: the 700 bytes already there count toward the 1000.
        ink::basic_logger<size_rotated> log({.directory = dir.path().string(), .read_environment = false});
        for (int i = 0; i < first_run; ++i) log.info("record {}", n++);
    }
    BOOST_TEST(after_first >= 700u);
    BOOST_TEST(fs::exists(dir / "app.log.1"));
    std::vector<int> all;
    for (const auto& name : {"app.log.2", "app.log.1", "app.log"}) {
        if (!fs::exists(dir / name)) continue;
        BOOST_TEST(fs::file_size(dir / name) <= 1000u, name);
        for (const auto& j : read_jsonl(dir / name)) all.push_back(std::stoi(j["message"].get<std::string>().substr(7)));
    }
    BOOST_TEST(all == range(0, n));
}

BOOST_AUTO_TEST_CASE(a_file_left_from_an_earlier_day_rotates_at_the_loggers_first_record) {
    clean_env env;
    temp_dir dir;
    { std::ofstream(dir / "app.log") << "{\"message\":\"from three days ago\"}\n"; }
    const auto three_days_ago = ink::clock_type::now() - days{3};
    set_mtime(dir / "app.log", three_days_ago);
    {
        ink::basic_logger<daily_rotated> log({.directory = dir.path().string(), .read_environment = false});
        log.info("today");
        log.info("still today");
    }
    char date[9];
    const std::string backup = "app.log." + std::string(ink::detail::compact_utc_date(three_days_ago, date));
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log", backup}));
    auto old = read_jsonl(dir / backup);
    BOOST_REQUIRE(old.size() == 1u);
    BOOST_TEST(old[0]["message"] == "from three days ago");
    auto now = read_jsonl(dir / "app.log");
    BOOST_REQUIRE(now.size() == 2u);
    BOOST_TEST(now[0]["message"] == "today");
    BOOST_TEST(now[1]["message"] == "still today");
}

BOOST_AUTO_TEST_SUITE_END()
