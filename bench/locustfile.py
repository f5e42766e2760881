"""Mixed traffic for the load test (run by bench/loadtest.py; not on its own).

Sessions were logged in beforehand (BENCH_SESSIONS: a JSON file with cookies and CSRF tokens), so
the measured requests are the pages people use, not the login. Each simulated person paces itself
(constant_throughput), so the total offered rate is users × per-user rate. Each starts at a random
moment within its first interval: started together, all of them would ask at the same instant
every 1/rate seconds, bursts that no crowd of independent phones makes.
"""
import datetime
import json
import os
import random
import uuid
from itertools import count
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant_throughput, task

SESSIONS = json.loads(open(os.environ["BENCH_SESSIONS"]).read())
RATE = float(os.environ.get("BENCH_USER_RATE", "4"))
_statushouder = count()
_contactpersoon = count()


class Statushouder(FastHttpUser):
    weight = int(os.environ.get("BENCH_WEIGHT_SH", "9"))
    wait_time = constant_throughput(RATE)

    def on_start(self):
        gevent.sleep(random.uniform(0, 1 / RATE))
        s = SESSIONS["statushouders"][next(_statushouder) % len(SESSIONS["statushouders"])]
        self.cookie, self.csrf = s["cookie"], s["csrf"]
        self.headers = dict(s["headers"], Cookie=self.cookie)
        self.coupled = datetime.date.fromisoformat(s["coupled_on"])

    def _get(self, path, name):
        self.client.get(path, headers={**self.headers, "Accept-Encoding": "gzip"}, name=name)

    @task(5)
    def home(self):
        self._get("/me", "home")

    @task(3)
    def logbook(self):
        self._get("/me/logbook", "logbook")

    @task(2)
    def log_entry(self):
        today = datetime.date.today()
        earliest = max(self.coupled, today - datetime.timedelta(days=40))
        day = earliest + datetime.timedelta(days=random.randint(0, (today - earliest).days))
        with self.client.post("/me/logbook", name="log an entry", allow_redirects=False, catch_response=True,
                              headers=self.headers,
                              data={"csrf_token": self.csrf, "form_key": uuid.uuid4().hex,
                                    "client_uuid": str(uuid.uuid4()), "category": "TAALLES", "hours": "0.5",
                                    "entry_date": day.isoformat()}) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")


class Contactpersoon(FastHttpUser):
    weight = int(os.environ.get("BENCH_WEIGHT_CP", "1"))
    wait_time = constant_throughput(RATE)

    def on_start(self):
        gevent.sleep(random.uniform(0, 1 / RATE))
        s = SESSIONS["contactpersonen"][next(_contactpersoon) % len(SESSIONS["contactpersonen"])]
        self.cookie, self.csrf, self.pending = s["cookie"], s["csrf"], list(s["pending"])
        self.headers = dict(s["headers"], Cookie=self.cookie)

    @task(3)
    def caseload(self):
        self.client.get("/staff/clients", headers={**self.headers, "Accept-Encoding": "gzip"},
                        name="caseload")

    @task(2)
    def confirm(self):
        # Fifty waiting entries of the gemeente; when the list runs out the same ones come again
        # (then they are already confirmed and the answer says so: still a full request).
        chosen, self.pending = self.pending[:50], self.pending[50:] + self.pending[:50]
        body = urlencode([("csrf_token", self.csrf), ("form_key", uuid.uuid4().hex), ("action", "confirm"),
                          ("next", "/staff/inbox")]
                         + [("entry", e) for e in chosen])
        with self.client.post("/staff/inbox", name="confirm 50", allow_redirects=False, catch_response=True,
                              headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
                              data=body) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
