#pragma once
// sink::tee<Sinks...>: every line goes to each sink, in order (e.g. a text
// file and the console). Each child is built from the logger's sink_context;
// reach one with `log.with_sink([](auto& s) { s.get<1>(); })`.
//
// Rotation: when some children take a rotation policy, the tee does too and
// binds the logger's rotation into each of them (retention and compression
// alike, through with_retention / with_compression); rotate_now() reaches every
// child that rotates on request, and reopen() every child that reopens;
// commit() gives each child its commit() or else its flush().

#include <concepts>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <utility>

#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

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
