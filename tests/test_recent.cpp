// sink::recent: the last N records in memory, oldest first; queries by level,
// category, text, time and count; bounded memory (long texts cut, and said
// so); safe while writers and readers run at once; reachable in a logger's
// tee through sink::find.
#define BOOST_TEST_MODULE recent
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"

#include "async_test_support.hpp"
#include "test_support.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using inkwell::level;
using inkwell::sink::recent_filter;

namespace {

const inkwell::time_point t0 = inkwell::time_point{} + std::chrono::hours(24 * 365 * 54);

// A record as the logger would hand it to the sink, with the time t0 + `second` s.
struct made_record {
    made_record(level l, std::string_view category, std::string message, int second)
        : text(std::move(message)) {
        r.severity = l;
        r.category = category;
        r.message = text;
        r.time = t0 + std::chrono::seconds(second);
        r.logger_name = "app.test";
        line = std::string(inkwell::level_name(l)) + " " + std::string(category) + " " + text + "\n";
    }
    std::string text;
    std::string line;
    inkwell::record r;
};

template <class Ring>
void put(Ring& ring, level l, std::string_view category, std::string message, int second) {
    made_record m(l, category, std::move(message), second);
    ring.write(m.r, m.line);
}

std::vector<std::string> messages(const std::vector<inkwell::sink::recent_entry>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) out.emplace_back(e.record.view().message);
    return out;
}

using strings = std::vector<std::string>;

// Ten records: levels cycle trace..error, categories "audio"/"net", second i.
template <class Ring>
void fill_ten(Ring& ring) {
    const level levels[] = {level::trace, level::debug, level::info, level::warn, level::error};
    for (int i = 0; i < 10; ++i)
        put(ring, levels[i % 5], i % 2 == 0 ? "audio" : "net", "record " + std::to_string(i) + (i == 7 ? " disk full" : ""), i);
}

}  // namespace

BOOST_AUTO_TEST_CASE(holds_owned_copies_oldest_first_with_their_lines) {
    inkwell::sink::recent<> ring;
    {
        std::string message = "device 2 opened";
        const inkwell::field fields[] = {{"sampleRate", {}}, {"name", {}}};
        std::vector<inkwell::field> fs(std::begin(fields), std::end(fields));
        fs[0].value.type = inkwell::field_value::kind::signed_integer;
        fs[0].value.number.signed_integer = 48000;
        std::string field_text = "usb mic";
        fs[1].value.type = inkwell::field_value::kind::string;
        fs[1].value.text = field_text;
        inkwell::record r;
        r.severity = level::info;
        r.category = "mic";
        r.message = message;
        r.time = t0;
        r.fields = fs;
        r.thread_id = 7;
        std::string line = "{\"message\":\"device 2 opened\"}\n";
        ring.write(r, line);
        // The caller's storage dies: the ring must hold copies.
        message.assign(message.size(), 'x');
        field_text.assign(field_text.size(), 'x');
        line.assign(line.size(), 'x');
    }
    put(ring, level::warn, "net", "second", 1);

    const auto all = ring.snapshot();
    BOOST_REQUIRE_EQUAL(all.size(), 2u);
    const inkwell::record first = all[0].record.view();
    BOOST_TEST(first.message == "device 2 opened");
    BOOST_TEST(first.category == "mic");
    BOOST_TEST((first.severity == level::info));
    BOOST_TEST((first.time == t0));
    BOOST_TEST(first.thread_id == 7u);
    BOOST_REQUIRE_EQUAL(first.fields.size(), 2u);
    BOOST_TEST(first.fields[0].key == "sampleRate");
    BOOST_TEST(first.fields[0].value.number.signed_integer == 48000);
    BOOST_TEST(first.fields[1].key == "name");
    BOOST_TEST(first.fields[1].value.text == "usb mic");
    BOOST_TEST(all[0].line == "{\"message\":\"device 2 opened\"}\n");
    BOOST_TEST(all[0].sequence == 0u);
    BOOST_TEST(!all[0].truncated);
    BOOST_TEST(all[1].record.view().message == "second");
    BOOST_TEST(all[1].line == "warn net second\n");
    BOOST_TEST(all[1].sequence == 1u);
    BOOST_TEST(ring.size() == 2u);
    BOOST_TEST(ring.total() == 2u);
}

BOOST_AUTO_TEST_CASE(keeps_the_last_n_when_it_wraps_around) {
    inkwell::sink::recent<4> ring;
    for (int i = 0; i < 3; ++i) put(ring, level::info, "c", "m" + std::to_string(i), i);
    BOOST_TEST(messages(ring.snapshot()) == (strings{"m0", "m1", "m2"}), boost::test_tools::per_element());

    for (int i = 3; i < 11; ++i) put(ring, level::info, "c", "m" + std::to_string(i), i);
    const auto all = ring.snapshot();
    BOOST_TEST(messages(all) == (strings{"m7", "m8", "m9", "m10"}), boost::test_tools::per_element());
    BOOST_TEST(all.front().sequence == 7u);
    BOOST_TEST(all.back().sequence == 10u);
    BOOST_TEST(ring.size() == 4u);
    BOOST_TEST(ring.total() == 11u);

    // Exactly at a multiple of N the order is still oldest first.
    put(ring, level::info, "c", "m11", 11);
    BOOST_TEST(messages(ring.snapshot()) == (strings{"m8", "m9", "m10", "m11"}), boost::test_tools::per_element());

    ring.clear();
    BOOST_TEST(ring.snapshot().empty());
    put(ring, level::info, "c", "after clear", 12);
    BOOST_TEST(messages(ring.snapshot()) == (strings{"after clear"}), boost::test_tools::per_element());
    BOOST_TEST(ring.snapshot().front().sequence == 12u);
}

BOOST_AUTO_TEST_CASE(query_by_level) {
    inkwell::sink::recent<> ring;
    fill_ten(ring);
    BOOST_TEST(messages(ring.query({.min_level = level::warn})) ==
                   (strings{"record 3", "record 4", "record 8", "record 9"}),
               boost::test_tools::per_element());
    BOOST_TEST(messages(ring.query({.min_level = level::error})) == (strings{"record 4", "record 9"}),
               boost::test_tools::per_element());
    BOOST_TEST(ring.query({.min_level = level::critical}).empty());
    BOOST_TEST(ring.query({}).size() == 10u);
}

BOOST_AUTO_TEST_CASE(query_by_category_and_text) {
    inkwell::sink::recent<> ring;
    fill_ten(ring);
    BOOST_TEST(messages(ring.query({.category = "net"})) ==
                   (strings{"record 1", "record 3", "record 5", "record 7 disk full", "record 9"}),
               boost::test_tools::per_element());
    BOOST_TEST(ring.query({.category = "ne"}).empty());  // a category matches whole, not as a prefix
    BOOST_TEST(messages(ring.query({.text = "disk full"})) == (strings{"record 7 disk full"}),
               boost::test_tools::per_element());
    BOOST_TEST(ring.query({.category = "audio", .text = "disk"}).empty());
    BOOST_TEST(messages(ring.query({.text = "record 1"})) == (strings{"record 1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(query_by_time_range_inclusive) {
    inkwell::sink::recent<> ring;
    fill_ten(ring);
    const auto at = [](int s) { return t0 + std::chrono::seconds(s); };
    BOOST_TEST(messages(ring.query({.from = at(3), .to = at(5)})) == (strings{"record 3", "record 4", "record 5"}),
               boost::test_tools::per_element());
    BOOST_TEST(messages(ring.query({.from = at(8)})) == (strings{"record 8", "record 9"}),
               boost::test_tools::per_element());
    BOOST_TEST(messages(ring.query({.to = at(1)})) == (strings{"record 0", "record 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(ring.query({.from = at(3) + 1ms, .to = at(4) - 1ms}).empty());
}

BOOST_AUTO_TEST_CASE(query_max_count_keeps_the_newest_matches_oldest_first) {
    inkwell::sink::recent<> ring;
    fill_ten(ring);
    BOOST_TEST(messages(ring.query({.max_count = 3})) == (strings{"record 7 disk full", "record 8", "record 9"}),
               boost::test_tools::per_element());
    BOOST_TEST(messages(ring.query({.min_level = level::info, .category = "audio", .max_count = 2})) ==
                   (strings{"record 4", "record 8"}),  // audio at info+: 2, 4, 8
               boost::test_tools::per_element());
    BOOST_TEST(ring.query({.max_count = 50}).size() == 10u);
}

BOOST_AUTO_TEST_CASE(long_texts_are_cut_at_a_character_and_say_so) {
    inkwell::sink::recent<8, 100> ring;
    // 99 ASCII bytes then a 3-byte character: a cut at 100 bytes would split it.
    std::string message(99, 'a');
    message += "\xE2\x82\xAC";  // €
    message += std::string(500, 'b');
    std::string field_text(98, 'f');
    field_text += "\xE2\x82\xAC tail";
    inkwell::field f{"payload", {}};
    f.value.type = inkwell::field_value::kind::string;
    f.value.text = field_text;
    inkwell::record r;
    r.message = message;
    r.fields = {&f, 1};
    const std::string line = std::string(1000, 'L') + "\n";
    ring.write(r, line);
    put(ring, level::info, "c", std::string(100, 's'), 1);  // exactly at the cap: whole

    const auto all = ring.snapshot();
    BOOST_REQUIRE_EQUAL(all.size(), 2u);
    const auto cut = all[0].record.view();
    BOOST_TEST(all[0].truncated);
    BOOST_TEST(cut.message == std::string(99, 'a') + "... [truncated 503 bytes]");
    BOOST_TEST(cut.fields[0].value.text == std::string(98, 'f'));
    BOOST_TEST(all[0].line == std::string(200, 'L') + "... [truncated 800 bytes]\n");

    BOOST_TEST(!all[1].truncated);
    BOOST_TEST(all[1].record.view().message == std::string(100, 's'));
}

BOOST_AUTO_TEST_CASE(writers_and_a_snapshotting_thread_at_once) {
    constexpr std::size_t ring_size = 256;
    inkwell::sink::recent<ring_size> ring;
    const std::size_t writers = 4;
    const std::size_t per_writer = async_test_support::scaled(20000);
    std::atomic<bool> writing{true};
    std::atomic<std::size_t> snapshots{0};
    std::atomic<std::size_t> bad_snapshots{0};

    // Every snapshot: at most N entries, consecutive sequence numbers, and each
    // writer's records in its own order.
    std::thread reader([&] {
        while (writing.load()) {
            const auto all = ring.snapshot();
            bool ok = all.size() <= ring_size;
            std::vector<long> last(writers, -1);
            for (std::size_t i = 0; ok && i < all.size(); ++i) {
                if (i > 0 && all[i].sequence != all[i - 1].sequence + 1) ok = false;
                const auto pair = async_test_support::parse_pair(all[i].record.view().message);
                if (!pair || pair->first >= writers || static_cast<long>(pair->second) <= last[pair->first]) {
                    ok = false;
                } else {
                    last[pair->first] = static_cast<long>(pair->second);
                }
            }
            if (!ok) bad_snapshots.fetch_add(1);
            snapshots.fetch_add(1);
            (void)ring.query({.text = "1 ", .max_count = 10});
        }
    });
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < writers; ++t)
        threads.emplace_back([&, t] {
            for (std::size_t i = 0; i < per_writer; ++i)
                put(ring, level::info, "c", std::to_string(t) + " " + std::to_string(i), 0);
        });
    for (auto& t : threads) t.join();
    writing.store(false);
    reader.join();

    BOOST_TEST(bad_snapshots.load() == 0u);
    BOOST_TEST(snapshots.load() > 0u);
    BOOST_TEST(ring.total() == writers * per_writer);
    BOOST_TEST(ring.size() == ring_size);
    const auto all = ring.snapshot();
    BOOST_TEST(all.back().sequence == writers * per_writer - 1);
}

namespace {

struct ring_config : inkwell::default_config {
    using sink = inkwell::sink::tee<inkwell::sink::null, inkwell::sink::recent<100>>;
    using classifier = inkwell::classify::by_name;
    using formatter = inkwell::format::jsonl;
    using buffer = inkwell::buffer::async<>;
    static constexpr level default_level = level::debug;
};

}  // namespace

BOOST_AUTO_TEST_CASE(through_a_logger_with_the_async_buffer) {
    async_test_support::watchdog dog(120s, "through_a_logger_with_the_async_buffer");
    test_support::temp_dir dir;
    inkwell::basic_logger<ring_config> log({.name = "app.services.mic_input", .directory = dir.path().string(),
                                            .read_environment = false});
    auto* ring = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<100>>(s); });
    BOOST_REQUIRE(ring != nullptr);
    BOOST_TEST((log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<50>>(s); }) == nullptr));

    for (int i = 0; i < 150; ++i) INKWELL_INFO(log, "frame {}", i);
    INKWELL_DEBUG(log, "quiet");
    INKWELL_ERROR(log, "device lost", inkwell::kv("device", 2));
    log.flush();

    // The pointer stays good: read without with_sink, from this thread.
    const auto all = ring->snapshot();
    BOOST_REQUIRE_EQUAL(all.size(), 100u);
    BOOST_TEST(all.front().record.view().message == "frame 52");
    BOOST_TEST(all.back().record.view().message == "device lost");
    BOOST_TEST(all.back().record.view().category == "mic_input");
    BOOST_TEST(all.back().record.view().logger_name == "app.services.mic_input");
    const auto json = nlohmann::json::parse(all.back().line);
    BOOST_TEST(json["message"] == "device lost");
    BOOST_TEST(json["level"] == "error");

    const auto errors = ring->query({.min_level = level::error});
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_REQUIRE_EQUAL(errors[0].record.view().fields.size(), 1u);
    BOOST_TEST(errors[0].record.view().fields[0].key == "device");
    BOOST_TEST(messages(ring->query({.text = "frame 14"})) == (strings{"frame 140", "frame 141", "frame 142",
                                                                     "frame 143", "frame 144", "frame 145",
                                                                     "frame 146", "frame 147", "frame 148",
                                                                     "frame 149"}),
               boost::test_tools::per_element());
}
