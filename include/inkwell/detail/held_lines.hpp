#pragma once
// held_lines and line_block_pool: whole lines held in memory for a file that
// is closed (sink::category_files), in chains of blocks from one pool.
//
// Why not a std::string per file: with a thousand closed files taking lines
// in turn, each line lands at the end of a different buffer that nothing has
// touched since that file's previous line, a thousand lines ago, so every
// line stalled on cache misses as it was stored (and a doubling buffer copies
// itself as it grows, into memory just as cold). Here:
//   - a chain never copies what it holds: a full block is followed by a new
//     one (512 B, 1 KiB, 2 KiB, then 4 KiB blocks, so a file with one short
//     line holds one small block; a line longer than a block gets a block of
//     its own size);
//   - after each line the bytes the chain's next line will be written to are
//     prefetched for writing: the rest of the block up to 320 bytes, and near
//     the block's end the start of the block that follows, taken ahead from
//     the pool (the "spare"). By the time the file's next line comes, many
//     lines of other files later, they are in cache;
//   - an append touches only the chain (in its owner's state) and the bytes
//     it writes: the tail's fill lives in the chain, and the link to the next
//     block in a trailer at the block's end, next to the last line written;
//   - blocks are cut from large slabs (huge pages where the kernel gives
//     them), so that a thousand chains' tails do not cost a thousand TLB
//     entries, and freed blocks are reused last-freed first: a steady load
//     allocates nothing.
// Lines are stored back to back, as the file will hold them, and counted:
// a file opened for them takes each block as it is (one writev of the
// blocks, log_file::flush_with), and counts the records it got. Memory: aligned_alloc/malloc, no
// exceptions; a failed allocation is reported to the caller (append returns
// false), which keeps the line some other way. Not thread-safe: the owning
// sink serialises every call.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "../version.hpp"
#include "chrono.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

class line_block_pool;

// One file's held lines, oldest first. Filled and emptied by a pool.
class held_lines {
public:
    held_lines() = default;
    held_lines(const held_lines&) = delete;
    held_lines& operator=(const held_lines&) = delete;
    ~held_lines() = default;  // the pool's release() gives the blocks back

    bool empty() const noexcept { return lines_ == 0; }
    // Bytes of the lines held (their lengths not counted).
    std::size_t bytes() const noexcept { return bytes_; }
    std::size_t lines() const noexcept { return lines_; }
    // The time of the oldest line held (time_point{} when empty).
    time_point first_time() const noexcept { return first_time_; }

    // Blocks in the chain (each a piece for_each_piece() gives).
    std::size_t blocks() const noexcept { return blocks_; }

    // Calls f(piece) for the lines of each block, oldest first: whole lines,
    // back to back (an empty chain calls nothing).
    template <class F>
    void for_each_piece(F&& f) const {
        for (const block* b = head_; b;) {
            const bool last = reinterpret_cast<const char*>(b->trailer()) == limit_;
            const char* end = last ? cursor_ : b->trailer()->end;
            if (end != b->data()) f(std::string_view{b->data(), static_cast<std::size_t>(end - b->data())});
            b = last ? nullptr : b->trailer()->next;
        }
    }

private:
    friend class line_block_pool;
    struct block;
    // At the end of a block (where limit_ points while it is the tail):
    // written when the chain moves on to the next block.
    struct link {
        block* next;
        const char* end;  // the end of the block's last line
    };
    struct block {
        block* free_next;          // in the pool's free list
        std::uint32_t capacity;    // bytes of data; the trailer follows them
        std::uint32_t size_class;  // 0-3: pooled, 512 << class bytes in all; 4: a block of its own size
        char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
        const char* data() const noexcept { return reinterpret_cast<const char*>(this + 1); }
        link* trailer() noexcept { return reinterpret_cast<link*>(data() + capacity); }
        const link* trailer() const noexcept { return reinterpret_cast<const link*>(data() + capacity); }
    };

    // What every append uses first (48 bytes: with a few bytes of its
    // owner's, one cache line), then what only a chain's first line uses.
    char* cursor_ = nullptr;  // where the next line goes in the tail block
    char* limit_ = nullptr;   // the tail block's end (its trailer); null: no block
    std::size_t bytes_ = 0;
    std::uint32_t lines_ = 0;
    std::uint32_t blocks_ = 0;
    block* spare_ = nullptr;  // taken ahead for the next block (and in cache by then)
    block* head_ = nullptr;
    time_point first_time_{};
};

// The blocks of every chain of one sink. Blocks of the four pooled sizes
// are cut from slabs: 256 KiB ones at first, then, past 2 MiB, slabs of
// 2 MiB aligned to 2 MiB and advised as huge pages (MADV_HUGEPAGE): a
// thousand chains then write into a few pages, not a thousand, and their
// appends stop missing the TLB. A pooled block freed goes to its size's free
// list (reused last-freed first, while it is still in cache); the slabs are
// given back when the pool goes, so the pool keeps the most it ever held
// (the sink's cap on held lines bounds that). A line longer than a 4 KiB
// block gets a block of its own size from malloc, freed when released.
class line_block_pool {
public:
    line_block_pool() noexcept = default;
    line_block_pool(const line_block_pool&) = delete;
    line_block_pool& operator=(const line_block_pool&) = delete;
    ~line_block_pool() {
        while (slabs_) std::free(std::exchange(slabs_, *reinterpret_cast<void**>(slabs_)));
    }

    // Appends one whole line to `chain`. False when memory ran out (nothing
    // was added).
    bool append(held_lines& chain, std::string_view line, time_point time) noexcept {
        if (line.size() > max_line) return false;
        const std::size_t need = line.size();
        if (static_cast<std::size_t>(chain.limit_ - chain.cursor_) < need && !next_block(chain, need)) return false;
        if (need != 0) std::memcpy(chain.cursor_, line.data(), need);  // (a chain with no block has a null cursor)
        chain.cursor_ += need;
        if (chain.lines_ == 0) chain.first_time_ = time;
        chain.bytes_ += line.size();
        ++chain.lines_;
        // What the chain's next line will be written to, in cache by then:
        // the rest of this block (its trailer included) and, near its end,
        // the start of the next one.
        const std::size_t room = static_cast<std::size_t>(chain.limit_ - chain.cursor_) + sizeof(held_lines::link);
        for (std::size_t off = 0; off < room && off < prefetch_bytes; off += 64)
            __builtin_prefetch(chain.cursor_ + off, 1, 3);
        if (room < prefetch_bytes) {
            if (!chain.spare_) chain.spare_ = take(next_class(chain), 0);
            if (chain.spare_)
                for (std::size_t off = 0; off < prefetch_bytes; off += 64)
                    __builtin_prefetch(reinterpret_cast<char*>(chain.spare_) + off, 1, 3);
        }
        return true;
    }

    // Empties `chain`, its blocks back to the pool.
    void release(held_lines& chain) noexcept {
        for (block* b = chain.head_; b;) {
            block* next = reinterpret_cast<char*>(b->trailer()) == chain.limit_ ? nullptr : b->trailer()->next;
            give_back(b);
            b = next;
        }
        if (chain.spare_) give_back(chain.spare_);
        chain.cursor_ = chain.limit_ = nullptr;
        chain.bytes_ = 0;
        chain.lines_ = 0;
        chain.head_ = chain.spare_ = nullptr;
        chain.blocks_ = 0;
        chain.first_time_ = time_point{};
    }

    // Bytes taken from the system now: slabs, and blocks of their own size.
    std::size_t allocated_bytes() const noexcept { return allocated_; }

private:
    using block = held_lines::block;
    using link = held_lines::link;
    static constexpr std::size_t smallest = 512;  // a pooled block of class c is smallest << c bytes in all
    static constexpr std::uint32_t pooled_classes = 4;
    static constexpr std::size_t prefetch_bytes = 320;
    static constexpr std::size_t max_line = 0xffffffffu - 256;
    static constexpr std::size_t small_slab = 256 * 1024;
    static constexpr std::size_t huge_slab = 2 * 1024 * 1024;
    static_assert(sizeof(block) % alignof(link) == 0 && smallest % alignof(link) == 0);

    static std::size_t class_bytes(std::uint32_t c) noexcept { return smallest << c; }
    static std::uint32_t next_class(const held_lines& chain) noexcept { return chain.blocks_ < 3 ? chain.blocks_ : 3; }

    // The chain goes on in a new block with room for `need` bytes: the
    // spare when it fits, else one from the pool.
    bool next_block(held_lines& chain, std::size_t need) noexcept {
        block* b = nullptr;
        if (chain.spare_ && chain.spare_->capacity >= need)
            b = std::exchange(chain.spare_, nullptr);
        else
            b = take(next_class(chain), need);
        if (!b) return false;
        if (chain.limit_) {  // the tail's trailer: next to the last line, in cache
            link* end = reinterpret_cast<link*>(chain.limit_);
            end->next = b;
            end->end = chain.cursor_;
        } else {
            chain.head_ = b;
        }
        chain.cursor_ = b->data();
        chain.limit_ = b->data() + b->capacity;
        ++chain.blocks_;
        return true;
    }

    // A block of class `c`, or of a larger one for `need` bytes of data, or
    // one of its own size; nullptr when memory ran out.
    block* take(std::uint32_t c, std::size_t need) noexcept {
        while (c < pooled_classes && class_bytes(c) - sizeof(block) - sizeof(link) < need) ++c;
        if (c >= pooled_classes) return own_block(need);
        if (!free_[c] && !carve(c)) return nullptr;
        block* b = free_[c];
        free_[c] = b->free_next;
        if (free_[c]) __builtin_prefetch(free_[c], 1, 3);  // the next one taken
        return b;
    }

    // A block of class c onto its free list, cut from the current slab or
    // from a new one.
    bool carve(std::uint32_t c) noexcept {
        const std::size_t bytes = class_bytes(c);
        if (static_cast<std::size_t>(slab_end_ - slab_next_) < bytes) {
            // What is left of the slab (a multiple of 512 bytes) goes to the smallest class.
            while (static_cast<std::size_t>(slab_end_ - slab_next_) >= smallest) push_new(0);
            if (!new_slab()) return false;
        }
        push_new(c);
        return true;
    }

    void push_new(std::uint32_t c) noexcept {
        block* b = reinterpret_cast<block*>(slab_next_);
        slab_next_ += class_bytes(c);
        b->capacity = static_cast<std::uint32_t>(class_bytes(c) - sizeof(block) - sizeof(link));
        b->size_class = c;
        b->free_next = free_[c];
        free_[c] = b;
    }

    bool new_slab() noexcept {
        const std::size_t bytes = allocated_ < huge_slab ? small_slab : huge_slab;
        void* memory = std::aligned_alloc(bytes, bytes);
        if (!memory) return false;
#ifdef MADV_HUGEPAGE
        if (bytes == huge_slab) (void)::madvise(memory, bytes, MADV_HUGEPAGE);  // a hint: no huge pages, no harm
#endif
        allocated_ += bytes;
        *reinterpret_cast<void**>(memory) = slabs_;  // the slab's first bytes link the slabs
        slabs_ = memory;
        slab_next_ = static_cast<char*>(memory) + smallest;  // (its first 512 bytes: the link)
        slab_end_ = static_cast<char*>(memory) + bytes;
        return true;
    }

    block* own_block(std::size_t need) noexcept {
        const std::size_t capacity = (need + alignof(link) - 1) / alignof(link) * alignof(link);
        const std::size_t total = sizeof(block) + capacity + sizeof(link);
        void* memory = std::malloc(total);
        if (!memory) return nullptr;
        allocated_ += total;
        block* b = static_cast<block*>(memory);
        b->free_next = nullptr;
        b->capacity = static_cast<std::uint32_t>(capacity);
        b->size_class = pooled_classes;
        return b;
    }

    void give_back(block* b) noexcept {
        if (b->size_class < pooled_classes) {
            b->free_next = free_[b->size_class];
            free_[b->size_class] = b;
            return;
        }
        allocated_ -= sizeof(block) + b->capacity + sizeof(link);
        std::free(b);
    }

    block* free_[pooled_classes] = {};
    void* slabs_ = nullptr;  // each slab's first word: the slab made before it
    char* slab_next_ = nullptr;
    char* slab_end_ = nullptr;
    std::size_t allocated_ = 0;
};

}  // namespace detail
INKWELL_END_NAMESPACE
