#define BOOST_TEST_MODULE remote_queue
#include <boost/test/unit_test.hpp>

// The queue shared by the server sinks (PostgreSQL, Redis), against a
// transport that fails on purpose: batches re-sent until acknowledged,
// a full queue counted and reported, a stop that cannot deliver counted.
// The sinks' own tests run it against real servers.

#include "inkwell_under_test.hpp"

#include <inkwell/detail/remote_queue.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

struct fake_event {
    std::uint64_t id = 0;
    std::string text;
};

struct fake_server {
    std::mutex mutex;
    std::vector<fake_event> received;  // in arrival order, re-sends included
    std::atomic<int> fail_next_sends{0};
    std::atomic<bool> down{false};
    std::atomic<int> connects{0};
};

struct fake_transport {
    fake_server* server;
    bool connect(std::string& error) {
        if (server->down) {
            error = "server down";
            return false;
        }
        ++server->connects;
        return true;
    }
    bool send(std::span<fake_event> batch, std::string& error) {
        if (server->down) {
            error = "connection lost";
            return false;
        }
        std::lock_guard lock(server->mutex);
        // Half the batch lands before the failure, as a real connection can.
        if (server->fail_next_sends > 0) {
            --server->fail_next_sends;
            for (std::size_t i = 0; i < batch.size() / 2; ++i) server->received.push_back(batch[i]);
            error = "send failed";
            return false;
        }
        for (auto& e : batch) server->received.push_back(e);
        return true;
    }
    void disconnect() noexcept {}
    fake_event dropped_note(std::uint64_t count, inkwell::time_point) {
        return {0, std::to_string(count) + " dropped"};
    }
    static std::size_t bytes(const fake_event& e) noexcept { return 64 + e.text.size(); }
};

using queue_type = inkwell::detail::remote_queue<fake_event, fake_transport>;

inkwell::detail::remote_queue_limits fast_limits() {
    inkwell::detail::remote_queue_limits l;
    l.batch_events = 50;
    l.batch_delay = std::chrono::milliseconds{5};
    l.backoff_first = std::chrono::milliseconds{2};
    l.backoff_max = std::chrono::milliseconds{20};
    return l;
}

}  // namespace

BOOST_AUTO_TEST_CASE(failed_sends_are_retried_until_every_event_arrived) {
    fake_server server;
    server.fail_next_sends = 5;
    inkwell::error_reporter errors{[](const inkwell::error_event&) {}};
    queue_type q(fake_transport{&server}, fast_limits(), &errors, "fake");
    for (std::uint64_t i = 1; i <= 1000; ++i) BOOST_REQUIRE(q.push({i, "event"}));
    BOOST_TEST(q.flush(std::chrono::milliseconds{10000}));
    std::set<std::uint64_t> ids;
    {
        std::lock_guard lock(server.mutex);
        for (auto& e : server.received) ids.insert(e.id);
        BOOST_TEST(server.received.size() > 1000u);  // the failed halves arrived twice: at-least-once
    }
    BOOST_TEST(ids.size() == 1000u);
    auto s = q.stats();
    BOOST_TEST(s.sent == 1000u);
    BOOST_TEST(s.dropped == 0u);
    BOOST_TEST(s.failed_sends == 5u);
    BOOST_TEST(errors.stats().errors == 5u);
}

BOOST_AUTO_TEST_CASE(a_server_that_comes_back_gets_everything_queued_meanwhile) {
    fake_server server;
    server.down = true;
    inkwell::error_reporter errors{[](const inkwell::error_event&) {}};
    queue_type q(fake_transport{&server}, fast_limits(), &errors, "fake");
    for (std::uint64_t i = 1; i <= 300; ++i) q.push({i, "event"});
    BOOST_TEST(!q.flush(std::chrono::milliseconds{100}));  // nothing can arrive yet
    BOOST_TEST(q.stats().failed_sends >= 1u);
    server.down = false;
    BOOST_TEST(q.flush(std::chrono::milliseconds{10000}));
    std::lock_guard lock(server.mutex);
    BOOST_TEST(server.received.size() == 300u);
    for (std::size_t i = 0; i < server.received.size(); ++i) BOOST_TEST(server.received[i].id == i + 1);
}

BOOST_AUTO_TEST_CASE(a_full_queue_counts_drops_and_reports_them_before_the_next_event) {
    fake_server server;
    server.down = true;
    inkwell::error_reporter errors{[](const inkwell::error_event&) {}};
    auto limits = fast_limits();
    limits.max_bytes = 10 * (64 + 5);  // ten events
    queue_type q(fake_transport{&server}, limits, &errors, "fake");
    int accepted = 0;
    for (std::uint64_t i = 1; i <= 25; ++i) accepted += q.push({i, "event"}) ? 1 : 0;
    BOOST_TEST(accepted == 10);
    BOOST_TEST(q.stats().dropped == 15u);
    BOOST_TEST(errors.stats().dropped == 15u);
    server.down = false;
    BOOST_TEST(q.flush(std::chrono::milliseconds{10000}));
    BOOST_TEST(q.push({100, "event"}));
    BOOST_TEST(q.flush(std::chrono::milliseconds{10000}));
    std::lock_guard lock(server.mutex);
    BOOST_REQUIRE(server.received.size() == 12u);
    BOOST_TEST(server.received[10].text == "15 dropped");
    BOOST_TEST(server.received[11].id == 100u);
}

BOOST_AUTO_TEST_CASE(stop_with_an_unreachable_server_drops_and_counts_within_its_deadline) {
    fake_server server;
    server.down = true;
    inkwell::error_reporter errors{[](const inkwell::error_event&) {}};
    auto q = std::make_unique<queue_type>(fake_transport{&server}, fast_limits(), &errors, "fake");
    for (std::uint64_t i = 1; i <= 40; ++i) q->push({i, "event"});
    const auto start = std::chrono::steady_clock::now();
    q->stop(std::chrono::milliseconds{200});
    BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds{5}));  // 200 ms asked: a hang, not a speed
    BOOST_TEST(q->stats().dropped == 40u);
    BOOST_TEST(errors.stats().dropped == 40u);
    BOOST_TEST(!q->push({41, "late"}));
    BOOST_TEST(q->stats().dropped == 41u);
}
