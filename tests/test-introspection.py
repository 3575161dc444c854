#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libconfab from Python, through GObject Introspection: a real ConfabServer in this process
# and a real ConfabSession, driven the way a Python bot would drive them. Prints TAP.

import sys

import gi

gi.require_version("Confab", "1")
from gi.repository import Confab, GLib  # noqa: E402

KEY = "python-key"
SECRET = "python-secret"
results = []


def check(name, condition, detail=""):
    results.append((name, bool(condition), detail))


def run_until(predicate, seconds=10):
    """Runs the main loop until predicate() holds; False if it never did."""
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + seconds * 1000000
    while not predicate():
        if GLib.get_monotonic_time() > deadline:
            return False
        context.iteration(True)
    return True


def main():
    server = Confab.Server.new(KEY, SECRET)
    server.listen("127.0.0.1", 0)
    url = server.dup_url()
    session_id = Confab.Session.id_new(KEY)
    token = Confab.token_new(KEY, SECRET, session_id, Confab.Role.PUBLISHER, "Pythonista", 0)

    session = Confab.Session.new(url, session_id)
    joined = {}

    def on_connected(source, result):
        try:
            joined["ok"] = source.connect_finish(result)
        except GLib.Error as error:
            joined["error"] = error

    session.connect_async(token, None, on_connected)
    run_until(lambda: joined)
    check("joins with a token", joined.get("ok") and
          session.get_state() == Confab.SessionState.CONNECTED, joined.get("error"))

    connection = session.get_connection()
    check("sees its own connection data", connection is not None and
          connection.get_data() == "Pythonista" and
          session.get_connections().get_n_items() == 1)

    heard = []
    session.connect("signal::chat",
                    lambda _s, kind, data, sender, direct:
                    heard.append((kind, data, sender.get_id(), direct)))
    sent = {}
    session.send_signal_async("chat", "hello from Python", None, True, None,
                              lambda s, r: sent.update(ok=s.send_signal_finish(r)))
    run_until(lambda: heard and sent)
    check("a broadcast comes back through signal::chat",
          heard == [("chat", "hello from Python", connection.get_id(), False)] and sent.get("ok"))

    refused = {}

    def on_refused(source, result):
        try:
            source.send_signal_finish(result)
        except GLib.Error as error:
            refused["error"] = error

    session.send_signal_async("x" * 129, "too long a type", None, True, None, on_refused)
    run_until(lambda: refused)
    error = refused.get("error")
    check("an invalid signal fails with the library's error code",
          error is not None and error.code == Confab.Error.SIGNAL_TYPE_TOO_LONG,
          error and error.message)

    session.disconnect()
    server.stop()

    print("1..%d" % len(results))
    for number, (name, passed, detail) in enumerate(results, 1):
        print("%s %d %s" % ("ok" if passed else "not ok", number, name))
        if not passed and detail:
            print("# %s" % detail)
    return 0 if all(passed for _, passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
