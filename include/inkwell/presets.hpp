#pragma once
// The three presets: the log layouts real applications build by hand.
// Each is a config a user derives from, overriding only what differs, and a
// logger alias for when nothing differs:
//
//   inkwell::presets::jsonl_per_category log;                 // one line to use
//
//   struct my_config : inkwell::presets::jsonl_per_category_config {
//       using buffer = inkwell::buffer::immediate;            // change one thing
//   };
//   inkwell::basic_logger<my_config> log2;

#include <string_view>

#include "buffer/async.hpp"
#include "buffer/batched.hpp"
#include "buffer/immediate.hpp"
#include "classify/by_name.hpp"
#include "classify/keyword.hpp"
#include "config.hpp"
#include "dedup/time_window.hpp"
#include "format/jsonl.hpp"
#include "format/text.hpp"
#include "level.hpp"
#include "logger.hpp"
#include "retain/max_age.hpp"
#include "rotate/by_size.hpp"
#include "rotate/from_env.hpp"
#include "sink/category_files.hpp"
#include "sink/console.hpp"
#include "sink/recent.hpp"
#include "sink/fixed_rotation.hpp"
#include "sink/level_filter.hpp"
#include "sink/live.hpp"
#include "sink/rotating_file.hpp"
#include "sink/session_file.hpp"
#include "sink/tee.hpp"
#include "version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace presets {

// jsonl-per-category-storage.md: logs/YYYY-MM-DD/<category>.jsonl, keyword
// categories with a `general` fallback, 10 MB rotation inside the day folder,
// date folders older than 7 days removed (at start-up and when a day or a
// file rolls), asynchronous: the calling thread only queues, the writer
// thread writes (the reference asks for an async queue with back-pressure).
struct jsonl_per_category_config : default_config {
    using sink = inkwell::sink::category_files<>;
    using classifier = inkwell::classify::keyword<>;
    using formatter = inkwell::format::jsonl;
    using rotation = inkwell::rotate::by_size<10 * 1024 * 1024>;
    using retention = inkwell::retain::max_age<7>;
    // Back-pressure, never loss; 1 MiB per producing thread, all queues
    // together within 32 MiB: with the category files' held lines capped at
    // 16 MiB (sink::category_limits), every buffer of the logger stays under
    // the 50 MB the files-at-scale issue allows.
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 32 * 1024 * 1024>;
    static constexpr level default_level = level::debug;
};
using jsonl_per_category = basic_logger<jsonl_per_category_config>;

// session-logging-service.md: one JSONL file per logger lifetime, named by
// its start time and session id, opened by a "session started" record (pid,
// program, version); every entry with an entryId; the service name as
// category; repeats within 30 s written once and counted; the last 1,000
// entries in memory (sink::recent) and a live stream to subscribers
// (sink::live), reached with sink::find; asynchronous with 256 KiB per
// producing thread and 4 MiB for all queues together (the reference keeps
// memory under 5 MB).
//
//   auto* live = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
struct session_file_config : default_config {
    using sink = inkwell::sink::tee<inkwell::sink::session_file, inkwell::sink::recent<1000>, inkwell::sink::live>;
    using classifier = inkwell::classify::by_name;
    using formatter = inkwell::format::jsonl_with_entry_id;
    using dedup = inkwell::dedup::time_window<30>;
    static constexpr bool session_start_record = true;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 256 * 1024, 4 * 1024 * 1024>;
    static constexpr level default_level = level::info;
};
using session_file = basic_logger<session_file_config>;

// rotating-text-logs.md: `[time] [LEVEL] [module] message` in app.log
// (rotated by size or daily: INKWELL_LOG_ROTATION_TYPE, _MAX_SIZE_MB,
// _BACKUP_COUNT), errors also in app_errors.log (always by size, 5 MB),
// and a coloured console. The module is the last dotted part of the logger's name.
// The error file rotates at 5 MB with 5 backups whatever the environment
// says: INKWELL_LOG_MAX_SIZE_MB and _BACKUP_COUNT are about the main log.
struct rotating_text_error_rotation : inkwell::rotate::by_size<5 * 1024 * 1024, 5> {
    rotating_text_error_rotation() noexcept : by_size(5 * 1024 * 1024, 5) {}
};
using rotating_text_error_file = inkwell::sink::level_filter<
    level::error,
    inkwell::sink::fixed_rotation<inkwell::sink::rotating_file<rotating_text_error_rotation, "_errors">>>;
using rotating_text_files = inkwell::sink::tee<inkwell::sink::rotating_file<>, rotating_text_error_file>;

struct rotating_text_config : default_config {
    using sink = inkwell::sink::tee<inkwell::sink::rotating_file<>, rotating_text_error_file, inkwell::sink::console>;
    using rotation = inkwell::rotate::from_env<>;
    using classifier = inkwell::classify::by_name;
    using formatter = inkwell::format::text;
    using buffer = inkwell::buffer::immediate;
    static constexpr level default_level = level::info;
};
using rotating_text = basic_logger<rotating_text_config>;

// The same files and console, written by the async writer thread.
struct rotating_text_async_config : rotating_text_config {
    using buffer = inkwell::buffer::async<>;
};
using rotating_text_async = basic_logger<rotating_text_async_config>;

}  // namespace presets
INKWELL_END_NAMESPACE
