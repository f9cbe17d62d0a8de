#define BOOST_TEST_MODULE retention
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "inkwell_under_test.hpp"

#include "sink_test_support.hpp"
#include "test_support.hpp"

using namespace std::chrono;
using test_support::read_file;
using test_support::temp_dir;
namespace fs = std::filesystem;
namespace ink = inkwell;
namespace retain = inkwell::retain;

namespace {

using sink_test_support::reporter;

// Midday on 2024-12-28 (UTC): the clean-up's "now" unless a test says otherwise.
const ink::time_point noon_28 = sys_days{year{2024} / 12 / 28} + hours{12};
// now = 2025-01-31T12:00Z; a folder of day D is (2025-01-30 - D) + 12 h old.
const ink::time_point noon_31 = sys_days{year{2025} / 1 / 31} + hours{12};


void put(const fs::path& p, std::string_view content = "{\"level\":\"info\",\"message\":\"m\"}\n") {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    BOOST_REQUIRE(out.good());
}

// Sets the modification time of `p` itself (a symlink's own, not its target's).
void set_mtime(const fs::path& p, ink::time_point t) {
    auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    timespec times[2];
    times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(ns / 1000000000);
    times[0].tv_nsec = times[1].tv_nsec = static_cast<long>(ns % 1000000000);
    BOOST_REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// Every entry below `dir` (files, folders, links, not following links), relative, sorted.
std::set<std::string> tree(const fs::path& dir) {
    std::set<std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
        out.insert(fs::relative(it->path(), dir).string());
    return out;
}

std::set<std::string> without(std::set<std::string> all, const std::vector<std::string>& gone) {
    for (const auto& g : gone) BOOST_REQUIRE_MESSAGE(all.erase(g) == 1, "the test expects " << g << " to exist");
    return all;
}

retain::log_folder date_layout(const fs::path& dir, std::vector<std::string> active = {}) {
    return {dir.string(), retain::layout::date_folders(".jsonl"), std::move(active)};
}

retain::log_folder rotated_layout(const fs::path& dir, std::string_view name = "app.log") {
    return {dir.string(), retain::layout::rotated_file(name)};
}

// A line exactly as inkwell's formatters write it.
std::string jsonl_line(ink::level l, std::string_view message = "m") {
    ink::record r;
    r.severity = l;
    r.message = message;
    r.category = "engine";
    r.time = noon_28;
    ink::detail::line_buffer out;
    ink::format::jsonl{}.format(r, out);
    return {out.data(), out.size()};
}

std::string text_line(ink::level l, std::string_view message = "m") {
    ink::record r;
    r.severity = l;
    r.message = message;
    r.category = "auth";
    r.time = noon_28;
    ink::detail::line_buffer out;
    ink::format::text_utc{}.format(r, out);
    return {out.data(), out.size()};
}

std::string lines(std::string (*make)(ink::level, std::string_view), std::initializer_list<ink::level> levels) {
    std::string s;
    for (auto l : levels) s += make(l, "m");
    return s;
}

}  // namespace

static_assert(ink::policy::retention<retain::never>);
static_assert(ink::policy::retention<retain::max_age<>>);
static_assert(ink::policy::retention<retain::max_files<>>);
static_assert(ink::policy::retention<retain::max_bytes<>>);
static_assert(ink::policy::retention<retain::by_level<>>);
static_assert(ink::policy::retention<retain::all_of<retain::max_age<>, retain::by_level<>>>);
static_assert(!ink::policy::retention<int>);
static_assert(std::is_empty_v<retain::never>);
static_assert(retain::max_age<>::default_days == 7u);
static_assert(retain::by_level<>::default_retention.error == days{30} &&
              retain::by_level<>::default_retention.warn == days{14} &&
              retain::by_level<>::default_retention.info == days{7} &&
              retain::by_level<>::default_retention.debug == days{1});

BOOST_AUTO_TEST_SUITE(age)

BOOST_AUTO_TEST_CASE(date_folders_older_than_7_days_go_whole_and_the_last_7_days_stay) {
    temp_dir dir;
    for (int d = 17; d <= 28; ++d) {
        std::string day = "2024-12-" + std::to_string(d);
        put(dir / day / "engine.jsonl");
        put(dir / day / "ui.jsonl");
        put(dir / day / "engine+1.jsonl");
    }
    auto before = tree(dir.path());
    reporter rep;
    retain::max_age<7> policy;
    // 2024-12-20 ended at 12-21T00:00; seven days later it goes.
    auto r = retain::apply(policy, date_layout(dir.path()), sys_days{year{2024} / 12 / 28}, &rep.errors);
    std::vector<std::string> gone;
    for (int d = 17; d <= 20; ++d) {
        std::string day = "2024-12-" + std::to_string(d);
        for (auto f : {"/engine.jsonl", "/ui.jsonl", "/engine+1.jsonl"}) gone.push_back(day + f);
        gone.push_back(day);
    }
    BOOST_TEST(tree(dir.path()) == without(before, gone));
    BOOST_TEST(r.files_removed == 12u);
    BOOST_TEST(r.folders_removed == 4u);
    BOOST_TEST(r.errors == 0u);
    BOOST_TEST(rep.events.empty());
}

BOOST_AUTO_TEST_CASE(a_date_folder_is_kept_until_the_last_moment_its_records_are_7_days_old) {
    temp_dir dir;
    put(dir / "2024-12-20" / "engine.jsonl");
    retain::max_age<7> policy;
    const auto end_of_20th = sys_days{year{2024} / 12 / 21};
    retain::apply(policy, date_layout(dir.path()), end_of_20th + days{7} - 1ms, nullptr);
    BOOST_TEST(fs::exists(dir / "2024-12-20" / "engine.jsonl"));
    retain::apply(policy, date_layout(dir.path()), end_of_20th + days{7}, nullptr);
    BOOST_TEST(!fs::exists(dir / "2024-12-20"));
}

BOOST_AUTO_TEST_CASE(the_folder_name_gives_the_age_not_the_modification_time) {
    temp_dir dir;
    put(dir / "2024-12-01" / "touched_today.jsonl");
    set_mtime(dir / "2024-12-01" / "touched_today.jsonl", noon_28);
    put(dir / "2024-12-27" / "old_mtime.jsonl");
    set_mtime(dir / "2024-12-27" / "old_mtime.jsonl", noon_28 - days{365});
    retain::max_age<7> policy;
    retain::apply(policy, date_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(!fs::exists(dir / "2024-12-01"));
    BOOST_TEST(fs::exists(dir / "2024-12-27" / "old_mtime.jsonl"));
}

BOOST_AUTO_TEST_CASE(backups_age_by_their_dated_tag_else_by_modification_time) {
    temp_dir dir;
    put(dir / "app.log", "[x] [INFO] [a] m\n");
    set_mtime(dir / "app.log", noon_28 - days{300});  // the file being written: never removed
    for (int n = 1; n <= 3; ++n) put(dir / ("app.log." + std::to_string(n)));
    set_mtime(dir / "app.log.1", noon_28 - days{2});
    set_mtime(dir / "app.log.2", noon_28 - days{7} - 1s);
    set_mtime(dir / "app.log.3", noon_28 - days{30});
    put(dir / "app.log.20241219");  // held 12-19: ended 12-20T00:00, 8.5 days ago
    set_mtime(dir / "app.log.20241219", noon_28);
    put(dir / "app.log.20241225.1");  // held 12-25
    set_mtime(dir / "app.log.20241225.1", noon_28 - days{100});
    auto before = tree(dir.path());
    retain::max_age<7> policy;
    auto r = retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == without(before, {"app.log.2", "app.log.3", "app.log.20241219"}));
    BOOST_TEST(r.files_removed == 3u);
}

BOOST_AUTO_TEST_CASE(session_files_age_by_modification_time_and_the_active_one_stays) {
    temp_dir dir;
    const std::string old_session = "session_2024-12-01T08-00-00Z_0b6f3c2e-8d4a-4f1e-9c77-2a5d1e0f9b31.jsonl";
    const std::string active = "session_2024-11-01T08-00-00Z_aaaa.jsonl";
    const std::string recent = "session_2024-12-27T08-00-00Z.jsonl";
    for (const auto& n : {old_session, active, recent}) {
        put(dir / n);
        set_mtime(dir / n, noon_28 - days{20});
    }
    set_mtime(dir / recent, noon_28 - days{1});
    // Look like sessions, are not inkwell's: a bad month, a '/'-free but unsafe id, another extension.
    for (const auto* n : {"session_2024-13-01T08-00-00Z.jsonl", "session_2024-12-01T08-00-00Z_a b.jsonl",
                          "session_2024-12-01T08-00-00Z.log", "session_notes.jsonl"}) {
        put(dir / n);
        set_mtime(dir / n, noon_28 - days{20});
    }
    auto before = tree(dir.path());
    retain::max_age<7> policy;
    retain::apply(policy, {dir.path().string(), retain::layout::sessions(), {active}}, noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == without(before, {old_session}));
}

BOOST_AUTO_TEST_CASE(a_file_from_the_future_is_kept) {
    temp_dir dir;
    put(dir / "2025-06-01" / "engine.jsonl");  // the clock went back since it was written
    put(dir / "app.log.1");
    set_mtime(dir / "app.log.1", noon_28 + days{100});
    retain::max_age<7> policy;
    retain::apply(policy, date_layout(dir.path()), noon_28, nullptr);
    retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(fs::exists(dir / "2025-06-01" / "engine.jsonl"));
    BOOST_TEST(fs::exists(dir / "app.log.1"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(count_and_size)

BOOST_AUTO_TEST_CASE(max_files_keeps_the_newest_counting_the_active_file) {
    temp_dir dir;
    put(dir / "app.log");
    set_mtime(dir / "app.log", noon_28 - days{50});  // oldest of all, but active
    for (int n = 1; n <= 6; ++n) {
        put(dir / ("app.log." + std::to_string(n)));
        set_mtime(dir / ("app.log." + std::to_string(n)), noon_28 - hours{n});
    }
    auto before = tree(dir.path());
    retain::max_files<4> policy;
    auto r = retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == without(before, {"app.log.4", "app.log.5", "app.log.6"}));
    BOOST_TEST(r.files_removed == 3u);
}

BOOST_AUTO_TEST_CASE(max_files_counts_every_date_folder_and_removes_the_oldest_day_first) {
    temp_dir dir;
    for (int d = 24; d <= 28; ++d)
        for (auto c : {"a", "b"}) put(dir / ("2024-12-" + std::to_string(d)) / (std::string(c) + ".jsonl"));
    auto before = tree(dir.path());
    retain::max_files<5> policy;
    retain::apply(policy, date_layout(dir.path()), noon_28, nullptr);
    // 10 files, 5 kept: 12-24 and 12-25 go, then one of 12-26.
    auto after = tree(dir.path());
    BOOST_TEST(after.count("2024-12-24") == 0u);
    BOOST_TEST(after.count("2024-12-25") == 0u);
    std::size_t files = 0;
    for (const auto& p : after) files += p.ends_with(".jsonl");
    BOOST_TEST(files == 5u);
    for (int d = 27; d <= 28; ++d)
        for (auto c : {"a", "b"})
            BOOST_TEST(after.count("2024-12-" + std::to_string(d) + "/" + c + ".jsonl") == 1u);
    BOOST_TEST(before.size() - after.size() == 7u);  // 5 files and 2 folders
}

BOOST_AUTO_TEST_CASE(max_files_orders_hundreds_of_files_by_age_whatever_their_names) {
    temp_dir dir;
    // 200 backups whose ages are a permutation of their numbers.
    std::vector<std::string> oldest;
    for (int n = 1; n <= 200; ++n) {
        const int age_minutes = (n * 37) % 200;
        const std::string name = "app.log." + std::to_string(n);
        put(dir / name);
        set_mtime(dir / name, noon_28 - minutes{age_minutes});
        if (age_minutes >= 50) oldest.push_back(name);  // ages 50..199: the 150 oldest
    }
    put(dir / "app.log");
    auto before = tree(dir.path());
    retain::max_files<51> policy;  // app.log and the 50 newest backups
    auto r = retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(r.files_removed == 150u);
    BOOST_TEST(tree(dir.path()) == without(before, oldest));
}

BOOST_AUTO_TEST_CASE(max_bytes_removes_the_oldest_until_the_rest_fit) {
    temp_dir dir;
    const std::string k(1000, 'x');
    put(dir / "app.log", k);
    for (int n = 1; n <= 5; ++n) {
        put(dir / ("app.log." + std::to_string(n)), k);
        set_mtime(dir / ("app.log." + std::to_string(n)), noon_28 - hours{n});
    }
    auto before = tree(dir.path());
    retain::max_bytes<3500> policy;
    auto r = retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    // 6000 bytes: the 3 oldest go, leaving 3000 <= 3500.
    BOOST_TEST(tree(dir.path()) == without(before, {"app.log.3", "app.log.4", "app.log.5"}));
    BOOST_TEST(r.bytes_removed == 3000u);
}

BOOST_AUTO_TEST_CASE(an_active_file_over_the_limit_stays_and_run_time_limits_override) {
    temp_dir dir;
    put(dir / "app.log", std::string(5000, 'x'));
    put(dir / "app.log.1", "x\n");
    retain::max_bytes<> policy(100);
    BOOST_TEST(policy.limit() == 100u);
    retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(fs::file_size(dir / "app.log") == 5000u);
    BOOST_TEST(!fs::exists(dir / "app.log.1"));
}

BOOST_AUTO_TEST_CASE(zero_limits_and_never_keep_everything) {
    temp_dir dir;
    for (int n = 1; n <= 3; ++n) {
        put(dir / ("app.log." + std::to_string(n)));
        set_mtime(dir / ("app.log." + std::to_string(n)), noon_28 - days{1000});
    }
    auto before = tree(dir.path());
    retain::max_files<> files(0);
    retain::max_bytes<> bytes(0);
    retain::max_age<> age(days{0});
    retain::never never;
    retain::apply(files, rotated_layout(dir.path()), noon_28, nullptr);
    retain::apply(bytes, rotated_layout(dir.path()), noon_28, nullptr);
    retain::apply(age, rotated_layout(dir.path()), noon_28, nullptr);
    retain::apply(never, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(per_level)

BOOST_AUTO_TEST_CASE(jsonl_files_are_kept_as_long_as_their_most_severe_level) {
    temp_dir dir;
    using L = ink::level;
    const std::string folders[] = {"2025-01-30", "2025-01-28", "2025-01-20", "2025-01-10", "2024-12-21"};  // 0.5 2.5 10.5 20.5 40.5 days
    for (const auto& day : folders) {
        // A debug line whose message looks like an error level must not count.
        put(dir / day / "debug.jsonl", jsonl_line(L::debug, "{\"level\":\"error\"}") + jsonl_line(L::trace));
        put(dir / day / "info.jsonl", lines(jsonl_line, {L::debug, L::info, L::perf, L::debug}));
        put(dir / day / "warn.jsonl", lines(jsonl_line, {L::info, L::debug, L::info, L::warn}));
        put(dir / day / "error.jsonl", lines(jsonl_line, {L::info, L::error, L::debug}));
        put(dir / day / "critical.jsonl", lines(jsonl_line, {L::debug, L::critical}));
    }
    auto before = tree(dir.path());
    retain::by_level<> policy;
    auto r = retain::apply(policy, date_layout(dir.path()), noon_31, nullptr);
    std::vector<std::string> gone = {
        "2025-01-28/debug.jsonl",                                                // 2.5 d >= 1 d
        "2025-01-20/debug.jsonl", "2025-01-20/info.jsonl",                      // 10.5 d >= 7 d
        "2025-01-10/debug.jsonl", "2025-01-10/info.jsonl", "2025-01-10/warn.jsonl",  // 20.5 d >= 14 d
        "2024-12-21/debug.jsonl", "2024-12-21/info.jsonl", "2024-12-21/warn.jsonl",  // 40.5 d >= 30 d
        "2024-12-21/error.jsonl", "2024-12-21/critical.jsonl", "2024-12-21"};
    BOOST_TEST(tree(dir.path()) == without(before, gone));
    BOOST_TEST(r.files_removed == 11u);
    BOOST_TEST(r.errors == 0u);
}

BOOST_AUTO_TEST_CASE(text_files_by_their_level_label_and_the_errors_file_by_its_name) {
    temp_dir dir;
    using L = ink::level;
    // Backups 3 days old (by modification time).
    put(dir / "app.log.1", lines(text_line, {L::debug, L::trace}));
    put(dir / "app.log.2", lines(text_line, {L::debug, L::info}));
    put(dir / "app.log.3", lines(text_line, {L::info, L::warn, L::debug}));  // [WARNING]
    // app_errors.log says errors: kept 30 days whatever its lines say.
    put(dir / "app_errors.log.1", lines(text_line, {L::info}));
    for (auto n : {"app.log.1", "app.log.2", "app.log.3", "app_errors.log.1"}) set_mtime(dir / n, noon_31 - days{3});
    retain::by_level<> policy;
    retain::apply(policy, rotated_layout(dir.path()), noon_31, nullptr);
    retain::apply(policy, rotated_layout(dir.path(), "app_errors.log"), noon_31, nullptr);
    BOOST_TEST(!fs::exists(dir / "app.log.1"));
    BOOST_TEST(fs::exists(dir / "app.log.2"));
    BOOST_TEST(fs::exists(dir / "app.log.3"));
    BOOST_TEST(fs::exists(dir / "app_errors.log.1"));
    // Ten days on: info has expired, warn not yet.
    for (auto n : {"app.log.2", "app.log.3", "app_errors.log.1"}) set_mtime(dir / n, noon_31 - days{10});
    retain::apply(policy, rotated_layout(dir.path()), noon_31, nullptr);
    retain::apply(policy, rotated_layout(dir.path(), "app_errors.log"), noon_31, nullptr);
    BOOST_TEST(!fs::exists(dir / "app.log.2"));
    BOOST_TEST(fs::exists(dir / "app.log.3"));
    BOOST_TEST(fs::exists(dir / "app_errors.log.1"));
    set_mtime(dir / "app_errors.log.1", noon_31 - days{30});
    retain::apply(policy, rotated_layout(dir.path(), "app_errors.log"), noon_31, nullptr);
    BOOST_TEST(!fs::exists(dir / "app_errors.log.1"));
}

BOOST_AUTO_TEST_CASE(a_file_whose_level_cannot_be_told_is_kept_as_if_it_held_errors) {
    temp_dir dir;
    using L = ink::level;
    const std::string day = "2025-01-10";  // 20.5 days old: only errors keep a file
    put(dir / day / "no_level.jsonl", jsonl_line(L::debug) + "{\"message\":\"no level key\"}\n");
    put(dir / day / "foreign.jsonl", "plain words, no level\n");
    std::string long_debug;
    while (long_debug.size() <= 4096) long_debug += jsonl_line(L::debug);
    put(dir / day / "long.jsonl", long_debug);  // debug only, but longer than the 4096 bytes read
    put(dir / day / "engine+1.jsonl.gz", "\x1f\x8b not really gzip");
    put(dir / day / "debug.jsonl", lines(jsonl_line, {L::debug, L::debug}));
    put(dir / day / "empty.jsonl", "");
    auto before = tree(dir.path());
    retain::by_level<30, 14, 7, 1, 4096> policy;
    retain::apply(policy, date_layout(dir.path()), noon_31, nullptr);
    BOOST_TEST(tree(dir.path()) == without(before, {day + "/debug.jsonl", day + "/empty.jsonl"}));
}

BOOST_AUTO_TEST_CASE(user_defined_levels_and_run_time_days_are_understood) {
    temp_dir dir;
    constexpr auto notice = ink::level{45};  // between warn and error: kept as warn
    ink::define_level(notice, "notice", "NOTICE");
    put(dir / "2025-01-20" / "notice.jsonl", jsonl_line(notice));
    put(dir / "2025-01-20" / "info.jsonl", jsonl_line(ink::level::info));
    retain::by_level<> policy(retain::level_retention{days{30}, days{11}, days{2}, days{1}});
    BOOST_TEST(policy.days_for(notice) == days{11});
    retain::apply(policy, date_layout(dir.path()), noon_31, nullptr);  // 10.5 days old
    BOOST_TEST(fs::exists(dir / "2025-01-20" / "notice.jsonl"));
    BOOST_TEST(!fs::exists(dir / "2025-01-20" / "info.jsonl"));
}

BOOST_AUTO_TEST_CASE(each_file_is_read_once_while_it_does_not_change) {
    temp_dir dir;
    using L = ink::level;
    put(dir / "app.log.1", lines(text_line, {L::debug, L::warn}));
    set_mtime(dir / "app.log.1", noon_31 - days{3});
    retain::by_level<> policy;
    retain::apply(policy, rotated_layout(dir.path()), noon_31, nullptr);
    BOOST_REQUIRE(fs::exists(dir / "app.log.1"));
    // Overwrite its lines with text that shows no level, keeping its size and
    // time: a clean-up that read it again could no longer tell (and would keep
    // it at 14 days); one that remembers what it read removes it then.
    std::string same_size(fs::file_size(dir / "app.log.1"), '?');
    same_size.back() = '\n';
    {
        std::fstream f(dir / "app.log.1", std::ios::in | std::ios::out | std::ios::binary);
        f.write(same_size.data(), static_cast<std::streamsize>(same_size.size()));
    }
    set_mtime(dir / "app.log.1", noon_31 - days{3});
    retain::apply(policy, rotated_layout(dir.path()), noon_31 + days{5}, nullptr);  // 8 days: warn keeps it
    BOOST_TEST(fs::exists(dir / "app.log.1"));
    retain::apply(policy, rotated_layout(dir.path()), noon_31 + days{11}, nullptr);  // 14 days: warn expired
    BOOST_TEST(!fs::exists(dir / "app.log.1"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(composition)

BOOST_AUTO_TEST_CASE(all_of_removes_what_any_policy_removes_each_seeing_what_the_last_left) {
    temp_dir dir;
    for (int d = 15; d <= 28; ++d) put(dir / ("2024-12-" + std::to_string(d)) / "engine.jsonl");
    auto before = tree(dir.path());
    // max_age keeps 12-21 .. 12-28 (12-20 ended 7.5 days ago); max_files then keeps the newest 4.
    retain::all_of<retain::max_age<7>, retain::max_files<4>> policy;
    auto r = retain::apply(policy, date_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(r.files_removed == 10u);
    std::set<std::string> expected;
    for (int d = 25; d <= 28; ++d) {
        expected.insert("2024-12-" + std::to_string(d));
        expected.insert("2024-12-" + std::to_string(d) + "/engine.jsonl");
    }
    BOOST_TEST(tree(dir.path()) == expected);
    BOOST_TEST(before.size() == 28u);
}

BOOST_AUTO_TEST_CASE(by_level_under_a_byte_cap) {
    temp_dir dir;
    using L = ink::level;
    const std::string big(4000, 'x');
    put(dir / "2025-01-28" / "debug.jsonl", jsonl_line(L::debug));                                // level: goes
    put(dir / "2025-01-29" / "old_errors.jsonl", jsonl_line(L::error) + jsonl_line(L::info, big));  // bytes: goes
    put(dir / "2025-01-30" / "new_errors.jsonl", jsonl_line(L::error) + jsonl_line(L::info, big));
    retain::all_of<retain::by_level<>, retain::max_bytes<6000>> policy;
    retain::apply(policy, date_layout(dir.path()), noon_31, nullptr);
    BOOST_TEST(tree(dir.path()) == (std::set<std::string>{"2025-01-30", "2025-01-30/new_errors.jsonl"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(safety)

BOOST_AUTO_TEST_CASE(only_inkwell_names_are_deleted_everything_else_survives) {
    temp_dir dir;
    const std::string day = "2024-12-01";  // long expired
    put(dir / day / "engine.jsonl");
    put(dir / day / "engine+3.jsonl");
    put(dir / day / "engine+20241201.1.jsonl");
    put(dir / day / "engine.jsonl.gz");
    const std::vector<std::string> foreign = {
        "README", "engine.jsonl.bak", ".hidden.jsonl", "..jsonl", "engine+x.jsonl", "engine+.jsonl",
        "a b.jsonl", "evil\n.jsonl", "engine+1.jsonl~", "+1.jsonl", ".jsonl", "x.log",
        std::string(65, 'a') + ".jsonl", "caf\xc3\xa9.jsonl", "engine+1.2.3.jsonl"};
    for (const auto& n : foreign) put(dir / day / n);
    fs::create_directories(dir / day / "folder.jsonl");  // a folder with an inkwell-like name
    BOOST_REQUIRE(::mkfifo((dir / day / "fifo.jsonl").c_str(), 0600) == 0);
    // Not date folders: an impossible date, a near miss, a file named like a date.
    put(dir / "2024-02-30" / "engine.jsonl");
    put(dir / "2024-12-1" / "engine.jsonl");
    put(dir / "2024-11-30", "a file, not a folder\n");
    put(dir / "engine.jsonl");  // the root holds no category files in this layout
    for (auto it = fs::recursive_directory_iterator(dir.path()); it != fs::recursive_directory_iterator(); ++it)
        set_mtime(it->path(), noon_28 - days{400});
    auto before = tree(dir.path());
    reporter rep;
    retain::max_age<7> policy;
    auto r = retain::apply(policy, date_layout(dir.path()), noon_28, &rep.errors);
    BOOST_TEST(tree(dir.path()) == without(before, {day + "/engine.jsonl", day + "/engine+3.jsonl",
                                                    day + "/engine+20241201.1.jsonl", day + "/engine.jsonl.gz"}));
    BOOST_TEST(r.folders_removed == 0u);  // it still holds what is not inkwell's
    BOOST_TEST(rep.events.empty());
}

BOOST_AUTO_TEST_CASE(rotated_layout_hostile_names) {
    temp_dir dir;
    put(dir / "app.log.1");
    for (auto n : {"app.log.", "app.log.-1", "app.log.1x", "app.log..1", "xapp.log.1", "app.log.1.2.3", "app.log1",
                   "app.log.1 ", "app.log.01.", "app.logs.1", "other.log.1", "app_errors.log.1"})
        put(dir / n);
    fs::create_directories(dir / "app.log.2");
    for (auto it = fs::directory_iterator(dir.path()); it != fs::directory_iterator(); ++it)
        set_mtime(it->path(), noon_28 - days{400});
    auto before = tree(dir.path());
    retain::max_age<7> policy;
    retain::apply(policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == without(before, {"app.log.1"}));
}

BOOST_AUTO_TEST_CASE(symlinks_are_never_followed_nor_deleted_and_their_targets_are_untouched) {
    temp_dir dir, outside;
    put(outside / "victim.jsonl", "precious\n");
    put(outside / "2024-12-01" / "engine.jsonl", "precious too\n");
    put(outside / "app.log.1", "and this\n");
    set_mtime(outside / "victim.jsonl", noon_28 - days{400});
    set_mtime(outside / "2024-12-01" / "engine.jsonl", noon_28 - days{400});
    set_mtime(outside / "app.log.1", noon_28 - days{400});
    // A date folder that is a link to a folder outside; links named like inkwell's files.
    fs::create_directory_symlink(outside / "2024-12-01", dir / "2024-12-01");
    put(dir / "2024-12-02" / "engine.jsonl");
    fs::create_symlink(outside / "victim.jsonl", dir / "2024-12-02" / "link.jsonl");
    fs::create_symlink(outside / "victim.jsonl", dir / "2024-12-02" / "engine+1.jsonl");
    fs::create_directory_symlink(outside.path(), dir / "2024-12-02" / "up.jsonl");
    fs::create_symlink(outside / "app.log.1", dir / "app.log.1");
    for (auto it = fs::recursive_directory_iterator(dir.path()); it != fs::recursive_directory_iterator(); ++it)
        set_mtime(it->path(), noon_28 - days{400});
    auto before = tree(dir.path());
    auto outside_before = tree(outside.path());
    retain::max_age<7> date_policy;
    retain::all_of<retain::max_age<7>, retain::max_files<1>> rotated_policy;
    retain::apply(date_policy, date_layout(dir.path()), noon_28, nullptr);
    retain::apply(rotated_policy, rotated_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == without(before, {"2024-12-02/engine.jsonl"}));
    BOOST_TEST(fs::is_symlink(dir / "2024-12-01"));
    BOOST_TEST(tree(outside.path()) == outside_before);
    BOOST_TEST(read_file(outside / "victim.jsonl") == "precious\n");
    BOOST_TEST(read_file(outside / "2024-12-01" / "engine.jsonl") == "precious too\n");
    BOOST_TEST(read_file(outside / "app.log.1") == "and this\n");
}

BOOST_AUTO_TEST_CASE(active_files_are_never_deleted_and_keep_their_folder) {
    temp_dir dir;
    put(dir / "2024-12-01" / "engine.jsonl");
    put(dir / "2024-12-01" / "ui.jsonl");
    put(dir / "2024-12-02" / "ui.jsonl");
    retain::all_of<retain::max_age<7>, retain::max_files<1>, retain::max_bytes<1>> policy;
    auto r = retain::apply(policy, date_layout(dir.path(), {"2024-12-01/engine.jsonl"}), noon_28, nullptr);
    BOOST_TEST(tree(dir.path()) == (std::set<std::string>{"2024-12-01", "2024-12-01/engine.jsonl"}));
    BOOST_TEST(r.files_removed == 2u);
    BOOST_TEST(r.folders_removed == 1u);
}

BOOST_AUTO_TEST_CASE(an_empty_date_folder_that_held_nothing_of_ours_is_left) {
    temp_dir dir;
    fs::create_directories(dir / "2024-12-01");
    retain::max_age<7> policy;
    retain::apply(policy, date_layout(dir.path()), noon_28, nullptr);
    BOOST_TEST(fs::is_directory(dir / "2024-12-01"));
}

BOOST_AUTO_TEST_CASE(a_missing_folder_is_nothing_to_do_and_a_bad_one_is_reported_not_thrown) {
    temp_dir dir;
    reporter rep;
    retain::max_age<7> policy;
    auto none = retain::apply(policy, date_layout(dir / "not-yet"), noon_28, &rep.errors);
    BOOST_TEST(none.files_removed == 0u);
    BOOST_TEST(none.errors == 0u);
    BOOST_TEST(rep.events.empty());
    put(dir / "a-file");
    auto bad = retain::apply(policy, date_layout(dir / "a-file"), noon_28, &rep.errors);
    BOOST_TEST(bad.errors == 1u);
    BOOST_REQUIRE(rep.events.size() == 1u);
    BOOST_TEST(rep.events[0].system_error == ENOTDIR);
    BOOST_TEST(rep.events[0].path == (dir / "a-file").string());
    BOOST_TEST(rep.stats().errors == 1u);
    // With no reporter the failure is still counted in the result.
    BOOST_TEST(retain::apply(policy, date_layout(dir / "a-file"), noon_28, nullptr).errors == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
