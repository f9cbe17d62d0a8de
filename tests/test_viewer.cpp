#define BOOST_TEST_MODULE viewer
#include <boost/test/unit_test.hpp>

// The live viewer's server (include/inkwell/viewer/server.hpp) over real
// sockets: in-process, fed by a real logger's sink::live, and as the
// `inkwell serve` child process on a folder a real logger wrote (and on a
// Redis stream when INKWELL_TEST_REDIS names a server). The protocol is
// docs/viewer.md's; the clients here are Boost.Beast's, the JSON is read
// back with nlohmann_json.

#include "inkwell_under_test.hpp"

#include <inkwell/viewer/server.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#ifdef INKWELL_TEST_WITH_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include "child_process.hpp"
#include "test_support.hpp"


namespace fs = std::filesystem;
namespace ink = inkwell;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using json = nlohmann::json;
using test_support::temp_dir;
using namespace std::chrono;

namespace {

// ---------------------------------------------------------------------------
// Clients

void receive_timeout(tcp::socket& s, int seconds_) {
    timeval tv{seconds_, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct http_result {
    int status = 0;
    std::string content_type, cache_control, allow, body;
};

http_result http_request(std::uint16_t port, std::string_view target, http::verb method = http::verb::get) {
    boost::asio::io_context io;
    tcp::socket socket(io);
    beast::error_code ec;
    socket.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port}, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "connect: " << ec.message());
    receive_timeout(socket, 20);
    http::request<http::string_body> req{method, std::string(target), 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    req.prepare_payload();
    http::write(socket, req, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "write: " << ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    http::read(socket, buffer, parser, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "read: " << ec.message());
    const auto& res = parser.get();
    http_result r;
    r.status = static_cast<int>(res.result_int());
    r.content_type = std::string(res[http::field::content_type]);
    r.cache_control = std::string(res[http::field::cache_control]);
    r.allow = std::string(res[http::field::allow]);
    r.body = res.body();
    return r;
}

// A WebSocket client of /ws: messages parsed as JSON.
class ws_client {
public:
    explicit ws_client(std::uint16_t port, int timeout_seconds = 30) : ws_(io_) {
        beast::error_code ec;
        ws_.next_layer().connect({boost::asio::ip::make_address_v4("127.0.0.1"), port}, ec);
        BOOST_REQUIRE_MESSAGE(!ec, "connect: " << ec.message());
        receive_timeout(ws_.next_layer(), timeout_seconds);
        ws_.read_message_max(64u << 20);
        ws_.handshake("127.0.0.1", "/ws", ec);
        BOOST_REQUIRE_MESSAGE(!ec, "handshake: " << ec.message());
    }
    // The next message; nothing when the connection ended (or timed out).
    std::optional<json> next() {
        beast::flat_buffer frame;
        beast::error_code ec;
        ws_.read(frame, ec);
        if (ec) return std::nullopt;
        return json::parse(beast::buffers_to_string(frame.data()));
    }
    json next_required() {
        auto m = next();
        BOOST_REQUIRE_MESSAGE(m.has_value(), "the WebSocket ended or timed out");
        return *m;
    }

private:
    boost::asio::io_context io_;
    beast::websocket::stream<tcp::socket> ws_;
};

// What a client got: hello, the history records, the first aggregates.
struct opening {
    json hello;
    std::vector<json> history;
    json aggregates;
    std::uint64_t dropped = 0;
    std::size_t history_batches = 0;
};

opening read_opening(ws_client& c) {
    opening o;
    o.hello = c.next_required();
    BOOST_REQUIRE_EQUAL(o.hello.at("type"), "hello");
    const std::uint64_t h = o.hello.at("history").get<std::uint64_t>();
    while (o.history.size() + o.dropped < h) {
        json m = c.next_required();
        if (m.at("type") == "dropped") {
            o.dropped += m.at("count").get<std::uint64_t>();
            continue;
        }
        BOOST_REQUIRE_EQUAL(m.at("type"), "records");
        BOOST_REQUIRE(m.at("records").size() <= 2000u);
        ++o.history_batches;
        for (auto& r : m.at("records")) o.history.push_back(std::move(r));
    }
    BOOST_REQUIRE_EQUAL(o.history.size() + o.dropped, h);
    o.aggregates = c.next_required();
    BOOST_REQUIRE_EQUAL(o.aggregates.at("type"), "aggregates");
    return o;
}

// Reads until `want` live records arrived (aggregates messages skipped).
std::vector<json> read_live(ws_client& c, std::size_t want, json* last_aggregates = nullptr) {
    std::vector<json> out;
    while (out.size() < want) {
        json m = c.next_required();
        if (m.at("type") == "aggregates") {
            if (last_aggregates != nullptr) *last_aggregates = m;
            continue;
        }
        BOOST_REQUIRE_EQUAL(m.at("type"), "records");
        for (auto& r : m.at("records")) out.push_back(std::move(r));
    }
    return out;
}

void check_seq_increasing(const std::vector<json>& records, std::uint64_t after = 0) {
    std::uint64_t last = after;
    for (const json& r : records) {
        const std::uint64_t seq = r.at("seq").get<std::uint64_t>();
        BOOST_REQUIRE_GT(seq, last);
        last = seq;
    }
}

std::vector<std::string> messages(const std::vector<json>& records) {
    std::vector<std::string> out;
    for (const json& r : records) out.push_back(r.at("message").get<std::string>());
    return out;
}

// signature pattern -> count, from /api/aggregates or an "aggregates" message.
std::map<std::string, std::uint64_t> counts_by_pattern(const json& aggregates) {
    std::map<std::string, std::uint64_t> out;
    for (const json& a : aggregates) out[a.at("pattern").get<std::string>()] += a.at("count").get<std::uint64_t>();
    return out;
}

std::size_t resident_bytes() {
    std::ifstream in("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    in >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::string page_text() {
    std::string page;
    for (const std::string_view part : ink::viewer::page_parts) page.append(part);
    return page;
}

// ---------------------------------------------------------------------------
// Loggers

// JSONL per category written at once (the files are complete when a call returns).
struct folder_config : ink::presets::jsonl_per_category_config {
    using buffer = ink::buffer::immediate;
};
// The same with a sink::live beside the files: the in-process viewer's feed.
struct live_config : folder_config {
    using sink = ink::sink::tee<ink::sink::category_files<>, ink::sink::live>;
};

ink::logger_options options_for(const fs::path& dir) {
    ink::logger_options o;
    o.directory = dir.string();
    o.read_environment = false;
    o.initial_level = ink::level::trace;
    return o;
}

// A record with a category of its own (the keyword classifier keeps a given one).
template <class Logger>
void log_in(Logger& log, ink::level l, std::string_view category, std::string_view message,
            std::string_view error_type = {}) {
    ink::record r;
    r.severity = l;
    r.category = category;
    r.message = message;
    r.where.file = "src/shop.cpp";
    r.where.function = "handle";
    r.where.line = 42;
    ink::field f[1];
    if (!error_type.empty()) {
        f[0].key = "errorType";
        f[0].value.type = ink::field_value::kind::string;
        f[0].value.text = error_type;
        r.fields = f;
    }
    ink::scoped_context ctx{ink::kv("tenantId", std::string_view{"acme"})};
    log.ingest(r);
}

// The plan of a folder: 40 records, errors of two signatures (7 and 3), every level.
struct planned_record {
    ink::level level;
    std::string category, message, error_type;
};
std::vector<planned_record> plan(int first, int count) {
    std::vector<planned_record> out;
    for (int i = first; i < first + count; ++i) {
        if (i % 10 == 3 || i % 10 == 7 || (i % 10 == 5 && i < 20))
            out.push_back({ink::level::error, "payments", "card " + std::to_string(1000 + i) + " declined", "CardDeclined"});
        else if (i % 10 == 9)
            out.push_back({ink::level::critical, "storage", "disk " + std::to_string(i) + " full", "IoError"});
        else
            out.push_back({i % 2 == 0 ? ink::level::info : ink::level::debug, i % 3 == 0 ? "engine" : "ui",
                           "step " + std::to_string(i), ""});
    }
    return out;
}
std::map<std::string, std::uint64_t> expected_counts(const std::vector<planned_record>& p) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& r : p) {
        if (r.level < ink::level::error) continue;
        ++out[r.error_type == "CardDeclined" ? "card <num> declined" : "disk <num> full"];
    }
    return out;
}
template <class Logger>
void log_plan(Logger& log, const std::vector<planned_record>& p) {
    for (const auto& r : p) log_in(log, r.level, r.category, r.message, r.error_type);
}

// ---------------------------------------------------------------------------
// `inkwell serve` as a child process.

#ifdef INKWELL_CLI_PATH
class serve_process {
public:
    serve_process(const std::vector<std::string>& args, const fs::path& scratch)
        : process_(command_line(args), scratch / "serve.out", scratch / "serve.err") {}
    // The port of the ready line (waits for it; fails when the child exits first).
    std::uint16_t port() {
        const auto deadline = steady_clock::now() + seconds{120};
        const std::string head = "inkwell serve: listening on http://127.0.0.1:";
        for (;;) {
            const fs::path& out_path = process_.out_path();
            const std::string out = fs::exists(out_path) ? test_support::read_file(out_path) : std::string{};
            if (const auto at = out.find(head); at != std::string::npos && out.find('\n', at) != std::string::npos) {
                BOOST_REQUIRE_EQUAL(out.substr(out.find('\n', at) + 1), "");  // exactly one line
                return static_cast<std::uint16_t>(std::stoi(out.substr(at + head.size())));
            }
            int status = 0;
            if (process_.exited(status)) BOOST_FAIL("inkwell serve exited before it listened: " << err());
            BOOST_REQUIRE_MESSAGE(steady_clock::now() < deadline, "inkwell serve did not print its ready line");
            std::this_thread::sleep_for(milliseconds{20});
        }
    }
    // Sends `sig` and returns the exit code (-1: killed by a signal, or hung).
    int stop(int sig = SIGTERM) {
        process_.signal(sig);
        return wait();
    }
    int wait() {
        bool hung = false;
        const int code = process_.wait(seconds{60}, hung);
        if (hung) BOOST_ERROR("inkwell serve did not end; killed");
        return code;
    }
    std::string err() const { return test_support::read_file(process_.err_path()); }

private:
    static std::vector<std::string> command_line(const std::vector<std::string>& args) {
        std::vector<std::string> all{INKWELL_CLI_PATH, "serve"};
        all.insert(all.end(), args.begin(), args.end());
        return all;
    }
    test_support::child_process process_;
};
#endif

}  // namespace

// ---------------------------------------------------------------------------
// In-process: a logger's sink::live feeds the server.

BOOST_AUTO_TEST_CASE(in_process_history_live_aggregates_and_http) {
    temp_dir dir;
    ink::basic_logger<live_config> log(options_for(dir.path()));
    ink::viewer::server viewer({.port = 0, .history = 1000});
    auto* live = log.with_sink([](auto& s) { return ink::sink::find<ink::sink::live>(s); });
    auto feed = viewer.attach(*live);
    BOOST_REQUIRE(!viewer.start());
    const std::uint16_t port = viewer.port();
    BOOST_REQUIRE_NE(port, 0);

    const auto first = plan(0, 40);
    log_plan(log, first);
    BOOST_REQUIRE(live->wait_idle(seconds{30}));
    BOOST_REQUIRE_EQUAL(viewer.stats().records, 40u);

    // GET / is the page; the API answers; others are 404 / 405.
    const http_result page = http_request(port, "/");
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.content_type == "text/html; charset=utf-8");
    BOOST_TEST(page.cache_control == "no-store");
    BOOST_TEST((page.body == page_text()));
    BOOST_TEST((http_request(port, "/index.html").body == page_text()));
    const json info = json::parse(http_request(port, "/api/info?x=1").body);
    BOOST_TEST(info.at("source") == "in-process");
    BOOST_TEST(info.at("records") == 40);
    BOOST_TEST(info.at("version") == INKWELL_VERSION_STRING);
    const http_result agg = http_request(port, "/api/aggregates");
    BOOST_TEST(agg.status == 200);
    BOOST_TEST(agg.content_type == "application/json");
    BOOST_TEST((counts_by_pattern(json::parse(agg.body)) == expected_counts(first)));
    BOOST_TEST(http_request(port, "/nothing/here").status == 404);
    BOOST_TEST(http_request(port, "/ws").status == 404);  // not an upgrade
    const http_result post = http_request(port, "/", http::verb::post);
    BOOST_TEST(post.status == 405);
    BOOST_TEST(post.allow == "GET");
    BOOST_TEST(http_request(port, "/api/info", http::verb::delete_).status == 405);

    // Two clients at once: the same hello and history, exact records.
    ws_client a(port), b(port);
    const opening oa = read_opening(a);
    const opening ob = read_opening(b);
    for (const opening* o : {&oa, &ob}) {
        BOOST_TEST(o->hello.at("source") == "in-process");
        BOOST_TEST(o->hello.at("version") == INKWELL_VERSION_STRING);
        BOOST_TEST(o->hello.at("history") == 40);
        BOOST_REQUIRE_EQUAL(o->history.size(), 40u);
        check_seq_increasing(o->history);
        for (std::size_t i = 0; i < first.size(); ++i) {
            const json& r = o->history[i];
            BOOST_TEST(r.at("message") == first[i].message);
            BOOST_TEST(r.at("level") == std::string(ink::level_name(first[i].level)));
            BOOST_TEST(r.at("category") == first[i].category);
            BOOST_TEST(r.at("source") == "shop.cpp:42");
            BOOST_TEST(r.at("context").at("tenantId") == "acme");
            BOOST_TEST(r.at("timestamp").get<std::string>().size() == 24u);
            if (!first[i].error_type.empty()) BOOST_TEST(r.at("metadata").at("errorType") == first[i].error_type);
        }
        BOOST_TEST((counts_by_pattern(o->aggregates.at("aggregates")) == expected_counts(first)));
    }
    BOOST_TEST(viewer.stats().clients == 2u);

    // Records logged after the connection arrive live, to both, after the history's seq.
    const auto second = plan(40, 25);
    log_plan(log, second);
    json last_aggregates;
    const auto live_a = read_live(a, second.size(), &last_aggregates);
    const auto live_b = read_live(b, second.size());
    BOOST_TEST(messages(live_a) == messages(live_b));
    std::vector<std::string> want;
    for (const auto& r : second) want.push_back(r.message);
    BOOST_TEST(messages(live_a) == want);
    check_seq_increasing(live_a, oa.history.back().at("seq").get<std::uint64_t>());
    BOOST_TEST(json::parse(http_request(port, "/api/info").body).at("records") == 65);

    // The aggregates follow (an "aggregates" message when they changed, at most once a second).
    auto all = first;
    all.insert(all.end(), second.begin(), second.end());
    while (counts_by_pattern(last_aggregates.is_object() ? last_aggregates.at("aggregates") : json::array()) !=
           expected_counts(all)) {
        json m = a.next_required();
        if (m.at("type") == "aggregates") last_aggregates = m;
    }
    BOOST_TEST((counts_by_pattern(json::parse(http_request(port, "/api/aggregates").body)) == expected_counts(all)));
    BOOST_TEST(viewer.stats().dropped == 0u);
}

BOOST_AUTO_TEST_CASE(publish_json_keeps_the_object_and_adds_seq) {
    ink::viewer::server viewer({.port = 0, .history = 3, .source = "unit \"quoted\""});
    BOOST_TEST(viewer.publish_json(R"({"level":"info","message":"a"})"));
    BOOST_TEST(viewer.publish_json("  {}\n"));
    BOOST_TEST(!viewer.publish_json("[1,2]"));
    BOOST_TEST(!viewer.publish_json("{\"level\":"));
    BOOST_TEST(!viewer.publish_json(""));
    BOOST_TEST(viewer.publish_json(R"({"level":"warn","message":"b"})"));
    BOOST_TEST(viewer.publish_json(R"({"level":"warn","message":"c"})"));
    const auto s = viewer.stats();
    BOOST_TEST(s.records == 4u);
    BOOST_TEST(s.rejected == 3u);
    BOOST_TEST(s.held == 3u);  // the ring keeps the newest `history`
    BOOST_REQUIRE(!viewer.start());
    ws_client c(viewer.port());
    const opening o = read_opening(c);
    BOOST_TEST(o.hello.at("source") == "unit \"quoted\"");
    BOOST_REQUIRE_EQUAL(o.history.size(), 3u);
    BOOST_TEST(o.history[0] == json::parse(R"({"seq":2})"));
    BOOST_TEST(o.history[1] == json::parse(R"({"level":"warn","message":"b","seq":3})"));
    BOOST_TEST(o.history[2].at("seq") == 4);
    BOOST_TEST(o.aggregates.at("aggregates") == json::array());
}

// A client that never reads: the server keeps one batch in flight for it,
// skips what does not fit in its bound, counts it, and tells the client.
BOOST_AUTO_TEST_CASE(slow_client_gets_a_bounded_queue_and_a_dropped_count) {
    ink::viewer::server viewer({.port = 0, .history = 2000, .max_client_queue_bytes = 256 * 1024});
    BOOST_REQUIRE(!viewer.start());
    ws_client slow(viewer.port(), 60);
    ws_client fast(viewer.port(), 60);
    const json hello = slow.next_required();  // then it stops reading
    BOOST_REQUIRE_EQUAL(hello.at("history"), 0);
    BOOST_REQUIRE_EQUAL(read_opening(fast).history.size(), 0u);

    // 100 MB of records: far more than the slow client's bound and socket buffers.
    const std::string filler(1000, 'x');
    const std::size_t total = 100000;
    const std::size_t rss_before = resident_bytes();
    // A client that reads: what it gets and what it is told it missed add up
    // (the publisher here is faster than any socket, so it may miss some too).
    std::uint64_t fast_got = 0, fast_dropped = 0, fast_last_seq = 0;
    std::thread fast_reader([&] {
        while (fast_got + fast_dropped < total) {
            auto m = fast.next();
            if (!m) break;
            if (m->at("type") == "records") {
                fast_got += m->at("records").size();
                fast_last_seq = m->at("records").back().at("seq").get<std::uint64_t>();
            } else if (m->at("type") == "dropped") {
                fast_dropped += m->at("count").get<std::uint64_t>();
            }
        }
    });
    for (std::size_t i = 0; i < total; ++i)
        viewer.publish_json(R"({"level":"info","message":"record )" + std::to_string(i) + R"(","metadata":{"pad":")" +
                            filler + "\"}}");
    fast_reader.join();
    const std::size_t rss_after = resident_bytes();
    BOOST_TEST(fast_got + fast_dropped == total);
    BOOST_TEST(fast_last_seq == total);
    BOOST_TEST_MESSAGE("reading client: " << fast_got << " records received, " << fast_dropped << " dropped");
    // The server held at most its ring (2,000 records, ~2 MB) and a batch
    // per client: its memory does not follow the 100 MB it was given.
    BOOST_TEST_MESSAGE("RSS growth while 100 MB went to a client that does not read: "
                       << (rss_after > rss_before ? (rss_after - rss_before) >> 20 : 0) << " MiB");
    BOOST_TEST(rss_after < rss_before + (48u << 20));

    // The slow client reads now: every record arrived or was counted as dropped for it.
    std::uint64_t got = 0, dropped = 0, last_total = 0, last_seq = 0;
    while (got + dropped < total) {
        const json m = slow.next_required();
        if (m.at("type") == "dropped") {
            dropped += m.at("count").get<std::uint64_t>();
            last_total = m.at("total").get<std::uint64_t>();
            BOOST_TEST(last_total == dropped);
        } else if (m.at("type") == "records") {
            for (const json& r : m.at("records")) {
                BOOST_REQUIRE_GT(r.at("seq").get<std::uint64_t>(), last_seq);
                last_seq = r.at("seq").get<std::uint64_t>();
                ++got;
            }
        }
    }
    BOOST_TEST_MESSAGE("slow client: " << got << " records received, " << dropped << " dropped");
    BOOST_TEST(got + dropped == total);
    BOOST_TEST(dropped > 0u);
    BOOST_TEST(viewer.stats().dropped == dropped + fast_dropped);
    BOOST_TEST(last_seq == total);  // it caught up with the newest
}

BOOST_AUTO_TEST_CASE(stop_with_clients_connected_returns_promptly) {
    ink::viewer::server viewer({.port = 0});
    for (int i = 0; i < 10; ++i) viewer.publish_json(R"({"level":"info","message":"m"})");
    BOOST_REQUIRE(!viewer.start());
    const std::uint16_t port = viewer.port();
    ws_client a(port, 30), b(port, 30);
    read_opening(a);
    b.next_required();  // b reads its hello only
    // A third connection that sends half a request and waits.
    boost::asio::io_context io;
    tcp::socket idle(io);
    idle.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port});
    boost::asio::write(idle, boost::asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n")));
    std::this_thread::sleep_for(milliseconds{100});

    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        viewer.stop();
        stopped = true;
    });
    // A hang check, not a speed test: stop() must not wait for the clients.
    const auto deadline = steady_clock::now() + seconds{20};
    while (!stopped && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds{10});
    BOOST_REQUIRE_MESSAGE(stopped.load(), "server::stop() did not return with clients connected");
    stopper.join();
    // The clients see their connections end.
    for (;;) {
        auto m = a.next();
        if (!m) break;
    }
    BOOST_TEST(!viewer.running());
    beast::error_code ec;
    tcp::socket again(io);
    again.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port}, ec);
    BOOST_TEST(ec);  // nobody listens any more
    // It can start again, records kept.
    BOOST_REQUIRE(!viewer.start());
    ws_client c(viewer.port());
    BOOST_TEST(read_opening(c).history.size() == 10u);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_an_error_not_an_exception) {
    ink::viewer::server first({.port = 0});
    BOOST_REQUIRE(!first.start());
    ink::viewer::server second({.port = first.port()});
    const std::error_code ec = second.start();
    BOOST_TEST((ec == std::errc::address_in_use), ec.message());
    BOOST_TEST(!second.running());
}

// The figures of docs/viewer.md: 100,000 records held, sent to one client.
BOOST_AUTO_TEST_CASE(hundred_thousand_records_of_history) {
    const std::size_t n = 100000;
    const std::size_t rss_before = resident_bytes();
    ink::viewer::server viewer({.port = 0});
    ink::field fields[3];
    fields[0].key = "requestId";
    fields[0].value.type = ink::field_value::kind::string;
    fields[1].key = "durationMs";
    fields[1].value.type = ink::field_value::kind::floating;
    fields[2].key = "userId";
    fields[2].value.type = ink::field_value::kind::unsigned_integer;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string id = "req-" + std::to_string(i * 7919 % 1000003);
        const std::string message = "GET /api/orders/" + std::to_string(i) + " answered";
        fields[0].value.text = id;
        fields[1].value.number.floating = static_cast<double>(i % 1000) / 7.0;
        fields[2].value.number.unsigned_integer = i % 5000;
        ink::record r;
        r.severity = i % 100 == 0 ? ink::level::error : ink::level::info;
        r.time = ink::time_point(milliseconds(1764140000000LL + static_cast<long long>(i)));
        r.category = i % 2 ? "api" : "web";
        r.message = message;
        r.where.file = "src/api.cpp";
        r.where.line = 120;
        r.fields = fields;
        BOOST_REQUIRE(viewer.publish(r));
    }
    const auto stats = viewer.stats();
    const std::size_t rss_held = resident_bytes();
    BOOST_REQUIRE_EQUAL(stats.held, n);
    BOOST_REQUIRE(!viewer.start());
    const auto connect_at = steady_clock::now();
    ws_client c(viewer.port());
    const opening o = read_opening(c);
    const auto done_at = steady_clock::now();
    BOOST_REQUIRE_EQUAL(o.history.size(), n);
    check_seq_increasing(o.history);
    BOOST_TEST(o.history.back().at("message") == "GET /api/orders/99999 answered");
    const json& a = o.aggregates.at("aggregates");
    BOOST_REQUIRE_EQUAL(a.size(), 1u);
    BOOST_TEST(a[0].at("count") == 1000);
    std::printf("viewer figures: %zu records held in %.1f MiB of JSON; process RSS +%.1f MiB; connect to last history "
                "batch: %.0f ms (%zu batches)\n",
                n, static_cast<double>(stats.held_bytes) / 1048576.0,
                static_cast<double>(rss_held > rss_before ? rss_held - rss_before : 0) / 1048576.0,
                duration<double, std::milli>(done_at - connect_at).count(), o.history_batches);
}

// ---------------------------------------------------------------------------
// `inkwell serve` as a child process.

#ifdef INKWELL_CLI_PATH

BOOST_AUTO_TEST_CASE(serve_a_folder_history_then_live) {
    temp_dir dir, scratch;
    const auto first = plan(0, 40);
    {
        ink::basic_logger<folder_config> log(options_for(dir.path()));
        log_plan(log, first);
        log.flush();
    }
    serve_process serve({dir.path().string(), "--port", "0"}, scratch.path());
    const std::uint16_t port = serve.port();
    const json info = json::parse(http_request(port, "/api/info").body);
    BOOST_TEST(info.at("source") == dir.path().string());
    BOOST_TEST(info.at("records") == 40);
    BOOST_TEST((http_request(port, "/").body == page_text()));
    BOOST_TEST(http_request(port, "/nope").status == 404);
    BOOST_TEST(http_request(port, "/api/info", http::verb::put).status == 405);
    BOOST_TEST((counts_by_pattern(json::parse(http_request(port, "/api/aggregates").body)) == expected_counts(first)));

    ws_client c(port);
    const opening o = read_opening(c);
    BOOST_REQUIRE_EQUAL(o.history.size(), first.size());
    check_seq_increasing(o.history);
    // Across category files the history is in time order; records of one
    // millisecond keep their file's order. Compare as sets of messages, and
    // the order within each category.
    std::multiset<std::string> want, got;
    std::map<std::string, std::vector<std::string>> want_by_cat, got_by_cat;
    for (const auto& r : first) {
        want.insert(r.message);
        want_by_cat[r.category].push_back(r.message);
    }
    for (const auto& r : o.history) {
        got.insert(r.at("message").get<std::string>());
        got_by_cat[r.at("category").get<std::string>()].push_back(r.at("message").get<std::string>());
        BOOST_TEST(r.at("context").at("tenantId") == "acme");
    }
    BOOST_TEST((want == got));
    BOOST_TEST((want_by_cat == got_by_cat));
    BOOST_TEST((counts_by_pattern(o.aggregates.at("aggregates")) == expected_counts(first)));

    // Records written after the connection (a new logger on the same folder, a new category) arrive live.
    const auto second = plan(40, 20);
    {
        ink::basic_logger<folder_config> log(options_for(dir.path()));
        log_plan(log, second);
        log_in(log, ink::level::warn, "brand-new", "a new category file");
        log.flush();
    }
    const auto live = read_live(c, second.size() + 1);
    std::multiset<std::string> want_live{"a new category file"}, got_live;
    for (const auto& r : second) want_live.insert(r.message);
    for (const auto& r : live) got_live.insert(r.at("message").get<std::string>());
    BOOST_TEST((want_live == got_live));
    check_seq_increasing(live, o.history.back().at("seq").get<std::uint64_t>());
    BOOST_TEST(json::parse(http_request(port, "/api/info").body).at("records") == 61);
    auto all = first;
    all.insert(all.end(), second.begin(), second.end());
    BOOST_TEST((counts_by_pattern(json::parse(http_request(port, "/api/aggregates").body)) == expected_counts(all)));

    BOOST_TEST(serve.stop(SIGINT) == 0);
}

BOOST_AUTO_TEST_CASE(serve_filters_and_history_bound) {
    temp_dir dir, scratch;
    const auto first = plan(0, 40);
    {
        ink::basic_logger<folder_config> log(options_for(dir.path()));
        log_plan(log, first);
        log.flush();
    }
    {
        // --level error: only errors and above are served.
        serve_process serve({dir.path().string(), "--port", "0", "--level", "error"}, scratch.path());
        ws_client c(serve.port());
        const opening o = read_opening(c);
        std::size_t errors = 0;
        for (const auto& r : first) errors += r.level >= ink::level::error;
        BOOST_TEST(o.history.size() == errors);
        for (const auto& r : o.history) BOOST_TEST((r.at("level") == "error" || r.at("level") == "critical"));
        BOOST_TEST(serve.stop() == 0);
    }
    {
        // --category engine --history 5: the newest five engine records.
        serve_process serve({dir.path().string(), "--port", "0", "--category", "engine", "--history", "5"},
                            scratch.path());
        ws_client c(serve.port());
        const opening o = read_opening(c);
        std::vector<std::string> engine;
        for (const auto& r : first)
            if (r.category == "engine") engine.push_back(r.message);
        BOOST_REQUIRE_EQUAL(o.history.size(), 5u);
        BOOST_TEST(messages(o.history) == std::vector<std::string>(engine.end() - 5, engine.end()));
        // A record of another category written now is not served; one of engine is.
        {
            ink::basic_logger<folder_config> log(options_for(dir.path()));
            log_in(log, ink::level::info, "ui", "not for this viewer");
            log_in(log, ink::level::info, "engine", "engine again");
            log.flush();
        }
        const auto live = read_live(c, 1);
        BOOST_REQUIRE_EQUAL(live.size(), 1u);
        BOOST_TEST(live[0].at("message") == "engine again");
        BOOST_TEST(serve.stop() == 0);
    }
}

BOOST_AUTO_TEST_CASE(serve_errors_exit_2) {
    temp_dir scratch;
    {
        serve_process serve({(scratch.path() / "missing").string(), "--port", "0"}, scratch.path());
        BOOST_TEST(serve.wait() == 2);
    }
    ink::viewer::server taken({.port = 0});
    BOOST_REQUIRE(!taken.start());
    temp_dir dir;
    serve_process serve({dir.path().string(), "--port", std::to_string(taken.port())}, scratch.path());
    BOOST_TEST(serve.wait() == 2);
    BOOST_TEST(serve.err().find("in use") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(serve_a_redis_stream) {
    const char* where = std::getenv("INKWELL_TEST_REDIS");
    if (where == nullptr || *where == '\0') {
        std::puts("test_viewer: INKWELL_TEST_REDIS is not set (tools/private-redis.sh start DIR): the --redis case is skipped");
        return;
    }
#ifndef INKWELL_TEST_WITH_HIREDIS
    std::puts("test_viewer: built without hiredis: the --redis case is skipped");
#else
    const std::string address = where;
    const std::size_t colon = address.rfind(':');
    redisContext* rc = redisConnect(address.substr(0, colon).c_str(), std::stoi(address.substr(colon + 1)));
    BOOST_REQUIRE(rc != nullptr && rc->err == 0);
    const std::string stream = "inkwell:viewer-test:" + std::to_string(::getpid());
    auto xadd = [&](const std::string& level, const std::string& message) {
        const std::string line = R"({"level":")" + level + R"(","message":")" + message +
                                 R"(","category":"redis","timestamp":"2026-11-26T07:15:30.123Z","source":"r.cpp:1","sessionId":"","metadata":{}})";
        const char* argv[] = {"XADD", stream.c_str(), "*", "level", level.c_str(), "message", message.c_str(), "json", line.c_str()};
        auto* reply = static_cast<redisReply*>(redisCommandArgv(rc, 9, argv, nullptr));
        BOOST_REQUIRE(reply != nullptr && reply->type == REDIS_REPLY_STRING);
        freeReplyObject(reply);
    };
    for (int i = 0; i < 30; ++i) xadd(i % 5 == 0 ? "error" : "info", "redis record " + std::to_string(i));
    temp_dir scratch;
    serve_process serve({"--redis", address, "--stream", stream, "--port", "0", "--history", "20"}, scratch.path());
    const std::uint16_t port = serve.port();
    const json info = json::parse(http_request(port, "/api/info").body);
    BOOST_TEST(info.at("source") == "redis://" + address + "/" + stream);
    BOOST_TEST(info.at("records") == 20);  // the newest 20; the aggregates count the whole stream's errors
    ws_client c(port);
    const opening o = read_opening(c);
    BOOST_REQUIRE_EQUAL(o.history.size(), 20u);
    for (int i = 0; i < 20; ++i) BOOST_TEST(o.history[static_cast<std::size_t>(i)].at("message") == "redis record " + std::to_string(i + 10));
    BOOST_TEST((counts_by_pattern(o.aggregates.at("aggregates")) == std::map<std::string, std::uint64_t>{{"redis record <num>", 6}}));
    for (int i = 30; i < 35; ++i) xadd("warn", "redis record " + std::to_string(i));
    const auto live = read_live(c, 5);
    for (int i = 0; i < 5; ++i) BOOST_TEST(live[static_cast<std::size_t>(i)].at("message") == "redis record " + std::to_string(30 + i));
    check_seq_increasing(live, o.history.back().at("seq").get<std::uint64_t>());
    BOOST_TEST(serve.stop() == 0);
    const char* del[] = {"DEL", stream.c_str()};
    freeReplyObject(redisCommandArgv(rc, 2, del, nullptr));
    redisFree(rc);
#endif
}

#else
BOOST_AUTO_TEST_CASE(serve_not_built) {
    std::puts("test_viewer: built without the inkwell command (INKWELL_BUILD_TOOLS is OFF): the `inkwell serve` cases are skipped");
}
#endif
