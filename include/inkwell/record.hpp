#pragma once
// The vocabulary every policy speaks: where a call came from, its structured
// fields, and the record that flows from the call site to the sink.

#include "detail/chrono.hpp"
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "level.hpp"
#include "version.hpp"

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
