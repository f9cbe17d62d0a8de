#pragma once
// sink::file — every record appended to one file, `<directory>/<base_name>.log`
// (the base name sanitized to one path component), never rotated.
//
// The file and its folders are created at the first record (mode
// context.file_mode, folders context.directory_mode). write() holds the line
// back; flush() hands the held lines to the kernel in one write(2) of whole
// lines (at once when they pass 64 KiB). A file that cannot be opened is
// reported to context.errors and its lines go to the stderr fallback; a
// failing write (full disk) drops and counts them, and the first write that
// works again says how many (detail::log_file). reopen() follows a file that
// logrotate moved; a flush notices by itself, at most a second later.
// Not thread-safe by itself: the logger serialises every call.

#include <string>
#include <string_view>

#include "../detail/posix_file.hpp"
#include "../detail/sanitize.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

// A class template only so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Unused = void>
class basic_file {
public:
    explicit basic_file(const sink_context& context) {
        std::string name;
        detail::sanitize_file_component(context.base_name, name);
        name += ".log";
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
        file_.set_write_threshold(detail::single_file_pending_limit);  // one file: larger writes
    }

    void write(const record& r, std::string_view line) { file_.append(line, r.time); }
    void flush() noexcept { file_.flush(); }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    const std::string& path() const noexcept { return file_.path(); }

private:
    detail::log_file file_;
};

using file = basic_file<>;

}  // namespace sink
INKWELL_END_NAMESPACE
