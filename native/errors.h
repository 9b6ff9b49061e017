// JavaScript errors raised by the addon: a stable code, the failing system
// call and the errno name, e.g. "pivot_root(2) failed: EPERM".
#pragma once

#include <napi.h>

#include <string>

namespace weft {

// "EPERM" for EPERM; "E<n>" when the C library has no name for it.
std::string ErrnoName(int err);

// An Error with code, syscall, errno (number) and errnoName set.
Napi::Error SyscallError(Napi::Env env, const char* code, const char* syscall,
                         int err, const std::string& context = "");

// A TypeError with code WEFT_ERR_NATIVE_ARGUMENT, naming the bad argument.
Napi::Error ArgumentError(Napi::Env env, const std::string& message);

}  // namespace weft
