#pragma once
// buffer::async — the calling thread only copies the call's arguments into
// its own lock-free queue; formatting, classification, dedup and I/O happen
// on one writer thread shared by every async logger.
//
//   inkwell::buffer::async<>                                    block when full (never loses)
//   inkwell::buffer::async<inkwell::buffer::overflow::drop>     drop when full, counted and reported
//   inkwell::buffer::async<inkwell::buffer::overflow::grow<64 << 20>>  grow up to 64 MiB, then block
//
//   inkwell::buffer::async<inkwell::buffer::overflow::block, 1 << 20, 64 << 20, inkwell::buffer::idle::spin>
//                                                               a writer that never sleeps (latency-minded)
//
// Memory: async<Overflow, QueueBytes, TotalBytes, Idle>. Each thread's queue is a
// ring of QueueBytes; the rings of all threads together (spare rings kept
// for new threads included) stay within TotalBytes: a new thread's ring is
// halved until it fits. The one way past the cap is the floor of 4 KiB a new
// thread always gets (so it can log at all), and a ring made for a single
// record larger than half the queue, in block and grow mode (in drop mode
// that record is dropped). A thread's queue grows lazily to the QueueBytes of
// the largest logger it logs to, once its ring is full and the cap allows.
// async<>::queue_memory_bytes() reads the current total.
//
// In the steady state the call site takes the time-stamp counter, reserves
// space in its thread's ring, copies the arguments (text by value) and
// publishes them with one release store: no lock, no allocation, no system
// call. A call whose arguments are not plain numbers or text (a user type
// with its own formatter) is formatted on the calling thread and queued as
// a finished record, so its formatter and format specs apply unchanged.
// In block mode, once its ring is over three quarters full (the writer is
// behind), a call formats its message before queuing it (submit_behind).
//
// The time: with the default clock (clock::system) the call site stores the
// counter's ticks, converted on the writer thread. A config with a clock of
// its own (policy/clock.hpp, e.g. clock::manual in tests) has it read on the
// calling thread and the time itself carried in the entry; the default path
// does not change by an instruction.

#include <array>
#include <atomic>
#include <bit>
#include "../detail/chrono.hpp"
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../context.hpp"
#include "../detail/arg_codec.hpp"
#include "../detail/async_writer.hpp"
#include "../detail/field_format.hpp"
#include "../detail/format_args.hpp"
#include "../detail/line_buffer.hpp"
#include "../detail/platform.hpp"
#include "../detail/system.hpp"
#include "../detail/time_format.hpp"
#include "../errors.hpp"
#include "../level.hpp"
#include "../policy/clock.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace buffer {

namespace overflow {
// Wait for the writer to make room: back-pressure, nothing is ever lost.
struct block {};
// Drop the record; the count is exact, in stats().dropped and in the log.
struct drop {};
// Add a ring twice the size, up to MaxBytes per thread; then block.
template <std::size_t MaxBytes = 64 * 1024 * 1024>
struct grow {
    static constexpr std::size_t max_bytes = MaxBytes;
};
}  // namespace overflow

// What the shared writer thread does when it has caught up.
namespace idle {
// Sleeps, 1 ms growing to 10 ms (a full queue or a flush wakes it): an idle
// or lightly loaded logger costs well under 1% of a core. The default.
struct sleep {};
// Never sleeps while a logger with this policy lives: it runs a round every
// 200 µs and spins in between, keeping one core busy, so a record reaches its
// file within about a fifth of a millisecond and no wake-up is ever waited
// for (flush() included). The writer is the process's: every async logger
// shares the spinning meanwhile.
struct spin {};
}  // namespace idle

namespace async_detail {
template <class T>
struct is_grow : std::false_type {};
template <std::size_t N>
struct is_grow<overflow::grow<N>> : std::true_type {};
}  // namespace async_detail

template <class Overflow = overflow::block, std::size_t QueueBytes = 1024 * 1024,
          std::size_t TotalBytes = 64 * 1024 * 1024, class Idle = idle::sleep>
struct async {
    static constexpr std::size_t queue_bytes = QueueBytes;
    // The cap on the memory of all threads' queues (see the top of this file).
    static constexpr std::size_t total_bytes = TotalBytes;
    // The memory of every async queue of the process now, spare rings included.
    static std::size_t queue_memory_bytes() noexcept { return detail::async_writer::queue_memory_bytes(); }
    // The call sites hand their arguments to engine::submit_call (see logger.hpp).
    static constexpr bool defers_formatting = true;
    // How long flush() and shutdown wait for the writer before they give up.
    static constexpr std::chrono::milliseconds drain_deadline{10'000};
    // The writer never sleeps while an engine of this buffer lives.
    static constexpr bool spins = std::is_same_v<Idle, idle::spin>;

    template <class Backend>
    class engine final : public detail::async_target {
        using clock_source = policy::clock_of_t<Backend>;
        // The system clock goes by the time-stamp counter; any other clock is
        // read at the call and its time travels in the entry (nanoseconds).
        static constexpr bool stamps_ticks = std::is_same_v<clock_source, inkwell::clock::system>;

    public:
        explicit engine(Backend& backend)
            : backend_(backend), writer_(detail::async_writer::acquire()), generation_(writer_->generation()),
              use_tsc_(writer_->uses_tsc()) {
            // Here, not in the class: checked where a logger is made, one message
            // each (in the class, clang would also report the buffer as having no engine).
            static_assert(std::is_same_v<Overflow, overflow::block> || std::is_same_v<Overflow, overflow::drop> ||
                              async_detail::is_grow<Overflow>::value,
                          "inkwell: async<Overflow>: Overflow is overflow::block, overflow::drop or "
                          "overflow::grow<MaxBytes>");
            static_assert(TotalBytes >= detail::min_ring_bytes, "inkwell: async<..., TotalBytes>: at least 4 KiB");
            static_assert(spins || std::is_same_v<Idle, idle::sleep>,
                          "inkwell: async<..., Idle>: Idle is idle::sleep or idle::spin");
            if constexpr (spins) writer_->add_spinner();
            cell_ = writer_->add_target(this);  // last: the writer may call in at once
            if (writer_->closed_for_exit()) close_for_exit();  // made after exit() stopped the writer
        }
        ~engine() {
            stop();
            writer_->remove_target(cell_);  // entries that raced with this are discarded, not delivered
            if constexpr (spins) writer_->remove_spinner();
            detail::async_writer::release(writer_);
        }
        engine(const engine&) = delete;
        engine& operator=(const engine&) = delete;

        // --- the call site (any thread)
        // Queues the call's arguments (numbers and text only: the logger
        // formats other calls itself and hands them to submit()).
        template <class... Args>
        INKWELL_ALWAYS_INLINE void submit_call(const call_site& site, const Args&... args) {
            static_assert(detail::all_args_encodable<Args...>, "inkwell: submit_call takes numbers and text only");
            if constexpr ((detail::is_c_string_v<Args> || ...)) {
                submit_call(site, detail::measured_text(args)...);  // each C string's strlen once
            } else {
                // One test for every case but the common one: the logger is
                // closed or the clock is not the time-stamp counter (then
                // call_generation_ matches no thread), this thread has no queue
                // of this writer yet, or it is inside a scoped_context.
                auto* slot = &detail::current_queue_slot;
                if (INKWELL_UNLIKELY(slot->generation != call_generation_.load(std::memory_order_relaxed) ||
                                     detail::thread_context != nullptr))
                    return submit_call_general<Args...>(site, args...);
                submit_queued(site, *slot, open_call_stamp(), args...);
            }
        }

    private:
        // Where the time-stamp counter is the clock and stop() has not begun:
        // the writer's generation; else one that no thread's queue has.
        static constexpr std::uint64_t no_generation = ~std::uint64_t{0};
        std::uint64_t open_call_generation() const noexcept {
            return stamps_ticks && !use_tsc_ ? no_generation : generation_;
        }
        // call_stamp() where call_generation_ matched: the TSC, if it is the clock, is usable.
        INKWELL_ALWAYS_INLINE std::uint64_t open_call_stamp() const noexcept {
            if constexpr (stamps_ticks)
                return detail::call_site_ticks(true);
            else
                return call_stamp();
        }

        // The rest of submit_call, once the thread's queue and the call's time are known.
        template <class... Args>
        INKWELL_ALWAYS_INLINE void submit_queued(const call_site& site, const detail::local_queue_slot& slot,
                                                 std::uint64_t stamp, const Args&... args) {
            const std::size_t size =
                sizeof(detail::entry_header) + (detail::arg_codec<std::remove_cvref_t<Args>>::size(args) + ... + 0);
            auto& queue = *slot.queue;
            if constexpr (formats_when_behind<Args...>) {
                // Room while the ring is at most three quarters full, else the long way
                // (which also takes an entry larger than the ring can ever hold).
                detail::spsc_ring* ring = &queue.producer_ring();
                std::uint64_t end;
                std::byte* out = ring->reserve_fast(size, end);
                if (INKWELL_UNLIKELY(!out)) return submit_past_busy_stop<Args...>(site, slot, size, stamp, args...);
                write_call_entry<detail::spsc_ring::write_slack>(out, size, slot, site, stamp, args...);
                ring->publish(end);
            } else {
                std::byte* out = reserve(queue, size);
                if (!out) return;  // dropped, and counted
                write_call_entry(out, size, slot, site, stamp, args...);
                queue.producer_ring().publish();
            }
        }

        // Block mode, past the ring's cached stop: a wrap, or room to be seen
        // again, or the writer is behind.
        template <class... Args>
        INKWELL_NOINLINE void submit_past_busy_stop(const call_site& site, const detail::local_queue_slot& slot,
                                                    std::size_t size, std::uint64_t stamp,
                                                    detail::pass_arg_t<Args>... args) {
            detail::spsc_ring& ring = slot.queue->producer_ring();
            if (std::byte* out = ring.reserve_busy(size)) {
                write_call_entry(out, size, slot, site, stamp, args...);
                ring.publish();
                return;
            }
            submit_behind<Args...>(site, slot, size, stamp, args...);
        }

        // submit_call's every other case.
        template <class... Args>
        INKWELL_NOINLINE void submit_call_general(const call_site& site, detail::pass_arg_t<Args>... args) {
            if (closed_.load(std::memory_order_relaxed)) {
                count_lost();
                return;
            }
            if (detail::thread_context != nullptr) return submit_call_in_context<Args...>(site, args...);
            auto* slot = &detail::current_queue_slot;
            if (slot->generation != generation_) slot = &writer_->register_thread(QueueBytes, TotalBytes);
            const std::uint64_t stamp = call_stamp();  // before any wait for room: the call's time
            submit_queued(site, *slot, stamp, args...);
        }

    public:
        // Block mode, a call without fields: while the writer is behind (this
        // thread's ring is over three quarters full), the call formats its
        // message itself and queues the text. It would soon wait for room
        // anyway; this way the wait does the largest part of the writer's
        // work per record, and a writer that cannot keep up gets help from
        // the threads that outrun it. Below three quarters nothing changes.
        template <class... Args>
        static constexpr bool formats_when_behind =
            std::is_same_v<Overflow, overflow::block> && detail::leading_format_args<Args...>() == sizeof...(Args);

        // Slack: how many bytes past the entry's end may be written (see
        // spsc_ring::reserve_fast).
        template <std::size_t Slack = 0, class... Args>
        INKWELL_ALWAYS_INLINE void write_call_entry(std::byte* out, std::size_t size, const detail::local_queue_slot& slot,
                                                    const call_site& site, std::uint64_t stamp, const Args&... args) {
            put_header(out, size, slot.thread_id, &engine::template deliver<false, std::remove_cvref_t<Args>...>, stamp,
                       &site);
            [[maybe_unused]] std::byte* p = out + sizeof(detail::entry_header);
            ((p = detail::encode_arg<Slack, std::remove_cvref_t<Args>>(p, args)), ...);
        }

        // Every entry's header, built in place (entries are 8-byte aligned): a
        // header built on the stack and copied in is stored in 8-byte pieces
        // and reloaded as 16-byte vectors, a store-forwarding stall.
        INKWELL_ALWAYS_INLINE void put_header(std::byte* out, std::size_t size, std::uint32_t thread_id,
                                              decltype(detail::entry_header::deliver) deliver, std::uint64_t stamp,
                                              const call_site* site) const noexcept {
            if constexpr (std::endian::native == std::endian::little) {
                // The size and the thread id in one 8-byte store (the two 32-bit
                // fields set one by one, the compiler packs them in a vector
                // register first: four instructions instead of two).
                auto* h = ::new (static_cast<void*>(out)) detail::entry_header;  // no stores yet
                static_assert(offsetof(detail::entry_header, thread_id) == sizeof(std::uint32_t));
                const std::uint64_t size_and_thread =
                    static_cast<std::uint32_t>(size) | static_cast<std::uint64_t>(thread_id) << 32;
                std::memcpy(out, &size_and_thread, sizeof size_and_thread);
                h->deliver = deliver;
                h->cell = cell_;
                h->ticks = stamp;
                h->site = site;
            } else {
                ::new (static_cast<void*>(out))
                    detail::entry_header{static_cast<std::uint32_t>(size), thread_id, deliver, cell_, stamp, site};
            }
        }

        template <class... Args>
        INKWELL_NOINLINE void submit_behind(const call_site& site, const detail::local_queue_slot& slot,
                                            std::size_t size, std::uint64_t stamp, detail::pass_arg_t<Args>... args) {
            auto& queue = *slot.queue;
            // A ring short of this logger's size grows first, and an entry larger
            // than the ring gets one of its own: both in reserve()'s slow path.
            if (queue.producer_ring().capacity() < queue_ring_bytes || size > queue.producer_ring().max_entry()) {
                if (std::byte* out = reserve(queue, size)) {
                    write_call_entry(out, size, slot, site, stamp, args...);
                    queue.producer_ring().publish();
                }
                return;
            }
            detail::line_buffer message;
            auto refs = std::tuple<const Args&...>(args...);
            format_call_message(message, site, refs, std::index_sequence_for<Args...>{});
            Backend::cap_message(message);
            const std::string_view text = detail::view(message);
            const std::size_t entry_size = sizeof(detail::entry_header) + detail::text_codec::size(text);
            std::byte* out = reserve(queue, entry_size);  // waits for room: block mode
            if (!out) return;
            put_header(out, entry_size, slot.thread_id, &engine::deliver_formatted, stamp, &site);
            detail::text_codec::encode(out + sizeof(detail::entry_header), text);
            queue.producer_ring().publish();
        }

        // The same, with a reference to the thread's context frame first in
        // the payload (the record is written after the scope may have ended).
        template <class... Args>
        INKWELL_NOINLINE void submit_call_in_context(const call_site& site, detail::pass_arg_t<Args>... args) {
            const context_frame* context = detail::thread_context;
            const std::size_t size = sizeof(detail::entry_header) + sizeof context +
                                     (detail::arg_codec<std::remove_cvref_t<Args>>::size(args) + ... + 0);
            auto* slot = &detail::current_queue_slot;
            if (slot->generation != generation_) slot = &writer_->register_thread(QueueBytes, TotalBytes);
            auto& queue = *slot->queue;
            const std::uint64_t stamp = call_stamp();  // before any wait for room
            std::byte* out = reserve(queue, size);
            if (!out) return;  // dropped, and counted
            context->retain();
            put_header(out, size, slot->thread_id, &engine::template deliver<true, std::remove_cvref_t<Args>...>, stamp,
                       &site);
            std::byte* p = out + sizeof(detail::entry_header);
            std::memcpy(p, &context, sizeof context);
            p += sizeof context;
            ((p = detail::arg_codec<std::remove_cvref_t<Args>>::encode(p, args)), ...);
            queue.producer_ring().publish();
        }

        // A finished record (formatted on the calling thread): travels as an
        // owned copy on the heap, in order with the thread's other records.
        void submit(const record& r) {
            if (INKWELL_UNLIKELY(closed_.load(std::memory_order_relaxed))) {
                count_lost();
                return;
            }
            auto* copy = new owned_record(r);
            constexpr std::size_t size = sizeof(detail::entry_header) + sizeof(owned_record*);
            auto* slot = &detail::current_queue_slot;
            if (slot->generation != generation_) slot = &writer_->register_thread(QueueBytes, TotalBytes);
            auto& queue = *slot->queue;
            std::byte* out = reserve(queue, size);
            if (!out) {
                delete copy;
                return;
            }
            put_header(out, size, r.thread_id, &engine::deliver_owned, 0, nullptr);
            std::memcpy(out + sizeof(detail::entry_header), &copy, sizeof copy);
            queue.producer_ring().publish();
        }

        // Returns once every record logged before the call reached the kernel.
        void flush() {
            if (!writer_->flush(drain_deadline)) {
                std::lock_guard lock(backend_mutex_);
                report_deadline("flush");
            }
            std::lock_guard lock(backend_mutex_);
            backend_.flush();
        }

        // Drains (within the deadline) and stops: a record logged after stop()
        // began, or delivered after it ended, is counted in stats().dropped.
        void stop() {
            call_generation_.store(no_generation, std::memory_order_relaxed);  // callers take the long way
            if (closed_.exchange(true)) {
                if (closed_by_exit_.load(std::memory_order_acquire)) finish_after_exit();
                return;
            }
            flush();
            std::lock_guard lock(backend_mutex_);
            finished_ = true;
            write_drop_report();
            backend_.flush();
        }

        template <class F>
        decltype(auto) exclusive(F&& f) {
            if (!closed_.load()) writer_->flush(drain_deadline);
            std::lock_guard lock(backend_mutex_);
            return f(backend_);
        }

        // --- the writer thread
        void lock_backend() override { backend_mutex_.lock(); }
        void unlock_backend() override { backend_mutex_.unlock(); }
        void begin_round() override { round_start_ = now(); }
        void commit() override {
            std::lock_guard lock(backend_mutex_);
            // Not clock::now(): a record stamped before now but queued after the
            // round read the queues would find its dedup window already closed.
            if constexpr (requires { backend_.commit_at(round_start_); })
                backend_.commit_at(round_start_);
            else
                backend_.commit();
        }
        void report_drops() override {
            if (dropped_.load(std::memory_order_relaxed) == 0) return;
            std::lock_guard lock(backend_mutex_);
            write_drop_report();
        }
        void flush_backend_held() override { backend_.flush(); }  // backend_mutex_ held by the caller
        void close_for_exit() noexcept override {
            closed_by_exit_.store(true, std::memory_order_release);
            call_generation_.store(no_generation, std::memory_order_relaxed);
            closed_.store(true, std::memory_order_release);
        }

    private:
        INKWELL_ALWAYS_INLINE std::uint64_t call_stamp() const noexcept {
            if constexpr (stamps_ticks)
                return detail::call_site_ticks(use_tsc_);
            else
                return static_cast<std::uint64_t>(clock_ns());
        }
        static std::int64_t clock_ns() noexcept {
            return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_source::now().time_since_epoch()).count();
        }
        static time_point from_ns(std::int64_t ns) noexcept {
            return time_point{std::chrono::duration_cast<clock_type::duration>(std::chrono::nanoseconds{ns})};
        }
        // The time of an entry made by submit_call.
        static time_point entry_time(const detail::entry_header& h, const detail::tick_converter& ticks) noexcept {
            if constexpr (stamps_ticks)
                return ticks.to_time(h.ticks);
            else
                return from_ns(static_cast<std::int64_t>(h.ticks));
        }
        // Wall-clock "now", as the config's clock tells it.
        static time_point now() noexcept {
            if constexpr (stamps_ticks)
                return clock_type::now();
            else
                return clock_source::now();
        }

        INKWELL_ALWAYS_INLINE std::byte* reserve(detail::thread_queue& queue, std::size_t size) {
            detail::spsc_ring* ring = &queue.producer_ring();
            if (INKWELL_LIKELY(size <= ring->max_entry())) {
                if (std::byte* out = ring->reserve(size)) return out;
            }
            return reserve_slow(queue, size);
        }

        static constexpr std::size_t queue_ring_bytes = detail::ring_capacity_for(QueueBytes);

        INKWELL_NOINLINE std::byte* reserve_slow(detail::thread_queue& queue, std::size_t size) {
            if (size > queue.producer_ring().max_entry()) {  // bigger than the ring: a ring of its own
                const std::size_t least = detail::ring_capacity_for(2 * detail::spsc_ring::padded(size));
                std::size_t bytes =
                    detail::claim_ring_memory(least > queue_ring_bytes ? least : queue_ring_bytes, least, TotalBytes);
                if (bytes == 0) {  // no room for it under the cap
                    if constexpr (std::is_same_v<Overflow, overflow::drop>) {
                        count_drop();
                        return nullptr;
                    } else {  // block and grow never lose a record: this one goes past the cap
                        bytes = least;
                        detail::force_ring_memory(bytes);
                    }
                }
                queue.grow(bytes);
                return queue.producer_ring().reserve(size);
            }
            if (std::byte* out = reserve_in_larger_ring(queue, size)) return out;
            if constexpr (std::is_same_v<Overflow, overflow::drop>) {
                count_drop();
                return nullptr;
            } else {
                // Block: wait for the writer, politely (or for memory to grow into).
                writer_->nudge();
                for (unsigned spins = 0;; ++spins) {
                    if (std::byte* out = queue.producer_ring().reserve(size)) return out;
                    if (spins < 64) {
                        std::this_thread::yield();
                    } else {
                        if (std::byte* out = reserve_in_larger_ring(queue, size)) return out;
                        std::this_thread::sleep_for(std::chrono::microseconds{50});
                    }
                }
            }
        }

        // The ring is full. A thread's queue is sized by the first logger it
        // used, or shrunk by the memory cap: grow it to this logger's
        // QueueBytes when the cap allows; grow<MaxBytes> then doubles it up to
        // MaxBytes. nullptr: no larger ring now.
        std::byte* reserve_in_larger_ring(detail::thread_queue& queue, std::size_t size) {
            const std::size_t current = queue.producer_ring().capacity();
            std::size_t bytes = 0;
            if (current < queue_ring_bytes) {
                bytes = detail::claim_ring_memory(queue_ring_bytes, 2 * current, TotalBytes);
            } else if constexpr (async_detail::is_grow<Overflow>::value) {
                if (2 * current <= Overflow::max_bytes)
                    bytes = detail::claim_ring_memory(2 * current, 2 * current, TotalBytes);
            }
            if (bytes == 0) return nullptr;
            queue.grow(bytes);
            return queue.producer_ring().reserve(size);
        }

        // Dropping is the slow path already: the first drop of a streak reads
        // the (config's) clock itself, so the report needs no tick conversion.
        void count_drop() noexcept {
            if (first_drop_ns_.load(std::memory_order_relaxed) == 0) {
                std::int64_t expected = 0;
                const std::int64_t now_ns = stamps_ticks ? detail::realtime_ns() : clock_ns();
                first_drop_ns_.compare_exchange_strong(expected, now_ns, std::memory_order_relaxed);
            }
            dropped_.fetch_add(1, std::memory_order_relaxed);
        }
        void count_lost() noexcept {
            backend_.errors().count_dropped(1);
            if (closed_by_exit_.load(std::memory_order_relaxed)) lost_after_exit_.fetch_add(1, std::memory_order_relaxed);
        }

        // The logger ends (or shuts down) after exit() stopped the writer: on
        // this thread, a note of the records logged since, and a last flush.
        INKWELL_COLD void finish_after_exit() {
            std::lock_guard lock(backend_mutex_);
            if (finished_) return;
            finished_ = true;
            write_drop_report();
            if (const std::uint64_t n = lost_after_exit_.exchange(0, std::memory_order_relaxed); n != 0) {
                detail::line_buffer message;
                detail::append(message, "inkwell: ");
                detail::append_integer(message, n);
                detail::append(message, " records logged after exit() began were dropped (the async writer had stopped)");
                write_note(message);
            }
            backend_.flush();
        }

        // "N records dropped since T": written as a record of its own, in the log itself.
        INKWELL_COLD void write_drop_report() {
            const std::uint64_t n = dropped_.exchange(0, std::memory_order_relaxed);
            if (n == 0) return;
            const std::int64_t since_ns = first_drop_ns_.exchange(0, std::memory_order_relaxed);
            backend_.errors().count_dropped(n);
            detail::line_buffer message;
            detail::append(message, "inkwell: ");
            detail::append_integer(message, n);
            detail::append(message, " records dropped since ");
            detail::append_iso8601_utc_ms(message, from_ns(since_ns));
            detail::append(message, " (the async queue was full)");
            write_note(message);
        }

        // A note of inkwell's own about this logger, as a record of its format:
        // level warn, category "inkwell", now.
        void write_note(const detail::line_buffer& message) {
            record r = backend_.record_defaults();
            r.severity = level::warn;
            r.time = now();
            r.message = detail::view(message);
            r.category = "inkwell";
            r.thread_id = detail::current_thread_id();
            backend_.process(r);
        }

        void report_deadline(const char* what) {
            backend_.errors().report({error_kind::write, 0, {}, what});
        }

        template <bool WithContext, class... Args>
        static void deliver(detail::async_target* target, const detail::entry_header& h,
                            [[maybe_unused]] const std::byte* payload, const detail::tick_converter& clock) {
            [[maybe_unused]] context_ref context;  // released when the record is written
            if constexpr (WithContext) {
                const context_frame* frame;
                std::memcpy(&frame, payload, sizeof frame);
                payload += sizeof frame;
                context = context_ref::adopt(frame);
            }
            if (!target) return;  // the engine is gone; only the context was owned
            auto& self = *static_cast<engine*>(target);
            auto decoded = std::tuple<typename detail::arg_codec<Args>::decoded...>{
                detail::arg_codec<Args>::decode(payload)...};
            constexpr std::size_t format_count = detail::leading_format_args<Args...>();
            constexpr std::size_t field_count = sizeof...(Args) - format_count;

            detail::line_buffer message;
            format_call_message(message, *h.site, decoded, std::make_index_sequence<format_count>{});
            std::array<field, field_count> fields{};
            std::array<std::string, field_count> scratch{};
            if constexpr (field_count > 0)
                detail::make_fields<format_count>(fields, scratch, decoded, std::make_index_sequence<field_count>{});

            // The writer holds self.backend_mutex_ (async_target::lock_backend).
            if (self.finished_) {  // raced with stop(): counted, not written
                self.count_lost();
                return;
            }
            self.backend_.cap_message(message);
            const context_frame* thread_context = nullptr;
            if constexpr (WithContext) thread_context = context.get();
            self.process_call(h, clock, detail::view(message), fields, thread_context);
        }

        // The call's message, formatted on the writer (deliver) or by a caller
        // that is ahead of it (submit_behind). Neither thread may die of what
        // a format argument throws: the format itself is written instead.
        template <class Tuple, std::size_t... I>
        static void format_call_message(detail::line_buffer& message, const call_site& site, Tuple& args,
                                        std::index_sequence<I...> leading) {
            INKWELL_TRY { detail::format_leading(message, site.format, args, leading, site.plain_format); }
            INKWELL_CATCH_ALL {
                message.clear();
                detail::append(message, "[inkwell: formatting failed] ");
                detail::append(message, site.format);
            }
        }

        // An entry of submit_behind: the message formatted by the caller.
        static void deliver_formatted(detail::async_target* target, const detail::entry_header& h,
                                      const std::byte* payload, const detail::tick_converter& clock) {
            if (!target) return;  // the engine is gone; the entry owns nothing
            auto& self = *static_cast<engine*>(target);
            if (self.finished_) {  // raced with stop(): counted, not written
                self.count_lost();
                return;
            }
            self.process_call(h, clock, detail::text_codec::decode(payload), {}, nullptr);
        }

        INKWELL_ALWAYS_INLINE void process_call(const detail::entry_header& h, const detail::tick_converter& clock,
                                                std::string_view message, std::span<const field> fields,
                                                const context_frame* thread_context) {
            // Filled in and processed where it lies: a record built afresh is
            // cleared whole first (g++ emits a `rep stos`), a copy of one
            // stalls on its fresh stores. The members not set here keep the
            // values they were built with.
            record& r = call_record_;
            r.severity = h.site->severity;
            r.time = entry_time(h, clock);
            r.message = message;
            r.category = h.site->category;
            r.where = h.site->where;
            r.fields = fields;
            r.thread_id = h.thread_id;
            r.context = thread_context;
            backend_.process_in_place(r);
        }

        static void deliver_owned(detail::async_target* target, const detail::entry_header&, const std::byte* payload,
                                  const detail::tick_converter&) {
            owned_record* copy;
            std::memcpy(&copy, payload, sizeof copy);
            std::unique_ptr<owned_record> owner(copy);
            if (!target) return;  // the engine is gone: only free the copy
            auto& self = *static_cast<engine*>(target);  // its backend_mutex_ held by the writer
            if (self.finished_) {
                self.count_lost();
                return;
            }
            self.backend_.process(copy->view());
        }

        // What every call site reads, on a cache line the writer never writes:
        // sharing one with backend_mutex_ cost a call a cache miss after each
        // of the writer's rounds (the per-call p99.9 tail).
        alignas(detail::cache_line) Backend& backend_;
        detail::async_writer* writer_;  // shared by every async engine; released in the destructor
        const std::uint64_t generation_;  // of writer_: a thread's queue belongs to it when the numbers match
        const bool use_tsc_;
        // What submit_call compares a thread's queue generation with: see open_call_generation().
        std::atomic<std::uint64_t> call_generation_{open_call_generation()};
        std::atomic<bool> closed_{false};  // stop() has begun: callers' records are counted as lost
        std::atomic<bool> closed_by_exit_{false};  // closed by exit() (async_writer::at_exit), not by stop()
        std::atomic<std::uint64_t> lost_after_exit_{0};  // records counted as lost since then
        detail::target_cell* cell_ = nullptr;
        // What the writer writes.
        alignas(detail::cache_line) std::mutex backend_mutex_;  // the writer delivering vs flush()/exclusive()
        bool finished_ = false;            // stop() has ended (under backend_mutex_)
        record call_record_ = backend_.record_defaults();  // process_call's, under backend_mutex_
        std::atomic<std::uint64_t> dropped_{0};
        time_point round_start_{};  // the writer thread's: see begin_round()
        std::atomic<std::int64_t> first_drop_ns_{0};  // wall clock of the first drop since the last report
    };
};

}  // namespace buffer
INKWELL_END_NAMESPACE
