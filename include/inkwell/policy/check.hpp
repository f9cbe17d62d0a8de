#pragma once
// Checks a logger's config once, with one readable message per mistake.
//
// Each check fires only when every check before it passed, so a wrong policy
// gives exactly one static_assert; and a wrong policy is replaced by a
// harmless stand-in so that no cascade of template errors follows it.

#include <string_view>
#include <type_traits>

#include "../clock/system.hpp"
#include "../compress/none.hpp"
#include "../errors.hpp"
#include "../record.hpp"
#include "../retain/never.hpp"
#include "../version.hpp"
#include "buffer.hpp"
#include "classifier.hpp"
#include "clock.hpp"
#include "compression.hpp"
#include "dedup.hpp"
#include "formatter.hpp"
#include "retention.hpp"
#include "rotation.hpp"
#include "sink.hpp"

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
