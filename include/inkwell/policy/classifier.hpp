#pragma once
// The classifier policy: which category a record belongs to.
//
// A classifier is a default-constructible class with
//   `std::string_view classify(const inkwell::record& r)`
// returning the category; the view must stay valid for the classifier's life.
// Optionally, `static constexpr std::string_view classify_literal(std::string_view format)`
// decides the category from a literal format string at compile time (return
// an empty view when the literal alone cannot decide).

#include <concepts>
#include <string_view>

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class C>
concept classifier_classifies = requires(C& c, const record& r) {
    { c.classify(r) } -> std::convertible_to<std::string_view>;
};

template <class C>
concept classifier = std::default_initializable<C> && classifier_classifies<C>;

template <class C>
concept classifies_literals = requires(std::string_view format) {
    { C::classify_literal(format) } -> std::convertible_to<std::string_view>;
};

}  // namespace policy
INKWELL_END_NAMESPACE
