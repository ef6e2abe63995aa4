"""QUALITY.md, "Nothing clinical is lost": the server is killed (SIGKILL) in the middle of a
monitor's vital-sign post; the monitor cannot know whether the reading was stored, so it sends it
again, with the same client UUID, to the restarted server. Whenever the kill came, the reading is
stored exactly once and the audit trail's hash chain still verifies.

Three moments of death:

- after the reading was committed, before the monitor read the answer;
- while the request waits inside the server for the database (before anything is committed);
- while the request is still arriving (half of its body sent).
"""

import http.client
import json
import select
import socket
import time
import uuid
from datetime import UTC, datetime

import pytest

LIVE_S = 20  # a committed reading shows in the database well within this


def _reading(client_id: uuid.UUID) -> bytes:
    return json.dumps(
        {
            "client_id": str(client_id),
            "measured_at": datetime.now(UTC).isoformat(),
            "systolic": 131,
            "diastolic": 83,
            "heart_rate": 74,
            "spo2": 97,
            "resp_rate": 15,
        }
    ).encode()


def _raw_request(server, token: str, body: bytes) -> bytes:
    return (
        f"POST /api/v1/vitals HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _send_without_reading(server, data: bytes) -> socket.socket:
    """Send ``data`` on a new connection and leave the answer unread (the caller closes it)."""
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(data)
    return connection


def _post(server, token: str, body: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request("POST", "/api/v1/vitals", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def _stored(database, client_id: uuid.UUID) -> int:
    rows = database.query(
        "SELECT COUNT(*) FROM infusions_vitalsigns WHERE client_id = ? OR client_id = ?",
        (client_id.hex, str(client_id)),
    )
    return rows[0][0]


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + LIVE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _audit_chain_verifies(database) -> None:
    done = database.holdspace("verify-audit", "--json")
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["intact"] is True


def _retry_after_restart(server, database, feed, client_id, body) -> int:
    """Start the server again on the same database and resend the same reading."""
    server.start()
    status, answer = _post(server, feed["token"], body)
    assert status in (200, 201), answer
    assert answer["client_id"] == str(client_id)
    assert answer["session"] == feed["session"]
    # A second retry, as a cautious monitor might send, stores nothing new either.
    assert _post(server, feed["token"], body)[0] == 200
    return status


def test_killed_after_the_commit_before_the_answer_was_read(server, database, feed):
    client_id = uuid.uuid4()
    body = _reading(client_id)
    connection = _send_without_reading(server, _raw_request(server, feed["token"], body))
    try:
        _until(lambda: _stored(database, client_id) == 1, "the reading to be committed")
        server.kill()
    finally:
        connection.close()

    status = _retry_after_restart(server, database, feed, client_id, body)
    # The server recognises the reading it stored before it died.
    assert status == 200
    assert _stored(database, client_id) == 1
    _audit_chain_verifies(database)


@pytest.fixture
def database_held(database):
    """Hold the database's write lock on vital signs (as a long transaction elsewhere would),
    so a post waits inside the server; released when the test says so or at the end."""
    if database.postgres:
        import psycopg

        holder = psycopg.connect(database.env["DATABASE_URL"])
        holder.execute("LOCK TABLE infusions_vitalsigns IN SHARE ROW EXCLUSIVE MODE")
    else:
        import sqlite3

        holder = sqlite3.connect(database.env["HOLDSPACE_SQLITE_PATH"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    released = []

    def release() -> None:
        if not released:
            holder.rollback()
            holder.close()
            released.append(True)

    try:
        yield release
    finally:
        release()


def _waiting_inside_the_server(database, connection: socket.socket) -> bool:
    """The post has reached the database and waits there: on PostgreSQL a backend is seen
    waiting for the lock; on SQLite (which cannot show that) no answer came for a while,
    where an answer normally takes milliseconds."""
    if database.postgres:
        rows = database.query(
            "SELECT COUNT(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return rows[0][0] > 0
    readable, _, _ = select.select([connection], [], [], 1.5)
    return not readable


def test_killed_while_the_request_waits_for_the_database(server, database, feed, database_held):
    client_id = uuid.uuid4()
    body = _reading(client_id)
    connection = _send_without_reading(server, _raw_request(server, feed["token"], body))
    try:
        _until(lambda: _waiting_inside_the_server(database, connection), "the post to wait")
        server.kill()
    finally:
        connection.close()
    database_held()
    assert _stored(database, client_id) == 0

    status = _retry_after_restart(server, database, feed, client_id, body)
    assert status == 201
    assert _stored(database, client_id) == 1
    _audit_chain_verifies(database)


def test_killed_while_the_request_is_still_arriving(server, database, feed):
    client_id = uuid.uuid4()
    body = _reading(client_id)
    data = _raw_request(server, feed["token"], body)
    connection = _send_without_reading(server, data[: len(data) - len(body) // 2])
    try:
        # The server has the headers and half the body, and waits for the rest.
        readable, _, _ = select.select([connection], [], [], 1.0)
        assert not readable
        server.kill()
    finally:
        connection.close()
    assert _stored(database, client_id) == 0

    status = _retry_after_restart(server, database, feed, client_id, body)
    assert status == 201
    assert _stored(database, client_id) == 1
    _audit_chain_verifies(database)
