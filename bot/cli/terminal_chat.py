"""Chat with the running assistant from a terminal, through the REST channel (`make shell`)."""
from __future__ import annotations

import argparse
import json
import secrets
import urllib.error
import urllib.request


def send(url: str, sender: str, text: str) -> list[dict]:  # type: ignore[type-arg]
    """Post one message to the REST channel and return the replies."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local URL
        return json.loads(response.read() or b"[]")


def main() -> None:
    """Read lines, print the assistant's replies and numbered buttons (type a number to press)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:5005")
    args = parser.parse_args()
    sender = f"terminal-{secrets.token_hex(16)}"
    buttons: list[dict] = []  # type: ignore[type-arg]
    print("Career Coach — type a question, a button number, or Ctrl-D to quit.")
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if line.isdigit() and 0 < int(line) <= len(buttons):
            line = buttons[int(line) - 1]["payload"]
        try:
            replies = send(args.url, sender, line)
        except (urllib.error.URLError, OSError) as exc:
            print(f"(cannot reach the assistant at {args.url}: {exc}; is `make run` running?)")
            continue
        buttons = []
        for reply in replies:
            if reply.get("text"):
                print("coach> " + reply["text"].replace("\n", "\n       "))
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"       [{len(buttons)}] {button.get('title')}")


if __name__ == "__main__":
    main()
