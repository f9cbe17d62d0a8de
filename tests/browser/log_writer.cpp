// log_writer DIR — writes inkwell records into the log folder DIR on command,
// for the browser test (tests/browser/viewer.test.mjs), which needs records
// logged while the page is open. The layout is presets::jsonl_per_category's
// (DIR/YYYY-MM-DD/<category>.jsonl), with two changes: the category is the
// one named in the command (classify::by_name: one logger per category), and
// every record is in its file when the command is answered (immediate buffer).
//
// Commands, one per line on standard input; each is answered on standard
// output with "ok N" (N records written) or "error: why":
//   log LEVEL CATEGORY SERVICE TENANT COUNT TEXT
//       COUNT records at LEVEL (trace debug info perf warn error critical);
//       "{i}" in TEXT becomes the record's number 1..COUNT. SERVICE and TENANT
//       go into the record's context (service, tenantId); "-" leaves one out.
//       Every record has the fields index (= i) and writer="log_writer".
//   bulk COUNT
//       COUNT records in category "bulk" as fast as possible: message
//       "bulk record K" (K = 0 .. COUNT-1), info mostly, every 10th warn,
//       every 50th error; tenant tenant-<K mod 4>; field index = K.
//   quit   (or end of input)
#include <inkwell/inkwell.hpp>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct writer_config : inkwell::presets::jsonl_per_category_config {
    using classifier = inkwell::classify::by_name;
    using buffer = inkwell::buffer::immediate;
    static constexpr inkwell::level default_level = inkwell::level::trace;
};
using writer_logger = inkwell::basic_logger<writer_config>;

std::optional<inkwell::level> parse_level(std::string_view name) {
    using inkwell::level;
    if (name == "trace") return level::trace;
    if (name == "debug") return level::debug;
    if (name == "info") return level::info;
    if (name == "perf") return level::perf;
    if (name == "warn") return level::warn;
    if (name == "error") return level::error;
    if (name == "critical") return level::critical;
    return std::nullopt;
}

std::optional<long> parse_count(const std::string& text) {
    long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

// One call site per level: a call site's level is a compile-time constant.
void write_one(writer_logger& log, inkwell::level l, const std::string& message, long index) {
    const auto fields = std::make_tuple(inkwell::kv("index", index), inkwell::kv("writer", "log_writer"));
    const auto& [index_field, writer_field] = fields;
    switch (l) {
        case inkwell::level::trace: INKWELL_TRACE(log, "{}", message, index_field, writer_field); break;
        case inkwell::level::debug: INKWELL_DEBUG(log, "{}", message, index_field, writer_field); break;
        case inkwell::level::info: INKWELL_INFO(log, "{}", message, index_field, writer_field); break;
        case inkwell::level::perf: INKWELL_PERF(log, "{}", message, index_field, writer_field); break;
        case inkwell::level::warn: INKWELL_WARN(log, "{}", message, index_field, writer_field); break;
        case inkwell::level::error: INKWELL_ERROR(log, "{}", message, index_field, writer_field); break;
        default: INKWELL_CRITICAL(log, "{}", message, index_field, writer_field); break;
    }
}

inkwell::field text_field(std::string_view key, std::string_view text) {
    inkwell::field f{key, {}};
    f.value.type = inkwell::field_value::kind::string;
    f.value.text = text;
    return f;
}

std::string with_number(std::string text, long i) {
    const std::string number = std::to_string(i);
    for (std::size_t at = text.find("{i}"); at != std::string::npos; at = text.find("{i}", at + number.size()))
        text.replace(at, 3, number);
    return text;
}

class writer {
public:
    explicit writer(std::string dir) : dir_(std::move(dir)) {}

    writer_logger& logger(const std::string& category) {
        auto& slot = loggers_[category];
        if (!slot) slot = std::make_unique<writer_logger>(inkwell::logger_options{.name = category, .directory = dir_,
                                                                                   .read_environment = false});
        return *slot;
    }

    // "log LEVEL CATEGORY SERVICE TENANT COUNT TEXT"
    std::string log(std::istringstream& in) {
        std::string level_name, category, service, tenant, count_text;
        if (!(in >> level_name >> category >> service >> tenant >> count_text)) return "error: log needs 6 arguments";
        std::string text;
        std::getline(in >> std::ws, text);
        const auto l = parse_level(level_name);
        const auto count = parse_count(count_text);
        if (!l) return "error: unknown level " + level_name;
        if (!count) return "error: bad count " + count_text;
        std::vector<inkwell::field> context;
        if (service != "-") context.push_back(text_field("service", service));
        if (tenant != "-") context.push_back(text_field("tenantId", tenant));
        writer_logger& log = logger(category);
        std::optional<inkwell::scoped_context> scope;
        if (!context.empty()) scope.emplace(std::span<const inkwell::field>(context));
        for (long i = 1; i <= *count; ++i) write_one(log, *l, with_number(text, i), i);
        log.flush();
        return "ok " + std::to_string(*count);
    }

    // "bulk COUNT"
    std::string bulk(std::istringstream& in) {
        std::string count_text;
        in >> count_text;
        const auto count = parse_count(count_text);
        if (!count) return "error: bad count " + count_text;
        writer_logger& log = logger("bulk");
        static const std::string tenants[] = {"tenant-0", "tenant-1", "tenant-2", "tenant-3"};
        for (long k = 0; k < *count; ++k) {
            inkwell::scoped_context scope{inkwell::kv("tenantId", tenants[k % 4]), inkwell::kv("service", "bulk")};
            const inkwell::level l = k % 50 == 49 ? inkwell::level::error
                                     : k % 10 == 9 ? inkwell::level::warn
                                                   : inkwell::level::info;
            write_one(log, l, "bulk record " + std::to_string(k), k);
        }
        log.flush();
        return "ok " + std::to_string(*count);
    }

private:
    std::string dir_;
    std::map<std::string, std::unique_ptr<writer_logger>> loggers_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: log_writer DIR   (commands on standard input: log ..., bulk N, quit)\n");
        return 2;
    }
    writer w(argv[1]);
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        std::string answer;
        if (command.empty()) continue;
        if (command == "quit") break;
        if (command == "log")
            answer = w.log(in);
        else if (command == "bulk")
            answer = w.bulk(in);
        else
            answer = "error: unknown command " + command;
        std::printf("%s\n", answer.c_str());
        std::fflush(stdout);
    }
    return 0;
}
