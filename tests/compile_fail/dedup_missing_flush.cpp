// expect: inkwell: the dedup policy has no `template <class F> void flush(F&&)`; see inkwell/policy/dedup.hpp
#include <inkwell/inkwell.hpp>

struct my_dedup {
    template <class F>
    void process(const inkwell::record& r, F&& forward) {
        forward(r);
    }
};

struct my_config : inkwell::default_config {
    using dedup = my_dedup;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello");
}
