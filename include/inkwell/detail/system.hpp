#pragma once
// Small system facts the logger needs: the thread id, random bytes for
// UUIDs, and environment look-ups.

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>

#include <pthread.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline std::uint32_t& thread_id_cache() noexcept {
    thread_local std::uint32_t id = 0;  // 0: not looked up yet (no thread has id 0)
    return id;
}

// After fork() the child's forking thread has a new kernel id: forget the
// parent's (the other threads do not exist in the child).
inline void forget_thread_id_after_fork() noexcept { thread_id_cache() = 0; }

// The kernel's id of the calling thread, looked up once per thread (and once
// more in a forked child).
inline std::uint32_t current_thread_id() noexcept {
    std::uint32_t& id = thread_id_cache();
    if (id == 0) [[unlikely]] {
        static const bool registered = (::pthread_atfork(nullptr, nullptr, &forget_thread_id_after_fork), true);
        (void)registered;
        id = static_cast<std::uint32_t>(::syscall(SYS_gettid));
    }
    return id;
}

// Fills `out` with random bytes: getrandom(2), and if that is unavailable a
// mix of time, pid and address bits (unique enough for a session id).
inline void random_bytes(unsigned char* out, std::size_t size) noexcept {
    std::size_t got = 0;
    while (got < size) {
        auto n = ::getrandom(out + got, size - got, GRND_NONBLOCK);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got == size) return;
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    std::uint64_t x = static_cast<std::uint64_t>(ts.tv_nsec) ^ (static_cast<std::uint64_t>(ts.tv_sec) << 20) ^
                      (static_cast<std::uint64_t>(::getpid()) << 40) ^ reinterpret_cast<std::uintptr_t>(out);
    for (std::size_t i = got; i < size; ++i) {
        x ^= x << 13;  // xorshift: spreads the few bits of entropy over every byte
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = static_cast<unsigned char>(x >> 32);
    }
}

// A random (version 4) UUID in its 36-character text form.
inline std::string make_uuid_v4() {
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(hex[b[i] >> 4]);
        s.push_back(hex[b[i] & 0x0F]);
    }
    return s;
}

// The value of an environment variable, or an empty view.
// The program's name without its folders ("" where the C library does not say).
inline std::string_view program_name() noexcept {
#if defined(__GLIBC__)
    return program_invocation_short_name ? program_invocation_short_name : "";
#else
    return {};
#endif
}

inline std::string_view env(const char* name) noexcept {
    const char* v = std::getenv(name);
    return v ? std::string_view{v} : std::string_view{};
}

}  // namespace detail
INKWELL_END_NAMESPACE
