#pragma once
// Timestamps without <chrono>'s calendar or strftime: the civil-date
// arithmetic is a handful of integer operations, the text is written digit
// by digit, and local time is converted once per second per thread.

#include "chrono.hpp"
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string_view>

#include "../record.hpp"
#include "../version.hpp"
#include "line_buffer.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

struct civil_date {
    int year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// The calendar is counted in 400-year eras that start on 1 March of a year
// divisible by 400: with March first, the leap day is the last day of a
// year, and every era has exactly 146097 days.
inline constexpr std::int64_t days_per_era = 146097;
inline constexpr std::int64_t days_from_0000_03_01_to_epoch = 719468;

// Day of the year counted from 1 March (0..365) for a month counted from March (0..11).
constexpr unsigned days_before_month_from_march(unsigned month_from_march) noexcept {
    // Months from March run 31,30,31,30,31 twice and then 31,28/29: the
    // cumulative length is (153 * m + 2) / 5.
    return (153 * month_from_march + 2) / 5;
}

// Days since 1970-01-01 (negative before) of a proleptic Gregorian date.
constexpr std::int64_t days_from_civil(int year, unsigned month, unsigned day) noexcept {
    const std::int64_t march_year = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(march_year, 400);
    const auto year_of_era = static_cast<unsigned>(march_year - era * 400);  // 0..399
    const unsigned month_from_march = month > 2 ? month - 3 : month + 9;
    const unsigned day_of_year = days_before_month_from_march(month_from_march) + day - 1;
    const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * days_per_era + day_of_era - days_from_0000_03_01_to_epoch;
}

// The date of a day counted from 1970-01-01; the inverse of days_from_civil.
constexpr civil_date civil_from_days(std::int64_t days_since_epoch) noexcept {
    const std::int64_t days = days_since_epoch + days_from_0000_03_01_to_epoch;
    const std::int64_t era = floor_div(days, days_per_era);
    auto rest = static_cast<unsigned>(days - era * days_per_era);  // 0..146096
    // Peel off centuries (36524 days; only the era's last one has a leap day
    // at its end), then 4-year blocks (1461 days), then years (365 days).
    // The min() catches the leap day that ends a longer block.
    unsigned centuries = rest / 36524;
    if (centuries > 3) centuries = 3;
    rest -= centuries * 36524;
    const unsigned quads = rest / 1461;
    rest -= quads * 1461;
    unsigned years = rest / 365;
    if (years > 3) years = 3;
    rest -= years * 365;
    const unsigned year_of_era = centuries * 100 + quads * 4 + years;
    const unsigned day_of_year = rest;  // 0 = 1 March
    const unsigned month_from_march = (5 * day_of_year + 2) / 153;
    const unsigned day = day_of_year - days_before_month_from_march(month_from_march) + 1;
    const unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    const std::int64_t year = era * 400 + year_of_era + (month <= 2 ? 1 : 0);
    return {static_cast<int>(year), month, day};
}

// A time point split into UTC calendar fields; milliseconds are truncated
// towards the past, so 23:59:59.9999 stays in the old second, before 1970 too.
struct utc_fields {
    civil_date date;
    unsigned hour, minute, second, millisecond;
};

inline std::int64_t epoch_milliseconds(time_point t) noexcept {
    return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline utc_fields split_utc_milliseconds(std::int64_t ms_since_epoch) noexcept {
    const std::int64_t seconds = floor_div(ms_since_epoch, 1000);
    const std::int64_t days = floor_div(seconds, 86400);
    const auto second_of_day = static_cast<unsigned>(seconds - days * 86400);
    return {civil_from_days(days), second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60,
            static_cast<unsigned>(ms_since_epoch - seconds * 1000)};
}

inline utc_fields split_utc(time_point t) noexcept { return split_utc_milliseconds(epoch_milliseconds(t)); }

// Days since 1970-01-01 of a time point's UTC date (for day-change checks).
inline std::int64_t utc_day_number(time_point t) noexcept { return floor_div(epoch_milliseconds(t), 86400000); }

// Writes `value` as exactly `width` decimal digits (leading zeros) at `at`.
constexpr char* put_digits(char* at, unsigned value, int width) noexcept {
    for (int i = width - 1; i >= 0; --i) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return at + width;
}

// Four-digit years only: a nanosecond system_clock spans 1677..2262, so the
// clamp never changes a real timestamp; it only keeps the width fixed.
constexpr char* put_year(char* at, int year) noexcept {
    if (year < 0) year = 0;
    if (year > 9999) year = 9999;
    return put_digits(at, static_cast<unsigned>(year), 4);
}

// "YYYY-MM-DD" into `at` (10 chars), `separator` between the parts ('\0' for none).
constexpr char* put_date(char* at, const civil_date& d, char separator) noexcept {
    at = put_year(at, d.year);
    if (separator) *at++ = separator;
    at = put_digits(at, d.month, 2);
    if (separator) *at++ = separator;
    return put_digits(at, d.day, 2);
}

constexpr char* put_clock(char* at, unsigned hour, unsigned minute, unsigned second) noexcept {
    at = put_digits(at, hour, 2);
    *at++ = ':';
    at = put_digits(at, minute, 2);
    *at++ = ':';
    return put_digits(at, second, 2);
}

// Appends `n` bytes to `out` and returns where they start, for the caller to
// fill: a time written on the stack and then copied in overlapping words
// stalls the copy's loads (no store-to-load forwarding), once per record.
inline char* room_for(line_buffer& out, std::size_t n) {
    const std::size_t used = out.size();
    out.resize(used + n);
    return out.data() + used;
}

// ISO-8601 in UTC with milliseconds: "2024-12-20T10:15:30.123Z", the 24
// bytes written at `at`; returns their end. The calendar part changes once a
// second; each thread remembers the last one.
inline char* put_iso8601_utc_ms(char* at, time_point t) noexcept {
    thread_local std::int64_t cached_second = INT64_MIN;
    thread_local char cached_text[19];  // "2024-12-20T10:15:30"
    const std::int64_t ms = epoch_milliseconds(t);
    const std::int64_t second = floor_div(ms, 1000);
    if (second != cached_second) {
        const utc_fields f = split_utc_milliseconds(second * 1000);
        char* c = put_date(cached_text, f.date, '-');
        *c++ = 'T';
        put_clock(c, f.hour, f.minute, f.second);
        cached_second = second;
    }
    std::memcpy(at, cached_text, sizeof cached_text);
    at[19] = '.';
    put_digits(at + 20, static_cast<unsigned>(ms - second * 1000), 3);
    at[23] = 'Z';
    return at + 24;
}
inline void append_iso8601_utc_ms(line_buffer& out, time_point t) { put_iso8601_utc_ms(room_for(out, 24), t); }

// "YYYY-MM-DD HH:MM:SS" of one whole second, remembered per thread so that
// records within the same second skip the conversion (localtime_r takes a
// lock and may consult the time zone file).
struct second_text_cache {
    std::int64_t second = 0;
    bool valid = false;
    char text[19]{};
};

inline void render_second(second_text_cache& cache, std::int64_t second, bool utc) noexcept {
    char* at = cache.text;
    bool done = false;
    if (!utc) {
        const auto as_time_t = static_cast<std::time_t>(second);
        std::tm local{};
        if (::localtime_r(&as_time_t, &local) != nullptr) {
            at = put_date(at, civil_date{local.tm_year + 1900, static_cast<unsigned>(local.tm_mon + 1),
                                         static_cast<unsigned>(local.tm_mday)},
                          '-');
            *at++ = ' ';
            put_clock(at, static_cast<unsigned>(local.tm_hour), static_cast<unsigned>(local.tm_min),
                      static_cast<unsigned>(local.tm_sec));
            done = true;
        }
    }
    if (!done) {  // UTC asked for, or the local conversion failed
        const utc_fields f = split_utc_milliseconds(second * 1000);
        at = put_date(at, f.date, '-');
        *at++ = ' ';
        put_clock(at, f.hour, f.minute, f.second);
    }
    cache.second = second;
    cache.valid = true;
}

// The text-log time, Python logging's default: "2024-01-15 10:30:15,123",
// in local time unless `utc`.
inline void append_text_time(line_buffer& out, time_point t, bool utc) {
    thread_local second_text_cache local_cache, utc_cache;
    second_text_cache& cache = utc ? utc_cache : local_cache;
    const std::int64_t ms = epoch_milliseconds(t);
    const std::int64_t second = floor_div(ms, 1000);
    if (!cache.valid || cache.second != second) render_second(cache, second, utc);
    char* at = room_for(out, 23);
    std::memcpy(at, cache.text, sizeof cache.text);
    at[19] = ',';
    put_digits(at + 20, static_cast<unsigned>(ms - second * 1000), 3);
}

// "YYYY-MM-DD" of the UTC date, written into `buffer` (date folders).
inline std::string_view utc_date(time_point t, char (&buffer)[11]) noexcept {
    char* end = put_date(buffer, split_utc(t).date, '-');
    *end = '\0';
    return {buffer, 10};
}

// "YYYYMMDD" of the UTC date, written into `buffer` (daily rotation suffixes).
inline std::string_view compact_utc_date(time_point t, char (&buffer)[9]) noexcept {
    char* end = put_date(buffer, split_utc(t).date, '\0');
    *end = '\0';
    return {buffer, 8};
}

}  // namespace detail
INKWELL_END_NAMESPACE
