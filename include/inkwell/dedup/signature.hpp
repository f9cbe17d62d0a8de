#pragma once
// dedup::signature<Seconds, MaxIdentities> — dedup::time_window, but two
// messages are "the same" when they differ only in the variable parts:
// numbers, UUIDs, hex ids, e-mail addresses, URLs, IP addresses and ISO
// timestamps (detail/generalize.hpp lists exactly what is replaced). So
// "user 42 failed" and "user 97 failed" are one message; the first one is
// written, the others are counted.
//
//   struct my_config : inkwell::presets::session_file_config {
//       using dedup = inkwell::dedup::signature<30>;
//   };
//
// The summary is time_window's, plus a field `signature` with the
// generalized message ("user <num> failed", at most 256 bytes), and its
// message says "(similar messages repeated N times)" when the suppressed
// messages were not all identical to the written one.
//
// Generalizing costs a scan of the message (the first 4 KiB of it; the rest
// counts as it is) on the writer thread, without allocating.
// dedup::generalized(message) shows what a message becomes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../detail/generalize.hpp"
#include "../record.hpp"
#include "../version.hpp"
#include "time_window.hpp"

INKWELL_BEGIN_NAMESPACE
namespace dedup {

// The identity of dedup::signature: level, category and the generalized message.
class generalized_identity {
public:
    static constexpr bool generalizes = true;
    static constexpr std::size_t max_signature_bytes = 256;

    std::uint64_t key(const record& r) noexcept {
        detail::identity_hash h;
        h.add_number(static_cast<std::uint64_t>(r.severity));
        h.add_number(r.category.size());
        h.add(r.category);
        signature_size_ = 0;
        signature_cut_ = false;
        detail::generalize(r.message, [&](std::string_view piece) {
            h.add(piece);
            keep(piece);
        });
        return h.finish();
    }
    // The generalized text of the record last given to key(), cut to max_signature_bytes.
    std::string_view signature() const noexcept { return {signature_, signature_size_}; }

private:
    void keep(std::string_view piece) noexcept {
        if (signature_cut_) return;
        const std::size_t room = max_signature_bytes - signature_size_;
        if (piece.size() > room) {
            piece = detail::utf8_prefix(piece, room);
            signature_cut_ = true;
        }
        for (char c : piece) signature_[signature_size_++] = c;
    }

    char signature_[max_signature_bytes];
    std::size_t signature_size_ = 0;
    bool signature_cut_ = false;
};

// Level, category and the generalized message must match. See the top of this file.
template <std::uint32_t WindowSeconds = 30, std::size_t MaxIdentities = 1024>
class signature : public basic_window<generalized_identity, WindowSeconds, MaxIdentities> {};

// What dedup::signature compares: the message with its variable parts replaced.
inline std::string generalized(std::string_view message) { return detail::generalized(message); }

}  // namespace dedup
INKWELL_END_NAMESPACE
