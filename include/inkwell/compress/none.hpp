#pragma once
// compress::none — finished files stay as they are (the default).

#include <string_view>

#include "../policy/compression.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace compress {

struct none {
    static constexpr std::string_view extension = "";
    static result compress_file(int, int) noexcept { return {}; }
};

}  // namespace compress
INKWELL_END_NAMESPACE
