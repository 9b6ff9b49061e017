// User and group lookups with the reentrant C library calls (NSS aware):
// getUser(nameOrUid), getGroup(nameOrGid), getGroupList(user, gid).
// Not found is null; a failing lookup throws with its errno.
#include "credentials.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "errors.h"

namespace weft {

namespace {

size_t BufferSize(int which) {
  long n = sysconf(which);
  return n > 0 ? static_cast<size_t>(n) : 16384;
}

}  // namespace

Napi::Value GetUserJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsString() || info[0].IsNumber())) {
    throw ArgumentError(env, "getUser(nameOrUid: string | number)");
  }
  std::vector<char> buf(BufferSize(_SC_GETPW_R_SIZE_MAX));
  struct passwd pw, *result = nullptr;
  int rc;
  for (;;) {
    if (info[0].IsString()) {
      std::string name = info[0].As<Napi::String>().Utf8Value();
      rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result);
    } else {
      uid_t uid = info[0].As<Napi::Number>().Uint32Value();
      rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &result);
    }
    if (rc != ERANGE) break;
    buf.resize(buf.size() * 2);
  }
  if (rc != 0 && rc != ENOENT && rc != ESRCH) {
    throw SyscallError(env, "WEFT_ERR_CREDENTIALS", "getpwnam_r", rc);
  }
  if (result == nullptr) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", pw.pw_name);
  o.Set("uid", Napi::Number::New(env, pw.pw_uid));
  o.Set("gid", Napi::Number::New(env, pw.pw_gid));
  o.Set("home", pw.pw_dir ? pw.pw_dir : "");
  o.Set("shell", pw.pw_shell ? pw.pw_shell : "");
  return o;
}

Napi::Value GetGroupJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsString() || info[0].IsNumber())) {
    throw ArgumentError(env, "getGroup(nameOrGid: string | number)");
  }
  std::vector<char> buf(BufferSize(_SC_GETGR_R_SIZE_MAX));
  struct group gr, *result = nullptr;
  int rc;
  for (;;) {
    if (info[0].IsString()) {
      std::string name = info[0].As<Napi::String>().Utf8Value();
      rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &result);
    } else {
      gid_t gid = info[0].As<Napi::Number>().Uint32Value();
      rc = getgrgid_r(gid, &gr, buf.data(), buf.size(), &result);
    }
    if (rc != ERANGE) break;
    buf.resize(buf.size() * 2);
  }
  if (rc != 0 && rc != ENOENT && rc != ESRCH) {
    throw SyscallError(env, "WEFT_ERR_CREDENTIALS", "getgrnam_r", rc);
  }
  if (result == nullptr) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", gr.gr_name);
  o.Set("gid", Napi::Number::New(env, gr.gr_gid));
  Napi::Array members = Napi::Array::New(env);
  uint32_t i = 0;
  for (char** m = gr.gr_mem; m != nullptr && *m != nullptr; m++) {
    members.Set(i++, *m);
  }
  o.Set("members", members);
  return o;
}

Napi::Value GetGroupListJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw ArgumentError(env, "getGroupList(user: string, gid: number)");
  }
  std::string user = info[0].As<Napi::String>().Utf8Value();
  gid_t gid = info[1].As<Napi::Number>().Uint32Value();
  int count = 32;
  std::vector<gid_t> groups(count);
  while (getgrouplist(user.c_str(), gid, groups.data(), &count) < 0) {
    groups.resize(count + 16);
    count = static_cast<int>(groups.size());
  }
  Napi::Array out = Napi::Array::New(env, count);
  for (int i = 0; i < count; i++) out.Set(i, Napi::Number::New(env, groups[i]));
  return out;
}

}  // namespace weft
