// What an async record carries to the file: the text of its arguments as they
// were at the call (nothing in the queue points into the caller's memory), a
// wall-clock time taken at the call, the logger it belongs to, and its fields
// and category, as the synchronous path writes them.
//
// INKWELL_STRESS_SCALE (default 1) scales the record counts; the ThreadSanitizer
// build (tests/tsan.cmake) runs with a small scale.
#define BOOST_TEST_MODULE async_records
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "async_test_support.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using test_support::temp_dir;
using namespace std::chrono_literals;
using nlohmann::json;

using namespace async_test_support;

namespace {

// Reads unsigned numbers separated by single spaces: "12 34 56".
template <std::size_t N>
std::optional<std::array<std::uint64_t, N>> parse_numbers(std::string_view text) {
    std::array<std::uint64_t, N> out{};
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (std::size_t k = 0; k < N; ++k) {
        if (k > 0) {
            if (p == end || *p != ' ') return std::nullopt;
            ++p;
        }
        auto r = std::from_chars(p, end, out[k]);
        if (r.ec != std::errc{}) return std::nullopt;
        p = r.ptr;
    }
    if (p != end) return std::nullopt;
    return out;
}

// Frees and reuses heap blocks of the sizes the test strings had, so a
// pointer into a freed string would now read 'Z's.
void churn_heap() {
    std::vector<std::string> junk;
    for (std::size_t size = 16; size < 300; ++size) junk.emplace_back(size, 'Z');
    junk.clear();
    for (std::size_t size = 16; size < 300; ++size) junk.emplace_back(size, 'Z');
}

}  // namespace

// ---------------------------------------------------------------------------
// 6. Arguments are taken by value at the call.
namespace {
struct held_jsonl_config : inkwell::default_config {
    using sink = holdable_file;
    using formatter = inkwell::format::jsonl;
    using buffer = inkwell::buffer::async<>;
};
}  // namespace

BOOST_AUTO_TEST_CASE(arguments_keep_their_text_from_the_call) {
    watchdog guard(120s, "arguments by value");
    temp_dir dir;
    const std::string long_a = std::string(100, 'a') + " original";
    const std::string long_b = std::string(100, 'b') + " destroyed";
    const std::string long_c = std::string(100, 'c') + " temporary";
    const std::string long_d = std::string(100, 'd') + " field value";
    const std::string long_e = std::string(100, 'e') + " field view";
    const std::string long_key = "key_from_a_temporary_" + std::string(40, 'k');
    {
        inkwell::basic_logger<held_jsonl_config> log({.directory = dir.path()});
        hold_writer.store(true);
        INKWELL_INFO(log, "first");
        // The writer takes "first" and is held in the sink: everything below
        // waits in the queue while the caller's memory changes.
        for (int k = 0; k < 5000 && writers_held.load() == 0; ++k) std::this_thread::sleep_for(1ms);
        BOOST_TEST(writers_held.load() == 1);

        std::string modified = long_a;
        INKWELL_INFO(log, "{}", modified);
        modified.assign(modified.size(), 'X');

        {
            std::string destroyed = long_b;
            INKWELL_INFO(log, "{}", destroyed);
        }
        churn_heap();

        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%s", "char buffer original");
        INKWELL_INFO(log, "{}", buffer);
        std::memset(buffer, 'Y', sizeof buffer - 1);
        const char* c_string = buffer;
        std::snprintf(buffer, sizeof buffer, "%s", "c string original");
        INKWELL_INFO(log, "{}", c_string);
        std::memset(buffer, 'W', sizeof buffer - 1);

        INKWELL_INFO(log, "{}", std::string_view(std::string(long_c)));  // the temporary dies at the ';'
        churn_heap();

        std::string field_value = long_d;
        INKWELL_INFO(log, "field value", inkwell::kv("value", field_value));
        field_value.assign(field_value.size(), 'X');

        INKWELL_INFO(log, "field key", inkwell::kv(std::string(long_key), 7));
        INKWELL_INFO(log, "field view", inkwell::kv("view", std::string_view(std::string(long_e))));
        churn_heap();

        hold_writer.store(false);
        log.flush();
    }
    const auto records = test_support::read_jsonl(dir / "app.log");
    BOOST_TEST_REQUIRE(records.size() == 9u);
    BOOST_TEST(records[0]["message"] == "first");
    BOOST_TEST(records[1]["message"] == long_a);
    BOOST_TEST(records[2]["message"] == long_b);
    BOOST_TEST(records[3]["message"] == "char buffer original");
    BOOST_TEST(records[4]["message"] == "c string original");
    BOOST_TEST(records[5]["message"] == long_c);
    BOOST_TEST(records[6]["message"] == "field value");
    BOOST_TEST(records[6]["metadata"] == (json{{"value", long_d}}));
    BOOST_TEST(records[7]["message"] == "field key");
    BOOST_TEST(records[7]["metadata"] == (json{{long_key, 7}}));
    BOOST_TEST(records[8]["message"] == "field view");
    BOOST_TEST(records[8]["metadata"] == (json{{"view", long_e}}));
}

namespace {
// Logs through the member functions, whose call site is made on this frame.
INKWELL_NOINLINE void log_without_macros(inkwell::basic_logger<held_jsonl_config>& log, int i) {
    log.info("member call {} of {}", i, std::string(40, 'm'));
    log.log(inkwell::level::warn, "level call {}", i);
}
// Writes over the stack where those frames were.
INKWELL_NOINLINE void scribble_stack() {
    volatile char junk[16384];
    for (std::size_t k = 0; k < sizeof junk; ++k) junk[k] = static_cast<char>(0xA5);
}
}  // namespace

BOOST_AUTO_TEST_CASE(member_calls_without_macros_outlive_their_stack_frame) {
    // log.info() builds its call site on its own frame; an async buffer must
    // not keep a pointer to it while the record waits in the queue.
    watchdog guard(120s, "member calls");
    temp_dir dir;
    {
        inkwell::basic_logger<held_jsonl_config> log({.directory = dir.path()});
        hold_writer.store(true);
        INKWELL_INFO(log, "first");
        for (int k = 0; k < 5000 && writers_held.load() == 0; ++k) std::this_thread::sleep_for(1ms);
        for (int i = 0; i < 100; ++i) {
            log_without_macros(log, i);
            scribble_stack();
        }
        churn_heap();
        hold_writer.store(false);
        log.flush();
    }
    const auto records = test_support::read_jsonl(dir / "app.log");
    BOOST_TEST_REQUIRE(records.size() == 201u);
    for (int i = 0; i < 100; ++i) {
        const auto& info = records[static_cast<std::size_t>(1 + 2 * i)];
        const auto& warn = records[static_cast<std::size_t>(2 + 2 * i)];
        BOOST_TEST(info["level"] == "info");
        BOOST_TEST(info["message"] == "member call " + std::to_string(i) + " of " + std::string(40, 'm'));
        BOOST_TEST(warn["level"] == "warn");
        BOOST_TEST(warn["message"] == "level call " + std::to_string(i));
    }
}

// ---------------------------------------------------------------------------
// 8. Timestamps: wall-clock time of the call, never decreasing within a thread.
namespace {
// "<nanoseconds since the epoch> <message>"
struct nanosecond_line {
    void format(const inkwell::record& r, inkwell::detail::line_buffer& out) const {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(r.time.time_since_epoch()).count();
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, ns).ptr;
        inkwell::detail::append(out, std::string_view(digits, static_cast<std::size_t>(end - digits)));
        out.push_back(' ');
        inkwell::detail::append(out, r.message);
        out.push_back('\n');
    }
};
struct timestamp_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = nanosecond_line;
    using buffer = inkwell::buffer::async<>;
};

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

struct call_window {
    std::uint64_t before = 0, after = 0;
};

// Reads "<ns> <thread> <index>" lines and compares each time with the
// system_clock window around its call.
struct timestamp_check {
    std::size_t records = 0, malformed = 0, outside_window = 0, decreasing = 0;
    std::uint64_t worst_ns = 0;  // the farthest a timestamp fell outside its window

    void run(const std::filesystem::path& file, const std::vector<std::vector<call_window>>& windows) {
        constexpr std::uint64_t tolerance = 100'000'000;  // 100 ms
        std::vector<std::uint64_t> last(windows.size(), 0);
        const auto content = test_support::read_file(file);
        for (auto line : lines_of(content)) {
            ++records;
            auto n = parse_numbers<3>(line);
            if (!n || (*n)[1] >= windows.size() || (*n)[2] >= windows[(*n)[1]].size()) {
                ++malformed;
                continue;
            }
            const auto [time, t, i] = *n;
            const auto& w = windows[t][i];
            const std::uint64_t off = time < w.before ? w.before - time : (time > w.after ? time - w.after : 0);
            worst_ns = std::max(worst_ns, off);
            if (off > tolerance) ++outside_window;
            if (time < last[t]) ++decreasing;
            last[t] = time;
        }
    }
};
}  // namespace

BOOST_AUTO_TEST_CASE(timestamps_are_the_wall_clock_time_of_the_call) {
    watchdog guard(300s, "timestamps under load");
    constexpr std::size_t threads = 4;
    const std::size_t per_thread = scaled(50'000);
    temp_dir dir;
    std::vector<std::vector<call_window>> windows(threads, std::vector<call_window>(per_thread));
    {
        inkwell::basic_logger<timestamp_config> log({.directory = dir.path()});
        std::latch go(threads);
        std::vector<std::thread> producers;
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                go.arrive_and_wait();
                for (std::size_t i = 0; i < per_thread; ++i) {
                    windows[t][i].before = now_ns();
                    INKWELL_INFO(log, "{} {}", t, i);
                    windows[t][i].after = now_ns();
                }
            });
        for (auto& p : producers) p.join();
    }
    timestamp_check check;
    check.run(dir / "app.log", windows);
    BOOST_TEST_MESSAGE("farthest timestamp outside its call: " << check.worst_ns / 1000 << " us");
    BOOST_TEST(check.records == threads * per_thread);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.outside_window == 0u);
    BOOST_TEST(check.decreasing == 0u);
}

// Spread over seconds with idle gaps: a calibration that drifts or jumps shows here.
BOOST_AUTO_TEST_CASE(timestamps_stay_right_across_idle_gaps) {
    watchdog guard(120s, "timestamps across idle gaps");
    constexpr std::size_t count = 200;  // every 10 ms, with two longer pauses
    temp_dir dir;
    std::vector<std::vector<call_window>> windows(1, std::vector<call_window>(count));
    {
        inkwell::basic_logger<timestamp_config> log({.directory = dir.path()});
        for (std::size_t i = 0; i < count; ++i) {
            windows[0][i].before = now_ns();
            INKWELL_INFO(log, "0 {}", i);
            windows[0][i].after = now_ns();
            std::this_thread::sleep_for(i == 50 || i == 150 ? 500ms : 10ms);
        }
    }
    timestamp_check check;
    check.run(dir / "app.log", windows);
    BOOST_TEST_MESSAGE("farthest timestamp outside its call: " << check.worst_ns / 1000 << " us");
    BOOST_TEST(check.records == count);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.outside_window == 0u);
    BOOST_TEST(check.decreasing == 0u);
}

// ctest runs the two cases above again with INKWELL_NO_TSC=1, with this one
// (test_async_records.no_tsc): the call site then reads clock_gettime, a path
// a machine with an invariant counter takes nowhere else. This case, run only
// there, makes sure the environment did turn the counter off.
BOOST_AUTO_TEST_CASE(the_environment_turns_the_counter_off, *boost::unit_test::disabled()) {
    const char* off = std::getenv("INKWELL_NO_TSC");
    BOOST_REQUIRE_MESSAGE(off && std::string_view(off) == "1", "run by test_async_records.no_tsc, with INKWELL_NO_TSC=1");
    BOOST_TEST(!inkwell::detail::tsc_usable());
}

// ---------------------------------------------------------------------------
// 9. Two loggers on the shared writer, each with its own folder.
namespace {
struct two_logger_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<>;
};
using async_logger = inkwell::basic_logger<two_logger_config>;

// A file sink that takes 2 us per record: a producer outpaces its writer.
class slow_file {
public:
    explicit slow_file(const inkwell::sink_context& context) : file_(context) {}
    void write(const inkwell::record& r, std::string_view line) {
        const auto until = std::chrono::steady_clock::now() + 2us;
        while (std::chrono::steady_clock::now() < until) {
        }
        file_.write(r, line);
    }
    void flush() { file_.flush(); }

private:
    inkwell::sink::file file_;
};
struct slow_logger_config : two_logger_config {
    using sink = slow_file;
};

// "<logger> <thread> <index>" lines of one file: all of logger `expected`,
// each thread's indices in order; how many per thread.
struct logger_file_check {
    std::size_t records = 0, wrong_logger = 0, malformed = 0, out_of_order = 0;
    std::map<std::uint64_t, std::uint64_t> next;  // thread → next expected index

    logger_file_check(const std::filesystem::path& file, std::uint64_t expected) {
        const auto content = test_support::read_file(file);
        for (auto line : lines_of(content)) {
            ++records;
            auto n = parse_numbers<3>(line);
            if (!n) {
                ++malformed;
                continue;
            }
            const auto [logger, t, i] = *n;
            if (logger != expected) ++wrong_logger;
            auto& want = next[t];
            if (i != want) ++out_of_order;
            want = i + 1;
        }
    }
};

std::size_t live_threads() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
    return n;
}
}  // namespace

BOOST_AUTO_TEST_CASE(two_loggers_keep_their_records_apart) {
    watchdog guard(300s, "two loggers");
    constexpr std::size_t threads = 4;
    const std::size_t per_thread = scaled(100'000);
    temp_dir dir_a, dir_b;
    {
        async_logger a({.directory = dir_a.path()}), b({.directory = dir_b.path()});
        std::latch go(threads);
        std::vector<std::thread> producers;
        // Every thread logs to both loggers, alternating, so each thread's
        // records for the two loggers travel together.
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                go.arrive_and_wait();
                for (std::size_t i = 0; i < per_thread; ++i) {
                    INKWELL_INFO(a, "0 {} {}", t, i);
                    INKWELL_INFO(b, "1 {} {}", t, i);
                }
            });
        for (auto& p : producers) p.join();
    }
    for (auto [dir, id] : {std::pair{&dir_a, 0u}, std::pair{&dir_b, 1u}}) {
        logger_file_check check(*dir / "app.log", id);
        BOOST_TEST(check.records == threads * per_thread);
        BOOST_TEST(check.wrong_logger == 0u);
        BOOST_TEST(check.malformed == 0u);
        BOOST_TEST(check.out_of_order == 0u);
        BOOST_TEST(check.next.size() == threads);
        for (auto [t, next] : check.next) BOOST_TEST(next == per_thread);
    }
}

// b floods the shared writer (its sink is slower than its producer): a can
// still log and be destroyed while b keeps flooding, with every record of its
// own written. Nothing here is timed against a bound (CI machines are shared):
// a destructor that waited for b's flood to end would never return, because b
// stops only after a is gone, and the watchdog fails the test.
BOOST_AUTO_TEST_CASE(destroying_one_logger_leaves_the_other_logging) {
    watchdog guard(300s, "destroying one of two loggers");
    const std::size_t per_thread = scaled(100'000);
    temp_dir dir_a, dir_b;
    std::size_t b_logged = 0;
    std::chrono::duration<double> destroying_a{0}, a_logging{0};
    {
        inkwell::basic_logger<slow_logger_config> b({.directory = dir_b.path()});
        std::atomic<bool> a_gone{false};
        std::thread b_producer([&] {
            std::size_t i = 0;
            while (!a_gone.load()) INKWELL_INFO(b, "1 0 {}", i++);
            for (std::size_t k = 0; k < per_thread; ++k) INKWELL_INFO(b, "1 0 {}", i++);
            b_logged = i;
        });
        {
            auto a = std::make_unique<async_logger>(inkwell::logger_options{.directory = dir_a.path()});
            std::thread a_producer([&] {
                const auto start = std::chrono::steady_clock::now();
                for (std::size_t i = 0; i < per_thread; ++i) INKWELL_INFO(*a, "0 0 {}", i);
                a_logging = std::chrono::steady_clock::now() - start;
            });
            a_producer.join();
            const auto start = std::chrono::steady_clock::now();
            a.reset();  // while b_producer keeps logging through the shared writer
            destroying_a = std::chrono::steady_clock::now() - start;
        }
        a_gone.store(true);
        b_producer.join();
        b.flush();
        logger_file_check check_b(dir_b / "app.log", 1);
        BOOST_TEST(check_b.records == b_logged);
        // b keeps working after a is gone
        INKWELL_INFO(b, "1 1 0");
        b.flush();
    }
    BOOST_TEST_MESSAGE("while b floods the writer: " << per_thread << " records into a took " << a_logging.count()
                                                     << " s, destroying a " << destroying_a.count() << " s");
    logger_file_check check_a(dir_a / "app.log", 0);
    BOOST_TEST(check_a.records == per_thread);
    BOOST_TEST(check_a.wrong_logger == 0u);
    BOOST_TEST(check_a.malformed == 0u);
    BOOST_TEST(check_a.out_of_order == 0u);
    logger_file_check check_b(dir_b / "app.log", 1);
    BOOST_TEST(check_b.records == b_logged + 1);
    BOOST_TEST(check_b.wrong_logger == 0u);
    BOOST_TEST(check_b.malformed == 0u);
    BOOST_TEST(check_b.out_of_order == 0u);
}

// issue 3: "one writer thread (shared by the loggers that use it)".
BOOST_AUTO_TEST_CASE(a_second_async_logger_adds_no_thread) {
    watchdog guard(60s, "thread count");
    temp_dir dir_a, dir_b;
    async_logger a({.directory = dir_a.path()});
    INKWELL_INFO(a, "0 0 0");
    a.flush();
    const std::size_t with_one = live_threads();
    async_logger b({.directory = dir_b.path()});
    INKWELL_INFO(b, "1 0 0");
    b.flush();
    BOOST_TEST(live_threads() == with_one);
}

// ---------------------------------------------------------------------------
// 10. Fields and compile-time categories through the async path (JSONL per category).
namespace {
struct jsonl_async_config : inkwell::presets::jsonl_per_category_config {
    using buffer = inkwell::buffer::async<>;
};
}  // namespace

BOOST_AUTO_TEST_CASE(fields_and_categories_reach_their_files) {
    watchdog guard(60s, "fields and categories");
    temp_dir dir;
    std::string session;
    std::uint32_t engine_line = 0, entity_line = 0, plain_line = 0;
    {
        inkwell::basic_logger<jsonl_async_config> log({.directory = dir.path()});
        session = std::string(log.session_id());
        std::string name = "Alice Smith";
        engine_line = __LINE__ + 1;
        INKWELL_INFO(log, "GameEngine started in {} ms", 12, inkwell::kv("fps", 60), inkwell::kv("ratio", 0.25), inkwell::kv("ok", true), inkwell::kv("player", name), inkwell::kv("none", nullptr), inkwell::kv("big", 18446744073709551615ull), inkwell::kv("neg", -5));
        name = "changed";
        std::thread other([&] {
            entity_line = __LINE__ + 1;
            INKWELL_WARN(log, "{} created", "EntityManager", inkwell::kv("id", 7));  // classified at run time
        });
        other.join();
        plain_line = __LINE__ + 1;
        INKWELL_ERROR(log, "nothing known here", inkwell::kv("code", 42));
    }

    std::map<std::string, std::vector<json>> by_category;
    std::size_t day_folders_ok = 0;
    for (const auto& file : test_support::files_below(dir.path())) {
        if (file.parent_path().parent_path() == dir.path() && file.parent_path().filename().string().size() == 10)
            ++day_folders_ok;
        by_category[file.stem().string()] = test_support::read_jsonl(file);
    }
    BOOST_TEST(day_folders_ok == 3u);  // logs/YYYY-MM-DD/<category>.jsonl
    BOOST_TEST_REQUIRE(by_category.size() == 3u);
    BOOST_TEST_REQUIRE(by_category["engine"].size() == 1u);
    BOOST_TEST_REQUIRE(by_category["ecs"].size() == 1u);
    BOOST_TEST_REQUIRE(by_category["general"].size() == 1u);

    const json& engine = by_category["engine"][0];
    BOOST_TEST(engine["level"] == "info");
    BOOST_TEST(engine["message"] == "GameEngine started in 12 ms");
    BOOST_TEST(engine["category"] == "engine");
    BOOST_TEST(engine["source"] == "test_async_records.cpp:" + std::to_string(engine_line));
    BOOST_TEST(engine["sessionId"] == session);
    const json& m = engine["metadata"];
    BOOST_TEST((m["fps"].is_number_integer() && m["fps"] == 60));
    BOOST_TEST((m["ratio"].is_number_float() && m["ratio"] == 0.25));
    BOOST_TEST((m["ok"].is_boolean() && m["ok"] == true));
    BOOST_TEST(m["player"] == "Alice Smith");
    BOOST_TEST(m["none"].is_null());
    BOOST_TEST(m["big"].get<std::uint64_t>() == 18446744073709551615ull);
    BOOST_TEST(m["neg"].get<std::int64_t>() == -5);
    BOOST_TEST(m.size() == 7u);

    const json& entity = by_category["ecs"][0];
    BOOST_TEST(entity["level"] == "warn");
    BOOST_TEST(entity["message"] == "EntityManager created");
    BOOST_TEST(entity["category"] == "ecs");
    BOOST_TEST(entity["source"] == "test_async_records.cpp:" + std::to_string(entity_line));
    BOOST_TEST(entity["metadata"] == (json{{"id", 7}}));

    const json& plain = by_category["general"][0];
    BOOST_TEST(plain["level"] == "error");
    BOOST_TEST(plain["category"] == "general");
    BOOST_TEST(plain["source"] == "test_async_records.cpp:" + std::to_string(plain_line));
    BOOST_TEST(plain["metadata"] == (json{{"code", 42}}));
}
