#define BOOST_TEST_MODULE context
#include <boost/test/unit_test.hpp>

// Context fields (context.hpp): scoped per thread, per logger, across
// threads; written under "context" by the JSONL formatter and as key=value by
// the text formatter; carried by the async buffer after the scope has ended.
// Every line is read back from a real file with a JSON parser.

#include "inkwell_under_test.hpp"
#include "json_file_config.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using inkwell::kv;
using test_support::json_file_async_config;
using test_support::json_file_config;

namespace {

template <class Config>
struct file_logger {
    test_support::temp_dir dir;
    inkwell::basic_logger<Config> log{inkwell::logger_options{.name = "svc", .directory = dir.path().string()}};
    std::vector<nlohmann::json> lines() {
        log.flush();
        return test_support::read_jsonl(dir.path() / "app.log");
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_scope_adds_its_fields_to_every_record_inside_it_and_to_none_after) {
    file_logger<json_file_config> f;
    INKWELL_INFO(f.log, "before");
    {
        inkwell::scoped_context request{kv("tenantId", "acme"), kv("requestId", std::string("r-17")), kv("attempt", 2)};
        INKWELL_INFO(f.log, "inside {}", 1);
        f.log.info("inside via the function API");
    }
    INKWELL_INFO(f.log, "after");
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), 4u);
    BOOST_TEST(!lines[0].contains("context"));
    for (int i : {1, 2}) {
        BOOST_TEST(lines[i]["context"]["tenantId"] == "acme");
        BOOST_TEST(lines[i]["context"]["requestId"] == "r-17");
        BOOST_TEST(lines[i]["context"]["attempt"] == 2);
        BOOST_TEST(lines[i]["metadata"].empty());  // the context is not mixed into the call's own fields
    }
    BOOST_TEST(!lines[3].contains("context"));
}

BOOST_AUTO_TEST_CASE(inner_scopes_override_outer_ones_and_call_site_fields_stay_in_metadata) {
    file_logger<json_file_config> f;
    f.log.set_context(kv("service", "billing"), kv("environment", "prod"), kv("tenantId", "from-logger"));
    {
        inkwell::scoped_context outer{kv("tenantId", "acme"), kv("userId", "u-1")};
        {
            inkwell::scoped_context inner{kv("userId", "u-2"), kv("traceId", "t-9")};
            INKWELL_WARN(f.log, "nested", kv("userId", "call-site"));
        }
        INKWELL_INFO(f.log, "outer only");
    }
    INKWELL_INFO(f.log, "logger only");
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), 3u);
    const auto& nested = lines[0]["context"];
    BOOST_TEST(nested.size() == 5u);  // each key once
    BOOST_TEST(nested["userId"] == "u-2");
    BOOST_TEST(nested["traceId"] == "t-9");
    BOOST_TEST(nested["tenantId"] == "acme");
    BOOST_TEST(nested["service"] == "billing");
    BOOST_TEST(nested["environment"] == "prod");
    BOOST_TEST(lines[0]["metadata"]["userId"] == "call-site");
    BOOST_TEST(lines[1]["context"]["userId"] == "u-1");
    BOOST_TEST(!lines[1]["context"].contains("traceId"));
    BOOST_TEST(lines[2]["context"]["tenantId"] == "from-logger");
    BOOST_TEST(lines[2]["context"].size() == 3u);
    f.log.clear_context();
    INKWELL_INFO(f.log, "nothing");
    BOOST_TEST(!f.lines().back().contains("context"));
}

BOOST_AUTO_TEST_CASE(the_async_buffer_keeps_the_context_of_a_scope_that_ended_before_the_write) {
    file_logger<json_file_async_config> f;
    constexpr int records = 20000;
    for (int i = 0; i < records; ++i) {
        // A new scope (and frame) per record, gone right after the call.
        inkwell::scoped_context scope{kv("requestId", "req-" + std::to_string(i)), kv("n", i)};
        INKWELL_INFO(f.log, "record {}", i);
    }
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), static_cast<std::size_t>(records));
    int wrong = 0;
    for (int i = 0; i < records; ++i) {
        const auto& c = lines[i]["context"];
        if (c["requestId"] != "req-" + std::to_string(i) || c["n"] != i) ++wrong;
    }
    BOOST_TEST(wrong == 0);
}

// The async writer fills every call's record into one it keeps: what a record
// carried (context, fields, level, category) must not show on the next one.
BOOST_AUTO_TEST_CASE(the_async_buffer_writes_each_record_with_only_its_own_context_and_fields) {
    file_logger<json_file_async_config> f;
    constexpr int rounds = 1000;
    for (int i = 0; i < rounds; ++i) {
        {
            inkwell::scoped_context scope{kv("requestId", i)};
            INKWELL_INFO(f.log, "in scope {}", i, kv("first", i));
        }
        INKWELL_WARN(f.log, "plain {}", i);
        INKWELL_DEBUG(f.log, "field {}", i, kv("second", i));
    }
    const auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), static_cast<std::size_t>(3 * rounds));
    int wrong = 0, first_wrong_round = -1;
    for (int i = 0; i < rounds; ++i) {
        const int wrong_before = wrong;
        const auto& scoped = lines[3 * i];
        const auto& plain = lines[3 * i + 1];
        const auto& field = lines[3 * i + 2];
        if (scoped["message"] != "in scope " + std::to_string(i) || scoped["level"] != "info" ||
            scoped["context"] != nlohmann::json{{"requestId", i}} || scoped["metadata"] != nlohmann::json{{"first", i}})
            ++wrong;
        if (plain["message"] != "plain " + std::to_string(i) || plain["level"] != "warn" || plain.contains("context") ||
            !plain["metadata"].empty())
            ++wrong;
        if (field["message"] != "field " + std::to_string(i) || field["level"] != "debug" || field.contains("context") ||
            field["metadata"] != nlohmann::json{{"second", i}})
            ++wrong;
        if (wrong != wrong_before && first_wrong_round < 0) first_wrong_round = i;
    }
    BOOST_TEST(wrong == 0, wrong << " wrong lines; the first in round " << first_wrong_round << ": "
                                 << lines[3 * std::max(first_wrong_round, 0)] << lines[3 * std::max(first_wrong_round, 0) + 1]
                                 << lines[3 * std::max(first_wrong_round, 0) + 2]);
}

BOOST_AUTO_TEST_CASE(threads_each_see_only_their_own_context) {
    file_logger<json_file_async_config> f;
    constexpr int threads = 4, per_thread = 5000;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            inkwell::scoped_context tenant{kv("tenantId", "tenant-" + std::to_string(t))};
            for (int i = 0; i < per_thread; ++i) INKWELL_INFO(f.log, "from {}", t, kv("thread", t));
        });
    for (auto& w : workers) w.join();
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), static_cast<std::size_t>(threads * per_thread));
    int mismatched = 0;
    for (const auto& l : lines)
        if (l["context"]["tenantId"] != "tenant-" + std::to_string(l["metadata"]["thread"].get<int>())) ++mismatched;
    BOOST_TEST(mismatched == 0);
}

BOOST_AUTO_TEST_CASE(a_context_handed_to_another_thread_travels_with_its_records) {
    file_logger<json_file_config> f;
    inkwell::context_ref handed;
    {
        inkwell::scoped_context request{kv("requestId", "r-42"), kv("tenantId", "acme")};
        handed = inkwell::current_context();
    }  // the scope is gone; the handle keeps its fields alive
    std::thread worker([&] {
        INKWELL_INFO(f.log, "worker before");
        {
            inkwell::scoped_context in{handed};
            INKWELL_INFO(f.log, "worker inside");
        }
        INKWELL_INFO(f.log, "worker after");
    });
    worker.join();
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), 3u);
    BOOST_TEST(!lines[0].contains("context"));
    BOOST_TEST(lines[1]["context"]["requestId"] == "r-42");
    BOOST_TEST(lines[1]["context"]["tenantId"] == "acme");
    BOOST_TEST(!lines[2].contains("context"));
}

BOOST_AUTO_TEST_CASE(sinks_find_context_fields_and_call_site_fields_by_name) {
    struct seen {
        std::string tenant, user, service;
        int keys = 0;
    };
    static seen last;
    struct probe_sink {
        explicit probe_sink(const inkwell::sink_context&) {}
        void write(const inkwell::record& r, std::string_view) {
            auto text = [&](std::string_view key) {
                const auto* v = inkwell::find_field(r, key);
                return v && v->type == inkwell::field_value::kind::string ? std::string(v->text) : std::string("-");
            };
            last.tenant = text("tenantId");
            last.user = text("userId");
            last.service = text("service");
            last.keys = 0;
            inkwell::for_each_context(r, [&](std::string_view, const inkwell::field_value&) { ++last.keys; });
        }
        void flush() {}
    };
    struct probe_config : inkwell::default_config {
        using sink = probe_sink;
        using formatter = inkwell::format::jsonl;
    };
    inkwell::basic_logger<probe_config> log;
    log.set_context(kv("service", "billing"), kv("tenantId", "logger-tenant"));
    {
        inkwell::scoped_context c{kv("tenantId", "acme")};
        INKWELL_INFO(log, "one", kv("userId", "u-7"));
    }
    BOOST_TEST(last.tenant == "acme");
    BOOST_TEST(last.user == "u-7");  // a call-site field
    BOOST_TEST(last.service == "billing");
    BOOST_TEST(last.keys == 2);  // tenantId (the scope's) and service: each key once
}

BOOST_AUTO_TEST_CASE(the_text_format_shows_context_as_key_value_pairs_after_the_call_fields) {
    test_support::temp_dir dir;
    struct text_config : inkwell::default_config {
        using sink = inkwell::sink::file;
        using formatter = inkwell::format::text;
    };
    {
        inkwell::basic_logger<text_config> log({.directory = dir.path().string()});
        inkwell::scoped_context c{kv("tenantId", "acme corp"), kv("requestId", "r-1")};
        INKWELL_INFO(log, "paid", kv("requestId", "call"));
    }
    auto lines = test_support::read_lines(dir.path() / "app.log");
    BOOST_REQUIRE_EQUAL(lines.size(), 1u);
    BOOST_TEST(lines[0].find(" paid requestId=call tenantId=\"acme corp\"") != std::string::npos, lines[0]);
    BOOST_TEST(lines[0].find("requestId=r-1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(hostile_context_text_is_escaped_like_any_field) {
    file_logger<json_file_config> f;
    {
        std::string nasty = "line\nbreak \"quoted\" \x1b[31mred \xff\xfe";
        inkwell::scoped_context c{kv("tenantId", nasty), kv("level", "fake"), kv("message", "fake")};
        INKWELL_INFO(f.log, "real");
    }
    auto lines = f.lines();  // parses: one valid JSON object per line
    BOOST_REQUIRE_EQUAL(lines.size(), 1u);
    BOOST_TEST(lines[0]["level"] == "info");
    BOOST_TEST(lines[0]["message"] == "real");
    BOOST_TEST(lines[0]["context"]["level"] == "fake");
    BOOST_TEST(lines[0]["context"]["tenantId"].get<std::string>().find("line\nbreak") == 0u);
}

BOOST_AUTO_TEST_CASE(records_taken_in_by_ingest_carry_the_thread_context) {
    file_logger<json_file_config> f;
    inkwell::scoped_context c{kv("tenantId", "acme")};
    inkwell::record r;
    r.severity = inkwell::level::info;
    r.message = "captured";
    f.log.ingest(r);
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), 1u);
    BOOST_TEST(lines[0]["context"]["tenantId"] == "acme");
}

BOOST_AUTO_TEST_CASE(frames_are_freed_when_the_last_record_holding_them_is_written) {
    // A deep chain of scopes made and dropped many times: no leak shows in RSS
    // (and ASan in the asan run), no deep recursion when it is freed.
    file_logger<json_file_async_config> f;
    for (int round = 0; round < 200; ++round) {
        std::vector<std::unique_ptr<inkwell::scoped_context>> chain;
        for (int depth = 0; depth < 100; ++depth)
            chain.push_back(std::make_unique<inkwell::scoped_context>(kv("depth", depth)));
        INKWELL_INFO(f.log, "deep {}", round);
        while (!chain.empty()) chain.pop_back();  // innermost first, as RAII would
    }
    auto lines = f.lines();
    BOOST_REQUIRE_EQUAL(lines.size(), 200u);
    BOOST_TEST(lines.back()["context"]["depth"] == 99);  // the innermost wins
    BOOST_TEST(lines.back()["context"].size() == 1u);
}
