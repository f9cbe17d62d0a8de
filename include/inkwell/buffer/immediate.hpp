#pragma once
// buffer::immediate — each record is formatted and handed to the kernel on the
// calling thread before the call returns. A mutex serialises threads, so lines
// from different threads never interleave.

#include <mutex>

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace buffer {

struct immediate {
    template <class Backend>
    class engine {
    public:
        explicit engine(Backend& backend) : backend_(backend) {}

        void submit(const record& r) {
            std::lock_guard lock(mutex_);
            backend_.process(r);
            backend_.commit();
        }
        void flush() {
            std::lock_guard lock(mutex_);
            backend_.flush();
        }
        void stop() { flush(); }

        template <class F>
        decltype(auto) exclusive(F&& f) {
            std::lock_guard lock(mutex_);
            return f(backend_);
        }

    private:
        Backend& backend_;
        std::mutex mutex_;
    };
};

}  // namespace buffer
INKWELL_END_NAMESPACE
