// log_helpers — the helpers of rotating-text-logs.md (user actions,
// performance records, a scoped timer, errors with their type, code and
// nested causes) and error aggregation: errors grouped by signature, counted,
// exported as JSON.
//
//   log_helpers [DIR]   writes into DIR; without DIR, into a new temporary
//                       folder that is removed at the end
//
// It checks what it wrote and exits with 1 when something is not as shown.
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>
// [docs:include]
#include <inkwell/helpers.hpp>                // log_user_action, log_performance, scoped_timer, ...
#include <inkwell/sink/error_aggregator.hpp>  // inkwell::sink::error_aggregator
// [docs:end]

#include "support/example_folder.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// [docs:config]
// The session file, teed with an error aggregator.
struct platform_config : inkwell::presets::session_file_config {
    using sink = inkwell::sink::tee<inkwell::sink::session_file, inkwell::sink::error_aggregator>;
};
// [docs:end]

namespace shop {
struct payment_declined : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void charge(int order, const std::string& card) {
    if (card.back() == '2') throw payment_declined("card " + card + " declined for order " + std::to_string(order));
}
}  // namespace shop

namespace {

// Counts the lines of the files below `dir` holding every one of `texts`.
std::size_t lines_with(const fs::path& dir, std::initializer_list<std::string_view> texts) {
    std::size_t n = 0;
    for (const auto& file : examples::sorted_files(dir)) {
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
            bool all = true;
            for (const auto t : texts) all = all && line.find(t) != std::string::npos;
            if (all) ++n;
        }
    }
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-helpers");
    std::string exported;
    std::size_t signatures = 0, declined = 0;
    {
        inkwell::basic_logger<platform_config> log({.name = "app.shop", .directory = folder.path()});

        // [docs:user_action]
        inkwell::log_user_action(log, "alice", "checkout", inkwell::kv("cartItems", 3));
        // info, category "user_action": "user alice: checkout"
        //   {"userId":"alice","action":"checkout","cartItems":3}
        // [docs:end]

        // [docs:performance]
        const auto started = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(2ms);  // the work
        inkwell::log_performance(log, "db", "load_cart", std::chrono::steady_clock::now() - started,
                                 inkwell::kv("rows", 3));
        // perf, category "db": "load_cart took 2.103 ms"
        //   {"operation":"load_cart","durationMs":2.103,"rows":3}
        {
            inkwell::scoped_timer timer(log, "db", "save_order", inkwell::kv("orderId", 17));
            std::this_thread::sleep_for(1ms);  // the work
        }  // here: perf "save_order took 1.084 ms" {"operation":"save_order","durationMs":1.084,"orderId":17}
        // [docs:end]

        // [docs:errors]
        for (int order = 1; order <= 18; ++order) {
            const std::string card = "4000-0000-0000-000" + std::to_string(order % 3);
            try {
                shop::charge(order, card);
            } catch (const std::exception& e) {
                inkwell::log_error_with_context(log, "billing", e, inkwell::kv("orderId", order));
                // error, category "billing": "card 4000-0000-0000-0002 declined for order 2"
                //   {"errorType":"shop::payment_declined","orderId":2}
            }
        }
        try {
            try {
                throw std::system_error(std::make_error_code(std::errc::connection_refused), "connect db1:5432");
            } catch (...) {
                std::throw_with_nested(std::runtime_error("saving order 17 failed"));
            }
        } catch (const std::exception& e) {
            inkwell::log_error_with_context(log, "db", e);
            // error, category "db": "saving order 17 failed"
            //   {"errorType":"std::runtime_error","errorStack":"std::runtime_error: saving order 17 failed
            //    caused by std::system_error: connect db1:5432: Connection refused [generic:111]"}
        }
        // [docs:end]

        // [docs:aggregate]
        log.flush();  // what was logged before has reached the aggregator
        auto* errors = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::error_aggregator>(s); });
        for (const inkwell::error_aggregate& a : errors->snapshot()) {  // the most frequent first
            std::printf("%5llu x %s [%s] %s\n", static_cast<unsigned long long>(a.count), a.pattern.c_str(),
                        a.error_type.c_str(), a.source.c_str());
        }
        //     6 x card <num>-<num>-<num>-<num> declined for order <num> [shop::payment_declined] billing
        //     1 x saving order <num> failed [std::runtime_error] db
        exported = errors->to_json();  // [{"signature":"…","count":6,"firstSeen":"…","lastSeen":"…",…,"sample":{…}},…]
        // [docs:end]
        const auto all = errors->snapshot();
        signatures = all.size();
        declined = all.empty() ? 0 : all[0].count;
    }
    std::printf("%s\n", exported.c_str());

    bool ok = signatures == 2 && declined == 6;
    ok = ok && lines_with(folder.path(), {"\"category\":\"user_action\"", "\"userId\":\"alice\""}) == 1;
    ok = ok && lines_with(folder.path(), {"\"level\":\"perf\"", "\"durationMs\":"}) == 2;
    ok = ok && lines_with(folder.path(), {"\"errorType\":\"shop::payment_declined\""}) == 6;
    ok = ok && lines_with(folder.path(), {"caused by std::system_error: connect db1:5432"}) == 1;
    ok = ok && exported.find("\"count\":6") != std::string::npos;
    if (!ok) std::printf("log_helpers: the output is not as expected\n");
    return ok ? 0 : 1;
}
