#pragma once
// inkwell::viewer::server — the live viewer's HTTP + WebSocket server
// (docs/viewer.md): one page (viewer/page.hpp), the records it is given
// streamed to every browser that opens it, and the error aggregates.
//
//   inkwell::viewer::server viewer({.port = 8470});
//   auto subscription = viewer.attach(*live);  // a logger's sink::live: every record is published
//   if (auto ec = viewer.start()) ...          // listens on http://127.0.0.1:8470/
//
// Add-on header, not in the umbrella: it needs Boost.Beast/Asio (header-only,
// Debian's libboost-dev 1.74 or newer), C++ exceptions (Boost's) and threads
// (link Threads::Threads). No exception ever leaves its functions: start()
// returns an error code; errors on a connection close that connection.
// With the single header, include <inkwell.hpp> before this file.
//
// What it does:
//   - publish(record) formats the record as format::jsonl's line, adds
//     "seq" (1, 2, ... per server, strictly increasing) and keeps it in a
//     ring of the newest `history` records (and at most history_bytes):
//     what a new client gets first. Records of level error and above are
//     counted by an inkwell::error_aggregator (GET /api/aggregates).
//     publish_json(text) does the same with a JSON object already made
//     (the `inkwell serve` command). Thread-safe; the caller only takes a
//     mutex for the ring's append (no I/O, no waiting for clients).
//   - One thread runs the sockets (Asio io_context), all on 127.0.0.1.
//     Every client has a cursor into the ring: its history first (batches
//     of at most 2,000 records / about 1 MiB, written as fast as the client
//     reads), then live batches at most every 100 ms (back to back while
//     it is more than a full batch behind). A client that falls
//     behind by more than max_client_queue_bytes of live records, or whose
//     next records left the ring before it read them, skips them: they are
//     counted as dropped for it and it gets {"type":"dropped","count":N,
//     "total":T} (N since the last such message, T since it connected).
//     So a slow client costs the server one batch in flight, whatever it
//     does: the ring is shared and bounded.
//
// The protocol (the contract with the page; docs/viewer.md):
//   GET /, /index.html   the page (text/html; charset=utf-8, Cache-Control: no-store)
//   GET /api/info        {"source":"…","records":N,"version":"x.y.z"}  (N: published since start)
//   GET /api/aggregates  error_aggregator::to_json(): a JSON array, most frequent first
//   GET /ws              WebSocket, server → client text frames, each one JSON object:
//        {"type":"hello","source":"…","version":"x.y.z","history":H}
//        {"type":"records","records":[…]}            H history records (oldest first), then live ones
//        {"type":"aggregates","aggregates":[…]}       after the history; then when changed, at most 1/s
//        {"type":"dropped","count":N,"total":T}       records this client missed (slow client)
//   another path: 404; another method: 405 (Allow: GET).

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include "../sink/error_aggregator.hpp"
#include "page.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

// Not in INKWELL_BEGIN_NAMESPACE: the page (page.hpp) lives in plain
// inkwell::viewer, and one name in both inkwell:: and its inline version
// namespace would make `inkwell::viewer` ambiguous.
namespace inkwell::viewer {

struct server_options {
    std::uint16_t port = 8470;                      // on 127.0.0.1; 0: any free port (see port())
    std::size_t history = 100000;                   // records kept for new clients (at least 1)
    std::size_t history_bytes = 512u << 20;         // and at most this many bytes of them
    std::size_t max_client_queue_bytes = 16u << 20; // a client's live backlog beyond this is dropped for it
    std::size_t max_record_bytes = 1u << 20;        // a record's JSON above this: its message is cut (publish)
                                                    // or it is rejected (publish_json)
    std::string source = "in-process";              // /api/info's and hello's "source"
};

struct server_stats {
    std::uint64_t records = 0;      // published since construction (what /api/info calls records)
    std::uint64_t rejected = 0;     // publish_json() calls refused (not a JSON object, too big)
    std::size_t held = 0;           // records in the history ring now
    std::size_t held_bytes = 0;     // their JSON bytes
    std::size_t clients = 0;        // WebSocket clients connected now
    std::uint64_t connections = 0;  // WebSocket clients since start
    std::uint64_t dropped = 0;      // records dropped for slow clients (all clients together)
};

namespace server_detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
using steady = std::chrono::steady_clock;

inline constexpr std::size_t batch_records = 2000;
inline constexpr std::size_t batch_bytes = 1u << 20;
inline constexpr auto live_interval = std::chrono::milliseconds(100);
inline constexpr auto aggregates_interval = std::chrono::seconds(1);
inline constexpr auto tick = std::chrono::milliseconds(25);

// `text` as a JSON string (with its quotes).
inline void append_quoted(std::string& out, std::string_view text) {
    inkwell::detail::line_buffer b;
    inkwell::detail::append_json_quoted(b, text);
    out.append(inkwell::detail::view(b));
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// What the server and its connections share: the ring of records, the
// aggregator, the counters. Publishers (any thread) and the socket thread
// meet here.
class hub {
public:
    explicit hub(const server_options& o)
        : options_(o), aggregator_(aggregator_options()) {
        if (options_.history == 0) options_.history = 1;
        if (options_.max_record_bytes < 1024) options_.max_record_bytes = 1024;
        for (const std::string_view part : page_parts) page_.append(part);
    }

    const server_options& options() const noexcept { return options_; }
    const std::string& page() const noexcept { return page_; }

    // A record formatted as format::jsonl's line (see server::publish()).
    bool publish(const inkwell::record& r) noexcept {
        try {
            inkwell::detail::line_buffer b;
            inkwell::format::jsonl{}.format(r, b);
            std::string_view line = inkwell::detail::view(b);
            if (line.size() > options_.max_record_bytes) {
                inkwell::record cut = r;
                std::size_t keep = std::min<std::size_t>(r.message.size(), options_.max_record_bytes / 2);
                while (keep > 0 && keep < r.message.size() &&
                       (static_cast<unsigned char>(r.message[keep]) & 0xC0) == 0x80)
                    --keep;
                cut.message = r.message.substr(0, keep);
                inkwell::field truncated{"truncated", {}};
                truncated.value.type = inkwell::field_value::kind::boolean;
                truncated.value.number.boolean = true;
                cut.fields = std::span<const inkwell::field>(&truncated, 1);
                cut.context = nullptr;
                cut.logger_context = nullptr;
                b.clear();
                inkwell::format::jsonl{}.format(cut, b);
                line = inkwell::detail::view(b);
            }
            return append(line, &r);
        } catch (...) {
            return false;
        }
    }

    // Keeps a JSON object, "seq" added. False when it is not an object or
    // is too big.
    bool append(std::string_view json, const inkwell::record* for_aggregates) {
        json = trim(json);
        if (json.size() < 2 || json.front() != '{' || json.back() != '}' || json.size() > options_.max_record_bytes) {
            rejected_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        if (for_aggregates != nullptr) aggregate(*for_aggregates);
        const bool empty_object = trim(json.substr(1, json.size() - 2)).empty();
        std::string text;
        text.reserve(json.size() + 24);
        text.append(json.substr(0, json.size() - 1));
        text.append(empty_object ? "\"seq\":" : ",\"seq\":");
        std::lock_guard lock(mutex_);
        const std::uint64_t seq = next_seq_++;
        char digits[24];
        const auto r = std::to_chars(digits, digits + sizeof digits, seq);
        text.append(digits, r.ptr);
        text.push_back('}');
        const std::size_t bytes = text.size();
        ring_.push_back({seq, total_bytes_, std::move(text)});
        total_bytes_ += bytes;
        held_bytes_ += bytes;
        while (ring_.size() > 1 && (ring_.size() > options_.history || held_bytes_ > options_.history_bytes)) {
            held_bytes_ -= ring_.front().json.size();
            ring_.pop_front();
        }
        return true;
    }

    // Counts an error in the aggregates without publishing it.
    void aggregate(const inkwell::record& r) {
        if (r.severity < inkwell::level::error) return;
        aggregator_.add(r);
        aggregates_version_.fetch_add(1, std::memory_order_release);
    }

    std::uint64_t aggregates_version() const noexcept { return aggregates_version_.load(std::memory_order_acquire); }

    // error_aggregator::to_json(), made again only when something changed.
    std::shared_ptr<const std::string> aggregates_json() {
        const std::uint64_t version = aggregates_version();
        std::lock_guard lock(aggregates_mutex_);
        if (!aggregates_json_ || aggregates_json_version_ != version) {
            aggregates_json_ = std::make_shared<const std::string>(aggregator_.to_json());
            aggregates_json_version_ = version;
        }
        return aggregates_json_;
    }

    // Where a new client starts: its first record (the oldest held) and the
    // first that is not history.
    std::pair<std::uint64_t, std::uint64_t> history_range() {
        std::lock_guard lock(mutex_);
        const std::uint64_t first = ring_.empty() ? next_seq_ : ring_.front().seq;
        return {first, next_seq_};
    }

    struct taken {
        std::uint64_t next = 0;     // the client's cursor after this
        std::uint64_t dropped = 0;  // records skipped (left the ring, or over the backlog bound)
        std::size_t count = 0;      // records appended to `out`
    };
    // Appends to `out` (a "records" message being built) the records from
    // seq `from` on, at most up to `until` (exclusive), within a batch's
    // bounds; records of `live_from` on that are more than
    // max_client_queue_bytes behind the newest are skipped.
    taken take(std::uint64_t from, std::uint64_t live_from, std::uint64_t until, std::string& out) {
        taken t;
        std::lock_guard lock(mutex_);
        if (until > next_seq_) until = next_seq_;
        const std::uint64_t front = ring_.empty() ? next_seq_ : ring_.front().seq;
        if (from < front) {
            t.dropped += front - from;
            from = front;
        }
        if (from >= live_from && from < next_seq_) {
            const std::size_t i = static_cast<std::size_t>(from - front);
            if (total_bytes_ - ring_[i].bytes_before > options_.max_client_queue_bytes) {
                // The oldest record from which the backlog fits.
                const auto it = std::partition_point(
                    ring_.begin() + static_cast<std::ptrdiff_t>(i), ring_.end(),
                    [&](const entry& e) { return total_bytes_ - e.bytes_before > options_.max_client_queue_bytes; });
                const std::uint64_t to = it == ring_.end() ? next_seq_ : it->seq;
                t.dropped += to - from;
                from = to;
            }
        }
        std::size_t i = static_cast<std::size_t>(from - front);
        while (from < until && t.count < batch_records && (t.count == 0 || out.size() < batch_bytes)) {
            if (t.count > 0) out.push_back(',');
            out.append(ring_[i].json);
            ++i;
            ++from;
            ++t.count;
        }
        t.next = from;
        return t;
    }

    server_stats stats() {
        server_stats s;
        {
            std::lock_guard lock(mutex_);
            s.records = next_seq_ - 1;
            s.held = ring_.size();
            s.held_bytes = held_bytes_;
        }
        s.rejected = rejected_.load(std::memory_order_relaxed);
        s.clients = clients.load(std::memory_order_relaxed);
        s.connections = connections.load(std::memory_order_relaxed);
        s.dropped = dropped.load(std::memory_order_relaxed);
        return s;
    }
    std::uint64_t records() {
        std::lock_guard lock(mutex_);
        return next_seq_ - 1;
    }

    std::atomic<std::size_t> clients{0};
    std::atomic<std::uint64_t> connections{0}, dropped{0};

private:
    static inkwell::error_aggregator_options aggregator_options() {
        inkwell::error_aggregator_options a;
        a.min_level = inkwell::level::error;
        return a;
    }

    struct entry {
        std::uint64_t seq;
        std::uint64_t bytes_before;  // JSON bytes of every record published before this one
        std::string json;
    };

    server_options options_;
    std::string page_;
    std::mutex mutex_;
    std::deque<entry> ring_;
    std::uint64_t next_seq_ = 1;
    std::uint64_t total_bytes_ = 0;
    std::size_t held_bytes_ = 0;
    std::atomic<std::uint64_t> rejected_{0};

    inkwell::error_aggregator aggregator_;
    std::atomic<std::uint64_t> aggregates_version_{0};
    std::mutex aggregates_mutex_;
    std::shared_ptr<const std::string> aggregates_json_;
    std::uint64_t aggregates_json_version_ = 0;
};

class ws_session;

// What lives on the socket thread: the io_context, the listening socket,
// the clock that paces the clients, and the clients.
struct core {
    explicit core(std::shared_ptr<hub> h) : shared(std::move(h)) {}
    std::shared_ptr<hub> shared;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    asio::steady_timer ticker{io};
    std::vector<std::weak_ptr<ws_session>> clients;
};

// One WebSocket client.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
    ws_session(tcp::socket&& socket, std::shared_ptr<hub> h) : ws_(std::move(socket)), hub_(std::move(h)) {}
    ~ws_session() {
        if (counted_) hub_->clients.fetch_sub(1, std::memory_order_relaxed);
    }

    void run(http::request<http::string_body> request) {
        ws_.set_option(websocket::stream_base::timeout{std::chrono::seconds(30), std::chrono::seconds(60), true});
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "inkwell-viewer"); }));
        ws_.read_message_max(64 * 1024);
        ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    }

    // Sends what is due; called after each write and by the server's tick.
    void pump() {
        if (!open_ || writing_) return;
        if (pending_.empty()) fill();
        if (pending_.empty()) return;
        writing_ = true;
        ws_.text(true);
        ws_.async_write(asio::buffer(pending_.front()),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    bool open() const noexcept { return open_; }

private:
    void on_accept(beast::error_code ec) {
        if (ec) return;
        open_ = true;
        counted_ = true;
        hub_->clients.fetch_add(1, std::memory_order_relaxed);
        hub_->connections.fetch_add(1, std::memory_order_relaxed);
        const auto [first, live_from] = hub_->history_range();
        next_ = first;
        live_from_ = live_from;
        std::string hello = "{\"type\":\"hello\",\"source\":";
        append_quoted(hello, hub_->options().source);
        hello += ",\"version\":\"" INKWELL_VERSION_STRING "\",\"history\":";
        hello += std::to_string(live_from - first);
        hello += '}';
        pending_.push_back(std::move(hello));
        do_read();
        pump();
    }

    // The client's frames are read (and ignored) so that pings, pongs and
    // its close are seen.
    void do_read() {
        ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->open_ = false;
                return;
            }
            self->in_.consume(self->in_.size());
            self->do_read();
        });
    }

    void on_write(beast::error_code ec) {
        writing_ = false;
        if (ec) {
            open_ = false;
            return;
        }
        pending_.pop_front();
        pump();
    }

    void fill() {
        const auto now = steady::now();
        const bool in_history = next_ < live_from_;
        // Live batches at most every 100 ms, unless the last one was full:
        // a client that is behind catches up as fast as it reads.
        if (in_history || behind_ || now - last_live_ >= live_interval) {
            std::string batch = "{\"type\":\"records\",\"records\":[";
            // History batches stop where the history ends.
            const hub::taken t = hub_->take(next_, live_from_, in_history ? live_from_ : UINT64_MAX, batch);
            next_ = t.next;
            if (t.dropped > 0) {
                dropped_ += t.dropped;
                hub_->dropped.fetch_add(t.dropped, std::memory_order_relaxed);
                pending_.push_back("{\"type\":\"dropped\",\"count\":" + std::to_string(t.dropped) +
                                   ",\"total\":" + std::to_string(dropped_) + "}");
            }
            behind_ = false;
            if (t.count > 0) {
                batch += "]}";
                if (!in_history) {
                    last_live_ = now;
                    behind_ = t.count == batch_records || batch.size() >= batch_bytes;
                }
                pending_.push_back(std::move(batch));
            }
        }
        if (next_ >= live_from_) {
            const std::uint64_t version = hub_->aggregates_version();
            if (!aggregates_sent_ || (version != aggregates_version_ && now - last_aggregates_ >= aggregates_interval)) {
                const auto json = hub_->aggregates_json();
                pending_.push_back("{\"type\":\"aggregates\",\"aggregates\":" + *json + "}");
                aggregates_sent_ = true;
                aggregates_version_ = version;
                last_aggregates_ = now;
            }
        }
    }

    websocket::stream<beast::tcp_stream> ws_;
    std::shared_ptr<hub> hub_;
    beast::flat_buffer in_;
    std::deque<std::string> pending_;  // messages to write, the first one being written
    bool open_ = false, writing_ = false, counted_ = false, aggregates_sent_ = false;
    bool behind_ = false;  // the last live batch was full: the next one goes at once
    std::uint64_t next_ = 0, live_from_ = 0, dropped_ = 0, aggregates_version_ = 0;
    steady::time_point last_live_{}, last_aggregates_{};
};

// One HTTP connection (keep-alive): requests answered in order; a
// WebSocket upgrade of /ws hands the socket to a ws_session.
class http_session : public std::enable_shared_from_this<http_session> {
public:
    http_session(tcp::socket&& socket, core& c) : stream_(std::move(socket)), core_(c) {}

    void run() { do_read(); }

private:
    void do_read() {
        parser_.emplace();
        parser_->body_limit(64 * 1024);
        stream_.expires_after(std::chrono::seconds(60));
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        if (ec) return;
        http::request<http::string_body> req = parser_->release();
        std::string_view target(req.target().data(), req.target().size());
        if (const std::size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
        if (websocket::is_upgrade(req) && req.method() == http::verb::get && target == "/ws") {
            stream_.expires_never();
            auto session = std::make_shared<ws_session>(stream_.release_socket(), core_.shared);
            core_.clients.push_back(session);
            session->run(std::move(req));
            return;
        }
        auto res = std::make_shared<http::response<http::string_body>>();
        res->version(req.version());
        res->keep_alive(req.keep_alive());
        res->set(http::field::server, "inkwell-viewer");
        res->set(http::field::cache_control, "no-store");
        if (req.method() != http::verb::get) {
            res->result(http::status::method_not_allowed);
            res->set(http::field::allow, "GET");
            res->set(http::field::content_type, "text/plain; charset=utf-8");
            res->body() = "method not allowed\n";
        } else if (target == "/" || target == "/index.html") {
            res->result(http::status::ok);
            res->set(http::field::content_type, "text/html; charset=utf-8");
            res->body() = core_.shared->page();
        } else if (target == "/api/info") {
            res->result(http::status::ok);
            res->set(http::field::content_type, "application/json");
            std::string& b = res->body();
            b = "{\"source\":";
            append_quoted(b, core_.shared->options().source);
            b += ",\"records\":" + std::to_string(core_.shared->records());
            b += ",\"version\":\"" INKWELL_VERSION_STRING "\"}";
        } else if (target == "/api/aggregates") {
            res->result(http::status::ok);
            res->set(http::field::content_type, "application/json");
            res->body() = *core_.shared->aggregates_json();
        } else {
            res->result(http::status::not_found);
            res->set(http::field::content_type, "text/plain; charset=utf-8");
            res->body() = "not found\n";
        }
        res->prepare_payload();
        http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code wec, std::size_t) {
            if (wec) return;
            if (!res->keep_alive()) {
                beast::error_code ignored;
                self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                return;
            }
            self->do_read();
        });
    }

    beast::tcp_stream stream_;
    core& core_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

inline void do_accept(core& c) {
    c.acceptor.async_accept([&c](beast::error_code ec, tcp::socket socket) {
        if (!c.acceptor.is_open()) return;
        if (!ec) std::make_shared<http_session>(std::move(socket), c)->run();
        do_accept(c);
    });
}

inline void do_tick(core& c) {
    c.ticker.expires_after(tick);
    c.ticker.async_wait([&c](beast::error_code ec) {
        if (ec) return;
        for (auto it = c.clients.begin(); it != c.clients.end();) {
            if (auto s = it->lock()) {
                s->pump();
                ++it;
            } else {
                it = c.clients.erase(it);
            }
        }
        do_tick(c);
    });
}

}  // namespace server_detail

class server {
public:
    explicit server(server_options options = {})
        : hub_(std::make_shared<server_detail::hub>(options)) {}
    ~server() { stop(); }
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Listens on 127.0.0.1:port and starts the socket thread. An error
    // (port taken, no permission, already started) comes back as a code.
    std::error_code start() noexcept {
        std::lock_guard lock(control_);
        if (core_) return std::make_error_code(std::errc::operation_in_progress);
        try {
            auto c = std::make_unique<server_detail::core>(hub_);
            namespace asio = boost::asio;
            using tcp = asio::ip::tcp;
            boost::system::error_code ec;
            const tcp::endpoint at(asio::ip::make_address_v4("127.0.0.1"), hub_->options().port);
            c->acceptor.open(at.protocol(), ec);
            if (!ec) c->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec) c->acceptor.bind(at, ec);
            if (!ec) c->acceptor.listen(asio::socket_base::max_listen_connections, ec);
            if (ec) return std::error_code(ec.value(), std::system_category());
            port_ = c->acceptor.local_endpoint(ec).port();
            server_detail::do_accept(*c);
            server_detail::do_tick(*c);
            server_detail::core* raw = c.get();
            thread_ = std::thread([raw] {
                for (;;) {
                    try {
                        raw->io.run();
                        return;
                    } catch (...) {  // a handler's exception (memory): the loop goes on
                    }
                }
            });
            core_ = std::move(c);
            return {};
        } catch (const std::system_error& e) {
            return e.code();
        } catch (...) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    // The port it listens on (the one picked when options.port was 0); 0 before start().
    std::uint16_t port() const noexcept { return port_; }

    // Stops listening, closes every connection and joins the socket thread.
    // Prompt whatever the clients do. The records held stay (publish() goes
    // on working; start() may be called again).
    void stop() noexcept {
        std::lock_guard lock(control_);
        if (!core_) return;
        core_->io.stop();
        if (thread_.joinable()) thread_.join();
        try {
            core_.reset();  // closes the sockets (their sessions go with the pending handlers)
        } catch (...) {
        }
        port_ = 0;
    }

    bool running() const noexcept {
        std::lock_guard lock(control_);
        return core_ != nullptr;
    }

    // A record from the application (any thread). False only when memory
    // ran out. A record whose JSON is above max_record_bytes is published
    // with its message cut and without its fields ("truncated": true in metadata).
    bool publish(const inkwell::record& r) noexcept { return hub_->publish(r); }

    // A record already made as a JSON object ({"level":…,"message":…,…},
    // the JSONL line's keys): published as it is, plus "seq". `for_aggregates`:
    // the same record for the error aggregates (null: not counted there).
    // False (counted in stats().rejected) when the text is not an object or
    // is above max_record_bytes. Only its outer braces are checked: the
    // caller passes valid JSON.
    bool publish_json(std::string_view json_object, const inkwell::record* for_aggregates = nullptr) noexcept {
        try {
            return hub_->append(json_object, for_aggregates);
        } catch (...) {
            return false;
        }
    }

    // Counts an error in /api/aggregates without publishing it (e.g. the
    // errors of a whole folder whose newest records only are published).
    void aggregate(const inkwell::record& r) noexcept {
        try {
            hub_->aggregate(r);
        } catch (...) {
        }
    }

    // Subscribes the server to a logger's sink::live: every record of level
    // `min` and above is published, from the subscription's own thread (the
    // logger never waits; records the subscription's queue of `queue`
    // records cannot take are counted in its dropped()). Keep the returned
    // subscription; destroying it ends the feed. It may outlive the server.
    template <class Live>
    auto attach(Live& live, inkwell::level min = inkwell::level::trace, std::size_t queue = 65536) {
        std::shared_ptr<server_detail::hub> h = hub_;
        return live.subscribe(
            [h](const inkwell::record& r) { h->publish(r); },
            min, queue);
    }

    server_stats stats() const { return hub_->stats(); }
    const server_options& options() const noexcept { return hub_->options(); }

private:
    std::shared_ptr<server_detail::hub> hub_;
    mutable std::mutex control_;
    std::unique_ptr<server_detail::core> core_;
    std::thread thread_;
    std::uint16_t port_ = 0;
};

}  // namespace inkwell::viewer
