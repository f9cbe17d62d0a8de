#pragma once
// classify::by_name: the category is a short name for the record's logger,
// as a session log names its services ("app.services.mic_input" -> "mic").
//
//   log.classifier().map("app.services.mic_input", "mic");
//   log.classifier().map("app.services", "services");   // any logger below it
//
// Lookup: the exact logger name, then its longest dotted prefix that has a
// mapping; without one, the last dotted component of the name ("mic_input"),
// or "general" for an empty name.
//
// Mappings may be added while other threads log. Readers take no lock: they
// load one pointer to an immutable table. A change publishes a new table and
// keeps the old ones until the classifier dies (readers hold no reference
// count, and mappings are set rarely, at start-up), so every view classify()
// returns stays valid for the classifier's life. A record is classified
// where it is written: with the async buffer, records still queued when a
// mapping changes get the new one (flush first to keep the old).

#include <atomic>
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
namespace detail {
// Binary search for the first element not less than `key` (what std::lower_bound
// does; <algorithm> costs every logging file compile time for this one use).
struct plain_less {
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return a < b;
    }
};
template <class It, class Key, class Less = plain_less>
It first_not_less(It first, It last, const Key& key, Less less = {}) {
    auto count = last - first;
    while (count > 0) {
        auto half = count / 2;
        It mid = first + half;
        if (less(*mid, key)) {
            first = mid + 1;
            count -= half + 1;
        } else {
            count = half;
        }
    }
    return first;
}
}  // namespace detail
namespace classify {

// A class template only so that a file which never uses it pays nothing to
// compile it: a plain class would instantiate its std containers eagerly.
template <class Unused = void>
class basic_by_name {
public:
    static constexpr std::string_view fallback = "general";  // for a record without a logger name

    basic_by_name() = default;
    // A copy takes the mappings the source has at that moment.
    basic_by_name(const basic_by_name& other) {
        std::lock_guard lock(other.write_mutex_);
        auto copy = std::make_unique<table>();
        for (const auto& [name, category] : other.current()->mappings)  // already sorted
            copy->mappings.emplace_back(intern(std::string(name)), intern(std::string(category)));
        publish(std::move(copy));
    }
    basic_by_name& operator=(const basic_by_name&) = delete;

    // Records of `logger_name`, and of loggers below it ("app.services" covers
    // "app.services.mic_input"), get `category`. Replaces an earlier mapping of the same name.
    void map(std::string logger_name, std::string category) {
        std::lock_guard lock(write_mutex_);
        std::string_view key = intern(std::move(logger_name));
        std::string_view value = intern(std::move(category));
        auto next = std::make_unique<table>(*current());
        auto& m = next->mappings;
        auto at = detail::first_not_less(m.begin(), m.end(), key, key_less{});
        if (at != m.end() && at->first == key)
            at->second = value;
        else
            m.insert(at, {key, value});
        publish(std::move(next));
    }

    // A logger's records all carry its one name: each thread keeps its last
    // answer and reuses it while the classifier, its mapping table and the
    // name are the same.
    std::string_view classify(const record& r) const {
        struct memo {
            std::uint64_t owner = 0;
            const table* t = nullptr;
            std::string name;
            std::string_view category;
        };
        thread_local memo last;
        const table* t = current();
        if (last.owner == id_ && last.t == t && r.logger_name == last.name) return last.category;
        const std::string_view category = category_of(r.logger_name);
        last.owner = id_;
        last.t = t;
        last.name.assign(r.logger_name);
        last.category = category;
        return category;
    }

    std::string_view category_of(std::string_view logger_name) const {
        const table* t = current();
        for (std::string_view prefix = logger_name; !prefix.empty();) {
            if (auto found = t->find(prefix); !found.empty()) return found;
            auto dot = prefix.rfind('.');
            if (dot == std::string_view::npos) break;
            prefix = prefix.substr(0, dot);
        }
        std::string_view short_name = last_component(logger_name);
        if (short_name.empty()) return fallback;
        // The name is a view into the record; hand back a copy this classifier owns.
        if (auto found = t->find_interned(short_name); !found.empty()) return found;
        return intern_fallback(short_name);
    }

private:
    struct key_less {
        bool operator()(const std::pair<std::string_view, std::string_view>& e, std::string_view k) const noexcept {
            return e.first < k;
        }
    };

    struct table {
        std::vector<std::pair<std::string_view, std::string_view>> mappings;  // sorted by logger name
        std::vector<std::string_view> short_names;                              // sorted; interned fallbacks

        std::string_view find(std::string_view name) const noexcept {
            auto at = detail::first_not_less(mappings.begin(), mappings.end(), name, key_less{});
            return (at != mappings.end() && at->first == name) ? at->second : std::string_view{};
        }
        std::string_view find_interned(std::string_view name) const noexcept {
            auto at = detail::first_not_less(short_names.begin(), short_names.end(), name);
            return (at != short_names.end() && *at == name) ? *at : std::string_view{};
        }
    };

    static std::string_view last_component(std::string_view name) noexcept {
        while (!name.empty() && name.back() == '.') name.remove_suffix(1);
        auto dot = name.rfind('.');
        return dot == std::string_view::npos ? name : name.substr(dot + 1);
    }

    const table* current() const noexcept {
        const table* t = current_.load(std::memory_order_acquire);
        return t ? t : &empty_;
    }

    // Callers hold write_mutex_. Const because interning a fallback name from
    // classify() is a cache, invisible to callers.
    std::string_view intern(std::string text) const { return strings_.emplace_front(std::move(text)); }
    void publish(std::unique_ptr<table> next) const {
        current_.store(next.get(), std::memory_order_release);
        tables_.push_back(std::move(next));
    }

    std::string_view intern_fallback(std::string_view short_name) const {
        std::lock_guard lock(write_mutex_);
        if (auto found = current()->find_interned(short_name); !found.empty()) return found;
        std::string_view owned = intern(std::string(short_name));
        auto next = std::make_unique<table>(*current());
        auto& names = next->short_names;
        names.insert(detail::first_not_less(names.begin(), names.end(), owned), owned);
        publish(std::move(next));
        return owned;
    }

    inline static const table empty_{};
    // Tells instances apart for classify()'s memo (an address may be reused; this never is).
    const std::uint64_t id_ = [] {
        static std::atomic<std::uint64_t> next{0};
        return ++next;
    }();
    mutable std::atomic<const table*> current_{nullptr};
    mutable std::mutex write_mutex_;
    mutable std::forward_list<std::string> strings_;      // never shrinks: views into it stay valid
    mutable std::vector<std::unique_ptr<table>> tables_;  // every table ever published
};

using by_name = basic_by_name<>;

}  // namespace classify
INKWELL_END_NAMESPACE
