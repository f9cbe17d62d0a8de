#define BOOST_TEST_MODULE file_policies
#include <boost/test/unit_test.hpp>

// Retention and compression as a user configures them: through the config,
// bound into the file sinks by the logger, on real folders.

#include "inkwell_under_test.hpp"
#include "sink_test_support.hpp"
#include "test_support.hpp"

#include <inkwell/compress/gzip.hpp>

#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fs = std::filesystem;
namespace ink = inkwell;
using namespace std::chrono;
using sink_test_support::context_for;
using sink_test_support::record_at;
using sink_test_support::reporter;
using test_support::read_file;
using test_support::read_jsonl;
using test_support::temp_dir;

namespace {

// What zlib reads back from a .gz file (any gzip reader would do).
std::string gunzip(const fs::path& p) {
    gzFile f = gzopen(p.c_str(), "rb");
    BOOST_REQUIRE_MESSAGE(f != nullptr, "cannot open " << p);
    std::string out;
    char buffer[4096];
    for (int n; (n = gzread(f, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
    gzclose(f);
    return out;
}

void put(const fs::path& p, std::string_view content = "{\"level\":\"info\",\"message\":\"old\"}\n") {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    BOOST_REQUIRE(out.good());
}

// "YYYY-MM-DD" of the UTC day `days_ago` days before today.
std::string utc_day(int days_ago) {
    const auto day = floor<days>(ink::clock_type::now()) - days{days_ago};
    const year_month_day ymd{day};
    char text[32];  // room for any int year: -O3 checks the worst case
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return text;
}

// Every entry below `dir` (not following links), relative, sorted.
std::set<std::string> tree(const fs::path& dir) {
    std::set<std::string> out;
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
        out.insert(fs::relative(it->path(), dir).string());
    return out;
}

// The number at the end of a line "... record <n>\n" (text or JSONL).
int record_number(std::string_view line) {
    const auto at = line.rfind("record ");
    BOOST_REQUIRE_MESSAGE(at != std::string_view::npos, "not a record line: " << line);
    int n = 0;
    for (std::size_t i = at + 7; i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) n = n * 10 + (line[i] - '0');
    return n;
}

std::vector<int> record_numbers(const std::string& text) {
    std::vector<int> out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
        out.push_back(record_number(std::string_view{text}.substr(start, nl - start)));
    BOOST_TEST(start == text.size());  // every line whole
    return out;
}

// A size rotation the environment cannot change (INKWELL_LOG_MAX_SIZE_MB...).
template <std::uint64_t Bytes, unsigned Backups>
struct fixed_size_rotation : ink::rotate::by_size<Bytes, Backups> {
    fixed_size_rotation() noexcept : ink::rotate::by_size<Bytes, Backups>(Bytes, Backups) {}
};

// --- configs as users write them

struct jsonl_gzip_config : ink::presets::jsonl_per_category_config {
    using compression = ink::compress::gzip<>;
};

struct text_gzip_config : ink::presets::rotating_text_config {
    using sink = ink::presets::rotating_text_files;  // the files, without the console
    using rotation = fixed_size_rotation<2048, 3>;
    using compression = ink::compress::gzip<>;
};

struct text_gzip_max_files_config : text_gzip_config {
    using retention = ink::retain::max_files<3>;
};

}  // namespace

// A config written from scratch, without retention and compression members
// (outside the unnamed namespace: clang would call its unread members unused).
struct plain_config {
    using sink = ink::sink::rotating_file<>;
    using formatter = ink::format::text;
    using classifier = ink::classify::fixed<"general">;
    using dedup = ink::dedup::none;
    using buffer = ink::buffer::immediate;
    using rotation = fixed_size_rotation<1024, 2>;
    static constexpr ink::level min_level = ink::level::trace;
    static constexpr ink::level default_level = ink::level::info;
    static constexpr std::string_view level_env = "INKWELL_LEVEL";
    static constexpr std::string_view directory = "logs";
    static constexpr std::string_view base_name = "app";
    static constexpr unsigned file_mode = 0644;
    static constexpr unsigned directory_mode = 0755;
    static constexpr std::size_t max_message_bytes = 1024;
};

namespace {

template <class Logger>
void wait_for_text_compression(Logger& log) {
    log.with_sink([](auto& files) {
        files.template get<0>().wait_for_compression();
        files.template get<1>().inner().inner().wait_for_compression();
    });
}

}  // namespace

// --- what the config binds into the sinks

using jsonl_sink = ink::basic_logger<ink::presets::jsonl_per_category_config>::sink_type;
static_assert(std::is_same_v<jsonl_sink::retention_type, ink::retain::max_age<7>>);
static_assert(std::is_same_v<jsonl_sink::compression_type, ink::compress::none>);
static_assert(std::is_same_v<jsonl_sink::rotation_type, ink::rotate::by_size<10 * 1024 * 1024>>);
using jsonl_gzip_sink = ink::basic_logger<jsonl_gzip_config>::sink_type;
static_assert(std::is_same_v<jsonl_gzip_sink::compression_type, ink::compress::gzip<>>);
static_assert(std::is_same_v<jsonl_gzip_sink::retention_type, ink::retain::max_age<7>>);  // with_X keeps the rest
// tee -> level_filter -> fixed_rotation pass both on; the error file keeps its own rotation.
using text_sink = ink::basic_logger<text_gzip_max_files_config>::sink_type;
using text_main = std::remove_cvref_t<decltype(std::declval<text_sink&>().get<0>())>;
using text_errors = std::remove_cvref_t<decltype(std::declval<text_sink&>().get<1>().inner().inner())>;
static_assert(std::is_same_v<text_main::compression_type, ink::compress::gzip<>>);
static_assert(std::is_same_v<text_main::retention_type, ink::retain::max_files<3>>);
static_assert(std::is_same_v<text_main::rotation_type, fixed_size_rotation<2048, 3>>);
static_assert(std::is_same_v<text_errors::compression_type, ink::compress::gzip<>>);
static_assert(std::is_same_v<text_errors::retention_type, ink::retain::max_files<3>>);
static_assert(std::is_same_v<text_errors::rotation_type, ink::presets::rotating_text_error_rotation>);
// Defaults change nothing: the presets' sinks are the types they name.
static_assert(std::is_same_v<ink::basic_logger<ink::presets::session_file_config>::sink_type,
                             ink::sink::tee<ink::sink::session_file, ink::sink::recent<1000>, ink::sink::live>>);
static_assert(std::is_same_v<ink::basic_logger<plain_config>::sink_type::retention_type, ink::retain::never>);
static_assert(std::is_same_v<ink::basic_logger<plain_config>::sink_type::compression_type, ink::compress::none>);
static_assert(std::is_same_v<ink::default_config::retention, ink::retain::never>);
static_assert(std::is_same_v<ink::default_config::compression, ink::compress::none>);

BOOST_AUTO_TEST_SUITE(retention)

BOOST_AUTO_TEST_CASE(the_jsonl_preset_removes_exactly_the_expired_date_folders_at_its_first_record) {
    temp_dir dir;
    // 10 and 8 days old: expired (their last record is more than 7 days old);
    // 7 and 6 days old: kept (a record of the 7th day is at most 7 days old).
    for (int age : {10, 8, 7, 6}) {
        put(dir / utc_day(age) / "engine.jsonl");
        put(dir / utc_day(age) / "engine+1.jsonl");
    }
    put(dir / utc_day(10) / "general.jsonl.gz", "compressed by an earlier run");
    // Not inkwell's: survive whatever their age.
    put(dir / "notes.txt");
    put(dir / utc_day(8) / "keep-me.txt");
    put(dir / "2020-01-01-backup" / "engine.jsonl");
    put(dir / "archive" / "2020-01-01" / "engine.jsonl");
    for (const auto& p : fs::recursive_directory_iterator(dir.path()))  // mtimes say nothing: the folder's name does
        fs::last_write_time(p.path(), fs::file_time_type::clock::now() - hours{24 * 30});
    const auto before = tree(dir.path());

    ink::presets::jsonl_per_category log({.directory = dir.path().string()});
    log.flush();
    BOOST_TEST(tree(dir.path()) == before);  // start-up is the first record, on the writer thread

    INKWELL_INFO(log, "GameEngine: started");
    log.flush();
    std::set<std::string> expected = before;
    for (const char* gone : {"engine.jsonl", "engine+1.jsonl", "general.jsonl.gz"}) expected.erase(utc_day(10) + "/" + gone);
    expected.erase(utc_day(10));  // left empty: removed
    for (const char* gone : {"engine.jsonl", "engine+1.jsonl"}) expected.erase(utc_day(8) + "/" + gone);
    expected.insert(utc_day(0));
    expected.insert(utc_day(0) + "/engine.jsonl");
    BOOST_TEST(tree(dir.path()) == expected, boost::test_tools::per_element());
    BOOST_TEST(read_jsonl(dir / utc_day(0) / "engine.jsonl").size() == 1u);
    BOOST_TEST(log.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(a_config_without_retention_and_compression_members_keeps_every_file) {
    temp_dir dir;
    put(dir / "app.log.1", "[old] record 0\n");
    fs::last_write_time(dir / "app.log.1", fs::file_time_type::clock::now() - hours{24 * 400});
    ink::basic_logger<plain_config> log({.directory = dir.path().string()});
    for (int i = 0; i < 30; ++i) log.info("record {}", i);  // about 45 bytes a line: one rotation at 1 KiB
    log.flush();
    BOOST_TEST(fs::exists(dir / "app.log.1"));
    BOOST_TEST(read_file(dir / "app.log.2") == "[old] record 0\n");  // moved along, never deleted
    BOOST_TEST(!fs::exists(dir / "app.log.1.gz"));
    BOOST_TEST(log.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(session_files_of_earlier_sessions_expire_and_this_one_stays) {
    struct config : ink::presets::session_file_config {
        using retention = ink::retain::max_age<7>;
    };
    temp_dir dir;
    const std::string old_session = "session_2020-01-01T00-00-00Z_old.jsonl";
    const std::string recent_session = "session_2030-01-01T00-00-00Z_recent.jsonl";
    put(dir / old_session);
    put(dir / recent_session);
    put(dir / "session_notes.txt");
    fs::last_write_time(dir / old_session, fs::file_time_type::clock::now() - hours{24 * 8});
    fs::last_write_time(dir / "session_notes.txt", fs::file_time_type::clock::now() - hours{24 * 8});
    ink::basic_logger<config> log({.name = "svc", .directory = dir.path().string()});
    log.info("record {}", 1);
    log.flush();
    BOOST_TEST(!fs::exists(dir / old_session));
    BOOST_TEST(fs::exists(dir / recent_session));
    BOOST_TEST(fs::exists(dir / "session_notes.txt"));
    std::string own;
    log.with_sink([&](auto& s) { own = s.template get<0>().path(); });
    BOOST_TEST(read_jsonl(own).size() == 2u);  // "session started" and the record
}

BOOST_AUTO_TEST_CASE(a_failed_clean_up_reports_as_retention) {
    temp_dir dir;
    reporter rep;
    put(dir / "not-a-folder");
    ink::retain::max_age<7> policy;
    auto done = ink::retain::apply(policy, {(dir / "not-a-folder").string(), ink::retain::layout::date_folders(".jsonl")},
                                   ink::clock_type::now(), &rep.errors);
    BOOST_TEST(done.errors == 1u);
    BOOST_REQUIRE(rep.events.size() == 1u);
    BOOST_TEST((rep.events[0].kind == ink::error_kind::retention));
    BOOST_TEST(rep.events[0].system_error == ENOTDIR);
    BOOST_TEST(ink::error_kind_name(ink::error_kind::retention) == "retention");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(compression)

BOOST_AUTO_TEST_CASE(rotated_text_backups_are_gzipped_shifted_and_counted_and_hold_exactly_the_records) {
    temp_dir dir;
    constexpr int count = 400;  // about 60 bytes a line: 2 KiB holds about 30, so a dozen rotations
    {
        ink::basic_logger<text_gzip_config> log({.name = "game.engine", .directory = dir.path().string()});
        for (int i = 0; i < count; ++i) {
            log.info("record {}", i);
            if (i % 50 == 49) wait_for_text_compression(log);  // let some finish between rotations, not all
        }
        log.flush();
        wait_for_text_compression(log);
        BOOST_TEST(log.stats().errors == 0u);
    }
    // Three backups, all compressed; a fourth never exists in any form.
    for (int n = 1; n <= 3; ++n) {
        BOOST_TEST(fs::exists(dir / ("app.log." + std::to_string(n) + ".gz")));
        BOOST_TEST(!fs::exists(dir / ("app.log." + std::to_string(n))));
    }
    BOOST_TEST(!fs::exists(dir / "app.log.4"));
    BOOST_TEST(!fs::exists(dir / "app.log.4.gz"));
    for (const auto& p : fs::directory_iterator(dir.path()))
        BOOST_TEST(p.path().extension() != ".part", "a partial file is left: " << p.path());
    // Oldest to newest, the lines are the last records, each exactly once, in order.
    std::vector<int> numbers;
    for (int n = 3; n >= 1; --n) {
        auto part = record_numbers(gunzip(dir / ("app.log." + std::to_string(n) + ".gz")));
        BOOST_TEST(!part.empty());
        numbers.insert(numbers.end(), part.begin(), part.end());
    }
    auto active = record_numbers(read_file(dir / "app.log"));
    numbers.insert(numbers.end(), active.begin(), active.end());
    BOOST_REQUIRE(!numbers.empty());
    BOOST_TEST(numbers.back() == count - 1);
    BOOST_TEST(numbers.size() > 3 * 25u);  // three full backups and the active file
    for (std::size_t i = 1; i < numbers.size(); ++i) BOOST_TEST_REQUIRE(numbers[i] == numbers[i - 1] + 1);
}

BOOST_AUTO_TEST_CASE(size_rotation_shifts_plain_and_compressed_backups_alike_and_drops_the_oldest_form) {
    temp_dir dir;
    put(dir / "app.log.1.gz", "one");
    put(dir / "app.log.2", "two");
    put(dir / "app.log.3.gz", "three, the oldest");
    put(dir / "app.log.3", "three, also the oldest");
    put(dir / "app.log.10.gz", "not a backup this policy makes");
    ink::rotate::by_size<1, 3> policy(1, 3);
    const std::string folder = dir.path().string();
    put(dir / "app.log", "active\n");
    auto done = policy.rotate({folder, "app.log", "app.log.", "", 7, {}});
    BOOST_TEST(done.moved);
    BOOST_TEST(done.backup == folder + "/app.log.1");
    BOOST_TEST(read_file(dir / "app.log.1") == "active\n");
    BOOST_TEST(read_file(dir / "app.log.2.gz") == "one");
    BOOST_TEST(read_file(dir / "app.log.3") == "two");
    BOOST_TEST(!fs::exists(dir / "app.log.3.gz"));
    BOOST_TEST(!fs::exists(dir / "app.log.1.gz"));
    BOOST_TEST(!fs::exists(dir / "app.log.2"));
    BOOST_TEST(fs::exists(dir / "app.log.10.gz"));
    // Category backups: engine+1.jsonl.gz -> engine+2.jsonl.gz.
    put(dir / "d" / "engine+1.jsonl.gz", "gz one");
    put(dir / "d" / "engine.jsonl", "active\n");
    done = policy.rotate({folder + "/d", "engine.jsonl", "engine+", ".jsonl", 7, {}});
    BOOST_TEST(done.moved);
    BOOST_TEST(read_file(dir / "d" / "engine+2.jsonl.gz") == "gz one");
    BOOST_TEST(read_file(dir / "d" / "engine+1.jsonl") == "active\n");
}

BOOST_AUTO_TEST_CASE(a_day_roll_compresses_the_days_before_the_previous_one) {
    temp_dir dir;
    reporter rep;
    const auto d0 = sink_test_support::fixed_time;  // 2024-12-20
    const auto d1 = d0 + days{1}, d2 = d0 + days{2}, d3 = d0 + days{3};
    auto line = [](int n) { return "{\"level\":\"info\",\"message\":\"record " + std::to_string(n) + "\"}\n"; };
    using files = ink::sink::category_files<".jsonl", ink::rotate::never, ink::retain::never, ink::compress::gzip<>>;
    {
        files sink(context_for(dir.path(), rep));
        sink.write(record_at(d0, "engine"), line(0));
        sink.write(record_at(d0, "net"), line(1));
        sink.write(record_at(d1, "engine"), line(2));  // the 20th is now the previous day: stays
        sink.flush();
        sink.wait_for_compression();
        BOOST_TEST(read_file(dir / "2024-12-20" / "engine.jsonl") == line(0));
        BOOST_TEST(!fs::exists(dir / "2024-12-20" / "engine.jsonl.gz"));

        sink.write(record_at(d1, "net"), line(3));
        sink.write(record_at(d0, "engine"), line(4));  // a late record of the 20th: reopens its file
        sink.write(record_at(d2, "engine"), line(5));  // the 20th is two days back now: compressed
        sink.flush();
        sink.wait_for_compression();
        BOOST_TEST(gunzip(dir / "2024-12-20" / "engine.jsonl.gz") == line(0) + line(4));
        BOOST_TEST(gunzip(dir / "2024-12-20" / "net.jsonl.gz") == line(1));
        BOOST_TEST(!fs::exists(dir / "2024-12-20" / "engine.jsonl"));
        BOOST_TEST(!fs::exists(dir / "2024-12-20" / "net.jsonl"));
        BOOST_TEST(read_file(dir / "2024-12-21" / "engine.jsonl") == line(2));  // the previous day stays
        BOOST_TEST(read_file(dir / "2024-12-22" / "engine.jsonl") == line(5));

        // A record days late makes its file anew; the compressed copy is never overwritten.
        sink.write(record_at(d0, "engine"), line(6));
        sink.write(record_at(d3, "engine"), line(7));  // compresses the 21st; the 20th's new file stays
        sink.flush();
        sink.wait_for_compression();
        BOOST_TEST(gunzip(dir / "2024-12-20" / "engine.jsonl.gz") == line(0) + line(4));
        BOOST_TEST(read_file(dir / "2024-12-20" / "engine.jsonl") == line(6));
        BOOST_TEST(gunzip(dir / "2024-12-21" / "engine.jsonl.gz") == line(2));
        BOOST_TEST(gunzip(dir / "2024-12-21" / "net.jsonl.gz") == line(3));
        BOOST_TEST(read_file(dir / "2024-12-22" / "engine.jsonl") == line(5));
    }
    BOOST_TEST(rep.events.empty());
    BOOST_TEST(rep.stats().records == 8u);
}

BOOST_AUTO_TEST_CASE(category_backups_are_compressed_as_rotation_makes_them) {
    temp_dir dir;
    reporter rep;
    using files = ink::sink::category_files<".jsonl", fixed_size_rotation<256, 4>, ink::retain::never,
                                            ink::compress::gzip<>>;
    std::string all;
    {
        files sink(context_for(dir.path(), rep));
        for (int i = 0; i < 40; ++i) {  // about 45 bytes a line: a rotation every 5 or so, 8 in all
            std::string l = "{\"level\":\"info\",\"message\":\"record " + std::to_string(i) + "\"}\n";
            sink.write(record_at(sink_test_support::fixed_time, "engine"), l);
            all += l;
        }
        sink.flush();
        sink.wait_for_compression();
    }
    const fs::path day = dir / "2024-12-20";
    std::vector<int> numbers;
    for (int n = 4; n >= 1; --n) {
        const fs::path backup = day / ("engine+" + std::to_string(n) + ".jsonl.gz");
        BOOST_TEST_REQUIRE(fs::exists(backup));
        BOOST_TEST(!fs::exists(day / ("engine+" + std::to_string(n) + ".jsonl")));
        auto part = record_numbers(gunzip(backup));
        numbers.insert(numbers.end(), part.begin(), part.end());
    }
    BOOST_TEST(!fs::exists(day / "engine+5.jsonl.gz"));
    auto active = record_numbers(read_file(day / "engine.jsonl"));
    numbers.insert(numbers.end(), active.begin(), active.end());
    BOOST_TEST(numbers.back() == 39);
    for (std::size_t i = 1; i < numbers.size(); ++i) BOOST_TEST_REQUIRE(numbers[i] == numbers[i - 1] + 1);
    BOOST_TEST(rep.events.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(together)

BOOST_AUTO_TEST_CASE(the_jsonl_preset_with_gzip_removes_expired_days_compresses_older_ones_and_keeps_yesterday) {
    temp_dir dir;
    put(dir / utc_day(9) / "engine.jsonl");
    put(dir / utc_day(3) / "engine.jsonl", "{\"level\":\"info\",\"message\":\"three days ago\"}\n");
    put(dir / utc_day(3) / "net+1.jsonl", "{\"level\":\"info\",\"message\":\"a backup\"}\n");
    put(dir / utc_day(3) / "notes.txt", "not ours");
    put(dir / utc_day(1) / "engine.jsonl", "{\"level\":\"info\",\"message\":\"yesterday\"}\n");
    {
        ink::basic_logger<jsonl_gzip_config> log({.directory = dir.path().string()});
        INKWELL_INFO(log, "GameEngine: started");
        log.flush();
        log.with_sink([](auto& s) { s.wait_for_compression(); });
        BOOST_TEST(log.stats().errors == 0u);
    }
    BOOST_TEST(!fs::exists(dir / utc_day(9)));
    BOOST_TEST(gunzip(dir / utc_day(3) / "engine.jsonl.gz") == "{\"level\":\"info\",\"message\":\"three days ago\"}\n");
    BOOST_TEST(gunzip(dir / utc_day(3) / "net+1.jsonl.gz") == "{\"level\":\"info\",\"message\":\"a backup\"}\n");
    BOOST_TEST(!fs::exists(dir / utc_day(3) / "engine.jsonl"));
    BOOST_TEST(read_file(dir / utc_day(3) / "notes.txt") == "not ours");
    BOOST_TEST(read_file(dir / utc_day(1) / "engine.jsonl") == "{\"level\":\"info\",\"message\":\"yesterday\"}\n");
    BOOST_TEST(read_jsonl(dir / utc_day(0) / "engine.jsonl").size() == 1u);
    // Compressed files expire like plain ones (their folder's day says their age).
    fs::rename(dir / utc_day(3), dir / utc_day(12));
    {
        ink::basic_logger<jsonl_gzip_config> log({.directory = dir.path().string()});
        INKWELL_INFO(log, "GameEngine: started again");
        log.flush();
    }
    BOOST_TEST(!fs::exists(dir / utc_day(12) / "engine.jsonl.gz"));
    BOOST_TEST(!fs::exists(dir / utc_day(12) / "net+1.jsonl.gz"));
    BOOST_TEST(fs::exists(dir / utc_day(12) / "notes.txt"));
}

BOOST_AUTO_TEST_CASE(max_files_counts_compressed_backups_and_the_active_file) {
    temp_dir dir;
    {
        ink::basic_logger<text_gzip_max_files_config> log({.name = "game.engine", .directory = dir.path().string()});
        for (int i = 0; i < 200; ++i) {
            log.info("record {}", i);
            wait_for_text_compression(log);
        }
        log.flush();
        wait_for_text_compression(log);
        BOOST_TEST(log.stats().errors == 0u);
    }
    // Three files of app.log's: the active one and the two newest backups, compressed.
    std::set<std::string> names;
    for (const auto& p : fs::directory_iterator(dir.path())) names.insert(p.path().filename().string());
    BOOST_TEST((names == std::set<std::string>{"app.log", "app.log.1.gz", "app.log.2.gz"}),
               boost::test_tools::per_element());
    std::vector<int> numbers;
    for (const char* backup : {"app.log.2.gz", "app.log.1.gz"}) {
        auto part = record_numbers(gunzip(dir / backup));
        numbers.insert(numbers.end(), part.begin(), part.end());
    }
    auto active = record_numbers(read_file(dir / "app.log"));
    numbers.insert(numbers.end(), active.begin(), active.end());
    BOOST_TEST(numbers.back() == 199);
    for (std::size_t i = 1; i < numbers.size(); ++i) BOOST_TEST_REQUIRE(numbers[i] == numbers[i - 1] + 1);
}

BOOST_AUTO_TEST_SUITE_END()
