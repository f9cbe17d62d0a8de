#pragma once
// The library version and the inline namespace that carries it, so that two
// inkwell versions linked into one program never share a symbol by accident.

#define INKWELL_VERSION_MAJOR 0
#define INKWELL_VERSION_MINOR 1
#define INKWELL_VERSION_PATCH 0
#define INKWELL_VERSION_STRING "0.1.0"

#define INKWELL_BEGIN_NAMESPACE \
    namespace inkwell {         \
    inline namespace v0 {
#define INKWELL_END_NAMESPACE \
    }                         \
    }

INKWELL_BEGIN_NAMESPACE
inline constexpr const char* version_string = INKWELL_VERSION_STRING;
INKWELL_END_NAMESPACE
