#pragma once

#include <napi.h>

namespace weft {

// listenSocket(options) -> { fd, port }
Napi::Value ListenSocketJs(const Napi::CallbackInfo& info);

// socketNames(fd) -> { family, local, peer }: what the kernel says a socket
// is bound and connected to (addresses as { address, port } or { path }).
Napi::Value SocketNamesJs(const Napi::CallbackInfo& info);

}  // namespace weft
