"""The one HTTP fetcher: every outbound request (feeds, pages, feed item links, a page a
chat user asks about) goes through :class:`Fetcher`, under one address policy and one set
of limits. Everything it fetches is treated as hostile.

Address policy (:class:`Policy`), enforced on the address actually connected to:

* The URL is parsed once (``httpx.URL``, which applies IDNA to a non-ASCII host name); the
  ASCII host name it yields is the name that is resolved, checked and connected to.
* Every connection, for every hop of every redirect, goes through a network backend that
  resolves that name once, refuses it if any address it resolves to is not public
  (loopback, private, link-local, carrier-grade NAT, multicast, reserved, unspecified;
  IPv4 inside IPv6 is unwrapped) and then connects to one of exactly those addresses. The
  host header and the TLS server name stay the URL's host name. A name that does not
  resolve is refused, never taken for public. The peer of the connection is checked once
  more before any byte of the body is read.
* ``allow_private`` (the operator's own CLI) lifts the check; ``allowed_hosts`` names the
  hosts the operator allows on private addresses for everyone. Addresses found inside
  fetched content (a feed item's link) never get ``allow_private``: see
  :meth:`Policy.for_content`.
* No environment proxy is used: a proxy would resolve and connect on our behalf, out of
  reach of the check.

Limits (:class:`FetchOptions`): a connect/read timeout, a deadline for the whole answer
(all hops), at most ``max_redirects`` redirects, at most ``concurrency`` requests at once,
and a cap on the *decoded* size of each response and on the decoded bytes of all
responses of one run (one :class:`Fetcher`). Content-Encoding (gzip, deflate, stacked up to
:data:`MAX_CODINGS`) is decoded here, in steps of at most :data:`STEP` bytes, and every
step is counted before the next is produced, so a compression bomb stops at the cap.

Errors are :class:`FetchError` with one plain line; ``refused`` marks the ones a chat user
must only ever see as :data:`UNREACHABLE` (so that nobody can probe which internal hosts
or ports exist), ``budget`` the ones caused by the run's byte budget, not by the source.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import ipaddress
import logging
import socket
import ssl
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from newsbrief.summaries.text import normalise_host

__all__ = [
    "FetchError",
    "FetchOptions",
    "Fetcher",
    "Policy",
    "Response",
    "UNREACHABLE",
    "USER_AGENT",
    "fetch",
    "normalise_host",
    "run_sync",
]

log = logging.getLogger(__name__)

USER_AGENT = "newsbrief/0.1 (+https://github.com/newsbrief/newsbrief; news briefing bot)"
DEFAULT_TIMEOUT = 10.0  # seconds, for connecting and for each read
DEADLINE_FACTOR = 3  # by default a whole answer must arrive within this many timeouts
MAX_REDIRECTS = 5
CONCURRENCY = 4
MAX_BYTES = 5 * 1024 * 1024
RUN_MAX_BYTES = 256 * 1024 * 1024
STEP = 64 * 1024  # the most one decoding step may produce
MAX_CODINGS = 3  # stacked Content-Encodings beyond this are refused
MAX_URL_CHARS = 4096

UNREACHABLE = "that address cannot be reached from here"


class FetchError(Exception):
    """A request that was refused or failed; the message is one plain line saying why.

    ``refused``: the address policy refused it, or the host name does not resolve; a chat
    user is only ever told :data:`UNREACHABLE` for these. ``budget``: the run's byte
    budget is used up (not the source's fault; try again next run)."""

    def __init__(self, message: str, *, refused: bool = False, budget: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        self.budget = budget


# -- address policy -----------------------------------------------------------------------


def address_kind(address: str) -> str:
    """'' for a public (globally routable) address, else what it is, e.g. 'loopback'."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            kind = address_kind(str(embedded))
            if kind:
                return kind
    if ip.is_loopback:
        return "loopback"
    if isinstance(ip, ipaddress.IPv6Address):
        for network, kind in _UNROUTED_V6:
            if ip in network:
                return kind
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private network"
    if not ip.is_global:
        return "non-public"
    return ""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 forms no public host answers at, whatever they embed (Python's ``is_global`` calls
# them global): IPv4-compatible addresses (deprecated, RFC 4291), IPv4-translated ones
# (SIIT, RFC 2765), the local-use NAT64 prefix (RFC 8215) and site-local (RFC 3879)
_UNROUTED_V6 = tuple(
    (ipaddress.IPv6Network(net), kind)
    for net, kind in (
        ("::/96", "IPv4-compatible"),
        ("::ffff:0:0:0/96", "IPv4-translated"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("fec0::/10", "site-local"),
    )
)


@dataclass(frozen=True)
class Policy:
    """Which addresses may be connected to.

    ``allow_private``: any address (the operator's own CLI). ``allowed_hosts``: host names
    (as :func:`normalise_host` gives them) that may resolve to non-public addresses."""

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def for_content(self) -> Policy:
        """The policy for an address found inside fetched content (a feed item's link):
        never ``allow_private``, only the operator's named hosts."""
        return Policy(False, self.allowed_hosts)

    def refusal(self, host: str, address: str) -> str:
        """'' if ``host`` may be connected to at ``address``, else the reason (operator-facing)."""
        if self.allow_private or host in self.allowed_hosts:
            return ""
        kind = address_kind(address)
        if not kind:
            return ""
        return f"refused: {host} is at {address}, a {kind} address (not allowed for this request)"


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host once, checks every address, connects to a checked address."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(asyncio.to_thread(_resolve, host, port), timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        except (OSError, UnicodeError):
            raise FetchError(f"refused: the host name {host} does not resolve", refused=True) from None
        if not addresses:
            raise FetchError(f"refused: the host name {host} does not resolve", refused=True)
        for address in addresses:
            reason = self.policy.refusal(host, address)
            if reason:
                raise FetchError(reason, refused=True)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("refused: not a network address", refused=True)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every fetcher (loading the CA bundle takes ~0.1 s): certifi's
    bundle, or $SSL_CERT_FILE / $SSL_CERT_DIR, certificates and host names verified."""
    return httpx.create_ssl_context()


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool on the guarded backend."""

    def __init__(self, policy: Policy, limits: httpx.Limits) -> None:
        super().__init__(verify=_ssl_context(), limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy),
        )


# -- decoding -----------------------------------------------------------------------------


class _ZlibStream:
    """One gzip or deflate layer, decoded in steps of at most :data:`STEP` bytes."""

    def __init__(self, coding: str) -> None:
        self.gzip = coding in ("gzip", "x-gzip")
        self.raw_deflate = False
        self.started = False
        self.done = False
        self._new()

    def _new(self) -> None:
        wbits = 16 + zlib.MAX_WBITS if self.gzip else (-zlib.MAX_WBITS if self.raw_deflate else zlib.MAX_WBITS)
        self.d = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while not self.done:
            try:
                out = self.d.decompress(data, STEP)
            except zlib.error:
                if not self.gzip and not self.started and not self.raw_deflate:
                    self.raw_deflate = True  # "deflate" sent without its zlib header, as some servers do
                    self._new()
                    continue
                raise FetchError("the server sent a corrupt compressed body") from None
            self.started = True
            if out:
                yield out
            if self.d.eof:
                rest = self.d.unused_data
                if self.gzip and rest[:2] == b"\x1f\x8b":
                    self._new()  # the next member of a multi-member gzip file
                    data = rest
                    continue
                self.done = True  # anything after the end of the stream is ignored
                return
            data = self.d.unconsumed_tail
            if not data and len(out) < STEP:
                return  # all input consumed and no output held back

    def finish(self) -> Iterator[bytes]:
        """What is left once the body has ended (a truncated stream is accepted)."""
        return self.feed(b"")


def _decoders(content_encoding: str) -> list[_ZlibStream]:
    """Decoders for a Content-Encoding header, in the order they are to be applied."""
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > MAX_CODINGS:
        raise FetchError(f"refused: {len(codings)} stacked content encodings (at most {MAX_CODINGS} are accepted)")
    for c in codings:
        if c not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"the server used a content encoding that is not supported ({c[:30]})")
    return [_ZlibStream(c) for c in reversed(codings)]


def _through(decoders: list[_ZlibStream], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].feed(data):
        yield from _through(decoders[1:], piece)


def _drain(decoders: list[_ZlibStream]) -> Iterator[bytes]:
    for i, decoder in enumerate(decoders):
        for piece in decoder.finish():
            yield from _through(decoders[i + 1 :], piece)


# -- fetching -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchOptions:
    """How requests are made. Defaults suit production; tests shrink them.

    ``deadline``: seconds for a whole answer, all redirect hops included (0: three times
    ``timeout``). ``max_bytes``: decoded bytes of one response. ``run_max_bytes``: decoded
    bytes of all responses of one :class:`Fetcher` (one job run)."""

    timeout: float = DEFAULT_TIMEOUT
    deadline: float = 0.0
    max_bytes: int = MAX_BYTES
    run_max_bytes: int = RUN_MAX_BYTES
    concurrency: int = CONCURRENCY
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT
    allow_private: bool = False  # any address, e.g. for the operator's own CLI
    allowed_hosts: tuple[str, ...] = field(default=())  # hosts allowed on private addresses

    @property
    def total_deadline(self) -> float:
        return self.deadline or self.timeout * DEADLINE_FACTOR

    @property
    def policy(self) -> Policy:
        hosts = set()
        for name in self.allowed_hosts:
            try:
                hosts.add(normalise_host(name))
            except ValueError:
                log.warning("allowed host %r is not a host name; ignored", name)
        return Policy(self.allow_private, frozenset(hosts))

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> FetchOptions:
        """Options from :class:`summaries.config.Settings`: the per-response cap is
        ``[storage] max_article_bytes``; the run budget and the allowed private hosts come
        from ``[fetch]``. The address policy is the public one unless overridden."""
        values: dict[str, Any] = {"max_bytes": settings.storage.max_article_bytes}
        fetch_settings = getattr(settings, "fetch", None)
        if fetch_settings is not None:
            values["run_max_bytes"] = fetch_settings.run_max_bytes
            values["allowed_hosts"] = tuple(fetch_settings.allow_private_hosts)
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class Response:
    """A fetched answer: the final URL (after redirects), its decoded body and validators."""

    url: str
    status: int
    content: bytes
    content_type: str
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion from synchronous code, even if this thread already
    runs an event loop (then in a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def parse_url(url: str) -> httpx.URL:
    """An http(s) URL, parsed once; FetchError if it is not one."""
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"the web address is too long (over {MAX_URL_CHARS:,} characters)")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, TypeError, ValueError):
        raise FetchError("that is not a valid web address") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("that is not an http(s) web address")
    if not parsed.raw_host:
        raise FetchError("that web address has no host name")
    return parsed


def _connect_failure(exc: BaseException) -> str:
    text = str(exc).lower()
    if "certificate" in text or "ssl" in text or "tls" in text:
        return "cannot connect securely: the server's TLS certificate or handshake failed"
    if "refused" in text:
        return "cannot connect: the server refused the connection"
    if "unreachable" in text:
        return "cannot connect: the network is unreachable"
    return "cannot connect to the server"


class Fetcher:
    """An async fetcher with the rules above, shared by one run; use ``async with``."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self.requests = 0
        self.used = 0  # decoded bytes received in this run
        self.policy = options.policy
        self._semaphore = asyncio.Semaphore(max(1, options.concurrency))
        self._clients: dict[Policy, httpx.AsyncClient] = {}

    def _client(self, policy: Policy) -> httpx.AsyncClient:
        client = self._clients.get(policy)
        if client is None:
            limits = httpx.Limits(max_connections=max(1, self.options.concurrency) * 2)
            client = httpx.AsyncClient(
                transport=_GuardedTransport(policy, limits),
                follow_redirects=False,
                timeout=httpx.Timeout(self.options.timeout),
                headers={"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"},
                trust_env=False,
            )
            self._clients[policy] = client
        return client

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def get(
        self, url: str, *, etag: str = "", last_modified: str = "", accept: str = "*/*", from_content: bool = False
    ) -> Response:
        """GET ``url`` (following redirects). ``from_content``: the URL was found inside
        fetched content (a feed item's link), so :meth:`Policy.for_content` applies.
        Raises :class:`FetchError`."""
        target = parse_url(url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        policy = self.policy.for_content() if from_content else self.policy
        opts = self.options
        async with self._semaphore:
            self.requests += 1
            try:
                async with asyncio.timeout(opts.total_deadline):
                    return await self._get(self._client(policy), policy, target, headers)
            except FetchError:
                raise
            except TimeoutError:
                raise FetchError(f"timed out (no complete answer within the {opts.total_deadline:g} s limit)") from None
            except httpx.ConnectTimeout:
                raise FetchError(f"timed out (no connection within {opts.timeout:g} s)") from None
            except httpx.ReadTimeout:
                raise FetchError(f"timed out (the server sent nothing for {opts.timeout:g} s)") from None
            except httpx.TimeoutException:
                raise FetchError(f"timed out (the request could not be sent within {opts.timeout:g} s)") from None
            except httpx.ConnectError as exc:
                raise FetchError(_connect_failure(exc)) from None
            except (httpx.RemoteProtocolError, httpx.LocalProtocolError):
                raise FetchError("the server's answer was not valid HTTP") from None
            except httpx.ReadError:
                raise FetchError("the connection broke off during the answer") from None
            except httpx.HTTPError as exc:
                log.info("request to %s failed: %s: %s", url, type(exc).__name__, exc)
                raise FetchError("the request failed") from None

    async def _get(
        self, client: httpx.AsyncClient, policy: Policy, url: httpx.URL, headers: dict[str, str]
    ) -> Response:
        opts = self.options
        for _ in range(opts.max_redirects + 1):
            request = client.build_request("GET", url, headers=headers)
            resp = await client.send(request, stream=True)
            try:
                if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                    url = self._redirect(url, resp.headers["location"])
                    continue
                self._check_peer(policy, url, resp)
                return await self._read(url, resp)
            finally:
                await resp.aclose()
        raise FetchError(f"too many redirects (more than {opts.max_redirects})")

    @staticmethod
    def _redirect(url: httpx.URL, location: str) -> httpx.URL:
        try:
            nxt = url.join(location.strip())
        except (httpx.InvalidURL, UnicodeError, ValueError):
            raise FetchError("the server redirected to an invalid address") from None
        if nxt.scheme not in ("http", "https"):
            raise FetchError(
                f"the server redirected to an address that is not a web page ({nxt.scheme[:20] or 'no scheme'}:)"
            )
        if not nxt.raw_host:
            raise FetchError("the server redirected to an invalid address")
        return nxt

    @staticmethod
    def _check_peer(policy: Policy, url: httpx.URL, resp: httpx.Response) -> None:
        """The address the answer came from, checked again before its body is used."""
        stream = resp.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            raise FetchError("refused: the connected address could not be checked", refused=True)
        reason = policy.refusal(url.raw_host.decode("ascii").lower(), str(peer[0]))
        if reason:
            raise FetchError(reason, refused=True)

    async def _read(self, url: httpx.URL, resp: httpx.Response) -> Response:
        opts = self.options
        if resp.status_code == 304:
            return Response(str(url), 304, b"", "", resp.headers.get("etag", ""), resp.headers.get("last-modified", ""))
        if resp.status_code >= 400:
            raise FetchError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
        cap = opts.max_bytes
        declared = resp.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"too large ({int(declared):,} bytes, the cap is {cap:,}); not downloaded")
        decoders = _decoders(resp.headers.get("content-encoding", ""))
        chunks: list[bytes] = []
        size = 0

        def take(pieces: Iterator[bytes]) -> None:
            nonlocal size
            for piece in pieces:  # each piece is at most STEP bytes: counted before the next is made
                size += len(piece)
                self.used += len(piece)
                if size > cap:
                    raise FetchError(f"too large (more than the cap of {cap:,} bytes); download aborted")
                if self.used > opts.run_max_bytes:
                    raise FetchError(
                        f"postponed: this run's download budget of {opts.run_max_bytes:,} bytes is used up", budget=True
                    )
                chunks.append(piece)

        async for raw in resp.aiter_raw():
            take(_through(decoders, raw))
        take(_drain(decoders))
        return Response(
            url=str(url),
            status=resp.status_code,
            content=b"".join(chunks),
            content_type=resp.headers.get("content-type", ""),
            etag=resp.headers.get("etag", ""),
            last_modified=resp.headers.get("last-modified", ""),
        )


async def _fetch_one(url: str, options: FetchOptions, accept: str) -> Response:
    async with Fetcher(options) as fetcher:
        return await fetcher.get(url, accept=accept)


def fetch(url: str, options: FetchOptions, *, accept: str = "*/*") -> Response:
    """One GET from synchronous code, with its own :class:`Fetcher` (e.g. for a page a
    chat user sends, or discovering a site's feed). Raises :class:`FetchError`."""
    return run_sync(_fetch_one(url, options, accept))
