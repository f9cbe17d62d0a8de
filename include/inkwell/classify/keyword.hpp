#pragma once
// classify::keyword<Table>: the category is the first rule of a keyword table
// whose keywords occur in the message (ASCII case-insensitive substrings);
// without one, the table's fallback ("general").
//
// The default table is the category table of jsonl-per-category-storage.md:
// each of its patterns (`/GameEngine|engineState|gameSession/i`) is an
// alternation of literal words, so a rule here is the same alternation as a
// string, "GameEngine|engineState|gameSession", matched the way the regex
// matches: anywhere in the message, ignoring case ("UI" also matches "build").
//
// A table is any type with a constexpr `rules` array of {category, patterns}
// and, optionally, a `fallback`:
//
//   struct my_table {
//       static constexpr inkwell::classify::keyword_rule rules[] = {
//           {"net", "socket|connect"}, {"db", "query|sql"}};
//       static constexpr std::string_view fallback = "other";
//   };
//   using my_classifier = inkwell::classify::keyword<my_table>;
//
// When the format string is a literal, classify_literal() decides at compile
// time from the literal's own text (placeholders skipped); the arguments then
// never change that call site's category. When the literal matches no rule, the
// formatted message is classified at run time, where categories added with
// add_category() are tried after the table and before the fallback.

#include <array>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <forward_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace classify {

struct keyword_rule {
    std::string_view category;
    std::string_view patterns;  // alternatives separated by '|'; empty alternatives are ignored
};

// jsonl-per-category-storage.md, "Category Patterns", in its order.
struct default_keyword_table {
    static constexpr keyword_rule rules[] = {
        {"engine", "GameEngine|engineState|gameSession"},
        {"ui", "UI|Renderer|domUI|display"},
        {"ecs", "Entity|Component|System|entityManager"},
        {"ai", "AI|LLM|notes|thoughts|memory"},
        {"persistence", "Save|Load|persist|storage"},
        {"anatomy", "anatomy|body|part|descriptor"},
        {"actions", "action|target|resolution"},
        {"turns", "turn|round|cycle"},
        {"events", "event|dispatch|listener"},
        {"validation", "validate|schema|ajv"},
    };
    static constexpr std::string_view fallback = "general";
};

template <class T>
concept keyword_table = requires {
    { T::rules[0].category } -> std::convertible_to<std::string_view>;
    { T::rules[0].patterns } -> std::convertible_to<std::string_view>;
};

namespace keyword_detail {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr std::uint32_t no_match = UINT32_MAX;

// One lower-cased keyword inside an index's text, and the rule it belongs to.
struct keyword_ref {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t category = 0;
};

// Which positions can start a keyword: a 1024-bit set of the keywords' first
// two bytes (hashed; no two pairs of letters share a bit) and a 256-bit set
// of the one-byte keywords. Most positions of a message fail both tests, so
// the scan costs about two loads per byte.
struct start_filter {
    std::array<std::uint64_t, 16> pairs{};
    std::array<std::uint64_t, 4> single_bytes{};

    static constexpr unsigned pair_slot(unsigned char first, unsigned char second) noexcept {
        return (first * 31u + second) & 1023u;
    }
    constexpr void add(std::string_view lowered) noexcept {
        auto first = static_cast<unsigned char>(lowered[0]);
        if (lowered.size() == 1) {
            single_bytes[first >> 6] |= std::uint64_t{1} << (first & 63u);
        } else {
            unsigned slot = pair_slot(first, static_cast<unsigned char>(lowered[1]));
            pairs[slot >> 6] |= std::uint64_t{1} << (slot & 63u);
        }
    }
    constexpr bool may_start(unsigned char first, bool has_second, unsigned char second) const noexcept {
        if ((single_bytes[first >> 6] >> (first & 63u)) & 1u) return true;
        if (!has_second) return false;
        unsigned slot = pair_slot(first, second);
        return (pairs[slot >> 6] >> (slot & 63u)) & 1u;
    }
};

// An index: keywords grouped by their first (lower-cased) byte, each group in
// rule order, so a scan looks only at keywords that can start at a position.
struct index_view {
    std::string_view text;                      // every keyword, lower-cased, back to back
    const keyword_ref* keywords = nullptr;
    const std::uint32_t* bucket_begin = nullptr;  // 257 entries: byte b owns [bucket_begin[b], bucket_begin[b + 1])
    const start_filter* filter = nullptr;
};

// The lowest rule number below `below` with a keyword in `text`, or `below`.
// One pass over the text, no allocation; usable at compile time.
constexpr std::uint32_t first_match(std::string_view text, const index_view& index,
                                    std::uint32_t below = no_match) noexcept {
    std::uint32_t best = below;
    if (text.empty()) return best;
    auto next = static_cast<unsigned char>(ascii_lower(text[0]));
    for (std::size_t at = 0; at < text.size(); ++at) {
        const unsigned char byte = next;
        const bool has_next = at + 1 < text.size();
        if (has_next) next = static_cast<unsigned char>(ascii_lower(text[at + 1]));
        if (!index.filter->may_start(byte, has_next, next)) continue;
        for (std::uint32_t k = index.bucket_begin[byte]; k < index.bucket_begin[byte + 1]; ++k) {
            const keyword_ref& kw = index.keywords[k];
            if (kw.category >= best) break;  // the rest of the group comes later in the table
            if (kw.length > text.size() - at) continue;
            std::size_t i = 1;  // the first byte matched by choice of group
            while (i < kw.length && ascii_lower(text[at + i]) == index.text[kw.offset + i]) ++i;
            if (i == kw.length) {
                best = kw.category;
                if (best == 0) return 0;
                break;
            }
        }
    }
    return best;
}

template <class F>
constexpr void for_each_alternative(std::string_view patterns, F&& f) {
    while (true) {
        auto bar = patterns.find('|');
        auto word = patterns.substr(0, bar);
        if (!word.empty()) f(word);
        if (bar == std::string_view::npos) return;
        patterns.remove_prefix(bar + 1);
    }
}

// The pieces of a {fmt} format string that appear verbatim in every message
// made from it: text between replacement fields. An escaped brace ends a piece
// too, so no piece ever joins text that is not adjacent in the message.
template <class F>
constexpr void for_each_literal_piece(std::string_view format, F&& f) {
    std::size_t start = 0, at = 0;
    while (at < format.size()) {
        char c = format[at];
        if (c != '{' && c != '}') {
            ++at;
            continue;
        }
        if (at > start) f(format.substr(start, at - start));
        bool escaped = at + 1 < format.size() && format[at + 1] == c;
        if (escaped || c == '}') {
            at += escaped ? 2 : 1;
        } else {  // a replacement field; its spec may nest one level: "{:{}}"
            int depth = 0;
            do {
                if (format[at] == '{') ++depth;
                else if (format[at] == '}') --depth;
                ++at;
            } while (depth > 0 && at < format.size());
        }
        start = at;
    }
    if (at > start) f(format.substr(start, at - start));
}

template <std::size_t Keywords, std::size_t Chars>
struct static_index {
    std::array<char, Chars> text{};
    std::array<keyword_ref, Keywords> keywords{};
    std::array<std::uint32_t, 257> bucket_begin{};
    start_filter filter{};

    constexpr index_view view() const noexcept {
        return {std::string_view{text.data(), Chars}, keywords.data(), bucket_begin.data(), &filter};
    }
};

template <class Table>
constexpr std::size_t keyword_count() {
    std::size_t n = 0;
    for (const auto& rule : Table::rules) for_each_alternative(rule.patterns, [&](std::string_view) { ++n; });
    return n;
}

template <class Table>
constexpr std::size_t keyword_chars() {
    std::size_t n = 0;
    for (const auto& rule : Table::rules)
        for_each_alternative(rule.patterns, [&](std::string_view w) { n += w.size(); });
    return n;
}

// Groups keywords by first byte (a counting sort that keeps rule order inside
// each group) and fills the start filter.
template <class KeywordList, class Counts>
constexpr void group_by_first_byte(std::string_view text, const KeywordList& in, std::size_t count,
                                   keyword_ref* out, Counts& bucket_begin, start_filter& filter) {
    for (std::size_t k = 0; k < count; ++k) filter.add(text.substr(in[k].offset, in[k].length));
    for (auto& b : bucket_begin) b = 0;
    for (std::size_t k = 0; k < count; ++k) ++bucket_begin[static_cast<unsigned char>(text[in[k].offset]) + 1];
    for (std::size_t b = 1; b < 257; ++b) bucket_begin[b] += bucket_begin[b - 1];
    std::array<std::uint32_t, 256> next{};
    for (std::size_t b = 0; b < 256; ++b) next[b] = bucket_begin[b];
    for (std::size_t k = 0; k < count; ++k) out[next[static_cast<unsigned char>(text[in[k].offset])]++] = in[k];
}

template <class Table>
constexpr auto build_static_index() {
    static_index<keyword_count<Table>(), keyword_chars<Table>()> index{};
    std::array<keyword_ref, keyword_count<Table>()> in_order{};
    std::uint32_t used_chars = 0, used_keywords = 0, rule_number = 0;
    for (const auto& rule : Table::rules) {
        for_each_alternative(rule.patterns, [&](std::string_view word) {
            in_order[used_keywords++] = {used_chars, static_cast<std::uint32_t>(word.size()), rule_number};
            for (char c : word) index.text[used_chars++] = ascii_lower(c);
        });
        ++rule_number;
    }
    group_by_first_byte({index.text.data(), index.text.size()}, in_order, in_order.size(), index.keywords.data(),
                        index.bucket_begin, index.filter);
    return index;
}

template <class Table>
inline constexpr auto static_index_of = build_static_index<Table>();

template <class Table>
constexpr std::string_view fallback_of() {
    if constexpr (requires { { Table::fallback } -> std::convertible_to<std::string_view>; })
        return Table::fallback;
    else
        return "general";
}

// The categories added at run time, as one immutable index.
struct runtime_index {
    std::vector<std::string_view> categories;  // by rule number; views into the classifier's string store
    std::string text;
    std::vector<keyword_ref> keywords;
    std::array<std::uint32_t, 257> bucket_begin{};
    start_filter filter{};

    index_view view() const noexcept { return {text, keywords.data(), bucket_begin.data(), &filter}; }
};

}  // namespace keyword_detail

template <class Table = default_keyword_table>
class keyword {
    static_assert(keyword_table<Table>,
                  "inkwell: a keyword table needs `static constexpr inkwell::classify::keyword_rule rules[]` "
                  "(category, \"word|word\"); see inkwell/classify/keyword.hpp");

public:
    using table = Table;
    static constexpr std::string_view fallback = keyword_detail::fallback_of<Table>();

    keyword() = default;
    // A copy takes the categories the source has added at that moment.
    keyword(const keyword& other) {
        std::lock_guard lock(other.write_mutex_);
        if (!other.added_ || other.added_->categories.empty()) return;
        auto& mine = added();
        for (const auto& category : other.added_->categories)
            append(mine, std::string(category.name), category.keywords);
        publish_index(mine);
    }
    keyword& operator=(const keyword&) = delete;
    ~keyword() {
        if (added_) destroy_added_(added_);
    }

    // The category of a literal format string, decided from the table alone, or
    // an empty view when no rule matches the literal's text.
    static constexpr std::string_view classify_literal(std::string_view format) noexcept {
        std::uint32_t best = keyword_detail::no_match;
        keyword_detail::for_each_literal_piece(format, [&](std::string_view piece) {
            best = keyword_detail::first_match(piece, keyword_detail::static_index_of<Table>.view(), best);
        });
        return best == keyword_detail::no_match ? std::string_view{} : std::string_view{Table::rules[best].category};
    }

    // The table's category for a text, or an empty view (categories added at run time not included).
    static constexpr std::string_view classify_table(std::string_view text) noexcept {
        auto best = keyword_detail::first_match(text, keyword_detail::static_index_of<Table>.view());
        return best == keyword_detail::no_match ? std::string_view{} : std::string_view{Table::rules[best].category};
    }

    std::string_view classify(const record& r) const noexcept { return classify_message(r.message); }

    std::string_view classify_message(std::string_view message) const noexcept {
        if (auto category = classify_table(message); !category.empty()) return category;
        if (const auto* added = added_index_.load(std::memory_order_acquire)) {
            auto best = keyword_detail::first_match(message, added->view());
            if (best != keyword_detail::no_match) return added->categories[best];
        }
        return fallback;
    }

    // A category tried after the table, before the fallback, in the order added;
    // safe while other threads classify. Keywords match like the table's
    // (case-insensitive substrings); empty ones are ignored.
    // Each call keeps the previous index (about 1.3 KB plus the keywords) until
    // the classifier dies: add categories at start-up, not per record.
    void add_category(std::string name, std::vector<std::string> keywords) {
        std::lock_guard lock(write_mutex_);
        auto& state = added();
        append(state, std::move(name), std::move(keywords));
        publish_index(state);
    }

private:
    struct added_category {
        std::string_view name;
        std::vector<std::string> keywords;  // lower-cased
    };
    // What add_category() keeps, made on its first call. Behind a pointer
    // with a destroy function set there: a classifier that never adds a
    // category (the jsonl preset's) compiles none of these containers.
    struct added_state {
        std::forward_list<std::string> names;  // never shrinks: the views classify() returns stay valid
        std::vector<added_category> categories;
        std::vector<std::unique_ptr<keyword_detail::runtime_index>> published;
    };

    // Callers hold write_mutex_.
    added_state& added() {
        if (!added_) {
            added_ = new added_state;
            destroy_added_ = [](added_state* a) { delete a; };
        }
        return *added_;
    }

    // Callers hold write_mutex_.
    static void append(added_state& state, std::string name, std::vector<std::string> keywords) {
        std::string_view stored_name = state.names.emplace_front(std::move(name));
        for (auto& word : keywords)
            for (auto& c : word) c = keyword_detail::ascii_lower(c);
        std::erase_if(keywords, [](const std::string& w) { return w.empty(); });
        state.categories.push_back({stored_name, std::move(keywords)});
    }

    // Callers hold write_mutex_. The index is rebuilt whole and swapped in with
    // one pointer store; old ones are kept until the classifier dies, because
    // readers take no reference (categories are added rarely).
    void publish_index(added_state& state) {
        auto next = std::make_unique<keyword_detail::runtime_index>();
        std::vector<keyword_detail::keyword_ref> in_order;
        std::uint32_t rule_number = 0;
        for (const auto& added : state.categories) {
            next->categories.push_back(added.name);
            for (const auto& word : added.keywords) {
                in_order.push_back({static_cast<std::uint32_t>(next->text.size()), static_cast<std::uint32_t>(word.size()),
                                    rule_number});
                next->text += word;
            }
            ++rule_number;
        }
        next->keywords.resize(in_order.size());
        keyword_detail::group_by_first_byte(next->text, in_order, in_order.size(), next->keywords.data(),
                                            next->bucket_begin, next->filter);
        added_index_.store(next.get(), std::memory_order_release);
        state.published.push_back(std::move(next));
    }

    std::atomic<const keyword_detail::runtime_index*> added_index_{nullptr};
    mutable std::mutex write_mutex_;
    added_state* added_ = nullptr;
    void (*destroy_added_)(added_state*) = nullptr;
};

}  // namespace classify
INKWELL_END_NAMESPACE
