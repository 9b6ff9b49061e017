#include "options.h"

#include "errors.h"

namespace weft {

namespace {

bool Present(Napi::Object o, const char* key) {
  if (!o.Has(key)) return false;
  Napi::Value v = o.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

}  // namespace

std::string RequireString(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) {
    throw ArgumentError(env,
                        std::string("option \"") + key + "\" must be a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

Napi::Array RequireArray(Napi::Env env, Napi::Object o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) {
    throw ArgumentError(env,
                        std::string("option \"") + key + "\" must be an array");
  }
  return v.As<Napi::Array>();
}

std::vector<std::string> RequireStringArray(Napi::Env env, Napi::Object o,
                                            const char* key) {
  Napi::Array a = RequireArray(env, o, key);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsString()) {
      throw ArgumentError(
          env, std::string("option \"") + key + "\" must hold only strings");
    }
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

std::vector<std::string> OptionalStringArray(Napi::Env env, Napi::Object o,
                                             const char* key) {
  if (!Present(o, key)) return {};
  return RequireStringArray(env, o, key);
}

std::string OptionalString(Napi::Env env, Napi::Object o, const char* key,
                           const std::string& fallback) {
  if (!Present(o, key)) return fallback;
  return RequireString(env, o, key);
}

bool OptionalBool(Napi::Env env, Napi::Object o, const char* key,
                  bool fallback) {
  if (!Present(o, key)) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) {
    throw ArgumentError(
        env, std::string("option \"") + key + "\" must be a boolean");
  }
  return v.As<Napi::Boolean>().Value();
}

int OptionalInt(Napi::Env env, Napi::Object o, const char* key, int fallback) {
  if (!Present(o, key)) return fallback;
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) {
    throw ArgumentError(env,
                        std::string("option \"") + key + "\" must be a number");
  }
  return v.As<Napi::Number>().Int32Value();
}

}  // namespace weft
