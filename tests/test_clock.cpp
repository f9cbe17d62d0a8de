#define BOOST_TEST_MODULE clock
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "inkwell_under_test.hpp"

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
using manual = ink::clock::manual;

namespace {

ink::time_point at(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0, int ms = 0) {
    return sys_days{year{y} / static_cast<int>(m) / static_cast<int>(d)} + hours{h} + minutes{min} + seconds{s} +
           milliseconds{ms};
}

std::string iso_ms(ink::time_point t) {
    ink::detail::line_buffer out;
    ink::detail::append_iso8601_utc_ms(out, t);
    return {out.data(), out.size()};
}

// File names below `dir`, relative and sorted.
std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& p : files_below(dir)) out.push_back(fs::relative(p, dir).string());
    return out;
}

void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

void set_mtime(const fs::path& p, ink::time_point t) {
    auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(ns / 1000000000);
    times[0].tv_nsec = times[1].tv_nsec = static_cast<long>(ns % 1000000000);
    BOOST_REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

ink::logger_options options_for(const temp_dir& dir) {
    ink::logger_options o;
    o.directory = dir.path().string();
    o.read_environment = false;
    return o;
}

// The jsonl preset as it is, but for the clock (and, for the sync case, the buffer).
struct jsonl_manual_async : ink::presets::jsonl_per_category_config {
    using clock = ink::clock::manual;
};
struct jsonl_manual_sync : jsonl_manual_async {
    using buffer = ink::buffer::immediate;
};

}  // namespace

// A config written from scratch before clocks existed (no `clock` member);
// outside the unnamed namespace, as a user's config would be.
struct config_without_clock {
    using sink = ink::sink::null;
    using formatter = ink::format::text;
    using classifier = ink::classify::fixed<"general">;
    using dedup = ink::dedup::none;
    using buffer = ink::buffer::immediate;
    using rotation = ink::rotate::never;
    static constexpr ink::level min_level = ink::level::trace;
    static constexpr ink::level default_level = ink::level::info;
    static constexpr std::string_view level_env = "INKWELL_LEVEL";
    static constexpr std::string_view directory = "logs";
    static constexpr std::string_view base_name = "app";
    static constexpr unsigned file_mode = 0644;
    static constexpr unsigned directory_mode = 0755;
    static constexpr std::size_t max_message_bytes = 1024;
};

BOOST_AUTO_TEST_SUITE(the_policy)

BOOST_AUTO_TEST_CASE(clocks_satisfy_the_concept_and_a_config_names_one) {
    static_assert(ink::policy::clock<ink::clock::system>);
    static_assert(ink::policy::clock<ink::clock::manual>);
    static_assert(!ink::policy::clock<int>);
    static_assert(std::is_same_v<ink::default_config::clock, ink::clock::system>);
    static_assert(std::is_same_v<ink::presets::jsonl_per_category::clock, ink::clock::system>);
    static_assert(std::is_same_v<ink::basic_logger<jsonl_manual_sync>::clock, ink::clock::manual>);
    // ... reads the system clock.
    static_assert(std::is_same_v<ink::basic_logger<config_without_clock>::clock, ink::clock::system>);
    ink::basic_logger<config_without_clock> log({.read_environment = false});
    const auto before = ink::clock_type::now();
    BOOST_TEST((log.start_time() <= before && before - log.start_time() < minutes{1}));
}

BOOST_AUTO_TEST_CASE(manual_clock_is_set_advanced_and_jumps_back) {
    manual::set(at(2024, 3, 31, 12));
    BOOST_TEST(iso_ms(manual::now()) == "2024-03-31T12:00:00.000Z");
    manual::advance(milliseconds{1500});
    BOOST_TEST(iso_ms(manual::now()) == "2024-03-31T12:00:01.500Z");
    manual::advance(-days{1});
    BOOST_TEST(iso_ms(manual::now()) == "2024-03-30T12:00:01.500Z");
    // Independent clocks by tag.
    struct other_tag {};
    using other = ink::clock::basic_manual<other_tag>;
    other::set(at(2000, 1, 1));
    BOOST_TEST(iso_ms(manual::now()) == "2024-03-30T12:00:01.500Z");
    BOOST_TEST(iso_ms(other::now()) == "2000-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(manual_clock_is_safe_from_many_threads) {
    manual::set(at(2024, 1, 1));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([] {
            for (int i = 0; i < 10000; ++i) {
                manual::advance(milliseconds{1});
                (void)manual::now();
            }
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(iso_ms(manual::now()) == iso_ms(at(2024, 1, 1) + seconds{40}));
}

BOOST_AUTO_TEST_SUITE_END()

// --- days: the jsonl preset with the manual clock, sync and async (the async
// buffer's call sites read the manual clock on the calling thread).

template <class Config>
void crosses_midnight() {
    clean_env env;
    temp_dir dir;
    const ink::time_point before = at(2024, 3, 31, 23, 59, 59, 900);
    const ink::time_point after = at(2024, 4, 1, 0, 0, 0, 150);
    {
        ink::basic_logger<Config> log(options_for(dir));
        manual::set(before);
        INKWELL_INFO(log, "step {}", 1);  // the macros: the async buffer's own path (submit_call)
        log.info("step {}", 2);            // a finished record (submit)
        manual::set(after);
        INKWELL_INFO(log, "step {}", 3);
        log.info("step {}", 4);
        log.flush();
    }
    BOOST_TEST(names_in(dir.path()) ==
               (std::vector<std::string>{"2024-03-31/general.jsonl", "2024-04-01/general.jsonl"}));
    const auto first = read_jsonl(dir / "2024-03-31" / "general.jsonl");
    const auto second = read_jsonl(dir / "2024-04-01" / "general.jsonl");
    BOOST_REQUIRE_EQUAL(first.size(), 2u);
    BOOST_REQUIRE_EQUAL(second.size(), 2u);
    BOOST_TEST(first[0]["message"] == "step 1");
    BOOST_TEST(first[1]["message"] == "step 2");
    BOOST_TEST(second[0]["message"] == "step 3");
    BOOST_TEST(second[1]["message"] == "step 4");
    for (const auto& j : first) BOOST_TEST(j["timestamp"] == "2024-03-31T23:59:59.900Z");
    for (const auto& j : second) BOOST_TEST(j["timestamp"] == "2024-04-01T00:00:00.150Z");
}

BOOST_AUTO_TEST_SUITE(midnight)

BOOST_AUTO_TEST_CASE(sync_logger_puts_each_record_in_its_day) { crosses_midnight<jsonl_manual_sync>(); }
BOOST_AUTO_TEST_CASE(async_logger_puts_each_record_in_its_day) { crosses_midnight<jsonl_manual_async>(); }

template <class Config>
void start_time_comes_from_the_clock() {
    clean_env env;
    temp_dir dir;
    manual::set(at(2023, 7, 14, 8, 30));
    ink::basic_logger<Config> log(options_for(dir));
    BOOST_TEST(iso_ms(log.start_time()) == "2023-07-14T08:30:00.000Z");
}

BOOST_AUTO_TEST_CASE(start_time_is_the_clocks) {
    start_time_comes_from_the_clock<jsonl_manual_sync>();
    start_time_comes_from_the_clock<jsonl_manual_async>();
}

// The session file is named by the logger's start time: the clock's.
BOOST_AUTO_TEST_CASE(session_file_is_named_by_the_clocks_start_time) {
    struct config : ink::presets::session_file_config {
        using clock = ink::clock::manual;
    };
    clean_env env;
    temp_dir dir;
    manual::set(at(2023, 7, 14, 8, 30, 5, 999));
    std::string session;
    {
        ink::basic_logger<config> log(options_for(dir));
        session = std::string(log.session_id());
        manual::advance(seconds{1});
        INKWELL_INFO(log, "step {}", 1);
    }
    const std::string name = "session_2023-07-14T08-30-05Z_" + session + ".jsonl";
    BOOST_TEST(names_in(dir.path()) == std::vector<std::string>{name});
    const auto lines = read_jsonl(dir / name);
    BOOST_REQUIRE_EQUAL(lines.size(), 2u);
    // The session's first record is stamped with the start time, by the same clock.
    BOOST_TEST(lines[0]["message"] == "session started");
    BOOST_TEST(lines[0]["timestamp"] == "2023-07-14T08:30:05.999Z");
    BOOST_TEST(lines[0]["metadata"]["startTime"] == "2023-07-14T08:30:05.999Z");
    BOOST_TEST(lines[1]["timestamp"] == "2023-07-14T08:30:06.999Z");
}

BOOST_AUTO_TEST_SUITE_END()

// --- clock jumps

template <class Config>
void jumps_back_a_day() {
    clean_env env;
    temp_dir dir;
    {
        ink::basic_logger<Config> log(options_for(dir));
        manual::set(at(2024, 6, 2, 10));
        for (int i = 0; i < 3; ++i) INKWELL_INFO(log, "step {}", i);
        manual::advance(-days{1});  // NTP, a VM restored, an operator: the clock goes back a day
        for (int i = 3; i < 6; ++i) INKWELL_INFO(log, "step {}", i);
        manual::advance(days{1} + minutes{1});  // and forward again
        for (int i = 6; i < 8; ++i) log.info("step {}", i);
    }
    BOOST_TEST(names_in(dir.path()) ==
               (std::vector<std::string>{"2024-06-01/general.jsonl", "2024-06-02/general.jsonl"}));
    std::vector<std::string> earlier, later;
    for (const auto& j : read_jsonl(dir / "2024-06-01" / "general.jsonl")) {
        earlier.push_back(j["message"]);
        BOOST_TEST(j["timestamp"] == "2024-06-01T10:00:00.000Z");
    }
    for (const auto& j : read_jsonl(dir / "2024-06-02" / "general.jsonl")) later.push_back(j["message"]);
    // Nothing lost, each record in the folder of its own (clock) time.
    BOOST_TEST(earlier == (std::vector<std::string>{"step 3", "step 4", "step 5"}));
    BOOST_TEST(later == (std::vector<std::string>{"step 0", "step 1", "step 2", "step 6", "step 7"}));
}

BOOST_AUTO_TEST_SUITE(clock_jumps)

BOOST_AUTO_TEST_CASE(sync_logger_writes_to_the_earlier_day_and_loses_nothing) { jumps_back_a_day<jsonl_manual_sync>(); }
BOOST_AUTO_TEST_CASE(async_logger_writes_to_the_earlier_day_and_loses_nothing) {
    jumps_back_a_day<jsonl_manual_async>();
}

// The async queue full in drop mode: the note "N records dropped since T"
// gives T by the logger's clock, and is itself stamped by it.
BOOST_AUTO_TEST_CASE(drop_report_tells_the_time_by_the_clock) {
    struct config : jsonl_manual_async {
        using buffer = ink::buffer::async<ink::buffer::overflow::drop, 4096, 64 * 1024>;
    };
    clean_env env;
    temp_dir dir;
    const std::string payload(200, 'x');
    constexpr int produced = 200;
    ink::logger_stats stats{};
    {
        ink::basic_logger<config> log(options_for(dir));
        manual::set(at(2024, 2, 29, 12, 0, 0, 42));
        // While the sink is held here, the writer cannot deliver this
        // logger's records: a new thread's 4 KiB queue fills and the rest
        // are dropped. The clock moves before the writer may write the note.
        log.with_sink([&](auto&) {
            std::thread producer([&] {
                for (int i = 0; i < produced; ++i) INKWELL_INFO(log, "step {} {}", i, payload);
            });
            producer.join();
            manual::set(at(2024, 2, 29, 12, 0, 5));
        });
        log.flush();
        log.shutdown();
        stats = log.stats();
    }
    BOOST_REQUIRE_GT(stats.dropped, 0u);
    const auto written = read_jsonl(dir / "2024-02-29" / "general.jsonl");
    BOOST_TEST(written.size() + stats.dropped == static_cast<std::uint64_t>(produced));
    for (const auto& j : written) BOOST_TEST(j["timestamp"] == "2024-02-29T12:00:00.042Z");
    const auto notes = read_jsonl(dir / "2024-02-29" / "inkwell.jsonl");
    BOOST_REQUIRE_EQUAL(notes.size(), 1u);
    BOOST_TEST(notes[0]["message"] == "inkwell: " + std::to_string(stats.dropped) +
                                          " records dropped since 2024-02-29T12:00:00.042Z (the async queue was full)");
    BOOST_TEST(notes[0]["timestamp"] == "2024-02-29T12:00:05.000Z");
}

BOOST_AUTO_TEST_SUITE_END()

// --- retention: ages are measured from the logger's clock, whatever the
// machine's own clock says (it is years past these dates).

namespace {

struct text_daily_manual : ink::presets::rotating_text_config {
    using sink = ink::sink::rotating_file<>;  // app.log alone: no console in the test output
    using rotation = ink::rotate::daily<>;
    using retention = ink::retain::max_age<7>;
    using clock = ink::clock::manual;
};

struct session_manual : ink::presets::session_file_config {
    using retention = ink::retain::max_age<7>;
    using clock = ink::clock::manual;
};

// Dated backups of 2024-03-01 and 2024-03-02 and an unrelated file; the
// logger starts with its clock at `now` and logs one record.
template <class Config>
std::vector<std::string> text_files_after_one_record_at(ink::time_point now) {
    clean_env env;
    temp_dir dir;
    write_text(dir / "app.log.20240301", "[2024-03-01 10:00:00,000] [INFO] [app] old\n");
    write_text(dir / "app.log.20240302", "[2024-03-02 10:00:00,000] [INFO] [app] old\n");
    write_text(dir / "notes.txt", "not a log\n");
    {
        ink::basic_logger<Config> log(options_for(dir));
        manual::set(now);
        log.info("first");
        log.flush();
        BOOST_TEST(log.stats().errors == 0u);
    }
    return names_in(dir.path());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retention)

BOOST_AUTO_TEST_CASE(rotated_text_backups_ten_days_old_are_removed_at_the_first_record) {
    BOOST_TEST(text_files_after_one_record_at<text_daily_manual>(at(2024, 3, 12, 12)) ==
               (std::vector<std::string>{"app.log", "notes.txt"}));
}

BOOST_AUTO_TEST_CASE(rotated_text_backups_three_days_old_are_kept) {
    BOOST_TEST(text_files_after_one_record_at<text_daily_manual>(at(2024, 3, 5, 12)) ==
               (std::vector<std::string>{"app.log", "app.log.20240301", "app.log.20240302", "notes.txt"}));
}

struct text_daily_manual_async : text_daily_manual {
    using buffer = ink::buffer::async<>;
};

BOOST_AUTO_TEST_CASE(async_rotated_text_goes_by_the_clock_too) {
    BOOST_TEST(text_files_after_one_record_at<text_daily_manual_async>(at(2024, 3, 12, 12)) ==
               (std::vector<std::string>{"app.log", "notes.txt"}));
    BOOST_TEST(text_files_after_one_record_at<text_daily_manual_async>(at(2024, 3, 5, 12)) ==
               (std::vector<std::string>{"app.log", "app.log.20240301", "app.log.20240302", "notes.txt"}));
}

// A day rolled by the clock: the rotation's clean-up runs with the clock too.
BOOST_AUTO_TEST_CASE(a_day_rolled_by_the_clock_removes_what_became_too_old) {
    clean_env env;
    temp_dir dir;
    write_text(dir / "app.log.20240301", "old\n");
    {
        ink::basic_logger<text_daily_manual> log(options_for(dir));
        manual::set(at(2024, 3, 8, 23, 59));  // the backup's day ended 7 days minus a minute ago: kept
        log.info("day one");
        log.flush();
        BOOST_TEST(fs::exists(dir / "app.log.20240301"));
        manual::advance(minutes{2});  // 2024-03-09: app.log rotates, and the clean-up removes the old backup
        log.info("day two");
        log.flush();
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"app.log", "app.log.20240308"}));
    const auto rotated = read_lines(dir / "app.log.20240308");
    BOOST_REQUIRE_EQUAL(rotated.size(), 1u);
    BOOST_TEST(rotated[0].find("day one") != std::string::npos);
}

std::vector<std::string> session_files_after_start_at(ink::time_point now) {
    clean_env env;
    temp_dir dir;
    const std::string old_name = "session_2024-02-01T09-00-00Z_0b6f3c2e.jsonl";
    write_text(dir / old_name, "{}\n");
    set_mtime(dir / old_name, at(2024, 2, 1, 10));
    manual::set(now);
    std::string name;
    {
        ink::basic_logger<session_manual> log(options_for(dir));
        name = ink::detail::session_file_name(log.start_time(), log.session_id());
        INKWELL_INFO(log, "step {}", 1);
    }
    std::vector<std::string> names = names_in(dir.path());
    for (auto& n : names)
        if (n == name) n = "<this session>";
    std::sort(names.begin(), names.end());
    return names;
}

BOOST_AUTO_TEST_CASE(session_files_go_by_the_clock) {
    BOOST_TEST(session_files_after_start_at(at(2024, 2, 12)) == std::vector<std::string>{"<this session>"});
    BOOST_TEST(session_files_after_start_at(at(2024, 2, 4)) ==
               (std::vector<std::string>{"<this session>", "session_2024-02-01T09-00-00Z_0b6f3c2e.jsonl"}));
}

// The jsonl preset's date folders (max_age<7>): a week-old folder goes when
// the clock's day rolls, a younger one stays.
template <class Config>
void date_folders_go_by_the_clock() {
    clean_env env;
    temp_dir dir;
    fs::create_directories(dir / "2024-05-01");
    fs::create_directories(dir / "2024-05-05");
    write_text(dir / "2024-05-01" / "general.jsonl", "{\"old\":1}\n");
    write_text(dir / "2024-05-05" / "general.jsonl", "{\"old\":2}\n");
    {
        ink::basic_logger<Config> log(options_for(dir));
        manual::set(at(2024, 5, 8, 12));  // 2024-05-01 ended 6.5 days ago: everything stays
        INKWELL_INFO(log, "step {}", 1);
        log.flush();
        BOOST_TEST(fs::exists(dir / "2024-05-01" / "general.jsonl"));
        manual::set(at(2024, 5, 9, 0, 30));  // a new day: 2024-05-01 ended 7 days ago and goes
        INKWELL_INFO(log, "step {}", 2);
        log.flush();
    }
    BOOST_TEST(names_in(dir.path()) == (std::vector<std::string>{"2024-05-05/general.jsonl", "2024-05-08/general.jsonl",
                                                                  "2024-05-09/general.jsonl"}));
}

BOOST_AUTO_TEST_CASE(jsonl_date_folders_go_by_the_clock_sync) { date_folders_go_by_the_clock<jsonl_manual_sync>(); }
BOOST_AUTO_TEST_CASE(jsonl_date_folders_go_by_the_clock_async) { date_folders_go_by_the_clock<jsonl_manual_async>(); }

BOOST_AUTO_TEST_SUITE_END()

// --- daylight saving. Daily rotation (rotate::daily, the text preset's
// INKWELL_LOG_ROTATION_TYPE=time) and the jsonl date folders go by UTC days:
// there is no local-time rotation to test. What is tested: driven by the
// clock across Europe/Berlin's changes, the logger rotates once per UTC day,
// never at local midnight nor at the missing or repeated hour, and each
// line's local time (format::text) is the clock's time in Berlin.

namespace {

struct text_daily_from_env : ink::presets::rotating_text_config {
    using sink = ink::sink::rotating_file<>;  // no console in the test output
    using clock = ink::clock::manual;
};

std::string local_stamp(ink::time_point t) {
    ink::detail::line_buffer out;
    ink::detail::append_text_time(out, t, false);
    return {out.data(), out.size()};
}

template <class Config>
void logs_every_10_minutes_across(ink::time_point first_day, const std::map<std::string, std::string>& local_times) {
    clean_env env;
    env_guard daily("INKWELL_LOG_ROTATION_TYPE", "time");  // the preset's daily rotation
    tz_scope berlin("Europe/Berlin");
    std::tm probe{};
    const std::time_t summer = 1719835200;  // 2024-07-01T12:00Z
    ::localtime_r(&summer, &probe);
    BOOST_REQUIRE_MESSAGE(probe.tm_hour == 14, "the Europe/Berlin zone is not installed");
    temp_dir dir;
    constexpr int per_day = 24 * 6;
    std::map<std::string, std::vector<std::string>> expected;
    {
        ink::basic_logger<Config> log(options_for(dir));
        manual::set(first_day);
        for (int n = 0; n < 3 * per_day; ++n) {
            INKWELL_INFO(log, "step {}", n);
            char date[9];
            const std::string file =
                n / per_day == 2 ? "app.log" : "app.log." + std::string(ink::detail::compact_utc_date(manual::now(), date));
            expected[file].push_back("[" + local_stamp(manual::now()) + "] [INFO] [app] step " + std::to_string(n));
            manual::advance(minutes{10});
        }
    }
    BOOST_REQUIRE_EQUAL(expected.size(), 3u);
    BOOST_TEST(names_in(dir.path()).size() == 3u);  // one rotation per UTC day, none skipped or doubled
    for (const auto& [file, lines] : expected) BOOST_TEST(read_lines(dir / file) == lines, file);
    // The lines say the right local time at the change (checked by hand, not by the library's own formatting).
    std::map<std::string, std::string> found;
    for (const auto& [file, lines] : expected)
        for (const auto& line : lines)
            for (const auto& [utc, local] : local_times)
                if (line.find(local) != std::string::npos) found[utc] = local;
    for (const auto& [utc, local] : local_times) BOOST_TEST(found[utc] == local, utc);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daylight_saving)

// 2024-03-31 01:00Z: 02:00 CET becomes 03:00 CEST.
const std::map<std::string, std::string> spring{{"00:50Z", "2024-03-31 01:50:00,000] [INFO] [app] step 149"},
                                                {"01:00Z", "2024-03-31 03:00:00,000] [INFO] [app] step 150"}};
// 2024-10-27 01:00Z: 03:00 CEST falls back to 02:00 CET (02:xx happens twice).
const std::map<std::string, std::string> autumn{{"00:00Z", "2024-10-27 02:00:00,000] [INFO] [app] step 144"},
                                                {"00:50Z", "2024-10-27 02:50:00,000] [INFO] [app] step 149"},
                                                {"01:00Z", "2024-10-27 02:00:00,000] [INFO] [app] step 150"}};

BOOST_AUTO_TEST_CASE(spring_forward_sync) { logs_every_10_minutes_across<text_daily_from_env>(at(2024, 3, 30), spring); }
BOOST_AUTO_TEST_CASE(fall_back_sync) { logs_every_10_minutes_across<text_daily_from_env>(at(2024, 10, 26), autumn); }

struct text_daily_async : text_daily_from_env {
    using buffer = ink::buffer::async<>;
};
BOOST_AUTO_TEST_CASE(spring_forward_async) { logs_every_10_minutes_across<text_daily_async>(at(2024, 3, 30), spring); }
BOOST_AUTO_TEST_CASE(fall_back_async) { logs_every_10_minutes_across<text_daily_async>(at(2024, 10, 26), autumn); }

BOOST_AUTO_TEST_SUITE_END()
