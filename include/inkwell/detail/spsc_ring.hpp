#pragma once
// A single-producer single-consumer ring of variable-sized entries: the
// per-thread queue of the async buffer. The producer reserves contiguous
// space, writes an entry in place and publishes it with one release store;
// the consumer reads entries in place. No locks, no system calls, no
// allocation after construction.
//
// Every entry starts with a 32-bit size and is padded to 8 bytes. A size of
// 0 tells the consumer to continue at the start of the ring (the space at
// the end was too short for the entry that followed).
//
// The storage is mapped pages of its own (mmap), not the heap: a freed ring
// gives its memory back to the system at once, and the writer can populate
// a busy ring's pages ahead of the producer (populate()).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include <sys/mman.h>

#include "../version.hpp"
#include "platform.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::size_t ring_page = 4096;
// The smallest ring, and the one allocation the memory cap always grants.
inline constexpr std::size_t min_ring_bytes = ring_page;

// The bytes of every ring alive in the process (in use, grown, or spare):
// what the async buffer's TotalBytes bounds. A ring adds its capacity when it
// is made and gives it back when it is destroyed.
inline constinit std::atomic<std::size_t> ring_memory_total{0};

// The ring capacity for `bytes`: a power of two, at least min_ring_bytes.
constexpr std::size_t ring_capacity_for(std::size_t bytes) noexcept {
    std::size_t c = min_ring_bytes;
    while (c < bytes) c <<= 1;
    return c;
}

// Takes room for a ring of `want` bytes within `cap` (both powers of two), halving down
// to `least`: the capacity granted, or 0 when even `least` does not fit.
inline std::size_t claim_ring_memory(std::size_t want, std::size_t least, std::size_t cap) noexcept {
    std::size_t total = ring_memory_total.load(std::memory_order_relaxed);
    for (;;) {
        std::size_t bytes = want;
        while (bytes > least && total + bytes > cap) bytes >>= 1;
        if (total + bytes > cap) return 0;
        if (ring_memory_total.compare_exchange_weak(total, total + bytes, std::memory_order_relaxed)) return bytes;
    }
}
// Takes room past any cap (the floor, or one record larger than the queue).
inline void force_ring_memory(std::size_t bytes) noexcept {
    ring_memory_total.fetch_add(bytes, std::memory_order_relaxed);
}

class spsc_ring {
public:
    // `capacity` is a power of two, at least min_ring_bytes, whose memory the
    // caller has claimed (claim_ring_memory/force_ring_memory); the ring gives
    // it back in its destructor.
    explicit spsc_ring(std::size_t capacity)
        : capacity_(capacity), mask_(capacity - 1), busy_limit_(capacity - capacity / 4) {
        void* p = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            storage_ = static_cast<std::byte*>(p);
            mapped_ = true;
        } else {  // no mapping to be had: the heap, which fails the way `new` does
            storage_ = static_cast<std::byte*>(::operator new(capacity, std::align_val_t{ring_page}));
        }
    }
    ~spsc_ring() {
        if (mapped_)
            ::munmap(storage_, capacity_);
        else
            ::operator delete(storage_, std::align_val_t{ring_page});
        ring_memory_total.fetch_sub(capacity_, std::memory_order_relaxed);
    }
    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    // Writer: faults the ring's pages in ahead of the producer, so that its
    // calls never take a first-touch page fault. The contents do not change,
    // so this is safe while the producer writes. Once per ring. `from`: where
    // the producer is (its next pages are touched first).
    void populate(std::uint64_t from) noexcept {
        if (populated_) return;
        populated_ = true;
#if defined(__linux__)
#if defined(MADV_POPULATE_WRITE)
        constexpr int populate_write = MADV_POPULATE_WRITE;
#else
        constexpr int populate_write = 23;  // its value since Linux 5.14, for older headers
#endif
        // EINVAL before Linux 5.14: then the pages fault in as the producer reaches them.
        if (mapped_) ::madvise(storage_, capacity_, populate_write);
#endif
        // The kernel fills the pages without touching them from user space.
        // Under a hypervisor that keeps its own page tables (shadow paging),
        // the first user access to each page still traps: measured at 4-10 us
        // per page, once per 64 calls on the producer's first lap. A read of
        // one byte per page, here, takes that trap on the writer instead.
        // (In asm: the producer may be storing to these bytes, and a plain
        // read would be a data race to the compiler and to ThreadSanitizer;
        // the value read is not used.)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        const std::size_t start = static_cast<std::size_t>(from & mask_) & ~(ring_page - 1);
        for (std::size_t done = 0; done < capacity_; done += ring_page) {
            const std::byte* page = storage_ + ((start + done) & mask_);
            asm volatile("movb %0, %%al" : : "m"(*reinterpret_cast<const char*>(page)) : "al");
        }
#else
        (void)from;
#endif
    }
    bool populated() const noexcept { return populated_; }

    // Empties the ring for another thread (the writer's pool of spare rings).
    void reset() noexcept {
        tail_.store(0, std::memory_order_relaxed);
        head_.store(0, std::memory_order_relaxed);
        head_cache_ = tail_cache_ = read_ = released_ = 0;
        reserved_end_ = busy_stop_ = 0;
    }

    std::size_t capacity() const noexcept { return capacity_; }
    // The largest entry that can ever fit, wrap-around included.
    std::size_t max_entry() const noexcept { return capacity_ / 2; }

    static constexpr std::size_t padded(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }

    // --- producer side
    // Contiguous space for `size` bytes (size >= 4, the entry's own size
    // field first), or nullptr when the ring is full for now.
    // Inline: it is most of the call site's work, and a call costs as much again.
    INKWELL_ALWAYS_INLINE std::byte* reserve(std::size_t size) noexcept { return reserve_within(size, capacity_); }
    // The same, and nullptr also when more than `limit` bytes of the ring
    // would then be taken (limit <= capacity()). Where the entry ends goes
    // to reserved_end_, for publish().
    INKWELL_ALWAYS_INLINE std::byte* reserve_within(std::size_t size, std::size_t limit) noexcept {
        const std::size_t need = padded(size);
        std::uint64_t pos = tail_.load(std::memory_order_relaxed);
        const std::size_t index = static_cast<std::size_t>(pos & mask_);
        const std::size_t to_end = capacity_ - index;
        const std::size_t total = need <= to_end ? need : to_end + need;
        if (pos + total - head_cache_ > limit) {
            head_cache_ = head_.load(std::memory_order_acquire);
            if (pos + total - head_cache_ > limit) return nullptr;
        }
        if (need > to_end) {  // mark the rest of the ring as skipped, start over at 0
            const std::uint32_t wrap = 0;
            std::memcpy(storage_ + index, &wrap, sizeof wrap);
            reserved_end_ = pos + to_end + need;
            return storage_;
        }
        reserved_end_ = pos + need;
        prefetch_for_write(index);
#if defined(__GNUC__) || defined(__clang__)
        // Never null (storage_ is set or the constructor threw): the caller's
        // "no room" test then costs nothing on this path.
        if (storage_ == nullptr) __builtin_unreachable();
#endif
        return storage_ + index;
    }
    // Publishes the entry written at the last reserve().
    void publish() noexcept { publish(reserved_end_); }
    // Publishes the entry reserved with reserve_fast, which ends at `end`.
    void publish(std::uint64_t end) noexcept { tail_.store(end, std::memory_order_release); }
    // The call site's way, in two parts. reserve_fast: one test, inline;
    // nullptr when the entry would end past busy_stop_ (then the caller takes
    // reserve_busy, out of line). busy_stop_ caches where an entry may end at
    // the most: the nearer of the busy limit (as of head_cache_) and
    // write_slack bytes before the end of the ring's lap. Both only move
    // forward, so a stale value is only too small, never too large.
    //
    // After an entry from reserve_fast come at least write_slack bytes of
    // the ring that hold nothing (a quarter of the ring is free): the caller
    // may store up to write_slack bytes past the entry's end, which the next
    // entry overwrites.
    static constexpr std::size_t write_slack = 16;
    INKWELL_ALWAYS_INLINE std::byte* reserve_fast(std::size_t size, std::uint64_t& end) noexcept {
        const std::size_t need = padded(size);
        const std::uint64_t pos = tail_.load(std::memory_order_relaxed);
        if (INKWELL_UNLIKELY(pos + need > busy_stop_)) return nullptr;
        end = pos + need;
        const std::size_t index = static_cast<std::size_t>(pos & mask_);
        prefetch_for_write(index);
#if defined(__GNUC__) || defined(__clang__)
        if (storage_ == nullptr) __builtin_unreachable();  // as in reserve_within
#endif
        return storage_ + index;
    }
    // reserve_within(size, three quarters of the ring), and busy_stop_
    // refreshed; no slack is promised after the entry.
    INKWELL_NOINLINE std::byte* reserve_busy(std::size_t size) noexcept {
        std::byte* out = reserve_within(size, busy_limit_);
        // The next entry starts where this one ends.
        const std::uint64_t from = out ? reserved_end_ : tail_.load(std::memory_order_relaxed);
        const std::uint64_t lap_end = from - (from & mask_) + capacity_;
        const std::uint64_t busy_end = head_cache_ + busy_limit_;
        busy_stop_ = busy_end < lap_end - write_slack ? busy_end : lap_end - write_slack;
        return out;
    }

    // --- consumer side
    // The consumer reads at read_ and gives the space back (head_) in steps
    // of release_step, and whenever give_back() is called: a store to head_
    // takes its cache line back from a producer that polls it while the ring
    // is full, so one per entry cost the writer a cache miss per record.
    // The next entry, or nullptr when there is none.
    const std::byte* front() noexcept {
        for (;;) {
            if (read_ == tail_cache_) {
                tail_cache_ = tail_.load(std::memory_order_acquire);
                if (read_ == tail_cache_) return nullptr;
            }
            const std::byte* entry = storage_ + static_cast<std::size_t>(read_ & mask_);
            std::uint32_t size;
            std::memcpy(&size, entry, sizeof size);
            if (size != 0) return entry;
            read_ += capacity_ - static_cast<std::size_t>(read_ & mask_);
        }
    }
    void pop(std::size_t size) noexcept {
        read_ += padded(size);
        if (read_ - released_ >= release_step()) give_back();
    }
    // Gives every entry popped so far back to the producer.
    void give_back() noexcept {
        if (released_ == read_) return;
        released_ = read_;
        head_.store(read_, std::memory_order_release);
    }
    // Positions, for the writer's bounded rounds: entries published so far end
    // at published(); the consumer has read up to consumed().
    std::uint64_t published() const noexcept { return tail_.load(std::memory_order_acquire); }
    std::uint64_t consumed() const noexcept { return read_; }

    // Consumer: nothing left to read.
    bool empty() const noexcept { return read_ == tail_.load(std::memory_order_acquire); }

private:
    static constexpr std::size_t prefetch_ahead = 512;

    INKWELL_ALWAYS_INLINE void prefetch_for_write([[maybe_unused]] std::size_t index) const noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
        // The lines a few entries ahead come over from the writer's core (or
        // from memory) while this entry is written, not when the next needs them,
        // and ready to be written: prefetchw takes the line exclusive. (Without
        // -mprfchw, __builtin_prefetch(p, 1) is a read prefetch: the line comes
        // shared, and each store into it must take it from the writer's core
        // again.) CPUs without PREFETCHW run it as a NOP.
        // Not wrapped at the ring's end: a prefetch never faults, and the
        // last few entries of a lap are not worth the two instructions.
        asm("prefetchw %0" : : "m"(*reinterpret_cast<const char*>(storage_ + index + prefetch_ahead)));
#elif defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch(storage_ + index + prefetch_ahead, 1);
#endif
    }
    std::size_t release_step() const noexcept { return capacity_ / 8; }

    std::byte* storage_ = nullptr;
    std::size_t capacity_ = 0, mask_ = 0;
    std::size_t busy_limit_ = 0;  // three quarters of the ring: past it, the writer is behind its producer
    bool mapped_ = false;
    bool populated_ = false;  // the writer's: populate() ran
    // The producer's and the consumer's indices live on their own cache lines.
    alignas(cache_line) std::atomic<std::uint64_t> tail_{0};
    std::uint64_t head_cache_ = 0;    // producer's view of head_
    std::uint64_t reserved_end_ = 0;  // producer: where the entry of the last reserve() ends
    std::uint64_t busy_stop_ = 0;     // producer: see reserve_fast()
    alignas(cache_line) std::atomic<std::uint64_t> head_{0};  // given back to the producer
    // The consumer's own, on a line the producer never reads.
    alignas(cache_line) std::uint64_t read_ = 0;  // where the next entry starts
    std::uint64_t released_ = 0;                  // the last value stored in head_
    std::uint64_t tail_cache_ = 0;                // consumer's view of tail_
};

}  // namespace detail
INKWELL_END_NAMESPACE
