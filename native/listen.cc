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

namespace {

// An address the kernel reported, in the shape Node uses for sockets.
Napi::Value SocketAddress(Napi::Env env, const struct sockaddr_storage& ss,
                          socklen_t len) {
  Napi::Object out = Napi::Object::New(env);
  char text[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const struct sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    out.Set("address", Napi::String::New(env, text));
    out.Set("port", Napi::Number::New(env, ntohs(in->sin_port)));
  } else if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const struct sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    out.Set("address", Napi::String::New(env, text));
    out.Set("port", Napi::Number::New(env, ntohs(in6->sin6_port)));
  } else if (ss.ss_family == AF_UNIX) {
    const auto* sun = reinterpret_cast<const struct sockaddr_un*>(&ss);
    size_t n = len > offsetof(struct sockaddr_un, sun_path)
                   ? len - offsetof(struct sockaddr_un, sun_path)
                   : 0;
    std::string path;
    if (n > 0 && sun->sun_path[0] == '\0') {
      // Abstract: written "@name", as in listener addresses.
      path = "@" + std::string(sun->sun_path + 1, n - 1);
    } else {
      path = std::string(sun->sun_path, strnlen(sun->sun_path, n));
    }
    out.Set("path", Napi::String::New(env, path));
  }
  return out;
}

}  // namespace

Napi::Value SocketNamesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw ArgumentError(env, "socketNames(fd: number)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct sockaddr_storage local = {};
  socklen_t local_len = sizeof(local);
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&local), &local_len) <
      0) {
    throw SyscallError(env, "WEFT_ERR_FD", "getsockname", errno);
  }
  Napi::Object result = Napi::Object::New(env);
  const char* family = local.ss_family == AF_INET    ? "inet"
                       : local.ss_family == AF_INET6 ? "inet6"
                       : local.ss_family == AF_UNIX  ? "unix"
                                                     : "other";
  result.Set("family", Napi::String::New(env, family));
  result.Set("local", SocketAddress(env, local, local_len));
  struct sockaddr_storage peer = {};
  socklen_t peer_len = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<struct sockaddr*>(&peer), &peer_len) ==
      0) {
    result.Set("peer", SocketAddress(env, peer, peer_len));
  } else if (errno == ENOTCONN) {
    result.Set("peer", env.Null());
  } else {
    throw SyscallError(env, "WEFT_ERR_FD", "getpeername", errno);
  }
  return result;
}

}  // namespace weft
