#pragma once
// inkwell — the umbrella header: everything in the core. The generated
// single_include/inkwell.hpp is this header with every include inlined.
// Optional pieces that link other libraries (database sinks) are not here.

#include "version.hpp"
#include "fwd.hpp"
#include "level.hpp"
#include "record.hpp"
#include "context.hpp"
#include "errors.hpp"

#include "policy/buffer.hpp"
#include "policy/check.hpp"
#include "policy/classifier.hpp"
#include "policy/clock.hpp"
#include "policy/compression.hpp"
#include "policy/dedup.hpp"
#include "policy/retention.hpp"
#include "policy/formatter.hpp"
#include "policy/rotation.hpp"
#include "policy/sink.hpp"

#include "buffer/async.hpp"
#include "buffer/batched.hpp"
#include "buffer/immediate.hpp"

#include "classify/by_level.hpp"
#include "classify/by_name.hpp"
#include "classify/fixed.hpp"
#include "classify/keyword.hpp"

#include "clock/manual.hpp"
#include "clock/system.hpp"

#include "compress/none.hpp"
#include "detail/compressor.hpp"

#include "dedup/none.hpp"
#include "dedup/signature.hpp"
#include "dedup/time_window.hpp"

#include "format/console.hpp"
#include "format/jsonl.hpp"
#include "format/text.hpp"

#include "rotate/by_size.hpp"
#include "rotate/daily.hpp"
#include "rotate/from_env.hpp"
#include "rotate/never.hpp"

#include "retain/all_of.hpp"
#include "retain/by_level.hpp"
#include "retain/max_age.hpp"
#include "retain/max_bytes.hpp"
#include "retain/max_files.hpp"
#include "retain/never.hpp"

#include "sink/callback.hpp"
#include "sink/category_files.hpp"
#include "sink/console.hpp"
#include "sink/file.hpp"
#include "sink/fixed_rotation.hpp"
#include "sink/level_filter.hpp"
#include "sink/live.hpp"
#include "sink/null.hpp"
#include "sink/recent.hpp"
#include "sink/rotating_file.hpp"
#include "sink/session_file.hpp"
#include "sink/tee.hpp"

#include "config.hpp"
#include "logger.hpp"
#include "macros.hpp"
#include "presets.hpp"
