#pragma once
// dedup::time_window<Seconds, MaxIdentities> — a record identical to one
// written in the last `Seconds` (same level, category and message) is not
// written; one summary record later says how often it came and when.
//
//   struct my_config : inkwell::presets::session_file_config {
//       using dedup = inkwell::dedup::time_window<30>;   // the reference's deduplication_window
//   };
//
// The window is a count of seconds, not a std::chrono::duration: a duration
// cannot be a template argument in C++20 (its member is private, so it is not
// a structural type), and whole seconds are what such windows are set in.
//
// What is written, for a message A:
//   - the first A, as it is; it opens A's window;
//   - every A within the window after it is suppressed and counted;
//   - one summary for the suppressed ones: A's level, category, logger and
//     call site, the message "<A> (repeated N times)" and the fields
//       repeated     N, the number of records suppressed
//       firstRepeat  ISO time of the first one suppressed
//       lastRepeat   ISO time of the last one suppressed
//     It is written at the first of
//       * a different record being written right after a run of A's
//         (A A A B: A, summary, B — spdlog's dup_filter case),
//       * the window closing: checked at each record and by expire(now),
//       * A being evicted from the bounded cache to make room,
//       * flush() (log.flush() and shutdown).
//   - an A after the window closed is written again and opens a new window.
// Interleaved repeats (A B A B A …) are suppressed too, the reference's
// cache keyed by message: a start-up surge of a few messages shrinks to one
// record and one summary each per window, however they interleave. Their
// summaries wait for the window to close (a summary per interleaved record
// would write more lines than it saves).
//
// The file stays in time order: a summary's time is its last repeat's, or
// that of the latest record already written if that is later; the true
// first and last times are in its fields.
//
// Nothing is lost silently: every suppressed record is counted in
// deduplicated() and in exactly one summary's `repeated`; a record leaving
// the cache with repeats pending gets its summary first. Records written =
// records logged − deduplicated() + summaries().
//
// The cache holds at most MaxIdentities messages (the oldest window is
// closed early to make room) and keeps at most `max_kept_message_bytes` of
// each message for its summary. Identities are compared by a 64-bit hash of
// level, category and the whole message: with 1,024 identities two different
// messages share a hash about once in 10^13 caches.
//
// Runs on the logger's writer thread (the backend serialises every call); the
// counters may be read from any thread.

#include <atomic>
#include <bit>
#include "../detail/chrono.hpp"
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/line_buffer.hpp"
#include "../detail/platform.hpp"
#include "../detail/time_format.hpp"
#include "../level.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// A streaming 64-bit hash: the same bytes give the same hash however they
// are split across add() calls. Eight bytes a step, then a final avalanche.
class identity_hash {
public:
    void add(std::string_view bytes) noexcept {
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
        std::size_t n = bytes.size();
        length_ += n;
        while (pending_bytes_ != 0 && n != 0) take_byte(*p++), --n;
        if constexpr (std::endian::native == std::endian::little) {
            for (; n >= 8; p += 8, n -= 8) {
                std::uint64_t word;
                std::memcpy(&word, p, 8);
                mix(word);
            }
        }
        while (n != 0) take_byte(*p++), --n;
    }
    void add_number(std::uint64_t v) noexcept {
        char bytes[8];
        for (int k = 0; k < 8; ++k) bytes[k] = static_cast<char>((v >> (8 * k)) & 0xff);
        add({bytes, 8});
    }
    std::uint64_t finish() const noexcept {
        std::uint64_t h = state_ ^ (pending_ * 0x9e3779b97f4a7c15ull) ^ (length_ * 0xff51afd7ed558ccdull);
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return h;
    }

private:
    void take_byte(unsigned char b) noexcept {
        pending_ |= static_cast<std::uint64_t>(b) << (8 * pending_bytes_);
        if (++pending_bytes_ == 8) {
            mix(pending_);
            pending_ = 0;
            pending_bytes_ = 0;
        }
    }
    void mix(std::uint64_t word) noexcept {
        word *= 0x87c37b91114253d5ull;
        word = std::rotl(word, 31);
        word *= 0x4cf5ad432745937full;
        state_ ^= word;
        state_ = std::rotl(state_, 27) * 5 + 0x52dce729;
    }

    std::uint64_t state_ = 0x6a09e667f3bcc909ull;
    std::uint64_t pending_ = 0;
    std::uint64_t length_ = 0;
    unsigned pending_bytes_ = 0;
};

// The start of `text`, at most `max` bytes, not cutting a UTF-8 sequence in two.
inline std::string_view utf8_prefix(std::string_view text, std::size_t max) noexcept {
    if (text.size() <= max) return text;
    std::size_t cut = max;
    for (int back = 0; back < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++back) --cut;
    return text.substr(0, cut);
}

}  // namespace detail

namespace dedup {

// The identity of dedup::time_window: level, category and the message as it is.
struct exact_identity {
    static constexpr bool generalizes = false;
    std::uint64_t key(const record& r) noexcept {
        detail::identity_hash h;
        h.add_number(static_cast<std::uint64_t>(r.severity));
        h.add_number(r.category.size());
        h.add(r.category);
        h.add(r.message);
        return h.finish();
    }
    // The text a summary shows as the message's signature: none.
    std::string_view signature() const noexcept { return {}; }
};

// The engine of time_window and signature; Identity decides what "the same" means.
template <class Identity, std::uint32_t WindowSeconds, std::size_t MaxIdentities>
class basic_window {
    static_assert(WindowSeconds > 0, "inkwell: a dedup window of 0 seconds would suppress nothing");
    static_assert(MaxIdentities > 0 && MaxIdentities < (1u << 30), "inkwell: MaxIdentities out of range");

public:
    static constexpr std::chrono::seconds window{WindowSeconds};
    static constexpr std::size_t max_identities = MaxIdentities;
    // How much of a message an identity keeps for its summary.
    static constexpr std::size_t max_kept_message_bytes = 1024;

    basic_window() = default;
    basic_window(const basic_window&) = delete;
    basic_window& operator=(const basic_window&) = delete;

    template <class Forward>
    void process(const record& r, Forward&& forward) {
        if (INKWELL_UNLIKELY(slots_.empty())) slots_.assign(slot_count, 0);
        expire(r.time, forward);
        const std::uint64_t key = identity_.key(r);
        std::uint32_t at = find(key, r.severity);
        if (at != none) {
            if (!closed(entries_[at], r.time)) {
                suppress(at, r);
                return;
            }
            retire(at, forward);  // out of order in the cache (the clock went back): closed now
        }
        // A run of repeats of the record written last ends here: its summary
        // goes before the new record.
        if (run_ != none && !run_broken_ && entries_[run_].repeats != 0) summarize(run_, forward);
        if (count_ == MaxIdentities) retire(oldest_, forward);
        at = insert(key, r);
        forward(r);
        note_written(r.time);
        run_ = at;
        run_broken_ = false;
    }

    // Closes the windows that `now` is past, writing their summaries. The
    // logger calls it after each round of records; process() calls it too.
    // Windows are closed in the order they opened.
    template <class Forward>
    void expire(time_point now, Forward&& forward) {
        while (oldest_ != none && closed(entries_[oldest_], now)) retire(oldest_, forward);
    }

    // Writes every pending summary (log.flush(), shutdown). The windows stay
    // open: later repeats are counted towards a new summary.
    template <class Forward>
    void flush(Forward&& forward) {
        for (std::uint32_t at = oldest_; at != none; at = entries_[at].newer)
            if (entries_[at].repeats != 0) summarize(at, forward);
    }

    // Records suppressed so far. Safe to read from any thread.
    std::uint64_t deduplicated() const noexcept { return deduplicated_.load(std::memory_order_relaxed); }
    // Summary records written so far. Safe to read from any thread.
    std::uint64_t summaries() const noexcept { return summaries_.load(std::memory_order_relaxed); }
    // Identities in the cache now (writer thread only, or with the logger's exclusive()).
    std::size_t identities() const noexcept { return count_; }

private:
    static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);
    // Open addressing at most half full: short probes.
    static constexpr std::size_t slot_count = std::bit_ceil(2 * MaxIdentities);
    static constexpr std::size_t slot_mask = slot_count - 1;

    struct entry {
        std::uint64_t key = 0;
        level severity = level::info;
        std::uint32_t thread_id = 0;
        source_location where{};
        time_point written_at{}, first_repeat{}, last_repeat{};
        std::uint64_t repeats = 0;
        std::size_t message_size = 0;  // of the whole message; `message` may keep only its start
        bool varied = false;
        std::string message, category, logger_name, session_id, signature;
        std::uint32_t older = none, newer = none;  // the list in the order the windows opened
    };

    // Past the window, or the clock went back more than a window since.
    static bool closed(const entry& e, time_point now) noexcept {
        return now - e.written_at >= window || e.written_at - now > window;
    }

    void suppress(std::uint32_t at, const record& r) {
        entry& e = entries_[at];
        if (e.repeats == 0 || r.time < e.first_repeat) e.first_repeat = r.time;
        if (e.repeats == 0 || r.time > e.last_repeat) e.last_repeat = r.time;
        ++e.repeats;
        if constexpr (Identity::generalizes) {
            if (!e.varied && !same_message(e, r.message)) e.varied = true;
        }
        if (at != run_) run_broken_ = true;
        deduplicated_.store(deduplicated_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    static bool same_message(const entry& e, std::string_view message) noexcept {
        return message.size() == e.message_size && message.substr(0, e.message.size()) == e.message;
    }

    template <class Forward>
    void summarize(std::uint32_t at, Forward& forward) {
        entry& e = entries_[at];
        detail::line_buffer text, first, last;
        detail::append(text, e.message);
        if (e.message.size() < e.message_size) detail::append(text, "\xE2\x80\xA6");  // …: cut for the cache
        detail::append(text, e.varied ? " (similar messages repeated " : " (repeated ");
        if (e.repeats == 1) {
            detail::append(text, "once)");
        } else {
            char digits[24];
            char* end = digits + sizeof digits;
            char* p = end;
            for (std::uint64_t n = e.repeats; n != 0; n /= 10) *--p = static_cast<char>('0' + n % 10);
            detail::append(text, {p, static_cast<std::size_t>(end - p)});
            detail::append(text, " times)");
        }
        detail::append_iso8601_utc_ms(first, e.first_repeat);
        detail::append_iso8601_utc_ms(last, e.last_repeat);

        field fields[4];
        fields[0].key = "repeated";
        fields[0].value.type = field_value::kind::unsigned_integer;
        fields[0].value.number.unsigned_integer = e.repeats;
        fields[1].key = "firstRepeat";
        fields[1].value.type = field_value::kind::string;
        fields[1].value.text = detail::view(first);
        fields[2].key = "lastRepeat";
        fields[2].value.type = field_value::kind::string;
        fields[2].value.text = detail::view(last);
        std::size_t field_count = 3;
        if (!e.signature.empty()) {
            fields[3].key = "signature";
            fields[3].value.type = field_value::kind::string;
            fields[3].value.text = e.signature;
            field_count = 4;
        }

        record summary;
        summary.severity = e.severity;
        summary.time = e.last_repeat > latest_written_ ? e.last_repeat : latest_written_;
        summary.message = detail::view(text);
        summary.category = e.category;
        summary.logger_name = e.logger_name;
        summary.session_id = e.session_id;
        summary.where = e.where;
        summary.thread_id = e.thread_id;
        summary.fields = std::span<const field>(fields, field_count);

        e.repeats = 0;
        e.varied = false;
        summaries_.store(summaries_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        note_written(summary.time);
        forward(static_cast<const record&>(summary));
    }

    void note_written(time_point t) noexcept {
        if (t > latest_written_) latest_written_ = t;
    }

    // Summary if repeats are pending, then out of the cache.
    template <class Forward>
    void retire(std::uint32_t at, Forward& forward) {
        if (entries_[at].repeats != 0) summarize(at, forward);
        erase(at);
    }

    std::uint32_t find(std::uint64_t key, level severity) const noexcept {
        for (std::size_t slot = key & slot_mask; slots_[slot] != 0; slot = (slot + 1) & slot_mask) {
            const entry& e = entries_[slots_[slot] - 1];
            if (e.key == key && e.severity == severity) return slots_[slot] - 1;
        }
        return none;
    }

    std::uint32_t insert(std::uint64_t key, const record& r) {
        std::uint32_t at;
        if (free_ != none) {
            at = free_;
            free_ = entries_[at].newer;
        } else {
            at = static_cast<std::uint32_t>(entries_.size());
            entries_.emplace_back();
        }
        entry& e = entries_[at];
        e.key = key;
        e.severity = r.severity;
        e.thread_id = r.thread_id;
        e.where = r.where;
        e.written_at = r.time;
        e.repeats = 0;
        e.varied = false;
        e.message_size = r.message.size();
        // assign() reuses the strings' storage of an earlier identity: no allocation once warm.
        e.message.assign(detail::utf8_prefix(r.message, max_kept_message_bytes));
        e.category.assign(r.category);
        e.logger_name.assign(r.logger_name);
        e.session_id.assign(r.session_id);
        e.signature.assign(identity_.signature());
        e.older = newest_;
        e.newer = none;
        if (newest_ != none)
            entries_[newest_].newer = at;
        else
            oldest_ = at;
        newest_ = at;

        std::size_t slot = key & slot_mask;
        while (slots_[slot] != 0) slot = (slot + 1) & slot_mask;
        slots_[slot] = at + 1;
        ++count_;
        return at;
    }

    void erase(std::uint32_t at) noexcept {
        entry& e = entries_[at];
        // Out of the hash table, moving later members of its cluster back
        // (backward-shift deletion: no tombstones, probes stay short).
        std::size_t hole = e.key & slot_mask;
        while (slots_[hole] != at + 1) hole = (hole + 1) & slot_mask;
        slots_[hole] = 0;
        for (std::size_t next = (hole + 1) & slot_mask; slots_[next] != 0; next = (next + 1) & slot_mask) {
            const std::size_t home = entries_[slots_[next] - 1].key & slot_mask;
            // Move it into the hole unless its home lies cyclically in (hole, next].
            const bool stays = hole < next ? (home > hole && home <= next) : (home > hole || home <= next);
            if (stays) continue;
            slots_[hole] = slots_[next];
            slots_[next] = 0;
            hole = next;
        }
        // Out of the list in window order.
        if (e.older != none)
            entries_[e.older].newer = e.newer;
        else
            oldest_ = e.newer;
        if (e.newer != none)
            entries_[e.newer].older = e.older;
        else
            newest_ = e.older;
        if (run_ == at) run_ = none;
        e.newer = free_;
        e.older = none;
        free_ = at;
        --count_;
    }

    [[no_unique_address]] Identity identity_;
    std::vector<entry> entries_;
    std::vector<std::uint32_t> slots_;  // entry index + 1; 0 is empty
    std::uint32_t oldest_ = none, newest_ = none, free_ = none;
    std::size_t count_ = 0;
    std::uint32_t run_ = none;  // the identity written last, while only its repeats followed
    bool run_broken_ = false;
    time_point latest_written_{};
    std::atomic<std::uint64_t> deduplicated_{0};
    std::atomic<std::uint64_t> summaries_{0};
};

// Level, category and message must match exactly. See the top of this file.
template <std::uint32_t WindowSeconds = 30, std::size_t MaxIdentities = 1024>
class time_window : public basic_window<exact_identity, WindowSeconds, MaxIdentities> {};

}  // namespace dedup
INKWELL_END_NAMESPACE
