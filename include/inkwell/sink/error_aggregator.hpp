#pragma once
// Error aggregation (platform-structured-logging.md's error-aggregation.ts):
// errors that differ only in their ids, numbers, addresses and times are
// one *signature*; per signature the aggregator keeps a count, the first and
// last time seen, and one sample, in bounded memory, for an "error
// aggregates" view or endpoint.
//
//   inkwell::error_aggregator            the aggregator itself: add(record)
//   inkwell::sink::error_aggregator      the same as a sink, for a tee:
//
//   struct config : inkwell::presets::session_file_config {
//       using sink = inkwell::sink::tee<inkwell::sink::session_file, inkwell::sink::error_aggregator>;
//   };
//   auto* errors = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::error_aggregator>(s); });
//   for (const auto& a : errors->snapshot({.min_count = 10})) ...   // most frequent first
//   std::string json = errors->to_json();                           // the whole set as a JSON array
//
// The signature of a record is FNV-1a (64 bits, printed as 16 lower-case hex
// digits) over
//     generalized message  '\0'  errorType  '\0'  source
// where the generalized message is detail::generalized(message) (numbers,
// UUIDs, hex ids, e-mails, URLs, IPs, timestamps become <num>, <uuid>, ...),
// errorType is the record's string field "errorType" (inkwell::find_field:
// the call site's, else the context's; empty when absent; the helpers of
// <inkwell/helpers.hpp> set it), and source is
// "<file name>:<function>" of the call site, or the record's category when
// it has no call site (records made by the helpers, captured streams). The
// line number is not part of it: an edit above the call does not split a
// signature. The level is not part of it either; an aggregate remembers the
// most severe level it saw. A dedup summary ("<A> (repeated N times)", field
// `repeated`) counts N more records of A's signature.
//
// Which records count: those at or above a minimum level (default error;
// warn for a view of warnings too). The rest are ignored (stats().ignored).
//
// Memory is bounded: at most max_signatures signatures (default 1,000).
// When a new signature arrives and the set is full, the signature seen least
// recently (by arrival, not by record time) is evicted; stats() counts the
// evicted signatures and the records they held, so that
//     stats().counted == sum of counts held + stats().evicted_records.
// Each aggregate keeps at most max_pattern_bytes of its generalized message
// and a sample of about max_sample_bytes (a JSON object; long texts cut,
// fields past the cap left out, "truncated":true then).
//
// Thread-safe: add() (the logger's writer thread, or any thread) and the
// queries (any thread) take one mutex; the message is generalized and hashed
// before it is taken. Two different errors whose 64-bit signatures collide
// count as one (for 1,000 signatures, odds of about 1 in 3.7e13).
//
// Not part of <inkwell/inkwell.hpp>. With the single header, include
// <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

INKWELL_BEGIN_NAMESPACE

// What an aggregator keeps and counts.
struct error_aggregator_options {
    level min_level = level::error;        // records at or above it are counted
    std::size_t max_signatures = 1000;     // at most this many signatures held (at least 1)
    std::size_t max_sample_bytes = 4096;   // about the size of one sample's JSON
    std::size_t max_pattern_bytes = 1024;  // of a generalized message kept (the signature covers all of it)
};

// One signature and what was seen of it.
struct error_aggregate {
    std::uint64_t signature = 0;  // error_signature_text(signature): 16 hex digits
    std::string pattern;          // the generalized message ("user <num> not found"), at most max_pattern_bytes
    std::string error_type;       // field "errorType", or empty
    std::string source;           // "file.cpp:function", or the category
    std::string category;         // of the first record
    level highest_level = level::error;  // the most severe level counted
    std::uint64_t count = 0;
    time_point first_seen{}, last_seen{};  // earliest and latest record time
    // The first record as a JSON object, as its JSONL line has it:
    // {"level","message","category","timestamp","source" ("file:line", or ""),
    // "metadata":{...}, "context":{...} (when it has context)}, and
    // "truncated":true when something was cut.
    std::string sample;
};

// Which aggregates snapshot() and to_json() return; defaults: all.
struct error_aggregate_filter {
    enum class order : std::uint8_t { by_count, by_last_seen };
    std::uint64_t min_count = 1;
    std::string_view category{};            // exactly this category; empty: any
    time_point from = time_point::min();    // seen at or after from (last_seen >= from)
    time_point to = time_point::max();      // seen at or before to (first_seen <= to)
    std::size_t max_count = 0;              // the first max_count in `sort_by` order; 0: all
    order sort_by = order::by_count;        // most frequent first (ties: latest first), or latest first
};

struct error_aggregator_stats {
    std::size_t signatures = 0;           // held now
    std::uint64_t counted = 0;            // records counted since made / reset (dedup repeats included)
    std::uint64_t ignored = 0;            // records below min_level
    std::uint64_t evicted = 0;            // signatures evicted to stay within max_signatures
    std::uint64_t evicted_records = 0;    // the counts those signatures held
};

namespace detail {

// FNV-1a, 64 bits, fed piece by piece.
struct fnv1a64 {
    std::uint64_t state = 0xcbf29ce484222325ull;
    void add(std::string_view bytes) noexcept {
        for (const char c : bytes) {
            state ^= static_cast<unsigned char>(c);
            state *= 0x100000001b3ull;
        }
    }
    void add_zero() noexcept { state *= 0x100000001b3ull; }  // a 0 byte: x ^ 0 == x
};

// The record's call-site field `key` (not its context: a dedup summary's own fields).
inline const field_value* aggregator_find_field(const record& r, std::string_view key) noexcept {
    for (const field& f : r.fields)
        if (f.key == key) return &f.value;
    return nullptr;
}

// The record's field `key`, call site first, then context (context.hpp), as
// text when it is a string.
inline std::string_view aggregator_text_field(const record& r, std::string_view key) noexcept {
    const field_value* v = find_field(r, key);
    return v != nullptr && v->type == field_value::kind::string ? v->text : std::string_view{};
}

// A dedup summary (dedup/time_window.hpp): how many repeats it stands for
// and the message of the record repeated; 0 for any other record.
inline std::uint64_t dedup_repeats(const record& r, std::string_view& message) noexcept {
    const field_value* repeated = aggregator_find_field(r, "repeated");
    if (repeated == nullptr || repeated->type != field_value::kind::unsigned_integer ||
        aggregator_find_field(r, "lastRepeat") == nullptr)
        return 0;
    for (const std::string_view suffix : {std::string_view{" (similar messages repeated "}, std::string_view{" (repeated "}}) {
        const std::size_t at = r.message.rfind(suffix);
        if (at != std::string_view::npos) {
            message = r.message.substr(0, at);
            return repeated->number.unsigned_integer;
        }
    }
    return 0;
}

// The start of `text`, at most `max` bytes, not cutting a UTF-8 sequence.
inline std::string_view aggregator_prefix(std::string_view text, std::size_t max) noexcept {
    if (text.size() <= max) return text;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return text.substr(0, cut);
}

// The parts of a record's signature.
struct signature_parts {
    std::string_view message;     // the message (a dedup summary's: the repeated one)
    std::string_view error_type;
    std::string_view file, function, category;
    std::uint64_t repeats = 0;    // > 0: a dedup summary standing for this many records

    explicit signature_parts(const record& r) noexcept
        : message(r.message), error_type(aggregator_text_field(r, "errorType")), file(r.where.file_name()),
          function(r.where.function == nullptr ? std::string_view{} : std::string_view{r.where.function}),
          category(r.category) {
        repeats = dedup_repeats(r, message);
    }
    bool has_source() const noexcept { return !file.empty(); }

    std::uint64_t hash() const noexcept {
        fnv1a64 h;
        generalize(message, [&](std::string_view piece) { h.add(piece); });
        h.add_zero();
        h.add(error_type);
        h.add_zero();
        append_source([&](std::string_view piece) { h.add(piece); });
        return h.state;
    }
    template <class Out>
    void append_source(Out&& out) const {
        if (has_source()) {
            out(file);
            out(":");
            out(function);
        } else {
            out(category);
        }
    }
};

// A field's value in a sample: as format::jsonl writes it, a string cut to max_text.
inline void append_sample_value(line_buffer& out, const field_value& v, std::size_t max_text, bool& truncated) {
    if (v.type != field_value::kind::string) return append_json_field_value(out, v);
    const std::string_view kept = aggregator_prefix(v.text, max_text);
    truncated = truncated || kept.size() < v.text.size();
    append_json_quoted(out, kept);
}

// The sample of a record: a JSON object of about `cap` bytes at most.
inline std::string make_error_sample(const record& r, std::size_t cap) {
    const std::size_t max_message = cap / 2 > 64 ? cap / 2 : 64;
    const std::size_t max_text = cap / 8 > 32 ? cap / 8 : 32;
    bool truncated = false;
    line_buffer out;
    append(out, "{\"level\":");
    append_json_quoted(out, level_name(r.severity));
    append(out, ",\"message\":");
    const std::string_view message = aggregator_prefix(r.message, max_message);
    truncated = message.size() < r.message.size();
    append_json_quoted(out, message);
    append(out, ",\"category\":");
    append_json_quoted(out, aggregator_prefix(r.category, 256));
    append(out, ",\"timestamp\":\"");
    append_iso8601_utc_ms(out, r.time);
    append(out, "\",\"source\":\"");  // as the JSONL line: "file:line", or "" without a call site
    if (const std::string_view file = r.where.file_name(); !file.empty()) {
        append_json_string(out, aggregator_prefix(file, 512));
        out.push_back(':');
        append_integer(out, r.where.line);
    }
    out.push_back('"');
    // One "key":value member, unless the object has the key already or the
    // sample is full.
    auto member = [&](written_keys& keys, bool& first, std::string_view key_text, const field_value& value) {
        if (out.size() >= cap) {
            truncated = true;
            return;
        }
        const std::size_t entry_begin = out.size();
        if (!first) out.push_back(',');
        out.push_back('"');
        const std::size_t key_begin = out.size();
        const std::string_view key = aggregator_prefix(key_text, 128);
        truncated = truncated || key.size() < key_text.size();
        append_json_string(out, key);
        if (keys.written_before(out, key_begin)) {  // as the JSONL line: the first of a key stands
            out.resize(entry_begin);
            return;
        }
        append(out, "\":");
        append_sample_value(out, value, max_text, truncated);
        first = false;
    };
    append(out, ",\"metadata\":{");
    {
        written_keys keys;
        bool first = true;
        for (const field& f : r.fields) member(keys, first, f.key, f.value);
    }
    append(out, "}");
    if (r.context != nullptr || r.logger_context != nullptr) {  // as the JSONL line: "context":{...}
        append(out, ",\"context\":{");
        written_keys keys;
        bool first = true;
        for_each_context(r, [&](std::string_view key, const field_value& value) { member(keys, first, key, value); });
        append(out, "}");
    }
    if (truncated) append(out, ",\"truncated\":true");
    append(out, "}");
    return std::string(view(out));
}

}  // namespace detail

// "0123456789abcdef": a signature as text, as to_json() writes it.
inline std::string error_signature_text(std::uint64_t signature) {
    std::string text(16, '0');
    for (std::size_t i = 16; i-- > 0; signature >>= 4) text[i] = "0123456789abcdef"[signature & 0xF];
    return text;
}

// A record's signature (see the top of this file).
inline std::uint64_t error_signature(const record& r) noexcept { return detail::signature_parts(r).hash(); }

class error_aggregator {
public:
    explicit error_aggregator(error_aggregator_options options = {}) : options_(options) {
        if (options_.max_signatures == 0) options_.max_signatures = 1;
        if (options_.max_sample_bytes < 256) options_.max_sample_bytes = 256;
        if (options_.max_pattern_bytes < 64) options_.max_pattern_bytes = 64;
    }
    error_aggregator(const error_aggregator&) = delete;
    error_aggregator& operator=(const error_aggregator&) = delete;

    const error_aggregator_options& options() const noexcept { return options_; }

    // Counts `r` under its signature when its level is at least min_level.
    void add(const record& r) {
        if (r.severity < options_.min_level) {
            std::lock_guard lock(mutex_);
            ++stats_.ignored;
            return;
        }
        const detail::signature_parts parts(r);
        const std::uint64_t signature = parts.hash();
        const std::uint64_t count = parts.repeats != 0 ? parts.repeats : 1;
        {
            std::lock_guard lock(mutex_);
            if (touch(signature, r, count)) return;
        }
        // A new signature: its entry is made without the lock held.
        error_aggregate a;
        a.signature = signature;
        a.pattern = detail::aggregator_prefix(detail::generalized(parts.message), options_.max_pattern_bytes);
        a.error_type = detail::aggregator_prefix(parts.error_type, 256);
        parts.append_source([&](std::string_view piece) { a.source.append(piece); });
        a.source = std::string(detail::aggregator_prefix(a.source, 512));
        a.category = detail::aggregator_prefix(r.category, 256);
        a.highest_level = r.severity;
        a.count = count;
        a.first_seen = a.last_seen = r.time;
        a.sample = detail::make_error_sample(r, options_.max_sample_bytes);

        std::list<error_aggregate> evicted;  // freed after the lock is let go
        std::lock_guard lock(mutex_);
        if (touch(signature, r, count)) return;  // another thread made it meanwhile
        if (index_.size() >= options_.max_signatures) {
            auto oldest = std::prev(entries_.end());
            ++stats_.evicted;
            stats_.evicted_records += oldest->count;
            index_.erase(oldest->signature);
            evicted.splice(evicted.begin(), entries_, oldest);
        }
        entries_.push_front(std::move(a));
        index_.emplace(signature, entries_.begin());
        stats_.counted += count;
    }

    // The aggregates that match `filter`, in its order.
    std::vector<error_aggregate> snapshot(const error_aggregate_filter& filter = {}) const {
        std::vector<const error_aggregate*> matching;
        std::vector<error_aggregate> out;
        std::lock_guard lock(mutex_);
        matching.reserve(entries_.size());
        for (const error_aggregate& a : entries_)
            if (matches(a, filter)) matching.push_back(&a);
        const bool by_count = filter.sort_by == error_aggregate_filter::order::by_count;
        std::sort(matching.begin(), matching.end(), [by_count](const error_aggregate* x, const error_aggregate* y) {
            if (by_count && x->count != y->count) return x->count > y->count;
            if (x->last_seen != y->last_seen) return x->last_seen > y->last_seen;
            if (!by_count && x->count != y->count) return x->count > y->count;
            return x->signature < y->signature;  // a stable order whatever the insertion order
        });
        if (filter.max_count != 0 && matching.size() > filter.max_count) matching.resize(filter.max_count);
        out.reserve(matching.size());
        for (const error_aggregate* a : matching) out.push_back(*a);
        return out;
    }

    // The aggregates of snapshot(filter) as one JSON array:
    //   [{"signature":"…16 hex…","count":12,"firstSeen":"2024-…Z","lastSeen":"…",
    //     "level":"error","pattern":"…","errorType":"…","source":"…","category":"…",
    //     "sample":{…}}, …]
    std::string to_json(const error_aggregate_filter& filter = {}) const {
        const std::vector<error_aggregate> all = snapshot(filter);
        detail::line_buffer out;
        out.push_back('[');
        bool first = true;
        for (const error_aggregate& a : all) {
            if (!first) out.push_back(',');
            first = false;
            detail::append(out, "{\"signature\":\"");
            detail::append(out, error_signature_text(a.signature));
            detail::append(out, "\",\"count\":");
            detail::append_integer(out, a.count);
            detail::append(out, ",\"firstSeen\":\"");
            detail::append_iso8601_utc_ms(out, a.first_seen);
            detail::append(out, "\",\"lastSeen\":\"");
            detail::append_iso8601_utc_ms(out, a.last_seen);
            detail::append(out, "\",\"level\":");
            detail::append_json_quoted(out, level_name(a.highest_level));
            detail::append(out, ",\"pattern\":");
            detail::append_json_quoted(out, a.pattern);
            detail::append(out, ",\"errorType\":");
            detail::append_json_quoted(out, a.error_type);
            detail::append(out, ",\"source\":");
            detail::append_json_quoted(out, a.source);
            detail::append(out, ",\"category\":");
            detail::append_json_quoted(out, a.category);
            detail::append(out, ",\"sample\":");
            detail::append(out, a.sample);  // a JSON object, escaped as it was made
            out.push_back('}');
        }
        out.push_back(']');
        return std::string(detail::view(out));
    }

    // Forgets every aggregate and zeroes the statistics.
    void reset() {
        std::list<error_aggregate> gone;
        std::lock_guard lock(mutex_);
        gone.swap(entries_);
        index_.clear();
        stats_ = {};
    }

    error_aggregator_stats stats() const {
        std::lock_guard lock(mutex_);
        error_aggregator_stats s = stats_;
        s.signatures = index_.size();
        return s;
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return index_.size();
    }

private:
    // Counts `r` under an existing signature (mutex held); false when new.
    bool touch(std::uint64_t signature, const record& r, std::uint64_t count) {
        const auto it = index_.find(signature);
        if (it == index_.end()) return false;
        error_aggregate& a = *it->second;
        a.count += count;
        if (r.time < a.first_seen) a.first_seen = r.time;
        if (r.time > a.last_seen) a.last_seen = r.time;
        if (r.severity > a.highest_level) a.highest_level = r.severity;
        if (it->second != entries_.begin()) entries_.splice(entries_.begin(), entries_, it->second);
        stats_.counted += count;
        return true;
    }

    static bool matches(const error_aggregate& a, const error_aggregate_filter& f) noexcept {
        return a.count >= f.min_count && (f.category.empty() || a.category == f.category) && a.last_seen >= f.from &&
               a.first_seen <= f.to;
    }

    error_aggregator_options options_;
    mutable std::mutex mutex_;
    std::list<error_aggregate> entries_;  // most recently seen first
    std::unordered_map<std::uint64_t, std::list<error_aggregate>::iterator> index_;
    error_aggregator_stats stats_{};
};

namespace sink {

// The aggregator as a sink (it ignores the formatted line). Settings
// (logger_options::settings):
//   "error_aggregator.min_level"       a level name or number ("warn"); default error
//   "error_aggregator.max_signatures"  a number >= 1; default 1000
// A setting that does not parse is reported (error_kind::format: there is no
// kind for settings yet) and the default kept.
class error_aggregator : public inkwell::error_aggregator {
public:
    explicit error_aggregator(error_aggregator_options options = {}) : inkwell::error_aggregator(options) {}
    explicit error_aggregator(const sink_context& context) : inkwell::error_aggregator(options_from(context)) {}

    void write(const record& r, std::string_view) { add(r); }
    void flush() noexcept {}

private:
    static error_aggregator_options options_from(const sink_context& context) {
        error_aggregator_options o;
        if (const std::string_view text = context.setting("error_aggregator.min_level"); !text.empty()) {
            if (const auto parsed = parse_level(text))
                o.min_level = *parsed;
            else
                complain(context, "error_aggregator.min_level is not a level; error is used");
        }
        if (const std::string_view text = context.setting("error_aggregator.max_signatures"); !text.empty()) {
            std::size_t n = 0;
            const auto result = std::from_chars(text.data(), text.data() + text.size(), n);
            if (result.ec == std::errc{} && result.ptr == text.data() + text.size() && n > 0)
                o.max_signatures = n;
            else
                complain(context, "error_aggregator.max_signatures is not a positive number; 1000 is used");
        }
        return o;
    }
    static void complain(const sink_context& context, std::string_view what) {
        if (context.errors != nullptr) context.errors->report({error_kind::format, 0, {}, what});
    }
};

}  // namespace sink
INKWELL_END_NAMESPACE
