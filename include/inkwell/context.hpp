#pragma once
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

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "detail/format_args.hpp"
#include "record.hpp"
#include "version.hpp"

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
