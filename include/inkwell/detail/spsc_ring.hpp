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

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::size_t cache_line = 64;

class spsc_ring {
public:
    // `capacity` is rounded up to a power of two (at least 4 KiB).
    explicit spsc_ring(std::size_t capacity) {
        std::size_t c = 4096;
        while (c < capacity) c <<= 1;
        capacity_ = c;
        mask_ = c - 1;
        storage_.reset(new (std::align_val_t{cache_line}) std::byte[c]);
    }

    // Empties the ring for another thread (the writer's pool of spare rings).
    void reset() noexcept {
        tail_.store(0, std::memory_order_relaxed);
        head_.store(0, std::memory_order_relaxed);
        head_cache_ = tail_cache_ = 0;
        pending_skip_ = 0;
    }

    std::size_t capacity() const noexcept { return capacity_; }
    // The largest entry that can ever fit, wrap-around included.
    std::size_t max_entry() const noexcept { return capacity_ / 2; }

    static constexpr std::size_t padded(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }

    // --- producer side
    // Contiguous space for `size` bytes (size >= 4, the entry's own size
    // field first), or nullptr when the ring is full for now.
    std::byte* reserve(std::size_t size) noexcept {
        const std::size_t need = padded(size);
        std::uint64_t pos = tail_.load(std::memory_order_relaxed);
        const std::size_t index = static_cast<std::size_t>(pos & mask_);
        const std::size_t to_end = capacity_ - index;
        const std::size_t total = need <= to_end ? need : to_end + need;
        if (pos + total - head_cache_ > capacity_) {
            head_cache_ = head_.load(std::memory_order_acquire);
            if (pos + total - head_cache_ > capacity_) return nullptr;
        }
        if (need > to_end) {  // mark the rest of the ring as skipped, start over at 0
            const std::uint32_t wrap = 0;
            std::memcpy(storage_.get() + index, &wrap, sizeof wrap);
            pos += to_end;
            pending_skip_ = to_end;
            return storage_.get();
        }
        pending_skip_ = 0;
        return storage_.get() + index;
    }
    // Publishes the entry written at the last reserve().
    void commit(std::size_t size) noexcept {
        const std::uint64_t pos = tail_.load(std::memory_order_relaxed) + pending_skip_ + padded(size);
        tail_.store(pos, std::memory_order_release);
    }

    // --- consumer side
    // The next entry, or nullptr when there is none.
    const std::byte* front() noexcept {
        for (;;) {
            std::uint64_t pos = head_.load(std::memory_order_relaxed);
            if (pos == tail_cache_) {
                tail_cache_ = tail_.load(std::memory_order_acquire);
                if (pos == tail_cache_) return nullptr;
            }
            const std::byte* entry = storage_.get() + static_cast<std::size_t>(pos & mask_);
            std::uint32_t size;
            std::memcpy(&size, entry, sizeof size);
            if (size != 0) return entry;
            head_.store(pos + (capacity_ - static_cast<std::size_t>(pos & mask_)), std::memory_order_release);
        }
    }
    void pop(std::size_t size) noexcept {
        head_.store(head_.load(std::memory_order_relaxed) + padded(size), std::memory_order_release);
    }
    // Positions, for the writer's bounded rounds: entries published so far end
    // at published(); the consumer has read up to consumed().
    std::uint64_t published() const noexcept { return tail_.load(std::memory_order_acquire); }
    std::uint64_t consumed() const noexcept { return head_.load(std::memory_order_relaxed); }

    bool empty() const noexcept {
        return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
    }

private:
    struct aligned_delete {
        void operator()(std::byte* p) const noexcept { ::operator delete[](p, std::align_val_t{cache_line}); }
    };

    std::unique_ptr<std::byte[], aligned_delete> storage_;
    std::size_t capacity_ = 0, mask_ = 0;
    // The producer's and the consumer's indices live on their own cache lines.
    alignas(cache_line) std::atomic<std::uint64_t> tail_{0};
    std::uint64_t head_cache_ = 0;    // producer's view of head_
    std::size_t pending_skip_ = 0;    // producer: bytes skipped at the last reserve
    alignas(cache_line) std::atomic<std::uint64_t> head_{0};
    std::uint64_t tail_cache_ = 0;    // consumer's view of tail_
};

}  // namespace detail
INKWELL_END_NAMESPACE
