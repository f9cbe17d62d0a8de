#pragma once
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

#include <cstddef>
#include <type_traits>
#include <utility>

#include "../sink/tee.hpp"
#include "../version.hpp"

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
