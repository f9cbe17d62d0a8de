#pragma once
// classify::fixed<"name">: every record belongs to one category.

#include <string_view>

#include "../detail/fixed_string.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace classify {

template <detail::fixed_string Name>
struct fixed {
    static constexpr std::string_view category = Name.view();

    constexpr std::string_view classify(const record&) const noexcept { return category; }

    // The category never depends on the text, so every call site knows it at compile time.
    static constexpr std::string_view classify_literal(std::string_view) noexcept { return category; }
};

}  // namespace classify
INKWELL_END_NAMESPACE
