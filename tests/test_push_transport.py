"""The dispatcher's own Web Push transport: RFC 8291 encryption checked against http_ece (an
independent implementation), and the keep-alive HTTP/1.1 connection against real sockets that
answer the byte sequences HTTP/1.1 allows."""
import base64
import datetime
import ipaddress
import socket
import ssl
import threading

import http_ece
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from cryptography.x509.oid import NameOID

from tests.push_service import PushService
from tracker.notify.connections import MAX_BODY, Connection, ProtocolError
from tracker.notify.encryption import MAX_PLAINTEXT, SubscriptionKeys, encrypt


# --- encryption ----------------------------------------------------------------------------------

def test_every_message_gets_its_own_key_and_salt_and_decrypts():
    service = PushService()
    sub = service.new_subscription()
    browser = service._sub(sub)
    keys = SubscriptionKeys(sub["keys"]["p256dh"], sub["keys"]["auth"])
    bodies = [encrypt(b'{"title": "t"}', keys) for _ in range(3)]
    # Header: salt (16) | record size (4) | key id length (1) | our ephemeral public key (65).
    assert len({body[:16] for body in bodies}) == 3
    assert {body[20] for body in bodies} == {65}
    assert len({body[21:86] for body in bodies}) == 3
    for body in bodies:
        assert http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth,
                                version="aes128gcm") == b'{"title": "t"}'
    largest = "é".encode() * (MAX_PLAINTEXT // 2) + b"x" * (MAX_PLAINTEXT % 2)
    assert http_ece.decrypt(encrypt(largest, keys), private_key=browser.private_key, auth_secret=browser.auth,
                            version="aes128gcm") == largest
    with pytest.raises(ValueError):
        encrypt(largest + b"x", keys)


def test_malformed_subscription_keys_are_refused():
    service = PushService()
    good = service.new_subscription()["keys"]
    other_curve = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint)
    for p256dh, auth in (("AAAA", good["auth"]), ("BAAA", good["auth"]), ("not base64!", good["auth"]),
                         (base64.urlsafe_b64encode(other_curve).decode(), good["auth"]),
                         (good["p256dh"], "c2hvcnQ")):
        with pytest.raises(ValueError):
            SubscriptionKeys(p256dh, auth)


# --- the HTTP/1.1 connection ---------------------------------------------------------------------

class Scripted:
    """A TCP server on 127.0.0.1 that reads whole requests and answers the raw bytes it is given,
    in order; `None` as an answer closes the connection without answering, and so does an answer
    without a length. After `Connection: close` or HTTP/1.0 it leaves closing to the client."""

    def __init__(self, answers, tls: ssl.SSLContext | None = None):
        self.answers = list(answers)
        self.tls = tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        port = self.server.getsockname()[1]
        self.origin = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.answers:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            if self.tls:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except ssl.SSLError:        # the client refused our certificate
                    conn.close()
                    continue
            with conn, conn.makefile("rb") as reader:
                while self.answers:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = reader.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = [int(h.split(b":")[1]) for h in head.split(b"\r\n")
                              if h.lower().startswith(b"content-length:")]
                    self.requests.append(head + reader.read(length[0] if length else 0))
                    answer = self.answers.pop(0)
                    if answer is None:
                        break
                    try:
                        conn.sendall(answer)
                    except OSError:         # the client stopped reading an answer it refused
                        break
                    framed = b"Content-Length" in answer or b"chunked" in answer or b" 204 " in answer
                    if not framed:
                        break

    def close(self):
        self.server.close()


@pytest.fixture
def scripted():
    servers = []

    def make(*answers, tls=None):
        servers.append(Scripted(answers, tls))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def test_keep_alive_chunked_and_interim_answers(scripted):
    server = scripted(b"HTTP/1.1 201 Created\r\nLocation: /m/1\r\nContent-Length: 2\r\n\r\nok",
                      b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
                      b"HTTP/1.1 204 No Content\r\n\r\n")
    connection = Connection(server.origin, timeout=5)
    first = connection.post("/push/a?x=1", [("TTL", "60")], b"body")
    assert (first.status, first.headers["location"], first.body) == (201, "/m/1", b"ok")
    second = connection.post("/push/b", [], b"")
    assert (second.status, second.body) == (400, b"hello world")
    assert connection.post("/push/c", [], b"").status == 204
    assert server.connections == 1
    assert server.requests[0].startswith(b"POST /push/a?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"TTL: 60\r\nContent-Length: 4\r\n\r\nbody" in server.requests[0]
    connection.close()


def test_closing_answers_and_a_closed_idle_connection_open_a_new_one(scripted):
    server = scripted(b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                      b"HTTP/1.0 201 Created\r\nContent-Length: 0\r\n\r\n",
                      b"HTTP/1.1 410 Gone\r\n\r\nno length: read until closed",
                      b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                      None,          # closed as the next request arrives: the keep-alive race
                      b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    connection = Connection(server.origin, timeout=5)
    assert [connection.post("/", [], b"x").status for _ in range(3)] == [201, 201, 410]
    assert server.connections == 3
    assert connection.post("/", [], b"x").status == 201
    # The service drops the reused connection without answering: sent once more on a new one.
    assert connection.post("/", [], b"again").status == 201
    assert server.connections == 5
    assert server.requests[-2:] == [server.requests[-1]] * 2
    connection.close()


def test_a_new_connection_closed_without_answer_and_bad_answers_raise(scripted):
    half = b"%x\r\n" % (MAX_BODY // 2 + 1) + b"x" * (MAX_BODY // 2 + 1) + b"\r\n"
    server = scripted(None, b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1),
                      b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n" + half * 2 + b"0\r\n\r\n",
                      b"HTTP/1.1 400 Bad Request\r\n\r\n" + b"x" * (MAX_BODY + 1),
                      b"SMTP ready\r\n\r\n")
    connection = Connection(server.origin, timeout=5)
    with pytest.raises(OSError):
        connection.post("/", [], b"x")
    # Oversized by its Content-Length, by its chunks, until close; then not HTTP at all.
    for _ in range(4):
        with pytest.raises(ProtocolError):
            connection.post("/", [], b"x")
    with pytest.raises(ValueError):
        Connection("ftp://127.0.0.1:1")
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(OSError):
        Connection(f"http://127.0.0.1:{port}", timeout=5).post("/", [], b"x")


def test_through_a_connect_proxy(scripted):
    server = scripted(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    proxy = socket.create_server(("127.0.0.1", 0))
    seen = []

    def tunnel():
        client, _ = proxy.accept()
        with client:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += client.recv(1)
            seen.append(head)
            target = head.split()[1].decode()
            upstream = socket.create_connection(("127.0.0.1", int(target.rsplit(":", 1)[1])))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            with upstream:
                request = client.recv(65536)
                upstream.sendall(request)
                client.sendall(upstream.recv(65536))

    thread = threading.Thread(target=tunnel, daemon=True)
    thread.start()
    try:
        proxied = Connection(server.origin, timeout=5, proxy=f"http://127.0.0.1:{proxy.getsockname()[1]}")
        assert proxied.post("/push/p", [], b"x").status == 201
        proxied.close()
    finally:
        proxy.close()
    port = server.origin.rsplit(":", 1)[1]
    assert seen == [f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()]
    assert server.requests[0].startswith(b"POST /push/p HTTP/1.1\r\n")


def test_https_with_certificate_checks(scripted, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context(cafile=tmp_path / "cert.pem")

    server = scripted(*[b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"] * 2, tls=server_side)
    connection = Connection(server.origin, timeout=5, ssl_context=trusting)
    assert [connection.post("/push/t", [], b"x").status for _ in range(2)] == [201, 201]
    assert server.connections == 1 and len(server.requests) == 2
    connection.close()
    # Without trusting that certificate (the system's roots only): refused before anything is sent.
    stranger = scripted(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", tls=server_side)
    with pytest.raises(ssl.SSLError):
        Connection(stranger.origin, timeout=5).post("/push/t", [], b"x")
    assert stranger.requests == []
