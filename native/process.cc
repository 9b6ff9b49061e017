// Small process-wide calls: the process title, fd plumbing.
#include "process.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace weft {

// setProcessTitle(title): what `ps ax -o command` shows (libuv rewrites the
// argv area Node saved at start-up) and the comm name (`ps -o comm`, 15 bytes).
Napi::Value SetProcessTitleJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw ArgumentError(env, "setProcessTitle(title: string)");
  }
  std::string title = info[0].As<Napi::String>().Utf8Value();
  int rc = uv_set_process_title(title.c_str());
  if (rc != 0)
    throw SyscallError(env, "WEFT_ERR_TITLE", "uv_set_process_title", -rc);
  char comm[16] = {};
  strncpy(comm, title.c_str(), sizeof(comm) - 1);
  if (prctl(PR_SET_NAME, comm, 0, 0, 0) < 0) {
    throw SyscallError(env, "WEFT_ERR_TITLE", "prctl", errno);
  }
  return env.Undefined();
}

// socketpair(type?: "seqpacket" | "stream") -> [fd, fd], close-on-exec.
Napi::Value SocketPairJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type = SOCK_SEQPACKET;
  if (info.Length() > 0 && info[0].IsString() &&
      info[0].As<Napi::String>().Utf8Value() == "stream") {
    type = SOCK_STREAM;
  }
  int sv[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) {
    throw SyscallError(env, "WEFT_ERR_CHANNEL", "socketpair", errno);
  }
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, sv[0]));
  out.Set(1u, Napi::Number::New(env, sv[1]));
  return out;
}

// dup2(from, to): `to` becomes a copy of `from` (without close-on-exec).
Napi::Value Dup2Js(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    throw ArgumentError(env, "dup2(from: number, to: number)");
  }
  int from = info[0].As<Napi::Number>().Int32Value();
  int to = info[1].As<Napi::Number>().Int32Value();
  if (dup2(from, to) < 0) throw SyscallError(env, "WEFT_ERR_FD", "dup2", errno);
  return env.Undefined();
}

// dup(fd) -> a new close-on-exec fd for the same open file.
Napi::Value DupJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber())
    throw ArgumentError(env, "dup(fd: number)");
  int fd = fcntl(info[0].As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) throw SyscallError(env, "WEFT_ERR_FD", "fcntl", errno);
  return Napi::Number::New(env, fd);
}

// setCloexec(fd, on)
Napi::Value SetCloexecJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) {
    throw ArgumentError(env, "setCloexec(fd: number, on: boolean)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) throw SyscallError(env, "WEFT_ERR_FD", "fcntl", errno);
  flags = info[1].As<Napi::Boolean>().Value() ? (flags | FD_CLOEXEC)
                                              : (flags & ~FD_CLOEXEC);
  if (fcntl(fd, F_SETFD, flags) < 0) {
    throw SyscallError(env, "WEFT_ERR_FD", "fcntl", errno);
  }
  return env.Undefined();
}

// gettid(): the kernel's id of the calling thread (what Unit's log shows).
Napi::Value GettidJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), gettid());
}

// trimMemory(): gives the C heap's free memory back to the kernel
// (malloc_trim(0), every arena); returns whether any was released.
Napi::Value TrimMemoryJs(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}

// setDumpable(false): no process of the same user that lacks CAP_SYS_PTRACE
// may ptrace this one or open its /proc/<pid>/mem, fd, environ (its /proc
// files become root's), and it leaves no core dump.
Napi::Value SetDumpableJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBoolean()) {
    throw ArgumentError(env, "setDumpable(on: boolean)");
  }
  int on = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  if (prctl(PR_SET_DUMPABLE, on, 0, 0, 0) < 0) {
    throw SyscallError(env, "WEFT_ERR_CREDENTIALS", "prctl", errno);
  }
  return env.Undefined();
}

}  // namespace weft
