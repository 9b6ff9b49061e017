#pragma once

#include <napi.h>

namespace weft {

// listenSocket(options) -> { fd, port }
Napi::Value ListenSocketJs(const Napi::CallbackInfo& info);

}  // namespace weft
