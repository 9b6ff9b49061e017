// The child side of process creation: runs between clone and exec.
//
// Only raw system calls and plain memory reads happen here (see
// raw-syscall.h): the child shares the parent's memory until it execs.
// Every failure writes {stage, errno, index} to the error pipe and exits.
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include <cstring>

#include "raw-syscall.h"
#include "spawn-plan.h"

namespace weft {

namespace {

// Lives on the child's own stack: the plan is the parent's memory and is
// only read, while these fds may move during fd mapping.
struct Child {
  const SpawnPlan* plan;
  int err_fd;
  int sync_fd;
};

[[noreturn]] void Fail(const Child* c, int32_t stage, long err,
                       int32_t index = -1) {
  ChildFailure failure{stage, static_cast<int32_t>(-err), index};
  Sys(SYS_write, c->err_fd, reinterpret_cast<long>(&failure), sizeof(failure));
  for (;;) Sys(SYS_exit, 127);
}

inline void Check(const Child* c, long rc, int32_t stage, int32_t index = -1) {
  if (rc < 0) Fail(c, stage, rc, index);
}

// Signal handlers belong to the parent's code; a signal delivered before exec
// must not run them in this copy. All were blocked by the parent around clone.
void ResetSignals(const Child* c) {
  unsigned long action[4] = {0, 0, 0, 0};  // SIG_DFL, no flags, empty mask
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    long rc = Sys(SYS_rt_sigaction, sig, reinterpret_cast<long>(action), 0, 8);
    if (rc < 0 && rc != -EINVAL) Fail(c, kStageSignals, rc, sig);
  }
}

void UnblockSignals(const Child* c) {
  unsigned long empty = 0;
  Check(c,
        Sys(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&empty), 0,
            8),
        kStageSignals);
}

void WaitForParent(const Child* c) {
  char byte;
  long n;
  do {
    n = Sys(SYS_read, c->sync_fd, reinterpret_cast<long>(&byte), 1);
  } while (n == -EINTR);
  if (n < 0) Fail(c, kStageWaitParent, n);
  if (n == 0) Fail(c, kStageWaitParent, -EPIPE);  // parent gave up
}

// mkdir -p for a target inside the new root.
void MakeDirs(const Child* c, const char* path, bool last_is_file,
              int32_t index) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof(buf)) Fail(c, kStageMkdir, -ENAMETOOLONG, index);
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    bool last = buf[i] == '\0';
    char saved = buf[i];
    buf[i] = '\0';
    long rc;
    if (last && last_is_file) {
      rc = Sys(SYS_openat, AT_FDCWD, reinterpret_cast<long>(buf),
               O_CREAT | O_WRONLY | O_CLOEXEC | O_NOCTTY, 0644);
      if (rc >= 0) Sys(SYS_close, rc);
    } else {
      rc = Sys(SYS_mkdirat, AT_FDCWD, reinterpret_cast<long>(buf), 0755);
    }
    if (rc < 0 && rc != -EEXIST) Fail(c, kStageMkdir, rc, index);
    buf[i] = saved;
  }
}

void MakeParentDirs(const Child* c, const char* path, int32_t index) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof(buf)) Fail(c, kStageMkdir, -ENAMETOOLONG, index);
  memcpy(buf, path, len + 1);
  while (len > 1 && buf[len - 1] != '/') len--;
  if (len <= 1) return;
  buf[len - 1] = '\0';
  MakeDirs(c, buf, false, index);
}

// A read-only remount of a bind must keep the flags the kernel locked on it
// (nosuid, nodev, ...) or it fails with EPERM inside a user namespace.
unsigned long LockedFlags(const char* target) {
  struct statfs st;
  if (Sys(SYS_statfs, reinterpret_cast<long>(target),
          reinterpret_cast<long>(&st)) < 0) {
    return 0;
  }
  unsigned long f = 0;
  if (st.f_flags & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flags & ST_NODEV) f |= MS_NODEV;
  if (st.f_flags & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flags & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flags & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flags & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

void SetupMounts(const Child* c) {
  const char* root = c->plan->rootfs;
  if (c->plan->mount_ns) {
    // Nothing mounted from here on propagates back to the host.
    Check(
        c,
        Sys(SYS_mount, 0, reinterpret_cast<long>("/"), 0, MS_SLAVE | MS_REC, 0),
        kStageMountSlave);
    Check(c,
          Sys(SYS_mount, reinterpret_cast<long>(root),
              reinterpret_cast<long>(root), 0, MS_BIND | MS_REC, 0),
          kStageMountRootfs);
    Check(c,
          Sys(SYS_mount, 0, reinterpret_cast<long>(root), 0,
              MS_PRIVATE | MS_REC, 0),
          kStageMountRootfs);
  }
  int32_t index = 0;
  for (const MountStep& m : c->plan->mounts) {
    if (m.symlink) {
      MakeParentDirs(c, m.target, index);
      long rc = Sys(SYS_symlinkat, reinterpret_cast<long>(m.source), AT_FDCWD,
                    reinterpret_cast<long>(m.target));
      if (rc < 0 && rc != -EEXIST) Fail(c, kStageMkdir, rc, index);
      index++;
      continue;
    }
    MakeDirs(c, m.target, m.file, index);
    unsigned long flags = m.flags | (m.bind ? MS_BIND : 0);
    Check(
        c,
        Sys(SYS_mount, reinterpret_cast<long>(m.source),
            reinterpret_cast<long>(m.target), reinterpret_cast<long>(m.fstype),
            flags, reinterpret_cast<long>(m.data)),
        kStageMount, index);
    if (m.bind && m.readonly) {
      unsigned long ro =
          MS_BIND | MS_REMOUNT | MS_RDONLY | LockedFlags(m.target);
      Check(c, Sys(SYS_mount, 0, reinterpret_cast<long>(m.target), 0, ro, 0),
            kStageMount, index);
    }
    index++;
  }
}

void ChangeRoot(const Child* c) {
  Check(c, Sys(SYS_chdir, reinterpret_cast<long>(c->plan->rootfs)),
        kStageRootfsChdir);
  if (c->plan->pivot) {
    // pivot_root(".", ".") stacks the old root on top of the new one; a lazy
    // unmount of "." then removes it, leaving only the new root visible.
    Check(c,
          Sys(SYS_pivot_root, reinterpret_cast<long>("."),
              reinterpret_cast<long>(".")),
          kStagePivotRoot);
    Check(c, Sys(SYS_umount2, reinterpret_cast<long>("."), MNT_DETACH),
          kStagePivotRoot);
  } else {
    Check(c, Sys(SYS_chroot, reinterpret_cast<long>(".")), kStageChroot);
  }
  Check(c, Sys(SYS_chdir, reinterpret_cast<long>("/")), kStageChdir);
}

void ApplyCredentials(const Child* c) {
  // With setgroups denied in a user namespace, an empty list is all there
  // can be; asking for groups there still fails, with EPERM, as it should.
  const SpawnPlan* p = c->plan;
  bool groups_locked = p->user_ns && p->setgroups_deny && p->groups.empty();
  if (p->set_groups && !groups_locked) {
    Check(c,
          Sys(SYS_setgroups, static_cast<long>(c->plan->groups.size()),
              reinterpret_cast<long>(c->plan->groups.data())),
          kStageSetgroups);
  }
  if (c->plan->set_gid) {
    Check(c, Sys(SYS_setresgid, c->plan->gid, c->plan->gid, c->plan->gid),
          kStageSetgid);
  }
  if (c->plan->set_uid) {
    Check(c, Sys(SYS_setresuid, c->plan->uid, c->plan->uid, c->plan->uid),
          kStageSetuid);
  }
}

// The parent-death signal is cleared by credential changes, so it is set
// last; a parent that died before that is caught by the sync pipe's hang-up.
void DieWithParent(const Child* c) {
  if (c->plan->pdeathsig == 0) return;
  Check(c, Sys(SYS_prctl, PR_SET_PDEATHSIG, c->plan->pdeathsig),
        kStagePdeathsig);
  struct pollfd pfd = {c->sync_fd, POLLIN, 0};
  struct timespec zero = {0, 0};
  long n = Sys(SYS_ppoll, reinterpret_cast<long>(&pfd), 1,
               reinterpret_cast<long>(&zero), 0, 8);
  if (n > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
    Fail(c, kStageParentDied, -ESRCH);
  }
}

// Places each requested fd at its number, closes the gaps, and marks every
// other fd close-on-exec (the error pipe included, so exec closes it).
void MapFds(Child* c) {
  const std::vector<int>& fds = c->plan->fds;
  int count = static_cast<int>(fds.size());
  int base = count > 3 ? count : 3;
  if (count > 256) Fail(c, kStageFds, -EMFILE);
  // The error and sync pipes must outlive the mapping: move them above
  // every target.
  if (c->err_fd < base) {
    long rc = Sys(SYS_fcntl, c->err_fd, F_DUPFD_CLOEXEC, base);
    if (rc < 0) Fail(c, kStageFds, rc);
    c->err_fd = static_cast<int>(rc);
  }
  if (c->sync_fd < base) {
    long rc = Sys(SYS_fcntl, c->sync_fd, F_DUPFD_CLOEXEC, base);
    if (rc < 0) Fail(c, kStageFds, rc);
    c->sync_fd = static_cast<int>(rc);
  }
  int tmp[256];
  for (int i = 0; i < count; i++) {
    tmp[i] = -1;
    if (fds[i] < 0) continue;
    long rc = Sys(SYS_fcntl, fds[i], F_DUPFD_CLOEXEC, base);
    if (rc < 0) Fail(c, kStageFds, rc, i);
    tmp[i] = static_cast<int>(rc);
  }
  for (int i = 0; i < count; i++) {
    if (tmp[i] >= 0) {
      Check(c, Sys(SYS_dup3, tmp[i], i, 0), kStageFds, i);
    } else {
      Sys(SYS_close, i);
    }
  }
  long rc = Sys(SYS_close_range, base, ~0U, CLOSE_RANGE_CLOEXEC);
  if (rc < 0) {
    for (int fd = base; fd < 65536; fd++) {
      Sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
    }
  }
}

}  // namespace

int ChildMain(void* arg) {
  Child child{static_cast<const SpawnPlan*>(arg), 0, 0};
  Child* c = &child;
  const SpawnPlan* plan = c->plan;
  c->err_fd = plan->err_fd;
  c->sync_fd = plan->sync_fd;

  ResetSignals(c);
  if (plan->setsid) Check(c, Sys(SYS_setsid), kStageSetsid);
  if (plan->wait_for_parent) WaitForParent(c);
  if (plan->new_cgroup_ns) {
    Check(c, Sys(SYS_unshare, CLONE_NEWCGROUP), kStageUnshareCgroup);
  }
  if (plan->hostname != nullptr) {
    Check(c,
          Sys(SYS_sethostname, reinterpret_cast<long>(plan->hostname),
              static_cast<long>(plan->hostname_len)),
          kStageHostname);
  }
  if (plan->rootfs != nullptr) {
    SetupMounts(c);
    ChangeRoot(c);
  }
  if (plan->cwd != nullptr) {
    Check(c, Sys(SYS_chdir, reinterpret_cast<long>(plan->cwd)), kStageChdir);
  }
  if (plan->umask >= 0) Sys(SYS_umask, plan->umask);
  // Before rlimits: a low RLIMIT_NOFILE must not stop the fds moving.
  MapFds(c);
  int32_t index = 0;
  for (const RlimitStep& r : plan->rlimits) {
    uint64_t lim[2] = {r.soft, r.hard};
    Check(c, Sys(SYS_prlimit64, 0, r.resource, reinterpret_cast<long>(lim), 0),
          kStageRlimit, index++);
  }
  ApplyCredentials(c);
  if (plan->no_new_privs) {
    Check(c, Sys(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), kStageNoNewPrivs);
  }
  DieWithParent(c);
  UnblockSignals(c);
  long rc = Sys(SYS_execve, reinterpret_cast<long>(plan->path),
                reinterpret_cast<long>(plan->argv.data()),
                reinterpret_cast<long>(plan->envp.data()));
  Fail(c, kStageExec, rc);
}

}  // namespace weft
