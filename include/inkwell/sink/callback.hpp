#pragma once
// sink::callback: hands every line to a function the program sets at run
// time, e.g. to stream records to a dashboard:
//
//   log.with_sink([](auto& s) { s.set_callback([](const inkwell::record& r, std::string_view line) { ... }); });
//
// `line` is the formatted record, ending in '\n'; the record's views die when
// the callback returns. Without a callback, lines are discarded. The function
// runs under the sink's lock: it must not call set_callback() itself.

#include <mutex>
#include <string_view>
#include <utility>

#include "../detail/platform.hpp"
#include "../errors.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

// A class template only so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Unused = void>
class basic_callback {
public:
    using function = detail::shared_function<void(const record&, std::string_view line)>;

    basic_callback() = default;
    explicit basic_callback(const sink_context& context) noexcept : errors_(context.errors) {}
    explicit basic_callback(function f) : function_(std::move(f)) {}

    // Safe while records flow: the next record sees the new function. Pass an
    // empty function to stop the calls.
    void set_callback(function f) {
        std::lock_guard lock(mutex_);
        function_ = std::move(f);
    }

    void write(const record& r, std::string_view line) noexcept {
        std::lock_guard lock(mutex_);
        if (!function_) return;
        // A throwing callback must not reach the logging call site.
        INKWELL_TRY { function_(r, line); }
        INKWELL_CATCH_ALL {
            if (errors_) {
                errors_->report({error_kind::write, 0, {}, "the callback sink's function threw"});
                errors_->fallback(line);
            }
        }
    }
    void flush() noexcept {}

private:
    std::mutex mutex_;  // the setter may run on any thread
    function function_;
    error_reporter* errors_ = nullptr;
};

using callback = basic_callback<>;

}  // namespace sink
INKWELL_END_NAMESPACE
