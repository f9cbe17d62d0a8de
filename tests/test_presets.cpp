// The three presets, used as a user would: one line to make, real files in a
// temporary folder, read back and parsed.
#define BOOST_TEST_MODULE presets
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

const std::vector<std::string> jsonl_keys = {"level", "message", "category", "timestamp", "source", "sessionId", "metadata"};

}  // namespace

BOOST_AUTO_TEST_CASE(jsonl_per_category_writes_a_folder_per_day_and_a_file_per_category) {
    temp_dir dir;
    std::string session;
    unsigned line_of_first = 0;
    {
        inkwell::presets::jsonl_per_category log({.directory = dir.path()});
        session = std::string(log.session_id());
        line_of_first = __LINE__ + 1;
        INKWELL_DEBUG(log, "GameEngine: Constructor called");
        INKWELL_DEBUG(log, "EntityManager: Creating entity {}", "actor_1234", inkwell::kv("entityId", "actor_1234"));
        INKWELL_INFO(log, "UI Renderer ready");
        INKWELL_INFO(log, "startup step {}", 7);
        INKWELL_ERROR(log, "Could not Save slot {}", "disk", inkwell::kv("slot", 2));
    }  // destruction flushes
    auto files = test_support::files_below(dir.path());
    std::set<std::string> names;
    for (const auto& f : files) {
        names.insert(f.filename().string());
        // logs/YYYY-MM-DD/<category>.jsonl: one folder level, named by date
        BOOST_TEST(f.parent_path().parent_path() == dir.path());
        BOOST_TEST(std::regex_match(f.parent_path().filename().string(), std::regex(R"(\d{4}-\d\d-\d\d)")));
        for (const auto& j : test_support::read_jsonl(f)) {
            BOOST_TEST(f.filename().string() == j["category"].get<std::string>() + ".jsonl");
            BOOST_TEST(j["timestamp"].get<std::string>().substr(0, 10) == f.parent_path().filename().string());
            BOOST_TEST(j["sessionId"].get<std::string>() == session);
            BOOST_TEST(j.size() == jsonl_keys.size());
        }
    }
    BOOST_TEST((names == std::set<std::string>{"engine.jsonl", "ecs.jsonl", "ui.jsonl", "general.jsonl", "persistence.jsonl"}));

    // The exact line, field order included, as jsonl-per-category-storage.md shows it.
    fs::path engine;
    for (const auto& f : files)
        if (f.filename() == "engine.jsonl") engine = f;
    auto raw = test_support::read_lines(engine);
    BOOST_REQUIRE(raw.size() == 1u);
    std::regex shape(R"(\{"level":"debug","message":"GameEngine: Constructor called","category":"engine",)"
                     R"("timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","source":"test_presets\.cpp:)" +
                     std::to_string(line_of_first) + R"(","sessionId":"[0-9a-f-]{36}","metadata":\{\}\})");
    BOOST_TEST(std::regex_match(raw[0], shape), raw[0]);

    for (const auto& f : files) {
        if (f.filename() != "ecs.jsonl") continue;
        auto j = test_support::read_jsonl(f).at(0);
        BOOST_TEST(j["message"] == "EntityManager: Creating entity actor_1234");
        BOOST_TEST(j["metadata"]["entityId"] == "actor_1234");
        BOOST_TEST(j["level"] == "debug");
    }
}

BOOST_AUTO_TEST_CASE(jsonl_files_are_mode_0644_and_session_ids_are_uuid_v4) {
    temp_dir dir;
    const auto old_mask = ::umask(0);
    {
        inkwell::presets::jsonl_per_category log({.directory = dir.path()});
        BOOST_TEST(std::regex_match(std::string(log.session_id()),
                                    std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
        INKWELL_INFO(log, "GameEngine started");
    }
    ::umask(old_mask);
    for (const auto& f : test_support::files_below(dir.path()))
        BOOST_TEST(static_cast<unsigned>(fs::status(f).permissions() & fs::perms::all) == 0644u);
}

namespace {
// Changing one thing: the same layout, written at once instead of in batches.
struct jsonl_unbuffered : inkwell::presets::jsonl_per_category_config {
    using buffer = inkwell::buffer::immediate;
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_derived_preset_changes_only_what_it_overrides) {
    temp_dir dir;
    inkwell::basic_logger<jsonl_unbuffered> log({.directory = dir.path()});
    INKWELL_INFO(log, "GameEngine tick {}", 1);
    // No flush, no destruction: immediate means it is on disk now.
    auto files = test_support::files_below(dir.path());
    BOOST_REQUIRE(files.size() == 1u);
    BOOST_TEST(files[0].filename() == "engine.jsonl");
    BOOST_TEST(test_support::read_jsonl(files[0]).size() == 1u);
    static_assert(std::is_same_v<inkwell::basic_logger<jsonl_unbuffered>::formatter_type, inkwell::format::jsonl>);
}

BOOST_AUTO_TEST_CASE(session_file_is_one_file_per_logger_lifetime) {
    temp_dir dir;
    std::string first_id, second_id;
    {
        inkwell::presets::session_file log({.name = "app.services.mic_input", .directory = dir.path()});
        log.classifier().map("app.services.mic_input", "mic");
        first_id = std::string(log.session_id());
        INKWELL_INFO(log, "listening on device {}", 2);
        INKWELL_WARN(log, "buffer underrun");
    }
    {
        inkwell::presets::session_file log({.name = "app.services.speech", .directory = dir.path()});
        second_id = std::string(log.session_id());
        INKWELL_INFO(log, "second session");
    }
    BOOST_TEST(first_id != second_id);
    auto files = test_support::files_below(dir.path());
    BOOST_REQUIRE(files.size() == 2u);
    int matched = 0;
    for (const auto& f : files) {
        const auto name = f.filename().string();
        BOOST_TEST(std::regex_match(name, std::regex(R"(session_\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ_[0-9a-f-]{36}\.jsonl)")), name);
        auto records = test_support::read_jsonl(f);
        // Every session file starts with the session's own record.
        BOOST_REQUIRE(!records.empty());
        const auto& start = records[0];
        BOOST_TEST(start["message"] == "session started");
        BOOST_TEST(start["category"] == "session");
        BOOST_TEST(start["metadata"]["pid"] == static_cast<long>(::getpid()));
        BOOST_TEST(start["metadata"]["program"] == "test_presets");
        BOOST_TEST(start["metadata"]["inkwellVersion"] == INKWELL_VERSION_STRING);
        BOOST_TEST(start["metadata"]["startTime"] == start["timestamp"]);
        // Entry ids: 1, 2, ... in the order written.
        for (std::size_t k = 0; k < records.size(); ++k) BOOST_TEST(records[k]["entryId"] == k + 1);
        if (name.find(first_id) != std::string::npos) {
            ++matched;
            BOOST_REQUIRE(records.size() == 3u);
            BOOST_TEST(records[1]["category"] == "mic");  // the service name mapping
            BOOST_TEST(records[2]["level"] == "warn");
            BOOST_TEST(records[1]["sessionId"] == first_id);
            BOOST_TEST(start["sessionId"] == first_id);
        } else if (name.find(second_id) != std::string::npos) {
            ++matched;
            BOOST_REQUIRE(records.size() == 2u);
            BOOST_TEST(records[1]["category"] == "speech");  // unmapped: the last part of the name
        }
    }
    BOOST_TEST(matched == 2);
}

BOOST_AUTO_TEST_CASE(rotating_text_writes_text_errors_and_console) {
    temp_dir dir;
    const auto console_out = dir / "console.txt";
    {
        test_support::redirect_fd stdout_capture(STDOUT_FILENO, console_out);
        inkwell::presets::rotating_text log({.name = "storyos.auth", .directory = dir.path(), .base_name = "storyos"});
        INKWELL_INFO(log, "User {} logged in successfully (duration: {:.2f}s)", "alice", 0.15);
        INKWELL_PERF(log, "process_player_input completed (duration: {:.2f}s)", 2.34);
        INKWELL_ERROR(log, "Database query failed: {}", "timeout");
        INKWELL_DEBUG(log, "below the default level");
    }
    const std::regex text_line(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \[([A-Z]+)\] \[auth\] (.*))");
    auto main_lines = test_support::read_lines(dir / "storyos.log");
    BOOST_REQUIRE(main_lines.size() == 3u);
    std::smatch m;
    BOOST_REQUIRE(std::regex_match(main_lines[0], m, text_line));
    BOOST_TEST(m[1] == "INFO");
    BOOST_TEST(m[2] == "User alice logged in successfully (duration: 0.15s)");
    BOOST_REQUIRE(std::regex_match(main_lines[1], m, text_line));
    BOOST_TEST(m[1] == "PERF");
    auto error_lines = test_support::read_lines(dir / "storyos_errors.log");
    BOOST_REQUIRE(error_lines.size() == 1u);
    BOOST_REQUIRE(std::regex_match(error_lines[0], m, text_line));
    BOOST_TEST(m[1] == "ERROR");
    // The console got the same three records (not a terminal here, so no colour codes).
    auto console = test_support::read_lines(console_out);
    BOOST_TEST(console.size() == 3u);
    BOOST_TEST(test_support::read_file(console_out).find('\x1b') == std::string::npos);
}

namespace {
struct rotating_files_only : inkwell::presets::rotating_text_config {
    using sink = inkwell::presets::rotating_text_files;
};
struct rotating_daily : rotating_files_only {
    using rotation = inkwell::rotate::daily<>;
};
}  // namespace

BOOST_AUTO_TEST_CASE(rotating_text_rotates_on_request_and_by_the_configured_policy) {
    temp_dir dir;
    {
        inkwell::basic_logger<rotating_files_only> log({.directory = dir.path()});
        INKWELL_INFO(log, "before rotation");
        log.rotate();
        INKWELL_INFO(log, "after rotation");
    }
    BOOST_TEST(test_support::read_lines(dir / "app.log").size() == 1u);
    BOOST_TEST(test_support::read_lines(dir / "app.log.1").size() == 1u);
    BOOST_TEST(test_support::read_lines(dir / "app.log.1")[0].find("before rotation") != std::string::npos);

    // Deriving to change the rotation policy only: the main file takes it, the error file keeps its own.
    using daily_sink = inkwell::basic_logger<rotating_daily>::sink_type;
    static_assert(!std::is_same_v<daily_sink, inkwell::basic_logger<rotating_files_only>::sink_type>);
    static_assert(std::is_same_v<inkwell::basic_logger<rotating_daily>::rotation_type, inkwell::rotate::daily<>>);
}

BOOST_AUTO_TEST_CASE(presets_take_their_level_from_the_environment) {
    temp_dir dir;
    ::setenv("INKWELL_LEVEL", "warn", 1);
    inkwell::basic_logger<rotating_files_only> log({.directory = dir.path()});
    ::unsetenv("INKWELL_LEVEL");
    INKWELL_INFO(log, "hidden");
    INKWELL_WARN(log, "shown");
    log.flush();
    auto lines = test_support::read_lines(dir / "app.log");
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0].find("[WARNING]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_error_file_keeps_its_own_rotation_whatever_the_environment) {
    ::setenv("INKWELL_LOG_MAX_SIZE_MB", "1", 1);
    ::setenv("INKWELL_LOG_BACKUP_COUNT", "2", 1);
    inkwell::presets::rotating_text_error_rotation errors;
    inkwell::rotate::by_size<> main_file;
    ::unsetenv("INKWELL_LOG_MAX_SIZE_MB");
    ::unsetenv("INKWELL_LOG_BACKUP_COUNT");
    BOOST_TEST(errors.max_bytes() == 5u * 1024 * 1024);
    BOOST_TEST(errors.backups() == 5u);
    BOOST_TEST(main_file.max_bytes() == 1u * 1024 * 1024);  // the main log follows the environment
    BOOST_TEST(main_file.backups() == 2u);
}
