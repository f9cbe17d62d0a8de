#pragma once
// buffer::batched — records collect in memory and are written together after
// MaxRecords records or FlushMs milliseconds, whichever comes first, and at
// once when a record at FlushAt or above arrives (an error must not wait).
// Defaults follow platform-structured-logging.md: 50 records / 5 s.

#include "../detail/chrono.hpp"
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "../level.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace buffer {

template <std::size_t MaxRecords = 50, unsigned FlushMs = 5000, level FlushAt = level::error>
struct batched {
    static_assert(MaxRecords > 0, "inkwell: batched<MaxRecords> needs at least one record per batch");
    static constexpr std::size_t max_records = MaxRecords;
    static constexpr std::chrono::milliseconds flush_interval{FlushMs};
    static constexpr level flush_at = FlushAt;

    template <class Backend>
    class engine {
    public:
        explicit engine(Backend& backend) : backend_(backend) { pending_.reserve(MaxRecords); }
        ~engine() { stop(); }
        engine(const engine&) = delete;
        engine& operator=(const engine&) = delete;

        void submit(const record& r) {
            std::unique_lock lock(mutex_);
            if (stopped_) {  // after stop(): nothing waits for a timer any more
                backend_.process(r);
                backend_.commit();
                return;
            }
            pending_.emplace_back(r);
            if (pending_.size() >= MaxRecords || r.severity >= FlushAt) {
                drain_locked();
            } else if (pending_.size() == 1) {
                deadline_ = std::chrono::steady_clock::now() + flush_interval;
                ensure_timer_locked();
                wake_.notify_one();
            }
        }

        void flush() {
            std::lock_guard lock(mutex_);
            drain_locked();
            backend_.flush();
        }

        void stop() {
            {
                std::lock_guard lock(mutex_);
                if (stopped_) return;
                stopped_ = true;
            }
            wake_.notify_all();
            if (timer_.joinable()) timer_.join();
            flush();
        }

        template <class F>
        decltype(auto) exclusive(F&& f) {
            std::lock_guard lock(mutex_);
            return f(backend_);
        }

    private:
        void drain_locked() {
            if (pending_.empty()) return;
            for (const auto& p : pending_) backend_.process(p.view());
            pending_.clear();
            backend_.commit();
        }

        // The timer thread starts with the first record, so a logger that never
        // logs never owns a thread.
        void ensure_timer_locked() {
            if (!timer_.joinable()) timer_ = std::thread([this] { run_timer(); });
        }

        void run_timer() {
            std::unique_lock lock(mutex_);
            while (!stopped_) {
                if (pending_.empty()) {
                    wake_.wait(lock, [&] { return stopped_ || !pending_.empty(); });
                    continue;
                }
                auto due = deadline_;
                if (wake_.wait_until(lock, due, [&] { return stopped_ || pending_.empty() || deadline_ != due; }))
                    continue;
                drain_locked();
            }
        }

        Backend& backend_;
        std::mutex mutex_;
        std::condition_variable wake_;
        std::vector<owned_record> pending_;
        std::chrono::steady_clock::time_point deadline_{};
        std::thread timer_;
        bool stopped_ = false;
    };
};

}  // namespace buffer
INKWELL_END_NAMESPACE
