#define BOOST_TEST_MODULE postgres
#include <boost/test/unit_test.hpp>

// sink::postgres against a real server: tools/private-postgres.sh starts a
// private one and exports INKWELL_TEST_POSTGRES (libpq conninfo) and
// INKWELL_TEST_POSTGRES_CTL (the script and its folder, for "crash" and
// "resume"). Without them this test exits 77 (skipped). Each case works in a
// table of its own (named after the process and the case) and drops it.
// Everything is checked by reading the server back.

#include "inkwell_under_test.hpp"

#include <inkwell/sink/postgres.hpp>

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
using inkwell::level;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

struct server_required {
    server_required() {
        if (env("INKWELL_TEST_POSTGRES").empty() || env("INKWELL_TEST_POSTGRES_CTL").empty()) {
            std::printf("test_postgres: INKWELL_TEST_POSTGRES and INKWELL_TEST_POSTGRES_CTL are not set "
                        "(tools/run-tests.sh starts a private server with tools/private-postgres.sh); skipped\n");
            std::fflush(stdout);
            std::_Exit(77);
        }
    }
};
BOOST_TEST_GLOBAL_FIXTURE(server_required);

std::string conninfo() { return env("INKWELL_TEST_POSTGRES"); }

// The private server's control: "crash" (immediate stop) and "resume".
void server_ctl(const std::string& what) {
    const std::string command = env("INKWELL_TEST_POSTGRES_CTL") + " " + what + " >/dev/null 2>&1";
    BOOST_REQUIRE_MESSAGE(std::system(command.c_str()) == 0, "server control failed: " << command);
}

// A connection of the test's own, to look at what the sink stored. The SQL
// here is the test's (table names it made up), never log text.
class db {
public:
    db() : c_(PQconnectdb(conninfo().c_str())) {
        if (PQstatus(c_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(c_));
        PQsetClientEncoding(c_, "UTF8");
        PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
    }
    ~db() { PQfinish(c_); }
    db(const db&) = delete;
    db& operator=(const db&) = delete;

    using rows_type = std::vector<std::vector<std::string>>;
    rows_type rows(const std::string& sql, std::vector<std::string> params = {}) {
        std::vector<const char*> p;
        for (auto& s : params) p.push_back(s.c_str());
        PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0);
        const auto st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            std::string why = PQresultErrorMessage(r);
            PQclear(r);
            throw std::runtime_error(sql + ": " + why);
        }
        rows_type out;
        for (int i = 0; i < PQntuples(r); ++i) {
            std::vector<std::string> row;
            for (int j = 0; j < PQnfields(r); ++j)
                row.push_back(PQgetisnull(r, i, j) ? std::string("<null>") : std::string(PQgetvalue(r, i, j)));
            out.push_back(std::move(row));
        }
        PQclear(r);
        return out;
    }
    std::string scalar(const std::string& sql, std::vector<std::string> params = {}) {
        auto r = rows(sql, std::move(params));
        if (r.empty() || r[0].empty()) throw std::runtime_error(sql + ": no value");
        return r[0][0];
    }
    long long number(const std::string& sql, std::vector<std::string> params = {}) {
        return std::stoll(scalar(sql, std::move(params)));
    }
    void exec(const std::string& sql) { rows(sql); }

private:
    PGconn* c_;
};

// A table name of this process and case; dropped (with its partitions) when the case ends.
struct scratch_table {
    std::string name;
    explicit scratch_table(const std::string& what) : name("iwt_" + std::to_string(::getpid()) + "_" + what) {
        db d;
        d.exec("DROP TABLE IF EXISTS \"" + name + "\" CASCADE");
    }
    ~scratch_table() {
        try {
            db d;
            d.exec("DROP TABLE IF EXISTS \"" + name + "\" CASCADE");
        } catch (...) {
        }
    }
    std::string q() const { return "\"" + name + "\""; }
};

struct error_log {
    std::mutex mutex;
    std::vector<std::string> lines;
    inkwell::error_handler handler() {
        return [this](const inkwell::error_event& e) {
            std::lock_guard lock(mutex);
            lines.push_back(std::string(inkwell::error_kind_name(e.kind)) + ": " + std::string(e.detail));
        };
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return lines.size();
    }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string s;
        for (auto& l : lines) s += l + "\n";
        return s;
    }
};

struct pg_config : inkwell::default_config {
    using sink = inkwell::sink::postgres;
    using formatter = inkwell::format::jsonl;
};
using pg_logger = inkwell::basic_logger<pg_config>;

// With a ring of the lines as formatted, to compare `entry` with.
struct pg_tee_config : inkwell::default_config {
    using sink = inkwell::sink::tee<inkwell::sink::postgres, inkwell::sink::recent<1000>>;
    using formatter = inkwell::format::jsonl;
};
using pg_tee_logger = inkwell::basic_logger<pg_tee_config>;

// A formatter whose lines are not JSON: the sink builds the entry itself.
struct pg_text_config : inkwell::default_config {
    using sink = inkwell::sink::postgres;
    using formatter = inkwell::format::text;
};
using pg_text_logger = inkwell::basic_logger<pg_text_config>;

inkwell::logger_options options(const scratch_table& t, error_log* errors = nullptr,
                                std::vector<inkwell::sink_setting> more = {}) {
    inkwell::logger_options o;
    o.name = "svc-logger";
    o.initial_level = level::trace;
    o.read_environment = false;
    if (errors) o.on_error = errors->handler();
    o.settings = {{"postgres", conninfo()}, {"postgres.table", t.name}};
    for (auto& s : more) o.settings.push_back(s);
    return o;
}

template <class Logger>
inkwell::sink::postgres* pg_sink(Logger& log) {
    return log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::postgres>(s); });
}

// Waits until everything queued reached the server (a restarting server may
// take a while: the sink backs off up to 5 s between attempts).
void settle(inkwell::sink::postgres* s) { BOOST_REQUIRE(s->flush(std::chrono::milliseconds{90000})); }

std::string month_partition(const std::string& table, std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "_p%04d%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    return table + buf;
}

inkwell::field text_field(std::string_view key, std::string_view value) {
    inkwell::field f{key, {}};
    f.value.type = inkwell::field_value::kind::string;
    f.value.text = value;
    return f;
}

// One record through basic_logger::ingest (a time, level and category of the test's choosing).
template <class Logger>
void ingest(Logger& log, level l, std::string_view message, inkwell::time_point time, std::string_view category,
            std::span<const inkwell::field> fields = {}) {
    inkwell::record r;
    r.severity = l;
    r.message = message;
    r.time = time;
    r.category = category;
    r.fields = fields;
    log.ingest(r);
}

std::set<std::string> messages(const std::vector<inkwell::postgres_row>& rows) {
    std::set<std::string> s;
    for (auto& r : rows) s.insert(r.message);
    return s;
}

// RFC 4180 records (CRLF or LF ends, quoted fields with doubled quotes).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> out;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, in_field = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field.push_back('"');
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field.push_back(c);
            }
            continue;
        }
        if (c == '"' && !in_field) {
            quoted = true;
            in_field = true;
        } else if (c == ',') {
            row.push_back(field);
            field.clear();
            in_field = false;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        } else if (c == '\n') {
            row.push_back(field);
            out.push_back(row);
            row.clear();
            field.clear();
            in_field = false;
        } else {
            field.push_back(c);
            in_field = true;
        }
    }
    if (in_field || !row.empty()) {
        row.push_back(field);
        out.push_back(row);
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_table_is_partitioned_by_month_with_its_indexes_and_two_processes_may_create_it_at_once) {
    scratch_table t("schema");
    error_log errors;
    // Two sinks (as two processes would) making the same table at the same moment.
    // (Boost.Test's checks are for the main thread only: the starters count.)
    std::vector<std::thread> starters;
    std::atomic<int> settled{0};
    for (int i = 0; i < 2; ++i)
        starters.emplace_back([&, i] {
            pg_logger log(options(t, &errors));
            log.info("hello from starter {}", i);
            if (pg_sink(log)->flush(std::chrono::milliseconds{90000})) ++settled;
        });
    for (auto& th : starters) th.join();
    BOOST_TEST(settled.load() == 2);
    BOOST_TEST(errors.size() == 0u, errors.all());

    db d;
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == 2);
    BOOST_TEST(d.scalar("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = $1::regclass", {t.name}) == "r");
    BOOST_TEST(d.scalar("SELECT pg_get_partkeydef($1::regclass)", {t.name}) == "RANGE (\"timestamp\")");
    std::set<std::string> children;
    for (auto& r : d.rows("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                          "WHERE i.inhparent = $1::regclass",
                          {t.name}))
        children.insert(r[0]);
    const auto now = std::chrono::system_clock::now();
    BOOST_TEST(children.count(month_partition(t.name, now)) == 1u);
    // 32 days on is next month, whatever today is (the sink takes month + 1).
    const std::string next = month_partition(t.name, now + std::chrono::hours(24 * 32));
    const std::string next_by_day = month_partition(t.name, now + std::chrono::hours(24 * 28));
    BOOST_TEST((children.count(next) == 1u || children.count(next_by_day) == 1u));
    BOOST_TEST(children.size() == 2u);

    std::map<std::string, std::string> indexes;
    for (auto& r : d.rows("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", {t.name}))
        indexes[r[0]] = r[1];
    for (const char* suffix : {"_pkey", "_level_idx", "_tenant_idx", "_service_idx", "_message_fts_idx",
                               "_recent_errors_idx"})
        BOOST_TEST(indexes.count(t.name + suffix) == 1u, "index " << t.name + suffix);
    BOOST_TEST(indexes[t.name + "_message_fts_idx"].find("USING gin (to_tsvector('inkwell_words'::regconfig, message))") !=
               std::string::npos);
    // Its words: 'simple' without numbers (one new index key per record is what GIN upkeep costs most).
    BOOST_TEST(d.scalar("SELECT to_tsvector('inkwell_words', 'Order 112125 took 3.5 s for user-7 v1.2.3')::text") ==
               "'for':4 'order':1 's':3 'took':2 'user':5 'v1.2.3':6");
    BOOST_TEST(indexes.size() == 6u);
    BOOST_TEST(indexes[t.name + "_recent_errors_idx"].find("WHERE (level_num >= 50)") != std::string::npos);
    // The primary key is the index for time: "timestamp" first.
    BOOST_TEST(indexes[t.name + "_pkey"].find("USING btree (\"timestamp\", id)") != std::string::npos);
    // The partitions carry the indexes too.
    BOOST_TEST(d.number("SELECT count(*) FROM pg_indexes WHERE tablename = $1",
                        {month_partition(t.name, now)}) == 6);
    BOOST_TEST(d.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass "
                        "AND attname = 'entry'",
                        {t.name}) == "json");
}

BOOST_AUTO_TEST_CASE(records_land_with_their_columns_and_the_line_as_entry) {
    scratch_table t("columns");
    error_log errors;
    pg_tee_logger log(options(t, &errors));
    std::uint32_t warn_line = 0;
    {
        inkwell::scoped_context request{inkwell::kv("tenantId", "t-1"), inkwell::kv("tenantSlug", "acme"),
                                        inkwell::kv("requestId", "req-1"), inkwell::kv("traceId", "tr-1"),
                                        inkwell::kv("spanId", "sp-1")};
        const auto user = inkwell::kv("userId", "u-7");
        const auto service = inkwell::kv("service", "billing");
        // One line: compilers disagree on __LINE__ inside a macro call spread over several.
        warn_line = __LINE__; INKWELL_WARN(log, "payment {} failed", 42, user, service, inkwell::kv("amount", 12.5));
    }
    INKWELL_ERROR(log, "plain error");
    const inkwell::field numeric[] = {{"tenantId", {}}, text_field("sessionId", "user-session-9")};
    inkwell::field fields[2] = {numeric[0], numeric[1]};
    fields[0].value.type = inkwell::field_value::kind::signed_integer;
    fields[0].value.number.signed_integer = 12345;
    ingest(log, level::debug, "engine tick", std::chrono::system_clock::now(), "engine", fields);
    log.critical("the end {}", "is near");
    auto* sink = pg_sink(log);
    BOOST_REQUIRE(sink != nullptr);  // found through the tee
    settle(sink);
    BOOST_TEST(sink->stats().sent == 4u);
    BOOST_TEST(sink->stats().dropped == 0u);
    BOOST_TEST(errors.size() == 0u, errors.all());

    db d;
    auto rows = d.rows("SELECT message, level, level_num, category, service, tenant_id, tenant_slug, user_id, "
                       "session_id, request_id, trace_id, span_id, source_file, source_line, source_function, "
                       "logger, entry::text, id::text FROM " +
                       t.q() + " ORDER BY \"timestamp\", message");
    BOOST_REQUIRE(rows.size() == 4u);
    std::map<std::string, std::vector<std::string>> by_message;
    for (auto& r : rows) by_message[r[0]] = r;

    const std::string session(log.session_id());
    auto& w = by_message.at("payment 42 failed");
    BOOST_TEST(w[1] == "warn");
    BOOST_TEST(w[2] == "40");
    BOOST_TEST(w[3] == "general");
    BOOST_TEST(w[4] == "billing");
    BOOST_TEST(w[5] == "t-1");
    BOOST_TEST(w[6] == "acme");
    BOOST_TEST(w[7] == "u-7");
    BOOST_TEST(w[8] == session);
    BOOST_TEST(w[9] == "req-1");
    BOOST_TEST(w[10] == "tr-1");
    BOOST_TEST(w[11] == "sp-1");
    BOOST_TEST(w[12].find("test_postgres.cpp") != std::string::npos);
    BOOST_TEST(w[13] == std::to_string(warn_line));
    BOOST_TEST(w[14] != "<null>");
    BOOST_TEST(w[15] == "svc-logger");

    auto& e = by_message.at("plain error");
    BOOST_TEST(e[1] == "error");
    BOOST_TEST(e[2] == "50");
    BOOST_TEST(e[4] == "general");  // no service field: the category
    BOOST_TEST(e[5] == "<null>");
    BOOST_TEST(e[7] == "<null>");

    auto& g = by_message.at("engine tick");
    BOOST_TEST(g[1] == "debug");
    BOOST_TEST(g[2] == "20");
    BOOST_TEST(g[3] == "engine");
    BOOST_TEST(g[4] == "engine");
    BOOST_TEST(g[5] == "12345");  // a number field as text
    BOOST_TEST(g[8] == "user-session-9");
    BOOST_TEST(g[12] == "<null>");  // ingested: no call site
    BOOST_TEST(g[13] == "<null>");

    auto& c = by_message.at("the end is near");
    BOOST_TEST(c[2] == "60");
    BOOST_TEST(c[12] == "<null>");  // logged without the macros

    // entry is the line the logger formatted, as JSON.
    auto* ring = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<1000>>(s); });
    auto lines = ring->snapshot();
    BOOST_REQUIRE(lines.size() == 4u);
    for (auto& entry : lines) {
        const auto line = nlohmann::json::parse(entry.line);
        const std::string message = line.at("message");
        BOOST_TEST(nlohmann::json::parse(by_message.at(message)[16]) == line, message);
        // json keeps the line byte for byte (its line break aside).
        std::string_view text = entry.line;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
        BOOST_TEST(by_message.at(message)[16] == text, message);
    }
    BOOST_TEST(nlohmann::json::parse(w[16]).at("context").at("tenantId") == "t-1");

    // Ids: distinct version-4 UUIDs.
    std::set<std::string> ids;
    for (auto& r : rows) {
        ids.insert(r[17]);
        BOOST_TEST(r[17].size() == 36u);
        BOOST_TEST(r[17][14] == '4');
    }
    BOOST_TEST(ids.size() == 4u);
}

// Rows travel in COPY's binary format: times before PostgreSQL's epoch
// (2000-01-01) are negative there, microseconds must survive, a line number
// is an int4, a missing one NULL.
BOOST_AUTO_TEST_CASE(binary_rows_keep_times_before_2000_to_the_microsecond) {
    scratch_table t("binary");
    error_log errors;
    {
        pg_logger log(options(t, &errors));
        using namespace std::chrono;
        const inkwell::time_point before_2000{microseconds{946684799999999LL}};  // 1999-12-31 23:59:59.999999
        const inkwell::time_point epoch{microseconds{1}};                           // 1970-01-01 00:00:00.000001
        ingest(log, level::info, "last microsecond of 1999", before_2000, "old");
        ingest(log, level::debug, "just after 1970", epoch, "old");
        settle(pg_sink(log));
    }
    BOOST_TEST(errors.size() == 0u, errors.all());
    db d;
    auto rows = d.rows("SELECT (\"timestamp\" AT TIME ZONE 'UTC')::text, message, level_num::text, source_line::text FROM " +
                       t.q() + " ORDER BY \"timestamp\"");
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0][0] == "1970-01-01 00:00:00.000001");
    BOOST_TEST(rows[0][1] == "just after 1970");
    BOOST_TEST(rows[0][2] == "20");
    BOOST_TEST(rows[0][3] == "<null>");  // no call site: source_line NULL
    BOOST_TEST(rows[1][0] == "1999-12-31 23:59:59.999999");
    BOOST_TEST(rows[1][2] == "30");
}

// postgres.synchronous_commit=off (opt-in: faster commits, not durable)
// still stores every record; a value other than on/off is reported and on used.
BOOST_AUTO_TEST_CASE(synchronous_commit_off_is_an_option_and_a_bad_value_is_reported) {
    scratch_table t("sync");
    error_log errors;
    {
        pg_logger log(options(t, &errors, {{"postgres.synchronous_commit", "off"}}));
        for (int i = 0; i < 100; ++i) log.info("async commit {}", i);
        settle(pg_sink(log));
    }
    BOOST_TEST(errors.size() == 0u, errors.all());
    error_log bad;
    {
        pg_logger log(options(t, &bad, {{"postgres.synchronous_commit", "maybe"}}));
        log.info("after a bad value");
        settle(pg_sink(log));
    }
    BOOST_TEST(bad.size() == 1u, bad.all());
    BOOST_TEST(bad.all().find("synchronous_commit") != std::string::npos);
    db d;
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == 101);
}

// A table made by an earlier inkwell (entry jsonb, a generated message_tsv
// column) still takes records: its batches go through the staging table.
BOOST_AUTO_TEST_CASE(a_table_with_a_jsonb_entry_from_an_earlier_version_still_takes_records) {
    scratch_table t("legacy");
    db d;
    d.exec("CREATE TABLE " + t.q() +
           " (id uuid NOT NULL, \"timestamp\" timestamptz NOT NULL, level text NOT NULL, level_num smallint NOT NULL, "
           "category text, service text, tenant_id text, tenant_slug text, user_id text, session_id text, "
           "request_id text, trace_id text, span_id text, message text NOT NULL, source_file text, "
           "source_line integer, source_function text, logger text, entry jsonb NOT NULL, "
           "message_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, message)) STORED, "
           "PRIMARY KEY (id, \"timestamp\")) PARTITION BY RANGE (\"timestamp\")");
    error_log errors;
    {
        pg_logger log(options(t, &errors));
        for (int i = 0; i < 50; ++i) log.info("legacy row {}", i, inkwell::kv("n", i));
        settle(pg_sink(log));
    }
    BOOST_TEST(errors.size() == 0u, errors.all());
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == 50);
    BOOST_TEST(d.number("SELECT count(DISTINCT (entry->'metadata'->>'n')) FROM " + t.q()) == 50);
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q() + " WHERE message_tsv @@ plainto_tsquery('simple', 'legacy')") == 50);
}

// The table dropped under a running sink: the next batch fails (42P01), the
// sink makes the table again on reconnect and stores the batch there.
BOOST_AUTO_TEST_CASE(a_table_dropped_under_a_running_sink_is_made_again) {
    scratch_table t("dropped");
    error_log errors;
    db d;
    pg_logger log(options(t, &errors));
    for (int i = 0; i < 10; ++i) log.info("before the drop {}", i);
    settle(pg_sink(log));
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == 10);
    d.exec("DROP TABLE " + t.q() + " CASCADE");
    for (int i = 0; i < 20; ++i) log.info("after the drop {}", i);
    settle(pg_sink(log));
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == 20);
    BOOST_TEST(d.number("SELECT count(*) FROM pg_indexes WHERE tablename = $1", {t.name}) == 6);
    BOOST_TEST(pg_sink(log)->stats().dropped == 0u);
}

BOOST_AUTO_TEST_CASE(hostile_text_lands_verbatim_and_the_table_stays_intact) {
    scratch_table t("hostile");
    scratch_table canary("canary");
    db d;
    d.exec("CREATE TABLE " + canary.q() + " (x int)");
    d.exec("INSERT INTO " + canary.q() + " VALUES (1)");
    error_log errors;
    const std::string hostile = "quote ' double \" back\\slash \\N tab\there nl\nline cr\r bad\xff\xfe utf8 \xC3\xA9 '); "
                                "DROP TABLE " + canary.name + "; -- \x01 end";
    // Invalid UTF-8 becomes U+FFFD, one per bad byte here; the rest stays as it was.
    const std::string repaired = "quote ' double \" back\\slash \\N tab\there nl\nline cr\r bad\xEF\xBF\xBD\xEF\xBF\xBD "
                                 "utf8 \xC3\xA9 '); DROP TABLE " + canary.name + "; -- \x01 end";
    const std::string hostile_tenant = "t'); DELETE FROM " + t.name + "; --\\N\t";
    {
        pg_logger log(options(t, &errors));
        log.info("{}", hostile, inkwell::kv("tenantId", hostile_tenant), inkwell::kv("service", "x\\y\nz"));
        log.info("after");
        settle(pg_sink(log));
    }
    {
        // A formatter whose line is not JSON: the entry is built from the record.
        pg_text_logger log(options(t, &errors));
        log.warn("{}", hostile, inkwell::kv("tenantId", hostile_tenant));
        settle(pg_sink(log));
    }
    BOOST_TEST(errors.size() == 0u, errors.all());
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == 3);
    BOOST_TEST(d.number("SELECT count(*) FROM " + canary.q()) == 1);
    auto rows = d.rows("SELECT message, tenant_id, service, entry->>'message', level FROM " + t.q() +
                       " WHERE message <> 'after' ORDER BY level");
    BOOST_REQUIRE(rows.size() == 2u);
    for (auto& r : rows) {
        BOOST_TEST(r[0] == repaired);
        BOOST_TEST(r[1] == hostile_tenant);
        BOOST_TEST(r[3] == repaired);
    }
    BOOST_TEST(rows[0][2] == "x\\y\nz");  // info (jsonl)
    BOOST_TEST(rows[1][4] == "warn");     // text formatter
    // The built entry has the record's fields.
    auto built = nlohmann::json::parse(
        d.scalar("SELECT entry::text FROM " + t.q() + " WHERE level = 'warn'"));
    BOOST_TEST(built.at("metadata").at("tenantId") == hostile_tenant);
    BOOST_TEST(built.at("level") == "warn");
    // The full-text expression finds the words.
    const std::string fts = " WHERE to_tsvector('simple'::regconfig, message) @@ plainto_tsquery('simple', ";
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q() + fts + "'drop table')") == 2);
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q() + fts + "'quote double')") == 2);
}

BOOST_AUTO_TEST_CASE(a_server_killed_mid_stream_and_restarted_gets_every_event_exactly_once) {
    scratch_table t("restart");
    error_log errors;
    pg_logger log(options(t, &errors, {{"postgres.batch", "500"}, {"postgres.queue_mb", "512"}}));
    auto* sink = pg_sink(log);
    std::atomic<bool> stop{false};
    std::uint64_t logged = 0;
    std::thread producer([&] {
        while (!stop.load()) {
            for (int i = 0; i < 20; ++i) {
                INKWELL_INFO(log, "event {}", logged, inkwell::kv("n", logged));
                ++logged;
            }
            std::this_thread::sleep_for(1ms);
        }
    });
    struct joiner {
        std::atomic<bool>& stop;
        std::thread& t;
        ~joiner() {
            stop = true;
            if (t.joinable()) t.join();
        }
    } join_on_failure{stop, producer};
    // Crash once batches are flowing, with records still streaming in.
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (sink->stats().sent < 3000 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    BOOST_REQUIRE(sink->stats().sent >= 3000u);
    server_ctl("crash");
    const auto at_crash = sink->stats();
    std::this_thread::sleep_for(1500ms);
    server_ctl("resume");
    std::this_thread::sleep_for(1000ms);
    stop = true;
    producer.join();
    settle(sink);

    const auto s = sink->stats();
    BOOST_TEST_MESSAGE("logged " << logged << ", sent at crash " << at_crash.sent << ", reconnects " << s.reconnects
                                 << ", failed sends " << s.failed_sends);
    BOOST_TEST(s.reconnects >= 1u);
    BOOST_TEST(s.failed_sends >= 1u);
    BOOST_TEST(s.dropped == 0u);
    BOOST_TEST(log.stats().dropped == 0u);
    BOOST_TEST(s.sent == logged);
    db d;
    const auto counts = d.rows("SELECT count(*), count(DISTINCT id), count(DISTINCT (entry->'metadata'->>'n')), "
                               "min((entry->'metadata'->>'n')::bigint), max((entry->'metadata'->>'n')::bigint) FROM " +
                               t.q());
    BOOST_TEST(std::stoull(counts[0][0]) == logged);
    BOOST_TEST(std::stoull(counts[0][1]) == logged);
    BOOST_TEST(std::stoull(counts[0][2]) == logged);
    BOOST_TEST(counts[0][3] == "0");
    BOOST_TEST(std::stoull(counts[0][4]) == logged - 1);
    BOOST_TEST(errors.size() >= 1u);  // the lost connection was reported
}

BOOST_AUTO_TEST_CASE(a_full_queue_while_the_server_is_down_counts_drops_and_stores_a_note) {
    scratch_table t("dropped");
    error_log errors;
    pg_logger log(options(t, &errors, {{"postgres.queue_mb", "1"}, {"postgres.flush_timeout_ms", "1000"}, {"postgres.connections", "1"}}));
    auto* sink = pg_sink(log);
    log.info("before");
    settle(sink);
    server_ctl("crash");
    const std::string padding(900, 'p');
    constexpr int burst = 4000;
    for (int i = 0; i < burst; ++i) log.info("burst {} {}", i, padding);
    const auto down = sink->stats();
    BOOST_TEST(down.dropped > 0u);
    BOOST_TEST(down.dropped < static_cast<std::uint64_t>(burst));
    BOOST_TEST(log.stats().dropped == down.dropped);
    server_ctl("resume");
    settle(sink);
    log.info("after");
    settle(sink);

    const auto s = sink->stats();
    BOOST_TEST(s.dropped == down.dropped);
    db d;
    const long long stored = d.number("SELECT count(*) FROM " + t.q());
    // before + what fitted + the note + after
    BOOST_TEST(static_cast<std::uint64_t>(stored) == 1 + (burst - s.dropped) + 1 + 1);
    BOOST_TEST(static_cast<std::uint64_t>(stored) == s.sent);
    auto note = d.rows("SELECT message, level, category, entry->'metadata'->>'dropped' FROM " + t.q() +
                       " WHERE category = 'inkwell'");
    BOOST_REQUIRE(note.size() == 1u);
    BOOST_TEST(note[0][0].find("inkwell: " + std::to_string(s.dropped) + " records dropped since") == 0u);
    BOOST_TEST(note[0][1] == "warn");
    BOOST_TEST(note[0][3] == std::to_string(s.dropped));
    // The note comes before "after".
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q() + " a, " + t.q() +
                        " n WHERE a.message = 'after' AND n.category = 'inkwell' AND n.\"timestamp\" <= a.\"timestamp\"") == 1);
}

BOOST_AUTO_TEST_CASE(retention_deletes_rows_past_their_level_limit_and_drops_old_partitions) {
    scratch_table t("retention");
    scratch_table lookalike("retention_p190001");  // not a partition, though named like one
    error_log errors;
    db d;
    // Retention at start-up only: the rows of the past set up below stay until the explicit run.
    pg_logger log(options(t, &errors, {{"postgres.retention.interval", "0"}}));
    const auto now = std::chrono::system_clock::now();
    auto ago = [&](double days) {
        return now - std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(days * 86400));
    };
    struct old_row {
        level l;
        double days;
        const char* message;
        bool kept;
    };
    const old_row plan[] = {
        {level::error, 20, "error-20d", true},     {level::error, 40, "error-40d", false},
        {level::critical, 25, "critical-25d", true}, {level::warn, 10, "warn-10d", true},
        {level::warn, 20, "warn-20d", false},      {level::info, 5, "info-5d", true},
        {level::info, 10, "info-10d", false},      {level::perf, 3, "perf-3d", true},
        {level::debug, 0.5, "debug-12h", true},    {level::debug, 2, "debug-2d", false},
        {level::trace, 2, "trace-2d", false},      {level::error, 70, "error-70d", false},
        {level::error, 0, "error-now", true},
    };
    for (const auto& p : plan) ingest(log, p.l, p.message, ago(p.days), "old");
    settle(pg_sink(log));
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q()) == static_cast<long long>(std::size(plan)));
    // Partitions were made on demand for the old months.
    const std::string old_partition = month_partition(t.name, ago(70));
    BOOST_TEST(d.scalar("SELECT to_regclass($1) IS NOT NULL", {old_partition}) == "t");
    // Other tables are not the sink's business.
    d.exec("CREATE TABLE " + lookalike.q() + " (\"timestamp\" timestamptz, level_num smallint)");
    d.exec("INSERT INTO " + lookalike.q() + " VALUES (now() - interval '400 days', 10)");

    auto result = pg_sink(log)->apply_retention(now);
    BOOST_TEST(result.ok, result.error);
    BOOST_TEST(std::count(result.dropped_partitions.begin(), result.dropped_partitions.end(), old_partition) == 1);
    BOOST_TEST(d.scalar("SELECT to_regclass($1) IS NULL", {old_partition}) == "t");
    std::set<std::string> expected;
    std::size_t deleted = 0;
    for (const auto& p : plan) {
        if (p.kept)
            expected.insert(p.message);
        else
            ++deleted;
    }
    std::set<std::string> left;
    for (auto& r : d.rows("SELECT message FROM " + t.q())) left.insert(r[0]);
    BOOST_TEST((left == expected));
    // Rows gone with a dropped partition are not counted as deleted.
    BOOST_TEST(result.deleted_rows >= 1u);
    BOOST_TEST(result.deleted_rows <= deleted - 1);
    BOOST_TEST(d.number("SELECT count(*) FROM " + lookalike.q()) == 1);
    BOOST_TEST(d.scalar("SELECT to_regclass($1) IS NOT NULL", {month_partition(t.name, now)}) == "t");
    // A second run finds nothing more to do.
    auto again = inkwell::postgres_apply_retention(conninfo(), t.name, {}, now);
    BOOST_TEST(again.ok, again.error);
    BOOST_TEST(again.deleted_rows == 0u);
    BOOST_TEST(again.dropped_partitions.empty());
    BOOST_TEST(errors.size() == 0u, errors.all());
}

// The helper's text search answers as to_tsvector('simple', message) would,
// numbers included, though the index leaves numbers out; on a table whose
// index is still on 'simple' (made by an earlier version) as well.
BOOST_AUTO_TEST_CASE(the_text_search_answers_as_the_simple_search_numbers_included) {
    scratch_table t("words");
    error_log errors;
    pg_logger log(options(t, &errors));
    const auto base = std::chrono::system_clock::now() - 1h;
    const std::vector<std::string> texts = {
        "order 5 shipped",          "order 7 shipped",          "order shipped",
        "order 112125 shipped late", "payment timeout after 3.5 s", "payment timeout after 12 s",
        "release v1.2.3 deployed",  "release 1.2.3 deployed",   "user-7 logged in",
        "5 retries left",           "Order SHIPPED again",      "nothing to see",
        "limit 1e5 reached",        "or else",                  "x -5 y",
    };
    int minute = 0;
    for (const auto& text : texts) ingest(log, level::info, text, base + std::chrono::minutes(++minute), "words");
    settle(pg_sink(log));
    BOOST_TEST(errors.size() == 0u, errors.all());

    db d;
    const std::vector<std::string> searches = {
        "order shipped", "order 5", "5", "112125", "\"order 5 shipped\"", "\"order shipped\"", "shipped or 5",
        "order -5", "order -\"7 shipped\"", "timeout 3.5", "\"after 12 s\"", "1.2.3", "v1.2.3", "user-7",
        "ORDER Shipped", "-order", "missing 5", "1e5", "limit 1e5", "or", "\"or else\"", "-5",
    };
    auto check_all = [&](const char* table_kind) {
        for (const auto& search : searches) {
            std::set<std::string> expected;
            for (auto& r : d.rows("SELECT message FROM " + t.q() +
                                      " WHERE to_tsvector('simple', message) @@ websearch_to_tsquery('simple', $1)",
                                  {search}))
                expected.insert(r[0]);
            inkwell::postgres_filter f;
            f.text = search;
            auto r = pg_sink(log)->query(f);
            BOOST_TEST(r.ok, r.error);
            BOOST_TEST((messages(r.rows) == expected), table_kind << " table, search [" << search << "]");
        }
    };
    check_all("words index");
    // The searches are not all empty: numbers find their records.
    BOOST_TEST(d.number("SELECT count(*) FROM " + t.q() +
                        " WHERE to_tsvector('simple', message) @@ websearch_to_tsquery('simple', '112125')") == 1);

    // An index on 'simple' under the same name, as tables made before inkwell_words have it.
    d.exec("DROP INDEX \"" + t.name + "_message_fts_idx\"");
    d.exec("CREATE INDEX \"" + t.name + "_message_fts_idx\" ON " + t.q() +
           " USING gin (to_tsvector('simple'::regconfig, message))");
    check_all("'simple' index");
}

// The answers above would be the same if the helper never used the words
// index; this is what makes a word search fast over millions of rows. On a
// few rows the planner would rather read the table, so the sink's
// connections are told not to (enable_seqscan=off): then a word search must
// have scanned a partition's words index.
BOOST_AUTO_TEST_CASE(a_search_with_a_word_goes_through_the_words_index) {
    scratch_table t("wordsidx");
    error_log errors;
    inkwell::logger_options o = options(t, &errors);
    o.settings.front() = {"postgres", conninfo() + " options='-c enable_seqscan=off'"};
    pg_logger log(o);
    const auto base = std::chrono::system_clock::now() - 1h;
    int minute = 0;
    for (const char* text : {"order 5 shipped", "order 112125 shipped late", "payment timeout after 3.5 s",
                             "nothing to see"})
        ingest(log, level::info, text, base + std::chrono::minutes(++minute), "words");
    settle(pg_sink(log));
    BOOST_TEST(errors.size() == 0u, errors.all());

    db d;
    // Scans of the words index of the table's partitions, as the server's
    // statistics have them (a backend reports its own when it ends: the
    // helper's connection ends with each query).
    auto words_index_scans = [&] {
        return d.number("SELECT coalesce(sum(s.idx_scan), 0) FROM pg_stat_user_indexes s"
                        " JOIN pg_inherits i ON i.inhrelid = s.relid"
                        " WHERE i.inhparent = to_regclass($1) AND pg_get_indexdef(s.indexrelid) LIKE '%inkwell_words%'",
                        {t.q()});
    };
    const long long before = words_index_scans();
    inkwell::postgres_filter f;
    f.text = "order shipped";
    auto r = pg_sink(log)->query(f);
    BOOST_TEST(r.ok, r.error);
    BOOST_TEST((messages(r.rows) == std::set<std::string>{"order 5 shipped", "order 112125 shipped late"}));
    long long after = before;
    for (int i = 0; i < 150 && after == before; ++i) {  // up to 15 s for the statistics to arrive
        std::this_thread::sleep_for(100ms);
        after = words_index_scans();
    }
    BOOST_TEST(after > before, "the words index was scanned " << after - before << " times by a search for words");
}

BOOST_AUTO_TEST_CASE(the_query_helper_filters_and_exports_jsonl_and_csv) {
    scratch_table t("query");
    error_log errors;
    pg_logger log(options(t, &errors));
    const auto base = std::chrono::system_clock::now() - 1h;
    const std::string tricky = "message with, comma \"quote\" and\nnewline";
    struct item {
        level l;
        const char* tenant;
        const char* service;
        std::string message;
        int minute;
    };
    const item items[] = {
        {level::info, "A", "s1", "user login succeeded", 1},
        {level::error, "A", "s1", "payment gateway timeout", 2},
        {level::error, "B", "s2", "payment declined by bank", 3},
        {level::warn, "A", "s2", "disk almost full", 4},
        {level::debug, "B", "s1", "payment debug trace", 5},
        {level::info, "A", "s1", tricky, 6},
        {level::error, "A", "s1", "payment gateway timeout again", 10},
    };
    for (const auto& it : items) {
        const inkwell::field f[] = {text_field("tenantId", it.tenant), text_field("service", it.service)};
        ingest(log, it.l, it.message, base + std::chrono::minutes(it.minute), "query", f);
    }
    settle(pg_sink(log));
    BOOST_TEST(errors.size() == 0u, errors.all());

    auto q = [&](inkwell::postgres_filter f) {
        auto r = pg_sink(log)->query(f);
        BOOST_TEST(r.ok, r.error);
        return r.rows;
    };
    using set = std::set<std::string>;
    inkwell::postgres_filter f;
    f.text = "payment";
    BOOST_TEST((messages(q(f)) == set{"payment gateway timeout", "payment declined by bank", "payment debug trace",
                                      "payment gateway timeout again"}));
    f.min_level = level::error;
    BOOST_TEST((messages(q(f)) ==
                set{"payment gateway timeout", "payment declined by bank", "payment gateway timeout again"}));
    f.tenant = "A";
    BOOST_TEST((messages(q(f)) == set{"payment gateway timeout", "payment gateway timeout again"}));
    f.service = "s1";
    f.from = base + 1min;
    f.to = base + 5min;
    BOOST_TEST((messages(q(f)) == set{"payment gateway timeout"}));

    inkwell::postgres_filter by_time;
    by_time.from = base + 3min;
    by_time.to = base + 6min;
    BOOST_TEST((messages(q(by_time)) == set{"payment declined by bank", "disk almost full", "payment debug trace", tricky}));
    inkwell::postgres_filter by_service;
    by_service.service = "s2";
    BOOST_TEST((messages(q(by_service)) == set{"payment declined by bank", "disk almost full"}));
    inkwell::postgres_filter web;
    web.text = "gateway -again";
    BOOST_TEST((messages(q(web)) == set{"payment gateway timeout"}));
    inkwell::postgres_filter newest;
    newest.limit = 2;
    auto two = q(newest);
    BOOST_REQUIRE(two.size() == 2u);
    BOOST_TEST(two[0].message == "payment gateway timeout again");
    BOOST_TEST(two[1].message == tricky);
    BOOST_TEST(two[0].tenant_id == "A");
    BOOST_TEST(two[0].service == "s1");
    BOOST_TEST((two[0].severity == level::error));
    BOOST_TEST(std::chrono::abs(two[0].time - (base + 10min)) < 1ms);

    // Export: JSONL parses back to the stored entries, CSV keeps the tricky message whole.
    auto all = q(inkwell::postgres_filter{});
    BOOST_REQUIRE(all.size() == std::size(items));
    const std::string jsonl = inkwell::postgres_export_jsonl(all);
    std::vector<nlohmann::json> parsed;
    std::size_t from = 0;
    for (std::size_t nl; (nl = jsonl.find('\n', from)) != std::string::npos; from = nl + 1)
        parsed.push_back(nlohmann::json::parse(jsonl.substr(from, nl - from)));
    BOOST_REQUIRE(parsed.size() == all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        BOOST_TEST(parsed[i].at("message") == all[i].message);
        BOOST_TEST(parsed[i].at("metadata").at("tenantId") == all[i].tenant_id);
    }
    const std::string csv = inkwell::postgres_export_csv(all);
    auto table = parse_csv(csv);
    BOOST_REQUIRE(table.size() == all.size() + 1);
    BOOST_REQUIRE(table[0].size() == 14u);
    BOOST_TEST(table[0][10] == "message");
    std::set<std::string> csv_messages;
    for (std::size_t i = 1; i < table.size(); ++i) {
        BOOST_REQUIRE(table[i].size() == 14u);
        csv_messages.insert(table[i][10]);
        BOOST_TEST(table[i][0] == all[i - 1].id);
    }
    BOOST_TEST(csv_messages == messages(all));
    BOOST_TEST(csv_messages.count(tricky) == 1u);
}
