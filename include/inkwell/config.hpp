#pragma once
// default_config: the base every config derives from, overriding only what
// differs (the way quill's FrontendOptions are used):
//
//   struct my_config : inkwell::default_config {
//       using sink = inkwell::sink::file;
//       static constexpr inkwell::level default_level = inkwell::level::debug;
//   };
//   inkwell::basic_logger<my_config> log;
//
// Policy types are named with their full namespace (inkwell::sink::file), so
// a member alias never hides the namespace of the same name.

#include <cstddef>
#include <string_view>

#include "buffer/immediate.hpp"
#include "classify/fixed.hpp"
#include "clock/system.hpp"
#include "compress/none.hpp"
#include "dedup/none.hpp"
#include "format/text.hpp"
#include "level.hpp"
#include "retain/never.hpp"
#include "rotate/never.hpp"
#include "sink/console.hpp"
#include "version.hpp"

INKWELL_BEGIN_NAMESPACE

struct default_config {
    using sink = inkwell::sink::console;
    using formatter = inkwell::format::text;
    using classifier = inkwell::classify::fixed<"general">;
    using dedup = inkwell::dedup::none;
    using buffer = inkwell::buffer::immediate;
    using rotation = inkwell::rotate::never;
    // Which old files a file sink deletes (policy/retention.hpp), and what
    // becomes of a finished file (policy/compression.hpp). A config without
    // these members keeps every file, uncompressed.
    using retention = inkwell::retain::never;
    using compression = inkwell::compress::none;
    // Where "now" comes from (policy/clock.hpp): each record's time, the
    // logger's start time and the files' retention. Tests use clock::manual.
    using clock = inkwell::clock::system;

    // Statements below this level are compiled out: no code, arguments not evaluated.
    static constexpr level min_level = level::trace;
    // The run-time level a logger starts at, unless the environment says otherwise.
    static constexpr level default_level = level::info;
    // The environment variable read at construction, e.g. INKWELL_LEVEL=debug.
    static constexpr std::string_view level_env = "INKWELL_LEVEL";

    static constexpr std::string_view directory = "logs";
    static constexpr std::string_view base_name = "app";
    static constexpr unsigned file_mode = 0644;
    static constexpr unsigned directory_mode = 0755;

    // true: the logger's first record says when and where its session began
    // ("session started", category "session", fields startTime, pid,
    // program, inkwellVersion), whatever the level (presets::session_file).
    static constexpr bool session_start_record = false;

    // Longer messages are cut (at a character boundary) and marked as cut.
    static constexpr std::size_t max_message_bytes = 256 * 1024;
};

INKWELL_END_NAMESPACE
