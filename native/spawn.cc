// createProcess(options, onExit): clone a child (with namespaces if asked),
// let it prepare itself (spawn-child.cc) and exec, and resolve with a
// ChildHandle once exec has succeeded, or reject with the failing stage.
//
// The clone is CLONE_VM on a stack of its own (the posix_spawn technique):
// its cost does not grow with the parent's memory, unlike fork. It runs on a
// libuv thread-pool thread, so the event loop never waits for it.
#include "spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "child-handle.h"
#include "errors.h"
#include "options.h"
#include "spawn-plan.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace weft {

namespace {

constexpr size_t kStackSize = 256 * 1024;

struct StageInfo {
  const char* name;
  const char* syscall;
};

const StageInfo kStages[] = {
    {"none", "none"},
    {"pipe", "pipe2"},
    {"stack", "mmap"},
    {"clone", "clone"},
    {"uid_map", "write"},
    {"setgroups_deny", "write"},
    {"gid_map", "write"},
    {"cgroup", "write"},
    {"release", "write"},
    {"wait_parent", "read"},
    {"signals", "rt_sigaction"},
    {"setsid", "setsid"},
    {"cgroup_namespace", "unshare"},
    {"hostname", "sethostname"},
    {"mount_slave", "mount"},
    {"rootfs", "mount"},
    {"rootfs", "chdir"},
    {"mkdir", "mkdirat"},
    {"mount", "mount"},
    {"pivot_root", "pivot_root"},
    {"chroot", "chroot"},
    {"chdir", "chdir"},
    {"rlimit", "prlimit64"},
    {"setgroups", "setgroups"},
    {"setgid", "setresgid"},
    {"setuid", "setresuid"},
    {"no_new_privs", "prctl"},
    {"pdeathsig", "prctl"},
    {"parent_died", "ppoll"},
    {"fds", "dup3"},
    {"exec", "execve"},
    {"timeout", "poll"},
};

struct ResourceName {
  const char* name;
  int resource;
};

const ResourceName kResources[] = {
    {"as", RLIMIT_AS},
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

struct NamespaceFlag {
  const char* name;
  unsigned long flag;
};

const NamespaceFlag kNamespaces[] = {
    {"user", CLONE_NEWUSER},     {"mount", CLONE_NEWNS}, {"pid", CLONE_NEWPID},
    {"net", CLONE_NEWNET},       {"uts", CLONE_NEWUTS},  {"ipc", CLONE_NEWIPC},
    {"cgroup", CLONE_NEWCGROUP},
};

struct Outcome {
  pid_t pid = -1;
  int pidfd = -1;
  ChildFailure failure = {kStageNone, 0, -1};
};

uint64_t LimitValue(double v) {
  return v < 0 ? RLIM_INFINITY : static_cast<uint64_t>(v);
}

std::unique_ptr<SpawnPlan> ParsePlan(Napi::Env env, Napi::Object o,
                                     std::vector<std::string>* contexts) {
  auto plan = std::make_unique<SpawnPlan>();
  SpawnPlan& p = *plan;

  std::string file = RequireString(env, o, "file");
  p.path = p.Keep(file);
  for (const std::string& a : RequireStringArray(env, o, "args")) {
    p.argv.push_back(const_cast<char*>(p.Keep(a)));
  }
  p.argv.push_back(nullptr);
  for (const std::string& e : RequireStringArray(env, o, "env")) {
    p.envp.push_back(const_cast<char*>(p.Keep(e)));
  }
  p.envp.push_back(nullptr);

  Napi::Array fds = RequireArray(env, o, "fds");
  for (uint32_t i = 0; i < fds.Length(); i++) {
    Napi::Value v = fds.Get(i);
    p.fds.push_back(v.IsNumber() ? v.As<Napi::Number>().Int32Value() : -1);
  }

  if (o.Has("namespaces") && o.Get("namespaces").IsObject()) {
    Napi::Object ns = o.Get("namespaces").As<Napi::Object>();
    for (const NamespaceFlag& n : kNamespaces) {
      if (OptionalBool(env, ns, n.name, false)) p.clone_flags |= n.flag;
    }
  }
  // A cgroup namespace is entered by the child after main has moved it into
  // its cgroup, so that the namespace is rooted there.
  if (p.clone_flags & CLONE_NEWCGROUP) {
    p.clone_flags &= ~static_cast<unsigned long>(CLONE_NEWCGROUP);
    p.new_cgroup_ns = true;
  }
  p.user_ns = (p.clone_flags & CLONE_NEWUSER) != 0;
  p.mount_ns = (p.clone_flags & CLONE_NEWNS) != 0;
  p.uid_map = OptionalString(env, o, "uidMap", "");
  p.gid_map = OptionalString(env, o, "gidMap", "");
  p.setgroups_deny = OptionalString(env, o, "setgroups", "deny") != "allow";
  for (const std::string& dir : OptionalStringArray(env, o, "cgroups")) {
    p.cgroup_procs.push_back(dir + "/cgroup.procs");
  }
  p.wait_for_parent = p.user_ns || !p.cgroup_procs.empty();
  p.timeout_ms = OptionalInt(env, o, "timeoutMs", 30000);

  p.setsid = OptionalBool(env, o, "setsid", false);
  p.umask = OptionalInt(env, o, "umask", -1);
  if (o.Has("hostname") && o.Get("hostname").IsString()) {
    std::string h = o.Get("hostname").As<Napi::String>().Utf8Value();
    p.hostname = p.Keep(h);
    p.hostname_len = h.size();
  }
  std::string rootfs = OptionalString(env, o, "rootfs", "");
  if (!rootfs.empty()) {
    p.rootfs = p.Keep(rootfs);
    p.pivot = OptionalBool(env, o, "pivotRoot", p.mount_ns);
  }
  if (o.Has("mounts") && o.Get("mounts").IsArray()) {
    Napi::Array mounts = o.Get("mounts").As<Napi::Array>();
    for (uint32_t i = 0; i < mounts.Length(); i++) {
      Napi::Object m = mounts.Get(i).As<Napi::Object>();
      MountStep step = {};
      std::string type = RequireString(env, m, "type");
      std::string target = rootfs + RequireString(env, m, "target");
      contexts->push_back(RequireString(env, m, "target"));
      step.target = p.Keep(target);
      std::string source = OptionalString(env, m, "source", type);
      step.source = p.Keep(source);
      step.bind = type == "bind";
      step.symlink = type == "symlink";
      step.fstype = step.bind || step.symlink ? nullptr : p.Keep(type);
      step.readonly = OptionalBool(env, m, "readonly", false);
      step.file = OptionalBool(env, m, "file", false);
      std::string data = OptionalString(env, m, "data", "");
      step.data = data.empty() ? nullptr : p.Keep(data);
      for (const std::string& f : OptionalStringArray(env, m, "flags")) {
        if (f == "nosuid")
          step.flags |= MS_NOSUID;
        else if (f == "nodev")
          step.flags |= MS_NODEV;
        else if (f == "noexec")
          step.flags |= MS_NOEXEC;
        else if (f == "noatime")
          step.flags |= MS_NOATIME;
        else if (f == "rec")
          step.flags |= MS_REC;
        else if (f == "ro" && !step.bind)
          step.flags |= MS_RDONLY;
        else
          throw ArgumentError(env, "unknown mount flag \"" + f + "\"");
      }
      p.mounts.push_back(step);
    }
  }
  std::string cwd = OptionalString(env, o, "cwd", "");
  if (!cwd.empty()) p.cwd = p.Keep(cwd);

  if (o.Has("rlimits") && o.Get("rlimits").IsObject()) {
    Napi::Object limits = o.Get("rlimits").As<Napi::Object>();
    Napi::Array names = limits.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string name = names.Get(i).As<Napi::String>().Utf8Value();
      const ResourceName* found = nullptr;
      for (const ResourceName& r : kResources) {
        if (name == r.name) found = &r;
      }
      if (found == nullptr) {
        throw ArgumentError(env, "unknown rlimit \"" + name + "\"");
      }
      Napi::Array pair = limits.Get(name).As<Napi::Array>();
      p.rlimits.push_back({found->resource,
                           LimitValue(pair.Get(0u).As<Napi::Number>()),
                           LimitValue(pair.Get(1u).As<Napi::Number>())});
      contexts->push_back(name);
    }
  }

  if (o.Has("groups") && o.Get("groups").IsArray()) {
    Napi::Array groups = o.Get("groups").As<Napi::Array>();
    p.set_groups = true;
    for (uint32_t i = 0; i < groups.Length(); i++) {
      p.groups.push_back(groups.Get(i).As<Napi::Number>().Uint32Value());
    }
  }
  if (o.Has("gid") && o.Get("gid").IsNumber()) {
    p.set_gid = true;
    p.gid = o.Get("gid").As<Napi::Number>().Uint32Value();
  }
  if (o.Has("uid") && o.Get("uid").IsNumber()) {
    p.set_uid = true;
    p.uid = o.Get("uid").As<Napi::Number>().Uint32Value();
  }
  p.no_new_privs = OptionalBool(env, o, "noNewPrivs", true);
  p.pdeathsig = OptionalInt(env, o, "pdeathsig", 0);
  return plan;
}

int WriteFile(const std::string& path, const std::string& data) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, data.data(), data.size());
  int err = n < 0 ? errno : (static_cast<size_t>(n) != data.size() ? EIO : 0);
  close(fd);
  return err;
}

// Waits for the child to be gone for good, so that its stack can be freed.
void KillAndReap(int pidfd) {
  syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
  siginfo_t info;
  while (waitid(static_cast<idtype_t>(P_PIDFD), pidfd, &info, WEXITED) < 0 &&
         errno == EINTR) {
  }
}

// Parent side; runs on a thread-pool thread.
void CreateProcess(SpawnPlan* p, Outcome* out) {
  auto fail = [out](int32_t stage, int err, int32_t index = -1) {
    out->failure = {stage, err, index};
  };
  int sync[2], errp[2];
  if (pipe2(sync, O_CLOEXEC) < 0) return fail(kStagePipe, errno);
  if (pipe2(errp, O_CLOEXEC) < 0) {
    int err = errno;
    close(sync[0]);
    close(sync[1]);
    return fail(kStagePipe, err);
  }
  p->sync_fd = sync[0];
  p->err_fd = errp[1];

  long page = sysconf(_SC_PAGESIZE);
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int err = errno;
    close(sync[0]), close(sync[1]), close(errp[0]), close(errp[1]);
    return fail(kStageStack, err);
  }
  mprotect(stack, page, PROT_NONE);  // guard page below the stack

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  pid_t pid =
      clone(ChildMain, static_cast<char*>(stack) + kStackSize,
            p->clone_flags | CLONE_VM | CLONE_PIDFD | SIGCHLD, p, &pidfd);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(sync[0]);
  close(errp[1]);

  if (pid < 0) {
    close(sync[1]), close(errp[0]);
    munmap(stack, kStackSize);
    return fail(kStageClone, clone_err);
  }

  // main's privileged step: the maps of a user namespace are written from
  // outside, in this order (gid_map needs setgroups denied first when the
  // writer lacks CAP_SETGID in the parent namespace).
  int err = 0;
  int32_t stage = kStageNone;
  std::string proc = "/proc/" + std::to_string(pid) + "/";
  if (p->user_ns) {
    if (!p->uid_map.empty() &&
        (err = WriteFile(proc + "uid_map", p->uid_map))) {
      stage = kStageUidMap;
    } else if (p->setgroups_deny &&
               (err = WriteFile(proc + "setgroups", "deny"))) {
      stage = kStageSetgroupsDeny;
    } else if (!p->gid_map.empty() &&
               (err = WriteFile(proc + "gid_map", p->gid_map))) {
      stage = kStageGidMap;
    }
  }
  for (const std::string& procs : p->cgroup_procs) {
    if (stage != kStageNone) break;
    if ((err = WriteFile(procs, std::to_string(pid)))) stage = kStageCgroup;
  }
  if (stage == kStageNone && p->wait_for_parent &&
      write(sync[1], "x", 1) != 1) {
    err = errno;
    stage = kStageRelease;
  }

  if (stage == kStageNone) {
    // EOF on the error pipe: exec closed it. A record: a stage failed.
    struct pollfd pfd = {errp[0], POLLIN, 0};
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(p->timeout_ms);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left < 0) left = 0;
      int n = poll(&pfd, 1, static_cast<int>(left));
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        stage = kStageTimeout;
        err = ETIMEDOUT;
        break;
      }
      ChildFailure rec;
      ssize_t r = read(errp[0], &rec, sizeof(rec));
      if (r < 0 && errno == EINTR) continue;
      if (r == sizeof(rec)) out->failure = rec;
      break;
    }
  }
  if (stage != kStageNone) out->failure = {stage, err, -1};

  if (out->failure.stage != kStageNone) {
    KillAndReap(pidfd);
    close(pidfd);
  } else {
    out->pid = pid;
    out->pidfd = pidfd;
  }
  close(sync[1]);
  close(errp[0]);
  munmap(stack, kStackSize);
}

class SpawnWorker : public Napi::AsyncWorker {
 public:
  SpawnWorker(Napi::Env env, std::unique_ptr<SpawnPlan> plan,
              std::vector<std::string> contexts, Napi::Function on_exit)
      : Napi::AsyncWorker(env, "weft:createProcess"),
        plan_(std::move(plan)),
        contexts_(std::move(contexts)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    on_exit_ = Napi::Persistent(on_exit);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { CreateProcess(plan_.get(), &outcome_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (outcome_.failure.stage == kStageNone) {
      deferred_.Resolve(ChildHandle::New(env, outcome_.pid, outcome_.pidfd,
                                         on_exit_.Value()));
      return;
    }
    deferred_.Reject(MakeError(env).Value());
  }

 private:
  Napi::Error MakeError(Napi::Env env) {
    const ChildFailure& f = outcome_.failure;
    int32_t stage = f.stage;
    if (stage < 0 || stage > kStageTimeout) stage = kStageNone;
    std::string context;
    switch (stage) {
      case kStageMount:
      case kStageMkdir:
      case kStageRlimit:
        if (f.index >= 0 && static_cast<size_t>(f.index) < contexts_.size()) {
          context = contexts_[f.index];
        }
        break;
      case kStagePivotRoot:
      case kStageChroot:
      case kStageMountRootfs:
      case kStageRootfsChdir:
        context = plan_->rootfs ? plan_->rootfs : "";
        break;
      case kStageChdir:
        context =
            plan_->cwd ? plan_->cwd : (plan_->rootfs ? plan_->rootfs : "");
        break;
      case kStageExec:
        context = plan_->path;
        break;
      case kStageSetuid:
        context = "uid " + std::to_string(plan_->uid);
        break;
      case kStageSetgid:
        context = "gid " + std::to_string(plan_->gid);
        break;
      default:
        break;
    }
    Napi::Error e = SyscallError(env, "WEFT_ERR_SPAWN", kStages[stage].syscall,
                                 f.err, context);
    e.Set("stage", Napi::String::New(env, kStages[stage].name));
    if (f.index >= 0) e.Set("index", Napi::Number::New(env, f.index));
    if (!context.empty()) e.Set("context", Napi::String::New(env, context));
    return e;
  }

  std::unique_ptr<SpawnPlan> plan_;
  std::vector<std::string> contexts_;
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference on_exit_;
  Outcome outcome_;
};

}  // namespace

const char* SpawnPlan::Keep(const std::string& s) {
  storage_.push_back(std::make_unique<std::string>(s));
  return storage_.back()->c_str();
}

Napi::Value CreateProcessJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    throw ArgumentError(env,
                        "createProcess(options: object, onExit: function)");
  }
  std::vector<std::string> contexts;
  std::unique_ptr<SpawnPlan> plan =
      ParsePlan(env, info[0].As<Napi::Object>(), &contexts);
  auto* worker = new SpawnWorker(env, std::move(plan), std::move(contexts),
                                 info[1].As<Napi::Function>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace weft
