"""Isolation of each submission's process: what a child can and cannot reach.

This is the one module that decides it. ``scheduler.py`` (the grader, trusted) calls
``Cgroups``; ``worker.py`` (the zygote and its children) calls ``enter`` in every child before the
first line of student code. Everything here is plain Linux: ``unshare(2)``, ``mount(2)``,
``pivot_root(2)`` through ctypes (Python 3.11 has no ``os.unshare``), and cgroup v1 files.

Mechanisms, strongest first (``Isolation.describe`` names the one in force; the grader prints it):

``namespaces`` (root on Linux with mount, pid, net, ipc and uts namespaces)
    The child forked from the zygote joins its job's cgroups, unshares mount, pid, net, ipc and
    uts namespaces and forks once more: the grandchild is process 1 of a new pid namespace and
    runs the submission; its parent only waits and passes the exit status on. The grandchild
    builds a new root on a tmpfs and ``pivot_root``\\ s into it. In that root the child can reach:

    * read-only, ``nosuid``/``nodev``: the Python installation (``sys.prefix``, ``sys.base_prefix``
      and their exec twins), the folders of the packages the zygote imported that live outside
      them (the ``rnn_course`` package folder itself, never the clone around it: not the answer
      keys, not the tests), ``/usr`` (with ``/bin``, ``/lib``... as links or binds, as on the host)
      and ``/etc/ld.so.cache``;
    * ``/dev/null``, ``zero``, ``full``, ``random``, ``urandom``;
    * its own tmpfs ``/tmp`` (its home and working folder) and ``/dev/shm``, each capped in size;
    * its own ``/proc``: only its own processes, not the grader's command line nor any other's;
    * a network namespace with nothing but a loopback device, down: no network at all;
    * its own System V IPC namespace.

    It cannot reach anything else on the host's file system: not the submissions, not the
    gradebook, feedback or secret, not ``/root`` or ``/home``, not ``/sys``. Every mount vanishes
    with the child (the namespace dies with its process 1), so no file outlives it.

``cgroups`` (root, cgroup v1 ``memory`` and ``pids`` controllers writable)
    One memory cgroup per child, limited to ``--memory`` MB. The memory controller counts
    anonymous memory, page cache, tmpfs (``/tmp``, ``/dev/shm``) and memfd pages, so files and
    shared memory count against the same limit; swap is capped too where ``memsw`` exists. One
    pids cgroup per child caps its processes and threads (``PIDS_MAX``).

``uid`` (root)
    After the mounts the child drops to a user id of its own (no account has it, no other child
    shares it), in ``nobody``'s group, with no supplementary groups: it cannot signal the grader or
    other children, or open their files. RLIMIT_NPROC 0 then stops it starting processes or threads.

``rlimits`` (always)
    RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE (largest file), RLIMIT_CORE 0; a session of its
    own, killed as a group by the grader at the wall-clock limit.

Without a mechanism a child can do more: ``_MECHANISMS`` says what, and ``Isolation.weaker``
prints it (``--sandbox strict`` refuses to grade then).

Bubblewrap is not used: it runs a fresh program per child, which would import torch once per
submission; entering the namespaces in the child of the warm zygote costs milliseconds instead.
"""

import ctypes
import ctypes.util
import errno
import os
import platform
import stat
import sys
from dataclasses import dataclass, field

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
MNT_DETACH = 2
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}  # syscall numbers; elsewhere: MS_MOVE + chroot

PIDS_MAX = 8  # the child, its waiting parent, and a little slack (threads count too)
DEVICES = ("null", "zero", "full", "random", "urandom")
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache")

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return _libc


def _check(result, what):
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _mount(source, target, fstype, flags, data=None):
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(
        _c().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        f"mount {target}",
    )


# ---------------------------------------------------------------------------------------------
# What the grader learns before grading
# ---------------------------------------------------------------------------------------------


@dataclass
class Isolation:
    """Which mechanisms are in force, and why any is missing."""

    namespaces: bool = False
    cgroups: bool = False
    own_user: bool = False
    missing: dict = field(default_factory=dict)  # mechanism -> why it is missing

    def describe(self):
        on = [_MECHANISMS[name][0] for name in _MECHANISMS if getattr(self, name)]
        return "isolation: " + " + ".join(on + ["rlimits"])

    def weaker(self):
        """One line per missing mechanism: what a child can then do that it otherwise could not."""
        return [
            f"{without} ({self.missing.get(name, 'unavailable')}): {then}"
            for name, (_, without, then) in _MECHANISMS.items()
            if not getattr(self, name)
        ]


# Each mechanism: (its name in force, its name missing, what a child can do without it)
_MECHANISMS = {
    "namespaces": (
        "namespaces (mount, pid, net, ipc, uts)",
        "no namespaces",
        "children share /tmp, /dev/shm, /proc and the network, and can read world-readable files",
    ),
    "cgroups": (
        "cgroup-v1 memory+pids",
        "no cgroups",
        "memory is capped by RLIMIT_AS only (shared memory and memfd pages are not counted), "
        "processes by RLIMIT_NPROC",
    ),
    "own_user": (
        "a user id per child",
        "no user per child",
        "a child runs as the grader's user and could signal it or write that user's files",
    ),
}


def namespaces_possible():
    """(True, "") where this process may try namespaces, else (False, why)."""
    if platform.system() != "Linux":
        return False, f"{platform.system()} has no Linux namespaces"
    if os.geteuid() != 0:
        return False, "the grader is not running as root"
    try:
        _c().unshare
    except (OSError, AttributeError):
        return False, "libc has no unshare()"
    return True, ""


def world_readable(path):
    """True when every folder up to ``path`` lets other users in (so ``nobody`` can import from it)."""
    path = os.path.abspath(path)
    while True:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return False
        if not mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def read_only_paths(modules=None):
    """Folders and files a child needs read-only: Python, the imported packages, the system's."""
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    paths = [os.path.realpath(p) for p in prefixes]
    for module in list((modules or sys.modules).values()):
        top = _package_folder(module)
        if top:
            paths.append(top)
    executable = os.path.realpath(sys.executable)
    paths.append(os.path.dirname(executable))
    return _outermost([p for p in paths if os.path.exists(p)])


def _package_folder(module):
    """The folder of a module's top-level package (or the module's file), or None."""
    name = getattr(module, "__name__", None)
    path = getattr(module, "__file__", None)
    if not isinstance(name, str) or not isinstance(path, str) or not os.path.isabs(path):
        return None
    folder = os.path.dirname(os.path.realpath(path))
    for _ in range(name.count(".") + (1 if os.path.basename(path).startswith("__init__.") else 0)):
        folder = os.path.dirname(folder)
    if os.path.basename(path).startswith("__init__."):
        return os.path.join(folder, name.split(".")[0])
    return os.path.realpath(path) if "." not in name else os.path.join(folder, name.split(".")[0])


def _outermost(paths):
    """The paths, without any that lies inside another, sorted."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return sorted(kept)


# ---------------------------------------------------------------------------------------------
# cgroup v1, managed by the grader
# ---------------------------------------------------------------------------------------------


class Cgroups:
    """A cgroup folder per job under the grader's own memory and pids cgroups."""

    def __init__(self, roots):
        self.roots = roots  # controller -> this run's folder

    @classmethod
    def create(cls, tag):
        """(Cgroups, "") or (None, why they cannot be used)."""
        if platform.system() != "Linux":
            return None, "not Linux"
        if os.geteuid() != 0:
            return None, "the grader is not running as root"
        own = _own_cgroups()
        roots = {}
        try:
            for controller in ("memory", "pids"):
                mount = f"/sys/fs/cgroup/{controller}"
                if controller not in own or not os.path.exists(os.path.join(mount, "cgroup.procs")):
                    raise OSError(errno.ENOENT, f"no cgroup-v1 {controller} controller at {mount}")
                folder = os.path.join(mount, own[controller].lstrip("/"), tag)
                os.mkdir(folder, 0o700)
                roots[controller] = folder
        except OSError as exc:
            for folder in roots.values():
                _rmdir(folder)
            return None, exc.strerror or str(exc)
        return cls(roots), ""

    def job(self, job_id, memory_bytes):
        """Make the job's cgroups; return {controller: folder} for the child to join."""
        folders = {}
        for controller, root in self.roots.items():
            folder = os.path.join(root, f"job{job_id}")
            if os.path.isdir(folder):
                _rmdir(folder)
            os.mkdir(folder, 0o700)
            folders[controller] = folder
        _write(folders["memory"], "memory.limit_in_bytes", memory_bytes)
        if os.path.exists(os.path.join(folders["memory"], "memory.memsw.limit_in_bytes")):
            _write(
                folders["memory"], "memory.memsw.limit_in_bytes", memory_bytes
            )  # no swap past it
        _write(folders["pids"], "pids.max", PIDS_MAX)
        return folders

    def ran_out_of_memory(self, folders):
        """True when the job's memory cgroup hit its limit and the kernel had to kill."""
        try:
            with open(os.path.join(folders["memory"], "memory.oom_control")) as handle:
                for line in handle:
                    if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                        return True
            with open(os.path.join(folders["memory"], "memory.failcnt")) as handle:
                return int(handle.read().strip() or 0) > 0
        except (OSError, ValueError, KeyError):
            return False

    def remove(self, folders):
        """Remove a job's cgroups; False if a process is still in one (try again later)."""
        return all([_rmdir(folder) for folder in folders.values()])

    def close(self):
        for root in self.roots.values():
            for name in _listdir(root):
                _rmdir(os.path.join(root, name))
            _rmdir(root)


def _own_cgroups():
    controllers = {}
    try:
        with open("/proc/self/cgroup") as handle:
            for line in handle:
                _, names, path = line.rstrip("\n").split(":", 2)
                for name in names.split(","):
                    controllers[name] = path
    except (OSError, ValueError):
        pass
    return controllers


def _write(folder, name, value):
    with open(os.path.join(folder, name), "w") as handle:
        handle.write(str(value))


def _rmdir(folder):
    try:
        os.rmdir(folder)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _listdir(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


# ---------------------------------------------------------------------------------------------
# Entering the namespaces, in the child (root until ``worker._isolate`` drops privileges)
# ---------------------------------------------------------------------------------------------


def join_cgroups(folders):
    """Move this process into its job's cgroups (before it forks, so that its child is in them)."""
    for folder in (folders or {}).values():
        _write(folder, "cgroup.procs", os.getpid())


def enter(spec):
    """Unshare the namespaces, fork, and in the new pid namespace's process 1 build and enter the
    new root described by ``spec`` (see ``worker``'s request). Returns in that process only: the
    forking parent waits, then leaves with the same status."""
    _check(
        _c().unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
        "unshare",
    )
    pid = os.fork()
    if pid:
        _wait_and_pass_on(pid)
    _build_root(spec)


def _wait_and_pass_on(pid):
    """The namespace's outside parent: wait for process 1, leave as it left, never return."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, signal.SIG_IGN)
    try:
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        code = os.waitstatus_to_exitcode(status)
    except BaseException:
        code = 70
    os._exit(code if 0 <= code < 256 else 70)


def _build_root(spec):
    root = spec["mountpoint"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("rnn-course", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    _makedirs(root + "/dev")
    _mount("rnn-course", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            _bind(f"/dev/{name}", f"{root}/dev/{name}", read_only=False)
    # The child's own /tmp and /dev/shm come before the read-only binds, so that a course or a
    # Python installed under /tmp (a CI clone, say) is bound on top of them instead of hidden.
    size = f"size={int(spec['tmp_mb'])}m"
    for folder in ("/tmp", "/dev/shm"):
        _makedirs(root + folder)
        _mount("rnn-course", root + folder, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,{size}")
    links = [p for p in _SYSTEM if os.path.islink(p)]
    for path in _outermost(
        list(spec["read_only"]) + [p for p in _SYSTEM if p not in links and os.path.exists(p)]
    ):
        _bind(path, root + path, read_only=True)
    for path in links:  # /bin -> usr/bin on a merged /usr: the same link in the new root
        if not os.path.lexists(root + path):
            _makedirs(os.path.dirname(root + path))
            os.symlink(os.readlink(path), root + path)
    _makedirs(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # Read-only from here: the new root's own tmpfs and /dev (their mount points are made)
    dev_flags = MS_REMOUNT | MS_NOSUID | MS_NOEXEC | MS_RDONLY
    _mount(None, root + "/dev", None, dev_flags, "mode=0755,size=64k")
    _pivot(root)
    _mount(None, "/", None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=0755,size=1m")
    os.chdir("/tmp")


def _bind(source, target, read_only):
    if os.path.isdir(source):
        _makedirs(target)
    else:
        _makedirs(os.path.dirname(target))
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (MS_RDONLY | MS_NODEV if read_only else 0)
    _mount(None, target, None, flags)


def _makedirs(path):
    os.makedirs(path, mode=0o755, exist_ok=True)


def _pivot(root):
    os.chdir(root)
    number = _PIVOT_ROOT.get(platform.machine())
    if number is not None and _c().syscall(number, b".", b".") == 0:
        _check(_c().umount2(b".", MNT_DETACH), "umount old root")
    else:
        _mount(root, "/", None, MS_MOVE)
        os.chroot(".")
    os.chdir("/")


# ---------------------------------------------------------------------------------------------
# Removing a folder tree: no recursion, no links followed, never raises
# ---------------------------------------------------------------------------------------------


_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def remove_tree(path):
    """Remove ``path`` and everything below it, however deep, without following symbolic links
    and without recursion; True when it is gone. Never raises."""
    try:
        fd = os.open(path, _FOLDER)
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.unlink(path)
            return True
        except OSError:
            return False
    stack, stuck = [], set()  # (dev, inode, name) of each folder entered; folders that would not go
    try:
        for _ in range(10_000_000):
            child = _first_subfolder(fd, stuck)
            if child is not None:
                here = os.fstat(fd)
                stack.append((here.st_dev, here.st_ino, child[0]))
                os.close(fd)
                fd = child[1]
                continue
            if not stack:
                break
            dev, ino, name = stack.pop()
            me = os.fstat(fd)
            parent = os.open("..", _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = parent
            there = os.fstat(fd)
            if (there.st_dev, there.st_ino) != (dev, ino):
                return False  # moved under us: stop rather than delete elsewhere
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                stuck.add((me.st_dev, me.st_ino))
    except OSError:
        return False
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except OSError:
        return not os.path.lexists(path)
    return True


def _first_subfolder(fd, stuck):
    """Unlink every non-folder in ``fd``; return (name, fd) of a subfolder still to empty, or None."""
    with os.scandir(fd) as entries:
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    if (info.st_dev, info.st_ino) in stuck:
                        continue
                    for attempt in range(2):
                        try:
                            return entry.name, os.open(entry.name, _FOLDER, dir_fd=fd)
                        except PermissionError:  # made unreadable by the child; the grader owns
                            if not attempt:  # it or is root
                                os.chmod(entry.name, 0o700, dir_fd=fd)
                    stuck.add((info.st_dev, info.st_ino))
                else:
                    os.unlink(entry.name, dir_fd=fd)
            except OSError:
                continue
    return None
