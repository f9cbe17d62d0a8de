#pragma once
// The rotation policy: when a log file is moved aside, and under what name.
//
// A rotation policy is a default-constructible class (it may read its
// settings from the environment there) with
//   `bool due(const inkwell::rotate::file_state& f, inkwell::time_point record_time,
//             std::size_t incoming_bytes)`
//       asked before each record goes to the file: true when `f` must be
//       rotated before the record's `incoming_bytes` are added to it;
//   `inkwell::rotate::outcome rotate(const inkwell::rotate::file_state& f)`
//       moves the active file to a backup name (and removes backups beyond
//       the policy's count); called with every earlier line already in the
//       file. `outcome::moved` tells the sink to start a new file; when it is
//       false the sink keeps writing to the current one, so no record is lost.
//       `outcome::backup` names the new backup (the sink hands it to its
//       compression policy). Errors are returned, never thrown; the sink
//       reports them. Backups may be compressed (app.log.1.gz, see
//       compressed_extensions): a policy that renames or deletes backups
//       treats every form of a backup alike.
// A file sink that takes a rotation policy (sink::rotating_file,
// sink::category_files) keeps one policy object and asks it about each of its
// files; per-file facts live in file_state, so a policy needs no per-file state.
// Policies: rotate::never, rotate::by_size, rotate::daily, rotate::from_env.
//
// Backup names are `backup_prefix + tag + backup_suffix` in the file's folder,
// the tag being what the policy chooses ("1", "20250914"); e.g. app.log →
// app.log.1 (prefix "app.log.", suffix ""), engine.jsonl → engine+1.jsonl.

#include "../detail/chrono.hpp"
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../detail/system.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace rotate {

// One file as the rotation policy sees it.
struct file_state {
    std::string_view directory;      // the folder of the file and of its backups
    std::string_view name;           // the active file's name: "app.log"
    std::string_view backup_prefix;  // a backup is named backup_prefix + tag + backup_suffix
    std::string_view backup_suffix;
    std::uint64_t size = 0;          // bytes in the file, counting lines not yet flushed
    // When the file's first record was written (for a file found non-empty at
    // open: its last modification time); time_point{} while the file is empty.
    time_point first_record{};

    std::string active_path() const {
        std::string p;
        p.reserve(directory.size() + 1 + name.size());
        p.append(directory).append("/").append(name);
        return p;
    }
    std::string backup_path(std::string_view tag) const {
        std::string p;
        p.reserve(directory.size() + 1 + backup_prefix.size() + tag.size() + backup_suffix.size());
        p.append(directory).append("/").append(backup_prefix).append(tag).append(backup_suffix);
        return p;
    }
};

// What rotate() did.
struct outcome {
    bool moved = false;       // the active file has its backup name now: the sink starts a new one
    int error = 0;            // errno of the first failure, 0 when none
    const char* what = "";    // which step failed, for the error report
    std::string backup{};     // when moved: the backup's path (what a compression policy compresses);
                              // a policy may leave it empty, and its backups are then not compressed
};

// What a compression policy adds to a finished file's name. A backup exists
// in any of these forms too (app.log.1.gz): rotation that renames or deletes
// backups handles every form, so a compressed backup counts like a plain one.
inline constexpr std::string_view compressed_extensions[] = {".gz", ".zst"};

// Reads a non-negative whole number from an environment variable; `fallback`
// when it is unset or not a plain number (a typo must not turn rotation off).
inline std::uint64_t env_number(const char* name, std::uint64_t fallback, std::uint64_t max) noexcept {
    std::string_view text = detail::env(name);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return fallback;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return fallback;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
        if (value > max) return fallback;
    }
    return value;
}

// INKWELL_LOG_MAX_SIZE_MB (MiB; 0 = no size limit), else `fallback` bytes.
inline std::uint64_t max_bytes_from_env(std::uint64_t fallback) noexcept {
    constexpr std::uint64_t mib = 1024 * 1024;
    std::uint64_t megabytes = env_number("INKWELL_LOG_MAX_SIZE_MB", UINT64_MAX, std::uint64_t{1} << 30);
    return megabytes == UINT64_MAX ? fallback : megabytes * mib;
}

// INKWELL_LOG_BACKUP_COUNT, else `fallback`.
inline unsigned backup_count_from_env(unsigned fallback) noexcept {
    return static_cast<unsigned>(env_number("INKWELL_LOG_BACKUP_COUNT", fallback, 100000));
}

}  // namespace rotate

namespace policy {

template <class R>
concept rotation_decides = requires(R& r, const rotate::file_state& f, time_point t, std::size_t n) {
    { r.due(f, t, n) } -> std::convertible_to<bool>;
};

template <class R>
concept rotation_rotates = requires(R& r, const rotate::file_state& f) {
    { r.rotate(f) } -> std::same_as<rotate::outcome>;
};

template <class R>
concept rotation = std::default_initializable<R> && rotation_decides<R> && rotation_rotates<R>;

}  // namespace policy
INKWELL_END_NAMESPACE
