#define BOOST_TEST_MODULE capture_spdlog
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include <inkwell/capture/spdlog.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "json_file_config.hpp"
#include "test_support.hpp"

using test_support::json_file_async_config;
using test_support::json_file_config;
using test_support::read_jsonl;
using test_support::temp_dir;

namespace {

template <class Config>
using forwarder = inkwell::capture::spdlog_sink_mt<inkwell::basic_logger<Config>>;

}  // namespace

BOOST_AUTO_TEST_CASE(spdlog_messages_become_inkwell_records_with_level_name_time_and_source) {
    temp_dir dir;
    inkwell::basic_logger<json_file_config> log({.name = "app", .directory = dir.path(), .read_environment = false});
    log.classifier().map("app.services.mic_input", "mic");
    auto sink = std::make_shared<forwarder<json_file_config>>(log);
    spdlog::logger mic("app.services.mic_input", sink);
    mic.set_level(spdlog::level::trace);
    spdlog::logger unnamed("", sink);
    unnamed.set_level(spdlog::level::trace);

    mic.trace("t");
    mic.debug("d");
    mic.info("listening on device {}", 3);
    mic.warn("w");
    mic.error("e");
    mic.critical("c");
    SPDLOG_LOGGER_CALL((&mic), spdlog::level::info, "with a source location");
    unnamed.info("from a logger without a name");
    mic.flush();  // flushes the inkwell logger too

    const auto records = read_jsonl(dir / "app.log");
    BOOST_TEST_REQUIRE(records.size() == 8u);
    const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical", "info"};
    for (std::size_t k = 0; k < 7; ++k) {
        BOOST_TEST(records[k]["level"] == levels[k]);
        BOOST_TEST(records[k]["category"] == "mic");  // the spdlog logger's name, mapped as a service
    }
    BOOST_TEST(records[2]["message"] == "listening on device 3");
    BOOST_TEST(records[6]["source"].get<std::string>().find("test_capture_spdlog.cpp:") == 0u);
    BOOST_TEST(records[7]["category"] == "app");  // no spdlog name: the inkwell logger's own
    BOOST_TEST(records[7]["message"] == "from a logger without a name");
    // spdlog's time stamp is kept: the records are in time order and this year's
    for (const auto& r : records) BOOST_TEST(r["timestamp"].get<std::string>().size() == 24u);
}

BOOST_AUTO_TEST_CASE(the_inkwell_level_also_filters_forwarded_messages) {
    temp_dir dir;
    inkwell::basic_logger<json_file_config> log({.name = "app", .directory = dir.path(), .read_environment = false});
    log.set_level(inkwell::level::warn);
    spdlog::logger lib("lib", std::make_shared<forwarder<json_file_config>>(log));
    lib.set_level(spdlog::level::trace);
    lib.info("chatter");
    lib.error("broken");
    log.flush();
    const auto records = read_jsonl(dir / "app.log");
    BOOST_TEST_REQUIRE(records.size() == 1u);
    BOOST_TEST(records[0]["message"] == "broken");
}

// Every message of several spdlog threads arrives once, through the async
// buffer (the payload is copied before sink_it_ returns).
BOOST_AUTO_TEST_CASE(messages_from_several_threads_all_arrive_through_the_async_buffer) {
    constexpr int threads = 4, per_thread = 5000;
    temp_dir dir;
    {
        inkwell::basic_logger<json_file_async_config> log(
            {.name = "app", .directory = dir.path(), .read_environment = false});
        spdlog::logger lib("lib", std::make_shared<forwarder<json_file_async_config>>(log));
        std::vector<std::thread> producers;
        for (int t = 0; t < threads; ++t)
            producers.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) lib.info("thread {} message {} {}", t, i, std::string(40, 'p'));
            });
        for (auto& p : producers) p.join();
        log.flush();
    }
    const auto records = read_jsonl(dir / "app.log");
    BOOST_TEST(records.size() == static_cast<std::size_t>(threads * per_thread));
    std::vector<int> next(threads, 0);
    int wrong = 0;
    for (const auto& r : records) {
        int t = -1, i = -1;
        const std::string m = r["message"];
        if (std::sscanf(m.c_str(), "thread %d message %d", &t, &i) != 2 || t < 0 || t >= threads ||
            next[static_cast<std::size_t>(t)] != i ||
            m != "thread " + std::to_string(t) + " message " + std::to_string(i) + " " + std::string(40, 'p')) {
            ++wrong;
            continue;
        }
        ++next[static_cast<std::size_t>(t)];
    }
    BOOST_TEST(wrong == 0);
    for (int n : next) BOOST_TEST(n == per_thread);
}
