#pragma once
// The writer thread behind buffer::async, shared by every async logger of
// the process. Each producing thread gets its own queue (a chain of SPSC
// rings) on its first record; the writer drains all queues, hands each entry
// to the engine that queued it, and then lets every engine write its batch
// (one write(2) per file per round). Idle, it sleeps in growing steps up to
// 10 ms: an idle logger costs well under 1% of a core.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../record.hpp"
#include "../version.hpp"
#include "platform.hpp"
#include "spsc_ring.hpp"
#include "tsc_clock.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

class async_writer;

// What the writer knows of an engine.
class async_target {
public:
    virtual void commit() = 0;          // write out what the round produced
    virtual void report_drops() = 0;    // log "N records dropped" if any were
protected:
    ~async_target() = default;
};

struct entry_header {
    std::uint32_t size;  // of the whole entry, this header included
    std::uint32_t thread_id;
    void (*deliver)(async_target* target, const entry_header& header, const std::byte* payload,
                    const tick_converter& clock);
    async_target* target;
    std::uint64_t ticks;
    const call_site* site;
};

// One producing thread's queue: rings in order; the producer writes to the
// last, the writer reads the first. A new, larger ring is added only by the
// grow overflow policy; the writer frees a ring once it is drained and a
// newer one exists.
class thread_queue {
public:
    explicit thread_queue(std::size_t bytes) {
        rings_.push_back(std::make_unique<spsc_ring>(bytes));
        producer_ = consumer_ = rings_.back().get();
    }

    spsc_ring& producer_ring() noexcept { return *producer_; }

    // Producer: continue in a new ring of `bytes` (the old one is final).
    void grow(std::size_t bytes) {
        auto fresh = std::make_unique<spsc_ring>(bytes);
        spsc_ring* next = fresh.get();
        {
            std::lock_guard lock(rings_mutex_);
            rings_.push_back(std::move(fresh));
        }
        producer_ = next;
    }

    // Writer: the next entry, or nullptr.
    const std::byte* front() {
        for (;;) {
            if (const std::byte* e = consumer_->front()) return e;
            std::lock_guard lock(rings_mutex_);
            if (rings_.size() == 1 || rings_.front().get() != consumer_) return nullptr;
            if (!consumer_->empty()) continue;  // a last entry arrived before the switch
            rings_.erase(rings_.begin());
            consumer_ = rings_.front().get();
        }
    }
    void pop(std::size_t size) noexcept { consumer_->pop(size); }

    std::atomic<bool> retired{false};  // its thread has ended

private:
    std::mutex rings_mutex_;
    std::vector<std::unique_ptr<spsc_ring>> rings_;
    spsc_ring* producer_;
    spsc_ring* consumer_;
};

class async_writer {
public:
    // The process's writer; made when the first async logger is, ended when the last one is.
    static std::shared_ptr<async_writer> acquire() {
        static std::mutex m;
        static std::weak_ptr<async_writer> current;
        std::lock_guard lock(m);
        if (auto w = current.lock()) return w;
        auto w = std::shared_ptr<async_writer>(new async_writer());
        current = w;
        return w;
    }

    ~async_writer() {
        {
            std::lock_guard lock(state_mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    async_writer(const async_writer&) = delete;
    async_writer& operator=(const async_writer&) = delete;

    bool uses_tsc() const noexcept { return use_tsc_; }

    // The calling thread's queue, made on its first record.
    thread_queue& local_queue(std::size_t bytes) {
        auto& slot = local_slot();
        if (INKWELL_LIKELY(slot.owner == this && slot.generation == generation_)) return *slot.queue;
        return register_thread(slot, bytes);
    }

    void add_target(async_target* t) {
        std::lock_guard lock(registry_mutex_);
        targets_.push_back(t);
    }
    void remove_target(async_target* t) {
        std::lock_guard lock(registry_mutex_);
        std::erase(targets_, t);
    }

    // Returns once every entry queued before the call has been delivered and
    // committed, or false when `timeout` passed first.
    bool flush(std::chrono::milliseconds timeout) {
        if (std::this_thread::get_id() == thread_.get_id()) return true;  // from inside a sink: nothing to wait for
        std::unique_lock lock(state_mutex_);
        const std::uint64_t ticket = ++flush_requested_;
        wake_.notify_all();
        return flushed_.wait_for(lock, timeout, [&] { return flush_done_ >= ticket; });
    }

    // A producer that found its queue full asks the writer to hurry.
    void nudge() { wake_.notify_all(); }

private:
    struct local_queue_slot {
        async_writer* owner = nullptr;
        std::uint64_t generation = 0;
        std::shared_ptr<thread_queue> queue;
        ~local_queue_slot() {
            if (queue) queue->retired.store(true, std::memory_order_release);
        }
    };
    static local_queue_slot& local_slot() noexcept {
        thread_local local_queue_slot slot;
        return slot;
    }
    static std::uint64_t next_generation() noexcept {
        static std::atomic<std::uint64_t> g{0};
        return ++g;
    }

    async_writer() : use_tsc_(tsc_usable()), generation_(next_generation()) {
        thread_ = std::thread([this] { run(); });
    }

    thread_queue& register_thread(local_queue_slot& slot, std::size_t bytes) {
        if (slot.queue) slot.queue->retired.store(true, std::memory_order_release);  // a previous writer's
        auto q = std::make_shared<thread_queue>(bytes);
        {
            std::lock_guard lock(registry_mutex_);
            queues_.push_back(q);
        }
        slot.owner = this;
        slot.generation = generation_;
        slot.queue = std::move(q);
        return *slot.queue;
    }

    // Delivers every entry now queued; returns how many.
    std::size_t drain(const tick_converter& clock) {
        std::vector<std::shared_ptr<thread_queue>> queues;
        {
            std::lock_guard lock(registry_mutex_);
            queues = queues_;
        }
        std::size_t delivered = 0;
        for (auto& q : queues) {
            const bool retired = q->retired.load(std::memory_order_acquire);  // read before draining
            while (const std::byte* e = q->front()) {
                entry_header h;
                std::memcpy(&h, e, sizeof h);
                h.deliver(h.target, h, e + sizeof h, clock);
                q->pop(h.size);
                ++delivered;
            }
            if (retired) {  // its thread is gone and nothing is left: reclaim it
                std::lock_guard lock(registry_mutex_);
                std::erase(queues_, q);
            }
        }
        return delivered;
    }

    void commit_all() {
        std::lock_guard lock(registry_mutex_);
        for (auto* t : targets_) {
            t->report_drops();
            t->commit();
        }
    }

    void run() {
        tick_converter clock(use_tsc_);
        auto last_anchor = std::chrono::steady_clock::now();
        auto idle_sleep = std::chrono::microseconds{50};
        for (;;) {
            std::uint64_t ticket;
            bool stopping;
            {
                std::lock_guard lock(state_mutex_);
                ticket = flush_requested_;
                stopping = stopping_;
            }
            const auto now = std::chrono::steady_clock::now();
            if (now - last_anchor > std::chrono::milliseconds{100}) {
                clock.anchor();
                last_anchor = now;
            }
            std::size_t round = 0, delivered;
            while ((delivered = drain(clock)) != 0) round += delivered;
            const bool flush_wanted = ticket > flush_done_snapshot_;
            if (round != 0 || flush_wanted || stopping) commit_all();
            if (flush_wanted) {
                std::lock_guard lock(state_mutex_);
                flush_done_ = flush_done_snapshot_ = ticket;
                flushed_.notify_all();
            }
            if (stopping) return;
            if (round != 0) {
                idle_sleep = std::chrono::microseconds{50};
                continue;
            }
            std::unique_lock lock(state_mutex_);
            wake_.wait_for(lock, idle_sleep, [&] { return stopping_ || flush_requested_ > flush_done_; });
            if (idle_sleep < std::chrono::milliseconds{10}) idle_sleep *= 2;
        }
    }

    const bool use_tsc_;
    const std::uint64_t generation_;
    std::mutex registry_mutex_;
    std::vector<std::shared_ptr<thread_queue>> queues_;
    std::vector<async_target*> targets_;

    std::mutex state_mutex_;
    std::condition_variable wake_, flushed_;
    std::uint64_t flush_requested_ = 0, flush_done_ = 0, flush_done_snapshot_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
