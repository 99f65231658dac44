"""What the Python drivers share: JSON lines out, base64 fields, the TSV record lines in."""
import base64
import json
import sys


def out(**fields):
    print(json.dumps(fields), flush=True)


def b64(b):
    return None if b is None else base64.b64encode(b).decode("ascii")


def unb64(s):
    return None if s == "-" else base64.b64decode(s)


def read_records():
    """codec, key, value, timestamp (None: the client's), headers, from the TSV lines on stdin."""
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        codec, key, value, ts, headers = line.split("\t")
        hs = []
        for h in headers.split(",") if headers else []:
            k, v = h.split(":")
            hs.append((base64.b64decode(k).decode("utf-8"), unb64(v)))
        yield codec, unb64(key), unb64(value), None if ts == "-" else int(ts), hs
