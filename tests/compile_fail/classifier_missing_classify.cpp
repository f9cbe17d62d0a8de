// expect: inkwell: the classifier policy has no `std::string_view classify(const inkwell::record&)`; see inkwell/policy/classifier.hpp
#include <inkwell/inkwell.hpp>

struct my_classifier {
    int category_of(const inkwell::record&) { return 0; }
};

struct my_config : inkwell::default_config {
    using classifier = my_classifier;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello");
}
