#pragma once
// inkwell::install_crash_handler — opt-in: on SIGSEGV, SIGABRT, SIGBUS,
// SIGFPE, SIGILL and std::terminate, the records async loggers have queued
// reach the disk before the process dies, and it still dies the way it
// would have (same signal, so the same exit status and core dump).
//
//   int main() {
//       inkwell::install_crash_handler();          // once, early, from main
//       inkwell::presets::jsonl_per_category log;
//       ...
//   }
//
// What happens on a crash:
//  1. The first thread in (an atomic flag) asks the async writer thread to
//     deliver every queued entry and flush every backend (dedup windows,
//     lines a sink holds) and waits for it, at most options.drain_deadline
//     (2 s by default). A second thread that crashes meanwhile waits for the
//     first to end the process (at most the deadline plus 1 s, then it goes
//     on by itself); the same thread coming back (std::terminate -> abort ->
//     SIGABRT, or a fault in a chained handler) goes straight to step 2.
//  2. The disposition that was there before install_crash_handler() is put
//     back. If it was a handler function, it is called (chaining: another
//     crash reporter still sees the signal); if it returns, or there was
//     none, the signal's default action is set and the signal raised again.
//     It is delivered as the handler returns: the process ends with that
//     signal (WIFSIGNALED, WTERMSIG, a core dump where enabled). SIG_IGN
//     counts as the default: a crash cannot be ignored.
//     std::terminate: after step 1 the previous terminate handler runs (the
//     default one prints the exception and calls abort()), else abort().
//
// Async-signal safety. The handler path calls only async-signal-safe
// functions: lock-free std::atomic operations, clock_gettime, nanosleep,
// write (the one-line note on stderr), sigaction and raise. It allocates
// nothing and takes no lock: the crashed thread may hold any lock (malloc's,
// a ring's, a sink's) and may have been stopped in the middle of changing
// any structure. So the handler does not drain the queues itself: the
// writer thread, an ordinary thread that was running anyway, does the work
// with its ordinary code (locks, allocation, the sinks' own write paths),
// and the handler only signals it (an atomic ticket) and waits, polling an
// atomic with 0.2 ms sleeps. That is safe because the writer thread is not
// interrupted: if it needs a lock that the crashed thread holds (the crash
// hit inside flush()/with_sink(), or inside malloc with an arena the writer
// shares), it blocks, the deadline passes, and the process ends as it would
// have without inkwell, losing what was queued. Draining on the crashed
// thread with pre-sized buffers was the alternative: it would have to take
// the same sink locks on a thread that may already hold them, and format
// records without the formatter's allocating paths; it was not chosen.
// No alarm(2) is used: the deadline is measured with CLOCK_MONOTONIC, which
// leaves the program's own alarms alone and cannot turn the exit status
// into SIGALRM.
//
// Limits (docs/guarantees.md):
//  - loggers with buffer::async: drained. buffer::immediate has written each
//    record before the call returned (a sink that holds lines, such as
//    category_files between commits, keeps them: lost). buffer::batched: its
//    pending batch is lost.
//  - a crash on the writer thread itself (a sink's bug) cannot wait for the
//    writer: what it has not yet written is lost.
//  - the record whose call crashed (half copied into the queue) is lost.
//  - stack overflow: only the thread that called install_crash_handler()
//    gets an alternate signal stack (options.alternate_stack); a stack
//    overflow on another thread ends the process without the drain.
//  - a previous handler that does not return (longjmp, _exit) decides the
//    exit status itself.
//  - a handler installed for these signals after install_crash_handler()
//    replaces it; install inkwell's last, or chain to it yourself.

#ifndef INKWELL_VERSION_MAJOR
#include "inkwell.hpp"
#endif

#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <exception>

INKWELL_BEGIN_NAMESPACE

struct crash_options {
    // How long the crashing thread waits for the queues to reach the disk.
    std::chrono::milliseconds drain_deadline{2000};
    // Also drain on std::terminate (an exception escaping a noexcept
    // function or a thread, a joinable std::thread destroyed, ...).
    bool handle_terminate = true;
    // An alternate signal stack (64 KiB) for the calling thread, so that a
    // stack overflow there still reaches the handler.
    bool alternate_stack = true;
    // One line on stderr: which signal, whether the queues were drained.
    bool note_on_stderr = true;
};

namespace detail {
namespace crash {

inline constexpr int signals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
inline constexpr std::size_t signal_count = sizeof signals / sizeof signals[0];
inline constexpr std::size_t alternate_stack_bytes = 64 * 1024;

struct state_t {
    struct sigaction previous[signal_count];
    std::terminate_handler previous_terminate = nullptr;
    long deadline_ms = 2000;
    bool note = true;
    bool terminate_installed = false;
    std::atomic<bool> installed{false};
    std::atomic<int> owner{0};  // 1 once a thread handles a crash
};
inline state_t state{};

#if defined(__GNUC__) || defined(__clang__)
inline constinit thread_local bool in_handler __attribute__((tls_model("initial-exec"))) = false;
#else
inline constinit thread_local bool in_handler = false;
#endif

inline void write_text(char* buffer, std::size_t& used, std::size_t size, const char* text) noexcept {
    while (*text && used < size) buffer[used++] = *text++;
}
inline void write_number(char* buffer, std::size_t& used, std::size_t size, long n) noexcept {
    char digits[24];
    std::size_t count = 0;
    unsigned long v = n < 0 ? 0UL - static_cast<unsigned long>(n) : static_cast<unsigned long>(n);
    do {
        digits[count++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0 && count < sizeof digits);
    if (n < 0 && used < size) buffer[used++] = '-';
    while (count > 0 && used < size) buffer[used++] = digits[--count];
}

// "inkwell: signal 11: log queues drained" (async-signal-safe: write(2) of a stack buffer).
inline void note(int sig, bool terminate, bool drained) noexcept {
    if (!state.note) return;
    char line[160];
    std::size_t used = 0;
    write_text(line, used, sizeof line, "inkwell: ");
    if (terminate) {
        write_text(line, used, sizeof line, "std::terminate");
    } else {
        write_text(line, used, sizeof line, "fatal signal ");
        write_number(line, used, sizeof line, sig);
    }
    write_text(line, used, sizeof line,
               drained ? ": log queues drained\n" : ": drain deadline passed, queued records may be lost\n");
    const int saved = errno;
    (void)!::write(STDERR_FILENO, line, used);
    errno = saved;
}

inline long elapsed_ms(const timespec& since) noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long>(now.tv_sec - since.tv_sec) * 1000 + static_cast<long>(now.tv_nsec - since.tv_nsec) / 1'000'000;
}

// Step 1 (see the top of the file). Async-signal-safe.
inline void enter(int sig, bool terminate) noexcept {
    if (in_handler) return;  // this thread again: straight on to the previous handler
    in_handler = true;
    int expected = 0;
    if (state.owner.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
        const bool drained = request_crash_drain(state.deadline_ms);
        note(sig, terminate, drained);
        return;
    }
    // Another thread crashed first and drains: it ends the process.
    timespec start{};
    ::clock_gettime(CLOCK_MONOTONIC, &start);
    while (elapsed_ms(start) < state.deadline_ms + 1000) {
        timespec step{0, 1'000'000};
        ::nanosleep(&step, nullptr);
    }
}

inline std::size_t index_of(int sig) noexcept {
    for (std::size_t i = 0; i < signal_count; ++i)
        if (signals[i] == sig) return i;
    return signal_count;
}

inline void set_default(int sig) noexcept {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    (void)::sigaction(sig, &dfl, nullptr);
}

// Step 2. Async-signal-safe.
inline void chain_and_raise(int sig, siginfo_t* info, void* context) noexcept {
    const std::size_t i = index_of(sig);
    if (i < signal_count) {
        const struct sigaction& previous = state.previous[i];
        (void)::sigaction(sig, &previous, nullptr);
        if (previous.sa_flags & SA_SIGINFO) {
            if (previous.sa_sigaction) previous.sa_sigaction(sig, info, context);
        } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
            previous.sa_handler(sig);
        }
    }
    // No previous handler, or it returned: the default action ends the process
    // with this signal once this handler returns (the signal is blocked until then).
    set_default(sig);
    (void)::raise(sig);
}

inline void on_signal(int sig, siginfo_t* info, void* context) noexcept {
    const int saved = errno;
    enter(sig, false);
    chain_and_raise(sig, info, context);
    errno = saved;
}

[[noreturn]] inline void on_terminate() noexcept {
    enter(SIGABRT, true);
    const std::terminate_handler previous = state.previous_terminate;
    if (previous && previous != &on_terminate) previous();  // the default one prints, then abort()s
    std::abort();  // SIGABRT: our handler, this thread again, goes straight on to re-raise
}

inline void give_alternate_stack() noexcept {
    stack_t current{};
    if (::sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // one is set
    void* memory = ::mmap(nullptr, alternate_stack_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    stack_t stack{};
    stack.ss_sp = memory;
    stack.ss_size = alternate_stack_bytes;
    stack.ss_flags = 0;
    if (::sigaltstack(&stack, nullptr) != 0) ::munmap(memory, alternate_stack_bytes);
    // Otherwise kept for the life of the process (a signal may use it at any time).
}

}  // namespace crash
}  // namespace detail

// Installs the crash handler (see the top of this file). Call it once, from
// one thread, before the threads that may crash are started. Returns false
// when it was already installed or sigaction failed (then nothing changed).
inline bool install_crash_handler(const crash_options& options = {}) noexcept {
    namespace c = detail::crash;
    if (c::state.installed.exchange(true)) return false;
    const long ms = static_cast<long>(options.drain_deadline.count());
    c::state.deadline_ms = ms < 0 ? 0 : ms;
    c::state.note = options.note_on_stderr;
    c::state.owner.store(0);
    if (options.alternate_stack) c::give_alternate_stack();
    struct sigaction action {};
    action.sa_sigaction = &c::on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    for (std::size_t i = 0; i < c::signal_count; ++i) {
        if (::sigaction(c::signals[i], &action, &c::state.previous[i]) != 0) {
            while (i-- > 0) (void)::sigaction(c::signals[i], &c::state.previous[i], nullptr);
            c::state.installed.store(false);
            return false;
        }
    }
    c::state.terminate_installed = options.handle_terminate;
    if (options.handle_terminate) c::state.previous_terminate = std::set_terminate(&c::on_terminate);
    return true;
}

// Puts back what install_crash_handler() replaced (not from a signal handler).
inline void uninstall_crash_handler() noexcept {
    namespace c = detail::crash;
    if (!c::state.installed.load()) return;
    for (std::size_t i = 0; i < c::signal_count; ++i) (void)::sigaction(c::signals[i], &c::state.previous[i], nullptr);
    if (c::state.terminate_installed) {
        std::set_terminate(c::state.previous_terminate);
        c::state.terminate_installed = false;
    }
    c::state.installed.store(false);
}

inline bool crash_handler_installed() noexcept { return detail::crash::state.installed.load(); }

// Asks the async writer to put everything queued on disk, and waits at most
// `deadline`; async-signal-safe, for a signal handler of your own (SIGTERM,
// ...) that then ends the process. True when it drained (or nothing was
// queued); false past the deadline or when called on the writer thread.
inline bool drain_for_crash(std::chrono::milliseconds deadline) noexcept {
    return detail::request_crash_drain(static_cast<long>(deadline.count()));
}

INKWELL_END_NAMESPACE
