#pragma once
// sink::live: streams records to subscribers (a dashboard, the later live
// viewer or Redis sink) without ever making the logger wait for them.
//
//   auto* live = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
//   auto sub = live->subscribe([](const inkwell::record& r, std::string_view line) { ... },
//                              inkwell::level::info);     // min level; queue of 1024 records
//   ...
//   sub.dropped();  // what this subscriber missed because its queue was full
//
// Each subscriber has a bounded queue and a thread of its own that calls it.
// write() only puts a shared copy of the record into each queue: when a queue
// is full (1024 records by default, or 16 MiB of them), the record is dropped
// for that subscriber alone and counted. So a slow or stuck subscriber loses
// records, never slows the logger.
//
// A subscriber is a callable taking (const record&, std::string_view line) or
// (const record&), or an observer with on_record(...) of either form, given by
// value (kept in the subscription), by pointer (the caller keeps it alive
// until it is unsubscribed) or by std::shared_ptr. The record's views live for
// the call only; keep an owned_record to hold on to it. Calls to one
// subscriber come from one thread, in the order the records were written.
//
// subscribe() returns a subscription: destroying it unsubscribes (as does
// live::unsubscribe(id)). Unsubscribing is safe at any time:
//   - from another thread: when it returns, the callback is not running and
//     will not run again; records still queued are dropped (and counted);
//   - from inside a callback (any subscriber's): it does not wait, the
//     subscriber stops after the callback returns.
// A callback that throws is counted in errors() and the delivery goes on.
// When the sink is destroyed (the logger ends), each thread delivers what is
// queued and stops, within shutdown_timeout() (default 3 s) in all: what is
// still queued then is dropped, and a thread stuck in a callback is left to
// finish on its own (detached; it touches nothing but its own subscription).

#include <atomic>
#include "../detail/chrono.hpp"
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/find_sink.hpp"
#include "../detail/function.hpp"
#include "../detail/platform.hpp"
#include "../level.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {
namespace live_detail {

// What every queue shares: one copy of the record however many subscribers
// take it.
template <class Unused = void>
struct shared_entry {
    shared_entry(const record& r, std::string_view l) : copy(r), line(l) {}
    basic_owned_record<Unused> copy;
    std::string line;
    // Roughly what the entry costs in memory, for the queue's byte bound.
    std::size_t bytes() const noexcept {
        const record v = copy.view();
        std::size_t n = sizeof(*this) + v.message.size() + v.category.size() + line.size() + v.fields.size() * 64;
        for (const auto& f : v.fields) n += f.key.size() + f.value.text.size();
        return n;
    }
};

using delivery = detail::shared_function<void(const record&, std::string_view line)>;

// Counters shared by the sink and every subscriber thread; a thread left
// running after the sink is gone still counts into a live object.
struct totals {
    std::atomic<std::uint64_t> delivered{0}, dropped{0}, errors{0};
};

// True on a subscriber's delivery thread: unsubscribing there must not wait
// for a delivery thread (its own, or one that may be waiting for it).
inline thread_local bool on_delivery_thread = false;

// One subscriber: its queue, its thread, its counters. Shared by the sink's
// list, its delivery thread and its subscription handle.
template <class Unused = void>
struct subscriber {
    enum class mode : std::uint8_t { running, draining, stopping };
    using entry_ptr = std::shared_ptr<const shared_entry<Unused>>;

    subscriber(std::uint64_t id_, delivery d, level min, std::size_t capacity_, std::size_t max_bytes_,
               std::shared_ptr<totals> t)
        : id(id_), min_level(min), capacity(capacity_ == 0 ? 1 : capacity_), max_bytes(max_bytes_),
          deliver(std::move(d)), all(std::move(t)), queue(capacity) {}

    // The writer's side: never waits for the callback, only for the
    // queue's lock, which the delivery thread holds for a pop.
    void offer(const entry_ptr& e, std::size_t bytes) {
        bool was_empty = false;
        {
            std::lock_guard lock(mutex);
            if (current != mode::running) return;
            if (count == capacity || (count > 0 && queued_bytes + bytes > max_bytes)) {
                count_drop(1);
                return;
            }
            queue[(head + count) % capacity] = e;
            queued_bytes += bytes;
            was_empty = (count++ == 0);
        }
        // The thread sleeps only on an empty queue.
        if (was_empty) wake.notify_one();
    }

    void run() {
        on_delivery_thread = true;
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [&] { return count > 0 || current != mode::running; });
            if (current == mode::stopping || count == 0) break;
            if (current == mode::draining && std::chrono::steady_clock::now() > drain_deadline) break;
            entry_ptr e = std::move(queue[head]);
            head = (head + 1) % capacity;
            --count;
            queued_bytes -= entry_bytes(*e);
            busy = true;
            delivered.fetch_add(1, std::memory_order_relaxed);
            all->delivered.fetch_add(1, std::memory_order_relaxed);
            lock.unlock();
            const record view = e->copy.view();
            INKWELL_TRY { deliver(view, e->line); }
            INKWELL_CATCH_ALL {
                errors.fetch_add(1, std::memory_order_relaxed);
                all->errors.fetch_add(1, std::memory_order_relaxed);
            }
            e.reset();  // the copy is freed outside the lock
            lock.lock();
            busy = false;
            if (count == 0) changed.notify_all();  // wait_idle()
        }
        discard_queued();
        finished = true;
        changed.notify_all();
    }

    // Stops the thread after its current call; what is queued is dropped.
    void stop() {
        {
            std::lock_guard lock(mutex);
            current = mode::stopping;
            discard_queued();
        }
        wake.notify_all();
    }

    // Stops the thread once the queue is empty or at `deadline`.
    void drain_until(std::chrono::steady_clock::time_point deadline) {
        {
            std::lock_guard lock(mutex);
            if (current == mode::running) current = mode::draining;
            drain_deadline = deadline;
        }
        wake.notify_all();
    }

    bool wait_finished_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex);
        return changed.wait_until(lock, deadline, [&] { return finished; });
    }

    bool wait_idle_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex);
        return changed.wait_until(lock, deadline, [&] { return finished || (count == 0 && !busy); });
    }

    bool is_finished() {
        std::lock_guard lock(mutex);
        return finished;
    }

    // Joins the thread; detaches it when it did not finish by `deadline`,
    // or when this is that thread itself (the sink ended from its callback).
    void join_or_detach(std::chrono::steady_clock::time_point deadline) {
        if (!thread.joinable()) return;
        if (thread.get_id() == std::this_thread::get_id()) {  // the sink ended from inside a callback
            thread.detach();
            return;
        }
        if (wait_finished_until(deadline))
            thread.join();
        else
            thread.detach();
    }

    const std::uint64_t id;
    const level min_level;
    const std::size_t capacity;
    const std::size_t max_bytes;
    const delivery deliver;
    const std::shared_ptr<totals> all;
    std::atomic<std::uint64_t> delivered{0}, dropped{0}, errors{0};
    std::thread thread;  // set before the subscriber is listed; only the sink's side touches it

private:
    static std::size_t entry_bytes(const shared_entry<Unused>& e) noexcept { return e.bytes(); }

    void count_drop(std::uint64_t n) {
        dropped.fetch_add(n, std::memory_order_relaxed);
        all->dropped.fetch_add(n, std::memory_order_relaxed);
    }
    void discard_queued() {  // under mutex
        if (count > 0) count_drop(count);
        for (; count > 0; --count, head = (head + 1) % capacity) queue[head].reset();
        queued_bytes = 0;
    }

    std::mutex mutex;
    std::condition_variable wake;     // the delivery thread waits here
    std::condition_variable changed;  // wait_idle() and shutdown wait here
    std::vector<entry_ptr> queue;     // a ring of `capacity` slots
    std::size_t head = 0, count = 0, queued_bytes = 0;
    mode current = mode::running;
    bool busy = false;       // a callback is running
    bool finished = false;   // the thread's loop has ended
    std::chrono::steady_clock::time_point drain_deadline{};
};

// The sink's state, shared with the subscription handles (weakly): a handle
// may outlive the sink.
template <class Unused = void>
struct hub {
    using subscriber_ptr = std::shared_ptr<subscriber<Unused>>;

    std::mutex mutex;  // the lists; held by write() while it hands a record out
    std::vector<subscriber_ptr> active;
    std::vector<subscriber_ptr> retired;  // stopped from a delivery thread, to be joined
    std::uint64_t next_id = 1;
    bool closed = false;
    std::shared_ptr<totals> all = std::make_shared<totals>();

    bool unsubscribe(std::uint64_t id) {
        subscriber_ptr gone, ended_before;
        {
            std::lock_guard lock(mutex);
            gone = take(active, id);
            if (gone && on_delivery_thread) retired.push_back(gone);  // joined later, never from here
            // Ended already from a delivery thread: from elsewhere, wait for
            // its last call to return, as for an active one.
            if (!gone && !on_delivery_thread) ended_before = take(retired, id);
        }
        if (ended_before) ended_before->join_or_detach(std::chrono::steady_clock::time_point::max());
        if (!gone) return false;
        gone->stop();
        if (!on_delivery_thread) {
            gone->join_or_detach(std::chrono::steady_clock::time_point::max());
            join_finished_retired();
        }
        return true;
    }

    static subscriber_ptr take(std::vector<subscriber_ptr>& list, std::uint64_t id) {
        for (auto it = list.begin(); it != list.end(); ++it) {
            if ((*it)->id == id) {
                subscriber_ptr s = std::move(*it);
                list.erase(it);
                return s;
            }
        }
        return nullptr;
    }

    // Threads of subscribers stopped from a delivery thread that have ended.
    void join_finished_retired() {
        std::vector<subscriber_ptr> done;
        {
            std::lock_guard lock(mutex);
            for (auto it = retired.begin(); it != retired.end();) {
                if ((*it)->is_finished()) {
                    done.push_back(std::move(*it));
                    it = retired.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& s : done) s->join_or_detach(std::chrono::steady_clock::time_point::max());
    }
};

}  // namespace live_detail

template <class Unused = void>
class basic_live;

// A subscriber's handle: move-only; destroying it (or unsubscribe())
// ends the subscription. Its counters stay readable afterwards.
template <class Unused = void>
class basic_subscription {
public:
    basic_subscription() = default;
    basic_subscription(basic_subscription&& o) noexcept
        : hub_(std::move(o.hub_)), subscriber_(std::move(o.subscriber_)) {}
    basic_subscription& operator=(basic_subscription&& o) noexcept {
        if (this != &o) {
            unsubscribe();
            hub_ = std::move(o.hub_);
            subscriber_ = std::move(o.subscriber_);
        }
        return *this;
    }
    ~basic_subscription() { unsubscribe(); }

    // Ends the subscription; false when it had already ended (or the sink is gone).
    bool unsubscribe() {
        auto hub = hub_.lock();
        hub_.reset();
        return hub && subscriber_ && hub->unsubscribe(subscriber_->id);
    }
    // Lets the subscription run as long as the sink does; returns its id
    // (for live::unsubscribe(id)).
    std::uint64_t release() noexcept {
        hub_.reset();
        return id();
    }

    explicit operator bool() const noexcept { return subscriber_ != nullptr; }
    std::uint64_t id() const noexcept { return subscriber_ ? subscriber_->id : 0; }
    // Records handed to the callback, dropped for this subscriber (queue full,
    // or still queued when it stopped), and callbacks that threw.
    std::uint64_t delivered() const noexcept { return subscriber_ ? subscriber_->delivered.load() : 0; }
    std::uint64_t dropped() const noexcept { return subscriber_ ? subscriber_->dropped.load() : 0; }
    std::uint64_t errors() const noexcept { return subscriber_ ? subscriber_->errors.load() : 0; }

private:
    friend class basic_live<Unused>;
    basic_subscription(std::weak_ptr<live_detail::hub<Unused>> hub,
                       std::shared_ptr<live_detail::subscriber<Unused>> s) noexcept
        : hub_(std::move(hub)), subscriber_(std::move(s)) {}

    std::weak_ptr<live_detail::hub<Unused>> hub_;
    std::shared_ptr<live_detail::subscriber<Unused>> subscriber_;
};
using subscription = basic_subscription<>;

template <class Unused>
class basic_live {
    using hub_type = live_detail::hub<Unused>;
    using subscriber_type = live_detail::subscriber<Unused>;

public:
    static constexpr std::size_t default_queue = 1024;
    static constexpr std::size_t max_queue_bytes = 16 * 1024 * 1024;  // per subscriber

    basic_live() = default;
    explicit basic_live(const sink_context&) {}
    basic_live(const basic_live&) = delete;
    basic_live& operator=(const basic_live&) = delete;
    ~basic_live() { shutdown(); }

    // Subscribes `subscriber` (see the top of this file) to records of level
    // `min` and above, with a queue of `queue` records. Thread-safe; may be
    // called while records flow, also from a callback. After the sink shut
    // down, returns an empty subscription.
    template <class S>
    basic_subscription<Unused> subscribe(S&& subscriber, level min = level::trace, std::size_t queue = default_queue) {
        live_detail::delivery d = make_delivery(std::forward<S>(subscriber));
        if (!live_detail::on_delivery_thread) hub_->join_finished_retired();
        std::lock_guard lock(hub_->mutex);
        if (hub_->closed) return {};
        auto s = std::make_shared<subscriber_type>(hub_->next_id++, std::move(d), min, queue, max_queue_bytes, hub_->all);
        s->thread = std::thread([s] { s->run(); });
        hub_->active.push_back(s);
        return basic_subscription<Unused>(hub_, std::move(s));
    }

    // Ends subscription `id` (see basic_subscription::unsubscribe()).
    bool unsubscribe(std::uint64_t id) { return hub_->unsubscribe(id); }

    void write(const record& r, std::string_view line) {
        std::lock_guard lock(hub_->mutex);
        std::shared_ptr<const live_detail::shared_entry<Unused>> e;
        std::size_t bytes = 0;
        for (const auto& s : hub_->active) {
            if (r.severity < s->min_level) continue;
            if (!e) {  // copied once, and only when someone wants it
                e = std::make_shared<live_detail::shared_entry<Unused>>(r, line);
                bytes = e->bytes();
            }
            s->offer(e, bytes);
        }
    }
    void flush() noexcept {}

    // Waits until every subscriber has been handed every record queued for
    // it; false at the timeout. Records written meanwhile are waited for too.
    bool wait_idle(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::vector<std::shared_ptr<subscriber_type>> now;
        {
            std::lock_guard lock(hub_->mutex);
            now = hub_->active;
        }
        for (auto& s : now)
            if (!s->wait_idle_until(deadline)) return false;
        return true;
    }

    std::size_t subscribers() const {
        std::lock_guard lock(hub_->mutex);
        return hub_->active.size();
    }
    // Totals over every subscriber this sink had.
    std::uint64_t delivered() const noexcept { return hub_->all->delivered.load(); }
    std::uint64_t dropped() const noexcept { return hub_->all->dropped.load(); }
    std::uint64_t errors() const noexcept { return hub_->all->errors.load(); }

    // How long the destructor lets the subscribers take what is queued.
    void set_shutdown_timeout(std::chrono::milliseconds t) noexcept { shutdown_timeout_.store(t.count()); }
    std::chrono::milliseconds shutdown_timeout() const noexcept {
        return std::chrono::milliseconds(shutdown_timeout_.load());
    }

private:
    template <class S>
    static live_detail::delivery make_delivery(S&& subscriber) {
        using T = std::remove_cvref_t<S>;
        if constexpr (std::is_pointer_v<T> && std::is_class_v<std::remove_pointer_t<T>>) {
            return observer_delivery(subscriber);
        } else if constexpr (requires(T& t) { t.get(); t->on_record(std::declval<const record&>()); } ||
                             requires(T& t) { t.get(); t->on_record(std::declval<const record&>(), std::string_view{}); }) {
            return observer_delivery(std::forward<S>(subscriber));  // a shared_ptr: shares ownership
        } else if constexpr (requires(T& t) { t.on_record(std::declval<const record&>()); } ||
                             requires(T& t) { t.on_record(std::declval<const record&>(), std::string_view{}); }) {
            return observer_delivery(std::make_shared<T>(std::forward<S>(subscriber)));
        } else if constexpr (std::is_invocable_v<T&, const record&, std::string_view>) {
            return live_detail::delivery(std::forward<S>(subscriber));
        } else {
            static_assert(std::is_invocable_v<T&, const record&>,
                          "inkwell: a live subscriber is callable with (const record&, std::string_view) or "
                          "(const record&), or has on_record(...) of either form; see inkwell/sink/live.hpp");
            return [f = T(std::forward<S>(subscriber))](const record& r, std::string_view) mutable { f(r); };
        }
    }

    // `p` is a raw pointer or a shared_ptr to an observer.
    template <class P>
    static live_detail::delivery observer_delivery(P p) {
        return [p = std::move(p)](const record& r, std::string_view line) {
            if constexpr (requires { p->on_record(r, line); })
                p->on_record(r, line);
            else
                p->on_record(r);
        };
    }

    void shutdown() {
        std::vector<std::shared_ptr<subscriber_type>> active, retired;
        {
            std::lock_guard lock(hub_->mutex);
            hub_->closed = true;
            active.swap(hub_->active);
            retired.swap(hub_->retired);
        }
        const auto deadline = std::chrono::steady_clock::now() + shutdown_timeout();
        for (auto& s : active) s->drain_until(deadline);
        for (auto& s : active) {
            if (!s->wait_finished_until(deadline)) s->stop();  // gives up what is queued
            // A callback that is still running gets a moment more, then is left alone.
            s->join_or_detach(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        }
        for (auto& s : retired) s->join_or_detach(deadline);
    }

    std::shared_ptr<hub_type> hub_ = std::make_shared<hub_type>();
    std::atomic<std::int64_t> shutdown_timeout_{3000};
};

using live = basic_live<>;

}  // namespace sink
INKWELL_END_NAMESPACE
