// A 128-bit digest of bytes, without Node's crypto: loading node:crypto
// costs each process ~8 ms of CPU and ~0.7 MiB of private memory at start,
// and what Weft hashes at start (its code caches' sources, the schema's
// key) needs to tell apart different contents by accident, not against an
// attacker: those files are trusted by their owner and mode, not their
// hash.
#pragma once

#include <napi.h>

namespace weft {

Napi::Value DigestJs(const Napi::CallbackInfo& info);

}  // namespace weft
