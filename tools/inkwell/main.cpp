// inkwell — looking at inkwell log folders: query, tail, aggregate, export, stats.
// See docs/tools.md, or `inkwell --help`.

#include <inkwell/sink/error_aggregator.hpp>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "entry.hpp"
#include "filter.hpp"
#include "follow.hpp"
#include "output.hpp"
#include "reader.hpp"
#include "record_view.hpp"
#include "scan.hpp"
#include "serve.hpp"

namespace cli = inkwell_cli;

namespace {

constexpr int exit_found = 0, exit_nothing = 1, exit_usage = 2;

constexpr const char* usage_text = R"(usage: inkwell COMMAND DIR [options]

Commands (DIR: an inkwell log folder, or one log file):
  query DIR       records that pass the filters, in time order across files
  export DIR      the same, as --format jsonl (default) or csv, for a range
  tail DIR        follows new records live (new categories, days, rotation)
  aggregate DIR   errors grouped by signature: count, first/last seen, sample
  stats DIR       records per level, category and day; files and bytes
  serve DIR       the live web viewer on http://127.0.0.1:8470/: the newest
                  records of DIR, then new ones as they are written; error
                  aggregates; runs until Ctrl-C (docs/viewer.md)
  serve --redis HOST:PORT [--stream KEY]
                  the same over the Redis stream sink::redis writes
                  (default key inkwell:logs)

Filters (query, export, tail, aggregate, stats):
  --from T, --to T        ISO time (2024-12-20, 2024-12-20T10:15:30Z; UTC) or
                          a time before now: 90s, 15m, 1h, 2d, 1w
  --level L               L and above (trace debug info perf warn error critical)
  --category C, --service C   repeatable: any of them
  --tenant T              context/metadata tenantId (or tenant), repeatable
  --field KEY=VALUE       repeatable, all must hold; KEY: top level, context.K,
                          metadata.K, or a bare K (top, metadata, then context)
  --grep TEXT             case-insensitive substring of the message, category,
                          source, session id or any field value
  --regex                 TEXT is an ECMAScript regular expression (case-insensitive)
  --limit N               at most N records (query, export, tail)
Output:
  --format text|jsonl|csv query (default text), export (default jsonl), tail;
                          aggregate and stats: text|jsonl
  --color auto|always|never   level colours in text (auto: when stdout is a tty)
  --progress              progress on stderr even when it is not a tty
  --quiet                 no malformed-line reports on stderr
  --text-utc              text logs' times are UTC (default: local time)
  --poll-ms N             tail, serve: how often to look (default 200)
Serve:
  --port P                port on 127.0.0.1 (default 8470; 0: any free port);
                          prints "inkwell serve: listening on http://127.0.0.1:P/"
  --history N             records kept for a page that opens (default 100000)
  --redis HOST:PORT, --stream KEY   read a Redis stream instead of DIR
Exit code: 0 records found, 1 nothing matched, 2 usage error or DIR unreadable.
)";

struct options {
    std::string command, dir;
    cli::filter f;
    cli::out_format format = cli::out_format::text;
    bool format_given = false;
    std::string colour = "auto";
    bool progress = false, quiet = false, text_utc = false;
    std::uint64_t limit = 0;
    int poll_ms = 200;
    bool level_given = false;
    // serve
    int port = 8470;
    std::size_t history = 100000;
    std::string redis, stream = "inkwell:logs";
};

[[noreturn]] void usage_error(const std::string& what) {
    std::fprintf(stderr, "inkwell: %s\n(inkwell --help for usage)\n", what.c_str());
    std::exit(exit_usage);
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

options parse_options(int argc, char** argv) {
    options o;
    std::vector<std::string> positional;
    std::string grep;
    bool regex = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        } else if (a == "--from" || a == "--to") {
            const std::string v = value();
            const auto t = cli::parse_time_option(v, now_ms());
            if (!t) usage_error("not a time: " + v);
            (a == "--from" ? o.f.from_ms : o.f.to_ms) = *t;
        } else if (a == "--level") {
            const std::string v = value();
            const auto l = cli::level_from_name(v);
            if (!l) usage_error("not a level: " + v);
            o.f.min_level = *l;
            o.level_given = true;
        } else if (a == "--category" || a == "--service") {
            o.f.categories.push_back(value());
        } else if (a == "--tenant") {
            o.f.tenants.push_back(value());
        } else if (a == "--field") {
            const std::string v = value();
            const auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0) usage_error("--field wants KEY=VALUE, not " + v);
            o.f.fields.push_back({v.substr(0, eq), v.substr(eq + 1)});
        } else if (a == "--grep") {
            grep = value();
        } else if (a == "--regex") {
            regex = true;
        } else if (a == "--limit") {
            const std::string v = value();
            if (!cli::all_digits(v)) usage_error("--limit wants a number");
            o.limit = std::stoull(v);
        } else if (a == "--format") {
            const std::string v = value();
            if (v == "text") o.format = cli::out_format::text;
            else if (v == "jsonl") o.format = cli::out_format::jsonl;
            else if (v == "csv") o.format = cli::out_format::csv;
            else usage_error("--format wants text, jsonl or csv");
            o.format_given = true;
        } else if (a == "--color" || a == "--colour") {
            o.colour = value();
            if (o.colour != "auto" && o.colour != "always" && o.colour != "never")
                usage_error("--color wants auto, always or never");
        } else if (a == "--progress") {
            o.progress = true;
        } else if (a == "--quiet" || a == "-q") {
            o.quiet = true;
        } else if (a == "--text-utc") {
            o.text_utc = true;
        } else if (a == "--poll-ms") {
            const std::string v = value();
            if (!cli::all_digits(v)) usage_error("--poll-ms wants a number");
            o.poll_ms = std::max(10, std::stoi(v));
        } else if (a == "--port") {
            const std::string v = value();
            if (!cli::all_digits(v) || v.size() > 5 || std::stoi(v) > 65535) usage_error("--port wants a number (0-65535)");
            o.port = std::stoi(v);
        } else if (a == "--history") {
            const std::string v = value();
            if (!cli::all_digits(v) || v.size() > 12) usage_error("--history wants a number");
            o.history = static_cast<std::size_t>(std::stoull(v));
        } else if (a == "--redis") {
            o.redis = value();
        } else if (a == "--stream") {
            o.stream = value();
        } else if (!a.empty() && a[0] == '-' && a != "-") {
            usage_error("unknown option " + std::string(a));
        } else {
            positional.emplace_back(a);
        }
    }
    if (positional.empty()) usage_error("no command");
    o.command = positional[0];
    if (o.command == "serve" && !o.redis.empty()) {
        if (positional.size() != 1) usage_error("serve wants DIR or --redis HOST:PORT, not both");
    } else {
        if (positional.size() != 2) usage_error(o.command + " wants one DIR");
        o.dir = positional[1];
    }
    if (!grep.empty()) {
        if (regex) {
            try {
                o.f.regex.emplace(grep, std::regex::ECMAScript | std::regex::icase);
                o.f.regex_unanchored = grep.find_first_of("^$") == std::string::npos;
                o.f.regex_literal = cli::required_literal(grep);
            } catch (const std::regex_error& e) {
                usage_error("bad --regex: " + std::string(e.what()));
            }
        } else {
            o.f.grep = cli::lowered(grep);
        }
    }
    return o;
}

struct session {
    options opt;
    std::vector<cli::log_file> files;
    cli::diagnostics diag;
    cli::progress prog;
    cli::scan_context ctx;

    explicit session(options o) : opt(std::move(o)) {
        std::error_code ec;
        files = cli::find_log_files(opt.dir, ec);
        if (ec) {
            std::fprintf(stderr, "inkwell: %s: %s\n", opt.dir.c_str(), ec.message().c_str());
            std::exit(exit_usage);
        }
        diag.quiet = opt.quiet;
        prog.enabled = opt.progress || ::isatty(STDERR_FILENO) == 1;
        diag.progress_line = &prog.on_screen;
        ctx.files = &files;
        ctx.f = &opt.f;
        ctx.diag = &diag;
        ctx.prog = &prog;
        ctx.text_utc = opt.text_utc;
    }
    void finish() {
        prog.end();
        if (diag.malformed > 0 && !opt.quiet)
            std::fprintf(stderr, "inkwell: %llu malformed line(s) skipped\n",
                         static_cast<unsigned long long>(diag.malformed));
    }
};

// query and export.
int run_query(options o) {
    session s(std::move(o));
    // JSONL out of JSONL lines: with only level/time filters, a line whose
    // shape is right is copied without being parsed (scan.hpp).
    s.ctx.parse = s.opt.format != cli::out_format::jsonl;
    cli::writer out;
    out.format = s.opt.format;
    out.colour = s.opt.colour == "always" || (s.opt.colour == "auto" && ::isatty(STDOUT_FILENO) == 1);
    const std::uint64_t limit = s.opt.limit;
    std::uint64_t written = 0;
    cli::merge_scan(s.ctx, [&](const cli::entry& e) {
        out(e);
        ++written;
        return limit == 0 || written < limit;
    });
    out.finish();
    s.finish();
    return written > 0 ? exit_found : exit_nothing;
}

int run_aggregate(options o) {
    if (!o.level_given) o.f.min_level = 50;  // errors and above
    session s(std::move(o));
    inkwell::error_aggregator_options ao;
    ao.min_level = static_cast<inkwell::level>(static_cast<std::uint8_t>(std::max(1, s.opt.f.min_level)));
    ao.max_signatures = 1000000;
    inkwell::error_aggregator agg(ao);
    cli::merge_scan(s.ctx, [&](const cli::entry& e) {
        cli::record_view r(e);
        agg.add(r.get());
        return true;
    });
    inkwell::error_aggregate_filter af;
    af.max_count = static_cast<std::size_t>(s.opt.limit);
    // ordered_json: each group printed with its keys in to_json()'s order.
    const nlohmann::ordered_json all = nlohmann::ordered_json::parse(agg.to_json(af), nullptr, false);
    if (s.opt.format_given && s.opt.format != cli::out_format::text) {
        for (const auto& a : all) cli::put(a.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    } else {
        std::string out;
        char head[160];
        std::snprintf(head, sizeof head, "%8s  %-8s  %-24s  %-24s  %-16s  %s\n", "COUNT", "LEVEL", "FIRST SEEN",
                      "LAST SEEN", "SIGNATURE", "SOURCE  PATTERN");
        out += head;
        for (const auto& a : all) {
            char row[200];
            std::snprintf(row, sizeof row, "%8llu  %-8s  %-24s  %-24s  %-16s  ",
                          static_cast<unsigned long long>(a.value("count", 0ull)),
                          a.value("level", std::string{}).c_str(), a.value("firstSeen", std::string{}).c_str(),
                          a.value("lastSeen", std::string{}).c_str(), a.value("signature", std::string{}).c_str());
            out += row;
            cli::put_clean(out, a.value("source", std::string{}));
            out += "  ";
            cli::put_clean(out, a.value("pattern", std::string{}));
            const std::string type = a.value("errorType", std::string{});
            if (!type.empty()) {
                out += "  (";
                cli::put_clean(out, type);
                out += ")";
            }
            out += "\n";
            if (a.contains("sample") && a["sample"].contains("message")) {
                out += "          sample: ";
                cli::put_clean(out, a["sample"].value("message", std::string{}));
                out += "\n";
            }
        }
        cli::put(out);
    }
    std::fflush(stdout);
    s.finish();
    return all.is_array() && !all.empty() ? exit_found : exit_nothing;
}

int run_stats(options o) {
    session s(std::move(o));
    s.ctx.parse = false;
    std::map<int, std::uint64_t> by_level;
    std::map<std::string, std::uint64_t, std::less<>> by_category_counts;
    std::map<std::int64_t, std::uint64_t> by_day_counts;  // days since 1970 (UTC)
    std::uint64_t records = 0;
    std::int64_t first = 0, last = 0;
    cli::merge_scan(s.ctx, [&](const cli::entry& e) {
        if (records == 0) first = e.time_ms;
        last = e.time_ms;
        ++records;
        ++by_level[e.level];
        std::string parsed_category;
        std::string_view category = e.raw_category;
        if (!e.object.is_null()) {
            parsed_category = cli::string_member(e.object, "category");
            category = parsed_category;
        }
        auto it = by_category_counts.find(category);
        if (it == by_category_counts.end()) it = by_category_counts.emplace(std::string(category), 0).first;
        ++it->second;
        ++by_day_counts[e.time_ms >= 0 ? e.time_ms / 86400000 : (e.time_ms - 86399999) / 86400000];
        return true;
    });
    std::map<std::string, std::uint64_t> by_category(by_category_counts.begin(), by_category_counts.end()), by_day;
    for (const auto& [day, n] : by_day_counts) by_day[cli::format_day(day * 86400000)] = n;
    std::uint64_t bytes = 0, compressed = 0;
    for (const auto& f : s.files) {
        bytes += f.bytes;
        if (f.packed != cli::compression::none) ++compressed;
    }
    cli::json j;
    j["records"] = records;
    j["files"] = s.files.size();
    j["compressedFiles"] = compressed;
    j["bytes"] = bytes;
    j["malformedLines"] = s.diag.malformed;
    if (records > 0) {
        j["first"] = cli::format_iso(first);
        j["last"] = cli::format_iso(last);
    }
    j["levels"] = cli::json::object();
    for (const auto& [l, n] : by_level) {
        std::string name(cli::level_label(l));
        for (char& c : name) c = cli::lower_ascii(c);
        if (name == "warning") name = "warn";
        j["levels"][name] = n;
    }
    j["categories"] = by_category;
    j["days"] = by_day;
    if (s.opt.format_given && s.opt.format != cli::out_format::text) {
        cli::put(j.dump(-1, ' ', false, cli::json::error_handler_t::replace) + "\n");
    } else {
        std::string out;
        char line[256];
        std::snprintf(line, sizeof line, "files    %zu (%llu compressed), %llu bytes\nrecords  %llu", s.files.size(),
                      static_cast<unsigned long long>(compressed), static_cast<unsigned long long>(bytes),
                      static_cast<unsigned long long>(records));
        out += line;
        if (records > 0) out += ", " + cli::format_iso(first) + " .. " + cli::format_iso(last);
        out += "\n";
        if (s.diag.malformed > 0) out += "malformed lines  " + std::to_string(s.diag.malformed) + "\n";
        auto table = [&](const char* title, const cli::json& m) {
            out += "\n";
            out += title;
            out += "\n";
            for (const auto& [k, v] : m.items()) {
                std::snprintf(line, sizeof line, "  %-24s %12llu\n", k.c_str(),
                              static_cast<unsigned long long>(v.get<std::uint64_t>()));
                out += line;
            }
        };
        // Levels in severity order.
        out += "\nby level\n";
        for (const auto& [l, n] : by_level) {
            std::snprintf(line, sizeof line, "  %-24s %12llu\n", std::string(cli::level_label(l)).c_str(),
                          static_cast<unsigned long long>(n));
            out += line;
        }
        table("by category", j["categories"]);
        table("by day (UTC)", j["days"]);
        cli::put(out);
    }
    std::fflush(stdout);
    s.finish();
    return records > 0 ? exit_found : exit_nothing;
}

// ---------------------------------------------------------------------------
// tail: polls the folder; files are known by inode, so a renamed (rotated)
// file is read on from where it was, a new file from its start, a truncated
// one from its start again. Compressed files are finished copies: skipped.

int run_tail(options o) {
    session s(std::move(o));
    s.prog.enabled = false;
    cli::writer out;
    out.format = s.opt.format;
    out.colour = s.opt.colour == "always" || (s.opt.colour == "auto" && ::isatty(STDOUT_FILENO) == 1);
    if (out.format == cli::out_format::csv) {
        cli::put(cli::csv_header);
        out.header_done = true;
    }
    std::fflush(stdout);
    cli::followed_map known;
    std::uint64_t written = 0;
    bool first_round = true;
    std::vector<char> buffer;
    struct pending {
        cli::entry e;
        std::string raw;
    };
    for (;;) {
        std::error_code ec;
        const auto files = cli::find_log_files(s.opt.dir, ec);
        for (auto& [id, f] : known) f.seen = false;
        std::vector<pending> batch;
        for (const cli::log_file& file : files) {
            if (file.packed != cli::compression::none) continue;
            const auto id = std::make_pair(file.device, file.inode);
            auto [it, fresh] = known.try_emplace(id);
            cli::followed& f = it->second;
            f.seen = true;
            f.relative = file.relative;
            if (fresh && first_round) f.offset = file.bytes;  // what was there before: not ours to show
            cli::read_new_lines(file, f, buffer, [&](std::string_view line) {
                pending p;
                std::string why;
                bool ok;
                if (f.kind == cli::file_kind::jsonl) {
                    if (!s.opt.f.raw_may_pass(line)) return;
                    ok = cli::parse_jsonl(line, p.e, why);
                    p.raw = std::string(line);
                } else {
                    ok = cli::parse_text(line, p.e, why, s.opt.text_utc);
                }
                if (!ok) {
                    s.diag.bad_line(f.relative, f.line, why);
                    return;
                }
                p.e.kind = f.kind;
                if (s.opt.f.pass(p.e)) batch.push_back(std::move(p));
            });
        }
        for (auto it = known.begin(); it != known.end();) it = it->second.seen ? std::next(it) : known.erase(it);
        std::stable_sort(batch.begin(), batch.end(),
                         [](const pending& a, const pending& b) { return a.e.time_ms < b.e.time_ms; });
        for (pending& p : batch) {
            p.e.raw = p.raw;
            out(p.e);
            ++written;
            if (s.opt.limit != 0 && written >= s.opt.limit) {
                std::fflush(stdout);
                return exit_found;
            }
        }
        if (!batch.empty()) std::fflush(stdout);
        if (first_round && !s.opt.quiet) {
            std::fprintf(stderr, "inkwell: following %zu files in %s (Ctrl-C to stop)\n", known.size(), s.opt.dir.c_str());
            std::fflush(stderr);
        }
        first_round = false;
        std::this_thread::sleep_for(std::chrono::milliseconds(s.opt.poll_ms));
    }
}

}  // namespace

int main(int argc, char** argv) {
    // A day of many categories opens many files at once: allow what the system allows.
    if (rlimit lim{}; ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    static char out_buffer[1 << 20];
    std::setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    options o = parse_options(argc, argv);
    if (o.command == "query") return run_query(std::move(o));
    if (o.command == "export") {
        if (!o.format_given) o.format = cli::out_format::jsonl;
        if (o.format == cli::out_format::text) usage_error("export writes jsonl or csv");
        return run_query(std::move(o));
    }
    if (o.command == "tail") return run_tail(std::move(o));
    if (o.command == "aggregate") return run_aggregate(std::move(o));
    if (o.command == "stats") return run_stats(std::move(o));
    if (o.command == "serve") {
        cli::serve_options so;
        so.dir = o.dir;
        so.redis = o.redis;
        so.stream = o.stream;
        so.port = static_cast<std::uint16_t>(o.port);
        so.history = o.history;
        so.f = std::move(o.f);
        so.quiet = o.quiet;
        so.text_utc = o.text_utc;
        so.poll_ms = o.poll_ms;
        return cli::run_serve(so);
    }
    usage_error("unknown command " + o.command);
}
