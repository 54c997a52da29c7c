"""A visit counter: each GET / counts the visit in redis (INCR), writes a row for it to
postgres, and answers with what it reads back from both:

    visit 3: redis hits=3, postgres rows=3 last=3 from 10.89.0.5

GET /health answers "ok" once both stores answer."""
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import redis

CACHE = redis.Redis(host=os.environ["REDIS_HOST"], port=6379, socket_timeout=5)


def db():
    # PGHOST, PGUSER, PGPASSWORD, PGDATABASE from the environment
    return psycopg2.connect("", connect_timeout=5)


def setup():
    with db() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS visits ("
                    " n integer PRIMARY KEY, client text, at timestamptz DEFAULT now())")


class Handler(BaseHTTPRequestHandler):
    def answer(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        try:
            if self.path == "/health":
                CACHE.ping()
                with db() as conn, conn.cursor() as cur:
                    cur.execute("SELECT 1")
                self.answer(200, "ok\n")
                return
            if self.path != "/":
                self.answer(404, "not found\n")
                return
            n = CACHE.incr("hits")
            client = self.headers.get("X-Forwarded-For", self.client_address[0])
            with db() as conn, conn.cursor() as cur:
                cur.execute("INSERT INTO visits (n, client) VALUES (%s, %s)", (n, client))
                cur.execute("SELECT count(*), max(n) FROM visits")
                rows, last = cur.fetchone()
            self.answer(200, f"visit {n}: redis hits={n}, postgres rows={rows} last={last}"
                             f" from {client}\n")
        except Exception as e:  # the error is the answer: the test shows it
            self.answer(500, f"error: {e}\n")

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


if __name__ == "__main__":
    setup()
    print("shop: listening on :8000", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
