"""A real SMTP server for the Messaging tests (aiosmtpd), saving each message as an .eml file.

Recipients containing "+tempfail" get "450 4.2.0 try later" the first N times, then are accepted;
recipients containing "+reject" always get "550 5.1.1 no such user".
Prints "READY <port>" once listening and stops when stdin closes (so it never outlives the test run).
"""
import argparse
import os
import socket
import sys
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class SinkHandler:
    def __init__(self, directory, tempfail_times):
        self.directory = directory
        self.tempfail_times = tempfail_times
        self.tempfails = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        lower = address.lower()
        if "+reject" in lower:
            return "550 5.1.1 no such user"
        if "+tempfail" in lower:
            seen = self.tempfails.get(lower, 0)
            if seen < self.tempfail_times:
                self.tempfails[lower] = seen + 1
                return "450 4.2.0 try later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        name = uuid.uuid4().hex
        temporary = os.path.join(self.directory, name + ".tmp")
        with open(temporary, "wb") as f:
            # The envelope sender, as a delivering server records it: bounce tests read the return address here.
            f.write(b"Return-Path: <" + (envelope.mail_from or "").encode() + b">\r\n")
            f.write(envelope.original_content or envelope.content)
        os.replace(temporary, os.path.join(self.directory, name + ".eml"))
        return "250 2.0.0 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"demo" and auth_data.password == b"secret"
    return AuthResult(success=ok, handled=False)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tempfail-times", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    port = free_port()
    controller = Controller(
        SinkHandler(args.dir, args.tempfail_times),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
