#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

// The `inkwell` command (tools/inkwell) run as a child process on log
// folders that real inkwell loggers wrote: JSONL per category over two days
// with a rotated, gzip-compressed file; a session file; rotating text logs
// with backups; a file with malformed lines; and a live folder for `tail`.

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "inkwell_under_test.hpp"

#include <inkwell/compress/gzip.hpp>
#include <inkwell/sink/error_aggregator.hpp>

#include "child_process.hpp"
#include "test_support.hpp"


namespace fs = std::filesystem;
namespace ink = inkwell;
using json = nlohmann::json;
using test_support::temp_dir;
using namespace std::chrono;

#ifndef INKWELL_CLI_PATH
BOOST_AUTO_TEST_CASE(no_command_to_test) {
    std::puts("test_cli: built without the inkwell command (INKWELL_BUILD_TOOLS is OFF): skipped");
    std::exit(77);
}
#else

namespace {

struct result {
    int code = -1;
    std::string out, err;
};

// The inkwell command as a child process, its stdout and stderr in files.
class child {
public:
    child(const std::vector<std::string>& args, const fs::path& scratch)
        : process_(command_line(args), scratch / "out", scratch / "err") {}
    // Waits for the exit (killing the child after `limit`: a hang fails the test, not the suite).
    result wait(seconds limit = seconds{120}) {
        bool hung = false;
        const int code = process_.wait(limit, hung);
        if (hung) BOOST_ERROR("inkwell did not finish; killed");
        return {code, test_support::read_file(process_.out_path()), test_support::read_file(process_.err_path())};
    }
    std::string err_so_far() const { return so_far(process_.err_path()); }
    std::string out_so_far() const { return so_far(process_.out_path()); }

private:
    static std::vector<std::string> command_line(const std::vector<std::string>& args) {
        std::vector<std::string> all{INKWELL_CLI_PATH};
        all.insert(all.end(), args.begin(), args.end());
        return all;
    }
    static std::string so_far(const fs::path& p) { return fs::exists(p) ? test_support::read_file(p) : std::string{}; }
    test_support::child_process process_;
};

result run(const std::vector<std::string>& args) {
    temp_dir scratch;
    child c(args, scratch.path());
    return c.wait();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        out.push_back(text.substr(start, nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

std::vector<json> jsonl_of(const std::string& text) {
    std::vector<json> out;
    for (const auto& line : lines_of(text)) out.push_back(json::parse(line));  // throws on a bad line
    return out;
}

std::vector<std::string> messages_of(const std::string& jsonl) {
    std::vector<std::string> out;
    for (const auto& j : jsonl_of(jsonl)) out.push_back(j.at("message").get<std::string>());
    return out;
}

// RFC 4180.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        any = true;
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell.push_back('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell.push_back(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(cell);
            cell.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            row.push_back(cell);
            cell.clear();
            rows.push_back(row);
            row.clear();
            ++i;
            any = false;
        } else {
            cell.push_back(c);
        }
    }
    if (any) {
        row.push_back(cell);
        rows.push_back(row);
    }
    return rows;
}

ink::time_point at(int y, unsigned m, unsigned d, int h, int min, int s) {
    return sys_days{year{y} / static_cast<int>(m) / static_cast<int>(d)} + hours{h} + minutes{min} + seconds{s};
}

ink::field_value text_value(std::string_view s) {
    ink::field_value v;
    v.type = ink::field_value::kind::string;
    v.text = s;
    return v;
}
ink::field_value int_value(std::int64_t n) {
    ink::field_value v;
    v.type = ink::field_value::kind::signed_integer;
    v.number.signed_integer = n;
    return v;
}
ink::field_value double_value(double d) {
    ink::field_value v;
    v.type = ink::field_value::kind::floating;
    v.number.floating = d;
    return v;
}

// One record as a logger would make it, with its category, call site and fields.
struct planned {
    ink::level severity;
    const char* category;
    std::string message;
    const char* file = "";
    const char* function = "";
    std::uint32_t line = 0;
    std::vector<ink::field> fields{};
    const char* tenant = nullptr;  // context field tenantId
};

template <class Logger>
void log_planned(Logger& log, const planned& p) {
    ink::record r;
    r.severity = p.severity;
    r.category = p.category;
    r.message = p.message;
    r.where.file = p.file;
    r.where.function = p.function;
    r.where.line = p.line;
    r.fields = p.fields;
    if (p.tenant != nullptr) {
        ink::scoped_context ctx{ink::kv("tenantId", std::string_view{p.tenant})};
        log.ingest(r);
    } else {
        log.ingest(r);
    }
}

// JSONL per category on a manual clock, written at once, gzip for finished files.
struct jsonl_config : ink::presets::jsonl_per_category_config {
    using clock = ink::clock::manual;
    using buffer = ink::buffer::immediate;
    using compression = ink::compress::gzip<>;
};
struct jsonl_plain_config : jsonl_config {
    using compression = ink::compress::none;
};

// The nine records of the JSONL folder, R1..R9 in time order.
const std::vector<std::string> all_messages = {
    "engine started",                                       // R1 info engine 03-01 10:00:00
    "connection 17 refused",                                // R2 error network, tenant acme, port 8080
    "connection 23 refused",                                // R3 error network, tenant globex
    "frame slow",                                           // R4 warn engine
    "disk full on /dev/sda1",                               // R5 critical engine, IoErr
    "quote \"x\", comma, and\nnewline",                     // R6 info ui
    "connection 99 refused",                                // R7 error network 03-02, tenant acme
    "invoice 5 paid",                                       // R8 info billing, tenant acme, orderId o-1
    "tick done",                                            // R9 perf engine
};

struct jsonl_folder {
    temp_dir dir;
    jsonl_folder() {
        ink::logger_options o;
        o.directory = dir.path().string();
        o.read_environment = false;
        o.initial_level = ink::level::trace;
        ink::basic_logger<jsonl_config> log(o);
        using L = ink::level;
        auto& M = all_messages;
        ink::clock::manual::set(at(2024, 3, 1, 10, 0, 0));
        log_planned(log, {L::info, "engine", M[0], "src/game.cpp", "start", 10, {{"build", int_value(42)}}});
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::error, "network", M[1], "src/net.cpp", "connect", 20,
                          {{"errorType", text_value("ConnErr")}, {"port", int_value(8080)}}, "acme"});
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::error, "network", M[2], "src/net.cpp", "connect", 20, {{"errorType", text_value("ConnErr")}},
                          "globex"});
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::warn, "engine", M[3], "src/game.cpp", "frame", 30, {{"ms", double_value(33.5)}}});
        // engine.jsonl and network.jsonl become <cat>+1.jsonl, then .gz.
        log.with_sink([](auto& s) {
            s.rotate_now();
            s.wait_for_compression();
        });
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::critical, "engine", M[4], "src/disk.cpp", "write", 40, {{"errorType", text_value("IoErr")}}});
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::info, "ui", M[5], "", "", 0, {{"note", text_value("a,b\"c")}}});
        ink::clock::manual::set(at(2024, 3, 2, 9, 0, 0));
        log_planned(log, {L::error, "network", M[6], "src/net.cpp", "connect", 21, {{"errorType", text_value("ConnErr")}},
                          "acme"});
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::info, "billing", M[7], "src/bill.cpp", "pay", 50, {{"orderId", text_value("o-1")}}, "acme"});
        ink::clock::manual::advance(seconds{1});
        log_planned(log, {L::perf, "engine", M[8], "src/game.cpp", "tick", 60, {{"ms", double_value(2.5)}}});
        log.flush();
        log.with_sink([](auto& s) { s.wait_for_compression(); });
        BOOST_REQUIRE(log.stats().errors == 0u);
    }
    std::string path() const { return dir.path().string(); }
    bool has_gzip() const {
        for (const auto& p : test_support::files_below(dir.path()))
            if (p.extension() == ".gz") return true;
        return false;
    }
};

jsonl_folder& folder() {
    static jsonl_folder f;
    return f;
}

std::vector<std::string> pick(std::initializer_list<int> numbers) {
    std::vector<std::string> out;
    for (int n : numbers) out.push_back(all_messages[static_cast<std::size_t>(n - 1)]);
    return out;
}

std::vector<std::string> query(std::vector<std::string> extra) {
    std::vector<std::string> args{"query", folder().path(), "--format", "jsonl"};
    args.insert(args.end(), extra.begin(), extra.end());
    const result r = run(args);
    BOOST_TEST(r.err.empty(), r.err);
    return messages_of(r.out);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(query_command)

BOOST_AUTO_TEST_CASE(the_folder_has_a_rotated_gzip_file_and_two_days) {
    BOOST_TEST(folder().has_gzip());
    BOOST_TEST(fs::is_directory(folder().dir / "2024-03-01"));
    BOOST_TEST(fs::is_directory(folder().dir / "2024-03-02"));
}

BOOST_AUTO_TEST_CASE(every_record_in_time_order_across_files_and_the_gzip_one) {
    const result r = run({"query", folder().path(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.err.empty(), r.err);
    const auto records = jsonl_of(r.out);
    std::vector<std::string> messages;
    for (const auto& j : records) messages.push_back(j.at("message").get<std::string>());
    BOOST_TEST(messages == all_messages, boost::test_tools::per_element());
    // The lines are the files' own lines: every key there, context included.
    BOOST_REQUIRE(records.size() == 9u);
    BOOST_TEST(records[1].at("context").at("tenantId") == "acme");
    BOOST_TEST(records[1].at("metadata").at("port") == 8080);
    BOOST_TEST(records[0].at("source") == "game.cpp:10");
}

BOOST_AUTO_TEST_CASE(each_filter_returns_exactly_its_records) {
    BOOST_TEST(query({"--level", "error"}) == pick({2, 3, 5, 7}), boost::test_tools::per_element());
    BOOST_TEST(query({"--level", "warn"}) == pick({2, 3, 4, 5, 7}), boost::test_tools::per_element());
    BOOST_TEST(query({"--from", "2024-03-02"}) == pick({7, 8, 9}), boost::test_tools::per_element());
    BOOST_TEST(query({"--to", "2024-03-01T10:00:02Z"}) == pick({1, 2, 3}), boost::test_tools::per_element());
    BOOST_TEST(query({"--from", "2024-03-01T10:00:02Z", "--to", "2024-03-01T10:00:04Z"}) == pick({3, 4, 5}),
               boost::test_tools::per_element());
    BOOST_TEST(query({"--category", "network"}) == pick({2, 3, 7}), boost::test_tools::per_element());
    BOOST_TEST(query({"--service", "ui", "--service", "billing"}) == pick({6, 8}), boost::test_tools::per_element());
    BOOST_TEST(query({"--tenant", "acme"}) == pick({2, 7, 8}), boost::test_tools::per_element());
    BOOST_TEST(query({"--field", "context.tenantId=globex"}) == pick({3}), boost::test_tools::per_element());
    BOOST_TEST(query({"--field", "orderId=o-1"}) == pick({8}), boost::test_tools::per_element());
    BOOST_TEST(query({"--field", "port=8080"}) == pick({2}), boost::test_tools::per_element());
    BOOST_TEST(query({"--field", "metadata.errorType=ConnErr", "--tenant", "acme"}) == pick({2, 7}),
               boost::test_tools::per_element());
    BOOST_TEST(query({"--grep", "DISK FULL"}) == pick({5}), boost::test_tools::per_element());
    BOOST_TEST(query({"--grep", "acme"}) == pick({2, 7, 8}), boost::test_tools::per_element());  // a field value
    BOOST_TEST(query({"--grep", "connection [0-9]+ refused", "--regex"}) == pick({2, 3, 7}),
               boost::test_tools::per_element());
    BOOST_TEST(query({"--limit", "2"}) == pick({1, 2}), boost::test_tools::per_element());
    BOOST_TEST(query({"--level", "info", "--category", "engine", "--from", "2024-03-01T10:00:01Z"}) == pick({4, 5, 9}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nothing_matched_is_exit_code_1_and_a_usage_error_2) {
    const result none = run({"query", folder().path(), "--grep", "no such text anywhere"});
    BOOST_TEST(none.code == 1);
    BOOST_TEST(none.out.empty());
    BOOST_TEST(run({"query"}).code == 2);
    BOOST_TEST(run({"query", folder().path(), "--level", "loud"}).code == 2);
    BOOST_TEST(run({"frobnicate", folder().path()}).code == 2);
    BOOST_TEST(run({"query", (folder().dir / "missing").string()}).code == 2);
}

BOOST_AUTO_TEST_CASE(text_output_has_aligned_columns_and_colours_only_when_asked) {
    const result plain = run({"query", folder().path(), "--level", "critical"});
    BOOST_TEST(plain.code == 0);
    BOOST_TEST(plain.out ==
               "2024-03-01T10:00:04.000Z CRITICAL engine       disk full on /dev/sda1 errorType=IoErr [disk.cpp:40]\n");
    const result coloured = run({"query", folder().path(), "--level", "critical", "--color", "always"});
    BOOST_TEST(coloured.out.find("\x1b[1;31mCRITICAL") != std::string::npos);
    // The message's newline does not break the line.
    const result ui = run({"query", folder().path(), "--category", "ui"});
    BOOST_TEST(lines_of(ui.out).size() == 1u);
}

BOOST_AUTO_TEST_CASE(csv_round_trips_quotes_commas_and_newlines) {
    const result r = run({"query", folder().path(), "--format", "csv"});
    BOOST_TEST(r.code == 0);
    const auto rows = parse_csv(r.out);
    BOOST_REQUIRE(rows.size() == 10u);
    BOOST_TEST(rows[0] == (std::vector<std::string>{"timestamp", "level", "category", "message", "source", "sessionId",
                                                    "context", "metadata"}),
               boost::test_tools::per_element());
    for (std::size_t i = 1; i < rows.size(); ++i) {
        BOOST_REQUIRE(rows[i].size() == 8u);
        BOOST_TEST(rows[i][3] == all_messages[i - 1]);
    }
    BOOST_TEST(rows[6][2] == "ui");
    BOOST_TEST(json::parse(rows[6][7]).at("note") == "a,b\"c");
    BOOST_TEST(json::parse(rows[2][6]).at("tenantId") == "acme");
    BOOST_TEST(rows[1][0] == "2024-03-01T10:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(export_equals_query) {
    for (const std::vector<std::string>& filters :
         {std::vector<std::string>{}, {"--level", "error"}, {"--tenant", "acme", "--from", "2024-03-01T10:00:05Z"}}) {
        for (const char* format : {"jsonl", "csv"}) {
            std::vector<std::string> q{"query", folder().path(), "--format", format};
            std::vector<std::string> e{"export", folder().path(), "--format", format};
            q.insert(q.end(), filters.begin(), filters.end());
            e.insert(e.end(), filters.begin(), filters.end());
            const result a = run(q), b = run(e);
            BOOST_TEST(a.code == 0);
            BOOST_TEST(a.out == b.out);
        }
    }
    // export's default format is JSONL.
    BOOST_TEST(messages_of(run({"export", folder().path()}).out) == all_messages, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(aggregate_and_stats)

BOOST_AUTO_TEST_CASE(aggregate_counts_per_signature_equal_what_was_logged) {
    const result r = run({"aggregate", folder().path(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.err.empty(), r.err);
    const auto groups = jsonl_of(r.out);
    BOOST_REQUIRE(groups.size() == 2u);
    BOOST_TEST(groups[0].at("count") == 3);
    BOOST_TEST(groups[0].at("errorType") == "ConnErr");
    BOOST_TEST(groups[0].at("pattern") == "connection <num> refused");
    BOOST_TEST(groups[0].at("firstSeen") == "2024-03-01T10:00:01.000Z");
    BOOST_TEST(groups[0].at("lastSeen") == "2024-03-02T09:00:00.000Z");
    BOOST_TEST(groups[0].at("sample").at("message") == all_messages[1]);
    BOOST_TEST(groups[1].at("count") == 1);
    BOOST_TEST(groups[1].at("level") == "critical");
    // The signature is inkwell::error_signature of the record as the line
    // has it: the JSONL line names no function, so none is part of it.
    ink::record rec;
    rec.severity = ink::level::error;
    rec.message = all_messages[1];
    rec.category = "network";
    rec.where.file = "net.cpp";
    rec.where.function = "";
    const ink::field f{"errorType", text_value("ConnErr")};
    rec.fields = {&f, 1};
    BOOST_TEST(groups[0].at("signature") == ink::error_signature_text(ink::error_signature(rec)));
    // --level warn takes warnings in too; the text table names each group.
    const auto with_warn = jsonl_of(run({"aggregate", folder().path(), "--format", "jsonl", "--level", "warn"}).out);
    BOOST_TEST(with_warn.size() == 3u);
    const result table = run({"aggregate", folder().path()});
    BOOST_TEST(table.out.find("connection <num> refused") != std::string::npos);
    BOOST_TEST(lines_of(table.out).size() == 5u);  // header + 2 groups with a sample line each
}

// Lines that name their function (format::jsonl_with_function, the platform
// preset's): the command's signatures are the in-process aggregator's.
struct function_config : jsonl_plain_config {
    using formatter = ink::format::jsonl_with_function;
    using sink = ink::sink::tee<ink::sink::category_files<>, ink::sink::error_aggregator>;
};
using function_logger = ink::basic_logger<function_config>;

void fail_to_load(function_logger& log, int n) { INKWELL_ERROR(log, "asset {} missing", n); }
void fail_to_save(function_logger& log, int n) { INKWELL_ERROR(log, "asset {} missing", n); }

BOOST_AUTO_TEST_CASE(aggregate_signatures_match_the_program_when_lines_name_their_function) {
    temp_dir dir;
    std::map<std::string, std::uint64_t> in_process;  // signature -> count
    {
        ink::logger_options o;
        o.directory = dir.path().string();
        o.read_environment = false;
        function_logger log(o);
        ink::clock::manual::set(at(2024, 4, 1, 12, 0, 0));
        for (int i = 0; i < 3; ++i) fail_to_load(log, i);
        fail_to_save(log, 9);
        log.flush();
        log.with_sink([&](auto& tee) {
            for (const auto& g : ink::sink::find<ink::sink::error_aggregator>(tee)->snapshot())
                in_process[ink::error_signature_text(g.signature)] = g.count;
        });
    }
    // The same message from two functions: two groups, in the program and in the command.
    BOOST_REQUIRE(in_process.size() == 2u);
    const auto lines = test_support::read_jsonl(dir / "2024-04-01" / "general.jsonl");
    BOOST_REQUIRE(lines.size() == 4u);
    BOOST_TEST(lines[0].at("function") == "fail_to_load");
    BOOST_TEST(lines[3].at("function") == "fail_to_save");
    const result r = run({"aggregate", dir.path().string(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.err.empty(), r.err);
    std::map<std::string, std::uint64_t> from_files;
    for (const json& g : jsonl_of(r.out)) from_files[g.at("signature").get<std::string>()] = g.at("count").get<std::uint64_t>();
    BOOST_TEST((from_files == in_process));
}

BOOST_AUTO_TEST_CASE(stats_count_levels_categories_days_and_files) {
    const result r = run({"stats", folder().path(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    const json s = json::parse(r.out);
    BOOST_TEST(s.at("records") == 9);
    BOOST_TEST(s.at("levels") == json::parse(R"({"info":3,"perf":1,"warn":1,"error":3,"critical":1})"));
    BOOST_TEST(s.at("categories") == json::parse(R"({"engine":4,"network":3,"ui":1,"billing":1})"));
    BOOST_TEST(s.at("days") == json::parse(R"({"2024-03-01":6,"2024-03-02":3})"));
    const auto files = test_support::files_below(folder().dir.path());
    std::uint64_t bytes = 0;
    for (const auto& p : files) bytes += fs::file_size(p);
    BOOST_TEST(s.at("files") == files.size());
    BOOST_TEST(s.at("bytes") == bytes);
    BOOST_TEST(s.at("compressedFiles").get<int>() >= 1);
    BOOST_TEST(s.at("first") == "2024-03-01T10:00:00.000Z");
    BOOST_TEST(s.at("last") == "2024-03-02T09:00:02.000Z");
    const result text = run({"stats", folder().path()});
    BOOST_TEST(text.out.find("records  9") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(other_layouts)

BOOST_AUTO_TEST_CASE(a_session_file_reads_like_any_jsonl) {
    temp_dir dir;
    {
        ink::logger_options o;
        o.directory = dir.path().string();
        o.read_environment = false;
        o.name = "checkout";
        ink::presets::session_file log(o);
        // Distinct messages: the preset counts repeats instead of writing them.
        log.info("opened the cart");
        log.info("added an item");
        log.info("applied a coupon");
        log.warn("address looks odd");
        log.info("chose shipping");
        log.error("payment {} declined", 7);
        log.flush();
    }
    const result r = run({"query", dir.path().string(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.err.empty(), r.err);
    const auto records = jsonl_of(r.out);
    BOOST_REQUIRE(records.size() == 7u);  // "session started" + 6
    BOOST_TEST(records[0].at("entryId") == 1);
    BOOST_TEST(records[6].at("message") == "payment 7 declined");
    const auto errors = jsonl_of(run({"aggregate", dir.path().string(), "--format", "jsonl"}).out);
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].at("count") == 1);
}

// Text logs: app.log with backups (by size), app_errors.log holding copies of the errors.
template <std::uint64_t Bytes, unsigned Backups>
struct fixed_size_rotation : ink::rotate::by_size<Bytes, Backups> {
    fixed_size_rotation() noexcept : ink::rotate::by_size<Bytes, Backups>(Bytes, Backups) {}
};
struct text_config : ink::presets::rotating_text_config {
    using sink = ink::presets::rotating_text_files;  // without the console
    using rotation = fixed_size_rotation<2048, 5>;
};

BOOST_AUTO_TEST_CASE(rotating_text_logs_with_backups_parse_into_records) {
    temp_dir dir;
    constexpr int count = 80;
    {
        ink::logger_options o;
        o.directory = dir.path().string();
        o.read_environment = false;
        o.name = "game.engine";
        ink::basic_logger<text_config> log(o);
        for (int i = 0; i < count; ++i) {
            const ink::field fields[] = {{"i", int_value(i)}, {"who", text_value("Alice Smith")}};
            ink::record r;
            r.severity = i % 20 == 19 ? ink::level::error : ink::level::info;
            r.message = i % 20 == 19 ? std::string_view{"job failed"} : std::string_view{"record = done"};
            r.fields = fields;
            log.ingest(r);
        }
        log.flush();
    }
    BOOST_REQUIRE(fs::exists(dir / "app.log.1"));
    BOOST_REQUIRE(fs::exists(dir / "app_errors.log"));
    const result r = run({"query", dir.path().string(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(r.err.empty(), r.err);
    const auto records = jsonl_of(r.out);
    // Every record once: app_errors.log holds copies of app.log's errors.
    BOOST_TEST_REQUIRE(records.size() == static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const json& j = records[static_cast<std::size_t>(i)];
        BOOST_TEST(j.at("metadata").at("i") == i);
        BOOST_TEST(j.at("metadata").at("who") == "Alice Smith");
        BOOST_TEST(j.at("category") == "engine");
        BOOST_TEST(j.at("message") == (i % 20 == 19 ? "job failed" : "record = done"));
    }
    BOOST_TEST(jsonl_of(run({"query", dir.path().string(), "--format", "jsonl", "--level", "error"}).out).size() == 4u);
    // The error file alone, named directly, is read too.
    BOOST_TEST(jsonl_of(run({"query", (dir / "app_errors.log").string(), "--format", "jsonl"}).out).size() == 4u);
    const auto groups = jsonl_of(run({"aggregate", dir.path().string(), "--format", "jsonl"}).out);
    BOOST_REQUIRE(groups.size() == 1u);
    BOOST_TEST(groups[0].at("count") == 4);
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_reported_with_file_and_line_and_the_rest_is_read) {
    temp_dir dir;
    fs::create_directories(dir / "2024-05-01");
    {
        std::ofstream out(dir / "2024-05-01" / "app.jsonl", std::ios::binary);
        out << R"({"level":"info","message":"first","category":"app","timestamp":"2024-05-01T08:00:00.000Z","source":"","sessionId":"","metadata":{}})"
            << "\n"
            << "garbage that is not json\n"
            << R"({"level":"info","message":"trunc)" << "\n"
            << "{\"level\":\"info\",\"message\":\"bad \xff\xfe utf8\",\"category\":\"app\",\"timestamp\":\"2024-05-01T08:00:01.000Z\",\"source\":\"\",\"sessionId\":\"\",\"metadata\":{}}\n"
            << R"({"level":"error","message":"last","category":"app","timestamp":"2024-05-01T08:00:02.000Z","source":"","sessionId":"","metadata":{}})"
            << "\n";
    }
    const result r = run({"query", dir.path().string(), "--format", "jsonl"});
    BOOST_TEST(r.code == 0);
    BOOST_TEST(messages_of(r.out) == (std::vector<std::string>{"first", "last"}), boost::test_tools::per_element());
    BOOST_TEST(r.err.find("2024-05-01/app.jsonl:2: not JSON") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("2024-05-01/app.jsonl:3: invalid or truncated JSON") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("2024-05-01/app.jsonl:4: invalid UTF-8") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("3 malformed line(s)") != std::string::npos, r.err);
    const result quiet = run({"query", dir.path().string(), "--format", "jsonl", "--quiet"});
    BOOST_TEST(quiet.err.empty());
    BOOST_TEST(json::parse(run({"stats", dir.path().string(), "--format", "jsonl"}).out).at("records") == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(tail_follows_new_records_across_categories_rotation_and_days) {
    temp_dir dir, scratch;
    ink::logger_options o;
    o.directory = dir.path().string();
    o.read_environment = false;
    ink::basic_logger<jsonl_plain_config> log(o);
    ink::clock::manual::set(at(2024, 6, 1, 23, 59, 0));
    log_planned(log, {ink::level::info, "engine", "before the tail started"});
    log.flush();
    child tail({"tail", dir.path().string(), "--format", "jsonl", "--limit", "4", "--poll-ms", "20"}, scratch.path());
    // It says when it has looked once; what is there before is not its to show.
    const auto deadline = steady_clock::now() + seconds{60};
    while (tail.err_so_far().find("following") == std::string::npos && steady_clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds{10});
    BOOST_REQUIRE(tail.err_so_far().find("following") != std::string::npos);
    ink::clock::manual::advance(seconds{1});
    log_planned(log, {ink::level::info, "engine", "A in engine"});
    log.flush();
    log.with_sink([](auto& s) { s.rotate_now(); });  // engine.jsonl -> engine+1.jsonl
    ink::clock::manual::advance(seconds{1});
    log_planned(log, {ink::level::warn, "engine", "A2 after rotation"});
    ink::clock::manual::advance(seconds{1});
    log_planned(log, {ink::level::info, "payments", "B in a new category"});
    ink::clock::manual::set(at(2024, 6, 2, 0, 0, 1));
    log_planned(log, {ink::level::error, "engine", "C on a new day"});
    log.flush();
    const result r = tail.wait(seconds{60});
    BOOST_TEST(r.code == 0);
    const auto messages = messages_of(r.out);
    const std::multiset<std::string> got(messages.begin(), messages.end());
    BOOST_TEST(got == (std::multiset<std::string>{"A in engine", "A2 after rotation", "B in a new category", "C on a new day"}),
               boost::test_tools::per_element());
    BOOST_TEST(fs::is_directory(dir / "2024-06-02"));
}

#endif  // INKWELL_CLI_PATH
