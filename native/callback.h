// Calling JavaScript from a libuv callback: an exception thrown by the
// callback becomes an uncaught exception of the process (as it would for any
// Node event), instead of unwinding through libuv.
#pragma once

#include <napi.h>

#include <initializer_list>

namespace weft {

inline void CallFromLoop(Napi::Env env, const Napi::Function& fn,
                         const Napi::Value& recv,
                         const std::initializer_list<napi_value>& args) {
  // Rethrown as a C++ exception by node-addon-api; the caller's outer
  // guard turns it into the process's uncaught exception.
  fn.MakeCallback(recv, args);
}

}  // namespace weft
