// The async buffer's lifecycle: flush() covers every thread's earlier records
// and returns under load; destruction and shutdown() drain what is in flight;
// logging after shutdown() is counted, not a crash; threads that come and go
// lose nothing and leave no memory behind; an idle writer costs no CPU, and
// a spinning one (buffer::idle::spin) keeps a core only while its logger lives.
//
// INKWELL_STRESS_SCALE (default 1) scales the record and thread counts; the
// ThreadSanitizer build (tests/tsan.cmake) runs with a small scale.
#define BOOST_TEST_MODULE async_lifecycle
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
#include <ctime>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

using test_support::temp_dir;
using namespace std::chrono_literals;

using namespace async_test_support;

namespace {

// The file's content, or "" before the logger made it.
std::string content_of(const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return {};
    return test_support::read_file(p);
}

bool has_line(const std::string& content, std::string_view line) {
    std::string needle = "\n";
    needle += line;
    needle += '\n';
    return ("\n" + content).find(needle) != std::string::npos;
}

// "<thread> <index>" lines: how many, and whether each thread's indices
// increase. inkwell's own "inkwell: N records dropped ..." lines are counted apart.
struct pair_lines {
    std::size_t records = 0, malformed = 0, out_of_order = 0, reports = 0;
    std::vector<std::size_t> per_thread;
    std::vector<std::optional<std::size_t>> last;

    explicit pair_lines(std::size_t threads) : per_thread(threads), last(threads) {}
    void see(std::string_view line) {
        if (line.starts_with("inkwell: ")) {
            ++reports;
            return;
        }
        ++records;
        auto p = parse_pair(line);
        if (!p || p->first >= per_thread.size()) {
            ++malformed;
            return;
        }
        auto [t, i] = *p;
        if (last[t] && i <= *last[t]) ++out_of_order;
        last[t] = i;
        ++per_thread[t];
    }
};

struct async_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = message_line;
    using buffer = inkwell::buffer::async<>;
};

struct held_config : async_config {
    using sink = holdable_file;
};

}  // namespace

// ---------------------------------------------------------------------------
// 4. flush(): records of other threads logged before it are in the file when it returns.
BOOST_AUTO_TEST_CASE(flush_covers_a_record_another_thread_logged_before_it) {
    watchdog guard(300s, "flush ordering");
    constexpr int rounds = 200;
    temp_dir dir;
    inkwell::basic_logger<async_config> log({.directory = dir.path()});
    std::atomic<int> a_logged{-1}, b_checked{-1};
    std::atomic<int> failures{0}, first_failure{-1};

    std::thread a([&] {
        for (int k = 0; k < rounds; ++k) {
            while (b_checked.load() != k - 1) std::this_thread::yield();
            INKWELL_INFO(log, "a {}", k);
            a_logged.store(k);  // seq_cst: B's record is logged after A's call returned
        }
    });
    std::thread b([&] {
        for (int k = 0; k < rounds; ++k) {
            while (a_logged.load() != k) std::this_thread::yield();
            INKWELL_INFO(log, "b {}", k);
            log.flush();
            const auto content = content_of(dir / "app.log");
            if (!has_line(content, "a " + std::to_string(k)) || !has_line(content, "b " + std::to_string(k))) {
                if (failures.fetch_add(1) == 0) first_failure.store(k);
            }
            b_checked.store(k);
        }
    });
    a.join();
    b.join();
    BOOST_TEST(failures.load() == 0, "first missing round: " << first_failure.load());
}

BOOST_AUTO_TEST_CASE(flush_from_several_threads_at_once) {
    watchdog guard(300s, "concurrent flushes");
    constexpr int threads = 4, rounds = 50, per_round = 10;
    temp_dir dir;
    inkwell::basic_logger<async_config> log({.directory = dir.path()});
    std::atomic<int> failures{0};
    std::latch go(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            go.arrive_and_wait();
            const std::string prefix = std::to_string(t) + " ";
            for (int j = 0; j < rounds; ++j) {
                for (int r = 0; r < per_round; ++r) INKWELL_INFO(log, "{} {}", t, j * per_round + r);
                log.flush();
                // This thread's records so far, all of them, in the file.
                std::size_t mine = 0;
                const auto content = content_of(dir / "app.log");
                for (auto line : lines_of(content))
                    if (line.starts_with(prefix)) ++mine;
                if (mine != static_cast<std::size_t>((j + 1) * per_round)) failures.fetch_add(1);
            }
        });
    for (auto& w : workers) w.join();
    BOOST_TEST(failures.load() == 0);

    log.flush();
    pair_lines check(threads);
    const auto content = content_of(dir / "app.log");
    for (auto line : lines_of(content)) check.see(line);
    BOOST_TEST(check.records == static_cast<std::size_t>(threads * rounds * per_round));
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.out_of_order == 0u);
}

namespace {
// Writes only the main thread's "m <n>" lines, and takes 2 us over each of
// the others: the producers' flood never reaches the disk, yet outpaces the
// writer, so the queues are never empty.
class main_lines_file {
public:
    explicit main_lines_file(const inkwell::sink_context& context) : file_(context) {}
    void write(const inkwell::record& r, std::string_view line) {
        if (line.starts_with("m ")) {
            file_.write(r, line);
            return;
        }
        const auto until = std::chrono::steady_clock::now() + 2us;
        while (std::chrono::steady_clock::now() < until) {
        }
    }
    void flush() { file_.flush(); }

private:
    inkwell::sink::file file_;
};
struct flood_config : async_config {
    using sink = main_lines_file;
};
}  // namespace

// A flush must not wait for the queues to be empty: under a steady flood they never are.
BOOST_AUTO_TEST_CASE(flush_returns_while_other_threads_keep_logging) {
    watchdog guard(300s, "flush under a flood of records");
    constexpr int rounds = 10;
    temp_dir dir;
    inkwell::basic_logger<flood_config> log({.directory = dir.path()});
    std::atomic<bool> stop{false};
    std::vector<std::thread> producers;
    for (int t = 0; t < 2; ++t)
        producers.emplace_back([&, t] {
            for (std::size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) INKWELL_INFO(log, "{} {}", t, i);
        });
    std::this_thread::sleep_for(50ms);  // the flood is on

    int missing = 0;
    std::chrono::duration<double> slowest{0};
    for (int j = 0; j < rounds; ++j) {
        INKWELL_INFO(log, "m {}", j);
        const auto start = std::chrono::steady_clock::now();
        log.flush();
        slowest = std::max<std::chrono::duration<double>>(slowest, std::chrono::steady_clock::now() - start);
        if (!has_line(content_of(dir / "app.log"), "m " + std::to_string(j))) ++missing;
        if (slowest > 30s) break;  // failed already; spare the other rounds
    }
    stop.store(true);
    for (auto& p : producers) p.join();
    BOOST_TEST_MESSAGE("slowest flush under the flood: " << slowest.count() << " s");
    BOOST_TEST(missing == 0);
    // A flush that waited for empty queues would never return under this flood;
    // one that drains what was queued before it takes well under a second here.
    // 30 s is far from both, so a shared, loaded CI machine does not fail it.
    BOOST_TEST(slowest.count() < 30.0);
}

// ---------------------------------------------------------------------------
// 5. destruction and shutdown() with records in flight.
BOOST_AUTO_TEST_CASE(destruction_writes_every_record_logged_before_it) {
    watchdog guard(300s, "destruction with records in flight");
    constexpr std::size_t threads = 4;
    const std::size_t per_thread = scaled(250'000);
    temp_dir dir;
    {
        inkwell::basic_logger<async_config> log({.directory = dir.path()});
        std::latch go(threads);
        std::vector<std::thread> producers;
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                go.arrive_and_wait();
                for (std::size_t i = 0; i < per_thread; ++i) INKWELL_INFO(log, "{} {}", t, i);
            });
        for (auto& p : producers) p.join();
        // no flush(): the destructor drains
    }
    pair_lines check(threads);
    const auto content = content_of(dir / "app.log");
    for (auto line : lines_of(content)) check.see(line);
    BOOST_TEST(check.records == threads * per_thread);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.out_of_order == 0u);
    for (std::size_t t = 0; t < threads; ++t) BOOST_TEST(check.per_thread[t] == per_thread);
}

BOOST_AUTO_TEST_CASE(destruction_waits_for_a_slow_writer) {
    watchdog guard(300s, "destruction with a held writer");
    constexpr std::size_t count = 2'000;
    temp_dir dir;
    hold_writer.store(true);
    std::thread releaser;
    {
        inkwell::basic_logger<held_config> log({.directory = dir.path()});
        for (std::size_t i = 0; i < count; ++i) INKWELL_INFO(log, "0 {}", i);
        // All of them are still queued or in the held sink when destruction begins.
        releaser = std::thread([] {
            std::this_thread::sleep_for(100ms);
            hold_writer.store(false);
        });
    }
    releaser.join();
    pair_lines check(1);
    const auto content = content_of(dir / "app.log");
    for (auto line : lines_of(content)) check.see(line);
    BOOST_TEST(check.records == count);
    BOOST_TEST(check.malformed == 0u);
    BOOST_TEST(check.out_of_order == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_drains_then_counts_later_records_as_dropped) {
    watchdog guard(120s, "shutdown");
    constexpr std::size_t before = 1'000, after_main = 10, after_threads = 4, after_each = 100;
    temp_dir dir;
    inkwell::basic_logger<async_config> log({.directory = dir.path()});
    for (std::size_t i = 0; i < before; ++i) INKWELL_INFO(log, "0 {}", i);
    log.shutdown();
    BOOST_TEST(lines_of(content_of(dir / "app.log")).size() == before);  // drained by shutdown()
    BOOST_TEST(log.stats().dropped == 0u);

    for (std::size_t i = 0; i < after_main; ++i) INKWELL_INFO(log, "1 {}", i);
    std::vector<std::thread> late;
    for (std::size_t t = 0; t < after_threads; ++t)
        late.emplace_back([&] {
            for (std::size_t i = 0; i < after_each; ++i) INKWELL_INFO(log, "2 {}", i);
        });
    for (auto& l : late) l.join();
    log.flush();     // returns, writes nothing
    log.shutdown();  // a second time: nothing happens
    BOOST_TEST(log.stats().dropped == after_main + after_threads * after_each);
    BOOST_TEST(log.stats().records == before);
    BOOST_TEST(lines_of(content_of(dir / "app.log")).size() == before);
}

// Records logged while another thread calls shutdown() are written before it
// returns or counted as dropped; none slips through to be written later (by
// then the logger may be gone: a second logger keeps the shared writer running).
BOOST_AUTO_TEST_CASE(shutdown_while_threads_log_writes_or_counts_every_record) {
    watchdog guard(300s, "shutdown while threads log");
    constexpr std::size_t threads = 4;
    const std::size_t rounds = std::max<std::size_t>(3, scaled(10));
    const std::size_t after_shutdown = scaled(10'000);
    temp_dir keeper_dir;
    inkwell::basic_logger<async_config> keeper({.directory = keeper_dir.path()});
    INKWELL_INFO(keeper, "0 0");
    for (std::size_t round = 0; round < rounds; ++round) {
        temp_dir dir;
        std::vector<std::size_t> produced(threads);
        inkwell::logger_stats stats;
        {
            auto log = std::make_unique<inkwell::basic_logger<async_config>>(
                inkwell::logger_options{.directory = dir.path()});
            std::atomic<bool> shut{false};
            std::vector<std::thread> producers;
            for (std::size_t t = 0; t < threads; ++t)
                producers.emplace_back([&, t] {
                    std::size_t i = 0;
                    while (!shut.load()) INKWELL_INFO(*log, "{} {}", t, i++);
                    for (std::size_t k = 0; k < after_shutdown; ++k) INKWELL_INFO(*log, "{} {}", t, i++);
                    produced[t] = i;
                });
            std::this_thread::sleep_for(20ms);
            log->shutdown();
            shut.store(true);
            for (auto& p : producers) p.join();
            // A record whose call began before shutdown() and ended after it is
            // still in its queue: the writer counts it when it reaches it. Drain
            // every queue (any logger's flush does) before reading the counters.
            keeper.flush();
            stats = log->stats();
        }
        keeper.flush();
        pair_lines check(threads);
        const auto content = content_of(dir / "app.log");
        for (auto line : lines_of(content)) check.see(line);
        std::size_t total = 0;
        for (auto n : produced) total += n;
        BOOST_TEST_MESSAGE("round " << round << ": " << check.records << " written, " << stats.dropped << " dropped");
        BOOST_TEST(check.records + stats.dropped == total);
        BOOST_TEST(stats.dropped >= threads * after_shutdown);
        // Every line in the file reached it before shutdown() returned.
        BOOST_TEST(stats.records == check.records + check.reports);
        BOOST_TEST(check.malformed == 0u);
        BOOST_TEST(check.out_of_order == 0u);
    }
}

// ---------------------------------------------------------------------------
// 7. Many short-lived threads: every record written, memory bounded.
namespace {
std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t size_pages = 0, resident_pages = 0;
    statm >> size_pages >> resident_pages;
    return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

template <class Logger>
void log_from_short_lived_threads(Logger& log, std::size_t first, std::size_t count) {
    constexpr std::size_t wave = 8;
    for (std::size_t base = first; base < first + count; base += wave) {
        std::vector<std::thread> threads;
        for (std::size_t k = base; k < std::min(base + wave, first + count); ++k)
            threads.emplace_back([&log, k] { INKWELL_INFO(log, "0 {}", k); });
        for (auto& t : threads) t.join();
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(short_lived_threads_lose_nothing_and_memory_stays_bounded) {
    watchdog guard(600s, "short-lived threads");
    constexpr std::size_t warm_up = 64;
    const std::size_t count = scaled(100'000);
    temp_dir dir;
    std::size_t rss_before = 0, rss_after = 0;
    {
        inkwell::basic_logger<async_config> log({.directory = dir.path()});
        log_from_short_lived_threads(log, 0, warm_up);  // the writer, stacks and arenas exist
        log.flush();
        rss_before = resident_bytes();
        const auto start = std::chrono::steady_clock::now();
        log_from_short_lived_threads(log, warm_up, count);
        log.flush();
        rss_after = resident_bytes();
        BOOST_TEST_MESSAGE(count << " short-lived threads: "
                                 << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                                 << " s, RSS " << rss_before / 1024 << " KiB -> " << rss_after / 1024 << " KiB");
    }
    const auto growth = rss_after > rss_before ? rss_after - rss_before : 0;
    BOOST_TEST(growth < std::size_t{64} * 1024 * 1024);

    std::vector<bool> seen(warm_up + count);
    std::size_t records = 0, bad = 0;
    const auto content = content_of(dir / "app.log");
    for (auto line : lines_of(content)) {
        ++records;
        auto p = parse_pair(line);
        if (!p || p->first != 0 || p->second >= seen.size() || seen[p->second]) {
            ++bad;
            continue;
        }
        seen[p->second] = true;
    }
    BOOST_TEST(records == warm_up + count);
    BOOST_TEST(bad == 0u);
}

// ---------------------------------------------------------------------------
// session-logging-service.md: < 1% CPU during normal logging. An idle writer,
// and one that gets a record every 10 ms, stay under 1% of a core.
namespace {
double process_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
}  // namespace

BOOST_AUTO_TEST_CASE(an_idle_or_lightly_loaded_writer_uses_under_one_percent_of_a_core) {
    if (ASYNC_TEST_UNDER_TSAN) {
        BOOST_TEST_MESSAGE("skipped under ThreadSanitizer: its instrumentation is the CPU cost");
        return;
    }
    watchdog guard(120s, "idle writer");
    temp_dir dir;
    inkwell::basic_logger<async_config> log({.directory = dir.path()});
    INKWELL_INFO(log, "0 0");
    log.flush();
    std::this_thread::sleep_for(200ms);

    constexpr double seconds = 2.0;
    double cpu = process_cpu_seconds();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const double idle_share = (process_cpu_seconds() - cpu) / seconds;

    // A record every 10 ms; the same loop without the record is the test's own
    // cost, taken off.
    auto every_10ms = [&](bool with_record) {
        const double before = process_cpu_seconds();
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 1; std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds); ++i) {
            if (with_record) INKWELL_INFO(log, "0 {}", i);
            std::this_thread::sleep_for(10ms);
        }
        return (process_cpu_seconds() - before) / seconds;
    };
    const double loop_share = every_10ms(false);
    const double light_share = every_10ms(true) - loop_share;
    BOOST_TEST_MESSAGE("CPU share: idle " << idle_share * 100 << " %, 100 records/s " << light_share * 100
                                          << " % (the loop itself: " << loop_share * 100 << " %)");
    BOOST_TEST(idle_share < 0.01);
    BOOST_TEST(light_share < 0.01);
}

// ---------------------------------------------------------------------------
// buffer::idle::spin, for the latency-minded: while such a logger lives the
// shared writer does not sleep (it keeps a core busy) and delivers every
// record of every async logger; once it is gone the writer sleeps again.
namespace {
struct spinning_config : async_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 64 * 1024 * 1024,
                                          inkwell::buffer::idle::spin>;
};

double cpu_share_while_idle(std::chrono::milliseconds how_long) {
    const double before = process_cpu_seconds();
    std::this_thread::sleep_for(how_long);
    return (process_cpu_seconds() - before) / std::chrono::duration<double>(how_long).count();
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_spinning_writer_keeps_a_core_while_its_logger_lives_then_sleeps_again) {
    watchdog guard(120s, "spinning writer");
    temp_dir dir;
    inkwell::basic_logger<async_config> sleeper({.directory = dir.path(), .base_name = "sleeper"});
    INKWELL_INFO(sleeper, "0 0");
    sleeper.flush();
    const std::size_t per_thread = scaled(20'000);
    constexpr std::size_t threads = 2;
    double spinning_share = -1;
    {
        inkwell::basic_logger<spinning_config> spinner({.directory = dir.path(), .base_name = "spinner"});
        std::vector<std::thread> producers;
        for (std::size_t t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                for (std::size_t i = 0; i < per_thread; ++i) {
                    INKWELL_INFO(spinner, "{} {}", t, i);
                    if (t == 0) INKWELL_INFO(sleeper, "0 {}", i + 1);
                }
            });
        for (auto& p : producers) p.join();
        spinner.flush();
        sleeper.flush();
        pair_lines spun(threads);
        const std::string spun_content = content_of(dir.path() / "spinner.log");
        for (auto line : lines_of(spun_content)) spun.see(line);
        BOOST_TEST(spun.records == threads * per_thread);
        BOOST_TEST(spun.malformed == 0u);
        BOOST_TEST(spun.out_of_order == 0u);
        for (std::size_t t = 0; t < threads; ++t) BOOST_TEST(spun.per_thread[t] == per_thread);
        if (!ASYNC_TEST_UNDER_TSAN) spinning_share = cpu_share_while_idle(1000ms);
    }
    // Its records are all in the file when the spinning logger is gone; the
    // sleeping one goes on, and the writer sleeps again.
    std::this_thread::sleep_for(100ms);
    const double sleeping_share = ASYNC_TEST_UNDER_TSAN ? -1 : cpu_share_while_idle(1000ms);
    INKWELL_INFO(sleeper, "0 {}", per_thread + 1);
    sleeper.flush();
    pair_lines slept(1);
    const std::string slept_content = content_of(dir.path() / "sleeper.log");
    for (auto line : lines_of(slept_content)) slept.see(line);
    BOOST_TEST(slept.records == per_thread + 2);
    BOOST_TEST(slept.out_of_order == 0u);
    if (ASYNC_TEST_UNDER_TSAN) return;  // its instrumentation is the CPU cost
    BOOST_TEST_MESSAGE("CPU share with nothing to log: " << spinning_share * 100 << " % of a core while the spinning logger "
                       "lives, " << sleeping_share * 100 << " % after");
    BOOST_TEST(spinning_share > 0.25);  // a spinning thread, even on a busy 2-core machine
    BOOST_TEST(sleeping_share < 0.05);
}
