// The memory of the async queues: the rings of all threads together stay
// within the buffer's TotalBytes (a new thread's ring is shrunk to fit, down
// to a 4 KiB floor that is always granted), without losing a record in block
// mode or miscounting one in drop mode; a thread's queue grows to the
// QueueBytes of the largest logger it uses; ring memory is given back once
// threads end.
//
// INKWELL_STRESS_SCALE (default 1) scales the record counts; the
// ThreadSanitizer build (tests/tsan.cmake) runs with a small scale.
#define BOOST_TEST_MODULE async_memory
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "async_test_support.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <latch>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>

using test_support::temp_dir;
using namespace std::chrono_literals;
using namespace async_test_support;

namespace {

constexpr std::size_t kib = 1024;
constexpr std::size_t floor_bytes = 4 * kib;  // the ring a new thread always gets

std::size_t queue_memory() { return inkwell::buffer::async<>::queue_memory_bytes(); }

// Samples queue_memory_bytes() until destroyed: the peak while threads log.
class memory_peak {
public:
    memory_peak()
        : thread_([this] {
              while (!stop_.load()) {
                  const std::size_t now = queue_memory();
                  if (now > peak_.load()) peak_.store(now);
                  std::this_thread::sleep_for(100us);
              }
          }) {}
    ~memory_peak() { stop(); }
    std::size_t stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
        return peak_.load();
    }
    memory_peak(const memory_peak&) = delete;
    memory_peak& operator=(const memory_peak&) = delete;

private:
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> peak_{0};
    std::thread thread_;
};

template <class F>
void for_each_line(const std::string& content, F&& f) {
    std::size_t begin = 0;
    while (begin < content.size()) {
        auto end = content.find('\n', begin);
        if (end == std::string::npos) end = content.size();
        f(std::string_view(content).substr(begin, end - begin));
        begin = end + 1;
    }
}

// The records of a file, thread by thread: each thread's indices must
// increase; gaps are records that never arrived. inkwell's own drop reports
// ("inkwell: N records dropped since ...") are summed apart.
struct file_check {
    explicit file_check(std::size_t threads) : next(threads, 0) {}

    void see(std::string_view line) {
        constexpr std::string_view report = "inkwell: ";
        if (line.starts_with(report)) {
            std::size_t n = 0;
            const char* end = line.data() + line.size();
            auto r = std::from_chars(line.data() + report.size(), end, n);
            if (r.ec == std::errc{} && std::string_view(r.ptr, static_cast<std::size_t>(end - r.ptr))
                                           .starts_with(" records dropped since ")) {
                ++reports;
                reported_dropped += n;
            } else {
                ++malformed;
            }
            return;
        }
        ++records;
        auto p = parse_pair(line);
        if (!p || p->first >= next.size()) {
            ++malformed;
            return;
        }
        auto [t, i] = *p;
        if (i < next[t]) {
            ++repeated_or_reordered;
            return;
        }
        missing += i - next[t];
        next[t] = i + 1;
    }
    void finish(std::size_t per_thread) {
        for (auto& n : next)
            if (n < per_thread) missing += per_thread - n;
    }
    void read(const std::filesystem::path& file, std::size_t per_thread) {
        for_each_line(test_support::read_file(file), [&](std::string_view line) { see(line); });
        finish(per_thread);
    }

    std::vector<std::size_t> next;
    std::size_t records = 0, malformed = 0, repeated_or_reordered = 0, missing = 0;
    std::size_t reports = 0, reported_dropped = 0;
};

// `threads` threads log `per_thread` records "t i" each, all at once.
template <class Logger>
void log_from_threads(Logger& log, std::size_t threads, std::size_t per_thread) {
    std::latch go(static_cast<std::ptrdiff_t>(threads));
    std::vector<std::thread> producers;
    for (std::size_t t = 0; t < threads; ++t)
        producers.emplace_back([&, t] {
            go.arrive_and_wait();
            for (std::size_t i = 0; i < per_thread; ++i) INKWELL_INFO(log, "{} {}", t, i);
        });
    for (auto& p : producers) p.join();
}

// 64 KiB per thread would be 4 MiB for 64 threads; the cap is 256 KiB.
constexpr std::size_t small_cap = 256 * kib;
struct capped_block_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 64 * kib, small_cap>;
};
struct capped_drop_config : capped_block_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::drop, 64 * kib, small_cap>;
};

}  // namespace

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(many_threads_stay_within_the_memory_cap_and_lose_nothing) {
    watchdog guard(600s, "64 threads under a 256 KiB cap");
    constexpr std::size_t threads = 64;
    const std::size_t per_thread = scaled(20'000);
    const std::size_t before = queue_memory();
    temp_dir dir;
    std::size_t peak = 0;
    inkwell::logger_stats stats;
    {
        inkwell::basic_logger<capped_block_config> log({.directory = dir.path()});
        memory_peak watch;
        log_from_threads(log, threads, per_thread);
        log.flush();
        peak = watch.stop();
        stats = log.stats();
    }
    BOOST_TEST_MESSAGE(threads << " threads x " << per_thread << " records: queue memory peaked at " << peak / kib
                               << " KiB (cap " << small_cap / kib << " KiB, " << before / kib << " KiB before)");
    BOOST_TEST(peak <= before + small_cap + floor_bytes * threads);

    file_check check(threads);
    check.read(dir / "app.log", per_thread);
    BOOST_TEST(check.records == threads * per_thread);
    BOOST_TEST(check.missing == 0u);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.repeated_or_reordered == 0u);
    BOOST_TEST(stats.dropped == 0u);
}

BOOST_AUTO_TEST_CASE(drop_mode_under_the_memory_cap_counts_exactly) {
    watchdog guard(600s, "drop mode under a 256 KiB cap");
    constexpr std::size_t threads = 16;
    const std::size_t per_thread = scaled(50'000);
    const std::size_t before = queue_memory();
    temp_dir dir;
    std::size_t peak = 0;
    inkwell::logger_stats stats;
    {
        inkwell::basic_logger<capped_drop_config> log({.directory = dir.path()});
        memory_peak watch;
        log_from_threads(log, threads, per_thread);
        log.flush();
        peak = watch.stop();
        stats = log.stats();
    }
    file_check check(threads);
    check.read(dir / "app.log", per_thread);
    BOOST_TEST_MESSAGE("drop mode: " << check.records << " written, " << stats.dropped << " dropped, peak "
                                     << peak / kib << " KiB");
    BOOST_TEST(peak <= before + small_cap + floor_bytes * threads);
    BOOST_TEST(check.records + stats.dropped == threads * per_thread);
    BOOST_TEST(check.missing == stats.dropped);  // the gaps are exactly the dropped records
    BOOST_TEST(check.reported_dropped == stats.dropped);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.repeated_or_reordered == 0u);
}

// ---------------------------------------------------------------------------
// A thread's queue is first sized by the logger it logs to first; a later
// logger with a larger QueueBytes grows it once the small ring is full.
namespace {
struct small_queue_config : inkwell::default_config {
    using sink = holdable_file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::drop, 4 * kib>;
};
struct big_queue_config : small_queue_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::drop, 1024 * kib>;
};

// While the writer is held inside `held`'s sink, a thread that has logged to
// `first` floods `flooded` with `burst` records "0 i"; returns the drops
// `flooded` counted.
template <class First, class Flooded, class Held>
std::uint64_t flood_while_writer_held(First& first, Flooded& flooded, Held& held, std::size_t burst) {
    std::atomic<bool> registered{false}, go{false};
    std::thread producer([&] {
        INKWELL_INFO(first, "{} {}", 0, 0);  // this thread's queue: sized by `first`
        registered.store(true);
        while (!go.load()) std::this_thread::sleep_for(1ms);
        for (std::size_t i = 0; i < burst; ++i) INKWELL_INFO(flooded, "{} {}", 0, i);
    });
    while (!registered.load()) std::this_thread::sleep_for(1ms);
    first.flush();
    hold_writer.store(true);
    INKWELL_INFO(held, "{} {}", 1, 0);  // the writer takes it and is held in the sink
    for (int k = 0; k < 5000 && writers_held.load() == 0; ++k) std::this_thread::sleep_for(1ms);
    BOOST_TEST(writers_held.load() == 1);
    go.store(true);
    producer.join();
    hold_writer.store(false);
    flooded.flush();
    return flooded.stats().dropped;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_thread_grows_its_queue_for_a_logger_with_a_larger_one) {
    watchdog guard(300s, "queue grows to the larger logger's size");
    constexpr std::size_t burst = 5'000;  // ~300 KiB of entries: far more than 4 KiB, well under 1 MiB
    temp_dir small_dir, big_dir;
    std::uint64_t dropped = 0;
    {
        inkwell::basic_logger<small_queue_config> small({.directory = small_dir.path()});
        inkwell::basic_logger<big_queue_config> big({.directory = big_dir.path()});
        dropped = flood_while_writer_held(small, big, big, burst);
    }
    BOOST_TEST(dropped == 0u);
    file_check check(2);
    check.read(big_dir / "app.log", 0);
    BOOST_TEST(check.records == burst + 1);  // the burst and the record that held the writer
    BOOST_TEST(check.next[0] == burst);
    BOOST_TEST(check.missing == 0u);
}

// The control: the same burst into the small logger does not fit its 4 KiB.
BOOST_AUTO_TEST_CASE(the_same_burst_into_the_small_queue_drops) {
    watchdog guard(300s, "burst into a small queue");
    constexpr std::size_t burst = 5'000;
    temp_dir small_dir, big_dir;
    std::uint64_t dropped = 0;
    {
        inkwell::basic_logger<small_queue_config> small({.directory = small_dir.path()});
        inkwell::basic_logger<big_queue_config> big({.directory = big_dir.path()});
        dropped = flood_while_writer_held(small, small, big, burst);
    }
    BOOST_TEST(dropped > 0u);
    file_check check(2);
    check.read(small_dir / "app.log", 0);
    BOOST_TEST(check.records - 1 + dropped == burst);  // less the thread's first record
}

// ---------------------------------------------------------------------------
// grow<> stops at the cap of all queues, then blocks; nothing is lost.
namespace {
struct capped_grow_config : inkwell::default_config {
    using sink = holdable_file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::grow<16 * 1024 * kib>, 4 * kib, 128 * kib>;
};
}  // namespace

BOOST_AUTO_TEST_CASE(grow_mode_stops_growing_at_the_memory_cap) {
    watchdog guard(300s, "grow mode at the memory cap");
    constexpr std::size_t burst = 20'000;  // ~1.2 MiB of entries: more than the 128 KiB cap
    const std::size_t before = queue_memory();
    temp_dir dir;
    std::size_t peak = 0;
    bool finished_while_held = false;
    {
        inkwell::basic_logger<capped_grow_config> log({.directory = dir.path()});
        memory_peak watch;
        hold_writer.store(true);
        INKWELL_INFO(log, "{} {}", 1, 0);  // the writer takes it and is held in the sink
        for (int k = 0; k < 5000 && writers_held.load() == 0; ++k) std::this_thread::sleep_for(1ms);
        BOOST_TEST(writers_held.load() == 1);
        std::atomic<bool> finished{false};
        std::thread producer([&] {
            for (std::size_t i = 0; i < burst; ++i) INKWELL_INFO(log, "{} {}", 0, i);
            finished.store(true);
        });
        std::this_thread::sleep_for(500ms);
        finished_while_held = finished.load();
        hold_writer.store(false);
        producer.join();
        log.flush();
        peak = watch.stop();
        BOOST_TEST(log.stats().dropped == 0u);
    }
    BOOST_TEST(!finished_while_held, "at the 128 KiB cap the producer should wait for the writer");
    BOOST_TEST(peak <= before + 128 * kib + 2 * floor_bytes);
    file_check check(2);
    check.read(dir / "app.log", 0);
    BOOST_TEST(check.records == burst + 1);
    BOOST_TEST(check.next[0] == burst);
    BOOST_TEST(check.missing == 0u);
}

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_CASE(ring_memory_returns_to_the_budget_after_threads_end) {
    watchdog guard(300s, "ring memory after threads end");
    constexpr std::size_t threads = 32;
    constexpr std::size_t spare_rings = 8;  // what the writer keeps for the next threads
    const std::size_t before = queue_memory();
    temp_dir dir;
    std::size_t while_threads_live = 0, after_threads = 0;
    {
        inkwell::basic_logger<capped_block_config> log({.directory = dir.path()});
        std::latch logged(static_cast<std::ptrdiff_t>(threads) + 1);
        std::atomic<bool> end{false};
        std::vector<std::thread> producers;
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                for (std::size_t i = 0; i < 1000; ++i) INKWELL_INFO(log, "{} {}", t, i);
                logged.count_down();
                while (!end.load()) std::this_thread::sleep_for(1ms);
            });
        logged.arrive_and_wait();
        log.flush();
        while_threads_live = queue_memory();
        end.store(true);
        for (auto& p : producers) p.join();
        log.flush();  // the writer drains the ended threads' queues and frees or keeps their rings
        after_threads = queue_memory();
    }
    const std::size_t after_logger = queue_memory();
    BOOST_TEST_MESSAGE("queue memory: " << before / kib << " KiB before, " << while_threads_live / kib
                                        << " KiB with 32 threads, " << after_threads / kib << " KiB after them, "
                                        << after_logger / kib << " KiB after the logger");
    BOOST_TEST(while_threads_live > before);
    BOOST_TEST(while_threads_live <= before + small_cap + floor_bytes * threads);
    BOOST_TEST(after_threads <= before + spare_rings * 64 * kib);
    BOOST_TEST(after_logger == before);  // the last logger ends the writer and its spare rings
}

// ---------------------------------------------------------------------------
// A thread that keeps logging has its ring's pages faulted in by the writer
// (once it has published 16 KiB), so its calls do not take a page fault each
// time they reach a new page of the ring. Without that, a lap of a 1 MiB ring
// costs the logging thread 256 page faults.
BOOST_AUTO_TEST_CASE(a_busy_threads_calls_take_no_page_faults_on_its_ring) {
    watchdog guard(120s, "page faults on the ring");
    struct one_mib_queue : inkwell::default_config {
        using sink = inkwell::sink::file;
        using formatter = message_line;
        using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * kib>;
    };
    constexpr std::size_t records = 40'000;  // two laps of the ring: entries of ~56 bytes
    temp_dir dir;
    long faults = -1;
    {
        inkwell::basic_logger<one_mib_queue> log({.directory = dir.path()});
        std::thread([&] {
            for (std::size_t i = 0; i < 1000; ++i) INKWELL_INFO(log, "{} {}", 0, i);
            log.flush();  // the writer has seen more than 16 KiB of this thread's queue
            rusage before{}, after{};
            ::getrusage(RUSAGE_THREAD, &before);
            for (std::size_t i = 1000; i < records; ++i) INKWELL_INFO(log, "{} {}", 0, i);
            ::getrusage(RUSAGE_THREAD, &after);
            faults = after.ru_minflt - before.ru_minflt + after.ru_majflt - before.ru_majflt;
        }).join();
        log.flush();
    }
    BOOST_TEST_MESSAGE("page faults of the logging thread over two laps of its ring: " << faults);
    BOOST_TEST(faults >= 0);
    // Of 256 pages a lap; a few from elsewhere (the heap, AddressSanitizer's
    // shadow). ThreadSanitizer's shadow of the ring faults in page by page.
    if (!ASYNC_TEST_UNDER_TSAN) BOOST_TEST(faults < 64);
    file_check check(1);
    check.read(dir.path() / "app.log", records);
    BOOST_TEST(check.records == records);
    BOOST_TEST(check.missing == 0u);
}
