#define BOOST_TEST_MODULE small_sinks
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "inkwell_under_test.hpp"

using namespace std::literals;
using inkwell::level;
namespace sink = inkwell::sink;
namespace policy = inkwell::policy;

namespace {

inkwell::record at(level severity, std::string_view message = "m") {
    inkwell::record r;
    r.severity = severity;
    r.message = message;
    return r;
}

// Collects what a callback sink is given.
struct collected {
    std::vector<std::pair<std::string, std::string>> lines;  // message, line
    auto function() {
        return [this](const inkwell::record& r, std::string_view line) {
            lines.emplace_back(std::string(r.message), std::string(line));
        };
    }
};

// A sink with no state, as many user sinks are.
struct stateless_sink {
    stateless_sink() = default;
    explicit stateless_sink(const inkwell::sink_context&) {}
    void write(const inkwell::record&, std::string_view) {}
    void flush() {}
};
struct other_stateless_sink : stateless_sink {
    using stateless_sink::stateless_sink;
};

// A stand-in for a file sink that takes a rotation policy.
struct size_rotation {};
struct daily_rotation {};
inline int rotations_requested = 0;
inline int flushes = 0;

template <class Rotation>
struct rotating_dummy {
    template <class R>
    using with_rotation = rotating_dummy<R>;
    explicit rotating_dummy(const inkwell::sink_context&) {}
    void write(const inkwell::record&, std::string_view) {}
    void flush() { ++flushes; }
    void rotate_now() { ++rotations_requested; }
};

struct counting_sink {
    explicit counting_sink(const inkwell::sink_context&) {}
    void write(const inkwell::record&, std::string_view) { ++written; }
    void flush() { ++flushes; }
    int written = 0;
};

}  // namespace

// ---------------------------------------------------------------- compile time

static_assert(policy::sink<sink::null>);
static_assert(policy::sink<sink::callback>);
static_assert(policy::sink<sink::tee<sink::null, sink::callback>>);
static_assert(policy::sink<sink::level_filter<level::error, sink::callback>>);

// with_rotation binds the logger's rotation into every child that takes one, and only those.
using mixed_tee = sink::tee<sink::null, rotating_dummy<void>, sink::level_filter<level::error, rotating_dummy<void>>>;
static_assert(policy::sink_takes_rotation<mixed_tee>);
static_assert(std::is_same_v<mixed_tee::with_rotation<size_rotation>,
                             sink::tee<sink::null, rotating_dummy<size_rotation>,
                                       sink::level_filter<level::error, rotating_dummy<size_rotation>>>>);
static_assert(std::is_same_v<sink::level_filter<level::warn, rotating_dummy<void>>::with_rotation<daily_rotation>,
                             sink::level_filter<level::warn, rotating_dummy<daily_rotation>>>);
static_assert(policy::sink<mixed_tee::with_rotation<size_rotation>>);
static_assert(policy::sink_rotates_on_request<mixed_tee>);
static_assert(policy::sink_rotates_on_request<sink::level_filter<level::error, rotating_dummy<void>>>);

// Without a rotating child there is no rotation to bind and nothing to rotate on request.
static_assert(!policy::sink_takes_rotation<sink::tee<sink::null, sink::callback>>);
static_assert(!policy::sink_takes_rotation<sink::level_filter<level::error, sink::null>>);
static_assert(!policy::sink_rotates_on_request<sink::tee<sink::null, sink::callback>>);
static_assert(!policy::sink_rotates_on_request<sink::level_filter<level::error, sink::null>>);

// Stateless sinks cost no bytes, also inside a tee or a filter.
namespace {
template <class S>
struct holder {
    [[no_unique_address]] S sink;
    int other;
};
}  // namespace
static_assert(sizeof(holder<sink::tee<stateless_sink>>) == sizeof(int));
static_assert(sizeof(holder<sink::tee<stateless_sink, other_stateless_sink>>) == sizeof(int));
static_assert(sizeof(holder<sink::level_filter<level::error, stateless_sink>>) == sizeof(int));
static_assert(sizeof(holder<sink::level_filter<level::error, sink::tee<stateless_sink>>>) == sizeof(int));

// ---------------------------------------------------------------- run time

BOOST_AUTO_TEST_CASE(null_discards_and_counts) {
    inkwell::sink_context context;
    sink::null s(context);
    s.write(at(level::info), "one\n");
    s.write(at(level::error), "three\n");
    s.flush();
    BOOST_TEST(s.records() == 2u);
    BOOST_TEST(s.bytes() == 10u);
}

BOOST_AUTO_TEST_CASE(callback_gets_the_record_and_the_line_once_set) {
    inkwell::sink_context context;
    sink::callback s(context);
    s.write(at(level::info, "before"), "before\n");  // no function yet: discarded

    collected got;
    s.set_callback(got.function());
    s.write(at(level::info, "hello"), "hello\n");
    BOOST_REQUIRE(got.lines.size() == 1u);
    BOOST_TEST(got.lines[0].first == "hello");
    BOOST_TEST(got.lines[0].second == "hello\n");

    s.set_callback({});
    s.write(at(level::info, "after"), "after\n");
    BOOST_TEST(got.lines.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_throwing_callback_is_reported_not_propagated) {
    inkwell::error_reporter errors;
    int reported = 0;
    errors.set_handler([&](const inkwell::error_event& e) {
        ++reported;
        BOOST_TEST((e.kind == inkwell::error_kind::write));
    });
    inkwell::sink_context context;
    context.errors = &errors;
    sink::callback s(context);
    s.set_callback([](const inkwell::record&, std::string_view) { throw 42; });
    BOOST_CHECK_NO_THROW(s.write(at(level::info), "lost to stderr\n"));
    BOOST_TEST(reported == 1);
    BOOST_TEST(errors.stats().fallback_records == 1u);
}

BOOST_AUTO_TEST_CASE(tee_writes_every_line_to_each_sink) {
    inkwell::sink_context context;
    sink::tee<sink::callback, sink::callback, sink::null> s(context);
    collected first, second;
    s.get<0>().set_callback(first.function());
    s.get<1>().set_callback(second.function());

    s.write(at(level::info, "a"), "a\n");
    s.write(at(level::error, "b"), "b\n");
    s.flush();

    std::vector<std::pair<std::string, std::string>> expected{{"a", "a\n"}, {"b", "b\n"}};
    BOOST_TEST((first.lines == expected));
    BOOST_TEST((second.lines == expected));
    BOOST_TEST(s.get<2>().records() == 2u);
}

BOOST_AUTO_TEST_CASE(tee_flushes_each_and_rotates_those_that_can) {
    inkwell::sink_context context;
    mixed_tee::with_rotation<size_rotation> s(context);
    flushes = 0;
    rotations_requested = 0;
    s.flush();
    BOOST_TEST(flushes == 2);  // both rotating children (the filter forwards flush)
    s.rotate_now();
    BOOST_TEST(rotations_requested == 2);

    sink::tee<counting_sink, counting_sink> counted(context);
    flushes = 0;
    counted.write(at(level::info), "x\n");
    counted.flush();
    BOOST_TEST(counted.get<0>().written == 1);
    BOOST_TEST(counted.get<1>().written == 1);
    BOOST_TEST(flushes == 2);
}

BOOST_AUTO_TEST_CASE(level_filter_passes_only_records_at_or_above_its_level) {
    inkwell::sink_context context;
    sink::level_filter<level::error, sink::callback> s(context);
    collected got;
    s.inner().set_callback(got.function());
    for (auto l : {level::trace, level::debug, level::info, level::perf, level::warn, level::error, level::critical,
                   level{49}, level{51}})
        s.write(at(l, std::string(inkwell::level_name(l))), "line\n");
    std::vector<std::string> messages;
    for (auto& [message, line] : got.lines) messages.push_back(message);
    std::vector<std::string> expected{"error", "critical", "level"};  // level{51} is a user level without a name
    BOOST_TEST(messages == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tee_with_an_error_filter_splits_like_an_app_log_and_an_errors_log) {
    inkwell::sink_context context;
    sink::tee<sink::callback, sink::level_filter<level::error, sink::callback>> s(context);
    collected all, errors_only;
    s.get<0>().set_callback(all.function());
    s.get<1>().inner().set_callback(errors_only.function());
    s.write(at(level::info, "started"), "started\n");
    s.write(at(level::error, "failed"), "failed\n");
    s.write(at(level::warn, "slow"), "slow\n");
    BOOST_TEST(all.lines.size() == 3u);
    BOOST_REQUIRE(errors_only.lines.size() == 1u);
    BOOST_TEST(errors_only.lines[0].first == "failed");
}
