#!/usr/bin/env python3
"""Writes to stdout an NDEF message of exactly SIZE bytes (one MIME record, not short) for bench/run's tag.
The NFC figures depend on the message's size (APDU count and lengths), not on its content."""
import struct
import sys

size = int(sys.argv[1]) if len(sys.argv) > 1 else 432
mime = b"application/vnd.tapbench.bench"
payload_len = size - (1 + 1 + 4 + len(mime))
if payload_len < 0:
    sys.exit("make_ndef.py: SIZE too small")
payload = bytes((i * 7 + 3) & 0xFF for i in range(payload_len))
# MB | ME | TNF=2 (media type), SR clear: 4-byte payload length
sys.stdout.buffer.write(bytes([0xC2, len(mime)]) + struct.pack(">I", payload_len) + mime + payload)
