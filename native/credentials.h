#pragma once

#include <napi.h>

namespace weft {

Napi::Value GetUserJs(const Napi::CallbackInfo& info);
Napi::Value GetGroupJs(const Napi::CallbackInfo& info);
Napi::Value GetGroupListJs(const Napi::CallbackInfo& info);

}  // namespace weft
