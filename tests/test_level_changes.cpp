// Run-time level changes take effect at once on every thread (issue 5, point
// 7): a call that begins after set_level() returned — as another thread can
// know through any synchronisation — is filtered by the new level.
#define BOOST_TEST_MODULE level_changes
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "json_file_config.hpp"
#include "test_support.hpp"

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

using test_support::json_file_async_config;
using test_support::json_file_config;
using test_support::read_jsonl;
using test_support::temp_dir;

namespace {

// Phases, published by the main thread after each level change: 0 info on;
// 1, 2 info off (warn); 3, 4 info on again; 5, 6 everything off; 7 stop.
// A call may have read the phase just before the next change and check the
// level just after it: so a phase's records are checked only where the next
// phase keeps its level (1, 5, 6), and every thread must have passed through
// that next phase before the level changes again.
template <class Config>
void check_level_changes_reach_every_thread() {
    constexpr int threads = 4;
    temp_dir dir;
    std::atomic<int> phase{0};
    std::vector<std::atomic<int>> seen_phase(threads);
    for (auto& s : seen_phase) s.store(-1);  // nothing logged yet
    {
        inkwell::basic_logger<Config> log({.directory = dir.path(), .read_environment = false});
        std::vector<std::thread> producers;
        for (int t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                for (long i = 0;; ++i) {
                    const int p = phase.load();  // the change is visible to this call from here on
                    if (p == 7) break;
                    INKWELL_INFO(log, "info {} {} {}", t, p, i);
                    INKWELL_ERROR(log, "error {} {} {}", t, p, i);
                    seen_phase[static_cast<std::size_t>(t)].store(p);
                }
            });
        auto next_phase = [&](int p, inkwell::level l) {
            log.set_level(l);
            phase.store(p);
            for (auto& s : seen_phase)  // every thread has logged in this phase
                while (s.load() != p) std::this_thread::yield();
        };
        for (auto& s : seen_phase)
            while (s.load() != 0) std::this_thread::yield();
        next_phase(1, inkwell::level::warn);
        next_phase(2, inkwell::level::warn);
        next_phase(3, inkwell::level::info);
        next_phase(4, inkwell::level::info);
        next_phase(5, inkwell::level::off);
        next_phase(6, inkwell::level::off);
        phase.store(7);
        for (auto& p : producers) p.join();
        log.flush();
    }
    // count[phase][level]
    std::map<int, std::map<std::string, long>> count;
    for (const auto& r : read_jsonl(dir / "app.log")) {
        const std::string message = r["message"];
        const int p = message[message.find(' ') + 3] - '0';  // "<level> <t> <p> <i>"
        ++count[p][r["level"]];
    }
    BOOST_TEST(count[0]["info"] > 0);
    BOOST_TEST(count[0]["error"] > 0);
    BOOST_TEST(count[1]["info"] == 0);  // not one info record once a thread can know of the change
    BOOST_TEST(count[1]["error"] >= threads);
    BOOST_TEST(count[3]["info"] >= threads);  // back on, on every thread
    BOOST_TEST(count[5]["info"] == 0);
    BOOST_TEST(count[5]["error"] == 0);
    BOOST_TEST(count[6]["info"] == 0);
    BOOST_TEST(count[6]["error"] == 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_level_change_reaches_every_thread_at_once_sync) {
    check_level_changes_reach_every_thread<json_file_config>();
}

BOOST_AUTO_TEST_CASE(a_level_change_reaches_every_thread_at_once_async) {
    check_level_changes_reach_every_thread<json_file_async_config>();
}
