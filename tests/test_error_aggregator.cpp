// Error aggregation: records that differ only in ids, numbers, addresses and
// times share a signature; type and source split them; counts and first/last
// seen are exact; memory stays within max_signatures; to_json() is valid JSON
// that says what snapshot() says; and through a real async logger, four
// threads give exact totals after flush().
#define BOOST_TEST_MODULE error_aggregator
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include <inkwell/sink/error_aggregator.hpp>

#include "json_file_config.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using inkwell::level;

namespace {

const inkwell::time_point t0 = inkwell::time_point{} + std::chrono::hours(24 * 365 * 54);

// A record with owned text: message, category, call site and fields.
struct made_record {
    made_record(level l, std::string message_text, int second, std::string error_type = {},
                const char* file = "", const char* function = "", std::uint32_t line = 0)
        : message(std::move(message_text)), type(std::move(error_type)) {
        r.severity = l;
        r.message = message;
        r.category = "billing";
        r.time = t0 + std::chrono::seconds(second);
        r.where = inkwell::source_location{file, function, line};
        if (!type.empty()) {
            field.key = "errorType";
            field.value.type = inkwell::field_value::kind::string;
            field.value.text = type;
            r.fields = std::span<const inkwell::field>(&field, 1);
        }
    }
    std::string message, type;
    inkwell::field field{};
    inkwell::record r;
};

void add(inkwell::error_aggregator& a, level l, std::string message, int second, std::string type = {},
         const char* file = "", const char* function = "", std::uint32_t line = 0) {
    made_record m(l, std::move(message), second, std::move(type), file, function, line);
    a.add(m.r);
}

std::string iso(inkwell::time_point t) {
    inkwell::detail::line_buffer b;
    inkwell::detail::append_iso8601_utc_ms(b, t);
    return std::string(inkwell::detail::view(b));
}

std::uint64_t held_total(const inkwell::error_aggregator& a) {
    std::uint64_t n = 0;
    for (const auto& g : a.snapshot()) n += g.count;
    return n;
}

// A word of letters only for n (so that generalization keeps it apart).
std::string letters(std::size_t n) {
    std::string w;
    do {
        w.push_back(static_cast<char>('a' + n % 26));
        n /= 26;
    } while (n != 0);
    return w;
}

}  // namespace

BOOST_AUTO_TEST_CASE(variable_parts_share_one_signature) {
    inkwell::error_aggregator agg;
    const std::vector<std::string> variants = {
        "user 42 not found: id 3f2a9c1e-1b2c-4d5e-8f90-a1b2c3d4e5f6, mail bob@example.com, "
        "url https://shop.example.org/cart?id=7, from 10.0.0.1 at 2024-12-20T10:15:30.123Z, key 0x1f3a, hash deadbeef42",
        "user 97 not found: id 00000000-0000-4000-8000-000000000000, mail alice.smith@corp.example.net, "
        "url http://other.example.com/x, from 192.168.100.254 at 2025-01-02 23:59:59,999+01:00, key 0xFFFF, hash 0a1b2c3d4e",
        "user 7 not found: id ffffffff-ffff-4fff-bfff-ffffffffffff, mail x@y.io, "
        "url https://a.b/c, from fe80::1 at 2023-03-04, key 0x0, hash 1234abcd",
    };
    int second = 0;
    for (const auto& v : variants) add(agg, level::error, v, second += 10);
    add(agg, level::error, variants[0], 5);  // earlier than the others: first_seen goes back

    const auto all = agg.snapshot();
    BOOST_TEST_REQUIRE(all.size() == 1u);
    BOOST_TEST(all[0].count == 4u);
    BOOST_TEST(all[0].pattern ==
               "user <num> not found: id <uuid>, mail <email>, url <url>, from <ip> at <time>, key <hex>, hash <hex>");
    BOOST_TEST((all[0].first_seen == t0 + 5s));
    BOOST_TEST((all[0].last_seen == t0 + 30s));
    BOOST_TEST(all[0].source == "billing");  // no call site: the category
    BOOST_TEST(all[0].category == "billing");
    BOOST_TEST(inkwell::error_signature_text(all[0].signature).size() == 16u);

    // The sample is the first record seen.
    const auto sample = nlohmann::json::parse(all[0].sample);
    BOOST_TEST(sample["message"].get<std::string>() == variants[0]);
    BOOST_TEST(sample["level"].get<std::string>() == "error");
    BOOST_TEST(sample["timestamp"].get<std::string>() == iso(t0 + 10s));
}

BOOST_AUTO_TEST_CASE(messages_types_and_sources_split_signatures) {
    inkwell::error_aggregator agg;
    add(agg, level::error, "payment 1 declined", 1);
    add(agg, level::error, "payment 2 refunded", 2);                                   // other words
    add(agg, level::error, "payment 3 declined", 3, "shop::card_error");               // other type
    add(agg, level::error, "payment 4 declined", 4, "shop::card_error");
    add(agg, level::error, "payment 5 declined", 5, "std::runtime_error");             // other type
    add(agg, level::error, "payment 6 declined", 6, {}, "/src/pay.cpp", "charge", 10);  // a call site
    add(agg, level::error, "payment 7 declined", 7, {}, "/build/x/pay.cpp", "charge", 99);  // same file name and function
    add(agg, level::error, "payment 8 declined", 8, {}, "/src/pay.cpp", "refund", 10);     // other function
    add(agg, level::error, "payment 9 declined", 9, {}, "/src/card.cpp", "charge", 10);    // other file

    BOOST_TEST(agg.size() == 7u);
    std::set<std::uint64_t> distinct;
    for (const auto& g : agg.snapshot()) distinct.insert(g.signature);
    BOOST_TEST(distinct.size() == 7u);

    const auto top = agg.snapshot({.max_count = 2});  // by count: the two with 2 records
    BOOST_TEST_REQUIRE(top.size() == 2u);
    BOOST_TEST(top[0].count == 2u);
    BOOST_TEST(top[1].count == 2u);
    BOOST_TEST((top[0].last_seen > top[1].last_seen));  // ties: the latest first
    BOOST_TEST(top[0].source == "pay.cpp:charge");
    BOOST_TEST(top[1].error_type == "shop::card_error");

    // The signature is the documented hash: FNV-1a over pattern \0 type \0 source.
    made_record m(level::error, "payment 3 declined", 3, "shop::card_error");
    std::uint64_t h = 0xcbf29ce484222325ull;
    const std::string text = std::string("payment <num> declined") + '\0' + "shop::card_error" + '\0' + "billing";
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    BOOST_TEST(inkwell::error_signature(m.r) == h);
}

BOOST_AUTO_TEST_CASE(levels_below_the_minimum_are_ignored) {
    inkwell::error_aggregator errors_only;
    inkwell::error_aggregator with_warnings({.min_level = level::warn});
    for (auto* agg : {&errors_only, &with_warnings}) {
        add(*agg, level::info, "cache miss 1", 1);
        add(*agg, level::warn, "slow query 1", 2);
        add(*agg, level::warn, "slow query 2", 3);
        add(*agg, level::error, "slow query 3", 4);
        add(*agg, level::critical, "disk 1 failed", 5);
    }
    BOOST_TEST(errors_only.size() == 2u);
    BOOST_TEST(errors_only.stats().ignored == 3u);
    BOOST_TEST(errors_only.stats().counted == 2u);

    BOOST_TEST(with_warnings.size() == 2u);
    BOOST_TEST(with_warnings.stats().ignored == 1u);
    const auto slow = with_warnings.snapshot({.min_count = 2});
    BOOST_TEST_REQUIRE(slow.size() == 1u);
    BOOST_TEST(slow[0].count == 3u);
    BOOST_TEST((slow[0].highest_level == level::error));  // the most severe level counted
}

BOOST_AUTO_TEST_CASE(filters_order_and_reset) {
    inkwell::error_aggregator agg;
    for (int i = 0; i < 5; ++i) add(agg, level::error, "a " + std::to_string(i), 10 + i);  // 5, seen 10..14
    for (int i = 0; i < 3; ++i) add(agg, level::error, "b " + std::to_string(i), 50 + i);  // 3, seen 50..52
    made_record other(level::error, "c 1", 30);
    other.r.category = "auth";
    agg.add(other.r);  // 1, seen 30, category auth

    auto by_count = agg.snapshot();
    BOOST_TEST_REQUIRE(by_count.size() == 3u);
    BOOST_TEST(by_count[0].pattern == "a <num>");
    BOOST_TEST(by_count[1].pattern == "b <num>");
    BOOST_TEST(by_count[2].pattern == "c <num>");

    auto latest = agg.snapshot({.sort_by = inkwell::error_aggregate_filter::order::by_last_seen});
    BOOST_TEST(latest[0].pattern == "b <num>");
    BOOST_TEST(latest[1].pattern == "c <num>");
    BOOST_TEST(latest[2].pattern == "a <num>");

    BOOST_TEST(agg.snapshot({.min_count = 3}).size() == 2u);
    BOOST_TEST(agg.snapshot({.category = "auth"}).size() == 1u);
    BOOST_TEST(agg.snapshot({.from = t0 + 20s}).size() == 2u);                     // last seen at or after 20
    BOOST_TEST(agg.snapshot({.to = t0 + 20s}).size() == 1u);                       // first seen at or before 20
    BOOST_TEST(agg.snapshot({.from = t0 + 13s, .to = t0 + 13s}).size() == 1u);     // a's 10..14 spans 13
    BOOST_TEST(agg.snapshot({.from = t0 + 15s, .to = t0 + 29s}).empty());

    agg.reset();
    BOOST_TEST(agg.size() == 0u);
    BOOST_TEST(agg.stats().counted == 0u);
    BOOST_TEST(agg.to_json() == "[]");
    add(agg, level::error, "a 9", 99);
    BOOST_TEST(agg.snapshot()[0].count == 1u);
}

BOOST_AUTO_TEST_CASE(memory_stays_bounded_under_100000_distinct_messages) {
    inkwell::error_aggregator agg;  // default: 1,000 signatures
    BOOST_TEST(agg.options().max_signatures == 1000u);
    std::size_t peak = 0;
    for (std::size_t i = 0; i < 100000; ++i) {
        // A signature seen again and again is never the least recent: it stays.
        if (i % 100 == 0) add(agg, level::error, "kept error 1", static_cast<int>(i));
        add(agg, level::error, "failure kind " + letters(i), static_cast<int>(i));
        if (agg.size() > peak) peak = agg.size();
    }
    const auto s = agg.stats();
    BOOST_TEST(peak == 1000u);
    BOOST_TEST(s.signatures == 1000u);
    BOOST_TEST(s.counted == 101000u);
    BOOST_TEST(s.evicted == 100001u - 1000u);  // 100,000 + "kept error" signatures made, 1,000 held
    BOOST_TEST(s.counted == held_total(agg) + s.evicted_records);
    const auto kept = agg.snapshot({.max_count = 1});
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].pattern == "kept error <num>");
    BOOST_TEST(kept[0].count == 1000u);
    // The newest 999 distinct ones are the others held.
    BOOST_TEST(agg.snapshot({.category = "billing", .from = t0 + std::chrono::seconds(100000 - 999)}).size() == 1000u);
}

BOOST_AUTO_TEST_CASE(samples_and_patterns_are_capped) {
    inkwell::error_aggregator agg({.max_sample_bytes = 1024, .max_pattern_bytes = 128});
    std::string huge(100000, 'x');
    huge.insert(0, "upload of 12345 bytes failed: \"quoted\" \\ back\tslash \xC3\xA9 ");
    std::vector<std::string> values;
    std::vector<inkwell::field> fields;
    values.reserve(100);
    for (int i = 0; i < 100; ++i) values.push_back(std::string(300, static_cast<char>('a' + i % 26)));
    for (int i = 0; i < 100; ++i) {
        inkwell::field f{};
        f.key = i % 2 == 0 ? std::string_view{"k"} : std::string_view{values[static_cast<std::size_t>(i)]};
        f.value.type = inkwell::field_value::kind::string;
        f.value.text = values[static_cast<std::size_t>(i)];
        fields.push_back(f);
    }
    made_record m(level::error, huge, 1);
    m.r.fields = fields;
    agg.add(m.r);
    const auto g = agg.snapshot().at(0);
    BOOST_TEST(g.pattern.size() <= 128u);
    BOOST_TEST(g.pattern.rfind("upload of <num> bytes failed", 0) == 0u);
    BOOST_TEST(g.sample.size() <= 1024u + 1024u / 8 + 256u);
    const auto sample = nlohmann::json::parse(g.sample);
    BOOST_TEST(sample["truncated"].get<bool>());
    BOOST_TEST(sample["message"].get<std::string>().rfind("upload of 12345 bytes failed: \"quoted\" \\ back\tslash \xC3\xA9", 0) == 0u);
    BOOST_TEST(sample["metadata"].contains("k"));
    BOOST_TEST(sample["metadata"].size() < 100u);
}

BOOST_AUTO_TEST_CASE(to_json_says_what_snapshot_says) {
    inkwell::error_aggregator agg({.min_level = level::warn});
    add(agg, level::error, "order 1 failed: \"card\"\n declined \x01", 3, "shop::card_error", "/src/o.cpp", "place", 7);
    add(agg, level::error, "order 2 failed: \"card\"\n declined \x01", 9, "shop::card_error", "/src/o.cpp", "place", 7);
    add(agg, level::warn, "retrying \xFF\xFE invalid utf-8 1", 4);
    add(agg, level::critical, "disk /dev/sda1 full", 5);

    const auto snapshot = agg.snapshot();
    const auto json = nlohmann::json::parse(agg.to_json());
    BOOST_TEST_REQUIRE(json.is_array());
    BOOST_TEST_REQUIRE(json.size() == snapshot.size());
    for (std::size_t i = 0; i < snapshot.size(); ++i) {
        const auto& g = snapshot[i];
        const auto& j = json[i];
        BOOST_TEST(j["signature"].get<std::string>() == inkwell::error_signature_text(g.signature));
        BOOST_TEST(j["count"].get<std::uint64_t>() == g.count);
        BOOST_TEST(j["firstSeen"].get<std::string>() == iso(g.first_seen));
        BOOST_TEST(j["lastSeen"].get<std::string>() == iso(g.last_seen));
        BOOST_TEST(j["level"].get<std::string>() == std::string(inkwell::level_name(g.highest_level)));
        BOOST_TEST(j["errorType"].get<std::string>() == g.error_type);
        BOOST_TEST(j["source"].get<std::string>() == g.source);
        BOOST_TEST(j["category"].get<std::string>() == g.category);
        BOOST_TEST(j["sample"] == nlohmann::json::parse(g.sample));
        if (g.pattern.find('\xFF') == std::string::npos) BOOST_TEST(j["pattern"].get<std::string>() == g.pattern);
    }
    BOOST_TEST(json[0]["count"].get<int>() == 2);
    BOOST_TEST(json[0]["pattern"].get<std::string>() == "order <num> failed: \"card\"\n declined \x01");
    BOOST_TEST(json[0]["source"].get<std::string>() == "o.cpp:place");
    BOOST_TEST(json[0]["firstSeen"].get<std::string>() == iso(t0 + 3s));
    BOOST_TEST(json[0]["lastSeen"].get<std::string>() == iso(t0 + 9s));
    // A filter applies to the export too.
    BOOST_TEST(nlohmann::json::parse(agg.to_json({.min_count = 2})).size() == 1u);
}

BOOST_AUTO_TEST_CASE(dedup_summaries_count_their_repeats) {
    inkwell::error_aggregator agg;
    add(agg, level::error, "connection refused to 10.0.0.1", 1);
    made_record summary(level::error, "connection refused to 10.0.0.1 (repeated 41 times)", 20);
    inkwell::field fields[3]{};
    fields[0].key = "repeated";
    fields[0].value.type = inkwell::field_value::kind::unsigned_integer;
    fields[0].value.number.unsigned_integer = 41;
    fields[1].key = "firstRepeat";
    fields[2].key = "lastRepeat";
    summary.r.fields = fields;
    agg.add(summary.r);
    const auto all = agg.snapshot();
    BOOST_TEST_REQUIRE(all.size() == 1u);
    BOOST_TEST(all[0].count == 42u);
    BOOST_TEST((all[0].last_seen == t0 + 20s));
}

namespace {

// JSONL into app.log, the aggregator teed; the clock is the test's.
struct manual_clock_config : test_support::json_file_config {
    using sink = inkwell::sink::tee<inkwell::sink::file, inkwell::sink::error_aggregator>;
    using clock = inkwell::clock::manual;
};

template <class Logger>
inkwell::sink::error_aggregator& aggregator_of(Logger& log) {
    auto* found = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::error_aggregator>(s); });
    BOOST_TEST_REQUIRE(found != nullptr);
    return *found;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_logger_with_a_manual_clock_gives_exact_times) {
    test_support::temp_dir dir;
    inkwell::clock::manual::set(t0);
    inkwell::basic_logger<manual_clock_config> log({.name = "app.pay", .directory = dir.path().string()});
    auto& agg = aggregator_of(log);
    for (int i = 0; i < 10; ++i) {
        INKWELL_ERROR(log, "charge {} failed for card {}", i, 4000 + i);
        INKWELL_INFO(log, "charge {} retried", i);
        inkwell::clock::manual::advance(1500ms);
    }
    log.flush();
    const auto all = agg.snapshot();
    BOOST_TEST_REQUIRE(all.size() == 1u);
    BOOST_TEST(all[0].count == 10u);
    BOOST_TEST((all[0].first_seen == t0));
    BOOST_TEST((all[0].last_seen == t0 + 13500ms));
    BOOST_TEST(all[0].source.find("test_error_aggregator.cpp:") == 0u);
    BOOST_TEST(agg.stats().ignored == 10u);
    // The file got every line too; the aggregate's category is the records'.
    const auto lines = test_support::read_jsonl(dir / "app.log");
    BOOST_TEST_REQUIRE(lines.size() == 20u);
    BOOST_TEST(all[0].category == lines[0]["category"].get<std::string>());
    // The sample is the first record, its "source" the line's "file:line".
    const auto sample = nlohmann::json::parse(all[0].sample);
    BOOST_TEST(sample["source"] == lines[0]["source"]);
    BOOST_TEST(sample["message"] == "charge 0 failed for card 4000");
    BOOST_TEST(sample["timestamp"].get<std::string>() == iso(t0));
}

BOOST_AUTO_TEST_CASE(context_fields_reach_the_signature_and_the_sample) {
    test_support::temp_dir dir;
    inkwell::clock::manual::set(t0);
    inkwell::basic_logger<manual_clock_config> log({.name = "app", .directory = dir.path().string()});
    log.set_context(inkwell::kv("service", "billing"));
    auto& agg = aggregator_of(log);
    {
        inkwell::scoped_context request{inkwell::kv("tenantId", "t-1"), inkwell::kv("errorType", "db_timeout")};
        INKWELL_ERROR(log, "query {} timed out", 1);
        INKWELL_ERROR(log, "query {} timed out", 2, inkwell::kv("errorType", "pool_exhausted"));  // the call site's wins
    }
    INKWELL_ERROR(log, "query {} timed out", 3);
    log.flush();
    const auto all = agg.snapshot({.sort_by = inkwell::error_aggregate_filter::order::by_last_seen});
    BOOST_TEST_REQUIRE(all.size() == 3u);
    std::set<std::string> types;
    for (const auto& g : all) types.insert(g.error_type);
    BOOST_TEST((types == std::set<std::string>{"", "db_timeout", "pool_exhausted"}));
    for (const auto& g : all) {
        const auto sample = nlohmann::json::parse(g.sample);
        BOOST_TEST(sample["context"]["service"] == "billing");
        if (g.error_type == "db_timeout") BOOST_TEST(sample["context"]["tenantId"] == "t-1");
        if (g.error_type.empty()) BOOST_TEST(!sample["context"].contains("tenantId"));
    }
}

BOOST_AUTO_TEST_CASE(settings_configure_the_sink) {
    test_support::temp_dir dir;
    std::vector<inkwell::error_event> reported;
    inkwell::basic_logger<manual_clock_config> log(
        {.name = "app",
         .directory = dir.path().string(),
         .on_error = [&](const inkwell::error_event& e) { reported.push_back(e); },
         .settings = {{"error_aggregator.min_level", "warn"}, {"error_aggregator.max_signatures", "3"}}});
    auto& agg = aggregator_of(log);
    BOOST_TEST((agg.options().min_level == level::warn));
    BOOST_TEST(agg.options().max_signatures == 3u);
    for (int i = 0; i < 10; ++i) log.warn("warning number {}", i);
    log.warn("another");
    log.warn("and another");
    log.warn("and one more");
    log.flush();
    BOOST_TEST(agg.size() == 3u);
    BOOST_TEST(agg.stats().evicted == 1u);
    BOOST_TEST(agg.stats().evicted_records == 10u);
    BOOST_TEST(reported.empty());

    test_support::temp_dir dir2;
    inkwell::basic_logger<manual_clock_config> bad(
        {.name = "app",
         .directory = dir2.path().string(),
         .on_error = [&](const inkwell::error_event& e) { reported.push_back(e); },
         .settings = {{"error_aggregator.min_level", "loud"}, {"error_aggregator.max_signatures", "0"}}});
    auto& defaults = aggregator_of(bad);
    BOOST_TEST((defaults.options().min_level == level::error));
    BOOST_TEST(defaults.options().max_signatures == 1000u);
    BOOST_TEST(reported.size() == 2u);
}

namespace {

// The session service (async, dedup of exact repeats within 30 s), its file
// teed with the aggregator.
struct session_with_aggregator_config : inkwell::presets::session_file_config {
    using sink = inkwell::sink::tee<inkwell::sink::session_file, inkwell::sink::error_aggregator>;
};

}  // namespace

BOOST_AUTO_TEST_CASE(four_threads_through_an_async_logger_give_exact_totals) {
    test_support::temp_dir dir;
    constexpr int threads = 4, per_thread = 5000;
    inkwell::basic_logger<session_with_aggregator_config> log({.name = "app.worker", .directory = dir.path().string()});
    auto& agg = aggregator_of(log);

    // Queried from another thread while the writer adds. Halfway through its
    // records each worker waits until the reader has answered a query begun
    // after that point: on a fast machine the workers and the writer could
    // otherwise be done before the reader ever ran.
    std::atomic<bool> done{false};
    std::atomic<std::size_t> queries{0};
    std::size_t bad_answers = 0;  // the reader's; Boost.Test is called from this thread only
    std::thread reader([&] {
        while (!done.load()) {
            for (const auto& g : agg.snapshot({.max_count = 5}))
                if (g.count == 0) ++bad_answers;
            if (!nlohmann::json::parse(agg.to_json()).is_array()) ++bad_answers;
            ++queries;
        }
    });
    auto wait_for_a_query = [&queries] {
        const std::size_t seen = queries.load();
        while (queries.load() < seen + 2) std::this_thread::yield();  // one whole query after `seen`
    };
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&log, &wait_for_a_query, t] {
            for (int i = 0; i < per_thread; ++i) {
                if (i == per_thread / 2) wait_for_a_query();
                INKWELL_ERROR(log, "job {} of worker {} failed: timeout after {} ms", i, t, 100 + i % 7);
                INKWELL_INFO(log, "job {} done", i);                  // below the minimum
                if (i % 10 == 0) INKWELL_CRITICAL(log, "disk full");  // exact repeats: deduplicated by the logger
                if (i % 5 == 0) INKWELL_WARN(log, "slow job {}", i);  // below the minimum
            }
        });
    }
    for (auto& w : workers) w.join();
    log.flush();  // dedup's pending summaries included
    done = true;
    reader.join();
    BOOST_TEST_MESSAGE(queries.load() << " queries, at least one of them while the workers logged");
    BOOST_TEST(bad_answers == 0u);

    const auto all = agg.snapshot();
    BOOST_TEST_REQUIRE(all.size() == 2u);
    BOOST_TEST(all[0].pattern == "job <num> of worker <num> failed: timeout after <num> ms");
    BOOST_TEST(all[0].count == static_cast<std::uint64_t>(threads * per_thread));
    BOOST_TEST(all[1].pattern == "disk full");
    BOOST_TEST(all[1].count == static_cast<std::uint64_t>(threads * per_thread / 10));
    BOOST_TEST((all[1].highest_level == level::critical));
    BOOST_TEST(agg.stats().evicted == 0u);
    BOOST_TEST(agg.stats().counted == static_cast<std::uint64_t>(threads * per_thread + threads * per_thread / 10));
    BOOST_TEST(log.stats().dropped == 0u);
    BOOST_TEST(log.stats().deduplicated > 0u);  // the summaries were what carried the repeats

    // Every record counted is in the file: errors written + repeats summarized.
    std::uint64_t in_file = 0;
    for (const auto& j : test_support::read_jsonl(test_support::files_below(dir.path()).at(0))) {
        const std::string l = j["level"];
        if (l != "error" && l != "critical") continue;
        in_file += j["metadata"].contains("repeated") ? j["metadata"]["repeated"].get<std::uint64_t>() : 1;
    }
    BOOST_TEST(in_file == agg.stats().counted);
}
