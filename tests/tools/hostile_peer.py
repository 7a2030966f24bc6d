#!/usr/bin/python3
"""hostile_peer: a controller port that misbehaves, for tests/integration/hostile_peer.sh.

    hostile_peer.py ADDRESS MUNGE_SOCKET MODE:PORT...

Listens on ADDRESS:PORT for each MODE and answers every connection, after reading the request,
as MODE says (replies in the 22.05 framing: u32 length, 16-byte header, auth/munge section,
body; RESPONSE_CONTROL_STATUS 2054 with an empty credential payload, which a client accepts):
  good         a valid reply signed by root (a credential root makes)
  wrong_uid    the same reply, its credential made by uid 65534 (nobody)
  not_for_us   the same reply, its credential made by root for uid 12345 only
  huge         a length of 0xfffffff0, then nothing, the connection held open
  huge_stream  a length of 0x7fffffff, then bytes as fast as they go, without end
  endless      a length of 65536 (the most a client takes), then bytes without end
  drip         a length of 60000, then one byte every 100 ms, without end
  drip_length  the four length bytes one every 400 ms, then nothing
and, standing in for slurmdbd (answers are a bare PERSIST_RC 1433, as slurmdbd's, without
credential; the client takes at most 4096 bytes):
  dbd_good         a PERSIST_RC with Slurm rc 0 (what a slurmdbd with its database says)
  dbd_huge         a length of 0xfffffff0, then nothing, the connection held open
  dbd_huge_stream  a length of 0x7fffffff, then bytes as fast as they go, without end
  dbd_endless      a length of 4096, then bytes without end
  dbd_drip         a length of 4000, then one byte every 100 ms, without end
  dbd_garbage      a length of 14 (a PERSIST_RC's) and 14 bytes that are none
  dbd_text         a line of text, as a web server on the wrong port would send
  dbd_silent       reads the request and never answers, the connection held open
Runs until killed. Each connection is served by a thread of its own.
"""
import socket
import struct
import subprocess
import sys
import threading
import time

VERSION_22_05 = 38 << 8
RESPONSE_CONTROL_STATUS = 2054
PERSIST_RC = 1433
AUTH_MUNGE = 101


def credential(munge_socket, as_nobody, restrict_uid=None):
    cmd = ["munge", "-n", "-S", munge_socket]
    if restrict_uid is not None:
        cmd += ["--restrict-uid", str(restrict_uid)]
    if as_nobody:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    return subprocess.run(cmd, check=True, capture_output=True, timeout=10).stdout.strip()


def reply(munge_socket, as_nobody, restrict_uid=None):
    body = struct.pack(">HQ", 0, int(time.time()))  # backup_inx 0, in control since now
    header = struct.pack(">HHHIHHH", VERSION_22_05, 0, RESPONSE_CONTROL_STATUS, len(body), 0, 0, 0)
    cred = credential(munge_socket, as_nobody, restrict_uid) + b"\0"
    auth = struct.pack(">II", AUTH_MUNGE, len(cred)) + cred
    frame = header + auth + body
    return struct.pack(">I", len(frame)) + frame


def serve(conn, mode, munge_socket):
    try:
        conn.settimeout(2)
        try:
            conn.recv(4096)  # the request
        except socket.timeout:
            pass
        conn.settimeout(None)
        if mode in ("good", "wrong_uid", "not_for_us"):
            conn.sendall(reply(munge_socket, mode == "wrong_uid",
                               12345 if mode == "not_for_us" else None))
            time.sleep(1)
        elif mode == "dbd_good":
            # msg_type, comment length 0, flags, rc 0, ret_info (the protocol asked, 24.11)
            conn.sendall(struct.pack(">IHIHiH", 14, PERSIST_RC, 0, 0, 0, 42 << 8))
            time.sleep(1)
        elif mode == "dbd_garbage":
            # PERSIST_RC's type, then a comment said to be 0xfffffff0 bytes long in 8 bytes
            conn.sendall(struct.pack(">IHI", 14, PERSIST_RC, 0xFFFFFFF0) + b"\x5a" * 8)
            time.sleep(3600)
        elif mode == "dbd_text":
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
            time.sleep(3600)
        elif mode == "dbd_silent":
            time.sleep(3600)
        elif mode in ("huge", "dbd_huge"):
            conn.sendall(struct.pack(">I", 0xFFFFFFF0) + b"\x26\x00")
            time.sleep(3600)
        elif mode in ("huge_stream", "endless", "dbd_huge_stream", "dbd_endless"):
            length = {"huge_stream": 0x7FFFFFFF, "dbd_huge_stream": 0x7FFFFFFF,
                      "endless": 65536, "dbd_endless": 4096}[mode]
            conn.sendall(struct.pack(">I", length))
            chunk = b"\xa5" * 65536
            while True:
                conn.sendall(chunk)
        elif mode in ("drip", "dbd_drip"):
            conn.sendall(struct.pack(">I", 60000 if mode == "drip" else 4000))
            while True:
                conn.sendall(b"\x00")
                time.sleep(0.1)
        elif mode == "drip_length":
            for b in struct.pack(">I", 40):
                conn.sendall(bytes([b]))
                time.sleep(0.4)
            time.sleep(3600)
    except OSError:
        pass  # the client gave up: that is the point
    finally:
        conn.close()


def listen(address, port, mode, munge_socket):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((address, port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, mode, munge_socket), daemon=True).start()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    address, munge_socket = sys.argv[1], sys.argv[2]
    for spec in sys.argv[3:]:
        mode, port = spec.split(":")
        threading.Thread(target=listen, args=(address, int(port), mode, munge_socket),
                         daemon=True).start()
    print("listening", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
