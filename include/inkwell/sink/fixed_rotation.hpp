#pragma once
// sink::fixed_rotation<Sink> — keeps a sink's own rotation policy when the
// config's `rotation` is bound into a tee: rotating-text-logs.md rotates the
// error log by size even when the main log rotates daily. The config's
// retention and compression still reach the sink (with_retention,
// with_compression pass through).

#include <string_view>

#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

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
