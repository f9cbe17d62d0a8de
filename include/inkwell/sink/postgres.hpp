#pragma once
// sink::postgres — records into a PostgreSQL table partitioned by month, for
// querying across services and tenants (platform-structured-logging.md's
// platform_logs). Needs libpq: link the CMake target inkwell::postgres (or
// -lpq). Only this header includes <libpq-fe.h>; the rest of inkwell links
// nothing new. With the single header, include <inkwell.hpp> before this file.
//
//   struct platform_config : inkwell::default_config {
//       using sink = inkwell::sink::postgres;
//       using formatter = inkwell::format::jsonl;   // the stored `entry`
//       using buffer = inkwell::buffer::async<>;
//   };
//   inkwell::basic_logger<platform_config> log({.settings = {{"postgres", "host=db dbname=logs"}}});
//
// Settings (logger_options::settings):
//   postgres                     libpq conninfo; empty: libpq's defaults and PG* variables
//   postgres.table               table name, [a-z_][a-z0-9_]{0,39}; default platform_logs
//   postgres.retention.error     days kept, error and critical (default 30; 0 keeps forever)
//   postgres.retention.warn      days kept, warn (14)
//   postgres.retention.info      days kept, info and perf (7)
//   postgres.retention.debug     days kept, debug and trace (1)
//   postgres.retention.interval  seconds between retention runs on the sink's thread (3600; 0: only at start)
//   postgres.queue_mb            bound of the queue in MiB (64): beyond it records are dropped and counted
//   postgres.batch               records per COPY batch (5000)
//   postgres.connections         connections (each with its queue and thread) used in turn, a batch
//                                each, so the server inserts in parallel (2; 1..16)
//   postgres.flush_timeout_ms    how long flush() waits for the server (10000)
//   postgres.shutdown_timeout_ms how long the destructor tries to deliver what is queued (5000)
//   postgres.synchronous_commit  on (default) or off: off lets the server acknowledge a batch
//                                before its WAL is on disk (faster commits), and a server crash
//                                can then lose the last acknowledged rows: opt-in, not durable
//
// write() only formats one (binary) COPY row and queues it (detail::remote_queue):
// the logger never waits for the server. Each connection's thread sends
// batches: a batch sent for the first time is one COPY ... FROM STDIN into
// the table (all rows or none); a batch sent again after a failure (it may
// have landed before the connection broke) goes through a temporary staging
// table and INSERT ... SELECT ... ON CONFLICT DO NOTHING. A lost connection
// means reconnect (backoff with jitter) and send the same batch again; each
// record carries a unique event id (the primary key with the timestamp):
// at-least-once delivery, exactly-once rows. Records that do not fit in the
// queue are dropped, counted (stats(), the logger's stats().dropped) and
// reported by a note record ("inkwell: N records dropped since ...") stored
// before that connection's next record. Log text only ever travels as COPY
// data or as parameters, never inside SQL.
//
// The table (docs/postgres.md lists the columns and indexes) is created when
// missing, with the partitions of the current and the next month; a record
// of another month gets its partition before its batch is inserted (no
// DEFAULT partition). Schema changes take an advisory lock, so processes
// starting together do not trip over each other.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif
#include "../detail/remote_queue.hpp"  // not in the umbrella: the queue the server sinks share
#include "../detail/csv.hpp"
#include "../detail/pg_text.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

INKWELL_BEGIN_NAMESPACE

// ---------------------------------------------------------------------------
// Shared vocabulary: retention, query filter and rows.

// Days each level band is kept; 0 keeps it forever.
struct postgres_retention_days {
    int error = 30;  // error, critical and above
    int warn = 14;   // warn .. below error
    int info = 7;    // info, perf .. below warn
    int debug = 1;   // debug, trace
};

struct postgres_retention_result {
    bool ok = false;
    std::string error;                          // why not, when !ok
    std::uint64_t deleted_rows = 0;             // rows past their level's limit
    std::vector<std::string> dropped_partitions; // whole partitions past the longest limit
};

// What postgres_query() returns: every criterion left at its default matches all.
struct postgres_filter {
    time_point from = time_point::min();   // timestamp >= from
    time_point to = time_point::max();     // timestamp <= to
    level min_level = level::trace;        // level_num >= this
    std::string tenant;                    // tenant_id equals; empty: any
    std::string service;                   // service equals; empty: any
    std::string text;                      // web-search syntax, matched as by to_tsvector('simple', message); empty: any
    std::size_t limit = 1000;              // newest first; 0: no limit
};

struct postgres_row {
    std::string id;
    time_point time{};
    level severity = level::info;
    std::string level_name, category, service, tenant_id, tenant_slug, user_id, session_id, request_id, trace_id,
        span_id, message, source_file;
    int source_line = 0;
    std::string source_function, logger;
    std::string entry;  // the stored JSON object (json: the line as stored)
};

struct postgres_query_result {
    bool ok = false;
    std::string error;
    std::vector<postgres_row> rows;
};

namespace detail {
namespace pg {

// --- libpq ownership --------------------------------------------------------
struct result {
    PGresult* r = nullptr;
    explicit result(PGresult* p) noexcept : r(p) {}
    result(const result&) = delete;
    result& operator=(const result&) = delete;
    ~result() {
        if (r) PQclear(r);
    }
    void reset(PGresult* p) noexcept {
        if (r) PQclear(r);
        r = p;
    }
    ExecStatusType status() const noexcept { return r ? PQresultStatus(r) : PGRES_FATAL_ERROR; }
    std::string_view sqlstate() const noexcept {
        const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        return s ? std::string_view{s} : std::string_view{};
    }
};

struct connection {
    PGconn* c = nullptr;
    connection() = default;
    connection(connection&& o) noexcept : c(std::exchange(o.c, nullptr)) {}
    connection& operator=(connection&& o) noexcept {
        if (this != &o) {
            close();
            c = std::exchange(o.c, nullptr);
        }
        return *this;
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { close(); }
    void close() noexcept {
        if (c) PQfinish(c);
        c = nullptr;
    }
    bool ok() const noexcept { return c && PQstatus(c) == CONNECTION_OK; }
    std::string error() const { return c ? trimmed(PQerrorMessage(c)) : std::string("no connection"); }

    static std::string trimmed(const char* text) {
        std::string s = text ? text : "";
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
        return s;
    }

    bool open(const std::string& conninfo, std::string& why) {
        close();
        c = PQconnectdb(conninfo.c_str());
        if (!ok()) {
            why = error();
            close();
            return false;
        }
        // "already exists, skipping" and the like: not for the program's stderr.
        PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
        if (PQsetClientEncoding(c, "UTF8") != 0) {
            why = "cannot set client_encoding to UTF8: " + error();
            close();
            return false;
        }
        return true;
    }

    // A statement without parameters (SQL of ours only).
    bool exec(const std::string& sql, std::string& why, std::string* sqlstate = nullptr) {
        result res(PQexec(c, sql.c_str()));
        return check(res, why, sqlstate);
    }
    // A statement with text parameters (nullptr: NULL).
    bool exec_params(const std::string& sql, std::span<const char* const> params, std::string& why,
                     result* keep = nullptr) {
        PGresult* r = PQexecParams(c, sql.c_str(), static_cast<int>(params.size()), nullptr, params.data(), nullptr,
                                   nullptr, 0);
        if (keep) {
            keep->reset(r);
            return check(*keep, why, nullptr);
        }
        result res(r);
        return check(res, why, nullptr);
    }
    bool check(const result& res, std::string& why, std::string* sqlstate) {
        const auto st = res.status();
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return true;
        why = res.r ? trimmed(PQresultErrorMessage(res.r)) : error();
        if (why.empty()) why = error();
        if (sqlstate) sqlstate->assign(res.sqlstate());
        return false;
    }
};

// --- identifiers -------------------------------------------------------------
// A table name of ours: lower-case letters, digits and '_', not starting
// with a digit, at most 40 characters (index and partition names add to it).
inline bool valid_table_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 40) return false;
    if (name[0] >= '0' && name[0] <= '9') return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}
inline std::string quote_identifier(std::string_view identifier) { return "\"" + std::string(identifier) + "\""; }

// "<table>_pYYYYMM"
inline std::string partition_name(std::string_view table, std::int32_t month) {
    std::string s(table);
    s += "_p";
    char digits[8];
    put_digits(digits, static_cast<unsigned>(month_key_year(month)), 4);
    put_digits(digits + 4, month_key_month(month), 2);
    s.append(digits, 6);
    return s;
}
// The month of a partition name of `table`, or false.
inline bool partition_month(std::string_view table, std::string_view name, std::int32_t& month) {
    if (name.size() != table.size() + 8 || name.substr(0, table.size()) != table ||
        name.substr(table.size(), 2) != "_p")
        return false;
    int year = 0, mon = 0;
    const char* p = name.data() + table.size() + 2;
    if (std::from_chars(p, p + 4, year).ptr != p + 4 || std::from_chars(p + 4, p + 6, mon).ptr != p + 6) return false;
    if (mon < 1 || mon > 12) return false;
    month = year * 12 + mon - 1;
    return true;
}

// The full-text index is on the message's words: the text search
// configuration inkwell_words is 'simple' without the number token types
// (int, uint, float, sfloat, version), so a record's order number or
// duration is not a key of its own in the index — the keys that make GIN
// maintenance cost most, one new key per record (about a fifth of the
// server's time per row). The query helper finds candidates through this
// index and checks each with to_tsvector('simple', message), which keeps
// numbers: its answers are those of the 'simple' search.
inline constexpr std::string_view message_tsvector = "to_tsvector('inkwell_words'::regconfig, message)";
inline constexpr std::string_view message_tsvector_all = "to_tsvector('simple'::regconfig, message)";

// Makes inkwell_words in the current schema unless it is there; a process
// creating it at the same moment (for another table) is not an error.
inline constexpr std::string_view create_words_configuration_sql =
    "DO $inkwell$ BEGIN\n"
    "  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config "
    "WHERE cfgname = 'inkwell_words' AND cfgnamespace = current_schema()::regnamespace) THEN\n"
    "    CREATE TEXT SEARCH CONFIGURATION inkwell_words (COPY = pg_catalog.simple);\n"
    "    ALTER TEXT SEARCH CONFIGURATION inkwell_words DROP MAPPING FOR int, uint, float, sfloat, version;\n"
    "  END IF;\n"
    "EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;\n"
    "END $inkwell$;\n";

// The columns a batch carries, in COPY order.
inline constexpr std::string_view copy_columns =
    "id, \"timestamp\", level, level_num, category, service, tenant_id, tenant_slug, user_id, session_id, "
    "request_id, trace_id, span_id, message, source_file, source_line, source_function, logger, entry";

inline std::string create_table_sql(std::string_view table) {
    const std::string t = quote_identifier(table);
    const std::string n(table);
    std::string s(create_words_configuration_sql);
    s += "CREATE TABLE IF NOT EXISTS " + t +
         " (id uuid NOT NULL, \"timestamp\" timestamptz NOT NULL, level text NOT NULL, level_num smallint NOT NULL, "
         "category text, service text, tenant_id text, tenant_slug text, user_id text, session_id text, "
         "request_id text, trace_id text, span_id text, message text NOT NULL, source_file text, "
         "source_line integer, source_function text, logger text, entry json NOT NULL, "
         "PRIMARY KEY (\"timestamp\", id)) PARTITION BY RANGE (\"timestamp\");\n";
    // The primary key, time first, is the index for time too (a range of
    // time, newest first): no second btree on "timestamp" to maintain.
    s += "CREATE INDEX IF NOT EXISTS " + quote_identifier(n + "_level_idx") + " ON " + t + " (level_num, \"timestamp\");\n";
    s += "CREATE INDEX IF NOT EXISTS " + quote_identifier(n + "_tenant_idx") + " ON " + t + " (tenant_id, \"timestamp\");\n";
    s += "CREATE INDEX IF NOT EXISTS " + quote_identifier(n + "_service_idx") + " ON " + t + " (service, \"timestamp\");\n";
    s += "CREATE INDEX IF NOT EXISTS " + quote_identifier(n + "_message_fts_idx") + " ON " + t + " USING gin (" +
         std::string(message_tsvector) + ") WITH (gin_pending_list_limit = 4096);\n";
    s += "CREATE INDEX IF NOT EXISTS " + quote_identifier(n + "_recent_errors_idx") + " ON " + t +
         " (\"timestamp\" DESC) WHERE level_num >= 50;\n";
    return s;
}

inline std::string create_partition_sql(std::string_view table, std::int32_t month) {
    std::string from, to;
    append_utc_micros(from, month_start_micros(month));
    append_utc_micros(to, month_start_micros(month + 1));
    return "CREATE TABLE IF NOT EXISTS " + quote_identifier(partition_name(table, month)) + " PARTITION OF " + quote_identifier(table) +
           " FOR VALUES FROM ('" + from + "') TO ('" + to + "')";
}

// Runs `sql` in a transaction holding the table's advisory lock, so that
// processes starting together create the schema once, one after the other.
inline bool locked_ddl(connection& c, std::string_view table, const std::string& sql, std::string& why) {
    if (!c.exec("BEGIN", why)) return false;
    const std::string key = "inkwell:" + std::string(table);
    const char* params[] = {key.c_str()};
    if (!c.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", params, why) || !c.exec(sql, why)) {
        std::string ignored;
        c.exec("ROLLBACK", ignored);
        return false;
    }
    return c.exec("COMMIT", why);
}

inline bool ensure_table(connection& c, std::string_view table, std::string& why) {
    return locked_ddl(c, table, create_table_sql(table), why);
}
inline bool ensure_partition(connection& c, std::string_view table, std::int32_t month, std::string& why) {
    return locked_ddl(c, table, create_partition_sql(table, month), why);
}

// Level bands of retention: [low, high) of level_num.
inline postgres_retention_result apply_retention(connection& c, std::string_view table,
                                                 const postgres_retention_days& days, time_point now) {
    postgres_retention_result out;
    const std::int64_t now_us = epoch_microseconds(now);
    constexpr std::int64_t day_us = 86400LL * 1000000;
    const int longest_kept = (days.error <= 0 || days.warn <= 0 || days.info <= 0 || days.debug <= 0)
                                 ? 0
                                 : std::max(std::max(days.error, days.warn), std::max(days.info, days.debug));
    // 1. Whole partitions that end before the longest limit.
    if (longest_kept > 0) {
        const std::int64_t cutoff = now_us - longest_kept * day_us;
        const std::string t(table);
        const char* params[] = {t.c_str()};
        result children(nullptr);
        if (!c.exec_params("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                           "JOIN pg_class p ON p.oid = i.inhparent "
                           "WHERE p.relname = $1 AND p.relnamespace = c.relnamespace "
                           "AND p.relnamespace = ANY (current_schemas(false)::regnamespace[])",
                           params, out.error, &children))
            return out;
        std::vector<std::string> old;
        for (int i = 0; i < PQntuples(children.r); ++i) {
            std::string name = PQgetvalue(children.r, i, 0);
            std::int32_t month = 0;
            if (partition_month(table, name, month) && month_start_micros(month + 1) <= cutoff)
                old.push_back(std::move(name));
        }
        for (auto& name : old) {
            // The name was read from the catalog and matched <table>_pYYYYMM.
            if (!locked_ddl(c, table, "DROP TABLE IF EXISTS " + quote_identifier(name), out.error)) return out;
            out.dropped_partitions.push_back(name);
        }
    }
    // 2. Rows past their own level's limit.
    struct band {
        int low, high, days;
    };
    const band bands[] = {{50, 32767, days.error}, {40, 50, days.warn}, {30, 40, days.info}, {0, 30, days.debug}};
    const std::string sql = "DELETE FROM " + quote_identifier(table) +
                            " WHERE level_num >= $1::smallint AND level_num < $2::int AND \"timestamp\" < $3::timestamptz";
    for (const band& b : bands) {
        if (b.days <= 0) continue;
        const std::string low = std::to_string(b.low), high = std::to_string(b.high);
        std::string cutoff;
        append_utc_micros(cutoff, now_us - b.days * day_us);
        const char* params[] = {low.c_str(), high.c_str(), cutoff.c_str()};
        result res(nullptr);
        if (!c.exec_params(sql, params, out.error, &res)) return out;
        const char* n = PQcmdTuples(res.r);
        std::uint64_t count = 0;
        if (n && *n) std::from_chars(n, n + std::char_traits<char>::length(n), count);
        out.deleted_rows += count;
    }
    out.ok = true;
    return out;
}

// --- rows --------------------------------------------------------------------
// The JSON object stored for a line that is not one (another formatter).
inline void build_entry(const record& r, std::string& out) {
    line_buffer b;
    append(b, "{\"timestamp\":\"");
    append_iso8601_utc_ms(b, r.time);
    append(b, "\",\"level\":");
    append_json_quoted(b, level_name(r.severity));
    append(b, ",\"message\":");
    append_json_quoted(b, r.message);
    append(b, ",\"category\":");
    append_json_quoted(b, r.category);
    append(b, ",\"logger\":");
    append_json_quoted(b, r.logger_name);
    append(b, ",\"sessionId\":");
    append_json_quoted(b, r.session_id);
    if (const std::string_view file = r.where.file_name(); !file.empty()) {
        append(b, ",\"source\":\"");
        append_json_string(b, file);
        b.push_back(':');
        append_integer(b, r.where.line);
        b.push_back('"');
    }
    bool any_context = false;
    for_each_context(r, [&](std::string_view key, const field_value& v) {
        append(b, any_context ? "," : ",\"context\":{");
        any_context = true;
        append_json_quoted(b, key);
        b.push_back(':');
        append_json_field_value(b, v);
    });
    if (any_context) b.push_back('}');
    append(b, ",\"metadata\":{");
    bool first = true;
    for (const field& f : r.fields) {
        if (!first) b.push_back(',');
        first = false;
        append_json_quoted(b, f.key);
        b.push_back(':');
        append_json_field_value(b, f.value);
    }
    append(b, "}}");
    out.append(b.data(), b.size());
}

// The number of columns of a row (copy_columns).
inline constexpr std::uint16_t copy_column_count = 19;

// One binary COPY row (copy_columns, in order) for record `r` formatted as
// `line`.
inline void append_row(std::string& out, const record& r, std::string_view line, const event_id_source& ids,
                       std::uint64_t id_number) {
    std::string scratch;
    auto optional = [&](std::string_view text) {
        if (text.empty())
            append_copy_null(out);
        else
            append_copy_text(out, text);
    };
    auto from_field = [&](std::string_view key, std::string_view fallback = {}) {
        std::string_view text;
        const field_value* v = find_field(r, key);  // call-site field, else context (context.hpp)
        if (!(v && field_text(*v, scratch, text) && !text.empty())) text = fallback;
        optional(text);
    };
    append_copy_field_count(out, copy_column_count);
    ids.append_copy(out, id_number);
    append_copy_timestamp(out, epoch_microseconds(r.time));
    append_copy_text(out, level_name(r.severity));
    append_copy_int16(out, static_cast<std::int16_t>(to_underlying(r.severity)));
    optional(r.category);
    {
        std::string_view fallback = !r.category.empty() ? r.category : r.logger_name;
        from_field("service", fallback);
    }
    from_field("tenantId");
    from_field("tenantSlug");
    from_field("userId");
    from_field("sessionId", r.session_id);
    from_field("requestId");
    from_field("traceId");
    from_field("spanId");
    append_copy_text(out, r.message);
    optional(r.where.file ? std::string_view{r.where.file} : std::string_view{});
    if (r.where.line != 0)
        append_copy_int32(out, static_cast<std::int32_t>(r.where.line));
    else
        append_copy_null(out);
    optional(r.where.function ? std::string_view{r.where.function} : std::string_view{});
    optional(r.logger_name);
    // entry: the line when it is a JSON object, else one built from the record.
    std::string_view body = line;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
    scratch.clear();
    if (body.empty() || body.front() != '{' || !json_object_checker::copy(body, scratch)) {
        scratch.clear();
        build_entry(r, scratch);
    }
    append_copy_text(out, scratch);  // json: the text itself
}

}  // namespace pg
}  // namespace detail


// ---------------------------------------------------------------------------
// Query and export.

namespace detail {
namespace pg {

// Whether a web search for `text` may be narrowed through the words index
// (message_tsvector) without losing a match of the 'simple' search: not
// when the text has `or` or a `-` negation (a number dropped from an
// alternative or from a negated term would let the words search exclude
// rows that the 'simple' search keeps). Otherwise the rows are checked one
// by one within the other criteria.
inline bool search_may_use_words(std::string_view text) noexcept {
    auto separates = [&](std::size_t i) {  // before a term, or after one
        return i >= text.size() || text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' ||
               text[i] == '"';
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i != 0 && !separates(i - 1)) continue;
        if (text[i] == '-') return false;
        if ((text[i] == 'o' || text[i] == 'O') && i + 1 < text.size() && (text[i + 1] == 'r' || text[i + 1] == 'R') &&
            separates(i + 2))
            return false;
    }
    return true;
}

// Whether `table` has its full-text index on message_tsvector (tables made
// before inkwell_words have it on message_tsvector_all, and are searched
// with that alone) and `text` leaves a word in the words search (numbers
// alone leave none, and an empty search matches nothing).
inline bool words_index_narrows(connection& c, std::string_view table, const std::string& text) {
    const std::string t = quote_identifier(table);
    const char* params[] = {t.c_str(), text.c_str()};
    result res(nullptr);
    std::string ignored;
    if (!c.exec_params("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index WHERE indrelid = to_regclass($1) AND "
                       "pg_catalog.pg_get_indexdef(indexrelid) LIKE '%inkwell_words%') AND "
                       "numnode(websearch_to_tsquery('inkwell_words'::regconfig, $2::text)) > 0",
                       params, ignored, &res))
        return false;
    return PQntuples(res.r) == 1 && std::string_view(PQgetvalue(res.r, 0, 0)) == "t";
}

inline postgres_query_result query(connection& c, std::string_view table, const postgres_filter& f) {
    postgres_query_result out;
    const std::string from = f.from == time_point::min() ? std::string() : utc_micros_text(f.from);
    const std::string to = f.to == time_point::max() ? std::string() : utc_micros_text(f.to);
    const std::string min_level = std::to_string(to_underlying(f.min_level));
    const std::string limit = std::to_string(f.limit);
    const char* params[] = {from.empty() ? nullptr : from.c_str(),
                            to.empty() ? nullptr : to.c_str(),
                            min_level.c_str(),
                            f.tenant.empty() ? nullptr : f.tenant.c_str(),
                            f.service.empty() ? nullptr : f.service.c_str(),
                            f.text.empty() ? nullptr : f.text.c_str(),
                            f.limit == 0 ? nullptr : limit.c_str()};
    std::string sql =
        "SELECT id::text, (extract(epoch FROM \"timestamp\") * 1000000)::bigint, level_num, level, category, "
        "service, tenant_id, tenant_slug, user_id, session_id, request_id, trace_id, span_id, message, "
        "source_file, source_line, source_function, logger, entry::text FROM " +
        quote_identifier(table);
    // Every parameter appears once with its type; a NULL one (no such
    // criterion) folds away when the statement is planned with its values.
    sql += " WHERE level_num >= $3::smallint"
           " AND ($1::timestamptz IS NULL OR \"timestamp\" >= $1::timestamptz)"
           " AND ($2::timestamptz IS NULL OR \"timestamp\" <= $2::timestamptz)"
           " AND ($4::text IS NULL OR tenant_id = $4::text)"
           " AND ($5::text IS NULL OR service = $5::text)"
           " AND ($6::text IS NULL OR " + std::string(message_tsvector_all) +
           " @@ websearch_to_tsquery('simple'::regconfig, $6::text))";
    // The candidates through the words index, when it can narrow the search
    // (the condition above then checks each).
    if (!f.text.empty() && search_may_use_words(f.text) && words_index_narrows(c, table, f.text))
        sql += " AND " + std::string(message_tsvector) + " @@ websearch_to_tsquery('inkwell_words'::regconfig, $6::text)";
    sql += " ORDER BY \"timestamp\" DESC, id LIMIT $7::bigint";
    result res(nullptr);
    if (!c.exec_params(sql, params, out.error, &res)) return out;
    const int n = PQntuples(res.r);
    out.rows.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        auto text = [&](int col) {
            return PQgetisnull(res.r, i, col) ? std::string() : std::string(PQgetvalue(res.r, i, col));
        };
        auto number = [&](int col) -> std::int64_t {
            if (PQgetisnull(res.r, i, col)) return 0;
            const char* v = PQgetvalue(res.r, i, col);
            std::int64_t x = 0;
            std::from_chars(v, v + std::char_traits<char>::length(v), x);
            return x;
        };
        postgres_row row;
        row.id = text(0);
        row.time = time_point{std::chrono::duration_cast<time_point::duration>(std::chrono::microseconds{number(1)})};
        row.severity = static_cast<level>(number(2));
        row.level_name = text(3);
        row.category = text(4);
        row.service = text(5);
        row.tenant_id = text(6);
        row.tenant_slug = text(7);
        row.user_id = text(8);
        row.session_id = text(9);
        row.request_id = text(10);
        row.trace_id = text(11);
        row.span_id = text(12);
        row.message = text(13);
        row.source_file = text(14);
        row.source_line = static_cast<int>(number(15));
        row.source_function = text(16);
        row.logger = text(17);
        row.entry = text(18);
        out.rows.push_back(std::move(row));
    }
    out.ok = true;
    return out;
}
}  // namespace pg
}  // namespace detail

// Rows of `table` that match `filter`, newest first, over a connection of
// its own (conninfo as for the sink). Never throws; `ok` says whether it worked.
inline postgres_query_result postgres_query(std::string_view conninfo, const postgres_filter& filter,
                                            std::string_view table = "platform_logs") {
    postgres_query_result out;
    if (!detail::pg::valid_table_name(table)) {
        out.error = "invalid table name";
        return out;
    }
    detail::pg::connection c;
    if (!c.open(std::string(conninfo), out.error)) return out;
    return detail::pg::query(c, table, filter);
}

// The rows as JSON Lines: each row's stored entry, one per line.
inline std::string postgres_export_jsonl(std::span<const postgres_row> rows) {
    std::string out;
    for (const auto& r : rows) {
        out += r.entry;
        out.push_back('\n');
    }
    return out;
}

// The rows as CSV (RFC 4180: a header line, CRLF line ends, fields holding
// a comma, quote or line break quoted with quotes doubled).
inline std::string postgres_export_csv(std::span<const postgres_row> rows) {
    std::string out =
        "id,timestamp,level,category,service,tenant_id,user_id,session_id,request_id,trace_id,message,"
        "source_file,source_line,logger\r\n";
    for (const auto& r : rows) {
        using detail::append_csv_field;
        append_csv_field(out, r.id);
        out.push_back(',');
        out += detail::pg::utc_micros_text(r.time, true);
        out.push_back(',');
        append_csv_field(out, r.level_name);
        for (const std::string* s : {&r.category, &r.service, &r.tenant_id, &r.user_id, &r.session_id, &r.request_id,
                                     &r.trace_id, &r.message, &r.source_file}) {
            out.push_back(',');
            append_csv_field(out, *s);
        }
        out.push_back(',');
        if (r.source_line != 0) out += std::to_string(r.source_line);
        out.push_back(',');
        append_csv_field(out, r.logger);
        out.append("\r\n");
    }
    return out;
}

// Retention over a connection of its own: rows older than their level's
// limit deleted, partitions wholly older than the longest limit dropped.
inline postgres_retention_result postgres_apply_retention(std::string_view conninfo, std::string_view table,
                                                          const postgres_retention_days& days, time_point now) {
    postgres_retention_result out;
    if (!detail::pg::valid_table_name(table)) {
        out.error = "invalid table name";
        return out;
    }
    detail::pg::connection c;
    if (!c.open(std::string(conninfo), out.error)) return out;
    return detail::pg::apply_retention(c, table, days, now);
}

// ---------------------------------------------------------------------------
// The sink.

struct postgres_stats {
    std::uint64_t queued = 0;          // records accepted into the queue (notes included)
    std::uint64_t sent = 0;            // records the server acknowledged (a rejected row counts here too)
    std::uint64_t dropped = 0;         // records lost: queue full, or still queued at shutdown
    std::uint64_t reconnects = 0;      // successful connects after the first
    std::uint64_t failed_sends = 0;    // failed connect or send attempts
    std::uint64_t rejected = 0;        // rows the server refused as data (counted in the logger's dropped too)
    std::uint64_t retention_runs = 0;  // retention passes done by the sink's thread
    std::size_t queued_bytes = 0;
    bool connected = false;
};

namespace detail {
namespace pg {

struct event {
    std::string row;         // one binary COPY row
    std::int32_t month = 0;  // month_key of the record's time: its partition
};

// What the sink and its queue's thread share: settings (fixed after the
// sink is made) and counters.
struct shared_state {
    std::string conninfo;
    std::string table = "platform_logs";
    postgres_retention_days retention{};
    std::chrono::seconds retention_interval{3600};
    bool synchronous_commit = true;  // false: postgres.synchronous_commit=off (opt-in, not durable)
    std::string logger_name;
    std::string session_id;
    error_reporter* errors = nullptr;
    time_point (*now)() noexcept = &inkwell::clock::system::now;
    event_id_source note_ids = event_id_source::random();  // ids of the drop notes
    std::atomic<std::uint64_t> note_counter{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> retention_runs{0};

    void report(error_kind kind, const std::string& why) const noexcept {
        if (errors) errors->report({kind, 0, "postgres", why});
    }
};

// The queue's transport: connect, send a batch, make the drop note.
class transport {
public:
    explicit transport(std::shared_ptr<shared_state> s) : s_(std::move(s)) {}

    bool connect(std::string& error) {
        if (!c_.open(s_->conninfo, error)) return false;
        // Opt-in only: the server acknowledges a batch before its WAL is on
        // disk, so a server crash can lose the last acknowledged rows.
        if (!s_->synchronous_commit && !c_.exec("SET synchronous_commit = off", error)) return fail_connect(error);
        if (!schema_ready_) {
            if (!ensure_table(c_, s_->table, error)) return fail_connect(error);
            schema_ready_ = true;
        }
        // The staging table lives as long as the session; emptied by each commit.
        std::string sql = "CREATE TEMP TABLE IF NOT EXISTS inkwell_stage (id uuid, \"timestamp\" timestamptz, "
                          "level text, level_num smallint, category text, service text, tenant_id text, "
                          "tenant_slug text, user_id text, session_id text, request_id text, trace_id text, "
                          "span_id text, message text, source_file text, source_line integer, "
                          "source_function text, logger text, entry json) ON COMMIT DELETE ROWS";
        if (!c_.exec(sql, error)) return fail_connect(error);
        // A table made by an earlier inkwell keeps `entry` as jsonb: binary
        // COPY's json text would not do there, so its batches go through
        // the staging table (json, cast to jsonb by the INSERT).
        {
            const std::string t = quote_identifier(s_->table);
            const char* params[] = {t.c_str()};
            result type(nullptr);
            // to_regclass: a table dropped meanwhile gives no row (COPY then
            // fails with 42P01 and the table is made again on reconnect).
            if (!c_.exec_params("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                "WHERE attrelid = to_regclass($1) AND attname = 'entry' AND NOT attisdropped",
                                params, error, &type))
                return fail_connect(error);
            direct_copy_ = PQntuples(type.r) != 1 || std::string_view{PQgetvalue(type.r, 0, 0)} == "json";
        }
        const std::int32_t month = month_key(s_->now());
        if (!partition(month, error) || !partition(month + 1, error)) return fail_connect(error);
        return true;
    }

    bool send(std::span<event> batch, std::string& error) {
        maybe_retention();
        for (const event& e : batch)
            if (!partition(e.month, error)) return false;
        std::string sqlstate;
        // A batch sent for the first time goes straight into the table (one
        // COPY); one sent again after a failure, which may have landed in
        // part or in whole, through the staging table and ON CONFLICT DO
        // NOTHING. A duplicate id on a first send (another attempt's rows)
        // takes the second path too.
        if (!resending_ && direct_copy_) {
            if (copy_direct(batch, error, sqlstate)) return true;
            if (c_.ok() && sqlstate == "23505") {
                error.clear();
                sqlstate.clear();
            } else if (!c_.ok() || !is_data_error(sqlstate)) {
                return give_up(sqlstate);
            }
        }
        if (copy_and_insert(batch, error, sqlstate)) {
            resending_ = false;
            return true;
        }
        if (!c_.ok() || !is_data_error(sqlstate)) return give_up(sqlstate);
        // The server refused a row as data (it never should: every row is
        // repaired before it is queued). Send the rows one by one; a row
        // refused on its own is counted as dropped and reported.
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::string why;
            sqlstate.clear();
            if (copy_and_insert(batch.subspan(i, 1), why, sqlstate)) continue;
            if (!c_.ok() || !is_data_error(sqlstate)) {
                error = why;
                return false;
            }
            s_->rejected.fetch_add(1, std::memory_order_relaxed);
            if (s_->errors) s_->errors->count_dropped(1);
            s_->report(error_kind::send, "a row was refused and dropped: " + why);
        }
        return true;
    }

    void disconnect() noexcept { c_.close(); }

    // Only one of a sink's connections runs the periodic retention.
    void set_runs_retention(bool yes) noexcept { runs_retention_ = yes; }

    event dropped_note(std::uint64_t count, time_point since) {
        std::string text = "inkwell: " + std::to_string(count) + " records dropped since ";
        text += utc_micros_text(since, true);
        text += " (PostgreSQL queue full)";
        field f{"dropped", {}};
        f.value.type = field_value::kind::unsigned_integer;
        f.value.number.unsigned_integer = count;
        record r;
        r.severity = level::warn;
        r.time = since;  // where the gap begins, so a query by time shows the note there
        r.message = text;
        r.category = "inkwell";
        r.logger_name = s_->logger_name;
        r.session_id = s_->session_id;
        r.fields = std::span<const field>(&f, 1);
        event e;
        append_row(e.row, r, {}, s_->note_ids, s_->note_counter.fetch_add(1, std::memory_order_relaxed));
        e.month = month_key(r.time);
        return e;
    }

    static std::size_t bytes(const event& e) noexcept { return sizeof(event) + e.row.capacity(); }

private:
    bool fail_connect(std::string& error) {
        if (error.empty()) error = c_.error();
        c_.close();
        return false;
    }

    // Connection, resources, operator intervention, rollbacks, internal
    // errors, missing tables: worth sending again. Data errors are not.
    static bool is_data_error(std::string_view sqlstate) noexcept {
        return sqlstate.starts_with("22") || (sqlstate.starts_with("23") && sqlstate != "23505");
    }

    bool partition(std::int32_t month, std::string& error) {
        if (months_.count(month)) return true;
        if (!ensure_partition(c_, s_->table, month, error)) return false;
        months_.insert(month);
        return true;
    }

    // The batch will be sent again (the queue retries it): it may have landed.
    bool give_up(std::string_view sqlstate) {
        resending_ = true;
        if (sqlstate == "42P01") {  // the table is gone: make it again on reconnect
            schema_ready_ = false;
            months_.clear();
        }
        return false;
    }

    bool copy_direct(std::span<const event> batch, std::string& error, std::string& sqlstate) {
        if (!copy(batch, "COPY " + quote_identifier(s_->table) + " (" + std::string(copy_columns) + ") FROM STDIN (FORMAT binary)",
                  error, sqlstate))
            return false;
        return true;
    }

    bool copy_and_insert(std::span<const event> batch, std::string& error, std::string& sqlstate) {
        if (!c_.exec("BEGIN", error, &sqlstate)) return false;
        if (!copy(batch, "COPY inkwell_stage (" + std::string(copy_columns) + ") FROM STDIN (FORMAT binary)", error,
                  sqlstate) ||
            !c_.exec("INSERT INTO " + quote_identifier(s_->table) + " (" + std::string(copy_columns) + ") SELECT " +
                         std::string(copy_columns) + " FROM inkwell_stage ON CONFLICT DO NOTHING",
                     error, &sqlstate)) {
            std::string ignored;
            if (c_.ok()) c_.exec("ROLLBACK", ignored);
            return false;
        }
        return c_.exec("COMMIT", error, &sqlstate);
    }

    // One COPY ... FROM STDIN of the batch's rows (a statement of its own:
    // all of it or nothing).
    bool copy(std::span<const event> batch, const std::string& statement, std::string& error, std::string& sqlstate) {
        {
            result start(PQexec(c_.c, statement.c_str()));
            if (start.status() != PGRES_COPY_IN) {
                c_.check(start, error, &sqlstate);
                if (error.empty()) error = "COPY did not start";
                return false;
            }
        }
        // Rows go out in chunks of about 256 KiB, between the binary
        // format's header and trailer.
        chunk_.assign(copy_binary_header, sizeof copy_binary_header);
        bool sent_ok = true;
        for (const event& e : batch) {
            chunk_ += e.row;
            if (chunk_.size() >= 256 * 1024) {
                if (PQputCopyData(c_.c, chunk_.data(), static_cast<int>(chunk_.size())) != 1) {
                    sent_ok = false;
                    break;
                }
                chunk_.clear();
            }
        }
        chunk_.append(copy_binary_trailer, sizeof copy_binary_trailer);
        if (sent_ok && PQputCopyData(c_.c, chunk_.data(), static_cast<int>(chunk_.size())) != 1) sent_ok = false;
        chunk_.clear();
        if (chunk_.capacity() > 4 * 1024 * 1024) chunk_.shrink_to_fit();
        if (PQputCopyEnd(c_.c, sent_ok ? nullptr : "inkwell: sending failed") != 1) sent_ok = false;
        bool ok = sent_ok;
        for (PGresult* r = PQgetResult(c_.c); r != nullptr; r = PQgetResult(c_.c)) {
            result res(r);
            if (res.status() != PGRES_COMMAND_OK) {
                ok = false;
                c_.check(res, error, &sqlstate);
            }
            if (!c_.ok()) break;
        }
        if (!ok && error.empty()) error = c_.error();
        return ok;
    }

    void maybe_retention() {
        if (!runs_retention_) return;
        const time_point now = s_->now();
        if (next_retention_ != time_point{} && now < next_retention_) return;
        next_retention_ = s_->retention_interval.count() > 0
                              ? now + s_->retention_interval
                              : time_point::max();
        // The next month's partition, ahead of time, on the same schedule.
        std::string why;
        partition(month_key(now) + 1, why);
        auto done = apply_retention(c_, s_->table, s_->retention, now);
        s_->retention_runs.fetch_add(1, std::memory_order_relaxed);
        if (!done.ok) s_->report(error_kind::retention, done.error);
        if (!done.dropped_partitions.empty()) months_.clear();
    }

    std::shared_ptr<shared_state> s_;
    connection c_;
    bool schema_ready_ = false;
    std::set<std::int32_t> months_;  // partitions known to exist
    std::string chunk_;
    time_point next_retention_{};
    bool resending_ = false;
    bool direct_copy_ = true;  // entry is json: COPY straight into the table
    bool runs_retention_ = true;
};

inline int setting_int(const sink_context& context, std::string_view key, int fallback) {
    const std::string_view text = context.setting(key);
    if (text.empty()) return fallback;
    int v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < 0) {
        if (context.errors)
            context.errors->report({error_kind::open, 0, "postgres", "ignored a setting that is not a number"});
        return fallback;
    }
    return v;
}

}  // namespace pg
}  // namespace detail

namespace sink {

// A class template only so that a file that never uses it pays nothing to
// compile it; use sink::postgres.
template <class Unused = void>
class basic_postgres {
public:
    explicit basic_postgres(const sink_context& context)
        : shared_(std::make_shared<detail::pg::shared_state>()), ids_(detail::pg::event_id_source::random()) {
        using detail::pg::setting_int;
        auto& s = *shared_;
        s.conninfo = std::string(context.setting("postgres"));
        const std::string_view table = context.setting("postgres.table", "platform_logs");
        if (detail::pg::valid_table_name(table)) {
            s.table = std::string(table);
        } else if (context.errors) {
            context.errors->report({error_kind::open, 0, "postgres",
                                    "postgres.table must be [a-z_][a-z0-9_]{0,39}; using platform_logs"});
        }
        s.retention.error = setting_int(context, "postgres.retention.error", 30);
        s.retention.warn = setting_int(context, "postgres.retention.warn", 14);
        s.retention.info = setting_int(context, "postgres.retention.info", 7);
        s.retention.debug = setting_int(context, "postgres.retention.debug", 1);
        s.retention_interval = std::chrono::seconds{setting_int(context, "postgres.retention.interval", 3600)};
        if (const std::string_view sync = context.setting("postgres.synchronous_commit", "on"); sync == "off") {
            s.synchronous_commit = false;
        } else if (sync != "on" && context.errors) {
            context.errors->report({error_kind::open, 0, "postgres",
                                    "postgres.synchronous_commit must be on or off; using on"});
        }
        s.logger_name = context.logger_name;
        s.session_id = context.session_id;
        s.errors = context.errors;
        s.now = context.now;
        flush_timeout_ = std::chrono::milliseconds{setting_int(context, "postgres.flush_timeout_ms", 10000)};
        shutdown_timeout_ = std::chrono::milliseconds{setting_int(context, "postgres.shutdown_timeout_ms", 5000)};
        const auto connections = static_cast<std::size_t>(std::clamp(setting_int(context, "postgres.connections", 2), 1, 16));
        detail::remote_queue_limits limits;
        // The bound is the sink's: each connection's queue gets its share.
        limits.max_bytes = (static_cast<std::size_t>(std::max(1, setting_int(context, "postgres.queue_mb", 64))) << 20) /
                           connections;
        limits.batch_events = static_cast<std::size_t>(std::max(1, setting_int(context, "postgres.batch", 5000)));
        batch_events_ = limits.batch_events;
        for (std::size_t i = 0; i < connections; ++i) {
            detail::pg::transport t(shared_);
            t.set_runs_retention(i == 0);
            queues_.push_back(std::make_unique<queue_type>(std::move(t), limits, context.errors, "postgres"));
        }
    }
    ~basic_postgres() {
        // Every connection drains at the same time, within one timeout.
        std::vector<std::thread> stoppers;
        for (std::size_t i = 1; i < queues_.size(); ++i)
            stoppers.emplace_back([this, i] { queues_[i]->stop(shutdown_timeout_); });
        queues_[0]->stop(shutdown_timeout_);
        for (auto& t : stoppers) t.join();
    }
    basic_postgres(const basic_postgres&) = delete;
    basic_postgres& operator=(const basic_postgres&) = delete;

    // Formats the row and queues it; an error or worse asks for a send now.
    // A batch's worth of records goes to one connection, the next batch to
    // the next: the server inserts them in parallel.
    void write(const record& r, std::string_view line) {
        detail::pg::event e;
        e.row.reserve(line.size() + r.message.size() + 256);
        detail::pg::append_row(e.row, r, line, ids_, next_id_++);
        e.month = detail::pg::month_key(r.time);
        auto& q = *queues_[current_];
        if (++in_current_ >= batch_events_) {
            in_current_ = 0;
            current_ = (current_ + 1) % queues_.size();
        }
        q.push(std::move(e));
        if (r.severity >= level::error) q.send_now();
    }
    // The queues send on their own schedule (a full batch, or 100 ms):
    // nothing to do after each record.
    void commit() noexcept {}
    // Waits (at most postgres.flush_timeout_ms) until everything written
    // before was stored or counted as dropped.
    void flush() { flush(flush_timeout_); }
    // As flush(), with a timeout of the caller's; true when all was settled.
    bool flush(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        bool all = true;
        for (auto& q : queues_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            all = q->flush(std::max(left, std::chrono::milliseconds{0})) && all;
        }
        return all;
    }

    postgres_stats stats() const {
        postgres_stats s;
        for (const auto& queue : queues_) {
            const auto q = queue->stats();
            s.queued += q.pushed;
            s.sent += q.sent;
            s.dropped += q.dropped;
            s.reconnects += q.reconnects;
            s.failed_sends += q.failed_sends;
            s.queued_bytes += q.queued_bytes;
            s.connected = s.connected || q.connected;
        }
        s.rejected = shared_->rejected.load(std::memory_order_relaxed);
        s.retention_runs = shared_->retention_runs.load(std::memory_order_relaxed);
        return s;
    }

    // Retention now, for `now`, over a connection of its own (the sink's
    // thread also runs it before its first batch and every
    // postgres.retention.interval seconds).
    postgres_retention_result apply_retention(time_point now) const {
        return postgres_apply_retention(shared_->conninfo, shared_->table, shared_->retention, now);
    }
    // postgres_query() on this sink's server and table.
    postgres_query_result query(const postgres_filter& filter) const {
        return postgres_query(shared_->conninfo, filter, shared_->table);
    }

    std::string_view table() const noexcept { return shared_->table; }
    std::string_view conninfo() const noexcept { return shared_->conninfo; }
    const postgres_retention_days& retention() const noexcept { return shared_->retention; }

private:
    using queue_type = detail::remote_queue<detail::pg::event, detail::pg::transport>;

    std::shared_ptr<detail::pg::shared_state> shared_;
    detail::pg::event_id_source ids_;
    std::uint64_t next_id_ = 0;
    std::chrono::milliseconds flush_timeout_{10000}, shutdown_timeout_{5000};
    std::size_t batch_events_ = 5000, current_ = 0, in_current_ = 0;
    std::vector<std::unique_ptr<queue_type>> queues_;  // last: their threads use the members above
};

using postgres = basic_postgres<>;

}  // namespace sink
INKWELL_END_NAMESPACE
