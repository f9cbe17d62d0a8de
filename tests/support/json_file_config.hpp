#pragma once
// A logger config the tests of captured and forwarded records share: JSONL
// into <dir>/app.log, starting at trace, the category being the record's
// logger name (classify::by_name, as in presets::session_file); synchronous,
// or with the async buffer.

#include "inkwell_under_test.hpp"

namespace test_support {

struct json_file_config : inkwell::default_config {
    using sink = inkwell::sink::file;
    using formatter = inkwell::format::jsonl;
    using classifier = inkwell::classify::by_name;
    static constexpr inkwell::level default_level = inkwell::level::trace;
};
struct json_file_async_config : json_file_config {
    using buffer = inkwell::buffer::async<>;
};

}  // namespace test_support
