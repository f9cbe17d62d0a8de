#pragma once
// The writer thread behind buffer::async, shared by every async logger of
// the process. Each producing thread gets its own queue (a chain of SPSC
// rings) on its first record; the writer drains all queues, hands each entry
// to the engine that queued it, and then lets every engine write its batch
// (one write(2) per file per round). Idle, it sleeps in growing steps from
// 1 ms up to 10 ms: an idle logger costs well under 1% of a core, and a
// lightly loaded one wakes seldom (each wake-up that catches up with a
// producer costs that producer's next calls a few cache misses). While an
// engine with buffer::idle::spin lives, it never sleeps (spin_between_rounds).
//
// Memory: every ring counts in ring_memory_total (spsc_ring.hpp); a ring
// made for an engine fits that engine's TotalBytes, except the 4 KiB floor a
// new thread always gets and a ring for one record larger than the queue.
//
// Process events (issue 7):
//  - crash: a crash handler (crash.hpp) asks the writer to drain through
//    crash_drain_state, lock-free atomics only (see request_crash_drain);
//  - exit: at exit() (or return from main) every queue is drained within
//    exit_deadline, every async engine is closed (a record logged later,
//    e.g. from a static destructor, is counted as dropped) and the writer
//    thread is stopped (at_exit);
//  - fork: pthread_atfork handlers take every lock of the writer before the
//    fork (so the child inherits none held mid-operation) after writing out
//    what the sinks hold; the child drops the parent's queues (the parent
//    writes those records: none is written twice) and starts a writer
//    thread of its own at its first record.

#include <atomic>
#include "chrono.hpp"
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "../record.hpp"
#include "../version.hpp"
#include "platform.hpp"
#include "spsc_ring.hpp"
#include "system.hpp"
#include "tsc_clock.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

class async_writer;

// What the writer knows of an engine.
class async_target {
public:
    // The writer holds an engine's backend across a run of its entries (one
    // lock per run, not per record); entries are delivered with it held.
    virtual void lock_backend() = 0;
    virtual void unlock_backend() = 0;
    // The round begins: the engine reads its clock before the writer reads
    // the queues, so every record stamped before that time is in the round and
    // commit() may close the dedup windows that ended by then.
    virtual void begin_round() = 0;
    virtual void commit() = 0;          // write out what the round produced
    virtual void report_drops() = 0;    // log "N records dropped" if any were
    // Everything the backend holds (dedup windows, lines a sink keeps) to the
    // kernel, its backend held by the caller (lock_backend).
    virtual void flush_backend_held() = 0;
    // exit() has begun: later records are counted as dropped, not queued.
    virtual void close_for_exit() noexcept = 0;
protected:
    ~async_target() = default;
};

// Entries name their engine through a cell that outlives it: an entry that
// raced with the engine's destruction finds the cell empty and is discarded
// instead of reaching freed memory. Cells live as long as the writer.
struct target_cell {
    async_target* target = nullptr;  // written under the writer's delivery lock
    target_cell* next = nullptr;     // the writer's list of every cell it made
};

struct entry_header {
    std::uint32_t size;  // of the whole entry, this header included
    std::uint32_t thread_id;
    // Delivers the entry (the target's backend locked); with a null target it
    // only releases what the entry owns.
    void (*deliver)(async_target* target, const entry_header& header, const std::byte* payload,
                    const tick_converter& clock);
    target_cell* cell;
    std::uint64_t ticks;
    const call_site* site;
};

// One producing thread's queue: rings in order; the producer writes to the
// last, the writer reads the first. A new, larger ring is added only by the
// grow overflow policy; the writer frees a ring once it is drained and a
// newer one exists.
class thread_queue {
public:
    explicit thread_queue(std::unique_ptr<spsc_ring> ring) {
        rings_.push_back(std::move(ring));
        producer_ = consumer_ = rings_.back().get();
    }
    // The writer takes the rings of a queue whose thread has ended.
    std::vector<std::unique_ptr<spsc_ring>> release_rings() {
        std::lock_guard lock(rings_mutex_);
        return std::move(rings_);
    }

    spsc_ring& producer_ring() noexcept { return *producer_; }

    // After fork, in the child: rings_mutex_ is held by this (the only)
    // thread since the prepare handler; the parent's entries are dropped
    // with their rings (what they own is left: the parent frees its copy).
    void abandon_after_fork() noexcept {
        std::vector<std::unique_ptr<spsc_ring>> rings = std::move(rings_);
        rings_.clear();
        rings_mutex_.unlock();
    }
    void lock_rings() { rings_mutex_.lock(); }
    void unlock_rings() { rings_mutex_.unlock(); }

    // Producer: continue in a new ring of `bytes`, memory already claimed
    // (the old ring is final).
    void grow(std::size_t bytes) {
        auto fresh = std::make_unique<spsc_ring>(bytes);
        std::lock_guard lock(rings_mutex_);
        producer_ = fresh.get();
        rings_.push_back(std::move(fresh));
    }

    // Writer: where the entries published so far end.
    struct mark {
        spsc_ring* ring;
        std::uint64_t position;
    };
    mark published() {
        std::lock_guard lock(rings_mutex_);
        return {rings_.back().get(), rings_.back()->published()};
    }

    // Writer: the next entry published before `until`, or nullptr.
    const std::byte* front(const mark& until) {
        for (;;) {
            if (consumer_ == until.ring && consumer_->consumed() >= until.position) return nullptr;
            if (const std::byte* e = consumer_->front()) return e;
            std::lock_guard lock(rings_mutex_);
            if (rings_.size() == 1 || rings_.front().get() != consumer_) return nullptr;
            if (!consumer_->empty()) continue;  // a last entry arrived before the switch
            rings_.erase(rings_.begin());
            consumer_ = rings_.front().get();
        }
    }
    void pop(std::size_t size) noexcept { consumer_->pop(size); }
    // Writer: gives the space of what it popped back to the producer.
    void give_back() noexcept { consumer_->give_back(); }

    std::atomic<bool> retired{false};  // its thread has ended

    // Two owners, the producing thread and the writer; the last one frees it.
    // (A counter of its own: std::shared_ptr costs every logging file compile memory.)
    void retain() noexcept { owners_.fetch_add(1, std::memory_order_relaxed); }
    void release() noexcept {
        if (owners_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

private:
    // The producer reads producer_ on every call; the writer locks
    // rings_mutex_ every round: apart, so the one does not evict the other.
    alignas(cache_line) spsc_ring* producer_;
    alignas(cache_line) std::mutex rings_mutex_;
    std::vector<std::unique_ptr<spsc_ring>> rings_;
    spsc_ring* consumer_;
    std::atomic<int> owners_{1};
};

// What the call site reads to find its thread's queue: trivially
// destructible and constant-initialised, so reading it is one plain TLS load
// with no guard. Its queue is retired at thread exit by a separate
// thread_local (register_thread's thread_exit_hook), touched only there.
struct local_queue_slot {
    std::uint64_t generation = 0;  // of the writer the queue belongs to; 0: none yet
    thread_queue* queue = nullptr;
    std::uint32_t thread_id = 0;
};
#if defined(__GNUC__) || defined(__clang__)
inline constinit thread_local local_queue_slot current_queue_slot __attribute__((tls_model("initial-exec"))){};
#else
inline constinit thread_local local_queue_slot current_queue_slot{};
#endif

// What a signal handler may touch: lock-free atomics with static storage,
// never the writer object (it may be in the middle of being made or freed).
struct crash_drain_state_t {
    std::atomic<std::uint64_t> requested{0};  // tickets asked for (crash.hpp)
    std::atomic<std::uint64_t> served{0};     // the last ticket the writer drained for
    std::atomic<bool> running{false};         // a writer thread runs and looks at `requested`
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "inkwell: the crash drain needs lock-free atomics");
inline constinit crash_drain_state_t crash_drain_state{};
// True on the writer thread (a crash there cannot wait for itself).
#if defined(__GNUC__) || defined(__clang__)
inline constinit thread_local bool on_writer_thread __attribute__((tls_model("initial-exec"))) = false;
#else
inline constinit thread_local bool on_writer_thread = false;
#endif

inline bool writer_thread_running() noexcept { return crash_drain_state.running.load(std::memory_order_acquire); }

// Async-signal-safe (atomics, clock_gettime, nanosleep): asks the writer
// thread to deliver every queued entry and flush every backend, and waits
// for it at most `deadline_ms`. True when the writer drained, also when there
// is no writer thread (nothing is queued then). From the writer thread
// itself it returns false at once.
inline bool request_crash_drain(long deadline_ms) noexcept {
    if (on_writer_thread) return false;
    if (!writer_thread_running()) return true;
    const std::uint64_t ticket = crash_drain_state.requested.fetch_add(1, std::memory_order_acq_rel) + 1;
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (crash_drain_state.served.load(std::memory_order_acquire) >= ticket) return true;
        if (!writer_thread_running()) return crash_drain_state.served.load(std::memory_order_acquire) >= ticket;
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        const long elapsed_ms = static_cast<long>(now.tv_sec - start.tv_sec) * 1000 +
                                static_cast<long>(now.tv_nsec - start.tv_nsec) / 1'000'000;
        if (elapsed_ms >= deadline_ms) return false;
        timespec step{0, 200'000};  // 0.2 ms
        ::nanosleep(&step, nullptr);
    }
}

class async_writer {
public:
    // How long exit() waits for the writer to drain every queue.
    static constexpr std::chrono::milliseconds exit_deadline{5'000};

    // The process's writer; made when the first async logger is, ended when the last one is.
    static async_writer* acquire() {
        std::lock_guard lock(instance_mutex());
        async_writer*& w = instance();
        if (!w) {
            register_process_hooks();
            w = new async_writer();
        }
        ++w->users_;
        return w;
    }
    static void release(async_writer* w) {
        std::lock_guard lock(instance_mutex());
        if (--w->users_ != 0) return;
        instance() = nullptr;
        delete w;  // joins the thread, which never takes instance_mutex()
    }

    ~async_writer() {
        {
            std::lock_guard lock(state_mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) {
            if (abandoned_)
                thread_.detach();  // stuck past the exit deadline: never waited for again
            else
                thread_.join();
        }
        for (auto* q : queues_) q->release();
        while (cells_) delete std::exchange(cells_, cells_->next);
    }
    async_writer(const async_writer&) = delete;
    async_writer& operator=(const async_writer&) = delete;

    bool uses_tsc() const noexcept { return use_tsc_; }
    std::uint64_t generation() const noexcept { return generation_; }

    // The bytes of every queue's rings in the process, spare rings included.
    static std::size_t queue_memory_bytes() noexcept { return ring_memory_total.load(std::memory_order_relaxed); }

    // The calling thread's queue, made on its first record (the slot did
    // not name this writer's generation): a ring of `bytes`, or less when
    // the memory of all rings would pass `total_cap` (never less than
    // min_ring_bytes, granted even past the cap).
    INKWELL_NOINLINE local_queue_slot& register_thread(std::size_t bytes, std::size_t total_cap) {
        // Holds the thread's owner of its queue; at thread exit it retires the
        // queue, so the writer drains it and reuses or frees its rings.
        struct thread_exit_hook {
            thread_queue* queue = nullptr;
            ~thread_exit_hook() {
                retire();
                current_queue_slot = {};  // a record logged later still finds no dangling queue
            }
            void retire() noexcept {
                if (!queue) return;
                queue->retired.store(true, std::memory_order_release);
                queue->release();
                queue = nullptr;
            }
        };
        // (A record logged from a thread_local destructor that runs after this
        // one registers a queue that is never retired: it stays with the writer.)
        thread_local thread_exit_hook hook;
        hook.retire();  // a previous writer's queue (or the parent's, after fork)
        ensure_thread();  // a child after fork gets its writer thread at its first record

        auto* q = new thread_queue(take_ring(bytes, total_cap));
        q->retain();  // one for this thread's exit hook, one for the writer
        {
            std::lock_guard lock(registry_mutex_);
            queues_.push_back(q);
        }
        hook.queue = q;
        auto& slot = current_queue_slot;
        slot.generation = generation_;
        slot.queue = q;
        slot.thread_id = current_thread_id();
        return slot;
    }

    target_cell* add_target(async_target* t) {
        std::lock_guard lock(delivery_mutex_);
        // A list of its own rather than a vector of unique_ptr: one container
        // type less to compile in every file that logs asynchronously.
        cells_ = new target_cell{t, cells_};
        targets_.push_back(t);
        return cells_;
    }
    // After this returns the writer never calls the target again.
    void remove_target(target_cell* cell) {
        std::lock_guard lock(delivery_mutex_);
        std::erase(targets_, cell->target);
        cell->target = nullptr;
    }

    // Returns once every entry queued before the call has been delivered and
    // committed, or false when `timeout` passed first.
    bool flush(std::chrono::milliseconds timeout) {
        if (on_writer_thread) return true;  // from inside a sink: nothing to wait for
        std::unique_lock lock(state_mutex_);
        if (!running_) return true;  // no thread (stopped at exit, or a child yet to log): nothing is queued
        const std::uint64_t ticket = ++flush_requested_;
        wake_.notify_all();
        return flushed_.wait_for(lock, timeout, [&] { return flush_done_ >= ticket; });
    }

    // An engine with buffer::idle::spin was made / is going: while any lives,
    // the writer does not sleep between rounds.
    void add_spinner() {
        {
            std::lock_guard lock(state_mutex_);  // a writer about to sleep sees it, or is woken
            spinners_.fetch_add(1, std::memory_order_relaxed);
        }
        wake_.notify_all();
    }
    void remove_spinner() noexcept { spinners_.fetch_sub(1, std::memory_order_relaxed); }

    // A producer that found its queue full asks the writer to hurry.
    void nudge() {
        {
            std::lock_guard lock(state_mutex_);
            nudged_ = true;
        }
        wake_.notify_all();
    }

    // exit() has drained and stopped this writer: a new engine starts closed.
    bool closed_for_exit() const noexcept { return closed_at_exit_.load(std::memory_order_acquire); }

    // --- process events (see the top of this file)

    // atexit: drain, close every engine, stop the thread, flush every backend.
    static void at_exit() noexcept {
        if (on_writer_thread) return;  // exit() from inside a sink: the writer cannot wait for itself
        std::lock_guard lock(instance_mutex());
        if (async_writer* w = instance()) w->shut_down_for_exit();
    }

    static void fork_prepare() noexcept {
        if (on_writer_thread) return;  // a sink forking on the writer thread: it holds these locks itself
        instance_mutex().lock();
        if (async_writer* w = instance()) w->prepare_fork();
    }
    static void fork_parent() noexcept {
        if (on_writer_thread) return;
        if (async_writer* w = instance()) w->after_fork_parent();
        instance_mutex().unlock();
    }
    static void fork_child() noexcept {
        if (on_writer_thread) return;
        if (async_writer* w = instance()) w->after_fork_child();
        instance_mutex().unlock();
    }

private:
    // Once per process, with the first writer.
    static void register_process_hooks() noexcept {
        static bool registered = false;  // under instance_mutex()
        if (registered) return;
        registered = true;
        (void)std::atexit(&async_writer::at_exit);
        (void)::pthread_atfork(&async_writer::fork_prepare, &async_writer::fork_parent, &async_writer::fork_child);
    }

    // Under no lock of the writer; from the thread calling exit().
    void shut_down_for_exit() noexcept {
        // 1. What was logged before exit() reached the sinks (or the deadline passed).
        const bool drained = flush(exit_deadline);
        // 2. From now on a record is counted as dropped instead of queued.
        std::unique_lock delivery(delivery_mutex_, std::defer_lock);
        if (drained) {
            delivery.lock();
        } else if (!delivery.try_lock()) {  // the writer is stuck in a sink: leave it be
            abandon_for_exit();
            return;
        }
        closed_at_exit_.store(true, std::memory_order_release);
        for (auto* t : targets_) t->close_for_exit();
        delivery.unlock();
        // 3. Stop the thread; its last round takes what raced with step 2.
        {
            std::unique_lock lock(state_mutex_);
            stopping_ = true;
            wake_.notify_all();
            if (!flushed_.wait_for(lock, exit_deadline, [&] { return !running_; })) {
                abandoned_ = true;
                return;
            }
        }
        if (thread_.joinable()) thread_.join();
        // 4. On this thread now: what the backends hold (dedup windows, held lines).
        std::lock_guard again(delivery_mutex_);
        for (auto* t : targets_) {
            t->lock_backend();
            t->flush_backend_held();
            t->unlock_backend();
        }
    }
    void abandon_for_exit() noexcept {
        closed_at_exit_.store(true, std::memory_order_release);
        std::lock_guard lock(state_mutex_);
        abandoned_ = true;
    }

    // Before fork, on the forking thread: what the sinks hold goes out, then
    // every lock of the writer is taken, in the writer's own order.
    void prepare_fork() noexcept {
        delivery_mutex_.lock();
        for (auto* t : targets_) {
            t->lock_backend();
            t->flush_backend_held();
        }
        registry_mutex_.lock();
        for (auto* q : queues_) q->lock_rings();
        state_mutex_.lock();
    }
    void after_fork_parent() noexcept {
        state_mutex_.unlock();
        for (auto* q : queues_) q->unlock_rings();
        registry_mutex_.unlock();
        for (auto it = targets_.rbegin(); it != targets_.rend(); ++it) (*it)->unlock_backend();
        delivery_mutex_.unlock();
    }
    // The child has one thread, the one that forked: no writer thread, no
    // other producer. The parent's queued entries are the parent's to write.
    void after_fork_child() noexcept {
        // Waiters and the thread of the parent do not exist here: fresh objects
        // over the old ones (destroying them would wait for those waiters).
        ::new (static_cast<void*>(&wake_)) std::condition_variable();
        ::new (static_cast<void*>(&flushed_)) std::condition_variable();
        ::new (static_cast<void*>(&thread_)) std::thread();
        running_ = false;
        nudged_ = false;
        abandoned_ = false;
        flush_done_ = flush_done_snapshot_ = flush_requested_;
        crash_drain_state.running.store(false, std::memory_order_release);
        crash_drain_state.served.store(crash_drain_state.requested.load(std::memory_order_relaxed),
                                       std::memory_order_release);
        crash_served_ = crash_drain_state.requested.load(std::memory_order_relaxed);
        for (auto* q : queues_) {
            q->abandon_after_fork();
            q->release();  // the writer's owner; a thread of the parent keeps the other forever
        }
        queues_.clear();
        // This thread's queue was among them: its next record registers anew.
        current_queue_slot = {};
        state_mutex_.unlock();
        registry_mutex_.unlock();
        for (auto it = targets_.rbegin(); it != targets_.rend(); ++it) (*it)->unlock_backend();
        delivery_mutex_.unlock();
    }

    // Starts the writer thread unless it runs (or exit() stopped it).
    void ensure_thread() {
        std::lock_guard lock(state_mutex_);
        if (running_ || stopping_ || abandoned_) return;
        start_thread_locked();
    }
    void start_thread_locked() {
        running_ = true;
        crash_drain_state.running.store(true, std::memory_order_release);
        thread_ = std::thread([this] { run(); });
    }

    static std::uint64_t next_generation() noexcept {
        static std::atomic<std::uint64_t> g{0};
        return ++g;
    }

    static std::mutex& instance_mutex() noexcept {
        static std::mutex m;
        return m;
    }
    static async_writer*& instance() noexcept {
        static async_writer* w = nullptr;
        return w;
    }

    async_writer() : use_tsc_(tsc_usable()), generation_(next_generation()) {
        crash_served_ = crash_drain_state.requested.load(std::memory_order_relaxed);
        std::lock_guard lock(state_mutex_);
        start_thread_locked();
    }

    // A crash handler asked (request_crash_drain): deliver what is queued,
    // then flush every backend, and say so.
    void serve_crash_drain(const tick_converter& clock) {
        const std::uint64_t ticket = crash_drain_state.requested.load(std::memory_order_acquire);
        if (ticket <= crash_served_) return;
        round(clock);
        {
            std::lock_guard delivery(delivery_mutex_);
            for (auto* t : targets_) {
                t->lock_backend();
                t->flush_backend_held();
                t->unlock_backend();
            }
        }
        crash_served_ = ticket;
        crash_drain_state.served.store(ticket, std::memory_order_release);
    }
    bool crash_drain_asked() const noexcept {
        return crash_drain_state.requested.load(std::memory_order_relaxed) > crash_served_;
    }

    // One round: delivers the entries each queue held when the round began
    // (so a fast producer cannot keep the writer on its queue forever), then
    // lets every engine write its batch. Returns how many entries it delivered.
    std::size_t round(const tick_converter& clock) {
        std::vector<thread_queue*> queues;  // only this thread removes queues: the pointers stay valid
        {
            std::lock_guard lock(registry_mutex_);
            queues = queues_;
        }
        std::size_t delivered = 0;
        std::lock_guard delivery(delivery_mutex_);
        for (auto* t : targets_) t->begin_round();
        for (auto& q : queues) {
            const bool retired = q->retired.load(std::memory_order_acquire);  // read before the mark
            const thread_queue::mark until = q->published();
            if (!until.ring->populated() && until.position > populate_after) until.ring->populate(until.position);
            async_target* held = nullptr;  // the target whose backend this thread holds
            std::size_t run = 0;
            while (const std::byte* e = q->front(until)) {
                entry_header h;
                std::memcpy(&h, e, sizeof h);
                async_target* const target = h.cell->target;
                if (target != held || run == max_locked_run) {
                    if (held) held->unlock_backend();
                    held = target;
                    run = 0;
                    if (held) held->lock_backend();
                }
                ++run;
                h.deliver(target, h, e + sizeof h, clock);
                q->pop(h.size);
                ++delivered;
            }
            if (held) held->unlock_backend();
            q->give_back();
            if (retired && !q->front(q->published())) {  // its thread is gone and nothing is left
                auto rings = q->release_rings();
                std::lock_guard lock(registry_mutex_);
                std::erase(queues_, q);
                q->release();
                // Keep a few rings for the next threads: short-lived threads
                // then cost no allocation and no page faults.
                for (auto& r : rings)
                    if (spare_rings_.size() < max_spare_rings) spare_rings_.push_back(std::move(r));
            }
        }
        for (auto* t : targets_) {
            t->report_drops();
            t->commit();
        }
        return delivered;
    }

    void run() {
        on_writer_thread = true;
        run_loop();
        std::lock_guard lock(state_mutex_);
        running_ = false;
        crash_drain_state.running.store(false, std::memory_order_release);
        flushed_.notify_all();
    }

    void run_loop() {
        tick_converter clock(use_tsc_);
        auto last_anchor = std::chrono::steady_clock::now();
        auto idle_sleep = std::chrono::milliseconds{1};
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
            if (crash_drain_asked()) serve_crash_drain(clock);
            // Everything published before `ticket` was asked for is in this round.
            const std::size_t delivered = round(clock);
            if (ticket > flush_done_snapshot_) {
                std::lock_guard lock(state_mutex_);
                flush_done_ = flush_done_snapshot_ = ticket;
                flushed_.notify_all();
            }
            if (stopping) return;
            // Busy (a full round): go again at once. Light load: keep sleeping
            // in long steps; a full queue or a flush wakes the writer anyway.
            if (delivered >= busy_round) {
                idle_sleep = std::chrono::milliseconds{1};
                continue;
            }
            if (spinners_.load(std::memory_order_relaxed) > 0) {
                idle_sleep = std::chrono::milliseconds{1};
                spin_between_rounds();
                continue;
            }
            std::unique_lock lock(state_mutex_);
            wake_.wait_for(lock, idle_sleep, [&] {
                return stopping_ || nudged_ || flush_requested_ > flush_done_ || crash_drain_asked() ||
                       spinners_.load(std::memory_order_relaxed) > 0;
            });
            if (nudged_) {  // a producer is waiting for room
                nudged_ = false;
                idle_sleep = std::chrono::milliseconds{1};
            } else if (idle_sleep < std::chrono::milliseconds{10}) {
                idle_sleep *= 2;
            }
        }
    }

    // A spinning writer's pause between rounds: no system call, no sleep. Not
    // short: each round takes the ring's newest cache lines from the producer,
    // and its next calls pay for that. On a 2-core VM (pinned, one producer),
    // against the sleeping writer's p50 of 22 ns per call in bursts of 20:
    // reading every entry as it came 90-260 ns, a round every 20 µs 41-72 ns,
    // every 200 µs 22 ns (single calls: p50 equal, p99 ~280 against ~80 ns).
    static void spin_between_rounds() noexcept {
        const auto until = std::chrono::steady_clock::now() + spin_round_gap;
        while (std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#elif defined(__aarch64__)
            asm volatile("yield");
#endif
        }
    }
    static constexpr std::chrono::microseconds spin_round_gap{200};

    // A new thread's ring: a spare one of about the size asked for, else a new
    // one within the cap (spare rings go first when memory is short).
    std::unique_ptr<spsc_ring> take_ring(std::size_t bytes, std::size_t total_cap) {
        const std::size_t want = ring_capacity_for(bytes);
        std::unique_ptr<spsc_ring> ring;
        {
            std::lock_guard lock(registry_mutex_);
            for (auto it = spare_rings_.begin(); it != spare_rings_.end(); ++it) {
                if ((*it)->capacity() >= want && (*it)->capacity() <= 2 * want) {
                    ring = std::move(*it);
                    spare_rings_.erase(it);
                    break;
                }
            }
            while (!ring && !spare_rings_.empty() &&
                   ring_memory_total.load(std::memory_order_relaxed) + want > total_cap)
                spare_rings_.pop_back();  // gives its memory back
        }
        if (ring) {
            ring->reset();
            return ring;
        }
        std::size_t granted = claim_ring_memory(want, min_ring_bytes, total_cap);
        if (granted == 0) {  // the floor: a thread can always log
            granted = min_ring_bytes;
            force_ring_memory(granted);
        }
        return std::make_unique<spsc_ring>(granted);
    }

    static constexpr std::size_t busy_round = 256;
    // The writer releases an engine's backend after this many entries at most,
    // so that flush()/exclusive() from other threads get their turn.
    static constexpr std::size_t max_locked_run = 256;
    // A queue that has published this much is no one-shot thread: its ring's
    // pages are populated by the writer (spsc_ring::populate).
    static constexpr std::uint64_t populate_after = 16 * 1024;

    const bool use_tsc_;
    const std::uint64_t generation_;
    static constexpr std::size_t max_spare_rings = 8;
    std::mutex registry_mutex_;  // queues_, spare_rings_
    std::vector<thread_queue*> queues_;  // each holds one of its queue's two owners
    std::vector<std::unique_ptr<spsc_ring>> spare_rings_;
    std::mutex delivery_mutex_;  // targets_, cells_, and every call into a target
    std::vector<async_target*> targets_;
    target_cell* cells_ = nullptr;  // entries may name a cell until the writer ends: never freed before

    std::mutex state_mutex_;
    std::condition_variable wake_, flushed_;
    std::uint64_t flush_requested_ = 0, flush_done_ = 0, flush_done_snapshot_ = 0;
    bool stopping_ = false;
    bool nudged_ = false;
    std::atomic<int> spinners_{0};  // engines with buffer::idle::spin alive
    bool running_ = false;    // the thread runs (started, not yet at the end of run())
    bool abandoned_ = false;  // exit() gave up waiting for it: never joined
    std::atomic<bool> closed_at_exit_{false};
    std::uint64_t crash_served_ = 0;  // the writer thread's copy of crash_drain_state.served
    int users_ = 0;  // engines using this writer (under instance_mutex())
    std::thread thread_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
