// execute(options, onExit): start a program with posix_spawn (glibc runs it
// as a CLONE_VM|CLONE_VFORK child, cheap at any parent size), or with
// vfork + execve when asked or when posix_spawn is unavailable. The seed's
// nxt_process_execute. No isolation here: createProcess does that.
#include "execute.h"

#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "child-handle.h"
#include "errors.h"
#include "options.h"
#include "raw-syscall.h"

namespace weft {

namespace {

struct Argv {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  explicit Argv(std::vector<std::string> s) : strings(std::move(s)) {
    for (std::string& a : strings) pointers.push_back(a.data());
    pointers.push_back(nullptr);
  }
};

int SpawnWithPosixSpawn(const std::string& file, Argv& argv, Argv& env,
                        pid_t* pid) {
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(pid, file.c_str(), nullptr, &attr, argv.pointers.data(),
                       env.pointers.data());
  posix_spawnattr_destroy(&attr);
  return rc;
}

int SpawnWithVfork(const std::string& file, Argv& argv, Argv& env, pid_t* pid) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  volatile long child_err = 0;
  pid_t p = vfork();
  if (p == 0) {
    // Shares the parent's memory until exec: raw system calls only.
    unsigned long action[4] = {0, 0, 0, 0};
    for (int sig = 1; sig < 65; sig++) {
      if (sig != SIGKILL && sig != SIGSTOP) {
        Sys(SYS_rt_sigaction, sig, reinterpret_cast<long>(action), 0, 8);
      }
    }
    unsigned long empty = 0;
    Sys(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&empty), 0, 8);
    long rc = Sys(SYS_execve, reinterpret_cast<long>(file.c_str()),
                  reinterpret_cast<long>(argv.pointers.data()),
                  reinterpret_cast<long>(env.pointers.data()));
    child_err = -rc;
    for (;;) Sys(SYS_exit, 127);
  }
  int vfork_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (p < 0) return vfork_err;
  if (child_err != 0) {
    int status;
    while (waitpid(p, &status, 0) < 0 && errno == EINTR) {
    }
    return static_cast<int>(child_err);
  }
  *pid = p;
  return 0;
}

}  // namespace

Napi::Value ExecuteJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    throw ArgumentError(env, "execute(options: object, onExit: function)");
  }
  Napi::Object o = info[0].As<Napi::Object>();
  std::string file = RequireString(env, o, "file");
  Argv argv(RequireStringArray(env, o, "args"));
  Argv envp(RequireStringArray(env, o, "env"));
  std::string method = OptionalString(env, o, "method", "posix_spawn");

  pid_t pid = -1;
  int rc;
  const char* syscall_name = "posix_spawn";
  if (method == "vfork") {
    syscall_name = "vfork";
    rc = SpawnWithVfork(file, argv, envp, &pid);
  } else {
    rc = SpawnWithPosixSpawn(file, argv, envp, &pid);
    if (rc == ENOSYS) {
      syscall_name = "vfork";
      rc = SpawnWithVfork(file, argv, envp, &pid);
    }
  }
  if (rc != 0)
    throw SyscallError(env, "WEFT_ERR_EXECUTE", syscall_name, rc, file);

  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    int status;
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw SyscallError(env, "WEFT_ERR_EXECUTE", "pidfd_open", -pidfd, file);
  }
  return ChildHandle::New(env, pid, pidfd, info[1].As<Napi::Function>());
}

}  // namespace weft
