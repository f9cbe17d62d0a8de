// Service names (issue 5, point 5): a mapping from logger names to short
// service names, used as the text preset's [module] and the JSON "category".
#define BOOST_TEST_MODULE service_names
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <unistd.h>

#include <string>

using test_support::temp_dir;

namespace {
struct text_files_only : inkwell::presets::rotating_text_config {
    using sink = inkwell::presets::rotating_text_files;  // no console
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_mapped_logger_name_is_the_text_module) {
    temp_dir dir;
    {
        inkwell::basic_logger<text_files_only> mic({.name = "app.services.mic_input", .directory = dir.path()});
        mic.classifier().map("app.services.mic_input", "mic");
        INKWELL_INFO(mic, "listening");
        inkwell::basic_logger<text_files_only> speech(
            {.name = "app.services.speech_to_text", .directory = dir.path(), .base_name = "speech"});
        speech.classifier().map("app.services", "services");  // a prefix: every logger below it
        INKWELL_INFO(speech, "model loaded");
    }
    const auto mic_lines = test_support::read_lines(dir / "app.log");
    BOOST_TEST_REQUIRE(mic_lines.size() == 1u);
    BOOST_TEST(mic_lines[0].find("] [INFO] [mic] listening") != std::string::npos);
    const auto speech_lines = test_support::read_lines(dir / "speech.log");
    BOOST_TEST_REQUIRE(speech_lines.size() == 1u);
    BOOST_TEST(speech_lines[0].find("] [INFO] [services] model loaded") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_mapped_logger_name_is_the_json_category_of_the_session_file) {
    temp_dir dir;
    {
        inkwell::presets::session_file log({.name = "app.services.mic_input", .directory = dir.path()});
        log.classifier().map("app.services.mic_input", "mic");
        INKWELL_WARN(log, "buffer underrun");
        // Records are classified where they are written: with the async buffer
        // a record still queued gets the mapping of that moment, so flush first.
        log.flush();
        log.classifier().map("app.services.mic_input", "microphone");  // changed while running
        INKWELL_WARN(log, "buffer underrun again");
    }
    const auto files = test_support::files_below(dir.path());
    BOOST_TEST_REQUIRE(files.size() == 1u);
    std::vector<std::string> categories;
    for (const auto& r : test_support::read_jsonl(files[0]))
        if (r["message"].get<std::string>().starts_with("buffer underrun")) categories.push_back(r["category"]);
    BOOST_TEST_REQUIRE(categories.size() == 2u);
    BOOST_TEST(categories[0] == "mic");
    BOOST_TEST(categories[1] == "microphone");
}
