"""Nothing of a session survives it: a replayed tab after logout gets no dossier or message text.

The attack: a client opens a dossier and its messages, logs out in another
tab, and closes the first tab. Someone who captured that tab's websocket
frames (the client token is no secret: it is in every frame) replays them
from a browser without the session cookie. Every answer the server sends must
be free of the dossier's and the messages' text.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.e2e.conftest import login

DOSSIER_TEXT = "Dorpsstraat"
MESSAGE_TEXTS = ("Kopie legitimatiebewijs", "Concept akte klaargezet")

REPLAY = """
async ({url, connect, frames, protocols}) => {
  const received = [];
  const ws = new WebSocket(url, protocols);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  ws.onmessage = (m) => {
    received.push(String(m.data));
    if (m.data === "2") ws.send("3");  // engine.io ping -> pong
  };
  ws.send(connect);  // the tab's own connect packet: it carries Reflex's hydrate (boot) event
  await new Promise((r) => setTimeout(r, 500));
  for (const frame of frames) {
    ws.send(frame);
    await new Promise((r) => setTimeout(r, 400));
  }
  await new Promise((r) => setTimeout(r, 1500));
  ws.close();
  return received;
}
"""


def test_replayed_frames_after_logout_carry_no_data(browser, portal):
    context = browser.new_context(locale="nl-NL")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    sockets: list[dict] = []

    def watch(ws):
        record = {"url": ws.url, "frames": []}
        sockets.append(record)
        ws.on("framesent", lambda payload: record["frames"].append(payload))

    tab.on("websocket", watch)
    login(tab, portal, "jansen@example.nl")
    tab.get_by_role("link", name=re.compile("Dossiers")).first.click()
    tab.get_by_role("link", name="Openen 2026-0142").click()
    expect(tab.get_by_text(DOSSIER_TEXT).first).to_be_visible()
    tab.get_by_role("tab", name=re.compile("Berichten")).click()
    expect(tab.get_by_text(MESSAGE_TEXTS[0]).first).to_be_visible()

    # log out in a second tab; the first tab sends nothing more and is closed
    other = context.new_page()
    other.goto(f"{portal.url}/mijn-gegevens")
    other.locator("#logout-button").click()
    expect(other).to_have_url(re.compile(r"/login"))
    socket = next(s for s in reversed(sockets) if "/_event" in s["url"] and s["frames"])
    event_frames = [f for f in socket["frames"] if isinstance(f, str) and f.startswith("42")]
    connect = next(f for f in socket["frames"] if isinstance(f, str) and f.startswith("40"))
    assert "hydrate" in connect, connect[:200]
    # the connection URL carries the token (and Reflex's boot event); the frames the tab's events
    assert "token=" in socket["url"], socket["url"]
    assert any("on_load_internal" in f for f in event_frames), [f[:120] for f in event_frames]
    tab.close()

    # a browser without the cookie replays the tab's frames under its old client token
    attacker_context = browser.new_context(locale="nl-NL")
    attacker = attacker_context.new_page()
    attacker.goto(f"{portal.url}/404")  # same origin as the portal, no cookie
    assert not any(c["name"] == "kp_session" for c in attacker_context.cookies())
    protocols = [p for p in (socket.get("protocol"),) if p] or []
    received = attacker.evaluate(
        REPLAY,
        {
            "url": socket["url"].replace("http", "ws", 1),
            "connect": connect,
            "frames": event_frames,
            "protocols": protocols,
        },
    )
    answers = [m for m in received if m.startswith("42")]
    assert answers, f"the replay got no answer at all: {received[:5]}"
    text = "\n".join(answers)
    assert DOSSIER_TEXT not in text
    for message in MESSAGE_TEXTS:
        assert message not in text
    # and the replay was really processed: the server sent the tab to the login page
    assert any("login" in json.dumps(m) for m in answers)
    attacker_context.close()
    context.close()
