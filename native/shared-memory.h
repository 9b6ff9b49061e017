// Memory shared between processes: a memfd mapped MAP_SHARED, seen from
// JavaScript as an ArrayBuffer. A router and an application process count
// in one the requests the application has taken, so that a router can tell,
// when the application dies, which requests it never saw.
#pragma once

#include <napi.h>

namespace weft {

Napi::Value SharedMemoryJs(const Napi::CallbackInfo& info);
Napi::Value MapSharedJs(const Napi::CallbackInfo& info);

}  // namespace weft
