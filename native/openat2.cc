// openat2(dirfd, path, flags, resolve): open a file with RESOLVE_* limits
// (no symlinks, no mount crossing, never outside a root), which a static
// file server needs so that no request path escapes its share.
#include "openat2.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"

namespace weft {

Napi::Value Openat2Js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() ||
      !info[2].IsNumber() || !info[3].IsNumber()) {
    throw ArgumentError(
        env,
        "openat2(dirfd: number, path: string, flags: number, resolve: number)");
  }
  int dirfd = info[0].As<Napi::Number>().Int32Value();
  std::string path = info[1].As<Napi::String>().Utf8Value();
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()) |
              O_CLOEXEC;
  how.resolve = static_cast<uint64_t>(info[3].As<Napi::Number>().Int64Value());
  long fd;
  do {
    fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw SyscallError(env, "WEFT_ERR_FD", "openat2", errno, path);
  return Napi::Number::New(env, static_cast<double>(fd));
}

Napi::Object Openat2Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("AT_FDCWD", Napi::Number::New(env, AT_FDCWD));
  c.Set("O_RDONLY", Napi::Number::New(env, O_RDONLY));
  c.Set("O_PATH", Napi::Number::New(env, O_PATH));
  c.Set("O_DIRECTORY", Napi::Number::New(env, O_DIRECTORY));
  c.Set("O_NOFOLLOW", Napi::Number::New(env, O_NOFOLLOW));
  c.Set("O_NONBLOCK", Napi::Number::New(env, O_NONBLOCK));
  c.Set("RESOLVE_NO_XDEV", Napi::Number::New(env, RESOLVE_NO_XDEV));
  c.Set("RESOLVE_NO_MAGICLINKS", Napi::Number::New(env, RESOLVE_NO_MAGICLINKS));
  c.Set("RESOLVE_NO_SYMLINKS", Napi::Number::New(env, RESOLVE_NO_SYMLINKS));
  c.Set("RESOLVE_BENEATH", Napi::Number::New(env, RESOLVE_BENEATH));
  c.Set("RESOLVE_IN_ROOT", Napi::Number::New(env, RESOLVE_IN_ROOT));
  return c;
}

}  // namespace weft
