#pragma once
// The retention policy: which of inkwell's old log files are deleted.
//
// A retention policy is a default-constructible class with
//   `void select(inkwell::retain::listing& files, inkwell::time_point now)`
//       marks the files it wants gone (file_info::remove = true) among
//       files.files(). It sees only inkwell's own files (the layout decides
//       which names those are, detail/log_folder.hpp), never deletes anything
//       itself, and leaves alone a file that is active or already chosen
//       (file_info::removable()). `now` is the clean-up's time.
// The policy may keep state between clean-ups (retain::by_level remembers
// the levels it read); the sink that owns it calls it from one thread.
// Policies: retain::never, retain::max_age, retain::max_files,
// retain::max_bytes, retain::by_level; retain::all_of<P...> applies several
// (a file goes when any of them says so).
//
// A sink runs a clean-up in one line, at start-up and whenever a day or a
// file rolls:
//   inkwell::retain::apply(retention_, {directory_, inkwell::retain::layout::rotated_file(name)}, now, errors_);
// apply() lists the folder, lets the policy choose, and deletes what it
// chose (safely: see detail/log_folder.hpp). Errors go to the reporter
// (which may be null); nothing is thrown.

#include <concepts>
#include <type_traits>

#include "../detail/log_folder.hpp"
#include "../errors.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class R>
concept retention = std::default_initializable<R> && requires(R& r, retain::listing& files, time_point now) {
    r.select(files, now);
};

}  // namespace policy

namespace retain {

struct never;

// Lists `folder`, lets `policy` choose, deletes the chosen files and the
// date folders left empty. Returns what it did; failures are also reported.
template <policy::retention Policy>
result apply(Policy& policy, const log_folder& folder, time_point now, error_reporter* errors) {
    if constexpr (std::is_same_v<std::remove_cv_t<Policy>, never>) {
        return {};  // keeps everything: no need to even list the folder
    } else {
        listing files = listing::scan(folder, errors);
        policy.select(files, now);
        return files.remove_chosen();
    }
}

}  // namespace retain
INKWELL_END_NAMESPACE
