#pragma once

#include <napi.h>

namespace weft {

// createProcess(options, onExit) -> Promise<ChildHandle>
Napi::Value CreateProcessJs(const Napi::CallbackInfo& info);

}  // namespace weft
