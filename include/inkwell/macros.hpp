#pragma once
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

#include <string_view>
#include <type_traits>

#include "level.hpp"
#include "policy/classifier.hpp"
#include "detail/format_args.hpp"
#include "record.hpp"
#include "version.hpp"

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
