#pragma once

#include <napi.h>

namespace weft {

Napi::Value SetProcessTitleJs(const Napi::CallbackInfo& info);
Napi::Value SetDumpableJs(const Napi::CallbackInfo& info);
Napi::Value SocketPairJs(const Napi::CallbackInfo& info);
Napi::Value Dup2Js(const Napi::CallbackInfo& info);
Napi::Value DupJs(const Napi::CallbackInfo& info);
Napi::Value SetCloexecJs(const Napi::CallbackInfo& info);
Napi::Value GettidJs(const Napi::CallbackInfo& info);
Napi::Value TrimMemoryJs(const Napi::CallbackInfo& info);

}  // namespace weft
