// The logger and its call sites: levels (compile-time and run-time), format
// checking, source location, fields, custom policies, the buffer policies.
#define BOOST_TEST_MODULE logger
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <random>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

// Boost.Test prints values of failed checks; levels print by name.
namespace inkwell {
inline namespace v0 {
inline std::ostream& operator<<(std::ostream& os, level l) { return os << level_name(l); }
}  // namespace v0
}  // namespace inkwell

namespace {

// A sink that keeps what it is given, for looking at records as the sink sees them.
struct captured {
    std::string category, message, line, function, file;
    inkwell::level severity;
    unsigned line_no;
    std::vector<std::pair<std::string, std::string>> fields;
};
std::mutex capture_mutex;
std::vector<captured> capture;
std::atomic<int> flushes{0};

struct capture_sink {
    explicit capture_sink(const inkwell::sink_context&) {}
    void write(const inkwell::record& r, std::string_view line) {
        captured c{std::string(r.category), std::string(r.message), std::string(line), r.where.function,
                   std::string(r.where.file_name()), r.severity, r.where.line, {}};
        for (const auto& f : r.fields) {
            std::string value;
            switch (f.value.type) {
                case inkwell::field_value::kind::string: value = std::string(f.value.text); break;
                case inkwell::field_value::kind::signed_integer: value = std::to_string(f.value.number.signed_integer); break;
                case inkwell::field_value::kind::unsigned_integer: value = std::to_string(f.value.number.unsigned_integer); break;
                case inkwell::field_value::kind::floating: value = std::to_string(f.value.number.floating); break;
                case inkwell::field_value::kind::boolean: value = f.value.number.boolean ? "true" : "false"; break;
                case inkwell::field_value::kind::null: value = "null"; break;
            }
            c.fields.emplace_back(std::string(f.key), value);
        }
        std::lock_guard lock(capture_mutex);
        capture.push_back(std::move(c));
    }
    void flush() { flushes.fetch_add(1); }
};

std::vector<captured> take() {
    std::lock_guard lock(capture_mutex);
    auto out = std::move(capture);
    capture.clear();
    return out;
}

struct capture_config : inkwell::default_config {
    using sink = capture_sink;
    using classifier = inkwell::classify::keyword<>;
    static constexpr inkwell::level min_level = inkwell::level::debug;  // trace is compiled out
    static constexpr inkwell::level default_level = inkwell::level::debug;
};
using capture_logger = inkwell::basic_logger<capture_config>;

int evaluations = 0;
int counted() { return ++evaluations; }

}  // namespace

BOOST_AUTO_TEST_CASE(compiled_out_statements_do_not_evaluate_their_arguments) {
    capture_logger log;
    take();
    evaluations = 0;
    INKWELL_TRACE(log, "never {}", counted());  // below Config::min_level
    BOOST_TEST(evaluations == 0);
    BOOST_TEST(take().empty());
    static_assert(!inkwell::detail::compiled_in<capture_logger>(inkwell::level::trace));
    static_assert(inkwell::detail::compiled_in<capture_logger>(inkwell::level::debug));
}

BOOST_AUTO_TEST_CASE(runtime_level_filters_without_evaluating_arguments) {
    capture_logger log;
    take();
    log.set_level(inkwell::level::warn);
    evaluations = 0;
    INKWELL_INFO(log, "filtered {}", counted());
    BOOST_TEST(evaluations == 0);
    INKWELL_WARN(log, "kept {}", counted());
    BOOST_TEST(evaluations == 1);
    auto got = take();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].message == "kept 1");
    BOOST_TEST(log.get_level() == inkwell::level::warn);
}

namespace {
unsigned log_from_a_named_function(capture_logger& log) {
    const unsigned line = __LINE__ + 1;
    INKWELL_INFO(log, "where am I");
    return line;
}
}  // namespace

BOOST_AUTO_TEST_CASE(source_location_comes_from_the_call_site) {
    capture_logger log;
    take();
    const unsigned expected_line = log_from_a_named_function(log);
    auto got = take();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].file == "test_logger.cpp");
    BOOST_TEST(got[0].line_no == expected_line);
    BOOST_TEST(got[0].function == "log_from_a_named_function");
}

BOOST_AUTO_TEST_CASE(fields_are_carried_apart_from_the_message) {
    capture_logger log;
    take();
    std::string name = "actor_1234";
    INKWELL_INFO(log, "EntityManager: Creating entity {}", name, inkwell::kv("entityId", name),
                 inkwell::kv("count", 3), inkwell::kv("ratio", 0.5), inkwell::kv("ok", true),
                 inkwell::kv("big", 18446744073709551615ull), inkwell::kv("none", nullptr));
    auto got = take();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].message == "EntityManager: Creating entity actor_1234");
    BOOST_REQUIRE(got[0].fields.size() == 6u);
    BOOST_TEST(got[0].fields[0].first == "entityId");
    BOOST_TEST(got[0].fields[0].second == "actor_1234");
    BOOST_TEST(got[0].fields[1].second == "3");
    BOOST_TEST(got[0].fields[3].second == "true");
    BOOST_TEST(got[0].fields[4].second == "18446744073709551615");
    BOOST_TEST(got[0].fields[5].second == "null");
}

BOOST_AUTO_TEST_CASE(literal_messages_are_classified_at_compile_time) {
    // The keyword classifier decides from the literal alone; the logger never asks it at run time.
    static_assert(inkwell::static_category<capture_logger>("GameEngine: Constructor called") == "engine");
    static_assert(inkwell::static_category<capture_logger>("EntityManager: Creating entity {}") == "ecs");
    static_assert(inkwell::static_category<capture_logger>("{}").empty());
    capture_logger log;
    take();
    INKWELL_INFO(log, "GameEngine: Constructor called");
    INKWELL_INFO(log, "{}", std::string("validate the schema"));  // only the message can tell: run time
    INKWELL_INFO(log, "nothing to see {}", 42);
    auto got = take();
    BOOST_REQUIRE(got.size() == 3u);
    BOOST_TEST(got[0].category == "engine");
    BOOST_TEST(got[1].category == "validation");
    BOOST_TEST(got[2].category == "general");
}

BOOST_AUTO_TEST_CASE(user_defined_levels_have_names) {
    constexpr auto notice = inkwell::level{33};
    inkwell::define_level(notice, "notice", "NOTICE");
    capture_logger log;
    take();
    INKWELL_LOG(log, notice, "a notice");
    auto got = take();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].severity == notice);
    BOOST_TEST(inkwell::level_name(notice) == "notice");
    BOOST_TEST(inkwell::level_label(notice) == "NOTICE");
    BOOST_TEST(inkwell::level_name(inkwell::level::perf) == "perf");
}

BOOST_AUTO_TEST_CASE(level_comes_from_the_environment) {
    ::setenv("INKWELL_LEVEL", "error", 1);
    capture_logger from_env;
    ::setenv("INKWELL_LEVEL", "not-a-level", 1);
    capture_logger bad_env;  // an unreadable value falls back to the config's default
    ::unsetenv("INKWELL_LEVEL");
    BOOST_TEST(from_env.get_level() == inkwell::level::error);
    BOOST_TEST(bad_env.get_level() == capture_config::default_level);
    BOOST_TEST(inkwell::parse_level("WARNING").value() == inkwell::level::warn);
    BOOST_TEST(inkwell::parse_level("35").value() == inkwell::level::perf);
    BOOST_TEST(!inkwell::parse_level("loud").has_value());
}

BOOST_AUTO_TEST_CASE(huge_messages_are_capped_and_marked) {
    capture_logger log;
    take();
    std::string huge(capture_config::max_message_bytes + 1000, 'x');
    huge[capture_config::max_message_bytes - 1] = '\xC3';  // a two-byte character across the cut
    huge[capture_config::max_message_bytes] = '\xA9';
    INKWELL_INFO(log, "{}", huge);
    auto got = take();
    BOOST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0].message.size() < capture_config::max_message_bytes + 64);
    BOOST_TEST(got[0].message.find("[truncated 1001 bytes]") != std::string::npos);
    BOOST_TEST(got[0].message.find('\xC3') == std::string::npos);  // never half a character
}

BOOST_AUTO_TEST_CASE(function_api_without_macros) {
    capture_logger log;
    take();
    log.info("plain {} {}", 1, "two");
    log.log(inkwell::level::error, "EntityManager failed");
    log.trace("below the run-time level");
    auto got = take();
    BOOST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].message == "plain 1 two");
    BOOST_TEST(got[1].category == "ecs");  // classified at run time from the message
}

namespace {
struct batched_config : capture_config {
    using buffer = inkwell::buffer::batched<5, 200>;
};
}  // namespace

BOOST_AUTO_TEST_CASE(batched_writes_after_n_records_or_t_ms_and_at_once_on_error) {
    inkwell::basic_logger<batched_config> log;
    take();
    for (int i = 0; i < 4; ++i) INKWELL_INFO(log, "held {}", i);
    BOOST_TEST(take().empty());  // fewer than 5 records: still in memory
    INKWELL_INFO(log, "fifth");
    BOOST_TEST(take().size() == 5u);  // the fifth fills the batch

    INKWELL_INFO(log, "waits for the timer");
    BOOST_TEST(take().empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    BOOST_TEST(take().size() == 1u);  // written by the timer, no further call needed

    INKWELL_INFO(log, "before the error");
    INKWELL_ERROR(log, "an error does not wait");
    auto got = take();
    BOOST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[1].message == "an error does not wait");

    INKWELL_INFO(log, "flushed explicitly");
    log.flush();
    BOOST_TEST(take().size() == 1u);
}

BOOST_AUTO_TEST_CASE(batched_drains_at_destruction) {
    {
        inkwell::basic_logger<batched_config> log;
        take();
        INKWELL_INFO(log, "pending at exit");
    }
    BOOST_TEST(take().size() == 1u);
}

BOOST_AUTO_TEST_CASE(immediate_is_thread_safe_and_whole) {
    capture_logger log;
    take();
    constexpr int threads = 8, per_thread = 5000;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&log, t] {
            for (int i = 0; i < per_thread; ++i) INKWELL_INFO(log, "thread {} record {}", t, i);
        });
    for (auto& th : pool) th.join();
    auto got = take();
    BOOST_TEST(got.size() == static_cast<std::size_t>(threads * per_thread));
    BOOST_TEST(log.stats().errors == 0u);
}

namespace {
struct empty_classifier {
    std::string_view classify(const inkwell::record&) { return "x"; }
};
struct with_stateless : inkwell::default_config {
    using sink = capture_sink;
    using classifier = empty_classifier;
};
}  // namespace

BOOST_AUTO_TEST_CASE(stateless_policies_cost_no_bytes) {
    struct probe {
        [[no_unique_address]] inkwell::dedup::none dedup;
        [[no_unique_address]] inkwell::format::jsonl formatter;
        [[no_unique_address]] empty_classifier classifier;
        int payload;
    };
    static_assert(sizeof(probe) == sizeof(int));
    static_assert(std::is_empty_v<inkwell::dedup::none>);
    static_assert(std::is_empty_v<inkwell::format::jsonl>);
    static_assert(std::is_empty_v<inkwell::format::text>);
    inkwell::basic_logger<with_stateless> log;
    take();
    INKWELL_INFO(log, "stateless works");
    BOOST_TEST(take().size() == 1u);
}

BOOST_AUTO_TEST_CASE(plain_formats_write_exactly_what_fmt_writes) {
    // "{}"-only formats skip {fmt}'s parser; the text must not change.
    static_assert(inkwell::detail::is_plain_format("a {} b {}"));
    static_assert(!inkwell::detail::is_plain_format("a {:>4}"));
    static_assert(!inkwell::detail::is_plain_format("{{literal}}"));
    capture_logger log;
    take();
    const double doubles[] = {0.0, -0.0, 1.0, 0.5, 0.1, 1.0 / 3, 1e16, 1e-7, 123456789.125, 5e-324, 1.7976931348623157e308,
                              1.2345678901234568e17, 1152921504606846976.0, 1e22, 9007199254740991.0, -2.5e-5,
                              1e15, 123456789.0, -42.0, 4503599627370496.5,
                              std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for (double d : doubles) {
        INKWELL_INFO(log, "double {} float {}", d, static_cast<float>(d));
        BOOST_TEST(take().at(0).message == fmt::format("double {} float {}", d, static_cast<float>(d)));
    }
    // Doubles with up to six decimals take a short path of their own; around
    // its edges (1e-4, 2^52 / 10^6, seven decimals, neighbours of exact
    // values) and over many random values it must still write {fmt}'s text.
    std::vector<double> edges = {1e-4, 9.99e-5, 0.000123, 4503599627.370495, 4503599627.5, 4503599626.999999,
                                 0.1234567, 1234.5678901, -0.001, 0.3, 2.675, 1e-6, 999999.999999};
    std::mt19937_64 random(20261125);
    for (int i = 0; i < 20000; ++i) {
        const int decimals = static_cast<int>(random() % 9);
        double v = static_cast<double>(random() % 10'000'000'000ull);
        for (int d = 0; d < decimals; ++d) v /= 10;
        edges.push_back(i % 2 ? v : -v);
        edges.push_back(std::nextafter(v, 1e300));
    }
    for (double d : edges) {
        INKWELL_INFO(log, "{}", d);
        const std::string written = take().at(0).message;
        if (written != fmt::format("{}", d)) BOOST_TEST(written == fmt::format("{}", d));
    }
    const long long ints[] = {0, -1, 42, std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max()};
    for (long long i : ints) {
        INKWELL_INFO(log, "{}|{}|{}|{}|{}", i, static_cast<unsigned long long>(i), static_cast<int>(i), true, 'x');
        BOOST_TEST(take().at(0).message == fmt::format("{}|{}|{}|{}|{}", i, static_cast<unsigned long long>(i),
                                                     static_cast<int>(i), true, 'x'));
    }
    // Integers have a writer of their own: every digit count, its first and
    // last value, and the limits of each type, against std::to_chars.
    auto check_integer = [](auto v) {
        char expected[48], written[48];
        const char* expected_end = std::to_chars(expected, expected + sizeof expected, v).ptr;
        const char* written_end = inkwell::detail::write_integer(written, v);
        const std::string_view want(expected, static_cast<std::size_t>(expected_end - expected));
        const std::string_view got(written, static_cast<std::size_t>(written_end - written));
        if (got != want) BOOST_TEST(got == want);
    };
    for (std::uint64_t power = 1;; power *= 10) {
        for (std::uint64_t v : {power - 1, power, power + 1, 2 * power - 1, 5 * power}) {
            check_integer(v);
            check_integer(static_cast<std::int64_t>(v));
            check_integer(-static_cast<std::int64_t>(v));
            check_integer(static_cast<std::uint32_t>(v));
            check_integer(static_cast<std::int32_t>(v));
        }
        if (power > std::numeric_limits<std::uint64_t>::max() / 10) break;
    }
    check_integer(std::numeric_limits<std::uint64_t>::max());
    check_integer(std::numeric_limits<std::int64_t>::min());
    check_integer(std::numeric_limits<std::int64_t>::max());
    check_integer(std::numeric_limits<std::int32_t>::min());
    check_integer(std::numeric_limits<std::int16_t>::min());
    check_integer(std::numeric_limits<std::uint16_t>::max());
    check_integer(std::numeric_limits<signed char>::min());
    check_integer(std::numeric_limits<unsigned char>::max());
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t v = random() >> (random() % 64);
        check_integer(v);
        check_integer(static_cast<std::int64_t>(v));
    }
    INKWELL_INFO(log, "{} {} {}", std::numeric_limits<std::int64_t>::min(), static_cast<short>(-32768),
                 static_cast<unsigned char>(255));
    BOOST_TEST(take().at(0).message == "-9223372036854775808 -32768 255");

    std::string text = "text";
    const char* c_text = "c text";
    INKWELL_INFO(log, "{} {} {} {}", text, c_text, std::string_view{"view"}, static_cast<signed char>(-5));
    BOOST_TEST(take().at(0).message == "text c text view -5");

    // The fields are found 16 bytes at a time: fields on both sides of a
    // 16-byte boundary, at a chunk's first and last byte, and in the tail.
    INKWELL_INFO(log, "0123456789abcde{}{}0123456789abcd{}x{}", 1, 2, 3, 4);
    BOOST_TEST(take().at(0).message == "0123456789abcde120123456789abcd3x4");
    INKWELL_INFO(log, "{}123456789abcdef0123456789abcdef0123456789abcdef{}", "first", "last");
    BOOST_TEST(take().at(0).message == "first123456789abcdef0123456789abcdef0123456789abcdeflast");
    INKWELL_INFO(log, "0123456789abcdef0123456789abcdef {} and no field after", 7);
    BOOST_TEST(take().at(0).message == "0123456789abcdef0123456789abcdef 7 and no field after");
    // The search itself, for '{' at every position of texts of 0 to 48 bytes.
    for (std::size_t size = 0; size <= 48; ++size) {
        for (std::size_t at = 0; at <= size; ++at) {
            std::string probe(size, 'a');
            if (at < size) probe[at] = '{';
            for (std::size_t from = 0; from <= size; from += 5)
                BOOST_TEST(inkwell::detail::next_open_brace(probe, from) == std::string_view(probe).find('{', from));
        }
    }
}
