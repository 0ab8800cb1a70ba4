"""Fixtures for the sign-in tests: a real OpenID provider process (tests/oidc_provider.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROVIDER = Path(__file__).resolve().parent.parent / "oidc_provider.py"
CLIENT_ID = "feedback360"
CLIENT_SECRET = "test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningProvider:
    def __init__(self, url: str):
        self.url = url

    def sign_in_as(self, claims: dict, **oddities) -> None:
        """Who the provider signs in next, and what is odd about their tokens
        (aud=..., exp_offset=...)."""
        body = json.dumps({"claims": claims, **oddities}).encode()
        request = urllib.request.Request(
            f"{self.url}/_control", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200


@pytest.fixture(scope="session")
def oidc_provider_process():
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(PROVIDER),
            "--port",
            str(port),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"the test provider did not start: {process.stdout.read()!r}"
                ) from None
            time.sleep(0.05)
    yield RunningProvider(url)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def oidc_provider(oidc_provider_process, settings):
    """The provider process, and this site configured for it as the README says."""
    url = oidc_provider_process.url
    with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=5) as response:
        discovery = json.load(response)
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = discovery["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_PROVIDER_NAME = "Test SSO"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.oidc.DirectoryOIDCBackend",
        "accounts.backends.EmailCaseInsensitiveBackend",
    ]
    return oidc_provider_process
