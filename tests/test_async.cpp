// The async buffer under load, in each overflow mode: block loses nothing and
// keeps each thread's order; drop counts exactly what it loses and says so in
// the log; grow absorbs a burst the initial queue cannot hold, up to its cap.
//
// INKWELL_STRESS_SCALE (default 1) scales the record counts; the ThreadSanitizer
// build (tests/tsan.cmake) runs with a small scale.
#define BOOST_TEST_MODULE async
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "async_test_support.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/core.h>

using test_support::temp_dir;
using namespace std::chrono_literals;

using namespace async_test_support;

namespace {

// level <TAB> category <TAB> message: enough to tell inkwell's own records apart.
struct tagged_line {
    void format(const inkwell::record& r, inkwell::detail::line_buffer& out) const {
        inkwell::detail::append(out, inkwell::level_name(r.severity));
        out.push_back('\t');
        inkwell::detail::append(out, r.category);
        out.push_back('\t');
        inkwell::detail::append(out, r.message);
        out.push_back('\n');
    }
};

// Holds the writer until the scope ends (or release()).
struct writer_hold {
    writer_hold() { hold_writer.store(true); }
    ~writer_hold() { release(); }
    void release() { hold_writer.store(false); }
    writer_hold(const writer_hold&) = delete;
    writer_hold& operator=(const writer_hold&) = delete;
};

bool wait_until(const std::atomic<bool>& flag, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!flag.load()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// A file sink too slow for its producers.
class slow_file {
public:
    explicit slow_file(const inkwell::sink_context& context) : file_(context) {}
    void write(const inkwell::record& r, std::string_view line) {
        std::this_thread::sleep_for(100us);
        file_.write(r, line);
    }
    void flush() { file_.flush(); }

private:
    inkwell::sink::file file_;
};

// Checks the (thread, index) records of a file in file order: each thread's
// indices must increase; gaps are records that never arrived.
struct sequence_check {
    explicit sequence_check(std::size_t threads) : next(threads, 0) {}

    void see(std::string_view pair_text) {
        ++records;
        auto p = parse_pair(pair_text);
        if (!p || p->first >= next.size()) {
            ++malformed;
            if (malformed <= 3) BOOST_TEST_MESSAGE("malformed record: " << pair_text);
            return;
        }
        auto [t, i] = *p;
        if (i < next[t]) {
            ++repeated_or_reordered;
            if (repeated_or_reordered <= 3) BOOST_TEST_MESSAGE("thread " << t << " index " << i << " after " << next[t] - 1);
            return;
        }
        missing += i - next[t];
        next[t] = i + 1;
    }
    // Counts what never arrived at the end of each thread's sequence.
    void finish(std::size_t per_thread) {
        for (auto& n : next) {
            if (n < per_thread) missing += per_thread - n;
            n = per_thread;
        }
    }

    std::vector<std::size_t> next;
    std::size_t records = 0, malformed = 0, repeated_or_reordered = 0, missing = 0;
};

template <class F>
void for_each_line(const std::string& content, F&& f) {
    std::size_t begin = 0;
    while (begin < content.size()) {
        auto end = content.find('\n', begin);
        if (end == std::string::npos) end = content.size();  // a torn last line still counts (as malformed)
        f(std::string_view(content).substr(begin, end - begin));
        begin = end + 1;
    }
}

// ---------------------------------------------------------------------------
struct block_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<>;
};

void block_mode_stress(std::size_t threads) {
    const std::size_t per_thread = scaled(1'000'000);
    temp_dir dir;
    inkwell::logger_stats stats;
    const auto start = std::chrono::steady_clock::now();
    {
        inkwell::basic_logger<block_config> log({.directory = dir.path()});
        std::latch go(static_cast<std::ptrdiff_t>(threads));
        std::vector<std::thread> producers;
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                go.arrive_and_wait();
                for (std::size_t i = 0; i < per_thread; ++i) INKWELL_INFO(log, "{} {}", t, i);
            });
        for (auto& p : producers) p.join();
        log.flush();
        stats = log.stats();
    }
    const auto logged = std::chrono::steady_clock::now();

    sequence_check check(threads);
    for_each_line(test_support::read_file(dir / "app.log"), [&](std::string_view line) { check.see(line); });
    check.finish(per_thread);
    BOOST_TEST_MESSAGE(threads << " threads x " << per_thread << " records: "
                               << std::chrono::duration<double>(logged - start).count() << " s to log and flush");

    const std::size_t total = threads * per_thread;
    BOOST_TEST(check.records == total);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.repeated_or_reordered == 0u);
    BOOST_TEST(check.missing == 0u);
    BOOST_TEST(stats.dropped == 0u);
    BOOST_TEST(stats.records == total);
    BOOST_TEST(stats.errors == 0u);
}

}  // namespace

// ---------------------------------------------------------------------------
// 1. block mode: every (thread, i) exactly once, each thread's records in order.
BOOST_AUTO_TEST_CASE(block_mode_two_producers_lose_nothing) {
    watchdog guard(600s, "block mode, 2 producers");
    block_mode_stress(2);
}
BOOST_AUTO_TEST_CASE(block_mode_four_producers_lose_nothing) {
    watchdog guard(600s, "block mode, 4 producers");
    block_mode_stress(4);
}
BOOST_AUTO_TEST_CASE(block_mode_eight_producers_lose_nothing) {
    watchdog guard(600s, "block mode, 8 producers");
    block_mode_stress(8);
}

// ---------------------------------------------------------------------------
// 1b. block mode, a writer that falls behind: past three quarters of the
// queue, each call formats its own message before it waits for room. The
// file must not tell: every record, in order, with the text {fmt} writes and
// the time of the call (not of the end of its wait).
namespace {
struct timed_message {
    void format(const inkwell::record& r, inkwell::detail::line_buffer& out) const {
        inkwell::detail::append_integer(
            out, std::chrono::duration_cast<std::chrono::nanoseconds>(r.time.time_since_epoch()).count());
        out.push_back(' ');
        inkwell::detail::append(out, r.message);
        out.push_back('\n');
    }
};
struct behind_config : inkwell::default_config {
    using sink = holdable_file;
    using formatter = timed_message;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 4096>;
};
std::int64_t system_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// with_field: a call with a kv field keeps the old way (its entry waits for
// room as it is); its stamp too must be the time of the call.
void check_a_writer_that_falls_behind(bool with_field) {
    temp_dir dir;
    constexpr int records = 3000;
    constexpr auto held_for = 300ms;
    std::vector<std::int64_t> called(records), returned(records);
    {
        inkwell::basic_logger<behind_config> log({.directory = dir.path()});
        writer_hold hold;  // the writer stops inside its first write
        std::thread producer([&] {
            for (int i = 0; i < records; ++i) {
                called[static_cast<std::size_t>(i)] = system_ns();
                if (with_field)
                    INKWELL_INFO(log, "record {} of {}: {} {}", i, records, i * 0.5, "text-" + std::to_string(i),
                                 inkwell::kv("index", i));
                else
                    INKWELL_INFO(log, "record {} of {}: {} {}", i, records, i * 0.5, "text-" + std::to_string(i));
                returned[static_cast<std::size_t>(i)] = system_ns();
            }
        });
        std::this_thread::sleep_for(held_for);  // the 4 KiB queue fills; the producer waits
        hold.release();
        producer.join();
        log.flush();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    const std::string content = test_support::read_file(dir / "app.log");
    const auto lines = lines_of(content);
    BOOST_TEST_REQUIRE(lines.size() == static_cast<std::size_t>(records));
    int waited = 0;  // calls that returned only after the hold
    for (int i = 0; i < records; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const std::string_view line = lines[k];
        const std::size_t space = line.find(' ');
        std::int64_t stamped = 0;
        std::from_chars(line.data(), line.data() + space, stamped);
        const std::string expected = fmt::format("record {} of {}: {} {}", i, records, i * 0.5, "text-" + std::to_string(i));
        if (line.substr(space + 1) != expected) BOOST_TEST(line.substr(space + 1) == expected);
        // The call's time: within 50 ms of its start, though it may have waited 300 ms.
        if (stamped < called[k] - 1'000'000 || stamped > called[k] + 50'000'000)
            BOOST_ERROR("record " << i << " stamped " << (stamped - called[k]) / 1000 << " us after its call");
        if (returned[k] - called[k] > 100'000'000) ++waited;
    }
    BOOST_TEST(waited >= 1);  // the queue was full: a call did wait for the writer
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_writer_that_falls_behind_changes_nothing_in_the_file) {
    watchdog guard(120s, "a writer behind its producer");
    check_a_writer_that_falls_behind(false);
}

BOOST_AUTO_TEST_CASE(a_call_that_waits_for_room_keeps_the_time_of_the_call) {
    watchdog guard(120s, "a call with a field behind the writer");
    check_a_writer_that_falls_behind(true);
}

// ---------------------------------------------------------------------------
// 2. drop mode: a small queue and a slow sink. Every record is written or
// counted, and the log itself says how many were dropped.
namespace {
struct drop_config : inkwell::default_config {
    using sink = slow_file;
    using formatter = tagged_line;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::drop, 4096>;
};
}  // namespace

BOOST_AUTO_TEST_CASE(drop_mode_written_plus_dropped_is_produced) {
    watchdog guard(600s, "drop mode");
    constexpr std::size_t threads = 2;
    const std::size_t per_thread = scaled(100'000);
    temp_dir dir;
    inkwell::logger_stats stats;
    {
        inkwell::basic_logger<drop_config> log({.directory = dir.path()});
        std::latch go(threads);
        std::vector<std::thread> producers;
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                go.arrive_and_wait();
                for (std::size_t i = 0; i < per_thread; ++i) INKWELL_INFO(log, "p {} {}", t, i);
            });
        for (auto& p : producers) p.join();
        log.flush();
        stats = log.stats();
    }

    sequence_check check(threads);
    std::size_t reports = 0, reported_dropped = 0, other = 0, lines = 0;
    constexpr std::string_view ours = "info\tgeneral\tp ";
    constexpr std::string_view report = "warn\tinkwell\tinkwell: ";
    for_each_line(test_support::read_file(dir / "app.log"), [&](std::string_view line) {
        ++lines;
        if (line.starts_with(ours)) {
            check.see(line.substr(ours.size()));
        } else if (line.starts_with(report)) {
            // "inkwell: N records dropped since <ISO time>"
            auto text = line.substr(report.size());
            std::size_t n = 0;
            auto r = std::from_chars(text.data(), text.data() + text.size(), n);
            constexpr std::string_view rest = " records dropped since ";
            if (r.ec != std::errc{} || std::string_view(r.ptr, rest.size()) != rest ||
                text.size() <= static_cast<std::size_t>(r.ptr - text.data()) + rest.size()) {
                ++other;
                BOOST_TEST_MESSAGE("unexpected report: " << line);
                return;
            }
            ++reports;
            reported_dropped += n;
        } else {
            ++other;
            if (other <= 3) BOOST_TEST_MESSAGE("unexpected line: " << line);
        }
    });

    const std::size_t produced = threads * per_thread;
    BOOST_TEST_MESSAGE("drop mode: " << check.records << " written, " << stats.dropped << " dropped, " << reports
                                     << " drop reports");
    BOOST_TEST(stats.dropped > 0u, "the slow sink and the 4 KiB queue should have forced drops");
    BOOST_TEST(check.records + stats.dropped == produced);
    check.finish(per_thread);
    BOOST_TEST(check.missing == stats.dropped);  // the gaps are exactly the dropped records
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.repeated_or_reordered == 0u);
    BOOST_TEST(other == 0u);
    BOOST_TEST(reports >= 1u);
    BOOST_TEST(reported_dropped == stats.dropped);
    BOOST_TEST(stats.records == lines);
}

// ---------------------------------------------------------------------------
// 3. grow mode: a burst far larger than the initial queue, while the writer
// cannot take anything, is absorbed without blocking and without a loss.
namespace {
struct grow_config : inkwell::default_config {
    using sink = holdable_file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::grow<16 * 1024 * 1024>, 4096>;
};
struct grow_small_cap_config : grow_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::grow<64 * 1024>, 4096>;
};

// Logs `count` records "0 i" from one thread while the writer is held; says
// whether the burst finished before the writer was released.
template <class Logger>
bool burst_while_writer_held(Logger& log, std::size_t count, std::chrono::milliseconds wait) {
    writer_hold hold;
    INKWELL_INFO(log, "{} {}", 1, 0);  // the writer takes it and is held in the sink
    for (int k = 0; k < 5000 && writers_held.load() == 0; ++k) std::this_thread::sleep_for(1ms);
    BOOST_TEST(writers_held.load() == 1);
    std::atomic<bool> finished{false};
    std::thread producer([&] {
        for (std::size_t i = 0; i < count; ++i) INKWELL_INFO(log, "{} {}", 0, i);
        finished.store(true);
    });
    const bool finished_while_held = wait_until(finished, wait);
    hold.release();
    producer.join();
    log.flush();
    return finished_while_held;
}

void expect_burst_in_file(const temp_dir& dir, std::size_t count) {
    sequence_check check(2);
    for_each_line(test_support::read_file(dir / "app.log"), [&](std::string_view line) { check.see(line); });
    BOOST_TEST(check.records == count + 1);
    BOOST_TEST(check.next[0] == count);
    BOOST_TEST(check.missing == 0u);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.repeated_or_reordered == 0u);
}
}  // namespace

BOOST_AUTO_TEST_CASE(grow_mode_absorbs_a_burst_larger_than_the_queue) {
    watchdog guard(300s, "grow mode burst");
    constexpr std::size_t burst = 20'000;  // ~100 times what 4 KiB holds, well under the 16 MiB cap
    temp_dir dir;
    {
        inkwell::basic_logger<grow_config> log({.directory = dir.path()});
        const bool finished_while_held = burst_while_writer_held(log, burst, 60s);
        BOOST_TEST(finished_while_held, "the burst should fit the grown queue without waiting for the writer");
        BOOST_TEST(log.stats().dropped == 0u);
    }
    expect_burst_in_file(dir, burst);
}

BOOST_AUTO_TEST_CASE(grow_mode_blocks_at_its_cap_and_still_loses_nothing) {
    watchdog guard(300s, "grow mode at its cap");
    constexpr std::size_t burst = 20'000;  // more than 64 KiB of records
    temp_dir dir;
    {
        inkwell::basic_logger<grow_small_cap_config> log({.directory = dir.path()});
        const bool finished_while_held = burst_while_writer_held(log, burst, 500ms);
        BOOST_TEST(!finished_while_held, "at its 64 KiB cap the queue should wait for the writer");
        BOOST_TEST(log.stats().dropped == 0u);
    }
    expect_burst_in_file(dir, burst);
}

// ---------------------------------------------------------------------------
// A record larger than the whole queue must neither hang nor vanish.
namespace {
struct small_block_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 4096>;
};
struct small_drop_config : small_block_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::drop, 4096>;
};
struct small_grow_config : small_block_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::grow<1024 * 1024>, 4096>;
};

// Logs a 64 KiB message between two small ones; returns the file's lines and the stats.
template <class Config>
std::pair<std::vector<std::string>, inkwell::logger_stats> log_one_huge_record(const temp_dir& dir,
                                                                               const std::string& huge) {
    inkwell::logger_stats stats;
    {
        inkwell::basic_logger<Config> log({.directory = dir.path()});
        INKWELL_INFO(log, "before");
        INKWELL_INFO(log, "{}", huge);
        INKWELL_INFO(log, "after");
        log.flush();
        stats = log.stats();
    }
    return {test_support::read_lines(dir / "app.log"), stats};
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_record_larger_than_the_queue_is_written_in_block_and_grow_mode) {
    watchdog guard(120s, "a record larger than the queue");
    const std::string huge(64 * 1024, 'h');
    {
        temp_dir dir;
        auto [lines, stats] = log_one_huge_record<small_block_config>(dir, huge);
        BOOST_TEST((lines == std::vector<std::string>{"before", huge, "after"}));
        BOOST_TEST(stats.dropped == 0u);
    }
    {
        temp_dir dir;
        auto [lines, stats] = log_one_huge_record<small_grow_config>(dir, huge);
        BOOST_TEST((lines == std::vector<std::string>{"before", huge, "after"}));
        BOOST_TEST(stats.dropped == 0u);
    }
}

// Records of over half the queue, logged without a pause: the first is taken
// in the 4 KiB ring, the next ones (no room) in a larger ring of their own.
BOOST_AUTO_TEST_CASE(records_of_over_half_the_queue_arrive_whole_and_in_order) {
    watchdog guard(120s, "records of over half the queue");
    temp_dir dir;
    std::vector<std::string> sent;
    {
        inkwell::basic_logger<small_block_config> log({.directory = dir.path()});
        for (int i = 0; i < 300; ++i) {
            // 2,200-2,900 bytes of 4,096: each entry alone takes over half the ring.
            sent.push_back(std::to_string(i) + ":" + std::string(2200 + (i * 37) % 700, static_cast<char>('a' + i % 26)));
            INKWELL_INFO(log, "{}", sent.back());
        }
        log.flush();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    BOOST_TEST(test_support::read_lines(dir / "app.log") == sent, boost::test_tools::per_element());
}

// While the ring has room, an entry of over half of it is taken in it, even
// where it must wrap: the thread's 4 KiB queue does not grow. (Entries of
// 2,560 and 1,024 bytes with the ring empty each time: every large one after
// the first wraps, taking the last 456-512 bytes as skipped.)
BOOST_AUTO_TEST_CASE(an_entry_of_over_half_the_ring_is_taken_in_it_while_there_is_room) {
    watchdog guard(120s, "entries of over half the ring");
    // A message whose entry takes exactly `bytes` of the ring.
    auto message_of_entry_size = [](std::size_t bytes, char fill) {
        return std::string(bytes - sizeof(inkwell::detail::entry_header) - sizeof(std::uint32_t), fill);
    };
    temp_dir dir;
    std::vector<std::string> sent;
    std::size_t memory_before = 0, memory_after = 0;
    {
        inkwell::basic_logger<small_block_config> log({.directory = dir.path()});
        // A thread of its own: its queue is this logger's 4 KiB.
        std::thread([&] {
            sent.push_back("start");
            INKWELL_INFO(log, "{}", sent.back());
            log.flush();
            memory_before = small_block_config::buffer::queue_memory_bytes();
            for (int i = 0; i < 40; ++i) {
                sent.push_back(message_of_entry_size(2560, static_cast<char>('a' + i % 26)));
                INKWELL_INFO(log, "{}", sent.back());
                log.flush();
                sent.push_back(message_of_entry_size(1024, static_cast<char>('A' + i % 26)));
                INKWELL_INFO(log, "{}", sent.back());
                log.flush();
            }
            memory_after = small_block_config::buffer::queue_memory_bytes();
        }).join();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    BOOST_TEST(memory_after <= memory_before, "the queue grew from " << memory_before << " to " << memory_after
                                                                       << " bytes: a large entry was refused");
    BOOST_TEST(test_support::read_lines(dir / "app.log") == sent, boost::test_tools::per_element());
}

// The call site copies a std::string of up to 16 bytes with one 16-byte move,
// storing past the entry's end (the ring keeps room for it there). Text of
// every length from 0 to 40 bytes, each followed by a number stored after it,
// through a 4 KiB ring for many laps (entries end at every offset of a lap):
// each line has its own text and number, nothing of a neighbour's.
BOOST_AUTO_TEST_CASE(short_text_of_every_length_arrives_exactly_across_the_ring_laps) {
    watchdog guard(120s, "short text of every length");
    temp_dir dir;
    std::vector<std::string> sent;
    {
        inkwell::basic_logger<small_block_config> log({.directory = dir.path()});
        std::thread([&] {  // a thread of its own: its queue is this logger's 4 KiB
            for (int i = 0; i < 6000; ++i) {
                std::string text;
                for (int k = 0; k < i % 41; ++k) text.push_back(static_cast<char>('a' + (i + k) % 26));
                sent.push_back(text + "|" + std::to_string(i));
                INKWELL_INFO(log, "{}|{}", text, i);
                if (i % 64 == 63) log.flush();  // else the writer falls behind now and then
            }
        }).join();
        log.flush();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    BOOST_TEST(test_support::read_lines(dir / "app.log") == sent, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_record_larger_than_the_queue_is_written_or_counted_in_drop_mode) {
    watchdog guard(120s, "a record larger than the drop queue");
    const std::string huge(64 * 1024, 'h');
    temp_dir dir;
    auto [lines, stats] = log_one_huge_record<small_drop_config>(dir, huge);
    const bool written = std::find(lines.begin(), lines.end(), huge) != lines.end();
    BOOST_TEST((written ? 1u : 0u) + stats.dropped == 1u);
    BOOST_TEST(std::count(lines.begin(), lines.end(), "before") == 1);
    BOOST_TEST(std::count(lines.begin(), lines.end(), "after") == 1);
}
