#pragma once
// rotate::never — the file grows without bound; rotate_now() does nothing.

#include <cstddef>

#include "../policy/rotation.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace rotate {

struct never {
    constexpr bool due(const file_state&, time_point, std::size_t) const noexcept { return false; }
    constexpr outcome rotate(const file_state&) const noexcept { return {}; }
};

}  // namespace rotate
INKWELL_END_NAMESPACE
