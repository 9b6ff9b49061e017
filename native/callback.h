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
  try {
    fn.MakeCallback(recv, args);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

}  // namespace weft
