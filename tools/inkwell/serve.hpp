#pragma once
// `inkwell serve`: the live viewer (inkwell::viewer::server, docs/viewer.md)
// over a log folder or a Redis stream.
//
//   inkwell serve DIR [--port P] [--history N] [filters]
//       the newest N records of the folder (every file kind: JSONL, session
//       files, rotating text, rotated and compressed files) that pass the
//       filters, then the folder followed like `tail` (new lines, new files,
//       new days, rotation); the error aggregates count every error of the
//       folder that passes the filters.
//   inkwell serve --redis HOST:PORT [--stream KEY] [--port P] [--history N] [filters]
//       the newest N entries of the stream sink::redis writes (XREVRANGE),
//       then the new ones (XREAD BLOCK); each entry's "json" field is the record.
//
// When it listens it prints one line to stdout
//     inkwell serve: listening on http://127.0.0.1:PORT/
// and runs until SIGINT or SIGTERM (exit 0). A missing folder, a port in
// use or an unreachable Redis server: a message on stderr, exit 2.
//
// The folder is read without a gap or a repeat between the history and the
// follow: each plain file is read up to its size when serve started (up to
// the last whole line), and followed from exactly there.

#include <inkwell/viewer/server.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifdef INKWELL_CLI_WITH_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include "entry.hpp"
#include "filter.hpp"
#include "follow.hpp"
#include "reader.hpp"
#include "record_view.hpp"
#include "scan.hpp"

namespace inkwell_cli {

struct serve_options {
    std::string dir;                 // a log folder (or one file)
    std::string redis;               // or HOST:PORT of a Redis server
    std::string stream = "inkwell:logs";
    std::uint16_t port = 8470;
    std::size_t history = 100000;
    filter f;
    bool quiet = false, text_utc = false;
    int poll_ms = 200;
};

namespace serve_detail {

inline volatile std::sig_atomic_t stop_requested = 0;
inline void on_stop_signal(int) { stop_requested = 1; }

inline void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

// Sleeps up to `ms`, waking early when a stop was asked for.
inline void nap(int ms) {
    for (int waited = 0; waited < ms && stop_requested == 0; waited += 20)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20, ms - waited)));
}

// The newest `limit` records seen, by (time, arrival).
class newest {
public:
    explicit newest(std::size_t limit) : limit_(std::max<std::size_t>(1, limit)) {}

    struct item {
        std::int64_t time;
        std::int64_t order;
        std::string json;
        bool checked;  // known to be valid JSON
    };
    // Records come newest first from now on (a Redis stream read backwards).
    void newest_first() noexcept { step_ = -1; }
    void offer(std::int64_t time, std::string_view json, bool checked) {
        const std::int64_t order = next_order_;
        next_order_ += step_;
        if (heap_.size() >= limit_) {
            const item& oldest = heap_.top();
            if (std::make_pair(time, order) < std::make_pair(oldest.time, oldest.order)) return;
            heap_.pop();
        }
        heap_.push(item{time, order, std::string(json), checked});
    }
    // Oldest first.
    std::vector<item> take() {
        std::vector<item> out;
        out.reserve(heap_.size());
        while (!heap_.empty()) {
            out.push_back(std::move(const_cast<item&>(heap_.top())));  // the oldest left
            heap_.pop();
        }
        return out;
    }

private:
    struct later {
        bool operator()(const item& a, const item& b) const {
            return std::make_pair(a.time, a.order) > std::make_pair(b.time, b.order);
        }
    };
    std::size_t limit_;
    std::int64_t next_order_ = 0, step_ = 1;
    std::priority_queue<item, std::vector<item>, later> heap_;  // the oldest on top
};

// What serve does with one record that passed the filters: errors to the
// aggregates (always), the record to the history or straight to the server.
struct record_sink {
    inkwell::viewer::server* server = nullptr;
    newest* history = nullptr;  // set while loading the history
    diagnostics* diag = nullptr;

    // `raw`: the JSONL line (e.object may be null: not parsed yet), or empty for a text line.
    void take(entry& e, std::string_view raw, const std::string& file, std::uint64_t line) {
        if (e.level >= 50 && e.object.is_null()) {
            std::string why;
            if (!parse_jsonl(raw, e, why)) {
                diag->bad_line(file, line, why);
                return;
            }
        }
        std::string dumped;
        std::string_view text = raw;
        if (e.kind != file_kind::jsonl) {
            dumped = e.object.dump(-1, ' ', false, json::error_handler_t::replace);
            text = dumped;
        }
        const bool checked = !e.object.is_null();
        if (history != nullptr) {
            if (e.level >= 50) {
                record_view r(e);
                server->aggregate(r.get());
            }
            history->offer(e.time_ms, text, checked);
        } else if (e.level >= 50) {
            record_view r(e);
            server->publish_json(text, &r.get());
        } else {
            server->publish_json(text);
        }
    }
};

// Plain read(2) up to a byte limit (a file's size when serve started).
class capped_stream final : public byte_stream {
public:
    capped_stream(int fd, std::uint64_t limit) : fd_(fd), left_(limit) {}
    ~capped_stream() override { ::close(fd_); }
    long read(char* into, std::size_t size) override {
        if (left_ == 0) return 0;
        size = static_cast<std::size_t>(std::min<std::uint64_t>(size, left_));
        for (;;) {
            const ssize_t n = ::read(fd_, into, size);
            if (n < 0 && errno == EINTR) continue;
            if (n > 0) left_ -= static_cast<std::uint64_t>(n);
            return static_cast<long>(n);
        }
    }

private:
    int fd_;
    std::uint64_t left_;
};


// Evaluates one line of a file of kind `kind`: true with `e` filled when it
// passes the filter. `fast`: JSONL lines judged by level/time only are not parsed.
inline bool evaluate_line(std::string_view line, file_kind kind, const serve_options& o, diagnostics& diag,
                          const std::string& file, std::uint64_t line_number, bool fast, entry& e) {
    std::string why;
    e.kind = kind;
    e.object = json();
    if (kind == file_kind::jsonl) {
        if (!o.f.raw_may_pass(line)) return false;
        const filter& f = o.f;
        if (fast && f.categories.empty() && f.fields.empty() && f.tenants.empty() && f.grep.empty() && !f.regex) {
            const auto lv = raw_level(line);
            const auto t = raw_time(line);
            if (lv && t && line.back() == '}' && valid_utf8(line)) {
                e.level = *lv;
                e.time_ms = *t;
                return f.level_time_ok(e.level, e.time_ms);
            }
        }
        if (!parse_jsonl(line, e, why)) {
            diag.bad_line(file, line_number, why);
            return false;
        }
    } else {
        if (!parse_text(line, e, why, o.text_utc)) {
            diag.bad_line(file, line_number, why);
            return false;
        }
    }
    return o.f.pass(e);
}

// The history of a plain file: every line up to `size` (its last whole line).
inline void read_plain_history(const log_file& file, followed& state, const serve_options& o, diagnostics& diag,
                               record_sink& sink) {
    const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        diag.bad_file(file.relative, std::strerror(errno));
        return;
    }
    block_reader reader(std::make_unique<capped_stream>(fd, file.bytes));
    std::string_view block;
    while (reader.next(block)) {
        // The last block may end without '\n' (a line being written): left for the follow.
        std::string_view data = block;
        if (data.back() != '\n') {
            const std::size_t last_nl = data.rfind('\n');
            if (last_nl == std::string_view::npos) break;
            data = data.substr(0, last_nl + 1);
        }
        state.offset += data.size();
        while (!data.empty()) {
            const std::size_t nl = data.find('\n');
            std::string_view line = data.substr(0, nl);
            data.remove_prefix(nl + 1);
            ++state.line;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            const std::size_t first = line.find_first_not_of(" \t");
            if (first == std::string_view::npos) continue;
            if (state.kind == file_kind::unknown) {
                state.kind = kind_of_first_byte(line[first]);
                if (state.kind == file_kind::unknown) {
                    diag.bad_file(file.relative, "not an inkwell log (neither JSONL nor text lines): skipped");
                    state.offset = file.bytes;  // never read again
                    return;
                }
            }
            entry e;
            if (evaluate_line(line, state.kind, o, diag, file.relative, state.line, true, e))
                sink.take(e, state.kind == file_kind::jsonl ? line : std::string_view{}, file.relative, state.line);
        }
    }
    if (reader.failed()) diag.bad_file(file.relative, reader.error());
}

// One round of following: new whole lines of every plain file, in time order.
inline void follow_round(const serve_options& o, followed_map& known, diagnostics& diag, record_sink& sink,
                         std::vector<char>& buffer) {
    std::error_code ec;
    const auto files = find_log_files(o.dir, ec);
    if (ec) return;  // gone for a moment (a rename): next round
    for (auto& [id, f] : known) f.seen = false;
    struct pending {
        entry e;
        std::string raw, file;
        std::uint64_t line;
    };
    std::vector<pending> batch;
    for (const log_file& file : files) {
        if (file.packed != compression::none) continue;
        auto [it, fresh] = known.try_emplace(std::make_pair(file.device, file.inode));
        followed& f = it->second;
        f.seen = true;
        f.relative = file.relative;
        read_new_lines(file, f, buffer, [&](std::string_view line) {
            pending p;
            if (!evaluate_line(line, f.kind, o, diag, f.relative, f.line, false, p.e)) return;
            if (f.kind == file_kind::jsonl) p.raw = std::string(line);
            p.file = f.relative;
            p.line = f.line;
            batch.push_back(std::move(p));
        });
    }
    for (auto it = known.begin(); it != known.end();) it = it->second.seen ? std::next(it) : known.erase(it);
    std::stable_sort(batch.begin(), batch.end(), [](const pending& a, const pending& b) { return a.e.time_ms < b.e.time_ms; });
    for (pending& p : batch) sink.take(p.e, p.raw, p.file, p.line);
}

// Publishes what `newest` kept, oldest first (JSONL lines not parsed yet are checked first).
inline void publish_history(newest& kept, inkwell::viewer::server& server, diagnostics& diag) {
    std::uint64_t bad = 0;
    for (newest::item& it : kept.take()) {
        if (!it.checked && !json::accept(it.json)) {
            ++bad;
            continue;
        }
        server.publish_json(it.json);
    }
    if (bad > 0) {
        diag.malformed += bad;
        if (!diag.quiet) std::fprintf(stderr, "inkwell serve: %llu malformed JSONL line(s) left out\n", static_cast<unsigned long long>(bad));
    }
}

inline bool listen(inkwell::viewer::server& server) {
    if (const std::error_code ec = server.start()) {
        std::fprintf(stderr, "inkwell serve: cannot listen on 127.0.0.1:%u: %s\n", server.options().port,
                     ec.message().c_str());
        return false;
    }
    std::fprintf(stdout, "inkwell serve: listening on http://127.0.0.1:%u/\n", server.port());
    std::fflush(stdout);
    return true;
}

inline int serve_folder(const serve_options& o) {
    std::error_code ec;
    std::vector<log_file> files = find_log_files(o.dir, ec);
    if (ec) {
        std::fprintf(stderr, "inkwell: %s: %s\n", o.dir.c_str(), ec.message().c_str());
        return 2;
    }
    inkwell::viewer::server_options so;
    so.port = o.port;
    so.history = o.history;
    so.source = o.dir;
    inkwell::viewer::server server(so);
    diagnostics diag;
    diag.quiet = o.quiet;
    newest kept(o.history);
    record_sink sink{&server, &kept, &diag};

    // Finished (compressed) files through the merge; plain ones up to their size now.
    std::vector<log_file> packed;
    for (const log_file& f : files)
        if (f.packed != compression::none) packed.push_back(f);
    if (!packed.empty()) {
        progress prog;
        scan_context ctx;
        ctx.files = &packed;
        ctx.f = &o.f;
        ctx.diag = &diag;
        ctx.prog = &prog;
        ctx.text_utc = o.text_utc;
        ctx.parse = false;
        merge_scan(ctx, [&](entry& e) {
            sink.take(e, e.kind == file_kind::jsonl ? e.raw : std::string_view{}, packed[e.file].relative, e.line);
            return true;
        });
    }
    followed_map known;
    for (const log_file& f : files) {
        if (f.packed != compression::none) continue;
        followed& state = known[std::make_pair(f.device, f.inode)];
        state.relative = f.relative;
        read_plain_history(f, state, o, diag, sink);
    }
    publish_history(kept, server, diag);
    sink.history = nullptr;
    if (!o.quiet)
        std::fprintf(stderr, "inkwell serve: %llu records of %s (%zu files) loaded; following it (Ctrl-C to stop)\n",
                     static_cast<unsigned long long>(server.stats().records), o.dir.c_str(), files.size());
    if (!listen(server)) return 2;
    std::vector<char> buffer;
    while (stop_requested == 0) {
        nap(o.poll_ms);
        if (stop_requested != 0) break;
        follow_round(o, known, diag, sink, buffer);
    }
    server.stop();
    return 0;
}

#ifdef INKWELL_CLI_WITH_HIREDIS
// A reply freed when it goes.
struct reply_deleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;
struct context_deleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;

inline reply_ptr command(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    return reply_ptr(static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

inline context_ptr connect_redis(const std::string& host, int port, std::string& why) {
    const timeval timeout{5, 0};
    context_ptr c(redisConnectWithTimeout(host.c_str(), port, timeout));
    if (!c) {
        why = "out of memory";
        return nullptr;
    }
    if (c->err != 0) {
        why = c->errstr;
        return nullptr;
    }
    redisSetTimeout(c.get(), timeout);
    return c;
}

// One stream entry (id, [field, value, ...]) as a record: its "json" field,
// else an object made of the other fields.
inline bool entry_of_stream(const redisReply* item, std::string& id, std::string& text) {
    if (item == nullptr || item->type != REDIS_REPLY_ARRAY || item->elements != 2) return false;
    const redisReply* rid = item->element[0];
    const redisReply* fields = item->element[1];
    if (rid == nullptr || rid->type != REDIS_REPLY_STRING || fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return false;
    id.assign(rid->str, rid->len);
    json made = json::object();
    for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply* k = fields->element[i];
        const redisReply* v = fields->element[i + 1];
        if (k == nullptr || v == nullptr || k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        const std::string_view key(k->str, k->len);
        const std::string_view value(v->str, v->len);
        if (key == "json") {
            text.assign(value);
            return true;
        }
        if (key == "level" || key == "message" || key == "category" || key == "timestamp")
            made[std::string(key)] = std::string(value);
        else
            made["metadata"][std::string(key)] = std::string(value);
    }
    text = made.dump(-1, ' ', false, json::error_handler_t::replace);
    return true;
}

inline int serve_redis(const serve_options& o) {
    const std::size_t colon = o.redis.rfind(':');
    const std::string host = colon == std::string::npos ? o.redis : o.redis.substr(0, colon);
    const std::string port_text = colon == std::string::npos ? "6379" : o.redis.substr(colon + 1);
    if (host.empty() || !all_digits(port_text) || port_text.empty() || port_text.size() > 5) {
        std::fprintf(stderr, "inkwell: --redis wants HOST:PORT, not %s\n", o.redis.c_str());
        return 2;
    }
    const int port = std::stoi(port_text);
    std::string why;
    context_ptr c = connect_redis(host, port, why);
    if (!c) {
        std::fprintf(stderr, "inkwell serve: cannot connect to Redis at %s: %s\n", o.redis.c_str(), why.c_str());
        return 2;
    }
    inkwell::viewer::server_options so;
    so.port = o.port;
    so.history = o.history;
    so.source = "redis://" + host + ":" + port_text + "/" + o.stream;
    inkwell::viewer::server server(so);
    diagnostics diag;
    diag.quiet = o.quiet;
    newest kept(o.history);
    record_sink sink{&server, &kept, &diag};
    // One stream entry (its JSONL text) to the sink, if it parses and passes the filters.
    auto take_entry = [&](const std::string& id, const std::string& text) {
        entry e;
        std::string why;
        if (!parse_jsonl(text, e, why)) {
            diag.bad_line("redis:" + id, 1, why);
            return;
        }
        e.kind = file_kind::jsonl;
        if (o.f.pass(e)) sink.take(e, text, "redis:" + id, 1);
    };

    // History: the whole stream in pages of XREVRANGE, newest first: its
    // errors to the aggregates, its newest `history` records kept.
    std::string last_id = "0-0";  // the newest entry seen: where XREAD goes on
    std::string end = "+";
    kept.newest_first();
    for (;;) {
        reply_ptr r = command(c.get(), {"XREVRANGE", o.stream, end, "-", "COUNT", "5000"});
        if (!r || r->type == REDIS_REPLY_ERROR) {
            std::fprintf(stderr, "inkwell serve: XREVRANGE %s: %s\n", o.stream.c_str(),
                         r ? std::string(r->str, r->len).c_str() : c->errstr);
            return 2;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) break;
        std::string id, text;
        for (std::size_t i = 0; i < r->elements; ++i) {
            if (!entry_of_stream(r->element[i], id, text)) continue;
            if (last_id == "0-0") last_id = id;
            take_entry(id, text);
        }
        if (r->elements < 5000) break;
        end = "(" + id;
    }
    publish_history(kept, server, diag);
    sink.history = nullptr;
    if (!o.quiet)
        std::fprintf(stderr, "inkwell serve: %llu records of %s loaded; following it (Ctrl-C to stop)\n",
                     static_cast<unsigned long long>(server.stats().records), so.source.c_str());
    if (!listen(server)) return 2;

    int backoff_ms = 100;
    while (stop_requested == 0) {
        if (!c) {
            c = connect_redis(host, port, why);
            if (!c) {
                if (!o.quiet) std::fprintf(stderr, "inkwell serve: Redis at %s: %s (retrying)\n", o.redis.c_str(), why.c_str());
                nap(backoff_ms);
                backoff_ms = std::min(backoff_ms * 2, 5000);
                continue;
            }
            backoff_ms = 100;
        }
        reply_ptr r = command(c.get(), {"XREAD", "COUNT", "2000", "BLOCK", "500", "STREAMS", o.stream, last_id});
        if (!r) {  // the connection broke
            c.reset();
            continue;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            if (!o.quiet) std::fprintf(stderr, "inkwell serve: XREAD: %.*s\n", static_cast<int>(r->len), r->str);
            nap(1000);
            continue;
        }
        if (r->type != REDIS_REPLY_ARRAY) continue;  // nil: nothing new within the block time
        for (std::size_t s = 0; s < r->elements; ++s) {
            const redisReply* stream = r->element[s];
            if (stream == nullptr || stream->type != REDIS_REPLY_ARRAY || stream->elements != 2) continue;
            const redisReply* entries = stream->element[1];
            if (entries == nullptr || entries->type != REDIS_REPLY_ARRAY) continue;
            std::string id, text;
            for (std::size_t i = 0; i < entries->elements; ++i) {
                if (!entry_of_stream(entries->element[i], id, text)) continue;
                last_id = id;
                take_entry(id, text);
            }
        }
    }
    server.stop();
    return 0;
}
#endif

}  // namespace serve_detail

inline int run_serve(const serve_options& o) {
    serve_detail::install_signal_handlers();
    if (!o.redis.empty()) {
#ifdef INKWELL_CLI_WITH_HIREDIS
        return serve_detail::serve_redis(o);
#else
        std::fprintf(stderr, "inkwell serve: --redis: this inkwell was built without hiredis (install libhiredis-dev and rebuild)\n");
        return 2;
#endif
    }
    return serve_detail::serve_folder(o);
}

}  // namespace inkwell_cli
