"""What the suite's kernelspec runs in place of ``python -m ipykernel_launcher -f CONNECTION_FILE``.

It asks the zygote (``tests/kernel_zygote.py``, at the socket named by ``RNN_COURSE_KERNEL_ZYGOTE``)
for a kernel forked with this process's arguments, folder, environment and standard streams, and then
stands in for it: the kernel manager's signals (an interrupt, a stop) are passed on to the kernel,
and the launcher exits when the kernel does. If there is no zygote, or the zygote answers ``fresh``,
it becomes an ordinary kernel. It runs with ``python -I -S`` and imports only the standard library, so
it starts in a few milliseconds.
"""

import json
import os
import signal
import socket
import sys


def forked_kernel(path, argv):
    """The connected socket and the pid of a kernel forked by the zygote at ``path``, or None."""
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        answer = conn.makefile("rb").readline().strip()
    except OSError:
        conn.close()
        return None
    if not answer.isdigit():  # b"fresh": this environment differs from the zygote's
        conn.close()
        return None
    return conn, int(answer)


def stand_in(conn, pid):
    """Pass interrupts and stops on to the kernel ``pid``; return when the kernel has exited."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda signum, frame: os.kill(pid, signum))
    while conn.recv(1):  # the kernel holds the other end open until it exits
        pass


def main(argv):
    path = os.environ.get("RNN_COURSE_KERNEL_ZYGOTE")
    forked = forked_kernel(path, argv) if path else None
    if forked is None:
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    stand_in(*forked)


if __name__ == "__main__":
    main(sys.argv[1:])
