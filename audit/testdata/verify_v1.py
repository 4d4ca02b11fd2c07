#!/usr/bin/env python3
"""An independent implementation of kyso's audit hash, version 1, written
from the package documentation (audit/doc.go) only. It prints the
known-answer vectors in hash-v1.json; audit's tests check that Go agrees.

An auditor can verify an exported log the same way:

    prev = b""
    for rec in records_in_seq_order:
        assert rec.prev_hash == prev and record_hash(prev, rec) == rec.hash
        prev = rec.hash
"""
import hashlib
import json
import struct


def field(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def record_hash(prev: bytes, seq: int, at: str, actor: str, action: str, target: str, details: str) -> bytes:
    h = hashlib.sha256()
    for f in (b"kyso-audit-v1", prev, struct.pack(">Q", seq), at.encode(), actor.encode(),
              action.encode(), target.encode(), details.encode(), b"end"):
        h.update(field(f))
    return h.digest()


vectors = [
    dict(prev="", seq=1, at="2026-03-04T05:06:07.123456789Z", actor="system", action="ca.rotate",
         target="", details="{}"),
    dict(prev=hashlib.sha256(b"kyso").hexdigest(), seq=42, at="2026-12-31T23:59:59.000000001Z",
         actor="cli_abcdefghijklm", action="sign.pdf", target="cred-1",
         details='{"client":"cli_abcdefghijklm","credential":"cred-1","document_sha256":"'
                 + hashlib.sha256(b"document").hexdigest() + '","level":"B-T"}'),
    dict(prev=hashlib.sha256(b"prev").hexdigest(), seq=7, at="2026-01-01T00:00:00.000000000Z",
         actor="adm_x", action="cert.issue", target="cert-<1>&",
         details='{"name":"Nguyễn Văn An","organization":"Sở Tư pháp Hà Nội"}'),
]
for v in vectors:
    v["hash"] = record_hash(bytes.fromhex(v["prev"]), v["seq"], v["at"], v["actor"], v["action"],
                            v["target"], v["details"]).hex()
print(json.dumps(vectors, ensure_ascii=False, indent=2))
