"""On PYTHONPATH only in tests: with CLIPDESK_TEST_GUARD_LOG set, every Python process of the
run (the CLI and its decoder processes) refuses network connections and writes one JSON line
per suspicious act to that log:
  {"net": host}                a connection or name lookup was attempted (and refused)
  {"open": path, "mode": m}    a file under CLIPDESK_TEST_GUARD_WATCH was opened
  {"write": path, "op": op}    a file under CLIPDESK_TEST_GUARD_WATCH was written, renamed, removed...
  {"unpickle": "mod.name"}     unpickling resolved a global (pickle.find_class)
"""
import json
import os
import sys

_log = os.environ.get("CLIPDESK_TEST_GUARD_LOG")
if _log:
    import socket

    _watch = tuple(p for p in os.environ.get("CLIPDESK_TEST_GUARD_WATCH", "").split(os.pathsep) if p)
    _fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)

    def _record(**item):
        item["pid"] = os.getpid()
        try:
            os.write(_fd, (json.dumps(item) + "\n").encode())
        except OSError:
            pass

    def _refuse(host):
        _record(net=str(host))
        raise OSError(101, "Network is unreachable (blocked by the test)")

    _connect = socket.socket.connect
    socket.socket.connect = lambda self, address: _refuse(address) if self.family in (
        socket.AF_INET, socket.AF_INET6) else _connect(self, address)
    socket.socket.connect_ex = lambda self, address: _refuse(address)
    socket.create_connection = lambda address, *a, **k: _refuse(address)
    socket.getaddrinfo = lambda host, *a, **k: _refuse(host)
    socket.gethostbyname = lambda host: _refuse(host)

    def _under(path):
        try:
            text = os.path.abspath(os.fsdecode(path))
        except (TypeError, ValueError):
            return None
        return text if any(text == w or text.startswith(w.rstrip("/") + "/") for w in _watch) else None

    _WRITES = {"os.rename": 2, "os.replace": 2, "os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.chmod": 1,
               "os.chown": 1, "os.utime": 1, "os.truncate": 1, "os.symlink": 2, "os.link": 2, "os.setxattr": 1,
               "os.removexattr": 1, "shutil.rmtree": 1, "shutil.move": 2, "shutil.copyfile": 2}

    def _audit(event, args):
        if event == "pickle.find_class":
            _record(unpickle=f"{args[0]}.{args[1]}")
        elif event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = _under(args[0])
            if path is not None:
                mode, flags = args[1], args[2] if len(args) > 2 else 0
                writing = (mode and any(c in str(mode) for c in "wax+")) or (
                    isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC))
                _record(**({"write": path, "op": "open"} if writing else {"open": path, "mode": str(mode)}))
        elif event in _WRITES and _watch:
            for arg in args[: _WRITES[event]]:
                path = _under(arg) if isinstance(arg, (str, bytes, os.PathLike)) else None
                if path is not None:
                    _record(write=path, op=event)

    sys.addaudithook(_audit)
