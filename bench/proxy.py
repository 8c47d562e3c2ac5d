"""A throw-away nginx in front of the Rasa server, with the per-client limits docs/security.md recommends.

Used by the abuse benchmark to measure the recommended deployment: the reverse proxy drops a
client's flood (request rate per client address, body size) before it reaches Python, and tells
the Rasa server the client's address (RASA_TRUSTED_PROXIES trusts it). Debian's `nginx` (or
`nginx-light`) package; nothing is downloaded. The bench's clients name their own address in
X-Forwarded-For, so nginx takes it as the client address (`real_ip`), as a proxy behind a load
balancer would.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.processes import free_ports

NGINX = "nginx"
RATE_PER_SECOND = 5  # per client address; a learner sends far fewer
BURST = 20
MAX_BODY = "64k"

CONFIG = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    limit_req_zone $binary_remote_addr zone=clients:10m rate={rate}r/s;
    limit_req_status 429;
    client_max_body_size {max_body};
    client_body_buffer_size {max_body};  # bodies stay in memory (no temp files)
    upstream rasa {{ server 127.0.0.1:{upstream}; keepalive 32; }}
    server {{
        listen 127.0.0.1:{port};
        location /webhooks/ {{
            limit_req zone=clients burst={burst} nodelay;
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def available() -> bool:
    """Whether nginx is installed (apt-get install nginx-light)."""
    return shutil.which(NGINX) is not None or Path("/usr/sbin/nginx").exists()


@contextmanager
def nginx_in_front(upstream_port: int, tmp: Path) -> Iterator[str]:
    """Run nginx on a free 127.0.0.1 port in front of `upstream_port`; yields its base URL."""
    (port,) = free_ports(1)
    tmp.mkdir(parents=True, exist_ok=True)
    tmp.chmod(0o777)  # nginx's workers may run as an unprivileged user
    config = tmp / "nginx.conf"
    config.write_text(CONFIG.format(tmp=tmp, rate=RATE_PER_SECOND, burst=BURST, max_body=MAX_BODY,
                                    upstream=upstream_port, port=port))
    binary = shutil.which(NGINX) or "/usr/sbin/nginx"
    process = subprocess.Popen([binary, "-c", str(config), "-p", str(tmp)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {(process.stderr.read() if process.stderr else b'').decode()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within {seconds:.0f}s")
