#define BOOST_TEST_MODULE format_jsonl
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <type_traits>
#include <vector>

namespace {

using inkwell::field;
using inkwell::field_value;
using nlohmann::json;
using namespace std::string_literals;

inkwell::time_point at_ms(std::int64_t ms) { return inkwell::time_point{std::chrono::milliseconds{ms}}; }

inkwell::record make_record(std::string_view message, std::span<const field> fields = {}) {
    inkwell::record r;
    r.severity = inkwell::level::debug;
    r.time = at_ms(1734689730123);  // 2024-12-20T10:15:30.123Z
    r.message = message;
    r.category = "engine";
    r.logger_name = "game";
    r.session_id = "3f2b8c4e-1d2a-4b6c-9e8f-0a1b2c3d4e5f";
    r.where.file = "/src/engine/gameEngine.cpp";
    r.where.line = 45;
    r.fields = fields;
    return r;
}

template <class Formatter = inkwell::format::jsonl>
std::string format_line(const inkwell::record& r) {
    inkwell::detail::line_buffer out;
    Formatter{}.format(r, out);
    return std::string(out.data(), out.size());
}

// The line must be exactly one line: one '\n', at the end, and no raw control byte or DEL elsewhere.
void check_single_clean_line(const std::string& line) {
    BOOST_REQUIRE(!line.empty());
    BOOST_CHECK_EQUAL(line.back(), '\n');
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c < 0x20 || c == 0x7F) BOOST_FAIL("raw byte " << int(c) << " at offset " << i);
    }
}

json parse_line(const std::string& line) {
    check_single_clean_line(line);
    return json::parse(line.substr(0, line.size() - 1));  // throws on invalid JSON or invalid UTF-8
}

field string_field(std::string_view key, std::string_view value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::string;
    f.value.text = value;
    return f;
}
field int_field(std::string_view key, std::int64_t value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::signed_integer;
    f.value.number.signed_integer = value;
    return f;
}
field uint_field(std::string_view key, std::uint64_t value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::unsigned_integer;
    f.value.number.unsigned_integer = value;
    return f;
}
field double_field(std::string_view key, double value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::floating;
    f.value.number.floating = value;
    return f;
}
field bool_field(std::string_view key, bool value) {
    field f;
    f.key = key;
    f.value.type = field_value::kind::boolean;
    f.value.number.boolean = value;
    return f;
}
field null_field(std::string_view key) {
    field f;
    f.key = key;
    return f;
}

const std::string replacement = "\xEF\xBF\xBD";

// The keys of an object at `depth` (1 = top level) in the order the text has them,
// duplicates included (a parsed json object would silently merge them).
std::vector<std::string> keys_as_written(const std::string& line, int depth) {
    std::vector<std::string> keys;
    const json whole = json::parse(line, [&](int d, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && d == depth) keys.push_back(parsed.get<std::string>());
        return true;
    });
    BOOST_REQUIRE(whole.is_object());
    return keys;
}

}  // namespace

BOOST_AUTO_TEST_CASE(is_a_stateless_formatter) {
    static_assert(inkwell::policy::formatter<inkwell::format::jsonl>);
    static_assert(std::is_empty_v<inkwell::format::jsonl>);
}

BOOST_AUTO_TEST_CASE(exact_line_of_the_storage_spec) {
    const field fields[] = {string_field("entityId", "actor_1234")};
    BOOST_CHECK_EQUAL(format_line(make_record("EntityManager: Creating entity", fields)),
                      R"({"level":"debug","message":"EntityManager: Creating entity","category":"engine",)"
                      R"("timestamp":"2024-12-20T10:15:30.123Z","source":"gameEngine.cpp:45",)"
                      R"("sessionId":"3f2b8c4e-1d2a-4b6c-9e8f-0a1b2c3d4e5f","metadata":{"entityId":"actor_1234"}})"
                      "\n");
}

BOOST_AUTO_TEST_CASE(all_fields_in_order_with_their_values) {
    const json j = parse_line(format_line(make_record("GameEngine: Constructor called")));
    const std::vector<std::string> keys = keys_as_written(format_line(make_record("x")), 1);
    const std::vector<std::string> expected{"level",  "message",   "category", "timestamp",
                                            "source", "sessionId", "metadata"};
    BOOST_CHECK_EQUAL_COLLECTIONS(keys.begin(), keys.end(), expected.begin(), expected.end());

    BOOST_CHECK_EQUAL(j.at("level"), "debug");
    BOOST_CHECK_EQUAL(j.at("message"), "GameEngine: Constructor called");
    BOOST_CHECK_EQUAL(j.at("category"), "engine");
    BOOST_CHECK_EQUAL(j.at("timestamp"), "2024-12-20T10:15:30.123Z");
    BOOST_CHECK_EQUAL(j.at("source"), "gameEngine.cpp:45");
    BOOST_CHECK_EQUAL(j.at("sessionId"), "3f2b8c4e-1d2a-4b6c-9e8f-0a1b2c3d4e5f");
    BOOST_CHECK(j.at("metadata").is_object());
    BOOST_CHECK(j.at("metadata").empty());
}

BOOST_AUTO_TEST_CASE(level_names_are_lower_case_including_custom_levels) {
    auto r = make_record("m");
    const std::pair<inkwell::level, std::string> cases[] = {
        {inkwell::level::trace, "trace"}, {inkwell::level::info, "info"},   {inkwell::level::perf, "perf"},
        {inkwell::level::warn, "warn"},   {inkwell::level::error, "error"}, {inkwell::level::critical, "critical"}};
    for (const auto& [lvl, name] : cases) {
        r.severity = lvl;
        BOOST_CHECK_EQUAL(parse_line(format_line(r)).at("level"), name);
    }
    constexpr auto notice = inkwell::level{33};
    inkwell::define_level(notice, "notice", "NOTICE");
    r.severity = notice;
    BOOST_CHECK_EQUAL(parse_line(format_line(r)).at("level"), "notice");
}

// The formatter writes a line's fixed part in place after reserving a bound
// for it; a text that needs escaping grows by up to six times and goes
// through the buffer instead, and room is made again after it. The strings
// escaped, each far longer than its bound once escaped, a long plain one
// after them, in a line past the buffer's 512 inline bytes: every one reads
// back as it was (and under AddressSanitizer nothing is written past the
// buffer).
BOOST_AUTO_TEST_CASE(escaped_strings_then_a_long_plain_one_in_one_line_read_back_whole) {
    constexpr auto odd = inkwell::level{37};
    const std::string odd_name = "a \"quoted\"\tlevel name longer than sixteen bytes";
    inkwell::define_level(odd, odd_name.c_str(), "ODD");
    const std::string message = std::string(300, '\x01') + "\"end\"";
    const std::string category = std::string(3000, 'c');  // plain, after the message grew
    const std::string session = std::string(50, '\n') + "\x7f";
    auto r = make_record(message);
    r.severity = odd;
    r.category = category;
    r.session_id = session;
    r.where.file = "/src/we\"ird\x02.cpp";
    for (std::string line : {format_line(r), format_line<inkwell::format::jsonl_with_function>(r)}) {
        BOOST_TEST_CONTEXT(line) {
            BOOST_CHECK_GT(line.size(), 5000u);
            const json j = parse_line(line);
            BOOST_CHECK_EQUAL(j.at("level"), odd_name);
            BOOST_CHECK_EQUAL(j.at("message"), message);
            BOOST_CHECK_EQUAL(j.at("category"), category);
            BOOST_CHECK_EQUAL(j.at("sessionId"), session);
            BOOST_CHECK_EQUAL(j.at("source"), "we\"ird\x02.cpp:45");
            BOOST_CHECK_EQUAL(j.at("timestamp"), "2024-12-20T10:15:30.123Z");
            BOOST_CHECK(j.at("metadata").empty());
        }
    }
    inkwell::define_level(odd, "odd", "ODD");  // odd_name dies with this test
}

BOOST_AUTO_TEST_CASE(source_is_file_name_and_line_or_empty) {
    auto r = make_record("m");
    r.where.file = "relative/dir/file.hpp";
    r.where.line = 7;
    BOOST_CHECK_EQUAL(parse_line(format_line(r)).at("source"), "file.hpp:7");
    r.where = inkwell::source_location{};
    BOOST_CHECK_EQUAL(parse_line(format_line(r)).at("source"), "");
}

// The macros find the file name at compile time (source_location::located_at);
// the record then carries where it starts, and "source" is the same as when
// the writer looks for it.
static_assert(inkwell::source_location::located_at("/src/a/b.cpp", "f", 3).file_name() == "b.cpp");
static_assert(inkwell::source_location::located_at("b.cpp", "f", 3).file_name() == "b.cpp");
static_assert(inkwell::source_location::located_at("", "f", 3).file_name().empty());
static_assert(inkwell::source_location::located_at("dir/", "f", 3).name_size == 0);  // nothing to find: left to run time

BOOST_AUTO_TEST_CASE(source_from_a_macro_call_site_is_this_file_and_line) {
    struct capture_config : inkwell::default_config {
        using buffer = inkwell::buffer::immediate;
        using formatter = inkwell::format::jsonl;
        using sink = inkwell::sink::callback;
    };
    std::vector<std::string> lines;
    std::vector<inkwell::source_location> wheres;
    inkwell::basic_logger<capture_config> log({.read_environment = false});
    log.with_sink([&](auto& s) {
        s.set_callback([&](const inkwell::record& r, std::string_view line) {
            lines.emplace_back(line);
            wheres.push_back(r.where);
        });
    });
    const int line = __LINE__ + 1;
    INKWELL_INFO(log, "where am I");
    BOOST_REQUIRE_EQUAL(lines.size(), 1u);
    BOOST_CHECK_EQUAL(parse_line(lines[0]).at("source"), "test_format_jsonl.cpp:" + std::to_string(line));
    // Found at compile time, not by the writer: the record carries where the name starts.
    BOOST_CHECK_EQUAL(wheres[0].name_size, std::string_view{"test_format_jsonl.cpp"}.size());
    const std::string_view found(wheres[0].file + wheres[0].name_offset, wheres[0].name_size);
    BOOST_CHECK_EQUAL(found, "test_format_jsonl.cpp");
}

// platform-structured-logging.md asks for file, line and function on every
// entry: jsonl_with_function writes "function" after "source"; the storage
// spec's format::jsonl does not.
BOOST_AUTO_TEST_CASE(jsonl_with_function_names_the_function_after_source) {
    using with_function = inkwell::format::jsonl_with_function;
    static_assert(inkwell::policy::formatter<with_function>);
    auto r = make_record("m");
    r.where.function = "load_level";
    const std::string line = format_line<with_function>(r);
    const std::vector<std::string> expected{"level",    "message",   "category", "timestamp",
                                            "source",   "function",  "sessionId", "metadata"};
    const auto keys = keys_as_written(line, 1);
    BOOST_CHECK_EQUAL_COLLECTIONS(keys.begin(), keys.end(), expected.begin(), expected.end());
    BOOST_CHECK_EQUAL(parse_line(line).at("source"), "gameEngine.cpp:45");
    BOOST_CHECK_EQUAL(parse_line(line).at("function"), "load_level");
    BOOST_CHECK(!parse_line(format_line(r)).contains("function"));

    r.where.function = "operator()<\"q\"\n\xff>";  // escaped and repaired like every string
    check_single_clean_line(format_line<with_function>(r));
    BOOST_CHECK_EQUAL(parse_line(format_line<with_function>(r)).at("function"), "operator()<\"q\"\n" + replacement + ">");
    r.where = inkwell::source_location{};  // unknown call site
    BOOST_CHECK_EQUAL(parse_line(format_line<with_function>(r)).at("function"), "");
    r.where.function = nullptr;
    BOOST_CHECK_EQUAL(parse_line(format_line<with_function>(r)).at("function"), "");
}

BOOST_AUTO_TEST_CASE(every_control_byte_and_del_is_escaped) {
    std::string message;
    for (int c = 0; c < 0x20; ++c) message.push_back(static_cast<char>(c));
    message.push_back('\x7F');
    message += "quote\" backslash\\ end";
    const std::string line = format_line(make_record(message));
    const json j = parse_line(line);
    BOOST_CHECK(j.at("message").get<std::string>() == message);
    // Short forms where JSON has them, \u00XX otherwise, DEL as \u007f.
    for (const char* expected : {R"(\u0000)", R"(\u0001)", R"(\b)", R"(\t)", R"(\n)", R"(\u000b)", R"(\f)",
                                 R"(\r)", R"(\u001b)", R"(\u001f)", R"(\u007f)", R"(quote\")", R"(backslash\\)"})
        BOOST_CHECK_MESSAGE(line.find(expected) != std::string::npos, "missing " << expected);
}

// Plain text of 16 bytes and more is checked while it is copied, 16 bytes at
// a time (the last chunk overlapping): a byte to escape or repair in any
// chunk, at any position, must still be escaped, with nothing copied twice
// or left behind; also past the line buffer's inline room (512 bytes).
BOOST_AUTO_TEST_CASE(a_byte_to_escape_at_any_position_of_a_long_message) {
    const std::string R = replacement;
    const std::pair<std::string, std::string> specials[] = {
        {"\"", "\""}, {"\\", "\\"}, {"\n", "\n"}, {"\x01", "\x01"}, {"\x7F", "\x7F"},
        {"\xC3\xA9", "\xC3\xA9"}, {"\xFF", R}};
    std::vector<std::size_t> sizes;
    for (std::size_t n = 1; n <= 50; ++n) sizes.push_back(n);
    for (std::size_t n = 490; n <= 530; n += 7) sizes.push_back(n);
    int wrong = 0;
    for (std::size_t size : sizes) {
        for (std::size_t at = 0; at < size; ++at) {
            for (const auto& [special, repaired] : specials) {
                std::string message(size, 'a'), expected(size, 'a');
                for (std::size_t i = 0; i < size; ++i) message[i] = expected[i] = static_cast<char>('a' + i % 26);
                message.replace(at, 1, special);
                expected.replace(at, 1, repaired);
                const std::string got = parse_line(format_line(make_record(message))).at("message").get<std::string>();
                if (got != expected && ++wrong <= 5) BOOST_TEST(got == expected, "size " << size << ", at " << at);
            }
        }
    }
    BOOST_TEST(wrong == 0);
}

BOOST_AUTO_TEST_CASE(each_control_byte_alone_round_trips) {
    for (int c = 0; c < 0x20; ++c) {
        const std::string message = "a"s + static_cast<char>(c) + "b";
        BOOST_CHECK(parse_line(format_line(make_record(message))).at("message").get<std::string>() == message);
    }
}

BOOST_AUTO_TEST_CASE(line_separators_and_c1_controls_are_escaped_but_kept) {
    const std::string message = "a\xE2\x80\xA8" "b\xE2\x80\xA9" "c\xC2\x9B" "d\xC2\x85";
    const std::string line = format_line(make_record(message));
    BOOST_CHECK(line.find("\xE2\x80\xA8") == std::string::npos);
    BOOST_CHECK(line.find("\xE2\x80\xA9") == std::string::npos);
    BOOST_CHECK(line.find("\xC2\x9B") == std::string::npos);
    BOOST_CHECK(line.find(R"(a\u2028b\u2029c\u009bd\u0085)") != std::string::npos);
    BOOST_CHECK(parse_line(line).at("message").get<std::string>() == message);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced_per_maximal_subpart) {
    const std::string R = replacement;
    const std::pair<std::string, std::string> cases[] = {
        {"\x80", R},                                      // lone continuation byte
        {"a\xBF" "b", "a" + R + "b"},                     // continuation byte between ASCII
        {"\xC0\xAF", R + R},                              // overlong lead C0 + stray continuation
        {"\xC1\xBF", R + R},                              // overlong lead C1
        {"\xE0\x80\xAF", R + R + R},                      // overlong 3-byte form of '/'
        {"\xF0\x80\x80\xAF", R + R + R + R},              // overlong 4-byte form
        {"\xED\xA0\x80", R + R + R},                      // high surrogate U+D800
        {"\xED\xBF\xBF", R + R + R},                      // low surrogate U+DFFF
        {"\xF4\x90\x80\x80", R + R + R + R},              // U+110000, above the last code point
        {"\xF5\x80\x80\x80", R + R + R + R},              // lead byte that never occurs
        {"\xFE\xFF", R + R},                              // FE, FF
        {"\xE2\x82", R},                                  // truncated at the end of the text
        {"\xE2\x82" "A", R + "A"},                        // truncated before ASCII: A survives
        {"\xF0\x9F\x98" "x", R + "x"},                    // truncated 4-byte sequence is one U+FFFD
        {"\xF0\x9F\x98\xC3\xA9", R + "\xC3\xA9"},         // truncated sequence then a valid é
        {"\xC3\x28", R + "("},                            // bad continuation byte is not swallowed
        {"ok\xC3", "ok" + R},                             // truncated 2-byte sequence at the end
        {"\xE1\x80\xE2\x82\xAC", R + "\xE2\x82\xAC"},     // truncated then a valid €
    };
    for (const auto& [input, expected] : cases) {
        const std::string line = format_line(make_record(input));
        json j;
        BOOST_REQUIRE_NO_THROW(j = parse_line(line));
        BOOST_CHECK_MESSAGE(j.at("message").get<std::string>() == expected,
                            "input " << json(expected).dump() << " gave " << j.at("message").dump());
    }
}

BOOST_AUTO_TEST_CASE(valid_multibyte_text_passes_through_unchanged) {
    const std::string message = "h\xC3\xA9llo \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD";
    const std::string line = format_line(make_record(message));
    BOOST_CHECK(line.find(message) != std::string::npos);  // raw bytes, not \u escapes
    BOOST_CHECK(parse_line(line).at("message").get<std::string>() == message);
}

BOOST_AUTO_TEST_CASE(a_one_megabyte_message_with_newlines_stays_one_line) {
    std::string message;
    message.reserve(1 << 20);
    for (int i = 0; message.size() < (1u << 20); ++i) message += (i % 7 == 0) ? "line\nbreak\r\n" : "text é ";
    const std::string line = format_line(make_record(message));
    BOOST_CHECK_EQUAL(std::count(line.begin(), line.end(), '\n'), 1);
    BOOST_CHECK(parse_line(line).at("message").get<std::string>() == message);
}

BOOST_AUTO_TEST_CASE(metadata_values_keep_their_types) {
    const double one_tenth = 0.1;
    const double awkward = 1.0 / 3.0;
    const field fields[] = {
        string_field("entityId", "actor_1234"),
        int_field("negative", -42),
        int_field("int_min", std::numeric_limits<std::int64_t>::min()),
        uint_field("uint_max", std::numeric_limits<std::uint64_t>::max()),
        double_field("tenth", one_tenth),
        double_field("third", awkward),
        double_field("whole", 2.0),
        double_field("price", -12345.25),
        double_field("small", 0.0001),
        double_field("huge", 1e300),
        double_field("tiny", 5e-324),
        double_field("nan", std::numeric_limits<double>::quiet_NaN()),
        double_field("inf", std::numeric_limits<double>::infinity()),
        double_field("minus_inf", -std::numeric_limits<double>::infinity()),
        bool_field("yes", true),
        bool_field("no", false),
        null_field("nothing"),
    };
    const json m = parse_line(format_line(make_record("m", fields))).at("metadata");
    BOOST_CHECK_EQUAL(m.size(), std::size(fields));
    BOOST_CHECK(m.at("entityId") == "actor_1234");
    BOOST_CHECK(m.at("negative").is_number_integer());
    BOOST_CHECK_EQUAL(m.at("negative").get<std::int64_t>(), -42);
    BOOST_CHECK_EQUAL(m.at("int_min").get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
    BOOST_CHECK_EQUAL(m.at("uint_max").get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
    // Doubles read back bit for bit, and a whole double still reads as a float.
    BOOST_CHECK(m.at("tenth").is_number_float());
    BOOST_CHECK_EQUAL(m.at("tenth").get<double>(), one_tenth);
    BOOST_CHECK_EQUAL(m.at("third").get<double>(), awkward);
    BOOST_CHECK(m.at("whole").is_number_float());
    BOOST_CHECK_EQUAL(m.at("whole").get<double>(), 2.0);
    BOOST_CHECK_EQUAL(m.at("price").get<double>(), -12345.25);
    BOOST_CHECK_EQUAL(m.at("small").get<double>(), 0.0001);
    BOOST_CHECK_EQUAL(m.at("huge").get<double>(), 1e300);
    BOOST_CHECK_EQUAL(m.at("tiny").get<double>(), 5e-324);
    // JSON has no NaN or infinity: they become null.
    BOOST_CHECK(m.at("nan").is_null());
    BOOST_CHECK(m.at("inf").is_null());
    BOOST_CHECK(m.at("minus_inf").is_null());
    BOOST_CHECK(m.at("yes") == true);
    BOOST_CHECK(m.at("no") == false);
    BOOST_CHECK(m.at("nothing").is_null());
}

BOOST_AUTO_TEST_CASE(fields_named_like_top_level_keys_stay_in_metadata) {
    const field fields[] = {string_field("level", "fake"),        string_field("message", "forged"),
                            string_field("timestamp", "1999"),    string_field("sessionId", "other"),
                            string_field("category", "security"), string_field("source", "x:1"),
                            string_field("metadata", "nested?")};
    const std::string line = format_line(make_record("real message", fields));
    const json j = parse_line(line);
    BOOST_CHECK_EQUAL(j.size(), 7u);
    BOOST_CHECK_EQUAL(j.at("level"), "debug");
    BOOST_CHECK_EQUAL(j.at("message"), "real message");
    BOOST_CHECK_EQUAL(j.at("timestamp"), "2024-12-20T10:15:30.123Z");
    BOOST_CHECK_EQUAL(j.at("category"), "engine");
    BOOST_CHECK_EQUAL(j.at("metadata").at("level"), "fake");
    BOOST_CHECK_EQUAL(j.at("metadata").at("metadata"), "nested?");
    BOOST_CHECK_EQUAL(j.at("metadata").size(), 7u);
    // A parsed object merges duplicate keys, so check the text itself: seven top-level keys, each once.
    const std::vector<std::string> top = keys_as_written(line, 1);
    const std::vector<std::string> expected{"level",  "message",   "category", "timestamp",
                                            "source", "sessionId", "metadata"};
    BOOST_CHECK_EQUAL_COLLECTIONS(top.begin(), top.end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(duplicate_metadata_keys_keep_the_first) {
    const field fields[] = {string_field("id", "first"), int_field("n", 1), string_field("id", "second"),
                            int_field("id", 3), int_field("m", 2),
                            // two different invalid keys that both repair to "k\uFFFD"
                            string_field("k\xFF", "a"), string_field("k\xFE", "b")};
    const std::string line = format_line(make_record("m", fields));
    const std::vector<std::string> keys = keys_as_written(line, 2);
    const std::vector<std::string> expected{"id", "n", "m", "k" + replacement};
    BOOST_CHECK_EQUAL_COLLECTIONS(keys.begin(), keys.end(), expected.begin(), expected.end());
    const json m = parse_line(line).at("metadata");
    BOOST_CHECK_EQUAL(m.at("id"), "first");
    BOOST_CHECK_EQUAL(m.at("k" + replacement), "a");
}

BOOST_AUTO_TEST_CASE(metadata_keys_and_values_are_escaped) {
    const field fields[] = {string_field("we\"ird\nkey\x1b", "va\"lue\n\x7F\xC0"), string_field("", "empty key")};
    const json m = parse_line(format_line(make_record("m", fields))).at("metadata");
    BOOST_CHECK(m.at("we\"ird\nkey\x1b") == "va\"lue\n\x7F" + replacement);
    BOOST_CHECK(m.at("") == "empty key");
}

BOOST_AUTO_TEST_CASE(every_string_of_the_record_is_escaped) {
    auto r = make_record("m");
    r.category = "cat\"\n";
    r.session_id = "sess\x01\xFF";
    r.where.file = "/dir/we\"ird\n.cpp";
    const json j = parse_line(format_line(r));
    BOOST_CHECK_EQUAL(j.at("category"), "cat\"\n");
    BOOST_CHECK(j.at("sessionId") == "sess\x01" + replacement);
    BOOST_CHECK_EQUAL(j.at("source"), "we\"ird\n.cpp:45");
}

BOOST_AUTO_TEST_CASE(timestamp_is_iso8601_utc_with_truncated_milliseconds) {
    auto r = make_record("m");
    auto timestamp = [&](inkwell::time_point t) {
        r.time = t;
        return parse_line(format_line(r)).at("timestamp").get<std::string>();
    };
    BOOST_CHECK_EQUAL(timestamp(at_ms(0)), "1970-01-01T00:00:00.000Z");
    BOOST_CHECK_EQUAL(timestamp(at_ms(951782400000)), "2000-02-29T00:00:00.000Z");
    BOOST_CHECK_EQUAL(timestamp(at_ms(2147483648000)), "2038-01-19T03:14:08.000Z");
    // 999.9999 ms is still millisecond 999, not the next second.
    BOOST_CHECK_EQUAL(timestamp(at_ms(1734689730000) + std::chrono::nanoseconds{999'999'999}),
                      "2024-12-20T10:15:30.999Z");
    // Before 1970 the time is truncated towards the past too.
    BOOST_CHECK_EQUAL(timestamp(inkwell::time_point{std::chrono::nanoseconds{-1}}), "1969-12-31T23:59:59.999Z");
    BOOST_CHECK_EQUAL(timestamp(at_ms(-2208988800000)), "1900-01-01T00:00:00.000Z");
    BOOST_CHECK_EQUAL(timestamp(inkwell::time_point::min()), "1677-09-21T00:12:43.145Z");
    BOOST_CHECK_EQUAL(timestamp(inkwell::time_point::max()), "2262-04-11T23:47:16.854Z");
}
