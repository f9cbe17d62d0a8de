#pragma once
// sink::fixed_rotation<Sink> — keeps a sink's own rotation policy when the
// config's `rotation` is bound into a tee: rotating-text-logs.md rotates the
// error log by size even when the main log rotates daily.

#include <string_view>

#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

template <class Sink>
class fixed_rotation {
public:
    explicit fixed_rotation(const sink_context& context) : inner_(context) {}

    void write(const record& r, std::string_view line) { inner_.write(r, line); }
    void flush() { inner_.flush(); }
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
