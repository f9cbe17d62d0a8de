// Many threads, one logger: only whole, parseable lines, and exactly the
// records that were logged — into one file and into category files.
#define BOOST_TEST_MODULE concurrency
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <charconv>
#include <string>
#include <thread>
#include <vector>

using test_support::temp_dir;

namespace {

constexpr int thread_count = 8;
constexpr int records_per_thread = 100'000;

template <class Logger, class LogOne>
void hammer(Logger& log, LogOne log_one) {
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t)
        threads.emplace_back([&log, &log_one, t] {
            for (int i = 0; i < records_per_thread; ++i) log_one(log, t, i);
        });
    for (auto& th : threads) th.join();
    log.flush();
}

// Marks (thread, index) as seen; false if it was seen before.
struct seen_set {
    std::vector<std::vector<bool>> seen = std::vector<std::vector<bool>>(thread_count, std::vector<bool>(records_per_thread));
    std::size_t count = 0;
    bool mark(int t, int i) {
        if (t < 0 || t >= thread_count || i < 0 || i >= records_per_thread || seen[t][i]) return false;
        seen[t][i] = true;
        ++count;
        return true;
    }
};

struct one_text_file : inkwell::presets::rotating_text_config {
    using sink = inkwell::sink::file;
};

}  // namespace

BOOST_AUTO_TEST_CASE(eight_threads_into_one_text_file) {
    temp_dir dir;
    {
        inkwell::basic_logger<one_text_file> log({.directory = dir.path()});
        hammer(log, [](auto& l, int t, int i) { INKWELL_INFO(l, "thread {} record {} payload {}", t, i, "xxxxxxxxxxxxxxxx"); });
        BOOST_TEST(log.stats().records == static_cast<std::uint64_t>(thread_count) * records_per_thread);
        BOOST_TEST(log.stats().errors == 0u);
    }
    seen_set seen;
    std::size_t bad = 0, lines = 0;
    for (const auto& line : test_support::read_lines(dir / "app.log")) {
        ++lines;
        // [time] [INFO] [app] thread T record I payload xxxxxxxxxxxxxxxx
        auto at = line.find("] thread ");
        int t = -1, i = -1;
        if (at == std::string::npos || line.size() < 30 || line.compare(line.size() - 25, 25, " payload xxxxxxxxxxxxxxxx") != 0) {
            ++bad;
            continue;
        }
        const char* p = line.data() + at + 9;
        auto r1 = std::from_chars(p, line.data() + line.size(), t);
        auto r2 = std::from_chars(r1.ptr + 8, line.data() + line.size(), i);  // " record "
        if (r1.ec != std::errc{} || r2.ec != std::errc{} || !seen.mark(t, i)) ++bad;
    }
    BOOST_TEST(bad == 0u);
    BOOST_TEST(lines == static_cast<std::size_t>(thread_count) * records_per_thread);
    BOOST_TEST(seen.count == static_cast<std::size_t>(thread_count) * records_per_thread);
}

BOOST_AUTO_TEST_CASE(eight_threads_into_category_files) {
    temp_dir dir;
    {
        inkwell::presets::jsonl_per_category log({.directory = dir.path()});
        hammer(log, [](auto& l, int t, int i) {
            switch (i % 4) {
                case 0: INKWELL_INFO(l, "GameEngine tick", inkwell::kv("t", t), inkwell::kv("i", i)); break;
                case 1: INKWELL_INFO(l, "EntityManager update", inkwell::kv("t", t), inkwell::kv("i", i)); break;
                case 2: INKWELL_INFO(l, "event dispatch", inkwell::kv("t", t), inkwell::kv("i", i)); break;
                default: INKWELL_INFO(l, "{} \"quoted\" \n newline", "misc", inkwell::kv("t", t), inkwell::kv("i", i)); break;
            }
        });
        BOOST_TEST(log.stats().records == static_cast<std::uint64_t>(thread_count) * records_per_thread);
    }
    seen_set seen;
    std::size_t bad = 0;
    for (const auto& file : test_support::files_below(dir.path())) {
        // engine.jsonl, or a 10 MB backup of it: engine+1.jsonl
        auto expected_category = file.stem().string();
        expected_category = expected_category.substr(0, expected_category.find('+'));
        for (const auto& line : test_support::read_lines(file)) {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(line);
            } catch (const std::exception&) {
                ++bad;
                continue;
            }
            if (j["category"] != expected_category) ++bad;
            if (!seen.mark(j["metadata"]["t"].get<int>(), j["metadata"]["i"].get<int>())) ++bad;
        }
    }
    BOOST_TEST(bad == 0u);
    BOOST_TEST(seen.count == static_cast<std::size_t>(thread_count) * records_per_thread);
}
