"""An HTTPS front for a plain-HTTP fake on loopback, for clients that only speak https://
(ns1-python builds `https://{endpoint}:{port}`). Run with the project's venv by
tests/conformance/ns1_octodns.rs:

    tls_front.py UPSTREAM [PORT]

UPSTREAM is `127.0.0.1:PORT` of the plain-HTTP server. The front makes a throw-away
self-signed certificate for 127.0.0.1 (never written anywhere but a private temporary
directory, removed at once), listens with TLS on 127.0.0.1:PORT (default 0: any free port),
prints the port it listens on as stdout's first line, and copies each connection's bytes to a
new connection to UPSTREAM and back, one thread per connection. It exits when its stdin
closes, so a test that dies leaves no process behind. Loopback only.
"""

import datetime
import ipaddress
import os
import select
import socket
import ssl
import sys
import tempfile
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"


def context():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # the ssl module loads certificates from files only
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


def pump(client, upstream_addr, ctx):
    """One connection: TLS handshake, then bytes both ways until either side closes. One
    thread touches the TLS socket, so reads and writes never overlap."""
    try:
        tls = ctx.wrap_socket(client, server_side=True)
    except (ssl.SSLError, OSError):
        client.close()
        return
    try:
        up = socket.create_connection(upstream_addr)
    except OSError:
        tls.close()
        return
    try:
        while True:
            # bytes already decrypted inside the TLS object do not make the socket readable
            ready = [tls] if tls.pending() else select.select([tls, up], [], [], 60)[0]
            if not ready:
                continue
            if tls in ready:
                try:
                    data = tls.recv(65536)
                except ssl.SSLWantReadError:
                    continue
                if not data:
                    break
                up.sendall(data)
            if up in ready:
                data = up.recv(65536)
                if not data:
                    break
                tls.sendall(data)
    except (ssl.SSLError, OSError):
        pass
    finally:
        for s in (tls, up):
            try:
                s.close()
            except OSError:
                pass


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    if host != LOOPBACK:
        sys.exit(f"tls_front.py: the upstream must be on {LOOPBACK}, not {host}")
    upstream_addr = (host, int(port))
    listen_port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    ctx = context()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((LOOPBACK, listen_port))
    server.listen(64)
    print(server.getsockname()[1], flush=True)

    def accept():
        while True:
            client, _ = server.accept()
            threading.Thread(target=pump, args=(client, upstream_addr, ctx), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    # until the parent goes away
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    main()
