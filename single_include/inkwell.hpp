// inkwell 0.1.0 -- single-header edition.
//
// GENERATED FILE, DO NOT EDIT: tools/amalgamate.py writes it from
// include/inkwell/inkwell.hpp and the headers that includes. To regenerate:
//     python3 tools/amalgamate.py
// (`python3 tools/amalgamate.py --check` tells whether this file is stale.)
//
// Use: copy this file into your project, #include "inkwell.hpp", compile
// with -std=c++20 and link {fmt} (-lfmt) and threads (-pthread).
#pragma once

// ---- begin inkwell/inkwell.hpp ----
// inkwell — the umbrella header: everything in the core. The generated
// single_include/inkwell.hpp is this header with every include inlined.
// Optional pieces that link other libraries (database sinks) are not here.

// ---- begin inkwell/version.hpp ----
// The library version and the inline namespace that carries it, so that two
// inkwell versions linked into one program never share a symbol by accident.

#define INKWELL_VERSION_MAJOR 0
#define INKWELL_VERSION_MINOR 1
#define INKWELL_VERSION_PATCH 0
#define INKWELL_VERSION_STRING "0.1.0"

#define INKWELL_BEGIN_NAMESPACE \
    namespace inkwell {         \
    inline namespace v0 {
#define INKWELL_END_NAMESPACE \
    }                         \
    }

INKWELL_BEGIN_NAMESPACE
inline constexpr const char* version_string = INKWELL_VERSION_STRING;
INKWELL_END_NAMESPACE
// ---- end inkwell/version.hpp ----
// ---- begin inkwell/fwd.hpp ----
// Forward declarations: name inkwell's types in a header without paying for
// their definitions. Include the preset or policy headers in the .cpp that logs.

#include <cstddef>
#include <cstdint>


INKWELL_BEGIN_NAMESPACE

enum class level : std::uint8_t;
struct record;
struct call_site;
struct sink_context;
struct logger_options;
struct default_config;
class error_reporter;
template <class Config>
class basic_logger;

namespace clock {
struct system;
template <class Tag>
class basic_manual;
using manual = basic_manual<void>;
}  // namespace clock

namespace presets {
struct jsonl_per_category_config;
struct session_file_config;
struct rotating_text_config;
struct rotating_text_async_config;
using jsonl_per_category = basic_logger<jsonl_per_category_config>;
using session_file = basic_logger<session_file_config>;
using rotating_text = basic_logger<rotating_text_config>;
using rotating_text_async = basic_logger<rotating_text_async_config>;
}  // namespace presets

INKWELL_END_NAMESPACE
// ---- end inkwell/fwd.hpp ----
// ---- begin inkwell/level.hpp ----
// Levels: the seven built-in ones and room for user-defined levels in between.
// A level is a number; a higher number is more severe.

#include <array>
#include <atomic>
#include <optional>
#include <string_view>


INKWELL_BEGIN_NAMESPACE

enum class level : std::uint8_t {
    trace = 10,
    debug = 20,
    info = 30,
    perf = 35,  // execution timing, as rotating-text-logs.md's PERFORMANCE level
    warn = 40,
    error = 50,
    critical = 60,
    off = 255,
};

constexpr auto to_underlying(level l) noexcept { return static_cast<std::uint8_t>(l); }
constexpr bool operator<(level a, level b) noexcept { return to_underlying(a) < to_underlying(b); }
constexpr bool operator<=(level a, level b) noexcept { return to_underlying(a) <= to_underlying(b); }
constexpr bool operator>(level a, level b) noexcept { return to_underlying(a) > to_underlying(b); }
constexpr bool operator>=(level a, level b) noexcept { return to_underlying(a) >= to_underlying(b); }

namespace detail {
// Names of user-defined levels, indexed by the level's number. Written rarely
// (at start-up), read by formatters; each slot is an atomic pointer so a
// definition racing with a read never tears.
struct level_name_table {
    std::array<std::atomic<const char*>, 256> upper{};
    std::array<std::atomic<const char*>, 256> lower{};
};
inline level_name_table& custom_level_names() noexcept {
    static level_name_table table;
    return table;
}
}  // namespace detail

// Define a user level: `constexpr auto notice = inkwell::level{33};` then
// `inkwell::define_level(notice, "notice", "NOTICE");` once at start-up.
// The strings must outlive every logger (string literals do).
inline void define_level(level l, const char* lower_name, const char* upper_name) noexcept {
    auto& t = detail::custom_level_names();
    t.lower[to_underlying(l)].store(lower_name, std::memory_order_release);
    t.upper[to_underlying(l)].store(upper_name, std::memory_order_release);
}

// Lower-case name, as in JSON: "info", "perf", "warn".
constexpr std::string_view level_name(level l) noexcept {
    switch (l) {
        case level::trace: return "trace";
        case level::debug: return "debug";
        case level::info: return "info";
        case level::perf: return "perf";
        case level::warn: return "warn";
        case level::error: return "error";
        case level::critical: return "critical";
        case level::off: return "off";
    }
    if (std::is_constant_evaluated()) return "level";
    const char* custom = detail::custom_level_names().lower[to_underlying(l)].load(std::memory_order_acquire);
    return custom ? std::string_view{custom} : std::string_view{"level"};
}

// Upper-case name, as in text logs: "[INFO]", "[PERF]", "[WARNING]".
constexpr std::string_view level_label(level l) noexcept {
    switch (l) {
        case level::trace: return "TRACE";
        case level::debug: return "DEBUG";
        case level::info: return "INFO";
        case level::perf: return "PERF";
        case level::warn: return "WARNING";
        case level::error: return "ERROR";
        case level::critical: return "CRITICAL";
        case level::off: return "OFF";
    }
    if (std::is_constant_evaluated()) return "LEVEL";
    const char* custom = detail::custom_level_names().upper[to_underlying(l)].load(std::memory_order_acquire);
    return custom ? std::string_view{custom} : std::string_view{"LEVEL"};
}

// Parses "debug", "DEBUG", "warning", "err", or a number 0-255.
constexpr std::optional<level> parse_level(std::string_view text) noexcept {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    auto equals = [&](std::string_view word) {
        if (word.size() != text.size()) return false;
        for (std::size_t i = 0; i < word.size(); ++i)
            if (lower(text[i]) != word[i]) return false;
        return true;
    };
    struct alias { std::string_view word; level value; };
    constexpr alias aliases[] = {
        {"trace", level::trace},     {"debug", level::debug}, {"info", level::info},
        {"perf", level::perf},       {"performance", level::perf}, {"warn", level::warn},
        {"warning", level::warn},    {"error", level::error}, {"err", level::error},
        {"critical", level::critical}, {"fatal", level::critical}, {"off", level::off},
    };
    for (const auto& a : aliases)
        if (equals(a.word)) return a.value;
    if (text.empty() || text.size() > 3) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) return std::nullopt;
    return static_cast<level>(value);
}

INKWELL_END_NAMESPACE
// ---- end inkwell/level.hpp ----
// ---- begin inkwell/record.hpp ----
// The vocabulary every policy speaks: where a call came from, its structured
// fields, and the record that flows from the call site to the sink.

// ---- begin inkwell/detail/chrono.hpp ----
// std::chrono's clocks, durations and time points without the rest of
// C++20's <chrono> (calendars, time zones, formatting and parsing, which
// pull in <sstream> and cost every file that includes inkwell ~7 MB of
// compiler memory). libstdc++ keeps those basics in <bits/chrono.h>; every
// other library gets <chrono>. inkwell itself needs only the basics.

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
// ---- end inkwell/detail/chrono.hpp ----
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <vector>


INKWELL_BEGIN_NAMESPACE

using clock_type = std::chrono::system_clock;
using time_point = clock_type::time_point;

// File, line and function of a call site; filled by the macros from compiler
// builtins at compile time.
struct source_location {
    const char* file = "";
    const char* function = "";
    std::uint32_t line = 0;
    // Where the file name (without its folders) starts in `file`, and its
    // length: found at compile time for the macros' call sites (see
    // located_at), so that the writer does not look for it in every record.
    // A length of 0: not known, file_name() finds it. (Whoever changes the
    // `file` of a located source_location sets both back to 0.)
    std::uint16_t name_offset = 0;
    std::uint16_t name_size = 0;

    // `file`, `function` and `line`, the file name found once.
    static constexpr source_location located_at(const char* file, const char* function, std::uint32_t line) noexcept {
        const std::string_view f{file};
        const std::size_t slash = f.rfind('/');
        const std::size_t offset = slash == std::string_view::npos ? 0 : slash + 1;
        if (f.size() > 0xFFFF || offset == f.size()) return source_location{file, function, line};
        return source_location{file, function, line, static_cast<std::uint16_t>(offset),
                               static_cast<std::uint16_t>(f.size() - offset)};
    }

    // The file name without its folders, as JSON's "source" shows it.
    constexpr std::string_view file_name() const noexcept {
        if (name_size != 0) return {file + name_offset, name_size};
        std::string_view f{file};
#if defined(__GLIBC__)
        // At run time glibc's memrchr (vectorised): the byte loop of rfind
        // was 3 % of the instructions of a JSON line on the async writer.
        if (!std::is_constant_evaluated()) {
            const void* slash = ::memrchr(f.data(), '/', f.size());
            return slash ? f.substr(static_cast<std::size_t>(static_cast<const char*>(slash) - f.data()) + 1) : f;
        }
#endif
        auto slash = f.rfind('/');
        return slash == std::string_view::npos ? f : f.substr(slash + 1);
    }
};

// A structured value: what a key/value field at a call site carries.
struct field_value {
    enum class kind : std::uint8_t { null, boolean, signed_integer, unsigned_integer, floating, string };
    kind type = kind::null;
    union {
        bool boolean;
        std::int64_t signed_integer;
        std::uint64_t unsigned_integer;
        double floating;
    } number{};
    std::string_view text{};  // for kind::string
};

struct field {
    std::string_view key;
    field_value value;
};

// One scope's context fields (context.hpp): tenant, user, request, trace...
// Immutable once made, linked to the enclosing scope's frame, and shared by
// reference count between the scope and every record that still carries it
// (an async record outlives its scope). One allocation holds the frame, its
// fields and their text.
class context_frame {
public:
    std::span<const field> fields() const noexcept { return {fields_, count_}; }
    const context_frame* parent() const noexcept { return parent_; }

    void retain() const noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() const noexcept {
        const context_frame* f = this;
        // A loop, not recursion: a deep chain of scopes frees without a deep stack.
        while (f && f->refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            const context_frame* parent = f->parent_;
            f->~context_frame();
            ::operator delete(const_cast<context_frame*>(f));
            f = parent;
        }
    }

    // A frame holding copies of `fields` on top of `parent` (retained; may be
    // null), with one reference for the caller; null when memory is short.
    static const context_frame* make(std::span<const field> fields, const context_frame* parent) noexcept {
        constexpr std::size_t head = (sizeof(context_frame) + alignof(field) - 1) / alignof(field) * alignof(field);
        std::size_t bytes = head + fields.size() * sizeof(field);
        for (const field& f : fields)
            bytes += f.key.size() + (f.value.type == field_value::kind::string ? f.value.text.size() : 0);
        void* memory = ::operator new(bytes, std::nothrow);
        if (!memory) return nullptr;
        auto* frame = new (memory) context_frame();
        frame->fields_ = reinterpret_cast<field*>(static_cast<char*>(memory) + head);
        frame->count_ = static_cast<std::uint32_t>(fields.size());
        char* text = reinterpret_cast<char*>(frame->fields_ + fields.size());
        auto copy = [&](std::string_view from) {
            if (!from.empty()) std::memcpy(text, from.data(), from.size());
            std::string_view to{text, from.size()};
            text += from.size();
            return to;
        };
        for (std::size_t i = 0; i < fields.size(); ++i) {
            field* f = new (frame->fields_ + i) field(fields[i]);
            f->key = copy(fields[i].key);
            if (f->value.type == field_value::kind::string) f->value.text = copy(fields[i].value.text);
        }
        if (parent) parent->retain();
        frame->parent_ = parent;
        return frame;
    }

private:
    context_frame() = default;
    ~context_frame() = default;

    mutable std::atomic<std::uint32_t> refs_{1};
    std::uint32_t count_ = 0;
    const context_frame* parent_ = nullptr;
    field* fields_ = nullptr;
};

namespace detail {
// The innermost scoped_context of this thread (context.hpp), or null: what a
// call site attaches to its record. Constant-initialized, so reading it is a
// plain thread-local load.
inline thread_local const context_frame* thread_context = nullptr;
}  // namespace detail

// What the call-site macros know at compile time about one statement.
struct call_site {
    level severity;
    std::string_view format;     // the literal format string
    source_location where;
    std::string_view category;   // decided at compile time, or empty
    bool plain_format = false;   // every field is "{}", no "{{" or "}}": formatted without {fmt}'s parser
};

// One log record as the policies see it. Views point into storage owned by
// the caller (synchronous buffers) or by an owned_record (deferred buffers).
struct record {
    level severity = level::info;
    time_point time{};
    std::string_view message{};
    std::string_view category{};     // empty until classified
    std::string_view logger_name{};
    std::string_view session_id{};
    source_location where{};
    std::span<const field> fields{};
    std::uint32_t thread_id = 0;
    // Set by the logger as it writes (1, 2, ...) for a formatter whose
    // `writes_entry_id` is true (format::jsonl_with_entry_id); else 0.
    std::uint64_t sequence = 0;
    // Context (context.hpp): the calling thread's scoped fields (innermost
    // frame first, then its parents) and the logger's own (set_context).
    // Borrowed: valid while the record is being processed.
    const context_frame* context = nullptr;
    const context_frame* logger_context = nullptr;
};

// A record that owns its text, for buffers that write later than the call.
// A class template only so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Unused = void>
class basic_owned_record {
public:
    basic_owned_record() = default;
    explicit basic_owned_record(const record& r)
        : rec_(r), message_(r.message), category_(r.category), logger_name_(r.logger_name),
          session_id_(r.session_id) {
        if (rec_.context) rec_.context->retain();
        if (rec_.logger_context) rec_.logger_context->retain();
        fields_.reserve(r.fields.size());
        field_text_.reserve(r.fields.size() * 2);
        for (const auto& f : r.fields) {
            field_text_.emplace_back(f.key);
            field_text_.emplace_back(f.value.type == field_value::kind::string ? f.value.text : std::string_view{});
            fields_.push_back(f);
        }
        rebind();
    }
    basic_owned_record(const basic_owned_record& o) : basic_owned_record(o.view()) {}
    // Moves keep the strings' heap data and the vector of field texts, so the
    // fields' views stay valid; the context references change hands.
    basic_owned_record(basic_owned_record&& o) noexcept
        : rec_(o.rec_), message_(std::move(o.message_)), category_(std::move(o.category_)),
          logger_name_(std::move(o.logger_name_)), session_id_(std::move(o.session_id_)),
          fields_(std::move(o.fields_)), field_text_(std::move(o.field_text_)) {
        o.rec_.context = nullptr;
        o.rec_.logger_context = nullptr;
    }
    ~basic_owned_record() {
        if (rec_.context) rec_.context->release();
        if (rec_.logger_context) rec_.logger_context->release();
    }
    basic_owned_record& operator=(basic_owned_record o) noexcept {
        swap(o);
        return *this;
    }

    record view() const noexcept {
        record r = rec_;
        r.message = message_;
        r.category = category_;
        r.logger_name = logger_name_;
        r.session_id = session_id_;
        r.fields = fields_;
        return r;
    }
    void set_category(std::string_view c) { category_.assign(c); }

private:
    void swap(basic_owned_record& o) noexcept {
        std::swap(rec_, o.rec_);
        message_.swap(o.message_);
        category_.swap(o.category_);
        logger_name_.swap(o.logger_name_);
        session_id_.swap(o.session_id_);
        fields_.swap(o.fields_);
        field_text_.swap(o.field_text_);
        rebind();
        o.rebind();
    }
    void rebind() noexcept {
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            fields_[i].key = field_text_[2 * i];
            if (fields_[i].value.type == field_value::kind::string) fields_[i].value.text = field_text_[2 * i + 1];
        }
    }

    record rec_{};
    std::string message_, category_, logger_name_, session_id_;
    std::vector<field> fields_;
    std::vector<std::string> field_text_;
};

using owned_record = basic_owned_record<>;

INKWELL_END_NAMESPACE
// ---- end inkwell/record.hpp ----
// ---- begin inkwell/context.hpp ----
// Context: fields every record carries without being named at the call site —
// the tenant, user, request and trace of platform-structured-logging.md.
//
//   {
//       inkwell::scoped_context request{inkwell::kv("tenantId", tenant), inkwell::kv("requestId", id)};
//       INKWELL_INFO(log, "order {} placed", order);   // carries tenantId and requestId
//   }                                                 // gone again
//   log.set_context(inkwell::kv("service", "billing"), inkwell::kv("environment", "prod"));
//
// Two sources, both cheap at the call site:
//   - scoped_context: per thread, RAII, nested scopes add to (and may
//     override) the enclosing ones. The fields are copied once, when the
//     scope opens; a call site only attaches a pointer to the current frame
//     (with the async buffer, plus a reference count).
//   - basic_logger::set_context: per logger, added as the record is written.
// Where a key appears twice the innermost scope wins, then outer scopes, then
// the logger's. format::jsonl writes them as one object under "context"
// (apart from "metadata", the call site's own fields, so neither can replace
// a top-level key); the text formats append them as ` key=value` after the
// call site's fields (a call-site field of the same key wins).
// A thread pool carries context across threads with context_ref:
//   auto ctx = inkwell::current_context();           // on the submitting thread
//   pool.post([ctx] { inkwell::scoped_context in{ctx}; ... });

#include <utility>

// ---- begin inkwell/detail/format_args.hpp ----
// Call-site arguments: format arguments first, then key/value fields made with
// inkwell::kv(). The format string is checked at compile time against the
// format arguments only.

#include <fmt/core.h>

#include <charconv>
#include <concepts>
#include <tuple>

// ---- begin inkwell/detail/bytes16.hpp ----
// Sixteen bytes compared at once, with the vector extension of GCC and clang
// (SSE2 on x86-64, NEON on ARM): the text scanners' inner step (utf8.hpp's
// plain-text check, format_args.hpp's search for '{'). Without the extension
// (INKWELL_HAS_BYTES16 undefined) the callers scan a byte or a word at a time.


// ---- begin inkwell/detail/platform.hpp ----
// Compiler and build-mode switches. The library builds with and without
// exceptions and RTTI; code that would throw goes through these macros.

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define INKWELL_HAS_EXCEPTIONS 1
#define INKWELL_TRY try
#define INKWELL_CATCH_ALL catch (...)
#else
#define INKWELL_HAS_EXCEPTIONS 0
#define INKWELL_TRY if (true)
#define INKWELL_CATCH_ALL else
#endif

#if defined(__GNUC__) || defined(__clang__)
#define INKWELL_LIKELY(x) __builtin_expect(!!(x), 1)
#define INKWELL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define INKWELL_NOINLINE __attribute__((noinline))
#define INKWELL_COLD __attribute__((cold, noinline))
#define INKWELL_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define INKWELL_LIKELY(x) (x)
#define INKWELL_UNLIKELY(x) (x)
#define INKWELL_NOINLINE
#define INKWELL_COLD
#define INKWELL_ALWAYS_INLINE inline
#endif



INKWELL_BEGIN_NAMESPACE
namespace detail {
// Data that one thread writes and another reads on every call is kept on
// cache lines of its own (x86-64 and most ARM cores: 64 bytes).
inline constexpr std::size_t cache_line = 64;
}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/platform.hpp ----

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define INKWELL_HAS_BYTES16 1

INKWELL_BEGIN_NAMESPACE
namespace detail {

// As signed bytes, everything from 0x80 up is negative: one signed compare
// finds controls and non-ASCII bytes together.
using bytes16 = signed char __attribute__((vector_size(16)));

INKWELL_ALWAYS_INLINE bytes16 load_bytes16(const char* from) noexcept {
    bytes16 v;
    std::memcpy(&v, from, sizeof v);
    return v;
}

// A comparison's result (each byte 0 or all ones). On x86-64 one pmovmskb
// gathers the 16 top bits into a word; elsewhere it is read as two words.
#if defined(__SSE2__)
struct byte_mask16 {
    unsigned bits;
    explicit byte_mask16(bytes16 compared) noexcept
        : bits(static_cast<unsigned>(_mm_movemask_epi8(__builtin_bit_cast(__m128i, compared)))) {}
    bool any() const noexcept { return bits != 0; }
    // The index of the first byte set; 16 when none is.
    unsigned first() const noexcept { return bits ? static_cast<unsigned>(__builtin_ctz(bits)) : 16; }
};
#else
struct byte_mask16 {
    std::uint64_t low, high;
    explicit byte_mask16(bytes16 compared) noexcept { std::memcpy(this, &compared, sizeof compared); }
    bool any() const noexcept { return (low | high) != 0; }
    // The index of the first byte set; 16 when none is.
    unsigned first() const noexcept {
        if (low) return static_cast<unsigned>(__builtin_ctzll(low)) / 8;
        if (high) return 8 + static_cast<unsigned>(__builtin_ctzll(high)) / 8;
        return 16;
    }
};
static_assert(sizeof(byte_mask16) == sizeof(bytes16));
#endif

}  // namespace detail
INKWELL_END_NAMESPACE
#endif
// ---- end inkwell/detail/bytes16.hpp ----
// ---- begin inkwell/detail/integer_text.hpp ----
// Integers as decimal text, the writer's most frequent conversion (the
// numbers of a message, the line of a source location, the whole part of a
// short decimal). std::to_chars counts the digits first in a loop of
// divisions, then writes them; here the count is one compare against a
// power of ten, and the digits come two at a time from a table.



INKWELL_BEGIN_NAMESPACE
namespace detail {

struct decimal_tables {
    char pairs[200];  // "00" "01" ... "99"
    std::uint64_t powers[20];  // 10^0 ... 10^19
};

inline constexpr decimal_tables decimal_table = [] {
    decimal_tables t{};
    for (int i = 0; i < 100; ++i) {
        t.pairs[2 * i] = static_cast<char>('0' + i / 10);
        t.pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    std::uint64_t power = 1;
    for (int i = 0; i < 20; ++i, power *= 10) t.powers[i] = power;
    return t;
}();

// The number of decimal digits of `v` (1 for 0).
inline unsigned decimal_length(std::uint64_t v) noexcept {
    // bits * log10(2), rounded down: the digit count or one less.
    const unsigned bits = 64u - static_cast<unsigned>(__builtin_clzll(v | 1));
    const unsigned guess = (bits * 1233u) >> 12;
    return guess + (v >= decimal_table.powers[guess] ? 1u : 0u) + (v == 0 ? 1u : 0u);
}

// The digits of `v`, ending at `end`, from the last pair to the first.
template <class Unsigned>
INKWELL_ALWAYS_INLINE void write_digits_backwards(char* end, Unsigned v) noexcept {
    while (v >= 100) {
        const auto pair = static_cast<unsigned>(v % 100);
        v /= 100;
        end -= 2;
        std::memcpy(end, decimal_table.pairs + 2 * pair, 2);
    }
    if (v >= 10)
        std::memcpy(end - 2, decimal_table.pairs + 2 * v, 2);
    else
        end[-1] = static_cast<char>('0' + v);
}

// Writes `v` at `out` (room for 20 chars) and returns the end.
inline char* write_decimal(char* out, std::uint64_t v) noexcept {
    char* const end = out + decimal_length(v);
    if (v <= 0xFFFFFFFFu)  // most numbers: 32-bit divisions are the cheaper ones
        write_digits_backwards(end, static_cast<std::uint32_t>(v));
    else
        write_digits_backwards(end, v);
    return end;
}

// Any integer type of up to 64 bits, with its sign (room for 21 chars).
template <class Integer>
    requires(std::is_integral_v<Integer> && sizeof(Integer) <= 8)
inline char* write_integer(char* out, Integer value) noexcept {
    if constexpr (std::is_signed_v<Integer>) {
        const auto magnitude = static_cast<std::uint64_t>(value);
        if (value < 0) {
            *out++ = '-';
            return write_decimal(out, 0 - magnitude);  // also right for the most negative value
        }
        return write_decimal(out, magnitude);
    } else {
        return write_decimal(out, value);
    }
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/integer_text.hpp ----
// ---- begin inkwell/detail/line_buffer.hpp ----
// The buffer a formatter appends one line to. 512 bytes live inline, so a
// typical record is formatted without touching the heap.
//
// With {fmt} 9 the buffer is built on <fmt/core.h> alone: <fmt/format.h>
// would make every file that logs compile {fmt}'s whole formatting engine
// again (it is already compiled into libfmt), which was most of a logging
// file's compile time and memory.



#if __has_include(<fmt/core.h>)
#include <fmt/core.h>
#endif
// clang mangles the engine's signature differently from the g++ that built
// Debian's libfmt (fmt issue 2377), so a clang build instantiates it itself.
#if !defined(FMT_VERSION) || FMT_VERSION >= 100000 || defined(FMT_HEADER_ONLY) || defined(__clang__)
#include <fmt/format.h>
#define INKWELL_LINE_BUFFER_FROM_FMT 1
#endif

INKWELL_BEGIN_NAMESPACE
namespace detail {

#ifdef INKWELL_LINE_BUFFER_FROM_FMT
using line_buffer = fmt::basic_memory_buffer<char, 512>;
#else
class line_buffer final : public fmt::detail::buffer<char> {
public:
    static constexpr std::size_t inline_size = 512;

    line_buffer() noexcept { this->set(inline_, inline_size); }
    ~line_buffer() { release(); }
    line_buffer(const line_buffer&) = delete;
    line_buffer& operator=(const line_buffer&) = delete;

    void resize(std::size_t count) { this->try_resize(count); }
    void reserve(std::size_t capacity) { this->try_reserve(capacity); }

private:
    void grow(std::size_t wanted) override {
        std::size_t capacity = this->capacity() + this->capacity() / 2;
        if (capacity < wanted) capacity = wanted;
        char* fresh = new char[capacity];
        std::memcpy(fresh, this->data(), this->size());
        release();
        this->set(fresh, capacity);
    }
    void release() noexcept {
        if (this->data() != inline_) delete[] this->data();
    }

    char inline_[inline_size];
};
#endif

// Copies n <= 16 bytes as two overlapping moves, without a call to memcpy.
INKWELL_ALWAYS_INLINE void copy_up_to_16(char* at, const char* from, std::size_t n) noexcept {
    if (n >= 8) {
        char head[8], tail[8];
        std::memcpy(head, from, 8);
        std::memcpy(tail, from + n - 8, 8);
        std::memcpy(at, head, 8);
        std::memcpy(at + n - 8, tail, 8);
    } else if (n >= 4) {
        char head[4], tail[4];
        std::memcpy(head, from, 4);
        std::memcpy(tail, from + n - 4, 4);
        std::memcpy(at, head, 4);
        std::memcpy(at + n - 4, tail, 4);
    } else if (n != 0) {
        at[0] = from[0];
        at[n / 2] = from[n / 2];
        at[n - 1] = from[n - 1];
    }
}

// Grows once and copies: {fmt}'s generic append goes out of line per call,
// which the formatters (a dozen short appends per record) feel. Up to 16
// bytes are copied inline instead of a call.
INKWELL_ALWAYS_INLINE void append(line_buffer& out, std::string_view text) {
    const std::size_t used = out.size(), n = text.size();
    if (INKWELL_LIKELY(n <= 16 && out.capacity() - used >= 16)) {
        copy_up_to_16(out.data() + used, text.data(), n);
        out.resize(used + n);
        return;
    }
    out.resize(used + n);
    std::memcpy(out.data() + used, text.data(), n);
}
inline std::string_view view(const line_buffer& b) noexcept { return {b.data(), b.size()}; }

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/line_buffer.hpp ----
// ---- begin inkwell/detail/short_decimal.hpp ----
// Doubles with few decimals ("12345.25", "0.001", "-3.5"): prices, ratios,
// durations in milliseconds, most of what applications log. Their shortest
// round-trip text takes a multiplication, a division and a compare here,
// instead of a shortest-digits search (std::to_chars costs ~700
// instructions a value, most of the writer's time for a typical record).



INKWELL_BEGIN_NAMESPACE
namespace detail {

// Writes the shortest text that reads back as `v` when that text has one to
// six digits after the point and {fmt} writes it without an exponent
// (1e-4 <= |v|), as {fmt} and std::to_chars both would. Returns the end of
// the text, or nullptr when `v` is whole, out of range or needs more digits
// (the caller then uses the general algorithm). `out` holds 32 chars.
//
// Why it is exact: below 2^52 / 10^6 two numbers with six decimals lie
// further apart than the interval of reals that round to `v`, so at most
// one of them reads back as `v`; if m / 10^6 (a correctly rounded division
// of two exact values) is `v`, that number is the one, and any shorter
// text would be another such number.
inline char* write_short_decimal(char* out, double v) noexcept {
    const double magnitude = v < 0 ? -v : v;
    if (!(magnitude >= 1e-4 && magnitude < 4503599627.0)) return nullptr;  // 2^52 / 10^6
    const auto scaled = static_cast<std::uint64_t>(magnitude * 1e6 + 0.5);
    if (static_cast<double>(scaled) / 1e6 != magnitude) return nullptr;
    const std::uint64_t whole = scaled / 1'000'000;
    const auto fraction = static_cast<unsigned>(scaled - whole * 1'000'000);
    if (fraction == 0) return nullptr;  // whole numbers have their own, shorter path
    if (v < 0) *out++ = '-';
    out = write_decimal(out, whole);
    *out++ = '.';
    // Six digits in three pairs, then the trailing zeros cut off.
    const unsigned pairs[3] = {fraction / 10000, fraction / 100 % 100, fraction % 100};
    for (unsigned pair : pairs) {
        *out++ = static_cast<char>('0' + pair / 10);
        *out++ = static_cast<char>('0' + pair % 10);
    }
    while (out[-1] == '0') --out;  // the fraction is not 0: a digit other than '0' stops it
    return out;
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/short_decimal.hpp ----

INKWELL_BEGIN_NAMESPACE

// A structured field at a call site: INKWELL_INFO(log, "Created {}", id, inkwell::kv("entityId", id)).
// It holds a reference: it lives only as long as the statement that logs it.
template <class T>
struct kv_arg {
    std::string_view key;
    const T& value;
};

template <class T>
constexpr kv_arg<T> kv(std::string_view key, const T& value) noexcept {
    return {key, value};
}

namespace detail {

template <class T>
struct is_kv : std::false_type {};
template <class T>
struct is_kv<kv_arg<T>> : std::true_type {};
template <class T>
inline constexpr bool is_kv_v = is_kv<std::remove_cvref_t<T>>::value;

// How many arguments come before the first field.
template <class... Args>
constexpr std::size_t leading_format_args() {
    constexpr bool flags[] = {is_kv_v<Args>..., true};
    std::size_t n = 0;
    while (!flags[n]) ++n;
    return n;
}

template <class... Args>
constexpr bool fields_are_trailing() {
    constexpr bool flags[] = {is_kv_v<Args>..., true};
    constexpr std::size_t first = leading_format_args<Args...>();
    for (std::size_t i = first; i < sizeof...(Args); ++i)
        if (!flags[i]) return false;
    return true;
}

template <class Indices, class... Args>
struct fmt_string_for;
template <std::size_t... I, class... Args>
struct fmt_string_for<std::index_sequence<I...>, Args...> {
    using type = fmt::format_string<std::tuple_element_t<I, std::tuple<Args...>>...>;
};

// Stands in for the format string when a field comes before a format
// argument, so that the one error is the one that says so.
template <class... Args>
struct misplaced_fields_string {
    template <class S>
    consteval misplaced_fields_string(const S&) {  // NOLINT: implicit, like fmt::format_string
        static_assert(sizeof...(Args) == 0 && false,  // depends on Args: fires only when used
                      "inkwell: key/value fields (inkwell::kv) must come after all format arguments");
    }
    operator fmt::string_view() const { return {}; }
};
struct misplaced_fields {
    using type = misplaced_fields_string<>;
};

}  // namespace detail

// The format string of a call: {fmt}'s own compile-time-checked format string
// over the format arguments only (the fields after them are not formatted).
// Being a nested type, it never takes part in deducing Args.
template <class... Args>
using format_string = typename std::conditional_t<
    detail::fields_are_trailing<Args...>(),
    detail::fmt_string_for<std::make_index_sequence<detail::leading_format_args<Args...>()>, std::remove_cvref_t<Args>...>,
    detail::misplaced_fields>::type;

namespace detail {

template <class FormatString>
constexpr std::string_view format_text(const FormatString& f) noexcept {
    auto v = fmt::string_view(f);
    return {v.data(), v.size()};
}

// A format whose every field is "{}" (no index, no spec) and that has no
// escaped braces: most log statements. Decided at compile time per call site.
constexpr bool is_plain_format(std::string_view f) noexcept {
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == '{') {
            if (i + 1 < f.size() && f[i + 1] == '}') {
                ++i;
                continue;
            }
            return false;
        }
        if (f[i] == '}') return false;
    }
    return true;
}

// Arguments whose "{}" output is simple enough to write without {fmt}:
// integers, bool, char, double (std::to_chars gives the digits {fmt} gives
// below 2^53; {fmt} writes the rest) and text. float is left to {fmt}.
template <class T>
inline constexpr bool is_plain_arg_v =
    std::is_same_v<T, bool> || std::is_same_v<T, char> ||
    (std::is_integral_v<T> && !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> &&
     !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>) ||
    std::is_same_v<T, double> ||
    (std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, std::nullptr_t>);

template <class Out, class T>
void append_plain_arg(Out& out, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        append(out, v ? std::string_view{"true"} : std::string_view{"false"});
    } else if constexpr (std::is_same_v<T, char>) {
        out.push_back(v);
    } else if constexpr (std::is_integral_v<T> && sizeof(T) <= 8) {
        if constexpr (std::is_same_v<Out, line_buffer>) {
            // Straight into the buffer: digits written byte by byte to the
            // stack and then read back in overlapping words stall the load
            // (no store-to-load forwarding), a cost per number per record.
            const std::size_t used = out.size();
            if (INKWELL_LIKELY(out.capacity() - used >= 24)) {
                char* at = out.data() + used;
                out.resize(used + static_cast<std::size_t>(write_integer(at, v) - at));
                return;
            }
        }
        char digits[24];
        append(out, {digits, static_cast<std::size_t>(write_integer(digits, v) - digits)});
    } else if constexpr (std::is_integral_v<T>) {  // 128 bits
        char digits[48];
        const auto result = std::to_chars(digits, digits + sizeof digits, v);
        append(out, {digits, static_cast<std::size_t>(result.ptr - digits)});
    } else if constexpr (std::is_same_v<T, double>) {
        // Below 2^53 std::to_chars and {fmt} write the same shortest digits;
        // above, to_chars may spell out every digit of a large whole number
        // where {fmt} writes the shortest digits and zeros.
        if (v > -9007199254740992.0 && v < 9007199254740992.0) {
            const auto whole = static_cast<long long>(v);
            if (static_cast<double>(whole) == v && (whole != 0 || !__builtin_signbit(v))) {
                append_plain_arg(out, whole);  // a whole number: the same digits, much faster
                return;
            }
            if constexpr (std::is_same_v<Out, line_buffer>) {
                const std::size_t used = out.size();
                if (INKWELL_LIKELY(out.capacity() - used >= 32)) {  // straight into the buffer, as above
                    char* at = out.data() + used;
                    char* end = write_short_decimal(at, v);
                    if (!end) end = std::to_chars(at, at + 32, v).ptr;
                    out.resize(used + static_cast<std::size_t>(end - at));
                    return;
                }
            }
            char digits[32];
            char* end = write_short_decimal(digits, v);
            if (!end) end = std::to_chars(digits, digits + sizeof digits, v).ptr;
            append(out, {digits, static_cast<std::size_t>(end - digits)});
        } else {
            fmt::format_to(fmt::appender(out), "{}", v);
        }
    } else {
        append(out, std::string_view{v});
    }
}

// Where the next '{' of `f` is, from `from` on, or npos. Inline: memchr is a
// call (through the PLT) for the dozen bytes between two fields, a cost per
// field per record on the writer.
inline std::size_t next_open_brace(std::string_view f, std::size_t from) noexcept {
    const char* p = f.data();
#if defined(INKWELL_HAS_BYTES16)
    for (; from + 16 <= f.size(); from += 16) {
        const byte_mask16 hits(load_bytes16(p + from) == '{');
        if (hits.any()) return from + hits.first();
    }
#endif
    for (; from < f.size(); ++from)
        if (p[from] == '{') return from;
    return std::string_view::npos;
}

template <class Out, class... A>
void format_plain(Out& out, std::string_view format, const A&... args) {
    std::size_t pos = 0;
    [[maybe_unused]] auto next = [&](const auto& value) {
        // In a plain format every '{' opens a "{}".
        const std::size_t at = next_open_brace(format, pos);
        if (at == std::string_view::npos) return;  // more arguments than fields: {fmt} ignores them too
        append(out, format.substr(pos, at - pos));
        append_plain_arg(out, value);
        pos = at + 2;
    };
    (next(args), ...);
    append(out, format.substr(pos));
}

// Formats the leading format arguments of `args` into `out`: without {fmt}'s
// parser when the call site's format is plain and so are the arguments.
template <class Out, class Tuple, std::size_t... I>
void format_leading(Out& out, std::string_view format, Tuple& args, std::index_sequence<I...>, bool plain = false) {
    if constexpr ((is_plain_arg_v<std::remove_cvref_t<std::tuple_element_t<I, Tuple>>> && ...)) {
        if (plain) {
            format_plain(out, format, std::get<I>(args)...);
            return;
        }
    }
    fmt::vformat_to(fmt::appender(out), format, fmt::make_format_args(std::get<I>(args)...));
}

// Turns one kv_arg into a field; values that are neither numbers, bools nor
// text are formatted with {fmt} into `scratch`.
template <class T>
void make_field(field& f, const kv_arg<T>& a, std::string& scratch) {
    using V = std::remove_cvref_t<T>;
    f.key = a.key;
    if constexpr (std::is_same_v<V, bool>) {
        f.value.type = field_value::kind::boolean;
        f.value.number.boolean = a.value;
    } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V> && !std::is_same_v<V, char>) {
        f.value.type = field_value::kind::signed_integer;
        f.value.number.signed_integer = static_cast<std::int64_t>(a.value);
    } else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, char>) {
        f.value.type = field_value::kind::unsigned_integer;
        f.value.number.unsigned_integer = static_cast<std::uint64_t>(a.value);
    } else if constexpr (std::is_floating_point_v<V>) {
        f.value.type = field_value::kind::floating;
        f.value.number.floating = static_cast<double>(a.value);
    } else if constexpr (std::is_same_v<V, std::nullptr_t>) {
        f.value.type = field_value::kind::null;
    } else if constexpr (std::is_convertible_v<const V&, std::string_view>) {
        f.value.type = field_value::kind::string;
        f.value.text = std::string_view{a.value};
    } else {
        scratch = fmt::format("{}", a.value);
        f.value.type = field_value::kind::string;
        f.value.text = scratch;
    }
}

template <std::size_t First, class Tuple, std::size_t... I>
void make_fields(std::array<field, sizeof...(I)>& fields, std::array<std::string, sizeof...(I)>& scratch,
                 Tuple& args, std::index_sequence<I...>) {
    (make_field(fields[I], std::get<First + I>(args), scratch[I]), ...);
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/format_args.hpp ----

INKWELL_BEGIN_NAMESPACE

// A shared reference to a context frame (and so to its enclosing frames).
class context_ref {
public:
    context_ref() = default;
    // Takes over one reference the caller holds.
    static context_ref adopt(const context_frame* f) noexcept {
        context_ref r;
        r.frame_ = f;
        return r;
    }
    // Adds a reference of its own.
    static context_ref share(const context_frame* f) noexcept {
        if (f) f->retain();
        return adopt(f);
    }
    context_ref(const context_ref& o) noexcept : frame_(o.frame_) {
        if (frame_) frame_->retain();
    }
    context_ref(context_ref&& o) noexcept : frame_(std::exchange(o.frame_, nullptr)) {}
    context_ref& operator=(context_ref o) noexcept {
        std::swap(frame_, o.frame_);
        return *this;
    }
    ~context_ref() {
        if (frame_) frame_->release();
    }
    const context_frame* get() const noexcept { return frame_; }
    explicit operator bool() const noexcept { return frame_ != nullptr; }

private:
    const context_frame* frame_ = nullptr;
};

// The calling thread's context as it is now, to hand to another thread.
inline context_ref current_context() noexcept { return context_ref::share(detail::thread_context); }

namespace detail {
// A frame made of kv arguments on top of `parent`.
template <class... T>
const context_frame* make_context_frame(const context_frame* parent, const kv_arg<T>&... kvs) {
    std::array<field, sizeof...(T)> fields{};
    std::array<std::string, sizeof...(T)> scratch{};
    std::size_t i = 0;
    ((make_field(fields[i], kvs, scratch[i]), ++i), ...);
    return context_frame::make(fields, parent);
}
}  // namespace detail

// Adds fields to every record this thread logs until the scope ends. Scopes
// must end in the reverse order they began (as RAII objects do).
class scoped_context {
public:
    template <class... T>
    explicit scoped_context(const kv_arg<T>&... fields)
        : saved_(detail::thread_context), frame_(detail::make_context_frame(saved_, fields...)) {
        if (frame_) detail::thread_context = frame_;  // out of memory: the scope adds nothing
    }
    // Fields given at run time (their text is copied).
    explicit scoped_context(std::span<const field> fields)
        : saved_(detail::thread_context), frame_(context_frame::make(fields, saved_)) {
        if (frame_) detail::thread_context = frame_;
    }
    // Makes `ctx` (another thread's, from current_context()) this thread's
    // context for the scope, in place of its own.
    explicit scoped_context(const context_ref& ctx) noexcept : saved_(detail::thread_context), frame_(ctx.get()) {
        if (frame_) frame_->retain();
        detail::thread_context = frame_;
    }
    ~scoped_context() {
        detail::thread_context = saved_;
        if (frame_) frame_->release();
    }
    scoped_context(const scoped_context&) = delete;
    scoped_context& operator=(const scoped_context&) = delete;

private:
    const context_frame* saved_;
    const context_frame* frame_;
};

// Calls f(key, value) for each context field of `r`, each key once: the
// innermost scope's first, then outer scopes', then the logger's.
template <class F>
void for_each_context(const record& r, F&& f) {
    auto seen_before = [&](const context_frame* upto_frame, std::size_t upto_index, std::string_view key) {
        for (const context_frame* c : {r.context, r.logger_context}) {
            for (; c; c = c->parent()) {
                const auto fs = c->fields();
                for (std::size_t i = 0; i < fs.size(); ++i) {
                    if (c == upto_frame && i == upto_index) return false;
                    if (fs[i].key == key) return true;
                }
            }
        }
        return false;
    };
    for (const context_frame* c : {r.context, r.logger_context}) {
        for (; c; c = c->parent()) {
            const auto fs = c->fields();
            for (std::size_t i = 0; i < fs.size(); ++i)
                if (!seen_before(c, i, fs[i].key)) f(fs[i].key, fs[i].value);
        }
    }
}

// The context field of `r` named `key` (innermost wins), or null.
inline const field_value* find_context(const record& r, std::string_view key) noexcept {
    for (const context_frame* c : {r.context, r.logger_context})
        for (; c; c = c->parent())
            for (const field& f : c->fields())
                if (f.key == key) return &f.value;
    return nullptr;
}

// The record's call-site field named `key` (the first), else its context
// field, else null: where a sink looks for tenantId, service, traceId...
inline const field_value* find_field(const record& r, std::string_view key) noexcept {
    for (const field& f : r.fields)
        if (f.key == key) return &f.value;
    return find_context(r, key);
}

INKWELL_END_NAMESPACE
// ---- end inkwell/context.hpp ----
// ---- begin inkwell/errors.hpp ----
// What happens when logging itself fails. A failing write never throws into
// the caller: the sink reports it here, the record falls back to stderr, and
// the counters say how often it happened.

#include <cerrno>
#include <cstdio>

#include <unistd.h>

// ---- begin inkwell/detail/function.hpp ----
// A small copyable function wrapper for the few callbacks inkwell stores
// (error handler, callback sink). std::function would do, but <functional>
// brings much more than it with it, and every file that logs would pay for
// that at compile time.

#include <memory>


INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class Signature>
class shared_function;

template <class R, class... Args>
class shared_function<R(Args...)> {
public:
    shared_function() noexcept = default;
    shared_function(std::nullptr_t) noexcept {}  // NOLINT: implicit, like std::function

    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, shared_function> && std::is_invocable_r_v<R, F&, Args...>)
    shared_function(F&& f)  // NOLINT: implicit, like std::function
        : target_(std::make_shared<holder<std::decay_t<F>>>(std::forward<F>(f))) {}

    explicit operator bool() const noexcept { return static_cast<bool>(target_); }
    R operator()(Args... args) const { return target_->call(std::forward<Args>(args)...); }

private:
    struct callable {
        virtual ~callable() = default;
        virtual R call(Args... args) = 0;
    };
    template <class F>
    struct holder final : callable {
        explicit holder(F f) : fn(std::move(f)) {}
        R call(Args... args) override { return fn(std::forward<Args>(args)...); }
        F fn;
    };
    std::shared_ptr<callable> target_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/function.hpp ----

INKWELL_BEGIN_NAMESPACE

// connect/send: a sink that ships records to a server (sink::postgres, sink::redis).
enum class error_kind : std::uint8_t { open, write, rotate, create_directory, format, close, compress, retention, connect, send };

constexpr std::string_view error_kind_name(error_kind k) noexcept {
    switch (k) {
        case error_kind::open: return "open";
        case error_kind::write: return "write";
        case error_kind::rotate: return "rotate";
        case error_kind::create_directory: return "create directory";
        case error_kind::format: return "format";
        case error_kind::close: return "close";
        case error_kind::compress: return "compress";
        case error_kind::retention: return "retention";
        case error_kind::connect: return "connect";
        case error_kind::send: return "send";
    }
    return "error";
}

struct error_event {
    error_kind kind;
    int system_error = 0;        // errno, 0 when not a system call
    std::string_view path{};     // the file concerned, if any
    std::string_view detail{};   // a short explanation
};

using error_handler = detail::shared_function<void(const error_event&)>;

// A snapshot of a logger's counters.
struct logger_stats {
    std::uint64_t records = 0;           // lines that reached the kernel (a record teed to two files counts twice)
    std::uint64_t errors = 0;            // failures reported to the error handler
    std::uint64_t fallback_records = 0;  // records written to stderr instead of their file
    std::uint64_t dropped = 0;           // records lost (counted, never silent)
    // With a dedup policy (dedup/time_window.hpp): repeats left out, and the
    // "repeated N times" records written for them (counted in `records` too).
    std::uint64_t deduplicated = 0;
    std::uint64_t summaries = 0;
};

namespace detail {

inline void write_stderr(std::string_view text) noexcept {
    while (!text.empty()) {
        auto n = ::write(STDERR_FILENO, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// The default handler: one line on stderr, at most one a second; the lines
// held back are counted in the next one.
class rate_limited_stderr {
public:
    void operator()(const error_event& e) noexcept {
        using namespace std::chrono;
        auto now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
        auto last = last_ms_.load(std::memory_order_relaxed);
        if (last != 0 && now - last < 1000) {
            suppressed_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (!last_ms_.compare_exchange_strong(last, now == 0 ? 1 : now, std::memory_order_relaxed)) {
            suppressed_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        char line[512];
        std::size_t used = 0;
        auto put = [&](std::string_view s) {
            for (char c : s) {
                if (used + 2 >= sizeof line) break;
                line[used++] = (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
            }
        };
        put("inkwell: ");
        put(error_kind_name(e.kind));
        put(" failed");
        if (!e.path.empty()) {
            put(" for ");
            put(e.path);
        }
        if (e.system_error != 0) {
            put(": ");
            char buf[128];
            put(errno_text(e.system_error, buf, sizeof buf));
        }
        if (!e.detail.empty()) {
            put(" (");
            put(e.detail);
            put(")");
        }
        if (auto n = suppressed_.exchange(0, std::memory_order_relaxed); n != 0) {
            char count[48];
            auto len = std::snprintf(count, sizeof count, " [%llu similar errors not shown]",
                                     static_cast<unsigned long long>(n));
            if (len > 0) put(std::string_view{count, static_cast<std::size_t>(len)});
        }
        line[used++] = '\n';
        write_stderr({line, used});
    }

private:
    // strerror_r comes in two flavours; this picks whichever the libc gives.
    static const char* pick(int, const char* buf) noexcept { return buf; }
    static const char* pick(const char* msg, const char*) noexcept { return msg; }
    static std::string_view errno_text(int err, char* buf, std::size_t size) noexcept {
        buf[0] = '\0';
        return pick(::strerror_r(err, buf, size), buf);
    }

    std::atomic<std::int64_t> last_ms_{0};
    std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace detail

// Owned by a logger and handed to its sinks: the error handler, the stderr
// fallback and the counters behind logger_stats.
class error_reporter {
public:
    error_reporter() = default;
    explicit error_reporter(error_handler handler) : handler_(std::move(handler)) {}

    void set_handler(error_handler handler) { handler_ = std::move(handler); }

    // A sink calls this for every failure; it never throws.
    void report(const error_event& e) noexcept {
        errors_.fetch_add(1, std::memory_order_relaxed);
        if (handler_) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
            try {
                handler_(e);
            } catch (...) {
                default_(e);
            }
#else
            handler_(e);
#endif
        } else {
            default_(e);
        }
    }

    // The record could not reach its file: write the line to stderr instead.
    void fallback(std::string_view line) noexcept {
        fallback_records_.fetch_add(1, std::memory_order_relaxed);
        detail::write_stderr(line);
    }

    void count_written(std::uint64_t n = 1) noexcept { records_.fetch_add(n, std::memory_order_relaxed); }
    void count_dropped(std::uint64_t n = 1) noexcept { dropped_.fetch_add(n, std::memory_order_relaxed); }

    logger_stats stats() const noexcept {
        return {records_.load(std::memory_order_relaxed), errors_.load(std::memory_order_relaxed),
                fallback_records_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed)};
    }

private:
    error_handler handler_;
    detail::rate_limited_stderr default_;
    std::atomic<std::uint64_t> records_{0}, errors_{0}, fallback_records_{0}, dropped_{0};
};

INKWELL_END_NAMESPACE
// ---- end inkwell/errors.hpp ----

// ---- begin inkwell/policy/buffer.hpp ----
// The buffer policy: when and on which thread records reach the sink.
//
// A buffer policy is a class with a nested `template <class Backend> class engine`:
//   `explicit engine(Backend& backend)`;
//   `void submit(const inkwell::record& r)`  called on the logging thread, from
//       any number of threads at once; the views in `r` die when it returns;
//   `void flush()`  returns once every record submitted before it reached
//       `backend.flush()`;
//   `void stop()`   flushes and ends any thread of the engine's (idempotent).
//   `template <class F> decltype(auto) exclusive(F&& f)`  runs f(backend) with no
//       record being processed at the same time (rotation on request, sink access).
// Optionally, a policy that formats off the calling thread declares
// `static constexpr bool defers_formatting = true;` and its engine offers
//   `template <class... Args> void submit_call(const call_site&, const Args&...)`
// taking the call's numbers and text as they are (see buffer/async.hpp); the
// logger formats calls with other argument types itself and uses submit().
// The backend offers (not thread-safe: the engine serialises every call)
//   `void process(const record&)`  classify, dedup, format, write (may stay in memory);
//   `void commit()`  hand the written lines to the kernel (end of a batch);
//   `void flush()`   also write pending dedup summaries, then commit;
//   `record record_defaults()` (the logger's name and session filled in),
//   `void process_in_place(record&)`  process() without the copy, for a record
//       the engine lets it change, `error_reporter& errors()`,
//       `cap_message(line_buffer&)`  for engines that build records themselves.



INKWELL_BEGIN_NAMESPACE
namespace policy {

struct backend_archetype {
    void process(const record&) {}
    void commit() {}
    void flush() {}
};

struct backend_visitor_archetype {
    void operator()(backend_archetype&) const {}
};

template <class B>
concept buffer_has_engine = requires { typename B::template engine<backend_archetype>; };

template <class E>
concept buffer_engine_works = std::constructible_from<E, backend_archetype&> &&
                              requires(E& e, const record& r) {
                                  e.submit(r);
                                  e.flush();
                                  e.stop();
                                  e.exclusive(backend_visitor_archetype{});
                              };

template <class B>
concept buffer = buffer_has_engine<B> && buffer_engine_works<typename B::template engine<backend_archetype>>;

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/buffer.hpp ----
// ---- begin inkwell/policy/check.hpp ----
// Checks a logger's config once, with one readable message per mistake.
//
// Each check fires only when every check before it passed, so a wrong policy
// gives exactly one static_assert; and a wrong policy is replaced by a
// harmless stand-in so that no cascade of template errors follows it.


// ---- begin inkwell/clock/system.hpp ----
// clock::system — the wall clock (std::chrono::system_clock): every
// config's default. With it, the async buffer stamps a call with the CPU's
// time-stamp counter and converts on the writer thread (detail/tsc_clock.hpp);
// any other clock is read on the calling thread itself.



INKWELL_BEGIN_NAMESPACE
namespace clock {

struct system {
    static time_point now() noexcept { return clock_type::now(); }
};

}  // namespace clock
INKWELL_END_NAMESPACE
// ---- end inkwell/clock/system.hpp ----
// ---- begin inkwell/compress/none.hpp ----
// compress::none — finished files stay as they are (the default).


// ---- begin inkwell/policy/compression.hpp ----
// The compression policy: what becomes of a log file once nothing more is
// written to it (a rotated backup, a finished day's file).
//
// A compression policy is a class with
//   `static constexpr std::string_view extension`  added to the file's name (".gz");
//       empty means "no compression" (compress::none);
//   `static inkwell::compress::result compress_file(int from_fd, int to_fd) noexcept`
//       reads `from_fd` to its end and writes the compressed bytes to `to_fd`.
// detail::compressor runs the policy on a thread of its own, never on a
// thread that logs: it writes `<file><extension>.part`, renames it to
// `<file><extension>` once complete, and only then removes `<file>`. A
// failure leaves the original file as it was (and removes the .part), and
// is reported through the logger's error handler.
// Policies: compress::none (the default; links nothing), compress::gzip
// (<inkwell/compress/gzip.hpp>, links zlib: target inkwell::gzip).




INKWELL_BEGIN_NAMESPACE
namespace compress {

// What compress_file did: 0 and "" on success.
struct result {
    int error = 0;          // errno, or EIO for a failure of the compression library
    const char* what = "";  // which step failed
};

// The I/O every compression policy does around its library: the next
// chunk of the file (0 at its end, -1 with `r` set on an error) ...
inline long read_chunk(int fd, unsigned char* buffer, std::size_t size, result& r) noexcept {
    for (;;) {
        const ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) return static_cast<long>(n);
        if (errno == EINTR) continue;
        r = {errno, "cannot read the file to compress"};
        return -1;
    }
}
// ... and all of a compressed chunk written out.
inline result write_all(int fd, const unsigned char* data, std::size_t size) noexcept {
    for (std::size_t done = 0; done < size;) {
        const ssize_t w = ::write(fd, data + done, size - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return {errno, "cannot write the compressed file"};
        }
        done += static_cast<std::size_t>(w);
    }
    return {};
}

}  // namespace compress

namespace policy {

template <class C>
concept compression = requires(int from_fd, int to_fd) {
    { C::extension } -> std::convertible_to<std::string_view>;
    { C::compress_file(from_fd, to_fd) } -> std::same_as<compress::result>;
};

// True for a policy that compresses (compress::none does not).
template <class C>
inline constexpr bool compresses = !std::string_view{C::extension}.empty();

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/compression.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace compress {

struct none {
    static constexpr std::string_view extension = "";
    static result compress_file(int, int) noexcept { return {}; }
};

}  // namespace compress
INKWELL_END_NAMESPACE
// ---- end inkwell/compress/none.hpp ----
// ---- begin inkwell/retain/never.hpp ----
// retain::never — keeps every file; apply() does not even list the folder.

// ---- begin inkwell/policy/retention.hpp ----
// The retention policy: which of inkwell's old log files are deleted.
//
// A retention policy is a default-constructible class with
//   `void select(inkwell::retain::listing& files, inkwell::time_point now)`
//       marks the files it wants gone (file_info::remove = true) among
//       files.files(). It sees only inkwell's own files (the layout decides
//       which names those are, detail/log_folder.hpp), never deletes anything
//       itself, and leaves alone a file that is active or already chosen
//       (file_info::removable()). `now` is the clean-up's time.
// The policy may keep state between clean-ups (retain::by_level remembers
// the levels it read); the sink that owns it calls it from one thread.
// Policies: retain::never, retain::max_age, retain::max_files,
// retain::max_bytes, retain::by_level; retain::all_of<P...> applies several
// (a file goes when any of them says so).
//
// A sink runs a clean-up in one line, at start-up and whenever a day or a
// file rolls:
//   inkwell::retain::apply(retention_, {directory_, inkwell::retain::layout::rotated_file(name)}, now, errors_);
// apply() lists the folder, lets the policy choose, and deletes what it
// chose (safely: see detail/log_folder.hpp). Errors go to the reporter
// (which may be null); nothing is thrown.


// ---- begin inkwell/detail/log_folder.hpp ----
// Listing and deleting inkwell's own files in a log folder, safely: what the
// retention policies (policy/retention.hpp, retain/*.hpp) work on.
//
// A retain::layout says which names in a folder are inkwell's:
//   date_folders(".jsonl")     <dir>/YYYY-MM-DD/<name>.jsonl and <name>+<tag>.jsonl
//                              (sink::category_files);
//   rotated_file("app.log")    <dir>/app.log and <dir>/app.log.<tag> (sink::rotating_file;
//                              one layout per file: app.log, app_errors.log);
//   sessions()                 <dir>/session_YYYY-MM-DDTHH-MM-SSZ[_<id>].jsonl (sink::session_file).
// <name> and <id> are what detail::sanitize_file_component makes (A-Z a-z
// 0-9 . _ -, not starting with '.', at most 64 bytes); a <tag> is digits,
// optionally ".digits" (by_size's 1..N, daily's 20241220 and 20241220.1).
// A compressed copy (the same name plus ".gz" or ".zst") counts as inkwell's too.
//
// Safety, because a log folder may be shared and may hold anything:
//   - nothing that does not match the layout is ever deleted;
//   - symbolic links are never followed: every entry is looked at with
//     fstatat(AT_SYMLINK_NOFOLLOW), a date folder is opened with O_NOFOLLOW
//     and checked to be the folder that was listed, and only regular files
//     are candidates (a symlink, even one named app.log.1, is not inkwell's);
//   - a file is deleted with unlinkat() on the descriptor of its folder,
//     after checking that the name still holds the file that was listed;
//   - a date folder is removed (unlinkat AT_REMOVEDIR, which refuses a
//     non-empty folder) only when a clean-up left it empty of everything;
//   - the files a sink writes now (log_folder::active, and the untagged file
//     of a rotated_file layout) are never deleted.
// The log folder itself is opened as configured (it may be a link the user
// made on purpose); only what is inside it is treated with suspicion.
// Failures are reported through the error_reporter, never thrown.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>


// ---- begin inkwell/detail/sanitize.hpp ----
// Turns a name that came from log data (a category, a session id, a base
// name) into one safe path component, so that no name can create or touch a
// file outside the log folder.
//
// The rules:
//   - only A-Z a-z 0-9 '.' '_' '-' are kept; every other byte (NUL, '/', '\\',
//     newline, space, each byte of a multi-byte UTF-8 character, invalid
//     UTF-8) becomes '_';
//   - a leading '.' becomes '_', so the result is never ".", ".." or hidden;
//   - an empty name becomes "_";
//   - at most 64 bytes: a longer name keeps its first 55 bytes and ends in '-'
//     plus 8 hex digits of a hash of the whole original name, so that two
//     long names sharing a prefix still get different files.
// Different names can still map to one component ("a/b" and "a_b"); that only
// merges two logs, it never escapes the folder.



INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::size_t max_file_component = 64;

constexpr bool is_safe_file_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// True when `text` already is a component sanitize_file_component leaves
// as it is (used to check compile-time suffixes and extensions).
constexpr bool is_safe_file_text(std::string_view text) noexcept {
    for (char c : text)
        if (!is_safe_file_char(c)) return false;
    return true;
}

namespace sanitize_impl {

// FNV-1a: a stable, dependency-free hash; only collisions between long names matter.
constexpr std::uint32_t hash(std::string_view text) noexcept {
    std::uint32_t h = 2166136261u;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return h;
}

// Writes the sanitized form of `in` to out[0..64) and returns its length.
constexpr std::size_t sanitize(std::string_view in, char* out) noexcept {
    if (in.empty()) {
        out[0] = '_';
        return 1;
    }
    const bool too_long = in.size() > max_file_component;
    const std::size_t kept = too_long ? max_file_component - 9 : in.size();
    for (std::size_t i = 0; i < kept; ++i) out[i] = is_safe_file_char(in[i]) ? in[i] : '_';
    if (out[0] == '.') out[0] = '_';
    if (!too_long) return kept;
    constexpr char hex[] = "0123456789abcdef";
    std::uint32_t h = hash(in);
    out[kept] = '-';
    for (std::size_t i = 0; i < 8; ++i) out[kept + 1 + i] = hex[(h >> (28 - 4 * i)) & 0xF];
    return max_file_component;
}

}  // namespace sanitize_impl

// Into a caller's array (no allocation); the result is NUL-terminated and the
// returned view points into `out`.
template <std::size_t N>
constexpr std::string_view sanitize_file_component(std::string_view name, char (&out)[N]) noexcept {
    static_assert(N > max_file_component, "the buffer must hold 64 bytes plus the terminating NUL");
    std::size_t len = sanitize_impl::sanitize(name, out);
    out[len] = '\0';
    return {out, len};
}

// Into a string, replacing its contents.
inline void sanitize_file_component(std::string_view name, std::string& out) {
    char buffer[max_file_component + 1];
    out.assign(sanitize_file_component(name, buffer));
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/sanitize.hpp ----
// ---- begin inkwell/detail/time_format.hpp ----
// Timestamps without <chrono>'s calendar or strftime: the civil-date
// arithmetic is a handful of integer operations, the text is written digit
// by digit, and local time is converted once per second per thread.

#include <ctime>


INKWELL_BEGIN_NAMESPACE
namespace detail {

struct civil_date {
    int year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// The calendar is counted in 400-year eras that start on 1 March of a year
// divisible by 400: with March first, the leap day is the last day of a
// year, and every era has exactly 146097 days.
inline constexpr std::int64_t days_per_era = 146097;
inline constexpr std::int64_t days_from_0000_03_01_to_epoch = 719468;

// Day of the year counted from 1 March (0..365) for a month counted from March (0..11).
constexpr unsigned days_before_month_from_march(unsigned month_from_march) noexcept {
    // Months from March run 31,30,31,30,31 twice and then 31,28/29: the
    // cumulative length is (153 * m + 2) / 5.
    return (153 * month_from_march + 2) / 5;
}

// Days since 1970-01-01 (negative before) of a proleptic Gregorian date.
constexpr std::int64_t days_from_civil(int year, unsigned month, unsigned day) noexcept {
    const std::int64_t march_year = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = floor_div(march_year, 400);
    const auto year_of_era = static_cast<unsigned>(march_year - era * 400);  // 0..399
    const unsigned month_from_march = month > 2 ? month - 3 : month + 9;
    const unsigned day_of_year = days_before_month_from_march(month_from_march) + day - 1;
    const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * days_per_era + day_of_era - days_from_0000_03_01_to_epoch;
}

// The date of a day counted from 1970-01-01; the inverse of days_from_civil.
constexpr civil_date civil_from_days(std::int64_t days_since_epoch) noexcept {
    const std::int64_t days = days_since_epoch + days_from_0000_03_01_to_epoch;
    const std::int64_t era = floor_div(days, days_per_era);
    auto rest = static_cast<unsigned>(days - era * days_per_era);  // 0..146096
    // Peel off centuries (36524 days; only the era's last one has a leap day
    // at its end), then 4-year blocks (1461 days), then years (365 days).
    // The min() catches the leap day that ends a longer block.
    unsigned centuries = rest / 36524;
    if (centuries > 3) centuries = 3;
    rest -= centuries * 36524;
    const unsigned quads = rest / 1461;
    rest -= quads * 1461;
    unsigned years = rest / 365;
    if (years > 3) years = 3;
    rest -= years * 365;
    const unsigned year_of_era = centuries * 100 + quads * 4 + years;
    const unsigned day_of_year = rest;  // 0 = 1 March
    const unsigned month_from_march = (5 * day_of_year + 2) / 153;
    const unsigned day = day_of_year - days_before_month_from_march(month_from_march) + 1;
    const unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    const std::int64_t year = era * 400 + year_of_era + (month <= 2 ? 1 : 0);
    return {static_cast<int>(year), month, day};
}

// A time point split into UTC calendar fields; milliseconds are truncated
// towards the past, so 23:59:59.9999 stays in the old second, before 1970 too.
struct utc_fields {
    civil_date date;
    unsigned hour, minute, second, millisecond;
};

inline std::int64_t epoch_milliseconds(time_point t) noexcept {
    return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline utc_fields split_utc_milliseconds(std::int64_t ms_since_epoch) noexcept {
    const std::int64_t seconds = floor_div(ms_since_epoch, 1000);
    const std::int64_t days = floor_div(seconds, 86400);
    const auto second_of_day = static_cast<unsigned>(seconds - days * 86400);
    return {civil_from_days(days), second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60,
            static_cast<unsigned>(ms_since_epoch - seconds * 1000)};
}

inline utc_fields split_utc(time_point t) noexcept { return split_utc_milliseconds(epoch_milliseconds(t)); }

// Days since 1970-01-01 of a time point's UTC date (for day-change checks).
inline std::int64_t utc_day_number(time_point t) noexcept { return floor_div(epoch_milliseconds(t), 86400000); }

// Writes `value` as exactly `width` decimal digits (leading zeros) at `at`.
constexpr char* put_digits(char* at, unsigned value, int width) noexcept {
    for (int i = width - 1; i >= 0; --i) {
        at[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return at + width;
}

// Four-digit years only: a nanosecond system_clock spans 1677..2262, so the
// clamp never changes a real timestamp; it only keeps the width fixed.
constexpr char* put_year(char* at, int year) noexcept {
    if (year < 0) year = 0;
    if (year > 9999) year = 9999;
    return put_digits(at, static_cast<unsigned>(year), 4);
}

// "YYYY-MM-DD" into `at` (10 chars), `separator` between the parts ('\0' for none).
constexpr char* put_date(char* at, const civil_date& d, char separator) noexcept {
    at = put_year(at, d.year);
    if (separator) *at++ = separator;
    at = put_digits(at, d.month, 2);
    if (separator) *at++ = separator;
    return put_digits(at, d.day, 2);
}

constexpr char* put_clock(char* at, unsigned hour, unsigned minute, unsigned second) noexcept {
    at = put_digits(at, hour, 2);
    *at++ = ':';
    at = put_digits(at, minute, 2);
    *at++ = ':';
    return put_digits(at, second, 2);
}

// Appends `n` bytes to `out` and returns where they start, for the caller to
// fill: a time written on the stack and then copied in overlapping words
// stalls the copy's loads (no store-to-load forwarding), once per record.
inline char* room_for(line_buffer& out, std::size_t n) {
    const std::size_t used = out.size();
    out.resize(used + n);
    return out.data() + used;
}

// ISO-8601 in UTC with milliseconds: "2024-12-20T10:15:30.123Z", the 24
// bytes written at `at`; returns their end. The calendar part changes once a
// second; each thread remembers the last one.
inline char* put_iso8601_utc_ms(char* at, time_point t) noexcept {
    thread_local std::int64_t cached_second = INT64_MIN;
    thread_local char cached_text[19];  // "2024-12-20T10:15:30"
    const std::int64_t ms = epoch_milliseconds(t);
    const std::int64_t second = floor_div(ms, 1000);
    if (second != cached_second) {
        const utc_fields f = split_utc_milliseconds(second * 1000);
        char* c = put_date(cached_text, f.date, '-');
        *c++ = 'T';
        put_clock(c, f.hour, f.minute, f.second);
        cached_second = second;
    }
    std::memcpy(at, cached_text, sizeof cached_text);
    at[19] = '.';
    put_digits(at + 20, static_cast<unsigned>(ms - second * 1000), 3);
    at[23] = 'Z';
    return at + 24;
}
inline void append_iso8601_utc_ms(line_buffer& out, time_point t) { put_iso8601_utc_ms(room_for(out, 24), t); }

// "YYYY-MM-DD HH:MM:SS" of one whole second, remembered per thread so that
// records within the same second skip the conversion (localtime_r takes a
// lock and may consult the time zone file).
struct second_text_cache {
    std::int64_t second = 0;
    bool valid = false;
    char text[19]{};
};

inline void render_second(second_text_cache& cache, std::int64_t second, bool utc) noexcept {
    char* at = cache.text;
    bool done = false;
    if (!utc) {
        const auto as_time_t = static_cast<std::time_t>(second);
        std::tm local{};
        if (::localtime_r(&as_time_t, &local) != nullptr) {
            at = put_date(at, civil_date{local.tm_year + 1900, static_cast<unsigned>(local.tm_mon + 1),
                                         static_cast<unsigned>(local.tm_mday)},
                          '-');
            *at++ = ' ';
            put_clock(at, static_cast<unsigned>(local.tm_hour), static_cast<unsigned>(local.tm_min),
                      static_cast<unsigned>(local.tm_sec));
            done = true;
        }
    }
    if (!done) {  // UTC asked for, or the local conversion failed
        const utc_fields f = split_utc_milliseconds(second * 1000);
        at = put_date(at, f.date, '-');
        *at++ = ' ';
        put_clock(at, f.hour, f.minute, f.second);
    }
    cache.second = second;
    cache.valid = true;
}

// The text-log time, Python logging's default: "2024-01-15 10:30:15,123",
// in local time unless `utc`.
inline void append_text_time(line_buffer& out, time_point t, bool utc) {
    thread_local second_text_cache local_cache, utc_cache;
    second_text_cache& cache = utc ? utc_cache : local_cache;
    const std::int64_t ms = epoch_milliseconds(t);
    const std::int64_t second = floor_div(ms, 1000);
    if (!cache.valid || cache.second != second) render_second(cache, second, utc);
    char* at = room_for(out, 23);
    std::memcpy(at, cache.text, sizeof cache.text);
    at[19] = ',';
    put_digits(at + 20, static_cast<unsigned>(ms - second * 1000), 3);
}

// "YYYY-MM-DD" of the UTC date, written into `buffer` (date folders).
inline std::string_view utc_date(time_point t, char (&buffer)[11]) noexcept {
    char* end = put_date(buffer, split_utc(t).date, '-');
    *end = '\0';
    return {buffer, 10};
}

// "YYYYMMDD" of the UTC date, written into `buffer` (daily rotation suffixes).
inline std::string_view compact_utc_date(time_point t, char (&buffer)[9]) noexcept {
    char* end = put_date(buffer, split_utc(t).date, '\0');
    *end = '\0';
    return {buffer, 8};
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/time_format.hpp ----

INKWELL_BEGIN_NAMESPACE

namespace detail::log_folder_impl {
struct name_match;
// What a layout's names say, for one entry of a listed folder: each layout
// carries its own matcher, so a file that never lists sessions or rotated
// backups does not compile their parsers.
using name_matcher = name_match (*)(std::string_view name, std::string_view text) noexcept;
inline name_match match_category_file(std::string_view name, std::string_view extension) noexcept;
inline name_match match_rotated_file(std::string_view name, std::string_view file) noexcept;
inline name_match match_session_file_of(std::string_view name, std::string_view) noexcept;
}  // namespace detail::log_folder_impl

namespace retain {

// Which names in a log folder are inkwell's (see the top of this file).
class layout {
public:
    enum class kind : unsigned char { date_folders, rotated_file, sessions };

    // Date folders holding <name><extension> and <name>+<tag><extension>.
    static layout date_folders(std::string_view extension) {
        return {kind::date_folders, extension, &detail::log_folder_impl::match_category_file};
    }
    // One rotating file and its backups <file_name>.<tag>; the file itself is never deleted.
    static layout rotated_file(std::string_view file_name) {
        return {kind::rotated_file, file_name, &detail::log_folder_impl::match_rotated_file};
    }
    // Session files: session_<time>[_<id>].jsonl.
    static layout sessions() { return {kind::sessions, ".jsonl", &detail::log_folder_impl::match_session_file_of}; }

    kind type() const noexcept { return kind_; }
    // The extension (date_folders, sessions) or the file's name (rotated_file).
    std::string_view text() const noexcept { return text_; }
    // What `name` (an entry of a listed folder) says under this layout.
    detail::log_folder_impl::name_match match(std::string_view name) const noexcept;

private:
    layout(kind k, std::string_view text, detail::log_folder_impl::name_matcher m)
        : kind_(k), match_(m), text_(text) {}
    kind kind_;
    detail::log_folder_impl::name_matcher match_;
    std::string text_;
};

// One log folder as a sink hands it to retention.
struct log_folder {
    std::string directory;              // the sink's folder ("logs")
    retain::layout layout;              // which names in it are inkwell's
    std::vector<std::string> active{};  // files being written, relative to directory
                                        // ("2024-12-20/engine.jsonl"): never deleted
};

// One of inkwell's files, as a retention policy sees it.
struct file_info {
    std::string path;                   // relative to the log folder: "2024-12-20/engine+1.jsonl"
    std::uint64_t bytes = 0;
    // The latest time a record in it can have: the end of its day when a date
    // folder or a dated backup tag names the day, else its last modification.
    time_point newest{};
    time_point modified{};              // st_mtime
    std::optional<level> named_level{}; // what the name says (app_errors.log: error)
    bool active = false;                // a sink writes it: never deleted
    bool remove = false;                // set by a policy: delete it
    bool compressed = false;            // .gz / .zst: its lines cannot be read here

    // Where it is, for the listing.
    std::size_t folder = 0;
    std::string name;                   // the name inside its folder
    dev_t device = 0;
    ino_t inode = 0;

    // A policy may delete it: not active and not already chosen.
    bool removable() const noexcept { return !active && !remove; }
};

// What one clean-up did.
struct result {
    std::size_t files_removed = 0;
    std::size_t folders_removed = 0;
    std::uint64_t bytes_removed = 0;
    std::size_t errors = 0;  // failures reported (listing, reading, deleting)
};

}  // namespace retain

namespace detail {
namespace log_folder_impl {

inline constexpr std::string_view compressed_suffixes[] = {".gz", ".zst"};

// Heap sort: O(n log n) on the thousands of files of a large folder, without
// <algorithm> (about 50 ms and 7 MB more to compile every file that logs).
template <class T, class Less>
void sort_in_place(std::vector<T>& v, Less less) {
    const std::size_t n = v.size();
    auto sift_down = [&](std::size_t root, std::size_t end) {
        for (;;) {
            std::size_t child = 2 * root + 1;
            if (child >= end) return;
            if (child + 1 < end && less(v[child], v[child + 1])) ++child;
            if (!less(v[root], v[child])) return;
            std::swap(v[root], v[child]);
            root = child;
        }
    };
    for (std::size_t i = n / 2; i-- > 0;) sift_down(i, n);
    for (std::size_t end = n; end-- > 1;) {
        std::swap(v[0], v[end]);
        sift_down(0, end);
    }
}

inline bool is_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

inline unsigned number(std::string_view digits) noexcept {
    unsigned v = 0;
    for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
}

// A name sanitize_file_component could have made.
inline bool is_component(std::string_view s) noexcept {
    return !s.empty() && s.size() <= max_file_component && s.front() != '.' && is_safe_file_text(s);
}

// "1", "20241220", "20241220.1": digits, optionally a dot and more digits.
inline bool is_tag(std::string_view s) noexcept {
    if (s.empty() || s.size() > 24) return false;
    auto dot = s.find('.');
    if (dot == std::string_view::npos) return is_digits(s);
    return is_digits(s.substr(0, dot)) && is_digits(s.substr(dot + 1));
}

// A valid calendar date as days since 1970 (round trip through the calendar).
inline std::optional<std::int64_t> day_of(int year, unsigned month, unsigned day) noexcept {
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::int64_t days = days_from_civil(year, month, day);
    civil_date back = civil_from_days(days);
    if (back.year != year || back.month != month || back.day != day) return std::nullopt;
    return days;
}

// "YYYY-MM-DD" (a date folder).
inline std::optional<std::int64_t> parse_dashed_date(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    if (!is_digits(s.substr(0, 4)) || !is_digits(s.substr(5, 2)) || !is_digits(s.substr(8, 2))) return std::nullopt;
    return day_of(static_cast<int>(number(s.substr(0, 4))), number(s.substr(5, 2)), number(s.substr(8, 2)));
}

// "YYYYMMDD" at the start of a tag ("20241220" or "20241220.1"): daily's backups.
inline std::optional<std::int64_t> parse_tag_date(std::string_view tag) noexcept {
    auto dot = tag.find('.');
    std::string_view head = tag.substr(0, dot);
    if (head.size() != 8) return std::nullopt;
    return day_of(static_cast<int>(number(head.substr(0, 4))), number(head.substr(4, 2)), number(head.substr(6, 2)));
}

// "YYYY-MM-DDTHH-MM-SSZ" (a session's start).
inline bool is_session_stamp(std::string_view s) noexcept {
    if (s.size() != 20 || s[10] != 'T' || s[13] != '-' || s[16] != '-' || s[19] != 'Z') return false;
    if (!parse_dashed_date(s.substr(0, 10))) return false;
    return is_digits(s.substr(11, 2)) && is_digits(s.substr(14, 2)) && is_digits(s.substr(17, 2)) &&
           number(s.substr(11, 2)) < 24 && number(s.substr(14, 2)) < 60 && number(s.substr(17, 2)) < 61;
}

inline bool ends_with(std::string_view s, std::string_view end) noexcept {
    return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

// Strips ".gz" / ".zst"; true when there was one.
inline bool strip_compressed(std::string_view& name) noexcept {
    for (auto suffix : compressed_suffixes)
        if (ends_with(name, suffix) && name.size() > suffix.size()) {
            name.remove_suffix(suffix.size());
            return true;
        }
    return false;
}

// What a matching name says about its file.
struct name_match {
    bool matches = false;
    bool active = false;        // the untagged file of a rotated_file layout
    bool compressed = false;
    std::optional<std::int64_t> day;  // the day it holds, when the name says
    std::optional<level> named_level{};  // what the name says (app_errors.log: error)
};

// In a date folder: <name><ext> or <name>+<tag><ext>.
inline name_match match_category_file(std::string_view name, std::string_view extension) noexcept {
    name_match m;
    m.compressed = strip_compressed(name);
    if (!ends_with(name, extension) || name.size() == extension.size()) return {};
    name.remove_suffix(extension.size());
    auto plus = name.find('+');
    if (plus != std::string_view::npos) {
        if (!is_tag(name.substr(plus + 1))) return {};
        name = name.substr(0, plus);
    }
    m.matches = is_component(name);
    return m;
}

// app_errors.log says it holds errors.
inline std::optional<level> level_named_by(std::string_view file) noexcept {
    auto dot = file.rfind('.');
    std::string_view stem = dot == std::string_view::npos ? file : file.substr(0, dot);
    if (ends_with(stem, "_errors") || ends_with(stem, "_error")) return level::error;
    return std::nullopt;
}

// <file> or <file>.<tag>.
inline name_match match_rotated_file(std::string_view name, std::string_view file) noexcept {
    name_match m;
    m.named_level = level_named_by(file);
    m.compressed = strip_compressed(name);
    if (name == file) {
        m.matches = true;
        m.active = !m.compressed;
        return m;
    }
    if (name.size() <= file.size() + 1 || name.substr(0, file.size()) != file || name[file.size()] != '.') return {};
    std::string_view tag = name.substr(file.size() + 1);
    if (!is_tag(tag)) return {};
    m.matches = true;
    m.day = parse_tag_date(tag);
    return m;
}

// session_<stamp>[_<id>].jsonl
inline name_match match_session_file(std::string_view name) noexcept {
    name_match m;
    m.compressed = strip_compressed(name);
    constexpr std::string_view prefix = "session_", extension = ".jsonl";
    if (name.size() < prefix.size() + 20 + extension.size() || name.substr(0, prefix.size()) != prefix ||
        !ends_with(name, extension))
        return {};
    name.remove_prefix(prefix.size());
    name.remove_suffix(extension.size());
    if (!is_session_stamp(name.substr(0, 20))) return {};
    std::string_view id = name.substr(20);
    if (!id.empty() && (id.front() != '_' || !is_component(id.substr(1)))) return {};
    m.matches = true;
    return m;
}

inline name_match match_session_file_of(std::string_view name, std::string_view) noexcept {
    return match_session_file(name);
}

inline time_point from_timespec(const timespec& ts) noexcept {
    return time_point{std::chrono::duration_cast<time_point::duration>(std::chrono::seconds{ts.tv_sec} +
                                                                      std::chrono::nanoseconds{ts.tv_nsec})};
}

inline time_point end_of_day(std::int64_t day) noexcept {
    return time_point{std::chrono::sys_days{std::chrono::days{day + 1}}};
}

inline int open_folder_at(int parent, const char* name) noexcept {
    int fd;
    do {
        fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// The level of one text or JSONL line of inkwell's formatters, from the
// line's first bytes; nullopt when it shows none.
inline std::optional<level> level_from_label(std::string_view label) noexcept {
    if (auto known = parse_level(label)) return known;
    for (unsigned n = 0; n < 255; ++n) {  // a user-defined level's name
        auto l = static_cast<level>(n);
        if (level_name(l) == label || level_label(l) == label)
            if (label != "level" && label != "LEVEL") return l;
    }
    return std::nullopt;
}

inline std::optional<level> level_of_line(std::string_view head) noexcept {
    if (!head.empty() && head.front() == '{') {
        // {"level":"warn",...}: the key must start a member (after '{' or ','),
        // so a "level" inside a string value does not count.
        for (std::size_t at = head.find("\"level\""); at != std::string_view::npos;
             at = head.find("\"level\"", at + 1)) {
            std::size_t before = at;
            while (before > 0 && head[before - 1] == ' ') --before;
            if (before == 0 || (head[before - 1] != '{' && head[before - 1] != ',')) continue;
            std::size_t p = at + 7;
            while (p < head.size() && head[p] == ' ') ++p;
            if (p >= head.size() || head[p] != ':') continue;
            ++p;
            while (p < head.size() && head[p] == ' ') ++p;
            if (p >= head.size() || head[p] != '"') return std::nullopt;
            std::size_t end = head.find('"', p + 1);
            if (end == std::string_view::npos) return std::nullopt;
            std::string_view value = head.substr(p + 1, end - p - 1);
            if (value.find('\\') != std::string_view::npos) return std::nullopt;
            return level_from_label(value);
        }
        return std::nullopt;
    }
    if (!head.empty() && head.front() == '[') {
        // [2024-01-15 10:30:15,123] [INFO] [auth] message
        std::size_t open = head.find("] [");
        if (open == std::string_view::npos) return std::nullopt;
        std::size_t close = head.find(']', open + 3);
        if (close == std::string_view::npos) return std::nullopt;
        return level_from_label(head.substr(open + 3, close - open - 3));
    }
    return std::nullopt;
}

}  // namespace log_folder_impl
}  // namespace detail

namespace retain {

inline detail::log_folder_impl::name_match layout::match(std::string_view name) const noexcept {
    return match_(name, text_);
}

// inkwell's files in one log folder, with the folder descriptors kept open
// so that reading and deleting go through the folders that were listed.
// Made by listing::scan(); not copyable. A class template only so that a
// file which never cleans up a folder pays nothing to compile it (a plain
// class instantiates the std templates it uses at once): use `listing`.
template <class Unused = void>
class basic_listing {
    using listing = basic_listing;

public:
    basic_listing() = default;
    basic_listing(listing&& other) noexcept
        : files_(std::move(other.files_)), folders_(std::move(other.folders_)),
          directory_(std::move(other.directory_)), errors_(other.errors_),
          error_count_(other.error_count_) {
        other.folders_.clear();
    }
    listing& operator=(listing&&) = delete;
    basic_listing(const listing&) = delete;
    listing& operator=(const listing&) = delete;
    ~basic_listing() {
        for (auto& f : folders_)
            if (f.fd >= 0) ::close(f.fd);
    }

    // Lists what `folder.layout` says is inkwell's. A missing folder is an
    // empty listing (nothing was written yet); other failures are reported.
    INKWELL_COLD static listing scan(const log_folder& folder, error_reporter* errors) {
        namespace impl = detail::log_folder_impl;
        listing out;
        out.errors_ = errors;
        out.directory_ = folder.directory;
        if (out.directory_.empty()) out.directory_.assign(1, '.');
        int root;
        do {
            root = ::open(out.directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } while (root < 0 && errno == EINTR);
        if (root < 0) {
            if (errno != ENOENT) out.report(errno, out.directory_, "cannot open the log folder");
            return out;
        }
        struct stat root_st {};
        (void)::fstat(root, &root_st);
        out.folders_.push_back({root, {}, root_st.st_dev, root_st.st_ino, 0, 0});

        const layout& l = folder.layout;
        if (l.type() == layout::kind::date_folders) {
            std::vector<std::string> date_folders;
            out.list(0, l, 0, &date_folders);
            for (const auto& name : date_folders)
                out.scan_date_folder(name, *impl::parse_dashed_date(name), l);
        } else {
            out.list(0, l, 0, nullptr);
        }
        for (auto& f : out.files_)
            for (const auto& a : folder.active)
                if (f.path == a) f.active = true;
        return out;
    }

    std::vector<file_info>& files() noexcept { return files_; }
    const std::vector<file_info>& files() const noexcept { return files_; }

    // The files a policy may still delete, oldest first (by `newest`, then
    // by modification time, then by name).
    std::vector<file_info*> removable_oldest_first() {
        std::vector<file_info*> out;
        for (auto& f : files_)
            if (f.removable()) out.push_back(&f);
        detail::log_folder_impl::sort_in_place(out, [](const file_info* a, const file_info* b) {
            if (a->newest != b->newest) return a->newest < b->newest;
            if (a->modified != b->modified) return a->modified < b->modified;
            return a->path < b->path;
        });
        return out;
    }

    // The most severe level among the file's lines, read once from the
    // start: stops at the first line at or above `enough`, and after
    // `max_bytes`. nullopt when it cannot tell (unreadable, compressed, a
    // line that shows no level, or the limit reached first): the caller then
    // keeps the file as if it held the most severe level.
    std::optional<level> most_severe_level(const file_info& f, level enough, std::uint64_t max_bytes) {
        if (f.named_level) return f.named_level;
        if (f.compressed) return std::nullopt;
        int fd;
        do {
            fd = ::openat(folders_[f.folder].fd, f.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            if (errno != ENOENT) report(errno, f.path, "cannot read a log file's levels");
            return std::nullopt;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != f.inode || st.st_dev != f.device) {
            ::close(fd);
            return std::nullopt;
        }
        constexpr std::size_t head_limit = 512;  // a line's level is within its first bytes
        char chunk[16384];
        std::string head;
        head.reserve(head_limit);
        bool any_line = false, unknown = false;
        level most = level::trace;
        std::uint64_t read_total = 0;
        auto finish_line = [&]() {
            if (head.empty()) return;  // an empty line says nothing
            auto l = detail::log_folder_impl::level_of_line(head);
            if (!l) unknown = true;
            else if (!any_line || *l > most) most = *l;
            any_line = true;
            head.clear();
        };
        bool done = false, complete = false;
        while (!done) {
            const std::uint64_t left = max_bytes - read_total;
            if (left == 0) break;  // bounded: the rest stays unknown
            auto n = ::read(fd, chunk, left < sizeof chunk ? static_cast<std::size_t>(left) : sizeof chunk);
            if (n < 0) {
                if (errno == EINTR) continue;
                report(errno, f.path, "cannot read a log file's levels");
                unknown = true;
                break;
            }
            if (n == 0) {
                finish_line();  // a last line without '\n'
                complete = true;
                break;
            }
            read_total += static_cast<std::uint64_t>(n);
            for (ssize_t i = 0; i < n && !done; ++i) {
                if (chunk[i] == '\n') {
                    finish_line();
                    if (unknown || (any_line && most >= enough)) done = true;
                } else if (head.size() < head_limit) {
                    head.push_back(chunk[i]);
                }
            }
        }
        ::close(fd);
        if (unknown) return std::nullopt;
        if (any_line && most >= enough) return most;
        if (!complete) return std::nullopt;
        return any_line ? most : level::trace;  // an empty file holds nothing worth keeping
    }

    // Deletes the files a policy chose, then the date folders this left empty.
    INKWELL_COLD result remove_chosen() {
        result r;
        for (auto& f : files_) {
            if (!f.remove || f.active) continue;
            folder_handle& dir = folders_[f.folder];
            struct stat st {};
            if (::fstatat(dir.fd, f.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT) report(errno, f.path, "cannot check an expired log file");
                continue;
            }
            // The name must still hold the file that was listed.
            if (!S_ISREG(st.st_mode) || st.st_ino != f.inode || st.st_dev != f.device) continue;
            if (::unlinkat(dir.fd, f.name.c_str(), 0) != 0) {
                if (errno != ENOENT) report(errno, f.path, "cannot remove an expired log file");
                continue;
            }
            ++r.files_removed;
            r.bytes_removed += f.bytes;
            --dir.entries;
            ++dir.removed;
        }
        for (std::size_t i = 1; i < folders_.size(); ++i) {
            folder_handle& dir = folders_[i];
            if (dir.removed == 0 || dir.entries != 0) continue;
            struct stat st {};
            if (::fstatat(folders_[0].fd, dir.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
                st.st_ino != dir.inode || st.st_dev != dir.device)
                continue;
            // AT_REMOVEDIR refuses a folder that is not empty: something put there since stays.
            if (::unlinkat(folders_[0].fd, dir.name.c_str(), AT_REMOVEDIR) == 0) {
                ++r.folders_removed;
            } else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
                report(errno, dir.name, "cannot remove an empty date folder");
            }
        }
        r.errors = error_count_;
        return r;
    }

    std::size_t errors() const noexcept { return error_count_; }

private:
    struct folder_handle {
        int fd = -1;
        std::string name;  // relative to the log folder; empty for the log folder itself
        dev_t device = 0;
        ino_t inode = 0;
        std::size_t entries = 0;  // everything in it, inkwell's or not
        std::size_t removed = 0;
    };

    // Lists the open folder `folders_[folder]`: fstatat(AT_SYMLINK_NOFOLLOW)
    // on each entry, keeping inkwell's (take()). Counts every entry. Plain
    // loops, no callbacks: this is compiled by every file that cleans up.
    INKWELL_COLD void list(std::size_t folder, const layout& l, std::int64_t day, std::vector<std::string>* date_folders) {
        const int fd = folders_[folder].fd;
        std::size_t entries = 0;
        int err = 0;
        const int copy = ::dup(fd);  // fdopendir takes ownership of the descriptor it is given
        DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
        if (!dir) {
            err = errno;
            if (copy >= 0) ::close(copy);
        } else {
            ::rewinddir(dir);
            errno = 0;
            while (const dirent* e = ::readdir(dir)) {
                const std::string_view name{e->d_name};
                if (name != "." && name != "..") {
                    ++entries;
                    struct stat st {};
                    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        take(folder, l, day, name, st, date_folders);
                }
                errno = 0;
            }
            err = errno;
            ::closedir(dir);
        }
        folders_[folder].entries = entries;
        if (err != 0) report(err, folders_[folder].name.empty() ? directory_ : folders_[folder].name,
                             "cannot list the log folder");
    }

    // Keeps one entry of a listed folder when it is inkwell's.
    INKWELL_COLD void take(std::size_t folder, const layout& l, std::int64_t day, std::string_view name, const struct stat& st,
              std::vector<std::string>* date_folders) {
        namespace impl = detail::log_folder_impl;
        if (date_folders) {  // the log folder of a date_folders layout: YYYY-MM-DD folders
            // A symlink is S_ISLNK here: never followed.
            if (S_ISDIR(st.st_mode) && impl::parse_dashed_date(name)) date_folders->push_back(std::string(name));
            return;
        }
        if (!S_ISREG(st.st_mode)) return;
        impl::name_match m = l.match(name);
        if (l.type() == layout::kind::date_folders) m.day = day;  // the folder names the day its records happened
        if (!m.matches) return;
        file_info& f = add(folder, name, st, m);
        f.named_level = m.named_level;
    }

    INKWELL_COLD void scan_date_folder(const std::string& name, std::int64_t day, const layout& l) {
        namespace impl = detail::log_folder_impl;
        struct stat listed {};
        if (::fstatat(folders_[0].fd, name.c_str(), &listed, AT_SYMLINK_NOFOLLOW) != 0) return;
        int fd = impl::open_folder_at(folders_[0].fd, name.c_str());  // O_NOFOLLOW: a link swapped in fails
        if (fd < 0) {
            if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
                report(errno, name, "cannot open a date folder");
            return;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || st.st_ino != listed.st_ino || st.st_dev != listed.st_dev) {
            ::close(fd);
            return;
        }
        folders_.push_back({fd, name, st.st_dev, st.st_ino, 0, 0});
        list(folders_.size() - 1, l, day, nullptr);
    }

    INKWELL_COLD file_info& add(std::size_t folder, std::string_view name, const struct stat& st,
                   const detail::log_folder_impl::name_match& m) {
        namespace impl = detail::log_folder_impl;
        file_info& f = files_.emplace_back();
        f.folder = folder;
        f.name.assign(name);
        f.path = folders_[folder].name.empty() ? f.name : folders_[folder].name + '/' + f.name;
        f.bytes = static_cast<std::uint64_t>(st.st_size);
        f.modified = impl::from_timespec(st.st_mtim);
        f.newest = m.day ? impl::end_of_day(*m.day) : f.modified;
        f.active = m.active;
        f.compressed = m.compressed;
        f.device = st.st_dev;
        f.inode = st.st_ino;
        return f;
    }

    void report(int err, std::string_view path, std::string_view what) noexcept {
        ++error_count_;
        if (errors_) errors_->report({error_kind::retention, err, path, what});
    }

    std::vector<file_info> files_;
    std::vector<folder_handle> folders_;  // [0] is the log folder itself
    std::string directory_;
    error_reporter* errors_ = nullptr;
    std::size_t error_count_ = 0;
};

using listing = basic_listing<>;

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/log_folder.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class R>
concept retention = std::default_initializable<R> && requires(R& r, retain::listing& files, time_point now) {
    r.select(files, now);
};

}  // namespace policy

namespace retain {

struct never;

// Lists `folder`, lets `policy` choose, deletes the chosen files and the
// date folders left empty. Returns what it did; failures are also reported.
template <policy::retention Policy>
result apply(Policy& policy, const log_folder& folder, time_point now, error_reporter* errors) {
    if constexpr (std::is_same_v<std::remove_cv_t<Policy>, never>) {
        return {};  // keeps everything: no need to even list the folder
    } else {
        listing files = listing::scan(folder, errors);
        policy.select(files, now);
        return files.remove_chosen();
    }
}

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/retention.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace retain {

struct never {
    constexpr void select(listing&, time_point) const noexcept {}
};

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/retain/never.hpp ----
// ---- begin inkwell/policy/classifier.hpp ----
// The classifier policy: which category a record belongs to.
//
// A classifier is a default-constructible class with
//   `std::string_view classify(const inkwell::record& r)`
// returning the category; the view must stay valid for the classifier's life.
// Optionally, `static constexpr std::string_view classify_literal(std::string_view format)`
// decides the category from a literal format string at compile time (return
// an empty view when the literal alone cannot decide).



INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class C>
concept classifier_classifies = requires(C& c, const record& r) {
    { c.classify(r) } -> std::convertible_to<std::string_view>;
};

template <class C>
concept classifier = std::default_initializable<C> && classifier_classifies<C>;

template <class C>
concept classifies_literals = requires(std::string_view format) {
    { C::classify_literal(format) } -> std::convertible_to<std::string_view>;
};

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/classifier.hpp ----
// ---- begin inkwell/policy/clock.hpp ----
// The clock policy: where a logger's "now" comes from.
//
// A clock is a class with
//   `static inkwell::time_point now() noexcept`
// read for every record's time (on the calling thread), the logger's start
// time, inkwell's own notes ("N records dropped since T") and the sinks'
// retention ("which files are old enough to go", through sink_context::now).
// A config names it as `using clock = ...;` (default_config: clock::system).
//
// A static function, not an object: the logger, the async buffer's call
// site and every sink reach it without an instance being passed around or
// outliving anything, and sink_context carries it as a plain function
// pointer. Tests that need several independent clocks use
// clock::basic_manual<Tag> with a tag each.



INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class C>
concept clock = requires {
    { C::now() } noexcept -> std::same_as<time_point>;
};

// The clock a backend (buffer policy, buffer/async.hpp) reads: the logger's
// backend declares `using clock = ...`; anything else reads the system clock.
template <class Backend>
struct clock_of {
    using type = inkwell::clock::system;
};
template <class Backend>
    requires requires { typename Backend::clock; }
struct clock_of<Backend> {
    using type = typename Backend::clock;
};
template <class Backend>
using clock_of_t = typename clock_of<Backend>::type;

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/clock.hpp ----
// ---- begin inkwell/policy/dedup.hpp ----
// The dedup policy: which records are repeats, and what to say about them.
//
// A dedup policy is a default-constructible class with
//   `template <class Forward> void process(const inkwell::record& r, Forward&& forward)`
//     calling `forward(const record&)` for each record to write (none for a
//     suppressed repeat, or a summary record before the new one);
//   `template <class Forward> void flush(Forward&& forward)`
//     writing whatever summary is pending (called on flush and shutdown).
// The logger calls both under its own serialisation: no locking needed inside.



INKWELL_BEGIN_NAMESPACE
namespace policy {

namespace detail_dedup {
struct forward_archetype {
    void operator()(const record&) const {}
};
}  // namespace detail_dedup

template <class D>
concept dedup_processes = requires(D& d, const record& r, detail_dedup::forward_archetype f) { d.process(r, f); };

template <class D>
concept dedup_flushes = requires(D& d, detail_dedup::forward_archetype f) { d.flush(f); };

template <class D>
concept dedup = std::default_initializable<D> && dedup_processes<D> && dedup_flushes<D>;

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/dedup.hpp ----
// ---- begin inkwell/policy/formatter.hpp ----
// The formatter policy: how a record becomes one line.
//
// A formatter is a default-constructible class with
//   `void format(const inkwell::record& r, inkwell::detail::line_buffer& out)`
// that appends exactly one line, ending in '\n', with no other newline in it.



INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class F>
concept formatter_formats = requires(F& f, const record& r, detail::line_buffer& out) { f.format(r, out); };

template <class F>
concept formatter = std::default_initializable<F> && formatter_formats<F>;

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/formatter.hpp ----
// ---- begin inkwell/policy/rotation.hpp ----
// The rotation policy: when a log file is moved aside, and under what name.
//
// A rotation policy is a default-constructible class (it may read its
// settings from the environment there) with
//   `bool due(const inkwell::rotate::file_state& f, inkwell::time_point record_time,
//             std::size_t incoming_bytes)`
//       asked before each record goes to the file: true when `f` must be
//       rotated before the record's `incoming_bytes` are added to it;
//   `inkwell::rotate::outcome rotate(const inkwell::rotate::file_state& f)`
//       moves the active file to a backup name (and removes backups beyond
//       the policy's count); called with every earlier line already in the
//       file. `outcome::moved` tells the sink to start a new file; when it is
//       false the sink keeps writing to the current one, so no record is lost.
//       `outcome::backup` names the new backup (the sink hands it to its
//       compression policy). Errors are returned, never thrown; the sink
//       reports them. Backups may be compressed (app.log.1.gz, see
//       compressed_extensions): a policy that renames or deletes backups
//       treats every form of a backup alike.
// A file sink that takes a rotation policy (sink::rotating_file,
// sink::category_files) keeps one policy object and asks it about each of its
// files; per-file facts live in file_state, so a policy needs no per-file state.
// Policies: rotate::never, rotate::by_size, rotate::daily, rotate::from_env.
//
// Backup names are `backup_prefix + tag + backup_suffix` in the file's folder,
// the tag being what the policy chooses ("1", "20250914"); e.g. app.log →
// app.log.1 (prefix "app.log.", suffix ""), engine.jsonl → engine+1.jsonl.


// ---- begin inkwell/detail/system.hpp ----
// Small system facts the logger needs: the thread id, random bytes for
// UUIDs, and environment look-ups.

#include <cstdlib>

#include <pthread.h>
#include <sys/random.h>
#include <sys/syscall.h>


INKWELL_BEGIN_NAMESPACE
namespace detail {

inline std::uint32_t& thread_id_cache() noexcept {
    thread_local std::uint32_t id = 0;  // 0: not looked up yet (no thread has id 0)
    return id;
}

// After fork() the child's forking thread has a new kernel id: forget the
// parent's (the other threads do not exist in the child).
inline void forget_thread_id_after_fork() noexcept { thread_id_cache() = 0; }

// The kernel's id of the calling thread, looked up once per thread (and once
// more in a forked child).
inline std::uint32_t current_thread_id() noexcept {
    std::uint32_t& id = thread_id_cache();
    if (id == 0) [[unlikely]] {
        static const bool registered = (::pthread_atfork(nullptr, nullptr, &forget_thread_id_after_fork), true);
        (void)registered;
        id = static_cast<std::uint32_t>(::syscall(SYS_gettid));
    }
    return id;
}

// Fills `out` with random bytes: getrandom(2), and if that is unavailable a
// mix of time, pid and address bits (unique enough for a session id).
inline void random_bytes(unsigned char* out, std::size_t size) noexcept {
    std::size_t got = 0;
    while (got < size) {
        auto n = ::getrandom(out + got, size - got, GRND_NONBLOCK);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got == size) return;
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    std::uint64_t x = static_cast<std::uint64_t>(ts.tv_nsec) ^ (static_cast<std::uint64_t>(ts.tv_sec) << 20) ^
                      (static_cast<std::uint64_t>(::getpid()) << 40) ^ reinterpret_cast<std::uintptr_t>(out);
    for (std::size_t i = got; i < size; ++i) {
        x ^= x << 13;  // xorshift: spreads the few bits of entropy over every byte
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = static_cast<unsigned char>(x >> 32);
    }
}

// A random (version 4) UUID in its 36-character text form.
inline std::string make_uuid_v4() {
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(hex[b[i] >> 4]);
        s.push_back(hex[b[i] & 0x0F]);
    }
    return s;
}

// The value of an environment variable, or an empty view.
// The program's name without its folders ("" where the C library does not say).
inline std::string_view program_name() noexcept {
#if defined(__GLIBC__)
    return program_invocation_short_name ? program_invocation_short_name : "";
#else
    return {};
#endif
}

inline std::string_view env(const char* name) noexcept {
    const char* v = std::getenv(name);
    return v ? std::string_view{v} : std::string_view{};
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/system.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace rotate {

// One file as the rotation policy sees it.
struct file_state {
    std::string_view directory;      // the folder of the file and of its backups
    std::string_view name;           // the active file's name: "app.log"
    std::string_view backup_prefix;  // a backup is named backup_prefix + tag + backup_suffix
    std::string_view backup_suffix;
    std::uint64_t size = 0;          // bytes in the file, counting lines not yet flushed
    // When the file's first record was written (for a file found non-empty at
    // open: its last modification time); time_point{} while the file is empty.
    time_point first_record{};

    std::string active_path() const {
        std::string p;
        p.reserve(directory.size() + 1 + name.size());
        p.append(directory).append("/").append(name);
        return p;
    }
    std::string backup_path(std::string_view tag) const {
        std::string p;
        p.reserve(directory.size() + 1 + backup_prefix.size() + tag.size() + backup_suffix.size());
        p.append(directory).append("/").append(backup_prefix).append(tag).append(backup_suffix);
        return p;
    }
};

// What rotate() did.
struct outcome {
    bool moved = false;       // the active file has its backup name now: the sink starts a new one
    int error = 0;            // errno of the first failure, 0 when none
    const char* what = "";    // which step failed, for the error report
    std::string backup{};     // when moved: the backup's path (what a compression policy compresses);
                              // a policy may leave it empty, and its backups are then not compressed
};

// What a compression policy adds to a finished file's name. A backup exists
// in any of these forms too (app.log.1.gz): rotation that renames or deletes
// backups handles every form, so a compressed backup counts like a plain one.
inline constexpr std::string_view compressed_extensions[] = {".gz", ".zst"};

// Reads a non-negative whole number from an environment variable; `fallback`
// when it is unset or not a plain number (a typo must not turn rotation off).
inline std::uint64_t env_number(const char* name, std::uint64_t fallback, std::uint64_t max) noexcept {
    std::string_view text = detail::env(name);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return fallback;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return fallback;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (value > max) return fallback;
    }
    return value;
}

// INKWELL_LOG_MAX_SIZE_MB (MiB; 0 = no size limit), else `fallback` bytes.
inline std::uint64_t max_bytes_from_env(std::uint64_t fallback) noexcept {
    constexpr std::uint64_t mib = 1024 * 1024;
    std::uint64_t megabytes = env_number("INKWELL_LOG_MAX_SIZE_MB", UINT64_MAX, std::uint64_t{1} << 30);
    return megabytes == UINT64_MAX ? fallback : megabytes * mib;
}

// INKWELL_LOG_BACKUP_COUNT, else `fallback`.
inline unsigned backup_count_from_env(unsigned fallback) noexcept {
    return static_cast<unsigned>(env_number("INKWELL_LOG_BACKUP_COUNT", fallback, 100000));
}

}  // namespace rotate

namespace policy {

template <class R>
concept rotation_decides = requires(R& r, const rotate::file_state& f, time_point t, std::size_t n) {
    { r.due(f, t, n) } -> std::convertible_to<bool>;
};

template <class R>
concept rotation_rotates = requires(R& r, const rotate::file_state& f) {
    { r.rotate(f) } -> std::same_as<rotate::outcome>;
};

template <class R>
concept rotation = std::default_initializable<R> && rotation_decides<R> && rotation_rotates<R>;

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/rotation.hpp ----
// ---- begin inkwell/policy/sink.hpp ----
// The sink policy: where formatted lines go.
//
// A sink is a class that
//   - is constructible from `const inkwell::sink_context&`;
//   - has `void write(const inkwell::record& r, std::string_view line)`: `line` is
//     one whole formatted record ending in '\n'. The sink may hold it back, but
//     every write(2) it makes contains whole lines only;
//   - has `void flush()`: hand everything held back to the kernel.
// Optionally:
//   - `void commit()`: what the logger calls after each record it wrote (sync)
//     or each round of the async writer: the lines that should reach the
//     kernel now. A sink without it gets flush() there. A sink with many
//     files (sink::category_files) writes only what is due and keeps the rest
//     for later; flush() still hands everything over (logger::flush());
//   - `void rotate_now()`: rotate on request (logger::rotate());
//   - `void reopen()`: close its files and open them again by name, for a
//     file moved or deleted by another tool (logrotate; logger::reopen(),
//     e.g. on SIGHUP). Lines held back go to the file opened anew.
//   - `template <class Rotation> using with_rotation = ...;`: the sink takes a
//     rotation policy, and the logger binds the config's `rotation` into it;
//     likewise `with_retention` (the config's `retention`, policy/retention.hpp)
//     and `with_compression` (its `compression`, policy/compression.hpp). Each
//     keeps the sink's other parameters.
// A sink that needs the time of day for anything but a record (retention:
// which files are old) calls `context.now()`, never the system clock, so a
// test's clock drives it too.
// Failures go to `context.errors->report(...)` and the line to
// `context.errors->fallback(line)`; a sink never throws into the caller.



INKWELL_BEGIN_NAMESPACE

// How a file sink writes a note of inkwell's own (e.g. "inkwell: 12 records
// dropped since ...") into its file as a record in the logger's format:
// level warn, category "inkwell", the time of the call. The logger fills it
// in; a sink made without a logger gets none and writes a plain line.
struct report_formatter {
    void (*format)(void* target, std::string_view message, std::string& out) = nullptr;
    void* target = nullptr;

    explicit operator bool() const noexcept { return format != nullptr; }
    void operator()(std::string_view message, std::string& out) const { format(target, message, out); }
};

// One run-time setting for a sink that needs more than a folder: the
// PostgreSQL sink's "postgres" connection string, the Redis sink's "redis"
// address. Set in logger_options::settings; each sink documents its keys.
struct sink_setting {
    std::string key;
    std::string value;
};

// What a sink is built from: the logger's run-time settings.
struct sink_context {
    std::string directory = "logs";             // every file a sink makes lives below this
    std::string base_name = "app";             // "app" → app.log, app_errors.log
    std::string logger_name = "app";
    std::string session_id;                    // UUID v4 of this logger's lifetime
    time_point start_time{};                   // when the logger was made
    unsigned file_mode = 0644;
    unsigned directory_mode = 0755;
    error_reporter* errors = nullptr;          // never null in a logger
    report_formatter format_report{};          // set by the logger
    // The logger's clock (its config's `clock`, policy/clock.hpp): what a
    // sink's retention takes as "now". A record's own time is in the record.
    time_point (*now)() noexcept = &inkwell::clock::system::now;
    std::vector<sink_setting> settings{};      // logger_options::settings

    // The value of the last setting named `key`, or `fallback`.
    std::string_view setting(std::string_view key, std::string_view fallback = {}) const noexcept {
        for (auto it = settings.rbegin(); it != settings.rend(); ++it)
            if (it->key == key) return it->value;
        return fallback;
    }
};

namespace policy {

template <class S>
concept sink_constructible = std::constructible_from<S, const sink_context&>;

template <class S>
concept sink_writes = requires(S& s, const record& r, std::string_view line) { s.write(r, line); };

template <class S>
concept sink_flushes = requires(S& s) { s.flush(); };

template <class S>
concept sink = sink_constructible<S> && sink_writes<S> && sink_flushes<S>;

template <class S>
concept sink_commits = requires(S& s) { s.commit(); };

// The end of a batch of records: commit() where the sink has it, else flush().
template <class S>
void commit_or_flush(S& s) {
    if constexpr (sink_commits<S>)
        s.commit();
    else
        s.flush();
}

template <class S>
concept sink_rotates_on_request = requires(S& s) { s.rotate_now(); };

template <class S>
concept sink_reopens = requires(S& s) { s.reopen(); };

template <class S>
concept sink_takes_rotation = requires { typename S::template with_rotation<void>; };

template <class S>
concept sink_takes_retention = requires { typename S::template with_retention<void>; };

template <class S>
concept sink_takes_compression = requires { typename S::template with_compression<void>; };

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/sink.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace policy {

namespace stand_in {
struct sink {
    explicit sink(const sink_context&) {}
    void write(const record&, std::string_view) {}
    void flush() {}
};
struct formatter {
    void format(const record&, detail::line_buffer&) {}
};
struct classifier {
    std::string_view classify(const record&) { return "general"; }
};
struct dedup {
    template <class F>
    void process(const record& r, F&& f) {
        f(r);
    }
    template <class F>
    void flush(F&&) {}
};
struct buffer {
    template <class Backend>
    struct engine {
        explicit engine(Backend&) {}
        void submit(const record&) {}
        void flush() {}
        void stop() {}
        template <class F>
        void exclusive(F&&) {}
    };
};
}  // namespace stand_in

template <class Config>
struct checked_config {
    // The config must name every policy kind (derive from inkwell::default_config to inherit defaults).
    static constexpr bool has_sink = requires { typename Config::sink; };
    static constexpr bool has_formatter = requires { typename Config::formatter; };
    static constexpr bool has_classifier = requires { typename Config::classifier; };
    static constexpr bool has_dedup = requires { typename Config::dedup; };
    static constexpr bool has_buffer = requires { typename Config::buffer; };
    static constexpr bool has_rotation = requires { typename Config::rotation; };
    static constexpr bool has_all = has_sink && has_formatter && has_classifier && has_dedup && has_buffer && has_rotation;

    template <class T, bool Ok, class Fallback>
    using pick = std::conditional_t<Ok, T, Fallback>;

    // Each member type is looked up lazily, so a missing one is only the static_assert above.
    template <class C, class Fallback> struct sink_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::sink; }
    struct sink_of<C, Fallback> { using type = typename C::sink; };
    template <class C, class Fallback> struct formatter_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::formatter; }
    struct formatter_of<C, Fallback> { using type = typename C::formatter; };
    template <class C, class Fallback> struct classifier_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::classifier; }
    struct classifier_of<C, Fallback> { using type = typename C::classifier; };
    template <class C, class Fallback> struct dedup_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::dedup; }
    struct dedup_of<C, Fallback> { using type = typename C::dedup; };
    template <class C, class Fallback> struct buffer_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::buffer; }
    struct buffer_of<C, Fallback> { using type = typename C::buffer; };
    template <class C, class Fallback> struct rotation_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::rotation; }
    struct rotation_of<C, Fallback> { using type = typename C::rotation; };
    // Optional members: a config without them keeps every file, uncompressed.
    template <class C, class Fallback> struct retention_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::retention; }
    struct retention_of<C, Fallback> { using type = typename C::retention; };
    template <class C, class Fallback> struct compression_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::compression; }
    struct compression_of<C, Fallback> { using type = typename C::compression; };
    template <class C, class Fallback> struct clock_of { using type = Fallback; };
    template <class C, class Fallback> requires requires { typename C::clock; }
    struct clock_of<C, Fallback> { using type = typename C::clock; };

    using raw_sink = pick<typename sink_of<Config, stand_in::sink>::type, has_all, stand_in::sink>;
    using raw_formatter = pick<typename formatter_of<Config, stand_in::formatter>::type, has_all, stand_in::formatter>;
    using raw_classifier = pick<typename classifier_of<Config, stand_in::classifier>::type, has_all, stand_in::classifier>;
    using raw_dedup = pick<typename dedup_of<Config, stand_in::dedup>::type, has_all, stand_in::dedup>;
    using raw_buffer = pick<typename buffer_of<Config, stand_in::buffer>::type, has_all, stand_in::buffer>;
    using raw_rotation = pick<typename rotation_of<Config, void>::type, has_all, void>;
    using raw_retention = typename retention_of<Config, retain::never>::type;
    using raw_compression = typename compression_of<Config, compress::none>::type;
    using raw_clock = typename clock_of<Config, inkwell::clock::system>::type;

    // --- rotation (only checked when the sink takes one)
    static constexpr bool sink_takes_rotation = policy::sink_takes_rotation<raw_sink>;
    static constexpr bool rotation_ok = !has_all || !sink_takes_rotation || policy::rotation<raw_rotation>;

    template <class S, bool Bind = sink_takes_rotation && rotation_ok && has_all>
    struct bind_rotation {
        using type = S;
    };
    template <class S>
    struct bind_rotation<S, true> {
        using type = typename S::template with_rotation<raw_rotation>;
    };
    using rotation_bound_sink = typename bind_rotation<raw_sink>::type;

    // --- retention and compression: checked whatever the sink, as a config
    // that names a policy means it; bound into a sink that takes them.
    static constexpr bool retention_ok = !has_all || !rotation_ok || policy::retention<raw_retention>;
    static constexpr bool compression_ok =
        !has_all || !rotation_ok || !retention_ok || policy::compression<raw_compression>;
    static constexpr bool file_policies_ok = has_all && rotation_ok && retention_ok && compression_ok;

    template <class S, bool Bind = policy::sink_takes_retention<S> && file_policies_ok>
    struct bind_retention {
        using type = S;
    };
    template <class S>
    struct bind_retention<S, true> {
        using type = typename S::template with_retention<raw_retention>;
    };
    template <class S, bool Bind = policy::sink_takes_compression<S> && file_policies_ok>
    struct bind_compression {
        using type = S;
    };
    template <class S>
    struct bind_compression<S, true> {
        using type = typename S::template with_compression<raw_compression>;
    };
    using bound_sink = typename bind_compression<typename bind_retention<rotation_bound_sink>::type>::type;

    // --- sink
    static constexpr bool sink_ctor = !rotation_ok || !retention_ok || !compression_ok ||
                                      sink_constructible<bound_sink>;
    static constexpr bool sink_write = !sink_ctor || sink_writes<bound_sink>;
    static constexpr bool sink_flush = !sink_write || sink_flushes<bound_sink>;
    static constexpr bool sink_ok = rotation_ok && retention_ok && compression_ok && sink_ctor && sink_write && sink_flush;

    // --- formatter
    static constexpr bool formatter_ctor = !sink_ok || std::default_initializable<raw_formatter>;
    static constexpr bool formatter_format = !formatter_ctor || formatter_formats<raw_formatter>;
    static constexpr bool formatter_ok = sink_ok && formatter_ctor && formatter_format;

    // --- classifier
    static constexpr bool classifier_ctor = !formatter_ok || std::default_initializable<raw_classifier>;
    static constexpr bool classifier_classify = !classifier_ctor || classifier_classifies<raw_classifier>;
    static constexpr bool classifier_ok = formatter_ok && classifier_ctor && classifier_classify;

    // --- dedup
    static constexpr bool dedup_ctor = !classifier_ok || std::default_initializable<raw_dedup>;
    static constexpr bool dedup_process = !dedup_ctor || dedup_processes<raw_dedup>;
    static constexpr bool dedup_flush = !dedup_process || dedup_flushes<raw_dedup>;
    static constexpr bool dedup_ok = classifier_ok && dedup_ctor && dedup_process && dedup_flush;

    // --- buffer
    static constexpr bool buffer_engine = !dedup_ok || buffer_has_engine<raw_buffer>;
    static constexpr bool buffer_works = !buffer_engine || !dedup_ok || buffer<raw_buffer>;
    static constexpr bool all_ok = dedup_ok && buffer_engine && buffer_works;

    // --- clock (optional: a config without one reads the system clock). A
    // bad one is replaced by the system clock, so only its message shows.
    static constexpr bool clock_valid = policy::clock<raw_clock>;
    static constexpr bool clock_ok = !all_ok || clock_valid;

    using sink = pick<bound_sink, all_ok, stand_in::sink>;
    using formatter = pick<raw_formatter, all_ok, stand_in::formatter>;
    using classifier = pick<raw_classifier, all_ok, stand_in::classifier>;
    using dedup = pick<raw_dedup, all_ok, stand_in::dedup>;
    using buffer = pick<raw_buffer, all_ok, stand_in::buffer>;
    using rotation = raw_rotation;
    using retention = raw_retention;
    using compression = raw_compression;
    using clock = pick<raw_clock, clock_valid, inkwell::clock::system>;
};


// The messages. They live in a function, not in checked_config, so that a
// failed check leaves every type usable (clang stops using a class whose
// static_assert failed, and would add errors of its own after ours).
template <class Config>
constexpr void diagnose_config() {
    using c = checked_config<Config>;
    static_assert(c::has_all,
                  "inkwell: the config lacks a policy type (sink, formatter, classifier, dedup, buffer or rotation); "
                  "derive it from inkwell::default_config (see inkwell/config.hpp)");
    static_assert(c::rotation_ok,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; see inkwell/policy/rotation.hpp");
    static_assert(c::retention_ok,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention (a default-constructible "
                  "class with `void select(inkwell::retain::listing&, inkwell::time_point)`); "
                  "see inkwell/policy/retention.hpp");
    static_assert(c::compression_ok,
                  "inkwell: the compression policy does not satisfy inkwell::policy::compression (`static constexpr "
                  "std::string_view extension` and `static inkwell::compress::result compress_file(int, int) noexcept`); "
                  "see inkwell/policy/compression.hpp");
    static_assert(c::sink_ctor,
                  "inkwell: the sink policy has no constructor from `const inkwell::sink_context&`; "
                  "see inkwell/policy/sink.hpp");
    static_assert(c::sink_write,
                  "inkwell: the sink policy has no `void write(const inkwell::record&, std::string_view line)`; "
                  "see inkwell/policy/sink.hpp");
    static_assert(c::sink_flush, "inkwell: the sink policy has no `void flush()`; see inkwell/policy/sink.hpp");
    static_assert(c::formatter_ctor,
                  "inkwell: the formatter policy is not default-constructible; see inkwell/policy/formatter.hpp");
    static_assert(c::formatter_format,
                  "inkwell: the formatter policy has no "
                  "`void format(const inkwell::record&, inkwell::detail::line_buffer&)`; "
                  "see inkwell/policy/formatter.hpp");
    static_assert(c::classifier_ctor,
                  "inkwell: the classifier policy is not default-constructible; see inkwell/policy/classifier.hpp");
    static_assert(c::classifier_classify,
                  "inkwell: the classifier policy has no `std::string_view classify(const inkwell::record&)`; "
                  "see inkwell/policy/classifier.hpp");
    static_assert(c::dedup_ctor, "inkwell: the dedup policy is not default-constructible; see inkwell/policy/dedup.hpp");
    static_assert(c::dedup_process,
                  "inkwell: the dedup policy has no `template <class F> void process(const inkwell::record&, F&&)`; "
                  "see inkwell/policy/dedup.hpp");
    static_assert(c::dedup_flush,
                  "inkwell: the dedup policy has no `template <class F> void flush(F&&)`; see inkwell/policy/dedup.hpp");
    static_assert(c::buffer_engine,
                  "inkwell: the buffer policy has no nested `template <class Backend> class engine`; "
                  "see inkwell/policy/buffer.hpp");
    static_assert(c::buffer_works,
                  "inkwell: the buffer policy's engine lacks `engine(Backend&)`, `submit(const record&)`, `flush()`, "
                  "`stop()` or `exclusive(f)`; see inkwell/policy/buffer.hpp");
    static_assert(c::clock_ok,
                  "inkwell: the clock policy has no `static inkwell::time_point now() noexcept`; "
                  "see inkwell/policy/clock.hpp");
}

}  // namespace policy
INKWELL_END_NAMESPACE
// ---- end inkwell/policy/check.hpp ----

// ---- begin inkwell/buffer/async.hpp ----
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

#include <bit>
#include <mutex>
#include <thread>

// ---- begin inkwell/detail/arg_codec.hpp ----
// How the async buffer carries call-site arguments through its queue: by
// value, never as pointers into the caller's memory. Numbers, bools, chars,
// enums and pointers are copied as they are; text (std::string, string_view,
// C strings, literals) as a length and its bytes. A call with any other type
// is formatted on the calling thread instead (see buffer/async.hpp), so a
// user type's own formatter and format specs always apply unchanged.



INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class T>
inline constexpr bool is_text_arg_v =
    std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, std::nullptr_t>;

template <class T>
inline constexpr bool is_value_arg_v = (std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_null_pointer_v<T> ||
                                        (std::is_pointer_v<T> && !is_text_arg_v<T>)) &&
                                       std::is_trivially_copyable_v<T>;

// A decoded key/value field: the key and value live in the queue entry.
template <class V>
struct decoded_kv {
    std::string_view key;
    V value;
};

template <class T>
struct arg_codec {
    static constexpr bool supported = false;
};

template <class T>
    requires is_value_arg_v<T>
struct arg_codec<T> {
    static constexpr bool supported = true;
    using decoded = T;
    static std::size_t size(const T&) noexcept { return sizeof(T); }
    static std::byte* encode(std::byte* out, const T& v) noexcept {
        std::memcpy(out, &v, sizeof(T));
        return out + sizeof(T);
    }
    static decoded decode(const std::byte*& in) noexcept {
        T v;
        std::memcpy(&v, in, sizeof(T));
        in += sizeof(T);
        return v;
    }
};

struct text_codec {
    static std::size_t size(std::string_view s) noexcept { return sizeof(std::uint32_t) + s.size(); }
    static std::byte* encode(std::byte* out, std::string_view s) noexcept {
        const auto n = static_cast<std::uint32_t>(s.size());
        std::memcpy(out, &n, sizeof n);
        copy_text(out + sizeof n, s.data(), n);
        return out + sizeof n + n;
    }
    // The call site's copy: short text (the usual argument) in two
    // overlapping moves inline, instead of a call to memcpy.
    static void copy_text(std::byte* to, const char* from, std::size_t n) noexcept {
        if (n >= 8 && n <= 16) {
            char head[8], tail[8];
            std::memcpy(head, from, 8);
            std::memcpy(tail, from + n - 8, 8);
            std::memcpy(to, head, 8);
            std::memcpy(to + n - 8, tail, 8);
        } else if (n >= 4 && n < 8) {
            char head[4], tail[4];
            std::memcpy(head, from, 4);
            std::memcpy(tail, from + n - 4, 4);
            std::memcpy(to, head, 4);
            std::memcpy(to + n - 4, tail, 4);
        } else if (n != 0 && n < 4) {
            to[0] = static_cast<std::byte>(from[0]);
            to[n / 2] = static_cast<std::byte>(from[n / 2]);
            to[n - 1] = static_cast<std::byte>(from[n - 1]);
        } else if (n != 0) {
            std::memcpy(to, from, n);
        }
    }
    static std::string_view decode(const std::byte*& in) noexcept {
        std::uint32_t n;
        std::memcpy(&n, in, sizeof n);
        std::string_view s{reinterpret_cast<const char*>(in + sizeof n), n};
        in += sizeof n + n;
        return s;
    }
};

template <class T>
    requires(!is_value_arg_v<T> && is_text_arg_v<T>)
struct arg_codec<T> {
    static constexpr bool supported = true;
    using decoded = std::string_view;
    static std::size_t size(const T& v) noexcept { return text_codec::size(std::string_view{v}); }
    static std::byte* encode(std::byte* out, const T& v) noexcept { return text_codec::encode(out, std::string_view{v}); }
    static decoded decode(const std::byte*& in) noexcept { return text_codec::decode(in); }
};

// A std::string's buffer holds at least 16 bytes, whatever its size: the
// small-string buffer is 16 bytes in libstdc++'s string, and a string on the
// heap has a capacity of 16 or more. (Not so in the old copy-on-write string
// of _GLIBCXX_USE_CXX11_ABI=0, whose buffer is as long as the text.) So a call
// that may store 16 bytes past the text (spsc_ring::reserve_fast's slack)
// copies a string of up to 16 bytes with one 16-byte move, instead of
// branches on its length. The bytes past the string's size are copied but
// never read: the entry records the size.
#if defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI
inline constexpr std::size_t string_read_slack = 16;
#else
inline constexpr std::size_t string_read_slack = 0;
#endif

template <>
struct arg_codec<std::string> : arg_codec<std::string_view> {
    // Slack: how many bytes past the text may be written.
    template <std::size_t Slack>
    static std::byte* encode_with_slack(std::byte* out, const std::string& v) noexcept {
        if constexpr (Slack >= 16 && string_read_slack >= 16) {
            const auto n = static_cast<std::uint32_t>(v.size());
            std::memcpy(out, &n, sizeof n);
            if (INKWELL_LIKELY(n <= 16))
                std::memcpy(out + sizeof n, v.data(), 16);
            else
                text_codec::copy_text(out + sizeof n, v.data(), n);
            return out + sizeof n + n;
        } else {
            return encode(out, v);
        }
    }
};

// encode_with_slack where the codec has it, else encode.
template <std::size_t Slack, class T>
INKWELL_ALWAYS_INLINE std::byte* encode_arg(std::byte* out, const T& v) noexcept {
    if constexpr (Slack > 0 && requires { arg_codec<T>::template encode_with_slack<Slack>(out, v); })
        return arg_codec<T>::template encode_with_slack<Slack>(out, v);
    else
        return arg_codec<T>::encode(out, v);
}

template <class V>
struct arg_codec<kv_arg<V>> {
    using value_codec = arg_codec<std::remove_cvref_t<V>>;
    static constexpr bool supported = value_codec::supported;
    using decoded = decoded_kv<typename value_codec::decoded>;
    static std::size_t size(const kv_arg<V>& a) noexcept { return text_codec::size(a.key) + value_codec::size(a.value); }
    static std::byte* encode(std::byte* out, const kv_arg<V>& a) noexcept {
        return value_codec::encode(text_codec::encode(out, a.key), a.value);
    }
    static decoded decode(const std::byte*& in) noexcept {
        auto key = text_codec::decode(in);
        return decoded{key, value_codec::decode(in)};
    }
};

// A C string (a char pointer, or a char array as a literal is) is measured
// by strlen; the call site needs its length twice, to size the entry and to
// copy it. measured_text() turns it into a string_view, measured once; any
// other argument passes through as it is.
template <class T>
inline constexpr bool is_c_string_v =
    std::is_pointer_v<std::decay_t<T>> && std::is_same_v<std::remove_cv_t<std::remove_pointer_t<std::decay_t<T>>>, char>;

template <class T>
INKWELL_ALWAYS_INLINE decltype(auto) measured_text(const T& v) noexcept {
    if constexpr (is_c_string_v<T>)
        return std::string_view{v};
    else
        return (v);  // const T&
}

template <class... Args>
inline constexpr bool all_args_encodable = (arg_codec<std::remove_cvref_t<Args>>::supported && ...);

// How the call site's out-of-line paths take an argument: numbers (and other
// scalars) by value, the rest by reference. A reference to a number would make
// every call keep its numbers on the stack, in case the path is taken.
template <class T>
using pass_arg_t = std::conditional_t<std::is_scalar_v<T>, T, const T&>;

// A decoded field back into a record field (values refer into the entry).
template <class V>
void make_field(field& f, const decoded_kv<V>& a, std::string& scratch) {
    make_field(f, kv_arg<V>{a.key, a.value}, scratch);
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/arg_codec.hpp ----
// ---- begin inkwell/detail/async_writer.hpp ----
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

#include <condition_variable>

#include <signal.h>
#include <time.h>

// ---- begin inkwell/detail/spsc_ring.hpp ----
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


#include <sys/mman.h>


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
// ---- end inkwell/detail/spsc_ring.hpp ----
// ---- begin inkwell/detail/tsc_clock.hpp ----
// The call site's clock: the CPU's time-stamp counter where it ticks at a
// constant rate on every core (one instruction, no system call), converted
// to wall-clock time on the writer thread. Elsewhere, or with INKWELL_NO_TSC
// set, CLOCK_REALTIME.




INKWELL_BEGIN_NAMESPACE
namespace detail {

inline std::int64_t realtime_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
inline std::int64_t monotonic_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// True when the counter is usable: x86-64 with an invariant TSC (the kernel
// lists constant_tsc and nonstop_tsc), and the environment does not turn it
// off (INKWELL_NO_TSC set to anything but "" or "0": a machine whose counter
// is not trusted, and the tests of the clock_gettime path). Read once.
inline bool tsc_usable() noexcept {
#if defined(__x86_64__)
    static const bool usable = [] {
        if (const char* off = std::getenv("INKWELL_NO_TSC"); off && *off && std::strcmp(off, "0") != 0) return false;
        std::FILE* f = std::fopen("/proc/cpuinfo", "r");
        if (!f) return false;
        char line[4096];
        bool constant = false, nonstop = false;
        while (std::fgets(line, sizeof line, f)) {
            if (std::strncmp(line, "flags", 5) != 0) continue;
            constant = std::strstr(line, " constant_tsc") != nullptr;
            nonstop = std::strstr(line, " nonstop_tsc") != nullptr;
            break;
        }
        std::fclose(f);
        return constant && nonstop;
    }();
    return usable;
#else
    return false;
#endif
}

// What the call site stores: counter ticks, or nanoseconds since the epoch
// when there is no usable counter.
inline std::uint64_t call_site_ticks(bool use_tsc) noexcept {
#if defined(__x86_64__)
    if (use_tsc) return __builtin_ia32_rdtsc();
#endif
    return static_cast<std::uint64_t>(realtime_ns());
}

// Turns ticks into wall-clock time. Owned by the writer thread: it re-anchors
// (a fresh counter/clock pair) now and then, and the rate is measured over
// the whole life of the converter, so the error shrinks as time passes and
// never accumulates into drift.
class tick_converter {
public:
    explicit tick_converter(bool use_tsc) noexcept : use_tsc_(use_tsc) {
        if (!use_tsc_) return;
        first_ticks_ = call_site_ticks(true);
        first_mono_ = monotonic_ns();
        // A first rate from a short wait; refined by every anchor() after.
        std::int64_t until = first_mono_ + 2'000'000;
        while (monotonic_ns() < until) {
        }
        anchor();
    }

    // Takes a new (ticks, wall clock) pair and refines the rate.
    void anchor() noexcept {
        if (!use_tsc_) return;
        const std::uint64_t t = call_site_ticks(true);
        const std::int64_t mono = monotonic_ns();
        const std::int64_t real = realtime_ns();
        if (t > first_ticks_ && mono > first_mono_)
            ns_per_tick_ = static_cast<double>(mono - first_mono_) / static_cast<double>(t - first_ticks_);
        anchor_ticks_ = t;
        anchor_real_ = real;
    }

    time_point to_time(std::uint64_t ticks) const noexcept {
        std::int64_t ns;
        if (!use_tsc_) {
            ns = static_cast<std::int64_t>(ticks);
        } else {
            const double delta = ticks >= anchor_ticks_ ? static_cast<double>(ticks - anchor_ticks_)
                                                        : -static_cast<double>(anchor_ticks_ - ticks);
            ns = anchor_real_ + static_cast<std::int64_t>(delta * ns_per_tick_);
        }
        return time_point{std::chrono::duration_cast<clock_type::duration>(std::chrono::nanoseconds{ns})};
    }

private:
    bool use_tsc_;
    std::uint64_t first_ticks_ = 0, anchor_ticks_ = 0;
    std::int64_t first_mono_ = 0, anchor_real_ = 0;
    double ns_per_tick_ = 1.0;
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/tsc_clock.hpp ----

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
// ---- end inkwell/detail/async_writer.hpp ----
// ---- begin inkwell/detail/field_format.hpp ----
// Pieces both line formatters use for a record's key/value fields: numbers
// written so they read back exactly, and "first key wins" bookkeeping.



INKWELL_BEGIN_NAMESPACE
namespace detail {

// The shortest decimal that reads back as the same double. std::to_chars
// rather than fmt::format_to: the same digits at a fraction of the compile
// time. A whole number keeps a ".0" so that a reader still sees a floating
// value. Only finite values: callers decide how NaN and infinity appear.
inline void append_finite_double(line_buffer& out, double value) {
    const std::size_t used = out.size();
    if (INKWELL_LIKELY(out.capacity() - used >= 32)) {  // straight into the buffer: see append_integer
        char* at = out.data() + used;
        if (const char* end = write_short_decimal(at, value)) {
            out.resize(used + static_cast<std::size_t>(end - at));
            return;
        }
    }
    char digits[32];  // the longest shortest form, "-2.2250738585072014e-308", is 24
    if (const char* end = write_short_decimal(digits, value)) {  // has a '.'
        append(out, {digits, static_cast<std::size_t>(end - digits)});
        return;
    }
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    const std::string_view written{digits, static_cast<std::size_t>(result.ptr - digits)};
    append(out, written);
    if (written.find_first_of(".e") == std::string_view::npos) append(out, ".0");
}

template <class Integer>
inline void append_integer(line_buffer& out, Integer value) {
    // Straight into the buffer when it has room: digits written byte by byte
    // to the stack and read back in overlapping words stall the load (no
    // store-to-load forwarding), a cost per number per record.
    const std::size_t used = out.size();
    if (INKWELL_LIKELY(out.capacity() - used >= 24)) {
        char* at = out.data() + used;
        out.resize(used + static_cast<std::size_t>(write_integer(at, value) - at));
        return;
    }
    char digits[24];  // 20 digits and a sign at most
    append(out, {digits, static_cast<std::size_t>(write_integer(digits, value) - digits)});
}

// Remembers the keys already written to a line, by their position in the
// output, so a later field with the same key can be left out. Comparing the
// written (escaped) bytes rather than the raw keys also catches two different
// invalid keys that were repaired into the same text.
class written_keys {
public:
    // `key_begin` is where the key just appended to `out` starts; the key
    // runs to the end of `out`. True when the same key was written before;
    // otherwise the key is remembered.
    bool written_before(const line_buffer& out, std::size_t key_begin) {
        const std::size_t key_size = out.size() - key_begin;
        if (keys_.any([&](const key_span& k) {
                return k.size == key_size && std::memcmp(out.data() + k.begin, out.data() + key_begin, key_size) == 0;
            }))
            return true;
        keys_.push(key_span{key_begin, key_size});
        return false;
    }

private:
    struct key_span {
        std::size_t begin;
        std::size_t size;
    };
    // 16 keys without touching the heap, more in `overflow` (an array of its
    // own rather than a std::vector: every file that formats a record
    // compiles this, and a vector instantiates a few dozen functions).
    struct key_list {
        key_span first[16];
        std::size_t used = 0;
        key_span* overflow = nullptr;
        std::size_t overflow_used = 0, overflow_capacity = 0;

        key_list() = default;
        key_list(const key_list&) = delete;
        key_list& operator=(const key_list&) = delete;
        ~key_list() { delete[] overflow; }

        void push(key_span k) {
            if (used < 16) {
                first[used++] = k;
                return;
            }
            if (overflow_used == overflow_capacity) grow();
            overflow[overflow_used++] = k;
        }
        template <class F>
        bool any(F&& f) const {
            for (std::size_t i = 0; i < used; ++i)
                if (f(first[i])) return true;
            for (std::size_t i = 0; i < overflow_used; ++i)
                if (f(overflow[i])) return true;
            return false;
        }
        void grow() {
            const std::size_t capacity = overflow_capacity == 0 ? 16 : 2 * overflow_capacity;
            auto* bigger = new key_span[capacity];
            for (std::size_t i = 0; i < overflow_used; ++i) bigger[i] = overflow[i];
            delete[] overflow;
            overflow = bigger;
            overflow_capacity = capacity;
        }
    };
    key_list keys_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/field_format.hpp ----

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
// ---- end inkwell/buffer/async.hpp ----
// ---- begin inkwell/buffer/batched.hpp ----
// buffer::batched — records collect in memory and are written together after
// MaxRecords records or FlushMs milliseconds, whichever comes first, and at
// once when a record at FlushAt or above arrives (an error must not wait).
// Defaults follow platform-structured-logging.md: 50 records / 5 s.



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
// ---- end inkwell/buffer/batched.hpp ----
// ---- begin inkwell/buffer/immediate.hpp ----
// buffer::immediate — each record is formatted and handed to the kernel on the
// calling thread before the call returns. A mutex serialises threads, so lines
// from different threads never interleave.



INKWELL_BEGIN_NAMESPACE
namespace buffer {

struct immediate {
    template <class Backend>
    class engine {
    public:
        explicit engine(Backend& backend) : backend_(backend) {}

        void submit(const record& r) {
            std::lock_guard lock(mutex_);
            backend_.process(r);
            backend_.commit();
        }
        void flush() {
            std::lock_guard lock(mutex_);
            backend_.flush();
        }
        void stop() { flush(); }

        template <class F>
        decltype(auto) exclusive(F&& f) {
            std::lock_guard lock(mutex_);
            return f(backend_);
        }

    private:
        Backend& backend_;
        std::mutex mutex_;
    };
};

}  // namespace buffer
INKWELL_END_NAMESPACE
// ---- end inkwell/buffer/immediate.hpp ----

// ---- begin inkwell/classify/by_level.hpp ----
// classify::by_level<level::error, "errors", Inner>: records at or above a
// level get their own category (like storyos_errors.log beside storyos.log);
// the others get whatever Inner says.


// ---- begin inkwell/detail/fixed_string.hpp ----
// A string usable as a template argument: `classify::fixed<"general">`,
// `sink::rotating_file<R, "_errors">`.



INKWELL_BEGIN_NAMESPACE
namespace detail {

template <std::size_t N>
struct fixed_string {
    char chars[N]{};

    constexpr fixed_string(const char (&text)[N]) noexcept {  // NOLINT: implicit on purpose
        for (std::size_t i = 0; i < N; ++i) chars[i] = text[i];
    }
    constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
    constexpr operator std::string_view() const noexcept { return view(); }
    constexpr std::size_t size() const noexcept { return N - 1; }
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/fixed_string.hpp ----
// ---- begin inkwell/classify/fixed.hpp ----
// classify::fixed<"name">: every record belongs to one category.



INKWELL_BEGIN_NAMESPACE
namespace classify {

template <detail::fixed_string Name>
struct fixed {
    static constexpr std::string_view category = Name.view();

    constexpr std::string_view classify(const record&) const noexcept { return category; }

    // The category never depends on the text, so every call site knows it at compile time.
    static constexpr std::string_view classify_literal(std::string_view) noexcept { return category; }
};

}  // namespace classify
INKWELL_END_NAMESPACE
// ---- end inkwell/classify/fixed.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace classify {

template <level Threshold = level::error, detail::fixed_string Category = "errors", class Inner = fixed<"general">>
class by_level {
    static_assert(policy::classifier<Inner>,
                  "inkwell: by_level's Inner must be a classifier; see inkwell/policy/classifier.hpp");

public:
    static constexpr level threshold = Threshold;
    static constexpr std::string_view category = Category.view();

    std::string_view classify(const record& r) { return r.severity >= Threshold ? category : inner_.classify(r); }

    // A literal alone cannot decide (the same text may be logged at any level),
    // so there is no classify_literal; a call site that knows its level can ask
    // this instead. Empty when Inner cannot decide from the literal.
    static constexpr std::string_view classify_call_site(level severity, std::string_view format) noexcept {
        if (severity >= Threshold) return category;
        if constexpr (policy::classifies_literals<Inner>)
            return Inner::classify_literal(format);
        else
            return {};
    }

    // The classifier for records below the threshold (e.g. to add mappings or categories).
    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }

private:
    [[no_unique_address]] Inner inner_;
};

}  // namespace classify
INKWELL_END_NAMESPACE
// ---- end inkwell/classify/by_level.hpp ----
// ---- begin inkwell/classify/by_name.hpp ----
// classify::by_name: the category is a short name for the record's logger,
// as a session log names its services ("app.services.mic_input" -> "mic").
//
//   log.classifier().map("app.services.mic_input", "mic");
//   log.classifier().map("app.services", "services");   // any logger below it
//
// Lookup: the exact logger name, then its longest dotted prefix that has a
// mapping; without one, the last dotted component of the name ("mic_input"),
// or "general" for an empty name.
//
// Mappings may be added while other threads log. Readers take no lock: they
// load one pointer to an immutable table. A change publishes a new table and
// keeps the old ones until the classifier dies (readers hold no reference
// count, and mappings are set rarely, at start-up), so every view classify()
// returns stays valid for the classifier's life. A record is classified
// where it is written: with the async buffer, records still queued when a
// mapping changes get the new one (flush first to keep the old).

#include <forward_list>


INKWELL_BEGIN_NAMESPACE
namespace detail {
// Binary search for the first element not less than `key` (what std::lower_bound
// does; <algorithm> costs every logging file compile time for this one use).
struct plain_less {
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return a < b;
    }
};
template <class It, class Key, class Less = plain_less>
It first_not_less(It first, It last, const Key& key, Less less = {}) {
    auto count = last - first;
    while (count > 0) {
        auto half = count / 2;
        It mid = first + half;
        if (less(*mid, key)) {
            first = mid + 1;
            count -= half + 1;
        } else {
            count = half;
        }
    }
    return first;
}
}  // namespace detail
namespace classify {

// A class template only so that a file which never uses it pays nothing to
// compile it: a plain class would instantiate its std containers eagerly.
template <class Unused = void>
class basic_by_name {
public:
    static constexpr std::string_view fallback = "general";  // for a record without a logger name

    basic_by_name() = default;
    // A copy takes the mappings the source has at that moment.
    basic_by_name(const basic_by_name& other) {
        std::lock_guard lock(other.write_mutex_);
        auto copy = std::make_unique<table>();
        for (const auto& [name, category] : other.current()->mappings)  // already sorted
            copy->mappings.emplace_back(intern(std::string(name)), intern(std::string(category)));
        publish(std::move(copy));
    }
    basic_by_name& operator=(const basic_by_name&) = delete;

    // Records of `logger_name`, and of loggers below it ("app.services" covers
    // "app.services.mic_input"), get `category`. Replaces an earlier mapping of the same name.
    void map(std::string logger_name, std::string category) {
        std::lock_guard lock(write_mutex_);
        std::string_view key = intern(std::move(logger_name));
        std::string_view value = intern(std::move(category));
        auto next = std::make_unique<table>(*current());
        auto& m = next->mappings;
        auto at = detail::first_not_less(m.begin(), m.end(), key, key_less{});
        if (at != m.end() && at->first == key)
            at->second = value;
        else
            m.insert(at, {key, value});
        publish(std::move(next));
    }

    // A logger's records all carry its one name: each thread keeps its last
    // answer and reuses it while the classifier, its mapping table and the
    // name are the same.
    std::string_view classify(const record& r) const {
        struct memo {
            std::uint64_t owner = 0;
            const table* t = nullptr;
            std::string name;
            std::string_view category;
        };
        thread_local memo last;
        const table* t = current();
        if (last.owner == id_ && last.t == t && r.logger_name == last.name) return last.category;
        const std::string_view category = category_of(r.logger_name);
        last.owner = id_;
        last.t = t;
        last.name.assign(r.logger_name);
        last.category = category;
        return category;
    }

    std::string_view category_of(std::string_view logger_name) const {
        const table* t = current();
        for (std::string_view prefix = logger_name; !prefix.empty();) {
            if (auto found = t->find(prefix); !found.empty()) return found;
            auto dot = prefix.rfind('.');
            if (dot == std::string_view::npos) break;
            prefix = prefix.substr(0, dot);
        }
        std::string_view short_name = last_component(logger_name);
        if (short_name.empty()) return fallback;
        // The name is a view into the record; hand back a copy this classifier owns.
        if (auto found = t->find_interned(short_name); !found.empty()) return found;
        return intern_fallback(short_name);
    }

private:
    struct key_less {
        bool operator()(const std::pair<std::string_view, std::string_view>& e, std::string_view k) const noexcept {
            return e.first < k;
        }
    };

    struct table {
        std::vector<std::pair<std::string_view, std::string_view>> mappings;  // sorted by logger name
        std::vector<std::string_view> short_names;                              // sorted; interned fallbacks

        std::string_view find(std::string_view name) const noexcept {
            auto at = detail::first_not_less(mappings.begin(), mappings.end(), name, key_less{});
            return (at != mappings.end() && at->first == name) ? at->second : std::string_view{};
        }
        std::string_view find_interned(std::string_view name) const noexcept {
            auto at = detail::first_not_less(short_names.begin(), short_names.end(), name);
            return (at != short_names.end() && *at == name) ? *at : std::string_view{};
        }
    };

    static std::string_view last_component(std::string_view name) noexcept {
        while (!name.empty() && name.back() == '.') name.remove_suffix(1);
        auto dot = name.rfind('.');
        return dot == std::string_view::npos ? name : name.substr(dot + 1);
    }

    const table* current() const noexcept {
        const table* t = current_.load(std::memory_order_acquire);
        return t ? t : &empty_;
    }

    // Callers hold write_mutex_. Const because interning a fallback name from
    // classify() is a cache, invisible to callers.
    std::string_view intern(std::string text) const { return strings_.emplace_front(std::move(text)); }
    void publish(std::unique_ptr<table> next) const {
        current_.store(next.get(), std::memory_order_release);
        tables_.push_back(std::move(next));
    }

    std::string_view intern_fallback(std::string_view short_name) const {
        std::lock_guard lock(write_mutex_);
        if (auto found = current()->find_interned(short_name); !found.empty()) return found;
        std::string_view owned = intern(std::string(short_name));
        auto next = std::make_unique<table>(*current());
        auto& names = next->short_names;
        names.insert(detail::first_not_less(names.begin(), names.end(), owned), owned);
        publish(std::move(next));
        return owned;
    }

    inline static const table empty_{};
    // Tells instances apart for classify()'s memo (an address may be reused; this never is).
    const std::uint64_t id_ = [] {
        static std::atomic<std::uint64_t> next{0};
        return ++next;
    }();
    mutable std::atomic<const table*> current_{nullptr};
    mutable std::mutex write_mutex_;
    mutable std::forward_list<std::string> strings_;      // never shrinks: views into it stay valid
    mutable std::vector<std::unique_ptr<table>> tables_;  // every table ever published
};

using by_name = basic_by_name<>;

}  // namespace classify
INKWELL_END_NAMESPACE
// ---- end inkwell/classify/by_name.hpp ----
// ---- begin inkwell/classify/keyword.hpp ----
// classify::keyword<Table>: the category is the first rule of a keyword table
// whose keywords occur in the message (ASCII case-insensitive substrings);
// without one, the table's fallback ("general").
//
// The default table is the category table of jsonl-per-category-storage.md:
// each of its patterns (`/GameEngine|engineState|gameSession/i`) is an
// alternation of literal words, so a rule here is the same alternation as a
// string, "GameEngine|engineState|gameSession", matched the way the regex
// matches: anywhere in the message, ignoring case ("UI" also matches "build").
//
// A table is any type with a constexpr `rules` array of {category, patterns}
// and, optionally, a `fallback`:
//
//   struct my_table {
//       static constexpr inkwell::classify::keyword_rule rules[] = {
//           {"net", "socket|connect"}, {"db", "query|sql"}};
//       static constexpr std::string_view fallback = "other";
//   };
//   using my_classifier = inkwell::classify::keyword<my_table>;
//
// When the format string is a literal, classify_literal() decides at compile
// time from the literal's own text (placeholders skipped); the arguments then
// never change that call site's category. When the literal matches no rule, the
// formatted message is classified at run time, where categories added with
// add_category() are tried after the table and before the fallback.



INKWELL_BEGIN_NAMESPACE
namespace classify {

struct keyword_rule {
    std::string_view category;
    std::string_view patterns;  // alternatives separated by '|'; empty alternatives are ignored
};

// jsonl-per-category-storage.md, "Category Patterns", in its order.
struct default_keyword_table {
    static constexpr keyword_rule rules[] = {
        {"engine", "GameEngine|engineState|gameSession"},
        {"ui", "UI|Renderer|domUI|display"},
        {"ecs", "Entity|Component|System|entityManager"},
        {"ai", "AI|LLM|notes|thoughts|memory"},
        {"persistence", "Save|Load|persist|storage"},
        {"anatomy", "anatomy|body|part|descriptor"},
        {"actions", "action|target|resolution"},
        {"turns", "turn|round|cycle"},
        {"events", "event|dispatch|listener"},
        {"validation", "validate|schema|ajv"},
    };
    static constexpr std::string_view fallback = "general";
};

template <class T>
concept keyword_table = requires {
    { T::rules[0].category } -> std::convertible_to<std::string_view>;
    { T::rules[0].patterns } -> std::convertible_to<std::string_view>;
};

namespace keyword_detail {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr std::uint32_t no_match = UINT32_MAX;

// One lower-cased keyword inside an index's text, and the rule it belongs to.
struct keyword_ref {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t category = 0;
};

// Which positions can start a keyword: a 1024-bit set of the keywords' first
// two bytes (hashed; no two pairs of letters share a bit) and a 256-bit set
// of the one-byte keywords. Most positions of a message fail both tests, so
// the scan costs about two loads per byte.
struct start_filter {
    std::array<std::uint64_t, 16> pairs{};
    std::array<std::uint64_t, 4> single_bytes{};

    static constexpr unsigned pair_slot(unsigned char first, unsigned char second) noexcept {
        return (first * 31u + second) & 1023u;
    }
    constexpr void add(std::string_view lowered) noexcept {
        auto first = static_cast<unsigned char>(lowered[0]);
        if (lowered.size() == 1) {
            single_bytes[first >> 6] |= std::uint64_t{1} << (first & 63u);
        } else {
            unsigned slot = pair_slot(first, static_cast<unsigned char>(lowered[1]));
            pairs[slot >> 6] |= std::uint64_t{1} << (slot & 63u);
        }
    }
    constexpr bool may_start(unsigned char first, bool has_second, unsigned char second) const noexcept {
        if ((single_bytes[first >> 6] >> (first & 63u)) & 1u) return true;
        if (!has_second) return false;
        unsigned slot = pair_slot(first, second);
        return (pairs[slot >> 6] >> (slot & 63u)) & 1u;
    }
};

// An index: keywords grouped by their first (lower-cased) byte, each group in
// rule order, so a scan looks only at keywords that can start at a position.
struct index_view {
    std::string_view text;                      // every keyword, lower-cased, back to back
    const keyword_ref* keywords = nullptr;
    const std::uint32_t* bucket_begin = nullptr;  // 257 entries: byte b owns [bucket_begin[b], bucket_begin[b + 1])
    const start_filter* filter = nullptr;
};

// The lowest rule number below `below` with a keyword in `text`, or `below`.
// One pass over the text, no allocation; usable at compile time.
constexpr std::uint32_t first_match(std::string_view text, const index_view& index,
                                    std::uint32_t below = no_match) noexcept {
    std::uint32_t best = below;
    if (text.empty()) return best;
    auto next = static_cast<unsigned char>(ascii_lower(text[0]));
    for (std::size_t at = 0; at < text.size(); ++at) {
        const unsigned char byte = next;
        const bool has_next = at + 1 < text.size();
        if (has_next) next = static_cast<unsigned char>(ascii_lower(text[at + 1]));
        if (!index.filter->may_start(byte, has_next, next)) continue;
        for (std::uint32_t k = index.bucket_begin[byte]; k < index.bucket_begin[byte + 1]; ++k) {
            const keyword_ref& kw = index.keywords[k];
            if (kw.category >= best) break;  // the rest of the group comes later in the table
            if (kw.length > text.size() - at) continue;
            std::size_t i = 1;  // the first byte matched by choice of group
            while (i < kw.length && ascii_lower(text[at + i]) == index.text[kw.offset + i]) ++i;
            if (i == kw.length) {
                best = kw.category;
                if (best == 0) return 0;
                break;
            }
        }
    }
    return best;
}

template <class F>
constexpr void for_each_alternative(std::string_view patterns, F&& f) {
    while (true) {
        auto bar = patterns.find('|');
        auto word = patterns.substr(0, bar);
        if (!word.empty()) f(word);
        if (bar == std::string_view::npos) return;
        patterns.remove_prefix(bar + 1);
    }
}

// The pieces of a {fmt} format string that appear verbatim in every message
// made from it: text between replacement fields. An escaped brace ends a piece
// too, so no piece ever joins text that is not adjacent in the message.
template <class F>
constexpr void for_each_literal_piece(std::string_view format, F&& f) {
    std::size_t start = 0, at = 0;
    while (at < format.size()) {
        char c = format[at];
        if (c != '{' && c != '}') {
            ++at;
            continue;
        }
        if (at > start) f(format.substr(start, at - start));
        bool escaped = at + 1 < format.size() && format[at + 1] == c;
        if (escaped || c == '}') {
            at += escaped ? 2 : 1;
        } else {  // a replacement field; its spec may nest one level: "{:{}}"
            int depth = 0;
            do {
                if (format[at] == '{') ++depth;
                else if (format[at] == '}') --depth;
                ++at;
            } while (depth > 0 && at < format.size());
        }
        start = at;
    }
    if (at > start) f(format.substr(start, at - start));
}

template <std::size_t Keywords, std::size_t Chars>
struct static_index {
    std::array<char, Chars> text{};
    std::array<keyword_ref, Keywords> keywords{};
    std::array<std::uint32_t, 257> bucket_begin{};
    start_filter filter{};

    constexpr index_view view() const noexcept {
        return {std::string_view{text.data(), Chars}, keywords.data(), bucket_begin.data(), &filter};
    }
};

template <class Table>
constexpr std::size_t keyword_count() {
    std::size_t n = 0;
    for (const auto& rule : Table::rules) for_each_alternative(rule.patterns, [&](std::string_view) { ++n; });
    return n;
}

template <class Table>
constexpr std::size_t keyword_chars() {
    std::size_t n = 0;
    for (const auto& rule : Table::rules)
        for_each_alternative(rule.patterns, [&](std::string_view w) { n += w.size(); });
    return n;
}

// Groups keywords by first byte (a counting sort that keeps rule order inside
// each group) and fills the start filter.
template <class KeywordList, class Counts>
constexpr void group_by_first_byte(std::string_view text, const KeywordList& in, std::size_t count,
                                   keyword_ref* out, Counts& bucket_begin, start_filter& filter) {
    for (std::size_t k = 0; k < count; ++k) filter.add(text.substr(in[k].offset, in[k].length));
    for (auto& b : bucket_begin) b = 0;
    for (std::size_t k = 0; k < count; ++k) ++bucket_begin[static_cast<unsigned char>(text[in[k].offset]) + 1];
    for (std::size_t b = 1; b < 257; ++b) bucket_begin[b] += bucket_begin[b - 1];
    std::array<std::uint32_t, 256> next{};
    for (std::size_t b = 0; b < 256; ++b) next[b] = bucket_begin[b];
    for (std::size_t k = 0; k < count; ++k) out[next[static_cast<unsigned char>(text[in[k].offset])]++] = in[k];
}

template <class Table>
constexpr auto build_static_index() {
    static_index<keyword_count<Table>(), keyword_chars<Table>()> index{};
    std::array<keyword_ref, keyword_count<Table>()> in_order{};
    std::uint32_t used_chars = 0, used_keywords = 0, rule_number = 0;
    for (const auto& rule : Table::rules) {
        for_each_alternative(rule.patterns, [&](std::string_view word) {
            in_order[used_keywords++] = {used_chars, static_cast<std::uint32_t>(word.size()), rule_number};
            for (char c : word) index.text[used_chars++] = ascii_lower(c);
        });
        ++rule_number;
    }
    group_by_first_byte({index.text.data(), index.text.size()}, in_order, in_order.size(), index.keywords.data(),
                        index.bucket_begin, index.filter);
    return index;
}

template <class Table>
inline constexpr auto static_index_of = build_static_index<Table>();

template <class Table>
constexpr std::string_view fallback_of() {
    if constexpr (requires { { Table::fallback } -> std::convertible_to<std::string_view>; })
        return Table::fallback;
    else
        return "general";
}

// The categories added at run time, as one immutable index.
struct runtime_index {
    std::vector<std::string_view> categories;  // by rule number; views into the classifier's string store
    std::string text;
    std::vector<keyword_ref> keywords;
    std::array<std::uint32_t, 257> bucket_begin{};
    start_filter filter{};

    index_view view() const noexcept { return {text, keywords.data(), bucket_begin.data(), &filter}; }
};

}  // namespace keyword_detail

template <class Table = default_keyword_table>
class keyword {
    static_assert(keyword_table<Table>,
                  "inkwell: a keyword table needs `static constexpr inkwell::classify::keyword_rule rules[]` "
                  "(category, \"word|word\"); see inkwell/classify/keyword.hpp");

public:
    using table = Table;
    static constexpr std::string_view fallback = keyword_detail::fallback_of<Table>();

    keyword() = default;
    // A copy takes the categories the source has added at that moment.
    keyword(const keyword& other) {
        std::lock_guard lock(other.write_mutex_);
        if (!other.added_ || other.added_->categories.empty()) return;
        auto& mine = added();
        for (const auto& category : other.added_->categories)
            append(mine, std::string(category.name), category.keywords);
        publish_index(mine);
    }
    keyword& operator=(const keyword&) = delete;
    ~keyword() {
        if (added_) destroy_added_(added_);
    }

    // The category of a literal format string, decided from the table alone, or
    // an empty view when no rule matches the literal's text.
    static constexpr std::string_view classify_literal(std::string_view format) noexcept {
        std::uint32_t best = keyword_detail::no_match;
        keyword_detail::for_each_literal_piece(format, [&](std::string_view piece) {
            best = keyword_detail::first_match(piece, keyword_detail::static_index_of<Table>.view(), best);
        });
        return best == keyword_detail::no_match ? std::string_view{} : std::string_view{Table::rules[best].category};
    }

    // The table's category for a text, or an empty view (categories added at run time not included).
    static constexpr std::string_view classify_table(std::string_view text) noexcept {
        auto best = keyword_detail::first_match(text, keyword_detail::static_index_of<Table>.view());
        return best == keyword_detail::no_match ? std::string_view{} : std::string_view{Table::rules[best].category};
    }

    std::string_view classify(const record& r) const noexcept { return classify_message(r.message); }

    std::string_view classify_message(std::string_view message) const noexcept {
        if (auto category = classify_table(message); !category.empty()) return category;
        if (const auto* added = added_index_.load(std::memory_order_acquire)) {
            auto best = keyword_detail::first_match(message, added->view());
            if (best != keyword_detail::no_match) return added->categories[best];
        }
        return fallback;
    }

    // A category tried after the table, before the fallback, in the order added;
    // safe while other threads classify. Keywords match like the table's
    // (case-insensitive substrings); empty ones are ignored.
    // Each call keeps the previous index (about 1.3 KB plus the keywords) until
    // the classifier dies: add categories at start-up, not per record.
    void add_category(std::string name, std::vector<std::string> keywords) {
        std::lock_guard lock(write_mutex_);
        auto& state = added();
        append(state, std::move(name), std::move(keywords));
        publish_index(state);
    }

private:
    struct added_category {
        std::string_view name;
        std::vector<std::string> keywords;  // lower-cased
    };
    // What add_category() keeps, made on its first call. Behind a pointer
    // with a destroy function set there: a classifier that never adds a
    // category (the jsonl preset's) compiles none of these containers.
    struct added_state {
        std::forward_list<std::string> names;  // never shrinks: the views classify() returns stay valid
        std::vector<added_category> categories;
        std::vector<std::unique_ptr<keyword_detail::runtime_index>> published;
    };

    // Callers hold write_mutex_.
    added_state& added() {
        if (!added_) {
            added_ = new added_state;
            destroy_added_ = [](added_state* a) { delete a; };
        }
        return *added_;
    }

    // Callers hold write_mutex_.
    static void append(added_state& state, std::string name, std::vector<std::string> keywords) {
        std::string_view stored_name = state.names.emplace_front(std::move(name));
        for (auto& word : keywords)
            for (auto& c : word) c = keyword_detail::ascii_lower(c);
        std::erase_if(keywords, [](const std::string& w) { return w.empty(); });
        state.categories.push_back({stored_name, std::move(keywords)});
    }

    // Callers hold write_mutex_. The index is rebuilt whole and swapped in with
    // one pointer store; old ones are kept until the classifier dies, because
    // readers take no reference (categories are added rarely).
    void publish_index(added_state& state) {
        auto next = std::make_unique<keyword_detail::runtime_index>();
        std::vector<keyword_detail::keyword_ref> in_order;
        std::uint32_t rule_number = 0;
        for (const auto& added : state.categories) {
            next->categories.push_back(added.name);
            for (const auto& word : added.keywords) {
                in_order.push_back({static_cast<std::uint32_t>(next->text.size()), static_cast<std::uint32_t>(word.size()),
                                    rule_number});
                next->text += word;
            }
            ++rule_number;
        }
        next->keywords.resize(in_order.size());
        keyword_detail::group_by_first_byte(next->text, in_order, in_order.size(), next->keywords.data(),
                                            next->bucket_begin, next->filter);
        added_index_.store(next.get(), std::memory_order_release);
        state.published.push_back(std::move(next));
    }

    std::atomic<const keyword_detail::runtime_index*> added_index_{nullptr};
    mutable std::mutex write_mutex_;
    added_state* added_ = nullptr;
    void (*destroy_added_)(added_state*) = nullptr;
};

}  // namespace classify
INKWELL_END_NAMESPACE
// ---- end inkwell/classify/keyword.hpp ----

// ---- begin inkwell/clock/manual.hpp ----
// clock::manual — a clock that stands still until it is told otherwise:
// tests drive a logger across midnight, daylight-saving changes and clock
// jumps without waiting or touching the machine's clock.
//
//   struct test_config : inkwell::presets::jsonl_per_category_config {
//       using clock = inkwell::clock::manual;
//   };
//   inkwell::clock::manual::set(std::chrono::sys_days{2024y / 3 / 31} + 23h);
//   ...log...
//   inkwell::clock::manual::advance(2h);    // or a negative duration: the clock jumps back
//
// Its time is one atomic per tag, shared by every logger that uses it and
// safe to read and change from any thread. basic_manual<Tag> with a tag of
// your own gives an independent clock. It starts at the Unix epoch: set it
// before logging.



INKWELL_BEGIN_NAMESPACE
namespace clock {

template <class Tag = void>
class basic_manual {
public:
    static time_point now() noexcept {
        return time_point{time_point::duration{ticks_.load(std::memory_order_acquire)}};
    }
    static void set(time_point t) noexcept { ticks_.store(t.time_since_epoch().count(), std::memory_order_release); }
    // Moves the clock by `d`, forwards or (negative) backwards.
    template <class Rep, class Period>
    static void advance(std::chrono::duration<Rep, Period> d) noexcept {
        ticks_.fetch_add(std::chrono::duration_cast<time_point::duration>(d).count(), std::memory_order_acq_rel);
    }

private:
    static inline std::atomic<time_point::rep> ticks_{0};
};

using manual = basic_manual<>;

}  // namespace clock
INKWELL_END_NAMESPACE
// ---- end inkwell/clock/manual.hpp ----

// ---- begin inkwell/detail/compressor.hpp ----
// The thread that compresses finished log files, shared by every sink of the
// process that has a compression policy; it exists while one of them does.
// A sink hands over a file it will not write again; the compressor writes
// `<file><ext>.part`, makes it durable (fsync), renames it to `<file><ext>`
// and removes `<file>`. A file that grew while it was read (a late record
// reopened it) is left as it is and the partial copy removed: nothing a
// writer added is ever lost to compression. Failures are collected per sink
// and reported by the sink on its own thread (compression_handle below).




INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class = void>
class basic_compressor {
public:
    using compress_fn = compress::result (*)(int from_fd, int to_fd) noexcept;

    struct failure {
        std::string path;
        int error;
        const char* what;
    };

    static basic_compressor* acquire() {
        std::lock_guard lock(instance_mutex());
        basic_compressor*& c = instance();
        if (!c) c = new basic_compressor();
        ++c->users_;
        return c;
    }
    static void release(basic_compressor* c) {
        std::lock_guard lock(instance_mutex());
        if (--c->users_ != 0) return;
        instance() = nullptr;
        delete c;  // finishes the queued jobs, then joins
    }

    void submit(const void* owner, std::string path, std::string_view extension, compress_fn fn) {
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(job{owner, std::move(path), std::string(extension), fn});
        }
        wake_.notify_all();
    }

    // Returns once no job of `owner` is queued or running.
    void drain(const void* owner) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return running_owner_ != owner && !queued_for(owner); });
    }

    std::vector<failure> take_failures(const void* owner) {
        std::lock_guard lock(mutex_);
        std::vector<failure> mine;
        for (auto it = failures_.begin(); it != failures_.end();) {
            if (it->first == owner) {
                mine.push_back(std::move(it->second));
                it = failures_.erase(it);
            } else {
                ++it;
            }
        }
        return mine;
    }

    ~basic_compressor() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    basic_compressor(const basic_compressor&) = delete;
    basic_compressor& operator=(const basic_compressor&) = delete;

    // Compresses one file now, on the calling thread: what the worker does per job.
    static compress::result compress_now(const std::string& path, std::string_view extension, compress_fn fn) noexcept {
        const int from = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (from < 0) return errno == ENOENT ? compress::result{} : compress::result{errno, "cannot open the file to compress"};
        struct stat before {};
        if (::fstat(from, &before) != 0 || !S_ISREG(before.st_mode)) {
            ::close(from);
            return {EINVAL, "not a regular file"};
        }
        std::string finished = path;
        finished.append(extension);
        const std::string part = finished + ".part";
        const int to = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                              static_cast<mode_t>(before.st_mode & 07777));
        if (to < 0) {
            const int err = errno;
            ::close(from);
            return {err, "cannot create the compressed file"};
        }
        (void)::fchmod(to, before.st_mode & 07777);  // the umask must not loosen or tighten the log's mode
        compress::result r = fn(from, to);
        // The copy keeps the original's modification time: retention ages a
        // backup by it, and compressing must not make an old file look new.
        const timespec times[2] = {before.st_atim, before.st_mtim};
        if (r.error == 0) (void)::futimens(to, times);
        if (r.error == 0 && ::fsync(to) != 0) r = {errno, "cannot sync the compressed file"};
        struct stat after {};
        const bool grew = ::fstat(from, &after) == 0 && after.st_size != before.st_size;
        if (::close(to) != 0 && r.error == 0) r = {errno, "cannot close the compressed file"};
        ::close(from);
        if (r.error == 0 && grew) r = {EAGAIN, "the file grew while it was compressed; it was left as it is"};
        if (r.error == 0 && ::rename(part.c_str(), finished.c_str()) != 0) r = {errno, "cannot rename the compressed file"};
        if (r.error != 0) {
            ::unlink(part.c_str());
            return r;
        }
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) return {errno, "cannot remove the file after compressing it"};
        return {};
    }

private:
    struct job {
        const void* owner;
        std::string path;
        std::string extension;
        compress_fn fn;
    };

    basic_compressor() { thread_ = std::thread([this] { run(); }); }

    static std::mutex& instance_mutex() noexcept {
        static std::mutex m;
        return m;
    }
    static basic_compressor*& instance() noexcept {
        static basic_compressor* c = nullptr;
        return c;
    }

    bool queued_for(const void* owner) const noexcept {
        for (const auto& j : jobs_)
            if (j.owner == owner) return true;
        return false;
    }

    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and every job is done
            job j = std::move(jobs_.front());
            jobs_.erase(jobs_.begin());
            running_owner_ = j.owner;
            lock.unlock();
            const compress::result r = compress_now(j.path, j.extension, j.fn);
            lock.lock();
            running_owner_ = nullptr;
            if (r.error != 0) failures_.emplace_back(j.owner, failure{std::move(j.path), r.error, r.what});
            done_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<job> jobs_;  // a handful at a time: files finish seldom
    std::vector<std::pair<const void*, failure>> failures_;
    const void* running_owner_ = nullptr;
    bool stopping_ = false;
    int users_ = 0;  // under instance_mutex()
    std::thread thread_;
};
using compressor = basic_compressor<>;

// What a file sink keeps: with compress::none, nothing at all (no thread);
// otherwise a share of the compressor. Failures surface through the sink's
// error reporter when the sink calls report_failures() (at its flush).
template <class Compression>
class compression_handle {
public:
    static constexpr bool enabled = policy::compresses<Compression>;

    compression_handle() {
        if constexpr (enabled) compressor_ = compressor::acquire();
    }
    ~compression_handle() {
        if constexpr (enabled) {
            compressor_->drain(this);
            compressor::release(compressor_);
        }
    }
    compression_handle(const compression_handle&) = delete;
    compression_handle& operator=(const compression_handle&) = delete;

    // Hands over a file nobody writes any more.
    void submit(std::string path) {
        if constexpr (enabled) compressor_->submit(this, std::move(path), Compression::extension, &Compression::compress_file);
        else (void)path;
    }
    void report_failures(error_reporter& errors) {
        if constexpr (enabled) {
            for (auto& f : compressor_->take_failures(this))
                errors.report({error_kind::compress, f.error, f.path, f.what});
        } else {
            (void)errors;
        }
    }
    // Waits for the files handed over so far (tests, shutdown).
    void wait() {
        if constexpr (enabled) compressor_->drain(this);
    }

private:
    compressor* compressor_ = nullptr;
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/compressor.hpp ----

// ---- begin inkwell/dedup/none.hpp ----
// dedup::none — every record is written; costs no bytes and no time.


INKWELL_BEGIN_NAMESPACE
namespace dedup {

struct none {
    template <class Forward>
    void process(const record& r, Forward&& forward) {
        forward(r);
    }
    template <class Forward>
    void flush(Forward&&) noexcept {}
};

}  // namespace dedup
INKWELL_END_NAMESPACE
// ---- end inkwell/dedup/none.hpp ----
// ---- begin inkwell/dedup/signature.hpp ----
// dedup::signature<Seconds, MaxIdentities> — dedup::time_window, but two
// messages are "the same" when they differ only in the variable parts:
// numbers, UUIDs, hex ids, e-mail addresses, URLs, IP addresses and ISO
// timestamps (detail/generalize.hpp lists exactly what is replaced). So
// "user 42 failed" and "user 97 failed" are one message; the first one is
// written, the others are counted.
//
//   struct my_config : inkwell::presets::session_file_config {
//       using dedup = inkwell::dedup::signature<30>;
//   };
//
// The summary is time_window's, plus a field `signature` with the
// generalized message ("user <num> failed", at most 256 bytes), and its
// message says "(similar messages repeated N times)" when the suppressed
// messages were not all identical to the written one.
//
// Generalizing costs a scan of the message (the first 4 KiB of it; the rest
// counts as it is) on the writer thread, without allocating.
// dedup::generalized(message) shows what a message becomes.


// ---- begin inkwell/detail/generalize.hpp ----
// The generalized form of a message: what dedup::signature compares, so that
// "user 42 failed" and "user 97 failed" count as one message.
//
//   detail::generalize(text, out)   calls out(std::string_view) with the pieces
//                                   of the generalized text, in order: runs of
//                                   the input as they are, and placeholders
//   detail::generalized(text)       the same, joined into one std::string
//
// What is replaced, tried in this order where a word starts (after a byte
// that is not an ASCII letter or digit):
//   <url>    scheme://… up to white space or a quote ("https://x.org/a?b=1")
//   <email>  local@domain.tld
//   <time>   ISO dates and times: 2024-12-20, 2024-12-20T10:15:30.123Z,
//            2024-12-20 10:15:30,123+01:00, and 10:15:30(.123)
//   <uuid>   8-4-4-4-12 hex digits
//   <ip>     IPv4 (10.0.0.1) and IPv6 (fe80::1, 2001:db8::ff00:42:8329, ::1)
//   <hex>    0x1f3a, and runs of 8 or more hex digits holding a digit (a1b2c3d4)
//   <num>    a number anywhere, also inside a word: 42, -7, 3.14, 1.2.3, 6e10,
//            user42 → user<num>, 12ms → <num>ms
//
// A hand-written scanner rather than <regex>: it compiles in a fraction of
// the time, never allocates, and runs in linear time whatever the input
// (each matcher looks ahead a bounded distance, or consumes what it scans, or
// remembers where its last failed scan ended). It works on bytes and never
// decodes UTF-8, so invalid UTF-8 passes through unchanged and cannot upset it.
// Only the first `max_generalized_bytes` of a message are generalized; the
// rest is passed on as it is (bounded work per message; two long messages
// that differ after that point stay two messages).



INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::size_t max_generalized_bytes = 4096;

namespace generalize_scan {

inline constexpr std::string_view number = "<num>", hex = "<hex>", uuid = "<uuid>", ip = "<ip>", email = "<email>",
                                  url = "<url>", time = "<time>";

// Character classes by table: one load per byte on the scanner's hot path.
enum : unsigned char { digit_class = 1, alpha_class = 2, hex_class = 4 };
struct class_table {
    unsigned char of[256]{};
    constexpr class_table() {
        for (int c = '0'; c <= '9'; ++c) of[c] = digit_class | hex_class;
        for (int c = 'a'; c <= 'z'; ++c) of[c] = alpha_class | (c <= 'f' ? hex_class : 0);
        for (int c = 'A'; c <= 'Z'; ++c) of[c] = alpha_class | (c <= 'F' ? hex_class : 0);
    }
};
inline constexpr class_table classes{};

constexpr unsigned char class_of(char c) noexcept { return classes.of[static_cast<unsigned char>(c)]; }
constexpr bool is_digit(char c) noexcept { return (class_of(c) & digit_class) != 0; }
constexpr bool is_alpha(char c) noexcept { return (class_of(c) & alpha_class) != 0; }
constexpr bool is_alnum(char c) noexcept { return (class_of(c) & (digit_class | alpha_class)) != 0; }
constexpr bool is_hex(char c) noexcept { return (class_of(c) & hex_class) != 0; }

// The input being scanned, with bounds-checked peeks.
struct text {
    const char* begin;
    std::size_t size;
    constexpr char at(std::size_t i) const noexcept { return i < size ? begin[i] : '\0'; }
    // How many of `test` follow position i, at most `max`.
    template <class Test>
    constexpr std::size_t run(std::size_t i, Test test, std::size_t max) const noexcept {
        std::size_t n = 0;
        while (n < max && i + n < size && test(begin[i + n])) ++n;
        return n;
    }
    constexpr std::size_t digits(std::size_t i, std::size_t max = static_cast<std::size_t>(-1)) const noexcept {
        return run(i, is_digit, max);
    }
    constexpr std::size_t hex_digits(std::size_t i, std::size_t max = static_cast<std::size_t>(-1)) const noexcept {
        return run(i, is_hex, max);
    }
};

// Exactly n digits at i (and not more).
constexpr bool exact_digits(const text& t, std::size_t i, std::size_t n) noexcept {
    return t.digits(i, n + 1) == n;
}

// A fraction ".123" or ",123" (Python's default time format) at i: its length, or 0.
constexpr std::size_t fraction(const text& t, std::size_t i) noexcept {
    if (t.at(i) != '.' && t.at(i) != ',') return 0;
    const std::size_t n = t.digits(i + 1, 10);
    return n == 0 ? 0 : 1 + n;
}

// HH:MM:SS with an optional fraction, at i: its length, or 0. With
// `minutes_are_enough`, HH:MM alone counts too (after a date).
constexpr std::size_t clock_time(const text& t, std::size_t i, bool minutes_are_enough) noexcept {
    if (!exact_digits(t, i, 2) || t.at(i + 2) != ':' || !exact_digits(t, i + 3, 2)) return 0;
    std::size_t n = 5;
    if (t.at(i + 5) == ':' && exact_digits(t, i + 6, 2)) {
        n = 8;
        n += fraction(t, i + n);
    } else if (!minutes_are_enough) {
        return 0;
    }
    return n;
}

// A time zone after a clock time: Z, +01, +0100 or +01:00.
constexpr std::size_t zone(const text& t, std::size_t i) noexcept {
    const char c = t.at(i);
    if (c == 'Z' || c == 'z') return 1;
    if ((c != '+' && c != '-') || !exact_digits(t, i + 1, 2)) return 0;
    if (t.at(i + 3) == ':' && exact_digits(t, i + 4, 2)) return 6;
    if (exact_digits(t, i + 3, 2)) return 5;
    return 3;
}

// An ISO date with an optional time and zone, or a bare HH:MM:SS.
constexpr std::size_t timestamp(const text& t, std::size_t i) noexcept {
    std::size_t n = 0;
    if (exact_digits(t, i, 4) && t.at(i + 4) == '-' && exact_digits(t, i + 5, 2) && t.at(i + 7) == '-' &&
        exact_digits(t, i + 8, 2)) {
        n = 10;
        const char separator = t.at(i + n);
        if (separator == 'T' || separator == ' ') {
            if (const std::size_t c = clock_time(t, i + n + 1, true); c != 0) n += 1 + c;
        }
    } else {
        n = clock_time(t, i, false);
        if (n == 0) return 0;
    }
    n += zone(t, i + n);
    if (is_alnum(t.at(i + n))) return 0;  // "2024-12-20abc" is not a date
    return n;
}

// 8-4-4-4-12 hex digits.
constexpr std::size_t uuid_at(const text& t, std::size_t i) noexcept {
    constexpr std::size_t groups[] = {8, 4, 4, 4, 12};
    std::size_t n = 0;
    for (std::size_t g = 0; g < 5; ++g) {
        if (g != 0) {
            if (t.at(i + n) != '-') return 0;
            ++n;
        }
        if (t.hex_digits(i + n, groups[g] + 1) != groups[g]) return 0;
        n += groups[g];
    }
    return is_alnum(t.at(i + n)) ? 0 : n;
}

// Four decimal octets (0-255); "1.2.3.4.5" is a version number, not an address.
constexpr std::size_t ipv4_at(const text& t, std::size_t i) noexcept {
    std::size_t n = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet != 0) {
            if (t.at(i + n) != '.') return 0;
            ++n;
        }
        const std::size_t d = t.digits(i + n, 4);
        if (d == 0 || d > 3) return 0;
        unsigned value = 0;
        for (std::size_t k = 0; k < d; ++k) value = value * 10 + static_cast<unsigned>(t.at(i + n + k) - '0');
        if (value > 255) return 0;
        n += d;
    }
    if (is_alnum(t.at(i + n)) || (t.at(i + n) == '.' && is_digit(t.at(i + n + 1)))) return 0;
    return n;
}

// An IPv6 address: eight groups, or fewer with one "::", maybe ending in an
// IPv4 address. It must hold a decimal digit, so that C++ names such as
// "db::add" stay words.
constexpr std::size_t ipv6_at(const text& t, std::size_t i) noexcept {
    std::size_t n = 0, groups = 0;
    bool compressed = false, digit = false;
    if (t.at(i) == ':') {
        if (t.at(i + 1) != ':') return 0;
        compressed = true;
        n = 2;
    }
    while (groups < 8) {
        const std::size_t h = t.hex_digits(i + n, 5);
        if (h == 0) break;
        if (t.at(i + n + h) == '.') {  // the last 32 bits written as IPv4
            const std::size_t v4 = ipv4_at(t, i + n);
            if (v4 == 0 || groups > 6) return 0;
            n += v4;
            groups += 2;
            digit = true;
            break;
        }
        if (h > 4) return 0;
        for (std::size_t k = 0; k < h; ++k) digit = digit || is_digit(t.at(i + n + k));
        n += h;
        ++groups;
        if (t.at(i + n) != ':') break;
        if (t.at(i + n + 1) == ':') {
            if (compressed) return 0;
            compressed = true;
            n += 2;
        } else if (is_hex(t.at(i + n + 1))) {
            n += 1;
        } else {
            break;  // "fe80::1: refused": the colon is the text's
        }
    }
    if (!digit || (compressed ? groups > 7 : groups != 8)) return 0;
    if (is_alnum(t.at(i + n)) || t.at(i + n) == ':') return 0;
    return n;
}

// scheme://… up to white space, a quote or an angle bracket; trailing
// punctuation belongs to the sentence.
constexpr std::size_t url_at(const text& t, std::size_t i) noexcept {
    if (!is_alpha(t.at(i))) return 0;
    const std::size_t scheme =
        t.run(i, [](char c) { return is_alnum(c) || c == '+' || c == '.' || c == '-'; }, 17);
    if (scheme > 16 || t.at(i + scheme) != ':' || t.at(i + scheme + 1) != '/' || t.at(i + scheme + 2) != '/')
        return 0;
    std::size_t n = scheme + 3;
    const std::size_t rest = t.run(i + n, [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && u != 0x7f;
    }, static_cast<std::size_t>(-1));
    if (rest == 0) return 0;
    n += rest;
    while (n > scheme + 3) {
        const char last = t.at(i + n - 1);
        if (last != '.' && last != ',' && last != ';' && last != ':' && last != '!' && last != '?' && last != ')' &&
            last != ']' && last != '}')
            break;
        --n;
    }
    return n;
}

constexpr bool email_local_char(char c) noexcept {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
constexpr bool domain_char(char c) noexcept { return is_alnum(c) || c == '-'; }

// local@domain.tld. `scanned_to` remembers where the scan of the local part
// stopped: a later start before it would stop at the same place, so it is
// not tried again (what keeps "a.a.a.a…" linear).
constexpr std::size_t email_at(const text& t, std::size_t i, std::size_t& scanned_to) noexcept {
    if (i < scanned_to) return 0;
    const std::size_t local = t.run(i, email_local_char, static_cast<std::size_t>(-1));
    scanned_to = i + local;
    if (local == 0 || t.at(i + local) != '@') return 0;
    std::size_t n = local + 1, labels = 0;
    for (;;) {
        const std::size_t label = t.run(i + n, domain_char, static_cast<std::size_t>(-1));
        if (label == 0) break;
        n += label;
        ++labels;
        if (t.at(i + n) != '.' || !domain_char(t.at(i + n + 1))) break;
        ++n;
    }
    return labels >= 2 ? n : 0;
}

// 0x followed by hex digits.
constexpr std::size_t prefixed_hex_at(const text& t, std::size_t i) noexcept {
    if (t.at(i) != '0' || (t.at(i + 1) != 'x' && t.at(i + 1) != 'X')) return 0;
    const std::size_t h = t.hex_digits(i + 2);
    if (h == 0 || is_alnum(t.at(i + 2 + h))) return 0;
    return 2 + h;
}

// Digits with ".digits" groups (3.14, 1.2.3) and an exponent (6e10, 1.5E-3).
constexpr std::size_t number_at(const text& t, std::size_t i) noexcept {
    std::size_t n = t.digits(i);
    while (t.at(i + n) == '.' && is_digit(t.at(i + n + 1))) n += 1 + t.digits(i + n + 1);
    const char e = t.at(i + n);
    if (e == 'e' || e == 'E') {
        std::size_t sign = (t.at(i + n + 1) == '+' || t.at(i + n + 1) == '-') ? 1 : 0;
        if (const std::size_t d = t.digits(i + n + 1 + sign); d != 0) n += 1 + sign + d;
    }
    return n;
}

struct match {
    std::size_t length = 0;
    std::string_view placeholder{};
};

// The word (ASCII letters and digits) that starts at i, in one pass.
struct word_shape {
    std::size_t length = 0;
    bool all_hex = true, digit = false, letter = false;
};

constexpr word_shape shape_of(const text& t, std::size_t i) noexcept {
    word_shape w;
    unsigned char seen = 0, hex_letters = hex_class;
    std::size_t k = i;
    for (; k < t.size; ++k) {
        const unsigned char c = class_of(t.begin[k]);
        if ((c & (digit_class | alpha_class)) == 0) break;
        seen |= c;
        if (c & alpha_class) hex_letters &= c;
    }
    w.length = k - i;
    w.digit = (seen & digit_class) != 0;
    w.letter = (seen & alpha_class) != 0;
    w.all_hex = (hex_letters & hex_class) != 0;
    return w;
}

// What starts a word at i, if anything but a number. `w` is the word's
// shape; the character after the word decides which matchers can apply, so
// most words are looked at once. `email_scanned_to`: see email_at.
constexpr match at_word_start(const text& t, std::size_t i, const word_shape& w,
                              std::size_t& email_scanned_to) noexcept {
    const char c = t.at(i);
    if (c == ':') {
        if (const std::size_t n = ipv6_at(t, i)) return {n, ip};
        return {};
    }
    if (w.length == 0) return {};
    const char next = t.at(i + w.length);
    if (is_alpha(c) && (next == ':' || next == '+' || next == '.' || next == '-')) {
        if (const std::size_t n = url_at(t, i)) return {n, url};
    }
    if (is_digit(c)) {
        if (next == '-' || next == ':') {
            if (const std::size_t n = timestamp(t, i)) return {n, time};
        }
        if (next == '.') {
            if (const std::size_t n = ipv4_at(t, i)) return {n, ip};
        }
        if (c == '0' && (t.at(i + 1) == 'x' || t.at(i + 1) == 'X')) {
            if (const std::size_t n = prefixed_hex_at(t, i)) return {n, hex};
        }
    }
    if (w.all_hex) {
        if (w.length == 8 && next == '-') {
            if (const std::size_t n = uuid_at(t, i)) return {n, uuid};
        }
        if (w.length <= 4 && next == ':') {
            if (const std::size_t n = ipv6_at(t, i)) return {n, ip};
        }
    }
    if (next == '@' || next == '.' || next == '_' || next == '%' || next == '+' || next == '-') {
        if (const std::size_t n = email_at(t, i, email_scanned_to)) return {n, email};
    }
    if (w.length >= 8 && w.all_hex && w.digit && w.letter) return {w.length, hex};
    return {};
}

}  // namespace generalize_scan

// Calls out(std::string_view) with the pieces of the generalized message.
template <class Out>
void generalize(std::string_view message, Out&& out) {
    namespace g = generalize_scan;
    const g::text t{message.data(), message.size()};
    const std::size_t limit = message.size() < max_generalized_bytes ? message.size() : max_generalized_bytes;
    std::size_t literal_from = 0, email_scanned_to = 0, i = 0;
    auto replace = [&](std::size_t length, std::string_view placeholder) {
        if (i > literal_from) out(message.substr(literal_from, i - literal_from));
        out(placeholder);
        i += length;
        literal_from = i;
    };
    while (i < limit) {
        const char c = message[i];
        const bool word_start = i == 0 || !g::is_alnum(message[i - 1]);
        if (word_start) {
            const g::word_shape w = g::shape_of(t, i);
            if (const g::match m = g::at_word_start(t, i, w, email_scanned_to); m.length != 0) {
                replace(m.length, m.placeholder);
                continue;
            }
            if (!w.digit && w.length != 0) {  // a word of letters only: nothing in it to replace
                i += w.length;
                continue;
            }
            // A sign belongs to a number that starts a word: "x=-5", "(+3)".
            if ((c == '-' || c == '+') && g::is_digit(t.at(i + 1))) {
                replace(1 + g::number_at(t, i + 1), g::number);
                continue;
            }
        }
        if (g::is_digit(c)) {
            replace(g::number_at(t, i), g::number);
            continue;
        }
        ++i;
    }
    if (message.size() > literal_from) out(message.substr(literal_from));
}

// The generalized message as one string (for tests, tools and summaries).
inline std::string generalized(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    generalize(message, [&](std::string_view piece) { out.append(piece); });
    return out;
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/generalize.hpp ----
// ---- begin inkwell/dedup/time_window.hpp ----
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
// ---- end inkwell/dedup/time_window.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace dedup {

// The identity of dedup::signature: level, category and the generalized message.
class generalized_identity {
public:
    static constexpr bool generalizes = true;
    static constexpr std::size_t max_signature_bytes = 256;

    std::uint64_t key(const record& r) noexcept {
        detail::identity_hash h;
        h.add_number(static_cast<std::uint64_t>(r.severity));
        h.add_number(r.category.size());
        h.add(r.category);
        signature_size_ = 0;
        signature_cut_ = false;
        detail::generalize(r.message, [&](std::string_view piece) {
            h.add(piece);
            keep(piece);
        });
        return h.finish();
    }
    // The generalized text of the record last given to key(), cut to max_signature_bytes.
    std::string_view signature() const noexcept { return {signature_, signature_size_}; }

private:
    void keep(std::string_view piece) noexcept {
        if (signature_cut_) return;
        const std::size_t room = max_signature_bytes - signature_size_;
        if (piece.size() > room) {
            piece = detail::utf8_prefix(piece, room);
            signature_cut_ = true;
        }
        for (char c : piece) signature_[signature_size_++] = c;
    }

    char signature_[max_signature_bytes];
    std::size_t signature_size_ = 0;
    bool signature_cut_ = false;
};

// Level, category and the generalized message must match. See the top of this file.
template <std::uint32_t WindowSeconds = 30, std::size_t MaxIdentities = 1024>
class signature : public basic_window<generalized_identity, WindowSeconds, MaxIdentities> {};

// What dedup::signature compares: the message with its variable parts replaced.
inline std::string generalized(std::string_view message) { return detail::generalized(message); }

}  // namespace dedup
INKWELL_END_NAMESPACE
// ---- end inkwell/dedup/signature.hpp ----

// ---- begin inkwell/format/console.hpp ----
// Console formatters: the text layout of format/text.hpp in local time.
//   format::console        the level label in its level's colour, always
//   format::console_plain  never any colour (the same as format::text)
// format::console always emits colour; sink::console strips it again when its
// stream is not a terminal (or NO_COLOR is set). With a plain formatter,
// sink::console colours whole lines itself when it is writing to a terminal,
// so most set-ups want console_plain and let the sink decide.

// ---- begin inkwell/detail/ansi.hpp ----
// ANSI colour (SGR) sequences for the console. Only formatters and the
// console sink emit these; record data is always escaped before it gets near
// them, so every ESC byte in a line was put there on purpose.



INKWELL_BEGIN_NAMESPACE
namespace detail::ansi {

inline constexpr std::string_view reset = "\x1b[0m";

// trace grey, debug cyan, info green, perf blue, warn yellow, error red,
// critical bold white on red. A user-defined level takes the colour of the
// nearest built-in level below it; `off` has none.
constexpr std::string_view colour_for(level severity) noexcept {
    if (severity == level::off) return {};
    if (severity >= level::critical) return "\x1b[1;37;41m";
    if (severity >= level::error) return "\x1b[31m";
    if (severity >= level::warn) return "\x1b[33m";
    if (severity >= level::perf) return "\x1b[34m";
    if (severity >= level::info) return "\x1b[32m";
    if (severity >= level::debug) return "\x1b[36m";
    return "\x1b[90m";
}

// Appends `line` without its SGR sequences (ESC '[' digits/';' 'm'), for a
// pre-coloured line that is going somewhere colour is not wanted. Any other
// ESC is dropped too, so no escape byte survives.
inline void append_without_sgr(line_buffer& out, std::string_view line) {
    while (!line.empty()) {
        const std::size_t esc = line.find('\x1b');
        append(out, line.substr(0, esc));
        if (esc == std::string_view::npos) return;
        std::size_t after = esc + 1;
        if (after < line.size() && line[after] == '[') {
            std::size_t i = after + 1;
            while (i < line.size() && ((line[i] >= '0' && line[i] <= '9') || line[i] == ';')) ++i;
            if (i < line.size() && line[i] == 'm') after = i + 1;
        }
        line.remove_prefix(after);
    }
}

}  // namespace detail::ansi
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/ansi.hpp ----
// ---- begin inkwell/detail/text_escape.hpp ----
// Escaping for text files and terminals: no control byte from record data
// ever reaches the output, so a message cannot forge a log line, move the
// cursor, retitle the terminal or recolour it. Printable text (including any
// valid UTF-8 beyond the controls) is kept as it is, backslashes included.


// ---- begin inkwell/detail/utf8.hpp ----
// UTF-8 decoding shared by the JSON and text escapers. Invalid input is cut
// into "maximal subparts" (the Unicode recommendation also used by browsers
// and Python): each one becomes exactly one U+FFFD, so repairing a line never
// swallows the valid text that follows a bad byte.



INKWELL_BEGIN_NAMESPACE
namespace detail {

// The three bytes of U+FFFD REPLACEMENT CHARACTER.
inline constexpr char utf8_replacement[] = "\xEF\xBF\xBD";

struct utf8_sequence {
    std::uint32_t code_point;  // meaningful only when valid
    std::uint32_t length;      // bytes consumed, at least 1
    bool valid;
};

// Decodes the sequence that starts at `p` (p < end). When it is invalid,
// `length` covers the maximal subpart: the lead byte plus the continuation
// bytes that could still have belonged to it.
inline utf8_sequence decode_utf8(const unsigned char* p, const unsigned char* end) noexcept {
    const unsigned char lead = *p;
    if (lead < 0x80) return {lead, 1, true};

    std::uint32_t code_point = 0;
    std::uint32_t continuation_bytes = 0;
    // The allowed range of the first continuation byte. Narrowing it for
    // E0/ED/F0/F4 is what rejects overlong forms, surrogates and code points
    // above U+10FFFF without a separate check after decoding.
    unsigned char first_low = 0x80, first_high = 0xBF;
    if (lead < 0xC2) {
        return {0, 1, false};  // stray continuation byte, or overlong C0/C1
    } else if (lead < 0xE0) {
        continuation_bytes = 1;
        code_point = lead & 0x1Fu;
    } else if (lead < 0xF0) {
        continuation_bytes = 2;
        code_point = lead & 0x0Fu;
        if (lead == 0xE0) first_low = 0xA0;   // below would be overlong
        if (lead == 0xED) first_high = 0x9F;  // above would be a surrogate
    } else if (lead < 0xF5) {
        continuation_bytes = 3;
        code_point = lead & 0x07u;
        if (lead == 0xF0) first_low = 0x90;   // below would be overlong
        if (lead == 0xF4) first_high = 0x8F;  // above would exceed U+10FFFF
    } else {
        return {0, 1, false};  // F5..FF never occur in UTF-8
    }

    unsigned char low = first_low, high = first_high;
    for (std::uint32_t i = 1; i <= continuation_bytes; ++i) {
        if (p + i == end) return {0, i, false};  // truncated at the end of the input
        const unsigned char c = p[i];
        if (c < low || c > high) return {0, i, false};
        code_point = (code_point << 6) | (c & 0x3Fu);
        low = 0x80;
        high = 0xBF;
    }
    return {code_point, continuation_bytes + 1, true};
}

inline constexpr char lower_hex_digits[] = "0123456789abcdef";

// Appends `\uXXXX` (lower-case hex) for a code point of the Basic Multilingual
// Plane; both escapers use this form for the characters they must not pass on.
inline void append_unicode_escape(line_buffer& out, std::uint32_t code_point) {
    const char escape[6] = {'\\',
                            'u',
                            lower_hex_digits[(code_point >> 12) & 0xF],
                            lower_hex_digits[(code_point >> 8) & 0xF],
                            lower_hex_digits[(code_point >> 4) & 0xF],
                            lower_hex_digits[code_point & 0xF]};
    append(out, {escape, 6});
}

// Valid characters that both escapers still write as \uXXXX: C1 controls
// (U+0080-U+009F; a terminal showing the file may act on U+009B as CSI) and
// U+2028/U+2029, which JavaScript and some viewers treat as line breaks. The
// escaped form parses to the very same string, so nothing is lost.
constexpr bool escaped_code_point(std::uint32_t code_point) noexcept {
    return (code_point >= 0x80 && code_point <= 0x9F) || code_point == 0x2028 || code_point == 0x2029;
}

// True when all 8 bytes of `w` are printable ASCII (0x20-0x7E) and, with
// QuoteAndBackslash, none is '"' or '\\': the common case, checked a word at a time.
template <bool QuoteAndBackslash>
constexpr bool plain_word(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;  // a byte < 0x20
    const std::uint64_t above_tilde = ((w + ones * (127 - 0x7E)) | w) & highs;  // a byte > 0x7E
    std::uint64_t special = below_space | above_tilde;
    if constexpr (QuoteAndBackslash) {
        const std::uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        special |= ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs);
    }
    return special == 0;
}

#if defined(INKWELL_HAS_BYTES16)
// 16 bytes at a time: the same test as plain_word, a quarter of the instructions.
template <bool QuoteAndBackslash>
INKWELL_ALWAYS_INLINE bool plain_bytes16(bytes16 v) noexcept {
    auto special = (v < 0x20) | (v == 0x7F);
    if constexpr (QuoteAndBackslash) special |= (v == '"') | (v == '\\');
    return !byte_mask16(special).any();
}
// Copies 16 bytes and tells whether they were all plain: one load serves
// both the check and the copy.
template <bool QuoteAndBackslash>
INKWELL_ALWAYS_INLINE bool copy_plain_16_bytes(char* to, const char* from) noexcept {
    const bytes16 v = load_bytes16(from);
    std::memcpy(to, &v, sizeof v);
    return plain_bytes16<QuoteAndBackslash>(v);
}
#endif

// True when every byte of `s` is plain in the sense of plain_word: the
// common case, decided in whole words (the last one overlapping the one
// before, a short text padded with plain bytes) without a byte loop. With
// 16-byte vectors it sees only texts under 16 bytes (append_escaped_utf8).
template <bool QuoteAndBackslash>
inline bool all_plain(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t w;
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            std::memcpy(&w, p + i, sizeof w);
            if (!plain_word<QuoteAndBackslash>(w)) return false;
        }
        std::memcpy(&w, p + n - 8, sizeof w);
    } else if (n >= 4) {
        std::uint32_t first, last;
        std::memcpy(&first, p, sizeof first);
        std::memcpy(&last, p + n - 4, sizeof last);
        w = first | (std::uint64_t{last} << 32);
    } else {
        w = 0x6161616161616161ull;  // "aaaaaaaa"
        for (std::size_t i = 0; i < n; ++i)
            w = (w & ~(std::uint64_t{0xFF} << (8 * i))) | (std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i));
    }
    return plain_word<QuoteAndBackslash>(w);
}

// The walk the JSON and text escapers share: runs of `plain` bytes are copied
// in one append, other ASCII bytes go to `escape_ascii(out, byte)`, valid
// multi-byte characters are kept (escaped_code_point ones become \uXXXX),
// and invalid UTF-8 becomes U+FFFD per maximal subpart.
template <bool QuoteAndBackslash, class EscapeAscii>
INKWELL_NOINLINE void append_escaped_utf8_walk(line_buffer& out, std::string_view s, const std::array<bool, 256>& plain,
                                               EscapeAscii escape_ascii);

// Copies `s` to `at` and returns the end of the copy when every byte is
// plain; returns nullptr when one is not (the bytes copied meanwhile do not
// count). `at` has room for s.size() bytes. Texts of 16 bytes and more are
// checked while copied, one pass (the last chunk overlapping the one before).
template <bool QuoteAndBackslash>
INKWELL_ALWAYS_INLINE char* put_if_plain(char* at, std::string_view s) noexcept {
    const std::size_t n = s.size();
    const char* const from = s.data();
#if defined(INKWELL_HAS_BYTES16)
    if (n >= 16) {
        bool all = true;
        for (std::size_t i = 0; all && i + 16 < n; i += 16) all = copy_plain_16_bytes<QuoteAndBackslash>(at + i, from + i);
        if (INKWELL_LIKELY(all && copy_plain_16_bytes<QuoteAndBackslash>(at + n - 16, from + n - 16))) return at + n;
        return nullptr;
    }
#endif
    if (INKWELL_UNLIKELY(!all_plain<QuoteAndBackslash>(s))) return nullptr;
    if (INKWELL_LIKELY(n <= 16))
        copy_up_to_16(at, from, n);
    else
        std::memcpy(at, from, n);
    return at + n;
}

// Text that needs no escaping (nearly all of it) is one check and one copy,
// inline, after the buffer has grown to hold it; the byte walk is out of line.
template <bool QuoteAndBackslash, class EscapeAscii>
INKWELL_ALWAYS_INLINE void append_escaped_utf8(line_buffer& out, std::string_view s, const std::array<bool, 256>& plain,
                                               EscapeAscii escape_ascii) {
    const std::size_t used = out.size(), n = s.size();
    if (INKWELL_UNLIKELY(out.capacity() - used < n)) out.reserve(used + n);
    if (INKWELL_LIKELY(put_if_plain<QuoteAndBackslash>(out.data() + used, s) != nullptr)) {
        out.resize(used + n);
        return;
    }
    append_escaped_utf8_walk<QuoteAndBackslash>(out, s, plain, escape_ascii);
}

template <bool QuoteAndBackslash, class EscapeAscii>
INKWELL_NOINLINE void append_escaped_utf8_walk(line_buffer& out, std::string_view s, const std::array<bool, 256>& plain,
                                               EscapeAscii escape_ascii) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* const end = p + s.size();
    const auto* run = p;  // start of the bytes not yet appended
    auto flush_run = [&](const unsigned char* upto) {
        append(out, {reinterpret_cast<const char*>(run), static_cast<std::size_t>(upto - run)});
    };
    while (p < end) {
        for (std::uint64_t w; end - p >= 8; p += 8) {  // skip plain text 8 bytes at a time
            std::memcpy(&w, p, sizeof w);
            if (!plain_word<QuoteAndBackslash>(w)) break;
        }
        if (p >= end) break;
        const unsigned char c = *p;
        if (plain[c]) {
            ++p;
            continue;
        }
        if (c < 0x80) {
            flush_run(p);
            escape_ascii(out, c);
            run = ++p;
            continue;
        }
        const utf8_sequence seq = decode_utf8(p, end);
        if (seq.valid && !escaped_code_point(seq.code_point)) {
            p += seq.length;  // an ordinary multi-byte character stays in the run
            continue;
        }
        flush_run(p);
        if (seq.valid)
            append_unicode_escape(out, seq.code_point);
        else
            append(out, {utf8_replacement, 3});
        p += seq.length;
        run = p;
    }
    flush_run(end);
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/utf8.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace detail {

// Printable ASCII, copied as it is.
inline constexpr std::array<bool, 256> text_plain_byte = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x7F; ++c) plain[static_cast<std::size_t>(c)] = true;
    return plain;
}();

// C0 controls and DEL: `\n`, `\r`, `\t`, and `\xHH` for the rest (ESC is `\x1b`).
inline void append_text_control_escape(line_buffer& out, unsigned char c) {
    switch (c) {
        case '\n': append(out, "\\n"); return;
        case '\r': append(out, "\\r"); return;
        case '\t': append(out, "\\t"); return;
        default: break;
    }
    const char escape[4] = {'\\', 'x', lower_hex_digits[c >> 4], lower_hex_digits[c & 0xF]};
    append(out, {escape, 4});
}

// Appends `s` with every control escaped and invalid UTF-8 replaced by U+FFFD.
inline void append_text_escaped(line_buffer& out, std::string_view s) {
    append_escaped_utf8<false>(out, s, text_plain_byte,
                        [](line_buffer& o, unsigned char c) { append_text_control_escape(o, c); });
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/text_escape.hpp ----
// ---- begin inkwell/format/text.hpp ----
// The text formatter of rotating-text-logs.md (Python logging's layout):
//   [2024-01-15 10:30:15,123] [INFO] [auth] User alice logged in
// The third slot is the record's category, or the logger name when the
// record has none. Key/value fields follow the message as ` key=value`
// pairs, in call order, first key wins:
//   [2024-01-15 10:30:15,123] [PERF] [game] turn done duration_ms=2.5 player="Alice Smith"
// A string value is quoted when it is empty or holds a space, '"' or '=',
// with '"' inside written as \" ; numbers, true/false and null appear bare.
// All record data goes through detail::append_text_escaped, so no control
// byte (newline, ESC, C1) from a message or field ever reaches the file.
//
// format::text writes local time, as Python's logging does; format::text_utc
// writes UTC.



INKWELL_BEGIN_NAMESPACE
namespace format {

enum class time_zone : unsigned char { local, utc };

// How the level label is written between its brackets: plain here, in
// colour for format::console (format/console.hpp).
struct plain_label {
    static void append(detail::line_buffer& out, level severity) {
        detail::append_text_escaped(out, level_label(severity));
    }
};

template <time_zone Zone = time_zone::local, class LabelStyle = plain_label>
class basic_text {
public:
    static constexpr time_zone zone = Zone;

    void format(const record& r, detail::line_buffer& out) const {
        out.push_back('[');
        detail::append_text_time(out, r.time, Zone == time_zone::utc);
        detail::append(out, "] [");
        LabelStyle::append(out, r.severity);
        detail::append(out, "] [");
        detail::append_text_escaped(out, r.category.empty() ? r.logger_name : r.category);
        detail::append(out, "] ");
        detail::append_text_escaped(out, r.message);
        append_fields(out, r);
        out.push_back('\n');
    }

private:
    // The call site's fields, then the context's (innermost scope first, the
    // logger's last): the first of a key stands.
    static void append_fields(detail::line_buffer& out, const record& r) {
        detail::written_keys keys;
        for (const field& f : r.fields) append_field(out, keys, f);
        for (const context_frame* c : {r.context, r.logger_context})
            for (; c; c = c->parent())
                for (const field& f : c->fields()) append_field(out, keys, f);
    }
    static void append_field(detail::line_buffer& out, detail::written_keys& keys, const field& f) {
        const std::size_t entry_begin = out.size();
        out.push_back(' ');
        const std::size_t key_begin = out.size();
        detail::append_text_escaped(out, f.key);
        if (keys.written_before(out, key_begin)) {
            out.resize(entry_begin);  // a repeated key: the first one stands
            return;
        }
        out.push_back('=');
        append_value(out, f.value);
    }

    static void append_value(detail::line_buffer& out, const field_value& v) {
        switch (v.type) {
            case field_value::kind::boolean: detail::append(out, v.number.boolean ? "true" : "false"); return;
            case field_value::kind::signed_integer: detail::append_integer(out, v.number.signed_integer); return;
            case field_value::kind::unsigned_integer: detail::append_integer(out, v.number.unsigned_integer); return;
            case field_value::kind::floating: append_double(out, v.number.floating); return;
            case field_value::kind::string: append_string(out, v.text); return;
            case field_value::kind::null: break;
        }
        detail::append(out, "null");
    }

    static void append_double(detail::line_buffer& out, double value) {
        if (__builtin_isfinite(value))
            detail::append_finite_double(out, value);
        else if (__builtin_isnan(value))
            detail::append(out, "nan");
        else
            detail::append(out, value < 0 ? "-inf" : "inf");
    }

    static void append_string(detail::line_buffer& out, std::string_view value) {
        // Escaping never produces a space, '"' or '=', so the raw value decides.
        if (!value.empty() && value.find_first_of(" \"=") == std::string_view::npos) {
            detail::append_text_escaped(out, value);
            return;
        }
        out.push_back('"');
        for (;;) {
            const std::size_t quote = value.find('"');
            detail::append_text_escaped(out, value.substr(0, quote));
            if (quote == std::string_view::npos) break;
            detail::append(out, "\\\"");
            value.remove_prefix(quote + 1);
        }
        out.push_back('"');
    }
};

using text = basic_text<time_zone::local>;
using text_utc = basic_text<time_zone::utc>;

}  // namespace format
INKWELL_END_NAMESPACE
// ---- end inkwell/format/text.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace format {

// The label wrapped in the level's colour; the label text is escaped like
// any data, so only the colour codes written here are raw escapes.
struct coloured_label {
    static void append(detail::line_buffer& out, level severity) {
        const std::string_view colour = detail::ansi::colour_for(severity);
        detail::append(out, colour);
        detail::append_text_escaped(out, level_label(severity));
        if (!colour.empty()) detail::append(out, detail::ansi::reset);
    }
};

using console = basic_text<time_zone::local, coloured_label>;
using console_plain = basic_text<time_zone::local, plain_label>;

}  // namespace format
INKWELL_END_NAMESPACE
// ---- end inkwell/format/console.hpp ----
// ---- begin inkwell/format/jsonl.hpp ----
// The JSONL formatter of jsonl-per-category-storage.md: one JSON object per
// line with exactly these keys, in this order:
//   {"level":"debug","message":"…","category":"engine",
//    "timestamp":"2024-12-20T10:15:30.123Z","source":"gameEngine.cpp:45",
//    "sessionId":"…","metadata":{…}}
// (jsonl_with_entry_id adds "entryId" after "sessionId"; jsonl_with_function
// adds "function" after "source", the call site's function as the compiler
// names it, "" when unknown; a record with context (context.hpp) has
// "context":{…} before "metadata").
// The record's key/value fields live only inside "metadata", so no field can
// replace or repeat a top-level key. Within metadata the first field with a
// given key wins and later ones are left out. Every string is escaped and
// repaired (detail/json_escape.hpp), so each line parses as valid UTF-8 JSON.


// ---- begin inkwell/detail/json_escape.hpp ----
// JSON string escaping that always yields one valid line of UTF-8: every
// control character is escaped (so a message can never break a JSONL line),
// and invalid UTF-8 is repaired with U+FFFD (so every line parses).



INKWELL_BEGIN_NAMESPACE
namespace detail {

// Bytes that are copied as they are: printable ASCII except '"' and '\'.
inline constexpr std::array<bool, 256> json_plain_byte = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x7F; ++c) plain[static_cast<std::size_t>(c)] = true;
    plain['"'] = false;
    plain['\\'] = false;
    return plain;
}();

inline void append_json_ascii_escape(line_buffer& out, unsigned char c) {
    const char* two = nullptr;
    switch (c) {
        case '"': two = "\\\""; break;
        case '\\': two = "\\\\"; break;
        case '\n': two = "\\n"; break;
        case '\r': two = "\\r"; break;
        case '\t': two = "\\t"; break;
        case '\b': two = "\\b"; break;
        case '\f': two = "\\f"; break;
        default: append_unicode_escape(out, c); return;  // other C0 controls and DEL
    }
    append(out, {two, 2});
}

// Appends `s` as the body of a JSON string (without the surrounding quotes).
inline void append_json_string(line_buffer& out, std::string_view s) {
    append_escaped_utf8<true>(out, s, json_plain_byte, [](line_buffer& o, unsigned char c) { append_json_ascii_escape(o, c); });
}

// Appends `s` as a complete JSON string, quotes included.
inline void append_json_quoted(line_buffer& out, std::string_view s) {
    out.push_back('"');
    append_json_string(out, s);
    out.push_back('"');
}

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/json_escape.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace detail {

// A field's value as JSON: what format::jsonl writes for it, and what the
// server sinks and the error aggregator store for one.
inline void append_json_field_value(line_buffer& out, const field_value& v) {
    switch (v.type) {
        case field_value::kind::boolean: append(out, v.number.boolean ? "true" : "false"); return;
        case field_value::kind::signed_integer: append_integer(out, v.number.signed_integer); return;
        case field_value::kind::unsigned_integer: append_integer(out, v.number.unsigned_integer); return;
        case field_value::kind::floating:
            // JSON has no NaN or infinity; null keeps the line parseable.
            if (__builtin_isfinite(v.number.floating))
                append_finite_double(out, v.number.floating);
            else
                append(out, "null");
            return;
        case field_value::kind::string: append_json_quoted(out, v.text); return;
        case field_value::kind::null: break;
    }
    append(out, "null");
}

// Writes the start of a line in place, past the buffer's size: one reserve
// for a bound of the whole part, then a moving pointer, where appending piece
// by piece would grow and resize {fmt}'s buffer (a test and a store each) a
// dozen times a line. A text that is not plain goes through the buffer
// (append_json_string), and room for the bound is made again after it.
class json_line_cursor {
public:
    json_line_cursor(line_buffer& out, std::size_t bound) : out_(out), bound_(bound) { make_room(); }

    template <std::size_t N>
    void literal(const char (&text)[N]) noexcept {
        std::memcpy(at_, text, N - 1);
        at_ += N - 1;
    }
    INKWELL_ALWAYS_INLINE void json_string(std::string_view text) {
        if (char* end = put_if_plain<true>(at_, text); INKWELL_LIKELY(end != nullptr))
            at_ = end;
        else
            json_string_escaped(text);
    }
    template <class Integer>
    void integer(Integer value) noexcept {
        at_ = write_integer(at_, value);
    }
    void iso8601_utc_ms(time_point t) noexcept { at_ = put_iso8601_utc_ms(at_, t); }
    // Makes what was written part of the buffer.
    void finish() { out_.resize(static_cast<std::size_t>(at_ - out_.data())); }

private:
    INKWELL_NOINLINE void json_string_escaped(std::string_view text) {
        out_.resize(static_cast<std::size_t>(at_ - out_.data()));
        append_json_string(out_, text);
        make_room();
    }
    void make_room() {
        const std::size_t used = out_.size();
        if (INKWELL_UNLIKELY(out_.capacity() - used < bound_)) out_.reserve(used + bound_);
        at_ = out_.data() + used;
    }

    line_buffer& out_;
    std::size_t bound_;
    char* at_ = nullptr;
};

}  // namespace detail
namespace format {

// WithEntryId: one more key after "sessionId", "entryId": the record's
// number in its logger (1, 2, ... in the order written; with the session id,
// unique across sessions), as session-logging-service.md's entries carry.
// WithFunction: one more key after "source", "function", as
// platform-structured-logging.md's entries carry (file, line and function).
template <bool WithEntryId, bool WithFunction = false>
class basic_jsonl {
public:
    // The logger numbers records (record::sequence) only for formatters that say so.
    static constexpr bool writes_entry_id = WithEntryId;

    void format(const record& r, detail::line_buffer& out) const {
        const std::string_view level = level_name(r.severity);  // a user's level names it too
        const std::string_view file = r.where.file_name();
        std::string_view function;
        if constexpr (WithFunction) {
            if (r.where.function) function = r.where.function;
        }
        // The keys, the timestamp and the numbers take under 256 bytes; a text its
        // size, unless escaped (then the cursor makes room again).
        detail::json_line_cursor line(out, 256 + level.size() + r.message.size() + r.category.size() + file.size() +
                                               function.size() + r.session_id.size());
        // The quotes around each string are part of the literals between them.
        line.literal("{\"level\":\"");
        line.json_string(level);
        line.literal("\",\"message\":\"");
        line.json_string(r.message);
        line.literal("\",\"category\":\"");
        line.json_string(r.category);
        line.literal("\",\"timestamp\":\"");
        line.iso8601_utc_ms(r.time);
        line.literal("\",\"source\":\"");
        if (!file.empty()) {  // "file:line" with the file's folders left out; "" when the call site is unknown
            line.json_string(file);
            line.literal(":");
            line.integer(r.where.line);
        }
        if constexpr (WithFunction) {
            line.literal("\",\"function\":\"");
            line.json_string(function);
        }
        line.literal("\",\"sessionId\":\"");
        line.json_string(r.session_id);
        if constexpr (WithEntryId) {
            line.literal("\",\"entryId\":");
            line.integer(r.sequence);
        } else {
            line.literal("\"");
        }
        const bool has_context = r.context || r.logger_context;
        if (!has_context && r.fields.empty()) {
            line.literal(",\"metadata\":{}}\n");
            line.finish();
            return;
        }
        line.finish();
        if (has_context) {
            detail::append(out, ",\"context\":{");
            append_context(out, r);
            out.push_back('}');
        }
        detail::append(out, ",\"metadata\":{");
        append_metadata(out, r.fields);
        detail::append(out, "}}\n");
    }

private:
    static void append_metadata(detail::line_buffer& out, std::span<const field> fields) {
        detail::written_keys keys;
        bool first = true;
        for (const field& f : fields) append_field(out, keys, first, f);
    }
    // Innermost scope first, the logger's last: the first of a key stands.
    static void append_context(detail::line_buffer& out, const record& r) {
        detail::written_keys keys;
        bool first = true;
        for (const context_frame* c : {r.context, r.logger_context})
            for (; c; c = c->parent())
                for (const field& f : c->fields()) append_field(out, keys, first, f);
    }
    static void append_field(detail::line_buffer& out, detail::written_keys& keys, bool& first, const field& f) {
        const std::size_t entry_begin = out.size();
        if (!first) out.push_back(',');
        out.push_back('"');
        const std::size_t key_begin = out.size();
        detail::append_json_string(out, f.key);
        if (keys.written_before(out, key_begin)) {
            out.resize(entry_begin);  // a repeated key: the first one stands
            return;
        }
        detail::append(out, "\":");
        detail::append_json_field_value(out, f.value);
        first = false;
    }

};

using jsonl = basic_jsonl<false>;
using jsonl_with_entry_id = basic_jsonl<true>;
using jsonl_with_function = basic_jsonl<false, true>;

}  // namespace format
INKWELL_END_NAMESPACE
// ---- end inkwell/format/jsonl.hpp ----

// ---- begin inkwell/rotate/by_size.hpp ----
// rotate::by_size — when the file would grow past MaxBytes, it moves aside:
// app.log → app.log.1 → app.log.2 … → app.log.N, and the oldest (N) is
// deleted. N = Backups. The size counts what the file held before a restart.
// A compressed backup moves with its number (app.log.1.gz → app.log.2.gz,
// engine+1.jsonl.gz → engine+2.jsonl.gz) and counts like a plain one.
//
// The limits are run-time values: the template arguments are the defaults,
// INKWELL_LOG_MAX_SIZE_MB and INKWELL_LOG_BACKUP_COUNT override them when the
// policy is constructed, and the two-argument constructor sets them outright.
// As with Python's RotatingFileHandler, a limit of 0 bytes or 0 backups means
// the file never rotates.
//
// Each step is checked; on the first failure the rotation stops where it is
// and the active file stays put (the sink keeps writing to it), so a failed
// rename never overwrites a backup with another.




INKWELL_BEGIN_NAMESPACE
namespace rotate {

// A backup is app.log.N or a compressed copy of it (app.log.N.gz): renames
// every form of backup `*from` to `to`'s name, or, with `from` null, deletes
// every form of `to`. Returns 0 or the first errno (a missing form is fine).
// One copy for every by_size<...>: the strings are grown and cut in place.
inline int move_every_form(std::string* from, std::string& to) {
    const std::size_t from_size = from ? from->size() : 0, to_size = to.size();
    int err = 0;
    for (std::size_t i = 0; i <= std::size(compressed_extensions) && err == 0; ++i) {
        if (i > 0) {
            to.resize(to_size);
            to.append(compressed_extensions[i - 1]);
            if (from) from->resize(from_size), from->append(compressed_extensions[i - 1]);
        }
        const int rc = from ? std::rename(from->c_str(), to.c_str()) : ::unlink(to.c_str());
        if (rc != 0 && errno != ENOENT) err = errno;
    }
    to.resize(to_size);
    if (from) from->resize(from_size);
    return err;
}

template <std::uint64_t MaxBytes = 10 * 1024 * 1024, unsigned Backups = 5>
class by_size {
public:
    static constexpr std::uint64_t default_max_bytes = MaxBytes;
    static constexpr unsigned default_backups = Backups;

    by_size() noexcept : max_bytes_(max_bytes_from_env(MaxBytes)), backups_(backup_count_from_env(Backups)) {}
    by_size(std::uint64_t max_bytes, unsigned backups) noexcept : max_bytes_(max_bytes), backups_(backups) {}

    std::uint64_t max_bytes() const noexcept { return max_bytes_; }
    unsigned backups() const noexcept { return backups_; }

    // A record never waits for an empty file: a line longer than the limit
    // still goes out whole, in a file of its own.
    bool due(const file_state& f, time_point, std::size_t incoming_bytes) const noexcept {
        return max_bytes_ != 0 && backups_ != 0 && f.size != 0 && f.size + incoming_bytes > max_bytes_;
    }

    outcome rotate(const file_state& f) const {
        if (backups_ == 0) return {};
        char tag[16];
        std::string from, to = f.backup_path(number(backups_, tag));
        if (int err = move_every_form(nullptr, to); err != 0) return {false, err, "cannot remove the oldest backup"};
        for (unsigned i = backups_ - 1; i >= 1; --i) {
            from = f.backup_path(number(i, tag));
            if (int err = move_every_form(&from, to); err != 0)
                return {false, err, "cannot rename a backup to the next number"};
            to.swap(from);
        }
        from = f.active_path();
        if (std::rename(from.c_str(), to.c_str()) != 0) return {false, errno, "cannot rename the log file to its backup"};
        return {true, 0, "", std::move(to)};
    }

private:
    static std::string_view number(unsigned n, char (&out)[16]) noexcept {
        char* end = out + sizeof out;
        char* p = end;
        do {
            *--p = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n != 0);
        return {p, static_cast<std::size_t>(end - p)};
    }

    std::uint64_t max_bytes_;
    unsigned backups_;
};

}  // namespace rotate
INKWELL_END_NAMESPACE
// ---- end inkwell/rotate/by_size.hpp ----
// ---- begin inkwell/rotate/daily.hpp ----
// rotate::daily — one file per UTC day. At the first record of a later day
// (by the record's own UTC time) the file moves aside under the date of the
// day it held: app.log → app.log.20250914. The Backups newest dated backups
// are kept, older ones deleted; 0 keeps them all (as Python's
// TimedRotatingFileHandler does). INKWELL_LOG_BACKUP_COUNT overrides Backups.
//
// The day a file held is the day of its first record; for a file found at
// start-up, the day of its last change. When that backup name is taken
// (rotate_now() twice in a day), the next free one of app.log.20250914.1,
// .2, … is used. A record older than the file's day (a late straggler) never
// rotates it. A compressed backup (app.log.20250914.gz) takes its name and
// counts like a plain one.





INKWELL_BEGIN_NAMESPACE
namespace rotate {

template <unsigned Backups = 7>
class daily {
public:
    static constexpr unsigned default_backups = Backups;

    daily() noexcept : backups_(backup_count_from_env(Backups)) {}
    explicit daily(unsigned backups) noexcept : backups_(backups) {}

    unsigned backups() const noexcept { return backups_; }

    bool due(const file_state& f, time_point record_time, std::size_t) const noexcept {
        using std::chrono::days;
        using std::chrono::floor;
        return f.size != 0 && f.first_record != time_point{} && floor<days>(record_time) > floor<days>(f.first_record);
    }

    outcome rotate(const file_state& f) const {
        time_point held = f.first_record != time_point{} ? f.first_record : clock_type::now();
        char date[9];
        std::string tag{detail::compact_utc_date(held, date)};
        std::string target = f.backup_path(tag);
        for (unsigned n = 1; exists(target); ++n) {
            if (n > 9999) return {false, EEXIST, "every backup name of the day is taken"};
            target = f.backup_path(tag + '.' + std::to_string(n));
        }
        std::string active = f.active_path();
        if (std::rename(active.c_str(), target.c_str()) != 0)
            return {false, errno, "cannot rename the log file to its dated backup"};
        if (int err = remove_old_backups(f); err != 0) return {true, err, "cannot remove an old dated backup", target};
        return {true, 0, "", std::move(target)};
    }

private:
    // Taken in any form: a compressed app.log.20250914.gz keeps the name too.
    static bool exists(const std::string& path) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) return true;
        for (std::string_view extension : compressed_extensions) {
            std::string compressed = path;
            compressed.append(extension);
            if (::lstat(compressed.c_str(), &st) == 0) return true;
        }
        return false;
    }

    struct backup {
        std::uint32_t date;  // YYYYMMDD
        std::uint32_t index;  // the .N after the date; 0 without one
        std::string name;
    };

    // Parses `tag` as "YYYYMMDD" or "YYYYMMDD.N"; false for anything else.
    static bool parse_tag(std::string_view tag, backup& out) noexcept {
        if (tag.size() < 8) return false;
        std::uint32_t date = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            if (tag[i] < '0' || tag[i] > '9') return false;
            date = date * 10 + static_cast<std::uint32_t>(tag[i] - '0');
        }
        std::uint32_t index = 0;
        if (tag.size() > 8) {
            if (tag[8] != '.' || tag.size() == 9 || tag.size() > 13) return false;
            for (std::size_t i = 9; i < tag.size(); ++i) {
                if (tag[i] < '0' || tag[i] > '9') return false;
                index = index * 10 + static_cast<std::uint32_t>(tag[i] - '0');
            }
        }
        out.date = date;
        out.index = index;
        return true;
    }

    // Deletes the dated backups of `f` beyond the newest `backups_`.
    int remove_old_backups(const file_state& f) const {
        if (backups_ == 0) return 0;
        std::string folder{f.directory};
        DIR* dir = ::opendir(folder.c_str());
        if (!dir) return errno;
        std::vector<backup> found;
        while (const dirent* entry = ::readdir(dir)) {
            std::string_view name{entry->d_name};
            for (std::string_view extension : compressed_extensions)  // app.log.20250914.gz counts too
                if (name.size() > extension.size() && name.substr(name.size() - extension.size()) == extension) {
                    name.remove_suffix(extension.size());
                    break;
                }
            if (name.size() <= f.backup_prefix.size() + f.backup_suffix.size()) continue;
            if (name.substr(0, f.backup_prefix.size()) != f.backup_prefix) continue;
            if (name.substr(name.size() - f.backup_suffix.size()) != f.backup_suffix) continue;
            backup b{};
            auto tag = name.substr(f.backup_prefix.size(), name.size() - f.backup_prefix.size() - f.backup_suffix.size());
            if (!parse_tag(tag, b)) continue;
            b.name.assign(entry->d_name);
            found.push_back(std::move(b));
        }
        ::closedir(dir);
        if (found.size() <= backups_) return 0;
        // Newest first; an insertion sort, as a folder holds few backups.
        auto newer = [](const backup& a, const backup& b) { return a.date != b.date ? a.date > b.date : a.index > b.index; };
        for (std::size_t i = 1; i < found.size(); ++i)
            for (std::size_t j = i; j > 0 && newer(found[j], found[j - 1]); --j) std::swap(found[j], found[j - 1]);
        int first_error = 0;
        for (std::size_t i = backups_; i < found.size(); ++i) {
            std::string path = folder + '/' + found[i].name;
            if (::unlink(path.c_str()) != 0 && errno != ENOENT && first_error == 0) first_error = errno;
        }
        return first_error;
    }

    unsigned backups_;
};

}  // namespace rotate
INKWELL_END_NAMESPACE
// ---- end inkwell/rotate/daily.hpp ----
// ---- begin inkwell/rotate/from_env.hpp ----
// rotate::from_env — size or daily rotation, chosen when the policy is
// constructed by INKWELL_LOG_ROTATION_TYPE: "size" (the default, also for an
// unset or unknown value) or "time" (daily). Each policy also reads its own
// variables (INKWELL_LOG_MAX_SIZE_MB, INKWELL_LOG_BACKUP_COUNT).



INKWELL_BEGIN_NAMESPACE
namespace rotate {

template <class Size = by_size<>, class Daily = daily<>>
class from_env {
public:
    from_env() noexcept : daily_chosen_(detail::env("INKWELL_LOG_ROTATION_TYPE") == "time") {}

    bool is_daily() const noexcept { return daily_chosen_; }
    const Size& size_policy() const noexcept { return size_; }
    const Daily& daily_policy() const noexcept { return daily_; }

    bool due(const file_state& f, time_point record_time, std::size_t incoming_bytes) const noexcept {
        return daily_chosen_ ? daily_.due(f, record_time, incoming_bytes) : size_.due(f, record_time, incoming_bytes);
    }
    outcome rotate(const file_state& f) const { return daily_chosen_ ? daily_.rotate(f) : size_.rotate(f); }

private:
    bool daily_chosen_;
    Size size_;
    Daily daily_;
};

}  // namespace rotate
INKWELL_END_NAMESPACE
// ---- end inkwell/rotate/from_env.hpp ----
// ---- begin inkwell/rotate/never.hpp ----
// rotate::never — the file grows without bound; rotate_now() does nothing.



INKWELL_BEGIN_NAMESPACE
namespace rotate {

struct never {
    constexpr bool due(const file_state&, time_point, std::size_t) const noexcept { return false; }
    constexpr outcome rotate(const file_state&) const noexcept { return {}; }
};

}  // namespace rotate
INKWELL_END_NAMESPACE
// ---- end inkwell/rotate/never.hpp ----

// ---- begin inkwell/retain/all_of.hpp ----
// retain::all_of<P...> — every policy holds: a file goes when any of them
// says so. They choose in order, each seeing what the earlier ones left
// (max_files after max_age counts only the files max_age kept):
//   using retention = inkwell::retain::all_of<inkwell::retain::max_age<7>,
//                                             inkwell::retain::max_bytes<std::uint64_t{1} << 30>>;



INKWELL_BEGIN_NAMESPACE
namespace retain {

template <class... Policies>
class all_of {
    static_assert((policy::retention<Policies> && ...),
                  "inkwell: every policy of retain::all_of must satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");

public:
    all_of() = default;
    explicit all_of(Policies... policies) : policies_(std::move(policies)...) {}

    void select(listing& files, time_point now) {
        std::apply([&](auto&... p) { (p.select(files, now), ...); }, policies_);
    }

    template <std::size_t I>
    auto& get() noexcept { return std::get<I>(policies_); }

private:
    std::tuple<Policies...> policies_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/retain/all_of.hpp ----
// ---- begin inkwell/retain/by_level.hpp ----
// retain::by_level — each file is kept as long as the retention of the most
// severe level it holds (platform-structured-logging.md): ERROR and above 30
// days, WARN 14, INFO (and PERF) 7, DEBUG and TRACE 1, by default. Ages
// count as in retain::max_age (from the file's newest record).
//
// The level comes from the name when it says (app_errors.log: errors), else
// from the file's lines: the JSONL "level" key or the text "[LEVEL]". They
// are read only at clean-up, only for a file old enough that its level
// matters (older than the shortest retention, younger than the longest),
// from the start up to the first error (the level kept longest) and at most
// ScanBytes; what was learnt is remembered for as long as the file does not
// change, so each file is read about once. A file whose level cannot be told
// (compressed, unreadable, a line without a level, longer than ScanBytes)
// is kept as if it held errors: retention never deletes what it is unsure of.

#include <initializer_list>

#include <sys/types.h>


INKWELL_BEGIN_NAMESPACE
namespace retain {

// Days each level class is kept; a class holds the levels from its own up to the next one's.
struct level_retention {
    std::chrono::days error;  // error, critical
    std::chrono::days warn;   // warn
    std::chrono::days info;   // info, perf
    std::chrono::days debug;  // debug, trace
};

template <unsigned ErrorDays = 30, unsigned WarnDays = 14, unsigned InfoDays = 7, unsigned DebugDays = 1,
          std::uint64_t ScanBytes = std::uint64_t{64} << 20>
class by_level {
public:
    static constexpr level_retention default_retention{std::chrono::days{ErrorDays}, std::chrono::days{WarnDays},
                                                       std::chrono::days{InfoDays}, std::chrono::days{DebugDays}};
    static constexpr std::uint64_t scan_bytes = ScanBytes;

    by_level() noexcept : days_(default_retention) {}
    explicit by_level(level_retention days) noexcept : days_(days) {}

    const level_retention& retention() const noexcept { return days_; }

    // How long a file whose most severe level is `l` is kept.
    std::chrono::days days_for(level l) const noexcept {
        if (l >= level::error) return days_.error;
        if (l >= level::warn) return days_.warn;
        if (l >= level::info) return days_.info;
        return days_.debug;
    }

    void select(listing& files, time_point now) {
        auto shortest = days_.error, longest = days_.error;
        for (auto d : {days_.warn, days_.info, days_.debug}) {
            if (d < shortest) shortest = d;
            if (d > longest) longest = d;
        }
        // Reading can stop at the first error only when errors are kept longest.
        const level enough = days_.error == longest ? level::error : level::off;
        std::vector<known> still_known;
        for (auto& f : files.files()) {
            if (!f.removable()) continue;
            const auto age = now - f.newest;
            if (age < shortest) continue;  // young enough for any level
            if (age >= longest) {          // too old for every level
                f.remove = true;
                continue;
            }
            std::optional<level> most = level_of(files, f, enough, still_known);
            if (most && age >= days_for(*most)) f.remove = true;
        }
        detail::log_folder_impl::sort_in_place(still_known, [](const known& a, const known& b) { return a < b; });
        cache_ = std::move(still_known);
    }

private:
    // The most severe level one read of an unchanged file found.
    struct known {
        dev_t device;
        ino_t inode;
        std::uint64_t bytes;
        time_point modified;
        level most;
        bool operator<(const known& o) const noexcept {
            return device != o.device ? device < o.device : inode < o.inode;
        }
    };

    std::optional<level> level_of(listing& files, const file_info& f, level enough, std::vector<known>& still_known) {
        if (f.named_level) return f.named_level;
        known key{f.device, f.inode, f.bytes, f.modified, level::trace};
        std::size_t low = 0, high = cache_.size();  // the first entry not below key
        while (low < high) {
            std::size_t mid = low + (high - low) / 2;
            if (cache_[mid] < key) low = mid + 1;
            else high = mid;
        }
        if (low < cache_.size()) {
            const known& at = cache_[low];
            if (at.device == f.device && at.inode == f.inode && at.bytes == f.bytes && at.modified == f.modified) {
                still_known.push_back(at);
                return at.most;
            }
        }
        std::optional<level> most = files.most_severe_level(f, enough, ScanBytes);
        if (most) {  // "cannot tell" is not remembered: the next clean-up tries again
            key.most = *most;
            still_known.push_back(key);
        }
        return most;
    }

    level_retention days_;
    std::vector<known> cache_;  // sorted by (device, inode)
};

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/retain/by_level.hpp ----
// ---- begin inkwell/retain/max_age.hpp ----
// retain::max_age<Days> — a file goes once its newest record is Days days
// old. The jsonl preset's default: a date folder goes, whole, when its day
// ended 7 days ago (logs/2024-12-20/ goes at 2024-12-28T00:00Z), so every
// record of the last 7 days is kept.
//
// A file's newest record is the end of the day its date folder or dated
// backup tag names, else its last modification time. A file from the future
// (the clock went back) is kept. Days = 0 keeps everything.



INKWELL_BEGIN_NAMESPACE
namespace retain {

template <unsigned Days = 7>
class max_age {
public:
    static constexpr unsigned default_days = Days;

    max_age() noexcept : age_(std::chrono::days{Days}) {}
    explicit max_age(std::chrono::days age) noexcept : age_(age) {}

    std::chrono::days age() const noexcept { return age_; }

    void select(listing& files, time_point now) const {
        if (age_.count() <= 0) return;
        for (auto& f : files.files())
            if (f.removable() && now - f.newest >= age_) f.remove = true;
    }

private:
    std::chrono::days age_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/retain/max_age.hpp ----
// ---- begin inkwell/retain/max_bytes.hpp ----
// retain::max_bytes<Bytes> — inkwell's files in the folder (every date
// folder together) hold at most Bytes: the oldest go first until the rest
// fit. The active files count but are never deleted, so they alone may
// exceed the limit. Bytes = 0 keeps everything.



INKWELL_BEGIN_NAMESPACE
namespace retain {

template <std::uint64_t Bytes = std::uint64_t{1} << 30>
class max_bytes {
public:
    static constexpr std::uint64_t default_bytes = Bytes;

    max_bytes() noexcept : limit_(Bytes) {}
    explicit max_bytes(std::uint64_t limit) noexcept : limit_(limit) {}

    std::uint64_t limit() const noexcept { return limit_; }

    void select(listing& files, time_point) const {
        if (limit_ == 0) return;
        std::uint64_t kept = 0;
        for (const auto& f : files.files())
            if (!f.remove) kept += f.bytes;
        for (file_info* f : files.removable_oldest_first()) {
            if (kept <= limit_) break;
            f->remove = true;
            kept -= f->bytes;
        }
    }

private:
    std::uint64_t limit_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/retain/max_bytes.hpp ----
// ---- begin inkwell/retain/max_files.hpp ----
// retain::max_files<N> — at most N of inkwell's files in the folder (every
// date folder of a date_folders layout together; the active files count
// too but are never deleted): the oldest go first. N = 0 keeps everything.



INKWELL_BEGIN_NAMESPACE
namespace retain {

template <std::size_t N = 100>
class max_files {
public:
    static constexpr std::size_t default_files = N;

    max_files() noexcept : limit_(N) {}
    explicit max_files(std::size_t limit) noexcept : limit_(limit) {}

    std::size_t limit() const noexcept { return limit_; }

    void select(listing& files, time_point) const {
        if (limit_ == 0) return;
        std::size_t kept = 0;
        for (const auto& f : files.files()) kept += !f.remove;
        for (file_info* f : files.removable_oldest_first()) {
            if (kept <= limit_) break;
            f->remove = true;
            --kept;
        }
    }

private:
    std::size_t limit_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
// ---- end inkwell/retain/max_files.hpp ----

// ---- begin inkwell/sink/callback.hpp ----
// sink::callback: hands every line to a function the program sets at run
// time, e.g. to stream records to a dashboard:
//
//   log.with_sink([](auto& s) { s.set_callback([](const inkwell::record& r, std::string_view line) { ... }); });
//
// `line` is the formatted record, ending in '\n'; the record's views die when
// the callback returns. Without a callback, lines are discarded. The function
// runs under the sink's lock: it must not call set_callback() itself.



INKWELL_BEGIN_NAMESPACE
namespace sink {

// A class template only so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Unused = void>
class basic_callback {
public:
    using function = detail::shared_function<void(const record&, std::string_view line)>;

    basic_callback() = default;
    explicit basic_callback(const sink_context& context) noexcept : errors_(context.errors) {}
    explicit basic_callback(function f) : function_(std::move(f)) {}

    // Safe while records flow: the next record sees the new function. Pass an
    // empty function to stop the calls.
    void set_callback(function f) {
        std::lock_guard lock(mutex_);
        function_ = std::move(f);
    }

    void write(const record& r, std::string_view line) noexcept {
        std::lock_guard lock(mutex_);
        if (!function_) return;
        // A throwing callback must not reach the logging call site.
        INKWELL_TRY { function_(r, line); }
        INKWELL_CATCH_ALL {
            if (errors_) {
                errors_->report({error_kind::write, 0, {}, "the callback sink's function threw"});
                errors_->fallback(line);
            }
        }
    }
    void flush() noexcept {}

private:
    std::mutex mutex_;  // the setter may run on any thread
    function function_;
    error_reporter* errors_ = nullptr;
};

using callback = basic_callback<>;

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/callback.hpp ----
// ---- begin inkwell/sink/category_files.hpp ----
// sink::category_files<Extension, Rotation, Retention, Compression, Limits> —
// one file per category and UTC day: `<directory>/YYYY-MM-DD/<category><Extension>`,
// e.g. logs/2024-12-20/engine.jsonl. The folder comes from the record's own
// time (UTC), so a record lands in the day it happened, not the day it was
// written. The category is sanitized to a safe name component; an empty one
// (a logger without a classifier) is written as "general".
//
// Thousands of categories, few descriptors. The sink keeps a state per
// (day, category) — its pending lines, the size on disk last known, a write
// failure streak — found through a small open-addressing hash table, and
// caps only the OPEN files: at most Limits::max_open_files (64), least
// recently used closed first (and one descriptor more: the newest day's
// folder, held open so that a file opens with one openat() of its name in
// it; see detail::own_folder). A record for a category whose file is closed
// is held in memory without opening anything (in a chain of blocks shared
// out by one pool, detail/held_lines.hpp: with a thousand closed files
// taking lines in turn, a line is stored without cache or TLB misses and
// never copied again: the blocks go to the kernel as they are); its lines go
// out (open, making room by closing the least recently used open file, then
// one writev(2) of the blocks, whole lines) when
//   - they reach 64 KiB (detail::pending_limit), or
//   - flush() (logger::flush(), shutdown): everything, or
//   - commit() (after each record of a sync logger, each round of the async
//     writer) finds them due: the category holds a record of level warn or
//     above (errors never wait), or its oldest held line is older than
//     Limits::max_pending_age (1 s). commit() also hands the lines of every
//     open file to the kernel. It looks only at what changed (a list of open
//     files written to, a list of warnings, a queue of closed files in the
//     order their lines began to wait), never at every state.
//   - the lines held by all categories together would pass
//     Limits::max_pending_bytes (16 MiB: with the jsonl preset's 32 MiB of
//     queues, under the 50 MB the files-at-scale reference allows): then
//     files are written by priority until less than 70 % of it is held —
//     first those holding error or critical records, then warn, then the
//     largest (within an eighth of a power of two) first.
// When the process runs out of descriptors (EMFILE, ENFILE: a low
// `ulimit -n`), the least recently used file is closed and the open tried
// again, and the cap is lowered to one less than what was open then, so
// later opens close a file first instead of failing one openat each time;
// only when no file is left to close is the failure reported (the lines go
// to the stderr fallback). A closed file gives its buffer's memory back (its
// log_file's to the heap, its chain's blocks to the pool, which keeps them
// for the next lines: the pool holds as much as the held lines ever took,
// which the cap above bounds).
// A state that is closed, holds nothing and has no failure streak is
// recycled (least recently used first) once more than Limits::kept_states
// (4,096) are kept; a state in a write failure streak keeps it, so that its
// "inkwell: N records dropped" note is written when its file writes again.
// When a record of a later day arrives, the states of earlier days are
// written out, closed and forgotten (a late record of an earlier day makes
// its state anew for as long as that day is current).
// Limits: sink::category_limits<MaxPendingBytes, MaxPendingAgeMs,
// MaxOpenFiles, KeptStates>, bound as the fifth parameter or through
// `with_limits<L>`.
//
// With a rotation policy (bound by the logger through with_rotation<R>; the
// default rotate::never does nothing), each category file rotates inside its
// day folder (a closed file is opened for it; its size while closed is the
// one last known, or one lstat of a file it never opened). Backups are named
// `<category>+<tag><Extension>`: by size, engine.jsonl → engine+1.jsonl …
// engine+N.jsonl; daily, engine+20241220.jsonl. The '+' is a byte no
// sanitized category contains, so a backup can never take the name of
// another category's file (engine.1.jsonl could: the file of category
// "engine.1"), and a backup still ends in the extension.
//
// Retention (bound through with_retention<R>; retain::never by default) runs
// over the date folders (layout retain::layout::date_folders(Extension); the
// active files — open, or holding lines — are passed as active and never
// deleted) at the first record and whenever a day or a file rolls, on the
// thread that writes: with retain::max_age<7>, logs/2024-12-20/ goes, whole,
// once its day ended 7 days ago.
//
// Compression (with_compression<C>; compress::none by default): a rotated
// backup is handed to the compressor as rotation makes it (engine+1.jsonl
// becomes engine+1.jsonl.gz), and at the first record of a new day the files
// of the days before the previous one: the previous day stays as it is, for
// late records (a record of an earlier day opens its file again). The same
// happens at start-up (the first record), for what an earlier run left. A
// file that already has a compressed copy (a late record made it anew after
// its day was compressed) is left uncompressed rather than overwrite the
// copy. A rotation first waits for the backups still being compressed (they
// are about to be renamed); failures are reported at flush.
//
// Files get mode context.file_mode, folders context.directory_mode, created as
// needed. Not thread-safe by itself: the logger serialises every call.



// ---- begin inkwell/detail/held_lines.hpp ----
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
// ---- end inkwell/detail/held_lines.hpp ----
// ---- begin inkwell/detail/posix_file.hpp ----
// The file primitives under every file sink:
//   posix_file          an owned file descriptor opened for appending;
//   create_directories  mkdir -p with an exact mode, without exceptions;
//   log_file            one log file as a sink sees it: the descriptor, the
//                       whole lines held back until flush(), the size and age
//                       rotation asks about, and error reporting with the
//                       stderr fallback.
// Plain POSIX calls: no iostreams, no exceptions.

#include <sys/uio.h>

#include <system_error>

// ---- begin inkwell/detail/file_ops.hpp ----
// The few system calls the file sinks make, through a table of function
// pointers, so that a test can make any of them fail with any errno (a full
// disk, a quota, EIO, a short write, EMFILE) without a real full disk.
//
// Every entry behaves like the POSIX call it stands for: -1 and errno on
// failure. The table in use is process-wide; the default is plain POSIX,
// and reading it is one relaxed atomic load per call, nothing worth
// measuring next to the system call itself.




INKWELL_BEGIN_NAMESPACE
namespace detail {

struct file_ops {
    int (*open)(const char* path, int flags, mode_t mode);
    ssize_t (*write)(int fd, const void* data, std::size_t size);
    int (*fstat)(int fd, struct stat* st);
    int (*lstat)(const char* path, struct stat* st);
    int (*ftruncate)(int fd, off_t length);
    int (*fchmod)(int fd, mode_t mode);
    int (*close)(int fd);
    // A file opened relative to a folder's descriptor (sink::category_files
    // opens its category files in the date folder it holds).
    int (*openat)(int dir_fd, const char* name, int flags, mode_t mode);
    // Lines gathered from several buffers in one call (sink::category_files
    // writes a closed file's held lines from where they are held). A table
    // that replaces `write` replaces this too.
    ssize_t (*writev)(int fd, const struct iovec* pieces, int count);
};

namespace posix_calls {
inline int open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }
inline ssize_t write(int fd, const void* data, std::size_t size) { return ::write(fd, data, size); }
inline int fstat(int fd, struct stat* st) { return ::fstat(fd, st); }
inline int lstat(const char* path, struct stat* st) { return ::lstat(path, st); }
inline int ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }
inline int fchmod(int fd, mode_t mode) { return ::fchmod(fd, mode); }
inline int close(int fd) { return ::close(fd); }
inline int openat(int dir_fd, const char* name, int flags, mode_t mode) { return ::openat(dir_fd, name, flags, mode); }
inline ssize_t writev(int fd, const struct iovec* pieces, int count) { return ::writev(fd, pieces, count); }
}  // namespace posix_calls

inline constexpr file_ops posix_file_ops{&posix_calls::open,   &posix_calls::write,     &posix_calls::fstat,
                                         &posix_calls::lstat,  &posix_calls::ftruncate, &posix_calls::fchmod,
                                         &posix_calls::close,  &posix_calls::openat,    &posix_calls::writev};

inline std::atomic<const file_ops*>& file_ops_slot() noexcept {
    static std::atomic<const file_ops*> slot{&posix_file_ops};
    return slot;
}

// The table the file sinks use now.
inline const file_ops& current_file_ops() noexcept { return *file_ops_slot().load(std::memory_order_relaxed); }

// Replaces the table (nullptr: back to POSIX); returns the previous one. The
// table must outlive its use. For tests: set it before the files it should
// affect are written.
inline const file_ops* replace_file_ops(const file_ops* ops) noexcept {
    return file_ops_slot().exchange(ops ? ops : &posix_file_ops, std::memory_order_acq_rel);
}

// Puts a table in place for one scope.
class scoped_file_ops {
public:
    explicit scoped_file_ops(const file_ops& ops) noexcept : previous_(replace_file_ops(&ops)) {}
    ~scoped_file_ops() { replace_file_ops(previous_); }
    scoped_file_ops(const scoped_file_ops&) = delete;
    scoped_file_ops& operator=(const scoped_file_ops&) = delete;

private:
    const file_ops* previous_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/file_ops.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace detail {

// An owned file descriptor, opened only for appending. Every system call
// goes through current_file_ops(), so a test can inject failures.
class posix_file {
public:
    posix_file() noexcept = default;
    posix_file(posix_file&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    posix_file& operator=(posix_file&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    posix_file(const posix_file&) = delete;
    posix_file& operator=(const posix_file&) = delete;
    ~posix_file() { close(); }

    // Opens `path` with O_WRONLY|O_APPEND|O_CLOEXEC|O_NOFOLLOW, creating it
    // when missing with exactly `mode`: a restrictive umask is undone with
    // fchmod, but only on a file this call created (a file someone chmod-ed
    // keeps its mode). Refuses a symbolic link (ELOOP) and anything that is
    // not a regular file (EINVAL; a FIFO never blocks the open). Returns 0 or
    // the errno of the failure. `learned`, when given, receives the fstat the
    // open makes anyway (size, dates), so that the caller needs no second one.
    int open_append(const char* path, unsigned mode, struct stat* learned = nullptr) noexcept {
        return open_append_at(AT_FDCWD, path, mode, learned);
    }
    // The same for `path` relative to the folder `dir_fd` (AT_FDCWD: as it is).
    int open_append_at(int dir_fd, const char* path, unsigned mode, struct stat* learned = nullptr) noexcept {
        close();
        const file_ops& ops = current_file_ops();
        constexpr int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
        const auto wanted = static_cast<mode_t>(mode & 07777);
        bool created = false;
        int fd = open_retrying(ops, dir_fd, path, flags, 0);
        if (fd < 0 && errno == ENOENT) {
            // O_EXCL tells us whether we made the file, and so whether its mode is ours to fix.
            fd = open_retrying(ops, dir_fd, path, flags | O_CREAT | O_EXCL, wanted);
            if (fd >= 0)
                created = true;
            else if (errno == EEXIST)
                fd = open_retrying(ops, dir_fd, path, flags, 0);  // another writer created it first
        }
        if (fd < 0) return errno;
        struct stat st {};
        if (ops.fstat(fd, &st) != 0) {
            int err = errno;
            ops.close(fd);
            return err;
        }
        if (!S_ISREG(st.st_mode)) {
            ops.close(fd);
            return EINVAL;
        }
        if (created && (st.st_mode & 07777) != wanted) (void)ops.fchmod(fd, wanted);
        fd_ = fd;
        if (learned) *learned = st;
        return 0;
    }

    // Writes all of [data, data + size): retries EINTR and continues after a
    // partial write. Returns 0 or the errno; `written` says how many bytes
    // reached the file either way.
    int write_all(const char* data, std::size_t size, std::size_t& written) noexcept {
        written = 0;
        if (fd_ < 0) return EBADF;
        const file_ops& ops = current_file_ops();
        while (written < size) {
            auto n = ops.write(fd_, data + written, size - written);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0) return EIO;  // a regular file never accepts nothing; do not spin
            written += static_cast<std::size_t>(n);
        }
        return 0;
    }

    // Writes the pieces one after the other as write_all() writes one buffer,
    // with writev (at most max_pieces_per_call at a time), continuing after
    // a partial write. `written` says how many bytes reached the file.
    static constexpr int max_pieces_per_call = 64;
    int write_all(std::span<const std::string_view> pieces, std::size_t& written) noexcept {
        written = 0;
        if (fd_ < 0) return EBADF;
        const file_ops& ops = current_file_ops();
        std::size_t first = 0, skip = 0;  // the next byte to write: pieces[first][skip]
        for (;;) {
            while (first < pieces.size() && skip == pieces[first].size()) {
                ++first;
                skip = 0;
            }
            if (first == pieces.size()) return 0;
            iovec iov[max_pieces_per_call];
            int count = 0;
            for (std::size_t i = first; i < pieces.size() && count < max_pieces_per_call; ++i) {
                const std::string_view piece = i == first ? pieces[i].substr(skip) : pieces[i];
                if (!piece.empty()) iov[count++] = {const_cast<char*>(piece.data()), piece.size()};
            }
            const ssize_t n = ops.writev(fd_, iov, count);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0) return EIO;  // a regular file never accepts nothing; do not spin
            written += static_cast<std::size_t>(n);
            for (auto left = static_cast<std::size_t>(n); left != 0;) {
                const std::size_t rest = pieces[first].size() - skip;
                if (left < rest) {
                    skip += left;
                    break;
                }
                left -= rest;
                ++first;
                skip = 0;
            }
        }
    }

    // fstat of the open file. Returns 0 or the errno.
    int status(struct stat& st) const noexcept {
        if (fd_ < 0) return EBADF;
        return current_file_ops().fstat(fd_, &st) == 0 ? 0 : errno;
    }

    // The file's size in bytes. Returns 0 or the errno.
    int size(std::uint64_t& out) const noexcept {
        struct stat st {};
        int err = status(st);
        if (err == 0) out = static_cast<std::uint64_t>(st.st_size);
        return err;
    }

    // Cuts the file back to `length` bytes. Returns 0 or the errno.
    int truncate(std::uint64_t length) noexcept {
        if (fd_ < 0) return EBADF;
        const file_ops& ops = current_file_ops();
        int rc;
        do {
            rc = ops.ftruncate(fd_, static_cast<off_t>(length));
        } while (rc != 0 && errno == EINTR);
        return rc == 0 ? 0 : errno;
    }

    // Closes the descriptor (a no-op when none is open). Returns 0 or the errno.
    int close() noexcept {
        if (fd_ < 0) return 0;
        int fd = std::exchange(fd_, -1);
        // Linux frees the descriptor even when close fails, so never retry it.
        return current_file_ops().close(fd) == 0 ? 0 : errno;
    }

    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }

private:
    static int open_retrying(const file_ops& ops, int dir_fd, const char* path, int flags, mode_t mode) noexcept {
        int fd;
        do {
            fd = dir_fd == AT_FDCWD ? ops.open(path, flags, mode) : ops.openat(dir_fd, path, flags, mode);
        } while (fd < 0 && errno == EINTR);
        return fd;
    }

    int fd_ = -1;
};

// mkdir -p: creates `dir` and its missing parents. Each folder this call
// creates gets exactly `mode` (chmod undoes the umask); folders that exist
// are left alone. A path part that exists but is no folder gives ENOTDIR.
// Returns true on success; on failure sets `ec` and returns false.
inline bool create_directories(const std::string& dir, unsigned mode, std::error_code& ec) noexcept {
    ec.clear();
    const std::string& native = dir;
    if (native.empty()) return true;
    struct stat st {};
    if (::stat(native.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return true;  // the common case: one system call
        ec = std::error_code(ENOTDIR, std::generic_category());
        return false;
    }
    const auto wanted = static_cast<mode_t>(mode & 07777);
    std::string path = native;  // one copy; each prefix is made by a temporary NUL
    auto make_one = [&](std::size_t end) -> bool {
        char saved = path[end];
        path[end] = '\0';
        bool ok = true;
        if (::mkdir(path.c_str(), wanted) == 0) {
            (void)::chmod(path.c_str(), wanted);
        } else if (errno == EEXIST) {
            struct stat part {};
            if (::stat(path.c_str(), &part) != 0 || !S_ISDIR(part.st_mode)) {
                ec = std::error_code(ENOTDIR, std::generic_category());
                ok = false;
            }
        } else {
            ec = std::error_code(errno, std::generic_category());
            ok = false;
        }
        path[end] = saved;
        return ok;
    };
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/' && path[i - 1] != '/' && !make_one(i)) return false;
    }
    return make_one(path.size());
}

// A sink's folder as text: "." for an empty path, no trailing '/'.
inline std::string folder_text(const std::string& dir) {
    std::string text = dir;
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    if (text.empty()) text.assign(1, '.');  // not = ".": g++ 12 -O3 warns falsely (-Wrestrict, GCC bug 105329)
    return text;
}

// Opens the folder `folder` whose last `own` components are a sink's own
// (a date folder): the part above them is the configured log folder, opened
// as it is (it may be a link made on purpose) and created when missing; each
// own component is opened with O_NOFOLLOW (created with exactly `mode` when
// missing), so a symbolic link planted there is refused (ELOOP; ENOTDIR for
// something that is no folder) instead of followed. Returns 0 and the
// descriptor of the innermost folder in `out`, or the errno.
inline int open_own_folders(const std::string& folder, std::size_t own, unsigned mode, int& out) noexcept {
    out = -1;
    std::size_t cut = folder.size();
    for (std::size_t i = 0; i < own; ++i) {
        auto slash = folder.rfind('/', cut - 1);
        if (slash == std::string::npos || slash == 0) return EINVAL;
        cut = slash;
    }
    std::string root = folder.substr(0, cut);
    auto open_dir = [](int at, const char* name, int extra) noexcept {
        int fd;
        do {
            fd = ::openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra);
        } while (fd < 0 && errno == EINTR);
        return fd;
    };
    int dir = open_dir(AT_FDCWD, root.c_str(), 0);
    if (dir < 0 && errno == ENOENT) {
        std::error_code ec;
        if (!create_directories(root, mode, ec)) return ec.value();
        dir = open_dir(AT_FDCWD, root.c_str(), 0);
    }
    if (dir < 0) return errno;
    const auto wanted = static_cast<mode_t>(mode & 07777);
    std::size_t begin = cut + 1;
    while (begin <= folder.size()) {
        std::size_t end = folder.find('/', begin);
        if (end == std::string::npos) end = folder.size();
        const std::string part = folder.substr(begin, end - begin);
        begin = end + 1;
        if (part.empty()) continue;
        bool created = false;
        int next = open_dir(dir, part.c_str(), O_NOFOLLOW);
        if (next < 0 && errno == ENOENT) {
            if (::mkdirat(dir, part.c_str(), wanted) == 0)
                created = true;
            else if (errno != EEXIST) {
                int err = errno;
                ::close(dir);
                return err;
            }
            next = open_dir(dir, part.c_str(), O_NOFOLLOW);
        }
        if (next < 0) {
            int err = errno;  // ELOOP: a link; ENOTDIR: something else
            ::close(dir);
            return err;
        }
        if (created) (void)::fchmod(next, wanted);  // the umask undone, on the folder made here only
        ::close(dir);
        dir = next;
    }
    out = dir;
    return 0;
}

// A sink's own folder (a date folder) held open while its files are
// written, so that a file opens with one openat() of its bare name
// (O_NOFOLLOW) in the folder held, rather than by walking and checking the
// folders again at every open (sink::category_files opens files thousands
// of times a minute when it has more categories than descriptors). The
// folder is opened by open_own_folders() (a link planted as the date folder
// is refused). Before each open, one lstat() checks that its path still
// names the folder held: one removed, moved away or replaced by a link
// (logrotate, a retention job, an attacker with write access to the log
// folder) is let go and the path walked and checked anew. Not thread-safe:
// its sink serialises every call.
class own_folder {
public:
    own_folder() = default;
    own_folder(const own_folder&) = delete;
    own_folder& operator=(const own_folder&) = delete;
    ~own_folder() { drop(); }

    // The descriptor of `folder` (whose last `own` components are the
    // sink's), opened (and created) when not held or no longer at its path.
    // Returns 0 or the errno of open_own_folders().
    int get(const std::string& folder, std::size_t own, unsigned mode, int& out) noexcept {
        out = -1;
        if (fd_ >= 0 && (folder != path_ || !still_there())) drop();
        if (fd_ < 0) {
            int fd = -1;
            if (int err = open_own_folders(folder, own, mode, fd); err != 0) return err;
            struct stat st {};
            if (current_file_ops().fstat(fd, &st) != 0) {
                int err = errno;
                ::close(fd);
                return err;
            }
            INKWELL_TRY { path_ = folder; }
            INKWELL_CATCH_ALL {
                ::close(fd);
                return ENOMEM;
            }
            fd_ = fd;
            dev_ = st.st_dev;
            ino_ = st.st_ino;
        }
        out = fd_;
        return 0;
    }
    // Lets the folder go: the next get() opens it anew (a failed open in it,
    // reopen()).
    void drop() noexcept {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    bool still_there() const noexcept {
        struct stat st {};
        return current_file_ops().lstat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == dev_ &&
               st.st_ino == ino_;
    }

    int fd_ = -1;
    std::string path_;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

// The reporter a log_file uses when none was given, so that a sink made
// outside a logger still reports and falls back instead of crashing.
inline error_reporter& orphan_error_reporter() noexcept {
    static error_reporter reporter;
    return reporter;
}

// Lines held back above this are written at once, without waiting for flush().
inline constexpr std::size_t pending_limit = 64 * 1024;
// The same for a sink that writes one file (sink::file, rotating_file,
// session_file): under load the async writer's rounds then reach the kernel
// in writes of 256 KiB, which ext4 takes for a good deal less per byte than
// 64 KiB ones (2,000,000 JSONL records through the async buffer: 3.42 M/s at
// 64 KiB, 3.99 M/s at 256 KiB, medians of 8 alternated runs). A sink with
// many files keeps pending_limit: its memory is per file.
inline constexpr std::size_t single_file_pending_limit = 256 * 1024;

// After a failed write, the next attempts wait: 100 ms, doubling up to 5 s.
inline constexpr std::chrono::milliseconds first_write_retry{100};
inline constexpr std::chrono::milliseconds longest_write_retry{5000};

// How often flush() checks that the path still names the open file.
inline constexpr std::chrono::seconds link_check_interval{1};

// strerror_r comes in two flavours; this picks whichever the libc gives.
inline const char* pick_error_text(int, const char* buffer) noexcept { return buffer; }
inline const char* pick_error_text(const char* message, const char*) noexcept { return message; }
inline std::string_view system_error_text(int err, char* buffer, std::size_t size) noexcept {
    buffer[0] = '\0';
    return pick_error_text(::strerror_r(err, buffer, size), buffer);
}

// One log file as a sink sees it. Not thread-safe: the owning sink, and the
// logger above it, serialise every call.
//
// The file opens lazily: append() opens it when it is not open (a failure is
// reported there, once per record); flush() writes the pending lines to the
// open file in one write(2) (more only after a partial write), or sends them
// to the stderr fallback when the file could not be opened.
//
// External rotation: at most once a second, flush() compares the open file
// with what its path names (one fstat, one lstat). Path gone or another file
// there (moved or deleted by logrotate): the file is opened anew by name and
// the pending lines go there. File shorter than what we wrote (copytruncate):
// writing carries on at its new end (O_APPEND: no hole of NUL bytes).
// reopen() does the same at once.
//
// Write failures (ENOSPC, EDQUOT, EFBIG, EIO, ...): no line is left torn (a
// short write is completed, else the file is cut back to its last whole
// line); the lines that did not get there are counted as dropped
// (stats().dropped), the failure is reported once per streak, and further
// writes wait 100 ms, doubling to 5 s (lines flushed meanwhile are dropped
// and counted, with no system call). The first write that works again
// starts with one record: "inkwell: N records dropped since <time> (<errno
// text>)". A full disk is not sent to stderr: that would only move the flood.
class log_file {
public:
    log_file() = default;
    log_file(log_file&&) noexcept = default;  // for containers; a moved-from log_file holds nothing
    log_file& operator=(log_file&&) = delete; // would drop the target's pending lines: assign() instead
    ~log_file() { close(); }

    // Names the file: `folder`/`name`; its backups are named
    // `backup_prefix` + tag + `backup_suffix` in the same folder.
    void assign(std::string folder, std::string name, std::string backup_prefix, std::string backup_suffix,
                unsigned file_mode, unsigned directory_mode, error_reporter* errors,
                report_formatter format_report = {}) {
        close();
        folder_ = std::move(folder);
        if (folder_.empty()) folder_.assign(1, '.');
        name_ = std::move(name);
        backup_prefix_ = std::move(backup_prefix);
        backup_suffix_ = std::move(backup_suffix);
        path_.assign(folder_).append("/").append(name_);
        file_mode_ = file_mode;
        directory_mode_ = directory_mode;
        errors_ = errors ? errors : &orphan_error_reporter();
        format_report_ = format_report;
        failure_ = {};
        own_subfolders_ = 0;  // the sink says which folders are its own (set_own_subfolders)
    }

    // How many of the folder's last components the sink makes itself (0 or
    // 1; a date folder): those are opened without following a symbolic link
    // planted there (the open fails with ELOOP, reported, and the lines go to
    // the stderr fallback), and the file opened is checked to be the one in
    // that folder. The configured log folder above them is opened as it is.
    // assign() sets 0; sink::category_files sets 1 for its date folders.
    // `shared`, when given, holds the folder open for every file in it (see
    // own_folder); it must outlive this log_file's opens.
    void set_own_subfolders(std::size_t n, own_folder* shared = nullptr) noexcept {
        own_subfolders_ = n;
        shared_folder_ = shared;
    }

    // Opens the file (creating it and its folders) unless it is open; learns
    // the size and age of what it already holds. Reports a failure.
    bool ensure_open() noexcept {
        if (file_.is_open()) return true;
        int err = open_quietly();
        if (err != 0) report_open_failure(err);
        return err == 0;
    }

    // ensure_open() without the report: returns 0 or the errno, so that the
    // caller can act on EMFILE/ENFILE (close another file) and try again.
    int open_quietly() noexcept {
        if (file_.is_open()) return 0;
        if (own_subfolders_ != 0) return open_in_own_folder();
        struct stat st {};
        int err = file_.open_append(path_.c_str(), file_mode_, &st);
        if (err == ENOENT) {
            std::error_code ec;
            if (!create_directories(folder_, directory_mode_, ec)) {
                folder_failed_ = true;
                return ec.value();
            }
            err = file_.open_append(path_.c_str(), file_mode_, &st);
        }
        folder_failed_ = false;
        if (err != 0) return err;
        learn(st);  // from the fstat the open made: no second one
        check_tail(st);
        last_link_check_ = std::chrono::steady_clock::now();
        return 0;
    }

    // Learns the size and age of the file by its path, without opening it
    // (one lstat): what rotation needs to know of a file whose lines are held
    // while it is closed. A missing file counts as empty; so does anything
    // that is not a regular file (opening it will fail and say so).
    void learn_from_path() noexcept {
        struct stat st {};
        if (current_file_ops().lstat(path_.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) st = {};
        learn(st);
    }

    // Reports what open_quietly() returned.
    void report_open_failure(int err) noexcept {
        if (folder_failed_) {
            report(error_kind::create_directory, err, folder_,
                   err == ELOOP || err == ENOTDIR ? "a date folder is a symbolic link or not a folder (refused)"
                                                  : "cannot create the log folder");
            return;
        }
        report(error_kind::open, err, path_,
               err == EINVAL || err == ELOOP ? "not a regular file (symbolic links are refused)"
                                             : "cannot open the log file");
    }

    // Holds one whole line back. Opens the file first when needed.
    void append(std::string_view line, time_point record_time) {
        if (!file_.is_open()) ensure_open();
        if (first_record_ == time_point{}) first_record_ = record_time;
        pending_.append(line.data(), line.size());
        ++pending_lines_;
        if (pending_.size() >= write_threshold_) flush();
    }

    // How many held bytes append() lets wait for flush() (pending_limit
    // unless the sink says otherwise).
    void set_write_threshold(std::size_t bytes) noexcept { write_threshold_ = bytes; }

    // Holds one whole line back without opening the file and without
    // writing at pending_limit: for a sink that decides itself when a closed
    // file's lines go out (sink::category_files). flush() on a file that is
    // not open sends the lines to the fallback, so such a sink opens the file
    // before it flushes.
    void hold(std::string_view line, time_point record_time) {
        if (first_record_ == time_point{}) first_record_ = record_time;
        pending_.append(line.data(), line.size());
        ++pending_lines_;
    }

    // Holds whole lines back, `lines` of them, as hold() holds one: for a
    // sink that hands over lines it kept elsewhere (reserve_pending first).
    void hold_lines(std::string_view whole_lines, std::size_t lines, time_point first_time) {
        if (first_record_ == time_point{}) first_record_ = first_time;
        pending_.append(whole_lines.data(), whole_lines.size());
        pending_lines_ += lines;
    }

    // Hands `lines` whole lines kept elsewhere (a closed category file's
    // held lines, in pieces) to the kernel in one writev, without copying
    // them into the pending buffer. Only while the file is open, writing,
    // and holds no lines of its own: otherwise false, with nothing done, and
    // the caller hands them over the usual way (hold_lines(), then flush()).
    bool flush_with(std::span<const std::string_view> pieces, std::size_t lines, time_point first_time) noexcept {
        if (!pending_.empty()) return false;  // its own lines go first: the caller copies after them
        if (file_.is_open()) check_link();   // as flush() does: a file deleted or moved away is opened anew
        if (!file_.is_open() || failure_.error != 0 || torn_) return false;
        if (first_record_ == time_point{}) first_record_ = first_time;
        std::size_t lines_out = 0;
        const int err = write_whole_lines(pieces, lines, lines_out);
        if (lines_out != 0) errors_->count_written(lines_out);
        if (err != 0) note_write_failure(err, lines - lines_out);
        return true;
    }

    // Gives the memory of the pending buffer back once it is empty: a sink
    // with many files keeps no idle buffer per closed file.
    void release_memory() noexcept {
        if (pending_.empty()) std::string{}.swap(pending_);
    }

    // Room for `more` bytes of lines in one allocation.
    void reserve_pending(std::size_t more) { pending_.reserve(pending_.size() + more); }

    // Hands every pending line to the kernel: whole lines only.
    void flush() noexcept {
        if (pending_.empty() && failure_.error == 0) return;
        if (file_.is_open()) check_link();
        if (!file_.is_open()) {  // the open failed and was reported
            fall_back(0);
            return;
        }
        if (failure_.error != 0) {
            // Waiting after a failure: no system call, the lines are counted.
            if (std::chrono::steady_clock::now() < failure_.retry_at) {
                drop_pending();
                return;
            }
            if (!write_drop_report()) {
                drop_pending();
                return;
            }
        }
        if (pending_.empty()) return;
        std::size_t lines_out = 0;
        int err = write_whole_lines(pending_.data(), pending_.size(), pending_lines_, lines_out);
        if (lines_out != 0) errors_->count_written(lines_out);
        if (err == 0) {
            clear_pending();
            return;
        }
        note_write_failure(err, pending_lines_ - lines_out);
        clear_pending();
    }

    // Flushes and closes; the next append() opens the file again.
    void close() noexcept {
        flush();
        if (file_.is_open()) {
            left_whole_ = !torn_;  // what check_tail() can trust at the next open
            left_size_ = size_on_disk_;
        }
        if (int err = file_.close(); err != 0) report(error_kind::close, err, path_, "cannot close the log file");
    }

    // Closes the file and opens it again by name (after logrotate moved or
    // deleted it); the pending lines go to the file opened now. A file never
    // opened stays so until its first line.
    void reopen() noexcept {
        const bool was_open = file_.is_open();
        forget_file();
        if (was_open || !pending_.empty()) ensure_open();
        flush();
    }

    // The file was renamed away by rotation: start a new, empty one.
    void start_new_file() noexcept {
        close();
        size_on_disk_ = 0;
        first_record_ = time_point{};
        torn_ = false;
        ensure_open();
    }

    // What the rotation policy looks at.
    rotate::file_state state() const noexcept {
        return {folder_, name_, backup_prefix_, backup_suffix_, size(), first_record_};
    }

    // After a failed rotation, automatic attempts wait: a retry on every
    // record would flood the error handler (rotate_now() still tries at once).
    bool rotation_deferred() const noexcept {
        return rotation_retry_ != std::chrono::steady_clock::time_point{} &&
               std::chrono::steady_clock::now() < rotation_retry_;
    }
    void defer_rotation(std::chrono::steady_clock::duration wait) noexcept {
        rotation_retry_ = std::chrono::steady_clock::now() + wait;
    }
    void clear_rotation_deferral() noexcept { rotation_retry_ = {}; }

    void report(error_kind kind, int system_error, std::string_view path, std::string_view detail) noexcept {
        errors_->report({kind, system_error, path, detail});
    }

    // Bytes in the file, counting the lines not yet flushed.
    std::uint64_t size() const noexcept { return size_on_disk_ + pending_.size(); }
    time_point first_record_time() const noexcept { return first_record_; }
    bool is_open() const noexcept { return file_.is_open(); }
    bool has_pending() const noexcept { return !pending_.empty(); }
    // Bytes held back, not yet handed to the kernel.
    std::size_t pending_bytes() const noexcept { return pending_.size(); }
    // Writing failed and has not worked since: the errno, else 0.
    int write_failure() const noexcept { return failure_.error; }
    const std::string& path() const noexcept { return path_; }
    const std::string& folder() const noexcept { return folder_; }
    const std::string& name() const noexcept { return name_; }

private:
    using steady = std::chrono::steady_clock;

    // open_quietly() below a folder of the sink's own (a date folder): the
    // folder is opened without following links (open_own_folders), the file
    // by its path as usual (O_NOFOLLOW; through current_file_ops()), and then
    // the file opened must be the one the checked folder holds under its
    // name, else the open counts as refused (ELOOP): a folder swapped for a
    // link between the two is never written through.
    int open_in_own_folder() noexcept {
        if (shared_folder_) {
            int err = open_in_shared_folder();
            if (err != ENOENT && err != ENOTDIR && err != ESTALE) return err;
            // The folder held is gone (or was never there): open it anew, once.
            shared_folder_->drop();
            err = open_in_shared_folder();
            if (err != 0) shared_folder_->drop();  // not kept in a broken state: the next open tries again
            return err;
        }
        int dir = -1;
        if (int err = open_own_folders(folder_, own_subfolders_, directory_mode_, dir); err != 0) {
            folder_failed_ = err != EMFILE && err != ENFILE;  // out of descriptors: the file's open failed
            return err;
        }
        folder_failed_ = false;
        struct stat st {};
        int err = file_.open_append(path_.c_str(), file_mode_, &st);
        if (err == 0) {
            struct stat in_folder {};
            if (::fstatat(dir, name_.c_str(), &in_folder, AT_SYMLINK_NOFOLLOW) != 0 ||
                in_folder.st_dev != st.st_dev || in_folder.st_ino != st.st_ino) {
                (void)file_.close();
                err = ELOOP;
            }
        }
        ::close(dir);
        if (err != 0) return err;
        learn(st);
        check_tail(st);
        last_link_check_ = std::chrono::steady_clock::now();
        return 0;
    }

    // The file by its bare name in the folder held (which was opened without
    // following a link, and names a single component: nothing to check after).
    int open_in_shared_folder() noexcept {
        int dir = -1;
        if (int err = shared_folder_->get(folder_, own_subfolders_, directory_mode_, dir); err != 0) {
            folder_failed_ = err != EMFILE && err != ENFILE;
            return err;
        }
        folder_failed_ = false;
        struct stat st {};
        if (int err = file_.open_append_at(dir, name_.c_str(), file_mode_, &st); err != 0) return err;
        learn(st);
        check_tail(st);
        last_link_check_ = std::chrono::steady_clock::now();
        return 0;
    }

    struct failure_state {
        int error = 0;                // errno of the streak; 0: writing works
        std::uint64_t dropped = 0;    // records lost in this streak
        time_point since{};           // when the first of them was lost
        steady::time_point retry_at{};
        steady::duration wait{};
    };

    // What a file found on disk tells: its size and, when it holds
    // something, its date. A file found non-empty is dated by its last
    // change: the best guess, without reading it, of the day its records
    // belong to. An empty one keeps the time of the lines held for it.
    void learn(const struct stat& st) noexcept {
        size_on_disk_ = static_cast<std::uint64_t>(st.st_size);
        if (size_on_disk_ != 0)
            first_record_ = modification_time(st);
        else if (pending_.empty())
            first_record_ = time_point{};
    }

    static time_point modification_time(const struct stat& st) noexcept {
        auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
        return time_point(std::chrono::duration_cast<time_point::duration>(since_epoch));
    }

    // Writes [data, data + size) (whole lines). On failure, the bytes past
    // the last whole line that got out are cut off the file again, so that
    // no torn line stays. `lines_out` counts the lines that are in the file.
    // `lines` is how many lines `data` holds (the caller counted them as they
    // came: scanning every byte again here cost more than formatting them).
    int write_whole_lines(const char* data, std::size_t size, std::size_t lines, std::size_t& lines_out) noexcept {
        const std::string_view all{data, size};
        return write_whole_lines(std::span<const std::string_view>(&all, 1), lines, lines_out);
    }
    // The same for lines in pieces (one piece: write(2); more: writev(2)).
    int write_whole_lines(std::span<const std::string_view> pieces, std::size_t lines,
                          std::size_t& lines_out) noexcept {
        lines_out = 0;
        if (torn_ && !cut_torn_tail()) {
            // Still torn: end that line first, so the next record starts its own.
            std::size_t newline_out = 0;
            if (int err = file_.write_all("\n", 1, newline_out); err != 0) return err;
            size_on_disk_ += 1;
            torn_ = false;
        }
        std::size_t written = 0;
        int err = pieces.size() == 1 ? file_.write_all(pieces[0].data(), pieces[0].size(), written)
                                     : file_.write_all(pieces, written);
        size_on_disk_ += written;
        if (err == 0) {
            lines_out = lines;
            return 0;
        }
        // The whole lines among the bytes that got out; what follows the last is torn.
        std::size_t whole = 0, seen = 0;
        for (std::string_view piece : pieces) {
            if (seen == written) break;
            const std::string_view done = piece.substr(0, written - seen);
            lines_out += count_lines(done);
            if (const auto last_newline = done.rfind('\n'); last_newline != std::string_view::npos)
                whole = seen + last_newline + 1;
            seen += done.size();
        }
        torn_bytes_ = written - whole;
        torn_ = torn_bytes_ != 0;
        if (torn_) (void)cut_torn_tail();
        return err;
    }

    // Cuts the part of a line a failed write left at the end of the file.
    // With O_APPEND the file ends with our bytes, unless someone else wrote
    // after them: then the file is left alone and the line ended instead.
    bool cut_torn_tail() noexcept {
        if (torn_bytes_ == 0) return false;  // a torn line found at open (check_tail): end it instead
        struct stat st {};
        if (file_.status(st) != 0) return false;
        const auto on_disk = static_cast<std::uint64_t>(st.st_size);
        if (on_disk < torn_bytes_ || on_disk != size_on_disk_) return false;
        if (file_.truncate(on_disk - torn_bytes_) != 0) return false;
        size_on_disk_ = on_disk - torn_bytes_;
        torn_ = false;
        torn_bytes_ = 0;
        return true;
    }

    // A file whose last line is incomplete (a write cut by kill -9 or a crash,
    // of this process or another): the next write ends that line first, so
    // the next record starts a line of its own (write_whole_lines). Not
    // looked at when the file is as this log_file left it at its last close
    // (whole lines, the same size): a category file reopened many times
    // costs no extra read.
    // Another process's write in progress looks torn for a moment too (the
    // kernel grows the file page by page). So a tail that is not a line end
    // is looked at again after a write of zero bytes, which waits for any
    // write in progress on the file (it takes the inode's lock, as every
    // write does on Linux): a file that grew meanwhile had a live writer,
    // whose line ends by itself; only a tail that stayed is a dead writer's.
    void check_tail(const struct stat& st) noexcept {
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (size == 0 || (left_whole_ && size == left_size_)) return;
        if (ends_with_newline(size)) return;
        ssize_t barrier;
        do {
            barrier = ::write(file_.fd(), "", 0);
        } while (barrier < 0 && errno == EINTR);
        struct stat again {};
        if (file_.status(again) != 0 || static_cast<std::uint64_t>(again.st_size) != size) return;
        if (!ends_with_newline(size)) {
            torn_ = true;
            torn_bytes_ = 0;  // not ours to cut: completed with '\n'
        }
    }

    // Whether the file at path_ ends with '\n' at byte `size` - 1 (a read of
    // its own: the log descriptor is write-only). Unknown counts as yes.
    bool ends_with_newline(std::uint64_t size) const noexcept {
        const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) return true;
        char last = '\n';
        ssize_t n;
        do {
            n = ::pread(fd, &last, 1, static_cast<off_t>(size - 1));
        } while (n < 0 && errno == EINTR);
        ::close(fd);
        return n != 1 || last == '\n';
    }

    static std::size_t count_lines(std::string_view text) noexcept {
        std::size_t n = 0;
        for (char c : text) n += c == '\n';
        return n;
    }

    // `lost` records did not reach the file because of `err`.
    void note_write_failure(int err, std::uint64_t lost) noexcept {
        const auto now = steady::now();
        if (failure_.error == 0) {
            failure_.since = std::chrono::time_point_cast<time_point::duration>(std::chrono::system_clock::now());
            failure_.wait = first_write_retry;
            failure_.error = err;
            report(error_kind::write, err, path_, "cannot write to the log file; records are dropped and counted");
        } else {
            failure_.error = err;
            failure_.wait = failure_.wait * 2 < longest_write_retry ? failure_.wait * 2
                                                                   : steady::duration(longest_write_retry);
        }
        failure_.retry_at = now + failure_.wait;
        count_dropped(lost);
    }

    void count_dropped(std::uint64_t lost) noexcept {
        if (lost == 0) return;
        failure_.dropped += lost;
        errors_->count_dropped(lost);
    }

    void drop_pending() noexcept {
        count_dropped(pending_lines_);
        clear_pending();
    }

    // Writing may work again: say first how many records were lost. True
    // when the report line is in the file and the streak is over.
    bool write_drop_report() noexcept {
        std::string line;
        INKWELL_TRY { make_drop_report(line); }
        INKWELL_CATCH_ALL { line.clear(); }
        std::size_t lines_out = 0;
        int err = line.empty() ? ENOMEM : write_whole_lines(line.data(), line.size(), 1, lines_out);
        if (err != 0) {
            note_write_failure(err, 0);
            return false;
        }
        errors_->count_written(lines_out);
        failure_ = {};
        return true;
    }

    // "inkwell: N records dropped since <ISO time> (<errno text>)".
    void make_drop_report(std::string& out) const {
        line_buffer message;
        detail::append(message, "inkwell: ");
        char digits[24];
        std::size_t used = sizeof digits;
        std::uint64_t n = failure_.dropped;
        do {
            digits[--used] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n != 0);
        detail::append(message, std::string_view{digits + used, sizeof digits - used});
        detail::append(message, " records dropped since ");
        append_iso8601_utc_ms(message, failure_.since);
        detail::append(message, " (");
        char text[128];
        detail::append(message, system_error_text(failure_.error, text, sizeof text));
        detail::append(message, ")");
        const std::string_view said{message.data(), message.size()};
        if (format_report_) {
            format_report_(said, out);
            return;
        }
        // A sink without a logger: a line of its own, JSON for a .jsonl file.
        line_buffer now;
        append_iso8601_utc_ms(now, std::chrono::time_point_cast<time_point::duration>(std::chrono::system_clock::now()));
        const std::string_view when{now.data(), now.size()};
        if (name_.ends_with(".jsonl")) {
            // The fields of format::jsonl.
            out.append("{\"level\":\"warn\",\"message\":\"");
            for (char c : said) {
                if (c == '"' || c == '\\') out.push_back('\\');
                out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
            }
            out.append("\",\"category\":\"inkwell\",\"timestamp\":\"").append(when).append("\"}\n");
        } else {
            out.append(when).append(" [WARNING] ").append(said).append("\n");
        }
    }

    // Path gone or naming another file: open the path anew. File shorter
    // than what we wrote: carry on at its end. At most once a second.
    void check_link() noexcept {
        const auto now = steady::now();
        if (now - last_link_check_ < link_check_interval) return;
        last_link_check_ = now;
        struct stat open_st {};
        if (file_.status(open_st) != 0) return;
        struct stat path_st {};
        bool replaced = false;
        if (current_file_ops().lstat(path_.c_str(), &path_st) != 0)
            replaced = errno == ENOENT || errno == ENOTDIR;
        else
            replaced = path_st.st_dev != open_st.st_dev || path_st.st_ino != open_st.st_ino;
        if (replaced || open_st.st_nlink == 0) {
            forget_file();
            ensure_open();
            return;
        }
        const auto on_disk = static_cast<std::uint64_t>(open_st.st_size);
        if (on_disk < size_on_disk_) {  // truncated under us: the next append lands at the new end
            torn_ = false;
            torn_bytes_ = 0;
        }
        size_on_disk_ = on_disk;
    }

    // Lets go of the descriptor, keeping the pending lines for the next file.
    void forget_file() noexcept {
        (void)file_.close();
        size_on_disk_ = 0;
        first_record_ = time_point{};
        torn_ = false;
        torn_bytes_ = 0;
    }

    // Sends the pending lines from byte `from` on to the fallback.
    void fall_back(std::size_t from) noexcept {
        std::string_view rest{pending_.data() + from, pending_.size() - from};
        while (!rest.empty()) {
            auto end = rest.find('\n');
            std::size_t len = end == std::string_view::npos ? rest.size() : end + 1;
            errors_->fallback(rest.substr(0, len));
            rest.remove_prefix(len);
        }
        clear_pending();
    }

    void clear_pending() noexcept {
        pending_.clear();
        pending_lines_ = 0;
    }

    std::string folder_, name_, backup_prefix_, backup_suffix_, path_;
    posix_file file_;
    std::string pending_;
    std::uint64_t pending_lines_ = 0;
    std::size_t write_threshold_ = pending_limit;
    std::uint64_t size_on_disk_ = 0;
    std::uint64_t torn_bytes_ = 0;
    time_point first_record_{};
    unsigned file_mode_ = 0644;
    unsigned directory_mode_ = 0755;
    error_reporter* errors_ = &orphan_error_reporter();
    report_formatter format_report_{};
    failure_state failure_{};
    bool torn_ = false;
    bool left_whole_ = false;       // the last close() left whole lines ...
    std::uint64_t left_size_ = 0;   // ... and this many bytes
    bool folder_failed_ = false;
    std::size_t own_subfolders_ = 0;  // trailing folder components never followed as links
    own_folder* shared_folder_ = nullptr;  // the sink's, held open for the files in it
    steady::time_point last_link_check_{};
    steady::time_point rotation_retry_{};
};

}  // namespace detail
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/posix_file.hpp ----
// ---- begin inkwell/sink/rotating_file.hpp ----
// sink::rotating_file<Rotation, Suffix> — a text log that rotates:
// `<directory>/<base_name><Suffix>.log`, e.g. app.log and, with Suffix
// "_errors", app_errors.log. Rotation (rotate::by_size<> by default) decides
// when the file moves aside and under which names (app.log.1 …, or
// app.log.YYYYMMDD); rotate_now() rotates on request.
//
// The logger binds its config's rotation policy through `with_rotation<R>`.
// Before a record goes in, the policy is asked whether it is due; if so the
// lines held so far are written, the file is renamed and a new one begins,
// so no line is ever split across files. When the rename fails, the error is
// reported, writing goes on in the current file, and automatic rotation
// waits 10 s before trying again.
//
// Retention (bound through `with_retention<R>`; retain::never by default)
// runs over the file's backups (layout retain::layout::rotated_file: app.log.N,
// app.log.YYYYMMDD and their compressed copies; the file itself always stays)
// at the first record and after each rotation, on the thread that writes,
// with context.now() (the logger's clock) as the time it measures ages from.
// Compression (`with_compression<C>`; compress::none by default) gets each
// backup as rotation makes it: app.log.1 becomes app.log.1.gz on the
// compressor's thread. A rotation first waits for the backups still being
// compressed (they are about to be renamed); failures are reported at flush.
//
// The file is created at the first record (mode context.file_mode, folders
// context.directory_mode). flush() writes whole lines only. Not thread-safe
// by itself: the logger serialises every call.



INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::chrono::seconds rotation_retry_wait{10};

// Rotates `file` now (unless it is empty): what rotate_now() and a due
// rotation both do. Returns what the policy did (moved: the backup's path).
template <class Rotation>
rotate::outcome rotate_log_file(log_file& file, Rotation& rotation) {
    file.flush();  // earlier lines belong in the file that moves aside, in order
    if (!file.is_open() || file.size() == 0) return {};
    rotate::outcome result = rotation.rotate(file.state());
    if (result.error != 0) file.report(error_kind::rotate, result.error, file.path(), result.what);
    if (result.moved) {
        file.clear_rotation_deferral();
        file.start_new_file();
    } else if (result.error != 0) {
        file.defer_rotation(rotation_retry_wait);
    }
    return result;
}

// Asked before `incoming_bytes` of a record at `record_time` go to `file`:
// is a rotation due (and not waiting after a failed one)?
template <class Rotation>
bool rotation_due(log_file& file, Rotation& rotation, time_point record_time, std::size_t incoming_bytes) {
    return rotation.due(file.state(), record_time, incoming_bytes) && !file.rotation_deferred();
}

// The error reporter of a sink made without one (outside a logger).
inline error_reporter& reporter_or_orphan(error_reporter* errors) noexcept {
    return errors ? *errors : orphan_error_reporter();
}

}  // namespace detail

namespace sink {

template <class Rotation = rotate::by_size<>, detail::fixed_string Suffix = "", class Retention = retain::never,
          class Compression = compress::none>
class rotating_file {
    static_assert(policy::rotation<Rotation>,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; "
                  "see inkwell/policy/rotation.hpp");
    static_assert(policy::retention<Retention>,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");
    static_assert(policy::compression<Compression>,
                  "inkwell: the compression policy does not satisfy inkwell::policy::compression; "
                  "see inkwell/policy/compression.hpp");
    static_assert(Suffix.size() <= 64 && detail::is_safe_file_text(Suffix.view()),
                  "inkwell: a file name suffix may hold only A-Z a-z 0-9 . _ - (at most 64 of them)");

public:
    using rotation_type = Rotation;
    using retention_type = Retention;
    using compression_type = Compression;
    template <class R>
    using with_rotation = rotating_file<R, Suffix, Retention, Compression>;
    template <class R>
    using with_retention = rotating_file<Rotation, Suffix, R, Compression>;
    template <class C>
    using with_compression = rotating_file<Rotation, Suffix, Retention, C>;

    explicit rotating_file(const sink_context& context) : rotating_file(context, Rotation{}) {}
    rotating_file(const sink_context& context, Rotation rotation)
        : rotation_(std::move(rotation)), errors_(context.errors), now_(context.now) {
        std::string name;
        detail::sanitize_file_component(context.base_name, name);
        name.append(Suffix.view()).append(".log");
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
        file_.set_write_threshold(detail::single_file_pending_limit);  // one file: larger writes
    }
    ~rotating_file() {
        if constexpr (compression_handle::enabled) {
            compression_.wait();  // the last backups are compressed before the logger goes
            compression_.report_failures(detail::reporter_or_orphan(errors_));
        }
    }
    rotating_file(const rotating_file&) = delete;
    rotating_file& operator=(const rotating_file&) = delete;

    void write(const record& r, std::string_view line) {
        if (!file_.is_open()) file_.ensure_open();  // the size a restart found counts toward rotation
        if (!started_) {  // start-up, on the thread that writes: the first clean-up
            started_ = true;
            clean_up();
        }
        if (detail::rotation_due(file_, rotation_, r.time, line.size())) rotate_file();
        file_.append(line, r.time);
    }
    void flush() noexcept {
        file_.flush();
        if constexpr (compression_handle::enabled) compression_.report_failures(detail::reporter_or_orphan(errors_));
    }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    // Rotates now, whatever the policy says is due (nothing for an empty
    // file, or with rotate::never).
    void rotate_now() {
        if (!file_.is_open()) file_.ensure_open();
        rotate_file();
    }

    // Waits until every backup handed to the compression policy so far is
    // compressed (tests; the destructor does it too).
    void wait_for_compression() { compression_.wait(); }

    const std::string& path() const noexcept { return file_.path(); }
    const Rotation& rotation() const noexcept { return rotation_; }
    Retention& retention() noexcept { return retention_; }

private:
    using compression_handle = detail::compression_handle<Compression>;

    void rotate_file() {
        // A backup still being compressed must not be renamed under the compressor.
        compression_.wait();
        rotate::outcome done = detail::rotate_log_file(file_, rotation_);
        if (!done.moved) return;
        clean_up();
        if (!done.backup.empty()) compression_.submit(std::move(done.backup));
    }

    // Retention over this file's backups (the file itself is always kept).
    void clean_up() {
        if constexpr (!std::is_same_v<Retention, retain::never>)
            retain::apply(retention_, {file_.folder(), retain::layout::rotated_file(file_.name())}, now_(), errors_);
    }

    [[no_unique_address]] Rotation rotation_;
    [[no_unique_address]] Retention retention_;
    detail::log_file file_;
    error_reporter* errors_;
    time_point (*now_)() noexcept;  // the logger's clock, for retention
    compression_handle compression_;
    bool started_ = false;
};

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/rotating_file.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace sink {

// The limits of sink::category_files (its fifth parameter).
//   MaxPendingBytes  lines held by all categories together before files are
//                    written by priority (16 MiB);
//   MaxPendingAgeMs  how long commit() lets a closed file's info lines wait (1 s);
//   MaxOpenFiles     files open at once (64; fewer when the process has fewer
//                    descriptors);
//   KeptStates       per-(day, category) states kept before idle ones are
//                    recycled (4,096).
template <std::size_t MaxPendingBytes = 16 * 1024 * 1024, unsigned MaxPendingAgeMs = 1000,
          std::size_t MaxOpenFiles = 64, std::size_t KeptStates = 4096>
struct category_limits {
    static_assert(MaxOpenFiles >= 1 && MaxOpenFiles <= 65536, "inkwell: category_limits: 1 to 65536 open files");
    static_assert(MaxPendingBytes >= 1024, "inkwell: category_limits: hold at least 1 KiB of lines");
    static_assert(KeptStates >= MaxOpenFiles, "inkwell: category_limits: keep at least as many states as open files");
    static constexpr std::size_t max_pending_bytes = MaxPendingBytes;
    static constexpr std::chrono::milliseconds max_pending_age{MaxPendingAgeMs};
    static constexpr std::size_t max_open_files = MaxOpenFiles;
    static constexpr std::size_t kept_states = KeptStates;
};

template <detail::fixed_string Extension = ".jsonl", class Rotation = rotate::never, class Retention = retain::never,
          class Compression = compress::none, class Limits = category_limits<>>
class category_files {
    static_assert(policy::rotation<Rotation>,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; "
                  "see inkwell/policy/rotation.hpp");
    static_assert(policy::retention<Retention>,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");
    static_assert(policy::compression<Compression>,
                  "inkwell: the compression policy does not satisfy inkwell::policy::compression; "
                  "see inkwell/policy/compression.hpp");
    static_assert(Extension.size() <= 64 && detail::is_safe_file_text(Extension.view()),
                  "inkwell: a file extension may hold only A-Z a-z 0-9 . _ - (at most 64 of them)");

public:
    using rotation_type = Rotation;
    using retention_type = Retention;
    using compression_type = Compression;
    using limits_type = Limits;
    template <class R>
    using with_rotation = category_files<Extension, R, Retention, Compression, Limits>;
    template <class R>
    using with_retention = category_files<Extension, Rotation, R, Compression, Limits>;
    template <class C>
    using with_compression = category_files<Extension, Rotation, Retention, C, Limits>;
    template <class L>
    using with_limits = category_files<Extension, Rotation, Retention, Compression, L>;

    static constexpr std::size_t max_open_files = Limits::max_open_files;
    static constexpr std::size_t max_pending_bytes = Limits::max_pending_bytes;
    static constexpr std::chrono::milliseconds max_pending_age = Limits::max_pending_age;
    static constexpr std::size_t kept_states = Limits::kept_states;
    static constexpr std::string_view default_category = "general";

    explicit category_files(const sink_context& context) : category_files(context, Rotation{}) {}
    category_files(const sink_context& context, Rotation rotation)
        : rotation_(std::move(rotation)), directory_(detail::folder_text(context.directory)),
          file_mode_(context.file_mode), directory_mode_(context.directory_mode), errors_(context.errors),
          format_report_(context.format_report), now_(context.now) {
        open_.reserve(max_open_files);  // never grows after: the open list is changed by noexcept code
    }
    ~category_files() {
        flush();
        for (std::size_t i = open_.size(); i-- > 0;) close_state(*open_[i]);
        for (state* s : states_) {
            pool_.release(s->held);  // (empty after flush())
            delete s;
        }
        if constexpr (compression_handle::enabled) {
            backups_compression_.wait();  // what was handed over is compressed before the logger goes
            days_compression_.wait();
            report_compression_failures();
        }
    }
    category_files(const category_files&) = delete;
    category_files& operator=(const category_files&) = delete;

    void write(const record& r, std::string_view line) {
        const days day = std::chrono::floor<std::chrono::days>(r.time).time_since_epoch();
        bool new_day = false;
        if (!any_day_ || day > newest_day_) {  // the first record (start-up) counts as a new day
            if (any_day_) close_days_before(day);
            newest_day_ = day;
            any_day_ = true;
            new_day = true;
        }
        char buffer[detail::max_file_component + 1];
        std::string_view name =
            detail::sanitize_file_component(r.category.empty() ? default_category : r.category, buffer);
        state& s = find_or_make(day, name);
        touch(s);
        // A free descriptor slot costs no eviction: use it (a new category,
        // or one whose earlier open failed).
        if (!is_open(s) && open_.size() < open_cap_) open_with_held_lines(s);
        if (new_day) {  // after the open: the day's first file counts as active
            clean_up();
            compress_earlier_days(day);
        }
        if (rotation_due(s, r.time, line.size())) rotate_file(s);
        if (total_pending_ + line.size() > max_pending_bytes) relieve_memory();
        hold(s, r.severity, line, r.time);
    }

    // Hands what is due to the kernel: the lines of every open file, and of
    // the closed files that hold a warning or worse or waited long enough.
    void commit() noexcept {
        hand_over_open_files();
        if (!urgent_.empty()) {
            for (std::size_t i = 0; i < urgent_.size(); ++i)
                if (urgent_[i]->urgent) write_out(*urgent_[i]);
            urgent_.clear();
        }
        if (waiting_head_ == waiting_.size()) return;
        const auto now = steady::now();
        for (; waiting_head_ < waiting_.size(); waiting_head_ += 2) {
            state& s = *states_[waiting_[waiting_head_]];
            if (!s.waiting || s.wait_ticket != waiting_[waiting_head_ + 1]) continue;  // written since
            if (now - s.pending_since < max_pending_age) break;  // the rest waited less
            write_out(s);
        }
        compact_waiting();
    }

    // Hands every pending line of every file to the kernel.
    void flush() noexcept {
        for (std::size_t i = open_.size(); i-- > 0;) {
            state& s = *open_[i];  // flushing may close it (a path gone and not reopened): back to front
            const std::size_t before = pending_of(s);
            s.file.flush();
            settle(s, before);
        }
        keep_only_failing_in_dirty();
        for (auto& p : states_)
            if (p->live && holds(*p)) write_out(*p);
        urgent_.clear();
        waiting_.clear();
        waiting_head_ = 0;
        if constexpr (compression_handle::enabled) report_compression_failures();
    }

    // Opens every open file again by name (after logrotate moved or deleted
    // them); a closed one learns its size anew and opens by name when due.
    void reopen() noexcept {
        newest_folder_.drop();  // found by its path again too
        for (std::size_t i = open_.size(); i-- > 0;) {
            state& s = *open_[i];
            const std::size_t before = pending_of(s);
            s.file.reopen();
            settle(s, before);
        }
        for (auto& p : states_)
            if (p->live && !p->file.is_open()) p->file.learn_from_path();
    }

    // Rotates every file that is open or holds lines (rotation on request).
    void rotate_now() {
        for (auto& p : states_)
            if (p->live && (p->file.is_open() || holds(*p))) rotate_file(*p);
    }

    // Waits until every file handed to the compression policy so far is
    // compressed (tests; the destructor does it too).
    void wait_for_compression() {
        backups_compression_.wait();
        days_compression_.wait();
    }

    // How many files are open now (at most open_file_cap()).
    std::size_t open_files() const noexcept { return open_.size(); }
    // The cap on open files: max_open_files, lower after the process ran
    // out of descriptors.
    std::size_t open_file_cap() const noexcept { return open_cap_; }
    // Bytes of lines held, not yet handed to the kernel, over all files.
    std::size_t pending_bytes() const noexcept { return total_pending_; }
    // How many (day, category) states are kept.
    std::size_t kept_files() const noexcept { return live_states_; }

    const Rotation& rotation() const noexcept { return rotation_; }
    Retention& retention() noexcept { return retention_; }

private:
    using days = std::chrono::days;
    using steady = std::chrono::steady_clock;
    using compression_handle = detail::compression_handle<Compression>;
    static constexpr std::uint32_t not_open = ~std::uint32_t{0};

    // One file of one category on one day.
    // One file of one category on one day. What a record for a closed file
    // touches comes first, in two cache lines (with a thousand files taking
    // lines in turn, each record finds its state out of cache): the key, and
    // the chain of held lines with the flags; the log_file comes last.
    struct alignas(64) state {
        days day{};
        std::uint64_t hash = 0;
        std::string name;  // the sanitized category
        std::uint64_t last_use = 0;
        std::uint32_t index = 0;             // in states_
        std::uint32_t open_slot = not_open;  // in open_; not_open exactly when the file is closed
        // (second cache line)
        std::size_t file_pending = 0;        // file.pending_bytes() as settle() last saw it
        level worst = level::trace;          // the most severe line held
        bool live = false;                   // false: free for reuse
        bool waiting = false;                // closed, holding lines, queued in waiting_
        bool urgent = false;                 // closed, holding a warning or worse, in urgent_
        bool dirty = false;                  // open, in dirty_: lines for the next commit
        // Lines that came while the file was closed (held in pool_'s blocks);
        // they go into `file` when it opens. A state's lines, oldest first:
        // those `file` holds, then these.
        detail::held_lines held;
        std::uint32_t wait_ticket = 0;       // which entry of waiting_ is current
        steady::time_point pending_since{};  // closed and holding lines: since when
        detail::log_file file;
    };

    // Bytes of lines s holds, not yet handed to the kernel: its log_file's
    // (as last settled) and its chain's.
    static std::size_t pending_of(const state& s) noexcept { return s.file_pending + s.held.bytes(); }
    static bool holds(const state& s) noexcept { return s.file_pending != 0 || !s.held.empty(); }
    static bool is_open(const state& s) noexcept { return s.open_slot != not_open; }

    // --- finding a state

    static std::uint64_t key_hash(days day, std::string_view name) noexcept {
        std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, then the day mixed in
        for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
        h ^= static_cast<std::uint64_t>(day.count()) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ull;
        return h ^ (h >> 32);
    }

    state& find_or_make(days day, std::string_view name) {
        // Consecutive records of one category are the common case.
        if (last_ && last_->day == day && last_->name == name) return *last_;
        const std::uint64_t h = key_hash(day, name);
        if (!table_.empty()) {
            const std::size_t mask = table_.size() - 1;
            const std::uint64_t tag = h >> 32;
            for (std::size_t i = h & mask; table_[i] != 0; i = (i + 1) & mask) {
                if (table_[i] >> 32 != tag) continue;  // another key: its state stays untouched
                state& s = *states_[(table_[i] & 0xffffffffu) - 1];
                // Its second cache line (the held lines, the flags) is
                // needed next: fetched along with the first, not after it.
                __builtin_prefetch(reinterpret_cast<const char*>(&s) + 64);
                if (s.hash == h && s.day == day && s.name == name) return *(last_ = &s);
            }
        }
        return *(last_ = &make_state(day, name, h));
    }

    state& make_state(days day, std::string_view name, std::uint64_t h) {
        state* s = live_states_ >= kept_states ? recycle_one() : nullptr;
        if (!s && !free_states_.empty()) {
            s = states_[free_states_.back()];
            free_states_.pop_back();
        }
        if (!s) {
            states_.reserve(states_.size() + 1);  // before the new: a failed growth leaks nothing
            s = new state();
            states_.push_back(s);
            s->index = static_cast<std::uint32_t>(states_.size() - 1);
        }
        s->day = day;
        s->name.assign(name);
        s->hash = h;
        s->live = true;
        s->worst = level::trace;
        s->waiting = s->urgent = s->dirty = false;
        ++live_states_;
        table_insert(*s);
        char date[11];
        std::string folder = directory_;
        folder.append("/").append(detail::utc_date(time_point{day}, date));
        std::string file_name = s->name;
        file_name.append(Extension.view());
        s->file.assign(std::move(folder), std::move(file_name), s->name + "+", std::string(Extension.view()),
                       file_mode_, directory_mode_, errors_, format_report_);
        // The date folder is ours: a link planted there is refused. The
        // newest day's folder is held open for its files (detail::own_folder).
        s->file.set_own_subfolders(1, day == newest_day_ ? &newest_folder_ : nullptr);
        // Opened at once when a descriptor slot is free (write() does it);
        // else its size on disk, for rotation, without a descriptor.
        if (open_.size() >= open_cap_) s->file.learn_from_path();
        return *s;
    }

    // The least recently used state that is closed, holds nothing and is
    // not in a failure streak, taken out of the table; nullptr if none.
    state* recycle_one() noexcept {
        state* oldest = nullptr;
        for (auto& p : states_) {
            state& s = *p;
            if (s.live && !s.file.is_open() && !holds(s) && s.file.write_failure() == 0 && &s != last_ &&
                (!oldest || s.last_use < oldest->last_use))
                oldest = &s;
        }
        if (oldest) forget(*oldest, true);
        return oldest;
    }

    // Takes a state out of use (its file closed and holding nothing).
    void forget(state& s, bool erase_from_table) noexcept {
        if (erase_from_table) table_erase(s);
        s.live = false;
        s.waiting = s.urgent = s.dirty = false;
        s.file.release_memory();
        pool_.release(s.held);  // empty: a state is forgotten only once it holds nothing
        --live_states_;
        if (last_ == &s) last_ = nullptr;
    }

    // A table entry: the key hash's high 32 bits, then the index in states_ + 1.
    static std::uint64_t table_entry(const state& s) noexcept {
        return (s.hash & 0xffffffff00000000ull) | (std::uint64_t{s.index} + 1);
    }

    void table_insert(const state& s) {
        if (live_states_ * 2 > table_.size()) {
            rehash(table_.empty() ? 64 : table_.size() * 2);  // rehash places every live state, s too
            return;
        }
        place(s);
    }

    void rehash(std::size_t capacity) {
        table_.assign(capacity, 0);
        for (auto& p : states_)
            if (p->live) place(*p);
    }

    void place(const state& s) noexcept {
        const std::size_t mask = table_.size() - 1;
        std::size_t i = s.hash & mask;
        while (table_[i] != 0) i = (i + 1) & mask;
        table_[i] = table_entry(s);
    }

    // Linear probing without tombstones: the entries after the hole move
    // back when the hole lies on their probe path.
    void table_erase(const state& s) noexcept {
        const std::size_t mask = table_.size() - 1;
        std::size_t hole = s.hash & mask;
        while (table_[hole] != table_entry(s)) hole = (hole + 1) & mask;
        for (std::size_t j = (hole + 1) & mask; table_[j] != 0; j = (j + 1) & mask) {
            const std::size_t home = states_[(table_[j] & 0xffffffffu) - 1]->hash & mask;
            const bool home_after_hole = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (home_after_hole) continue;
            table_[hole] = table_[j];
            hole = j;
        }
        table_[hole] = 0;
    }

    void touch(state& s) noexcept { s.last_use = ++use_clock_; }

    // --- holding and writing lines

    void hold(state& s, level severity, std::string_view line, time_point record_time) {
        const std::size_t before = pending_of(s);
        if (severity > s.worst && severity != level::off) s.worst = severity;
        if (is_open(s)) {
            s.file.append(line, record_time);  // writes at once past pending_limit
            settle(s, before);
            if (!s.dirty && s.file.is_open()) {
                s.dirty = true;
                dirty_.push_back(&s);
            }
            return;
        }
        if (pool_.append(s.held, line, record_time)) {
            total_pending_ += line.size();  // the log_file untouched: nothing else to settle
        } else {  // out of memory for a block: the log_file's own buffer, after the lines held
            move_held_to_file(s);
            settle(s, before);  // (settled before hold(), which may throw in a build with exceptions)
            const std::size_t moved = pending_of(s);
            s.file.hold(line, record_time);
            settle(s, moved);
        }
        if (!s.waiting) {
            s.waiting = true;
            s.pending_since = steady::now();
            waiting_.push_back(s.index);  // (state, ticket) pairs: no vector type of its own to compile
            waiting_.push_back(++s.wait_ticket);
        }
        if (severity >= level::warn && !s.urgent) {
            s.urgent = true;
            urgent_.push_back(&s);
        }
        if (pending_of(s) >= detail::pending_limit) write_out(s);
    }

    // After anything a log_file did: the count of held bytes, the open list
    // and the flags follow what the file now is.
    void settle(state& s, std::size_t before) noexcept {
        s.file_pending = s.file.pending_bytes();
        total_pending_ = total_pending_ - before + pending_of(s);
        const bool listed = s.open_slot != not_open;
        if (s.file.is_open() && !listed) {
            s.open_slot = static_cast<std::uint32_t>(open_.size());
            open_.push_back(&s);  // within the capacity reserved (the cap never grows)
        } else if (!s.file.is_open() && listed) {
            state* moved = open_.back();
            open_[s.open_slot] = moved;
            moved->open_slot = s.open_slot;
            open_.pop_back();
            s.open_slot = not_open;
            s.dirty = false;
        }
        if (!holds(s)) {
            s.worst = level::trace;
            s.waiting = false;
            s.urgent = false;
        }
    }

    // Hands s's lines to the kernel, opening its file first when closed. A
    // failed open is reported, and the lines go to the stderr fallback.
    void write_out(state& s) noexcept {
        if (!s.file.is_open() && holds(s)) open_making_room(s);  // the held lines: below
        const std::size_t before = pending_of(s);
        // Straight from the chain's blocks when the file can take them at
        // once; else through the file's buffer (when the open failed: to the
        // stderr fallback, with the rest).
        if (!write_held_directly(s)) move_held_to_file(s);
        s.file.flush();
        settle(s, before);
    }

    // The held lines go to the file in one writev of the chain's blocks: no
    // copy into the file's buffer. False, with nothing done, when the file
    // is not open and writing, holds lines of its own (they go first), or
    // the chain has more blocks than one call takes.
    bool write_held_directly(state& s) noexcept {
        constexpr std::size_t max_pieces = detail::posix_file::max_pieces_per_call;
        if (s.held.empty() || s.held.blocks() > max_pieces) return false;
        std::string_view pieces[max_pieces];
        std::size_t count = 0;
        s.held.for_each_piece([&](std::string_view piece) { pieces[count++] = piece; });
        if (!s.file.flush_with(std::span<const std::string_view>(pieces, count), s.held.lines(), s.held.first_time()))
            return false;
        pool_.release(s.held);
        return true;
    }

    // The lines held for s while its file was closed go to its log_file,
    // after those it holds itself: the order they came in. The log_file
    // counts them as the records they were (its count of records written).
    void move_held_to_file(state& s) noexcept {
        if (s.held.empty()) return;
        INKWELL_TRY {
            s.file.reserve_pending(s.held.bytes());  // after this, nothing below allocates
        }
        INKWELL_CATCH_ALL {  // out of memory (a build with exceptions): the lines are counted as lost
            detail::reporter_or_orphan(errors_).count_dropped(s.held.lines());
            pool_.release(s.held);
            return;
        }
        std::size_t lines = s.held.lines();  // counted with the first piece
        s.held.for_each_piece([&](std::string_view piece) {
            s.file.hold_lines(piece, std::exchange(lines, 0), s.held.first_time());
        });
        pool_.release(s.held);
    }

    // The lines of every open file written to since the last commit.
    void hand_over_open_files() noexcept {
        if (dirty_.empty()) return;
        for (state* s : dirty_) {
            if (!s->dirty) continue;  // closed (and so flushed) since
            const std::size_t before = pending_of(*s);
            s->file.flush();
            settle(*s, before);
        }
        keep_only_failing_in_dirty();
    }

    // Open files in a write failure streak stay in dirty_: each commit lets
    // them try their "records dropped" note again (after their wait).
    void keep_only_failing_in_dirty() noexcept {
        std::size_t kept = 0;
        for (state* s : dirty_) {
            if (!s->dirty) continue;  // closed since, or listed twice (closed and opened again)
            s->dirty = false;
            if (s->file.is_open() && s->file.write_failure() != 0) dirty_[kept++] = s;
        }
        dirty_.resize(kept);
        for (state* s : dirty_) s->dirty = true;
    }

    void compact_waiting() {
        if (waiting_head_ == waiting_.size()) {
            waiting_.clear();
            waiting_head_ = 0;
        } else if (waiting_head_ >= 1024 && waiting_head_ * 2 >= waiting_.size()) {
            waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(waiting_head_));
            waiting_head_ = 0;
        }
    }

    // The lines held would pass max_pending_bytes: write files until less
    // than 70 % of it is held — errors first, then warnings, then the
    // largest buffers first, in steps of an eighth of a power of two (no
    // sort to compile). Largest first is what makes a cap cheap: with many
    // files filling alike, each is written when it is about as large as any
    // gets, so the held lines go out in the fewest opens and writes.
    void relieve_memory() {
        const std::size_t enough = max_pending_bytes / 10 * 7;
        std::vector<state*> holding;
        std::vector<std::uint32_t> bucket;  // size_bucket() of each, as found
        std::uint32_t top = 0;
        for (state* p : states_) {
            if (!p->live || !holds(*p)) continue;
            holding.push_back(p);
            bucket.push_back(size_bucket(pending_of(*p)));
            if (bucket.back() > top) top = bucket.back();
        }
        auto relieved = [&] { return total_pending_ < enough; };
        for (level floor : {level::error, level::warn}) {
            for (state* s : holding) {
                if (holds(*s) && s->worst >= floor) write_out(*s);
                if (relieved()) return;
            }
        }
        for (std::uint32_t b = top + 1; b-- > 0;) {
            for (std::size_t i = 0; i < holding.size(); ++i) {
                if (bucket[i] != b || !holds(*holding[i])) continue;
                write_out(*holding[i]);
                if (relieved()) return;
            }
        }
    }

    // Sizes in steps of an eighth of a power of two: 0-15 as they are, then
    // 16-17 → 16, 18-19 → 17, ..., 30-31 → 23, 32-35 → 24, ... (monotonic).
    static std::uint32_t size_bucket(std::size_t n) noexcept {
        if (n < 16) return static_cast<std::uint32_t>(n);
        const int width = std::bit_width(n);  // 5 or more
        return static_cast<std::uint32_t>((width - 3) * 8) + static_cast<std::uint32_t>((n >> (width - 4)) & 7);
    }

    // --- open files

    // Opens s's file, closing the least recently used open files to stay
    // within the cap. Out of descriptors (EMFILE, ENFILE): lowers the cap
    // to one less than what was open then, closes more and tries again.
    // The lines held for s stay where they are (see open_with_held_lines).
    bool open_making_room(state& s) noexcept {
        while (open_.size() >= open_cap_ && close_least_recently_used(&s)) {
        }
        int err = s.file.open_quietly();
        while (err == EMFILE || err == ENFILE) {
            const std::size_t fits = open_.size() > 1 ? open_.size() - 1 : 1;
            if (fits < open_cap_) open_cap_ = fits;
            if (!close_least_recently_used(&s)) break;
            while (open_.size() >= open_cap_ && close_least_recently_used(&s)) {
            }
            err = s.file.open_quietly();
        }
        if (err != 0) {
            s.file.report_open_failure(err);
            return false;
        }
        settle(s, pending_of(s));  // now in the open list
        return true;
    }

    // Opens s's file and moves the lines that waited for it into the file's
    // buffer, first: records that follow are appended after them.
    bool open_with_held_lines(state& s) noexcept {
        if (!open_making_room(s)) return false;
        const std::size_t before = pending_of(s);
        move_held_to_file(s);
        settle(s, before);
        return true;
    }

    // Flushes and closes the least recently used open file other than
    // `keep`. False when there is none.
    bool close_least_recently_used(const state* keep) noexcept {
        state* oldest = nullptr;
        for (state* o : open_)
            if (o != keep && (!oldest || o->last_use < oldest->last_use)) oldest = o;
        if (!oldest) return false;
        close_state(*oldest);
        return true;
    }

    void close_state(state& s) noexcept {
        const std::size_t before = pending_of(s);
        s.file.close();
        settle(s, before);
        s.file.release_memory();  // a closed file keeps no buffer
    }

    // A later day began: the files of earlier days are written, closed and
    // forgotten.
    void close_days_before(days day) {
        bool any = false;
        for (auto& p : states_) {
            state& s = *p;
            if (!s.live || s.day >= day) continue;
            write_out(s);
            close_state(s);
            forget(s, false);
            free_states_.push_back(s.index);
            any = true;
        }
        if (any) rehash(table_.size());
    }

    // detail::rotation_due for s: the lines held for it while its file was
    // closed count toward the file's size, and its first record when the
    // file is empty.
    bool rotation_due(state& s, time_point record_time, std::size_t incoming_bytes) {
        if (s.held.empty()) return detail::rotation_due(s.file, rotation_, record_time, incoming_bytes);
        rotate::file_state f = s.file.state();
        f.size += s.held.bytes();
        if (f.first_record == time_point{}) f.first_record = s.held.first_time();
        return rotation_.due(f, record_time, incoming_bytes) && !s.file.rotation_deferred();
    }

    void rotate_file(state& s) {
        if (!s.file.is_open() && !open_with_held_lines(s)) return;
        if constexpr (compression_handle::enabled) {
            // A backup still being compressed must not be renamed under the
            // compressor; nor may a file of an old day that is being compressed.
            backups_compression_.wait();
            if (s.day + days{2} <= newest_day_) days_compression_.wait();
        }
        const std::size_t before = pending_of(s);
        rotate::outcome done = detail::rotate_log_file(s.file, rotation_);
        settle(s, before);
        if (!done.moved) return;
        clean_up();
        if (!done.backup.empty()) backups_compression_.submit(std::move(done.backup));
    }

    // "YYYY-MM-DD/<name><Extension>": an active file, as retention names it.
    std::string relative_path(const state& s) const {
        char date[11];
        std::string path{detail::utc_date(time_point{s.day}, date)};
        path.append("/").append(s.name).append(Extension.view());
        return path;
    }

    static bool active(const state& s) noexcept { return s.live && (s.file.is_open() || holds(s)); }

    // Retention over every date folder; the active files stay.
    void clean_up() {
        if constexpr (!std::is_same_v<Retention, retain::never>) {
            retain::log_folder folder{directory_, retain::layout::date_folders(Extension.view())};
            for (const auto& p : states_)
                if (active(*p)) folder.active.push_back(relative_path(*p));
            retain::apply(retention_, folder, now_(), errors_);
        }
    }

    // Hands the files of the days before the one before `today` to the
    // compressor (those not compressed yet, not active, without a compressed copy).
    void compress_earlier_days(days today) {
        if constexpr (compression_handle::enabled) {
            retain::listing files =
                retain::listing::scan({directory_, retain::layout::date_folders(Extension.view())}, errors_);
            const time_point last_day_end{today - days{1}};  // a file of day D ends at D + 1 day
            for (const auto& f : files.files()) {
                if (f.compressed || f.newest > last_day_end || is_active(f.path)) continue;
                std::string path = directory_;
                path.append("/").append(f.path);
                std::string compressed = path;
                compressed.append(Compression::extension);
                struct stat st {};
                if (::lstat(compressed.c_str(), &st) == 0) continue;  // never overwrite a compressed copy
                days_compression_.submit(std::move(path));
            }
        }
    }

    bool is_active(std::string_view relative) const {
        for (const auto& p : states_)
            if (active(*p) && relative_path(*p) == relative) return true;
        return false;
    }

    void report_compression_failures() {
        error_reporter& errors = detail::reporter_or_orphan(errors_);
        backups_compression_.report_failures(errors);
        days_compression_.report_failures(errors);
    }

    [[no_unique_address]] Rotation rotation_;
    [[no_unique_address]] Retention retention_;
    std::string directory_;
    unsigned file_mode_;
    unsigned directory_mode_;
    error_reporter* errors_;
    report_formatter format_report_;
    time_point (*now_)() noexcept;  // the logger's clock, for retention
    // Every state ever made, each at a fixed address (lists point at them),
    // owned here (plain pointers: less to compile than unique_ptr); a
    // forgotten one is reused from free_states_.
    std::vector<state*> states_;
    std::vector<std::uint32_t> free_states_;
    // The blocks of every state's held lines.
    detail::line_block_pool pool_;
    // Open addressing, a power of two long: table_entry() of each live
    // state, 0 empty (a lookup looks at a state only when its tag matches).
    std::vector<std::uint64_t> table_;
    std::size_t live_states_ = 0;
    detail::own_folder newest_folder_;  // the newest day's folder, held open
    std::vector<state*> open_;          // the states whose file is open
    std::vector<state*> dirty_;         // open, written to since the last commit (or failing)
    std::vector<state*> urgent_;        // closed, holding a warning or worse
    // Closed and holding lines, in the order they began to wait: pairs of
    // (index in states_, ticket); an entry whose ticket is not the state's is stale.
    std::vector<std::uint32_t> waiting_;
    std::size_t waiting_head_ = 0;
    state* last_ = nullptr;
    std::size_t open_cap_ = max_open_files;
    std::size_t total_pending_ = 0;
    std::uint64_t use_clock_ = 0;
    days newest_day_{};
    bool any_day_ = false;
    // Two shares of the compressor, so that a rotation waits only for the
    // backups in flight, not for a whole day's files.
    compression_handle backups_compression_;
    compression_handle days_compression_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/category_files.hpp ----
// ---- begin inkwell/sink/console.hpp ----
// Console sinks: sink::console writes to standard output, sink::console_stderr
// to standard error.
//
// Colour is decided once, when the sink is made: on when the stream is a
// terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is not
// "dumb"; INKWELL_COLOR=always or INKWELL_COLOR=never overrides all three.
// A colouring sink wraps each plain line in its level's colour. A line that
// already carries colour (format::console) is passed on as it is when
// colouring, and stripped of it when not, so no escape reaches a file or pipe.
//
// Each line goes out in one write(2) (retried on EINTR and short writes).
// A closed pipe (`app | head`) is reported as an error instead of killing the
// process with SIGPIPE. Failures go to the error reporter; there is no
// fallback for the console itself. The sink keeps no mutable state; the
// logger serialises calls to write().


#include <poll.h>


INKWELL_BEGIN_NAMESPACE
namespace detail {

// The automatic colour decision for a file descriptor, from the environment.
inline bool console_should_colour(int fd) noexcept {
    const std::string_view forced = env("INKWELL_COLOR");
    if (forced == "always") return true;
    if (forced == "never") return false;
    if (!env("NO_COLOR").empty()) return false;
    if (env("TERM") == "dumb") return false;
    return ::isatty(fd) == 1;
}

// Pipes and sockets are where a vanished reader raises SIGPIPE.
inline bool may_raise_sigpipe(int fd) noexcept {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return false;
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

// Writes all of `data`; returns 0 or the errno that stopped it. A
// non-blocking descriptor that stays full for a second counts as failed,
// so a stuck reader never hangs the program.
inline int write_fully(int fd, std::string_view data) noexcept {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return EIO;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd wait_for{fd, POLLOUT, 0};
            const int ready = ::poll(&wait_for, 1, 1000);
            if (ready > 0 || (ready < 0 && errno == EINTR)) continue;
            return EAGAIN;
        }
        return errno;
    }
    return 0;
}

// write_fully with SIGPIPE blocked for this thread; a SIGPIPE this write
// raised is consumed, one that was already pending is left alone.
inline int write_fully_without_sigpipe(int fd, std::string_view data) noexcept {
    sigset_t sigpipe_only, previous;
    sigemptyset(&sigpipe_only);
    sigaddset(&sigpipe_only, SIGPIPE);
    if (::pthread_sigmask(SIG_BLOCK, &sigpipe_only, &previous) != 0) return write_fully(fd, data);
    sigset_t pending;
    sigemptyset(&pending);
    const bool was_pending = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    const int error = write_fully(fd, data);
    if (error == EPIPE && !was_pending) {
        const timespec no_wait{};
        while (::sigtimedwait(&sigpipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
    }
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return error;
}

}  // namespace detail

namespace sink {

// How a console sink decides on colour: from the terminal and environment
// (automatic), or fixed in code.
enum class colour_mode : std::uint8_t { automatic, always, never };

template <int Fd>
class basic_console {
public:
    explicit basic_console(const sink_context& context) : basic_console(context, colour_mode::automatic) {}

    // `mode` always/never fixes the decision in code, ignoring the environment.
    basic_console(const sink_context& context, colour_mode mode)
        : errors_(context.errors),
          colour_(mode == colour_mode::automatic ? detail::console_should_colour(Fd) : mode == colour_mode::always),
          guard_sigpipe_(detail::may_raise_sigpipe(Fd)) {}

    void write(const record& r, std::string_view line) {
        const bool pre_coloured = line.find('\x1b') != std::string_view::npos;
        if (colour_ == pre_coloured) {
            emit(line);
            return;
        }
        detail::line_buffer buffer;
        if (pre_coloured) {
            detail::ansi::append_without_sgr(buffer, line);
        } else {
            const std::string_view colour = detail::ansi::colour_for(r.severity);
            if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
            detail::append(buffer, colour);
            detail::append(buffer, line);
            if (!colour.empty()) detail::append(buffer, detail::ansi::reset);
            buffer.push_back('\n');
        }
        emit(detail::view(buffer));
    }

    // Nothing is held back: every line was written when it came.
    void flush() noexcept {}

    bool colours() const noexcept { return colour_; }
    static constexpr int file_descriptor = Fd;

private:
    void emit(std::string_view text) noexcept {
        const int error =
            guard_sigpipe_ ? detail::write_fully_without_sigpipe(Fd, text) : detail::write_fully(Fd, text);
        if (error != 0 && errors_ != nullptr)
            errors_->report(error_event{error_kind::write, error, Fd == STDERR_FILENO ? "<stderr>" : "<stdout>",
                                        "console write failed"});
    }

    error_reporter* errors_;
    bool colour_;
    bool guard_sigpipe_;
};

using console = basic_console<STDOUT_FILENO>;
using console_stderr = basic_console<STDERR_FILENO>;

static_assert(policy::sink<console> && policy::sink<console_stderr>);

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/console.hpp ----
// ---- begin inkwell/sink/file.hpp ----
// sink::file — every record appended to one file, `<directory>/<base_name>.log`
// (the base name sanitized to one path component), never rotated.
//
// The file and its folders are created at the first record (mode
// context.file_mode, folders context.directory_mode). write() holds the line
// back; flush() hands the held lines to the kernel in one write(2) of whole
// lines (at once when they pass 64 KiB). A file that cannot be opened is
// reported to context.errors and its lines go to the stderr fallback; a
// failing write (full disk) drops and counts them, and the first write that
// works again says how many (detail::log_file). reopen() follows a file that
// logrotate moved; a flush notices by itself, at most a second later.
// Not thread-safe by itself: the logger serialises every call.



INKWELL_BEGIN_NAMESPACE
namespace sink {

// A class template only so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Unused = void>
class basic_file {
public:
    explicit basic_file(const sink_context& context) {
        std::string name;
        detail::sanitize_file_component(context.base_name, name);
        name += ".log";
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
        file_.set_write_threshold(detail::single_file_pending_limit);  // one file: larger writes
    }

    void write(const record& r, std::string_view line) { file_.append(line, r.time); }
    void flush() noexcept { file_.flush(); }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    const std::string& path() const noexcept { return file_.path(); }

private:
    detail::log_file file_;
};

using file = basic_file<>;

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/file.hpp ----
// ---- begin inkwell/sink/fixed_rotation.hpp ----
// sink::fixed_rotation<Sink> — keeps a sink's own rotation policy when the
// config's `rotation` is bound into a tee: rotating-text-logs.md rotates the
// error log by size even when the main log rotates daily. The config's
// retention and compression still reach the sink (with_retention,
// with_compression pass through).



INKWELL_BEGIN_NAMESPACE
namespace sink {

template <class Sink>
class fixed_rotation;

namespace fixed_rotation_detail {
template <bool SinkTakesRetention, class Sink>
struct retention_binding {};
template <class Sink>
struct retention_binding<true, Sink> {
    template <class Retention>
    using with_retention = fixed_rotation<typename Sink::template with_retention<Retention>>;
};
template <bool SinkTakesCompression, class Sink>
struct compression_binding {};
template <class Sink>
struct compression_binding<true, Sink> {
    template <class Compression>
    using with_compression = fixed_rotation<typename Sink::template with_compression<Compression>>;
};
}  // namespace fixed_rotation_detail

template <class Sink>
class fixed_rotation
    : public fixed_rotation_detail::retention_binding<policy::sink_takes_retention<Sink>, Sink>,
      public fixed_rotation_detail::compression_binding<policy::sink_takes_compression<Sink>, Sink> {
public:
    explicit fixed_rotation(const sink_context& context) : inner_(context) {}

    void write(const record& r, std::string_view line) { inner_.write(r, line); }
    void flush() { inner_.flush(); }
    void commit() requires policy::sink_commits<Sink> { inner_.commit(); }
    void rotate_now()
        requires policy::sink_rotates_on_request<Sink>
    {
        inner_.rotate_now();
    }
    void reopen()
        requires policy::sink_reopens<Sink>
    {
        inner_.reopen();
    }

    Sink& inner() noexcept { return inner_; }

private:
    Sink inner_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/fixed_rotation.hpp ----
// ---- begin inkwell/sink/level_filter.hpp ----
// sink::level_filter<level::error, Inner>: only records at or above a level
// reach Inner, e.g. an error file inside a tee:
//   sink::tee<sink::rotating_file<...>, sink::level_filter<level::error, sink::rotating_file<...>>>
// Rotation, retention and compression pass through: the filter takes each
// policy when Inner does.



INKWELL_BEGIN_NAMESPACE
namespace sink {

template <level Threshold, class Inner>
class level_filter;

namespace level_filter_detail {
template <bool InnerTakesRotation, level Threshold, class Inner>
struct rotation_binding {};
template <level Threshold, class Inner>
struct rotation_binding<true, Threshold, Inner> {
    template <class Rotation>
    using with_rotation = level_filter<Threshold, typename Inner::template with_rotation<Rotation>>;
};
template <bool InnerTakesRetention, level Threshold, class Inner>
struct retention_binding {};
template <level Threshold, class Inner>
struct retention_binding<true, Threshold, Inner> {
    template <class Retention>
    using with_retention = level_filter<Threshold, typename Inner::template with_retention<Retention>>;
};
template <bool InnerTakesCompression, level Threshold, class Inner>
struct compression_binding {};
template <level Threshold, class Inner>
struct compression_binding<true, Threshold, Inner> {
    template <class Compression>
    using with_compression = level_filter<Threshold, typename Inner::template with_compression<Compression>>;
};
}  // namespace level_filter_detail

template <level Threshold, class Inner>
class level_filter
    : public level_filter_detail::rotation_binding<policy::sink_takes_rotation<Inner>, Threshold, Inner>,
      public level_filter_detail::retention_binding<policy::sink_takes_retention<Inner>, Threshold, Inner>,
      public level_filter_detail::compression_binding<policy::sink_takes_compression<Inner>, Threshold, Inner> {
    static_assert(policy::sink<Inner>,
                  "inkwell: level_filter's Inner must satisfy inkwell::policy::sink; see inkwell/policy/sink.hpp");

public:
    static constexpr level threshold = Threshold;

    level_filter() requires std::default_initializable<Inner> = default;
    explicit level_filter(const sink_context& context) : inner_(context) {}

    void write(const record& r, std::string_view line) {
        if (r.severity >= Threshold) inner_.write(r, line);
    }
    void flush() { inner_.flush(); }
    void commit() requires policy::sink_commits<Inner> { inner_.commit(); }
    void rotate_now() requires policy::sink_rotates_on_request<Inner> { inner_.rotate_now(); }
    void reopen() requires policy::sink_reopens<Inner> { inner_.reopen(); }

    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }

private:
    [[no_unique_address]] Inner inner_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/level_filter.hpp ----
// ---- begin inkwell/sink/live.hpp ----
// sink::live: streams records to subscribers (a dashboard, the later live
// viewer or Redis sink) without ever making the logger wait for them.
//
//   auto* live = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
//   auto sub = live->subscribe([](const inkwell::record& r, std::string_view line) { ... },
//                              inkwell::level::info);     // min level; queue of 1024 records
//   ...
//   sub.dropped();  // what this subscriber missed because its queue was full
//
// Each subscriber has a bounded queue and a thread of its own that calls it.
// write() only puts a shared copy of the record into each queue: when a queue
// is full (1024 records by default, or 16 MiB of them), the record is dropped
// for that subscriber alone and counted. So a slow or stuck subscriber loses
// records, never slows the logger.
//
// A subscriber is a callable taking (const record&, std::string_view line) or
// (const record&), or an observer with on_record(...) of either form, given by
// value (kept in the subscription), by pointer (the caller keeps it alive
// until it is unsubscribed) or by std::shared_ptr. The record's views live for
// the call only; keep an owned_record to hold on to it. Calls to one
// subscriber come from one thread, in the order the records were written.
//
// subscribe() returns a subscription: destroying it unsubscribes (as does
// live::unsubscribe(id)). Unsubscribing is safe at any time:
//   - from another thread: when it returns, the callback is not running and
//     will not run again; records still queued are dropped (and counted);
//   - from inside a callback (any subscriber's): it does not wait, the
//     subscriber stops after the callback returns.
// A callback that throws is counted in errors() and the delivery goes on.
// When the sink is destroyed (the logger ends), each thread delivers what is
// queued and stops, within shutdown_timeout() (default 3 s) in all: what is
// still queued then is dropped, and a thread stuck in a callback is left to
// finish on its own (detached; it touches nothing but its own subscription).


// ---- begin inkwell/detail/find_sink.hpp ----
// sink::find<Target>(s): the sink of type Target inside a logger's sink, or
// null. It looks at the sink itself, at every child of a sink::tee, and
// through wrappers that expose inner() (sink::level_filter,
// sink::fixed_rotation), depth first; the first match wins. For a preset whose
// sink is a tee (session_file with its ring and live subscribers):
//
//   auto* ring = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<>>(s); });
//
// The pointer lives as long as the logger. recent and live are thread-safe,
// so it may be kept and used from any thread without with_sink() again.


// ---- begin inkwell/sink/tee.hpp ----
// sink::tee<Sinks...>: every line goes to each sink, in order (e.g. a text
// file and the console). Each child is built from the logger's sink_context;
// reach one with `log.with_sink([](auto& s) { s.get<1>(); })`.
//
// Rotation: when some children take a rotation policy, the tee does too and
// binds the logger's rotation into each of them (retention and compression
// alike, through with_retention / with_compression); rotate_now() reaches every
// child that rotates on request, and reopen() every child that reopens;
// commit() gives each child its commit() or else its flush().



INKWELL_BEGIN_NAMESPACE
namespace sink {

template <class... Sinks>
class tee;

namespace tee_detail {

template <class S, class Rotation>
struct bind_rotation {
    using type = S;
};
template <class S, class Rotation>
    requires policy::sink_takes_rotation<S>
struct bind_rotation<S, Rotation> {
    using type = typename S::template with_rotation<Rotation>;
};

// with_rotation exists only when a child takes rotation, so a tee of plain
// sinks does not ask the logger for a rotation policy.
template <bool AnyTakesRotation, class... Sinks>
struct rotation_binding {};
template <class... Sinks>
struct rotation_binding<true, Sinks...> {
    template <class Rotation>
    using with_rotation = tee<typename bind_rotation<Sinks, Rotation>::type...>;
};

template <class S, class Retention>
struct bind_retention {
    using type = S;
};
template <class S, class Retention>
    requires policy::sink_takes_retention<S>
struct bind_retention<S, Retention> {
    using type = typename S::template with_retention<Retention>;
};
template <bool AnyTakesRetention, class... Sinks>
struct retention_binding {};
template <class... Sinks>
struct retention_binding<true, Sinks...> {
    template <class Retention>
    using with_retention = tee<typename bind_retention<Sinks, Retention>::type...>;
};

template <class S, class Compression>
struct bind_compression {
    using type = S;
};
template <class S, class Compression>
    requires policy::sink_takes_compression<S>
struct bind_compression<S, Compression> {
    using type = typename S::template with_compression<Compression>;
};
template <bool AnyTakesCompression, class... Sinks>
struct compression_binding {};
template <class... Sinks>
struct compression_binding<true, Sinks...> {
    template <class Compression>
    using with_compression = tee<typename bind_compression<Sinks, Compression>::type...>;
};

}  // namespace tee_detail

template <class... Sinks>
class tee : public tee_detail::rotation_binding<(policy::sink_takes_rotation<Sinks> || ...), Sinks...>,
            public tee_detail::retention_binding<(policy::sink_takes_retention<Sinks> || ...), Sinks...>,
            public tee_detail::compression_binding<(policy::sink_takes_compression<Sinks> || ...), Sinks...> {
    static_assert(sizeof...(Sinks) > 0, "inkwell: sink::tee needs at least one sink");
    static_assert((policy::sink<Sinks> && ...),
                  "inkwell: every sink of sink::tee must satisfy inkwell::policy::sink; see inkwell/policy/sink.hpp");

public:
    tee() requires(std::default_initializable<Sinks> && ...) = default;
    explicit tee(const sink_context& context) : sinks_(((void)sizeof(Sinks), context)...) {}

    void write(const record& r, std::string_view line) {
        std::apply([&](auto&... sink) { (sink.write(r, line), ...); }, sinks_);
    }
    void flush() {
        std::apply([](auto&... sink) { (sink.flush(), ...); }, sinks_);
    }
    void commit() requires(policy::sink_commits<Sinks> || ...) {
        std::apply([](auto&... sink) { (policy::commit_or_flush(sink), ...); }, sinks_);
    }
    void rotate_now() requires(policy::sink_rotates_on_request<Sinks> || ...) {
        std::apply([](auto&... sink) { (rotate_if_it_can(sink), ...); }, sinks_);
    }

    void reopen() requires(policy::sink_reopens<Sinks> || ...) {
        std::apply([](auto&... sink) { (reopen_if_it_can(sink), ...); }, sinks_);
    }

    template <std::size_t I>
    auto& get() noexcept { return std::get<I>(sinks_); }
    template <std::size_t I>
    const auto& get() const noexcept { return std::get<I>(sinks_); }

private:
    template <class S>
    static void rotate_if_it_can(S& sink) {
        if constexpr (policy::sink_rotates_on_request<S>) sink.rotate_now();
    }

    template <class S>
    static void reopen_if_it_can(S& sink) {
        if constexpr (policy::sink_reopens<S>) sink.reopen();
    }

    [[no_unique_address]] std::tuple<Sinks...> sinks_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/tee.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class S>
struct tee_children : std::integral_constant<std::size_t, 0> {};
template <class... Sinks>
struct tee_children<sink::tee<Sinks...>> : std::integral_constant<std::size_t, sizeof...(Sinks)> {};

template <class S>
concept wraps_a_sink = requires(S& s) { s.inner(); };

}  // namespace detail

namespace sink {

template <class Target, class S>
Target* find(S& s) noexcept {
    using plain = std::remove_const_t<S>;
    if constexpr (std::is_same_v<plain, std::remove_const_t<Target>>) {
        return &s;
    } else if constexpr (detail::tee_children<plain>::value > 0) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> Target* {
            Target* found = nullptr;
            // || stops at the first child that holds a Target.
            (void)((found = find<Target>(s.template get<I>())) || ...);
            return found;
        }(std::make_index_sequence<detail::tee_children<plain>::value>{});
    } else if constexpr (detail::wraps_a_sink<S>) {
        return find<Target>(s.inner());
    } else {
        return nullptr;
    }
}

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/detail/find_sink.hpp ----

INKWELL_BEGIN_NAMESPACE
namespace sink {
namespace live_detail {

// What every queue shares: one copy of the record however many subscribers
// take it.
template <class Unused = void>
struct shared_entry {
    shared_entry(const record& r, std::string_view l) : copy(r), line(l) {}
    basic_owned_record<Unused> copy;
    std::string line;
    // Roughly what the entry costs in memory, for the queue's byte bound.
    std::size_t bytes() const noexcept {
        const record v = copy.view();
        std::size_t n = sizeof(*this) + v.message.size() + v.category.size() + line.size() + v.fields.size() * 64;
        for (const auto& f : v.fields) n += f.key.size() + f.value.text.size();
        return n;
    }
};

using delivery = detail::shared_function<void(const record&, std::string_view line)>;

// Counters shared by the sink and every subscriber thread; a thread left
// running after the sink is gone still counts into a live object.
struct totals {
    std::atomic<std::uint64_t> delivered{0}, dropped{0}, errors{0};
};

// True on a subscriber's delivery thread: unsubscribing there must not wait
// for a delivery thread (its own, or one that may be waiting for it).
inline thread_local bool on_delivery_thread = false;

// One subscriber: its queue, its thread, its counters. Shared by the sink's
// list, its delivery thread and its subscription handle.
template <class Unused = void>
struct subscriber {
    enum class mode : std::uint8_t { running, draining, stopping };
    using entry_ptr = std::shared_ptr<const shared_entry<Unused>>;

    subscriber(std::uint64_t id_, delivery d, level min, std::size_t capacity_, std::size_t max_bytes_,
               std::shared_ptr<totals> t)
        : id(id_), min_level(min), capacity(capacity_ == 0 ? 1 : capacity_), max_bytes(max_bytes_),
          deliver(std::move(d)), all(std::move(t)), queue(capacity) {}

    // The writer's side: never waits for the callback, only for the
    // queue's lock, which the delivery thread holds for a pop.
    void offer(const entry_ptr& e, std::size_t bytes) {
        bool was_empty = false;
        {
            std::lock_guard lock(mutex);
            if (current != mode::running) return;
            if (count == capacity || (count > 0 && queued_bytes + bytes > max_bytes)) {
                count_drop(1);
                return;
            }
            queue[(head + count) % capacity] = e;
            queued_bytes += bytes;
            was_empty = (count++ == 0);
        }
        // The thread sleeps only on an empty queue.
        if (was_empty) wake.notify_one();
    }

    void run() {
        on_delivery_thread = true;
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [&] { return count > 0 || current != mode::running; });
            if (current == mode::stopping || count == 0) break;
            if (current == mode::draining && std::chrono::steady_clock::now() > drain_deadline) break;
            entry_ptr e = std::move(queue[head]);
            head = (head + 1) % capacity;
            --count;
            queued_bytes -= entry_bytes(*e);
            busy = true;
            delivered.fetch_add(1, std::memory_order_relaxed);
            all->delivered.fetch_add(1, std::memory_order_relaxed);
            lock.unlock();
            const record view = e->copy.view();
            INKWELL_TRY { deliver(view, e->line); }
            INKWELL_CATCH_ALL {
                errors.fetch_add(1, std::memory_order_relaxed);
                all->errors.fetch_add(1, std::memory_order_relaxed);
            }
            e.reset();  // the copy is freed outside the lock
            lock.lock();
            busy = false;
            if (count == 0) changed.notify_all();  // wait_idle()
        }
        discard_queued();
        finished = true;
        changed.notify_all();
    }

    // Stops the thread after its current call; what is queued is dropped.
    void stop() {
        {
            std::lock_guard lock(mutex);
            current = mode::stopping;
            discard_queued();
        }
        wake.notify_all();
    }

    // Stops the thread once the queue is empty or at `deadline`.
    void drain_until(std::chrono::steady_clock::time_point deadline) {
        {
            std::lock_guard lock(mutex);
            if (current == mode::running) current = mode::draining;
            drain_deadline = deadline;
        }
        wake.notify_all();
    }

    bool wait_finished_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex);
        return changed.wait_until(lock, deadline, [&] { return finished; });
    }

    bool wait_idle_until(std::chrono::steady_clock::time_point deadline) {
        std::unique_lock lock(mutex);
        return changed.wait_until(lock, deadline, [&] { return finished || (count == 0 && !busy); });
    }

    bool is_finished() {
        std::lock_guard lock(mutex);
        return finished;
    }

    // Joins the thread; detaches it when it did not finish by `deadline`,
    // or when this is that thread itself (the sink ended from its callback).
    void join_or_detach(std::chrono::steady_clock::time_point deadline) {
        if (!thread.joinable()) return;
        if (thread.get_id() == std::this_thread::get_id()) {  // the sink ended from inside a callback
            thread.detach();
            return;
        }
        if (wait_finished_until(deadline))
            thread.join();
        else
            thread.detach();
    }

    const std::uint64_t id;
    const level min_level;
    const std::size_t capacity;
    const std::size_t max_bytes;
    const delivery deliver;
    const std::shared_ptr<totals> all;
    std::atomic<std::uint64_t> delivered{0}, dropped{0}, errors{0};
    std::thread thread;  // set before the subscriber is listed; only the sink's side touches it

private:
    static std::size_t entry_bytes(const shared_entry<Unused>& e) noexcept { return e.bytes(); }

    void count_drop(std::uint64_t n) {
        dropped.fetch_add(n, std::memory_order_relaxed);
        all->dropped.fetch_add(n, std::memory_order_relaxed);
    }
    void discard_queued() {  // under mutex
        if (count > 0) count_drop(count);
        for (; count > 0; --count, head = (head + 1) % capacity) queue[head].reset();
        queued_bytes = 0;
    }

    std::mutex mutex;
    std::condition_variable wake;     // the delivery thread waits here
    std::condition_variable changed;  // wait_idle() and shutdown wait here
    std::vector<entry_ptr> queue;     // a ring of `capacity` slots
    std::size_t head = 0, count = 0, queued_bytes = 0;
    mode current = mode::running;
    bool busy = false;       // a callback is running
    bool finished = false;   // the thread's loop has ended
    std::chrono::steady_clock::time_point drain_deadline{};
};

// The sink's state, shared with the subscription handles (weakly): a handle
// may outlive the sink.
template <class Unused = void>
struct hub {
    using subscriber_ptr = std::shared_ptr<subscriber<Unused>>;

    std::mutex mutex;  // the lists; held by write() while it hands a record out
    std::vector<subscriber_ptr> active;
    std::vector<subscriber_ptr> retired;  // stopped from a delivery thread, to be joined
    std::uint64_t next_id = 1;
    bool closed = false;
    std::shared_ptr<totals> all = std::make_shared<totals>();

    bool unsubscribe(std::uint64_t id) {
        subscriber_ptr gone, ended_before;
        {
            std::lock_guard lock(mutex);
            gone = take(active, id);
            if (gone && on_delivery_thread) retired.push_back(gone);  // joined later, never from here
            // Ended already from a delivery thread: from elsewhere, wait for
            // its last call to return, as for an active one.
            if (!gone && !on_delivery_thread) ended_before = take(retired, id);
        }
        if (ended_before) ended_before->join_or_detach(std::chrono::steady_clock::time_point::max());
        if (!gone) return false;
        gone->stop();
        if (!on_delivery_thread) {
            gone->join_or_detach(std::chrono::steady_clock::time_point::max());
            join_finished_retired();
        }
        return true;
    }

    static subscriber_ptr take(std::vector<subscriber_ptr>& list, std::uint64_t id) {
        for (auto it = list.begin(); it != list.end(); ++it) {
            if ((*it)->id == id) {
                subscriber_ptr s = std::move(*it);
                list.erase(it);
                return s;
            }
        }
        return nullptr;
    }

    // Threads of subscribers stopped from a delivery thread that have ended.
    void join_finished_retired() {
        std::vector<subscriber_ptr> done;
        {
            std::lock_guard lock(mutex);
            for (auto it = retired.begin(); it != retired.end();) {
                if ((*it)->is_finished()) {
                    done.push_back(std::move(*it));
                    it = retired.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (auto& s : done) s->join_or_detach(std::chrono::steady_clock::time_point::max());
    }
};

}  // namespace live_detail

template <class Unused = void>
class basic_live;

// A subscriber's handle: move-only; destroying it (or unsubscribe())
// ends the subscription. Its counters stay readable afterwards.
template <class Unused = void>
class basic_subscription {
public:
    basic_subscription() = default;
    basic_subscription(basic_subscription&& o) noexcept
        : hub_(std::move(o.hub_)), subscriber_(std::move(o.subscriber_)) {}
    basic_subscription& operator=(basic_subscription&& o) noexcept {
        if (this != &o) {
            unsubscribe();
            hub_ = std::move(o.hub_);
            subscriber_ = std::move(o.subscriber_);
        }
        return *this;
    }
    ~basic_subscription() { unsubscribe(); }

    // Ends the subscription; false when it had already ended (or the sink is gone).
    bool unsubscribe() {
        auto hub = hub_.lock();
        hub_.reset();
        return hub && subscriber_ && hub->unsubscribe(subscriber_->id);
    }
    // Lets the subscription run as long as the sink does; returns its id
    // (for live::unsubscribe(id)).
    std::uint64_t release() noexcept {
        hub_.reset();
        return id();
    }

    explicit operator bool() const noexcept { return subscriber_ != nullptr; }
    std::uint64_t id() const noexcept { return subscriber_ ? subscriber_->id : 0; }
    // Records handed to the callback, dropped for this subscriber (queue full,
    // or still queued when it stopped), and callbacks that threw.
    std::uint64_t delivered() const noexcept { return subscriber_ ? subscriber_->delivered.load() : 0; }
    std::uint64_t dropped() const noexcept { return subscriber_ ? subscriber_->dropped.load() : 0; }
    std::uint64_t errors() const noexcept { return subscriber_ ? subscriber_->errors.load() : 0; }

private:
    friend class basic_live<Unused>;
    basic_subscription(std::weak_ptr<live_detail::hub<Unused>> hub,
                       std::shared_ptr<live_detail::subscriber<Unused>> s) noexcept
        : hub_(std::move(hub)), subscriber_(std::move(s)) {}

    std::weak_ptr<live_detail::hub<Unused>> hub_;
    std::shared_ptr<live_detail::subscriber<Unused>> subscriber_;
};
using subscription = basic_subscription<>;

template <class Unused>
class basic_live {
    using hub_type = live_detail::hub<Unused>;
    using subscriber_type = live_detail::subscriber<Unused>;

public:
    static constexpr std::size_t default_queue = 1024;
    static constexpr std::size_t max_queue_bytes = 16 * 1024 * 1024;  // per subscriber

    basic_live() = default;
    explicit basic_live(const sink_context&) {}
    basic_live(const basic_live&) = delete;
    basic_live& operator=(const basic_live&) = delete;
    ~basic_live() { shutdown(); }

    // Subscribes `subscriber` (see the top of this file) to records of level
    // `min` and above, with a queue of `queue` records. Thread-safe; may be
    // called while records flow, also from a callback. After the sink shut
    // down, returns an empty subscription.
    template <class S>
    basic_subscription<Unused> subscribe(S&& subscriber, level min = level::trace, std::size_t queue = default_queue) {
        live_detail::delivery d = make_delivery(std::forward<S>(subscriber));
        if (!live_detail::on_delivery_thread) hub_->join_finished_retired();
        std::lock_guard lock(hub_->mutex);
        if (hub_->closed) return {};
        auto s = std::make_shared<subscriber_type>(hub_->next_id++, std::move(d), min, queue, max_queue_bytes, hub_->all);
        s->thread = std::thread([s] { s->run(); });
        hub_->active.push_back(s);
        return basic_subscription<Unused>(hub_, std::move(s));
    }

    // Ends subscription `id` (see basic_subscription::unsubscribe()).
    bool unsubscribe(std::uint64_t id) { return hub_->unsubscribe(id); }

    void write(const record& r, std::string_view line) {
        std::lock_guard lock(hub_->mutex);
        std::shared_ptr<const live_detail::shared_entry<Unused>> e;
        std::size_t bytes = 0;
        for (const auto& s : hub_->active) {
            if (r.severity < s->min_level) continue;
            if (!e) {  // copied once, and only when someone wants it
                e = std::make_shared<live_detail::shared_entry<Unused>>(r, line);
                bytes = e->bytes();
            }
            s->offer(e, bytes);
        }
    }
    void flush() noexcept {}

    // Waits until every subscriber has been handed every record queued for
    // it; false at the timeout. Records written meanwhile are waited for too.
    bool wait_idle(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::vector<std::shared_ptr<subscriber_type>> now;
        {
            std::lock_guard lock(hub_->mutex);
            now = hub_->active;
        }
        for (auto& s : now)
            if (!s->wait_idle_until(deadline)) return false;
        return true;
    }

    std::size_t subscribers() const {
        std::lock_guard lock(hub_->mutex);
        return hub_->active.size();
    }
    // Totals over every subscriber this sink had.
    std::uint64_t delivered() const noexcept { return hub_->all->delivered.load(); }
    std::uint64_t dropped() const noexcept { return hub_->all->dropped.load(); }
    std::uint64_t errors() const noexcept { return hub_->all->errors.load(); }

    // How long the destructor lets the subscribers take what is queued.
    void set_shutdown_timeout(std::chrono::milliseconds t) noexcept { shutdown_timeout_.store(t.count()); }
    std::chrono::milliseconds shutdown_timeout() const noexcept {
        return std::chrono::milliseconds(shutdown_timeout_.load());
    }

private:
    template <class S>
    static live_detail::delivery make_delivery(S&& subscriber) {
        using T = std::remove_cvref_t<S>;
        if constexpr (std::is_pointer_v<T> && std::is_class_v<std::remove_pointer_t<T>>) {
            return observer_delivery(subscriber);
        } else if constexpr (requires(T& t) { t.get(); t->on_record(std::declval<const record&>()); } ||
                             requires(T& t) { t.get(); t->on_record(std::declval<const record&>(), std::string_view{}); }) {
            return observer_delivery(std::forward<S>(subscriber));  // a shared_ptr: shares ownership
        } else if constexpr (requires(T& t) { t.on_record(std::declval<const record&>()); } ||
                             requires(T& t) { t.on_record(std::declval<const record&>(), std::string_view{}); }) {
            return observer_delivery(std::make_shared<T>(std::forward<S>(subscriber)));
        } else if constexpr (std::is_invocable_v<T&, const record&, std::string_view>) {
            return live_detail::delivery(std::forward<S>(subscriber));
        } else {
            static_assert(std::is_invocable_v<T&, const record&>,
                          "inkwell: a live subscriber is callable with (const record&, std::string_view) or "
                          "(const record&), or has on_record(...) of either form; see inkwell/sink/live.hpp");
            return [f = T(std::forward<S>(subscriber))](const record& r, std::string_view) mutable { f(r); };
        }
    }

    // `p` is a raw pointer or a shared_ptr to an observer.
    template <class P>
    static live_detail::delivery observer_delivery(P p) {
        return [p = std::move(p)](const record& r, std::string_view line) {
            if constexpr (requires { p->on_record(r, line); })
                p->on_record(r, line);
            else
                p->on_record(r);
        };
    }

    void shutdown() {
        std::vector<std::shared_ptr<subscriber_type>> active, retired;
        {
            std::lock_guard lock(hub_->mutex);
            hub_->closed = true;
            active.swap(hub_->active);
            retired.swap(hub_->retired);
        }
        const auto deadline = std::chrono::steady_clock::now() + shutdown_timeout();
        for (auto& s : active) s->drain_until(deadline);
        for (auto& s : active) {
            if (!s->wait_finished_until(deadline)) s->stop();  // gives up what is queued
            // A callback that is still running gets a moment more, then is left alone.
            s->join_or_detach(std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
        }
        for (auto& s : retired) s->join_or_detach(deadline);
    }

    std::shared_ptr<hub_type> hub_ = std::make_shared<hub_type>();
    std::atomic<std::int64_t> shutdown_timeout_{3000};
};

using live = basic_live<>;

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/live.hpp ----
// ---- begin inkwell/sink/null.hpp ----
// sink::null: discards every line and counts what it discarded, for
// measuring the logging path without I/O and for tests.



INKWELL_BEGIN_NAMESPACE
namespace sink {

class null {
public:
    null() = default;
    explicit null(const sink_context&) noexcept {}

    // The logger serialises writes; the counters are atomic only so that
    // another thread may read them while records flow.
    void write(const record&, std::string_view line) noexcept {
        records_.store(records_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        bytes_.store(bytes_.load(std::memory_order_relaxed) + line.size(), std::memory_order_relaxed);
    }
    void flush() noexcept {}

    std::uint64_t records() const noexcept { return records_.load(std::memory_order_relaxed); }
    std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> records_{0};
    std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/null.hpp ----
// ---- begin inkwell/sink/recent.hpp ----
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
// ---- end inkwell/sink/recent.hpp ----
// ---- begin inkwell/sink/session_file.hpp ----
// sink::session_file — one file per logger lifetime:
// `<directory>/session_<YYYY-MM-DDTHH-MM-SSZ>_<session id>.jsonl`, the time
// being context.start_time in UTC and the id context.session_id sanitized to
// a safe name component (an empty id leaves out the `_<id>` part).
//
// The file is created when the sink is constructed, so a session that logs
// nothing still leaves its (empty) file; a failure there is reported, and
// the first record tries again. Mode context.file_mode, folders
// context.directory_mode. flush() writes whole lines only. Not thread-safe by
// itself: the logger serialises every call.



INKWELL_BEGIN_NAMESPACE
namespace detail {

// "session_2024-12-20T10-15-30Z_<id>.jsonl": ':' is left out of the time
// because it is awkward in file names (and invalid on some file systems).
inline std::string session_file_name(time_point start, std::string_view session_id) {
    const utc_fields f = split_utc(start);
    char stamp[20];
    char* at = put_date(stamp, f.date, '-');
    *at++ = 'T';
    at = put_digits(at, f.hour, 2);
    *at++ = '-';
    at = put_digits(at, f.minute, 2);
    *at++ = '-';
    at = put_digits(at, f.second, 2);
    *at++ = 'Z';
    std::string name = "session_";
    name.append(stamp, static_cast<std::size_t>(at - stamp));
    if (!session_id.empty()) {
        char id[max_file_component + 1];
        name.append("_").append(sanitize_file_component(session_id, id));
    }
    name.append(".jsonl");
    return name;
}

}  // namespace detail

namespace sink {

// Retention (bound through with_retention<R>; retain::never by default) runs
// over the folder's session files (layout retain::layout::sessions(); this
// session's file stays) at the first record, on the thread that writes,
// with context.now() (the logger's clock) as the time it measures ages from.
// A class template also so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Retention = retain::never>
class basic_session_file {
    static_assert(policy::retention<Retention>,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");

public:
    using retention_type = Retention;
    template <class R>
    using with_retention = basic_session_file<R>;

    explicit basic_session_file(const sink_context& context) : errors_(context.errors), now_(context.now) {
        std::string name = detail::session_file_name(context.start_time, context.session_id);
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
        file_.set_write_threshold(detail::single_file_pending_limit);  // one file: larger writes
        file_.ensure_open();
    }

    void write(const record& r, std::string_view line) {
        if (!started_) {  // start-up, on the thread that writes
            started_ = true;
            if constexpr (!std::is_same_v<Retention, retain::never>)
                retain::apply(retention_, {file_.folder(), retain::layout::sessions(), {file_.name()}},
                              now_(), errors_);
        }
        file_.append(line, r.time);
    }
    void flush() noexcept { file_.flush(); }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    const std::string& path() const noexcept { return file_.path(); }
    Retention& retention() noexcept { return retention_; }

private:
    [[no_unique_address]] Retention retention_;
    detail::log_file file_;
    error_reporter* errors_;
    time_point (*now_)() noexcept;  // the logger's clock, for retention
    bool started_ = false;
};

using session_file = basic_session_file<>;

}  // namespace sink
INKWELL_END_NAMESPACE
// ---- end inkwell/sink/session_file.hpp ----

// ---- begin inkwell/config.hpp ----
// default_config: the base every config derives from, overriding only what
// differs (the way quill's FrontendOptions are used):
//
//   struct my_config : inkwell::default_config {
//       using sink = inkwell::sink::file;
//       static constexpr inkwell::level default_level = inkwell::level::debug;
//   };
//   inkwell::basic_logger<my_config> log;
//
// Policy types are named with their full namespace (inkwell::sink::file), so
// a member alias never hides the namespace of the same name.



INKWELL_BEGIN_NAMESPACE

struct default_config {
    using sink = inkwell::sink::console;
    using formatter = inkwell::format::text;
    using classifier = inkwell::classify::fixed<"general">;
    using dedup = inkwell::dedup::none;
    using buffer = inkwell::buffer::immediate;
    using rotation = inkwell::rotate::never;
    // Which old files a file sink deletes (policy/retention.hpp), and what
    // becomes of a finished file (policy/compression.hpp). A config without
    // these members keeps every file, uncompressed.
    using retention = inkwell::retain::never;
    using compression = inkwell::compress::none;
    // Where "now" comes from (policy/clock.hpp): each record's time, the
    // logger's start time and the files' retention. Tests use clock::manual.
    using clock = inkwell::clock::system;

    // Statements below this level are compiled out: no code, arguments not evaluated.
    static constexpr level min_level = level::trace;
    // The run-time level a logger starts at, unless the environment says otherwise.
    static constexpr level default_level = level::info;
    // The environment variable read at construction, e.g. INKWELL_LEVEL=debug.
    static constexpr std::string_view level_env = "INKWELL_LEVEL";

    static constexpr std::string_view directory = "logs";
    static constexpr std::string_view base_name = "app";
    static constexpr unsigned file_mode = 0644;
    static constexpr unsigned directory_mode = 0755;

    // true: the logger's first record says when and where its session began
    // ("session started", category "session", fields startTime, pid,
    // program, inkwellVersion), whatever the level (presets::session_file).
    static constexpr bool session_start_record = false;

    // Longer messages are cut (at a character boundary) and marked as cut.
    static constexpr std::size_t max_message_bytes = 256 * 1024;
};

INKWELL_END_NAMESPACE
// ---- end inkwell/config.hpp ----
// ---- begin inkwell/logger.hpp ----
// basic_logger<Config>: wires the five policies and the formatter together.
//
//   call site ──► record ──► buffer engine ──► backend: classify ─► dedup ─► format ─► sink
//
// The call site (macros.hpp) decides at compile time what it can: whether
// the level is compiled in, the format string's validity, the source
// location and, for literal messages, the category. The logger fills in the
// rest (time, thread, formatted message, fields) and hands the record to the
// buffer policy, which decides when and on which thread the backend runs.



INKWELL_BEGIN_NAMESPACE

// Run-time settings of one logger; everything unset comes from the config.
struct logger_options {
    std::string name = "app";                       // logger / service name (by_name classifier, text [module])
    std::optional<std::string> directory{};          // default: Config::directory
    std::optional<std::string> base_name{};          // default: Config::base_name
    std::optional<level> initial_level{};            // default: $INKWELL_LEVEL, else Config::default_level
    bool read_environment = true;                    // look at Config::level_env at construction
    error_handler on_error{};                        // default: a rate-limited line on stderr
    std::vector<sink_setting> settings{};            // for sinks that take more (sink_context::setting)
};

template <class Config>
class basic_logger {
    using checked = policy::checked_config<Config>;

public:
    using config = Config;
    using sink_type = typename checked::sink;
    using formatter_type = typename checked::formatter;
    using classifier_type = typename checked::classifier;
    using dedup_type = typename checked::dedup;
    using buffer_type = typename checked::buffer;
    using rotation_type = typename checked::rotation;
    // Where every "now" of this logger comes from (Config::clock; policy/clock.hpp).
    using clock = typename checked::clock;

    static constexpr level min_level = Config::min_level;

    explicit basic_logger(logger_options options = {})
        : errors_(std::move(options.on_error)),
          name_(std::move(options.name)),
          session_id_(detail::make_uuid_v4()),
          start_time_(clock::now()),
          level_(initial_level(options)),
          backend_(make_context(options)),
          engine_(backend_) {
        policy::diagnose_config<Config>();  // a wrong policy: one message that names it
        if constexpr (requires { requires Config::session_start_record; }) write_session_start();
    }

    ~basic_logger() { engine_.stop(); }
    basic_logger(const basic_logger&) = delete;
    basic_logger& operator=(const basic_logger&) = delete;

    // --- levels: one relaxed load and a compare on the hot path
    bool should_log(level l) const noexcept { return l >= level_.load(std::memory_order_relaxed); }
    void set_level(level l) noexcept { level_.store(l, std::memory_order_relaxed); }
    level get_level() const noexcept { return level_.load(std::memory_order_relaxed); }

    // --- logging. The macros call the first overload with a compile-time call site.
    // An async buffer keeps a pointer to `site` until the record is written:
    // a call site of your own must live as long as the logger (a static).
    template <class... Args>
    void log(const call_site& site, format_string<Args...>, Args&&... args) {
        emit(site, std::forward<Args>(args)...);
    }

    // Without the macros: no source location and no compile-time category.
    // The call site is made here, on this stack frame, so the record is
    // formatted here and handed over as a finished copy, whatever the buffer.
    template <class... Args>
    void log(level l, format_string<Args...> format, Args&&... args) {
        if (!should_log(l)) return;
        if constexpr (detail::fields_are_trailing<std::remove_cvref_t<Args>...>())
            emit_checked(call_site{l, detail::format_text(format), {}, {}}, std::forward<Args>(args)...);
    }
    template <class... Args>
    void trace(format_string<Args...> f, Args&&... a) { log(level::trace, f, std::forward<Args>(a)...); }
    template <class... Args>
    void debug(format_string<Args...> f, Args&&... a) { log(level::debug, f, std::forward<Args>(a)...); }
    template <class... Args>
    void info(format_string<Args...> f, Args&&... a) { log(level::info, f, std::forward<Args>(a)...); }
    template <class... Args>
    void perf(format_string<Args...> f, Args&&... a) { log(level::perf, f, std::forward<Args>(a)...); }
    template <class... Args>
    void warn(format_string<Args...> f, Args&&... a) { log(level::warn, f, std::forward<Args>(a)...); }
    template <class... Args>
    void error(format_string<Args...> f, Args&&... a) { log(level::error, f, std::forward<Args>(a)...); }
    template <class... Args>
    void critical(format_string<Args...> f, Args&&... a) { log(level::critical, f, std::forward<Args>(a)...); }

    // A record made elsewhere: a captured stream (capture/ostream.hpp),
    // another logging library (capture/spdlog.hpp). Its level is checked
    // like a call's; an empty logger name becomes this logger's (the name is
    // what classify::by_name maps to a service); no time means now; a message
    // over Config::max_message_bytes is cut. Copied before this returns.
    void ingest(record r) {
        if (!should_log(r.severity)) return;
        if (r.logger_name.empty()) r.logger_name = name_;
        r.session_id = session_id_;
        if (r.time == time_point{}) r.time = clock::now();
        if (r.thread_id == 0) r.thread_id = detail::current_thread_id();
        if (!r.context) r.context = detail::thread_context;
        detail::line_buffer capped;
        if (r.message.size() > Config::max_message_bytes) {
            detail::append(capped, r.message);
            cap_message(capped);
            r.message = detail::view(capped);
        }
        engine_.submit(r);
    }

    // --- control
    // Returns once every record logged before the call has reached the kernel.
    void flush() { engine_.flush(); }

    // Drains what is queued (async: within a deadline) and stops the buffer's
    // threads. With the async buffer, a record logged after this is counted
    // in stats().dropped; with the others it is still written.
    void shutdown() { engine_.stop(); }

    // Rotates now, where the sink rotates (rotating text files); otherwise does nothing.
    void rotate() {
        if constexpr (policy::sink_rotates_on_request<sink_type>)
            engine_.exclusive([](backend& b) { b.sink.rotate_now(); });
    }

    // Closes the sink's files and opens them again by name, for a file that
    // logrotate (or anyone) moved or deleted: the SIGHUP convention. Lines
    // not yet written go to the file opened now. Call it from a thread, not
    // from inside a signal handler (it takes locks). Without it, a file sink
    // notices at a flush, at most a second later. No-op for other sinks.
    void reopen() {
        if constexpr (policy::sink_reopens<sink_type>) engine_.exclusive([](backend& b) { b.sink.reopen(); });
    }

    // Runs f(sink) with no record being written at the same time.
    template <class F>
    decltype(auto) with_sink(F&& f) {
        return engine_.exclusive([&](backend& b) -> decltype(auto) { return f(b.sink); });
    }
    classifier_type& classifier() noexcept { return backend_.classifier; }

    // Fields every record of this logger carries under "context" (service,
    // environment, version, region...), after the thread's scoped ones
    // (context.hpp). Replaces what was set before; records already logged
    // keep what they had.
    template <class... T>
    void set_context(const kv_arg<T>&... fields) {
        replace_logger_context(detail::make_context_frame(nullptr, fields...));
    }
    void set_context(std::span<const field> fields) { replace_logger_context(context_frame::make(fields, nullptr)); }
    void clear_context() { replace_logger_context(nullptr); }

    void set_error_handler(error_handler handler) {
        engine_.exclusive([&](backend&) { errors_.set_handler(std::move(handler)); });
    }

    logger_stats stats() const noexcept {
        logger_stats s = errors_.stats();
        if constexpr (requires { backend_.dedup.deduplicated(); }) {
            s.deduplicated = backend_.dedup.deduplicated();
            s.summaries = backend_.dedup.summaries();
        }
        return s;
    }
    std::string_view name() const noexcept { return name_; }
    std::string_view session_id() const noexcept { return session_id_; }
    time_point start_time() const noexcept { return start_time_; }

private:
    struct backend {
        using clock = typename basic_logger::clock;  // read by buffer engines that stamp records themselves

        explicit backend(const sink_context& context)
            : sink(context), logger_name(context.logger_name), session_id(context.session_id), errors_(context.errors) {}
        ~backend() {
            if (logger_context) logger_context->release();
        }
        backend(const backend&) = delete;
        backend& operator=(const backend&) = delete;

        // What every record of this logger carries; the buffer fills in the rest.
        record record_defaults() const noexcept {
            record r;
            r.logger_name = logger_name;
            r.session_id = session_id;
            return r;
        }
        error_reporter& errors() noexcept { return *errors_; }

        // A file sink's own note ("N records dropped ...") as a record of this
        // logger's format: the sink_context's report_formatter.
        static void format_report(void* self, std::string_view message, std::string& out) {
            auto& b = *static_cast<backend*>(self);
            record r = b.record_defaults();
            r.severity = level::warn;
            r.time = clock::now();
            r.message = message;
            r.category = "inkwell";
            r.thread_id = detail::current_thread_id();
            detail::line_buffer formatted;
            b.formatter.format(r, formatted);
            out.append(formatted.data(), formatted.size());
        }
        static void cap_message(detail::line_buffer& m) { basic_logger::cap_message(m); }

        // Out of line: every call site's path ends here, so one copy serves them all.
        INKWELL_NOINLINE void process(const record& in) {
            record r = in;
            process_in_place(r);
        }
        // The same for a record the engine lets it change (the async writer's
        // own): processed where it lies. A copy made right after the record
        // was filled in reads back in 16-byte pieces what was stored in 8-byte
        // ones, a store-forwarding stall per piece.
        INKWELL_NOINLINE void process_in_place(record& r) {
            r.logger_context = logger_context;
            if (r.category.empty()) r.category = classifier.classify(r);
            dedup.process(r, [this](const record& out) { write(out); });
        }
        // The end of a batch (each sync record, each async writer round):
        // a dedup window that has closed says so now, not at the next record.
        void commit() { commit_at(clock::now()); }
        // `now`: a time by which every record stamped earlier has been processed.
        void commit_at(time_point now) {
            if constexpr (requires { dedup.expire(time_point{}, [](const record&) {}); })
                dedup.expire(now, [this](const record& out) { write(out); });
            policy::commit_or_flush(sink);
        }
        void flush() {
            dedup.flush([this](const record& out) { write(out); });
            sink.flush();
        }
        void write(const record& in) {
            ++written;
            if constexpr (requires { requires formatter_type::writes_entry_id; }) {
                record r = in;  // a copy only where the line shows the number
                r.sequence = written;
                format_and_write(r);
            } else {
                format_and_write(in);
            }
        }
        void format_and_write(const record& r) {
            line.clear();
            formatter.format(r, line);
            sink.write(r, detail::view(line));
        }

        [[no_unique_address]] classifier_type classifier;
        [[no_unique_address]] dedup_type dedup;
        [[no_unique_address]] formatter_type formatter;
        sink_type sink;
        detail::line_buffer line;
        std::uint64_t written = 0;  // records handed to the formatter so far
        const context_frame* logger_context = nullptr;  // set_context(); one reference held
        std::string logger_name, session_id;
        error_reporter* errors_;
    };
    using engine_type = typename buffer_type::template engine<backend>;

    void replace_logger_context(const context_frame* frame) {
        engine_.exclusive([&](backend& b) { std::swap(b.logger_context, frame); });
        if (frame) frame->release();  // the one it replaced
    }

    level initial_level(const logger_options& o) const noexcept {
        if (o.initial_level) return *o.initial_level;
        if (o.read_environment) {
            if (auto text = detail::env(Config::level_env.data()); !text.empty())
                if (auto parsed = parse_level(text)) return *parsed;
        }
        return Config::default_level;
    }

    sink_context make_context(const logger_options& o) {
        sink_context c;
        c.directory = o.directory ? *o.directory : std::string(Config::directory);
        c.base_name = o.base_name ? *o.base_name : std::string(Config::base_name);
        c.logger_name = name_;
        c.session_id = session_id_;
        c.start_time = start_time_;
        c.file_mode = Config::file_mode;
        c.directory_mode = Config::directory_mode;
        c.errors = &errors_;
        c.format_report = {&backend::format_report, &backend_};  // used only once backend_ is built
        c.now = &clock::now;
        c.settings = o.settings;
        return c;
    }

    // The session's first record: when, which process, which program, which
    // inkwell. Not subject to the level: it heads the session whatever follows.
    void write_session_start() {
        detail::line_buffer started;
        detail::append_iso8601_utc_ms(started, start_time_);
        auto text = [](std::string_view key, std::string_view value) {
            field f{key, {}};
            f.value.type = field_value::kind::string;
            f.value.text = value;
            return f;
        };
        field fields[4] = {text("startTime", detail::view(started)), {"pid", {}}, text("program", detail::program_name()),
                           text("inkwellVersion", version_string)};
        fields[1].value.type = field_value::kind::signed_integer;
        fields[1].value.number.signed_integer = static_cast<std::int64_t>(::getpid());
        record r;
        r.severity = level::info;
        r.time = start_time_;
        r.message = "session started";
        r.category = "session";
        r.logger_name = name_;
        r.session_id = session_id_;
        r.fields = fields;
        r.thread_id = detail::current_thread_id();
        engine_.submit(r);
    }

    template <class... Args>
    void emit(const call_site& site, Args&&... args) {
        if constexpr (!detail::fields_are_trailing<std::remove_cvref_t<Args>...>()) {
            return;  // already reported by format_string, with one message
        } else {
            if constexpr (requires { buffer_type::defers_formatting; } &&
                          detail::all_args_encodable<std::remove_cvref_t<Args>...>) {
                // The async buffer copies the arguments as they are; arguments
                // it cannot copy by value are formatted here instead, and so is
                // a text argument longer than a whole message may be: cut here,
                // it never fills a queue (a 100 MB argument would need a ring
                // of 256 MiB, and the writer a second copy to format).
                if (INKWELL_UNLIKELY((longer_than_a_message(args) || ...)))
                    emit_oversized<std::remove_cvref_t<Args>...>(site, args...);
                else
                    engine_.submit_call(site, args...);
            } else {
                emit_checked(site, std::forward<Args>(args)...);
            }
        }
    }

    template <class... Args>
    INKWELL_NOINLINE void emit_oversized(const call_site& site, detail::pass_arg_t<Args>... args) {
        emit_checked(site, args...);
    }

    template <class T>
    static bool longer_than_a_message([[maybe_unused]] const T& arg) noexcept {
        if constexpr (detail::is_text_arg_v<T>)
            return std::string_view{arg}.size() > Config::max_message_bytes;
        else
            return false;
    }

    template <class... Args>
    void emit_checked(const call_site& site, Args&&... args) {
        constexpr std::size_t format_count = detail::leading_format_args<std::remove_cvref_t<Args>...>();
        constexpr std::size_t field_count = sizeof...(Args) - format_count;

        detail::line_buffer message;
        auto arg_refs = std::forward_as_tuple(args...);
        INKWELL_TRY {
            detail::format_leading(message, site.format, arg_refs, std::make_index_sequence<format_count>{},
                                   site.plain_format);
        }
        INKWELL_CATCH_ALL {
            errors_.report({error_kind::format, 0, {}, "a format argument threw; the format string is logged instead"});
            message.clear();
            detail::append(message, "[inkwell: a format argument threw while formatting] ");
            detail::append(message, site.format);
        }
        cap_message(message);

        std::array<field, field_count> fields{};
        std::array<std::string, field_count> scratch{};
        if constexpr (field_count > 0)
            detail::make_fields<format_count>(fields, scratch, arg_refs, std::make_index_sequence<field_count>{});

        record r;
        r.severity = site.severity;
        r.time = clock::now();
        r.message = detail::view(message);
        r.category = site.category;
        r.logger_name = name_;
        r.session_id = session_id_;
        r.where = site.where;
        r.fields = fields;
        r.thread_id = detail::current_thread_id();
        r.context = detail::thread_context;
        engine_.submit(r);
    }

    // A huge message is cut at a character boundary and says so.
    static void cap_message(detail::line_buffer& m) {
        constexpr std::size_t cap = Config::max_message_bytes;
        if (INKWELL_LIKELY(m.size() <= cap)) return;
        std::size_t cut = cap;
        while (cut > 0 && (static_cast<unsigned char>(m.data()[cut]) & 0xC0) == 0x80) --cut;
        const std::size_t removed = m.size() - cut;
        m.resize(cut);
        detail::append(m, "... [truncated ");
        detail::append_integer(m, removed);
        detail::append(m, " bytes]");
    }

    error_reporter errors_;  // first: the sink holds a pointer to it
    std::string name_;
    std::string session_id_;
    time_point start_time_;
    // Every call site reads level_; the writer thread writes the backend:
    // each on cache lines of its own.
    alignas(detail::cache_line) std::atomic<level> level_;
    alignas(detail::cache_line) backend backend_;
    engine_type engine_;
};

INKWELL_END_NAMESPACE
// ---- end inkwell/logger.hpp ----
// ---- begin inkwell/macros.hpp ----
// The call-site macros.
//
//   INKWELL_INFO(log, "Creating entity {}", id);
//   INKWELL_WARN(log, "Slow query {} ms", ms, inkwell::kv("table", name));   // fields after the format args
//   INKWELL_LOG(log, inkwell::level{33}, "a user-defined level");
//
// Per statement, at compile time:
//   - a level below the logger's Config::min_level or below INKWELL_MIN_LEVEL
//     (a number, e.g. -DINKWELL_MIN_LEVEL=30 keeps info and above) is compiled
//     out: the statement emits no code and its arguments are never evaluated;
//   - the format string is checked by {fmt} against the arguments;
//   - file, line and function come from compiler builtins (std::source_location
//     is broken on clang 14 with libstdc++);
//   - a classifier with `classify_literal` decides the category of the literal.
// At run time: one relaxed load and one branch for the logger's level.



#ifndef INKWELL_MIN_LEVEL
#define INKWELL_MIN_LEVEL 0
#endif

INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class Logger>
consteval bool compiled_in(level l) {
#if INKWELL_MIN_LEVEL > 0
    if (to_underlying(l) < INKWELL_MIN_LEVEL) return false;
#endif
    return l >= Logger::min_level;
}

}  // namespace detail

// The category a logger's classifier gives a literal format string at compile
// time, or an empty view when only the formatted message can decide.
// A classifier that also looks at the level offers classify_call_site instead.
template <class Logger>
consteval std::string_view static_category(std::string_view format, level l = level::info) {
    using classifier = typename Logger::classifier_type;
    if constexpr (requires { classifier::classify_call_site(l, format); })
        return classifier::classify_call_site(l, format);
    else if constexpr (policy::classifies_literals<classifier>)
        return classifier::classify_literal(format);
    else
        return {};
}

namespace detail {
template <class Logger>
consteval call_site make_call_site(level l, std::string_view format, const char* file, std::uint32_t line,
                                   const char* function) {
    return call_site{l, format, source_location::located_at(file, function, line), static_category<Logger>(format, l),
                     detail::is_plain_format(format)};
}
}  // namespace detail

INKWELL_END_NAMESPACE

#define INKWELL_DETAIL_FIRST(first, ...) first

#define INKWELL_LOG(logger, lvl, ...)                                                                        \
    do {                                                                                                     \
        auto&& inkwell_logger_ = (logger);                                                                   \
        using inkwell_logger_type_ = std::remove_cvref_t<decltype(inkwell_logger_)>;                         \
        if constexpr (::inkwell::detail::compiled_in<inkwell_logger_type_>(lvl)) {                           \
            if (inkwell_logger_.should_log(lvl)) {                                                           \
                static constexpr ::inkwell::call_site inkwell_site_ =                                        \
                    ::inkwell::detail::make_call_site<inkwell_logger_type_>(                                 \
                        lvl, INKWELL_DETAIL_FIRST(__VA_ARGS__), __FILE__, __LINE__, __builtin_FUNCTION());   \
                inkwell_logger_.log(inkwell_site_, __VA_ARGS__);                                             \
            }                                                                                                \
        }                                                                                                    \
    } while (false)

#define INKWELL_TRACE(logger, ...) INKWELL_LOG(logger, ::inkwell::level::trace, __VA_ARGS__)
#define INKWELL_DEBUG(logger, ...) INKWELL_LOG(logger, ::inkwell::level::debug, __VA_ARGS__)
#define INKWELL_INFO(logger, ...) INKWELL_LOG(logger, ::inkwell::level::info, __VA_ARGS__)
#define INKWELL_PERF(logger, ...) INKWELL_LOG(logger, ::inkwell::level::perf, __VA_ARGS__)
#define INKWELL_WARN(logger, ...) INKWELL_LOG(logger, ::inkwell::level::warn, __VA_ARGS__)
#define INKWELL_ERROR(logger, ...) INKWELL_LOG(logger, ::inkwell::level::error, __VA_ARGS__)
#define INKWELL_CRITICAL(logger, ...) INKWELL_LOG(logger, ::inkwell::level::critical, __VA_ARGS__)
// ---- end inkwell/macros.hpp ----
// ---- begin inkwell/presets.hpp ----
// The three presets: the log layouts real applications build by hand.
// Each is a config a user derives from, overriding only what differs, and a
// logger alias for when nothing differs:
//
//   inkwell::presets::jsonl_per_category log;                 // one line to use
//
//   struct my_config : inkwell::presets::jsonl_per_category_config {
//       using buffer = inkwell::buffer::immediate;            // change one thing
//   };
//   inkwell::basic_logger<my_config> log2;



INKWELL_BEGIN_NAMESPACE
namespace presets {

// jsonl-per-category-storage.md: logs/YYYY-MM-DD/<category>.jsonl, keyword
// categories with a `general` fallback, 10 MB rotation inside the day folder,
// date folders older than 7 days removed (at start-up and when a day or a
// file rolls), asynchronous: the calling thread only queues, the writer
// thread writes (the reference asks for an async queue with back-pressure).
struct jsonl_per_category_config : default_config {
    using sink = inkwell::sink::category_files<>;
    using classifier = inkwell::classify::keyword<>;
    using formatter = inkwell::format::jsonl;
    using rotation = inkwell::rotate::by_size<10 * 1024 * 1024>;
    using retention = inkwell::retain::max_age<7>;
    // Back-pressure, never loss; 1 MiB per producing thread, all queues
    // together within 32 MiB: with the category files' held lines capped at
    // 16 MiB (sink::category_limits), every buffer of the logger stays under
    // the 50 MB the files-at-scale issue allows.
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 32 * 1024 * 1024>;
    static constexpr level default_level = level::debug;
};
using jsonl_per_category = basic_logger<jsonl_per_category_config>;

// session-logging-service.md: one JSONL file per logger lifetime, named by
// its start time and session id, opened by a "session started" record (pid,
// program, version); every entry with an entryId; the service name as
// category; repeats within 30 s written once and counted; the last 1,000
// entries in memory (sink::recent) and a live stream to subscribers
// (sink::live), reached with sink::find; asynchronous with 256 KiB per
// producing thread and 4 MiB for all queues together (the reference keeps
// memory under 5 MB).
//
//   auto* live = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
struct session_file_config : default_config {
    using sink = inkwell::sink::tee<inkwell::sink::session_file, inkwell::sink::recent<1000>, inkwell::sink::live>;
    using classifier = inkwell::classify::by_name;
    using formatter = inkwell::format::jsonl_with_entry_id;
    using dedup = inkwell::dedup::time_window<30>;
    static constexpr bool session_start_record = true;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 256 * 1024, 4 * 1024 * 1024>;
    static constexpr level default_level = level::info;
};
using session_file = basic_logger<session_file_config>;

// rotating-text-logs.md: `[time] [LEVEL] [module] message` in app.log
// (rotated by size or daily: INKWELL_LOG_ROTATION_TYPE, _MAX_SIZE_MB,
// _BACKUP_COUNT), errors also in app_errors.log (always by size, 5 MB),
// and a coloured console. The module is the last dotted part of the logger's name.
// The error file rotates at 5 MB with 5 backups whatever the environment
// says: INKWELL_LOG_MAX_SIZE_MB and _BACKUP_COUNT are about the main log.
struct rotating_text_error_rotation : inkwell::rotate::by_size<5 * 1024 * 1024, 5> {
    rotating_text_error_rotation() noexcept : by_size(5 * 1024 * 1024, 5) {}
};
using rotating_text_error_file = inkwell::sink::level_filter<
    level::error,
    inkwell::sink::fixed_rotation<inkwell::sink::rotating_file<rotating_text_error_rotation, "_errors">>>;
using rotating_text_files = inkwell::sink::tee<inkwell::sink::rotating_file<>, rotating_text_error_file>;

struct rotating_text_config : default_config {
    using sink = inkwell::sink::tee<inkwell::sink::rotating_file<>, rotating_text_error_file, inkwell::sink::console>;
    using rotation = inkwell::rotate::from_env<>;
    using classifier = inkwell::classify::by_name;
    using formatter = inkwell::format::text;
    using buffer = inkwell::buffer::immediate;
    static constexpr level default_level = level::info;
};
using rotating_text = basic_logger<rotating_text_config>;

// The same files and console, written by the async writer thread.
struct rotating_text_async_config : rotating_text_config {
    using buffer = inkwell::buffer::async<>;
};
using rotating_text_async = basic_logger<rotating_text_async_config>;

}  // namespace presets
INKWELL_END_NAMESPACE
// ---- end inkwell/presets.hpp ----
// ---- end inkwell/inkwell.hpp ----
