#pragma once
// presets::platform — platform-structured-logging.md: every record carries its
// tenant/user/request/trace context (context.hpp), lands in JSONL files per
// service and day on this machine, in a PostgreSQL table partitioned by month
// for querying across machines, and in a Redis stream (plus a Pub/Sub
// message) for live viewers; errors are grouped by signature in memory.
//
//   inkwell::presets::platform log({.name = "billing",
//       .settings = {{"postgres", "host=db dbname=logs"}, {"redis", "10.0.0.5:6379"}}});
//   inkwell::scoped_context request{inkwell::kv("tenantId", tenant), inkwell::kv("requestId", id)};
//   INKWELL_INFO(log, "invoice {} created", invoice);
//
// The call site only queues (buffer::async); the writer thread writes the
// files and hands each record to the PostgreSQL and Redis sinks' own queues,
// which ship batches on their own threads: a slow or lost server never
// reaches the caller (records beyond their queues are dropped and counted).
// Every entry is a JSONL line with "function" after "source"
// (format::jsonl_with_function): the files, the table's entry column and the
// stream's entry field carry it.
// Files: logs/YYYY-MM-DD/<service>.jsonl (the logger's name, classify::by_name),
// 10 MB rotation, kept per level (retain::by_level: ERROR 30 days, WARN 14,
// INFO 7, DEBUG 1) like the table's rows (the sink's postgres.retention.*).
// Derive to change one thing:
//   struct no_redis : inkwell::presets::platform_config {
//       using sink = inkwell::sink::tee<inkwell::sink::category_files<>, inkwell::sink::postgres,
//                                       inkwell::sink::error_aggregator>;
//   };
// Not part of <inkwell/inkwell.hpp>: it links libpq and hiredis (CMake
// targets inkwell::postgres and inkwell::redis). With the single header,
// include <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include "../sink/error_aggregator.hpp"
#include "../sink/postgres.hpp"
#include "../sink/redis.hpp"

INKWELL_BEGIN_NAMESPACE
namespace presets {

struct platform_config : default_config {
    using sink = inkwell::sink::tee<inkwell::sink::category_files<>, inkwell::sink::postgres, inkwell::sink::redis,
                                    inkwell::sink::error_aggregator>;
    using classifier = inkwell::classify::by_name;
    using formatter = inkwell::format::jsonl_with_function;  // file, line and function on every entry
    using rotation = inkwell::rotate::by_size<10 * 1024 * 1024>;
    using retention = inkwell::retain::by_level<>;
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 32 * 1024 * 1024>;
    static constexpr level default_level = level::info;
};
using platform = basic_logger<platform_config>;

}  // namespace presets
INKWELL_END_NAMESPACE
