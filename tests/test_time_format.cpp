#define BOOST_TEST_MODULE time_format
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>

namespace {

namespace d = inkwell::detail;
using namespace std::chrono;

inkwell::time_point at_ms(std::int64_t ms) { return inkwell::time_point{milliseconds{ms}}; }

std::string iso(inkwell::time_point t) {
    d::line_buffer out;
    d::append_iso8601_utc_ms(out, t);
    return {out.data(), out.size()};
}

std::string text_time(inkwell::time_point t, bool utc) {
    d::line_buffer out;
    d::append_text_time(out, t, utc);
    return {out.data(), out.size()};
}

// Runs `f` on a fresh thread, so the per-thread cache of local time starts empty
// (the time zone is changed between checks).
template <class F>
void on_fresh_thread(F f) {
    std::thread t(f);
    t.join();
}

void set_time_zone(const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
}

}  // namespace

BOOST_AUTO_TEST_CASE(civil_dates_match_the_standard_calendar_for_every_day_of_a_wide_range) {
    // std::chrono's calendar is the independent reference: ±1,000,000 days is
    // roughly 800 BC to 4700 AD, every leap rule included.
    for (std::int64_t day = -1'000'000; day <= 1'000'000; ++day) {
        const year_month_day expected{sys_days{days{day}}};
        const d::civil_date got = d::civil_from_days(day);
        if (got.year != int(expected.year()) || got.month != unsigned(expected.month()) ||
            got.day != unsigned(expected.day()))
            BOOST_FAIL("civil_from_days(" << day << ") = " << got.year << '-' << got.month << '-' << got.day);
        if (d::days_from_civil(got.year, got.month, got.day) != day) BOOST_FAIL("days_from_civil round trip at " << day);
    }
}

BOOST_AUTO_TEST_CASE(known_dates_and_leap_years) {
    static_assert(d::days_from_civil(1970, 1, 1) == 0);
    static_assert(d::days_from_civil(2000, 2, 29) == 11016);
    static_assert(d::days_from_civil(1969, 12, 31) == -1);
    BOOST_CHECK_EQUAL(d::days_from_civil(2000, 3, 1), 11017);  // 2000 is a leap year (divisible by 400)
    BOOST_CHECK_EQUAL(d::days_from_civil(1900, 3, 1) - d::days_from_civil(1900, 2, 28), 1);  // 1900 is not
    BOOST_CHECK_EQUAL(d::days_from_civil(2100, 3, 1) - d::days_from_civil(2100, 2, 28), 1);  // nor is 2100
    BOOST_CHECK_EQUAL(d::days_from_civil(2024, 3, 1) - d::days_from_civil(2024, 2, 28), 2);  // 2024 is
    BOOST_CHECK_EQUAL(d::days_from_civil(1900, 1, 1), -25567);
    const d::civil_date leap_day = d::civil_from_days(11016);
    BOOST_CHECK(leap_day.year == 2000 && leap_day.month == 2 && leap_day.day == 29);
}

BOOST_AUTO_TEST_CASE(iso8601_utc_milliseconds) {
    BOOST_CHECK_EQUAL(iso(at_ms(0)), "1970-01-01T00:00:00.000Z");
    BOOST_CHECK_EQUAL(iso(at_ms(1734689730123)), "2024-12-20T10:15:30.123Z");
    BOOST_CHECK_EQUAL(iso(at_ms(951782400000)), "2000-02-29T00:00:00.000Z");
    BOOST_CHECK_EQUAL(iso(at_ms(951868799999)), "2000-02-29T23:59:59.999Z");
    BOOST_CHECK_EQUAL(iso(at_ms(2147483647000)), "2038-01-19T03:14:07.000Z");
    BOOST_CHECK_EQUAL(iso(at_ms(2147483648000)), "2038-01-19T03:14:08.000Z");  // past 32-bit time_t
    BOOST_CHECK_EQUAL(iso(at_ms(4107456000000)), "2100-02-28T00:00:00.000Z");
    BOOST_CHECK_EQUAL(iso(at_ms(4107456000000 + 86400000)), "2100-03-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(milliseconds_are_truncated_not_rounded) {
    BOOST_CHECK_EQUAL(iso(at_ms(1734689730000) + nanoseconds{999'999'999}), "2024-12-20T10:15:30.999Z");
    BOOST_CHECK_EQUAL(iso(at_ms(1734689730000) + microseconds{1'999}), "2024-12-20T10:15:30.001Z");
    BOOST_CHECK_EQUAL(text_time(at_ms(1734689730000) + nanoseconds{999'999'999}, true), "2024-12-20 10:15:30,999");
}

BOOST_AUTO_TEST_CASE(times_before_1970_work) {
    BOOST_CHECK_EQUAL(iso(inkwell::time_point{nanoseconds{-1}}), "1969-12-31T23:59:59.999Z");
    BOOST_CHECK_EQUAL(iso(at_ms(-1000)), "1969-12-31T23:59:59.000Z");
    BOOST_CHECK_EQUAL(iso(at_ms(-1001)), "1969-12-31T23:59:58.999Z");
    BOOST_CHECK_EQUAL(iso(at_ms(-2208988800000)), "1900-01-01T00:00:00.000Z");
    BOOST_CHECK_EQUAL(iso(at_ms(-8515238400000 - 1)), "1700-02-28T23:59:59.999Z");  // 1700 is not a leap year
    BOOST_CHECK_EQUAL(text_time(inkwell::time_point{nanoseconds{-1}}, true), "1969-12-31 23:59:59,999");
    // The ends of the clock's range.
    BOOST_CHECK_EQUAL(iso(inkwell::time_point::min()), "1677-09-21T00:12:43.145Z");
    BOOST_CHECK_EQUAL(iso(inkwell::time_point::max()), "2262-04-11T23:47:16.854Z");
    on_fresh_thread([] {
        set_time_zone("UTC0");
        BOOST_CHECK_EQUAL(text_time(inkwell::time_point::min(), false), "1677-09-21 00:12:43,145");
    });
}

BOOST_AUTO_TEST_CASE(text_time_in_utc) {
    BOOST_CHECK_EQUAL(text_time(at_ms(1705314615123), true), "2024-01-15 10:30:15,123");
    // Same second (cached), then the next one: the cache must follow.
    BOOST_CHECK_EQUAL(text_time(at_ms(1705314615999), true), "2024-01-15 10:30:15,999");
    BOOST_CHECK_EQUAL(text_time(at_ms(1705314616000), true), "2024-01-15 10:30:16,000");
    BOOST_CHECK_EQUAL(text_time(at_ms(1705314615001), true), "2024-01-15 10:30:15,001");
}

BOOST_AUTO_TEST_CASE(text_time_in_local_time_follows_the_time_zone) {
    on_fresh_thread([] {
        set_time_zone("IST-5:30");  // a POSIX TZ string: UTC+5:30, no tz database needed
        BOOST_CHECK_EQUAL(text_time(at_ms(1705314615123), false), "2024-01-15 16:00:15,123");
        BOOST_CHECK_EQUAL(text_time(at_ms(1705314615123), true), "2024-01-15 10:30:15,123");
        // Local midnight crossing: 18:30 UTC is the next day in UTC+5:30.
        BOOST_CHECK_EQUAL(text_time(at_ms(1705343400000), false), "2024-01-16 00:00:00,000");
    });
    on_fresh_thread([] {
        set_time_zone("EST5EDT,M3.2.0,M11.1.0");  // US Eastern, with daylight saving time
        BOOST_CHECK_EQUAL(text_time(at_ms(1705314615123), false), "2024-01-15 05:30:15,123");  // winter: UTC-5
        BOOST_CHECK_EQUAL(text_time(at_ms(1721039415123), false), "2024-07-15 06:30:15,123");  // summer: UTC-4
    });
    set_time_zone("UTC0");
}

BOOST_AUTO_TEST_CASE(cache_is_per_thread) {
    // Two threads formatting different seconds never see each other's text.
    std::string a, b;
    std::thread first([&] {
        for (int i = 0; i < 1000; ++i) a = text_time(at_ms(1705314615000 + i % 2 * 1000), true);
    });
    std::thread second([&] {
        for (int i = 0; i < 1000; ++i) b = text_time(at_ms(951782400000 + i % 2 * 1000), true);
    });
    first.join();
    second.join();
    BOOST_CHECK_EQUAL(a, "2024-01-15 10:30:16,000");
    BOOST_CHECK_EQUAL(b, "2000-02-29 00:00:01,000");
}

BOOST_AUTO_TEST_CASE(dates_for_folders_and_rotation) {
    char dashed[11];
    char compact[9];
    BOOST_CHECK_EQUAL(d::utc_date(at_ms(1734689730123), dashed), "2024-12-20");
    BOOST_CHECK_EQUAL(std::string(dashed), "2024-12-20");  // also NUL-terminated for C APIs
    BOOST_CHECK_EQUAL(d::compact_utc_date(at_ms(1734689730123), compact), "20241220");
    BOOST_CHECK_EQUAL(std::string(compact), "20241220");
    BOOST_CHECK_EQUAL(d::utc_date(at_ms(951868799999), dashed), "2000-02-29");
    BOOST_CHECK_EQUAL(d::compact_utc_date(inkwell::time_point{nanoseconds{-1}}, compact), "19691231");
    BOOST_CHECK_EQUAL(d::utc_day_number(at_ms(951782400000)), 11016);
    BOOST_CHECK_EQUAL(d::utc_day_number(inkwell::time_point{nanoseconds{-1}}), -1);
}
