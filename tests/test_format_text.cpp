#define BOOST_TEST_MODULE format_text
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include "test_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using inkwell::field;
using inkwell::field_value;
using namespace std::string_literals;

inkwell::time_point at_ms(std::int64_t ms) { return inkwell::time_point{std::chrono::milliseconds{ms}}; }

inkwell::record make_record(std::string_view message, std::span<const field> fields = {}) {
    inkwell::record r;
    r.severity = inkwell::level::info;
    r.time = at_ms(1705314615123);  // 2024-01-15T10:30:15.123Z
    r.message = message;
    r.category = "auth";
    r.logger_name = "storyos";
    r.where.file = "auth.cpp";
    r.where.line = 12;
    r.fields = fields;
    return r;
}

template <class Formatter = inkwell::format::text_utc>
std::string format_line(const inkwell::record& r) {
    inkwell::detail::line_buffer out;
    Formatter{}.format(r, out);
    return std::string(out.data(), out.size());
}

field string_field(std::string_view key, std::string_view value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::string;
    f.value.text = value;
    return f;
}
field number_field(std::string_view key, double value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::floating;
    f.value.number.floating = value;
    return f;
}
field int_field(std::string_view key, std::int64_t value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::signed_integer;
    f.value.number.signed_integer = value;
    return f;
}

// What a terminal must never receive from record data: any C0 control other
// than the final newline, DEL, or a C1 control (UTF-8 C2 80..C2 9F).
void check_terminal_safe(const std::string& line) {
    BOOST_REQUIRE(!line.empty());
    BOOST_CHECK_EQUAL(line.back(), '\n');
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c < 0x20 || c == 0x7F) BOOST_FAIL("raw control byte " << int(c) << " at offset " << i);
        if (c == 0xC2 && i + 2 < line.size()) {
            const auto next = static_cast<unsigned char>(line[i + 1]);
            if (next >= 0x80 && next <= 0x9F) BOOST_FAIL("raw C1 control at offset " << i);
        }
    }
    // Valid UTF-8 throughout: nlohmann's strict dump() rejects anything else.
    BOOST_CHECK_NO_THROW((void)nlohmann::json(line).dump());
}

}  // namespace

BOOST_AUTO_TEST_CASE(formatters_are_stateless_policies) {
    static_assert(inkwell::policy::formatter<inkwell::format::text>);
    static_assert(inkwell::policy::formatter<inkwell::format::text_utc>);
    static_assert(inkwell::policy::formatter<inkwell::format::console>);
    static_assert(inkwell::policy::formatter<inkwell::format::console_plain>);
    static_assert(std::is_empty_v<inkwell::format::text> && std::is_empty_v<inkwell::format::console>);
    static_assert(inkwell::format::text::zone == inkwell::format::time_zone::local);
    static_assert(inkwell::format::text_utc::zone == inkwell::format::time_zone::utc);
}

BOOST_AUTO_TEST_CASE(exact_line_of_the_text_spec) {
    BOOST_CHECK_EQUAL(format_line(make_record("User alice logged in successfully (duration: 0.15s)")),
                      "[2024-01-15 10:30:15,123] [INFO] [auth] User alice logged in successfully (duration: 0.15s)\n");
}

BOOST_AUTO_TEST_CASE(level_labels_including_custom_ones) {
    auto r = make_record("m");
    const std::pair<inkwell::level, std::string> cases[] = {
        {inkwell::level::trace, "[TRACE]"}, {inkwell::level::debug, "[DEBUG]"},   {inkwell::level::perf, "[PERF]"},
        {inkwell::level::warn, "[WARNING]"}, {inkwell::level::error, "[ERROR]"}, {inkwell::level::critical, "[CRITICAL]"}};
    for (const auto& [lvl, label] : cases) {
        r.severity = lvl;
        BOOST_CHECK_EQUAL(format_line(r), "[2024-01-15 10:30:15,123] " + label + " [auth] m\n");
    }
    constexpr auto notice = inkwell::level{33};
    inkwell::define_level(notice, "notice", "NOTICE");
    r.severity = notice;
    BOOST_CHECK_EQUAL(format_line(r), "[2024-01-15 10:30:15,123] [NOTICE] [auth] m\n");
    // A label is data too: a hostile one is escaped.
    constexpr auto odd = inkwell::level{34};
    inkwell::define_level(odd, "odd", "OD\x1b[2JD");
    r.severity = odd;
    BOOST_CHECK_EQUAL(format_line(r), "[2024-01-15 10:30:15,123] [OD\\x1b[2JD] [auth] m\n");
}

BOOST_AUTO_TEST_CASE(module_slot_falls_back_to_the_logger_name) {
    auto r = make_record("m");
    r.category = "";
    BOOST_CHECK_EQUAL(format_line(r), "[2024-01-15 10:30:15,123] [INFO] [storyos] m\n");
}

BOOST_AUTO_TEST_CASE(fields_follow_the_message_as_key_value_pairs) {
    field yes;
    yes.key = "ok";
    yes.value.type = field_value::kind::boolean;
    yes.value.number.boolean = true;
    field nothing;
    nothing.key = "none";
    const field fields[] = {number_field("duration", 2.34), int_field("rows", -3),        yes,
                            nothing,                        string_field("session", "abc123"),
                            string_field("user", "Alice Smith"), string_field("quote", "say \"hi\""),
                            string_field("empty", ""),      string_field("eq", "a=b"),
                            number_field("whole", 2.0),     number_field("nan", std::numeric_limits<double>::quiet_NaN()),
                            int_field("rows", 99)};  // a repeated key: the first one stands
    BOOST_CHECK_EQUAL(format_line(make_record("process_player_input completed", fields)),
                      "[2024-01-15 10:30:15,123] [INFO] [auth] process_player_input completed"
                      " duration=2.34 rows=-3 ok=true none=null session=abc123 user=\"Alice Smith\""
                      " quote=\"say \\\"hi\\\"\" empty=\"\" eq=\"a=b\" whole=2.0 nan=nan\n");
}

BOOST_AUTO_TEST_CASE(controls_become_visible_escapes) {
    const std::string line = format_line(make_record("a\nb\rc\td\x1b[31me\x7f" "f\x01g\\h\xC2\x9Bi\xE2\x80\xA8j\xFFk"));
    BOOST_CHECK_EQUAL(line, "[2024-01-15 10:30:15,123] [INFO] [auth] "
                            "a\\nb\\rc\\td\\x1b[31me\\x7ff\\x01g\\h\\u009bi\\u2028j\xEF\xBF\xBDk\n");
}

// Plain text of 16 bytes and more is checked while it is copied, 16 bytes at
// a time: a byte to escape in any chunk, at any position, is still escaped,
// with nothing copied twice or left behind; also past the line buffer's
// inline room (512 bytes).
BOOST_AUTO_TEST_CASE(a_byte_to_escape_at_any_position_of_a_long_message) {
    const std::pair<std::string, std::string> specials[] = {
        {"\n", "\\n"}, {"\x01", "\\x01"}, {"\x7F", "\\x7f"}, {"\xC2\x9B", "\\u009b"},
        {"\xC3\xA9", "\xC3\xA9"}, {"\xFF", "\xEF\xBF\xBD"}, {"\\", "\\"}};
    const std::string prefix = "[2024-01-15 10:30:15,123] [INFO] [auth] ";
    std::vector<std::size_t> sizes;
    for (std::size_t n = 1; n <= 50; ++n) sizes.push_back(n);
    for (std::size_t n = 450; n <= 500; n += 7) sizes.push_back(n);
    int wrong = 0;
    for (std::size_t size : sizes) {
        for (std::size_t at = 0; at < size; ++at) {
            for (const auto& [special, escaped] : specials) {
                std::string message(size, 'a'), expected(size, 'a');
                for (std::size_t i = 0; i < size; ++i) message[i] = expected[i] = static_cast<char>('a' + i % 26);
                message.replace(at, 1, special);
                expected.replace(at, 1, escaped);
                const std::string line = format_line(make_record(message));
                if (line != prefix + expected + "\n" && ++wrong <= 5)
                    BOOST_TEST(line == prefix + expected + "\n", "size " << size << ", at " << at);
            }
        }
    }
    BOOST_TEST(wrong == 0);
}

BOOST_AUTO_TEST_CASE(no_control_byte_from_any_data_reaches_the_output) {
    // Every byte value, C1 controls as UTF-8, line separators, a forged second
    // line and terminal escape sequences (clear screen, title, CSI via U+009B).
    std::string hostile;
    for (int c = 0; c < 256; ++c) hostile.push_back(static_cast<char>(c));
    for (int c = 0x80; c <= 0x9F; ++c) hostile += "\xC2"s + static_cast<char>(c);
    hostile += "\xE2\x80\xA8\xE2\x80\xA9\n[2024-01-15 10:30:15,123] [CRITICAL] [auth] forged\r\n";
    hostile += "\x1b[2J\x1b]0;owned\x07\xC2\x9B" "31m\xC2\x9D" "0;t\xC2\x9C";
    const field fields[] = {string_field(hostile, hostile), string_field("k", hostile)};
    auto r = make_record(hostile, fields);
    r.category = hostile;
    r.logger_name = hostile;
    for (const std::string& line : {format_line<inkwell::format::text_utc>(r), format_line<inkwell::format::text>(r),
                                    format_line<inkwell::format::console_plain>(r)}) {
        check_terminal_safe(line);
        BOOST_CHECK_EQUAL(line.find('\x1b'), std::string::npos);
    }
    // The coloured console line: the only ESC bytes are the two of its own colour codes.
    const std::string coloured = format_line<inkwell::format::console>(r);
    BOOST_CHECK_EQUAL(std::count(coloured.begin(), coloured.end(), '\x1b'), 2);
    BOOST_CHECK(coloured.find("[\x1b[32mINFO\x1b[0m]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_large_message_stays_one_line) {
    std::string message;
    for (int i = 0; i < 100000; ++i) message += "x\n";
    const std::string line = format_line(make_record(message));
    BOOST_CHECK_EQUAL(std::count(line.begin(), line.end(), '\n'), 1);
    BOOST_CHECK_EQUAL(line.size(), std::string("[2024-01-15 10:30:15,123] [INFO] [auth] \n").size() + 300000);
}

BOOST_AUTO_TEST_CASE(console_colours_each_level_label) {
    auto r = make_record("m");
    const std::pair<inkwell::level, std::string> cases[] = {
        {inkwell::level::trace, "\x1b[90mTRACE"},    {inkwell::level::debug, "\x1b[36mDEBUG"},
        {inkwell::level::info, "\x1b[32mINFO"},      {inkwell::level::perf, "\x1b[34mPERF"},
        {inkwell::level::warn, "\x1b[33mWARNING"},   {inkwell::level::error, "\x1b[31mERROR"},
        {inkwell::level::critical, "\x1b[1;37;41mCRITICAL"}};
    for (const auto& [lvl, coloured_label] : cases) {
        r.severity = lvl;
        const std::string line = format_line<inkwell::format::console>(r);
        BOOST_CHECK_MESSAGE(line.find("[" + coloured_label + "\x1b[0m] [auth] m\n") != std::string::npos, line);
        BOOST_CHECK_EQUAL(format_line<inkwell::format::console_plain>(r).find('\x1b'), std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(text_uses_local_time_and_text_utc_does_not) {
    std::thread([] {  // a fresh thread: its per-second cache starts empty
        ::setenv("TZ", "IST-5:30", 1);
        ::tzset();
        const auto r = make_record("m");
        BOOST_CHECK_EQUAL(format_line<inkwell::format::text>(r), "[2024-01-15 16:00:15,123] [INFO] [auth] m\n");
        BOOST_CHECK_EQUAL(format_line<inkwell::format::console_plain>(r), "[2024-01-15 16:00:15,123] [INFO] [auth] m\n");
        BOOST_CHECK_EQUAL(format_line<inkwell::format::text_utc>(r), "[2024-01-15 10:30:15,123] [INFO] [auth] m\n");
        ::setenv("TZ", "UTC0", 1);
        ::tzset();
    }).join();
}
