#pragma once
// rotate::from_env — size or daily rotation, chosen when the policy is
// constructed by INKWELL_LOG_ROTATION_TYPE: "size" (the default, also for an
// unset or unknown value) or "time" (daily). Each policy also reads its own
// variables (INKWELL_LOG_MAX_SIZE_MB, INKWELL_LOG_BACKUP_COUNT).

#include <cstddef>
#include <string_view>

#include "../detail/system.hpp"
#include "../policy/rotation.hpp"
#include "../record.hpp"
#include "../version.hpp"
#include "by_size.hpp"
#include "daily.hpp"

INKWELL_BEGIN_NAMESPACE
namespace rotate {

template <class Size = by_size<>, class Daily = daily<>>
class from_env {
public:
    from_env() noexcept : daily_chosen_(detail::env("INKWELL_LOG_ROTATION_TYPE") == "time") {}

    bool is_daily() const noexcept { return daily_chosen_; }
    const Size& size_policy() const noexcept { return size_; }
    const Daily& daily_policy() const noexcept { return daily_; }

    bool due(const file_state& f, time_point record_time, std::size_t incoming_bytes) const noexcept {
        return daily_chosen_ ? daily_.due(f, record_time, incoming_bytes) : size_.due(f, record_time, incoming_bytes);
    }
    outcome rotate(const file_state& f) const { return daily_chosen_ ? daily_.rotate(f) : size_.rotate(f); }

private:
    bool daily_chosen_;
    Size size_;
    Daily daily_;
};

}  // namespace rotate
INKWELL_END_NAMESPACE
