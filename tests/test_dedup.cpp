#define BOOST_TEST_MODULE dedup
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "inkwell_under_test.hpp"

#include "test_support.hpp"

using namespace std::chrono;
using test_support::files_below;
using test_support::read_jsonl;
using test_support::temp_dir;
namespace ink = inkwell;

namespace {

// ---------------------------------------------------------------------------
// Times: everything happens on 2024-12-20 from 10:00:00.000 UTC on.

const ink::time_point t0 = sys_days{year{2024} / 12 / 20} + hours{10};

ink::time_point at_ms(std::int64_t ms) { return t0 + milliseconds{ms}; }

// "2024-12-20T10:MM:SS.mmmZ" written here by hand, not by the library under test.
std::string iso(std::int64_t ms) {
    const std::int64_t total_s = ms / 1000;
    char text[40];
    std::snprintf(text, sizeof text, "2024-12-20T%02d:%02d:%02d.%03dZ", static_cast<int>(10 + total_s / 3600),
                  static_cast<int>(total_s / 60 % 60), static_cast<int>(total_s % 60), static_cast<int>(ms % 1000));
    return text;
}

// ---------------------------------------------------------------------------
// The policy alone, with a forward that records what it is given.

struct written {
    std::string level, message, category;
    std::int64_t time_ms = 0;  // since t0
    // A summary's fields; `repeated` is 0 on any other record.
    std::uint64_t repeated = 0;
    std::string first, last, signature;
};

struct recorder {
    std::vector<written> out;
    void operator()(const ink::record& r) {
        written w{std::string(ink::level_name(r.severity)), std::string(r.message), std::string(r.category),
                  duration_cast<milliseconds>(r.time - t0).count(), 0, {}, {}, {}};
        for (const auto& f : r.fields) {
            if (f.key == "repeated") w.repeated = f.value.number.unsigned_integer;
            if (f.key == "firstRepeat") w.first = f.value.text;
            if (f.key == "lastRepeat") w.last = f.value.text;
            if (f.key == "signature") w.signature = f.value.text;
        }
        out.push_back(std::move(w));
    }
};

ink::record rec(std::string_view message, std::int64_t ms, ink::level l = ink::level::info,
                std::string_view category = "general") {
    ink::record r;
    r.severity = l;
    r.time = at_ms(ms);
    r.message = message;
    r.category = category;
    r.logger_name = "app";
    r.session_id = "session-1";
    return r;
}

// Feeds one record through the policy into the recorder.
template <class Dedup>
void feed(Dedup& d, recorder& to, std::string_view message, std::int64_t ms, ink::level l = ink::level::info,
          std::string_view category = "general") {
    d.process(rec(message, ms, l, category), [&](const ink::record& r) { to(r); });
}
template <class Dedup>
void flush(Dedup& d, recorder& to) {
    d.flush([&](const ink::record& r) { to(r); });
}

// One expected line: a record as written, or a summary of `repeated` records.
struct line {
    std::string message;
    std::int64_t time_ms;
    std::uint64_t repeated = 0;
    std::int64_t first_ms = 0, last_ms = 0;
};

void check_lines(const std::vector<written>& got, const std::vector<line>& want) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_CONTEXT("line " << i << ": " << got[i].message) {
            BOOST_TEST(got[i].message == want[i].message);
            BOOST_TEST(got[i].time_ms == want[i].time_ms);
            BOOST_TEST(got[i].repeated == want[i].repeated);
            if (want[i].repeated != 0) {
                BOOST_TEST(got[i].first == iso(want[i].first_ms));
                BOOST_TEST(got[i].last == iso(want[i].last_ms));
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(the_policy_alone)

BOOST_AUTO_TEST_CASE(policies_satisfy_the_concept) {
    static_assert(ink::policy::dedup<ink::dedup::time_window<30>>);
    static_assert(ink::policy::dedup<ink::dedup::signature<30>>);
    static_assert(ink::dedup::time_window<>::window == seconds{30});
    static_assert(ink::dedup::time_window<>::max_identities == 1024);
    BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(a_run_of_repeats_ends_in_one_summary_before_the_next_record) {
    ink::dedup::time_window<30> d;
    recorder r;
    feed(d, r, "disk full", 0);
    feed(d, r, "disk full", 100);
    feed(d, r, "disk full", 250);
    feed(d, r, "disk full", 900);
    feed(d, r, "retrying", 1000);
    check_lines(r.out, {{"disk full", 0},
                        {"disk full (repeated 3 times)", 900, 3, 100, 900},
                        {"retrying", 1000}});
    BOOST_TEST(r.out[1].level == "info");
    BOOST_TEST(r.out[1].category == "general");
    BOOST_TEST(d.deduplicated() == 3u);
    BOOST_TEST(d.summaries() == 1u);
}

BOOST_AUTO_TEST_CASE(a_single_repeat_says_once) {
    ink::dedup::time_window<30> d;
    recorder r;
    feed(d, r, "x", 0);
    feed(d, r, "x", 5);
    feed(d, r, "y", 6);
    check_lines(r.out, {{"x", 0}, {"x (repeated once)", 5, 1, 5, 5}, {"y", 6}});
}

BOOST_AUTO_TEST_CASE(interleaved_repeats_are_suppressed_and_summarized_when_the_window_closes) {
    ink::dedup::time_window<10> d;
    recorder r;
    feed(d, r, "A", 0);
    feed(d, r, "B", 10);
    feed(d, r, "A", 20);
    feed(d, r, "B", 30);
    feed(d, r, "A", 40);
    feed(d, r, "C", 50);  // after a mixed run: A's and B's summaries wait for their windows
    check_lines(r.out, {{"A", 0}, {"B", 10}, {"C", 50}});
    feed(d, r, "D", 10'000);  // A's window (0 .. 10 s) has closed; B's has not
    check_lines(r.out, {{"A", 0}, {"B", 10}, {"C", 50}, {"A (repeated 2 times)", 50, 2, 20, 40}, {"D", 10'000}});
    feed(d, r, "E", 10'010);  // now B's too
    BOOST_TEST_REQUIRE(r.out.size() == 7u);
    BOOST_TEST(r.out[5].message == "B (repeated once)");
    // Stamped at the latest record already written, so the file stays in time order.
    BOOST_TEST(r.out[5].time_ms == 10'000);
    BOOST_TEST(r.out[5].last == iso(30));
    BOOST_TEST(r.out[6].message == "E");
    BOOST_TEST(d.deduplicated() == 3u);
}

BOOST_AUTO_TEST_CASE(the_same_message_after_its_window_is_written_again) {
    ink::dedup::time_window<2> d;
    recorder r;
    feed(d, r, "ping", 0);
    feed(d, r, "ping", 1000);
    feed(d, r, "ping", 1999);
    feed(d, r, "ping", 2000);  // the window is [0, 2 s): closed; summary, then written anew
    feed(d, r, "ping", 3000);
    flush(d, r);
    check_lines(r.out, {{"ping", 0},
                        {"ping (repeated 2 times)", 1999, 2, 1000, 1999},
                        {"ping", 2000},
                        {"ping (repeated once)", 3000, 1, 3000, 3000}});
}

BOOST_AUTO_TEST_CASE(expire_closes_windows_with_their_summaries_and_forgets_the_rest) {
    ink::dedup::time_window<5> d;
    recorder r;
    feed(d, r, "quiet", 0);
    feed(d, r, "noisy", 1);
    feed(d, r, "quiet", 2);
    feed(d, r, "noisy", 3);
    feed(d, r, "noisy", 4);
    feed(d, r, "late", 4000);
    feed(d, r, "silent", 4001);
    BOOST_TEST(d.identities() == 4u);
    d.expire(at_ms(4999), [&](const ink::record& x) { r(x); });
    BOOST_TEST(r.out.size() == 4u);  // nothing is due yet
    d.expire(at_ms(5001), [&](const ink::record& x) { r(x); });
    check_lines(r.out, {{"quiet", 0},
                        {"noisy", 1},
                        {"late", 4000},
                        {"silent", 4001},
                        {"quiet (repeated once)", 4001, 1, 2, 2},
                        {"noisy (repeated 2 times)", 4001, 2, 3, 4}});
    BOOST_TEST(d.identities() == 2u);  // "late" and "silent" are still open
    d.expire(at_ms(9001), [&](const ink::record& x) { r(x); });
    BOOST_TEST(d.identities() == 0u);  // closed without repeats: forgotten, nothing written
    BOOST_TEST(r.out.size() == 6u);
    feed(d, r, "noisy", 9002);  // a new window for noisy
    BOOST_TEST(r.out.back().message == "noisy");
    BOOST_TEST(d.deduplicated() == 3u);
}

BOOST_AUTO_TEST_CASE(flush_writes_pending_summaries_and_keeps_the_windows_open) {
    ink::dedup::time_window<30> d;
    recorder r;
    feed(d, r, "A", 0);
    feed(d, r, "B", 1);
    feed(d, r, "A", 2);
    feed(d, r, "B", 3);
    feed(d, r, "B", 4);
    flush(d, r);
    flush(d, r);  // nothing more is pending
    feed(d, r, "A", 5);
    flush(d, r);
    check_lines(r.out, {{"A", 0},
                        {"B", 1},
                        {"A (repeated once)", 2, 1, 2, 2},
                        {"B (repeated 2 times)", 4, 2, 3, 4},
                        {"A (repeated once)", 5, 1, 5, 5}});
    BOOST_TEST(d.deduplicated() == 4u);
    BOOST_TEST(d.summaries() == 3u);
}

BOOST_AUTO_TEST_CASE(level_and_category_are_part_of_the_identity) {
    ink::dedup::time_window<30> d;
    recorder r;
    feed(d, r, "same text", 0, ink::level::info, "net");
    feed(d, r, "same text", 1, ink::level::warn, "net");
    feed(d, r, "same text", 2, ink::level::info, "disk");
    feed(d, r, "same text", 3, ink::level::info, "net");  // the only repeat
    flush(d, r);
    BOOST_TEST_REQUIRE(r.out.size() == 4u);
    BOOST_TEST(r.out[3].message == "same text (repeated once)");
    BOOST_TEST(r.out[3].level == "info");
    BOOST_TEST(r.out[3].category == "net");
    BOOST_TEST(d.deduplicated() == 1u);
}

BOOST_AUTO_TEST_CASE(a_full_cache_closes_its_oldest_window_first_with_its_summary) {
    ink::dedup::time_window<3600, 3> d;
    recorder r;
    feed(d, r, "one", 0);
    feed(d, r, "two", 1);
    feed(d, r, "three", 2);
    feed(d, r, "one", 3);
    feed(d, r, "two", 4);
    BOOST_TEST(d.identities() == 3u);
    feed(d, r, "four", 5);  // evicts "one", which has a repeat pending
    BOOST_TEST(d.identities() == 3u);
    feed(d, r, "five", 6);  // evicts "two" (repeat pending)
    feed(d, r, "six", 7);   // evicts "three" (nothing pending: no summary)
    feed(d, r, "one", 8);   // forgotten, so written again
    flush(d, r);
    check_lines(r.out, {{"one", 0},
                        {"two", 1},
                        {"three", 2},
                        {"one (repeated once)", 3, 1, 3, 3},
                        {"four", 5},
                        {"two (repeated once)", 5, 1, 4, 4},
                        {"five", 6},
                        {"six", 7},
                        {"one", 8}});
    BOOST_TEST(d.deduplicated() == 2u);
}

BOOST_AUTO_TEST_CASE(many_identities_come_and_go_through_the_bounded_cache) {
    // Exercises the hash table's deletion: 50,000 identities through 64 places.
    ink::dedup::time_window<3600, 64> d;
    std::uint64_t forwarded = 0, originals = 0, summarized = 0, logged = 0;
    auto count = [&](const ink::record& x) {
        ++forwarded;
        bool summary = false;
        for (const auto& f : x.fields)
            if (f.key == "repeated") summary = true, summarized += f.value.number.unsigned_integer;
        if (!summary) ++originals;
    };
    std::string text;
    for (int i = 0; i < 50'000; ++i) {
        // A few hot messages among a stream of new ones.
        text = (i % 3 == 0) ? "hot " + std::to_string(i % 7) : "cold " + std::to_string(i);
        d.process(rec(text, i), count);
        ++logged;
        BOOST_REQUIRE(d.identities() <= 64u);
    }
    d.flush(count);
    BOOST_TEST(originals + d.deduplicated() == logged);
    BOOST_TEST(summarized == d.deduplicated());
    BOOST_TEST(forwarded == originals + d.summaries());
    BOOST_TEST(d.deduplicated() > 10'000u);  // the hot ones were mostly suppressed
}

BOOST_AUTO_TEST_CASE(a_clock_that_goes_back_further_than_the_window_reopens_it) {
    ink::dedup::time_window<10> d;
    recorder r;
    feed(d, r, "tick", 60'000);
    feed(d, r, "tick", 60'500);
    feed(d, r, "tick", 30'000);  // 30 s back: the old window no longer counts
    flush(d, r);
    BOOST_TEST_REQUIRE(r.out.size() == 3u);
    BOOST_TEST(r.out[1].message == "tick (repeated once)");
    BOOST_TEST(r.out[2].message == "tick");
    BOOST_TEST(r.out[2].time_ms == 30'000);
}

BOOST_AUTO_TEST_CASE(huge_and_invalid_messages_are_kept_short_in_summaries) {
    const std::string huge(300'000, 'x');
    const std::string bad = "bad \xff\xfe bytes \xc3 and a cut \xe2\x82";
    ink::dedup::signature<30> d;
    recorder r;
    feed(d, r, huge, 0);
    feed(d, r, huge, 1);
    feed(d, r, bad, 2);
    feed(d, r, bad, 3);
    std::string other_huge = huge;
    other_huge.back() = 'y';  // differs only after the generalized part: still another message
    feed(d, r, other_huge, 4);
    flush(d, r);
    BOOST_TEST_REQUIRE(r.out.size() == 5u);
    BOOST_TEST(r.out[0].message.size() == huge.size());  // the record itself is untouched
    BOOST_TEST(r.out[1].message.size() < 2000u);
    BOOST_TEST(r.out[1].message.find("\xE2\x80\xA6 (repeated once)") != std::string::npos);
    BOOST_TEST(r.out[1].signature.size() <= 256u);
    BOOST_TEST(r.out[2].message == bad);
    BOOST_TEST(r.out[3].message == bad + " (repeated once)");
    BOOST_TEST(r.out[4].message == other_huge);
    BOOST_TEST(d.deduplicated() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(the_generalizer)

BOOST_AUTO_TEST_CASE(variable_parts_become_placeholders) {
    struct {
        const char* message;
        const char* generalized;
    } const cases[] = {
        {"user 42 failed", "user <num> failed"},
        {"x=-5 y=3.14 v1.2.3 6e10 took 12ms as user42", "x=<num> y=<num> v<num> <num> took <num>ms as user<num>"},
        {"request 550e8400-e29b-41d4-a716-446655440000 done", "request <uuid> done"},
        {"request 550E8400-E29B-41D4-A716-446655440000 done", "request <uuid> done"},
        {"ptr 0x7ffd1234, hash deadbeef12 and a1b2c3d4e5f6", "ptr <hex>, hash <hex> and <hex>"},
        {"from 10.0.0.1:8080 to 192.168.100.254", "from <ip>:<num> to <ip>"},
        {"v6 fe80::1, ::1, [2001:db8::ff00:42:8329]:443 and ::ffff:192.168.1.1",
         "v<num> <ip>, <ip>, [<ip>]:<num> and <ip>"},
        {"full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 end", "full <ip> end"},
        {"mail bob.smith+tag@mail.example.co.uk.", "mail <email>."},
        {"see https://example.org/a/b?c=1&d=2#x, then ftp://h/f.", "see <url>, then <url>."},
        {"at 2024-12-20T10:15:30.123Z", "at <time>"},
        {"at 2024-12-20 10:15:30,123+01:00 and 2024-12-20", "at <time> and <time>"},
        {"at 10:15:30.5 sharp", "at <time> sharp"},
        // What stays as it is.
        {"db::add failed in std::vector", "db::add failed in std::vector"},
        {"decade facade", "decade facade"},
        {"version 1.2.3.4.5", "version <num>"},
        {"a.b.c@nowhere", "a.b.c@nowhere"},
        {"", ""},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.message) { BOOST_TEST(ink::dedup::generalized(c.message) == c.generalized); }
    }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_passes_through_unchanged) {
    const std::string bad = "\xff\xfe id 17 \xc3 \xe2\x82 end\x80";
    BOOST_TEST(ink::dedup::generalized(bad) == "\xff\xfe id <num> \xc3 \xe2\x82 end\x80");
    const std::string nul("a\0 5", 4);
    BOOST_TEST(ink::dedup::generalized(nul) == std::string("a\0 <num>", 8));
}

BOOST_AUTO_TEST_CASE(only_the_first_4_kib_are_generalized) {
    std::string text(5000, 'a');
    text[10] = ' ';
    text[11] = '7';
    text[11] = '7';
    text[12] = ' ';
    text[4500] = ' ';
    text[4501] = '9';
    text[4502] = ' ';
    const std::string g = ink::dedup::generalized(text);
    BOOST_TEST(g.find("<num>") == 11u);
    BOOST_TEST(g.find(" 9 ") != std::string::npos);  // past the limit: as it is
}

// Prints the generalizer's speed; checks only that pathological inputs finish
// and give what they should (no timing bound: CI machines are shared).
BOOST_AUTO_TEST_CASE(speed_and_pathological_inputs) {
    const std::vector<std::string> typical = {
        "user 42 failed to log in from 10.0.0.17",
        "request 550e8400-e29b-41d4-a716-446655440000 took 12.5 ms",
        "GET https://api.example.org/v1/items?id=9917 returned 503",
        "cache miss for key session:7f3a9c2e11d4 at 2024-12-20T10:15:30.123Z",
        "listening on device 2 at 48000 Hz",
        "Connection refused, retrying in 5 s (attempt 3 of 10)",
    };
    std::size_t bytes = 0, sink = 0;
    const int rounds = 100'000;
    const auto start = steady_clock::now();
    for (int i = 0; i < rounds; ++i)
        for (const auto& m : typical) {
            ink::detail::generalize(m, [&](std::string_view piece) { sink += piece.size(); });
            bytes += m.size();
        }
    const double seconds_taken = duration<double>(steady_clock::now() - start).count();
    const double per_message_ns = seconds_taken * 1e9 / (rounds * typical.size());
#ifdef __OPTIMIZE__
    const char* build = "optimized build";
#else
    const char* build = "unoptimized build: expect 3-5 times as fast with -O2";
#endif
    std::printf("generalizer: %.0f ns per typical message (%.0f bytes), %.0f MB/s (%s) [%zu]\n", per_message_ns,
                static_cast<double>(bytes) / (rounds * typical.size()), bytes / seconds_taken / 1e6, build, sink % 10);

    // Inputs that would make a careless scanner quadratic, 4 KiB (the limit) each.
    const std::vector<std::string> nasty = {std::string(4096, 'a'),         std::string(4096, '1'),
                                            [] { std::string s; while (s.size() < 4096) s += "a."; return s; }(),
                                            [] { std::string s; while (s.size() < 4096) s += "1."; return s; }(),
                                            [] { std::string s; while (s.size() < 4096) s += "a:"; return s; }(),
                                            [] { std::string s; while (s.size() < 4096) s += "a@"; return s; }(),
                                            std::string(4096, '-')};
    const auto nasty_start = steady_clock::now();
    std::size_t nasty_bytes = 0;
    for (int i = 0; i < 200; ++i)
        for (const auto& m : nasty) {
            ink::detail::generalize(m, [&](std::string_view piece) { sink += piece.size(); });
            nasty_bytes += m.size();
        }
    const double nasty_seconds = duration<double>(steady_clock::now() - nasty_start).count();
    std::printf("generalizer: %.0f MB/s on pathological 4 KiB inputs\n", nasty_bytes / nasty_seconds / 1e6);
    BOOST_TEST(ink::dedup::generalized(nasty[1]) == "<num>");
    BOOST_TEST(ink::dedup::generalized(nasty[0]) == nasty[0]);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(the_signature_policy)

BOOST_AUTO_TEST_CASE(messages_that_differ_in_variable_parts_are_one) {
    // Each group: the first is written, the others are counted as its repeats.
    const std::vector<std::vector<std::string>> groups = {
        {"user 42 failed", "user 97 failed", "user 1000000 failed"},
        {"job 550e8400-e29b-41d4-a716-446655440000 done", "job 6ba7b810-9dad-11d1-80b4-00c04fd430c8 done"},
        {"peer 10.0.0.1 gone", "peer 192.168.1.20 gone", "peer fe80::1 gone", "peer ::1 gone"},
        {"mail to ann@example.org bounced", "mail to bob.smith@mail.example.com bounced"},
        {"fetch https://a.org/x failed", "fetch http://b.example.com:8080/y?z=1 failed"},
        {"object 0x7ffd1234 freed", "object 0xdeadbeef freed", "object a1b2c3d4e5f60718 freed"},
        {"tick at 2024-12-20T10:15:30.123Z", "tick at 2025-01-01T00:00:00Z", "tick at 23:59:59"},
    };
    ink::dedup::signature<30> d;
    recorder r;
    std::int64_t ms = 0;
    std::size_t logged = 0;
    for (const auto& group : groups) {
        for (const auto& m : group) feed(d, r, m, ms++), ++logged;
    }
    flush(d, r);
    // A run per group: the summary comes right before the next group's first message.
    BOOST_TEST_REQUIRE(r.out.size() == 2 * groups.size());
    const char* signatures[] = {"user <num> failed",        "job <uuid> done",         "peer <ip> gone",
                                "mail to <email> bounced",  "fetch <url> failed",      "object <hex> freed",
                                "tick at <time>"};
    for (std::size_t g = 0; g < groups.size(); ++g) {
        BOOST_TEST_CONTEXT("group " << g) {
            BOOST_TEST(r.out[2 * g].message == groups[g][0]);
            BOOST_TEST(r.out[2 * g + 1].message ==
                       groups[g][0] + " (similar messages repeated " +
                           (groups[g].size() == 2 ? std::string("once)")
                                                  : std::to_string(groups[g].size() - 1) + " times)"));
            BOOST_TEST(r.out[2 * g + 1].repeated == groups[g].size() - 1);
            BOOST_TEST(r.out[2 * g + 1].signature == signatures[g]);
        }
    }
    BOOST_TEST(d.deduplicated() == logged - groups.size());
}

BOOST_AUTO_TEST_CASE(identical_repeats_do_not_say_similar) {
    ink::dedup::signature<30> d;
    recorder r;
    feed(d, r, "user 42 failed", 0);
    feed(d, r, "user 42 failed", 1);
    feed(d, r, "other", 2);
    BOOST_TEST_REQUIRE(r.out.size() == 3u);
    BOOST_TEST(r.out[1].message == "user 42 failed (repeated once)");
    BOOST_TEST(r.out[1].signature == "user <num> failed");
}

BOOST_AUTO_TEST_CASE(different_words_stay_different) {
    ink::dedup::signature<30> d;
    recorder r;
    feed(d, r, "user 42 failed", 0);
    feed(d, r, "user 42 passed", 1);
    feed(d, r, "user 42 failed twice", 2);
    BOOST_TEST(r.out.size() == 3u);
    BOOST_TEST(d.deduplicated() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// Through a real logger writing JSONL, read back with nlohmann.

namespace {

struct dedup_test_clock_tag {};
using test_clock = ink::clock::basic_manual<dedup_test_clock_tag>;

template <class Buffer, class Dedup>
struct jsonl_config : ink::default_config {
    using sink = ink::sink::file;
    using formatter = ink::format::jsonl;
    using dedup = Dedup;
    using buffer = Buffer;
    using clock = test_clock;
    static constexpr ink::level default_level = ink::level::trace;
};

using both_buffers = std::tuple<ink::buffer::immediate, ink::buffer::async<>>;

ink::logger_options options_in(const temp_dir& dir) {
    ink::logger_options o;
    o.name = "app";
    o.directory = dir.path().string();
    o.read_environment = false;
    return o;
}

std::vector<nlohmann::json> the_log(const temp_dir& dir) {
    const auto files = files_below(dir.path());
    BOOST_TEST_REQUIRE(files.size() == 1u);
    return read_jsonl(files[0]);
}

struct json_line {
    std::string level, message;
    std::int64_t time_ms;
    std::uint64_t repeated = 0;
    std::int64_t first_ms = 0, last_ms = 0;
};

void check_json(const std::vector<nlohmann::json>& got, const std::vector<json_line>& want) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_CONTEXT("line " << i << ": " << got[i].dump()) {
            BOOST_TEST(got[i].at("level").get<std::string>() == want[i].level);
            BOOST_TEST(got[i].at("message").get<std::string>() == want[i].message);
            BOOST_TEST(got[i].at("category").get<std::string>() == "general");
            BOOST_TEST(got[i].at("timestamp").get<std::string>() == iso(want[i].time_ms));
            const auto& metadata = got[i].at("metadata");
            if (want[i].repeated == 0) {
                BOOST_TEST(!metadata.contains("repeated"));
            } else {
                BOOST_TEST(metadata.at("repeated").get<std::uint64_t>() == want[i].repeated);
                BOOST_TEST(metadata.at("firstRepeat").get<std::string>() == iso(want[i].first_ms));
                BOOST_TEST(metadata.at("lastRepeat").get<std::string>() == iso(want[i].last_ms));
            }
        }
    }
}

// Records written as they were logged, and the records the summaries stand for.
std::uint64_t originals(const std::vector<nlohmann::json>& lines) {
    return static_cast<std::uint64_t>(std::count_if(lines.begin(), lines.end(), [](const nlohmann::json& j) {
        return !j.at("metadata").contains("repeated");
    }));
}
std::uint64_t summarized(const std::vector<nlohmann::json>& lines) {
    std::uint64_t n = 0;
    for (const auto& j : lines) n += j.at("metadata").value("repeated", std::uint64_t{0});
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(through_a_logger)

// 1,000 repeats each of three messages, interleaved with each other and with
// 100 distinct records; then, after the window, one more record.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_start_up_surge_shrinks_to_the_expected_lines, Buffer, both_buffers) {
    temp_dir dir;
    test_clock::set(t0);
    std::vector<json_line> want;
    struct repeats {
        std::int64_t first = -1, last = -1;
        void saw(std::int64_t ms) {
            if (first < 0) first = ms;
            last = ms;
        }
    } refused, miss, timeout;
    std::int64_t ms = 0;
    std::uint64_t logged = 0;
    {
        ink::basic_logger<jsonl_config<Buffer, ink::dedup::time_window<60>>> log(options_in(dir));
        auto tick = [&] {
            ++ms;
            ++logged;
            test_clock::advance(milliseconds{1});
        };
        for (int i = 0; i < 1000; ++i) {
            INKWELL_WARN(log, "connection refused, retrying");
            i == 0 ? want.push_back({"warn", "connection refused, retrying", ms}) : refused.saw(ms);
            tick();
            INKWELL_INFO(log, "cache miss");
            i == 0 ? want.push_back({"info", "cache miss", ms}) : miss.saw(ms);
            tick();
            INKWELL_ERROR(log, "sensor timeout");
            i == 0 ? want.push_back({"error", "sensor timeout", ms}) : timeout.saw(ms);
            tick();
            if (i % 10 == 0) {
                INKWELL_INFO(log, "loading module {}", i);
                want.push_back({"info", "loading module " + std::to_string(i), ms});
                tick();
            }
        }
        // The windows (60 s from each first record) have closed: the next
        // record finds them closed and writes their summaries before itself.
        test_clock::set(at_ms(70'000));
        INKWELL_INFO(log, "surge over");
        ++logged;
        want.push_back({"warn", "connection refused, retrying (repeated 999 times)", refused.last, 999, refused.first,
                        refused.last});
        want.push_back({"info", "cache miss (repeated 999 times)", miss.last, 999, miss.first, miss.last});
        want.push_back({"error", "sensor timeout (repeated 999 times)", timeout.last, 999, timeout.first, timeout.last});
        want.push_back({"info", "surge over", 70'000});
    }
    const auto lines = the_log(dir);
    check_json(lines, want);
    BOOST_TEST(logged == 3 * 1000 + 100 + 1);
    BOOST_TEST(originals(lines) + summarized(lines) == logged);  // written + deduplicated == logged
}

BOOST_AUTO_TEST_CASE_TEMPLATE(flush_and_shutdown_write_the_pending_summary, Buffer, both_buffers) {
    temp_dir dir;
    test_clock::set(t0);
    {
        ink::basic_logger<jsonl_config<Buffer, ink::dedup::time_window<30>>> log(options_in(dir));
        for (int i = 0; i < 3; ++i) {
            INKWELL_INFO(log, "polling");
            test_clock::advance(milliseconds{100});
        }
        log.flush();
        check_json(the_log(dir), {{"info", "polling", 0}, {"info", "polling (repeated 2 times)", 200, 2, 100, 200}});
        INKWELL_INFO(log, "polling");  // the window is still open: counted
        log.flush();
        INKWELL_INFO(log, "polling");
    }  // the logger's end writes the last summary
    check_json(the_log(dir), {{"info", "polling", 0},
                              {"info", "polling (repeated 2 times)", 200, 2, 100, 200},
                              {"info", "polling (repeated once)", 300, 1, 300, 300},
                              {"info", "polling (repeated once)", 300, 1, 300, 300}});
}

// With the async buffer the writer closes windows between records (the
// logger's commit at each round calls expire()): the summary reaches the file
// when the window ends, with no record after it and no flush.
BOOST_AUTO_TEST_CASE(the_writer_closes_a_window_without_a_next_record) {
    temp_dir dir;
    test_clock::set(t0);
    ink::basic_logger<jsonl_config<ink::buffer::async<>, ink::dedup::time_window<30>>> log(options_in(dir));
    for (int i = 0; i < 3; ++i) {
        INKWELL_INFO(log, "polling");
        test_clock::advance(milliseconds{100});
    }
    test_clock::advance(seconds{31});  // the window of the first "polling" ends
    std::vector<nlohmann::json> lines;
    const auto give_up = steady_clock::now() + seconds{60};
    while (steady_clock::now() < give_up) {
        const auto files = files_below(dir.path());
        if (!files.empty() && (lines = read_jsonl(files[0])).size() >= 2) break;
        std::this_thread::sleep_for(milliseconds{5});
    }
    check_json(lines, {{"info", "polling", 0}, {"info", "polling (repeated 2 times)", 200, 2, 100, 200}});
    BOOST_TEST(log.stats().deduplicated == 2u);
    BOOST_TEST(log.stats().summaries == 1u);
}

// A file sink whose first write waits until the test opens the gate: the
// writer's round is then known to be under way (it has read the queues).
// The gate is static (the logger makes the sink); close() sets it up for a
// test, before its logger exists.
struct gated_file : ink::sink::file {
    using ink::sink::file::file;
    static inline std::mutex m;
    static inline std::condition_variable cv;
    static inline bool entered = false, open = false;
    void write(const ink::record& r, std::string_view line) {
        {
            std::unique_lock lock(m);
            entered = true;
            cv.notify_all();
            cv.wait(lock, [] { return open; });
        }
        ink::sink::file::write(r, line);
    }
    static void wait_until_entered() {
        std::unique_lock lock(m);
        cv.wait(lock, [] { return entered; });
    }
    static void let_through() {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
    static void close() {
        std::lock_guard lock(m);
        entered = open = false;
    }
};

struct gated_config : jsonl_config<ink::buffer::async<>, ink::dedup::time_window<30>> {
    using sink = gated_file;
};

// A record stamped inside a window but queued after the writer's round read
// the queues belongs to that window, even when the clock has passed the
// window's end by the time the round ends (CI once saw a start-up surge
// come out with its windows closed twice).
BOOST_AUTO_TEST_CASE(a_record_queued_during_a_round_still_counts_in_its_window) {
    temp_dir dir;
    test_clock::set(t0);
    gated_file::close();
    {
        ink::basic_logger<gated_config> log(options_in(dir));
        INKWELL_INFO(log, "polling");  // opens the window [0 s, 30 s)
        gated_file::wait_until_entered();  // the writer's round is writing it
        test_clock::advance(milliseconds{100});
        INKWELL_INFO(log, "polling");  // inside the window, queued for the next round
        test_clock::advance(seconds{31});
        gated_file::let_through();
        log.flush();
        check_json(the_log(dir), {{"info", "polling", 0}, {"info", "polling (repeated once)", 100, 1, 100, 100}});
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_bounded_cache_evicts_with_a_summary, Buffer, both_buffers) {
    temp_dir dir;
    test_clock::set(t0);
    {
        ink::basic_logger<jsonl_config<Buffer, ink::dedup::time_window<3600, 2>>> log(options_in(dir));
        auto say = [&](const char* what) {
            log.info("{}", what);
            test_clock::advance(milliseconds{1});
        };
        say("a");
        say("b");
        say("a");  // suppressed
        say("c");  // a third message: "a", the oldest, leaves the cache with its summary
        say("a");  // forgotten: written again
    }
    check_json(the_log(dir), {{"info", "a", 0},
                              {"info", "b", 1},
                              {"info", "a (repeated once)", 2, 1, 2, 2},
                              {"info", "c", 3},
                              {"info", "a", 4}});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(signature_groups_messages_through_the_logger, Buffer, both_buffers) {
    temp_dir dir;
    test_clock::set(t0);
    {
        ink::basic_logger<jsonl_config<Buffer, ink::dedup::signature<30>>> log(options_in(dir));
        for (int i = 0; i < 100; ++i) {
            INKWELL_WARN(log, "user {} failed from 10.0.{}.{}", 1000 + i, i / 10, i % 10);
            test_clock::advance(milliseconds{1});
            INKWELL_INFO(log, "fetched https://cdn.example.org/img/{}.png in {} ms", i, 20 + i);
            test_clock::advance(milliseconds{1});
        }
    }
    const auto lines = the_log(dir);
    check_json(lines, {{"warn", "user 1000 failed from 10.0.0.0", 0},
                       {"info", "fetched https://cdn.example.org/img/0.png in 20 ms", 1},
                       {"warn", "user 1000 failed from 10.0.0.0 (similar messages repeated 99 times)", 198, 99, 2, 198},
                       {"info", "fetched https://cdn.example.org/img/0.png in 20 ms (similar messages repeated 99 times)",
                        199, 99, 3, 199}});
    BOOST_TEST(lines[2].at("metadata").at("signature").get<std::string>() == "user <num> failed from <ip>");
    BOOST_TEST(lines[3].at("metadata").at("signature").get<std::string>() == "fetched <url> in <num> ms");
}

// Real threads, the real clock: the accounting holds exactly whatever the interleaving.
BOOST_AUTO_TEST_CASE(threads_logging_the_same_messages_account_for_every_record) {
    struct config : ink::default_config {
        using sink = ink::sink::file;
        using formatter = ink::format::jsonl;
        using dedup = ink::dedup::time_window<3600>;
        using buffer = ink::buffer::async<>;
    };
    temp_dir dir;
    constexpr int threads = 4, repeats = 2000, distinct = 25;
    {
        ink::basic_logger<config> log(options_in(dir));
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&log, t] {
                for (int i = 0; i < repeats; ++i) {
                    INKWELL_INFO(log, "worker busy");
                    if (i % (repeats / distinct) == 0) INKWELL_INFO(log, "worker {} reached step {}", t, i);
                }
            });
        for (auto& w : workers) w.join();
    }
    const auto lines = the_log(dir);
    const std::uint64_t logged = threads * (repeats + distinct);
    BOOST_TEST(originals(lines) + summarized(lines) == logged);
    BOOST_TEST(originals(lines) == 1u + threads * distinct);  // "worker busy" once; every step line
    BOOST_TEST(summarized(lines) == threads * repeats - 1u);
}

// The preset the issue is about, with a dedup policy of the user's choice.
BOOST_AUTO_TEST_CASE(a_session_file_config_takes_a_dedup_policy) {
    struct session_config : ink::presets::session_file_config {
        using dedup = ink::dedup::signature<30>;
        using clock = test_clock;
    };
    temp_dir dir;
    test_clock::set(t0);
    {
        ink::basic_logger<session_config> log(options_in(dir));
        for (int i = 0; i < 50; ++i) {
            INKWELL_INFO(log, "frame {} dropped", i);
            test_clock::advance(milliseconds{10});
        }
        INKWELL_INFO(log, "stream stopped");
    }
    std::vector<nlohmann::json> ours;
    for (const auto& j : the_log(dir))
        if (j.at("message").get<std::string>().rfind("frame", 0) == 0 || j.at("message") == "stream stopped")
            ours.push_back(j);
    BOOST_TEST_REQUIRE(ours.size() == 3u);
    BOOST_TEST(ours[0].at("message") == "frame 0 dropped");
    BOOST_TEST(ours[1].at("message") == "frame 0 dropped (similar messages repeated 49 times)");
    BOOST_TEST(ours[1].at("metadata").at("repeated") == 49);
    BOOST_TEST(ours[1].at("timestamp") == iso(490));
    BOOST_TEST(ours[2].at("message") == "stream stopped");
}

BOOST_AUTO_TEST_SUITE_END()
