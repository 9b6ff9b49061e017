// listenSocket(options) -> { fd, port }: a listening socket made the way
// Unit's main makes them, for the router to receive as an fd.
//   { type: "tcp", host, port, ipv6, v6only, backlog, reuseAddress }
//   { type: "unix", path, abstract, mode, backlog }
#include "listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"
#include "options.h"

namespace weft {

namespace {

[[noreturn]] void ThrowListen(Napi::Env env, int fd, const char* syscall,
                              int err, const std::string& address) {
  if (fd >= 0) close(fd);
  throw SyscallError(env, "WEFT_ERR_LISTEN", syscall, err, address);
}

}  // namespace

Napi::Value ListenSocketJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw ArgumentError(env, "listenSocket(options: object)");
  }
  Napi::Object o = info[0].As<Napi::Object>();
  std::string type = RequireString(env, o, "type");
  int backlog = OptionalInt(env, o, "backlog", 511);

  struct sockaddr_storage ss = {};
  socklen_t len = 0;
  int family;
  std::string address;
  bool unlink_path = false;
  std::string path;

  if (type == "unix") {
    path = RequireString(env, o, "path");
    bool abstract = OptionalBool(env, o, "abstract", false);
    address = std::string("unix:") + (abstract ? "@" : "") + path;
    auto* sun = reinterpret_cast<struct sockaddr_un*>(&ss);
    sun->sun_family = AF_UNIX;
    size_t offset = abstract ? 1 : 0;
    if (path.size() + offset >= sizeof(sun->sun_path)) {
      throw SyscallError(env, "WEFT_ERR_LISTEN", "bind", ENAMETOOLONG, address);
    }
    memcpy(sun->sun_path + offset, path.data(), path.size());
    len = offsetof(struct sockaddr_un, sun_path) + offset + path.size() +
          (abstract ? 0 : 1);
    family = AF_UNIX;
    unlink_path = !abstract;
  } else if (type == "tcp") {
    std::string host = RequireString(env, o, "host");
    int port = OptionalInt(env, o, "port", 0);
    bool ipv6 = OptionalBool(env, o, "ipv6", false);
    address = (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    if (ipv6) {
      auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      if (host != "*" &&
          inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1) {
        throw SyscallError(env, "WEFT_ERR_LISTEN", "inet_pton", EINVAL,
                           address);
      }
      len = sizeof(*sin6);
      family = AF_INET6;
    } else {
      auto* sin = reinterpret_cast<struct sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      if (host == "*") {
        sin->sin_addr.s_addr = htonl(INADDR_ANY);
      } else if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
        throw SyscallError(env, "WEFT_ERR_LISTEN", "inet_pton", EINVAL,
                           address);
      }
      len = sizeof(*sin);
      family = AF_INET;
    }
  } else {
    throw ArgumentError(env, "listenSocket: type must be \"tcp\" or \"unix\"");
  }

  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowListen(env, -1, "socket", errno, address);
  int one = 1;
  if (family != AF_UNIX) {
    if (OptionalBool(env, o, "reuseAddress", true) &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
      ThrowListen(env, fd, "setsockopt", errno, address);
    }
    if (family == AF_INET6) {
      int v6only = OptionalBool(env, o, "v6only", false) ? 1 : 0;
      if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) <
          0) {
        ThrowListen(env, fd, "setsockopt", errno, address);
      }
    }
  }
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&ss), len) < 0) {
    ThrowListen(env, fd, "bind", errno, address);
  }
  if (unlink_path) {
    int mode = OptionalInt(env, o, "mode", -1);
    if (mode >= 0 && chmod(path.c_str(), mode) < 0) {
      int err = errno;
      unlink(path.c_str());
      ThrowListen(env, fd, "chmod", err, address);
    }
  }
  if (listen(fd, backlog) < 0) {
    int err = errno;
    if (unlink_path) unlink(path.c_str());
    ThrowListen(env, fd, "listen", err, address);
  }

  int port = 0;
  struct sockaddr_storage bound = {};
  socklen_t bound_len = sizeof(bound);
  if (family != AF_UNIX &&
      getsockname(fd, reinterpret_cast<struct sockaddr*>(&bound), &bound_len) ==
          0) {
    port =
        ntohs(family == AF_INET
                  ? reinterpret_cast<struct sockaddr_in*>(&bound)->sin_port
                  : reinterpret_cast<struct sockaddr_in6*>(&bound)->sin6_port);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("port", Napi::Number::New(env, port));
  return result;
}

}  // namespace weft
