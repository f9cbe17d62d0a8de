#pragma once
// The queue in front of a sink that ships records to a server (sink::postgres,
// sink::redis). The sink's write() only moves an event into this queue, so a
// slow or lost server never blocks the logger; one thread of the queue's own
// sends batches, and on a failure disconnects, waits (exponential backoff with
// jitter, so that many processes do not reconnect in step) and re-sends the
// same batch: delivery is at-least-once, and the transport makes a re-sent
// event harmless (a unique event id). The queue is bounded in bytes: an event
// that does not fit is counted as dropped, and once there is room again the
// transport's own note ("N records dropped since ...") goes first.
//
// A Transport is a class the sink writes:
//   bool connect(std::string& error);                        // (re)connect, or say why not
//   bool send(std::span<Event> batch, std::string& error);   // all of it, or an error
//   void disconnect() noexcept;
//   Event dropped_note(std::uint64_t count, time_point since); // the record that reports a loss
//   static std::size_t bytes(const Event&) noexcept;         // what an event costs in memory
// connect, send and disconnect run on the queue's thread only.
//
// Not part of <inkwell/inkwell.hpp> (it brings <thread> and <deque>): the
// server sinks include it. With the single header, include <inkwell.hpp> first.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>


INKWELL_BEGIN_NAMESPACE
namespace detail {

struct remote_queue_limits {
    std::size_t max_bytes = std::size_t{64} << 20;   // events waiting (and in flight), in Transport::bytes
    std::size_t batch_events = 1000;                 // at most this many per send
    std::chrono::milliseconds batch_delay{100};      // a partial batch waits at most this long
    std::chrono::milliseconds backoff_first{100};    // the first wait after a failure ...
    std::chrono::milliseconds backoff_max{5000};     // ... doubling up to this, each with ±50% jitter
};

struct remote_queue_stats {
    std::uint64_t pushed = 0;       // events accepted (notes included)
    std::uint64_t sent = 0;         // events the server acknowledged
    std::uint64_t dropped = 0;      // events that never will be (queue full, or left at stop)
    std::uint64_t reconnects = 0;   // successful connects after the first
    std::uint64_t failed_sends = 0; // failed connect or send attempts
    std::size_t queued_bytes = 0;
    bool connected = false;
};

template <class Event, class Transport>
class remote_queue {
public:
    // `what` names the server in error reports ("postgres", "redis").
    remote_queue(Transport transport, remote_queue_limits limits, error_reporter* errors, std::string what)
        : transport_(std::move(transport)), limits_(limits), errors_(errors), what_(std::move(what)),
          jitter_state_(static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) |
                        1u) {
        if (limits_.batch_events == 0) limits_.batch_events = 1;
        thread_ = std::thread([this] { run(); });
    }
    ~remote_queue() { stop(std::chrono::milliseconds{5000}); }
    remote_queue(const remote_queue&) = delete;
    remote_queue& operator=(const remote_queue&) = delete;

    // Takes the event unless the queue is full or stopped (then it is
    // counted as dropped, in stats() and in the logger's error_reporter).
    bool push(Event event) {
        const std::size_t size = Transport::bytes(event);
        std::unique_lock lock(mutex_);
        if (stopping_ || queued_bytes_ + size > limits_.max_bytes) {
            note_drop_locked(1);
            return false;
        }
        if (dropped_pending_ > 0) {
            // Room again: the loss is reported before the next record.
            Event note = transport_.dropped_note(dropped_pending_, dropped_since_);
            const std::size_t note_size = Transport::bytes(note);
            if (queued_bytes_ + size + note_size <= limits_.max_bytes) {
                dropped_pending_ = 0;
                enqueue_locked(std::move(note), note_size);
            }
        }
        enqueue_locked(std::move(event), size);
        const bool full_batch = queue_.size() >= limits_.batch_events;
        lock.unlock();
        if (full_batch) wake_.notify_one();
        return true;
    }

    // Send what is queued now, without waiting for a full batch (an error
    // record: the reference flushes at once on error).
    void send_now() {
        {
            std::lock_guard lock(mutex_);
            urgent_ = true;
        }
        wake_.notify_one();
    }

    // Waits until every event pushed before the call was sent (or dropped),
    // at most `timeout`. True when nothing pushed before it is still waiting.
    bool flush(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        const std::uint64_t target = pushed_;
        urgent_ = true;
        wake_.notify_one();
        return done_.wait_for(lock, timeout, [&] { return settled_ >= target; });
    }

    // Sends what is queued within `timeout`, then stops the thread; what is
    // left is counted as dropped. Later pushes are dropped.
    void stop(std::chrono::milliseconds timeout) {
        {
            std::lock_guard lock(mutex_);
            if (!thread_.joinable()) return;
            if (!stopping_) {
                stopping_ = true;
                stop_deadline_ = std::chrono::steady_clock::now() + timeout;
            }
        }
        wake_.notify_all();
        thread_.join();
    }

    remote_queue_stats stats() const {
        std::lock_guard lock(mutex_);
        remote_queue_stats s;
        s.pushed = pushed_;
        s.sent = sent_;
        s.dropped = dropped_;
        s.reconnects = reconnects_;
        s.failed_sends = failed_sends_;
        s.queued_bytes = queued_bytes_;
        s.connected = connected_;
        return s;
    }

private:
    using steady = std::chrono::steady_clock;

    void enqueue_locked(Event&& e, std::size_t size) {
        queue_.push_back(std::move(e));
        sizes_.push_back(size);
        queued_bytes_ += size;
        ++pushed_;
        if (queue_.size() == 1) oldest_ = steady::now();
    }
    void note_drop_locked(std::uint64_t n) {
        if (dropped_pending_ == 0) dropped_since_ = clock_type::now();
        dropped_pending_ += n;
        dropped_ += n;
        if (errors_) errors_->count_dropped(n);
    }

    bool stop_expired_locked() const { return stopping_ && steady::now() >= stop_deadline_; }

    void run() {
        std::vector<Event> batch;
        std::vector<std::size_t> batch_sizes;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                for (;;) {
                    if (stopping_ && (queue_.empty() || stop_expired_locked())) break;
                    if (!queue_.empty() && (queue_.size() >= limits_.batch_events || urgent_ || stopping_ ||
                                            steady::now() - oldest_ >= limits_.batch_delay))
                        break;
                    if (queue_.empty())
                        wake_.wait(lock);
                    else
                        wake_.wait_until(lock, oldest_ + limits_.batch_delay);
                }
                if (stopping_ && (queue_.empty() || stop_expired_locked())) {
                    if (!queue_.empty()) {
                        const auto left = queue_.size();
                        queue_.clear();
                        sizes_.clear();
                        queued_bytes_ = 0;
                        settled_ += left;
                        dropped_ += left;
                        if (errors_) {
                            errors_->count_dropped(left);
                            errors_->report({error_kind::send, 0, what_,
                                             "records still queued at shutdown were dropped (server unreachable)"});
                        }
                    }
                    done_.notify_all();
                    break;
                }
                const std::size_t n = std::min(queue_.size(), limits_.batch_events);
                batch.clear();
                batch_sizes.clear();
                for (std::size_t i = 0; i < n; ++i) {
                    batch.push_back(std::move(queue_.front()));
                    batch_sizes.push_back(sizes_.front());
                    queue_.pop_front();
                    sizes_.pop_front();
                }
                if (queue_.empty()) urgent_ = false;
                else oldest_ = steady::now();
            }
            const bool delivered = deliver(batch);
            std::size_t bytes = 0;
            for (auto s : batch_sizes) bytes += s;
            {
                std::lock_guard lock(mutex_);
                queued_bytes_ -= bytes;
                settled_ += batch.size();
                if (delivered) {
                    sent_ += batch.size();
                } else {
                    dropped_ += batch.size();
                    if (errors_) errors_->count_dropped(batch.size());
                }
            }
            done_.notify_all();
        }
        if (connected_) transport_.disconnect();
        set_connected(false);
    }

    // Sends one batch until it is acknowledged; false only when the stop
    // deadline passed first.
    bool deliver(std::vector<Event>& batch) {
        auto backoff = limits_.backoff_first;
        std::string error;
        for (;;) {
            if (!connected_) {
                error.clear();
                if (transport_.connect(error)) {
                    set_connected(true);
                    if (ever_connected_) {
                        std::lock_guard lock(mutex_);
                        ++reconnects_;
                    }
                    ever_connected_ = true;
                } else {
                    failed(error_kind::connect, error);
                    if (!wait_backoff(backoff)) return false;
                    continue;
                }
            }
            error.clear();
            if (transport_.send(std::span<Event>(batch), error)) return true;
            failed(error_kind::send, error);
            transport_.disconnect();
            set_connected(false);
            if (!wait_backoff(backoff)) return false;
        }
    }

    void set_connected(bool c) {
        std::lock_guard lock(mutex_);
        connected_ = c;
    }

    void failed(error_kind kind, const std::string& why) {
        {
            std::lock_guard lock(mutex_);
            ++failed_sends_;
        }
        if (errors_) errors_->report({kind, 0, what_, why});
    }

    // Sleeps the backoff with jitter (interrupted by stop); false once the
    // stop deadline has passed.
    bool wait_backoff(std::chrono::milliseconds& backoff) {
        jitter_state_ ^= jitter_state_ << 13;
        jitter_state_ ^= jitter_state_ >> 7;
        jitter_state_ ^= jitter_state_ << 17;
        const auto base = backoff.count();
        const auto jittered = std::chrono::milliseconds{base / 2 + static_cast<long long>(jitter_state_ % (
                                                                       static_cast<std::uint64_t>(base) + 1))};
        backoff = std::min(backoff * 2, limits_.backoff_max);
        std::unique_lock lock(mutex_);
        const auto until = steady::now() + jittered;
        if (stopping_) {
            wake_.wait_until(lock, std::min(until, stop_deadline_), [&] { return steady::now() >= stop_deadline_; });
            return steady::now() < stop_deadline_;
        }
        wake_.wait_until(lock, until, [&] { return stopping_; });
        return !stop_expired_locked();
    }

    Transport transport_;
    remote_queue_limits limits_;
    error_reporter* errors_;
    std::string what_;

    mutable std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::deque<Event> queue_;
    std::deque<std::size_t> sizes_;
    std::size_t queued_bytes_ = 0;
    steady::time_point oldest_{};
    std::uint64_t pushed_ = 0, settled_ = 0, sent_ = 0, dropped_ = 0, reconnects_ = 0, failed_sends_ = 0;
    std::uint64_t dropped_pending_ = 0;
    time_point dropped_since_{};
    bool urgent_ = false, stopping_ = false, connected_ = false, ever_connected_ = false;
    steady::time_point stop_deadline_{};
    std::uint64_t jitter_state_;
    std::thread thread_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
