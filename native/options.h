// Reading an options object passed from JavaScript. The TypeScript wrapper
// validates options first; these checks only keep a bad call from crashing.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace weft {

std::string RequireString(Napi::Env env, Napi::Object o, const char* key);
Napi::Array RequireArray(Napi::Env env, Napi::Object o, const char* key);
std::vector<std::string> RequireStringArray(Napi::Env env, Napi::Object o,
                                            const char* key);
std::vector<std::string> OptionalStringArray(Napi::Env env, Napi::Object o,
                                             const char* key);
std::string OptionalString(Napi::Env env, Napi::Object o, const char* key,
                           const std::string& fallback);
bool OptionalBool(Napi::Env env, Napi::Object o, const char* key,
                  bool fallback);
int OptionalInt(Napi::Env env, Napi::Object o, const char* key, int fallback);

}  // namespace weft
