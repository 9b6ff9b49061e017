// sd_notify(3)'s wire format without libsystemd: one datagram on a unix
// socket. Node's dgram has no AF_UNIX, and systemd-notify(1) would send from
// another pid (with NotifyAccess=main systemd drops it).
#pragma once

#include <napi.h>

namespace weft {

Napi::Value NotifySocketJs(const Napi::CallbackInfo& info);

}  // namespace weft
