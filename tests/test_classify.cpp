#define BOOST_TEST_MODULE classify
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "inkwell_under_test.hpp"

using namespace std::literals;
namespace classify = inkwell::classify;
using inkwell::level;

namespace {

inkwell::record message_record(std::string_view message, level severity = level::info) {
    inkwell::record r;
    r.message = message;
    r.severity = severity;
    return r;
}

inkwell::record named_record(std::string_view logger_name, level severity = level::info) {
    inkwell::record r;
    r.logger_name = logger_name;
    r.severity = severity;
    r.message = "GameEngine started";
    return r;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}
std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The default table's rules as words, to walk every keyword of the reference.
std::vector<std::string_view> words_of(std::string_view patterns) {
    std::vector<std::string_view> words;
    while (true) {
        auto bar = patterns.find('|');
        words.push_back(patterns.substr(0, bar));
        if (bar == std::string_view::npos) return words;
        patterns.remove_prefix(bar + 1);
    }
}

}  // namespace

// ---------------------------------------------------------------- compile time

// The category of a literal is known while compiling: these are static_asserts.
static_assert(classify::keyword<>::classify_literal("GameEngine: Constructor called") == "engine");
static_assert(classify::keyword<>::classify_literal("EntityManager: Creating entity") == "ecs");
static_assert(classify::keyword<>::classify_literal("Creating entity {} at {:>8}") == "ecs");
static_assert(classify::keyword<>::classify_literal("{} saved to storage") == "persistence");
static_assert(classify::keyword<>::classify_literal("validate {} with schema {}") == "validation");
static_assert(classify::keyword<>::classify_literal("DISPATCHING {}") == "events");
// No rule matches the literal: left to run time (the arguments may decide).
static_assert(classify::keyword<>::classify_literal("Hello {}").empty());
static_assert(classify::keyword<>::classify_literal("").empty());
// Text inside a replacement field is not message text.
static_assert(classify::keyword<>::classify_literal("x={GameEngine}").empty());
static_assert(classify::keyword<>::classify_literal("{:{}}entity") == "ecs");
// Pieces either side of a placeholder are never joined into one word.
static_assert(classify::keyword<>::classify_literal("Game{}Engine").empty());
// Escaped braces print as text; the words around them still count.
static_assert(classify::keyword<>::classify_literal("{{UI}} ready") == "ui");
// First rule in table order wins, wherever the word stands in the text.
static_assert(classify::keyword<>::classify_literal("entity shown on display") == "ui");

static_assert(classify::fixed<"audio">::classify_literal("GameEngine") == "audio");
static_assert(inkwell::policy::classifies_literals<classify::keyword<>>);
static_assert(inkwell::policy::classifies_literals<classify::fixed<"x">>);
static_assert(!inkwell::policy::classifies_literals<classify::by_level<>>);
static_assert(!inkwell::policy::classifies_literals<classify::by_name>);
static_assert(inkwell::policy::classifier<classify::keyword<>>);
static_assert(inkwell::policy::classifier<classify::fixed<"x">>);
static_assert(inkwell::policy::classifier<classify::by_name>);
static_assert(inkwell::policy::classifier<classify::by_level<>>);
static_assert(inkwell::policy::classifier<classify::by_level<level::warn, "problems", classify::keyword<>>>);

static_assert(classify::by_level<>::classify_call_site(level::error, "GameEngine") == "errors");
static_assert(classify::by_level<>::classify_call_site(level::info, "GameEngine") == "general");
static_assert(classify::by_level<level::error, "errors", classify::keyword<>>::classify_call_site(
                  level::info, "GameEngine {}") == "engine");
static_assert(classify::by_level<level::error, "errors", classify::by_name>::classify_call_site(
                  level::info, "GameEngine {}")
                  .empty());

namespace {
struct network_table {
    static constexpr classify::keyword_rule rules[] = {
        {"net", "socket|connect"},
        {"db", "query|SQL"},
    };
    static constexpr std::string_view fallback = "other";
};
struct one_byte_table {
    static constexpr classify::keyword_rule rules[] = {{"hash", "#"}, {"at", "@|at"}};
};
struct table_without_fallback {
    static constexpr classify::keyword_rule rules[] = {{"only", "only"}};
};
}  // namespace

static_assert(classify::keyword<network_table>::classify_literal("Running sql {}") == "db");
static_assert(classify::keyword<network_table>::classify_literal("GameEngine").empty());
static_assert(classify::keyword<network_table>::fallback == "other");
static_assert(classify::keyword<table_without_fallback>::fallback == "general");
// One-byte keywords match anywhere, the last byte included.
static_assert(classify::keyword<one_byte_table>::classify_literal("a#b") == "hash");
static_assert(classify::keyword<one_byte_table>::classify_literal("ab#") == "hash");
static_assert(classify::keyword<one_byte_table>::classify_literal("@") == "at");
static_assert(classify::keyword<one_byte_table>::classify_literal("AT ab#") == "hash");
static_assert(classify::keyword<one_byte_table>::classify_literal("A").empty());

// Stateless classifiers cost no bytes.
namespace {
struct holds_fixed {
    [[no_unique_address]] classify::fixed<"general"> classifier;
    int other;
};
struct holds_by_level {
    [[no_unique_address]] classify::by_level<> classifier;
    int other;
};
}  // namespace
static_assert(sizeof(holds_fixed) == sizeof(int));
static_assert(sizeof(holds_by_level) == sizeof(int));
static_assert(std::is_empty_v<classify::fixed<"general">>);

// ---------------------------------------------------------------- keyword, run time

BOOST_AUTO_TEST_CASE(every_keyword_of_the_reference_table_selects_its_category_in_any_case) {
    classify::keyword<> classifier;
    std::size_t checked = 0;
    for (const auto& rule : classify::default_keyword_table::rules) {
        for (auto word : words_of(rule.patterns)) {
            for (const std::string& spelled : {std::string(word), upper(word), lower(word)}) {
                std::string message = "# " + spelled + " #";
                BOOST_TEST(classifier.classify(message_record(message)) == rule.category, message);
                BOOST_TEST(classify::keyword<>::classify_literal(message) == rule.category, message);
                ++checked;
            }
        }
    }
    BOOST_TEST(checked == 3u * 36u);  // all 36 words of the reference table
}

BOOST_AUTO_TEST_CASE(the_default_table_has_the_reference_categories_in_order) {
    std::vector<std::string_view> categories;
    for (const auto& rule : classify::default_keyword_table::rules) categories.push_back(rule.category);
    std::vector<std::string_view> expected{"engine",  "ui",      "ecs",   "ai",     "persistence",
                                           "anatomy", "actions", "turns", "events", "validation"};
    BOOST_TEST(categories == expected, boost::test_tools::per_element());
    BOOST_TEST(classify::default_keyword_table::fallback == "general");
}

BOOST_AUTO_TEST_CASE(messages_of_the_reference_land_in_their_categories) {
    classify::keyword<> c;
    BOOST_TEST(c.classify(message_record("GameEngine: Constructor called")) == "engine");
    BOOST_TEST(c.classify(message_record("EntityManager: Creating entity")) == "ecs");
    BOOST_TEST(c.classify(message_record("LLM request sent")) == "ai");
    BOOST_TEST(c.classify(message_record("Saved slot 3")) == "persistence");
    BOOST_TEST(c.classify(message_record("descriptor for torso")) == "anatomy");
    BOOST_TEST(c.classify(message_record("Resolving target")) == "actions");
    BOOST_TEST(c.classify(message_record("next round begins")) == "turns");
    BOOST_TEST(c.classify(message_record("listener registered")) == "events");
    BOOST_TEST(c.classify(message_record("ajv compiled")) == "validation");
}

BOOST_AUTO_TEST_CASE(first_rule_in_table_order_wins_not_first_word_in_the_message) {
    classify::keyword<> c;
    BOOST_TEST(c.classify(message_record("Entity shown in UI")) == "ui");
    BOOST_TEST(c.classify(message_record("Saving entity to storage")) == "ecs");
    BOOST_TEST(c.classify(message_record("turn event for gameSession")) == "engine");
    BOOST_TEST(c.classify(message_record("event at end of turn")) == "turns");
}

BOOST_AUTO_TEST_CASE(matching_is_by_substring_as_the_reference_regexes_match) {
    classify::keyword<> c;
    // /UI/i matches inside "building"; /turn/i inside "returned": the reference does the same.
    BOOST_TEST(c.classify(message_record("building the world")) == "ui");
    BOOST_TEST(c.classify(message_record("value returned")) == "turns");
    BOOST_TEST(c.classify(message_record("keyword at the very end: ajv")) == "validation");
    BOOST_TEST(c.classify(message_record("Ajv")) == "validation");
}

BOOST_AUTO_TEST_CASE(unmatched_and_empty_messages_fall_back_to_general) {
    classify::keyword<> c;
    BOOST_TEST(c.classify(message_record("Hello there")) == "general");
    BOOST_TEST(c.classify(message_record("")) == "general");
    BOOST_TEST(c.classify(message_record("ajv"sv.substr(0, 2))) == "general");  // "aj": a keyword cut short
    BOOST_TEST(c.classify(message_record("\xc3\xa9t\xc3\xa9 \xff\x00 42"sv)) == "general");
}

BOOST_AUTO_TEST_CASE(a_literal_decision_agrees_with_the_run_time_one) {
    classify::keyword<> c;
    for (std::string_view m : {"GameEngine: Constructor called"sv, "EntityManager: Creating entity"sv,
                               "Building UI"sv, "memory low"sv, "Hello"sv, "cycle done"sv, "target locked"sv}) {
        auto at_compile_time = classify::keyword<>::classify_literal(m);
        auto at_run_time = c.classify(message_record(m));
        BOOST_TEST((at_compile_time.empty() ? at_run_time == "general" : at_compile_time == at_run_time), m);
    }
}

BOOST_AUTO_TEST_CASE(a_custom_table_and_its_fallback) {
    classify::keyword<network_table> c;
    BOOST_TEST(c.classify(message_record("CONNECT to 10.0.0.1")) == "net");
    BOOST_TEST(c.classify(message_record("slow query, then socket closed")) == "net");
    BOOST_TEST(c.classify(message_record("GameEngine")) == "other");
}

BOOST_AUTO_TEST_CASE(added_categories_come_after_the_table_and_before_the_fallback_in_order_added) {
    classify::keyword<> c;
    BOOST_TEST(c.classify(message_record("Audio mixer ready")) == "general");
    c.add_category("audio", {"Mixer", "sound"});
    c.add_category("mixing", {"mixer"});
    c.add_category("video", {"FRAME", "codec"});
    c.add_category("blank", {"", ""});
    c.add_category("percent", {"%"});

    BOOST_TEST(c.classify(message_record("Audio mixer ready")) == "audio");
    BOOST_TEST(c.classify(message_record("MIXER")) == "audio");       // first added wins
    BOOST_TEST(c.classify(message_record("frame mixer")) == "audio");  // order added, not position
    BOOST_TEST(c.classify(message_record("dropped frame")) == "video");
    BOOST_TEST(c.classify(message_record("sound of the GameEngine")) == "engine");  // the table first
    BOOST_TEST(c.classify(message_record("nothing here")) == "general");             // empty keywords never match
    BOOST_TEST(c.classify(message_record("load at 99%")) == "persistence");
    BOOST_TEST(c.classify(message_record("cpu at 99%")) == "percent");

    // A copy takes the added categories with it.
    classify::keyword<> copy(c);
    BOOST_TEST(copy.classify(message_record("codec")) == "video");
}

BOOST_AUTO_TEST_CASE(categories_added_while_four_threads_classify) {
    classify::keyword<> c;
    constexpr int categories = 200;
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0}, seen_added{0};

    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            std::vector<std::string> messages, names;
            for (int i = 0; i < categories; ++i) {
                messages.push_back("zz" + std::to_string(i) + "zz flushed");
                names.push_back("cat" + std::to_string(i));
            }
            std::vector<bool> resolved(categories, false);
            // Once `stop` is seen every category is in: one more round must resolve them all.
            for (bool last = false; !last;) {
                last = stop.load(std::memory_order_acquire);
                for (int i = 0; i < categories; ++i) {
                    auto category = c.classify(message_record(messages[static_cast<std::size_t>(i)]));
                    if (category == names[static_cast<std::size_t>(i)]) {
                        resolved[static_cast<std::size_t>(i)] = true;
                    } else if (category != "general" || resolved[static_cast<std::size_t>(i)]) {
                        ++bad;  // a wrong category, or an added one that disappeared again
                    }
                    if (c.classify(message_record("EntityManager")) != "ecs") ++bad;
                }
            }
            if (std::all_of(resolved.begin(), resolved.end(), [](bool b) { return b; })) ++seen_added;
        });
    }

    std::string_view first_category;
    for (int i = 0; i < categories; ++i) {
        c.add_category("cat" + std::to_string(i), {"ZZ" + std::to_string(i) + "ZZ"});
        if (i == 0) first_category = c.classify(message_record("zz0zz"));
    }
    stop.store(true, std::memory_order_release);
    for (auto& r : readers) r.join();

    BOOST_TEST(bad.load() == 0);
    BOOST_TEST(seen_added.load() == 4);
    // A category returned early is still valid after many more were added.
    BOOST_TEST(first_category == "cat0");
}

// ---------------------------------------------------------------- by_name

BOOST_AUTO_TEST_CASE(by_name_maps_exact_names_then_the_longest_dotted_prefix) {
    classify::by_name c;
    c.map("app.services.mic_input", "mic");
    c.map("app.services", "services");
    c.map("app", "application");
    c.map("app.services.deepgram_direct_mic", "deepgram");

    BOOST_TEST(c.classify(named_record("app.services.mic_input")) == "mic");
    BOOST_TEST(c.classify(named_record("app.services.deepgram_direct_mic")) == "deepgram");
    BOOST_TEST(c.classify(named_record("app.services.mic_input.worker")) == "mic");
    BOOST_TEST(c.classify(named_record("app.services.gpt")) == "services");
    BOOST_TEST(c.classify(named_record("app.ui")) == "application");
    BOOST_TEST(c.classify(named_record("app")) == "application");
    // A prefix counts only at a dot: "app.serv" is not below "app.services", nor "application" below "app".
    BOOST_TEST(c.classify(named_record("app.servicesX")) == "application");
    BOOST_TEST(c.classify(named_record("application.core")) == "core");
}

BOOST_AUTO_TEST_CASE(by_name_falls_back_to_the_last_component_of_the_name) {
    classify::by_name c;
    BOOST_TEST(c.classify(named_record("cantina_os.services.music_controller")) == "music_controller");
    BOOST_TEST(c.classify(named_record("storyos")) == "storyos");
    BOOST_TEST(c.classify(named_record("trailing.dot.")) == "dot");
    BOOST_TEST(c.classify(named_record("")) == "general");
    BOOST_TEST(c.classify(named_record("...")) == "general");

    // The view outlives the name it came from.
    std::string_view category;
    {
        std::string name = "a.temporary_logger_name_longer_than_sso";
        category = c.classify(named_record(name));
    }
    BOOST_TEST(category == "temporary_logger_name_longer_than_sso");
}

BOOST_AUTO_TEST_CASE(by_name_replaces_a_mapping_and_copies_keep_theirs) {
    classify::by_name c;
    c.map("app.audio", "sound");
    auto old_category = c.classify(named_record("app.audio"));
    c.map("app.audio", "audio");
    BOOST_TEST(c.classify(named_record("app.audio")) == "audio");
    BOOST_TEST(old_category == "sound");  // still valid

    classify::by_name copy(c);
    c.map("app.audio", "changed");
    BOOST_TEST(copy.classify(named_record("app.audio")) == "audio");
}

BOOST_AUTO_TEST_CASE(by_name_mappings_added_while_threads_classify) {
    classify::by_name c;
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            bool mapped = false;
            for (bool last = false; !last;) {
                last = stop.load(std::memory_order_acquire);
                auto category = c.classify(named_record("app.services.mic_input"));
                if (category == "mic")
                    mapped = true;
                else if (category != "mic_input" || mapped)
                    ++bad;
                if (c.classify(named_record("app.x")) != "x") ++bad;
            }
            if (!mapped) ++bad;
        });
    }
    for (int i = 0; i < 100; ++i) c.map("app.other" + std::to_string(i), "other");
    c.map("app.services.mic_input", "mic");
    for (int i = 0; i < 100; ++i) c.map("app.more" + std::to_string(i), "more");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop.store(true, std::memory_order_release);
    for (auto& r : readers) r.join();
    BOOST_TEST(bad.load() == 0);
}

// ---------------------------------------------------------------- by_level and fixed

BOOST_AUTO_TEST_CASE(fixed_gives_one_category) {
    classify::fixed<"storyos"> c;
    BOOST_TEST(c.classify(message_record("GameEngine", level::critical)) == "storyos");
}

BOOST_AUTO_TEST_CASE(by_level_separates_errors_from_the_rest) {
    classify::by_level<> c;
    BOOST_TEST(c.classify(message_record("x", level::info)) == "general");
    BOOST_TEST(c.classify(message_record("x", level::warn)) == "general");
    BOOST_TEST(c.classify(message_record("x", level::error)) == "errors");
    BOOST_TEST(c.classify(message_record("x", level::critical)) == "errors");
    BOOST_TEST(c.classify(message_record("x", level{55})) == "errors");  // a user level above error

    classify::by_level<level::warn, "problems", classify::keyword<>> k;
    BOOST_TEST(k.classify(message_record("GameEngine started", level::info)) == "engine");
    BOOST_TEST(k.classify(message_record("GameEngine failed", level::warn)) == "problems");
    k.inner().add_category("audio", {"mixer"});
    BOOST_TEST(k.classify(message_record("mixer on", level::debug)) == "audio");

    classify::by_level<level::error, "errors", classify::by_name> n;
    n.inner().map("app.db", "database");
    BOOST_TEST(n.classify(named_record("app.db", level::info)) == "database");
    BOOST_TEST(n.classify(named_record("app.db", level::error)) == "errors");
}
