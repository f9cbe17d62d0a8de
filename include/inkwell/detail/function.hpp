#pragma once
// A small copyable function wrapper for the few callbacks inkwell stores
// (error handler, callback sink). std::function would do, but <functional>
// brings much more than it with it, and every file that logs would pay for
// that at compile time.

#include <memory>
#include <type_traits>
#include <utility>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class Signature>
class shared_function;

template <class R, class... Args>
class shared_function<R(Args...)> {
public:
    shared_function() noexcept = default;
    shared_function(std::nullptr_t) noexcept {}  // NOLINT: implicit, like std::function

    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, shared_function> && std::is_invocable_r_v<R, F&, Args...>)
    shared_function(F&& f)  // NOLINT: implicit, like std::function
        : target_(std::make_shared<holder<std::decay_t<F>>>(std::forward<F>(f))) {}

    explicit operator bool() const noexcept { return static_cast<bool>(target_); }
    R operator()(Args... args) const { return target_->call(std::forward<Args>(args)...); }

private:
    struct callable {
        virtual ~callable() = default;
        virtual R call(Args... args) = 0;
    };
    template <class F>
    struct holder final : callable {
        explicit holder(F f) : fn(std::move(f)) {}
        R call(Args... args) override { return fn(std::forward<Args>(args)...); }
        F fn;
    };
    std::shared_ptr<callable> target_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
