"""The aiohttp transport under PTB: its errors are PTB's errors, and files go as multipart."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from channels.telegram.transport import AiohttpRequest


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def silent_server() -> tuple[asyncio.base_events.Server, int]:
    """Accepts connections and never answers."""
    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)
        await asyncio.sleep(30)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_a_refused_connection_is_a_network_error() -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request(f"http://127.0.0.1:{closed_port()}/bot1:x/getMe", "POST")
        assert not isinstance(caught.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_server_that_never_answers_times_out() -> None:
    server, port = await silent_server()
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"http://127.0.0.1:{port}/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()
        server.close()


async def test_not_initialized_is_refused() -> None:
    with pytest.raises(RuntimeError):
        await AiohttpRequest().do_request("http://127.0.0.1:1/", "POST")


async def test_form_fields_and_files_reach_the_server() -> None:
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        seen.append(head + await reader.readexactly(length))
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"ok":true}')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        from telegram import InputFile

        data = RequestData([RequestParameter.from_input("chat_id", 7),
                            RequestParameter.from_input("document", InputFile(b"PK-bytes", filename="list.xlsx"))])
        status, body = await request.do_request(f"http://127.0.0.1:{port}/bot1:x/sendDocument", "POST", data)
        assert (status, body) == (200, b'{"ok":true}')
        sent = seen[0]
        assert b"multipart/form-data" in sent and b'filename="list.xlsx"' in sent and b"PK-bytes" in sent
        assert b'name="chat_id"' in sent
    finally:
        await request.shutdown()
        server.close()
