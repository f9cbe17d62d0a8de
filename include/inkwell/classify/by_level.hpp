#pragma once
// classify::by_level<level::error, "errors", Inner>: records at or above a
// level get their own category (like storyos_errors.log beside storyos.log);
// the others get whatever Inner says.

#include <string_view>

#include "../detail/fixed_string.hpp"
#include "../level.hpp"
#include "../policy/classifier.hpp"
#include "../record.hpp"
#include "../version.hpp"
#include "fixed.hpp"

INKWELL_BEGIN_NAMESPACE
namespace classify {

template <level Threshold = level::error, detail::fixed_string Category = "errors", class Inner = fixed<"general">>
class by_level {
    static_assert(policy::classifier<Inner>,
                  "inkwell: by_level's Inner must be a classifier; see inkwell/policy/classifier.hpp");

public:
    static constexpr level threshold = Threshold;
    static constexpr std::string_view category = Category.view();

    std::string_view classify(const record& r) { return r.severity >= Threshold ? category : inner_.classify(r); }

    // A literal alone cannot decide (the same text may be logged at any level),
    // so there is no classify_literal; a call site that knows its level can ask
    // this instead. Empty when Inner cannot decide from the literal.
    static constexpr std::string_view classify_call_site(level severity, std::string_view format) noexcept {
        if (severity >= Threshold) return category;
        if constexpr (policy::classifies_literals<Inner>)
            return Inner::classify_literal(format);
        else
            return {};
    }

    // The classifier for records below the threshold (e.g. to add mappings or categories).
    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }

private:
    [[no_unique_address]] Inner inner_;
};

}  // namespace classify
INKWELL_END_NAMESPACE
