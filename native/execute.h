#pragma once

#include <napi.h>

namespace weft {

// execute(options, onExit) -> ChildHandle
Napi::Value ExecuteJs(const Napi::CallbackInfo& info);

}  // namespace weft
