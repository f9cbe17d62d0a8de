#pragma once
// dedup::none — every record is written; costs no bytes and no time.

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace dedup {

struct none {
    template <class Forward>
    void process(const record& r, Forward&& forward) {
        forward(r);
    }
    template <class Forward>
    void flush(Forward&&) noexcept {}
};

}  // namespace dedup
INKWELL_END_NAMESPACE
