// libFuzzer target: the keyword classifier (classify/keyword.hpp).
//
// The input is cut (FuzzedDataProvider) into up to four categories added at
// run time with add_category (a name and a few keywords each, arbitrary
// bytes), a message, and a format string.
//
// What the header promises, checked for every input:
//   - "the category is the first rule of a keyword table whose keywords occur
//     in the message (ASCII case-insensitive substrings); without one, the
//     table's fallback", with categories added at run time "tried after the
//     table, before the fallback, in the order added", empty keywords
//     ignored: the result is compared with that rule applied the slow obvious
//     way (so it is always one of the configured names or the fallback);
//   - classify_table is the same over the table alone (empty when none);
//   - classify_literal gives an empty view or a table category, and then one
//     of that category's keywords occurs in the format string;
//   - a copy of the classifier classifies alike.
// Two tables: the default one, and one with one-byte keywords, overlapping
// keywords, empty alternatives and its own fallback.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include <inkwell/classify/keyword.hpp>

#include "fuzz_support.hpp"

namespace {

struct odd_table {
    static constexpr inkwell::classify::keyword_rule rules[] = {
        {"single", "x|Q"},
        {"overlap", "abc|ab|bcab|ABCD"},
        {"empty-alternatives", "||zz||"},
        {"bytes", "\xC3\xA9t\xC3\xA9|\x1b[|\x7f"},
        {"long", "0123456789012345678901234567890123456789"},
    };
    static constexpr std::string_view fallback = "other";
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool contains_keyword(std::string_view message_lowered, std::string_view keyword) {
    if (keyword.empty()) return false;  // empty keywords are ignored
    return message_lowered.find(lowered(keyword)) != std::string_view::npos;
}

struct added_rule {
    std::string name;
    std::vector<std::string> keywords;
};

// The table's rules, then the added ones, then the fallback: the first whose
// keywords occur. `table_only`: empty view instead of added rules + fallback.
template <class Table>
std::string_view reference(std::string_view message, const std::vector<added_rule>& added, bool table_only) {
    const std::string m = lowered(message);
    for (const auto& rule : Table::rules) {
        std::string_view patterns = rule.patterns;
        for (;;) {
            const auto bar = patterns.find('|');
            if (contains_keyword(m, patterns.substr(0, bar))) return rule.category;
            if (bar == std::string_view::npos) break;
            patterns.remove_prefix(bar + 1);
        }
    }
    if (table_only) return {};
    for (const auto& rule : added)
        for (const auto& k : rule.keywords)
            if (contains_keyword(m, k)) return rule.name;
    return inkwell::classify::keyword<Table>::fallback;
}

bool is_table_category(std::string_view category, const auto& rules) {
    for (const auto& rule : rules)
        if (rule.category == category) return true;
    return false;
}

template <class Table>
void check(const std::vector<added_rule>& added, std::string_view message, std::string_view format) {
    using classifier = inkwell::classify::keyword<Table>;
    classifier c;
    for (const auto& rule : added) c.add_category(rule.name, rule.keywords);

    const std::string_view category = c.classify_message(message);
    FUZZ_CHECK(category == reference<Table>(message, added, false));

    bool configured = category == classifier::fallback || is_table_category(category, Table::rules);
    for (const auto& rule : added) configured = configured || category == rule.name;
    FUZZ_CHECK(configured);

    FUZZ_CHECK(classifier::classify_table(message) == reference<Table>(message, added, true));

    const classifier copy(c);
    FUZZ_CHECK(copy.classify_message(message) == category);

    // The literal: a table category whose keyword is in the format text, or nothing.
    const std::string_view literal = classifier::classify_literal(format);
    if (!literal.empty()) {
        FUZZ_CHECK(is_table_category(literal, Table::rules));
        bool found = false;
        const std::string f = lowered(format);
        for (const auto& rule : Table::rules) {
            if (rule.category != literal) continue;
            std::string_view patterns = rule.patterns;
            for (;;) {
                const auto bar = patterns.find('|');
                found = found || contains_keyword(f, patterns.substr(0, bar));
                if (bar == std::string_view::npos) break;
                patterns.remove_prefix(bar + 1);
            }
        }
        FUZZ_CHECK(found);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    std::vector<added_rule> added(input.ConsumeIntegralInRange<std::size_t>(0, 4));
    for (auto& rule : added) {
        rule.name = input.ConsumeRandomLengthString(24);
        rule.keywords.resize(input.ConsumeIntegralInRange<std::size_t>(0, 4));
        for (auto& k : rule.keywords) k = input.ConsumeRandomLengthString(12);
    }
    const std::string format = input.ConsumeRandomLengthString(256);
    const std::string message = input.ConsumeRemainingBytesAsString();

    check<inkwell::classify::default_keyword_table>(added, message, format);
    check<odd_table>(added, message, format);
    return 0;
}
