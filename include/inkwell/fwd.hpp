#pragma once
// Forward declarations: name inkwell's types in a header without paying for
// their definitions. Include the preset or policy headers in the .cpp that logs.

#include <cstddef>
#include <cstdint>

#include "version.hpp"

INKWELL_BEGIN_NAMESPACE

enum class level : std::uint8_t;
struct record;
struct call_site;
struct sink_context;
struct logger_options;
struct default_config;
class error_reporter;
template <class Config>
class basic_logger;

namespace clock {
struct system;
template <class Tag>
class basic_manual;
using manual = basic_manual<void>;
}  // namespace clock

namespace presets {
struct jsonl_per_category_config;
struct session_file_config;
struct rotating_text_config;
struct rotating_text_async_config;
using jsonl_per_category = basic_logger<jsonl_per_category_config>;
using session_file = basic_logger<session_file_config>;
using rotating_text = basic_logger<rotating_text_config>;
using rotating_text_async = basic_logger<rotating_text_async_config>;
}  // namespace presets

INKWELL_END_NAMESPACE
