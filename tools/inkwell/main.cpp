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
#include "output.hpp"
#include "reader.hpp"
#include "scan.hpp"

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
  --poll-ms N             tail: how often to look (default 200)
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
        } else if (!a.empty() && a[0] == '-' && a != "-") {
            usage_error("unknown option " + std::string(a));
        } else {
            positional.emplace_back(a);
        }
    }
    if (positional.empty()) usage_error("no command");
    o.command = positional[0];
    if (positional.size() != 2) usage_error(o.command + " wants one DIR");
    o.dir = positional[1];
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

// An inkwell::record made from a parsed entry, for the aggregator.
class record_view {
public:
    explicit record_view(const cli::entry& e) {
        const cli::json& o = e.object;
        r_.severity = static_cast<inkwell::level>(static_cast<std::uint8_t>(e.level));
        r_.time = inkwell::time_point(std::chrono::milliseconds(e.time_ms));
        r_.message = text(o, "message");
        r_.category = text(o, "category");
        r_.session_id = text(o, "sessionId");
        // "file.cpp:45": the JSONL line has no function, so it stays empty.
        const std::string_view source = text(o, "source");
        const std::size_t colon = source.rfind(':');
        if (!source.empty()) {
            file_ = std::string(colon == std::string_view::npos ? source : source.substr(0, colon));
            r_.where.file = file_.c_str();
            if (colon != std::string_view::npos && cli::all_digits(source.substr(colon + 1)))
                r_.where.line = static_cast<std::uint32_t>(std::strtoul(std::string(source.substr(colon + 1)).c_str(), nullptr, 10));
        }
        r_.where.function = "";
        collect(o, "metadata", fields_);
        r_.fields = fields_;
        collect(o, "context", context_fields_);
        if (!context_fields_.empty()) {
            context_ = inkwell::context_frame::make(context_fields_, nullptr);
            r_.context = context_;
        }
    }
    ~record_view() {
        if (context_ != nullptr) context_->release();
    }
    record_view(const record_view&) = delete;
    record_view& operator=(const record_view&) = delete;
    const inkwell::record& get() const { return r_; }

private:
    static std::string_view text(const cli::json& o, const char* key) {
        const auto it = o.find(key);
        return it != o.end() && it->is_string() ? std::string_view{it->get_ref<const std::string&>()} : std::string_view{};
    }
    static void collect(const cli::json& o, const char* scope, std::vector<inkwell::field>& out) {
        const auto s = o.find(scope);
        if (s == o.end() || !s->is_object()) return;
        for (auto it = s->begin(); it != s->end(); ++it) {
            inkwell::field f;
            f.key = it.key();
            const cli::json& v = it.value();
            using kind = inkwell::field_value::kind;
            if (v.is_string()) {
                f.value.type = kind::string;
                f.value.text = v.get_ref<const std::string&>();
            } else if (v.is_boolean()) {
                f.value.type = kind::boolean;
                f.value.number.boolean = v.get<bool>();
            } else if (v.is_number_unsigned()) {
                f.value.type = kind::unsigned_integer;
                f.value.number.unsigned_integer = v.get<std::uint64_t>();
            } else if (v.is_number_integer()) {
                f.value.type = kind::signed_integer;
                f.value.number.signed_integer = v.get<std::int64_t>();
            } else if (v.is_number_float()) {
                f.value.type = kind::floating;
                f.value.number.floating = v.get<double>();
            } else {
                f.value.type = kind::null;  // null, or a nested value the record cannot hold
            }
            out.push_back(f);
        }
    }

    inkwell::record r_{};
    std::string file_;
    std::vector<inkwell::field> fields_, context_fields_;
    const inkwell::context_frame* context_ = nullptr;
};

int run_aggregate(options o) {
    if (!o.level_given) o.f.min_level = 50;  // errors and above
    session s(std::move(o));
    inkwell::error_aggregator_options ao;
    ao.min_level = static_cast<inkwell::level>(static_cast<std::uint8_t>(std::max(1, s.opt.f.min_level)));
    ao.max_signatures = 1000000;
    inkwell::error_aggregator agg(ao);
    cli::merge_scan(s.ctx, [&](const cli::entry& e) {
        record_view r(e);
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
struct followed {
    std::string relative;
    std::uint64_t offset = 0;
    cli::file_kind kind = cli::file_kind::unknown;
    std::uint64_t line = 0;
    bool seen = false;
};

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
    std::map<std::pair<std::uint64_t, std::uint64_t>, followed> known;
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
            followed& f = it->second;
            f.seen = true;
            f.relative = file.relative;
            if (fresh && first_round) f.offset = file.bytes;  // what was there before: not ours to show
            if (file.bytes < f.offset) {  // truncated (or a reused inode)
                f.offset = 0;
                f.line = 0;
            }
            if (file.bytes == f.offset) continue;
            const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            if (f.kind == cli::file_kind::unknown) {
                char c = 0;
                std::uint64_t at = 0;
                while (::pread(fd, &c, 1, static_cast<off_t>(at)) == 1 && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) ++at;
                f.kind = cli::kind_of_first_byte(c);
            }
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(file.bytes - f.offset, 8u << 20));
            buffer.resize(want);
            const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(f.offset));
            ::close(fd);
            if (n <= 0) continue;
            std::string_view data(buffer.data(), static_cast<std::size_t>(n));
            const std::size_t last_nl = data.rfind('\n');
            if (last_nl == std::string_view::npos) continue;  // a line being written: next round
            data = data.substr(0, last_nl + 1);
            f.offset += data.size();
            if (f.kind == cli::file_kind::unknown) continue;
            while (!data.empty()) {
                const std::size_t nl = data.find('\n');
                std::string_view line = data.substr(0, nl);
                data.remove_prefix(nl + 1);
                ++f.line;
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
                pending p;
                std::string why;
                bool ok;
                if (f.kind == cli::file_kind::jsonl) {
                    if (!s.opt.f.raw_may_pass(line)) continue;
                    ok = cli::parse_jsonl(line, p.e, why);
                    p.raw = std::string(line);
                } else {
                    ok = cli::parse_text(line, p.e, why, s.opt.text_utc);
                }
                if (!ok) {
                    s.diag.bad_line(f.relative, f.line, why);
                    continue;
                }
                p.e.kind = f.kind;
                if (s.opt.f.pass(p.e)) batch.push_back(std::move(p));
            }
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
    usage_error("unknown command " + o.command);
}
