#pragma once
// retain::never — keeps every file; apply() does not even list the folder.

#include "../policy/retention.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace retain {

struct never {
    constexpr void select(listing&, time_point) const noexcept {}
};

}  // namespace retain
INKWELL_END_NAMESPACE
