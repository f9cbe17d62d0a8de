#pragma once
// sink::recent<N, MaxMessageBytes>: the last N records in memory, each an
// owned copy with its formatted line, for a crash report or a debug page
// (session-logging-service.md's LogRingBuffer). Thread-safe: the logger's
// writer adds records while any thread takes a snapshot() or a query().
//
//   auto* ring = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<>>(s); });
//   for (const auto& e : ring->query({.min_level = inkwell::level::warn, .max_count = 20})) ...
//
// Memory is bounded: N entries, each with a message of at most
// MaxMessageBytes (a longer one is cut at a character boundary and ends in
// "... [truncated N bytes]"), string fields cut likewise, and a line of at
// most 2 * MaxMessageBytes (cut the same way, so a cut JSON line is no longer
// valid JSON). A cut entry says so: `truncated`.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/find_sink.hpp"
#include "../level.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

// Which entries query() returns. Every criterion left at its default matches
// all; the views need to live only for the call.
struct recent_filter {
    level min_level = level::trace;           // this level and above
    std::string_view category{};              // exactly this category; empty: any
    std::string_view text{};                  // the message contains this; empty: any
    time_point from = time_point::min();      // record time >= from
    time_point to = time_point::max();        // record time <= to
    std::size_t max_count = 0;                // the newest max_count that match; 0: all
};

// One record kept by the ring. A class template only so that a file which
// never uses it pays nothing to compile it.
template <class Unused = void>
struct basic_recent_entry {
    basic_owned_record<Unused> record;  // record.view() gives the inkwell::record
    std::string line;                   // the formatted line, with its '\n'
    std::uint64_t sequence = 0;         // 0 for the first record the ring saw, then 1, 2, ...
    bool truncated = false;             // the message, a field or the line was cut
};
using recent_entry = basic_recent_entry<>;

namespace recent_detail {

// The longest prefix of `text` of at most `cap` bytes that ends on a
// character boundary (never inside a UTF-8 sequence).
inline std::size_t character_cut(std::string_view text, std::size_t cap) noexcept {
    if (text.size() <= cap) return text.size();
    std::size_t cut = cap;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return cut;
}

// `text` cut to at most `cap` bytes plus the marker, the way the logger cuts
// an over-long message.
inline std::string cut_with_marker(std::string_view text, std::size_t cap, bool ends_line) {
    std::string_view body = ends_line ? text.substr(0, text.size() - 1) : text;
    const std::size_t keep = character_cut(body, cap);
    std::string out;
    out.reserve(keep + 40);
    out.append(body.substr(0, keep));
    out.append("... [truncated ").append(std::to_string(body.size() - keep)).append(" bytes]");
    if (ends_line) out.push_back('\n');
    return out;
}

}  // namespace recent_detail

template <std::size_t N = 1000, std::size_t MaxMessageBytes = 4096>
class recent {
    static_assert(N > 0, "inkwell: sink::recent needs room for at least one record");
    static_assert(MaxMessageBytes >= 64, "inkwell: sink::recent's MaxMessageBytes must be at least 64");

public:
    using entry = recent_entry;
    static constexpr std::size_t capacity = N;
    static constexpr std::size_t max_message_bytes = MaxMessageBytes;
    static constexpr std::size_t max_line_bytes = 2 * MaxMessageBytes;

    recent() = default;
    explicit recent(const sink_context&) noexcept {}
    recent(const recent&) = delete;
    recent& operator=(const recent&) = delete;

    void write(const record& r, std::string_view line) {
        entry e = make_entry(r, line);
        std::lock_guard lock(mutex_);
        e.sequence = written_++;
        if (slots_.size() < N) {
            if (slots_.empty()) slots_.reserve(N);  // one allocation, not log2(N) regrowths
            slots_.push_back(std::move(e));
        } else {
            slots_[oldest_] = std::move(e);
            oldest_ = (oldest_ + 1) % N;
        }
    }
    void flush() noexcept {}

    // Every entry held, oldest first.
    std::vector<entry> snapshot() const { return query(recent_filter{}); }

    // The entries that match `filter`, oldest first (of at most the newest
    // filter.max_count matches).
    std::vector<entry> query(const recent_filter& filter) const {
        std::vector<entry> out;
        std::lock_guard lock(mutex_);
        const std::size_t held = slots_.size();
        const std::size_t limit = filter.max_count == 0 ? held : filter.max_count;
        // Newest first, so max_count keeps the newest; reversed at the end.
        for (std::size_t back = 0; back < held && out.size() < limit; ++back) {
            const entry& e = slots_[(oldest_ + held - 1 - back) % held];
            if (matches(e.record.view(), filter)) out.push_back(e);
        }
        for (std::size_t i = 0, j = out.size(); i + 1 < j; ++i, --j) std::swap(out[i], out[j - 1]);
        return out;
    }

    // Entries held now (at most N).
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return slots_.size();
    }
    // Records written to the ring since it was made (held or pushed out).
    std::uint64_t total() const {
        std::lock_guard lock(mutex_);
        return written_;
    }
    // Forgets every entry (sequence numbers go on counting).
    void clear() {
        std::vector<entry> gone;
        {
            std::lock_guard lock(mutex_);
            gone.swap(slots_);
            oldest_ = 0;
        }
    }

private:
    static bool matches(const record& r, const recent_filter& f) noexcept {
        return r.severity >= f.min_level && (f.category.empty() || r.category == f.category) &&
               r.time >= f.from && r.time <= f.to &&
               (f.text.empty() || r.message.find(f.text) != std::string_view::npos);
    }

    // The copy, made before the lock is taken: the writer holds the lock only
    // to move it in.
    static entry make_entry(const record& r, std::string_view line) {
        entry e;
        bool field_too_long = false;
        for (const auto& f : r.fields)
            if (f.value.type == field_value::kind::string && f.value.text.size() > MaxMessageBytes) field_too_long = true;

        if (r.message.size() <= MaxMessageBytes && !field_too_long) {
            e.record = basic_owned_record<>(r);
        } else {
            record cut = r;
            std::string message;
            if (r.message.size() > MaxMessageBytes) {
                message = recent_detail::cut_with_marker(r.message, MaxMessageBytes, false);
                cut.message = message;
            }
            std::vector<field> fields(r.fields.begin(), r.fields.end());
            for (auto& f : fields)
                if (f.value.type == field_value::kind::string)
                    f.value.text = f.value.text.substr(0, recent_detail::character_cut(f.value.text, MaxMessageBytes));
            cut.fields = fields;
            e.record = basic_owned_record<>(cut);  // copies the cut texts before they go
            e.truncated = true;
        }

        if (line.size() <= max_line_bytes) {
            e.line.assign(line);
        } else {
            const bool ends_line = !line.empty() && line.back() == '\n';
            e.line = recent_detail::cut_with_marker(line, max_line_bytes, ends_line);
            e.truncated = true;
        }
        return e;
    }

    mutable std::mutex mutex_;  // the writer adds while any thread reads
    std::vector<entry> slots_;  // grows to N, then the oldest is overwritten
    std::size_t oldest_ = 0;    // where the oldest entry is once slots_ is full
    std::uint64_t written_ = 0;
};

}  // namespace sink
INKWELL_END_NAMESPACE
