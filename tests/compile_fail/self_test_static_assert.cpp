// expect: inkwell compile-fail self-test: this static_assert must fire
// The runner's own test: a snippet that fails with a known message proves that
// the compile-fail machinery compiles snippets, sees failures and reads the
// compiler's message. The real snippets (custom policies missing a member)
// live next to this file.
#if __has_include(<inkwell/inkwell.hpp>)
#include <inkwell/inkwell.hpp>
#endif

template <typename T>
struct always_rejected {
    static_assert(sizeof(T) == 0, "inkwell compile-fail self-test: this static_assert must fire");
};

int main() {
    always_rejected<int> rejected;
    (void)rejected;
}
