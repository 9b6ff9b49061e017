#pragma once

#include <napi.h>

namespace weft {

Napi::Value Openat2Js(const Napi::CallbackInfo& info);
Napi::Object Openat2Constants(Napi::Env env);

}  // namespace weft
