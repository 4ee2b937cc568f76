"""An independent DKIM verifier for the tests: Debian's python3-dkim (dkimpy), asking the test's DNS server.

Usage: dkim_verify.py <dns port> <message.eml>. Prints PASS or FAIL and exits 0 or 1.
dkimpy's own dkimverify asks the system resolver; this is the same verify() with the test's name server.
"""
import sys

import dkim
import dns.resolver


def main():
    port = int(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        message = f.read()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = port

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii")
        try:
            answer = resolver.resolve(name, "TXT", lifetime=timeout)
        except Exception:
            return None
        return b"".join(answer[0].strings)

    ok = dkim.verify(message, dnsfunc=dnsfunc)
    print("PASS" if ok else "FAIL", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
