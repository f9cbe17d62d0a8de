#pragma once
// sink::redis — every record becomes an entry of a Redis stream (XADD with
// MAXLEN ~, so the stream stays near its bound) and a message on a Pub/Sub
// channel for live viewers (PUBLISH). Needs hiredis: link the CMake target
// inkwell::redis (or -lhiredis). Only this header includes <hiredis.h>.
//
//   struct platform_redis : inkwell::default_config {
//       using sink = inkwell::sink::redis;
//       using formatter = inkwell::format::jsonl;   // the entry's "json" field is the formatted line
//   };
//   inkwell::basic_logger<platform_redis> log({.name = "billing",
//       .settings = {{"redis", "10.0.0.5:6379"}, {"redis.stream", "platform:logs"}}});
//
// Settings (logger_options::settings; docs/redis.md):
//   redis                  "host:port" (default 127.0.0.1:6379), or a unix socket path ("/run/redis.sock"
//                          or "unix:/run/redis.sock")
//   redis.stream           the stream key (default "inkwell:logs")
//   redis.channel          the Pub/Sub channel (default "inkwell:live"; "" publishes nothing)
//   redis.maxlen           the stream's bound for MAXLEN ~ (default 10000; 0: never trimmed)
//   redis.timeout_ms       connect and command timeout (default 5000): a hung server fails the send
//   redis.queue_bytes      the queue's bound in bytes (default 64 MiB); what does not fit is dropped, counted
//   redis.batch            entries per pipelined round trip (default 1000)
//   redis.batch_delay_ms   how long a partial batch waits (default 100)
//   redis.backoff_ms       first wait after a failure, doubling with ±50% jitter (default 100) ...
//   redis.backoff_max_ms   ... up to this (default 5000)
//   redis.flush_timeout_ms how long flush() waits for the server (default 5000)
//
// Each entry's fields, in this order (all strings, as Redis keeps them):
//   id         a unique event id (UUID text: this sink's random 64-bit prefix + a counter)
//   timestamp  ISO-8601 UTC with milliseconds
//   level      "info", "error", ...
//   category   the record's category
//   service    the record's "service" field (call site, else context), else the logger's name
//   tenantId   the record's "tenantId" field (call site, else context), else ""
//   message    the message
//   json       the line the logger formatted, without its '\n' (format::jsonl: every field and
//              the context)
// and PUBLISH <channel> <json>.
//
// write() only moves the entry into a bounded queue (detail::remote_queue):
// a slow or lost server never blocks the logger. The queue's thread sends
// batches pipelined over one connection (argument arrays only: no command is
// ever built from log text), reconnects with backoff and jitter and re-sends
// what was not acknowledged. An XADD written just before a connection broke
// may have landed without its reply arriving: before sending such entries
// again the sink reads the newest entries of the stream back (XREVRANGE,
// about twice their number + 1,000) and skips those whose `id` is there, so
// a reconnect does not duplicate them (stats().unconfirmed, found_in_stream).
// An entry pushed out of that window by other writers in between could still
// be sent twice: readers that must be exact dedup by `id`.
// An entry that does not fit in the queue is dropped, counted in stats() and
// in the logger's stats().dropped, and a note "N records dropped since ..."
// is the next entry once there is room.
//
// With the single header, include <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

// Not part of the umbrella header: the queue the server sinks share.
#include "../detail/remote_queue.hpp"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

INKWELL_BEGIN_NAMESPACE
namespace detail {

// One stream entry waiting to be sent: its eight values back to back in one
// string (one allocation per record).
struct redis_entry {
    static constexpr std::size_t value_count = 8;  // id timestamp level category service tenantId message json
    std::string text;
    std::array<std::uint32_t, value_count> sizes{};
    bool urgent = false;  // an error: sent at once
    bool added = false;   // the server acknowledged its XADD: a re-send skips it
    bool in_doubt = false; // written when a connection broke, no reply read: looked for before a re-send

    std::string_view value(std::size_t i) const noexcept {
        std::size_t at = 0;
        for (std::size_t k = 0; k < i; ++k) at += sizes[k];
        return {text.data() + at, sizes[i]};
    }
};

struct redis_settings {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string unix_path;  // set: a unix socket instead of host:port
    std::string stream = "inkwell:logs";
    std::string channel = "inkwell:live";
    std::uint64_t maxlen = 10000;
    std::chrono::milliseconds timeout{5000};
    std::chrono::milliseconds flush_timeout{5000};
    remote_queue_limits limits{};
};

// A field's value as the text a stream field holds.
inline void redis_append_value(std::string& out, const field_value& v) {
    char buf[64];
    switch (v.type) {
        case field_value::kind::string: out.append(v.text); return;
        case field_value::kind::boolean: out.append(v.number.boolean ? "true" : "false"); return;
        case field_value::kind::signed_integer: {
            auto r = std::to_chars(buf, buf + sizeof buf, v.number.signed_integer);
            out.append(buf, r.ptr);
            return;
        }
        case field_value::kind::unsigned_integer: {
            auto r = std::to_chars(buf, buf + sizeof buf, v.number.unsigned_integer);
            out.append(buf, r.ptr);
            return;
        }
        case field_value::kind::floating: {
            const int n = std::snprintf(buf, sizeof buf, "%.17g", v.number.floating);
            if (n > 0) out.append(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : 0);
            return;
        }
        case field_value::kind::null: return;
    }
}

// A whole number from a setting; false (out unchanged) when it is empty or not one.
inline bool redis_parse_number(std::string_view text, std::uint64_t& out) noexcept {
    if (text.empty()) return false;
    std::uint64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) return false;
    out = v;
    return true;
}

// What the sink and its queue's thread share: the settings, the counters
// and the connection (used by the queue's thread only).
class redis_state {
public:
    redis_settings settings;
    error_reporter* errors = nullptr;
    report_formatter format_report{};
    std::string logger_name;

    std::atomic<std::uint64_t> unconfirmed{0};    // written when a connection broke, before their reply
    std::atomic<std::uint64_t> found_in_stream{0}; // of those, found in the stream afterwards: not sent again
    std::atomic<std::uint64_t> refused{0};        // XADDs the server answered with an error (re-sent)
    std::atomic<std::uint64_t> publish_errors{0}; // PUBLISH answered with an error (not re-sent)

    redis_state() {
        unsigned char b[8];
        random_bytes(b, sizeof b);
        std::uint64_t p = 0;
        for (unsigned char c : b) p = (p << 8) | c;
        prefix_ = p;
    }
    ~redis_state() { disconnect(); }
    redis_state(const redis_state&) = delete;
    redis_state& operator=(const redis_state&) = delete;

    // A unique event id: 8 random bytes of this sink, then a counter, as a
    // UUID's 36 characters.
    void append_event_id(std::string& out) noexcept {
        const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
        static constexpr char hex[] = "0123456789abcdef";
        char id[36];
        std::size_t at = 0;
        for (int i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) id[at++] = '-';
            const std::uint64_t word = i < 8 ? prefix_ : n;
            const auto byte = static_cast<unsigned>((word >> (8 * (7 - (i % 8)))) & 0xFF);
            id[at++] = hex[byte >> 4];
            id[at++] = hex[byte & 0xF];
        }
        out.append(id, sizeof id);
    }

    // The entry for a record and its formatted line.
    redis_entry make_entry(const record& r, std::string_view line) {
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        redis_entry e;
        e.text.reserve(36 + 24 + 16 + r.category.size() + r.message.size() + line.size() + 64);
        std::size_t mark = 0;
        auto close = [&](std::size_t i) {
            e.sizes[i] = static_cast<std::uint32_t>(e.text.size() - mark);
            mark = e.text.size();
        };
        append_event_id(e.text);
        close(0);
        line_buffer time;
        append_iso8601_utc_ms(time, r.time);
        e.text.append(time.data(), time.size());
        close(1);
        e.text.append(level_name(r.severity));
        close(2);
        e.text.append(r.category);
        close(3);
        if (const field_value* s = find_field(r, "service"))
            redis_append_value(e.text, *s);
        else
            e.text.append(r.logger_name);
        close(4);
        if (const field_value* t = find_field(r, "tenantId")) redis_append_value(e.text, *t);
        close(5);
        e.text.append(r.message);
        close(6);
        e.text.append(line);
        close(7);
        e.urgent = r.severity >= level::error;
        return e;
    }

    // "N records dropped since ...": a warning of category "inkwell", in the
    // logger's format where the logger gave one.
    redis_entry dropped_note(std::uint64_t count, time_point since) {
        line_buffer when;
        append_iso8601_utc_ms(when, since);
        std::string message = "inkwell: " + std::to_string(count) + " records dropped since " +
                              std::string(when.data(), when.size()) + " (redis queue full)";
        record r;
        r.severity = level::warn;
        r.time = clock_type::now();
        r.message = message;
        r.category = "inkwell";
        r.logger_name = logger_name;
        std::string line;
        if (format_report) {
            format_report(message, line);
        } else {
            line_buffer json;
            append(json, "{\"level\":\"warn\",\"message\":");
            append_json_quoted(json, message);
            append(json, ",\"category\":\"inkwell\",\"timestamp\":\"");
            append_iso8601_utc_ms(json, r.time);
            append(json, "\"}");
            line.assign(json.data(), json.size());
        }
        return make_entry(r, line);
    }

    // --- the connection: the queue's thread only

    bool connect(std::string& error) {
        disconnect();
        ignore_sigpipe();
        timeval tv{};
        tv.tv_sec = static_cast<time_t>(settings.timeout.count() / 1000);
        tv.tv_usec = static_cast<suseconds_t>((settings.timeout.count() % 1000) * 1000);
        redisContext* c = settings.unix_path.empty()
                              ? redisConnectWithTimeout(settings.host.c_str(), settings.port, tv)
                              : redisConnectUnixWithTimeout(settings.unix_path.c_str(), tv);
        if (!c) {
            error = "cannot allocate a redis context";
            return false;
        }
        if (c->err) {
            error = describe(c->errstr);
            redisFree(c);
            return false;
        }
        // Reads and writes time out too: a hung server fails the send
        // instead of holding the queue's thread for ever.
        if (redisSetTimeout(c, tv) != REDIS_OK) {
            error = describe("cannot set the command timeout");
            redisFree(c);
            return false;
        }
        context_ = c;
        return true;
    }

    void disconnect() noexcept {
        if (context_) redisFree(context_);
        context_ = nullptr;
        // A write to a connection the server closed raised SIGPIPE at this
        // thread (blocked here): take it, so it never reaches the process.
        if (!sigpipe_blocked_) return;
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe, nullptr, &zero) == SIGPIPE) {
        }
    }

    // XADD (and PUBLISH) for every entry not yet acknowledged, pipelined:
    // all commands appended, then all replies read.
    bool send(std::span<redis_entry> batch, std::string& error) {
        if (!context_) {
            error = describe("not connected");
            return false;
        }
        if (!reconcile(batch, error)) return false;
        const bool publish = !settings.channel.empty();
        char maxlen_text[24];
        const auto maxlen_end = std::to_chars(maxlen_text, maxlen_text + sizeof maxlen_text, settings.maxlen).ptr;
        static constexpr std::string_view names[redis_entry::value_count] = {
            "id", "timestamp", "level", "category", "service", "tenantId", "message", "json"};
        constexpr std::size_t max_args = 7 + 2 * redis_entry::value_count;
        std::array<const char*, max_args> argv{};
        std::array<std::size_t, max_args> lengths{};

        std::size_t appended = 0;
        for (redis_entry& e : batch) {
            if (e.added) continue;
            std::size_t n = 0;
            auto arg = [&](std::string_view s) {
                argv[n] = s.data();
                lengths[n] = s.size();
                ++n;
            };
            arg("XADD");
            arg(settings.stream);
            if (settings.maxlen > 0) {
                arg("MAXLEN");
                arg("~");
                arg({maxlen_text, static_cast<std::size_t>(maxlen_end - maxlen_text)});
            }
            arg("*");
            std::size_t at = 0;
            for (std::size_t i = 0; i < redis_entry::value_count; ++i) {
                arg(names[i]);
                arg({e.text.data() + at, e.sizes[i]});
                at += e.sizes[i];
            }
            if (redisAppendCommandArgv(context_, static_cast<int>(n), argv.data(), lengths.data()) != REDIS_OK) {
                error = describe(context_->errstr);
                return false;  // nothing was written yet: re-sent whole, no duplicate
            }
            if (publish) {
                const std::string_view json = e.value(7);
                const char* pub[3] = {"PUBLISH", settings.channel.data(), json.data()};
                const std::size_t pub_len[3] = {7, settings.channel.size(), json.size()};
                if (redisAppendCommandArgv(context_, 3, pub, pub_len) != REDIS_OK) {
                    error = describe(context_->errstr);
                    return false;
                }
            }
            ++appended;
        }

        std::string refusal;
        std::size_t replied = 0;
        for (redis_entry& e : batch) {
            if (e.added) continue;
            void* raw = nullptr;
            if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
                // The connection broke: what was written without a reply may
                // have landed; the next attempt looks for it first.
                broke_before_reply(batch, appended - replied);
                error = describe(context_->errstr);
                return false;
            }
            ++replied;
            auto* reply = static_cast<redisReply*>(raw);
            if (reply->type == REDIS_REPLY_ERROR) {
                refused.fetch_add(1, std::memory_order_relaxed);
                if (refusal.empty()) refusal.assign(reply->str, reply->len);
            } else {
                e.added = true;
            }
            freeReplyObject(reply);
            if (publish) {
                raw = nullptr;
                if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
                    broke_before_reply(batch, appended - replied);
                    error = describe(context_->errstr);
                    return false;
                }
                reply = static_cast<redisReply*>(raw);
                if (reply->type == REDIS_REPLY_ERROR) publish_errors.fetch_add(1, std::memory_order_relaxed);
                freeReplyObject(reply);
            }
        }
        if (!refusal.empty()) {
            // Refused entries (LOADING, OOM, WRONGTYPE...) wait the backoff
            // and go again; the acknowledged ones are not repeated.
            error = describe(("XADD refused: " + refusal).c_str());
            return false;
        }
        return true;
    }

private:
    void broke_before_reply(std::span<redis_entry> batch, std::size_t unanswered) noexcept {
        unconfirmed.fetch_add(unanswered, std::memory_order_relaxed);
        for (redis_entry& e : batch)
            if (!e.added) e.in_doubt = true;
    }

    // Entries whose XADD went out on a connection that broke before its
    // reply may be in the stream already: the newest entries of the stream
    // are read back (XREVRANGE, a bounded count) and those whose `id` is
    // there count as added, so a re-send does not duplicate them. Entries
    // other writers appended since are skipped over within the count.
    bool reconcile(std::span<redis_entry> batch, std::string& error) {
        std::size_t doubtful = 0;
        for (const redis_entry& e : batch) doubtful += e.in_doubt && !e.added ? 1 : 0;
        if (doubtful == 0) return true;
        const std::string count = std::to_string(2 * doubtful + 1000);
        const char* argv[] = {"XREVRANGE", settings.stream.data(), "+", "-", "COUNT", count.data()};
        const std::size_t lengths[] = {9, settings.stream.size(), 1, 1, 5, count.size()};
        auto* reply = static_cast<redisReply*>(redisCommandArgv(context_, 6, argv, lengths));
        if (!reply) {
            error = describe(context_->errstr);
            return false;
        }
        if (reply->type != REDIS_REPLY_ARRAY) {
            // A server still loading its append-only file answers LOADING: the
            // entries stay in doubt and are looked for again after the backoff
            // (taking the error for "not there" re-sent entries the file held).
            const std::string refusal = reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len)
                                                                         : std::string("not an array");
            freeReplyObject(reply);
            error = describe(("XREVRANGE refused: " + refusal).c_str());
            return false;
        }
        std::vector<std::string_view> present;
        for (std::size_t i = 0; i < reply->elements; ++i) {
            const redisReply* entry = reply->element[i];
            if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) continue;
            const redisReply* fields = entry->element[1];
            if (fields->type != REDIS_REPLY_ARRAY) continue;
            for (std::size_t f = 0; f + 1 < fields->elements; f += 2)
                if (std::string_view{fields->element[f]->str, fields->element[f]->len} == "id") {
                    present.emplace_back(fields->element[f + 1]->str, fields->element[f + 1]->len);
                    break;
                }
        }
        std::sort(present.begin(), present.end());
        for (redis_entry& e : batch) {
            if (!e.in_doubt || e.added) continue;
            if (std::binary_search(present.begin(), present.end(), e.value(0))) {
                e.added = true;
                found_in_stream.fetch_add(1, std::memory_order_relaxed);
            }
            e.in_doubt = false;
        }
        freeReplyObject(reply);
        return true;
    }

    // hiredis writes with write(2): a server gone away means SIGPIPE, whose
    // default kills the process. Blocked on the queue's thread only (the
    // process's handlers are the application's business).
    void ignore_sigpipe() noexcept {
        if (sigpipe_blocked_) return;
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        sigpipe_blocked_ = pthread_sigmask(SIG_BLOCK, &pipe, nullptr) == 0;
    }

    std::string describe(const char* what) const {
        std::string s = settings.unix_path.empty() ? settings.host + ":" + std::to_string(settings.port)
                                                   : settings.unix_path;
        s += ": ";
        s += what;
        return s;
    }

    std::uint64_t prefix_ = 0;
    std::atomic<std::uint64_t> counter_{1};
    redisContext* context_ = nullptr;
    bool sigpipe_blocked_ = false;
};

// The remote_queue's Transport: a handle on the sink's state.
struct redis_transport {
    redis_state* state;
    bool connect(std::string& error) { return state->connect(error); }
    bool send(std::span<redis_entry> batch, std::string& error) { return state->send(batch, error); }
    void disconnect() noexcept { state->disconnect(); }
    redis_entry dropped_note(std::uint64_t count, time_point since) { return state->dropped_note(count, since); }
    static std::size_t bytes(const redis_entry& e) noexcept { return sizeof(redis_entry) + e.text.capacity(); }
};

// The settings from a sink_context; a value that is not understood is
// reported and its default kept.
inline redis_settings redis_settings_from(const sink_context& context) {
    redis_settings s;
    auto bad = [&](std::string_view key) {
        if (context.errors)
            context.errors->report({error_kind::connect, 0, "redis", std::string("setting ") + std::string(key) +
                                                                      " is not understood: its default is used"});
    };
    const std::string_view address = context.setting("redis");
    if (!address.empty()) {
        if (address.substr(0, 5) == "unix:") {
            s.unix_path = std::string(address.substr(5));
        } else if (address.front() == '/') {
            s.unix_path = std::string(address);
        } else {
            std::string_view host = address;
            const auto colon = address.rfind(':');
            std::uint64_t port = 6379;
            if (colon != std::string_view::npos) {
                host = address.substr(0, colon);
                if (!redis_parse_number(address.substr(colon + 1), port) || port == 0 || port > 65535) {
                    bad("redis (port)");
                    port = 6379;
                }
            }
            if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
            if (!host.empty()) s.host = std::string(host);
            s.port = static_cast<int>(port);
        }
    }
    if (auto v = context.setting("redis.stream"); !v.empty()) s.stream = std::string(v);
    for (const auto& setting : context.settings)  // "" is a valid channel value: no PUBLISH
        if (setting.key == "redis.channel") s.channel = setting.value;
    auto number = [&](std::string_view key, auto apply) {
        const std::string_view text = context.setting(key);
        if (text.empty()) return;
        std::uint64_t v = 0;
        if (redis_parse_number(text, v))
            apply(v);
        else
            bad(key);
    };
    using ms = std::chrono::milliseconds;
    number("redis.maxlen", [&](std::uint64_t v) { s.maxlen = v; });
    number("redis.timeout_ms", [&](std::uint64_t v) { s.timeout = ms{static_cast<ms::rep>(v ? v : 1)}; });
    number("redis.flush_timeout_ms", [&](std::uint64_t v) { s.flush_timeout = ms{static_cast<ms::rep>(v)}; });
    number("redis.queue_bytes", [&](std::uint64_t v) { s.limits.max_bytes = static_cast<std::size_t>(v); });
    number("redis.batch", [&](std::uint64_t v) { s.limits.batch_events = static_cast<std::size_t>(v ? v : 1); });
    number("redis.batch_delay_ms", [&](std::uint64_t v) { s.limits.batch_delay = ms{static_cast<ms::rep>(v)}; });
    number("redis.backoff_ms", [&](std::uint64_t v) { s.limits.backoff_first = ms{static_cast<ms::rep>(v ? v : 1)}; });
    number("redis.backoff_max_ms", [&](std::uint64_t v) { s.limits.backoff_max = ms{static_cast<ms::rep>(v ? v : 1)}; });
    if (s.limits.backoff_max < s.limits.backoff_first) s.limits.backoff_max = s.limits.backoff_first;
    return s;
}

}  // namespace detail

namespace sink {

// What sink::redis has done so far.
struct redis_stats {
    std::uint64_t pushed = 0;       // entries queued (drop notes included)
    std::uint64_t sent = 0;         // entries the server acknowledged
    std::uint64_t dropped = 0;      // entries lost: queue full, or still queued at shutdown
    std::uint64_t reconnects = 0;   // connections made again after a failure
    std::uint64_t failed_sends = 0; // failed connect or send attempts
    std::uint64_t unconfirmed = 0;      // entries written when a connection broke, before their reply
    std::uint64_t found_in_stream = 0;  // of those, found in the stream on reconnect and not sent again
    std::uint64_t refused = 0;      // XADDs the server answered with an error (sent again later)
    std::uint64_t publish_errors = 0;
    std::size_t queued_bytes = 0;
    bool connected = false;
};

class redis {
public:
    explicit redis(const sink_context& context) : state_(std::make_unique<detail::redis_state>()) {
        state_->settings = detail::redis_settings_from(context);
        state_->errors = context.errors;
        state_->format_report = context.format_report;
        state_->logger_name = context.logger_name;
        queue_ = std::make_unique<queue_type>(detail::redis_transport{state_.get()}, state_->settings.limits,
                                              context.errors, "redis");
    }
    ~redis() {
        // The queue's thread sends what is queued (within flush_timeout)
        // before the state it uses goes away.
        queue_->stop(state_->settings.flush_timeout);
    }
    redis(const redis&) = delete;
    redis& operator=(const redis&) = delete;

    void write(const record& r, std::string_view line) {
        detail::redis_entry e = state_->make_entry(r, line);
        const bool urgent = e.urgent;
        if (queue_->push(std::move(e)) && urgent) queue_->send_now();  // errors go out at once
    }
    // The queue sends on its own schedule (a full batch, or batch_delay).
    void commit() {}
    // Waits (at most redis.flush_timeout_ms) until every entry written
    // before the call reached the server or was counted as dropped.
    void flush() { (void)queue_->flush(state_->settings.flush_timeout); }
    // The same with a timeout of the caller's; true when all arrived.
    bool flush(std::chrono::milliseconds timeout) { return queue_->flush(timeout); }

    redis_stats stats() const {
        const auto q = queue_->stats();
        redis_stats s;
        s.pushed = q.pushed;
        s.sent = q.sent;
        s.dropped = q.dropped;
        s.reconnects = q.reconnects;
        s.failed_sends = q.failed_sends;
        s.unconfirmed = state_->unconfirmed.load(std::memory_order_relaxed);
        s.found_in_stream = state_->found_in_stream.load(std::memory_order_relaxed);
        s.refused = state_->refused.load(std::memory_order_relaxed);
        s.publish_errors = state_->publish_errors.load(std::memory_order_relaxed);
        s.queued_bytes = q.queued_bytes;
        s.connected = q.connected;
        return s;
    }
    const detail::redis_settings& settings() const noexcept { return state_->settings; }

private:
    using queue_type = detail::remote_queue<detail::redis_entry, detail::redis_transport>;
    std::unique_ptr<detail::redis_state> state_;  // outlives the queue (declared first)
    std::unique_ptr<queue_type> queue_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
