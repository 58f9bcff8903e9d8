"""What the grader and a grading child say to each other: typed frames, validated once.

A frame is ``>II`` (JSON length, blob length), the JSON object, then the blob (an ``.npz`` loaded
with ``allow_pickle=False``, never a pickle). Both sides import this module; only the grader's
``Reader`` and ``parse`` see untrusted bytes, and they check type, size and count once, here, so the
scheduler and the verdict work with dataclasses only.

The conversation, per job::

    grader -> child   Job (the Programs' source, the time budget per function)
    child  -> grader  Ready (which functions could be defined)
    grader -> child   Inputs (the hidden inputs, never the answers, and a fresh token)
    child  -> grader  Started, Outcomes   (once per runnable exercise, in order)
    child  -> grader  Done (self-reported costs, for the benchmark only)

The zygote's reports on its control socket (``Spawned``, ``Exited``...) are parsed here too.
"""

import json
import struct
from dataclasses import dataclass, field

FRAME = struct.Struct(">II")
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_BLOB_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
FUNCTION_STATES = ("ok", "not_callable", "error")


class ProtocolError(Exception):
    """The child broke the protocol; the message is the row's note ("it sent ...")."""


def encode(meta, blob=b""):
    data = json.dumps(meta).encode("utf-8")
    return FRAME.pack(len(data), len(blob)) + data + blob


def recv_frame(sock):
    """One frame from a blocking socket (the child's side: it trusts the grader)."""
    json_len, blob_len = FRAME.unpack(_recv_exact(sock, FRAME.size))
    meta = json.loads(_recv_exact(sock, json_len))
    return meta, _recv_exact(sock, blob_len) if blob_len else b""


def _recv_exact(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class Reader:
    """Frames out of a non-blocking stream, capped in size per frame, in total and in number."""

    def __init__(self, max_frames):
        self.buffer = bytearray()
        self.received = 0
        self.frames = 0
        self.max_frames = max_frames

    def feed(self, data):
        """The complete frames ``data`` finishes, as (meta dict, blob); raises ProtocolError."""
        self.received += len(data)
        if self.received > MAX_TOTAL_BYTES:
            raise ProtocolError("it sent too much data")
        self.buffer += data
        frames = []
        while len(self.buffer) >= FRAME.size:
            json_len, blob_len = FRAME.unpack_from(self.buffer)
            if json_len > MAX_JSON_BYTES or blob_len > MAX_BLOB_BYTES:
                raise ProtocolError("its answer was too large")
            end = FRAME.size + json_len + blob_len
            if len(self.buffer) < end:
                break
            meta = _json_object(bytes(self.buffer[FRAME.size : FRAME.size + json_len]))
            blob = bytes(self.buffer[end - blob_len : end])
            del self.buffer[:end]
            self.frames += 1
            if self.frames > self.max_frames:
                raise ProtocolError("it sent more messages than a graded run does")
            frames.append((meta, blob))
        return frames


def _json_object(raw):
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        raise ProtocolError("it sent malformed data")
    return meta


# --- the frames a child sends ----------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    functions: dict  # exercise id -> "ok" / "not_callable" / "error" / "missing"

    def encode(self):
        return encode({"kind": "ready", "functions": self.functions})


@dataclass(frozen=True)
class Started:
    exercise_id: str

    def encode(self):
        return encode({"kind": "exercise", "id": self.exercise_id})


@dataclass(frozen=True)
class Outcomes:
    exercise_id: str
    outcomes: list  # Outcome.to_plain dicts, read by the grader (runner._read_outcomes)
    blob: bytes = b""

    def encode(self, token):
        meta = {"kind": "outcomes", "id": self.exercise_id, "outcomes": self.outcomes}
        return encode({**meta, "token": token}, self.blob)


@dataclass(frozen=True)
class Done:
    private_kb: int = None  # self-reported, for the benchmark only
    phases: dict = field(default_factory=dict)  # PHASES, self-reported

    def encode(self, token):
        return encode(
            {"kind": "done", "private_kb": self.private_kb, **self.phases, "token": token}
        )


PHASES = ("isolate_ms", "load_ms", "run_ms", "cpu_ms")


def parse(meta, blob, expected, token):
    """The typed frame for ``meta``/``blob`` from a child that was asked for ``expected`` exercises
    and given ``token``; ProtocolError when anything is off."""
    kind, exercise_id = meta.get("kind"), meta.get("id")
    if kind == "ready" and isinstance(meta.get("functions"), dict):
        said = meta["functions"]
        return Ready(
            {e: said.get(e) if said.get(e) in FUNCTION_STATES else "missing" for e in expected}
        )
    if kind == "exercise" and exercise_id in expected:
        return Started(exercise_id)
    if kind in ("outcomes", "done") and meta.get("token") != token:
        raise ProtocolError(
            "it sent a report the grader did not ask for (written straight to its socket?)"
        )
    if kind == "outcomes" and exercise_id in expected and isinstance(meta.get("outcomes"), list):
        return Outcomes(exercise_id, meta["outcomes"], blob)
    if kind == "done":
        private = meta.get("private_kb")
        private = private if isinstance(private, int) and not isinstance(private, bool) else None
        return Done(private, {k: _number(meta.get(k)) for k in PHASES})
    raise ProtocolError("it sent malformed data")


def _number(value):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok else None


# --- the zygote's control socket -------------------------------------------------------------


@dataclass(frozen=True)
class Spawned:
    job: int
    pid: int


@dataclass(frozen=True)
class SpawnFailed:
    job: int


@dataclass(frozen=True)
class Exited:
    pid: int
    code: int
    maxrss_kb: int = None
    cpu_ms: float = None


def zygote_report(raw):
    """A message from the zygote (Spawned, SpawnFailed, Exited), or None for anything else."""
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(message, dict):
        return None
    if isinstance(message.get("pid"), int) and isinstance(message.get("job"), int):
        return Spawned(message["job"], message["pid"])
    if "error" in message and isinstance(message.get("job"), int):
        return SpawnFailed(message["job"])
    if isinstance(message.get("exit"), int) and isinstance(message.get("code"), int):
        cpu = _number(message.get("cpu_ms"))
        return Exited(message["exit"], message["code"], message.get("maxrss_kb"), cpu)
    return None
