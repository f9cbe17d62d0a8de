#pragma once
// The helpers of rotating-text-logs.md's StoryOSLogger, for any inkwell logger:
//
//   inkwell::log_user_action(log, user_id, "player_input", inkwell::kv("sessionId", id));
//       info, category "user_action", message "user <id>: player_input",
//       fields userId, action, then the kv's
//   inkwell::log_performance(log, "db", "load_user", elapsed, inkwell::kv("rows", 3));
//       perf, category "db", message "load_user took 12.345 ms",
//       fields operation, durationMs (a double), then the kv's
//   inkwell::scoped_timer timer(log, "db", "load_user", inkwell::kv("table", "users"));
//       log_performance with the time from here to its end (destructor) or to stop()
//   inkwell::log_error_with_context(log, "db", e, inkwell::kv("operation", "save"));
//       error, category "db", message e.what(), fields errorType, errorCode
//       (when there is one), errorStack (when nested), then the kv's
//   inkwell::error_fields(e)      errorType / errorCode / errorStack of an exception
//   inkwell::error_fields(ec)     ... of a std::error_code
//
// Each helper builds a record and hands it to `log.ingest()`, which checks
// the level (a helper below the logger's level writes nothing and costs a
// compare), fills in time, thread and session, and copies the record before
// returning. The category a helper sets is kept (the classifier runs only on
// records without one). The records have no call site: the JSON "source" is
// empty, and error aggregation (sink/error_aggregator.hpp) takes the category
// as their source.
//
// The error fields:
//   errorType   the demangled dynamic type of the exception ("std::runtime_error",
//               "app::db_error"); for a std::error_code, its category's name
//               ("generic", "system")
//   errorCode   "<category>:<value>" ("system:111", "generic:2") of a
//               std::system_error (std::filesystem::filesystem_error too) or a
//               std::error_code; absent otherwise. Text with the category,
//               because a bare number means nothing without it (111 of
//               "system" is not 111 of a library's own category).
//   errorStack  the chain of nested exceptions (std::throw_with_nested), one
//               "<type>: <what>" per line, outermost first; absent when the
//               exception has no nested cause. Not a backtrace: where an
//               exception was thrown is gone by the time it is caught (only a
//               hook on __cxa_throw could see it), and a backtrace taken in
//               the helper would show the catch block, which the log's
//               message already tells. The nested chain is what the program
//               itself recorded about the causes, costs nothing when there
//               is none, and needs no debug symbols to read.
//
// The exception overloads need RTTI and exceptions; without them (-fno-rtti,
// -fno-exceptions) only the std::error_code overloads exist.
//
// Not part of <inkwell/inkwell.hpp>. With the single header, include
// <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "inkwell.hpp"
#endif

#include <array>
#include <charconv>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#if defined(__cpp_rtti) && (defined(__cpp_exceptions) || defined(__EXCEPTIONS))
#define INKWELL_HELPERS_EXCEPTIONS 1
#include <cstdlib>
#include <exception>
#include <typeinfo>
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define INKWELL_HELPERS_DEMANGLE 1
#endif
#else
#define INKWELL_HELPERS_EXCEPTIONS 0
#endif

INKWELL_BEGIN_NAMESPACE

// What error_fields() found out about an error. fields() gives them as
// record fields (views into this object: keep it alive while they are used).
struct error_details {
    std::string type;     // errorType
    std::string code;     // errorCode, empty when there is none
    std::string stack;    // errorStack, empty when there is none
    std::string message;  // what() / message(): the record's message

    struct field_list {
        std::array<field, 3> items{};
        std::size_t count = 0;
        const field* begin() const noexcept { return items.data(); }
        const field* end() const noexcept { return items.data() + count; }
        std::size_t size() const noexcept { return count; }
        std::span<const field> span() const noexcept { return {items.data(), count}; }
    };
    // errorType, then errorCode and errorStack when not empty.
    field_list fields() const noexcept {
        field_list list;
        auto add = [&](std::string_view key, std::string_view value) {
            field& f = list.items[list.count++];
            f.key = key;
            f.value.type = field_value::kind::string;
            f.value.text = value;
        };
        add("errorType", type);
        if (!code.empty()) add("errorCode", code);
        if (!stack.empty()) add("errorStack", stack);
        return list;
    }
};

namespace detail {

// "system:111": a std::error_code as errorCode shows it.
inline std::string error_code_text(const std::error_code& ec) {
    std::string text(ec.category().name());
    char digits[16];
    const auto result = std::to_chars(digits, digits + sizeof digits, ec.value());
    text.push_back(':');
    text.append(digits, result.ptr);
    return text;
}

// A field's value as plain text (the user id in log_user_action's message).
inline void append_field_text(std::string& out, const field_value& v) {
    char digits[32];
    std::to_chars_result result{digits, std::errc{}};
    switch (v.type) {
        case field_value::kind::string: out.append(v.text); return;
        case field_value::kind::boolean: out.append(v.number.boolean ? "true" : "false"); return;
        case field_value::kind::signed_integer:
            result = std::to_chars(digits, digits + sizeof digits, v.number.signed_integer);
            break;
        case field_value::kind::unsigned_integer:
            result = std::to_chars(digits, digits + sizeof digits, v.number.unsigned_integer);
            break;
        case field_value::kind::floating:
            result = std::to_chars(digits, digits + sizeof digits, v.number.floating);
            break;
        case field_value::kind::null: out.append("null"); return;
    }
    out.append(digits, result.ptr);
}

inline field text_field(std::string_view key, std::string_view value) noexcept {
    field f{key, {}};
    f.value.type = field_value::kind::string;
    f.value.text = value;
    return f;
}

inline field double_field(std::string_view key, double value) noexcept {
    field f{key, {}};
    f.value.type = field_value::kind::floating;
    f.value.number.floating = value;
    return f;
}

// Hands a record made of `fixed` then the kv's to the logger.
template <class Logger, std::size_t Fixed, class... T>
void ingest_helper_record(Logger& log, level severity, std::string_view category, std::string_view message,
                          const std::array<field, Fixed>& fixed, std::size_t fixed_used, const kv_arg<T>&... kvs) {
    std::array<field, Fixed + sizeof...(T)> fields{};
    std::array<std::string, sizeof...(T) + 1> scratch{};  // + 1: never a zero-size array
    for (std::size_t i = 0; i < fixed_used; ++i) fields[i] = fixed[i];
    std::size_t at = fixed_used, k = 0;
    ((make_field(fields[at++], kvs, scratch[k++])), ...);
    (void)k;
    record r;
    r.severity = severity;
    r.message = message;
    r.category = category;
    r.fields = std::span<const field>(fields.data(), at);
    log.ingest(r);
}

// "<operation> took 12.345 ms"
inline void append_took(line_buffer& out, std::string_view operation, double milliseconds) {
    append(out, operation);
    append(out, " took ");
    char digits[48];
    const auto result = std::to_chars(digits, digits + sizeof digits, milliseconds, std::chars_format::fixed, 3);
    if (result.ec == std::errc{})
        append(out, {digits, static_cast<std::size_t>(result.ptr - digits)});
    else
        append(out, "?");
    append(out, " ms");
}

template <class Logger>
void ingest_performance(Logger& log, std::string_view module, std::string_view operation, double milliseconds,
                        std::span<const field> fields) {
    line_buffer message;
    append_took(message, operation, milliseconds);
    record r;
    r.severity = level::perf;
    r.message = view(message);
    r.category = module;
    r.fields = fields;
    log.ingest(r);
}

#if INKWELL_HELPERS_EXCEPTIONS
// The demangled name of a type; the wrapper std::throw_with_nested puts
// around an exception (libstdc++'s std::_Nested_exception<T>, libc++'s
// std::__nested<T>) is left out: the name is T's.
inline std::string type_name(const std::type_info& type) {
    std::string name;
#if defined(INKWELL_HELPERS_DEMANGLE)
    int status = 0;
    char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    if (status == 0 && demangled != nullptr) name = demangled;
    std::free(demangled);
#endif
    if (name.empty()) name = type.name();
    for (const std::string_view wrapper : {std::string_view{"std::_Nested_exception<"}, std::string_view{"std::__nested<"}}) {
        if (name.size() > wrapper.size() + 1 && name.compare(0, wrapper.size(), wrapper) == 0 && name.back() == '>') {
            name = name.substr(wrapper.size(), name.size() - wrapper.size() - 1);
            break;
        }
    }
    return name;
}

// "<type>: <what>" of each nested cause of `e`, one a line, after `e` itself.
inline void append_nested_chain(std::string& out, const std::exception& e, int depth) {
    if (depth > 16) return;  // a chain that long is cut
    try {
        std::rethrow_if_nested(e);
    } catch (const std::exception& cause) {
        out.append("\ncaused by ").append(type_name(typeid(cause))).append(": ").append(cause.what());
        if (const auto* system = dynamic_cast<const std::system_error*>(&cause))
            out.append(" [").append(error_code_text(system->code())).append("]");
        append_nested_chain(out, cause, depth + 1);
    } catch (...) {
        out.append("\ncaused by an exception that is not a std::exception");
    }
}
#endif

}  // namespace detail

// errorType "generic" / "system" / ..., errorCode "<category>:<value>", message ec.message().
inline error_details error_fields(const std::error_code& ec) {
    error_details d;
    d.type = ec.category().name();
    d.code = detail::error_code_text(ec);
    d.message = ec.message();
    return d;
}

#if INKWELL_HELPERS_EXCEPTIONS
// errorType: the dynamic type; errorCode: a std::system_error's code;
// errorStack: the nested causes (std::throw_with_nested), if any.
inline error_details error_fields(const std::exception& e) {
    error_details d;
    d.type = detail::type_name(typeid(e));
    d.message = e.what();
    if (const auto* system = dynamic_cast<const std::system_error*>(&e)) d.code = detail::error_code_text(system->code());
    std::string chain = d.type + ": " + d.message;
    const std::size_t own = chain.size();
    detail::append_nested_chain(chain, e, 0);
    if (chain.size() > own) d.stack = std::move(chain);
    return d;
}

// The exception held by `p` (std::current_exception() in a catch block): a
// std::exception as above; anything else has errorType "unknown" (or
// "none" for a null pointer).
inline error_details error_fields(const std::exception_ptr& p) {
    if (!p) return error_details{"none", {}, {}, "no exception"};
    try {
        std::rethrow_exception(p);
    } catch (const std::exception& e) {
        return error_fields(e);
    } catch (...) {
        return error_details{"unknown", {}, {}, "an exception that is not a std::exception"};
    }
}
#endif

// info, category "user_action", message "user <user_id>: <action>", fields
// userId (a string or a number, as given), action, then the kv's.
template <class Logger, class User, class... T>
void log_user_action(Logger& log, const User& user_id, std::string_view action, const kv_arg<T>&... fields) {
    if (!log.should_log(level::info)) return;
    std::array<field, 2> fixed{};
    std::string user_scratch;
    detail::make_field(fixed[0], kv("userId", user_id), user_scratch);
    fixed[1] = detail::text_field("action", action);
    std::string message = "user ";
    detail::append_field_text(message, fixed[0].value);
    message.append(": ").append(action);
    detail::ingest_helper_record(log, level::info, "user_action", message, fixed, 2, fields...);
}

// perf, category `module`, message "<operation> took <n> ms" (three
// decimals), fields operation, durationMs (double), then the kv's.
template <class Logger, class Rep, class Period, class... T>
void log_performance(Logger& log, std::string_view module, std::string_view operation,
                     std::chrono::duration<Rep, Period> duration, const kv_arg<T>&... fields) {
    if (!log.should_log(level::perf)) return;
    const double milliseconds = std::chrono::duration<double, std::milli>(duration).count();
    std::array<field, 2 + sizeof...(T)> all{};
    std::array<std::string, sizeof...(T) + 1> scratch{};
    all[0] = detail::text_field("operation", operation);
    all[1] = detail::double_field("durationMs", milliseconds);
    std::size_t at = 2, k = 0;
    ((detail::make_field(all[at++], fields, scratch[k++])), ...);
    (void)k;
    detail::ingest_performance(log, module, operation, milliseconds, std::span<const field>(all.data(), at));
}

// error, category `module`, message ec.message(), fields errorType,
// errorCode, then the kv's.
template <class Logger, class... T>
void log_error_with_context(Logger& log, std::string_view module, const std::error_code& ec,
                            const kv_arg<T>&... fields) {
    if (!log.should_log(level::error)) return;
    const error_details d = error_fields(ec);
    const auto own = d.fields();
    std::array<field, 3> fixed{};
    for (std::size_t i = 0; i < own.count; ++i) fixed[i] = own.items[i];
    detail::ingest_helper_record(log, level::error, module, d.message, fixed, own.count, fields...);
}

#if INKWELL_HELPERS_EXCEPTIONS
// error, category `module`, message e.what(), fields errorType, errorCode
// (std::system_error), errorStack (nested causes), then the kv's.
template <class Logger, class... T>
void log_error_with_context(Logger& log, std::string_view module, const std::exception& e,
                            const kv_arg<T>&... fields) {
    if (!log.should_log(level::error)) return;
    const error_details d = error_fields(e);
    const auto own = d.fields();
    std::array<field, 3> fixed{};
    for (std::size_t i = 0; i < own.count; ++i) fixed[i] = own.items[i];
    detail::ingest_helper_record(log, level::error, module, d.message, fixed, own.count, fields...);
}

// The same for std::current_exception() in a `catch (...)`.
template <class Logger, class... T>
void log_error_with_context(Logger& log, std::string_view module, const std::exception_ptr& p,
                            const kv_arg<T>&... fields) {
    if (!log.should_log(level::error)) return;
    const error_details d = error_fields(p);
    const auto own = d.fields();
    std::array<field, 3> fixed{};
    for (std::size_t i = 0; i < own.count; ++i) fixed[i] = own.items[i];
    detail::ingest_helper_record(log, level::error, module, d.message, fixed, own.count, fields...);
}
#endif

// Times a scope on std::chrono::steady_clock and logs it with
// log_performance when the scope ends, or at stop(), exactly once:
//
//   {
//       inkwell::scoped_timer timer(log, "db", "load_user", inkwell::kv("userId", id));
//       ...
//   }   // perf "load_user took 3.201 ms" {"operation":"load_user","durationMs":3.201,"userId":...}
//
// The module, operation and kv's are copied at construction (the kv's may
// refer to temporaries). cancel() ends it without a record. Not copyable or
// movable; it must not outlive the logger.
template <class Logger>
class scoped_timer {
public:
    using clock = std::chrono::steady_clock;

    template <class... T>
    scoped_timer(Logger& log, std::string_view module, std::string_view operation, const kv_arg<T>&... fields)
        : log_(log) {
        // operation, durationMs (set at stop), then the kv's, owned.
        std::array<field, 2 + sizeof...(T)> all{};
        std::array<std::string, sizeof...(T) + 1> scratch{};
        all[0] = detail::text_field("operation", operation);
        all[1] = detail::double_field("durationMs", 0.0);
        std::size_t at = 2, k = 0;
        ((detail::make_field(all[at++], fields, scratch[k++])), ...);
        (void)k;
        record r;
        r.message = operation;
        r.category = module;
        r.fields = std::span<const field>(all.data(), at);
        owned_ = owned_record(r);
        start_ = clock::now();  // last: the copies above are not timed
    }
    ~scoped_timer() {
        INKWELL_TRY {
            stop();
        }
        INKWELL_CATCH_ALL {}  // a destructor throws nothing; a failed log is the logger's to count
    }
    scoped_timer(const scoped_timer&) = delete;
    scoped_timer& operator=(const scoped_timer&) = delete;

    // Logs the time since construction (the first call only) and returns it;
    // later calls return the same duration and log nothing.
    clock::duration stop() {
        if (!running_) return elapsed_;
        elapsed_ = clock::now() - start_;
        running_ = false;
        if (log_.should_log(level::perf)) {
            const record kept = owned_.view();
            std::vector<field> fields(kept.fields.begin(), kept.fields.end());
            const double milliseconds = std::chrono::duration<double, std::milli>(elapsed_).count();
            fields[1].value.number.floating = milliseconds;
            detail::ingest_performance(log_, kept.category, kept.message, milliseconds, fields);
        }
        return elapsed_;
    }
    // Ends the timer without logging.
    void cancel() noexcept { running_ = false; }
    // Time since construction, or the duration stop() measured.
    clock::duration elapsed() const noexcept { return running_ ? clock::now() - start_ : elapsed_; }
    bool running() const noexcept { return running_; }

private:
    Logger& log_;
    owned_record owned_;
    clock::time_point start_{};
    clock::duration elapsed_{};
    bool running_ = true;
};

template <class Logger, class... T>
scoped_timer(Logger&, std::string_view, std::string_view, const kv_arg<T>&...) -> scoped_timer<Logger>;

INKWELL_END_NAMESPACE
