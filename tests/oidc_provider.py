"""A small OpenID Connect provider for tests and for trying single sign-on locally.

Run as its own process: ``python tests/oidc_provider.py --port 9000``. Standard library
HTTP server, PyJWT and cryptography (both installed with mozilla-django-oidc). It speaks
the authorisation-code flow with PKCE: discovery, JWKS, authorize (consent is automatic,
for the user chosen below), token (RS256 ID tokens) and userinfo.

Who signs in, and what is odd about the next tokens, is set by POSTing JSON to
``/_control``::

    {"claims": {"email": "ann@example.com", "name": "Ann", "groups": ["HR"]},
     "aud": "someone-else", "exp_offset": -600}

``aud`` replaces the audience (default: the client id asking), ``exp_offset`` is the
token's lifetime in seconds from now (default 300; negative means already expired).
Without a control call the user is OIDC_TEST_EMAIL (default hr@example.com).

With ``--ask`` (docker-compose's ``oidc`` service) the authorize endpoint shows a form
asking whom to sign in as, for trying single sign-on by hand.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "test-key-1"


class Provider:
    def __init__(self, issuer: str, client_id: str, client_secret: str, ask: bool = False):
        self.ask = ask
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.lock = threading.Lock()
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        email = os.environ.get("OIDC_TEST_EMAIL", "hr@example.com")
        self.control = {"claims": {"email": email, "email_verified": True, "name": email}}

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KEY_ID, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def ask_page(self, query: dict) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in query.items()
        )
        return (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Test provider</title>"
            "<h1>Test OpenID provider</h1><form method=post action=/authorize>"
            f"{hidden}<label>Sign in as (email) <input name=email type=email required></label>"
            "<label><input type=checkbox name=hr value=1> in the HR group</label>"
            "<label><input type=checkbox name=mfa value=1> used a second factor</label>"
            "<button>Sign in</button></form>"
        )

    def authorize(self, query: dict, answers: dict | None = None) -> tuple[int, dict]:
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            return 400, {"error": "invalid_client"}
        control = json.loads(json.dumps(self.control))
        if answers is not None:  # the --ask form
            control = {
                "claims": {
                    "email": answers.get("email", ""),
                    "email_verified": True,
                    "name": answers.get("email", ""),
                    "groups": ["HR"] if answers.get("hr") else [],
                    "amr": ["pwd", "mfa"] if answers.get("mfa") else ["pwd"],
                }
            }
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "redirect_uri": query["redirect_uri"],
                "nonce": query.get("nonce"),
                "challenge": query.get("code_challenge"),
                "control": control,
            }
        target = (
            f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        )
        return 302, {"location": target}

    def token(self, form: dict) -> tuple[int, dict]:
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return 401, {"error": "invalid_client"}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant["challenge"]:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        control = grant["control"]
        claims = control["claims"]
        now = int(time.time())
        subject = hashlib.sha256(claims["email"].encode()).hexdigest()[:24]
        id_claims = {
            **claims,
            "iss": self.issuer,
            "sub": subject,
            "aud": control.get("aud", self.client_id),
            "iat": now,
            "exp": now + int(control.get("exp_offset", 300)),
        }
        if grant["nonce"]:
            id_claims["nonce"] = grant["nonce"]
        id_token = jwt.encode(id_claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})
        access_token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[access_token] = {**claims, "sub": subject}
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
        return 200, body

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        token = authorization.removeprefix("Bearer ").strip()
        with self.lock:
            claims = self.tokens.get(token)
        return (200, claims) if claims else (401, {"error": "invalid_token"})


def make_handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the test output is what matters
            pass

        def _send(self, status: int, body: dict | str):
            if isinstance(body, str):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if status == 302:
                self.send_response(302)
                self.send_header("Location", body["location"])
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._send(200, provider.discovery())
            elif url.path == "/jwks":
                self._send(200, provider.jwks())
            elif url.path == "/authorize" and provider.ask:
                self._send(200, provider.ask_page(query))
            elif url.path == "/authorize":
                self._send(*provider.authorize(query))
            elif url.path == "/userinfo":
                self._send(*provider.userinfo(self.headers.get("Authorization", "")))
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            url = urlparse(self.path)
            if url.path == "/authorize" and provider.ask:
                fields = {k: v[0] for k, v in parse_qs(raw).items()}
                answers = {k: fields.pop(k, "") for k in ("email", "hr", "mfa")}
                self._send(*provider.authorize(fields, answers))
            elif url.path == "/token":
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                self._send(*provider.token(form))
            elif url.path == "/_control":
                with provider.lock:
                    provider.control = json.loads(raw)
                self._send(200, {"ok": True})
            else:
                self._send(404, {"error": "not_found"})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--issuer", default="", help="public base URL (default http://host:port)")
    parser.add_argument("--client-id", default=os.environ.get("OIDC_RP_CLIENT_ID", "feedback360"))
    parser.add_argument(
        "--client-secret", default=os.environ.get("OIDC_RP_CLIENT_SECRET", "test-secret")
    )
    parser.add_argument("--ask", action="store_true", help="ask whom to sign in as")
    args = parser.parse_args()
    issuer = (args.issuer or f"http://{args.host}:{args.port}").rstrip("/")
    server = ThreadingHTTPServer(
        (args.host, args.port),
        make_handler(Provider(issuer, args.client_id, args.client_secret, ask=args.ask)),
    )
    print(f"test OpenID provider at {issuer}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
