#include "errors.h"

#include <string.h>

namespace weft {

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
  return "E" + std::to_string(err);
}

Napi::Error SyscallError(Napi::Env env, const char* code, const char* syscall,
                         int err, const std::string& context) {
  std::string name = ErrnoName(err);
  std::string message = std::string(syscall) + "(2) failed: " + name;
  if (!context.empty()) message += " (" + context + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("errnoName", Napi::String::New(env, name));
  return error;
}

Napi::Error ArgumentError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "WEFT_ERR_NATIVE_ARGUMENT"));
  return error;
}

}  // namespace weft
