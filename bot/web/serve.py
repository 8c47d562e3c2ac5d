"""Serve the web application with waitress (a production WSGI server; no debug mode)."""
from __future__ import annotations

import argparse

from waitress import serve

from bot.web.app import create_app


def main(argv: list[str] | None = None) -> None:
    """Run the web process: `python -m bot.web.serve [--host H] [--port P]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    serve(create_app(), host=args.host, port=args.port, threads=8, ident="career-coach")


if __name__ == "__main__":
    main()
