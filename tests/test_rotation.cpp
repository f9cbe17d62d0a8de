#define BOOST_TEST_MODULE rotation
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "inkwell_under_test.hpp"

#include "sink_test_support.hpp"
#include "test_support.hpp"

using namespace std::chrono;
using test_support::files_below;
using test_support::read_file;
using test_support::read_jsonl;
using test_support::read_lines;
using test_support::temp_dir;
namespace fs = std::filesystem;
namespace ink = inkwell;
namespace rotate = inkwell::rotate;

BOOST_TEST_DONT_PRINT_LOG_VALUE(inkwell::error_kind)

namespace {

using namespace sink_test_support;

// A JSON line of exactly 50 bytes carrying `n`.
std::string line50(int n) {
    std::string digits = std::to_string(n);
    std::string line = "{\"n\":" + digits + ",\"p\":\"" + std::string(36 - digits.size(), 'p') + "\"}\n";
    BOOST_REQUIRE(line.size() == 50u);
    return line;
}

using test_support::clean_env;
using test_support::env_guard;

void set_mtime(const fs::path& p, ink::time_point t) {
    auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(ns / 1000000000);
    times[0].tv_nsec = times[1].tv_nsec = static_cast<long>(ns % 1000000000);
    BOOST_REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

struct missing_rotate {
    bool due(const rotate::file_state&, ink::time_point, std::size_t) { return false; }
};
struct wrong_result {
    bool due(const rotate::file_state&, ink::time_point, std::size_t) { return false; }
    bool rotate(const rotate::file_state&) { return false; }
};

}  // namespace

static_assert(ink::policy::rotation<rotate::never>);
static_assert(ink::policy::rotation<rotate::by_size<>>);
static_assert(ink::policy::rotation<rotate::daily<>>);
static_assert(ink::policy::rotation<rotate::from_env<>>);
static_assert(!ink::policy::rotation<int>);
static_assert(!ink::policy::rotation<missing_rotate>);
static_assert(!ink::policy::rotation<wrong_result>);
static_assert(std::is_empty_v<rotate::never>);
static_assert(std::is_same_v<ink::sink::rotating_file<rotate::never, "_errors">::with_rotation<rotate::daily<>>,
                             ink::sink::rotating_file<rotate::daily<>, "_errors">>);

BOOST_AUTO_TEST_SUITE(by_size)

BOOST_AUTO_TEST_CASE(keeps_exactly_n_backups_each_within_the_limit) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(1000, 3));
        for (int i = 0; i < 200; ++i) {
            sink.write(record_at(fixed_time), line50(i));
            if (i % 7 == 0) sink.flush();
        }
    }
    auto files = files_below(dir.path());
    BOOST_TEST(files.size() == 4u);  // app.log + 3 backups, the oldest ones deleted
    BOOST_TEST(!fs::exists(dir / "app.log.4"));
    for (const auto& f : files) BOOST_TEST(fs::file_size(f) <= 1000u);
    // 20 lines of 50 bytes fill a file exactly; the newest 80 lines remain, in order.
    BOOST_TEST(numbers_in(dir / "app.log.3") == range(120, 140));
    BOOST_TEST(numbers_in(dir / "app.log.2") == range(140, 160));
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(160, 180));
    BOOST_TEST(numbers_in(dir / "app.log") == range(180, 200));
    BOOST_TEST(rep.stats().records == 200u);
    BOOST_TEST(rep.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(no_line_is_lost_or_split_across_rotations_even_when_held_back) {
    temp_dir dir;
    reporter rep;
    {
        // Never flushed until the end: every rotation must first write out what it holds.
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(1000, 100));
        for (int i = 0; i < 1000; ++i) sink.write(record_at(fixed_time), line50(i));
    }
    std::vector<int> all;
    for (int b = 49; b >= 1; --b) {
        auto backup = dir / ("app.log." + std::to_string(b));
        BOOST_REQUIRE(fs::exists(backup));
        BOOST_TEST(fs::file_size(backup) == 1000u);
        for (int n : numbers_in(backup)) all.push_back(n);
    }
    for (int n : numbers_in(dir / "app.log")) all.push_back(n);
    BOOST_TEST(all == range(0, 1000));
    BOOST_TEST(!fs::exists(dir / "app.log.50"));
    BOOST_TEST(rep.stats().records == 1000u);
}

BOOST_AUTO_TEST_CASE(a_restart_counts_the_size_already_in_the_file) {
    temp_dir dir;
    reporter rep;
    {
        std::ofstream out(dir / "app.log");
        for (int i = 0; i < 18; ++i) out << line50(i);  // 900 bytes from the last run
    }
    {
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(1000, 2));
        for (int i = 18; i < 21; ++i) sink.write(record_at(fixed_time), line50(i));
    }
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(0, 20));
    BOOST_TEST(numbers_in(dir / "app.log") == range(20, 21));
}

BOOST_AUTO_TEST_CASE(a_line_longer_than_the_limit_goes_whole_into_a_file_of_its_own) {
    temp_dir dir;
    reporter rep;
    std::string big = "{\"n\":1,\"p\":\"" + std::string(3000, 'b') + "\"}\n";
    {
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(1000, 5));
        sink.write(record_at(fixed_time), line50(0));
        sink.write(record_at(fixed_time), big);
        sink.write(record_at(fixed_time), line50(2));
    }
    BOOST_TEST(numbers_in(dir / "app.log.2") == range(0, 1));
    BOOST_TEST(read_file(dir / "app.log.1") == big);
    BOOST_TEST(numbers_in(dir / "app.log") == range(2, 3));
}

BOOST_AUTO_TEST_CASE(the_errors_file_rotates_under_its_own_name) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::by_size<>, "_errors"> sink(context_for(dir.path(), rep),
                                                                     rotate::by_size<>(100, 5));
        BOOST_TEST(sink.path() == (dir / "app_errors.log").string());
        for (int i = 0; i < 5; ++i) sink.write(record_at(fixed_time), line50(i));
    }
    BOOST_TEST(numbers_in(dir / "app_errors.log.2") == range(0, 2));
    BOOST_TEST(numbers_in(dir / "app_errors.log.1") == range(2, 4));
    BOOST_TEST(numbers_in(dir / "app_errors.log") == range(4, 5));
    BOOST_TEST(!fs::exists(dir / "app.log"));
}

BOOST_AUTO_TEST_CASE(zero_backups_or_zero_size_never_rotate) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(100, 0));
        for (int i = 0; i < 10; ++i) sink.write(record_at(fixed_time), line50(i));
        sink.rotate_now();
    }
    BOOST_TEST(files_below(dir.path()).size() == 1u);
    BOOST_TEST(numbers_in(dir / "app.log") == range(0, 10));
    rotate::by_size<> unlimited(0, 5);
    BOOST_TEST(!unlimited.due(rotate::file_state{"d", "a", "a.", "", 1ull << 40, fixed_time}, fixed_time, 100));
}

BOOST_AUTO_TEST_CASE(category_files_rotate_inside_their_date_folder) {
    temp_dir dir;
    reporter rep;
    using sink_type = ink::sink::category_files<>::with_rotation<rotate::by_size<>>;
    {
        sink_type sink(context_for(dir.path(), rep), rotate::by_size<>(500, 2));
        for (int i = 0; i < 30; ++i) {
            sink.write(record_at(fixed_time, "engine"), line50(i));
            if (i % 3 == 0) sink.write(record_at(fixed_time, "ui"), line50(i));
        }
    }
    auto day = dir / "2024-12-20";
    BOOST_TEST(numbers_in(day / "engine+2.jsonl") == range(0, 10));
    BOOST_TEST(numbers_in(day / "engine+1.jsonl") == range(10, 20));
    BOOST_TEST(numbers_in(day / "engine.jsonl") == range(20, 30));
    BOOST_TEST(read_lines(day / "ui.jsonl").size() == 10u);
    BOOST_TEST(files_below(dir.path()).size() == 4u);
    BOOST_TEST(rep.stats().records == 40u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(daily)

BOOST_AUTO_TEST_CASE(rotates_at_the_first_record_of_a_new_utc_day_and_keeps_n_dated_backups) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::daily<>> sink(context_for(dir.path(), rep), rotate::daily<>(3));
        int n = 0;
        for (int d = 0; d < 6; ++d) {
            sink.write(record_at(fixed_time + days(d)), line50(n++));
            sink.write(record_at(fixed_time + days(d) + 13h), line50(n++));  // 23:15, still the same day
            sink.flush();
        }
        // A late record of yesterday does not rotate today's file.
        sink.write(record_at(fixed_time + days(4)), line50(n++));
    }
    auto files = files_below(dir.path());
    BOOST_TEST(files.size() == 4u);
    BOOST_TEST(!fs::exists(dir / "app.log.20241221"));  // beyond the 3 newest: deleted
    BOOST_TEST(numbers_in(dir / "app.log.20241222") == range(4, 6));
    BOOST_TEST(numbers_in(dir / "app.log.20241223") == range(6, 8));
    BOOST_TEST(numbers_in(dir / "app.log.20241224") == range(8, 10));
    BOOST_TEST(numbers_in(dir / "app.log") == range(10, 13));
    BOOST_TEST(rep.stats().records == 13u);
    BOOST_TEST(rep.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(the_day_boundary_is_midnight_utc) {
    temp_dir dir;
    reporter rep;
    const auto midnight = sys_days{year{2025} / 9 / 15};
    {
        ink::sink::rotating_file<rotate::daily<>> sink(context_for(dir.path(), rep), rotate::daily<>(7));
        sink.write(record_at(midnight - 1ms), line50(0));
        sink.write(record_at(midnight), line50(1));
    }
    BOOST_TEST(numbers_in(dir / "app.log.20250914") == range(0, 1));
    BOOST_TEST(numbers_in(dir / "app.log") == range(1, 2));
}

BOOST_AUTO_TEST_CASE(a_file_left_from_an_earlier_day_rotates_at_the_first_record) {
    temp_dir dir;
    reporter rep;
    { std::ofstream(dir / "app.log") << line50(0); }
    set_mtime(dir / "app.log", fixed_time - days(1));
    {
        ink::sink::rotating_file<rotate::daily<>> sink(context_for(dir.path(), rep), rotate::daily<>(7));
        sink.write(record_at(fixed_time), line50(1));
    }
    BOOST_TEST(numbers_in(dir / "app.log.20241219") == range(0, 1));
    BOOST_TEST(numbers_in(dir / "app.log") == range(1, 2));
}

BOOST_AUTO_TEST_CASE(rotate_now_twice_a_day_numbers_the_dated_backups) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::daily<>> sink(context_for(dir.path(), rep), rotate::daily<>(2));
        for (int i = 0; i < 3; ++i) {
            sink.write(record_at(fixed_time + minutes(i)), line50(i));
            sink.rotate_now();
        }
        sink.write(record_at(fixed_time + minutes(3)), line50(3));
    }
    // Three backups of one day; the 2 newest are kept.
    BOOST_TEST(!fs::exists(dir / "app.log.20241220"));
    BOOST_TEST(numbers_in(dir / "app.log.20241220.1") == range(1, 2));
    BOOST_TEST(numbers_in(dir / "app.log.20241220.2") == range(2, 3));
    BOOST_TEST(numbers_in(dir / "app.log") == range(3, 4));
    BOOST_TEST(files_below(dir.path()).size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(on_request)

BOOST_AUTO_TEST_CASE(rotate_now_moves_the_file_aside_and_skips_an_empty_one) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(1 << 20, 5));
        for (int i = 0; i < 10; ++i) sink.write(record_at(fixed_time), line50(i));  // held back, not flushed
        sink.rotate_now();
        sink.rotate_now();  // the new file is empty: nothing to rotate
        for (int i = 10; i < 15; ++i) sink.write(record_at(fixed_time), line50(i));
    }
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(0, 10));
    BOOST_TEST(numbers_in(dir / "app.log") == range(10, 15));
    BOOST_TEST(!fs::exists(dir / "app.log.2"));
}

BOOST_AUTO_TEST_CASE(rotate_now_with_never_does_nothing) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::rotating_file<rotate::never> sink(context_for(dir.path(), rep));
        sink.write(record_at(fixed_time), line50(0));
        sink.rotate_now();
        sink.write(record_at(fixed_time), line50(1));
    }
    BOOST_TEST(files_below(dir.path()).size() == 1u);
    BOOST_TEST(numbers_in(dir / "app.log") == range(0, 2));
}

BOOST_AUTO_TEST_CASE(rotate_now_rotates_every_category_file) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::category_files<".jsonl", rotate::by_size<>> sink(context_for(dir.path(), rep),
                                                                     rotate::by_size<>(1 << 20, 3));
        sink.write(record_at(fixed_time, "engine"), line50(0));
        sink.write(record_at(fixed_time, "ui"), line50(1));
        sink.rotate_now();
        sink.write(record_at(fixed_time, "ui"), line50(2));
    }
    auto day = dir / "2024-12-20";
    BOOST_TEST(numbers_in(day / "engine+1.jsonl") == range(0, 1));
    BOOST_TEST(numbers_in(day / "ui+1.jsonl") == range(1, 2));
    BOOST_TEST(numbers_in(day / "ui.jsonl") == range(2, 3));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment)

BOOST_AUTO_TEST_CASE(defaults_come_from_the_template_arguments) {
    clean_env clean;
    BOOST_TEST(rotate::by_size<>{}.max_bytes() == 10u * 1024 * 1024);
    BOOST_TEST(rotate::by_size<>{}.backups() == 5u);
    BOOST_TEST((rotate::by_size<2048, 3>{}.max_bytes()) == 2048u);
    BOOST_TEST((rotate::by_size<2048, 3>{}.backups()) == 3u);
    BOOST_TEST(rotate::daily<>{}.backups() == 7u);
    BOOST_TEST(!rotate::from_env<>{}.is_daily());
}

BOOST_AUTO_TEST_CASE(variables_override_the_defaults) {
    clean_env clean;
    env_guard size("INKWELL_LOG_MAX_SIZE_MB", "3");
    env_guard count("INKWELL_LOG_BACKUP_COUNT", " 9 ");
    BOOST_TEST(rotate::by_size<>{}.max_bytes() == 3u * 1024 * 1024);
    BOOST_TEST(rotate::by_size<>{}.backups() == 9u);
    BOOST_TEST(rotate::daily<>{}.backups() == 9u);
    rotate::from_env<> chosen;
    BOOST_TEST(chosen.size_policy().max_bytes() == 3u * 1024 * 1024);
    BOOST_TEST(chosen.daily_policy().backups() == 9u);
    // An explicit constructor ignores the environment.
    BOOST_TEST(rotate::by_size<>(1000, 2).max_bytes() == 1000u);
}

BOOST_AUTO_TEST_CASE(malformed_values_keep_the_defaults) {
    clean_env clean;
    for (const char* bad : {"abc", "-1", "12x", "", "1.5", "99999999999999999999999"}) {
        BOOST_TEST_CONTEXT("value '" << bad << "'") {
            env_guard size("INKWELL_LOG_MAX_SIZE_MB", bad);
            env_guard count("INKWELL_LOG_BACKUP_COUNT", bad);
            BOOST_TEST(rotate::by_size<>{}.max_bytes() == 10u * 1024 * 1024);
            BOOST_TEST(rotate::by_size<>{}.backups() == 5u);
        }
    }
}

BOOST_AUTO_TEST_CASE(rotation_type_chooses_size_or_daily) {
    clean_env clean;
    {
        env_guard type("INKWELL_LOG_ROTATION_TYPE", "time");
        BOOST_TEST(rotate::from_env<>{}.is_daily());
    }
    for (const char* value : {"size", "bogus", ""}) {
        env_guard type("INKWELL_LOG_ROTATION_TYPE", value);
        BOOST_TEST(!rotate::from_env<>{}.is_daily());
    }
}

BOOST_AUTO_TEST_CASE(from_env_drives_a_real_sink) {
    clean_env clean;
    temp_dir dir;
    reporter rep;
    {
        env_guard type("INKWELL_LOG_ROTATION_TYPE", "time");
        ink::sink::rotating_file<rotate::from_env<>> sink(context_for(dir.path(), rep));
        sink.write(record_at(fixed_time), line50(0));
        sink.write(record_at(fixed_time + days(1)), line50(1));
    }
    BOOST_TEST(numbers_in(dir / "app.log.20241220") == range(0, 1));
    BOOST_TEST(numbers_in(dir / "app.log") == range(1, 2));
}

BOOST_AUTO_TEST_CASE(a_default_constructed_sink_obeys_the_variables) {
    clean_env clean;
    env_guard size("INKWELL_LOG_MAX_SIZE_MB", "1");
    env_guard count("INKWELL_LOG_BACKUP_COUNT", "2");
    temp_dir dir;
    reporter rep;
    std::string pad(1000, 'x');
    {
        ink::sink::rotating_file<> sink(context_for(dir.path(), rep));
        for (int i = 0; i < 3200; ++i)  // ~3.2 MB
            sink.write(record_at(fixed_time), "{\"n\":" + std::to_string(i) + ",\"p\":\"" + pad + "\"}\n");
    }
    auto files = files_below(dir.path());
    BOOST_TEST(files.size() == 3u);  // app.log, app.log.1, app.log.2
    for (const auto& f : files) BOOST_TEST(fs::file_size(f) <= 1024u * 1024u);
    BOOST_TEST(numbers_in(dir / "app.log").back() == 3199);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(a_failed_rename_keeps_writing_to_the_current_file) {
    temp_dir dir;
    reporter rep;
    // The oldest backup's name is taken by a folder with something in it: the rotation cannot proceed.
    fs::create_directories(dir / "app.log.1");
    { std::ofstream(dir / "app.log.1/keep") << "x"; }
    ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(200, 1));
    for (int i = 0; i < 20; ++i) {
        sink.write(record_at(fixed_time), line50(i));
        sink.flush();
    }
    BOOST_TEST(numbers_in(dir / "app.log") == range(0, 20));  // nothing lost
    BOOST_TEST(rep.stats().records == 20u);
    BOOST_TEST(rep.stats().fallback_records == 0u);
    // Reported once: automatic retries wait instead of flooding the handler.
    BOOST_REQUIRE(rep.events.size() == 1u);
    BOOST_TEST(rep.events[0].kind == ink::error_kind::rotate);
    BOOST_TEST(rep.events[0].system_error == EISDIR);
    BOOST_TEST(rep.events[0].path == (dir / "app.log").string());
    BOOST_TEST(read_file(dir / "app.log.1/keep") == "x");

    // The cause goes away; rotation on request works at once.
    fs::remove_all(dir / "app.log.1");
    sink.rotate_now();
    sink.write(record_at(fixed_time), line50(20));
    sink.flush();
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(0, 20));
    BOOST_TEST(numbers_in(dir / "app.log") == range(20, 21));
    BOOST_TEST(rep.events.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failed_rotation_overwrites_no_backup) {
    temp_dir dir;
    reporter rep;
    for (int b = 1; b <= 2; ++b) std::ofstream(dir / ("app.log." + std::to_string(b))) << line50(100 + b);
    fs::create_directories(dir / "app.log.3/inside");  // the oldest cannot be removed
    {
        ink::sink::rotating_file<rotate::by_size<>> sink(context_for(dir.path(), rep), rotate::by_size<>(100, 3));
        for (int i = 0; i < 4; ++i) sink.write(record_at(fixed_time), line50(i));
    }
    BOOST_TEST(numbers_in(dir / "app.log.1") == range(101, 102));
    BOOST_TEST(numbers_in(dir / "app.log.2") == range(102, 103));
    BOOST_TEST(numbers_in(dir / "app.log") == range(0, 4));
    BOOST_TEST(rep.stats().records == 4u);
    BOOST_REQUIRE(rep.events.size() == 1u);
    BOOST_TEST(rep.events[0].kind == ink::error_kind::rotate);
}

BOOST_AUTO_TEST_SUITE_END()
