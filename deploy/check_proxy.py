"""Try deploy/nginx.conf for real: nginx (TLS, self-signed) in front of `licensebot run --workers 2` on
PostgreSQL, Telegram played by the fake Bot API server. Everything on 127.0.0.1; needs nginx and openssl.

    python deploy/check_proxy.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Checks: a webhook update through the proxy is answered (the fake server receives the reply); a wrong
secret is refused through the proxy; /healthz and /metrics are not reachable through the proxy but are
on the app's own port. Prints one line per check and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_parts import SECRET, FakeServer, Updates, bot_process, free_port, said, wait_ready  # noqa: E402
from tests.pgdb import private_database  # noqa: E402


def nginx_config(folder: Path, listen: int, app_port: int) -> Path:
    """deploy/nginx.conf's server block with local ports and a throw-away certificate, in a minimal main config."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    block = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen} ssl;")
    block = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {folder / 'cert.pem'};", block)
    block = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {folder / 'key.pem'};", block)
    block = block.replace("127.0.0.1:8080", f"127.0.0.1:{app_port}")
    main = (f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
            f"http {{\n  access_log {folder / 'access.log'};\n  client_body_temp_path {folder};\n"
            f"  proxy_temp_path {folder};\n{block}\n}}\n")
    path = folder / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    if not shutil.which("nginx") or not shutil.which("openssl"):
        print("needs nginx and openssl on PATH")
        return 2
    folder = Path(tempfile.mkdtemp(prefix="licensebot-proxy-"))
    listen = free_port()
    results: list[tuple[str, bool]] = []
    fake = FakeServer()
    try:
        with private_database(args.admin_url) as url:
            app_port = free_port()
            conf = nginx_config(folder, listen, app_port)
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(folder), "-g", "daemon off;"])
            try:
                with bot_process(url, fake.base_url, 2, 1, folder / "bot.log", port=app_port,
                                 webhook_url=f"https://127.0.0.1:{listen}/telegram/webhook") as bot:
                    wait_ready(bot.base, fake, 2)
                    public = f"https://127.0.0.1:{listen}"
                    with httpx.Client(verify=False, timeout=10) as http:
                        update = Updates().make(4242, said("ICP证年报什么时候报"))
                        ok = http.post(f"{public}/telegram/webhook", json=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).status_code
                        deadline = time.monotonic() + 10
                        while time.monotonic() < deadline and not any(c == 4242 for c, _t, _a in fake.log()):
                            time.sleep(0.1)
                        results.append(("webhook through the proxy answered (HTTP 200, reply sent)",
                                        ok == 200 and any(c == 4242 for c, _t, _a in fake.log())))
                        forged = http.post(f"{public}/telegram/webhook", json=update,
                                           headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code
                        results.append((f"wrong secret through the proxy refused (HTTP {forged})", forged == 403))
                        login = http.get(f"{public}/console/login?t=probe")  # the page with the sign-in button
                        results.append((f"console sign-in page through the proxy (HTTP {login.status_code})",
                                        login.status_code == 200))
                        styles = http.get(f"{public}/console/static/console.css").status_code
                        results.append((f"console static files through the proxy (HTTP {styles})", styles == 200))
                        # an unknown token: the app's own 404 (text), not the proxy's (nginx's HTML page)
                        calendar = http.get(f"{public}/calendar/{'0' * 32}.ics")
                        results.append((f"calendar URL reaches the app (HTTP {calendar.status_code})",
                                        calendar.status_code == 404 and "nginx" not in calendar.text))
                        for path in ("/healthz", "/metrics"):
                            outside = http.get(f"{public}{path}").status_code
                            inside = httpx.get(f"{bot.base}{path}", timeout=5).status_code
                            results.append((f"{path}: {outside} through the proxy, {inside} on the app's port",
                                            outside == 404 and inside == 200))
            finally:
                nginx.terminate()
                nginx.wait(timeout=10)
    finally:
        fake.stop()
    for label, passed in results:
        print(f"{'ok  ' if passed else 'FAIL'} {label}")
    return 0 if results and all(passed for _label, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
