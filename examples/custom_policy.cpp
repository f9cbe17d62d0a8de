// custom_policy — a logger built from policies written here: a sink that
// keeps the last lines in memory, a classifier that decides at compile time
// when it can, a short one-line formatter and a dedup policy that collapses
// repeats. Each satisfies a concept of include/inkwell/policy/.
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ and README.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

// [docs:sink]
// Keeps the last Capacity lines in memory, e.g. to attach to a crash report.
template <std::size_t Capacity>
class last_lines {
public:
    explicit last_lines(const inkwell::sink_context&) {}

    // `line` is one whole record ending in '\n'; its view dies when write returns.
    void write(const inkwell::record&, std::string_view line) {
        lines_[written_ % Capacity].assign(line);
        ++written_;
    }
    void flush() {}  // nothing is held back for the kernel

    std::vector<std::string> snapshot() const {  // oldest first
        std::vector<std::string> out;
        const std::size_t first = written_ > Capacity ? written_ - Capacity : 0;
        for (std::size_t i = first; i < written_; ++i) out.push_back(lines_[i % Capacity]);
        return out;
    }

private:
    std::array<std::string, Capacity> lines_{};
    std::size_t written_ = 0;
};
// [docs:end]

// [docs:classifier]
// Records about money go to "billing", the others to "general".
struct billing_or_general {
    static constexpr bool mentions_money(std::string_view text) {
        return text.find("invoice") != std::string_view::npos || text.find("payment") != std::string_view::npos;
    }

    // Run time: the formatted message. The view returned must outlive the
    // classifier; string literals do.
    std::string_view classify(const inkwell::record& r) const {
        return mentions_money(r.message) ? "billing" : "general";
    }

    // Optional. Compile time: the literal format string of a macro call site;
    // an empty view leaves the decision to classify().
    static constexpr std::string_view classify_literal(std::string_view format) {
        return mentions_money(format) ? "billing" : std::string_view{};
    }
};
// [docs:end]

// [docs:formatter]
// "WARNING billing: message", with control characters shown as '?': a
// formatter must append exactly one line, ending in '\n'.
struct short_line {
    void format(const inkwell::record& r, inkwell::detail::line_buffer& out) const {
        append(out, inkwell::level_label(r.severity));
        out.push_back(' ');
        append(out, r.category);
        append(out, ": ");
        append(out, r.message);
        out.push_back('\n');
    }

private:
    static void append(inkwell::detail::line_buffer& out, std::string_view text) {
        for (char c : text) out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    }
};
// [docs:end]

// [docs:dedup]
// Collapses a run of identical messages into the first one and a summary.
class collapse_repeats {
public:
    template <class Forward>
    void process(const inkwell::record& r, Forward&& forward) {
        if (repeats_ != no_run && r.message == last_.view().message && r.severity == last_.view().severity) {
            ++repeats_;
            return;
        }
        flush(forward);
        last_ = inkwell::owned_record(r);  // r's views die when process returns: keep a copy
        repeats_ = 0;
        forward(r);
    }

    // Called on logger.flush() and at shutdown, and above before a new message.
    template <class Forward>
    void flush(Forward&& forward) {
        if (repeats_ == no_run || repeats_ == 0) return;
        const std::string text = "the previous message repeated " + std::to_string(repeats_) + " more times";
        inkwell::record summary = last_.view();
        summary.message = text;
        summary.fields = {};
        forward(summary);
        repeats_ = 0;
    }

private:
    static constexpr std::size_t no_run = static_cast<std::size_t>(-1);
    inkwell::owned_record last_;
    std::size_t repeats_ = no_run;
};
// [docs:end]

// [docs:config]
struct my_config : inkwell::default_config {
    using sink = last_lines<8>;
    using classifier = billing_or_general;
    using formatter = short_line;
    using dedup = collapse_repeats;
};
using my_logger = inkwell::basic_logger<my_config>;

// The classifier decided these call sites' categories while compiling.
static_assert(inkwell::static_category<my_logger>("payment {} received") == "billing");
static_assert(inkwell::static_category<my_logger>("{}").empty());  // only the message can tell
// [docs:end]

int main() {
    // [docs:use]
    my_logger log;
    INKWELL_INFO(log, "payment {} received", 1017);
    INKWELL_INFO(log, "{}", std::string("invoice 88 sent"));  // classified at run time: billing
    for (int i = 0; i < 3; ++i) INKWELL_WARN(log, "cache miss");
    INKWELL_INFO(log, "shutting down");

    // Read the sink while no record is being written.
    const auto lines = log.with_sink([](auto& sink) { return sink.snapshot(); });
    // [docs:end]

    const std::vector<std::string> expected = {
        "INFO billing: payment 1017 received\n",
        "INFO billing: invoice 88 sent\n",
        "WARNING general: cache miss\n",
        "WARNING general: the previous message repeated 2 more times\n",
        "INFO general: shutting down\n",
    };
    for (const auto& line : lines) std::fputs(line.c_str(), stdout);
    return lines == expected ? 0 : 1;
}
