"""An HTTPS CONNECT proxy that sends named hosts to plain-HTTP fakes on loopback, for clients
with a fixed `https://api.<provider>.com` base (octoDNS providers built on `requests`, which
honours HTTPS_PROXY and REQUESTS_CA_BUNDLE). Run with the project's venv by
tests/conformance/https_proxy.rs:

    https_proxy.py --ca-out PATH --map HOST=127.0.0.1:PORT [--map HOST[:PORT]=127.0.0.1:PORT ...]

At start it makes a throw-away CA (its key stays in memory) and writes the CA's certificate
(PEM) to PATH. It listens on 127.0.0.1 port 0 and prints the port as stdout's first line.
For `CONNECT HOST:443` (or HOST:PORT when mapped with a port) of a mapped host it answers
200, terminates TLS itself with a leaf certificate for HOST signed by the CA (made once per
host), and copies the decrypted bytes to a new connection to the mapped upstream and back, as
sent (the Host header is not rewritten; keep-alive works since bytes flow until either side
closes). Any other host or port gets 403 and any other method 405: nothing is resolved and
nothing but the mapped 127.0.0.1 upstreams is ever connected to. One thread per connection;
each CONNECT is logged on stderr. It exits when its stdin closes, so a test that dies leaves
no process behind.
"""

import argparse
import datetime
import os
import socket
import ssl
import sys
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# the byte pump after the TLS handshake is the one of the plain TLS front
from tls_front import LOOPBACK, pump

# a CONNECT request's head is a few hundred bytes; more is not a client we serve
MAX_HEAD = 16384


def log(msg):
    print(f"https_proxy.py: {msg}", file=sys.stderr, flush=True)


def validity():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1)


class Ca:
    """The throw-away CA and the TLS server contexts of the hosts it has signed for."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dnsplan conformance tests"),
                x509.NameAttribute(NameOID.COMMON_NAME, "dnsplan throw-away test CA"),
            ]
        )
        start, end = validity()
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.contexts = {}
        self.lock = threading.Lock()

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def context(self, host):
        """The server context for `host` (made on first use, then cached)."""
        with self.lock:
            ctx = self.contexts.get(host)
            if ctx is None:
                ctx = self.contexts[host] = self.leaf_context(host)
            return ctx

    def leaf_context(self, host):
        key = ec.generate_private_key(ec.SECP256R1())
        start, end = validity()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # the ssl module loads certificates from files only: the leaf's, in a private
        # temporary directory removed at once (the CA key is never written)
        with tempfile.TemporaryDirectory() as d:
            cert_file, key_file = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            with open(cert_file, "wb") as f:
                f.write(cert.public_bytes(serialization.Encoding.PEM))
            with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption(),
                    )
                )
            ctx.load_cert_chain(cert_file, key_file)
        return ctx


def read_head(client):
    """The request head up to and including its blank line, without reading past it (the
    TLS handshake that follows a CONNECT must stay in the socket)."""
    head = b""
    while b"\r\n\r\n" not in head:
        if len(head) > MAX_HEAD:
            return None
        peek = client.recv(4096, socket.MSG_PEEK)
        if not peek:
            return None
        end = (head + peek).find(b"\r\n\r\n")
        want = len(peek) if end < 0 else end + 4 - len(head)
        got = client.recv(want)
        if not got:
            return None
        head += got
    return head


def answer(client, status, reason, extra=""):
    body = f"{status} {reason}\n".encode()
    client.sendall(
        f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


def serve(client, routes, ca):
    try:
        client.settimeout(30)
        head = read_head(client)
        if head is None:
            client.close()
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            log(f"refused {line!r}: only CONNECT is served (405)")
            answer(client, 405, "Method Not Allowed", "Allow: CONNECT\r\n")
            client.close()
            return
        target = parts[1]
        host, _, port = target.rpartition(":")
        key = (host.lower().rstrip("."), port)
        upstream = routes.get(key) if port.isdigit() else None
        if upstream is None:
            log(f"refused CONNECT {target}: not mapped (403)")
            answer(client, 403, "Forbidden")
            client.close()
            return
        ctx = ca.context(key[0])
        log(f"CONNECT {target} -> {upstream[0]}:{upstream[1]}")
        client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        client.settimeout(None)
    except OSError:
        client.close()
        return
    # TLS handshake (a client that does not trust the CA gives up here), then bytes both ways
    pump(client, upstream, ctx)


def route(spec):
    """`HOST[:PORT]=127.0.0.1:PORT` as ((host, port), (upstream host, upstream port))."""
    name, sep, upstream = spec.partition("=")
    up_host, _, up_port = upstream.rpartition(":")
    if not sep or not name or up_host != LOOPBACK or not up_port.isdigit():
        raise argparse.ArgumentTypeError(
            f"{spec!r}: want HOST[:PORT]={LOOPBACK}:PORT (upstreams are on {LOOPBACK} only)"
        )
    host, _, port = name.rpartition(":")
    if not port.isdigit():
        host, port = name, "443"
    return (host.lower().rstrip("."), port), (up_host, int(up_port))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--map", type=route, action="append", default=[], metavar="HOST=UP")
    parser.add_argument("--ca-out", required=True, metavar="PATH")
    args = parser.parse_args()
    routes = dict(args.map)
    ca = Ca()
    with open(args.ca_out, "wb") as f:
        f.write(ca.pem())
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((LOOPBACK, 0))
    server.listen(64)
    print(server.getsockname()[1], flush=True)

    def accept():
        while True:
            client, _ = server.accept()
            threading.Thread(target=serve, args=(client, routes, ca), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    # until the parent goes away
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    main()
