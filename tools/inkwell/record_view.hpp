#pragma once
// An inkwell::record made from a parsed entry (entry.hpp), for the error
// aggregator: `inkwell aggregate` and `inkwell serve`.

#include <inkwell/inkwell.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "entry.hpp"
#include "reader.hpp"

namespace inkwell_cli {

// An inkwell::record made from a parsed entry, for the aggregator.
class record_view {
public:
    explicit record_view(const entry& e) {
        const json& o = e.object;
        r_.severity = static_cast<inkwell::level>(static_cast<std::uint8_t>(e.level));
        r_.time = inkwell::time_point(std::chrono::milliseconds(e.time_ms));
        r_.message = text(o, "message");
        r_.category = text(o, "category");
        r_.session_id = text(o, "sessionId");
        // "file.cpp:45", and the function when the line has one
        // (format::jsonl_with_function; else it stays empty).
        const std::string_view source = text(o, "source");
        const std::size_t colon = source.rfind(':');
        if (!source.empty()) {
            file_ = std::string(colon == std::string_view::npos ? source : source.substr(0, colon));
            r_.where.file = file_.c_str();
            if (colon != std::string_view::npos && all_digits(source.substr(colon + 1)))
                r_.where.line = static_cast<std::uint32_t>(std::strtoul(std::string(source.substr(colon + 1)).c_str(), nullptr, 10));
        }
        function_ = std::string(text(o, "function"));
        r_.where.function = function_.c_str();
        collect(o, "metadata", fields_);
        r_.fields = fields_;
        collect(o, "context", context_fields_);
        if (!context_fields_.empty()) {
            context_ = inkwell::context_frame::make(context_fields_, nullptr);
            r_.context = context_;
        }
    }
    ~record_view() {
        if (context_ != nullptr) context_->release();
    }
    record_view(const record_view&) = delete;
    record_view& operator=(const record_view&) = delete;
    const inkwell::record& get() const { return r_; }

private:
    static std::string_view text(const json& o, const char* key) {
        const auto it = o.find(key);
        return it != o.end() && it->is_string() ? std::string_view{it->get_ref<const std::string&>()} : std::string_view{};
    }
    static void collect(const json& o, const char* scope, std::vector<inkwell::field>& out) {
        const auto s = o.find(scope);
        if (s == o.end() || !s->is_object()) return;
        for (auto it = s->begin(); it != s->end(); ++it) {
            inkwell::field f;
            f.key = it.key();
            const json& v = it.value();
            using kind = inkwell::field_value::kind;
            if (v.is_string()) {
                f.value.type = kind::string;
                f.value.text = v.get_ref<const std::string&>();
            } else if (v.is_boolean()) {
                f.value.type = kind::boolean;
                f.value.number.boolean = v.get<bool>();
            } else if (v.is_number_unsigned()) {
                f.value.type = kind::unsigned_integer;
                f.value.number.unsigned_integer = v.get<std::uint64_t>();
            } else if (v.is_number_integer()) {
                f.value.type = kind::signed_integer;
                f.value.number.signed_integer = v.get<std::int64_t>();
            } else if (v.is_number_float()) {
                f.value.type = kind::floating;
                f.value.number.floating = v.get<double>();
            } else {
                f.value.type = kind::null;  // null, or a nested value the record cannot hold
            }
            out.push_back(f);
        }
    }

    inkwell::record r_{};
    std::string file_, function_;
    std::vector<inkwell::field> fields_, context_fields_;
    const inkwell::context_frame* context_ = nullptr;
};

}  // namespace inkwell_cli
