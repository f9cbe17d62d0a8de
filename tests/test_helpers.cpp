// The helpers of <inkwell/helpers.hpp> through a real logger writing JSONL,
// read back: log_user_action, log_performance, scoped_timer,
// log_error_with_context and error_fields (errorType, errorCode, errorStack).
#define BOOST_TEST_MODULE helpers
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include <inkwell/helpers.hpp>

#include "json_file_config.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using inkwell::level;
using json = nlohmann::json;

namespace shop {
struct payment_declined : std::runtime_error {
    using std::runtime_error::runtime_error;
};
}  // namespace shop

namespace {

using sync_logger = inkwell::basic_logger<test_support::json_file_config>;
using async_logger = inkwell::basic_logger<test_support::json_file_async_config>;

template <class Logger>
std::vector<json> lines_of(Logger& log, const test_support::temp_dir& dir) {
    log.flush();
    return test_support::read_jsonl(dir / "app.log");
}

}  // namespace

BOOST_AUTO_TEST_CASE(user_actions) {
    test_support::temp_dir dir;
    sync_logger log({.name = "app.web", .directory = dir.path().string()});
    const std::string session = "abc123";
    inkwell::log_user_action(log, "alice", "player_input", inkwell::kv("sessionId", session),
                             inkwell::kv("inputLength", 45));
    inkwell::log_user_action(log, 42u, std::string("logout"));
    const auto lines = lines_of(log, dir);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[0]["level"] == "info");
    BOOST_TEST(lines[0]["category"] == "user_action");
    BOOST_TEST(lines[0]["message"] == "user alice: player_input");
    BOOST_TEST(lines[0]["metadata"] ==
               json::parse(R"({"userId":"alice","action":"player_input","sessionId":"abc123","inputLength":45})"));
    BOOST_TEST(lines[1]["message"] == "user 42: logout");
    BOOST_TEST(lines[1]["metadata"]["userId"] == 42);
    BOOST_TEST(lines[1]["metadata"]["action"] == "logout");
}

BOOST_AUTO_TEST_CASE(performance_records) {
    test_support::temp_dir dir;
    sync_logger log({.name = "app", .directory = dir.path().string()});
    inkwell::log_performance(log, "game_logic", "process_player_input", 2340500us, inkwell::kv("responseLength", 234));
    inkwell::log_performance(log, "db", "get_user", std::chrono::duration<double>(0.05));
    const auto lines = lines_of(log, dir);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[0]["level"] == "perf");
    BOOST_TEST(lines[0]["category"] == "game_logic");
    BOOST_TEST(lines[0]["message"] == "process_player_input took 2340.500 ms");
    BOOST_TEST(lines[0]["metadata"]["operation"] == "process_player_input");
    BOOST_TEST(lines[0]["metadata"]["durationMs"].get<double>() == 2340.5);
    BOOST_TEST(lines[0]["metadata"]["responseLength"] == 234);
    BOOST_TEST(lines[1]["category"] == "db");
    BOOST_TEST(lines[1]["message"] == "get_user took 50.000 ms");
    BOOST_TEST(lines[1]["metadata"]["durationMs"].get<double>() == 50.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(scoped_timer_logs_once) {
    test_support::temp_dir dir;
    async_logger log({.name = "app", .directory = dir.path().string()});
    {
        std::string table = "users";
        inkwell::scoped_timer timer(log, "db", "load_user", inkwell::kv("table", table), inkwell::kv("attempt", 1));
        table = "overwritten";  // the timer copied it
        std::this_thread::sleep_for(20ms);
    }
    std::chrono::steady_clock::duration measured{};
    {
        inkwell::scoped_timer timer(log, "db", std::string("save_user"));
        std::this_thread::sleep_for(5ms);
        measured = timer.stop();
        BOOST_TEST(!timer.running());
        BOOST_TEST((timer.stop() == measured));  // the same duration, no second record
        std::this_thread::sleep_for(5ms);
    }  // nor a third at the end of the scope
    {
        inkwell::scoped_timer timer(log, "db", "cancelled");
        timer.cancel();
    }
    const auto lines = lines_of(log, dir);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[0]["level"] == "perf");
    BOOST_TEST(lines[0]["category"] == "db");
    BOOST_TEST(lines[0]["metadata"]["operation"] == "load_user");
    BOOST_TEST(lines[0]["metadata"]["durationMs"].get<double>() >= 20.0);
    BOOST_TEST(lines[0]["metadata"]["table"] == "users");
    BOOST_TEST(lines[0]["metadata"]["attempt"] == 1);
    BOOST_TEST(lines[0]["message"].get<std::string>().rfind("load_user took ", 0) == 0u);
    BOOST_TEST(lines[1]["metadata"]["operation"] == "save_user");
    const double stopped_ms = std::chrono::duration<double, std::milli>(measured).count();
    BOOST_TEST(lines[1]["metadata"]["durationMs"].get<double>() == stopped_ms);
    BOOST_TEST(stopped_ms >= 5.0);
}

BOOST_AUTO_TEST_CASE(errors_with_context) {
    test_support::temp_dir dir;
    async_logger log({.name = "app", .directory = dir.path().string()});
    try {
        throw std::runtime_error("database unreachable");
    } catch (const std::exception& e) {
        inkwell::log_error_with_context(log, "db_utils", e, inkwell::kv("operation", "get_user"),
                                        inkwell::kv("userId", std::string("alice")));
    }
    try {
        throw shop::payment_declined("card 4000 declined");
    } catch (const std::exception& e) {
        inkwell::log_error_with_context(log, "billing", e);
    }
    try {
        throw std::system_error(ECONNREFUSED, std::generic_category(), "connect");
    } catch (const std::exception& e) {
        inkwell::log_error_with_context(log, "net", e);
    }
    try {
        try {
            throw std::system_error(ENOENT, std::system_category(), "open config.json");
        } catch (...) {
            std::throw_with_nested(std::runtime_error("loading settings failed"));
        }
    } catch (const std::exception& e) {
        inkwell::log_error_with_context(log, "config", e);
    }
    try {
        throw 42;
    } catch (...) {
        inkwell::log_error_with_context(log, "legacy", std::current_exception());
    }
    inkwell::log_error_with_context(log, "io", std::make_error_code(std::errc::timed_out), inkwell::kv("peer", "db1"));

    const auto lines = lines_of(log, dir);
    BOOST_TEST_REQUIRE(lines.size() == 6u);
    for (const auto& l : lines) BOOST_TEST(l["level"] == "error");

    BOOST_TEST(lines[0]["category"] == "db_utils");
    BOOST_TEST(lines[0]["message"] == "database unreachable");
    BOOST_TEST(lines[0]["metadata"] ==
               json::parse(R"({"errorType":"std::runtime_error","operation":"get_user","userId":"alice"})"));

    BOOST_TEST(lines[1]["metadata"]["errorType"] == "shop::payment_declined");
    BOOST_TEST(!lines[1]["metadata"].contains("errorCode"));
    BOOST_TEST(!lines[1]["metadata"].contains("errorStack"));

    BOOST_TEST(lines[2]["metadata"]["errorType"] == "std::system_error");
    BOOST_TEST(lines[2]["metadata"]["errorCode"] == "generic:" + std::to_string(ECONNREFUSED));
    BOOST_TEST(lines[2]["message"].get<std::string>().rfind("connect: ", 0) == 0u);

    BOOST_TEST(lines[3]["metadata"]["errorType"] == "std::runtime_error");  // not std::_Nested_exception<...>
    BOOST_TEST(lines[3]["message"] == "loading settings failed");
    const std::string stack = lines[3]["metadata"]["errorStack"];
    BOOST_TEST(stack.rfind("std::runtime_error: loading settings failed\ncaused by std::system_error: open config.json", 0) ==
               0u);
    BOOST_TEST(stack.find("[system:" + std::to_string(ENOENT) + "]") != std::string::npos);

    BOOST_TEST(lines[4]["category"] == "legacy");
    BOOST_TEST(lines[4]["metadata"]["errorType"] == "unknown");

    BOOST_TEST(lines[5]["category"] == "io");
    BOOST_TEST(lines[5]["metadata"]["errorType"] == "generic");
    BOOST_TEST(lines[5]["metadata"]["errorCode"] == "generic:" + std::to_string(ETIMEDOUT));
    BOOST_TEST(lines[5]["metadata"]["peer"] == "db1");
    BOOST_TEST(lines[5]["message"] == std::make_error_code(std::errc::timed_out).message());
}

BOOST_AUTO_TEST_CASE(helpers_carry_the_context) {
    test_support::temp_dir dir;
    async_logger log({.name = "app", .directory = dir.path().string()});
    log.set_context(inkwell::kv("service", "storefront"));
    {
        inkwell::scoped_context request{inkwell::kv("tenantId", "t-9"), inkwell::kv("requestId", "r-1")};
        inkwell::log_user_action(log, "carol", "login");
        inkwell::log_error_with_context(log, "auth", std::make_error_code(std::errc::permission_denied));
        inkwell::scoped_timer timer(log, "auth", "verify");
    }  // the timer ends inside the scope: its record carries the context too
    inkwell::log_user_action(log, "carol", "logout");
    const auto lines = lines_of(log, dir);
    BOOST_TEST_REQUIRE(lines.size() == 4u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(lines[i]["context"]["tenantId"] == "t-9");
        BOOST_TEST(lines[i]["context"]["requestId"] == "r-1");
        BOOST_TEST(lines[i]["context"]["service"] == "storefront");
    }
    BOOST_TEST(lines[2]["level"] == "perf");
    BOOST_TEST(!lines[3]["context"].contains("tenantId"));
    BOOST_TEST(lines[3]["context"]["service"] == "storefront");
}

BOOST_AUTO_TEST_CASE(error_fields_alone) {
    const std::filesystem::filesystem_error fs_error("remove", std::make_error_code(std::errc::permission_denied));
    const auto d = inkwell::error_fields(fs_error);
    BOOST_TEST(d.type.find("std::filesystem::") == 0u);  // libstdc++ adds an inline namespace
    BOOST_TEST(d.type.find("filesystem_error") != std::string::npos);
    BOOST_TEST(d.code == "generic:" + std::to_string(EACCES));
    BOOST_TEST(d.stack.empty());
    const auto f = d.fields();
    BOOST_TEST_REQUIRE(f.size() == 2u);
    BOOST_TEST(f.begin()[0].key == "errorType");
    BOOST_TEST(f.begin()[1].key == "errorCode");
    BOOST_TEST(inkwell::error_fields(std::exception_ptr{}).type == "none");
}

BOOST_AUTO_TEST_CASE(below_the_level_nothing_is_written) {
    test_support::temp_dir dir;
    sync_logger log({.name = "app", .directory = dir.path().string(), .initial_level = level::warn});
    inkwell::log_user_action(log, "bob", "login");
    inkwell::log_performance(log, "db", "query", 3ms);
    { inkwell::scoped_timer timer(log, "db", "scan"); }
    log.set_level(level::critical);
    inkwell::log_error_with_context(log, "db", std::runtime_error("not shown"));
    log.set_level(level::error);
    inkwell::log_error_with_context(log, "db", std::runtime_error("shown"));
    const auto lines = lines_of(log, dir);
    BOOST_TEST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0]["message"] == "shown");
}
