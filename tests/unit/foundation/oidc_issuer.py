"""A small OpenID Connect issuer of the tests' own, served over real HTTP on 127.0.0.1 (uvicorn in a thread).

Its keys are made when it starts (an RSA and an EC P-256 key, published in its JWKS as `rsa-1` and `ec-1`, and
a stranger RSA key it never publishes). It serves discovery, JWKS, an authorization endpoint that signs in
`next_user` at once (authorization code, S256 PKCE required) and a token endpoint that checks the client's
secret, the code (once), the redirect_uri and the PKCE verifier before it answers an ID token and an access
token. `token()` mints an access token directly, with any claim or header changed.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

API_AUDIENCE = "carepay-api"
CLIENT_ID = "carepay-dashboard"
CLIENT_SECRET = "test-client-secret-not-a-real-one"
STARTUP_S = 10.0


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class TestIssuer:
    """The issuer; `start()` serves it, `stop()` ends it (the test's fixture does both)."""

    __test__ = False  # not a test class

    def __init__(self) -> None:
        self.keys = {"rsa-1": ("RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
                     "ec-1": ("ES256", ec.generate_private_key(ec.SECP256R1()))}
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.redirect_uri = ""
        self.next_user: dict[str, Any] = {"sub": "alice", "roles": ["Carepay.Ops"]}
        self.codes: dict[str, dict[str, Any]] = {}
        self.exchanges: list[dict[str, str]] = []  # each token request the endpoint granted
        self.discovery_reads = 0
        self.discovery_down = False  # answer discovery with 500
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self.app(), log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    # --- serving --------------------------------------------------------------------------------------

    def start(self) -> TestIssuer:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_S
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the test issuer did not start within {STARTUP_S} s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_S)
        self._socket.close()

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/.well-known/openid-configuration", self.discovery),
                                 Route("/jwks", self.jwks), Route("/authorize", self.authorize),
                                 Route("/token", self.token_endpoint, methods=["POST"])])

    async def discovery(self, request: Request) -> Response:
        self.discovery_reads += 1
        if self.discovery_down:
            return JSONResponse({"error": "down"}, status_code=500)
        return JSONResponse({"issuer": self.url, "jwks_uri": f"{self.url}/jwks",
                             "authorization_endpoint": f"{self.url}/authorize", "token_endpoint": f"{self.url}/token",
                             "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
                             "id_token_signing_alg_values_supported": ["RS256", "ES256"]})

    async def jwks(self, request: Request) -> Response:
        keys = []
        for kid, (alg, key) in self.keys.items():
            algorithm = jwt.get_algorithm_by_name(alg)
            keys.append({**algorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": alg, "use": "sig"})
        return JSONResponse({"keys": keys})

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        wanted = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": self.redirect_uri,
                  "code_challenge_method": "S256"}
        wrong = [k for k, v in wanted.items() if q.get(k) != v] + [k for k in ("state", "nonce", "code_challenge")
                                                                  if not q.get(k)]
        if wrong or "openid" not in q.get("scope", "").split():
            return JSONResponse({"error": "invalid_request", "wrong": wrong}, status_code=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "user": dict(self.next_user),
                            "redirect_uri": q["redirect_uri"]}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}",
                                status_code=302)

    async def token_endpoint(self, request: Request) -> Response:
        form = await request.form()
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {basic}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)  # a code is good once
        if (form.get("grant_type") != "authorization_code" or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"]
                or s256(str(form.get("code_verifier", ""))) != grant["challenge"]):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.exchanges.append({"code_verifier": str(form["code_verifier"])})
        user = grant["user"]
        return JSONResponse({"token_type": "Bearer", "expires_in": 600,
                             "access_token": self.token(**user),
                             "id_token": self.token(aud=CLIENT_ID, nonce=grant["nonce"], **{
                                 k: v for k, v in user.items() if k != "aud"})})

    # --- tokens ---------------------------------------------------------------------------------------

    def token(self, kid: str = "rsa-1", *, key: Any = None, alg: str | None = None, headers: dict | None = None,
              **claims: Any) -> str:
        """An access token signed with key `kid` (or `key`, under that kid): iss, aud, sub, iat, exp and roles
        unless `claims` says otherwise (a value of ... leaves the claim out)."""
        now = int(time.time())
        body = {"iss": self.url, "aud": API_AUDIENCE, "sub": "alice", "iat": now, "exp": now + 600,
                "roles": ["Carepay.Ops"], **claims}
        body = {k: v for k, v in body.items() if v is not ...}
        algorithm, own = self.keys[kid]
        return jwt.encode(body, key if key is not None else own, algorithm=alg or algorithm,
                          headers={"kid": kid, **(headers or {})})
