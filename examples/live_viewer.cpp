// live_viewer — the live web viewer inside an application: a logger's
// sink::live feeds an inkwell::viewer::server, and a browser on
// http://127.0.0.1:PORT/ sees every record as it is logged, with filters,
// the error aggregates and a detail view (docs/viewer.md).
//
//   live_viewer [DIR]           logs a few records into DIR (default: a
//                               temporary folder), checks that a WebSocket
//                               client of the viewer gets every one of them
//                               and that /api/info counts them, exits 0
//                               (it runs as the test example.live_viewer)
//   live_viewer --serve [DIR]   the same, then keeps serving on port 8470 and
//                               logs a heartbeat every second until Ctrl-C:
//                               open http://127.0.0.1:8470/ in a browser
//
// The viewer is an add-on header: Boost.Beast (Debian: libboost-dev),
// exceptions and threads (link Threads::Threads).
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/viewer.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>
#include <inkwell/viewer/server.hpp>

#include "support/example_folder.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

// [docs:config]
// The JSONL-per-category preset, with a sink::live beside its files: the
// live sink hands records to subscribers on their own threads, so the
// viewer never slows the logger (a subscriber that falls behind loses
// records, counted).
struct app_config : inkwell::presets::jsonl_per_category_config {
    using sink = inkwell::sink::tee<inkwell::sink::category_files<>, inkwell::sink::live>;
};
using app_logger = inkwell::basic_logger<app_config>;
// [docs:end]

namespace {

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted = true; }

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// A blocking read on `socket` gives up after 10 s (this example is a test: it must not hang).
void read_timeout(tcp::socket& socket) {
    timeval tv{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// GET `target` from the viewer; the body, or "" on an error.
std::string http_get(std::uint16_t port, const char* target) {
    boost::asio::io_context io;
    tcp::socket socket(io);
    beast::error_code ec;
    socket.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port}, ec);
    if (ec) return {};
    read_timeout(socket);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(socket, req, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(socket, buffer, res, ec);
    return ec || res.result() != http::status::ok ? std::string{} : res.body();
}

// Reads the viewer's WebSocket until every text of `wanted` was in a
// "records" message; false after 10 s without a frame.
bool websocket_sees(std::uint16_t port, std::set<std::string> wanted) {
    boost::asio::io_context io;
    beast::websocket::stream<tcp::socket> ws(io);
    beast::error_code ec;
    ws.next_layer().connect({boost::asio::ip::make_address_v4("127.0.0.1"), port}, ec);
    if (ec) return false;
    read_timeout(ws.next_layer());
    ws.handshake("127.0.0.1", "/ws", ec);
    if (ec) return false;
    while (!wanted.empty()) {
        beast::flat_buffer frame;
        ws.read(frame, ec);
        if (ec) return false;
        const std::string text = beast::buffers_to_string(frame.data());
        std::printf("websocket <- %.100s%s\n", text.c_str(), text.size() > 100 ? "..." : "");
        if (text.find("\"type\":\"records\"") == std::string::npos) continue;
        for (auto it = wanted.begin(); it != wanted.end();)
            it = text.find(*it) != std::string::npos ? wanted.erase(it) : std::next(it);
    }
    ws.close(beast::websocket::close_code::normal, ec);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    bool serve = false;
    std::vector<char*> args{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--serve") == 0) serve = true;
        else args.push_back(argv[i]);
    }
    const examples::example_folder folder(static_cast<int>(args.size()), args.data(), "inkwell-viewer");
    const std::uint16_t port = serve ? 8470 : 0;  // the test: any free port
    int failures = 0;
    {
        // [docs:use]
        app_logger log({.name = "shop", .directory = folder.path()});

        // The viewer, on 127.0.0.1 only (port: 8470 by default, 0 picks a free
        // one); a page that opens gets the newest `history` records first.
        inkwell::viewer::server viewer({.port = port, .history = 100000});
        auto* live = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
        auto feed = viewer.attach(*live);  // keep it: the feed ends when it goes
        if (const std::error_code ec = viewer.start()) {
            std::fprintf(stderr, "viewer: %s\n", ec.message().c_str());
            return 1;
        }
        std::printf("live viewer on http://127.0.0.1:%u/\n", viewer.port());

        INKWELL_INFO(log, "checkout started for cart {}", 1017, inkwell::kv("tenantId", "acme"));
        INKWELL_WARN(log, "payment provider slow: {} ms", 2300);
        INKWELL_ERROR(log, "payment declined for order {}", 88123, inkwell::kv("errorType", "PaymentDeclined"));
        // [docs:end]

        // A client that connects now gets these three as history (or live,
        // if the logger's writer has not handed them over yet), then the two
        // logged once it is connected.
        std::thread client_thread;
        std::atomic<bool> client_ok{false};
        client_thread = std::thread([&] {
            client_ok = websocket_sees(viewer.port(), {"checkout started for cart 1017", "payment provider slow",
                                                       "payment declined for order 88123", "order 88124 shipped",
                                                       "payment declined for order 88125"});
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        INKWELL_INFO(log, "order {} shipped", 88124);
        INKWELL_ERROR(log, "payment declined for order {}", 88125, inkwell::kv("errorType", "PaymentDeclined"));
        client_thread.join();
        if (!client_ok) {
            std::puts("FAILED: the WebSocket client did not get the five records");
            ++failures;
        }

        // /api/info counts what was published; /api/aggregates groups the two declines.
        const std::string info = http_get(viewer.port(), "/api/info");
        const std::string aggregates = http_get(viewer.port(), "/api/aggregates");
        std::printf("/api/info: %s\n/api/aggregates: %.160s...\n", info.c_str(), aggregates.c_str());
        if (info.find("\"records\":5") == std::string::npos) ++failures;
        if (aggregates.find("\"count\":2") == std::string::npos ||
            aggregates.find("payment declined for order <num>") == std::string::npos)
            ++failures;

        if (serve && failures == 0) {
            std::signal(SIGINT, on_interrupt);
            std::signal(SIGTERM, on_interrupt);
            std::puts("serving until Ctrl-C; a heartbeat every second");
            for (int beat = 1; !interrupted; ++beat) {
                INKWELL_INFO(log, "heartbeat {}", beat, inkwell::kv("service", "shop"));
                if (beat % 10 == 0) INKWELL_ERROR(log, "heartbeat {} missed", beat);
                for (int i = 0; i < 10 && !interrupted; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        viewer.stop();  // also done by its destructor; returns promptly with clients connected
    }
    std::printf("%s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
