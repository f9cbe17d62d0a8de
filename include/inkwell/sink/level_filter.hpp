#pragma once
// sink::level_filter<level::error, Inner>: only records at or above a level
// reach Inner, e.g. an error file inside a tee:
//   sink::tee<sink::rotating_file<...>, sink::level_filter<level::error, sink::rotating_file<...>>>
// Rotation, retention and compression pass through: the filter takes each
// policy when Inner does.

#include <concepts>
#include <string_view>

#include "../level.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

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
