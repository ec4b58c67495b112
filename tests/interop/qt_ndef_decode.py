#!/usr/bin/python3
"""Independent NDEF decoder for interop tests: Qt 5's QtNfc (QNdefMessage), not our code.

Reads one hex-encoded NDEF message per line on stdin and prints one JSON object per line:
  {"records": [{"tnf": 1, "type": "Hs", "id": "", "payload": "12d1...",
                "uri": "...",                       # NFC Forum URI records, expanded by Qt
                "version": "1.3", "nested": [...],  # Hs/Hr: the embedded message, decoded by Qt again
               }, ...]}
or {"error": "..."} when Qt rejects the message. Must run with Debian's /usr/bin/python3 (python3-pyqt5.qtnfc).
"""
import json
import sys

from PyQt5.QtCore import QByteArray
from PyQt5.QtNfc import QNdefMessage, QNdefNfcUriRecord, QNdefRecord


def decode(raw: bytes):
    msg = QNdefMessage.fromByteArray(QByteArray(raw))
    if raw and len(msg) == 0:
        return None
    out = []
    for rec in msg:
        r = {
            "tnf": int(rec.typeNameFormat()),
            "type": bytes(rec.type()).decode("latin-1"),
            "id": bytes(rec.id()).decode("latin-1"),
            "payload": bytes(rec.payload()).hex(),
        }
        if rec.typeNameFormat() == QNdefRecord.NfcRtd and r["type"] == "U":
            r["uri"] = QNdefNfcUriRecord(rec).uri().toString()
        if rec.typeNameFormat() == QNdefRecord.NfcRtd and r["type"] in ("Hs", "Hr"):
            payload = bytes(rec.payload())
            r["version"] = "%d.%d" % (payload[0] >> 4, payload[0] & 0x0F) if payload else ""
            nested = decode(payload[1:]) if len(payload) > 1 else []
            r["nested"] = nested if nested is not None else "rejected"
        out.append(r)
    return out


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        records = decode(bytes.fromhex(line))
        print(json.dumps({"records": records} if records is not None else {"error": "Qt rejected the message"}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
