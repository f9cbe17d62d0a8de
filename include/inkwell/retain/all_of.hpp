#pragma once
// retain::all_of<P...> — every policy holds: a file goes when any of them
// says so. They choose in order, each seeing what the earlier ones left
// (max_files after max_age counts only the files max_age kept):
//   using retention = inkwell::retain::all_of<inkwell::retain::max_age<7>,
//                                             inkwell::retain::max_bytes<std::uint64_t{1} << 30>>;

#include <cstddef>
#include <tuple>
#include <utility>

#include "../policy/retention.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace retain {

template <class... Policies>
class all_of {
    static_assert((policy::retention<Policies> && ...),
                  "inkwell: every policy of retain::all_of must satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");

public:
    all_of() = default;
    explicit all_of(Policies... policies) : policies_(std::move(policies)...) {}

    void select(listing& files, time_point now) {
        std::apply([&](auto&... p) { (p.select(files, now), ...); }, policies_);
    }

    template <std::size_t I>
    auto& get() noexcept { return std::get<I>(policies_); }

private:
    std::tuple<Policies...> policies_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
