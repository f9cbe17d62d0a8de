#define BOOST_TEST_MODULE sink_files
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "inkwell_under_test.hpp"
#include "sink_test_support.hpp"
#include "test_support.hpp"

using namespace std::chrono;
using namespace std::string_literals;
using test_support::files_below;
using test_support::read_file;
using test_support::read_jsonl;
using test_support::read_lines;
using test_support::temp_dir;
namespace fs = std::filesystem;
namespace ink = inkwell;

BOOST_TEST_DONT_PRINT_LOG_VALUE(inkwell::error_kind)

namespace {

using namespace sink_test_support;

std::string json_line(int n, std::string_view category = "x") {
    return "{\"n\":" + std::to_string(n) + ",\"category\":\"" + std::string(category) + "\"}\n";
}

using test_support::quiet_stderr;
using test_support::umask_guard;

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

bool is_sane_component(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.front() == '.') return false;
    for (char c : name)
        if (!ink::detail::is_safe_file_char(c)) return false;
    return true;
}

// True when `p` lies below `root` (no "..", no escape through a prefix).
bool is_below(const fs::path& p, const fs::path& root) {
    auto rel = fs::relative(fs::weakly_canonical(p), fs::weakly_canonical(root));
    return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

static_assert(ink::policy::sink<ink::sink::file>);
static_assert(ink::policy::sink<ink::sink::session_file>);
static_assert(ink::policy::sink<ink::sink::category_files<>>);
static_assert(ink::policy::sink<ink::sink::rotating_file<>>);
static_assert(!ink::policy::sink_takes_rotation<ink::sink::file>);
static_assert(!ink::policy::sink_takes_rotation<ink::sink::session_file>);
static_assert(ink::policy::sink_takes_rotation<ink::sink::category_files<>>);
static_assert(ink::policy::sink_takes_rotation<ink::sink::rotating_file<>>);
static_assert(ink::policy::sink_rotates_on_request<ink::sink::category_files<>>);
static_assert(std::is_same_v<ink::sink::category_files<>::with_rotation<ink::rotate::by_size<>>,
                             ink::sink::category_files<".jsonl", ink::rotate::by_size<>>>);

BOOST_AUTO_TEST_SUITE(sanitize)

BOOST_AUTO_TEST_CASE(hostile_names_become_one_safe_component) {
    const std::vector<std::string> names = {"../x",       "/etc/passwd", "a\nb",       "a\0b"s, std::string(300, 'x'),
                                            ".",          "..",          "",           ".hidden", "\xff\xfe\x80",
                                            "caf\xc3\xa9", "a b\tc",     "...",        "-"};
    for (const auto& n : names) {
        std::string out;
        ink::detail::sanitize_file_component(n, out);
        BOOST_TEST_CONTEXT("name of " << n.size() << " bytes") {
            BOOST_TEST(is_sane_component(out));
            BOOST_TEST(out.size() <= 64u);
        }
    }
    std::string out;
    ink::detail::sanitize_file_component("engine", out);
    BOOST_TEST(out == "engine");
    ink::detail::sanitize_file_component("../x", out);
    BOOST_TEST(out == "_._x");
    ink::detail::sanitize_file_component("", out);
    BOOST_TEST(out == "_");
    ink::detail::sanitize_file_component("a\0b"s, out);
    BOOST_TEST(out == "a_b");
}

BOOST_AUTO_TEST_CASE(long_names_keep_apart_and_the_array_form_matches) {
    std::string a(300, 'x'), b(300, 'x');
    b.back() = 'y';
    std::string sa, sb;
    ink::detail::sanitize_file_component(a, sa);
    ink::detail::sanitize_file_component(b, sb);
    BOOST_TEST(sa.size() == 64u);
    BOOST_TEST(sb.size() == 64u);
    BOOST_TEST(sa != sb);  // same 55-byte prefix, different hash
    char buffer[65];
    BOOST_TEST(ink::detail::sanitize_file_component(a, buffer) == sa);
    BOOST_TEST(buffer[64] == '\0');
    std::string exactly64(64, 'q');
    ink::detail::sanitize_file_component(exactly64, sa);
    BOOST_TEST(sa == exactly64);  // at the cap nothing is hashed
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(file_sink)

BOOST_AUTO_TEST_CASE(writes_whole_lines_in_order_on_flush) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::file sink(context_for(dir.path(), rep));
        BOOST_TEST(sink.path() == (dir / "app.log").string());
        for (int i = 0; i < 100; ++i) sink.write(record_at(fixed_time), json_line(i));
        // Held back until flush: nothing has reached the kernel yet.
        BOOST_TEST(fs::file_size(dir / "app.log") == 0u);
        BOOST_TEST(rep.stats().records == 0u);
        sink.flush();
        BOOST_TEST(rep.stats().records == 100u);
        auto lines = read_jsonl(dir / "app.log");
        BOOST_REQUIRE(lines.size() == 100u);
        for (int i = 0; i < 100; ++i) BOOST_TEST(lines[i]["n"] == i);
        sink.write(record_at(fixed_time), json_line(100));
    }  // destruction flushes what is left
    BOOST_TEST(read_lines(dir / "app.log").size() == 101u);
    BOOST_TEST(rep.stats().records == 101u);
    BOOST_TEST(rep.stats().errors == 0u);
    BOOST_TEST(rep.stats().fallback_records == 0u);
}

// A sink of one file holds lines until flush() or until they pass its write
// threshold (detail::single_file_pending_limit, 256 KiB: fewer, larger
// writes); then they go out at once, in whole lines.
template <class Sink>
void check_the_write_threshold(Sink& sink, reporter& rep) {
    constexpr std::size_t threshold = ink::detail::single_file_pending_limit;
    const fs::path path = sink.path();
    std::string padding(1000, 'p');
    auto line = [&](int i) { return "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + padding + "\"}\n"; };
    // Under the threshold nothing has reached the file yet.
    std::size_t held = 0;
    int n = 0;
    while (held + 2 * line(n).size() < threshold) {
        held += line(n).size();
        sink.write(record_at(fixed_time), line(n++));
    }
    BOOST_TEST(read_file(path).empty());
    // Past two and a half thresholds without a flush: at least two writes went out.
    while (held < threshold * 5 / 2) {
        held += line(n).size();
        sink.write(record_at(fixed_time), line(n++));
    }
    auto before_flush = read_file(path);
    BOOST_TEST(before_flush.size() >= 2 * threshold);
    BOOST_TEST(before_flush.back() == '\n');  // only whole lines
    BOOST_TEST(rep.stats().records > 0u);
    sink.flush();
    auto lines = read_jsonl(path);
    BOOST_REQUIRE(lines.size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) BOOST_TEST(lines[i]["n"] == i);
    BOOST_TEST(rep.stats().records == static_cast<std::size_t>(n));
}

BOOST_AUTO_TEST_CASE(more_than_the_write_threshold_pending_goes_out_at_once_in_whole_lines) {
    temp_dir dir;
    reporter rep;
    ink::sink::file sink(context_for(dir.path(), rep));
    check_the_write_threshold(sink, rep);
}

// The same threshold for the other sinks of one file.
BOOST_AUTO_TEST_CASE(rotating_and_session_files_share_the_single_file_write_threshold) {
    {
        temp_dir dir;
        reporter rep;
        ink::sink::rotating_file<ink::rotate::never> sink(context_for(dir.path(), rep));
        check_the_write_threshold(sink, rep);
    }
    {
        temp_dir dir;
        reporter rep;
        ink::sink::session_file sink(context_for(dir.path(), rep));
        check_the_write_threshold(sink, rep);
    }
}

BOOST_AUTO_TEST_CASE(creates_missing_folders) {
    temp_dir dir;
    reporter rep;
    ink::sink::file sink(context_for(dir / "a/b/c", rep));
    sink.write(record_at(fixed_time), json_line(1));
    sink.flush();
    BOOST_TEST(read_lines(dir / "a/b/c/app.log").size() == 1u);
    BOOST_TEST(rep.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(hostile_base_name_stays_inside_the_folder) {
    temp_dir root;
    reporter rep;
    auto context = context_for(root / "logs", rep);
    for (std::string name : {"../escape"s, "/etc/passwd"s, "a\nb"s, "x\0y"s, std::string(300, 'n'), ".."s, ""s}) {
        context.base_name = name;
        ink::sink::file sink(context);
        sink.write(record_at(fixed_time), json_line(1));
        sink.flush();
    }
    auto files = files_below(root.path());
    BOOST_TEST(files.size() == 7u);
    for (const auto& f : files) {
        BOOST_TEST(f.parent_path() == root / "logs");
        BOOST_TEST(is_sane_component(f.filename().string()));
    }
    BOOST_TEST(rep.stats().records == 7u);
}

BOOST_AUTO_TEST_CASE(a_symbolic_link_is_refused_and_its_target_untouched) {
    temp_dir dir;
    reporter rep;
    { std::ofstream(dir / "target") << "precious\n"; }
    fs::create_symlink(dir / "target", dir / "app.log");
    {
        quiet_stderr quiet;
        ink::sink::file sink(context_for(dir.path(), rep));
        sink.write(record_at(fixed_time), json_line(1));
        sink.flush();
    }
    BOOST_TEST(read_file(dir / "target") == "precious\n");
    BOOST_REQUIRE(!rep.events.empty());
    BOOST_TEST(rep.events[0].kind == ink::error_kind::open);
    BOOST_TEST(rep.events[0].system_error == ELOOP);
    BOOST_TEST(rep.stats().fallback_records == 1u);
    BOOST_TEST(rep.stats().records == 0u);
}

BOOST_AUTO_TEST_CASE(a_deleted_file_is_made_again) {
    temp_dir dir;
    reporter rep;
    ink::sink::file sink(context_for(dir.path(), rep));
    sink.write(record_at(fixed_time), json_line(1));
    sink.flush();
    fs::remove(dir / "app.log");
    std::this_thread::sleep_for(1100ms);  // the sink checks at most once a second
    sink.write(record_at(fixed_time), json_line(2));
    sink.flush();
    auto lines = read_jsonl(dir / "app.log");
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0]["n"] == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(permissions)

BOOST_AUTO_TEST_CASE(files_and_folders_get_exactly_their_mode_under_any_umask) {
    for (mode_t mask : {mode_t{077}, mode_t{000}, mode_t{022}}) {
        BOOST_TEST_CONTEXT("umask " << std::oct << mask) {
            umask_guard guard(mask);
            temp_dir root;
            reporter rep;
            auto context = context_for(root / "logs", rep);
            {
                ink::sink::file file(context);
                ink::sink::session_file session(context);
                ink::sink::category_files<> categories(context);
                file.write(record_at(fixed_time), json_line(1));
                session.write(record_at(fixed_time), json_line(1));
                categories.write(record_at(fixed_time, "engine"), json_line(1));
            }
            BOOST_TEST(mode_of(root / "logs") == 0755u);
            BOOST_TEST(mode_of(root / "logs/app.log") == 0644u);
            BOOST_TEST(mode_of(root / "logs/2024-12-20") == 0755u);
            BOOST_TEST(mode_of(root / "logs/2024-12-20/engine.jsonl") == 0644u);
            for (const auto& f : files_below(root / "logs")) BOOST_TEST(mode_of(f) == 0644u);
            BOOST_TEST(rep.stats().errors == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(configured_modes_apply_and_an_existing_file_keeps_its_own) {
    umask_guard guard(022);
    temp_dir root;
    reporter rep;
    auto context = context_for(root / "logs", rep);
    context.file_mode = 0660;
    context.directory_mode = 0770;
    {
        ink::sink::file sink(context);
        sink.write(record_at(fixed_time), json_line(1));
    }
    BOOST_TEST(mode_of(root / "logs") == 0770u);
    BOOST_TEST(mode_of(root / "logs/app.log") == 0660u);
    fs::permissions(root / "logs/app.log", fs::perms(0600));  // an operator tightened it
    {
        ink::sink::file sink(context);
        sink.write(record_at(fixed_time), json_line(2));
    }
    BOOST_TEST(mode_of(root / "logs/app.log") == 0600u);
    BOOST_TEST(read_lines(root / "logs/app.log").size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(folder_that_is_a_file_reports_and_falls_back_then_recovers) {
    temp_dir root;
    reporter rep;
    { std::ofstream(root / "logs") << "not a folder\n"; }
    ink::sink::file sink(context_for(root / "logs", rep));
    {
        quiet_stderr quiet;
        for (int i = 0; i < 5; ++i) sink.write(record_at(fixed_time), json_line(i));
        sink.flush();
    }
    BOOST_TEST(rep.stats().fallback_records == 5u);
    BOOST_TEST(rep.stats().records == 0u);
    BOOST_REQUIRE(!rep.events.empty());
    BOOST_TEST(rep.stats().errors == rep.events.size());
    BOOST_TEST(rep.events[0].kind == ink::error_kind::open);
    BOOST_TEST(rep.events[0].system_error == ENOTDIR);
    BOOST_TEST(rep.events[0].path == (root / "logs/app.log").string());

    // The cause goes away: the next record reaches its file.
    fs::remove(root / "logs");
    sink.write(record_at(fixed_time), json_line(5));
    sink.flush();
    auto lines = read_jsonl(root / "logs/app.log");
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0]["n"] == 5);
    BOOST_TEST(rep.stats().records == 1u);
}

BOOST_AUTO_TEST_CASE(category_file_that_cannot_open_falls_back_others_still_write) {
    temp_dir root;
    reporter rep;
    fs::create_directories(root / "logs/2024-12-20/engine.jsonl");  // a folder where the file should be
    ink::sink::category_files<> sink(context_for(root / "logs", rep));
    {
        quiet_stderr quiet;
        for (int i = 0; i < 4; ++i) {
            sink.write(record_at(fixed_time, "engine"), json_line(i, "engine"));
            sink.write(record_at(fixed_time, "ui"), json_line(i, "ui"));
        }
        sink.flush();
    }
    BOOST_TEST(rep.stats().fallback_records == 4u);
    BOOST_TEST(rep.stats().records == 4u);
    BOOST_TEST(read_jsonl(root / "logs/2024-12-20/ui.jsonl").size() == 4u);
    BOOST_REQUIRE(!rep.events.empty());
    BOOST_TEST(rep.events[0].kind == ink::error_kind::open);
}

BOOST_AUTO_TEST_CASE(a_sink_without_an_error_reporter_does_not_crash) {
    temp_dir root;
    { std::ofstream(root / "logs") << "file\n"; }
    ink::sink_context context;
    context.directory = root / "logs";
    quiet_stderr quiet;
    ink::sink::file sink(context);
    sink.write(record_at(fixed_time), json_line(1));
    sink.flush();
    BOOST_TEST(fs::is_regular_file(root / "logs"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(session_file_sink)

BOOST_AUTO_TEST_CASE(name_holds_start_time_and_session_id_and_file_exists_at_once) {
    temp_dir dir;
    reporter rep;
    auto context = context_for(dir.path(), rep);
    ink::sink::session_file sink(context);
    auto expected = dir / "session_2024-12-20T10-15-30Z_0b6f3c2e-8d4a-4f1e-9c77-2a5d1e0f9b31.jsonl";
    BOOST_TEST(sink.path() == expected.string());
    BOOST_TEST(fs::exists(expected));  // created on construction
    for (int i = 0; i < 10; ++i) sink.write(record_at(fixed_time + seconds(i)), json_line(i));
    sink.flush();
    auto lines = read_jsonl(expected);
    BOOST_REQUIRE(lines.size() == 10u);
    BOOST_TEST(lines[9]["n"] == 9);
    BOOST_TEST(files_below(dir.path()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(hostile_session_id_is_sanitized_and_empty_id_is_left_out) {
    temp_dir root;
    reporter rep;
    auto context = context_for(root / "logs", rep);
    context.session_id = "../../etc/cron.d/x\n";
    {
        ink::sink::session_file sink(context);
        sink.write(record_at(fixed_time), json_line(1));
    }
    context.session_id.clear();
    context.start_time = fixed_time + 1h;
    { ink::sink::session_file sink(context); }
    auto files = files_below(root.path());
    BOOST_REQUIRE(files.size() == 2u);
    BOOST_TEST(files[0].filename() == "session_2024-12-20T10-15-30Z__._.._etc_cron.d_x_.jsonl");
    BOOST_TEST(files[1].filename() == "session_2024-12-20T11-15-30Z.jsonl");
    for (const auto& f : files) BOOST_TEST(f.parent_path() == root / "logs");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(category_files_sink)

BOOST_AUTO_TEST_CASE(one_file_per_category_in_the_folder_of_the_record_date) {
    temp_dir dir;
    reporter rep;
    const std::vector<std::string> categories = {"engine", "ui", "ecs", "ai", "persistence", "general"};
    {
        ink::sink::category_files<> sink(context_for(dir.path(), rep));
        for (int i = 0; i < 600; ++i) {
            const auto& c = categories[static_cast<std::size_t>(i) % categories.size()];
            sink.write(record_at(fixed_time + milliseconds(i), c), json_line(i, c));
            if (i % 50 == 0) sink.flush();
        }
        sink.flush();
    }
    auto files = files_below(dir.path());
    BOOST_TEST(files.size() == categories.size());
    for (std::size_t k = 0; k < categories.size(); ++k) {
        auto lines = read_jsonl(dir / "2024-12-20" / (categories[k] + ".jsonl"));
        BOOST_REQUIRE(lines.size() == 100u);
        for (std::size_t j = 0; j < lines.size(); ++j) {
            BOOST_TEST(lines[j]["category"] == categories[k]);
            BOOST_TEST(lines[j]["n"] == static_cast<int>(j * categories.size() + k));  // in order
        }
    }
    BOOST_TEST(rep.stats().records == 600u);
    BOOST_TEST(rep.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(the_date_is_utc_and_comes_from_the_record_not_the_clock) {
    temp_dir dir;
    reporter rep;
    const auto last_second = sys_days{year{2024} / 12 / 31} + 23h + 59min + 59s + 999ms;
    {
        ink::sink::category_files<> sink(context_for(dir.path(), rep));
        sink.write(record_at(last_second, "engine"), json_line(1));
        sink.write(record_at(last_second + 1ms, "engine"), json_line(2));
        sink.write(record_at(last_second, "engine"), json_line(3));  // a late record of the old day
        sink.write(record_at(ink::time_point{}, "engine"), json_line(4));
    }
    BOOST_TEST(read_lines(dir / "2024-12-31/engine.jsonl").size() == 2u);
    BOOST_TEST(read_lines(dir / "2025-01-01/engine.jsonl").size() == 1u);
    BOOST_TEST(read_lines(dir / "1970-01-01/engine.jsonl").size() == 1u);
    BOOST_TEST(files_below(dir.path()).size() == 3u);
}

BOOST_AUTO_TEST_CASE(empty_category_goes_to_general) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::category_files<> sink(context_for(dir.path(), rep));
        sink.write(record_at(fixed_time, ""), json_line(1));
    }
    BOOST_TEST(read_lines(dir / "2024-12-20/general.jsonl").size() == 1u);
}

BOOST_AUTO_TEST_CASE(custom_extension) {
    temp_dir dir;
    reporter rep;
    {
        ink::sink::category_files<".log"> sink(context_for(dir.path(), rep));
        sink.write(record_at(fixed_time, "engine"), "text line\n");
    }
    BOOST_TEST(read_file(dir / "2024-12-20/engine.log") == "text line\n");
}

BOOST_AUTO_TEST_CASE(hostile_categories_never_leave_the_date_folder) {
    temp_dir root;
    reporter rep;
    const std::vector<std::string> hostile = {"../x",  "/etc/passwd",     "a\nb",         "a\0b"s,
                                              "..",    ".",               std::string(300, 'z'),
                                              "../../../../tmp/evil",     "\xff\xfe", "con\x1b[31m",
                                              std::string(300, 'z') + "2"};
    {
        ink::sink::category_files<> sink(context_for(root / "logs", rep));
        int n = 0;
        for (const auto& c : hostile) sink.write(record_at(fixed_time, c), json_line(n++));
        sink.flush();
    }
    // "a\nb" and "a\0b" share a file (both "a_b"); the two 300-byte names stay apart.
    std::set<std::string> names;
    for (const auto& c : hostile) {
        std::string s;
        ink::detail::sanitize_file_component(c, s);
        names.insert(s + ".jsonl");
    }
    BOOST_TEST(names.size() == hostile.size() - 1);
    auto files = files_below(root.path());
    BOOST_TEST(files.size() == names.size());
    std::size_t lines = 0;
    for (const auto& f : files) {
        BOOST_TEST(names.count(f.filename().string()) == 1u);
        BOOST_TEST(f.parent_path() == root / "logs/2024-12-20");
        BOOST_TEST(is_below(f, root / "logs"));
        auto stem = f.stem().string();
        BOOST_TEST(is_sane_component(stem));
        BOOST_TEST(stem.size() <= 64u);
        BOOST_TEST(f.extension() == ".jsonl");
        lines += read_jsonl(f).size();
    }
    BOOST_TEST(lines == hostile.size());
    BOOST_TEST(rep.stats().records == hostile.size());
}

// 64 files open at most, and one descriptor more: the day's folder, held open.
BOOST_AUTO_TEST_CASE(at_most_64_files_open_least_recently_used_closed_first) {
    temp_dir dir;
    reporter rep;
    constexpr int categories = 100;
    auto descriptors = [] {
        return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}) - 1;  // less the iterator's
    };
    const auto before = descriptors();
    {
        ink::sink::category_files<> sink(context_for(dir.path(), rep));
        for (int round = 0; round < 3; ++round) {
            for (int c = 0; c < categories; ++c) {
                auto name = "cat" + std::to_string(c);
                sink.write(record_at(fixed_time, name), json_line(round, name));
                BOOST_TEST(sink.open_files() <= 64u);
                BOOST_TEST(descriptors() - before <= 65);
            }
        }
        BOOST_TEST(sink.open_files() == 64u);
        BOOST_TEST(descriptors() - before == 65);
        // The most recently used files stay open: writing to one costs no open.
        sink.write(record_at(fixed_time, "cat99"), json_line(3, "cat99"));
        BOOST_TEST(sink.open_files() == 64u);
    }
    BOOST_TEST(descriptors() == before);
    BOOST_TEST(files_below(dir.path()).size() == static_cast<std::size_t>(categories));
    for (int c = 0; c < categories; ++c) {
        auto lines = read_jsonl(dir / "2024-12-20" / ("cat" + std::to_string(c) + ".jsonl"));
        BOOST_REQUIRE(lines.size() == (c == 99 ? 4u : 3u));
        for (std::size_t r = 0; r < lines.size(); ++r) BOOST_TEST(lines[r]["n"] == static_cast<int>(r));
    }
    BOOST_TEST(rep.stats().records == 301u);
}

BOOST_AUTO_TEST_CASE(files_of_an_earlier_day_close_when_the_date_changes) {
    temp_dir dir;
    reporter rep;
    ink::sink::category_files<> sink(context_for(dir.path(), rep));
    for (auto c : {"engine", "ui", "ecs"}) sink.write(record_at(fixed_time, c), json_line(1, c));
    BOOST_TEST(sink.open_files() == 3u);
    sink.write(record_at(fixed_time + 24h, "engine"), json_line(2, "engine"));
    BOOST_TEST(sink.open_files() == 1u);
    // The closed files were flushed on the way out.
    BOOST_TEST(read_lines(dir / "2024-12-20/ui.jsonl").size() == 1u);
    sink.flush();
    BOOST_TEST(read_lines(dir / "2024-12-21/engine.jsonl").size() == 1u);
    BOOST_TEST(rep.stats().records == 4u);
}

BOOST_AUTO_TEST_CASE(a_restart_appends_to_the_existing_files) {
    temp_dir dir;
    reporter rep;
    for (int run = 0; run < 2; ++run) {
        ink::sink::category_files<> sink(context_for(dir.path(), rep));
        sink.write(record_at(fixed_time, "engine"), json_line(run, "engine"));
    }
    auto lines = read_jsonl(dir / "2024-12-20/engine.jsonl");
    BOOST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[0]["n"] == 0);
    BOOST_TEST(lines[1]["n"] == 1);
}

BOOST_AUTO_TEST_SUITE_END()
