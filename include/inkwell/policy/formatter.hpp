#pragma once
// The formatter policy: how a record becomes one line.
//
// A formatter is a default-constructible class with
//   `void format(const inkwell::record& r, inkwell::detail::line_buffer& out)`
// that appends exactly one line, ending in '\n', with no other newline in it.

#include <concepts>

#include "../detail/line_buffer.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class F>
concept formatter_formats = requires(F& f, const record& r, detail::line_buffer& out) { f.format(r, out); };

template <class F>
concept formatter = std::default_initializable<F> && formatter_formats<F>;

}  // namespace policy
INKWELL_END_NAMESPACE
